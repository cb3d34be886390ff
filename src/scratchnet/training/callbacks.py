"""Callbacks: the small pieces `fit` calls between its steps and epochs, each doing one thing.

A callback may answer four moments (each does nothing unless overridden):

    on_step(state)             before each mini-batch of the reference stepper; STOP ends the epoch
                               there (and the run after it). A callback with an on_step turns the
                               fast path off, which has no moments between steps.
    on_progress(done)          about a hundred times an epoch, with the samples done so far
    on_epoch_end(record, state)  after each epoch is measured; STOP ends the run after this epoch
    on_train_end(state)        once, when the run ends (not when it raises)

`fit` calls every callback at every epoch's end, in order, even after one has said STOP, so a
checkpoint placed last records the decision (`state.stopped`). What a callback has learned lives in
the TrainingState (the best score, the schedule, early stopping's count), so a checkpoint of the state
is a checkpoint of the callbacks too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from scratchnet.errors import TrainingDivergedError
from scratchnet.training.options import TrainOptions
from scratchnet.training.state import EpochRecord, TrainingState

STOP = "stop"
"""What a callback returns to end the run."""


class Callback:
    """The moments of a run; override the ones you need."""

    def on_step(self, state: TrainingState) -> str | None:
        """Before each mini-batch (state.t is its time in epochs); return STOP to stop here."""
        return None

    def on_progress(self, done: int) -> None:
        """Hear how many samples of the epoch are done."""

    def on_epoch_end(self, record: EpochRecord, state: TrainingState) -> str | None:
        """After each epoch; return STOP to end the run."""
        return None

    def on_train_end(self, state: TrainingState) -> None:
        """When the run ends."""


def overrides(callback: Callback, moment: str) -> bool:
    """Return whether callback answers moment (has its own `on_step`, say)."""
    return getattr(type(callback), moment) is not getattr(Callback, moment)


class Divergence(Callback):
    """Raise TrainingDivergedError, naming the epoch and η, once the training cost is NaN or infinite."""

    def on_epoch_end(self, record: EpochRecord, state: TrainingState) -> str | None:
        if not math.isfinite(record.training_cost):
            raise TrainingDivergedError(record.epoch, state.optimizer.eta)
        return None


class RecordHistory(Callback):
    """Append each epoch's record to state.history."""

    def on_epoch_end(self, record: EpochRecord, state: TrainingState) -> str | None:
        state.history.epochs.append(record)
        return None


class KeepBest(Callback):
    """Track the best epoch (on validation accuracy, else training accuracy); with restore, end with its parameters.

    history.best_epoch is kept either way; with restore=True (keep='best') the best epoch's weights
    and biases are copied into history.best_parameters and put back into the network at the end.
    """

    def __init__(self, restore: bool = True) -> None:
        self.restore = restore

    def on_epoch_end(self, record: EpochRecord, state: TrainingState) -> str | None:
        score = record.validation_accuracy if record.validation_accuracy is not None else record.training_accuracy
        if score > state.best_score:
            state.best_score, state.history.best_epoch = score, record.epoch
            if self.restore:
                state.history.best_parameters = state.net.copy_parameters()
        return None

    def on_train_end(self, state: TrainingState) -> None:
        if self.restore and state.history.best_parameters is not None:
            state.net.set_parameters(*state.history.best_parameters)


class PlateauSchedule(Callback):
    """Tell the schedule each validation accuracy (the plateau schedule halves η on a stall); STOP when it says so."""

    def on_epoch_end(self, record: EpochRecord, state: TrainingState) -> str | None:
        return None if state.schedule.observe(record.validation_accuracy) else STOP


class EarlyStop(Callback):
    """STOP after state.early_stopping's k epochs without a better validation accuracy."""

    def on_epoch_end(self, record: EpochRecord, state: TrainingState) -> str | None:
        if state.early_stopping is None:
            return None
        return None if state.early_stopping.observe(record.validation_accuracy) else STOP


class TimeBudget(Callback):
    """Stop at the first mini-batch past `seconds` of training, and run the schedule's clock on the time.

    The clock t is whichever is further along, the epochs or the time: t = max(t, T · elapsed / budget),
    so a cosine schedule over T epochs reaches η = 0 as the time runs out.
    """

    def __init__(self, seconds: float, epochs: int) -> None:
        self.seconds, self.epochs = seconds, epochs

    def on_step(self, state: TrainingState) -> str | None:
        elapsed = state.seconds()
        if elapsed >= self.seconds:
            return STOP
        state.t = max(state.t, self.epochs * elapsed / self.seconds)
        return None


class Progress(Callback):
    """Pass the samples done so far to report(done), about a hundred times an epoch (for a progress bar)."""

    def __init__(self, report: Callable[[int], Any]) -> None:
        self.report = report

    def on_progress(self, done: int) -> None:
        self.report(done)


class EachEpoch(Callback):
    """Call function(record) after each epoch; its returning False ends the run (the old `callback=`)."""

    def __init__(self, function: Callable[[EpochRecord], Any]) -> None:
        self.function = function

    def on_epoch_end(self, record: EpochRecord, state: TrainingState) -> str | None:
        return STOP if self.function(record) is False else None


class Checkpoint(Callback):
    """Call save(state) at the end of every epoch, to write a checkpoint; place it last.

    save is typically `scratchnet.io.save_checkpoint` bound to a path (training knows no file formats).
    """

    def __init__(self, save: Callable[[TrainingState], Any]) -> None:
        self.save = save

    def on_epoch_end(self, record: EpochRecord, state: TrainingState) -> str | None:
        self.save(state)
        return None


def standard_callbacks(options: TrainOptions) -> list[Callback]:
    """Return the callbacks the options ask for, in the order they must run: divergence first, then the record."""
    callbacks: list[Callback] = [Divergence(), RecordHistory(), KeepBest(options.keep == "best")]
    if options.schedule == "plateau":
        callbacks.append(PlateauSchedule())
    if options.early_stop is not None:
        callbacks.append(EarlyStop())
    if options.time_budget is not None:
        callbacks.append(TimeBudget(options.time_budget, options.epochs))
    return callbacks
