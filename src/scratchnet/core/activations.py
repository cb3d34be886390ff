"""Activation functions σ, each beside its derivative σ' so the two cannot drift apart.

An activation is an object with `__call__(z)` → σ(z) and `prime(z)` → σ'(z), applied elementwise.
`prime_from_output(a)` gives σ'(z) from a = σ(z) where that is cheaper (sigmoid: a(1 − a)).
`ACTIVATIONS` maps the names the command line accepts to these objects.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


class Activation(Protocol):
    """What the network needs of an activation function."""

    name: str

    def __call__(self, z: Array) -> Array: ...

    def prime(self, z: Array) -> Array: ...

    def prime_from_output(self, a: Array) -> Array: ...


class Sigmoid:
    """σ(z) = 1 / (1 + e^−z), the smoothed perceptron; σ'(z) = σ(z)(1 − σ(z))."""

    name = "sigmoid"

    def __call__(self, z: Array) -> Array:
        # 0.5 (1 + tanh(z/2)) equals 1/(1 + e^−z) but cannot overflow for large |z|.
        return 0.5 * (1.0 + np.tanh(0.5 * z))

    def prime(self, z: Array) -> Array:
        return self.prime_from_output(self(z))

    def prime_from_output(self, a: Array) -> Array:
        return a * (1.0 - a)


class Tanh:
    """tanh(z) = (e^z − e^−z) / (e^z + e^−z); tanh'(z) = 1 − tanh²(z)."""

    name = "tanh"

    def __call__(self, z: Array) -> Array:
        return np.tanh(z)

    def prime(self, z: Array) -> Array:
        return self.prime_from_output(np.tanh(z))

    def prime_from_output(self, a: Array) -> Array:
        return 1.0 - a * a


class ReLU:
    """relu(z) = max(0, z); relu'(z) = 1 where z > 0, else 0."""

    name = "relu"

    def __call__(self, z: Array) -> Array:
        return np.maximum(z, 0.0)

    def prime(self, z: Array) -> Array:
        return (z > 0).astype(z.dtype)

    def prime_from_output(self, a: Array) -> Array:
        return (a > 0).astype(a.dtype)


class Softmax:
    """softmax(z)_j = e^(z_j) / Σ_k e^(z_k) over each row: the output layer of the log-likelihood cost.

    Its Jacobian is not elementwise, so `prime` is not defined; the log-likelihood cost's
    output error a − y already contains it.
    """

    name = "softmax"

    def __call__(self, z: Array) -> Array:
        shifted = z - z.max(axis=-1, keepdims=True)  # e^z overflows for z > ~88 in float32
        e = np.exp(shifted)
        return e / e.sum(axis=-1, keepdims=True)

    def prime(self, z: Array) -> Array:
        raise NotImplementedError("softmax has no elementwise derivative; use the log-likelihood cost")

    def prime_from_output(self, a: Array) -> Array:
        raise NotImplementedError("softmax has no elementwise derivative; use the log-likelihood cost")


ACTIVATIONS: dict[str, Activation] = {"sigmoid": Sigmoid(), "tanh": Tanh(), "relu": ReLU()}
"""The hidden-layer activations, by name."""
