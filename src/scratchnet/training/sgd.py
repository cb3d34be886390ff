"""Mini-batch stochastic gradient descent as the book calls it: `train(net, X, y, epochs, m, η, ...)`.

Symbols: n the training-set size, m the mini-batch size, η (eta) the learning rate.
Each step takes the gradient of the mini-batch's mean cost C = (1/m) Σ_x C_x from backpropagation
and moves every parameter a little downhill:
    w → w − η ∂C/∂w,    b → b − η ∂C/∂b
An epoch is n/m such steps over a fresh shuffle of the training set.

Chapter 3's improvements are options, all off by default: L2 regularisation with strength λ
(∂C/∂w gains (λ/n) w, so plain SGD becomes w → (1 − ηλ/n) w − η ∂C₀/∂w), other update rules
(momentum, Nesterov, Adam: `scratchnet.training.optimizers`), a schedule for η
(`scratchnet.training.schedules`), inverted dropout on the hidden layers, early stopping on the
validation accuracy, and fresh distortions of every mini-batch (`scratchnet.data.augment`).

This module is the keyword-argument face of the training core: the options are declared in
`options.py`, the loop is `loop.fit`, and `Network` here is the core's network with the book's `sgd`
method added (the core imports nothing of training, so the method that trains lives here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numpy.typing import NDArray

from scratchnet.core import network
from scratchnet.core.network import Array
from scratchnet.training.callbacks import Callback, EachEpoch, Progress
from scratchnet.training.loop import Data, fit, measure
from scratchnet.training.optimizers import SGD
from scratchnet.training.options import TrainOptions
from scratchnet.training.state import EpochRecord, History

__all__ = ["EpochRecord", "History", "Network", "fit", "measure", "train", "update"]


def update(net: network.Network, nabla_w: list[Array], nabla_b: list[Array], eta: float) -> None:
    """Take one gradient-descent step in place: w → w − η ∂C/∂w, b → b − η ∂C/∂b (the SGD rule)."""
    SGD(eta).step([*net.weights, *net.biases], [*nabla_w, *nabla_b])


def train(
    net: network.Network,
    X: NDArray[Any],
    y: NDArray[Any],
    epochs: int = 30,
    batch_size: int = 10,
    lr: float = 3.0,
    validation: Data | None = None,
    callback: Callable[[EpochRecord], Any] | None = None,
    keep: str = "best",
    progress: Callable[[int], Any] | None = None,
    history: History | None = None,
    **options: Any,
) -> History:
    """Train net by mini-batch SGD and return the History of every epoch.

    Parameters
    ----------
    net : the Network, changed in place.
    X : training inputs (n, sizes[0]), floats in [0, 1] or uint8 grey levels scaled per mini-batch.
    y : integer labels (n,) or one-hot targets (n, sizes[-1]).
    epochs, batch_size (m), lr (η), keep, and the keyword **options : the settings of
        `scratchnet.training.options.TrainOptions` (lmbda, optimizer, momentum, schedule, patience,
        dropout, augment, early_stop, training_sample, time_budget, threads), with their defaults and ranges.
    validation : optional (X, y) measured after each epoch.
    callback : called with each EpochRecord; returning False stops training early.
    progress : called with the number of samples done so far in the epoch, about a hundred times an epoch.
    history : a History to append to (so a caller holds it even if training is interrupted).

    Raises
    ------
    ConfigError : for a setting out of its range (see TrainOptions), or a schedule or early stopping
        that needs validation data without it.
    DataFormatError : for inputs or labels that do not fit the network.
    TrainingDivergedError : when the cost becomes NaN or infinite.
    """
    settings = TrainOptions(epochs=epochs, batch_size=batch_size, lr=lr, keep=keep, **options)
    callbacks: list[Callback] = []
    if progress is not None:
        callbacks.append(Progress(progress))
    if callback is not None:
        callbacks.append(EachEpoch(callback))
    return fit(net, X, y, settings, validation=validation, callbacks=callbacks, history=history)


class Network(network.Network):
    """The network of `scratchnet.core.network`, with the book's `SGD` as a method: `net.sgd(X, y, ...)`."""

    def sgd(
        self,
        X: NDArray[Any],
        y: NDArray[Any],
        epochs: int = 30,
        batch_size: int = 10,
        lr: float = 3.0,
        validation: Data | None = None,
        callback: Callable[[EpochRecord], Any] | None = None,
        **options: Any,
    ) -> History:
        """Train by mini-batch stochastic gradient descent; return the per-epoch History.

        See `train` for the parameters; X is (n, sizes[0]) floats or uint8 grey levels, y integer
        labels (n,) or one-hot (n, sizes[-1]), and m = batch_size, η = lr.
        """
        return train(
            self, X, y, epochs=epochs, batch_size=batch_size, lr=lr, validation=validation, callback=callback, **options
        )
