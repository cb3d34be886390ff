"""fit: mini-batch stochastic gradient descent, the loop itself: shuffle, step, measure, call callbacks.

Symbols: n the training-set size, m the mini-batch size, η (eta) the learning rate.
Each step takes the gradient of the mini-batch's mean cost C = (1/m) Σ_x C_x from backpropagation
and moves every parameter a little downhill, w → w − η ∂C/∂w (or by another update rule,
`scratchnet.training.optimizers`). An epoch is ⌈n/m⌉ such steps over a fresh shuffle of the training
set: the drunk man's quick, noisy path downhill instead of one slow exact step on the whole set.

Which stepper takes the steps is decided in `choose_stepper` alone: the fast path (`fast.py`, the same
arithmetic in fewer NumPy calls) where it supports the options, the readable reference otherwise;
how many BLAS threads multiply is decided by `threads.threads_for` alone (or the `threads` setting).
Everything else a run does (keep the best epoch, stop early, follow a schedule, watch the clock,
report progress, write checkpoints) is a callback (`callbacks.py`), and everything it needs to go on
is one TrainingState (`state.py`), so a run resumed from a checkpoint is the same run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from scratchnet.core.encoding import as_input, one_hot
from scratchnet.data.augment import Augmenter
from scratchnet.errors import ConfigError, DataFormatError
from scratchnet.training.callbacks import STOP, Callback, overrides, standard_callbacks
from scratchnet.training.distil import mixed_targets, smoothed_targets, soft_targets
from scratchnet.training.fast import FastSGD, supports
from scratchnet.training.options import TrainOptions
from scratchnet.training.regularisation import add_l2_gradient, dropout_masks
from scratchnet.training.state import EpochRecord, History, TrainingState
from scratchnet.training.threads import threads_for

if TYPE_CHECKING:
    from scratchnet.core.network import Array, Network

EVALUATION_CHUNK = 10_000
"""Rows fed forward at once when measuring cost and accuracy, so memory stays flat."""

Data = tuple[NDArray[Any], NDArray[Any]]


@np.errstate(over="ignore", invalid="ignore", under="ignore")  # divergence is reported once, by its callback
def fit(
    net: Network,
    X: NDArray[Any],
    y: NDArray[Any],
    options: TrainOptions | None = None,
    *,
    validation: Data | None = None,
    callbacks: Sequence[Callback] = (),
    history: History | None = None,
    state: TrainingState | None = None,
    teacher: Network | None = None,
) -> History:
    """Train net by mini-batch SGD as the options say; return the History of every epoch.

    Parameters
    ----------
    net : the Network, changed in place.
    X : training inputs (n, sizes[0]), floats in [0, 1] or uint8 grey levels (scaled per mini-batch).
    y : integer labels (n,) or one-hot targets (n, sizes[-1]).
    options : the TrainOptions (the tutorial's when None). The training's matrix products run on
        options.threads BLAS threads, or, by default, on as many as `threads_for` chooses for these
        layer sizes and m (one for the tutorial's small products, every core for wide layers).
    validation : optional (X, y) measured after each epoch.
    callbacks : called after the options' own (`standard_callbacks`); a Checkpoint goes last.
    history : a History to append to (so a caller holds it even if training is interrupted).
    state : a TrainingState to continue (from `scratchnet.io.load_checkpoint`) instead of starting afresh.
    teacher : the network that options.teacher names, loaded (`scratchnet.io.load_teacher`): the steps then
        follow y = (1 − α) y_label + α softmax(v/T) (`scratchnet.training.distil`), computed once for the
        rows of X; the figures measured after each epoch stay the labels'. Give both or neither.

    A checkpointed run and its resumption, which ends with the uninterrupted run's weights bit for bit:

        fit(net, X, y, options, callbacks=[Checkpoint(functools.partial(save_checkpoint, "run.ckpt"))])
        state, _ = load_checkpoint("run.ckpt")          # after a crash
        fit(state.net, X, y, state=state)

    Raises
    ------
    ConfigError : for early stopping or the plateau schedule without validation data, augmentation
        of inputs that are not square images, a teacher without options.teacher (or the reverse), or a
        teacher that does not fit the network.
    DataFormatError : for inputs or labels that do not fit the network.
    TrainingDivergedError : when the cost becomes NaN or infinite.
    """
    options = options or (state.options if state is not None else TrainOptions())
    labels, Y = _labels_and_targets(net, X, y, "training data")
    measured = None
    if validation is not None:
        validation_labels, validation_Y = _labels_and_targets(net, validation[0], validation[1], "validation data")
        measured = (validation[0], validation_Y, validation_labels)
    if validation is None and (options.early_stop is not None or options.schedule == "plateau"):
        raise ConfigError("early stopping and the plateau schedule need validation data; got none")
    threads = options.threads or threads_for(net.sizes, options.batch_size)
    with threadpool_limits(limits=threads, user_api="blas"):
        targets = _taught(net, X, Y, options, teacher)
    if state is None:
        state = TrainingState.start(net, options, history)
    state.began = time.perf_counter()
    everything = [*standard_callbacks(options), *callbacks]
    stepper = choose_stepper(net, X, targets, options, state, everything)
    sample = slice(0, options.training_sample)  # the training figures' rows: a fixed sample, or all of them
    training_set = (stepper.prepare(X[sample]), Y[sample], labels[sample])
    if measured is not None:
        measured = (stepper.prepare(measured[0]), *measured[1:])
    with threadpool_limits(limits=threads, user_api="blas"), stepper:  # restored on the way out, as it was
        while not state.stopped and state.epoch < options.epochs:
            started = time.perf_counter()
            state.stopped = not stepper.epoch(state.epoch + 1, net.rng.permutation(len(X)), state)
            seconds = time.perf_counter() - started
            cost, accuracy = measure(net, *training_set, stepper.feedforward)
            checked = measure(net, *measured, stepper.feedforward) if measured is not None else (None, None)
            state.epoch += 1
            record = EpochRecord(
                state.epoch,
                cost,
                accuracy,
                checked[0],
                checked[1],
                seconds,
                learning_rate=state.optimizer.eta,
                training_rows=len(training_set[0]),
            )
            for callback in everything:  # every one hears every epoch, even after a STOP
                state.stopped = callback.on_epoch_end(record, state) is STOP or state.stopped
    for callback in everything:
        callback.on_train_end(state)
    return state.history


def choose_stepper(
    net: Network, X: NDArray[Any], Y: Array, options: TrainOptions, state: TrainingState, callbacks: Sequence[Callback]
) -> Stepper:
    """Return the stepper for this run: the fast path where it takes these options, the reference otherwise.

    The fast path takes SGD, momentum and Nesterov, L2, any schedule, dropout, augmentation and the
    callbacks that act between steps (the time budget); Adam stays on the reference.
    """
    takes = options.optimizer in ("sgd", "momentum", "nesterov")
    progress = _reporter(callbacks)
    if takes and supports(net, X):
        return FastStepper(net, X, Y, options, state, callbacks, progress)
    return ReferenceStepper(net, X, Y, options, callbacks, progress)


def _reporter(callbacks: Sequence[Callback]) -> Callable[[int], None] | None:
    """Return a function that passes `done` to every callback's on_progress, or None if none listens."""
    listening = [callback for callback in callbacks if overrides(callback, "on_progress")]

    def report(done: int) -> None:
        for callback in listening:
            callback.on_progress(done)

    return report if listening else None


class Stepper:
    """Takes an epoch's steps; `feedforward` (or None, for net.feedforward) measures the network after it."""

    feedforward: Callable[[NDArray[Any]], Array] | None = None
    net: Network

    def prepare(self, X: NDArray[Any]) -> NDArray[Any]:
        """Return X ready to be measured after every epoch: converted to floats once, not at every epoch."""
        return as_input(X, self.net.dtype)

    def epoch(self, epoch: int, order: NDArray[np.intp], state: TrainingState) -> bool:
        """Step through the mini-batches of order; return False if a callback stopped the epoch early."""
        raise NotImplementedError

    def __enter__(self) -> Stepper:
        return self

    def __exit__(self, *exception: object) -> None:
        """Release what the stepper holds (the helper thread)."""


class FastStepper(Stepper):
    """SGD (with momentum, L2, a schedule, dropout, distortions) through `FastSGD`'s preallocated arrays.

    The reference's steps, in fewer NumPy calls. It reads and writes the network's weights and the
    state's update rule (its velocities) around each epoch, so the state a checkpoint keeps is the same
    whichever stepper ran; callbacks that act between steps are asked before each step, as the reference asks them.
    """

    def __init__(
        self,
        net: Network,
        X: NDArray[Any],
        Y: Array,
        options: TrainOptions,
        state: TrainingState,
        callbacks: Sequence[Callback],
        progress: Callable[[int], None] | None,
    ) -> None:
        augmenter = Augmenter(options.augment, _image_shape(net.sizes[0])) if options.augment else None
        self.fast = FastSGD(
            net,
            X,
            Y,
            options.batch_size,
            options.lr,
            state.optimizer,
            options.lmbda,
            options.dropout,
            state.noise,
            augmenter,
        )
        self.hooks = [callback.on_step for callback in callbacks if overrides(callback, "on_step")]
        self.net = net
        self.feedforward = self.fast.feedforward
        self.progress = progress
        self.measurements = options.epochs - state.epoch  # how often each measured array will be fed forward

    def prepare(self, X: NDArray[Any]) -> NDArray[Any]:
        """Return X itself, its x̃ = [x | 1] made once for the fast feedforward when it will be measured more
        than once. Measured once (a one-epoch call), it is converted on the way, in a small buffer already in
        the cache, which spares allocating a whole x̃ (5,000 rows: 16 MB of fresh pages, about 4 ms)."""
        if self.measurements > 1:
            self.fast.remember(X)
        return X

    def __exit__(self, *exception: object) -> None:
        self.fast.close()

    def epoch(self, epoch: int, order: NDArray[np.intp], state: TrainingState) -> bool:
        steps = math.ceil(len(order) / self.fast.m)
        if self.hooks:
            return self.fast.epoch(order, self.progress, partial(self._eta_at, epoch, steps, state))
        etas = [
            state.schedule.eta_at(epoch - 1 + step / steps) for step in range(steps)
        ]  # the reference's η_t, step by step
        self.fast.epoch(order, self.progress, etas)
        state.t, state.optimizer.eta = epoch - 1 + (steps - 1) / steps, etas[-1]
        return True

    def _eta_at(self, epoch: int, steps: int, state: TrainingState, step: int) -> float | None:
        """Return η of this step as the reference finds it (t, then the callbacks, then the schedule), or None to stop."""
        state.t = epoch - 1 + step / steps
        if any(hook(state) is STOP for hook in self.hooks):
            return None
        state.optimizer.eta = state.schedule.eta_at(state.t)
        return state.optimizer.eta


class ReferenceStepper(Stepper):
    """The readable loop: backprop on each mini-batch, L2's term, one step of the update rule.

    With augmentation or dropout, a helper thread distorts the next mini-batch and draws its masks
    while this one trains (NumPy releases the GIL, so the two share the cores); it draws from
    state.noise in mini-batch order, so the stream of random numbers does not depend on timing.
    """

    def __init__(
        self,
        net: Network,
        X: NDArray[Any],
        Y: Array,
        options: TrainOptions,
        callbacks: Sequence[Callback],
        progress: Callable[[int], None] | None,
    ) -> None:
        self.net, self.X, self.Y, self.options, self.progress = net, X, Y, options, progress
        self.hooks = [callback.on_step for callback in callbacks if overrides(callback, "on_step")]
        self.augmenter = Augmenter(options.augment, _image_shape(net.sizes[0])) if options.augment else None
        self.helper = ThreadPoolExecutor(max_workers=1)  # starts its thread only when first used

    def __exit__(self, *exception: object) -> None:
        self.helper.shutdown()

    def epoch(self, epoch: int, order: NDArray[np.intp], state: TrainingState) -> bool:
        net, options, rule = self.net, self.options, state.optimizer
        steps = math.ceil(len(order) / options.batch_size)
        report_every = max(1, steps // 100)
        parameters = [*net.weights, *net.biases]
        for step, (start, batch, X_batch, masks) in enumerate(self._mini_batches(order, state.noise)):
            state.t = epoch - 1 + step / steps
            if any(hook(state) is STOP for hook in self.hooks):
                return False
            rule.eta = state.schedule.eta_at(state.t)
            nabla_w, nabla_b = net.backprop(X_batch, self.Y[batch], masks)
            if options.lmbda > 0:
                nabla_w = add_l2_gradient(nabla_w, net.weights, options.lmbda, len(self.X))
            rule.step(parameters, [*nabla_w, *nabla_b])
            if self.progress is not None and step % report_every == 0:
                self.progress(start)
        return True

    def _prepare(self, batch: NDArray[np.intp], noise: np.random.Generator) -> tuple[Array, list[Array] | None]:
        """Return the mini-batch's inputs (distorted, if asked) and dropout masks (or None)."""
        net, p = self.net, self.options.dropout
        inputs = (
            self.augmenter(self.X[batch], noise, net.dtype) if self.augmenter else as_input(self.X[batch], net.dtype)
        )
        masks = dropout_masks(noise, len(batch), net.sizes[1:-1], p, net.dtype) if p > 0 else None
        return inputs, masks

    def _mini_batches(
        self, order: NDArray[np.intp], noise: np.random.Generator | None
    ) -> Iterator[tuple[int, NDArray[np.intp], Array, list[Array] | None]]:
        """Yield (start, batch rows, inputs, dropout masks or None) for each mini-batch of order.

        Without augmentation or dropout the inputs are the rows scaled to floats; otherwise the helper
        prepares mini-batch k + 1 while the caller trains on k.
        """
        m = self.options.batch_size
        starts = range(0, len(order), m)
        if noise is None:
            for start in starts:
                batch = order[start : start + m]
                yield start, batch, as_input(self.X[batch], self.net.dtype), None
            return
        pending: Future[tuple[Array, list[Array] | None]] = self.helper.submit(self._prepare, order[:m], noise)
        try:
            for start in starts:
                batch = order[start : start + m]
                inputs, masks = pending.result()
                if start + m < len(order):
                    pending = self.helper.submit(self._prepare, order[start + m : start + 2 * m], noise)
                yield start, batch, inputs, masks
        finally:
            pending.result()  # stopped early: let the helper finish its draw before anyone reads noise's state


def measure(
    net: Network,
    X: NDArray[Any],
    Y: Array,
    labels: NDArray[Any],
    feedforward: Callable[[NDArray[Any]], Array] | None = None,
) -> tuple[float, float]:
    """Return (mean cost, accuracy) of net on the rows of X, feeding them forward in chunks.

    feedforward, if given, stands in for net.feedforward (the fast path's, in training); without it the
    network feeds forward in its own dtype (float32's speed, not the answer path's float64).
    """
    if feedforward is None:
        feedforward = partial(net.feedforward, products=net.dtype)
    total_cost, correct = 0.0, 0
    for start in range(0, len(X), EVALUATION_CHUNK):
        chunk = slice(start, start + EVALUATION_CHUNK)
        A = feedforward(X[chunk])
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


def _taught(net: Network, X: NDArray[Any], Y: Array, options: TrainOptions, teacher: Network | None) -> Array:
    """Return the targets the steps follow: Y, or with a teacher y = (1 − α) Y + α softmax(v/T) (`distil`).

    With label smoothing ε > 0, each of those is mixed with the uniform 1/n_out: y = (1 − ε) y + ε/n_out.
    """
    if (teacher is None) != (options.teacher is None):
        raise ConfigError(
            "options.teacher names the teacher's model and fit(teacher=...) takes it loaded: give both or neither; "
            f"got options.teacher {options.teacher!r} and {'no' if teacher is None else 'a'} teacher network"
        )
    if teacher is not None:
        q = soft_targets(teacher, X, options.temperature, net.sizes[-1], net.dtype)
        Y = mixed_targets(Y, q, options.soft_weight)
    return smoothed_targets(Y, options.label_smoothing)


def _image_shape(pixels: int) -> tuple[int, int]:
    """Return (h, w) of the square images of `pixels` pixels, or raise ConfigError (augmentation needs images)."""
    side = math.isqrt(pixels)
    if side * side != pixels:
        raise ConfigError(f"augmentation needs square images (sizes[0] = h·h); got sizes[0] = {pixels}")
    return side, side
