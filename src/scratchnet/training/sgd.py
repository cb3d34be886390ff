"""Mini-batch stochastic gradient descent: shuffle, step on small batches, repeat for each epoch.

Symbols: n the training-set size, m the mini-batch size, η (eta) the learning rate.
Each step takes the gradient of the mini-batch's mean cost C = (1/m) Σ_x C_x from backpropagation
and moves every parameter a little downhill:
    w → w − η ∂C/∂w,    b → b − η ∂C/∂b
An epoch is n/m such steps over a fresh shuffle of the training set: the drunk man's quick, noisy
path downhill instead of one slow exact step on the whole set.

Chapter 3's improvements are options of `train`, all off by default: L2 regularisation with strength λ
(∂C/∂w gains (λ/n) w, so plain SGD becomes w → (1 − ηλ/n) w − η ∂C₀/∂w), other update rules
(momentum, Nesterov, Adam: `scratchnet.training.optimizers`), a schedule for η (`scratchnet.training.schedules`),
inverted dropout on the hidden layers, early stopping on the validation accuracy, and fresh
distortions of every mini-batch (`scratchnet.data.augment`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from scratchnet.data.augment import Augmenter, check_augmentations
from scratchnet.errors import ConfigError, DataFormatError, TrainingDivergedError
from scratchnet.training.fast import FastSGD, supports
from scratchnet.core.encoding import as_input, one_hot
from scratchnet.training.optimizers import SGD, Optimizer, make_optimizer
from scratchnet.training.regularisation import add_l2_gradient, dropout_masks
from scratchnet.training.schedules import EarlyStopping, make_schedule

if TYPE_CHECKING:
    from scratchnet.core.network import Array, Network

EVALUATION_CHUNK = 10_000
"""Rows fed forward at once when measuring cost and accuracy, so memory stays flat."""


@dataclass
class EpochRecord:
    """The numbers measured after one epoch (accuracies are fractions in [0, 1])."""

    epoch: int
    training_cost: float
    training_accuracy: float
    validation_cost: float | None
    validation_accuracy: float | None
    seconds: float
    learning_rate: float | None = None


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


def measure(
    net: Network, X: NDArray[Any], Y: Array, labels: NDArray[Any], feedforward: Callable[[NDArray[Any]], Array] | None = None
) -> tuple[float, float]:
    """Return (mean cost, accuracy) of net on the rows of X, feeding them forward in chunks.

    feedforward, if given, stands in for net.feedforward (the fast path's, in training).
    """
    total_cost, correct = 0.0, 0
    for start in range(0, len(X), EVALUATION_CHUNK):
        chunk = slice(start, start + EVALUATION_CHUNK)
        A = (feedforward or net.feedforward)(X[chunk])
        total_cost += net.cost_function.value(A, Y[chunk]) * len(A)
        correct += int(np.sum(A.argmax(axis=1) == labels[chunk]))
    return total_cost / len(X), correct / len(X)


def _labels_and_targets(net: Network, X: NDArray[Any], y: NDArray[Any], what: str) -> tuple[NDArray[Any], Array]:
    """Return (integer labels, one-hot targets) for y, or raise DataFormatError naming `what`."""
    net.check_input(X)
    y = np.asarray(y)
    classes = net.sizes[-1]
    if y.ndim == 2 and y.shape[1] == classes:
        labels = y.argmax(axis=1)
    elif y.ndim == 1 and np.issubdtype(y.dtype, np.integer):
        labels = y
    else:
        raise DataFormatError(f"{what} labels must be integers (n,) or one-hot (n, {classes}); got shape {y.shape}")
    if len(labels) != len(X):
        raise DataFormatError(f"{what} has {len(X)} inputs but {len(labels)} labels; they must agree")
    if len(labels) and (labels.min() < 0 or labels.max() >= classes):
        raise DataFormatError(f"{what} labels must lie in 0..{classes - 1}; got {labels.min()}..{labels.max()}")
    return labels, one_hot(labels, classes, net.dtype)


def _check_positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ConfigError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def update(net: Network, nabla_w: list[Array], nabla_b: list[Array], eta: float) -> None:
    """Take one gradient-descent step in place: w → w − η ∂C/∂w, b → b − η ∂C/∂b (the SGD rule)."""
    SGD(eta).step([*net.weights, *net.biases], [*nabla_w, *nabla_b])


def _mini_batches(
    net: Network,
    X: NDArray[Any],
    order: NDArray[np.intp],
    m: int,
    augmenter: Augmenter | None,
    p: float,
    noise: np.random.Generator | None,
    helper: ThreadPoolExecutor,
) -> Iterator[tuple[int, NDArray[np.intp], Array, list[Array]]]:
    """Yield (start, batch rows, inputs, dropout masks) for each mini-batch of the epoch's order.

    Without augmentation or dropout the inputs are the rows scaled to floats. Otherwise the helper
    thread distorts the next mini-batch and draws its masks while the caller trains on this one.
    """
    starts = range(0, len(order), m)
    if noise is None:
        for start in starts:
            batch = order[start : start + m]
            yield start, batch, as_input(X[batch], net.dtype), []
        return
    hidden_sizes = net.sizes[1:-1]

    def prepare(batch: NDArray[np.intp]) -> tuple[Array, list[Array]]:
        inputs = augmenter(X[batch], noise, net.dtype) if augmenter else as_input(X[batch], net.dtype)
        masks = dropout_masks(noise, len(batch), hidden_sizes, p, net.dtype) if p > 0 else []
        return inputs, masks

    pending = helper.submit(prepare, order[:m])
    for start in starts:
        batch = order[start : start + m]
        inputs, masks = pending.result()
        if start + m < len(order):
            pending = helper.submit(prepare, order[start + m : start + 2 * m])
        yield start, batch, inputs, masks


def _image_shape(pixels: int) -> tuple[int, int]:
    """Return (h, w) of the square images of `pixels` pixels, or raise ConfigError (augmentation needs images)."""
    side = math.isqrt(pixels)
    if side * side != pixels:
        raise ConfigError(f"augmentation needs square images (sizes[0] = h·h); got sizes[0] = {pixels}")
    return side, side


def _check_fraction(value: Any, name: str, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0 <= value < high:
        raise ConfigError(f"{name} must be a number in [0, {high:g}); got {value!r}")
    return float(value)


@np.errstate(over="ignore", invalid="ignore", under="ignore")  # divergence is reported once, by the cost check
def train(
    net: Network,
    X: NDArray[Any],
    y: NDArray[Any],
    epochs: int = 30,
    batch_size: int = 10,
    lr: float = 3.0,
    validation: tuple[NDArray[Any], NDArray[Any]] | None = None,
    callback: Callable[[EpochRecord], Any] | None = None,
    keep: str = "best",
    progress: Callable[[int], Any] | None = None,
    history: History | None = None,
    *,
    lmbda: float = 0.0,
    optimizer: str = "sgd",
    momentum: float = 0.9,
    schedule: str = "constant",
    patience: int = 10,
    dropout: float = 0.0,
    augment: Sequence[str] | Augmenter | None = None,
    early_stop: int | None = None,
    training_sample: int | None = None,
    time_budget: float | None = None,
) -> History:
    """Train net by mini-batch SGD and return the History of every epoch.

    Parameters
    ----------
    net : the Network, changed in place.
    X : training inputs (n, sizes[0]), floats in [0, 1] or uint8 grey levels scaled per mini-batch.
    y : integer labels (n,) or one-hot targets (n, sizes[-1]).
    epochs : how many passes over the shuffled training set (at most, with early stopping).
    batch_size : m, the mini-batch size.
    lr : η, the learning rate (η₀, where a schedule changes it).
    validation : optional (X, y) measured after each epoch.
    callback : called with each EpochRecord; returning False stops training early.
    keep : 'best' restores the parameters of the epoch with the best validation accuracy at the end,
        'last' keeps the final ones.
    progress : called with the number of samples done so far in the epoch, about a hundred times an epoch.
    history : a History to append to (so a caller holds it even if training is interrupted).
    lmbda : λ, the L2 strength: C = C₀ + λ/(2n) Σ w², n = len(X); 0 (the default) turns it off.
    optimizer : the update rule, 'sgd' (default), 'momentum', 'nesterov' or 'adam'.
    momentum : μ, the momentum coefficient of 'momentum' and 'nesterov'.
    schedule : η's schedule, 'constant' (default), 'step' (halve every `patience` epochs), 'cosine'
        (to 0 over `epochs`) or 'plateau' (halve after `patience` epochs without a better validation
        accuracy, stop at η₀/128).
    patience : k, the epochs the 'step' and 'plateau' schedules wait.
    dropout : p, the probability of dropping each hidden neuron for a mini-batch (inverted dropout).
    augment : distortions drawn afresh for each mini-batch: names ('shift', 'rotate', 'scale',
        'elastic') or an Augmenter; X should then be the uint8 images.
    early_stop : stop after this many epochs without a better validation accuracy (needs validation).
    training_sample : measure the training cost and accuracy on only the first this-many rows of X
        (all of them by default), to save time on large networks.
    time_budget : seconds of training allowed (measuring included): training stops at the first
        mini-batch past it, and the schedule's clock runs on whichever is further along, the epochs
        (t) or the time (epochs · elapsed / budget), so a cosine schedule reaches 0 as time runs out.

    Raises
    ------
    ConfigError : for non-positive epochs or batch size, an η that is not a positive finite number,
        an unknown optimizer, schedule or augmentation, a p outside [0, 1), or a schedule or early
        stopping that needs validation data without it.
    DataFormatError : for inputs or labels that do not fit the network.
    TrainingDivergedError : when the cost becomes NaN or infinite.
    """
    epochs = _check_positive_int(epochs, "epochs")
    m = _check_positive_int(batch_size, "batch_size")
    if not isinstance(lr, (int, float, np.floating)) or not math.isfinite(lr) or lr <= 0:
        raise ConfigError(f"lr (η) must be a positive finite number; got {lr!r}")
    if keep not in ("best", "last"):
        raise ConfigError(f"keep must be 'best' or 'last'; got {keep!r}")
    if not isinstance(lmbda, (int, float, np.floating)) or not math.isfinite(lmbda) or lmbda < 0:
        raise ConfigError(f"lmbda (λ) must be a finite number ≥ 0; got {lmbda!r}")
    momentum = _check_fraction(momentum, "momentum (μ)", 1.0)
    patience = _check_positive_int(patience, "patience")
    rule: Optimizer = make_optimizer(optimizer, float(lr), momentum)  # each factory refuses an unknown name
    eta_schedule = make_schedule(schedule, float(lr), epochs, patience=patience, every=patience)
    dropout = _check_fraction(dropout, "dropout (p)", 1.0)
    if early_stop is not None:
        early_stop = _check_positive_int(early_stop, "early_stop")
    if validation is None and (early_stop is not None or schedule == "plateau"):
        raise ConfigError("early stopping and the plateau schedule need validation data; got none")
    if training_sample is not None:
        training_sample = _check_positive_int(training_sample, "training_sample")
    if time_budget is not None and (not isinstance(time_budget, (int, float)) or not time_budget > 0 or not math.isfinite(time_budget)):
        raise ConfigError(f"time_budget must be a positive number of seconds; got {time_budget!r}")
    augmenter: Augmenter | None = None
    if isinstance(augment, Augmenter):
        augmenter = augment
    elif augment:
        augmenter = Augmenter(check_augmentations(tuple(augment)), _image_shape(net.sizes[0]))
    labels, Y = _labels_and_targets(net, X, y, "training data")
    if validation is not None:
        val_labels, val_Y = _labels_and_targets(net, validation[0], validation[1], "validation data")
    history = history if history is not None else History()
    n = len(X)
    steps = math.ceil(n / m)
    report_every = max(1, steps // 100)
    stopper = EarlyStopping(early_stop) if early_stop is not None else None
    parameters = [*net.weights, *net.biases]
    measured = slice(0, training_sample)
    best_accuracy = -1.0
    # Distortions and dropout masks come from their own generator, on a helper thread that prepares the
    # next mini-batch while this one trains (NumPy releases the GIL, so the two share the cores).
    noise = net.rng.spawn(1)[0] if augmenter or dropout > 0 else None
    plain = optimizer == "sgd" and schedule == "constant" and lmbda == 0 and dropout == 0 and augmenter is None and time_budget is None
    fast = FastSGD(net, X, Y, m, float(lr)) if plain and supports(net, X) else None
    feedforward = fast.feedforward if fast is not None else None
    began = time.perf_counter()
    out_of_time = False
    with ThreadPoolExecutor(max_workers=1) as helper:  # starts its thread only when first used
        for epoch in range(1, epochs + 1):
            started = time.perf_counter()
            order = net.rng.permutation(n)
            if fast is not None:  # plain SGD: the very steps of the loop below, in fewer NumPy calls (fast.py)
                fast.epoch(order, progress)
            batches = _mini_batches(net, X, order, m, augmenter, dropout, noise, helper) if fast is None else iter(())
            for step, (start, batch, X_batch, masks) in enumerate(batches):
                t = epoch - 1 + step / steps
                if time_budget is not None:
                    elapsed = time.perf_counter() - began
                    if elapsed >= time_budget:
                        out_of_time = True
                        break
                    t = max(t, epochs * elapsed / time_budget)
                rule.eta = eta_schedule.eta_at(t)
                if masks:
                    nabla_w, nabla_b = net.backprop_with_dropout(X_batch, Y[batch], masks)
                else:
                    nabla_w, nabla_b = net.backprop(X_batch, Y[batch])
                if lmbda > 0:
                    nabla_w = add_l2_gradient(nabla_w, net.weights, lmbda, n)
                rule.step(parameters, [*nabla_w, *nabla_b])
                if progress is not None and step % report_every == 0:
                    progress(start)
            seconds = time.perf_counter() - started
            training_cost, training_accuracy = measure(net, X[measured], Y[measured], labels[measured], feedforward)
            if not math.isfinite(training_cost):
                raise TrainingDivergedError(epoch, rule.eta)
            validation_cost = validation_accuracy = None
            if validation is not None:
                validation_cost, validation_accuracy = measure(net, validation[0], val_Y, val_labels, feedforward)
            record = EpochRecord(
                epoch, training_cost, training_accuracy, validation_cost, validation_accuracy, seconds, learning_rate=rule.eta
            )
            history.epochs.append(record)
            score = validation_accuracy if validation_accuracy is not None else training_accuracy
            if score > best_accuracy:
                best_accuracy, history.best_epoch = score, epoch
                if keep == "best":
                    history.best_parameters = net.copy_parameters()
            go_on = eta_schedule.observe(validation_accuracy)
            if stopper is not None and not stopper.observe(validation_accuracy):
                go_on = False
            if callback is not None and callback(record) is False:
                go_on = False
            if not go_on or out_of_time:
                break
    if keep == "best" and history.best_parameters is not None:
        net.set_parameters(*history.best_parameters)
    return history
