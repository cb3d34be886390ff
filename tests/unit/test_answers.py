"""The answer path: an image's outputs are the same alone, in a batch and in another order (issue 19)."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnet import MNIST, Network
from scratchnet.core.convnet import ConvNetwork


def _batchings_agree(net: Network, X: np.ndarray) -> None:
    together = net.probabilities(X)
    order = np.random.default_rng(0).permutation(len(X))
    shuffled = net.probabilities(X[order])
    alone = np.concatenate([net.probabilities(X[i : i + 1]) for i in range(len(X))])
    pairs = np.concatenate([net.probabilities(X[i : i + 2]) for i in range(0, len(X), 2)])
    # bit for bit: float32 products moved the last bit here by batch (OPENBLAS_CORETYPE=Haswell)
    assert together.tobytes() == shuffled[np.argsort(order)].tobytes() == alone.tobytes() == pairs.tobytes()
    assert np.array_equal(net.predict(X), together.argmax(axis=1))


@pytest.mark.parametrize("sizes", [[784, 30, 10], [784, 100, 100, 10]])
def test_a_dense_networks_answers_do_not_depend_on_the_rows_sent_with_them(mnist: MNIST, sizes):
    net = Network(sizes, cost="log-likelihood", init="scaled", seed=3)
    net.sgd(mnist.train.images[:2_000], mnist.train.labels[:2_000], epochs=1, batch_size=10, lr=0.1)
    _batchings_agree(net, mnist.test.images[:200])


def test_a_convolutional_networks_answers_do_not_depend_on_the_rows_sent_with_them(mnist: MNIST):
    net = ConvNetwork("28x28,conv5x5x4,pool2,20,10", activation="relu", cost="log-likelihood", init="he", seed=1)
    _batchings_agree(net, mnist.test.images[:60])


def test_a_float64_network_answers_within_float64_rounding(mnist: MNIST):
    net = Network([784, 30, 10], init="scaled", dtype="float64", seed=2)
    X = mnist.test.images[:100]
    alone = np.concatenate([net.feedforward(X[i : i + 1]) for i in range(len(X))])
    assert net.feedforward(X).dtype == np.float64
    np.testing.assert_allclose(alone, net.feedforward(X), rtol=1e-13, atol=0)


@pytest.mark.parametrize("layers", [[784, 30, 10], "28x28,conv5x5x4,pool2,20,10"])
def test_a_frozen_network_answers_as_before_from_copies_made_once(mnist: MNIST, layers):
    from scratchnet.core.answers import freeze, in_dtype
    from scratchnet.core.convnet import build

    net = build(layers, "relu", "log-likelihood", "he", seed=4)
    X = mnist.test.images[:50]
    before = net.probabilities(X)
    assert in_dtype(net.weights)[0] is not in_dtype(net.weights)[0]  # not frozen: copied for each call
    assert freeze(net) is net
    assert net.probabilities(X).tobytes() == before.tobytes()
    assert in_dtype(net.weights)[0] is in_dtype(net.weights)[0]  # frozen: the copy is kept
    with pytest.raises(ValueError, match="read-only"):
        net.backprop(X, np.eye(10)[mnist.test.labels[:50]])  # a step could not change it behind the kept copies
        net.weights[0] -= 0.1


def test_a_network_changed_in_place_answers_from_its_new_weights(mnist: MNIST):
    net = Network([784, 30, 10], cost="log-likelihood", init="scaled", seed=5)
    X = mnist.test.images[:20]
    before = net.probabilities(X)
    net.weights[-1] *= 2  # as a training step writes them: in place
    assert not np.array_equal(net.probabilities(X), before)
