"""A committee answers with the mean of its members' probabilities (over its views, when it has some), and refuses
members of other shapes."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnet import Network
from scratchnet.core.committee import Committee
from scratchnet.core.convnet import ConvNetwork


def test_its_probabilities_are_the_mean_of_its_members(mnist):
    dense = Network([784, 30, 11], cost="log-likelihood", init="scaled", seed=1)
    conv = ConvNetwork("28x28,conv5x5x4,pool2,20,11", activation="relu", cost="log-likelihood", init="he", seed=2)
    committee = Committee([dense, conv])
    X = mnist.test.images[:50]
    P, Q = dense.probabilities(X), conv.probabilities(X)
    np.testing.assert_allclose(committee.probabilities(X), (P + Q) / 2, rtol=1e-6)
    np.testing.assert_allclose(committee.probabilities(X).sum(axis=1), 1.0, rtol=1e-5)
    assert committee.sizes == [784, 11]
    assert np.array_equal(committee.predict(X), ((P + Q) / 2).argmax(axis=1))
    labels = mnist.test.labels[:50]
    assert committee.evaluate(X, labels) == int((((P + Q) / 2).argmax(axis=1) == labels).sum())


def test_with_views_it_is_the_mean_over_members_and_views(mnist):
    """P(j | x) = (1/KV) Σ_k Σ_v P_k(j | T_v x), each view computed here by hand: the image as it is, and mirrored."""
    dense = Network([784, 30, 11], cost="log-likelihood", init="scaled", seed=1)
    conv = ConvNetwork("28x28,conv5x5x4,pool2,20,11", activation="relu", cost="log-likelihood", init="he", seed=2)
    X = mnist.test.images[:20].astype(np.float32)
    mirrored = X.reshape(20, 28, 28)[:, :, ::-1].reshape(20, 784)

    def views(rows):
        return np.concatenate([rows, rows.reshape(-1, 28, 28)[:, :, ::-1].reshape(-1, 784)])

    expected = sum(net.probabilities(x) for net in (dense, conv) for x in (X, mirrored)) / 4
    committee = Committee([dense, conv], views=views)
    np.testing.assert_allclose(committee.probabilities(X), expected, rtol=1e-5)
    assert np.array_equal(committee.predict(X), expected.argmax(axis=1))
    assert not np.allclose(expected, Committee([dense, conv]).probabilities(X), atol=1e-3)  # the views matter


def test_one_member_is_that_member():
    net = Network([784, 10, 10], seed=3)
    X = np.random.default_rng(0).random((5, 784))
    np.testing.assert_array_equal(Committee([net]).probabilities(X), net.probabilities(X))


def test_members_of_other_shapes_or_none_are_refused():
    with pytest.raises(ValueError, match="same sizes"):
        Committee([Network([784, 10, 10]), Network([784, 10, 11])])
    with pytest.raises(ValueError, match="at least one"):
        Committee([])
