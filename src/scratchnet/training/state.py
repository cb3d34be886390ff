"""What a training run has measured and everything it needs to go on: History and TrainingState.

`TrainingState` is the one object a checkpoint writes and `resume` reads back, so that a resumed run
is the same run: the network (weights and biases), the update rule's state (velocities, Adam's moments
and step count), the schedule's and early stopping's state, the state of every random generator
(the shuffling's, the distortions' and dropout's), the best epoch's parameters, the history so far,
and the seconds trained. `to_payload` turns it into JSON-able numbers and named arrays, exactly
(floats are written with all their digits, arrays as they are); `from_payload` is its inverse.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from scratchnet.training.optimizers import Optimizer, make_optimizer
from scratchnet.training.options import TrainOptions
from scratchnet.training.schedules import EarlyStopping, Schedule, make_schedule

if TYPE_CHECKING:
    from scratchnet.core.network import Array, Network


@dataclass
class EpochRecord:
    """The numbers measured after one epoch (accuracies are fractions in [0, 1]).

    The validation figures are exact, on every validation image; the training figures are measured on
    the first `training_rows` training images after the epoch (TrainOptions.training_sample: a fixed
    sample by default, all images on request), not averaged over the epoch's changing network.
    """

    epoch: int
    training_cost: float
    training_accuracy: float
    validation_cost: float | None
    validation_accuracy: float | None
    seconds: float
    learning_rate: float | None = None
    training_rows: int | None = None  # how many training images the training figures were measured on


@dataclass
class History:
    """Everything a training run measured, epoch by epoch, and which epoch was best on validation."""

    epochs: list[EpochRecord] = field(default_factory=list)
    best_epoch: int | None = None
    best_parameters: tuple[list[Any], list[Any]] | None = field(default=None, repr=False)

    def _repr_html_(self) -> str:
        """Return the accuracy curve and the table of epochs as HTML, for Jupyter."""
        from scratchnet.training.display import history_html

        return history_html(self.epochs, self.best_epoch)

    def to_dict(self) -> dict[str, Any]:
        """Return the history as plain JSON-able numbers (the parameters are left out)."""
        return {"epochs": [asdict(r) for r in self.epochs], "best_epoch": self.best_epoch}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        """Return the History that `to_dict` described."""
        return cls([EpochRecord(**r) for r in data.get("epochs", [])], data.get("best_epoch"))


@dataclass
class TrainingState:
    """A run between two epochs: what `fit` reads and changes, and what a checkpoint keeps.

    `epoch` counts the epochs finished; `t` is the schedule's clock in epochs (2.5: half-way through
    the third); `elapsed` the seconds trained in earlier sessions of the run (a resumed run's time
    budget counts them); `best_score` the best validation accuracy so far (the training accuracy
    without validation data); `stopped` whether a callback ended the run.
    """

    net: Network
    options: TrainOptions
    optimizer: Optimizer
    schedule: Schedule
    noise: np.random.Generator | None  # distortions and dropout masks; the shuffling draws from net.rng
    history: History
    early_stopping: EarlyStopping | None = None
    epoch: int = 0
    t: float = 0.0
    elapsed: float = 0.0
    best_score: float = -1.0
    stopped: bool = False
    began: float = field(default_factory=time.perf_counter, repr=False)

    @classmethod
    def start(cls, net: Network, options: TrainOptions, history: History | None = None) -> TrainingState:
        """Return the state of a run about to take its first step on net."""
        # Distortions and dropout masks come from their own generator, spawned from the network's: the
        # stream of shuffles does not depend on whether they are on.
        noise = net.rng.spawn(1)[0] if options.augment or options.dropout > 0 else None
        return cls(
            net,
            options,
            make_optimizer(options.optimizer, options.lr, options.momentum),
            make_schedule(
                options.schedule, options.lr, options.epochs, patience=options.patience, every=options.patience
            ),
            noise,
            history if history is not None else History(),
            EarlyStopping(options.early_stop) if options.early_stop is not None else None,
        )

    def seconds(self) -> float:
        """Return the seconds this run has trained, earlier sessions included."""
        return self.elapsed + time.perf_counter() - self.began

    def to_payload(self) -> tuple[dict[str, Any], dict[str, Array]]:
        """Return (JSON-able numbers, named arrays) that `from_payload` turns back into this state."""
        arrays: dict[str, Array] = {}
        numbers = {
            "epoch": self.epoch,
            "t": self.t,
            "elapsed": self.seconds(),
            "best_score": self.best_score,
            "stopped": self.stopped,
            "shuffle_rng": self.net.rng.bit_generator.state,
            "noise_rng": None if self.noise is None else self.noise.bit_generator.state,
            "optimizer": _flatten(self.optimizer.state_dict(), "optimizer", arrays),
            "schedule": _flatten(self.schedule.state_dict(), "schedule", arrays),
            "early_stopping": None
            if self.early_stopping is None
            else _flatten(self.early_stopping.state_dict(), "early", arrays),
            "history": self.history.to_dict(),
        }
        if self.history.best_parameters is not None:
            weights, biases = self.history.best_parameters
            arrays.update({f"best_weights_{l}": W for l, W in enumerate(weights)})
            arrays.update({f"best_biases_{l}": b for l, b in enumerate(biases)})
        return numbers, arrays

    @classmethod
    def from_payload(
        cls, net: Network, options: TrainOptions, numbers: dict[str, Any], arrays: dict[str, Array]
    ) -> TrainingState:
        """Return the state `to_payload` described, for net (whose weights the caller has set).

        Raises KeyError, TypeError or ValueError for a payload that does not describe a state.
        """
        state = cls.start(net, options, History.from_dict(numbers["history"]))
        net.rng.bit_generator.state = numbers["shuffle_rng"]
        if (numbers["noise_rng"] is None) != (state.noise is None):
            raise ValueError("the noise generator does not match the options")
        if state.noise is not None:
            state.noise.bit_generator.state = numbers["noise_rng"]
        parameters = [*net.weights, *net.biases]
        optimizer = _unflatten(numbers["optimizer"], arrays)
        for name in ("velocities", "first", "second"):
            _check_like(optimizer.get(name), parameters, f"the optimizer's {name}")
        state.optimizer.load_state_dict(optimizer)
        state.schedule.load_state_dict(_unflatten(numbers["schedule"], arrays))
        if state.early_stopping is not None:
            state.early_stopping.load_state_dict(_unflatten(numbers["early_stopping"], arrays))
        state.epoch, state.t, state.elapsed = int(numbers["epoch"]), float(numbers["t"]), float(numbers["elapsed"])
        state.best_score, state.stopped = float(numbers["best_score"]), bool(numbers["stopped"])
        layers = range(len(net.weights))
        if "best_weights_0" in arrays:
            best = ([arrays[f"best_weights_{l}"] for l in layers], [arrays[f"best_biases_{l}"] for l in layers])
            _check_like([*best[0], *best[1]], parameters, "the best epoch's parameters")
            state.history.best_parameters = best
        return state


def _check_like(arrays: list[Array] | None, like: list[Array], what: str) -> None:
    """Raise ValueError unless arrays (if any) match like in number, shapes and dtypes."""
    if arrays is None:
        return
    if len(arrays) != len(like) or any(a.shape != b.shape or a.dtype != b.dtype for a, b in zip(arrays, like)):
        raise ValueError(f"{what} do not fit the network's {len(like)} weight and bias arrays")


def _flatten(state: dict[str, Any], prefix: str, arrays: dict[str, Array]) -> dict[str, Any]:
    """Return state with each list of arrays moved into `arrays` (as PREFIX_NAME_i) and ±∞ written as text."""
    numbers: dict[str, Any] = {}
    for name, value in state.items():
        if isinstance(value, list):
            arrays.update({f"{prefix}_{name}_{i}": array for i, array in enumerate(value)})
            numbers[name] = {"arrays": f"{prefix}_{name}", "count": len(value)}
        elif isinstance(value, float) and not math.isfinite(value):
            numbers[name] = {"float": repr(value)}  # JSON holds no infinities
        else:
            numbers[name] = value
    return numbers


def _unflatten(numbers: dict[str, Any], arrays: dict[str, Array]) -> dict[str, Any]:
    """Return the state `_flatten` was given."""
    state: dict[str, Any] = {}
    for name, value in numbers.items():
        if isinstance(value, dict) and "arrays" in value:
            state[name] = [arrays[f"{value['arrays']}_{i}"].copy() for i in range(int(value["count"]))]
        elif isinstance(value, dict):
            state[name] = float(value["float"])
        else:
            state[name] = value
    return state
