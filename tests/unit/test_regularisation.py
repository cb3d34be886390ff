"""L2 and dropout: hand-computed cases, and gradient checks against central differences (float64, ε = 1e-5)."""

import numpy as np
import pytest

from scratchnet import Network
from scratchnet.training.regularisation import add_l2_gradient, dropout_masks, l2_penalty

EPSILON = 1e-5


def _central_differences(cost, arrays):
    """Return ∂cost/∂x for every entry of every array, by (C(x + ε) − C(x − ε)) / 2ε."""
    gradients = []
    for array in arrays:
        gradient = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + EPSILON
            up = cost()
            array[index] = saved - EPSILON
            down = cost()
            array[index] = saved
            gradient[index] = (up - down) / (2 * EPSILON)
        gradients.append(gradient)
    return gradients


def _relative_error(a, b):
    a, b = np.concatenate([x.ravel() for x in a]), np.concatenate([x.ravel() for x in b])
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


def _problem(cost, activation="sigmoid"):
    rng = np.random.default_rng(3)
    net = Network([5, 4, 3, 3], activation=activation, cost=cost, init="scaled", seed=2, dtype="float64")
    X = rng.random((6, 5))
    Y = np.eye(3)[rng.integers(0, 3, 6)]
    return net, X, Y


def test_l2_penalty_and_gradient_by_hand():
    weights = [np.array([[1.0, -2.0]]), np.array([[3.0]])]
    # λ/(2n) Σ w² = 0.5/(2·10)·(1 + 4 + 9) = 0.35
    assert l2_penalty(weights, lmbda=0.5, n=10) == pytest.approx(0.35)
    nabla = add_l2_gradient([np.zeros((1, 2)), np.ones((1, 1))], weights, lmbda=0.5, n=10)
    assert nabla[0] == pytest.approx(np.array([[0.05, -0.1]]))
    assert nabla[1] == pytest.approx(np.array([[1.15]]))


@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy", "log-likelihood"])
def test_l2_gradient_matches_finite_differences(cost):
    net, X, Y = _problem(cost)
    lmbda, n = 2.0, 7
    nabla_w, nabla_b = net.backprop(X, Y)
    nabla_w = add_l2_gradient(nabla_w, net.weights, lmbda, n)
    numeric = _central_differences(
        lambda: net.cost(X, Y) + l2_penalty(net.weights, lmbda, n), [*net.weights, *net.biases]
    )
    assert _relative_error([*nabla_w, *nabla_b], numeric) < 1e-7


def _thinned_cost(net, X, Y, masks):
    """The cost of the network with hidden activations multiplied by fixed masks, written out layer by layer."""
    a = X
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        z = a @ W.T + b
        if l < len(masks):
            a = net.activation(z) * masks[l]
        else:
            a = net.output_activation(z)
    return net.cost_function.value(a, Y)


@pytest.mark.parametrize(
    ("cost", "activation"), [("quadratic", "sigmoid"), ("cross-entropy", "tanh"), ("log-likelihood", "sigmoid")]
)
def test_dropout_gradient_with_a_fixed_mask_matches_finite_differences(cost, activation):
    net, X, Y = _problem(cost, activation)
    masks = dropout_masks(np.random.default_rng(0), len(X), net.sizes[1:-1], p=0.5, dtype=np.float64)
    assert any((mask == 0).any() for mask in masks) and any((mask == 2).any() for mask in masks)
    nabla_w, nabla_b = net.backprop(X, Y, masks)
    numeric = _central_differences(lambda: _thinned_cost(net, X, Y, masks), [*net.weights, *net.biases])
    assert _relative_error([*nabla_w, *nabla_b], numeric) < 1e-7


def test_dropout_with_masks_of_ones_is_plain_backprop():
    net, X, Y = _problem("cross-entropy")
    ones = [np.ones((len(X), size)) for size in net.sizes[1:-1]]
    for with_masks, plain in zip(sum(net.backprop(X, Y, ones), []), sum(net.backprop(X, Y), [])):
        np.testing.assert_allclose(with_masks, plain, rtol=1e-12)


def test_dropout_masks_are_zero_with_probability_p_and_inverted_otherwise():
    p = 0.3
    masks = dropout_masks(np.random.default_rng(1), 2000, [50, 20], p, np.float32)
    assert [mask.shape for mask in masks] == [(2000, 50), (2000, 20)]
    for mask in masks:
        assert set(np.unique(mask)) <= {np.float32(0), np.float32(1 / 0.7)}
        dropped = np.mean(mask == 0)
        spread = 4 * np.sqrt(p * (1 - p) / mask.size)  # 4 standard deviations of the binomial fraction
        assert abs(dropped - p) < spread
        assert abs(mask.mean() - 1.0) < 4 * spread / 0.7  # E[r] = 1: evaluation needs no rescaling


def test_sgd_with_l2_is_the_books_weight_decay():
    # One full-batch step: w → (1 − ηλ/n) w − η ∂C₀/∂w, b → b − η ∂C₀/∂b  (equation 93)
    net, X, Y = _problem("cross-entropy")
    eta, lmbda, n = 0.5, 3.0, len(X)
    W0, b0 = net.copy_parameters()
    nabla_w, nabla_b = net.backprop(X, Y)
    net.sgd(X, Y, epochs=1, batch_size=n, lr=eta, lmbda=lmbda, keep="last")
    for W, W_start, nw in zip(net.weights, W0, nabla_w):
        np.testing.assert_allclose(W, (1 - eta * lmbda / n) * W_start - eta * nw, rtol=1e-12)
    for b, b_start, nb in zip(net.biases, b0, nabla_b):
        np.testing.assert_allclose(b, b_start - eta * nb, rtol=1e-12)
