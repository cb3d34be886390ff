"""Checkpoints through the Python API: a run stopped after any epoch and resumed is the same run, bit for bit;
a damaged checkpoint loads or raises ModelFileError, nothing else."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from scratchnet import Network, TrainOptions, fit
from scratchnet.errors import ModelFileError
from scratchnet.io import load_checkpoint, save_checkpoint
from scratchnet.training.callbacks import Checkpoint
from scratchnet.training.state import TrainingState
from tests.strategies import mutated

CASES = {
    # the fast path: plain SGD
    "plain": (dict(activation="sigmoid"), TrainOptions(epochs=4, batch_size=10, lr=3.0)),
    # the fast path with momentum's velocities, a cosine schedule, L2 and dropout's generator
    "momentum": (
        dict(activation="sigmoid", cost="cross-entropy"),
        TrainOptions(epochs=4, batch_size=10, lr=0.5, optimizer="momentum", schedule="cosine", lmbda=1.0, dropout=0.2),
    ),
    # Adam's moments and step count, the plateau schedule's η and wait, early stopping's count, dropout's generator
    "adam": (
        dict(activation="relu", cost="log-likelihood", init="he"),
        TrainOptions(
            epochs=4,
            batch_size=25,
            lr=0.002,
            optimizer="adam",
            schedule="plateau",
            patience=1,
            early_stop=3,
            dropout=0.3,
        ),
    ),
    # Nesterov's velocities, the cosine schedule, L2, augmentation on the helper thread
    "nesterov": (
        dict(activation="tanh", cost="cross-entropy"),
        TrainOptions(
            epochs=4,
            batch_size=20,
            lr=0.05,
            optimizer="nesterov",
            schedule="cosine",
            lmbda=2.0,
            augment=("shift", "elastic"),
        ),
    ),
}


class _Interrupt(Exception):
    """Stands in for a kill after the checkpoint of epoch `after` is written."""


def _net(shape: dict) -> Network:
    return Network([784, 12, 10], seed=5, **shape)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("after", [1, 3])
def test_a_run_stopped_after_an_epoch_and_resumed_is_bit_identical(mnist, tmp_path, case, after):
    shape, options = CASES[case]
    X, y = mnist.train.images[:500], mnist.train.labels[:500]
    validation = (mnist.validation.images[:300], mnist.validation.labels[:300])
    whole = _net(shape)
    expected = fit(whole, X, y, options, validation=validation)
    path = tmp_path / "run.ckpt"

    def save_then_stop(state: TrainingState) -> None:
        save_checkpoint(path, state, {"note": "kept"})
        if state.epoch == after:
            raise _Interrupt

    with pytest.raises(_Interrupt):
        fit(_net(shape), X, y, options, validation=validation, callbacks=[Checkpoint(save_then_stop)])
    state, saved = load_checkpoint(path)
    assert saved == {"note": "kept"} and state.epoch == after and state.options == options
    history = fit(state.net, X, y, state=state, validation=validation)
    for ours, theirs in zip(state.net.weights + state.net.biases, whole.weights + whole.biases):
        assert ours.tobytes() == theirs.tobytes()
    assert [(r.training_cost, r.validation_accuracy, r.learning_rate) for r in history.epochs] == [
        (r.training_cost, r.validation_accuracy, r.learning_rate) for r in expected.epochs
    ]
    assert history.best_epoch == expected.best_epoch


def test_a_model_file_is_not_a_checkpoint(tmp_path):
    from scratchnet.io import save_model

    save_model(tmp_path / "m.npz", Network([4, 2]))
    with pytest.raises(ModelFileError, match="not a checkpoint"):
        load_checkpoint(tmp_path / "m.npz")


def test_a_checkpoint_whose_state_does_not_fit_its_network_is_refused(tmp_path):
    state = TrainingState.start(Network([4, 3, 2], seed=1), TrainOptions(optimizer="momentum"))
    state.optimizer.velocities = [np.zeros((2, 2), np.float32)] * 4  # shaped for another network
    save_checkpoint(tmp_path / "c.ckpt", state)
    with pytest.raises(ModelFileError, match="does not fit"):
        load_checkpoint(tmp_path / "c.ckpt")


@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory) -> bytes:
    """A valid small checkpoint: momentum's velocities, early stopping, dropout's generator, the best parameters."""
    folder = tmp_path_factory.mktemp("fuzz")
    rng = np.random.default_rng(0)
    X, y = rng.random((40, 4)), rng.integers(0, 2, 40)
    options = TrainOptions(epochs=2, batch_size=10, lr=0.1, optimizer="momentum", early_stop=2, dropout=0.2)
    fit(
        Network([4, 3, 2], seed=2),
        X,
        y,
        options,
        validation=(X, y),
        callbacks=[Checkpoint(lambda s: save_checkpoint(folder / "c.ckpt", s))],
    )
    return (folder / "c.ckpt").read_bytes()


def test_mutated_checkpoints_load_or_raise_model_file_error(checkpoint_bytes, tmp_path):
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=mutated(checkpoint_bytes))
    def check(data: bytes) -> None:
        path = tmp_path / "mutated.ckpt"
        path.write_bytes(data)
        with contextlib.suppress(ModelFileError):
            load_checkpoint(path)

    check()
