"""`scratchnet sweep`: train every combination of some settings on top of a preset, and report.

Every declared setting (`scratchnet.training.options`) is a flag that takes one value or several:
`--lr 0.3,1,3,10 --batch-size 10,100` (commas or spaces between values; a setting whose one value is
itself a list, `--layers 784,30,10 784,100,10` or `--augment shift,rotate none`, takes its values as
separate words). The grid is every combination, seeds included (`--seed 1,2`, also spelt `--seeds`),
each run one `scratchnet train --preset NAME ...` (`scratchnet.cli.runs`), on this machine or on the
workers of a Dask cluster (--scheduler). It prints a table of each run's test accuracy and seconds,
writes a JSON of every run's settings and per-epoch history, and beside it a figure of test accuracy
against each swept setting.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

import scratchnet.cli.arguments as arguments
import scratchnet.cli.executor as executor
import scratchnet.cli.runs as runs
from scratchnet.cli.arguments import UsageError, flag
from scratchnet.errors import ConfigError
from scratchnet.io import model_file, write_json
from scratchnet.training.config import PRESETS, TrainConfig
from scratchnet.training.options import Constraint, Layers, SomeOf, settings

SWEPT = tuple(item for item in settings(TrainConfig) if item.command_line)
"""The settings a sweep may vary: every one the command line sets, each a flag of the same name."""


def register(subparsers: Any) -> None:
    """Add the `sweep` subcommand."""
    parser = subparsers.add_parser(
        "sweep",
        help="train a grid of settings on top of a preset and compare the runs",
        description="Train every combination of the values given (e.g. --lr 0.3,1,3,10 --batch-size 10,100 --seeds 1,2) "
        "on top of a preset, each run a `scratchnet train`; print each run's test accuracy and seconds, and write "
        "every run's settings and history as JSON, with a figure of accuracy against each setting beside it.",
    )
    parser.add_argument(
        "--preset",
        choices=list(PRESETS),
        default="tutorial",
        help="the configuration to start from (default: tutorial)",
    )
    for item in SWEPT:
        names = [flag(item.name), *(["--seeds"] if item.name == "seed" else [])]
        one = item.constraint.metavar or item.symbol or item.name.upper()
        parser.add_argument(
            *names,
            dest=item.name,
            nargs="+",
            type=_values(item.constraint, item.name),
            metavar=one if _list_valued(item.constraint) else one + ",...",
            help=f"{item.help}: the values to try, each {item.constraint.expected} (default: the preset's)",
        )
    parser.add_argument(
        "--limit", type=arguments.positive_int, metavar="N", help="train every run on only the first N training images"
    )
    executor.add_executor_arguments(parser)
    parser.add_argument(
        "--out",
        type=arguments.output_file,
        default=Path("sweep.json"),
        metavar="PATH",
        help="the JSON of every run; the figure goes beside it as PNG (default: %(default)s)",
    )
    parser.set_defaults(handler=run)


def _list_valued(constraint: Constraint) -> bool:
    """Return whether one value of the setting is itself a comma-separated list (layers, distortions)."""
    return isinstance(constraint, (Layers, SomeOf))


def _values(constraint: Constraint, name: str) -> Callable[[str], tuple[Any, ...]]:
    """Return argparse's type function for one word of a swept setting: its value, or its comma-separated values."""
    parse = arguments.parsed_by(constraint, name)

    def values(text: str) -> tuple[Any, ...]:
        if _list_valued(constraint):
            return (parse(text),)
        return tuple(parse(part.strip()) for part in text.split(",") if part.strip()) or (parse(text),)

    values.__name__ = name
    return values


def grid(args: argparse.Namespace) -> dict[str, tuple[Any, ...]]:
    """Return the settings given, in declaration order with the seed last, each with its values (once each, as given)."""
    swept = {}
    for item in sorted(SWEPT, key=lambda item: item.name == "seed"):  # the seeds last: the innermost loop
        words = getattr(args, item.name, None)
        if words:
            swept[item.name] = tuple(dict.fromkeys(value for word in words for value in word))
    return swept


def _varied(swept: dict[str, tuple[Any, ...]]) -> list[str]:
    """Return the swept settings given more than one value (those given one are fixed changes to the preset)."""
    return [name for name, values in swept.items() if len(values) > 1]


def plan(args: argparse.Namespace, swept: dict[str, tuple[Any, ...]]) -> list[runs.Run]:
    """Return one Run per combination of the swept values, each checked now (UsageError for a bad combination)."""
    threads = executor.placement(args)
    threads = None if "threads" in swept else threads
    if "teacher" in swept:
        swept["teacher"] = tuple(_teacher_for_a_run(name) for name in swept["teacher"])
    planned = []
    for values in itertools.product(*swept.values()):
        run_ = runs.Run(args.preset, tuple(zip(swept, values)), args.limit, threads)
        try:
            run_.config  # noqa: B018 (checks the combination: --full-train with the plateau schedule, say)
        except ConfigError as err:
            raise UsageError(f"argument {' '.join(flag(name) for name in swept)}: {err}") from err
        planned.append(run_)
    if "layers" in swept:
        from scratchnet.cli.train import check_layers_fit
        from scratchnet.data.mnist import load_mnist

        data = load_mnist()
        for layers in swept["layers"]:
            check_layers_fit(layers, data)
    return planned


def _teacher_for_a_run(name: str) -> str:
    """Return how a run names this teacher: a shipped model by its name, a file here by its absolute path (each run
    trains in a folder of its own); UsageError when there is neither."""
    if Path(name).is_file():
        return str(Path(name).resolve())
    if not model_file(name).is_file():
        raise UsageError(f"argument --teacher: {name}: no such model file, nor a model shipped with scratchnet")
    return name


def run(args: argparse.Namespace, console: Console) -> int:
    """Train every combination, print the table, write the JSON and the figure; return the exit code."""
    if args.out.suffix.lower() != ".json":
        raise UsageError(f"argument --out: must be a JSON file ending in .json; got {str(args.out)!r}")
    swept = grid(args)
    planned = plan(args, swept)
    console.print(
        f"sweep {len(planned)} run{'s' if len(planned) != 1 else ''} of {args.preset}: "
        + (", ".join(f"{name} ×{len(values)}" for name, values in swept.items()) or "its settings alone")
        + (f", on the first {args.limit:,} training images" if args.limit else "")
        + (f", on the Dask cluster at {args.scheduler}" if args.scheduler else "")
    )
    outcomes: dict[runs.Run, dict[str, Any] | Exception] = {}

    def done(run_: runs.Run, outcome: dict[str, Any] | Exception) -> None:
        outcomes[run_] = outcome
        if isinstance(outcome, Exception):
            console.print(f"  {run_.label}: failed: {outcome}")
        else:
            console.print(
                f"  {run_.label}: test {100 * outcome['test_accuracy']:.2f}%  {outcome['wall_seconds']:.0f} s"
            )

    started = time.perf_counter()
    executor.execute(planned, done, jobs=args.jobs, scheduler=args.scheduler)
    total = time.perf_counter() - started
    console.print(_table(planned, swept, outcomes))
    best = _best(planned, swept, outcomes)
    if best:
        console.print(best)
    write_json(args.out, _document(args, swept, planned, outcomes, total))
    figure = _write_figure(planned, swept, outcomes, args.out.with_suffix(".png"))
    console.print(
        f"wrote {args.out}" + (f" and {figure}" if figure else " (no figure: pip install 'scratchnet[plots]')")
    )
    return 1 if any(isinstance(outcome, Exception) for outcome in outcomes.values()) else 0


def _table(
    planned: list[runs.Run], swept: dict[str, tuple[Any, ...]], outcomes: dict[runs.Run, dict[str, Any] | Exception]
) -> Table:
    """Return the printed table: one row per run, its swept settings, test accuracy and seconds."""
    table = Table(title="test accuracy on the 10,000 MNIST test images; seconds per run, end to end")
    shown = _varied(swept)
    for name in shown:
        table.add_column(flag(name)[2:])
    table.add_column("test accuracy", justify="right")
    table.add_column("seconds", justify="right")
    for run_ in planned:
        outcome = outcomes.get(run_)
        if isinstance(outcome, dict):
            measured = [f"{100 * outcome['test_accuracy']:.2f}%", f"{outcome['wall_seconds']:.1f}"]
        else:
            measured = ["failed", "–"]
        table.add_row(*(runs.word(value) for name, value in run_.changes if name in shown), *measured)
    return table


def _best(
    planned: list[runs.Run], swept: dict[str, tuple[Any, ...]], outcomes: dict[runs.Run, dict[str, Any] | Exception]
) -> str | None:
    """Return a line naming the settings with the best mean test accuracy over the seeds, if more than one was tried."""
    means: dict[tuple[tuple[str, Any], ...], list[float]] = {}
    for run_ in planned:
        outcome = outcomes.get(run_)
        if isinstance(outcome, dict):
            key = tuple((name, value) for name, value in run_.changes if name != "seed" and name in _varied(swept))
            means.setdefault(key, []).append(float(outcome["test_accuracy"]))
    if len(means) < 2:
        return None
    key, accuracies = max(means.items(), key=lambda entry: statistics.fmean(entry[1]))
    seeds = f" (mean of {len(accuracies)} seeds)" if len(accuracies) > 1 else ""
    settings_ = " ".join(f"{flag(name)} {runs.word(value)}" for name, value in key)
    return f"best: {settings_}: {100 * statistics.fmean(accuracies):.2f}%{seeds}"


def _document(
    args: argparse.Namespace,
    swept: dict[str, tuple[Any, ...]],
    planned: list[runs.Run],
    outcomes: dict[runs.Run, dict[str, Any] | Exception],
    total: float,
) -> dict[str, Any]:
    """Return the JSON written: how the sweep was made, and every run's settings, accuracy, seconds and history."""
    from scratchnet import __version__

    entries = []
    for run_ in planned:
        outcome = outcomes.get(run_)
        entry: dict[str, Any] = {"settings": {name: _plain(value) for name, value in run_.changes}}
        if isinstance(outcome, dict):
            entry.update(
                test_accuracy=outcome["test_accuracy"],
                seconds=outcome["wall_seconds"],
                training_seconds=outcome["seconds"],
                config=outcome["config"],
                trained_on=outcome["trained_on"],
                history=outcome["history"],
            )
        else:
            entry["error"] = str(outcome) if outcome is not None else "not run"
        entries.append(entry)
    return {
        "command": _command(args, swept),
        "written": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "scratchnet": __version__,
        "preset": args.preset,
        "limit": args.limit,
        "scheduler": args.scheduler,
        "swept": {name: [_plain(value) for value in values] for name, values in swept.items()},
        "seconds": total,
        "runs": entries,
    }


def _plain(value: Any) -> Any:
    """Return a setting's value as JSON holds it (tuples as lists)."""
    return list(value) if isinstance(value, tuple) else value


def _command(args: argparse.Namespace, swept: dict[str, tuple[Any, ...]]) -> str:
    """Return the command line that makes this sweep again."""
    words = ["scratchnet", "sweep", "--preset", args.preset]
    for name, values in swept.items():
        constraint = next(item.constraint for item in SWEPT if item.name == name)
        texts = [runs.word(value).lower() if isinstance(value, bool) else runs.word(value) for value in values]
        words += [flag(name), *(texts if _list_valued(constraint) else [",".join(texts)])]
    if args.limit:
        words += ["--limit", str(args.limit)]
    return " ".join(words)


def _write_figure(
    planned: list[runs.Run],
    swept: dict[str, tuple[Any, ...]],
    outcomes: dict[runs.Run, dict[str, Any] | Exception],
    path: Path,
) -> Path | None:
    """Draw test accuracy against each swept setting (every run a dot, the mean a line); None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    from scratchnet.io import write_atomically

    shown = [name for name in _varied(swept) if name != "seed"] or ["seed"]
    figure, panels = plt.subplots(1, len(shown), figsize=(4.2 * len(shown), 3.8), squeeze=False)
    for axes, name in zip(panels[0], shown):
        values = swept.get(name, (PRESETS[planned[0].preset].config.seed,))
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        positions = {value: value if numeric else index for index, value in enumerate(values)}
        means = []
        for value in values:
            accuracies = [
                100 * outcome["test_accuracy"]
                for run_ in planned
                if isinstance(outcome := outcomes.get(run_), dict) and dict(run_.changes).get(name, value) == value
            ]
            axes.scatter([positions[value]] * len(accuracies), accuracies, color="tab:blue", alpha=0.6, s=18)
            means.append(statistics.fmean(accuracies) if accuracies else float("nan"))
        axes.plot([positions[value] for value in values], means, color="tab:orange", label="mean")
        if numeric and min(values) > 0 and max(values) >= 10 * min(values):
            axes.set_xscale("log")
        if not numeric:
            axes.set_xticks(range(len(values)), [runs.word(value) for value in values], rotation=20)
        axes.set_xlabel(flag(name))
        axes.set_ylabel("test accuracy (%)")
        axes.grid(True, alpha=0.3)
    panels[0][0].legend(loc="lower right")
    figure.suptitle("Test accuracy against each swept setting: each run a dot, the mean over the others a line")
    figure.tight_layout()
    write_atomically(path, lambda file: figure.savefig(file, format="png", dpi=110))
    plt.close(figure)
    return path
