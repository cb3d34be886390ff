"""Argument types shared by the subcommands: each turns a string into a value or raises a one-line error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scratchnet.errors import ScratchnetError
from scratchnet.training.options import Constraint, Integer

PROG = "scratchnet"
"""The command's name, as every error line starts: `scratchnet: error: ...`."""


class UsageError(Exception):
    """An argument that parsed but does not fit (e.g. --layers against the data): exit code 2."""


def report(text: str) -> None:
    """Print one error line on stderr: `scratchnet: error: TEXT`."""
    print(f"{PROG}: error: {text}", file=sys.stderr)


def error_text(err: ScratchnetError | OSError) -> str:
    """Return what the one line of an error says: the message, or for an OSError the file and its reason."""
    if isinstance(err, OSError):
        return f"{err.filename}: {err.strerror or err}" if err.filename else str(err.strerror or err)
    return str(err)


def flag(setting: str) -> str:
    """Return the command-line flag of a declared setting (scratchnet.training.options): --batch-size for batch_size."""
    return "--" + setting.replace("_", "-")


def parsed_by(constraint: Constraint, name: str = "value") -> Callable[[str], Any]:
    """Return argparse's type function for a declared constraint: its `parse`, raising argparse's error type."""

    def parse(text: str) -> Any:
        try:
            return constraint.parse(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from err

    parse.__name__ = name
    return parse


positive_int = parsed_by(Integer(), "positive_int")
"""Text as an integer > 0 (--threads, --limit), checked as the declared settings are."""

non_negative_int = parsed_by(Integer(0), "non_negative_int")
"""Text as an integer ≥ 0."""


def directory(text: str) -> Path:
    """Return text as the Path of an existing directory."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"must be an existing directory; got {text!r}")
    return path


def output_file(text: str) -> Path:
    """Return text as a Path whose folder exists, so work is never lost to a bad output path at the end."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"must be a file path, not a directory; got {text!r}")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"its folder {str(path.parent)!r} does not exist; got {text!r}")
    return path
