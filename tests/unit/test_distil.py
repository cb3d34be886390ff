"""Distillation (scratchnet.training.distil): soft targets q = softmax(v/T), the mixed targets, and training on them.

The expected values come from identities, not from the code under test: softmax(v/T) by hand for
chosen v; for a softmax teacher v = ln a + c, so q = a^(1/T) / Σ a^(1/T) from its answers alone; the
gradient against central differences of C = (1 − α) C(label) + α C(q) written out here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import scratchnet.training.loop
from scratchnet import Network
from scratchnet.core.convnet import ConvNetwork
from scratchnet.core.encoding import one_hot
from scratchnet.errors import ConfigError
from scratchnet.io import load_teacher
from scratchnet.training.distil import check_teacher, mixed_targets, smoothed_targets, soft_targets, softened
from scratchnet.training.loop import fit
from scratchnet.training.options import TrainOptions


def test_softened_by_hand_at_temperatures_one_and_two():
    v = np.array([[0.0, math.log(2), math.log(4)]])
    assert softened(v, 1.0) == pytest.approx(np.array([[1, 2, 4]]) / 7, rel=1e-15)
    # at T = 2 each e^(v/2) is the square root: 1, √2, 2
    assert softened(v, 2.0) == pytest.approx(np.array([[1, math.sqrt(2), 2]]) / (3 + math.sqrt(2)), rel=1e-15)


def test_softened_tends_to_uniform_as_the_temperature_grows_and_to_the_argmax_as_it_falls():
    v = np.array([[3.0, -20.0, 7.5, 0.0, 1.0]])
    assert np.abs(softened(v, 1e9) - 0.2).max() < 1e-8
    assert softened(v, 1e-3) == pytest.approx(np.array([[0, 0, 1, 0, 0]]), abs=1e-12)
    entropies = [float(-(q * np.log(q)).sum()) for q in (softened(v, T) for T in (0.5, 1, 2, 4, 8))]
    assert entropies == sorted(entropies) and entropies[-1] < math.log(5)
    assert np.isfinite(softened(np.array([[1e4, -1e4, 0.0]]), 1.0)).all()  # e^z shifted, no overflow


@pytest.fixture(scope="module")
def teachers(mnist):
    """A dense and a convolutional softmax teacher, trained a little so their outputs are not uniform."""
    X, y = mnist.train.images[:1_000], mnist.train.labels[:1_000]
    dense = Network([784, 30, 10], activation="relu", cost="log-likelihood", init="he", seed=3, dtype="float64")
    conv = ConvNetwork("28x28,conv5x5x4,pool2,20,10", seed=3, dtype="float64")
    for net in (dense, conv):
        fit(net, X, y, TrainOptions(epochs=1, batch_size=10, lr=0.05, keep="last"))
    return {"dense": dense, "convolutional": conv}


@pytest.mark.parametrize("kind", ["dense", "convolutional"])
@pytest.mark.parametrize("T", [1.0, 3.0])
def test_soft_targets_are_the_teachers_probabilities_to_the_power_one_over_t(teachers, mnist, kind, T):
    teacher, X = teachers[kind], mnist.test.images[:700]  # more rows than one chunk of the teacher's
    a = teacher.feedforward(X)  # the answer path: softmax(v), so v = ln a + c
    expected = a ** (1 / T) / (a ** (1 / T)).sum(axis=1, keepdims=True)
    q = soft_targets(teacher, X, T, 10, np.float64)
    assert q.shape == (700, 10) and q.dtype == np.float64
    assert np.abs(q - expected).max() < 1e-9
    if T == 1.0:
        assert np.abs(q - a).max() < 1e-12
    else:  # softer: the largest share falls
        assert (q.max(axis=1) <= a.max(axis=1) + 1e-12).all() and q.max(axis=1).mean() < a.max(axis=1).mean()


def test_the_readers_not_a_digit_is_left_out_the_digits_keep_their_odds(mnist):
    reader, _, _ = load_teacher("reader")
    assert reader.sizes[-1] == 11
    X = mnist.test.images[:300]
    a = reader.feedforward(X)[:, :10]
    q = soft_targets(reader, X, 1.0, 10, np.float32)  # P(digit j | a digit) = a_j / Σ_(k<10) a_k
    assert q.dtype == np.float32 and np.abs(q - a / a.sum(axis=1, keepdims=True)).max() < 1e-5
    assert (q.argmax(axis=1) == mnist.test.labels[:300]).mean() > 0.95


def test_a_teacher_that_does_not_fit_is_refused():
    check_teacher(Network([784, 5, 10]), 784, 10)
    check_teacher(Network([784, 5, 11]), 784, 10)  # one more: 'not a digit'
    check_teacher(Network([784, 5, 11]), 784, 11)
    with pytest.raises(ConfigError, match="784 inputs; got 100-5-10"):
        check_teacher(Network([100, 5, 10]), 784, 10)
    with pytest.raises(ConfigError, match="10 outputs .* got 784-5-12"):
        check_teacher(Network([784, 5, 12]), 784, 10)
    with pytest.raises(ConfigError, match="11 outputs"):
        check_teacher(Network([784, 5, 10]), 784, 11)


def test_mixed_targets_weigh_the_label_and_the_teacher_and_stay_distributions():
    Y = one_hot(np.array([2, 0]), 3, np.float32)
    q = np.array([[0.2, 0.2, 0.6], [0.5, 0.25, 0.25]], dtype=np.float32)
    assert np.array_equal(mixed_targets(Y, q, 0.0), Y)
    assert np.array_equal(mixed_targets(Y, q, 1.0), q)
    half = mixed_targets(Y, q, 0.5)
    assert half.dtype == np.float32 and half == pytest.approx(np.array([[0.1, 0.1, 0.8], [0.75, 0.125, 0.125]]))
    assert half.sum(axis=1) == pytest.approx([1, 1])


def test_label_smoothing_by_hand_keeps_distributions_and_leaves_labels_alone_at_zero():
    Y = one_hot(np.array([1, 3]), 4, np.float32)
    assert smoothed_targets(Y, 0.0) is Y
    smooth = smoothed_targets(Y, 0.2)  # (1 − 0.2) y + 0.2 / 4
    assert smooth.dtype == np.float32
    assert smooth == pytest.approx(np.array([[0.05, 0.85, 0.05, 0.05], [0.05, 0.05, 0.05, 0.85]]))
    assert smoothed_targets(Y, 1.0) == pytest.approx(np.full((2, 4), 0.25))


@pytest.mark.parametrize("use_fast", [True, False])
def test_fully_smoothed_labels_leave_a_uniform_network_where_it_is(mnist, monkeypatch, use_fast):
    """With ε = 1 every target is 1/10, which a network of zero weights and biases already answers: δ^L = a − y = 0.

    The same network with ε = 0.5 is pulled toward the labels (the uniform answer is no minimum there)."""
    if not use_fast:
        monkeypatch.setattr(scratchnet.training.loop, "supports", lambda net, X: False)
    X, y = mnist.train.images[:500], mnist.train.labels[:500]
    moved = {}
    for epsilon in (1.0, 0.5):
        net = Network([784, 10], cost="log-likelihood", dtype="float64")
        net.set_parameters([np.zeros((10, 784))], [np.zeros(10)])
        fit(net, X, y, TrainOptions(epochs=1, lr=0.5, label_smoothing=epsilon))
        moved[epsilon] = max(float(np.abs(w).max()) for w in net.weights + net.biases)
    assert moved[1.0] == 0.0 and moved[0.5] > 0.01


def _mixed_cost(net: Network, X, labels, q, alpha: float) -> float:
    """C = (1 − α) (−1/n Σ ln a_label) + α (−1/n Σ_x Σ_j q_j ln a_j), from the answers alone."""
    a = net.feedforward(X)
    hard = -np.mean(np.log(a[np.arange(len(X)), labels]))
    soft = -np.mean(np.sum(q * np.log(a), axis=1))
    return float((1 - alpha) * hard + alpha * soft)


@pytest.mark.parametrize("alpha", [0.3, 1.0])
def test_backprop_on_mixed_targets_matches_finite_differences_of_the_mixed_cost(rng, alpha):
    net = Network([5, 4, 3], activation="tanh", cost="log-likelihood", init="scaled", seed=2, dtype="float64")
    X, labels = rng.uniform(0, 1, (7, 5)), rng.integers(0, 3, 7)
    q = softened(rng.normal(0, 3, (7, 3)), 2.0)
    nabla_w, nabla_b = net.backprop(X, mixed_targets(one_hot(labels, 3, np.float64), q, alpha))
    epsilon = 1e-5
    for parameters, gradients in ((net.weights, nabla_w), (net.biases, nabla_b)):
        for array, gradient in zip(parameters, gradients):
            for index in np.ndindex(array.shape):
                kept = array[index]
                array[index] = kept + epsilon
                up = _mixed_cost(net, X, labels, q, alpha)
                array[index] = kept - epsilon
                down = _mixed_cost(net, X, labels, q, alpha)
                array[index] = kept
                numeric = (up - down) / (2 * epsilon)
                assert abs(gradient[index] - numeric) <= 1e-7 * max(1.0, abs(numeric)), (index, alpha)


def _distilled(mnist, monkeypatch, use_fast: bool, teacher: Network, **options) -> Network:
    """Return a 784-16-16-10 float64 student after 2 epochs on 1,500 images, taught by teacher."""
    monkeypatch.undo()
    if not use_fast:
        monkeypatch.setattr(scratchnet.training.loop, "supports", lambda net, X: False)
    student = Network([784, 16, 16, 10], activation="relu", cost="log-likelihood", init="he", seed=4, dtype="float64")
    settings = TrainOptions(epochs=2, batch_size=10, keep="last", teacher="the teacher", **options)
    fit(student, mnist.train.images[:1_500], mnist.train.labels[:1_500], settings, teacher=teacher)
    return student


@pytest.mark.parametrize(
    "options",
    [
        {"lr": 0.05, "temperature": 3.0, "soft_weight": 0.7},
        {"lr": 0.02, "optimizer": "nesterov", "schedule": "cosine", "lmbda": 2.0, "dropout": 0.2, "soft_weight": 1.0},
    ],
)
def test_the_fast_path_takes_the_references_distilled_steps(mnist, monkeypatch, teachers, options):
    fast = _distilled(mnist, monkeypatch, True, teachers["convolutional"], **options)
    reference = _distilled(mnist, monkeypatch, False, teachers["convolutional"], **options)
    plain = Network([784, 16, 16, 10], activation="relu", cost="log-likelihood", init="he", seed=4, dtype="float64")
    settings = TrainOptions(
        epochs=2,
        batch_size=10,
        keep="last",
        **{k: v for k, v in options.items() if k != "soft_weight" and k != "temperature"},
    )
    fit(plain, mnist.train.images[:1_500], mnist.train.labels[:1_500], settings)
    difference = max(
        float(np.abs(p - r).max()) for p, r in zip(fast.weights + fast.biases, reference.weights + reference.biases)
    )
    taught = max(
        float(np.abs(p - r).max()) for p, r in zip(plain.weights + plain.biases, reference.weights + reference.biases)
    )
    assert difference < 1e-10 and taught > 1e-3  # the same steps, and not the labels' steps


@pytest.mark.parametrize("use_fast", [True, False])
def test_a_network_taught_by_itself_alone_at_temperature_one_does_not_move(mnist, monkeypatch, use_fast):
    """With α = 1, T = 1 and the teacher a copy of the student, y = a for every image: δ^L = a − y = 0, no step moves.

    (η small enough that the rounding, 1e-16, does not grow step after step away from this minimum.)"""

    def student() -> Network:
        return Network([784, 16, 10], activation="relu", cost="log-likelihood", init="he", seed=6, dtype="float64")

    if not use_fast:
        monkeypatch.setattr(scratchnet.training.loop, "supports", lambda net, X: False)
    X, y = mnist.train.images[:500], mnist.train.labels[:500]
    moved = {}
    for alpha in (1.0, 0.0):
        net, copy = student(), student()
        fit(
            net,
            X,
            y,
            TrainOptions(epochs=1, lr=0.1, teacher="itself", temperature=1.0, soft_weight=alpha),
            teacher=copy,
        )
        moved[alpha] = max(float(np.abs(p - c).max()) for p, c in zip(net.weights, copy.weights))
    assert moved[1.0] < 1e-12 and moved[0.0] > 0.01  # the labels alone move it


def test_fit_wants_the_teacher_named_and_loaded_together(mnist):
    X, y = mnist.train.images[:50], mnist.train.labels[:50]
    net = Network([784, 10], cost="log-likelihood")
    with pytest.raises(ConfigError, match="give both or neither"):
        fit(net, X, y, TrainOptions(epochs=1, teacher="reader"))
    with pytest.raises(ConfigError, match="give both or neither"):
        fit(net, X, y, TrainOptions(epochs=1), teacher=Network([784, 10]))
    with pytest.raises(ConfigError, match="784 inputs"):
        fit(net, X, y, TrainOptions(epochs=1, teacher="small"), teacher=Network([100, 10]))


def test_a_teacher_cannot_follow_augmentation_and_its_settings_are_checked():
    with pytest.raises(ConfigError, match="cannot follow augmentation; got teacher 'reader' and augment shift"):
        TrainOptions(teacher="reader", augment=("shift",))
    with pytest.raises(ConfigError, match="temperature"):
        TrainOptions(temperature=0.0)
    with pytest.raises(ConfigError, match=r"soft_weight \(α\) must be a number in \[0, 1\]"):
        TrainOptions(soft_weight=1.5)
    assert TrainOptions(soft_weight=1.0).soft_weight == 1.0 and TrainOptions(teacher=None).teacher is None
    with pytest.raises(ConfigError, match="teacher"):
        TrainOptions(teacher="  ")
