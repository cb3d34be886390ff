"""The trainings timed side by side: scratchnet, the book's loop, PyTorch on the CPU, scikit-learn.

Each contender builds the configuration's network on the same MNIST (60,000 training images, the
10,000 test images), and offers `epoch()` → seconds of one training epoch (data already in memory,
in the form that contender's users keep it; the shuffle included) and `accuracy()` → the test accuracy.
`ScratchnetCall` times the Python API's whole call instead of its epoch alone: what a user waits for.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

import scratchnet
from benchmarks import book


@dataclass(frozen=True)
class Config:
    """One benchmark configuration: the network, its cost, m and η (sigmoid hidden neurons throughout)."""

    name: str
    sizes: tuple[int, ...]
    cost: str  # 'quadratic' (sigmoid output) or 'log-likelihood' (softmax output)
    m: int
    eta: float
    init: str  # 'normal' N(0, 1) as in chapter 1, or 'scaled' N(0, 1/n_in)


CONFIGS = (
    Config("784-16-16-10, m=10", (784, 16, 16, 10), "quadratic", 10, 3.0, "normal"),
    Config("784-16-16-10, m=100", (784, 16, 16, 10), "quadratic", 100, 3.0, "normal"),
    Config("784-100-10 log-likelihood, m=100", (784, 100, 10), "log-likelihood", 100, 0.5, "scaled"),
)


@dataclass(frozen=True)
class Data:
    """MNIST as uint8 rows: 60,000 training and 10,000 test images with their labels."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def load_data() -> Data:
    """Return the MNIST that ships with scratchnet, all 60,000 training images in one set."""
    mnist = scratchnet.load_mnist(validation_size=0)
    return Data(mnist.train.images, mnist.train.labels, mnist.test.images, mnist.test.labels)


class Scratchnet:
    """scratchnet through its public API: `train(net, X, y, epochs=1, ...)` on the uint8 images."""

    def __init__(
        self, config: Config, data: Data, dtype: str = "float32", seed: int = 0, threads: int | None = None
    ) -> None:
        self.name = f"scratchnet {dtype}"
        self.config, self.data, self.threads = config, data, threads
        self.net = scratchnet.Network(config.sizes, cost=config.cost, init=config.init, seed=seed, dtype=dtype)

    def epoch(self, rows: int | None = None) -> float:
        """Train one epoch (or on the first `rows` images) and return the seconds scratchnet timed."""
        X, y = self.data.train_images[:rows], self.data.train_labels[:rows]
        history = scratchnet.train(
            self.net, X, y, epochs=1, batch_size=self.config.m, lr=self.config.eta, keep="last", threads=self.threads
        )
        return history.epochs[-1].seconds

    def accuracy(self) -> float:
        return self.net.evaluate(self.data.test_images, self.data.test_labels) / len(self.data.test_labels)


class ScratchnetCall:
    """What a user of the Python API waits for: the whole `net.sgd(X, y, epochs=1, batch_size=m, lr=η)` with its defaults.

    Everything the call does counts (checks, the stepper's arrays, the epoch, the training figures on
    its fixed sample, keeping the best epoch), on the BLAS threads it chooses itself; `parts` keeps,
    per call, (wall seconds, the epoch's own seconds), so the monitoring's share can be read off.
    """

    name = "scratchnet Network.sgd, whole call"

    def __init__(self, config: Config, data: Data, seed: int = 0) -> None:
        self.config, self.data = config, data
        self.net = scratchnet.Network(config.sizes, cost=config.cost, init=config.init, seed=seed)
        self.parts: list[tuple[float, float]] = []

    def epoch(self, rows: int | None = None) -> float:
        X, y = self.data.train_images[:rows], self.data.train_labels[:rows]
        started = time.perf_counter()
        history = self.net.sgd(X, y, epochs=1, batch_size=self.config.m, lr=self.config.eta)
        wall = time.perf_counter() - started
        self.parts.append((wall, history.epochs[-1].seconds))
        return wall

    def accuracy(self) -> float:
        return self.net.evaluate(self.data.test_images, self.data.test_labels) / len(self.data.test_labels)


class Book:
    """The book's per-example loop (benchmarks/book.py) on its list of (784, 1) column vectors."""

    name = "book, per example"

    def __init__(self, config: Config, data: Data, seed: int = 0) -> None:
        self.config = config
        self.net = book.Network(list(config.sizes), config.cost, scaled=config.init == "scaled", seed=seed)
        self.training_data = book.load_data_wrapper(data.train_images, data.train_labels)
        test_inputs = (data.test_images.astype(np.float32) / 255).reshape(len(data.test_images), -1, 1)
        self.test_data = list(zip(list(test_inputs), data.test_labels.tolist()))

    def epoch(self, rows: int | None = None) -> float:
        started = time.perf_counter()
        with np.errstate(over="ignore"):  # e^−z overflows to inf for very negative z; σ is still right (0)
            self.net.SGD(self.training_data[:rows] if rows else self.training_data, 1, self.config.m, self.config.eta)
        return time.perf_counter() - started

    def accuracy(self) -> float:
        with np.errstate(over="ignore"):
            return self.net.evaluate(self.test_data) / len(self.test_data)


class Torch:
    """PyTorch on the CPU: the same layers, cost and plain SGD, data preloaded as float32 tensors."""

    name = "PyTorch CPU"

    def __init__(self, config: Config, data: Data, threads: int, seed: int = 0) -> None:
        import torch

        torch.set_num_threads(threads)
        torch.manual_seed(seed)
        self.torch, self.config = torch, config
        layers: list[Any] = []
        for n_in, n_out in zip(config.sizes[:-1], config.sizes[1:]):
            linear = torch.nn.Linear(n_in, n_out)
            torch.nn.init.normal_(linear.weight, std=1.0 if config.init == "normal" else n_in**-0.5)
            torch.nn.init.normal_(linear.bias)
            layers += [linear, torch.nn.Sigmoid()]
        if config.cost == "log-likelihood":
            layers.pop()  # logits; the softmax is inside cross_entropy
        self.model = torch.nn.Sequential(*layers)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=config.eta)
        self.X = torch.from_numpy(data.train_images).float().div_(255)
        self.labels = torch.from_numpy(data.train_labels.astype(np.int64))
        self.Y = torch.nn.functional.one_hot(self.labels, 10).float()
        self.test_X = torch.from_numpy(data.test_images).float().div_(255)
        self.test_labels = torch.from_numpy(data.test_labels.astype(np.int64))

    def _loss(self, output: Any, batch: Any) -> Any:
        if self.config.cost == "log-likelihood":
            return self.torch.nn.functional.cross_entropy(output, self.labels[batch])  # −(1/m) Σ ln a_y
        return 0.5 * ((output - self.Y[batch]) ** 2).sum(dim=1).mean()  # C = 1/(2m) Σ ‖y − a‖²

    def epoch(self, rows: int | None = None) -> float:
        torch = self.torch
        started = time.perf_counter()
        n = rows or len(self.X)
        order = torch.randperm(n)
        for start in range(0, n, self.config.m):
            batch = order[start : start + self.config.m]
            self.optimizer.zero_grad()
            loss = self._loss(self.model(self.X[batch]), batch)
            loss.backward()
            self.optimizer.step()
        return time.perf_counter() - started

    def accuracy(self) -> float:
        with self.torch.no_grad():
            return float((self.model(self.test_X).argmax(dim=1) == self.test_labels).float().mean())


class Sklearn:
    """scikit-learn's MLPClassifier, closest settings: logistic, sgd, constant η, no momentum, no L2.

    Its differences cannot be switched off: the output is softmax with the log-loss (so the
    quadratic configurations get η/10 to stay stable: the log-loss gradient is larger), and the
    weights start Glorot-uniform. One `partial_fit` is one shuffled epoch.
    """

    name = "scikit-learn MLP"

    def __init__(self, config: Config, data: Data, seed: int = 0) -> None:
        from sklearn.neural_network import MLPClassifier

        eta = config.eta if config.cost == "log-likelihood" else config.eta / 10
        self.model = MLPClassifier(
            hidden_layer_sizes=config.sizes[1:-1],
            activation="logistic",
            solver="sgd",
            alpha=0.0,
            batch_size=config.m,
            learning_rate="constant",
            learning_rate_init=eta,
            momentum=0.0,
            nesterovs_momentum=False,
            shuffle=True,
            random_state=seed,
        )
        self.X = data.train_images.astype(np.float32) / 255
        self.y = data.train_labels
        self.test_X = data.test_images.astype(np.float32) / 255
        self.test_y = data.test_labels

    def epoch(self, rows: int | None = None) -> float:
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model.partial_fit(self.X[:rows], self.y[:rows], classes=np.arange(10))
        return time.perf_counter() - started

    def accuracy(self) -> float:
        return float(self.model.score(self.test_X, self.test_y))


NAMES = (
    "scratchnet float32",
    "scratchnet float64",
    ScratchnetCall.name,
    "book, per example",
    "PyTorch CPU",
    "scikit-learn MLP",
)


def make(name: str, config: Config, data: Data, threads: int) -> Any:
    """Return the contender called `name` (one of NAMES), built for config on data."""
    if name == ScratchnetCall.name:
        return ScratchnetCall(config, data)
    if name.startswith("scratchnet"):
        return Scratchnet(config, data, dtype=name.split()[-1], threads=threads)
    if name == Book.name:
        return Book(config, data)
    if name == Torch.name:
        return Torch(config, data, threads)
    if name == Sklearn.name:
        return Sklearn(config, data)
    raise ValueError(f"unknown contender {name!r}; expected one of {', '.join(NAMES)}")
