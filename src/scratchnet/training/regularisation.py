"""Regularisation: L2 weight decay and dropout (the book's chapter 3), written from scratch.

Symbols: n the training-set size, λ (lmbda) the L2 strength, C₀ the unregularised cost, p the
probability that dropout switches a hidden neuron off for one mini-batch.

L2 regularisation adds the sum of the squared weights (not the biases) to the cost,
    C = C₀ + λ/(2n) Σ_w w²                                               (85)
so ∂C/∂w = ∂C₀/∂w + (λ/n) w and ∂C/∂b = ∂C₀/∂b, and a plain SGD step becomes the book's weight decay
    w → (1 − ηλ/n) w − η ∂C₀/∂w                                          (93)

Dropout (inverted): for each mini-batch, multiply every hidden activation by r, with r = 0 with
probability p and r = 1/(1 − p) otherwise, so E[r] = 1 and the full network is evaluated unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


def l2_penalty(weights: Sequence[Array], lmbda: float, n: int) -> float:
    """Return the L2 term of the cost, λ/(2n) Σ_w w² over every weight (biases excluded)."""
    return float(lmbda / (2 * n) * sum(np.sum(np.square(W, dtype=np.float64)) for W in weights))


def add_l2_gradient(nabla_w: Sequence[Array], weights: Sequence[Array], lmbda: float, n: int) -> list[Array]:
    """Return ∂C/∂w = ∂C₀/∂w + (λ/n) w for each layer, given nabla_w = ∂C₀/∂w: added in place, into nabla_w's arrays."""
    decay = lmbda / n
    for nw, W in zip(nabla_w, weights):
        nw += decay * W
    return list(nabla_w)


def dropout_masks(rng: np.random.Generator, m: int, hidden_sizes: Sequence[int], p: float, dtype: Any) -> list[Array]:
    """Return one inverted-dropout mask per hidden layer, shape (m, size): 0 with probability p, else 1/(1 − p)."""
    keep = 1.0 - p
    return [(rng.random((m, size), dtype=np.float32) < keep).astype(dtype) * dtype(1 / keep) for size in hidden_sizes]
