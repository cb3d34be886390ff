"""`scratchnet train`: build the network, train it by mini-batch SGD on MNIST, report, and save it."""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from threadpoolctl import threadpool_limits

from scratchnet.data.augment import parse_augmentations
import scratchnet.cli.arguments as arguments
from scratchnet.cli.arguments import UsageError
from scratchnet.training.config import PRESETS, TrainConfig
from scratchnet.data.mnist import MNIST, Split, load_mnist
from scratchnet.errors import ScratchnetError
from scratchnet.io import remember_last_model, save_model, write_json
from scratchnet.core.network import INITS, Network
from scratchnet.training.optimizers import OPTIMIZERS
from scratchnet.training.schedules import SCHEDULES
from scratchnet.training.sgd import EpochRecord, History, train

DEFAULTS = TrainConfig()
DEFAULT_OUT = Path("model.npz")


def register(subparsers: Any) -> None:
    """Add the `train` subcommand."""
    parser = subparsers.add_parser(
        "train",
        help="train a network on MNIST (default: the tutorial's 784-16-16-10)",
        description="Train a network by mini-batch stochastic gradient descent and save it. "
        "The defaults are the tutorial's: 784-16-16-10 sigmoid neurons, quadratic cost, 30 epochs, m = 10, η = 3.0. "
        "--preset starts from another configuration (" + ", ".join(PRESETS) + "); every other flag overrides it.",
    )
    # Every setting defaults to None, meaning "the preset's value": the defaults shown are the tutorial's.
    parser.add_argument("--preset", choices=list(PRESETS), default="tutorial", help="a named configuration to start from (default: %(default)s)")
    parser.add_argument("--layers", type=arguments.layer_sizes, metavar="784,16,16,10", help="the layer sizes, input first (default: %(metavar)s)")
    parser.add_argument("--activation", choices=["sigmoid", "tanh", "relu"], help=f"σ, the hidden layers' activation (default: {DEFAULTS.activation})")
    parser.add_argument("--cost", choices=["quadratic", "cross-entropy", "log-likelihood"], help=f"C, the cost (default: {DEFAULTS.cost})")
    parser.add_argument("--epochs", type=arguments.positive_int, help=f"passes over the training set (default: {DEFAULTS.epochs})")
    parser.add_argument("--batch-size", type=arguments.positive_int, help=f"m, the mini-batch size (default: {DEFAULTS.batch_size})")
    parser.add_argument("--lr", type=arguments.positive_float, help=f"η, the learning rate (default: {DEFAULTS.lr})")
    parser.add_argument("--init", choices=INITS, help=f"initial weights: normal N(0,1), scaled N(0,1/n_in), or he N(0,2/n_in) for ReLU (default: {DEFAULTS.init})")
    parser.add_argument("--seed", type=int, help=f"seed for the initial weights and the shuffling (default: {DEFAULTS.seed})")
    parser.add_argument("--dtype", choices=["float32", "float64"], help=f"floating-point precision (default: {DEFAULTS.dtype})")
    parser.add_argument("--keep", choices=["best", "last"], help=f"keep the epoch with the best validation accuracy, or the last (default: {DEFAULTS.keep})")
    parser.add_argument("--lmbda", type=arguments.non_negative_float, metavar="λ", help=f"λ, the L2 strength: C = C₀ + λ/(2n) Σw² (default: {DEFAULTS.lmbda:g})")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, help=f"the update rule (default: {DEFAULTS.optimizer})")
    parser.add_argument("--momentum", type=_momentum, metavar="μ", help=f"μ, the momentum coefficient of momentum and nesterov (default: {DEFAULTS.momentum:g})")
    parser.add_argument("--schedule", choices=SCHEDULES, help=f"η's schedule: step halves η every --patience epochs, cosine eases it to 0, plateau halves it after --patience epochs without improvement and stops at η/128 (default: {DEFAULTS.schedule})")
    parser.add_argument("--patience", type=arguments.positive_int, metavar="K", help=f"k, the epochs the step and plateau schedules wait (default: {DEFAULTS.patience})")
    parser.add_argument("--dropout", type=_probability, metavar="P", help=f"p, the probability of dropping a hidden neuron during training (default: {DEFAULTS.dropout:g})")
    parser.add_argument("--augment", type=_augmentations, metavar="shift,rotate,scale,elastic", help="distort every mini-batch afresh with these (default: none)")
    parser.add_argument("--early-stop", type=arguments.positive_int, metavar="K", help="stop after K epochs without a better validation accuracy (default: off)")
    parser.add_argument("--threads", type=arguments.positive_int, default=1, help="BLAS threads for the matrix products (default: %(default)s: the tutorial's products are too small to gain from more, and on a busy machine a product shared between threads waits for the slowest)")
    parser.add_argument("--full-train", action=argparse.BooleanOptionalAction, default=None, help="choose the number of epochs on the validation split, then train afresh on all training images (default: off)")
    parser.add_argument("--time-budget", type=arguments.positive_float, metavar="SECONDS", help="stop training after this many seconds; a cosine schedule then runs on the clock (default: none)")
    parser.add_argument("--data", type=arguments.directory, metavar="DIR", help="a folder of MNIST-format IDX files (default: the MNIST shipped with scratchnet)")
    parser.add_argument("--limit", type=arguments.positive_int, metavar="N", help="train on only the first N training images (for quick runs)")
    parser.add_argument("--out", type=arguments.output_file, default=DEFAULT_OUT, metavar="PATH", help="where to save the model (default: %(default)s)")
    parser.add_argument("--metrics-json", type=arguments.output_file, metavar="PATH", help="also write the per-epoch metrics as JSON")
    parser.set_defaults(handler=run)


def _momentum(text: str) -> float:
    """Return text as μ ∈ [0, 1)."""
    value = arguments.non_negative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1); got {text!r}")
    return value


def _probability(text: str) -> float:
    """Return text as p ∈ [0, 1)."""
    value = arguments.non_negative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be a probability in [0, 1); got {text!r}")
    return value


def _augmentations(text: str) -> tuple[str, ...]:
    """Return 'shift,elastic' as a tuple of names ('none' for none)."""
    try:
        return parse_augmentations(text)
    except ScratchnetError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


SETTINGS = ("layers", "activation", "cost", "init", "epochs", "batch_size", "lr", "seed", "dtype", "keep", "lmbda",
            "optimizer", "momentum", "schedule", "patience", "dropout", "augment", "early_stop", "full_train", "time_budget")
"""The TrainConfig fields the command line sets, each a flag of the same name."""


def config_from(args: argparse.Namespace) -> TrainConfig:
    """Return the TrainConfig the parsed arguments describe: the preset's, with every flag given overriding it."""
    preset = PRESETS[getattr(args, "preset", "tutorial")].config
    given = {name: getattr(args, name) for name in SETTINGS if getattr(args, name, None) is not None}
    if "layers" in given:
        given["layers"] = tuple(given["layers"])
    return replace(preset, **given)


def check_layers_fit(layers: tuple[int, ...], data: MNIST) -> None:
    """Raise UsageError (exit code 2) unless the first layer fits the images and the last the labels."""
    pixels = data.image_shape[0] * data.image_shape[1]
    if layers[0] != pixels or layers[-1] < data.num_classes:
        raise UsageError(
            f"argument --layers: must start with {pixels} inputs (the {data.image_shape[0]}×{data.image_shape[1]} images) "
            f"and end with at least {data.num_classes} outputs (the classes); got {','.join(map(str, layers))}"
        )


def epoch_line(record: EpochRecord, epochs: int, validation_size: int) -> str:
    """Return the one line printed after an epoch: `epoch 3/30  cost 0.0410  validation 9,412/10,000 (94.12%)`."""
    line = f"epoch {record.epoch}/{epochs}  cost {record.training_cost:.4f}"
    if record.validation_accuracy is not None:
        correct = round(record.validation_accuracy * validation_size)
        line += f"  validation {correct:,}/{validation_size:,} ({100 * record.validation_accuracy:.2f}%)"
    return line + f"  {record.seconds:.2f} s"


def run(args: argparse.Namespace, console: Console) -> int:
    """Train with --threads BLAS threads (see `_run`); return the exit code."""
    with threadpool_limits(limits=args.threads, user_api="blas"):
        return _run(args, console)


def _run(args: argparse.Namespace, console: Console) -> int:
    """Train, print one line per epoch and the test accuracy, save the model; return the exit code."""
    config = config_from(args)
    if config.full_train and config.schedule == "plateau":
        raise UsageError("argument --full-train: the plateau schedule follows the validation accuracy, which training on all images has not; choose --schedule constant, step or cosine")
    data = load_mnist(args.data)
    check_layers_fit(config.layers, data)
    training = data.train if args.limit is None else Split(data.train.images[: args.limit], data.train.labels[: args.limit])
    net = Network(config.layers, config.activation, config.cost, config.init, seed=config.seed, dtype=config.dtype)
    console.print(f"preset  {args.preset}: " + "; ".join(config.describe()))
    console.print(f"network {'-'.join(map(str, net.sizes))}  {net.activation.name} neurons, {net.cost_function.name} cost, {net.num_params:,} weights and biases")
    console.print(f"data    {data.source}: {len(training):,} training, {len(data.validation):,} validation, {len(data.test):,} test images")
    console.print(f"train   {config.epochs} epochs of mini-batch SGD, m = {config.batch_size}, η = {config.lr:g}, {config.dtype}, seed {config.seed}")
    history = History()
    validation = (data.validation.images, data.validation.labels) if len(data.validation) else None
    started = time.perf_counter()
    trained_on: dict[str, Any] = {"images": len(training), "validation_images": len(data.validation), "full_train": False}
    try:
        _train_with_progress(console, net, config, training, validation, history, len(data.validation))
        if config.full_train:
            chosen = history.best_epoch or len(history.epochs)
            everything = Split(np.concatenate([training.images, data.validation.images]), np.concatenate([training.labels, data.validation.labels]))
            console.print(f"full    epoch {chosen} was the best on validation: training afresh on all {len(everything):,} images for {chosen} epochs")
            trained_on = {"images": len(everything), "validation_images": 0, "full_train": True, "epochs_chosen_on_validation": chosen,
                          "choice_history": history.to_dict()}
            config = replace(config, epochs=chosen, keep="last", early_stop=None)
            net = Network(config.layers, config.activation, config.cost, config.init, seed=config.seed, dtype=config.dtype)
            history = History()
            _train_with_progress(console, net, config, everything, None, history, 0)
    except KeyboardInterrupt:
        return _save_checkpoint(args, console, net, config, data, history, time.perf_counter() - started)
    seconds = time.perf_counter() - started
    if config.keep == "best" and history.best_epoch is not None and validation is not None:
        console.print(f"kept the weights of epoch {history.best_epoch}, the best on validation")
    test_accuracy = net.evaluate(data.test.images, data.test.labels) / len(data.test)
    metadata = _metadata(config, data, history, seconds, test_accuracy, complete=True)
    metadata.update(preset=args.preset, trained_on=trained_on)
    save_model(args.out, net, metadata)
    remember_last_model(args.out)
    console.print(f"saved the model to {args.out}")
    if args.metrics_json:
        write_json(args.metrics_json, {key: metadata[key] for key in ("config", "preset", "trained_on", "history", "test_accuracy", "seconds", "data")})
        console.print(f"wrote the metrics to {args.metrics_json}")
    console.print(f"trained in {seconds:.1f} s")
    console.print(f"test accuracy: {100 * test_accuracy:.2f}%")  # the last line, for scripts
    return 0


def _train_with_progress(
    console: Console, net: Network, config: TrainConfig, training: Split, validation: tuple[Any, Any] | None, history: History, validation_size: int
) -> None:
    """Train net on `training` with a progress bar and one printed line per epoch."""
    with Progress(
        TextColumn("epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, transient=True,
    ) as bar:
        task = bar.add_task("train", total=len(training), epoch=1)

        def on_progress(done: int) -> None:
            bar.update(task, completed=done)

        def on_epoch(record: EpochRecord) -> None:
            bar.console.print(epoch_line(record, config.epochs, validation_size))
            bar.update(task, completed=0, epoch=min(record.epoch + 1, config.epochs))

        train(
            net, training.images, training.labels, validation=validation, callback=on_epoch, progress=on_progress,
            history=history, **config.training_options(),
        )


def _metadata(config: TrainConfig, data: MNIST, history: History, seconds: float, test_accuracy: float | None, complete: bool) -> dict[str, Any]:
    """Return the header fields a trained model carries besides its architecture."""
    return {
        "config": config.to_dict(),
        "history": history.to_dict(),
        "test_accuracy": None if test_accuracy is None or math.isnan(test_accuracy) else test_accuracy,
        "seconds": seconds,
        "complete": complete,
        "data": {"source": data.source, "sha256": data.sha256, "image_shape": list(data.image_shape)},
    }


def _save_checkpoint(args: argparse.Namespace, console: Console, net: Network, config: TrainConfig, data: MNIST, history: History, seconds: float) -> int:
    """On Ctrl-C: save what training has reached (the best epoch so far, if any) and return 130."""
    if config.keep == "best" and history.best_parameters is not None:
        net.set_parameters(*history.best_parameters)
    if not history.epochs:
        console.print("interrupted before the first epoch ended; nothing saved")
        return 130
    save_model(args.out, net, _metadata(config, data, history, seconds, None, complete=False))
    remember_last_model(args.out)
    console.print(f"interrupted after {len(history.epochs)} epochs; saved a checkpoint to {args.out}")
    return 130
