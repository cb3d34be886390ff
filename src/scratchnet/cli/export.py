"""`scratchnet export`: write a saved model as an ONNX file, to run it outside scratchnet."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console

from scratchnet.cli.arguments import UsageError, output_file
from scratchnet.core.committee import Committee
from scratchnet.errors import ConfigError
from scratchnet.io import load_model


def register(subparsers: Any) -> None:
    """Add the `export` subcommand."""
    parser = subparsers.add_parser(
        "export",
        help="write a model as an ONNX file",
        description="Write a saved model, dense, convolutional or a committee of networks, as ONNX (needs pip install 'scratchnet[onnx]'): "
        "input 'input', float32 (n, 784) grey levels in [0, 1]; outputs 'activations' and 'probabilities'.",
    )
    parser.add_argument("model", metavar="MODEL", help="a model file written by `scratchnet train`")
    parser.add_argument("out", metavar="OUT.onnx", type=output_file, help="the ONNX file to write")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    """Load MODEL, write it to OUT.onnx and say what was written; return 0 (a model ONNX cannot hold: exit 2)."""
    from scratchnet.core.convnet import layers_text
    from scratchnet.onnx import OPSET, check_exportable, save_onnx

    net, _header = load_model(args.model, committee=True)
    try:
        check_exportable(net)
    except ConfigError as err:
        raise UsageError(str(err)) from err
    path = save_onnx(args.out, net)
    what = (
        f"a committee of {len(net.members)} networks" if isinstance(net, Committee) else f"{layers_text(net)} network"
    )
    console.print(f"wrote {path} ({path.stat().st_size:,} bytes, ONNX opset {OPSET}): {what}")
    return 0
