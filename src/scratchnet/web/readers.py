"""Readings on every core: the drawings and photos of /api/read read in worker processes.

A reading (`explorer.reading_view`) is mostly small NumPy calls that hold the interpreter lock, so one
server process reads on one core however many the machine has (`app.COMPUTE_THREADS`): with a class of
50 phones drawing on a 2-core laptop, every drawing waited behind the others while the second core
idled. A reading needs only its request, the served network and the shipped reader, so `ReadingPool`
hands it to worker processes (`concurrent.futures.ProcessPoolExecutor`), each with its own interpreter,
the shipped reader loaded as it starts, and BLAS on one thread (`cli.serve.ANSWER_THREADS`). Measured
with `benchmarks.load` (50 phones, the convolutional reader served, docs/benchmarks.md): p99 136–158 ms
and 2.5–2.8 ms of CPU a reading on two workers, where one process gave 252–298 ms and 2.9–3.4 ms.

The served network changes while the page trains one, and the explorer's training and model stay in
the server's memory. So each version of the served network is written once, pickled, into the pool's
folder; a reading carries the version and that file's name, and a worker loads the file when the version
is not the one it holds. A worker that dies (killed, out of memory) breaks the pool: the reading is
answered in the server's own thread instead, and a new pool is started for the next ones.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import signal
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path

from scratchnet.web.explorer import ServedModel

logger = logging.getLogger(__name__)

KEPT_VERSIONS = 2
"""Served networks' files kept in the pool's folder: the newest, and the one before, which readings sent just
before it came may still be loading."""

Answer = Callable[[bytes, ServedModel], bytes]
"""What reads a request's body for the served model and returns the JSON answer (`app._read_answer`)."""


class ReadingPool:
    """Worker processes that answer readings (see the module's docstring); `close` ends them."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._folder = tempfile.TemporaryDirectory(prefix="scratchnet-readers-")
        self._written: dict[int, Path] = {}
        self._lock = threading.Lock()
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        """Start the workers (spawned: a fork of a server with threads could copy a held lock)."""
        executor = ProcessPoolExecutor(
            self.processes, mp_context=get_context("spawn"), initializer=_start_worker, initargs=(os.getpid(),)
        )
        for _ in range(self.processes):  # spawn them all now, each loading the reader, not at the first drawings
            executor.submit(os.getpid)
        return executor

    async def answer(self, answer: Answer, body: bytes, served: ServedModel) -> bytes:
        """Return answer(body, served) as computed in a worker process (in this process's thread if the pool broke)."""
        path = self._written.get(served.version) or await asyncio.to_thread(self._write, served)
        executor = self._executor
        try:
            future = executor.submit(_answer_in_worker, answer, body, served.version, served.source, str(path))
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            logger.warning("a reading worker died: reading in the server's thread while a new pool starts")
            self._restart(executor)
            return await asyncio.to_thread(answer, body, served)

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
        """Replace a broken pool by a new one (once, however many readings found it broken)."""
        with self._lock:
            if self._executor is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._executor = self._start()

    def close(self) -> None:
        """End the workers and remove the folder."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._folder.cleanup()


_held: ServedModel | None = None
"""The served network this worker holds: the last version it loaded."""


def _start_worker(server: int) -> None:
    """Set up a worker of the server process `server`: Ctrl-C is the server's to handle, the worker dies with the
    server (at once if it has already died while the worker started), BLAS on one thread, the shipped reader loaded."""
    from threadpoolctl import threadpool_limits

    from scratchnet.cli.runs import die_with_parent
    from scratchnet.cli.serve import ANSWER_THREADS
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
