"""The wishes of backpropagation (scratchnet.tutorial.wishes) against independent truths, on random networks:
averaged over the examples they are −∇C (backprop, itself held to central differences); each example's wish
for an activation is minus the cost's derivative by central differences; one neuron's three routes move its
z exactly as stepping its bias, its weights or the layer before does."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scratchnet import Network
from scratchnet.core.activations import ACTIVATIONS
from scratchnet.core.costs import COSTS
from scratchnet.core.encoding import one_hot
from scratchnet.tutorial.wishes import wishes
from tests.strategies import activations, costs, layer_sizes, seeds

EPSILON = 1e-6


def network(sizes: list[int], activation: str, cost: str, seed: int) -> Network:
    if cost == "log-likelihood":
        sizes = [*sizes[:-1], max(sizes[-1], 2)]
    return Network(sizes, activation=activation, cost=cost, init="scaled", seed=seed, dtype="float64")


def examples(net: Network, seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((n, net.sizes[0])), rng.integers(0, net.sizes[-1], n)


def away_from_kinks(net: Network, X: np.ndarray) -> None:
    if net.activation.name == "relu":  # central differences are meaningless within ε of relu's kink at z = 0
        Z, _ = net.forward_trace(X)
        assume(all(np.min(np.abs(z)) > 1e-4 for z in Z[:-1]))


@pytest.mark.parametrize("cost", list(COSTS))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@settings(max_examples=12)
@given(sizes=layer_sizes, seed=seeds, n=st.integers(1, 8))
def test_the_mean_wish_is_the_negative_gradient_of_the_mean_cost(sizes, activation, cost, seed, n):
    """Every activation × cost, on random sizes: mean over x of −∂C_x/∂p equals −∂C/∂p from backprop, to 1e-10."""
    net = network(sizes, activation, cost, seed)
    X, labels = examples(net, seed, n)
    found = wishes(net, X, labels)
    nabla_w, nabla_b = net.backprop(X, one_hot(labels, net.sizes[-1], np.float64))
    mean_w, mean_b = found.mean()
    assert len(mean_w) == len(nabla_w) == len(found.weights)
    for l, (W, wish, gradient) in enumerate(zip(net.weights, mean_w, nabla_w)):
        assert found.weights[l].shape == (n, *W.shape)
        np.testing.assert_allclose(wish, -gradient, rtol=0, atol=1e-10)
    for l, (b, wish, gradient) in enumerate(zip(net.biases, mean_b, nabla_b)):
        assert found.biases[l].shape == (n, *b.shape)
        np.testing.assert_allclose(wish, -gradient, rtol=0, atol=1e-10)


@given(sizes=layer_sizes, activation=activations, cost=costs, seed=seeds, n=st.integers(1, 4))
def test_each_example_wishes_what_its_own_gradient_says(sizes, activation, cost, seed, n):
    net = network(sizes, activation, cost, seed)
    X, labels = examples(net, seed, n)
    found = wishes(net, X, labels)
    for x in range(n):
        nabla_w, nabla_b = net.backprop(X[x : x + 1], one_hot(labels[x : x + 1], net.sizes[-1], np.float64))
        for l in range(len(net.weights)):
            np.testing.assert_allclose(found.weights[l][x], -nabla_w[l], rtol=0, atol=1e-10)
            np.testing.assert_allclose(found.biases[l][x], -nabla_b[l], rtol=0, atol=1e-10)


def cost_from_layer(net: Network, l: int, a: np.ndarray, y: np.ndarray) -> float:
    """Return C_x with layer l's activations set to a: the rest of the network fed forward by hand."""
    for k in range(l, len(net.weights)):
        sigma = net.output_activation if k == len(net.weights) - 1 else net.activation
        a = sigma(a @ net.weights[k].T + net.biases[k])
    return net.cost_function.value(a, y)


@given(sizes=layer_sizes, activation=activations, cost=costs, seed=seeds)
def test_the_wish_for_every_activation_is_minus_its_derivative_by_central_differences(sizes, activation, cost, seed):
    net = network(sizes, activation, cost, seed)
    X, labels = examples(net, seed, 1)
    away_from_kinks(net, X)
    found = wishes(net, X, labels)
    Y = one_hot(labels, net.sizes[-1], np.float64)
    _, A = net.forward_trace(X)
    assume(cost == "quadratic" or np.all((A[-1] > 1e-3) & (A[-1] < 1 - 1e-3)))  # ln a is steep near 0 and 1
    for l in range(len(net.sizes)):
        numeric = np.zeros(net.sizes[l])
        for k in range(net.sizes[l]):
            step = np.zeros((1, net.sizes[l]))
            step[0, k] = EPSILON
            if l == len(net.sizes) - 1:  # the outputs themselves: C_x as a function of a^L
                plus, minus = net.cost_function.value(A[l] + step, Y), net.cost_function.value(A[l] - step, Y)
            else:
                plus, minus = cost_from_layer(net, l, A[l] + step, Y), cost_from_layer(net, l, A[l] - step, Y)
            numeric[k] = -(plus - minus) / (2 * EPSILON)
        np.testing.assert_allclose(found.activations[l][0], numeric, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(found.outputs, found.activations[-1])


@given(sizes=layer_sizes, activation=activations, cost=costs, seed=seeds, n=st.integers(1, 3), data=st.data())
def test_one_neurons_routes_move_its_z_as_the_steps_do_and_add_up_to_the_layer_before(
    sizes, activation, cost, seed, n, data
):
    net = network(sizes, activation, cost, seed)
    X, labels = examples(net, seed, n)
    found = wishes(net, X, labels)
    layer = data.draw(st.integers(1, len(net.sizes) - 1))
    j = data.draw(st.integers(0, net.sizes[layer] - 1))
    x = data.draw(st.integers(0, n - 1))
    routes = found.routes(layer, j, x)
    eta = 1e-3
    W, b = net.weights[layer - 1], net.biases[layer - 1]
    _, A = net.forward_trace(X)
    a_before = A[layer - 1][x]
    z = W[j] @ a_before + b[j]
    moved = {
        "bias": W[j] @ a_before + (b[j] + eta * routes.bias),
        "weights": (W[j] + eta * routes.weights) @ a_before + b[j],
        "activations": W[j] @ (a_before + eta * routes.activations) + b[j],
    }
    for route, z_after in moved.items():
        assert np.isclose(z_after - z, eta * routes.contributions[route], rtol=1e-6, atol=1e-12), route
        # every route moves z the way the example wishes (or not at all)
        assert (z_after - z) * routes.wish >= 0, route
    summed = sum(found.routes(layer, i, x).activations for i in range(net.sizes[layer]))
    np.testing.assert_allclose(summed, found.activations[layer - 1][x], rtol=0, atol=1e-12)
