"""Peak memory of a whole process tree: a command and every process it starts, summed.

`scratchnet train --members K` (`best` is a committee of three) trains in K + 1 processes, and the peak RSS
that `getrusage(RUSAGE_CHILDREN)` or `/usr/bin/time` report is the largest single process's, not what the
machine must hold. This runs the command, samples the resident set of it and all its descendants every
0.2 s (psutil), and prints the largest sum and the wall time, end to end:

    python -m benchmarks.tree_memory -- scratchnet train --preset best
    python -m benchmarks.tree_memory -- scratchnet reproduce --presets best

A peak shorter than the sampling interval can be missed; the training's arrays live for the whole run.
The command's exit code is passed on.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
from typing import Any

INTERVAL = 0.2
"""Seconds between two samples of the tree's resident memory."""


def tree_rss(root: Any) -> int:
    """Return the summed resident set size, in bytes, of root (a psutil.Process) and every process below it."""
    import psutil

    total = 0
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # ended between the listing and the reading
            total += process.memory_info().rss
    return total


def measure(command: list[str]) -> dict[str, Any]:
    """Run command; return its exit code, wall seconds and the peak summed RSS of its process tree (bytes)."""
    import psutil

    started = time.perf_counter()
    child = subprocess.Popen(command)
    root, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        with contextlib.suppress(psutil.Error):  # the command itself ended while being read
            peak = max(peak, tree_rss(root))
        time.sleep(INTERVAL)
    return {"returncode": child.returncode, "seconds": time.perf_counter() - started, "peak_tree_rss": peak}


def main(argv: list[str] | None = None) -> int:
    """Measure the command after `--` and print one line; return the command's exit code."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tree_memory", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- and the command to run, e.g. scratchnet train")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to measure after --")
    result = measure(command)
    print(
        f"tree_memory: exit code {result['returncode']}, {result['seconds']:.1f} s wall, "
        f"peak summed RSS {result['peak_tree_rss'] / 1e6:,.0f} MB over the process tree",
        file=sys.stderr,
    )
    return int(result["returncode"])


if __name__ == "__main__":
    sys.exit(main())
