"""`scratchnet plot KIND --out FILE`: draw one of the tutorial's pictures as a PNG."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console

import scratchnet.cli.arguments as arguments
from scratchnet.errors import ScratchnetError
from scratchnet.tutorial.figures import CONVOLUTIONAL_KINDS, DATA_KINDS, EXAMPLE_KINDS, KINDS, MODEL_KINDS


class PlotsUnavailableError(ScratchnetError):
    """matplotlib, the `plots` extra, is not installed."""


def register(subparsers: Any) -> None:
    """Add the `plot` subcommand."""
    parser = subparsers.add_parser(
        "plot",
        help="draw one of the tutorial's pictures as a PNG",
        description="Draw a picture of the tutorial: " + "; ".join(KINDS) + ". "
        "The kinds from learning-curves on read a trained model: MODEL, or the last one `scratchnet train` saved.",
    )
    parser.add_argument("kind", choices=KINDS, metavar="KIND", help="what to draw: " + ", ".join(KINDS))
    parser.add_argument(
        "--model", metavar="MODEL", help="a model file (default: the last trained); ignored by the kinds that need none"
    )
    parser.add_argument(
        "--data",
        type=arguments.directory,
        metavar="DIR",
        help="a folder of MNIST-format IDX files (default: the shipped MNIST)",
    )
    parser.add_argument("--out", type=arguments.output_file, required=True, metavar="FILE", help="the PNG to write")
    example = parser.add_mutually_exclusive_group()
    example.add_argument(
        "--digit",
        type=arguments.non_negative_int,
        metavar="D",
        help="wishes, feature-maps: the first test image of digit D (default 2)",
    )
    example.add_argument(
        "--index", type=arguments.non_negative_int, metavar="N", help="wishes, feature-maps: test image number N"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    """Compute the figure's numbers, render it, write the PNG atomically; return 0."""
    try:
        from scratchnet.tutorial import plots
    except ImportError as err:
        raise PlotsUnavailableError(
            f"scratchnet plot needs matplotlib, which is not installed ({err}); run: pip install 'scratchnet[plots]'"
        ) from err
    from scratchnet.core.convnet import layers_text
    from scratchnet.data.mnist import load_mnist
    from scratchnet.io import last_model_path, load_shown_network, write_atomically

    if args.kind not in EXAMPLE_KINDS and (args.digit is not None or args.index is not None):
        raise arguments.UsageError(
            f"--digit and --index choose the test digit of {' and '.join(sorted(EXAMPLE_KINDS))}; {args.kind} has none"
        )
    net = header = data = None
    if args.kind in MODEL_KINDS:
        path = args.model or last_model_path()
        net, header, members = load_shown_network(path)
        console.print(
            f"model {path}: {layers_text(net)}" + (f" (member 1 of a committee of {members})" if members else "")
        )
        _check_model_fits(args.kind, net, path)
    if args.kind in DATA_KINDS:
        data = load_mnist(args.data)
    example = args.index
    if args.kind in EXAMPLE_KINDS and data is not None and example is None:
        from scratchnet.tutorial.explain import first_example_of

        example = first_example_of(data.test.labels, 2 if args.digit is None else args.digit)
    fig = plots.figure(args.kind, net, header, data, example)
    if args.kind in EXAMPLE_KINDS and data is not None:
        console.print(f"test digit #{example}, a {data.test.labels[example]}")
    png = plots.png_bytes(fig)
    write_atomically(args.out, lambda file: file.write(png))
    width, height = (int(round(v * plots.DPI)) for v in fig.get_size_inches())
    console.print(f"wrote {args.kind} ({width}×{height} pixels) to {args.out}")
    return 0


def _check_model_fits(kind: str, net: Any, path: Any) -> None:
    """Raise UsageError (exit 2) when the figure cannot be drawn from this model: 784 inputs, maps for filters."""
    from scratchnet.core.convnet import ConvNetwork, layers_text

    if net.sizes[0] != 784 and kind != "learning-curves":
        raise arguments.UsageError(f"the {kind} figure draws 28×28 inputs, 784 of them; the model takes {net.sizes[0]}")
    if kind in CONVOLUTIONAL_KINDS and not isinstance(net, ConvNetwork):
        raise arguments.UsageError(
            f"{kind} exist only for convolutional models; {path} is a dense {layers_text(net)} network: "
            f"try scratchnet plot hidden-weights --model {path}"
        )
