"""scratchnet.tutorial.wishes on cases worked by hand, on real MNIST digits, and on bad input."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnet.explain
from scratchnet import Network
from scratchnet.core.encoding import one_hot
from scratchnet.errors import ConfigError, DataFormatError
from scratchnet.tutorial import explain
from scratchnet.tutorial.wishes import follow, wishes


def test_a_one_neuron_network_wishes_what_the_hand_computation_says():
    # σ(0) = ½, y = 1: the output should rise by y − a = ½; δ = (a − y) σ'(z) = −½ · ¼ = −⅛.
    net = Network([2, 1], dtype="float64")
    net.weights[0][...] = 0.0
    net.biases[0][...] = 0.0
    found = wishes(net, np.array([[1.0, 0.0]]), np.array([0]))
    assert found.outputs.tolist() == [[0.5]]
    assert found.biases[0].tolist() == [[0.125]]
    assert found.weights[0].tolist() == [[[0.125, 0.0]]]  # the weight from the dark pixel has no wish
    assert found.activations[0].tolist() == [[0.0, 0.0]]  # with w = 0 the inputs cannot help
    routes = found.routes(1, 0)
    assert routes.contributions == {"bias": 0.125, "weights": 0.125, "activations": 0.0}


def test_the_weights_from_bright_pixels_carry_the_first_layers_wishes(mnist):
    net = Network([784, 16, 16, 10], seed=0, dtype="float64")
    two = explain.first_example_of(mnist.test.labels, 2)
    x = mnist.test.images[two : two + 1]
    found = wishes(net, x, mnist.test.labels[two : two + 1])
    dark = x[0] == 0
    assert np.all(found.weights[0][0][:, dark] == 0)  # (BP4): a_k = 0 gives −δ_j a_k = 0
    assert np.any(found.weights[0][0][:, ~dark] != 0)
    y = one_hot(np.array([2]), 10, np.float64)[0]
    a = net.feedforward(x)[0]
    np.testing.assert_allclose(found.outputs[0], y - a)  # the quadratic cost: y − a
    assert found.outputs[0][2] > 0 and np.all(np.delete(found.outputs[0], 2) < 0)  # the 2 up, the other nine down


def test_one_step_along_the_mean_wish_lowers_the_mean_cost(mnist):
    net = Network([784, 16, 16, 10], seed=3, dtype="float64")
    X, labels = mnist.train.images[:20], mnist.train.labels[:20]
    Y = one_hot(labels, 10, np.float64)
    before = net.cost(X, Y)
    mean_w, mean_b = wishes(net, X, labels).mean()
    net.set_parameters(
        [W + 0.5 * w for W, w in zip(net.weights, mean_w)], [b + 0.5 * d for b, d in zip(net.biases, mean_b)]
    )
    assert net.cost(X, Y) < before


def test_one_hot_labels_give_the_same_wishes_as_integer_labels():
    net = Network([4, 3, 2], seed=1, dtype="float64")
    X = np.random.default_rng(0).random((3, 4))
    labels = np.array([0, 1, 1])
    by_index, by_rows = wishes(net, X, labels), wishes(net, X, one_hot(labels, 2, np.float64))
    for a, b in zip(by_index.weights, by_rows.weights):
        np.testing.assert_array_equal(a, b)


def test_the_short_address_of_the_issue_is_the_same_function():
    assert scratchnet.explain.wishes is explain.wishes is wishes


@pytest.mark.parametrize(
    "labels",
    [np.array([0, 1]), np.array([0, 1, 5]), np.array([0.0, 1.0, 1.0]), np.array([[0, 1, 1]]), np.array([-1, 0, 0])],
)
def test_labels_that_do_not_fit_are_refused_with_a_message(labels):
    net = Network([4, 3, 2], seed=1)
    with pytest.raises(DataFormatError, match="labels must be 3 integers in 0..1"):
        wishes(net, np.zeros((3, 4)), labels)


def test_inputs_of_the_wrong_shape_and_routes_that_do_not_exist_are_refused():
    net = Network([4, 3, 2], seed=1)
    with pytest.raises(DataFormatError, match=r"shape \(n, 4\)"):
        wishes(net, np.zeros((3, 5)), np.array([0, 1, 1]))
    found = wishes(net, np.zeros((1, 4)), np.array([1]))
    for layer, neuron, example in [(0, 0, 0), (3, 0, 0), (1, 3, 0), (2, 0, 1)]:
        with pytest.raises(ConfigError, match="routes need layer in 1..2"):
            found.routes(layer, neuron, example)


def test_follow_takes_the_sgd_step_on_a_copy_and_leaves_the_network_alone():
    net = Network([5, 4, 3], seed=2, dtype="float64")
    X = np.random.default_rng(1).random((6, 5))
    labels = np.array([0, 1, 2, 2, 1, 0])
    before = net.copy_parameters()
    nabla_w, nabla_b = net.backprop(X, one_hot(labels, 3, np.float64))
    stepped = follow(net, X, labels, eta=0.7)
    for W, W0, nw in zip(stepped.weights, before[0], nabla_w):
        np.testing.assert_allclose(W, W0 - 0.7 * nw, rtol=0, atol=1e-12)  # w → w − η ∂C/∂w
    for b, b0, nb in zip(stepped.biases, before[1], nabla_b):
        np.testing.assert_allclose(b, b0 - 0.7 * nb, rtol=0, atol=1e-12)
    for W, W0 in zip(net.weights, before[0]):
        np.testing.assert_array_equal(W, W0)
    twice = follow(net, X, labels, eta=0.7, steps=2)
    once_more = follow(stepped, X, labels, eta=0.7)
    for W, V in zip(twice.weights, once_more.weights):
        np.testing.assert_allclose(W, V, rtol=0, atol=1e-12)
    with pytest.raises(ConfigError, match="η > 0 and at least one step"):
        follow(net, X, labels, eta=0.0)
