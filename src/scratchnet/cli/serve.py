"""`scratchnet serve`: the explorer web page, on a local uvicorn server, or for a classroom.

On this machine (127.0.0.1, localhost, ::1) everything is open, as before. Served beyond it
(`--host 0.0.0.0`), a random token guards whatever changes the server (scratchnet.web.auth): the
teacher opens the printed URL with `?token=`, students open the plain one (or scan its QR code) and
draw, predict and browse without one.

One uvicorn process serves (httptools and uvloop when installed): the served model and the training
run live in its memory, which several server processes would not share. What keeps a class served is
elsewhere: drawings and photos read in worker processes, one per core (scratchnet.web.readers), the
other answers in a worker thread beside the event loop, admission bounds that refuse at once rather
than queue (scratchnet.web.admission), a listen backlog for a class connecting at once, and keep-alive
connections held longer than the clients hold theirs.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from scratchnet.errors import ModelFileError
from scratchnet.io import last_model_path, load_shown_network, state_directory
from scratchnet.training.config import TrainConfig
from scratchnet.training.threads import available_cores

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
"""Hosts served without a token: only this machine can reach them."""

BACKLOG = 2048
"""Connections the kernel queues before the server accepts them: a class connecting at once is not refused."""

KEEP_ALIVE_SECONDS = 65
"""How long an idle connection stays open: longer than clients keep theirs (5 s for httpx, more for
browsers), so a client never sends on a connection the server is just closing."""

MAX_CONNECTIONS = 1000
"""Connections and requests at once before uvicorn itself answers 503 (the admission bounds come first)."""

MAX_READ_PROCESSES = 4
"""Worker processes reading drawings at most (`--read-processes`), whatever the cores: each holds its own
interpreter and the shipped reader, about 80 MB (77 MB measured)."""


def port_number(text: str) -> int:
    """Return text as a TCP port, 0 (any free port) to 65535."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535; got {text!r}")
    return int(text)


def process_count(text: str) -> int:
    """Return --read-processes as an int from 0 to MAX_READ_PROCESSES, or raise ArgumentTypeError in one line."""
    if not text.isdigit() or int(text) > MAX_READ_PROCESSES:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {MAX_READ_PROCESSES}; got {text!r}")
    return int(text)


def default_read_processes() -> int:
    """Return the worker processes that read drawings: one per core this process may use, at most
    MAX_READ_PROCESSES; none (read in the server's own thread) on one core, where a process more only takes turns."""
    cores = available_cores()
    return min(cores, MAX_READ_PROCESSES) if cores > 1 else 0


def token_text(text: str) -> str:
    """Return text as a token: 8 to 200 URL-safe characters (letters, digits, - _ . ~)."""
    if not re.fullmatch(r"[A-Za-z0-9._~-]{8,200}", text):
        raise argparse.ArgumentTypeError(
            f"must be 8 to 200 letters, digits or - _ . ~; got {len(text)} characters {text[:12]!r}"
        )
    return text


def register(subparsers: Any) -> None:
    """Add the `serve` subcommand."""
    parser = subparsers.add_parser(
        "serve",
        help="open the explorer: draw a digit and watch the network think (--host 0.0.0.0 for a classroom)",
        description="Serve the explorer web page: draw a digit and watch every layer answer, train a network and "
        "watch it learn, play with the perceptron, browse the test digits it gets wrong. Everything is served "
        "locally; no network access is needed. With --host 0.0.0.0 a class can open it: a token, printed in the teacher's "
        "URL, guards training; students draw without one, from the printed URL or its QR code.",
    )
    parser.add_argument(
        "model",
        metavar="MODEL",
        nargs="?",
        help="a model file written by `scratchnet train` (default: the last one trained; with none, "
        "the tutorial's network is trained in the background)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default: %(default)s, this machine only)"
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=8000,
        help="the port to listen on, 0 for any free one (default: %(default)s)",
    )
    parser.add_argument(
        "--read-processes",
        type=process_count,
        default=None,
        metavar="N",
        help="worker processes that read the drawings and photos, so that every core reads; 0 reads in the server's "
        f"own process (default: one per core, at most {MAX_READ_PROCESSES}; 0 on one core)",
    )
    guard = parser.add_mutually_exclusive_group()
    guard.add_argument(
        "--token",
        type=token_text,
        help="the token that starting and stopping trainings needs (default: a random one when served beyond this machine)",
    )
    guard.add_argument(
        "--no-token",
        action="store_true",
        help="serve beyond this machine without a token: anyone who reaches the page can start trainings (not advised)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    """Load the model (or start training one), listen, print the URLs, serve until Ctrl-C; return 0."""
    try:
        import uvicorn
        from threadpoolctl import threadpool_limits

        from scratchnet.web import create_app
        from scratchnet.web.auth import new_token
        from scratchnet.web.readers import ANSWER_THREADS, ReadingPool
    except ImportError as err:
        from scratchnet.cli.arguments import UsageError

        raise UsageError(
            f"the explorer needs the web extra (pip install 'scratchnet[web]'); missing {err.name}"
        ) from err
    explorer = _explorer(args, console)
    token = args.token or (None if args.no_token or args.host in LOCAL_HOSTS else new_token())
    if args.no_token and args.host not in LOCAL_HOSTS:
        print(
            f"scratchnet: warning: serving {args.host} without a token: anyone who reaches the page can start and stop trainings",
            file=sys.stderr,
        )
    listener = _listen(args.host, args.port)
    threadpool_limits(ANSWER_THREADS, user_api="blas")
    processes = default_read_processes() if args.read_processes is None else args.read_processes
    readers = ReadingPool(processes) if processes else None
    config = uvicorn.Config(
        create_app(explorer, token=token, readers=readers),
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
        lifespan="off",
        backlog=BACKLOG,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        limit_concurrency=MAX_CONNECTIONS,
    )
    try:
        _serve(config, listener, lambda: _announce(console, listener, token, classroom=args.host not in LOCAL_HOSTS))
    finally:
        listener.close()
        if readers is not None:
            readers.close()
    return 0


def _serve(config: Any, listener: socket.socket, announce: Callable[[], None]) -> None:
    """Serve on the listener with uvicorn until Ctrl-C, calling announce once it has started.

    The URLs are printed only once uvicorn answers on them and holds Ctrl-C itself (its startup is done): a URL
    printed is one that works, and a Ctrl-C pressed at once stops the server cleanly. Printed before, a Ctrl-C could
    land while uvicorn was still importing its loop and protocols, where Python drops a KeyboardInterrupt raised
    inside the import machinery's callbacks ("Exception ignored in: _get_module_lock"), and the server served on.
    """
    import uvicorn

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if not self.should_exit:
                announce()

    AnnouncingServer(config).run(sockets=[listener])


def _explorer(args: argparse.Namespace, console: Console) -> Any:
    """Return the Explorer serving MODEL (or the last trained model, or a tutorial network training live)."""
    from scratchnet.web import Explorer

    save_directory = state_directory()
    if args.model is not None:
        path: Path | None = Path(args.model)
    else:
        try:
            path = last_model_path()
        except ModelFileError:
            path = None
    if path is None:
        explorer = Explorer(None, save_directory=save_directory)
        tutorial = TrainConfig()
        explorer.start_training(tutorial, 50_000, live=True)
        console.print(
            f"model   none trained yet: training the tutorial's {'-'.join(map(str, tutorial.layers))} network in the background",
            soft_wrap=True,
        )
        return explorer
    net, header, members = load_shown_network(path)
    note = "" if args.model is not None else " (the last trained model)"
    note += f" (member 1 of a committee of {members}: the explorer shows one network)" if members else ""
    console.print(f"model   {path}{note}: {'-'.join(map(str, net.sizes))}", soft_wrap=True)
    return Explorer(net, f"{path}{note}", header.get("test_accuracy"), save_directory)


def _listen(host: str, port: int) -> socket.socket:
    """Return a socket listening on host:port, or raise OSError in one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as err:  # port taken, address not ours, unknown host name
        listener.close()
        raise OSError(f"cannot listen on {host} port {port}: {err.strerror or err}") from err
    listener.listen(BACKLOG)
    return listener


def _url(host: str, port: int) -> str:
    """Return http://host:port/ (an IPv6 address in brackets)."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def reachable_address(host: str) -> str:
    """Return the address other machines reach a server on `host` at: host itself, or for a wildcard
    (0.0.0.0, ::) this machine's address on its network (the interface its default route leaves by)."""
    try:
        wildcard = ipaddress.ip_address(host).is_unspecified
    except ValueError:  # a host name
        return host
    if not wildcard:
        return host
    family, probe = (
        (socket.AF_INET6, "2001:db8::1") if ":" in host else (socket.AF_INET, "192.0.2.1")
    )  # documentation addresses
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as udp:
            udp.connect((probe, 9))  # a UDP connect sends nothing: it only picks the outgoing interface
            address: str = udp.getsockname()[0]
            return address
    except OSError:  # no network route: only this machine can reach the server
        return "::1" if family == socket.AF_INET6 else "127.0.0.1"


def _announce(console: Console, listener: socket.socket, token: str | None, classroom: bool) -> None:
    """Print where the explorer listens; with a token the teacher's URL; in classroom mode the students'
    URL and its QR code."""
    host, port = listener.getsockname()[:2]
    console.print(f"explorer on {_url(host, port)}  (Ctrl-C to stop)", soft_wrap=True)
    students = _url(reachable_address(host), port)
    if token is not None:
        console.print(
            f"teacher  {students}?token={token}  (lets this browser start and stop trainings; keep it off the projector)",
            soft_wrap=True,
            highlight=False,
        )
    if classroom:
        console.print(
            f"students {students}  (drawing, predicting and browsing need no token; or scan:)",
            soft_wrap=True,
            highlight=False,
        )
        print_qr_code(students, console)


def print_qr_code(text: str, console: Console) -> None:
    """Print text as a QR code in Unicode half blocks (segno), for phones to scan off the screen."""
    import io

    import segno

    picture = io.StringIO()
    segno.make(text, error="m", micro=False).terminal(out=picture, compact=True, border=2)
    try:
        picture.getvalue().encode(console.encoding or "utf-8")
    except UnicodeEncodeError:  # a terminal without block characters: the URL above must do
        return
    console.file.write(picture.getvalue())
    console.file.flush()
