"""Inference: `Network.feedforward` of one image, and of the 10,000 test images at once."""

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


def feedforward_times(net: Any, images: np.ndarray) -> dict[str, list[float]]:
    """Return the seconds of feedforward on one uint8 image (1, 784) and on all the images."""
    one = images[:1]
    return {
        "one image": time_calls(lambda: net.feedforward(one), repeats=21, number=200),
        f"{len(images):,} images": time_calls(lambda: net.feedforward(images), repeats=21),
    }


def summary(times: list[float]) -> dict[str, float]:
    """Return the median, min and max of `times`."""
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}
