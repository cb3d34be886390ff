"""The options of scratchnet.training.sgd.train beyond the tutorial: early stopping, schedules, optimizers, dropout."""

import numpy as np
import pytest

from scratchnet import ConfigError, Network


def _small_problem():
    rng = np.random.default_rng(0)
    X = rng.random((40, 6))
    y = (X[:, 0] > X[:, 1]).astype(np.int64)
    return X, y


def test_he_init_draws_weights_with_variance_two_over_n_in_and_zero_biases():
    net = Network([784, 400, 10], activation="relu", init="he", seed=0, dtype="float64")
    assert net.weights[0].std() == pytest.approx(np.sqrt(2 / 784), rel=0.01)
    assert net.weights[1].std() == pytest.approx(np.sqrt(2 / 400), rel=0.05)
    assert all(not b.any() for b in net.biases)


def test_early_stopping_ends_after_k_epochs_without_improvement():
    X, y = _small_problem()
    net = Network([6, 5, 2], cost="cross-entropy", seed=0, dtype="float64")
    # η so small the accuracy cannot change: epoch 1 sets the best, epochs 2 and 3 do not beat it.
    history = net.sgd(X, y, epochs=50, batch_size=10, lr=1e-12, validation=(X, y), early_stop=2)
    assert len(history.epochs) == 3


def test_plateau_schedule_stops_once_eta_has_been_halved_seven_times():
    X, y = _small_problem()
    net = Network([6, 5, 2], cost="cross-entropy", seed=0, dtype="float64")
    history = net.sgd(X, y, epochs=50, batch_size=10, lr=1e-12, validation=(X, y), schedule="plateau", patience=1)
    assert len(history.epochs) == 8  # the first epoch, then seven stalled ones, each halving η
    assert [r.learning_rate for r in history.epochs] == pytest.approx([1e-12 / 2**k for k in (0, 0, 1, 2, 3, 4, 5, 6)])


def test_cosine_schedule_is_applied_per_mini_batch():
    X, y = _small_problem()
    net = Network([6, 5, 2], cost="cross-entropy", seed=0, dtype="float64")
    history = net.sgd(X, y, epochs=2, batch_size=10, lr=1.0, schedule="cosine")
    # The last step of epoch 2 is step 7 of 8: t = 1.75 epochs of T = 2, η = ½(1 + cos(0.875π)).
    assert history.epochs[-1].learning_rate == pytest.approx(0.5 * (1 + np.cos(0.875 * np.pi)))


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adam"])
def test_every_optimizer_lowers_the_training_cost(optimizer):
    X, y = _small_problem()
    net = Network([6, 8, 2], activation="relu", cost="log-likelihood", init="he", seed=0, dtype="float64")
    start = net.cost(X, np.eye(2)[y])
    lr = 0.01 if optimizer == "adam" else 0.1
    history = net.sgd(X, y, epochs=20, batch_size=10, lr=lr, optimizer=optimizer, momentum=0.9, keep="last")
    assert history.epochs[-1].training_cost < 0.8 * start


def test_dropout_training_leaves_evaluation_deterministic_and_whole():
    X, y = _small_problem()
    net = Network([6, 30, 2], activation="relu", cost="log-likelihood", init="he", seed=0)
    net.sgd(X, y, epochs=3, batch_size=10, lr=0.1, dropout=0.5)
    first, second = net.feedforward(X), net.feedforward(X)
    np.testing.assert_array_equal(first, second)
    # evaluation uses every hidden neuron at full strength: a^1 = relu(W x + b), nothing zeroed or scaled
    hidden = np.maximum(X.astype(np.float32) @ net.weights[0].T + net.biases[0], 0)
    np.testing.assert_allclose(first, net.output_activation(hidden @ net.weights[1].T + net.biases[1]), rtol=1e-5)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("lmbda", -1.0),
        ("optimizer", "rmsprop"),
        ("momentum", 1.0),
        ("schedule", "linear"),
        ("dropout", 1.0),
        ("early_stop", 0),
        ("augment", ["blur"]),
    ],
)
def test_bad_options_are_refused_naming_the_value(option, value):
    X, y = _small_problem()
    net = Network([6, 4, 2])
    with pytest.raises(ConfigError, match=repr(value) if not isinstance(value, list) else "blur"):
        net.sgd(X, y, epochs=1, validation=(X, y), **{option: value})


def test_early_stopping_without_validation_is_refused():
    X, y = _small_problem()
    with pytest.raises(ConfigError, match="validation"):
        Network([6, 4, 2]).sgd(X, y, epochs=1, early_stop=3)


def test_a_spent_time_budget_stops_training_before_any_step():
    X, y = _small_problem()
    net = Network([6, 5, 2], seed=0, dtype="float64")
    before = net.copy_parameters()
    history = net.sgd(X, y, epochs=10, batch_size=10, lr=1.0, time_budget=1e-9, keep="last")
    assert len(history.epochs) == 1
    for W, W0 in zip(net.weights, before[0]):
        np.testing.assert_array_equal(W, W0)


def test_the_training_figures_come_from_a_fixed_sample_and_say_so(mnist):
    X, y = mnist.train.images[:3_000], mnist.train.labels[:3_000]
    for sample, rows in ((1_000, 1_000), (None, 3_000), (10_000, 3_000)):
        net = Network([784, 16, 10], init="scaled", seed=0)  # unsaturated: float32 and float64 answers agree
        record = net.sgd(X, y, epochs=1, keep="last", training_sample=sample).epochs[-1]
        assert record.training_rows == rows
        assert (
            record.training_accuracy == net.evaluate(X[:rows], y[:rows]) / rows
        )  # measured after the epoch, on those rows


def test_the_default_sample_is_five_thousand_images_and_the_validation_stays_whole(mnist):
    X, y = mnist.train.images[:6_000], mnist.train.labels[:6_000]
    validation = (mnist.validation.images[:1_500], mnist.validation.labels[:1_500])
    net = Network([784, 10], init="scaled", seed=0)  # N(0, 1) saturates: float32 ties at σ = 1 (see core/answers.py)
    record = net.sgd(X, y, epochs=1, keep="last", validation=validation).epochs[-1]
    assert record.training_rows == 5_000
    assert record.validation_accuracy == net.evaluate(*validation) / 1_500
