"""The convolutional network's backpropagation against central differences of the cost, in float64.

Every layer kind (convolution, max-pooling, dense, the output) over random small spellings, with and
without dropout masks on the hidden dense layers; relative error ‖a − b‖ / (‖a‖ + ‖b‖) per array.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scratchnet.core.convnet import ConvNetwork
from scratchnet.core.encoding import one_hot
from tests.property.test_gradient_check import EPSILON
from tests.strategies import activations, conv_spellings, costs, seeds

WORST = 1e-6
"""The issue's bar for the worst relative error of any array."""

FLOOR = 1e-3
"""Below this norm a gradient is compared absolutely: central differences of a cost near 1 carry about
1e-16/ε = 1e-11 of round-off and ε² = 1e-10 of truncation per entry, which is 2e-4 of a gradient of 5e-7
(Hypothesis found one) but under 1e-7 of FLOOR."""


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Return ‖a − b‖ / max(‖a‖ + ‖b‖, FLOOR)."""
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), FLOOR))


def masked_cost(net: ConvNetwork, X: np.ndarray, Y: np.ndarray, masks: list[np.ndarray] | None) -> float:
    """Return the mean cost of the thinned network (the masks fixed), as backprop differentiates it."""
    _, A, _ = net._pass(X, masks)
    return net.cost_function.value(A[-1], Y)


def numerical_gradient(net: ConvNetwork, X: np.ndarray, Y: np.ndarray, masks: list[np.ndarray] | None) -> list:
    """Return ∂C/∂p for every parameter p by central differences: (C(p + ε) − C(p − ε)) / 2ε."""
    gradients = []
    for param in [*net.weights, *net.biases]:
        grad = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + EPSILON
            plus = masked_cost(net, X, Y, masks)
            param[index] = saved - EPSILON
            minus = masked_cost(net, X, Y, masks)
            param[index] = saved
            grad[index] = (plus - minus) / (2 * EPSILON)
        gradients.append(grad)
    return gradients


def away_from_kinks(net: ConvNetwork, X: np.ndarray) -> bool:
    """Return True unless a relu's z or two entries of a pooling window lie within 1e-3 (no derivative there)."""
    Z, A = net.forward_trace(X)
    for layer, z, below in zip(net.layers, Z, A):
        if layer.has_parameters and net.activation.name == "relu" and np.min(np.abs(z)) < 1e-3:
            return False
        if not layer.has_parameters:
            n, h, w, c = below.shape
            p = layer.size
            windows = np.sort(below.reshape(n, h // p, p, w // p, p, c).transpose(0, 1, 3, 5, 2, 4).reshape(-1, p * p))
            if np.min(windows[:, -1] - windows[:, -2]) < 1e-3:
                return False
    return True


@settings(max_examples=60, deadline=None)
@given(
    spelling=conv_spellings(), activation=activations, cost=costs, seed=seeds, n=st.integers(1, 3), drop=st.booleans()
)
def test_conv_backprop_matches_finite_differences(spelling, activation, cost, seed, n, drop):
    net = ConvNetwork(spelling, activation=activation, cost=cost, init="scaled", seed=seed, dtype="float64")
    rng = np.random.default_rng(seed)
    X = rng.random((n, net.sizes[0]))
    Y = one_hot(rng.integers(0, net.sizes[-1], n), net.sizes[-1], np.float64)
    masks = [(rng.random((n, s)) < 0.6) / 0.6 for s in net.sizes[1:-1]] if drop else None
    assume(away_from_kinks(net, X))
    nabla_w, nabla_b = net.backprop(X, Y, masks)
    numeric = numerical_gradient(net, X, Y, masks)
    for analytic, expected in zip([*nabla_w, *nabla_b], numeric):
        assert analytic.shape == expected.shape
        assert relative_error(analytic, expected) < WORST


def test_book_ch6_gradient_on_real_digits(mnist):
    """The book's 28x28,conv5x5x20,pool2,conv5x5x40,pool2,100,10 on 2 real digits: 60 sampled weights of every layer."""
    net = ConvNetwork("28x28,conv5x5x20,pool2,conv5x5x40,pool2,100,10", "sigmoid", dtype="float64", seed=4)
    X, Y = mnist.train.images[:2], one_hot(mnist.train.labels[:2], 10, np.float64)
    nabla_w, _ = net.backprop(X, Y)
    rng = np.random.default_rng(0)
    for l, W in enumerate(net.weights):
        analytic, numeric = [], []
        for _ in range(60):
            index = tuple(int(rng.integers(0, s)) for s in W.shape)
            saved = W[index]
            W[index] = saved + EPSILON
            plus = net.cost(X, Y)
            W[index] = saved - EPSILON
            minus = net.cost(X, Y)
            W[index] = saved
            analytic.append(nabla_w[l][index])
            numeric.append((plus - minus) / (2 * EPSILON))
        assert relative_error(np.array(analytic), np.array(numeric)) < WORST
