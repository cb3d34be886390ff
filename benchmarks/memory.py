"""Peak resident memory: of one contender training in a process of its own, and of `scratchnet train`.

A process's peak resident set size (VmHWM) counts everything it ever held at once: the
interpreter, the libraries it imported, the data in the form that contender keeps it, the model
and its temporaries. So each contender is measured in a fresh process that loads the data, builds
its network and trains on the first 6,000 images.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROWS = 6_000
ROOT = Path(__file__).resolve().parent.parent


def _run(argv: list[str], env: dict[str, str] | None = None, cwd: str | None = None) -> dict[str, Any]:
    """Run argv and return the JSON object on the last line of its output; raise if it fails."""
    process = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed with {process.returncode}: {process.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(process.stdout.strip().splitlines()[-1])
    return result


def contender_peak(contender: str, config_index: int, threads: int) -> float:
    """Return the peak RSS (bytes) of a fresh process training `contender` on ROWS images of the config."""
    argv = [sys.executable, "-m", "benchmarks.memory", contender, str(config_index), str(threads)]
    return float(_run(argv, cwd=str(ROOT))["peak_rss"])


def scratchnet_train_peak(env: dict[str, str], flags: Sequence[str] = ()) -> dict[str, Any]:
    """Return the wall seconds, peak RSS, test accuracy and metrics (`--metrics-json`) of `scratchnet train FLAGS`.

    With no flags, that is `scratchnet train` with its defaults.
    """
    # A small parent process runs it, so that RUSAGE_CHILDREN holds the peak of that one child alone.
    code = (
        "import json, resource, subprocess, sys, time; t = time.perf_counter();"
        "p = subprocess.run([sys.executable, '-m', 'scratchnet', 'train', '--out', sys.argv[1], '--metrics-json', sys.argv[2], *sys.argv[3:]], capture_output=True, text=True);"
        "s = time.perf_counter() - t;"
        "print(json.dumps({'rc': p.returncode, 'seconds': s, 'peak_rss': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, 'out': p.stdout[-600:] + p.stderr[-600:]}))"
    )
    with tempfile.TemporaryDirectory() as folder:
        environment = {**env, "SCRATCHNET_HOME": folder, "COLUMNS": "120"}
        metrics = Path(folder) / "metrics.json"
        result = _run(
            [sys.executable, "-c", code, str(Path(folder) / "model.npz"), str(metrics), *flags],
            env=environment,
            cwd=folder,
        )
        if result["rc"] != 0:
            raise RuntimeError(f"scratchnet train {' '.join(flags)} failed: {result['out']}")
        result["metrics"] = json.loads(metrics.read_text())
    accuracy = [line for line in result.pop("out").splitlines() if line.startswith("test accuracy")]
    result["test_accuracy"] = accuracy[-1].split(":")[1].strip() if accuracy else None
    return result


def _measure_here(contender: str, config_index: int, threads: int) -> None:
    """Train `contender` on ROWS images in this process and print its peak RSS as JSON."""
    from threadpoolctl import threadpool_limits

    from benchmarks import contenders

    threadpool_limits(threads)
    config = contenders.CONFIGS[config_index]
    data = contenders.load_data()
    model = contenders.make(contender, config, data, threads)
    model.epoch(ROWS)
    print(json.dumps({"peak_rss": peak_rss_here()}))


def peak_rss_here() -> int:
    """Return this process's peak resident set size in bytes (VmHWM: ru_maxrss would count the parent's before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


if __name__ == "__main__":
    _measure_here(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
