"""Each callback of the training loop alone, on a hand-made TrainingState and hand-made epoch records."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from scratchnet import Network, TrainingDivergedError, TrainOptions
from scratchnet.training.callbacks import (
    STOP,
    Callback,
    Checkpoint,
    Divergence,
    EachEpoch,
    EarlyStop,
    KeepBest,
    PlateauSchedule,
    Progress,
    RecordHistory,
    TimeBudget,
    overrides,
    standard_callbacks,
)
from scratchnet.training.state import EpochRecord, TrainingState


def _state(**options) -> TrainingState:
    return TrainingState.start(Network([3, 2], seed=0, dtype="float64"), TrainOptions(**options))


def _record(epoch: int, validation: float | None = 0.5, training: float = 0.4, cost: float = 1.0) -> EpochRecord:
    return EpochRecord(epoch, cost, training, None if validation is None else 0.3, validation, 0.1, 0.1)


def test_divergence_raises_naming_the_epoch_and_eta_once_the_cost_is_not_finite():
    state = _state(lr=0.5)
    assert Divergence().on_epoch_end(_record(1), state) is None
    for bad in (math.nan, math.inf):
        with pytest.raises(TrainingDivergedError, match=r"epoch 4; try a smaller learning rate than η = 0.5"):
            Divergence().on_epoch_end(_record(4, cost=bad), state)


def test_record_history_appends_each_record_in_order():
    state, callback = _state(), RecordHistory()
    records = [_record(1), _record(2)]
    for record in records:
        callback.on_epoch_end(record, state)
    assert state.history.epochs == records


def test_keep_best_tracks_the_best_validation_epoch_and_restores_its_parameters():
    state, callback = _state(), KeepBest(restore=True)
    net = state.net
    callback.on_epoch_end(_record(1, validation=0.6), state)
    best = [W.copy() for W in net.weights]
    net.weights[0] += 1.0  # epoch 2 moves the weights and scores worse; epoch 3 only ties
    callback.on_epoch_end(_record(2, validation=0.5), state)
    callback.on_epoch_end(_record(3, validation=0.6), state)
    assert state.history.best_epoch == 1 and state.best_score == 0.6
    callback.on_train_end(state)
    np.testing.assert_array_equal(net.weights[0], best[0])


def test_keep_best_without_validation_scores_the_training_accuracy_and_keep_last_restores_nothing():
    state, callback = _state(), KeepBest(restore=False)
    callback.on_epoch_end(_record(1, validation=None, training=0.2), state)
    callback.on_epoch_end(_record(2, validation=None, training=0.7), state)
    before = state.net.weights[0].copy()
    callback.on_train_end(state)
    assert state.history.best_epoch == 2 and state.history.best_parameters is None
    np.testing.assert_array_equal(state.net.weights[0], before)


def test_plateau_schedule_halves_eta_after_k_stalled_epochs_and_stops_at_eta0_over_128():
    state, callback = _state(schedule="plateau", patience=1, lr=1.0), PlateauSchedule()
    answers = [callback.on_epoch_end(_record(epoch, validation=0.5), state) for epoch in range(1, 9)]
    assert answers == [None] * 7 + [STOP]
    assert state.schedule.eta_at(0) == pytest.approx(1 / 128)


def test_early_stop_stops_after_k_epochs_without_a_better_validation_accuracy():
    state, callback = _state(early_stop=2), EarlyStop()
    accuracies = [0.5, 0.6, 0.6, 0.7, 0.7, 0.65]
    answers = [callback.on_epoch_end(_record(i + 1, validation=a), state) for i, a in enumerate(accuracies)]
    assert answers == [None, None, None, None, None, STOP]


def test_time_budget_stops_past_its_seconds_and_runs_the_clock_on_the_time():
    state = _state(epochs=10)
    state.elapsed, state.began, state.t = 30.0, time.perf_counter(), 0.5  # 30 s trained in earlier sessions
    assert TimeBudget(60.0, 10).on_step(state) is None
    assert state.t == pytest.approx(10 * 30 / 60, rel=1e-3)  # half the time gone: half the epochs' clock
    assert TimeBudget(30.0, 10).on_step(state) is STOP


def test_progress_passes_the_samples_done():
    seen: list[int] = []
    Progress(seen.append).on_progress(120)
    assert seen == [120]


def test_each_epoch_stops_only_on_false():
    state = _state()
    assert EachEpoch(lambda record: None).on_epoch_end(_record(1), state) is None
    assert EachEpoch(lambda record: True).on_epoch_end(_record(1), state) is None
    assert EachEpoch(lambda record: False).on_epoch_end(_record(1), state) is STOP


def test_checkpoint_saves_the_state_after_every_epoch():
    state, saved = _state(), []
    callback = Checkpoint(lambda s: saved.append(s.epoch))
    for epoch in (1, 2):
        state.epoch = epoch
        callback.on_epoch_end(_record(epoch), state)
    assert saved == [1, 2]


def test_only_the_time_budget_acts_between_steps_and_the_options_choose_the_callbacks():
    assert [overrides(c, "on_step") for c in (TimeBudget(1.0, 1), KeepBest(), Progress(print), Callback())] == [
        True,
        False,
        False,
        False,
    ]
    names = [
        type(c).__name__ for c in standard_callbacks(TrainOptions(schedule="plateau", early_stop=3, time_budget=5.0))
    ]
    assert names == ["Divergence", "RecordHistory", "KeepBest", "PlateauSchedule", "EarlyStop", "TimeBudget"]
    assert [type(c).__name__ for c in standard_callbacks(TrainOptions())] == ["Divergence", "RecordHistory", "KeepBest"]
