"""Backpropagation (BP1–BP4) against central differences of the cost, on every weight and bias."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, example, given
from hypothesis import strategies as st

from scratchnet import Network
from scratchnet.core.encoding import one_hot
from tests.strategies import activations, costs, layer_sizes, seeds

EPSILON = 1e-5
ROUNDING = 1e-10
"""Central differences round the cost: an error of about 2⁻⁵²·|C|/(2ε), 10⁻¹¹ an entry here, absolute, not
relative. A layer of one sigmoid neuron shrinks the gradients before it to 10⁻⁵, where that alone is more than
10⁻⁷ of them (seen: [6, 3, 1, 2], 1.4·10⁻⁷ from an error of 10⁻¹¹); a wrong gradient misses by its own size."""


def numerical_gradient(net: Network, X: np.ndarray, Y: np.ndarray) -> list[np.ndarray]:
    """Return ∂C/∂p for every parameter p by central differences: (C(p + ε) − C(p − ε)) / 2ε."""
    gradients = []
    for param in [*net.weights, *net.biases]:
        grad = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + EPSILON
            plus = net.cost(X, Y)
            param[index] = saved - EPSILON
            minus = net.cost(X, Y)
            param[index] = saved
            grad[index] = (plus - minus) / (2 * EPSILON)
        gradients.append(grad)
    return gradients


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))


@given(sizes=layer_sizes, activation=activations, cost=costs, seed=seeds, n=st.integers(1, 5))
@example(sizes=[6, 3, 1, 2], activation="sigmoid", cost="quadratic", seed=360331300, n=1)
def test_backprop_matches_finite_differences(sizes, activation, cost, seed, n):
    if cost == "log-likelihood":
        sizes = [*sizes[:-1], max(sizes[-1], 2)]
    net = Network(sizes, activation=activation, cost=cost, init="scaled", seed=seed, dtype="float64")
    rng = np.random.default_rng(seed)
    X = rng.random((n, sizes[0]))
    Y = one_hot(rng.integers(0, sizes[-1], n), sizes[-1], np.float64)
    if activation == "relu":  # central differences are meaningless within ε of relu's kink at z = 0
        Z, _ = net.forward_trace(X)
        assume(all(np.min(np.abs(z)) > 1e-3 for z in Z[:-1]))
    nabla_w, nabla_b = net.backprop(X, Y)
    numeric = numerical_gradient(net, X, Y)
    for analytic, expected in zip([*nabla_w, *nabla_b], numeric):
        assert analytic.shape == expected.shape
        assert relative_error(analytic, expected) < 1e-7 or np.linalg.norm(analytic - expected) < ROUNDING


def test_tutorial_network_gradient_on_real_digits(mnist):
    """The 784-16-16-10 network, float64, on 3 real digits: a sample of 200 weights and every bias."""
    net = Network([784, 16, 16, 10], dtype="float64", seed=3)
    X = mnist.train.images[:3] / 255.0
    Y = one_hot(mnist.train.labels[:3], 10, np.float64)
    nabla_w, nabla_b = net.backprop(X, Y)
    rng = np.random.default_rng(0)
    for _ in range(200):
        l = int(rng.integers(0, 3))
        j, k = (int(rng.integers(0, s)) for s in net.weights[l].shape)
        saved = net.weights[l][j, k]
        net.weights[l][j, k] = saved + EPSILON
        plus = net.cost(X, Y)
        net.weights[l][j, k] = saved - EPSILON
        minus = net.cost(X, Y)
        net.weights[l][j, k] = saved
        numeric = (plus - minus) / (2 * EPSILON)
        assert abs(numeric - nabla_w[l][j, k]) <= 1e-7 * max(abs(numeric), 1e-3)
