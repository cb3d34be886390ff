"""`scratchnet predict`: read the digit in each picture with a saved model."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console

from scratchnet.cli.arguments import UsageError, error_text, report
from scratchnet.data.images import image_to_input
from scratchnet.errors import ScratchnetError
from scratchnet.io import load_model


def register(subparsers: Any) -> None:
    """Add the `predict` subcommand."""
    parser = subparsers.add_parser(
        "predict",
        help="read the digit in PNG/JPEG pictures",
        description="Read the digit in each picture (any size, dark-on-light or light-on-dark), "
        "prepared the way MNIST's digits were: 20×20 box, centred by mass in 28×28.",
    )
    parser.add_argument("model", metavar="MODEL", help="a model file written by `scratchnet train`")
    parser.add_argument(
        "images", metavar="IMAGE", nargs="+", help="a picture of one digit; - reads one piped into standard input"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    """Print each picture's digit and the ten probabilities; return 0, or 1 if a picture could not be read.

    As in `scratchnet read`, a picture that cannot be read gets its one error line on stderr, in its place,
    and the others are still answered.
    """
    net, _header = load_model(args.model, committee=True)
    if net.sizes[0] != 784:
        raise UsageError(f"the model takes {net.sizes[0]} inputs; pictures become 784 (28×28)")
    failed = False
    for path in args.images:
        try:
            x = image_to_input(path)
        except (ScratchnetError, OSError) as err:
            report(error_text(err))
            failed = True
            continue
        probabilities = net.probabilities(x[None, :])[0]
        digit = int(probabilities.argmax())
        console.print(f"{path}: {digit}  ({100 * probabilities[digit]:.1f}%)")
        console.print("  " + "  ".join(f"{j}:{100 * p:5.1f}%" for j, p in enumerate(probabilities)))
    return 1 if failed else 0
