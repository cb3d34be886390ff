"""The benchmark as users feel it: whole calls and whole runs, beside the epochs alone of run.py.

- The Python call `Network.sgd(X, y, epochs=1, batch_size=m, lr=η)` with its defaults
  (`contenders.ScratchnetCall`) races in every configuration with the other contenders; from those
  rounds come its time over the hardware floor, PyTorch's epoch over it, and the share of the call
  spent beyond its epoch (the training figures on their fixed sample, the set-up).
- `scratchnet train` with its defaults, in a process of its own, against what its epochs would cost
  PyTorch and the Python call at the per-image rates raced in this run at m = 10 (its configuration).
- `best-mlp` to 99.4%: `scratchnet train --preset best-mlp` on one BLAS thread and on two, each in a process
  of its own: the seconds of training until the validation accuracy first reaches 99.4%, and the
  curve of validation accuracy against seconds. No contender trains `best-mlp` (its distortions,
  Nesterov's rule and cosine schedule on the clock are scratchnet's), so these rows stand alone.
"""

from __future__ import annotations

import itertools
import statistics
from pathlib import Path
from typing import Any

from benchmarks import contenders, memory

TARGET = 0.994
"""The validation accuracy `best-mlp` is timed to."""

BEST_THREADS = (1, 2)

QUICK_TRAIN = ("--limit", "2000", "--epochs", "1")
"""What --quick adds to `scratchnet train`: a smoke run, not a measurement."""

QUICK_BEST = ("--limit", "2000", "--epochs", "2")


def call_figures(times: dict[str, list[float]], call: contenders.ScratchnetCall, data_seconds: float) -> dict[str, Any]:
    """Return the whole call's figures from the rounds raced: over the floor, PyTorch over it, its share beyond the epoch."""
    calls = times[call.name]
    torch = times.get(contenders.Torch.name)
    return {
        "over_floor": statistics.median(c / (p + data_seconds) for c, p in zip(calls, times["floor: products"])),
        "pytorch_over_call": statistics.median(t / c for t, c in zip(torch, calls)) if torch else None,
        "beyond_epoch": statistics.median((wall - epoch) / epoch for wall, epoch in call.parts),
    }


def train_defaults(env: dict[str, str], quick: bool, first: dict[str, Any]) -> dict[str, Any]:
    """Return `scratchnet train`'s wall time, peak memory, epochs' seconds and the contenders' estimates for its epochs.

    first: run.py's results for the m = 10 configuration, whose per-image rates give the estimates.
    """
    result = memory.scratchnet_train_peak(env, QUICK_TRAIN if quick else ())
    metrics = result.pop("metrics")
    epochs = metrics["history"]["epochs"]
    result["epochs"], result["epoch_seconds"] = len(epochs), sum(record["seconds"] for record in epochs)
    images = metrics["trained_on"]["images"] * len(epochs)
    timed = first["floor"]["images"]
    result["estimates"] = {
        name: first["seconds_per_epoch"][name]["median"] / timed * images
        for name in (contenders.Torch.name, contenders.ScratchnetCall.name)
        if name in first["seconds_per_epoch"]
    }
    return result


def best_runs(env: dict[str, str], quick: bool) -> dict[str, Any]:
    """Return, per thread count, `scratchnet train --preset best-mlp`'s wall time, test accuracy and its accuracy-time curve."""
    runs: dict[str, Any] = {}
    for threads in BEST_THREADS:
        result = memory.scratchnet_train_peak(
            env, ("--preset", "best-mlp", "--threads", str(threads), *(QUICK_BEST if quick else ()))
        )
        epochs = result.pop("metrics")["history"]["epochs"]
        seconds = list(itertools.accumulate(record["seconds"] for record in epochs))
        result["curve"] = [[s, record["validation_accuracy"]] for s, record in zip(seconds, epochs)]
        reached = [
            (s, epoch)
            for epoch, (s, accuracy) in enumerate(result["curve"], 1)
            if accuracy is not None and accuracy >= TARGET
        ]
        result["seconds_to_target"], result["epoch_of_target"] = reached[0] if reached else (None, None)
        runs[str(threads)] = result
    return runs


def write_figure(runs: dict[str, Any], path: Path) -> Path | None:
    """Draw `best-mlp`'s validation accuracy against seconds of training, one line per thread count; return path (None without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    from scratchnet.io import write_atomically

    figure, axes = plt.subplots(figsize=(8, 4.5))
    for threads, run in runs.items():
        points = [(s, 100 * a) for s, a in run["curve"] if a is not None]
        axes.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            label=f"{threads} BLAS thread{'s' if threads != '1' else ''}",
        )
    axes.axhline(100 * TARGET, color="grey", linestyle="--", linewidth=0.8)
    axes.set_xlabel("seconds of training")
    axes.set_ylabel("validation accuracy (%)")
    axes.set_ylim(98, 100)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="lower right")
    axes.set_title("best-mlp: validation accuracy against training time")
    figure.tight_layout()
    write_atomically(path, lambda file: figure.savefig(file, format="png", dpi=110))
    plt.close(figure)
    return path


def markdown_lines(results: dict[str, Any]) -> list[str]:
    """Return the end-to-end paragraphs of docs/benchmarks.md: the Python call, `scratchnet train`, `best-mlp`."""
    lines = [
        "**The Python call** `Network.sgd(X, y, epochs=1, batch_size=m, lr=η)` with its defaults (the row "
        f"*{contenders.ScratchnetCall.name}*, timed from call to return, on the BLAS threads it chooses): "
        + "; ".join(
            f"{r['config']['name']}: {r['call']['over_floor']:.2f}× the hardware floor"
            + (
                f", PyTorch CPU's epoch {r['call']['pytorch_over_call']:.1f}× as long"
                if r["call"]["pytorch_over_call"]
                else ""
            )
            + f", {100 * r['call']['beyond_epoch']:.0f}% of its epoch's time spent beyond the epoch (training figures, set-up)"
            for r in results["configs"]
        )
        + ".",
        "",
    ]
    t = results.get("train_defaults")
    if t:
        estimates = ", ".join(f"{name} about {s:.1f} s" for name, s in t["estimates"].items())
        lines += [
            f"**`scratchnet train`** with its defaults ({t['epochs']} epoch{'s' if t['epochs'] != 1 else ''}, m = 10, threads chosen by the work), in a process of its own: "
            f"{t['seconds']:.1f} s wall, {t['epoch_seconds']:.1f} s of it in the epochs, {t['peak_rss'] / 1e6:.0f} MB peak RSS, test accuracy "
            f"{t['test_accuracy']}; the same epochs at the rates raced above at m = 10: {estimates}.",
            "",
        ]
    best = results.get("best_mlp")
    if best:
        parts = []
        for threads, run in best.items():
            reached = (
                f"{100 * TARGET:.1f}% on validation after {run['seconds_to_target']:.0f} s of training (epoch {run['epoch_of_target']})"
                if run["seconds_to_target"] is not None
                else f"never {100 * TARGET:.1f}% on validation"
            )
            parts.append(
                f"{threads} thread{'s' if threads != '1' else ''}: {reached}, test accuracy {run['test_accuracy']}, "
                f"{run['seconds'] / 60:.1f} min wall, {run['peak_rss'] / 1e6:.0f} MB peak RSS"
            )
        lines += [
            "**`best-mlp` to 99.4%** (`scratchnet train --preset best-mlp --threads T`, its own time budget; no contender trains it): "
            + "; ".join(parts)
            + "."
            + (
                " ![best-mlp: validation accuracy against seconds of training](benchmarks-best-mlp.png)"
                if results.get("best_mlp_figure")
                else ""
            ),
            "",
        ]
    return lines
