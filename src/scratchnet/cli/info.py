"""`scratchnet info`: what a model file holds."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console
from rich.table import Table

from scratchnet.core.committee import Committee
from scratchnet.core.convnet import ConvNetwork, layers_text
from scratchnet.core.network import Network
from scratchnet.io import load_model


def register(subparsers: Any) -> None:
    """Add the `info` subcommand."""
    parser = subparsers.add_parser(
        "info",
        help="show what a model file holds",
        description="Show a model file's architecture, settings and metrics.",
    )
    parser.add_argument("model", metavar="MODEL", help="a model file written by `scratchnet train`")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    """Print the model's header as a table (a committee's: each member in a line); return 0."""
    model, header = load_model(args.model, committee=True)
    table = Table(title=str(args.model), show_header=False)
    table.add_column("field")
    table.add_column("value")
    if isinstance(model, Committee):
        _committee_rows(table, model, header)
    else:
        _network_rows(table, model, header)
    _training_rows(table, header)
    console.print(table)
    return 0


def _committee_rows(table: Table, committee: Committee[Network], header: dict[str, Any]) -> None:
    """Add a committee's rows: how it answers, and each member's layers, size, seed and test accuracy."""
    table.add_row("committee", f"{len(committee.members)} networks, answering by the mean of their probabilities")
    for k, (member, own) in enumerate(zip(committee.members, header["members"])):
        accuracy = own.get("test_accuracy")
        table.add_row(
            f"  member {k + 1}",
            f"{layers_text(member)}, seed {own.get('seed')}"
            + (f", {100 * accuracy:.2f}% on the test set" if isinstance(accuracy, float) else ""),
        )
    table.add_row("weights and biases", f"{sum(member.num_params for member in committee.members):,} in all")


def _network_rows(table: Table, net: Network, header: dict[str, Any]) -> None:
    """Add one network's rows: its layers (each convolutional layer's shape), size, neurons, cost, dtype."""
    table.add_row("layers", layers_text(net))
    if isinstance(net, ConvNetwork):
        for word, shape, count in net.describe():
            table.add_row(f"  {word}", f"output {'×'.join(map(str, shape))}, {count:,} parameters")
    table.add_row("weights and biases", f"{net.num_params:,}")
    table.add_row("activation / cost", f"{net.activation.name} / {net.cost_function.name}")
    table.add_row("dtype / init", f"{header['dtype']} / {header.get('init')}")


def _training_rows(table: Table, header: dict[str, Any]) -> None:
    """Add how the model was trained: settings, preset, images, epochs, accuracies, data, version."""
    config = header.get("config") or {}
    if config:
        table.add_row(
            "training",
            ", ".join(f"{k}={v}" for k, v in config.items() if k not in ("layers", "extra") and v not in ({}, None)),
        )
    if header.get("preset"):
        table.add_row("preset", str(header["preset"]))
    trained_on = header.get("trained_on") or {}
    if trained_on:
        how = f"{trained_on.get('images', 0):,} images"
        if trained_on.get("full_train"):
            chosen = trained_on.get("epochs_chosen_on_validation")
            how += (
                " (--full-train: the validation split joined training from the start)"
                if chosen is None
                else f" (--full-train: {chosen} epochs chosen on the validation split first)"
            )
        table.add_row("trained on", how)
    history = header.get("history") or {}
    epochs = history.get("epochs") or []
    if epochs:
        last = epochs[-1]
        if last.get("validation_accuracy") is None:  # the best epoch was judged on the training sample
            table.add_row("epochs trained", f"{len(epochs)} (none measured on validation)")
        else:
            table.add_row("epochs trained", f"{len(epochs)} (best on validation: {history.get('best_epoch')})")
            table.add_row("last validation accuracy", f"{100 * last['validation_accuracy']:.2f}%")
    if header.get("test_accuracy") is not None:
        table.add_row("test accuracy", f"{100 * header['test_accuracy']:.2f}%")
    if header.get("complete") is False:
        table.add_row("note", "checkpoint of an interrupted run")
    data = header.get("data") or {}
    if data:
        table.add_row("data", f"{data.get('source')} (sha256 {str(data.get('sha256'))[:16]}…)")
    table.add_row("scratchnet version", str(header.get("scratchnet_version")))
