"""Where the runs of `reproduce` and `sweep` are run: on this machine (--jobs), or on a Dask cluster (--scheduler).

Both subcommands take the same two flags from `add_executor_arguments`, and hand their runs to
`execute`, which calls back as each run ends, with its metrics or its error, on the calling thread.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import scratchnet.cli.arguments as arguments
from scratchnet.cli.arguments import UsageError
from scratchnet.cli.runs import Done, Run, execute_here, run_threads


def add_executor_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --jobs (runs side by side here) and --scheduler (a Dask cluster's address) to a subcommand."""
    parser.add_argument(
        "--jobs",
        type=arguments.positive_int,
        default=1,
        metavar="N",
        help="runs side by side on this machine, at most its cores, each on cores/N BLAS threads so that they do not "
        "fight for the cores (default: %(default)s)",
    )
    parser.add_argument(
        "--scheduler",
        type=scheduler_address,
        metavar="tcp://HOST:8786",
        help="send each run to the workers of this Dask scheduler (pip install 'scratchnet[cluster]'; `dask scheduler`, "
        "then `dask worker tcp://HOST:8786` on each machine) instead of running it here; not η's --schedule",
    )


def scheduler_address(text: str) -> str:
    """Return a Dask scheduler's address as tcp://HOST:PORT (HOST:PORT alone means tcp://)."""
    address = text if "://" in text else "tcp://" + text
    scheme, _, rest = address.partition("://")
    host, _, port = rest.rpartition(":")
    if scheme not in ("tcp", "tls") or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"must be a Dask scheduler's address like tcp://HOST:8786; got {text!r}")
    return address


def placement(args: argparse.Namespace) -> int | None:
    """Return the BLAS threads each run gets here (None: chosen by the work, or by the worker on a cluster).

    Raises UsageError for --jobs with --scheduler, or more jobs than cores.
    """
    if args.scheduler:
        if args.jobs != 1:
            raise UsageError(
                f"argument --jobs: sets the runs side by side on this machine, and --scheduler sends them to a cluster; got both (--jobs {args.jobs})"
            )
        return None
    return run_threads(args.jobs)


def execute(runs: Sequence[Run], done: Done, jobs: int = 1, scheduler: str | None = None) -> None:
    """Run every run once, here on `jobs` threads or on the Dask cluster at `scheduler`, calling `done` as each ends."""
    if scheduler is None:
        execute_here(runs, done, jobs)
        return
    from scratchnet.cli.cluster import execute_on_cluster  # imports Dask's distributed, an extra

    execute_on_cluster(runs, done, scheduler)
