"""`scratchnet train`: build the network, train it by mini-batch SGD on MNIST, report, and save it."""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from scratchnet.cli import UsageError, arguments
from scratchnet.config import TrainConfig
from scratchnet.data.mnist import MNIST, load_mnist
from scratchnet.io import remember_last_model, save_model, write_json
from scratchnet.network import INITS, Network
from scratchnet.sgd import EpochRecord, History, train

DEFAULTS = TrainConfig()
DEFAULT_OUT = Path("model.npz")


def register(subparsers: Any) -> None:
    """Add the `train` subcommand."""
    parser = subparsers.add_parser(
        "train",
        help="train a network on MNIST (default: the tutorial's 784-16-16-10)",
        description="Train a network by mini-batch stochastic gradient descent and save it. "
        "The defaults are the tutorial's: 784-16-16-10 sigmoid neurons, quadratic cost, 30 epochs, m = 10, η = 3.0.",
    )
    parser.add_argument("--layers", type=arguments.layer_sizes, default=DEFAULTS.layers, metavar="784,16,16,10", help="the layer sizes, input first (default: %(metavar)s)")
    parser.add_argument("--activation", choices=["sigmoid", "tanh", "relu"], default=DEFAULTS.activation, help="σ, the hidden layers' activation (default: %(default)s)")
    parser.add_argument("--cost", choices=["quadratic", "cross-entropy", "log-likelihood"], default=DEFAULTS.cost, help="C, the cost (default: %(default)s)")
    parser.add_argument("--epochs", type=arguments.positive_int, default=DEFAULTS.epochs, help="passes over the training set (default: %(default)s)")
    parser.add_argument("--batch-size", type=arguments.positive_int, default=DEFAULTS.batch_size, help="m, the mini-batch size (default: %(default)s)")
    parser.add_argument("--lr", type=arguments.positive_float, default=DEFAULTS.lr, help="η, the learning rate (default: %(default)s)")
    parser.add_argument("--init", choices=INITS, default=DEFAULTS.init, help="initial weights: normal N(0,1), or scaled N(0,1/n_in) (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULTS.seed, help="seed for the initial weights and the shuffling (default: %(default)s)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default=DEFAULTS.dtype, help="floating-point precision (default: %(default)s)")
    parser.add_argument("--keep", choices=["best", "last"], default=DEFAULTS.keep, help="keep the epoch with the best validation accuracy, or the last (default: %(default)s)")
    parser.add_argument("--data", type=arguments.directory, metavar="DIR", help="a folder of MNIST-format IDX files (default: the MNIST shipped with scratchnet)")
    parser.add_argument("--out", type=arguments.output_file, default=DEFAULT_OUT, metavar="PATH", help="where to save the model (default: %(default)s)")
    parser.add_argument("--metrics-json", type=arguments.output_file, metavar="PATH", help="also write the per-epoch metrics as JSON")
    parser.set_defaults(handler=run)


def config_from(args: argparse.Namespace) -> TrainConfig:
    """Return the TrainConfig the parsed arguments describe."""
    return TrainConfig(
        layers=tuple(args.layers), activation=args.activation, cost=args.cost, init=args.init, epochs=args.epochs,
        batch_size=args.batch_size, lr=args.lr, seed=args.seed, dtype=args.dtype, keep=args.keep,
    )


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
    """Train, print one line per epoch and the test accuracy, save the model; return the exit code."""
    config = config_from(args)
    data = load_mnist(args.data)
    check_layers_fit(config.layers, data)
    net = Network(config.layers, config.activation, config.cost, config.init, seed=config.seed, dtype=config.dtype)
    console.print(f"network {'-'.join(map(str, net.sizes))}  {net.activation.name} neurons, {net.cost_function.name} cost, {net.num_params:,} weights and biases")
    console.print(f"data    {data.source}: {len(data.train):,} training, {len(data.validation):,} validation, {len(data.test):,} test images")
    console.print(f"train   {config.epochs} epochs of mini-batch SGD, m = {config.batch_size}, η = {config.lr:g}, {config.dtype}, seed {config.seed}")
    history = History()
    validation = (data.validation.images, data.validation.labels) if len(data.validation) else None
    started = time.perf_counter()
    with Progress(
        TextColumn("epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, transient=True,
    ) as bar:
        task = bar.add_task("train", total=len(data.train), epoch=1)

        def on_progress(done: int) -> None:
            bar.update(task, completed=done)

        def on_epoch(record: EpochRecord) -> None:
            bar.console.print(epoch_line(record, config.epochs, len(data.validation)))
            bar.update(task, completed=0, epoch=min(record.epoch + 1, config.epochs))

        try:
            train(
                net, data.train.images, data.train.labels, epochs=config.epochs, batch_size=config.batch_size, lr=config.lr,
                validation=validation, callback=on_epoch, keep=config.keep, progress=on_progress, history=history,
            )
        except KeyboardInterrupt:
            return _save_checkpoint(args, console, net, config, data, history, time.perf_counter() - started)
    seconds = time.perf_counter() - started
    if config.keep == "best" and history.best_epoch is not None:
        console.print(f"kept the weights of epoch {history.best_epoch}, the best on validation")
    test_accuracy = net.evaluate(data.test.images, data.test.labels) / len(data.test)
    metadata = _metadata(config, data, history, seconds, test_accuracy, complete=True)
    save_model(args.out, net, metadata)
    remember_last_model(args.out)
    console.print(f"saved the model to {args.out}")
    if args.metrics_json:
        write_json(args.metrics_json, {key: metadata[key] for key in ("config", "history", "test_accuracy", "seconds", "data")})
        console.print(f"wrote the metrics to {args.metrics_json}")
    console.print(f"trained in {seconds:.1f} s")
    console.print(f"test accuracy: {100 * test_accuracy:.2f}%")  # the last line, for scripts
    return 0


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
