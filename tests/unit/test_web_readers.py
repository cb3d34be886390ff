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

from scratchnet.io import load_model
from scratchnet.reading import READER_CONV
from scratchnet.web.app import _read_answer
from scratchnet.web.explorer import ServedModel
from scratchnet.web.readers import KEPT_VERSIONS, ReadingPool
from scratchnet.web.validation import RequestError
from tests.unit.test_web_server import compact


def children(pid: int) -> set[int]:
    """Return the process ids of pid's living children (Linux: /proc/PID/task/*/children)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


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
    kept = sorted(path.name for path in Path(pool._folder.name).iterdir())
    assert KEPT_VERSIONS == 2 and kept == ["model-2.pickle", "model-3.pickle"]  # the oldest file is gone


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


def test_a_worker_killed_loses_no_reading_and_a_new_pool_takes_over(pool, trained_model, mnist):
    served = ServedModel(load_model(trained_model)[0], "784-30-10", 1)
    body = drawing(mnist.test.images[0])
    expected = _read_answer(body, served)
    assert read_in(pool, body, served) == expected
    workers = children(os.getpid()) & {p.pid for p in pool._executor._processes.values()}
    assert len(workers) == 2
    os.kill(workers.pop(), signal.SIGKILL)
    time.sleep(0.5)
    assert read_in(pool, body, served) == expected  # the broken pool's reading, read in this thread
    assert read_in(pool, body, served) == expected  # the new pool's
    new_workers = {p.pid for p in pool._executor._processes.values()}
    assert len(new_workers) == 2 and not new_workers & workers
