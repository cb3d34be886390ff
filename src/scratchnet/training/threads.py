"""How many BLAS threads a training's matrix products get: one for small products, every core for large ones.

Sharing a product between threads divides its arithmetic but adds a fixed cost: waking the other
threads, splitting the work and waiting for the slowest of them (on a busy machine, one whose core is
taken). With F the floating-point operations of one product, R the rate of one thread and c that fixed
cost, two threads take F/(2R) + c against one thread's F/R, so sharing pays once F > 2Rc.

Every step of an epoch multiplies, for each layer l (n_l → n_(l+1)), three products of the same size
(z = a Wᵀ forward, δ W and δᵀ a backward), each of F_l = 2 m n_l n_(l+1) operations for a mini-batch
of m rows. All of them run on the same number of threads, so over the L layers sharing pays when
Σ_l F_l/(2R) > L c, that is when the mean work per product F̄ = (2m/L) Σ_l n_l n_(l+1) exceeds 2Rc.

`threads_for` applies that rule with SHARED_PRODUCT_FLOPS as 2Rc (with a margin); `fit` applies its
answer around the whole training with threadpoolctl, unless `TrainOptions.threads` names a number.
`benchmarks/threads.py` measures where the crossover lies on a machine.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

SHARED_PRODUCT_FLOPS = 4.5e6
"""F̄ from which a training's products are shared between all the cores (floating-point operations per product).

Measured by `python -m benchmarks.threads` on this 2-core machine, quiet (2026-12-01 22:56 UTC,
docs/threads.json): over 784-w-w-10 networks (w = 16 … 800, m = 10, 32, 128), two threads win from
F̄ ≈ 4.5 MFLOP on (1.10× at 784-64-64-10, m = 128; 1.35× for `best-mlp`'s 784-800-800-10 at m = 128, about
109 MFLOP) and lose or tie below it (0.90–1.03×). The tutorial's 784-16-16-10 at m = 10 does F̄ ≈ 0.09
MFLOP (0.9 at m = 100): one thread.
"""

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Environment variables that cap the threads a process may use (joblib's workers and `reproduce --jobs` set them)."""


def mean_product_flops(sizes: Sequence[int], rows: int) -> float:
    """Return F̄ = (2 rows / L) Σ_l n_l n_(l+1), the mean operations of one product of `rows` rows through the layers."""
    layers = list(zip(sizes[:-1], sizes[1:]))
    return 2 * rows * sum(n_in * n_out for n_in, n_out in layers) / len(layers)


def allowed_cores() -> int:
    """Return the cores this process is allowed to run on (its CPU affinity), whatever THREAD_VARIABLES say."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def available_cores() -> int:
    """Return the cores this process may use: those it is allowed to run on, capped by THREAD_VARIABLES where set."""
    cores = allowed_cores()
    for variable in THREAD_VARIABLES:
        value = os.environ.get(variable, "").strip()
        if value.isdigit() and int(value) > 0:
            cores = min(cores, int(value))
    return max(1, cores)


def threads_for(sizes: Sequence[int], batch_size: int, cores: int | None = None) -> int:
    """Return the BLAS threads for training a network of these layer sizes with mini-batches of m = batch_size rows.

    One thread while F̄ = (2m/L) Σ_l n_l n_(l+1) < SHARED_PRODUCT_FLOPS, otherwise every core
    (`cores`, or `available_cores()`); OpenBLAS itself uses fewer on products too small to split.
    """
    if mean_product_flops(sizes, batch_size) < SHARED_PRODUCT_FLOPS:
        return 1
    return available_cores() if cores is None else max(1, cores)


def threads_per_job(jobs: int, cores: int | None = None) -> int:
    """Return the BLAS threads each of `jobs` runs side by side may use so that jobs × threads ≤ cores (at least 1)."""
    return max(1, (available_cores() if cores is None else cores) // jobs)
