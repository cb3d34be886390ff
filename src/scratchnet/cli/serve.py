"""`scratchnet serve`: the explorer web page, on a local uvicorn server."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path
from typing import Any

from rich.console import Console

from scratchnet.training.config import TrainConfig
from scratchnet.errors import ModelFileError
from scratchnet.io import last_model_path, load_model, state_directory


def port_number(text: str) -> int:
    """Return text as a TCP port, 0 (any free port) to 65535."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535; got {text!r}")
    return int(text)


def register(subparsers: Any) -> None:
    """Add the `serve` subcommand."""
    parser = subparsers.add_parser(
        "serve",
        help="open the explorer: draw a digit and watch the network think",
        description="Serve the explorer web page: draw a digit and watch every layer answer, train a network and "
        "watch it learn, play with the perceptron, browse the test digits it gets wrong. Everything is served "
        "locally; no network access is needed.",
    )
    parser.add_argument("model", metavar="MODEL", nargs="?",
                        help="a model file written by `scratchnet train` (default: the last one trained; with none, "
                        "the tutorial's network is trained in the background)")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: %(default)s, this machine only)")
    parser.add_argument("--port", type=port_number, default=8000, help="the port to listen on, 0 for any free one (default: %(default)s)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    """Load the model (or start training one), listen, print the URL, serve until Ctrl-C; return 0."""
    try:
        import uvicorn

        from scratchnet.web import Explorer, create_app
    except ImportError as err:
        from scratchnet.cli.arguments import UsageError

        raise UsageError(f"the explorer needs the web extra (pip install 'scratchnet[web]'); missing {err.name}") from err
    save_directory = state_directory()
    if args.model is not None:
        path: Path | None = Path(args.model)
    else:
        try:
            path = last_model_path()
        except ModelFileError:
            path = None
    if path is not None:
        net, header = load_model(path)
        note = "" if args.model is not None else " (the last trained model)"
        explorer = Explorer(net, f"{path}{note}", header.get("test_accuracy"), save_directory)
        console.print(f"model   {path}{note}: {'-'.join(map(str, net.sizes))}", soft_wrap=True)
    else:
        explorer = Explorer(None, save_directory=save_directory)
        tutorial = TrainConfig()
        explorer.start_training(tutorial, 50_000, live=True)
        console.print(f"model   none trained yet: training the tutorial's {'-'.join(map(str, tutorial.layers))} network in the background", soft_wrap=True)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((args.host, args.port))
    except OSError as err:  # port taken, address not ours, unknown host name
        listener.close()
        raise OSError(f"cannot listen on {args.host} port {args.port}: {err.strerror or err}") from err
    listener.listen(64)
    host, port = listener.getsockname()[:2]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    server = uvicorn.Server(
        uvicorn.Config(create_app(explorer), log_level="warning", access_log=False, timeout_graceful_shutdown=1, lifespan="off")
    )
    console.print(f"explorer on http://{shown}:{port}/  (Ctrl-C to stop)", soft_wrap=True)
    try:
        server.run(sockets=[listener])
    finally:
        listener.close()
    return 0
