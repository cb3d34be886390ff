"""`scratchnet train`: build the network, train it by mini-batch SGD on MNIST, report, and save it.

Its setting flags are made from the one declaration of the settings (`scratchnet.training.options`):
one flag per field, `--batch-size` for `batch_size`, parsed and checked by the field's constraint.
At the end of every epoch the run's whole state goes to a checkpoint beside the model (OUT.ckpt, or
--checkpoint PATH), written atomically; `scratchnet train --resume CKPT` continues it with the
settings it holds, and ends with the model an uninterrupted run would have written, bit for bit.
The checkpoint is removed when the run finishes, unless --keep-checkpoint.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as Bar

import scratchnet.cli.arguments as arguments
from scratchnet.cli.arguments import UsageError, flag
from scratchnet.cli.members import MembersInterrupted, Plan, is_plan, read_plan, train_members, write_plan
from scratchnet.core.committee import Committee
from scratchnet.core.convnet import ConvNetwork, build, ends, spelled
from scratchnet.core.network import Network
from scratchnet.data.mnist import MNIST, Split, load_mnist
from scratchnet.errors import ConfigError, ModelFileError
from scratchnet.io import (
    CHECKPOINT_SUFFIX,
    load_checkpoint,
    load_teacher,
    remember_last_model,
    round_to_storage,
    save_checkpoint,
    save_committee,
    save_model,
    write_json,
)
from scratchnet.training.callbacks import Callback, Checkpoint, EachEpoch, Progress
from scratchnet.training.config import PRESETS, TrainConfig
from scratchnet.training.distil import check_teacher
from scratchnet.training.loop import fit
from scratchnet.training.options import Flag, settings
from scratchnet.training.state import EpochRecord, History, TrainingState

DEFAULTS = TrainConfig()
DEFAULT_OUT = Path("model.npz")


def _shown(value: Any) -> str:
    """Return a default as the help text shows it."""
    if value is None or value == ():
        return "off" if value is None else "none"
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """Add one flag per declared TrainConfig setting; each defaults to None, meaning "the preset's value"."""
    for item in settings(TrainConfig):
        if not item.command_line:
            continue
        help_text = f"{item.help} (default: {_shown(item.default)})"
        if isinstance(item.constraint, Flag):
            parser.add_argument(flag(item.name), action=argparse.BooleanOptionalAction, default=None, help=help_text)
        elif item.constraint.choices is not None:
            parser.add_argument(flag(item.name), choices=item.constraint.choices, default=None, help=help_text)
        else:
            metavar = item.constraint.metavar or item.symbol or item.name.upper()
            parser.add_argument(
                flag(item.name),
                type=arguments.parsed_by(item.constraint, item.name),
                default=None,
                metavar=metavar,
                help=help_text,
            )


def register(subparsers: Any) -> None:
    """Add the `train` subcommand."""
    parser = subparsers.add_parser(
        "train",
        help="train a network on MNIST (default: the tutorial's 784-16-16-10)",
        description="Train a network by mini-batch stochastic gradient descent and save it. "
        "The defaults are the tutorial's: 784-16-16-10 sigmoid neurons, quadratic cost, 30 epochs, m = 10, η = 3.0. "
        "--preset starts from another configuration (" + ", ".join(PRESETS) + "); every other flag overrides it.",
    )
    parser.add_argument(
        "--preset", choices=list(PRESETS), default=None, help="a named configuration to start from (default: tutorial)"
    )
    add_setting_flags(parser)
    parser.add_argument(
        "--data",
        type=arguments.directory,
        metavar="DIR",
        help="a folder of MNIST-format IDX files (default: the MNIST shipped with scratchnet)",
    )
    parser.add_argument(
        "--limit",
        type=arguments.positive_int,
        metavar="N",
        help="train on only the first N training images (for quick runs)",
    )
    parser.add_argument(
        "--out", type=arguments.output_file, metavar="PATH", help=f"where to save the model (default: {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--storage",
        choices=["float16"],
        help="store the weights in half precision (half the file; the test accuracy is measured on the rounded weights, and loading gives float32 back)",
    )
    parser.add_argument(
        "--metrics-json", type=arguments.output_file, metavar="PATH", help="also write the per-epoch metrics as JSON"
    )
    parser.add_argument(
        "--checkpoint",
        type=arguments.output_file,
        metavar="PATH",
        help=f"where to keep the checkpoint of every epoch (default: OUT{CHECKPOINT_SUFFIX})",
    )
    parser.add_argument(
        "--keep-checkpoint", action="store_true", help="keep the checkpoint when the run finishes (default: remove it)"
    )
    parser.add_argument(
        "--resume",
        type=Path,
        metavar="CKPT",
        help="continue the run this checkpoint holds, with its settings (--out, --data, --threads may be given again)",
    )
    parser.set_defaults(handler=run)


SETTINGS = tuple(item.name for item in settings(TrainConfig) if item.command_line)
"""The TrainConfig fields the command line sets, each a flag of the same name."""

RESUMABLE = ("threads",)
"""Settings that `--resume` may be given again: they change how fast the run goes, not where it ends."""


def config_from(args: argparse.Namespace) -> TrainConfig:
    """Return the TrainConfig the parsed arguments describe: the preset's, with every flag given overriding it."""
    preset = PRESETS[getattr(args, "preset", None) or "tutorial"].config
    given = {name: getattr(args, name) for name in SETTINGS if getattr(args, name, None) is not None}
    try:
        return preset.with_options(**given)
    except ConfigError as err:  # a combination the flags cannot express alone (--full-train with plateau)
        raise UsageError(f"argument {' '.join(flag(name) for name in given)}: {err}") from err


def check_layers_fit(layers: tuple[int, ...] | str, data: MNIST) -> None:
    """Raise UsageError (exit code 2) unless the first layer fits the images and the last the labels."""
    pixels = data.image_shape[0] * data.image_shape[1]
    inputs, outputs = ends(layers)
    if inputs != pixels or outputs < data.num_classes:
        raise UsageError(
            f"argument --layers: must start with {pixels} inputs (the {data.image_shape[0]}×{data.image_shape[1]} images) "
            f"and end with at least {data.num_classes} outputs (the classes); got {spelled(layers)}"
        )


def epoch_line(record: EpochRecord, epochs: int, validation_size: int) -> str:
    """Return the one line printed after an epoch: `epoch 3/30  cost 0.0410  validation 9,412/10,000 (94.12%)`."""
    line = f"epoch {record.epoch}/{epochs}  cost {record.training_cost:.4f}"
    if record.validation_accuracy is not None:
        correct = round(record.validation_accuracy * validation_size)
        line += f"  validation {correct:,}/{validation_size:,} ({100 * record.validation_accuracy:.2f}%)"
    return line + f"  {record.seconds:.2f} s"


@dataclass
class Job:
    """One `scratchnet train` run: its settings, where it writes, and how far it has come.

    stage is 'choose' (training on the training split, measured on validation) or 'full' (--full-train's
    second stage, on every image for the chosen number of epochs); state is the checkpoint's, if resumed.
    """

    config: TrainConfig
    preset: str
    limit: int | None
    data: Path | None
    out: Path
    metrics_json: Path | None
    checkpoint: Path
    keep_checkpoint: bool
    stage: str = "choose"
    trained_on: dict[str, Any] = field(default_factory=dict)
    state: TrainingState | None = None
    earlier_seconds: float = 0.0
    data_sha256: str | None = None  # of the MNIST files a resumed run was trained on
    net: Network | None = None
    history: History = field(default_factory=History)
    storage: str | None = None  # --storage: the model file's arrays in this precision
    teacher: dict[str, Any] | None = None  # what the header says of the teacher: its name, file's SHA-256, ...
    teacher_net: Network | None = None

    def settings(self, data: MNIST) -> dict[str, Any]:
        """Return what a checkpoint must hold to resume this job."""
        return {
            "config": self.config.to_dict(),
            "preset": self.preset,
            "limit": self.limit,
            "data": None if self.data is None else str(self.data),
            "data_sha256": data.sha256,
            "out": str(self.out),
            "metrics_json": None if self.metrics_json is None else str(self.metrics_json),
            "keep_checkpoint": self.keep_checkpoint,
            "stage": self.stage,
            "trained_on": self.trained_on,
            "storage": self.storage,
            "teacher": self.teacher,
        }


def _new_job(args: argparse.Namespace) -> Job:
    """Return the job the command line's flags describe."""
    out = args.out or DEFAULT_OUT
    checkpoint = args.checkpoint or Path(str(out) + CHECKPOINT_SUFFIX)
    job = Job(
        config_from(args),
        args.preset or "tutorial",
        args.limit,
        args.data,
        out,
        args.metrics_json,
        checkpoint,
        args.keep_checkpoint,
    )
    job.storage = args.storage
    return job


def _refuse_settings_on_resume(args: argparse.Namespace) -> None:
    """Raise UsageError when settings are given with --resume: they come from the checkpoint (--threads may)."""
    given = [
        flag(name)
        for name in ("preset", *SETTINGS, "limit")
        if name not in RESUMABLE and getattr(args, name, None) is not None
    ]
    if given:
        raise UsageError(f"argument --resume: the settings come from the checkpoint; got {', '.join(given)} too")


def _planned_job(args: argparse.Namespace) -> Job:
    """Return the job a committee run's plan holds (`scratchnet.cli.members`), --threads given again taking over."""
    _refuse_settings_on_resume(args)
    plan = read_plan(args.resume)
    config = plan.config if args.threads is None else plan.config.with_options(threads=args.threads)
    keep = args.keep_checkpoint or plan.keep_checkpoint
    job = Job(config, plan.preset, plan.limit, plan.data, plan.out, plan.metrics_json, args.resume, keep)
    job.storage = plan.storage
    return job


def _resumed_job(args: argparse.Namespace) -> Job:
    """Return the job a checkpoint holds, with --out, --data, --metrics-json, --checkpoint given again taking over."""
    _refuse_settings_on_resume(args)
    state, saved = load_checkpoint(args.resume)
    try:
        config = TrainConfig.from_dict(saved["config"])
        if args.threads is not None:  # how many threads multiply changes the time, not the run
            config = config.with_options(threads=args.threads)
            state.options = replace(state.options, threads=config.threads)
        out = args.out or Path(saved["out"])
        job = Job(
            config,
            str(saved["preset"]),
            saved["limit"],
            args.data or (saved["data"] and Path(saved["data"])),
            out,
            args.metrics_json or (saved["metrics_json"] and Path(saved["metrics_json"])),
            args.checkpoint or args.resume,
            args.keep_checkpoint or bool(saved["keep_checkpoint"]),
            str(saved["stage"]),
            dict(saved["trained_on"]),
            state,
        )
        job.data_sha256 = str(saved["data_sha256"])
        job.storage = args.storage or saved.get("storage")
        job.teacher = saved.get("teacher")
    except (KeyError, TypeError, ValueError, ConfigError) as err:
        raise ModelFileError(
            f"{args.resume}: the checkpoint's settings are damaged ({type(err).__name__}: {err})"
        ) from err
    if config.options() != state.options:
        raise ModelFileError(f"{args.resume}: the checkpoint's settings and training state disagree")
    job.earlier_seconds = state.elapsed
    return job


def run(args: argparse.Namespace, console: Console) -> int:
    """Train (or resume), print one line per epoch and the test accuracy, save the model; return the exit code."""
    if args.resume is not None and is_plan(args.resume):
        job = _planned_job(args)
    else:
        job = _resumed_job(args) if args.resume is not None else _new_job(args)
    job.teacher_net = _teacher(job)
    data = load_mnist(job.data)
    if job.data_sha256 not in (None, data.sha256):
        raise ModelFileError(
            f"{args.resume}: the checkpoint was trained on MNIST files with SHA-256 {job.data_sha256[:12]}…; these have {data.sha256[:12]}…"
        )
    check_layers_fit(job.config.layers, data)
    if job.config.members > 1:
        return _train_committee(console, job, data, resumed=args.resume is not None)
    training = (
        data.train if job.limit is None else Split(data.train.images[: job.limit], data.train.labels[: job.limit])
    )
    data, training, negatives = _add_negatives(job.config, data, training)
    started = time.perf_counter()
    try:
        _train_stages(console, job, data, training)
        job.trained_on.update(negatives)
    except KeyboardInterrupt:
        return _save_interrupted(console, job, data, job.earlier_seconds + time.perf_counter() - started)
    seconds = job.earlier_seconds + time.perf_counter() - started
    return _finish(console, job, data, seconds)


def _teacher(job: Job) -> Network | None:
    """Return the network the settings' teacher names (None without one), checked against the network it teaches.

    Records in job.teacher what the model's header will say of it (its name, its file's SHA-256, its layers
    and test accuracy). Raises UsageError (exit 2) for a teacher that is missing, damaged or does not fit,
    and ModelFileError when the teacher of a resumed run is no longer the file it was.
    """
    name = job.config.teacher
    if name is None:
        return None
    try:
        teacher, header, digest = load_teacher(name)
        check_teacher(teacher, *ends(job.config.layers))
    except (ModelFileError, ConfigError) as err:
        raise UsageError(f"argument --teacher: {err}") from err
    if job.teacher is not None and job.teacher.get("sha256") != digest:
        raise ModelFileError(
            f"{job.checkpoint}: the run was taught by {name} with SHA-256 {str(job.teacher.get('sha256'))[:12]}…; "
            f"that file now has {digest[:12]}…"
        )
    layers = teacher.spelling if isinstance(teacher, ConvNetwork) else "-".join(map(str, teacher.sizes))
    job.teacher = {"model": name, "sha256": digest, "layers": layers, "test_accuracy": header.get("test_accuracy")}
    return teacher


def _add_negatives(config: TrainConfig, data: MNIST, training: Split) -> tuple[MNIST, Split, dict[str, Any]]:
    """Return (data, training, header note): with one output more than the classes, add "not a digit" examples.

    The extra output neuron is the class "not a digit" (label 10 for MNIST): made-up negatives
    (`scratchnet.data.negatives`, seeded by --seed) join the training and validation images, 0.3 times
    as many as each has. The test set stays MNIST's, so the test accuracy is the digits' alone.
    """
    if ends(config.layers)[1] != data.num_classes + 1:
        return data, training, {}
    from scratchnet.data.negatives import with_negatives

    label = data.num_classes
    images, labels, count = with_negatives(training.images, training.labels, label, config.seed, part=0)
    note: dict[str, Any] = {
        "negatives": {
            "label": label,
            "training": count,
            "seed": [config.seed, 0],
            "made_by": "scratchnet.data.negatives",
        }
    }
    training = Split(images, labels)
    if len(data.validation):
        images, labels, count = with_negatives(
            data.validation.images, data.validation.labels, label, config.seed, part=1
        )
        note["negatives"].update(validation=count, validation_seed=[config.seed, 1])
        data = replace(data, validation=Split(images, labels))
    return data, training, note


def _train_stages(console: Console, job: Job, data: MNIST, training: Split) -> None:
    """Train job's network: on the training split, then, with --full-train, afresh on every image."""
    config = job.config
    at_once = job.stage == "choose" and _nothing_to_choose(config)
    if at_once:
        job.trained_on = {"images": len(training) + len(data.validation), "validation_images": 0, "full_train": True}
        job.stage = "full"
    if job.stage == "choose":
        job.net = job.state.net if job.state is not None else _build(config)
        _describe(console, job, job.net, data, training)
        validation = (data.validation.images, data.validation.labels) if len(data.validation) else None
        job.trained_on = {"images": len(training), "validation_images": len(data.validation), "full_train": False}
        _train_with_progress(console, job, data, training, validation, len(data.validation))
        if not config.full_train:
            return
        chosen = job.history.best_epoch or len(job.history.epochs)
        job.trained_on = {
            "images": len(training) + len(data.validation),
            "validation_images": 0,
            "full_train": True,
            "epochs_chosen_on_validation": chosen,
            "choice_history": job.history.to_dict(),
        }
        console.print(
            f"full    epoch {chosen} was the best on validation: training afresh on all {job.trained_on['images']:,} images for {chosen} epochs"
        )
        job.config, job.stage, job.state = (
            config.with_options(epochs=chosen, keep="last", early_stop=None),
            "full",
            None,
        )
    everything = Split(
        np.concatenate([training.images, data.validation.images]),
        np.concatenate([training.labels, data.validation.labels]),
    )
    job.net = job.state.net if job.state is not None else _build(job.config)
    if job.state is not None or at_once:
        _describe(console, job, job.net, data, everything)
    if at_once:
        console.print(
            f"full    nothing to choose on validation (the last epoch is kept): training on all {len(everything):,} images at once"
        )
    _train_with_progress(console, job, data, everything, None, 0)


def _nothing_to_choose(config: TrainConfig) -> bool:
    """Return whether --full-train's first stage would only repeat its second on fewer images.

    Keeping the last epoch without early stopping, the first stage would choose every epoch it was given
    (or every one its time budget held), so the validation split has no choice to make and joins training.
    """
    return config.full_train and config.keep == "last" and config.early_stop is None


def _build(config: TrainConfig) -> Network:
    """Return a new network of config's shape: a ConvNetwork for a convolutional spelling."""
    return build(config.layers, config.activation, config.cost, config.init, seed=config.seed, dtype=config.dtype)


def _describe(console: Console, job: Job, net: Network, data: MNIST, training: Split) -> None:
    """Print the run's settings, network, data and training in four lines (and where a resumed run stands)."""
    config = job.config
    console.print(f"preset  {job.preset}: " + "; ".join(config.describe()))
    console.print(
        f"network {net.spelling if isinstance(net, ConvNetwork) else '-'.join(map(str, net.sizes))}  {net.activation.name} neurons, {net.cost_function.name} cost, {net.num_params:,} weights and biases"
    )
    console.print(
        f"data    {data.source}: {len(training):,} training, "
        + ("the validation images among them, " if job.stage == "full" else f"{len(data.validation):,} validation, ")
        + f"{len(data.test):,} test images"
    )
    console.print(
        f"train   {config.epochs} epochs of mini-batch SGD, m = {config.batch_size}, η = {config.lr:g}, {config.dtype}, seed {config.seed}"
    )
    if job.teacher is not None:
        accuracy = job.teacher["test_accuracy"]
        console.print(
            f"teacher {job.teacher['model']}: {job.teacher['layers']}"
            + (f", {100 * accuracy:.2f}% on the test set" if isinstance(accuracy, float) else "")
            + f"; targets (1 − α) label + α softmax(z/T), T = {config.temperature:g}, α = {config.soft_weight:g}"
        )
    if job.state is not None:
        console.print(f"resume  from {job.checkpoint} after epoch {job.state.epoch}/{config.epochs}")


def _train_with_progress(
    console: Console, job: Job, data: MNIST, training: Split, validation: tuple[Any, Any] | None, validation_size: int
) -> None:
    """Train job.net on `training` with a progress bar, one printed line per epoch and a checkpoint after each."""
    config, net = job.config, job.net
    assert net is not None
    job.history = job.state.history if job.state is not None else History()
    with Bar(
        TextColumn("epoch {task.fields[epoch]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        first = 1 + (job.state.epoch if job.state is not None else 0)
        task = bar.add_task("train", total=len(training), epoch=min(first, config.epochs))

        def on_epoch(record: EpochRecord) -> None:
            bar.console.print(epoch_line(record, config.epochs, validation_size))
            bar.update(task, completed=0, epoch=min(record.epoch + 1, config.epochs))

        settings = job.settings(data)
        callbacks: list[Callback] = [
            Progress(lambda done: bar.update(task, completed=done)),
            EachEpoch(on_epoch),
            Checkpoint(lambda state: save_checkpoint(job.checkpoint, state, settings)),
        ]
        fit(
            net,
            training.images,
            training.labels,
            config.options(),
            validation=validation,
            callbacks=callbacks,
            history=job.history,
            state=job.state,
            teacher=job.teacher_net,
        )


def _metadata(
    config: TrainConfig, data: MNIST, history: History, seconds: float, test_accuracy: float | None, complete: bool
) -> dict[str, Any]:
    """Return the header fields a trained model carries besides its architecture."""
    return {
        "config": config.to_dict(),
        "history": history.to_dict(),
        "test_accuracy": None if test_accuracy is None or math.isnan(test_accuracy) else test_accuracy,
        "seconds": seconds,
        "complete": complete,
        "data": {"source": data.source, "sha256": data.sha256, "image_shape": list(data.image_shape)},
    }


def _finish(console: Console, job: Job, data: MNIST, seconds: float) -> int:
    """Measure the test accuracy, save the model (and metrics), remove the checkpoint; return 0."""
    net, history = job.net, job.history
    assert net is not None
    if job.config.keep == "best" and history.best_epoch is not None and job.stage == "choose" and len(data.validation):
        console.print(f"kept the weights of epoch {history.best_epoch}, the best on validation")
    if job.storage:
        round_to_storage(net, job.storage)  # the accuracy below is the stored network's
    test_accuracy = net.evaluate(data.test.images, data.test.labels) / len(data.test)
    metadata = _metadata(job.config, data, history, seconds, test_accuracy, complete=True)
    metadata.update(preset=job.preset, trained_on=job.trained_on, teacher=job.teacher)
    save_model(job.out, net, metadata, storage=job.storage)
    _saved(console, job, metadata, "the model")
    if not job.keep_checkpoint:
        job.checkpoint.unlink(missing_ok=True)
    console.print(f"trained in {seconds:.1f} s")
    console.print(f"test accuracy: {100 * test_accuracy:.2f}%")  # the last line, for scripts
    return 0


METRICS = ("config", "preset", "trained_on", "teacher", "history", "test_accuracy", "seconds", "data")
"""What --metrics-json writes of the model's header (a committee's adds "members_test_accuracy")."""


def _saved(console: Console, job: Job, metadata: dict[str, Any], what: str) -> None:
    """After job.out is written: remember it as the last model, say so, and write --metrics-json if asked."""
    remember_last_model(job.out)
    console.print(f"saved {what} to {job.out}")
    if job.metrics_json:
        write_json(
            job.metrics_json, {key: metadata[key] for key in (*METRICS, "members_test_accuracy") if key in metadata}
        )
        console.print(f"wrote the metrics to {job.metrics_json}")


def _train_committee(console: Console, job: Job, data: MNIST, resumed: bool) -> int:
    """Train --members networks at once (`scratchnet.cli.members`), save their committee; return the exit code."""
    config = job.config
    plan = Plan(config, job.preset, job.limit, job.data, job.out, job.metrics_json, job.storage, job.keep_checkpoint)
    if not resumed:
        write_plan(job.checkpoint, plan)
    console.print(f"preset  {job.preset}: " + "; ".join(config.describe()))
    console.print(
        f"members {config.members} networks trained at once, seeds {config.seed} to {config.seed + config.members - 1}, "
        f"each in its own process; the run's plan is {job.checkpoint}"
    )
    try:
        members = train_members(console, plan)
    except MembersInterrupted:
        console.print(
            f"interrupted; each member kept its checkpoint; continue with `scratchnet train --resume {job.checkpoint}`"
        )
        return 130
    nets, headers = [net for net, _ in members], [header for _, header in members]
    committee = Committee(nets)
    test_accuracy = committee.evaluate(data.test.images, data.test.labels) / len(data.test)
    for k, header in enumerate(headers):
        console.print(
            f"member {k + 1} (seed {header.get('seed')}): {100 * header['test_accuracy']:.2f}% on the test set"
        )
    seconds = max(float(header["seconds"]) for header in headers)  # each member's own, across its resumes
    first = History.from_dict(headers[0]["history"])  # as one network's; each member's is in "members"
    metadata = _metadata(config, data, first, seconds, test_accuracy, complete=True)
    metadata.update(
        preset=job.preset,
        trained_on=headers[0].get("trained_on"),
        teacher=job.teacher,
        members_test_accuracy=[header["test_accuracy"] for header in headers],
    )
    save_committee(job.out, nets, headers, metadata)
    _saved(console, job, metadata, "the committee")
    for k in range(config.members):
        plan.member_out(k).unlink(missing_ok=True)
    if not job.keep_checkpoint:
        job.checkpoint.unlink(missing_ok=True)
    console.print(f"trained in {seconds:.1f} s (the slowest member)")
    console.print(f"test accuracy: {100 * test_accuracy:.2f}%")  # the last line, for scripts
    return 0


def _save_interrupted(console: Console, job: Job, data: MNIST, seconds: float) -> int:
    """On Ctrl-C: save what training has reached (the best epoch so far, if any) and return 130."""
    net, history = job.net, job.history
    if net is None or not history.epochs:
        console.print("interrupted before the first epoch ended; nothing saved")
        return 130
    if job.config.keep == "best" and history.best_parameters is not None:
        net.set_parameters(*history.best_parameters)
    metadata = _metadata(job.config, data, history, seconds, None, complete=False)
    save_model(job.out, net, {**metadata, "teacher": job.teacher})
    remember_last_model(job.out)
    resume = f"; continue with `scratchnet train --resume {job.checkpoint}`" if job.checkpoint.is_file() else ""
    console.print(f"interrupted after {len(history.epochs)} epochs; saved a checkpoint to {job.out}{resume}")
    return 130
