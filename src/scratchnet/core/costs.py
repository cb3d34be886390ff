"""Cost functions C: the value averaged over n samples beside its output error δ^L (BP1).

Rows are samples: `a` and `y` have shape (n, n_out). Each cost names the output-layer activation it
is paired with (`output_activation`; None means the network's hidden activation, as in chapter 1),
and `output_error(z, a, y, activation)` returns δ^L = ∂C_x/∂z^L for every sample:

- quadratic:      C = 1/(2n) Σ_x ‖y − a‖²,                      δ^L = (a − y) ⊙ σ'(z^L)       (BP1)
- cross-entropy:  C = −1/n Σ_x Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)],  sigmoid output, δ^L = a − y
- log-likelihood: C = −1/n Σ_x ln a_y,                           softmax output, δ^L = a − y
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scratchnet.core.activations import Activation, Sigmoid, Softmax

Array = NDArray[np.floating]


class QuadraticCost:
    """C = 1/(2n) Σ_x ‖y(x) − a^L(x)‖², the mean squared error of chapter 1."""

    name = "quadratic"
    output_activation: Activation | None = None

    def value(self, a: Array, y: Array) -> float:
        """Return 1/(2n) Σ ‖y − a‖² over the n rows."""
        return float(0.5 * np.sum((a - y) ** 2) / len(a))

    def output_error(self, z: Array, a: Array, y: Array, activation: Activation) -> Array:
        """Return δ^L = (a − y) ⊙ σ'(z^L), shape (n, n_out) (BP1)."""
        return (a - y) * activation.prime_from_output(a)


class CrossEntropyCost:
    """C = −1/n Σ_x Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)] on a sigmoid output layer (chapter 3)."""

    name = "cross-entropy"
    output_activation: Activation | None = Sigmoid()

    def value(self, a: Array, y: Array) -> float:
        """Return the mean cross-entropy; 0·ln 0 counts as 0 and ln 0 is clipped to stay finite."""
        tiny = np.finfo(a.dtype).tiny
        return float(-np.sum(y * np.log(np.maximum(a, tiny)) + (1 - y) * np.log(np.maximum(1 - a, tiny))) / len(a))

    def output_error(self, z: Array, a: Array, y: Array, activation: Activation) -> Array:
        """Return δ^L = a − y: σ'(z) cancels against ∂C/∂a (BP1 for cross-entropy)."""
        return a - y


class LogLikelihoodCost:
    """C = −1/n Σ_x ln a^L_y(x) on a softmax output layer, y(x) the true class (chapter 3)."""

    name = "log-likelihood"
    output_activation: Activation | None = Softmax()

    def value(self, a: Array, y: Array) -> float:
        """Return −1/n Σ ln a_y, reading the true class from the one-hot rows of y."""
        tiny = np.finfo(a.dtype).tiny
        return float(-np.sum(y * np.log(np.maximum(a, tiny))) / len(a))

    def output_error(self, z: Array, a: Array, y: Array, activation: Activation) -> Array:
        """Return δ^L = a − y, the softmax Jacobian folded into the cost's derivative (BP1)."""
        return a - y


COSTS: dict[str, QuadraticCost | CrossEntropyCost | LogLikelihoodCost] = {
    "quadratic": QuadraticCost(),
    "cross-entropy": CrossEntropyCost(),
    "log-likelihood": LogLikelihoodCost(),
}
"""The costs, by name."""
