"""The hardware floor: the least time an epoch's matrix products and data reads can take here.

An epoch at mini-batch m must, for every step, multiply each layer forward, z = ã W̃ᵀ, take each
layer's gradient, ∇W̃ᵀ = ãᵀ δ, and send δ back through every layer but the first, δ W (with the
bias as a column of W̃ and a column of ones in ã, and W̃ᵀ stored, the layout BLAS runs fastest here,
as scratchnet does it). `ProductsFloor.epoch` runs
exactly those products, at exactly those shapes, back to back on preallocated arrays through the same
BLAS and the same `np.dot`: whatever else an implementation does (the elementwise work, the updates, Python) comes on top.
Its FLOPs over that time is the GEMM rate BLAS achieves on these shapes; `peak_gemm_rate` measures
the rate on a large square product for comparison. The data floor is the bytes an epoch must read
(the uint8 images) over the memory bandwidth measured by `memory_bandwidth`.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.contenders import Config

IMAGES = 60_000


def epoch_flops(config: Config, images: int = IMAGES) -> float:
    """Return the floating-point operations of one epoch's products (2 per multiply-add)."""
    sizes, total = config.sizes, 0
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        total += 2 * (n_in + 1) * n_out  # forward and gradient
        if l > 0:
            total += n_in * n_out  # δ back through W
    return 2.0 * images * total


class ProductsFloor:
    """The matrix products of one epoch of `config`, timed alone (float32, as scratchnet trains)."""

    name = "floor: products"

    def __init__(self, config: Config, dtype: type = np.float32) -> None:
        m, sizes = config.m, config.sizes
        rng = np.random.default_rng(0)
        self.steps = -(-IMAGES // m)
        self.a = [rng.random((m, n + 1)).astype(dtype) for n in sizes[:-1]]
        self.w = [rng.random((n_in + 1, n_out)).astype(dtype) for n_in, n_out in zip(sizes[:-1], sizes[1:])]  # W̃ᵀ
        self.z = [np.empty((m, n), dtype) for n in sizes[1:]]
        self.g = [np.empty_like(w) for w in self.w]
        self.e = [np.empty((m, n), dtype) for n in sizes[1:-1]]

    def epoch(self, rows: int | None = None) -> float:
        a, w, z, g, e = self.a, self.w, self.z, self.g, self.e
        layers = range(len(w))
        steps = self.steps if rows is None else max(1, rows // len(a[0]))
        started = time.perf_counter()
        for _ in range(steps):
            for l in layers:
                np.dot(a[l], w[l], z[l])
            for l in reversed(layers):
                np.dot(a[l].T, z[l], g[l])
                if l > 0:
                    np.dot(z[l], w[l][:-1].T, e[l - 1])
        return time.perf_counter() - started


def peak_gemm_rate(dtype: type = np.float32, n: int = 1024, repeats: int = 5) -> float:
    """Return the best FLOP/s of an n×n by n×n product (2n³ FLOPs)."""
    rng = np.random.default_rng(0)
    A, B = rng.random((n, n)).astype(dtype), rng.random((n, n)).astype(dtype)
    C = np.empty_like(A)
    np.matmul(A, B, C)
    best = min(_timed(lambda: np.matmul(A, B, C)) for _ in range(repeats))
    return 2 * n**3 / best


def memory_bandwidth(megabytes: int = 256, repeats: int = 5) -> float:
    """Return the best bytes/s of copying a large array (counting the bytes read and the bytes written)."""
    src = np.ones(megabytes << 20, np.uint8)
    dst = np.empty_like(src)
    best = min(_timed(lambda: np.copyto(dst, src)) for _ in range(repeats))
    return 2 * src.nbytes / best


def data_bytes(config: Config, images: int = IMAGES) -> int:
    """Return the bytes an epoch must read: every uint8 image once, and its label."""
    return images * (config.sizes[0] + 1)


def _timed(work: object) -> float:
    started = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - started
