"""One run of `scratchnet train` in a child process, and the runs of `reproduce` and `sweep` on this machine.

A `Run` is a preset, the settings changed on top of it (by their declared names), a training-set
limit and BLAS threads; `train_once(run)` runs `python -m scratchnet train` with those flags in a
temporary folder and returns its metrics, so each run's seconds are end to end (loading the data,
training, testing, saving). `execute_here` runs many on this machine's threads; a Dask worker runs
the same `train_once` (`scratchnet.cli.cluster`), so a run on a worker is the run here.
`scratchnet.cli.executor` chooses between the two."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scratchnet.cli.arguments import UsageError, flag
from scratchnet.training.config import PRESETS, TrainConfig
from scratchnet.training.threads import THREAD_VARIABLES, available_cores, threads_per_job


@dataclass(frozen=True)
class Run:
    """One `scratchnet train --preset PRESET` run: settings changed on top of the preset, a limit, BLAS threads.

    `changes` holds (name, value) pairs of declared TrainConfig settings, values as their constraint
    normalises them; `threads` (None: chosen by the work) is how the run is placed, not what it learns.
    """

    preset: str
    changes: tuple[tuple[str, Any], ...] = ()
    limit: int | None = None
    threads: int | None = None

    @property
    def config(self) -> TrainConfig:
        """Return the run's settings: the preset's, with the changes (checked again)."""
        return PRESETS[self.preset].config.with_options(**dict(self.changes))

    @property
    def label(self) -> str:
        """Return the run as one short phrase: `tutorial lr=0.3 seed=1`."""
        return " ".join([self.preset, *(f"{name}={word(value)}" for name, value in self.changes)])

    def arguments(self) -> list[str]:
        """Return the `scratchnet train` arguments of the run, without where it writes."""
        words = ["--preset", self.preset]
        for name, value in self.changes:
            if isinstance(value, bool):
                words.append(flag(name) if value else "--no-" + flag(name)[2:])
            else:
                words += [flag(name), word(value)]
        if self.limit is not None:
            words += ["--limit", str(self.limit)]
        if self.threads is not None:
            words += [flag("threads"), str(self.threads)]
        return words


def word(value: Any) -> str:
    """Return a setting's value as the command line writes it: 784,16,10 for a tuple, `none` for (), 0.3 for 0.3."""
    if isinstance(value, tuple):
        return ",".join(map(str, value)) if value else "none"
    return repr(value) if isinstance(value, float) else str(value)


RUN_FOLDER = "scratchnet-run-"
"""The start of each run's temporary folder's name, followed by the process id of the process that made it."""


def has_ended(pid: int) -> bool:
    """Return True when process `pid` is known to have ended (on Linux, also one ended but not yet waited for).

    False where that cannot be told (Windows, another user's process): a folder is kept rather than lost.
    """
    status = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            return status.read_text().rsplit(")", 1)[1].split()[0] == "Z"  # the state after the command's name
        except OSError:
            return True
    if os.name != "posix":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def remove_orphaned_folders(root: Path | None = None) -> list[Path]:
    """Remove the run folders (in `root`, the temporary folder by default) whose process has ended; return them.

    A run's folder goes when its run ends, but not when its process is killed (a Dask worker lost mid-run, a
    machine's out-of-memory killer): the next run on the machine removes what such a process left.
    """
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{RUN_FOLDER}*-*"):
        pid = folder.name.removeprefix(RUN_FOLDER).split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and has_ended(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def train_once(
    run: Run, environment: Mapping[str, str] | None = None, before_start: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Run `python -m scratchnet train` for `run` in a temporary folder; return its metrics, with `wall_seconds`.

    The metrics are those `--metrics-json` writes (config, history, test_accuracy, ...); wall_seconds is
    the child's whole life. With `run.threads` set, OpenMP's and the other libraries' pools get as many.
    `environment` replaces this process's for the child; `before_start` runs in the child before it starts.
    Raises RuntimeError naming the run and the child's last line when it fails.
    """
    child = dict(os.environ if environment is None else environment)
    if run.threads is not None:
        child.update({variable: str(run.threads) for variable in THREAD_VARIABLES})
    remove_orphaned_folders()
    with tempfile.TemporaryDirectory(prefix=f"{RUN_FOLDER}{os.getpid()}-") as temporary:
        folder = Path(temporary)
        command = [sys.executable, "-m", "scratchnet", "train", *run.arguments()]
        command += ["--out", str(folder / "model.npz"), "--metrics-json", str(folder / "metrics.json")]
        started = time.perf_counter()
        finished = subprocess.run(
            command, env=child, cwd=folder, capture_output=True, text=True, preexec_fn=before_start
        )
        seconds = time.perf_counter() - started
        if finished.returncode != 0:
            last = (finished.stderr.strip() or finished.stdout.strip() or "no output").splitlines()[-1]
            raise RuntimeError(f"{run.label} exited with {finished.returncode}: {last}")
        metrics: dict[str, Any] = json.loads((folder / "metrics.json").read_text())
    metrics["wall_seconds"] = seconds
    return metrics


Done = Callable[[Run, dict[str, Any] | Exception], None]
"""What `execute` calls, on the calling thread, as each run ends: with its metrics, or the exception it raised."""


def run_threads(jobs: int) -> int | None:
    """Return the BLAS threads of each run beside jobs − 1 others, jobs × threads ≤ cores (None, alone: chosen by the work).

    Raises UsageError for more jobs than cores: two runs on one core only take turns.
    """
    cores = available_cores()
    if jobs > cores:
        raise UsageError(
            f"argument --jobs: must be at most the {cores} cores this process may use, so that runs side by side do not fight for them; got {jobs}"
        )
    return threads_per_job(jobs, cores) if jobs > 1 else None


def execute_here(runs: Sequence[Run], done: Done, jobs: int = 1) -> None:
    """Run every run once on this machine, `jobs` at a time, calling `done` on this thread as each ends."""
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(train_once, run): run for run in runs}
        for future in as_completed(futures):
            try:
                metrics = future.result()
            except (RuntimeError, OSError, ValueError) as err:
                done(futures[future], err)
            else:
                done(futures[future], metrics)
