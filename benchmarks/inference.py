"""Inference: `Network.feedforward` of one image, and of the 10,000 test images at once.

    python -m benchmarks.inference [--threads N]

The answer path (scratchnet/core/answers.py) multiplies in float64 so that an image's answer does not
depend on the images sent with it; run alone, this prints what that costs beside the float32
products it replaced (`feedforward(X, products=np.float32)`, what training measures itself with), for
the tutorial's network and for best-mlp's 784-800-800-10, in one process, turn by turn.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np


def time_calls(call: Any, repeats: int, number: int = 1) -> list[float]:
    """Return the seconds of one call, measured `repeats` times (each the mean of `number` calls)."""
    call()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(number):
            call()
        times.append((time.perf_counter() - started) / number)
    return times


def feedforward_times(net: Any, images: np.ndarray, products: Any = np.float64) -> dict[str, list[float]]:
    """Return the seconds of feedforward on one uint8 image (1, 784) and on all the images, in `products`."""
    one = images[:1]
    return {
        "one image": time_calls(lambda: net.feedforward(one, products=products), repeats=21, number=200),
        f"{len(images):,} images": time_calls(lambda: net.feedforward(images, products=products), repeats=21),
    }


PATHS = {"answer path (float64 products)": np.float64, "float32 products (before)": np.float32}
"""The two ways timed: what every answer goes through now, and the float32 products it replaced."""


def answer_path_cost(net: Any, images: np.ndarray) -> dict[str, dict[str, dict[str, float]]]:
    """Return {path: {"one image" | "N images": summary}} for both PATHS, timed turn by turn."""
    times: dict[str, dict[str, list[float]]] = {name: {} for name in PATHS}
    for _ in range(3):  # alternate, so that a busy moment of the machine falls on both
        for name, products in PATHS.items():
            for what, t in feedforward_times(net, images, products).items():
                times[name].setdefault(what, []).extend(t)
    return {name: {what: summary(t) for what, t in kinds.items()} for name, kinds in times.items()}


def summary(times: list[float]) -> dict[str, float]:
    """Return the median, min and max of `times`."""
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def main(argv: list[str] | None = None) -> int:
    """Print the answer path's cost against float32 products, for the tutorial's network and best-mlp's."""
    import argparse

    from threadpoolctl import threadpool_limits

    import scratchnet

    parser = argparse.ArgumentParser(prog="python -m benchmarks.inference", description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1, as benchmarks.run)")
    args = parser.parse_args(argv)
    images = scratchnet.load_mnist(validation_size=0).test.images
    print(f"| network | path | one image | {len(images):,} images | images a second |\n|---|---|---|---|---|")
    with threadpool_limits(args.threads):
        for sizes in ([784, 16, 16, 10], [784, 800, 800, 10]):
            net = scratchnet.Network(sizes, seed=0)
            for name, t in answer_path_cost(net, images).items():
                many = t[f"{len(images):,} images"]["median"]
                print(
                    f"| {'-'.join(map(str, sizes))} | {name} | {t['one image']['median'] * 1e6:.0f} µs "
                    f"| {many * 1e3:.1f} ms | {len(images) / many:,.0f} |"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
