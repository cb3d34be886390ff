"""`scratchnet evaluate`: a saved model's accuracy on the test images, per digit, and its confusion matrix."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

import scratchnet.cli.arguments as arguments
from scratchnet.cli.arguments import UsageError
from scratchnet.core.committee import Committee
from scratchnet.core.network import Network
from scratchnet.data.mnist import load_mnist
from scratchnet.io import load_model


def register(subparsers: Any) -> None:
    """Add the `evaluate` subcommand."""
    parser = subparsers.add_parser(
        "evaluate",
        help="test a saved model: accuracy, per digit, confusion matrix",
        description="Evaluate a saved model on the test images.",
    )
    parser.add_argument("model", metavar="MODEL", help="a model file written by `scratchnet train`")
    parser.add_argument(
        "--data",
        type=arguments.directory,
        metavar="DIR",
        help="a folder of MNIST-format IDX files (default: the shipped MNIST)",
    )
    parser.set_defaults(handler=run)


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """Return the (k, k) matrix whose entry [i, j] counts images of class i answered as j."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix


def check_model_fits(net: Network | Committee[Network], pixels: int, num_classes: int) -> None:
    """Raise UsageError unless the model's input and output layers fit the data."""
    if net.sizes[0] != pixels or net.sizes[-1] < num_classes:
        raise UsageError(
            f"the model takes {net.sizes[0]} inputs and gives {net.sizes[-1]} outputs; the data has {pixels} pixels and {num_classes} classes"
        )


def run(args: argparse.Namespace, console: Console) -> int:
    """Print the accuracy line, per-digit accuracy and the confusion matrix; return 0."""
    net, _header = load_model(args.model, committee=True)
    data = load_mnist(args.data)
    check_model_fits(net, data.image_shape[0] * data.image_shape[1], data.num_classes)
    labels = data.test.labels.astype(np.intp)
    predictions = net.predict(data.test.images)
    classes = net.sizes[-1]
    matrix = confusion_matrix(labels, predictions, classes)
    correct = int(np.trace(matrix))
    console.print(f"accuracy: {100 * correct / len(labels):.2f}%  ({correct:,}/{len(labels):,} test images)")
    per_digit = Table(title="per-digit accuracy")
    for column in ("digit", "images", "correct", "accuracy"):
        per_digit.add_column(column, justify="right")
    for digit in range(classes):
        total = int(matrix[digit].sum())
        accuracy = f"{100 * matrix[digit, digit] / total:.2f}%" if total else "-"
        per_digit.add_row(str(digit), f"{total:,}", f"{int(matrix[digit, digit]):,}", accuracy)
    console.print(per_digit)
    confusion = Table(title="confusion matrix (rows: true digit, columns: answer)")
    confusion.add_column("true", justify="right")
    for digit in range(classes):
        confusion.add_column(str(digit), justify="right")
    for digit in range(classes):
        confusion.add_row(
            str(digit), *(f"[bold]{v}[/bold]" if j == digit else str(v) for j, v in enumerate(matrix[digit]))
        )
    console.print(confusion)
    return 0
