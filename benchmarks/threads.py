"""Where a second BLAS thread starts to pay: epochs of representative networks on one thread and on two.

    python -m benchmarks.threads [--rows N] [--repeats R] [--many T] [--quick] [--json PATH]

`scratchnet.training.threads` shares a training's products between the cores once their mean work
F̄ = (2m/L) Σ_l n_l n_(l+1) (operations per product, for mini-batches of m rows) reaches
SHARED_PRODUCT_FLOPS. This measures the rule's premise: for 784-w-w-10 networks of several widths w
and mini-batch sizes m, it trains epochs of `rows` MNIST images through `scratchnet.train` with
threads=1 and threads=T in turn (so a slow moment of the machine falls on both alike), and prints
the seconds per epoch (median), the speed-up of T threads, and the crossover: the F̄ between the
largest one where one thread still wins and the smallest from which T threads always win (their
geometric mean). Run it on a quiet machine; its one-line verdict says what to set.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from pathlib import Path
from typing import Any

import scratchnet
from scratchnet.io import write_atomically
from scratchnet.training.threads import SHARED_PRODUCT_FLOPS, mean_product_flops

WIDTHS = (16, 32, 64, 100, 200, 400, 800)
"""Hidden widths w of the 784-w-w-10 networks timed: from the tutorial's 16 to `best`'s 800."""

BATCH_SIZES = (10, 32, 128)
"""Mini-batch sizes m timed: the tutorial's 10, tutorial-tuned's 32, best's 128."""


def epoch_seconds(sizes: tuple[int, ...], m: int, threads: int, images: Any, labels: Any, net: Any) -> float:
    """Return the seconds of one training epoch (the stepper's own timer, monitoring excluded) on `threads` BLAS threads."""
    history = scratchnet.train(
        net, images, labels, epochs=1, batch_size=m, lr=0.1, keep="last", training_sample=1, threads=threads
    )
    return history.epochs[-1].seconds


def time_one(sizes: tuple[int, ...], m: int, many: int, repeats: int, images: Any, labels: Any) -> dict[str, Any]:
    """Return the epoch seconds of sizes at m on one thread and on `many`, alternating, after a warm-up of each."""
    net = scratchnet.Network(sizes, init="scaled", seed=0)
    times: dict[int, list[float]] = {1: [], many: []}
    for threads in times:
        epoch_seconds(sizes, m, threads, images[: max(m, len(images) // 10)], labels[: max(m, len(images) // 10)], net)
    for repeat in range(repeats):
        for threads in (1, many) if repeat % 2 == 0 else (many, 1):
            times[threads].append(epoch_seconds(sizes, m, threads, images, labels, net))
    one, shared = statistics.median(times[1]), statistics.median(times[many])
    return {
        "layers": list(sizes),
        "m": m,
        "mean_product_flops": mean_product_flops(sizes, m),
        "seconds": {str(t): v for t, v in times.items()},
        "one": one,
        "many": shared,
        "speedup": one / shared,
    }


def crossover(rows: list[dict[str, Any]]) -> float | None:
    """Return the F̄ where `many` threads start to win for good: the geometric mean of the last loser and the first winner.

    None if one thread wins everywhere; 0 if `many` threads win everywhere.
    """
    ordered = sorted(rows, key=lambda row: row["mean_product_flops"])
    wins = [row["speedup"] > 1 for row in ordered]
    if not any(wins):
        return None
    if all(wins):
        return 0.0
    last_loss = max(index for index, won in enumerate(wins) if not won)
    if last_loss == len(ordered) - 1:
        return None
    below, above = ordered[last_loss]["mean_product_flops"], ordered[last_loss + 1]["mean_product_flops"]
    return math.sqrt(below * above)


def report(rows: list[dict[str, Any]], many: int, found: float | None) -> str:
    """Return the printed table and the verdict."""
    lines = [
        f"{'layers':>18} {'m':>4} {'F̄ (MFLOP)':>11} {'1 thread (s)':>13} {f'{many} threads (s)':>14} {'speed-up':>9}"
    ]
    for row in sorted(rows, key=lambda row: row["mean_product_flops"]):
        lines.append(
            f"{'-'.join(map(str, row['layers'])):>18} {row['m']:>4} {row['mean_product_flops'] / 1e6:>11.3f} "
            f"{row['one']:>13.4f} {row['many']:>14.4f} {row['speedup']:>8.2f}×"
        )
    now = f"scratchnet.training.threads.SHARED_PRODUCT_FLOPS is {SHARED_PRODUCT_FLOPS / 1e6:g} MFLOP"
    if found is None:
        lines.append(f"crossover: one thread wins at every size timed (up to the largest F̄); {now}")
    elif found == 0:
        lines.append(f"crossover: {many} threads win at every size timed (from the smallest F̄); {now}")
    else:
        lines.append(f"crossover: F̄ ≈ {found / 1e6:.3g} MFLOP per product ({many} threads win from there on); {now}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.threads", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows", type=int, default=10_000, help="training images per timed epoch (default: %(default)s)"
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="epochs timed per network, size and thread count (default: %(default)s)"
    )
    parser.add_argument("--many", type=int, default=2, help="the thread count compared with one (default: %(default)s)")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 500 images, one repeat, two widths and two sizes of m"
    )
    parser.add_argument("--json", type=Path, help="also write every time measured, with the machine, as JSON here")
    args = parser.parse_args(argv)
    widths, batch_sizes = (WIDTHS, BATCH_SIZES) if not args.quick else ((16, 800), (10, 128))
    rows, repeats = (500, 1) if args.quick else (args.rows, args.repeats)
    data = scratchnet.load_mnist(validation_size=0)
    images, labels = data.train.images[:rows], data.train.labels[:rows]
    measured = []
    for width in widths:
        for m in batch_sizes:
            measured.append(time_one((784, width, width, 10), m, args.many, repeats, images, labels))
            row = measured[-1]
            print(
                f"  784-{width}-{width}-10 m={m}: 1 thread {row['one']:.4f} s, {args.many} threads {row['many']:.4f} s",
                file=sys.stderr,
                flush=True,
            )
    found = crossover(measured)
    print(report(measured, args.many, found))
    if args.json is not None:
        from benchmarks.run import machine

        results = {
            "machine": machine(args.many),
            "rows": rows,
            "repeats": repeats,
            "configs": measured,
            "crossover_flops": found,
        }
        write_atomically(args.json, lambda file: file.write((json.dumps(results, indent=1) + "\n").encode()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
