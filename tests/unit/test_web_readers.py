"""`scratchnet.web.readers`: drawings read in worker processes answer exactly as the server's own thread
answers them, through new versions of the served network, bad requests and a worker killed mid-class."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from starlette.testclient import TestClient

from benchmarks.load import children
from scratchnet.io import load_model
from scratchnet.reading import READER_CONV
from scratchnet.web import Explorer, create_app
from scratchnet.web.app import _read_answer
from scratchnet.web.explorer import ServedModel
from scratchnet.web.readers import KEPT_VERSIONS, ReadingPool
from scratchnet.web.validation import RequestError
from tests.unit.test_web_server import compact


def drawing(image: np.ndarray) -> bytes:
    """Return the page's /api/read body for a 28×28 digit blown up to 112×112."""
    return json.dumps(compact(image)).encode()


@pytest.fixture
def pool():
    readers = ReadingPool(2)
    yield readers
    readers.close()


def read_in(pool: ReadingPool, body: bytes, served: ServedModel) -> bytes:
    return asyncio.run(pool.answer(_read_answer, body, served))


def test_each_version_of_the_served_network_reads_in_the_workers_as_in_the_server(pool, trained_model, mnist):
    served = [
        ServedModel(load_model(trained_model)[0], "784-30-10", 1),
        ServedModel(load_model(READER_CONV)[0], "the reader's convolutional member", 2),
        ServedModel(load_model(trained_model)[0], "784-30-10 again", 3),
    ]
    bodies = [drawing(image) for image in mnist.test.images[:4]]
    for model in served:
        for body in bodies:
            assert read_in(pool, body, model) == _read_answer(body, model)
    newer = range(4, KEPT_VERSIONS + 2)  # a training from the page: a version an epoch
    for version in newer:
        model = ServedModel(load_model(trained_model)[0], "784-30-10 training", version)
        assert read_in(pool, bodies[0], model) == _read_answer(bodies[0], model)
    kept = {path.name for path in Path(pool._folder.name).iterdir()}
    assert kept == {f"model-{version}.pickle" for version in range(2, KEPT_VERSIONS + 2)}  # the oldest file is gone


def test_a_bad_drawing_is_refused_by_a_worker_with_the_servers_own_status_and_words(pool, trained_model):
    served = ServedModel(load_model(trained_model)[0], "784-30-10", 1)
    for body, status in ((b'{"width": 2, "height": 2, "grey": "AAAA"}', 400), (b"[1, 2]", 400)):
        with pytest.raises(RequestError) as in_server:
            _read_answer(body, served)
        with pytest.raises(RequestError) as in_worker:
            read_in(pool, body, served)
        assert (
            (in_worker.value.status, str(in_worker.value))
            == (in_server.value.status, str(in_server.value))
            == (
                status,
                str(in_server.value),
            )
        )


def workers_of(pool: ReadingPool) -> set[int]:
    """Return the ids of the pool's worker processes, as this process's children."""
    return set(children(os.getpid())) & {process.pid for process in pool._executor._processes.values()}


def kill_a_worker(pool: ReadingPool) -> set[int]:
    """Kill one of the pool's workers outright (SIGKILL) and return the ids the pool had."""
    workers, executor = workers_of(pool), pool._executor
    os.kill(min(workers), signal.SIGKILL)
    deadline = time.monotonic() + 30
    while not executor._broken and time.monotonic() < deadline:  # the executor's own thread sees the death
        time.sleep(0.02)
    return workers


def test_a_worker_killed_loses_no_reading_and_a_new_pool_takes_over(pool, trained_model, mnist):
    served = ServedModel(load_model(trained_model)[0], "784-30-10", 1)
    body = drawing(mnist.test.images[0])
    assert read_in(pool, body, served) == _read_answer(body, served)
    before = kill_a_worker(pool)
    assert len(before) == 2
    assert read_in(pool, body, served) is None  # no worker read it: the server reads it itself (app._answer_picture)
    assert read_in(pool, body, served) == _read_answer(body, served)  # the new pool's workers
    after = workers_of(pool)
    assert len(after) == 2 and not after & before


def test_workers_that_keep_dying_are_given_up(trained_model, mnist):
    served = ServedModel(load_model(trained_model)[0], "784-30-10", 1)
    body = drawing(mnist.test.images[0])
    pool = ReadingPool(1, restarts=1)
    try:
        for _ in range(2):
            assert read_in(pool, body, served) == _read_answer(body, served)
            kill_a_worker(pool)
            assert read_in(pool, body, served) is None
        assert pool._executor is None and read_in(pool, body, served) is None
    finally:
        pool.close()


def test_the_page_reads_in_the_workers_and_in_the_server_when_one_died(pool, trained_model, mnist):
    net, header = load_model(trained_model)
    explorer = Explorer(net, str(trained_model), header.get("test_accuracy"), None)
    body = compact(mnist.test.images[0])
    with TestClient(create_app(explorer)) as alone, TestClient(create_app(explorer, readers=pool)) as client:
        for path in ("/api/read", "/api/predict"):
            expected = alone.post(path, json=body).json()
            assert client.post(path, json=body).json() == expected
            kill_a_worker(pool)
            assert client.post(path, json=body).json() == expected  # read by the server itself
            assert client.post(path, json=body).json() == expected  # by the new workers
