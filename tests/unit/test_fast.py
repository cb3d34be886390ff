"""The fast path of plain SGD (scratchnet.training.fast) against the readable reference, step for step.

The reference is `Network.backprop` followed by `sgd.update` on each mini-batch; the fast path must
take the same steps, so after hundreds of them the weights agree to rounding (float64: 1e-10).
"""

import numpy as np
import pytest

import scratchnet.training.loop
from scratchnet import Network
from scratchnet.core.encoding import as_input, one_hot
from scratchnet.training.fast import FastSGD, supports
from scratchnet.training.sgd import update

ROWS = 3_005  # 300 mini-batches of 10 and a short last one of 5


def reference_epoch(net: Network, X: np.ndarray, Y: np.ndarray, order: np.ndarray, m: int, eta: float) -> None:
    """One epoch of the readable loop: backprop on each mini-batch of `order`, then w → w − η ∂C/∂w."""
    for start in range(0, len(order), m):
        batch = order[start : start + m]
        nabla_w, nabla_b = net.backprop(as_input(X[batch], net.dtype), Y[batch])
        update(net, nabla_w, nabla_b, eta)


def largest_difference(a: Network, b: Network) -> float:
    return max(float(np.max(np.abs(p - q))) for p, q in zip(a.weights + a.biases, b.weights + b.biases))


def both_ways(mnist, sizes, activation, cost, eta, dtype, m=10, floats=False):
    """Return (reference net, fast net) after one epoch over the same ROWS images in the same order."""
    X = mnist.train.images[:ROWS]
    if floats:
        X = X / 255.0
    nets = [Network(sizes, activation, cost, init="scaled", seed=7, dtype=dtype) for _ in range(2)]
    Y = one_hot(mnist.train.labels[:ROWS], 10, nets[0].dtype)
    order = np.random.default_rng(3).permutation(ROWS)
    reference_epoch(nets[0], X, Y, order, m, eta)
    assert supports(nets[1], X)
    FastSGD(nets[1], X, Y, m, eta).epoch(order)
    return nets


CASES = [
    ([784, 16, 16, 10], "sigmoid", "quadratic", 3.0),
    ([784, 30, 10], "sigmoid", "log-likelihood", 0.5),
    ([784, 20, 10], "sigmoid", "cross-entropy", 0.5),
    ([784, 20, 10], "tanh", "quadratic", 0.05),
    ([784, 20, 10], "relu", "log-likelihood", 0.05),
    ([784, 10], "sigmoid", "log-likelihood", 0.5),
]


@pytest.mark.parametrize("sizes, activation, cost, eta", CASES)
def test_fast_epoch_takes_the_reference_steps_in_float64(mnist, sizes, activation, cost, eta):
    reference, fast = both_ways(mnist, sizes, activation, cost, eta, "float64")
    assert (
        largest_difference(reference, Network(sizes, activation, cost, init="scaled", seed=7, dtype="float64")) > 0.01
    )
    assert largest_difference(reference, fast) < 1e-10


@pytest.mark.parametrize("sizes, activation, cost, eta", CASES[:2])
def test_fast_epoch_stays_close_to_the_reference_in_float32(mnist, sizes, activation, cost, eta):
    reference, fast = both_ways(mnist, sizes, activation, cost, eta, "float32")
    assert fast.weights[0].dtype == np.float32
    assert largest_difference(reference, fast) < 1e-4


def test_fast_epoch_takes_float_inputs_and_mini_batches_larger_than_a_chunk(mnist):
    reference, fast = both_ways(mnist, [784, 16, 10], "sigmoid", "quadratic", 3.0, "float64", m=100, floats=True)
    assert largest_difference(reference, fast) < 1e-10


def _train(mnist, monkeypatch, use_fast, lr=3.0, **options):
    """Return (net, history, fast epochs run) after train() on 2,000 images for 2 epochs."""
    calls = []
    original = FastSGD.epoch
    monkeypatch.setattr(FastSGD, "epoch", lambda self, *args: calls.append(1) or original(self, *args))
    if not use_fast:
        monkeypatch.setattr(scratchnet.training.loop, "supports", lambda net, X: False)
    net = Network([784, 16, 16, 10], seed=5, dtype="float64")
    X, y = mnist.train.images[:2_000], mnist.train.labels[:2_000]
    history = net.sgd(
        X,
        y,
        epochs=2,
        batch_size=10,
        lr=lr,
        validation=(mnist.validation.images[:500], mnist.validation.labels[:500]),
        keep="last",
        **options,
    )
    return net, history, len(calls)


def test_train_uses_the_fast_path_for_plain_sgd_and_matches_the_reference(mnist, monkeypatch):
    fast, fast_history, fast_epochs = _train(mnist, monkeypatch, use_fast=True)
    monkeypatch.undo()
    reference, reference_history, reference_epochs = _train(mnist, monkeypatch, use_fast=False)
    assert (fast_epochs, reference_epochs) == (2, 0)
    assert largest_difference(reference, fast) < 1e-10
    for ours, theirs in zip(fast_history.epochs, reference_history.epochs):
        assert ours.training_cost == pytest.approx(theirs.training_cost, rel=1e-9)
        assert ours.validation_accuracy == theirs.validation_accuracy


@pytest.mark.parametrize(
    "options",
    [
        {"lmbda": 1.0},
        {"optimizer": "momentum", "momentum": 0.8, "lr": 0.5},
        {"optimizer": "nesterov", "schedule": "cosine", "lmbda": 2.0, "lr": 0.5},
        {"schedule": "step", "patience": 1},
        {"schedule": "plateau", "patience": 1, "lr": 1.0},
        {"dropout": 0.3},
        {"dropout": 0.2, "optimizer": "nesterov", "schedule": "cosine", "lmbda": 1.0, "lr": 0.5},
        {"augment": ("shift", "rotate", "scale", "slant", "elastic", "thickness")},
        {"augment": ("shift", "elastic"), "dropout": 0.2, "optimizer": "nesterov", "schedule": "cosine", "lr": 0.5},
        {"time_budget": 1e6},  # a callback between steps: asked before each step, as the reference asks it
    ],
)
def test_train_takes_momentum_l2_and_schedules_on_the_fast_path_and_matches_the_reference(mnist, monkeypatch, options):
    fast, fast_history, fast_epochs = _train(mnist, monkeypatch, use_fast=True, **options)
    monkeypatch.undo()
    reference, reference_history, reference_epochs = _train(mnist, monkeypatch, use_fast=False, **options)
    assert (fast_epochs, reference_epochs) == (2, 0)
    assert largest_difference(reference, Network([784, 16, 16, 10], seed=5, dtype="float64")) > 0.01
    assert largest_difference(reference, fast) < 1e-10
    for ours, theirs in zip(fast_history.epochs, reference_history.epochs):
        assert ours.learning_rate == theirs.learning_rate
        assert ours.training_cost == pytest.approx(theirs.training_cost, rel=1e-9)


def test_train_falls_back_to_the_reference_for_adam(mnist, monkeypatch):
    _, _, fast_epochs = _train(mnist, monkeypatch, use_fast=True, optimizer="adam", lr=0.001)
    assert fast_epochs == 0


def test_fast_epoch_keeps_the_update_rules_velocities_where_the_reference_does(mnist):
    from scratchnet.training.optimizers import Nesterov

    X, Y = mnist.train.images[:500], one_hot(mnist.train.labels[:500], 10, np.float64)
    nets = [Network([784, 12, 10], seed=1, dtype="float64") for _ in range(2)]
    rules = [Nesterov(0.2, 0.9), Nesterov(0.2, 0.9)]
    order = np.random.default_rng(0).permutation(500)
    fast = FastSGD(nets[1], X, Y, 20, 0.2, rules[1], lmbda=3.0)
    etas = [0.2 * (1 - step / 25) for step in range(25)]  # a schedule: η falls step by step
    for _ in range(2):
        for step, start in enumerate(range(0, 500, 20)):
            batch = order[start : start + 20]
            nabla_w, nabla_b = nets[0].backprop(as_input(X[batch], np.float64), Y[batch])
            rules[0].eta = etas[step]
            nabla_w = [nw + (3.0 / 500) * W for nw, W in zip(nabla_w, nets[0].weights)]  # L2: (λ/n) w
            rules[0].step([*nets[0].weights, *nets[0].biases], [*nabla_w, *nabla_b])
        fast.epoch(order, etas=etas)
    assert largest_difference(*nets) < 1e-10
    assert max(float(np.max(np.abs(u - v))) for u, v in zip(rules[0].velocities, rules[1].velocities)) < 1e-10


def test_same_seed_gives_bit_identical_weights(mnist):
    X, y = mnist.train.images[:3_000], mnist.train.labels[:3_000]
    nets = [Network([784, 16, 16, 10], seed=11) for _ in range(2)]
    for net in nets:
        net.sgd(X, y, epochs=2, batch_size=10, lr=3.0, keep="last")
    for p, q in zip(nets[0].weights + nets[0].biases, nets[1].weights + nets[1].biases):
        assert np.array_equal(p, q)


def test_fast_feedforward_gives_the_outputs_of_network_feedforward(mnist):
    net = Network([784, 16, 16, 10], seed=2, dtype="float64")
    X = mnist.validation.images[:2_345]
    fast = FastSGD(net, mnist.train.images[:100], one_hot(mnist.train.labels[:100], 10, net.dtype), 10, 3.0)
    expected = net.feedforward(X)
    assert expected.std() > 0.05  # outputs that differ from image to image
    assert np.max(np.abs(fast.feedforward(X) - expected)) < 1e-12


def test_a_remembered_array_is_measured_as_before_without_converting_it_again(mnist):
    net = Network([784, 16, 16, 10], seed=2, dtype="float64")
    X = mnist.validation.images[
        :12_345
    ]  # more than one chunk of EVALUATION_BYTES: several chunks of the converted array
    fast = FastSGD(net, mnist.train.images[:100], one_hot(mnist.train.labels[:100], 10, net.dtype), 10, 3.0)
    before = fast.feedforward(X)
    fast.remember(X)
    assert np.array_equal(fast.feedforward(X), before)
    assert np.max(np.abs(before - net.feedforward(X))) < 1e-12


def test_fast_dropout_draws_the_references_masks_across_chunks_and_a_short_last_mini_batch(mnist):
    from scratchnet.training.regularisation import dropout_masks

    X = mnist.train.images[:ROWS]
    nets = [Network([784, 30, 20, 10], "relu", "log-likelihood", init="he", seed=7, dtype="float64") for _ in range(2)]
    Y = one_hot(mnist.train.labels[:ROWS], 10, np.float64)
    order = np.random.default_rng(3).permutation(ROWS)
    noise = [np.random.default_rng(9), np.random.default_rng(9)]
    for start in range(0, ROWS, 10):  # the reference: one set of masks per mini-batch, drawn in turn
        batch = order[start : start + 10]
        masks = dropout_masks(noise[0], len(batch), [30, 20], 0.4, np.float64)
        nabla_w, nabla_b = nets[0].backprop(as_input(X[batch], np.float64), Y[batch], masks)
        update(nets[0], nabla_w, nabla_b, 0.05)
    fast = FastSGD(nets[1], X, Y, 10, 0.05, dropout=0.4, noise=noise[1])
    assert fast.chunk < ROWS  # several chunks, each drawing its masks
    fast.epoch(order)
    assert (
        largest_difference(
            nets[0], Network([784, 30, 20, 10], "relu", "log-likelihood", init="he", seed=7, dtype="float64")
        )
        > 0.01
    )
    assert largest_difference(*nets) < 1e-10
    assert noise[0].random() == noise[1].random()  # the generators drew the same numbers, no more, no fewer


def test_fast_augmentation_draws_the_references_distortions_and_a_step_function_can_stop_the_epoch(mnist):
    from scratchnet.data.augment import Augmenter
    from scratchnet.training.regularisation import dropout_masks

    X = mnist.train.images[:ROWS]
    nets = [Network([784, 30, 20, 10], "relu", "log-likelihood", init="he", seed=7, dtype="float64") for _ in range(2)]
    Y = one_hot(mnist.train.labels[:ROWS], 10, np.float64)
    order = np.random.default_rng(3).permutation(ROWS)
    noise = [np.random.default_rng(9), np.random.default_rng(9)]
    augmenter = Augmenter(("shift", "rotate", "elastic", "thickness"))
    stop_at = 250  # steps taken before the step function says stop, several chunks in
    for start in range(0, stop_at * 10 + 10, 10):  # the reference: distortions, then masks, per mini-batch
        batch = order[start : start + 10]
        inputs = augmenter(X[batch], noise[0], np.float64)
        masks = dropout_masks(noise[0], len(batch), [30, 20], 0.4, np.float64)
        if start < stop_at * 10:
            nabla_w, nabla_b = nets[0].backprop(inputs, Y[batch], masks)
            update(nets[0], nabla_w, nabla_b, 0.05)
    with FastSGD(nets[1], X, Y, 10, 0.05, dropout=0.4, noise=noise[1], augmenter=augmenter) as fast:
        assert 10 < fast.chunk < stop_at * 10
        finished = fast.epoch(order, etas=lambda step: 0.05 if step < stop_at else None)
    assert finished is False
    assert largest_difference(*nets) < 1e-10
    untrained = Network([784, 30, 20, 10], "relu", "log-likelihood", init="he", seed=7, dtype="float64")
    assert largest_difference(nets[0], untrained) > 0.01
