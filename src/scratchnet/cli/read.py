"""`scratchnet read`: read the handwriting in pictures (one digit or a number), or say "not a digit"."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console

from scratchnet.core.answers import freeze
from scratchnet.data.images import load_image
from scratchnet.io import load_model
from scratchnet.reading import READER, READER_CONV, has_reject_class, load_reader, read


def register(subparsers: Any) -> None:
    """Add the `read` subcommand."""
    parser = subparsers.add_parser(
        "read",
        help="read the digits in pictures: drawings, photos, numbers; or say 'not a digit'",
        description="Read the handwriting in each picture (a drawing, a scan or a phone photo; one digit or a number "
        "written in a row) and print `PATH: 2026`, or `PATH: not a digit` when nothing in it reads as a digit.",
    )
    parser.add_argument("images", metavar="IMAGE", nargs="+", help="a PNG, JPEG or other picture")
    parser.add_argument(
        "--model",
        metavar="MODEL",
        help=f"a model file written by `scratchnet train` (default: the shipped reader, {READER.name} and {READER_CONV.name} answering together)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='print one JSON array: {"path", "text", "rejected", "digits": [{"digit", "confidence", "box": [x, y, w, h]}]} per picture',
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    """Print what each picture says, in the order given; return 0 (1 on the first unreadable picture)."""
    reader, _header = load_reader()
    net, gate = (freeze(load_model(args.model)[0]), reader) if args.model else (reader, None)
    if net.sizes[0] != 784 or net.sizes[-1] not in (10, 11):
        from scratchnet.cli.arguments import UsageError

        raise UsageError(
            f"argument --model: the model must take 784 inputs (28×28) and give 10 or 11 outputs; got {'-'.join(map(str, net.sizes))}"
        )
    pictures = [load_image(path) for path in args.images]  # all validated before any answer
    readings = [read(grey, net, None if has_reject_class(net) else gate) for grey in pictures]
    if args.json:
        answer = [{"path": path, **reading.to_dict()} for path, reading in zip(args.images, readings)]
        console.print(json.dumps(answer, ensure_ascii=False), markup=False, highlight=False)
        return 0
    for path, reading in zip(args.images, readings):
        console.print(f"{path}: {'not a digit' if reading.rejected else reading.text}", markup=False, highlight=False)
    return 0
