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

SHARED_PRODUCT_FLOPS = 8e6
"""F̄ from which a training's products are shared between all the cores (floating-point operations per product).

An estimate, until `python -m benchmarks.threads` measures the crossover on a quiet machine (the lead
re-measures it): on this 2-core machine one thread multiplies the 784-800-800-10 products at about
R = 50 GFLOP/s (issue 14), and waking and joining OpenBLAS's second thread costs some c ≈ 20 µs, so
2Rc ≈ 2 MFLOP; the factor 4 on top keeps products that would gain only a little on one thread, since
a product shared with a busy core waits for it. The tutorial's 784-16-16-10 at m = 10 does F̄ ≈ 0.09
MFLOP (0.9 at m = 100): one thread; `best`'s 784-800-800-10 at m = 128 does about 109: every core.
"""

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Environment variables that cap the threads a process may use (joblib's workers and `reproduce --jobs` set them)."""


def mean_product_flops(sizes: Sequence[int], rows: int) -> float:
    """Return F̄ = (2 rows / L) Σ_l n_l n_(l+1), the mean operations of one product of `rows` rows through the layers."""
    layers = list(zip(sizes[:-1], sizes[1:]))
    return 2 * rows * sum(n_in * n_out for n_in, n_out in layers) / len(layers)


def available_cores() -> int:
    """Return the cores this process may use: those it is allowed to run on, capped by THREAD_VARIABLES where set."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
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
