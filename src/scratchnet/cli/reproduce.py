"""`scratchnet reproduce`: train every preset as `scratchnet train --preset NAME` would, and report.

Each run is a real `scratchnet train` in a child process (so its seconds are end to end: loading the
data, training, testing, saving), with its metrics written as JSON (`scratchnet.cli.runs`): here, or on
the workers of a Dask cluster with --scheduler. The table compares what the source
reports with what scratchnet measured over the seeds (mean ± half the range), and the report goes to
`docs/accuracy.md` with a figure of validation accuracy against time. Sections of the report it replaces
that reproduce does not write (notes by hand on the runs) are kept after the fresh ones. Every run's results
are kept in a JSON record beside the report (`scratchnet.cli.record`), so `--presets NAME` reruns that row
and carries the others over, saying when they were measured.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

import scratchnet.cli.arguments as arguments
import scratchnet.cli.executor as executor
import scratchnet.cli.record as record
import scratchnet.cli.runs as runs
from scratchnet.cli.arguments import UsageError
from scratchnet.cli.record import Result
from scratchnet.io import write_atomically
from scratchnet.training.config import PRESETS
from scratchnet.training.threads import threads_per_job

ALONE = ("best", "best-mlp")
"""The presets that run alone, on threads chosen by the work (their products are wide enough to share the cores)."""

WRITTEN = ("Chapter 6, step by step", "Targets", "Settings", "The cost of augmentation", "Accuracy against time")
"""The `## ` sections reproduce writes; every other section of the report it replaces is kept (`kept_notes`)."""

QUICK_LIMIT = 2000
"""What --quick trains each run on: the first 2,000 training images, for one epoch (a smoke test, not a measurement)."""


def register(subparsers: Any) -> None:
    """Add the `reproduce` subcommand."""
    parser = subparsers.add_parser(
        "reproduce",
        help="train every preset (3 seeds each, 1 for chapter 6's and the best) and report against the published numbers",
        description="Run `scratchnet train --preset NAME` for each preset and seed, print a table of what the source "
        "reports against what scratchnet measured, and write it with accuracy-against-time curves to a Markdown report.",
    )
    parser.add_argument(
        "--presets",
        type=_preset_names,
        default=tuple(PRESETS),
        metavar="NAME,...",
        help=f"which presets to run; the report carries the others' rows over from the record beside it "
        f"(default: {','.join(PRESETS)})",
    )
    parser.add_argument(
        "--seeds",
        type=arguments.positive_int,
        metavar="N",
        help="seeds per preset (default: 3, and 1 for chapter 6's and the best)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="short runs on 2,000 images for one epoch, to check that everything runs"
    )
    executor.add_executor_arguments(
        parser
    )  # --jobs, --scheduler; best and best-mlp always run alone here, on threads chosen by the work
    parser.add_argument(
        "--out",
        type=arguments.output_file,
        default=Path("docs/accuracy.md"),
        metavar="PATH",
        help="the Markdown report, rewritten but for the ## sections it does not write (notes by hand are kept); the "
        "figure goes beside it as PNG and the runs as a JSON record (default: %(default)s)",
    )
    parser.set_defaults(handler=run)


def _preset_names(text: str) -> tuple[str, ...]:
    """Return 'book-ch1,best' as ('book-ch1', 'best'), refusing unknown names."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in PRESETS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"must be a comma-separated list of {', '.join(PRESETS)}; got {text!r}")
    return names


def run(args: argparse.Namespace, console: Console) -> int:
    """Train each preset for each seed, print the table, write the report and figure; return the exit code."""
    names: tuple[str, ...] = args.presets
    if args.out.suffix.lower() != ".md":
        raise UsageError(f"argument --out: must be a Markdown file ending in .md; got {str(args.out)!r}")
    record_path = record.beside(args.out)
    carried = record.read_record(record_path, args.quick)  # before training: a bad record stops nothing measured
    shared, alone = _plan(args)
    results = {name: Result(PRESETS[name], quick=args.quick) for name in names}
    console.print(
        f"reproduce {len(shared) + len(alone)} runs: "
        + ", ".join(f"{name} ×{args.seeds or PRESETS[name].seeds}" for name in names)
        + (f" (quick: {QUICK_LIMIT:,} images, 1 epoch)" if args.quick else "")
        + (f" on the Dask cluster at {args.scheduler}" if args.scheduler else "")
    )

    def done(run_: runs.Run, outcome: dict[str, Any] | Exception) -> None:
        result, seed = results[run_.preset], dict(run_.changes)["seed"]
        if isinstance(outcome, Exception):
            result.failures.append(str(outcome))
            console.print(f"  {run_.preset} seed {seed}: failed: {outcome}")
            return
        result.accuracies.append(float(outcome["test_accuracy"]))
        result.seconds.append(float(outcome["wall_seconds"]))
        result.histories.append(outcome["history"])
        result.members.append([float(a) for a in outcome.get("members_test_accuracy", [])])
        validation = _kept_validation(outcome)
        if validation is not None:
            result.validations.append(validation)
        console.print(
            f"  {run_.preset} seed {seed}: test {100 * result.accuracies[-1]:.2f}%  {result.seconds[-1]:.0f} s"
        )

    started = time.perf_counter()
    if args.scheduler:
        executor.execute([*shared, *alone], done, scheduler=args.scheduler)
    else:
        executor.execute(shared, done, jobs=args.jobs)
        executor.execute(alone, done)
    total = time.perf_counter() - started
    console.print(_table(results))
    when, command = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", _command(names, args)
    for result in results.values():
        result.when, result.command = when, command
    everything = record.merged(results, carried)
    mlp = everything.get("best-mlp")  # measured now, or carried with its epochs' seconds from the record
    augmentation = _augmentation_cost(mlp) if mlp is not None and mlp.histories else None
    record.write_record(record_path, everything, args.quick)
    figure = _write_figure(everything, args.out.with_suffix(".png"))
    notes = kept_notes(args.out.read_text(encoding="utf-8", errors="replace")) if args.out.is_file() else []
    report = _report(everything, args, total, figure, augmentation)
    if notes:
        report = report.rstrip("\n") + "\n\n" + "\n".join(notes) + "\n"
    write_atomically(args.out, lambda file: file.write(report.encode()))
    console.print(f"wrote {args.out}" + (f" and {figure}" if figure else "") + f"; the runs in {record_path}")
    return 1 if any(result.failures for result in results.values()) else 0


def _plan(args: argparse.Namespace) -> tuple[list[runs.Run], list[runs.Run]]:
    """Return the runs side by side (on --jobs' share of the cores) and those alone (ALONE, on threads chosen by the work)."""
    threads = executor.placement(args)
    quick: tuple[tuple[str, Any], ...] = (("epochs", 1),) if args.quick else ()
    limit = QUICK_LIMIT if args.quick else None
    shared, alone = [], []
    for name in args.presets:
        for seed in range(args.seeds or PRESETS[name].seeds):
            if name in ALONE:
                alone.append(runs.Run(name, (("seed", seed), *quick), limit))
            else:
                shared.append(runs.Run(name, (("seed", seed), *quick), limit, threads))
    return shared, alone


def _kept_validation(data: dict[str, Any]) -> float | None:
    """Return the validation accuracy of the epoch the run kept (the best one, or the last), if measured."""
    epochs = data["history"]["epochs"]
    if not epochs:
        return None
    kept = data["history"].get("best_epoch") if data["config"].get("keep") == "best" else None
    record = epochs[kept - 1] if kept else epochs[-1]
    value = record.get("validation_accuracy")
    return None if value is None else float(value)


def _validation(result: Result) -> str:
    if not result.validations:
        return "–"
    return f"{100 * statistics.fmean(result.validations):.2f}%"


def _measured(result: Result) -> str:
    if not result.accuracies:
        return "failed"
    if len(result.accuracies) == 1:
        return f"{100 * result.mean:.2f}%"
    return f"{100 * result.mean:.2f}% ± {100 * result.spread:.2f}"


def _verdict(result: Result) -> str:
    met = result.met()
    if met is None:
        return "–"
    return "yes" if met else "**no**"


def _table(results: dict[str, Result]) -> Table:
    """Return the printed table: preset, source, reported, measured, target, met, seconds."""
    table = Table(title="test accuracy on the 10,000 MNIST test images; seconds per run")
    for column in ("preset", "reported", "scratchnet (mean ± half range)", "target", "met", "seconds"):
        table.add_column(column)
    for name, result in results.items():
        preset = result.preset
        table.add_row(
            name,
            f"{100 * preset.reported:.2f}%" if preset.reported else "–",
            _measured(result),
            f"≥ {100 * preset.target:.1f}%" if preset.target else "–",
            _verdict(result),
            f"{statistics.fmean(result.seconds):.0f}" if result.seconds else "–",
        )
    return table


def _write_figure(results: dict[str, Result], path: Path) -> Path | None:
    """Draw validation accuracy against seconds of training for every run; return path, or None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    figure, axes = plt.subplots(figsize=(8, 5))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for index, (name, result) in enumerate(results.items()):
        for run_index, history in enumerate(result.histories):
            epochs = history["epochs"]
            seconds, elapsed, accuracies = [], 0.0, []
            for epoch in epochs:
                elapsed += epoch["seconds"]
                if epoch["validation_accuracy"] is not None:
                    seconds.append(elapsed)
                    accuracies.append(100 * epoch["validation_accuracy"])
            axes.plot(
                seconds,
                accuracies,
                color=colours[index % len(colours)],
                alpha=0.9,
                linewidth=1.2,
                label=name if run_index == 0 else None,
            )
    axes.set_xscale("log")
    axes.set_xlabel("seconds of training (log scale)")
    axes.set_ylabel("validation accuracy (%)")
    axes.set_ylim(90, 100)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="lower right")
    axes.set_title("Validation accuracy against training time, one line per seed")
    figure.tight_layout()
    write_atomically(path, lambda file: figure.savefig(file, format="png", dpi=110))
    plt.close(figure)
    return path


def _augmentation_cost(result: Result) -> str:
    """Return a sentence comparing one epoch of best-mlp's distortions with one epoch of its training.

    Distorts as many images as the preset's epoch holds, in its mini-batches, on this thread alone.
    """
    import numpy as np

    from scratchnet.data.augment import Augmenter
    from scratchnet.data.mnist import load_mnist

    config = result.preset.config
    images = load_mnist().train.images
    n = len(images)
    augmenter = Augmenter(config.augment)
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    for start in range(0, n, config.batch_size):
        augmenter(images[start : start + config.batch_size], rng)
    seconds = time.perf_counter() - started
    epochs = [record["seconds"] for history in result.histories for record in history["epochs"]]
    per_epoch = statistics.median(epochs)
    share = seconds / per_epoch
    verdict = "they do not dominate it" if share < 0.5 else "they are most of it"
    return (
        f"Distorting one epoch of `best-mlp` ({n:,} images, {','.join(config.augment)}, mini-batches of {config.batch_size}) "
        f"takes {seconds:.1f} s on one core, measured after the runs; an epoch of `best-mlp`'s training took {per_epoch:.1f} s "
        f"(median), with the distortions drawn on a helper thread beside it: one core's work of {100 * share:.0f}% of "
        f"an epoch's time, so {verdict}."
    )


def _command(names: tuple[str, ...], args: argparse.Namespace) -> str:
    """Return the reproduce command as it was typed, for the report and the record."""
    scheduler = getattr(args, "scheduler", None)
    return (
        f"scratchnet reproduce{' --quick' if args.quick else ''}"
        f"{' --presets ' + ','.join(names) if tuple(names) != tuple(PRESETS) else ''}"
        f"{f' --jobs {args.jobs}' if args.jobs > 1 else ''}{' --scheduler ' + scheduler if scheduler else ''}"
    )


def _provenance(results: dict[str, Result], args: argparse.Namespace, total: float) -> list[str]:
    """Return the report's title and how it was made: the command, the versions, the machine, the time."""
    import numpy as np

    from scratchnet import __version__

    scheduler = getattr(args, "scheduler", None)
    if scheduler:
        placed = (
            ", each on a worker of the Dask cluster at the scheduler given (`dask worker` processes, their own CPUs)."
        )
    elif args.jobs > 1:
        placed = f", with {args.jobs} runs side by side on {threads_per_job(args.jobs)} BLAS thread(s) each, except `best` and `best-mlp`, which ran alone."
    else:
        placed = "."
    fresh = tuple(name for name, result in results.items() if not result.carried)
    carried = record.carried_sentence(results, record.beside(args.out))
    return [
        "# Accuracy: from the tutorial's 94.5% to chapter 6's convolutional networks",
        "",
        f"Written by `{_command(fresh, args)}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"(scratchnet {__version__}, NumPy {np.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPU cores here, {total / 60:.1f} minutes in all).",
        "Each run is `scratchnet train --preset NAME --seed S`; its seconds are end to end (load, train, test, save)"
        + placed,
        *([carried] if carried else []),
        "Accuracies are on the 10,000 MNIST test images, with the network kept as the preset says "
        "(the best epoch on the 10,000 validation images, or the last).",
        "",
    ]


def _report(
    results: dict[str, Result],
    args: argparse.Namespace,
    total: float,
    figure: Path | None,
    augmentation: str | None = None,
) -> str:
    """Return the Markdown report: how it was made, the table, the targets in words, the figure."""
    lines = _provenance(results, args, total)
    if args.quick:
        lines += [
            "**Quick mode**: 2,000 training images and one epoch per run. These numbers check that "
            "everything runs; they measure nothing.",
            "",
        ]
    lines += [
        "| preset | network and training | source | source reports | scratchnet measured (test) | validation, kept epoch | target | met | seconds per run |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, result in results.items():
        preset = result.preset
        lines.append(
            f"| `{name}` | {preset.summary} | {preset.source} | {f'{100 * preset.reported:.2f}%' if preset.reported else '–'} "
            f"| {_measured(result)} ({len(result.accuracies)} seed{'s' if len(result.accuracies) != 1 else ''}) "
            f"| {_validation(result)} | {f'≥ {100 * preset.target:.1f}%' if preset.target else '–'} | {_verdict(result)} "
            f"| {f'{statistics.fmean(result.seconds):.0f}' if result.seconds else '–'} |"
        )
    lines += [
        "",
        "Measured: test accuracy, the mean over the seeds ± half the range, so every seed lies inside. "
        "Validation: the mean accuracy on the 10,000 validation images of the epoch each run kept, the figure "
        "the book reports in chapter 3.",
        "",
    ]
    lines += _ladder(results)
    lines += ["## Targets", ""]
    lines += _targets(results, args.quick)
    for name, result in results.items():
        for failure in result.failures:
            lines.append(f"- `{name}`: a run failed: {failure}")
    lines += ["", "## Settings", ""]
    for name, result in results.items():
        lines.append(f"- `{name}`: " + "; ".join(result.preset.config.describe()))
    if augmentation is not None:
        lines += ["", "## The cost of augmentation", "", augmentation]
    if figure is not None:
        lines += [
            "",
            "## Accuracy against time",
            "",
            f"![validation accuracy against seconds of training]({figure.name})",
            "",
        ]
    return "\n".join(lines) + "\n"


def kept_notes(previous: str) -> list[str]:
    """Return the lines of the sections of `previous` (the report being replaced) that reproduce does not write.

    A report is cut at its `## ` headings; a section whose heading is one of WRITTEN is reproduce's own
    and is written afresh, and every other one (the title's preamble excepted) is somebody's notes on
    the runs: it is kept, in order, after the fresh report, so a new run never deletes them.
    """
    kept: list[str] = []
    keeping = False
    for line in previous.splitlines():
        if line.startswith("## "):
            keeping = line[3:].strip() not in WRITTEN
        if keeping:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    return kept


def _ladder(results: dict[str, Result]) -> list[str]:
    """Return the report's section on chapter 6's ladder: each step's preset, the book's figure and ours, or 'not run'."""
    steps = sorted((preset for preset in PRESETS.values() if preset.ladder), key=lambda preset: preset.ladder or 0)
    lines = [
        "## Chapter 6, step by step",
        "",
        "The book's ladder (Nielsen, chapter 6), each step one preset trained here as the Settings below say; a step "
        "not in this run reads *not run*.",
        "",
        "| step | preset | network and training | the book reports | scratchnet measured (test) | seconds per run |",
        "|---|---|---|---|---|---|",
    ]
    for preset in steps:
        result = results.get(preset.name)
        measured, seconds = "*not run*", "–"
        if result is not None and (result.accuracies or result.failures):
            measured = _measured(result) + (" (quick)" if result.quick else "")
            seconds = f"{statistics.fmean(result.seconds):.0f}" if result.seconds else "–"
        lines.append(
            f"| {preset.ladder} | `{preset.name}` | {preset.summary} | {100 * (preset.reported or 0):.2f}% "
            f"| {measured} | {seconds} |"
        )
    return [*lines, ""]


def _targets(results: dict[str, Result], quick: bool) -> list[str]:
    """Return the report's list of targets: each preset's target, what it measured, and whether it was met."""
    lines: list[str] = []
    for name, result in results.items():
        preset = result.preset
        if preset.target is None or quick:
            continue
        if not result.accuracies:
            lines.append(
                f"- `{name}`: every run failed, so the target of {100 * preset.target:.1f}% is **not shown to be met**."
            )
            continue
        seeds = ", ".join(f"{100 * a:.2f}%" for a in result.accuracies)
        verdict = "met" if result.met() else "**not met**"
        line = (
            f"- `{name}`: target ≥ {100 * preset.target:.1f}%, measured {100 * result.mean:.2f}% ({seeds}): {verdict}."
        )
        if not result.met() and preset.reported_on == "validation" and result.validations and preset.reported:
            line += (
                f" The source's {100 * preset.reported:.2f}% is measured on its validation images; on those, the epochs "
                f"these runs kept average {100 * statistics.fmean(result.validations):.2f}%."
            )
        if any(result.members):
            alone = "; ".join(", ".join(f"{100 * a:.2f}%" for a in run) for run in result.members if run)
            line += f" Each network of the committee alone: {alone}."
        if name in ALONE:
            minutes = max(result.seconds) / 60
            line += f" Wall time {minutes:.1f} minutes end to end against a budget of 15: {'within' if minutes <= 15 else '**over**'}."
        lines.append(line)
    return lines
