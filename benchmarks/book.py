"""The book's per-example backpropagation, as a reader of chapter 1 starts from it.

This mirrors `network.py` of Nielsen's *Neural Networks and Deep Learning*, chapter 1 (ported to
Python 3): inputs are (784, 1) column vectors, each mini-batch is a Python list of (x, y) pairs,
`backprop` runs once per example and `update_mini_batch` sums their gradients. Only two things are
added, both from later chapters, so the third benchmark configuration has a book-style baseline: a
softmax output layer with the log-likelihood cost (δ^L = a − y), and the scaled initialisation
w ~ N(0, 1/n_in). It is a baseline to time, not part of scratchnet.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np


def sigmoid(z: Any) -> Any:
    """σ(z) = 1/(1 + e^−z), as in the book."""
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z: Any) -> Any:
    """σ'(z) = σ(z)(1 − σ(z))."""
    return sigmoid(z) * (1 - sigmoid(z))


def softmax(z: Any) -> Any:
    """e^z / Σ e^z over the column (shifted by its largest entry)."""
    e = np.exp(z - z.max())
    return e / e.sum()


class Network:
    """The book's Network: sizes, biases (n, 1) and weights (n_out, n_in), trained example by example."""

    def __init__(self, sizes: list[int], cost: str = "quadratic", scaled: bool = False, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.num_layers = len(sizes)
        self.sizes = sizes
        self.cost = cost
        self.biases = [rng.standard_normal((y, 1)) for y in sizes[1:]]
        self.weights = [
            rng.standard_normal((y, x)) / (np.sqrt(x) if scaled else 1.0) for x, y in zip(sizes[:-1], sizes[1:])
        ]
        self.random = random.Random(seed)

    def feedforward(self, a: Any) -> Any:
        """Return the output if `a` is input."""
        for l, (b, w) in enumerate(zip(self.biases, self.weights)):
            z = np.dot(w, a) + b
            a = softmax(z) if self.cost == "log-likelihood" and l == len(self.weights) - 1 else sigmoid(z)
        return a

    def SGD(self, training_data: list[tuple[Any, Any]], epochs: int, mini_batch_size: int, eta: float) -> None:
        """Train by mini-batch stochastic gradient descent, as the book's `SGD` (without the test printout)."""
        n = len(training_data)
        for _ in range(epochs):
            self.random.shuffle(training_data)
            mini_batches = [training_data[k : k + mini_batch_size] for k in range(0, n, mini_batch_size)]
            for mini_batch in mini_batches:
                self.update_mini_batch(mini_batch, eta)

    def update_mini_batch(self, mini_batch: list[tuple[Any, Any]], eta: float) -> None:
        """Apply one gradient-descent step, backpropagating each example of the mini-batch in turn."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
        self.weights = [w - (eta / len(mini_batch)) * nw for w, nw in zip(self.weights, nabla_w)]
        self.biases = [b - (eta / len(mini_batch)) * nb for b, nb in zip(self.biases, nabla_b)]

    def backprop(self, x: Any, y: Any) -> tuple[list[Any], list[Any]]:
        """Return (nabla_b, nabla_w), the gradient of C_x, layer by layer as the book's lists."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation = x
        activations = [x]
        zs = []
        for l, (b, w) in enumerate(zip(self.biases, self.weights)):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = softmax(z) if self.cost == "log-likelihood" and l == len(self.weights) - 1 else sigmoid(z)
            activations.append(activation)
        if self.cost == "log-likelihood":
            delta = activations[-1] - y
        else:
            delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            z = zs[-l]
            sp = sigmoid_prime(z)
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)

    def evaluate(self, test_data: list[tuple[Any, int]]) -> int:
        """Return how many test inputs the network classifies correctly."""
        return sum(int(np.argmax(self.feedforward(x)) == y) for x, y in test_data)

    def cost_derivative(self, output_activations: Any, y: Any) -> Any:
        """Return ∂C_x/∂a for the quadratic cost."""
        return output_activations - y


def load_data_wrapper(images: Any, labels: Any) -> list[tuple[Any, Any]]:
    """Return the book's training data: (784, 1) float32 inputs in [0, 1] and (10, 1) one-hot targets."""
    inputs = (images.astype(np.float32) / 255).reshape(len(images), -1, 1)
    targets = np.zeros((len(labels), 10, 1))
    targets[np.arange(len(labels)), labels, 0] = 1.0
    return list(zip(list(inputs), list(targets)))
