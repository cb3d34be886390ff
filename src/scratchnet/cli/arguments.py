"""Argument types shared by the subcommands: each turns a string into a value or raises a one-line error."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any


class UsageError(Exception):
    """An argument that parsed but does not fit (e.g. --layers against the data): exit code 2."""


def layer_sizes(text: str) -> tuple[int, ...]:
    """Return '784,16,16,10' as (784, 16, 16, 10): two or more positive integers."""
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if len(sizes) < 2 or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"must be two or more positive integers separated by commas, like 784,16,16,10; got {text!r}")
    return sizes


def _number(text: str, convert: type[int] | type[float], accept: Callable[[float], bool], expected: str) -> Any:
    """Return convert(text) if it parses, is finite and accept()s it; else raise a one-line error."""
    try:
        value = convert(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not accept(value):
        raise argparse.ArgumentTypeError(f"must be {expected}; got {text!r}")
    return value


def positive_int(text: str) -> int:
    """Return text as an integer > 0."""
    return int(_number(text, int, lambda v: v > 0, "a positive integer"))


def non_negative_int(text: str) -> int:
    """Return text as an integer ≥ 0."""
    return int(_number(text, int, lambda v: v >= 0, "an integer ≥ 0"))


def positive_float(text: str) -> float:
    """Return text as a finite number > 0 (NaN and infinity refused)."""
    return float(_number(text, float, lambda v: v > 0, "a positive finite number"))


def non_negative_float(text: str) -> float:
    """Return text as a finite number ≥ 0."""
    return float(_number(text, float, lambda v: v >= 0, "a finite number ≥ 0"))


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
