"""The convolutional network: its spelling and every refusal, its shapes and parameter counts, training
through the one fit loop on real digits, a stopped and resumed run (convolution, dropout, augmentation)
bit for bit, and the model file's round trip."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnet import TrainOptions, fit
from scratchnet.core.convnet import ConvNetwork, is_convolutional, parse_layers
from scratchnet.errors import ConfigError
from scratchnet.io import load_checkpoint, load_model, save_checkpoint, save_model
from scratchnet.training.callbacks import Checkpoint
from scratchnet.training.state import TrainingState

BOOK = "28x28,conv5x5x20,pool2,conv5x5x40,pool2,100,10"


def test_the_books_network_has_the_books_shapes_and_parameters():
    net = ConvNetwork(BOOK)
    assert [W.shape for W in net.weights] == [(20, 1, 5, 5), (40, 20, 5, 5), (100, 640), (10, 100)]
    assert [b.shape for b in net.biases] == [(20,), (40,), (100,), (10,)]
    shapes = [shape for _, shape, _ in net.describe()]
    assert shapes == [(28, 28, 1), (24, 24, 20), (12, 12, 20), (8, 8, 40), (4, 4, 40), (100,), (10,)]
    # 20·25 + 20, 40·20·25 + 40, 640·100 + 100, 100·10 + 10
    assert [count for *_, count in net.describe()] == [0, 520, 0, 20_040, 0, 64_100, 0 + 1_010]
    assert net.num_params == 520 + 20_040 + 64_100 + 1_010
    assert net.sizes == [784, 100, 10] and net.spelling == BOOK


def test_spellings_tell_dense_from_convolutional():
    assert is_convolutional(BOOK) and not is_convolutional("784,16,16,10")
    assert parse_layers("8x8x3,conv3x3x2,10")[0] == (8, 8, 3)


@pytest.mark.parametrize(
    ("spelling", "message"),
    [
        ("4x4,conv5x5x20,10", "conv5x5x20: a 5×5 filter does not fit a 4×4 map"),
        ("28x28,conv5x5x20,pool5,10", "pool5: 5×5 windows do not tile a 24×24 map"),
        ("28x28,conv5x5x20,fancy,10", "unknown layer 'fancy'"),
        ("28x28,conv5x3x20,10", "conv5x3x20: filters are square"),
        ("28x28,conv5x5x20,pool2", "the last layer must be the dense output layer"),
        ("28x28,100,conv3x3x2,10", "conv3x3x2 needs maps (H×W×C) below it"),
        ("conv5x5x20,10", "layers must start with the input maps"),
    ],
)
def test_a_spelling_that_cannot_work_is_refused_in_one_line_naming_the_layer(spelling, message):
    with pytest.raises(ConfigError) as error:
        ConvNetwork(spelling)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_feedforward_in_chunks_equals_one_pass(mnist):
    net = ConvNetwork("28x28,conv3x3x4,pool2,10", seed=2, dtype="float64")
    X = mnist.test.images[:1200]
    whole = net._pass(X, None)[1][-1]
    np.testing.assert_allclose(net.feedforward(X), whole, rtol=1e-12)
    np.testing.assert_allclose(net.probabilities(X).sum(axis=1), 1.0, rtol=1e-12)


def test_a_tiny_conv_net_learns_real_digits_through_fit(mnist):
    """1,000 real digits, 2 epochs: measured 335–387 of 500 validation digits (67–77%) over seeds 0–3, from 26–72 before; chance is 10%."""
    net = ConvNetwork("28x28,conv5x5x6,pool2,30,10", "relu", seed=0)
    before = net.evaluate(mnist.validation.images[:500], mnist.validation.labels[:500])
    options = TrainOptions(epochs=2, batch_size=10, lr=0.05, dropout=0.2, augment=("shift",))
    history = fit(net, mnist.train.images[:1000], mnist.train.labels[:1000], options)
    after = net.evaluate(mnist.validation.images[:500], mnist.validation.labels[:500])
    assert before < 100 and after >= 300  # ≥ 60%, 35 below the worst seed measured
    assert history.epochs[-1].training_cost < history.epochs[0].training_cost * 1.5


class _Interrupt(Exception):
    """Stands in for a kill after the checkpoint of epoch 1 is written."""


def test_a_conv_run_with_dropout_and_augmentation_stopped_and_resumed_is_bit_identical(mnist, tmp_path):
    options = TrainOptions(
        epochs=3,
        batch_size=20,
        lr=0.05,
        optimizer="momentum",
        schedule="cosine",
        dropout=0.3,
        augment=("shift", "rotate"),
    )
    X, y = mnist.train.images[:300], mnist.train.labels[:300]
    validation = (mnist.validation.images[:100], mnist.validation.labels[:100])
    whole = ConvNetwork("28x28,conv3x3x4,pool2,16,10", seed=5)
    expected = fit(whole, X, y, options, validation=validation)
    path = tmp_path / "run.ckpt"

    def save_then_stop(state: TrainingState) -> None:
        save_checkpoint(path, state)
        if state.epoch == 1:
            raise _Interrupt

    with pytest.raises(_Interrupt):
        fit(
            ConvNetwork("28x28,conv3x3x4,pool2,16,10", seed=5),
            X,
            y,
            options,
            validation=validation,
            callbacks=[Checkpoint(save_then_stop)],
        )
    state, _ = load_checkpoint(path)
    assert isinstance(state.net, ConvNetwork) and state.epoch == 1
    history = fit(state.net, X, y, state=state, validation=validation)
    for ours, theirs in zip(state.net.weights + state.net.biases, whole.weights + whole.biases):
        assert ours.tobytes() == theirs.tobytes()
    assert [r.validation_accuracy for r in history.epochs] == [r.validation_accuracy for r in expected.epochs]


def test_a_saved_conv_model_loads_with_its_spelling_and_answers_the_same(mnist, tmp_path):
    net = ConvNetwork("28x28,conv3x3x4,pool2,conv3x3x3,12,10", "sigmoid", "cross-entropy", "scaled", seed=3)
    path = save_model(tmp_path / "conv.npz", net)
    loaded, header = load_model(path)
    assert isinstance(loaded, ConvNetwork) and header["layers"] == "28x28,conv3x3x4,pool2,conv3x3x3,12,10"
    assert loaded.activation.name == "sigmoid" and loaded.cost_function.name == "cross-entropy"
    X = mnist.test.images[:50]
    assert loaded.feedforward(X).tobytes() == net.feedforward(X).tobytes()


@pytest.mark.parametrize("p", [2, 3])
def test_max_pooling_sends_each_windows_error_to_its_first_largest_entry(p):
    """Pooling against the definition, window by window, ties included (the first largest in reading order wins)."""
    from scratchnet.core.layers import Pool

    rng = np.random.default_rng(p)
    a = np.round(rng.random((3, 2 * p, 3 * p, 4)), 1)  # one decimal: many windows hold ties
    a[0, :p, :p, :] = 0.5  # a window that is all one value
    out, cache = Pool(p).forward(a)
    error = rng.standard_normal(out.shape)
    spread = Pool(p).backward(error, cache)
    expected_out, expected_spread = np.zeros(out.shape), np.zeros(a.shape)
    for n, u, v, c in np.ndindex(*out.shape):
        window = a[n, u * p : (u + 1) * p, v * p : (v + 1) * p, c]
        i, j = divmod(int(np.argmax(window)), p)  # argmax: the first largest, in reading order
        expected_out[n, u, v, c] = window.max()
        expected_spread[n, u * p + i, v * p + j, c] = error[n, u, v, c]
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_array_equal(spread, expected_spread)
