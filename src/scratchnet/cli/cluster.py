"""Runs on a Dask cluster: `reproduce --scheduler` and `sweep --scheduler` send each run to a worker.

Each run is one task, `run_on_worker(run)`, the same `scratchnet train` child process `train_once`
starts here, submitted with an explicit key of its own and `pure=False`, so no two runs merge and none
is run for another. A run whose task fails (its child killed, say) is tried again up to RETRIES times,
and one whose worker dies is given to another worker by the scheduler itself (Dask's
`allowed-failures`); either way its result is gathered once, from its one future.

Before any run the client checks, each within CONNECT_SECONDS, that the scheduler answers, that a
worker has joined, and that every worker imports this very version of scratchnet (`probe.py`, sent by
value). Dask starts its workers with one BLAS thread (OMP_NUM_THREADS=1 and the like); a run on a
worker instead gets the policy it has here: its threads chosen by the work (`scratchnet.training.threads`),
capped at the worker machine's cores shared out between the worker's task threads, as `--jobs` does.

Only this module imports `distributed`, and only when a scheduler is given.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Sequence
from typing import Any

import scratchnet.cli.probe as probe
from scratchnet.children import die_with_parent
from scratchnet.cli.runs import Done, Run, train_once
from scratchnet.errors import ClusterError
from scratchnet.training.threads import THREAD_VARIABLES, allowed_cores

RETRIES = 2
"""How many more times a run whose task failed is tried (on whichever worker is free)."""

CONNECT_SECONDS = 10
"""How long to wait for the scheduler to answer, and then for a first worker to join it."""


def execute_on_cluster(runs: Sequence[Run], done: Done, address: str) -> None:
    """Run every run once on the workers of the Dask scheduler at address, calling `done` as each ends."""
    from distributed import as_completed

    client = connect(address)
    try:
        batch = uuid.uuid4().hex[:12]
        futures = {
            client.submit(run_on_worker, run, key=f"scratchnet-run-{batch}-{index}", retries=RETRIES, pure=False): run
            for index, run in enumerate(runs)
        }
        for future in as_completed(futures, loop=client.loop):
            try:
                metrics = future.result()
            except (
                Exception
            ) as err:  # the run's own error, or Dask's (KilledWorker, lost scheduler): one line in the report
                done(futures[future], RuntimeError(f"{futures[future].label} failed on the cluster: {_one_line(err)}"))
            else:
                done(futures[future], metrics)
    finally:
        client.close()


def connect(address: str) -> Any:
    """Return a distributed.Client of the scheduler at address whose workers all run this scratchnet.

    Raises ClusterError without Dask's distributed, when the scheduler does not answer or no worker joins
    within CONNECT_SECONDS, or when a worker imports no scratchnet or another version.
    """
    try:
        from distributed import Client
    except ImportError as err:
        raise ClusterError(
            "--scheduler needs Dask's distributed, which is not installed here; got none (pip install 'scratchnet[cluster]')"
        ) from err
    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # its warnings would break the one-line errors
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as err:
        raise ClusterError(
            f"the Dask scheduler at {address} did not answer within {CONNECT_SECONDS} s; start one there with `dask scheduler`"
        ) from err
    try:
        _check_workers(client, address)
    except BaseException:
        client.close()
        raise
    return client


def _check_workers(client: Any, address: str) -> None:
    """Raise ClusterError unless a worker has joined and every worker imports this version of scratchnet."""
    import cloudpickle

    from scratchnet import __version__

    try:
        client.wait_for_workers(1, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError) as err:
        raise ClusterError(
            f"no Dask worker joined the scheduler at {address} within {CONNECT_SECONDS} s; "
            f"start one on each machine with `dask worker {address}`"
        ) from err
    cloudpickle.register_pickle_by_value(probe)  # so that it reaches a worker without scratchnet
    versions: dict[str, Any] = client.run(probe.scratchnet_version, on_error="return")  # a value or what it raised
    wrong = sorted((worker, version) for worker, version in versions.items() if version != __version__)
    if wrong:
        worker, version = wrong[0]
        if isinstance(version, BaseException):
            has = f"could not say which scratchnet it has ({_one_line(version)})"
        else:
            has = "has no scratchnet" if version is None else f"has scratchnet {version}"
        raise ClusterError(
            f"every Dask worker must run scratchnet {__version__}, as here; {len(wrong)} of {len(versions)} do not, "
            f"{worker} {has} (pip install 'scratchnet[cluster]=={__version__}' there)"
        )


def run_on_worker(run: Run) -> dict[str, Any]:
    """Return the metrics of `run`, trained by `train_once` on the worker this task runs on (its one task).

    The child's BLAS threads are capped at this machine's cores over the worker's task threads (in place
    of Dask's one), and on Linux the child is killed when its worker dies, so that a run the scheduler
    gives to another worker does not go on here too.
    """
    from distributed import get_worker

    share = max(1, allowed_cores() // max(1, get_worker().state.nthreads))
    environment = {**os.environ, **{variable: str(share) for variable in THREAD_VARIABLES}}
    return train_once(run, environment, die_with_parent())


def _one_line(err: BaseException) -> str:
    """Return an exception as one line: its type and the first line of its message."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__
