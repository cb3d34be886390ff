"""`scratchnet perceptron`: a perceptron's full truth table (the cheese festival by default), or Rosenblatt's rule on a gate."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console
from rich.table import Table

from scratchnet.cli.arguments import UsageError
from scratchnet.tutorial.perceptron import (
    CHEESE_FESTIVAL_INPUTS,
    CHEESE_FESTIVAL_WEIGHTS,
    LOGIC_GATES,
    TWO_BIT_INPUTS,
    Perceptron,
    learn,
    truth_table,
)

MAX_INPUTS = 12
"""At most 2¹² = 4,096 rows in a printed truth table."""


def _numbers(text: str) -> tuple[float, ...]:
    """Return '6,2,2' as (6.0, 2.0, 2.0): one or more finite numbers."""
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        values = ()
    if not values or any(v != v or v in (float("inf"), float("-inf")) for v in values):
        raise argparse.ArgumentTypeError(f"must be one or more numbers separated by commas, like 6,2,2; got {text!r}")
    return values


def _number(text: str) -> float:
    """Return text as a finite number."""
    values = _numbers(text)
    if len(values) != 1:
        raise argparse.ArgumentTypeError(f"must be one number; got {text!r}")
    return values[0]


def _names(text: str) -> tuple[str, ...]:
    """Return 'weather,partner,transit' as a tuple of non-empty names."""
    names = tuple(part.strip() for part in text.split(","))
    if not all(names):
        raise argparse.ArgumentTypeError(
            f"must be names separated by commas, like weather,partner,transit; got {text!r}"
        )
    return names


def register(subparsers: Any) -> None:
    """Add the `perceptron` subcommand."""
    parser = subparsers.add_parser(
        "perceptron",
        help="print a perceptron's truth table (the cheese festival), or learn a gate by Rosenblatt's rule",
        description="Print the output of the perceptron `1 if w·x > threshold else 0` for every 0/1 input. "
        "The default is the tutorial's cheese festival: weights 6 (good weather), 2 (partner comes), 2 (near transit), threshold 5.",
    )
    parser.add_argument(
        "--weights",
        type=_numbers,
        default=CHEESE_FESTIVAL_WEIGHTS,
        metavar="6,2,2",
        help="w, one weight per input (default: %(metavar)s)",
    )
    rule = parser.add_mutually_exclusive_group()
    rule.add_argument("--threshold", type=_number, help="output 1 when w·x > threshold (default: 5)")
    rule.add_argument("--bias", type=_number, help="b = −threshold: output 1 when w·x + b > 0")
    parser.add_argument(
        "--names",
        type=_names,
        metavar="NAME,...",
        help="a name for each input, heading its column "
        "(default: weather,partner,transit for three inputs, else x1,x2,...)",
    )
    parser.add_argument(
        "--learn",
        choices=sorted(LOGIC_GATES),
        help="instead: train a two-input perceptron on this gate by Rosenblatt's rule",
    )
    parser.add_argument(
        "--max-epochs",
        type=int,
        default=100,
        help="with --learn: give up after this many epochs (default: %(default)s)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    """Print the truth table (or the learning run); return 0."""
    if args.learn:
        return _run_learn(args, console)
    weights = args.weights
    if len(weights) > MAX_INPUTS:
        raise UsageError(
            f"argument --weights: at most {MAX_INPUTS} inputs fit a printed truth table; got {len(weights)}"
        )
    if args.names is not None:
        names = args.names
        if len(names) != len(weights):
            raise UsageError(
                f"argument --names: needs one name per weight ({len(weights)}); got {len(names)}: {','.join(names)}"
            )
    else:
        names = (
            CHEESE_FESTIVAL_INPUTS
            if len(weights) == len(CHEESE_FESTIVAL_INPUTS)
            else tuple(f"x{j + 1}" for j in range(len(weights)))
        )
    if args.bias is not None:
        perceptron = Perceptron(weights, bias=args.bias)
    else:
        perceptron = Perceptron(weights, threshold=5.0 if args.threshold is None else args.threshold)
    rule = _weighted_sum(perceptron.weights, names)
    if args.bias is not None:
        console.print(
            f"output 1 when {rule} {'−' if perceptron.bias < 0 else '+'} {abs(perceptron.bias):g} > 0, else 0"
        )
    else:
        console.print(f"output 1 when {rule} > {perceptron.threshold:g}, else 0")
    table = Table()
    for name in names:
        table.add_column(name, justify="center")
    table.add_column("w·x", justify="right")
    table.add_column("decision", justify="center")
    for x, decision in truth_table(perceptron):
        z = perceptron.weighted_input(x) - perceptron.bias
        table.add_row(*(str(v) for v in x), f"{z:g}", str(decision))
    console.print(table)
    return 0


def _weighted_sum(weights: tuple[float, ...], names: tuple[str, ...]) -> str:
    """Return '6·weather + 2·partner − 2·transit': the terms w_j·x_j with their signs."""
    text = ""
    for j, (w, name) in enumerate(zip(weights, names)):
        sign = ("−" if w < 0 else "") if j == 0 else (" − " if w < 0 else " + ")
        text += f"{sign}{abs(w):g}·{name}"
    return text


def _run_learn(args: argparse.Namespace, console: Console) -> int:
    """Train on one gate, print whether Rosenblatt's rule converged and the truth table reached; return 0."""
    if args.max_epochs < 1:
        raise UsageError(f"argument --max-epochs: must be a positive integer; got {args.max_epochs}")
    targets = LOGIC_GATES[args.learn]
    result = learn(TWO_BIT_INPUTS, targets, max_epochs=args.max_epochs)
    p = result.perceptron
    if result.converged:
        console.print(
            f"{args.learn.upper()}: converged after {result.epochs} epochs: weights {', '.join(f'{w:g}' for w in p.weights)}, bias {p.bias:g}"
        )
    else:
        console.print(
            f"{args.learn.upper()}: did not converge in {result.epochs} epochs "
            f"(still {result.mistakes[-1]} mistakes in the last epoch): no line separates its 1s from its 0s"
        )
    table = Table()
    for name in ("x1", "x2", "target", "output"):
        table.add_column(name, justify="center")
    for (x, output), target in zip(truth_table(p), targets):
        table.add_row(str(x[0]), str(x[1]), str(target), str(output))
    console.print(table)
    return 0
