"""Readings on every core: the drawings and photos of /api/read (and /api/predict) read in worker processes.

A reading (`explorer.reading_view`) is mostly small NumPy calls that hold the interpreter lock, so one
server process reads on one core however many the machine has (`app.COMPUTE_THREADS`): with a class of
50 phones drawing on a 2-core laptop, every drawing waited behind the others while the second core
idled. A reading needs only its request, the served network and the shipped reader, so `ReadingPool`
hands it to worker processes (`concurrent.futures.ProcessPoolExecutor`), each with its own interpreter,
the shipped reader loaded as it starts, and BLAS on one thread (ANSWER_THREADS). Measured
with `benchmarks.load` (50 phones, the convolutional reader served, docs/benchmarks.md): p99 126–158 ms
and 2.4–2.8 ms of CPU a request on two workers, where one process gave 252–298 ms and 2.9–3.4 ms.

The served network changes while the page trains one, and the explorer's training and model stay in
the server's memory. So each version of the served network is written once, pickled, into the pool's
folder; a reading carries the version and that file's name, and a worker loads the file when the version
is not the one it holds. A worker that dies (killed, out of memory) breaks the pool: the reading is
answered in the server's own thread instead, and a new pool is started for the next ones; after RESTARTS
of them, the pool is given up and the server reads in its own thread, as with `--read-processes 0`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path

from scratchnet.children import die_with_parent
from scratchnet.web.explorer import ServedModel

logger = logging.getLogger(__name__)

ANSWER_THREADS = 1
"""BLAS threads for the answers, in the server and in its workers: a drawing is one row through the network, whose
products (about 0.4 MFLOP each for the shipped reader) lie far below `scratchnet.training.threads.SHARED_PRODUCT_FLOPS`,
from which sharing a product pays; a second thread only spins beside the first. Measured with the reader served, one
client: 3.98 ms of server CPU per /api/read on two threads, 3.23 ms on one. A training started from the page sets its
own threads around itself (`fit`), as `scratchnet train` does."""

KEPT_VERSIONS = 8
"""Served networks' files kept in the pool's folder: the newest, and those before it, which readings sent before it
came may still be waiting to load (a training from the page makes a version an epoch)."""

END_SECONDS = 5.0
"""How long workers may take to end when the server stops (a reading in progress finishes) before they are killed."""

RESTARTS = 3
"""New pools started after workers died, before the pool is given up and the server reads in its own thread."""

Answer = Callable[[bytes, ServedModel], bytes]
"""What reads a request's body for the served model and returns the JSON answer (`app._read_answer`)."""


class ReadingPool:
    """Worker processes that answer readings (see the module's docstring); `close` ends them."""

    def __init__(self, processes: int, restarts: int = RESTARTS) -> None:
        self.processes = processes
        self.restarts = restarts
        self._folder = tempfile.TemporaryDirectory(prefix="scratchnet-readers-")
        self._written: dict[int, Path] = {}
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = self._start()

    def _start(self) -> ProcessPoolExecutor:
        """Start the workers (spawned: a fork of a server with threads could copy a held lock)."""
        executor = ProcessPoolExecutor(
            self.processes, mp_context=get_context("spawn"), initializer=_start_worker, initargs=(os.getpid(),)
        )
        for _ in range(self.processes):  # spawn them all now, each loading the reader, not at the first drawings
            executor.submit(os.getpid)
        return executor

    async def answer(self, answer: Answer, body: bytes, served: ServedModel) -> bytes | None:
        """Return answer(body, served) as computed in a worker process; None when no worker could (one died, or
        the pool was given up): the caller then reads it itself, and a new pool starts for the next readings."""
        executor = self._executor
        if executor is None:
            return None
        path = self._written.get(served.version) or await asyncio.to_thread(self._write, served)
        try:
            future = executor.submit(_answer_in_worker, answer, body, served.version, served.source, str(path))
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._restart(executor)
            return None

    def _write(self, served: ServedModel) -> Path:
        """Write the served network's file for its version (once), dropping the files of older versions."""
        with self._lock:
            if served.version in self._written:
                return self._written[served.version]
            path = Path(self._folder.name) / f"model-{served.version}.pickle"
            partial = path.with_suffix(".part")
            partial.write_bytes(pickle.dumps(served.net, protocol=pickle.HIGHEST_PROTOCOL))
            partial.replace(path)  # a worker never loads half a file
            self._written[served.version] = path
            for version in sorted(self._written)[:-KEPT_VERSIONS]:
                self._written.pop(version).unlink(missing_ok=True)
            return path

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        """Replace a broken pool by a new one (once, however many readings found it broken), or give the pool up
        after `restarts` new ones (workers that cannot start, or keep dying)."""
        with self._lock:
            if self._executor is not broken:
                return
            _end(broken, seconds=0.0)  # on the event loop: no waiting; a broken pool's workers are of no more use
            if self.restarts > 0:
                self.restarts -= 1
                logger.warning(
                    "a reading worker died: its reading is read in the server's thread, and new workers start"
                )
                self._executor = self._start()
            else:
                logger.warning("reading workers keep dying: the server reads in its own thread from now on")
                self._executor = None

    def close(self) -> None:
        """End the workers and remove the folder."""
        if self._executor is not None:
            _end(self._executor, END_SECONDS)
        self._folder.cleanup()


def _end(executor: ProcessPoolExecutor, seconds: float) -> None:
    """Shut the pool down and end its workers within `seconds`, killing those that have not ended by then.

    A worker killed while it waited for work dies holding the lock of the pool's queue, and the others then wait
    for it for ever; `shutdown(wait=True)` would wait with them."""
    workers = list((executor._processes or {}).values())  # the executor's own record of its processes
    executor.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + seconds
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.is_alive():
            worker.kill()
            worker.join()


_held: ServedModel | None = None
"""The served network this worker holds: the last version it loaded."""


def _start_worker(server: int) -> None:
    """Set up a worker of the server process `server`: Ctrl-C is the server's to handle, the worker dies with the
    server (at once if it has already died while the worker started), BLAS on one thread, the shipped reader loaded."""
    from threadpoolctl import threadpool_limits

    from scratchnet.reading import load_reader

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end_with_server = die_with_parent()  # a server killed outright takes its workers with it (Linux)
    if end_with_server is not None:
        end_with_server()
    if os.getppid() != server:  # the server died before the worker could ask to die with it
        os._exit(0)
    threadpool_limits(ANSWER_THREADS, user_api="blas")
    load_reader()


def _answer_in_worker(answer: Answer, body: bytes, version: int, source: str, path: str) -> bytes:
    """Return answer(body, served), the served network of `version` loaded from `path` unless already held."""
    global _held
    if _held is None or _held.version != version:
        _held = ServedModel(pickle.loads(Path(path).read_bytes()), source, version)
    return answer(body, _held)
