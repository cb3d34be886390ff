"""The `scratchnet` command line: argparse in front of library calls; the only place that prints.

Each subcommand lives in its own module of this package with `register(subparsers)`, which adds its
parser and sets `handler`, a function(args, console) → exit code. `main` turns every ScratchnetError
and OSError into one line on stderr and exit code 1; bad arguments exit 2, as argparse does; Ctrl-C
exits 130.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from rich.console import Console

from scratchnet.cli.arguments import PROG, UsageError, error_text, report
from scratchnet.errors import ScratchnetError


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (no usage block) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _subcommand_modules() -> list[object]:
    """Return the modules that add subcommands, in the order `--help` lists them."""
    import scratchnet.cli.evaluate as evaluate
    import scratchnet.cli.export as export
    import scratchnet.cli.info as info
    import scratchnet.cli.perceptron as perceptron
    import scratchnet.cli.plot as plot
    import scratchnet.cli.predict as predict
    import scratchnet.cli.read as read
    import scratchnet.cli.reproduce as reproduce
    import scratchnet.cli.serve as serve
    import scratchnet.cli.sweep as sweep
    import scratchnet.cli.train as train

    return [train, evaluate, read, predict, info, export, perceptron, plot, serve, reproduce, sweep]


def build_parser() -> ArgumentParser:
    """Return the parser for every subcommand."""
    from scratchnet import __version__

    parser = ArgumentParser(
        prog=PROG, description="A neural network from scratch in NumPy that reads handwritten digits."
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _subcommand_modules():
        module.register(subparsers)  # type: ignore[attr-defined]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with argv (default sys.argv[1:]); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    console = Console(highlight=False, soft_wrap=True)  # a line is one line, also in a pipe or a log
    try:
        return int(args.handler(args, console))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except UsageError as err:
        print(f"{PROG} {args.command}: error: {err}", file=sys.stderr)
        return 2
    except (ScratchnetError, OSError) as err:
        report(error_text(err))
        return 1
