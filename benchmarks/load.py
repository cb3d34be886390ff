"""Load the explorer as a classroom does, and write the table of docs/benchmarks.md's "Load" section.

    python -m benchmarks.load [--clients 1,10,50] [--requests 5000] [--max-seconds 120] [--model M] [--read-by reader]
                              [--screen phone|desktop] [--pace 70] [--in-progress] [--quick]

Starts `scratchnet serve` on 127.0.0.1 with the shipped reader's convolutional member as its model (issue 21:
"with the convolutional reader served"; --model: another model file),
then for each number of clients runs that many simulated students at once, each drawing without pause
at the page's pace: a loop that sends, waits for the answer, and sends again no sooner than --pace ms
after its last send (the page's THROTTLE_MS: one request in flight, at most one per 70 ms while the
finger moves), on its own keep-alive connection from its own loopback address (127.0.0.2, 127.0.0.3,
...: to the server, separate clients, as phones on a school network are). Eight requests in ten are
readings of a 112×112 drawing (an MNIST test digit blown up four times) as the page sends them,
POST /api/read in its compact form (base64 grey levels) read by the served model (--read-by reader: by the
whole shipped reader, the page's reader switch on, the served model still tracing it); on a phone's page,
whose feature maps lie below the canvas, out of view while the finger draws, the readings ask for no maps
("maps": false, draw.js; --screen desktop: a page with its maps in view asks for them); the rest fetch the
model, the training status and the page. With --in-progress, each digit is also sent as the page sends it
while the finger is still drawing it (its ink's top 40% and 70%, then all of it, the three alike), the parts as
the page sends them while the finger moves ("live": read without the search for touching digits, which on a
digit's unfinished top costs far more than reading a whole digit) and the whole as it sends it when the finger
lifts (docs/benchmarks.md). Each level
stops after --requests requests or --max-seconds seconds, whichever comes first.

Reported per level: requests per second, p50 and p99 latency, dropped connections (any transport
error), answers by status (5xx, 503, 429), and the server's CPU time per request (from /proc). It
needs the web and test extras (httpx) and talks to loopback only. --quick checks the script itself
in seconds (2 levels, 30 requests) and writes to a temporary folder, never to docs/.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scratchnet.reading import READER_CONV

DOCS = Path(__file__).resolve().parent.parent / "docs"
SECTION_START = "<!-- load: written by python -m benchmarks.load -->"
SECTION_END = "<!-- load: end -->"
TARGETS = {"clients": 50, "p99_ms": 250.0, "server_cpu_ms_per_request": 5.0}
"""Issue 21's targets at 50 clients (zero dropped connections and zero 5xx besides)."""
THROTTLE_S = 0.07
"""The page's THROTTLE_MS (web/static/draw.js): a drawing is sent at most once per 70 ms."""
IN_PROGRESS = (0.4, 0.7, 1.0)
"""With --in-progress, the states of a digit sent while the finger draws: its ink's top 40%, 70%, then all of it."""
IN_PROGRESS_STATES = ", ".join(f"{shown:.0%}" for shown in IN_PROGRESS[:-1])
IN_PROGRESS_NOTE = (
    f", while it is drawn (--in-progress: each digit as its ink's top {IN_PROGRESS_STATES} and all of it, sent alike;"
    ' a finger draws most digits from the top; the parts sent "live", as the page sends them while the finger moves,'
    " read without the search for touching digits, the whole as the page sends it when the finger lifts)"
)


@dataclass
class Level:
    """What one level of load measured: per request its latency and outcome."""

    clients: int
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    server_cpu_seconds: float | None = None

    def summary(self) -> dict[str, Any]:
        """Return the level's numbers: rate, latency percentiles (ms), errors by kind."""
        done = len(self.latencies)
        milliseconds = np.asarray(self.latencies) * 1000 if done else np.zeros(1)
        return {
            "clients": self.clients,
            "requests": done + sum(self.dropped.values()),
            "requests_per_second": round(done / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(float(np.percentile(milliseconds, 50)), 1),
            "p99_ms": round(float(np.percentile(milliseconds, 99)), 1),
            "dropped": dict(self.dropped),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "server_errors": sum(v for k, v in self.statuses.items() if k >= 500),
            "server_cpu_ms_per_request": None
            if self.server_cpu_seconds is None or not done
            else round(1000 * self.server_cpu_seconds / done, 2),
        }


def drawings(count: int, model: str = "served", maps: bool = True, shown: tuple[float, ...] = (1.0,)) -> list[bytes]:
    """Return /api/read bodies: MNIST test digits blown up to 112×112, as base64 grey bytes (the page's form),
    read by `model`: "served", or "reader" (the shipped reader, as the page's reader switch asks), with a
    convolutional network's feature maps or without (as a page asks while its maps are out of view). Each digit is
    sent once for each fraction in `shown`: its ink's top rows down to that fraction of its height (`in_progress`)."""
    from scratchnet import load_mnist

    images = [(in_progress(image.reshape(28, 28), f), f) for image in load_mnist().test.images[:count] for f in shown]
    bodies = []
    for image, drawn in images:
        levels = np.kron(image, np.ones((4, 4), dtype=np.uint8)).astype(np.uint8)
        bodies.append(
            json.dumps(
                {
                    "width": 112,
                    "height": 112,
                    "grey": base64.b64encode(levels.tobytes()).decode(),
                    "model": model,
                    "maps": maps,
                    "live": drawn < 1,
                }
            ).encode()
        )
    return bodies


def in_progress(image: np.ndarray, shown: float) -> np.ndarray:
    """Return a 28×28 digit as drawn so far, top down: its ink's rows from the top to `shown` of its height, the rows
    below blank. (A finger draws most digits from the top; the page sends the drawing every 70 ms while it moves.)"""
    rows = np.flatnonzero(image.max(axis=1) > 0)
    if not len(rows) or shown >= 1:
        return image
    drawn = image.copy()
    drawn[rows[0] + int(shown * (rows[-1] - rows[0] + 1)) :] = 0
    return drawn


def start_server(model: Path, folder: Path) -> tuple[subprocess.Popen[str], str]:
    """Start `scratchnet serve MODEL` on 127.0.0.1 at a free port; return the process and its URL."""
    environment = {**os.environ, "SCRATCHNET_HOME": str(folder / "home"), "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-m", "scratchnet", "serve", str(model), "--host", "127.0.0.1", "--port", "0"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"http://[\d.]+:\d+", line)
        if found:
            return process, found.group(0)
    raise RuntimeError(f"the server printed no URL: {process.communicate()[1]}")


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds process pid and its living descendants (the server's reading
    processes) have used so far; a child that ends while being read counts for nothing."""
    import psutil

    process = psutil.Process(pid)
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = each.cpu_times()
            total += times.user + times.system
    return total


def children(pid: int) -> list[int]:
    """Return the ids of pid's living children ([] once it has ended). psutil finds them by their parent's id, in
    every process's stat: /proc/PID/task/*/children is exact only for stopped children (proc(5)), and it once missed
    a reading worker that was there."""
    import psutil

    try:
        return [child.pid for child in psutil.Process(pid).children()]
    except psutil.NoSuchProcess:
        return []


def next_request(rng: random.Random, bodies: list[bytes]) -> tuple[str, str, bytes | None]:
    """Return (method, path, body) of a student's next request: 8 in 10 readings of a drawing."""
    roll = rng.random()
    if roll < 0.8:
        return "POST", "/api/read", rng.choice(bodies)
    if roll < 0.9:
        return "GET", "/api/model", None
    return ("GET", "/api/train", None) if roll < 0.95 else ("GET", "/", None)


WARM_REQUESTS = 3
"""Requests each client sends, unmeasured, before the level's clock starts."""


async def student(
    url: str,
    address: str,
    level: Level,
    budget: list[int],
    deadline: list[float],
    bodies: list[bytes],
    seed: int,
    start: asyncio.Event,
    ready: list[int],
    pace: float = THROTTLE_S,
) -> None:
    """One client: a keep-alive connection from `address`, warmed by WARM_REQUESTS unmeasured requests,
    then (once `start` is set) a loop of measured requests, each sent once the last is answered and no
    sooner than `pace` seconds after it was sent (the page's throttle), until the level's request budget
    or its deadline is spent.

    Every client is made and connected before the clock starts: making 50 httpx clients takes the
    generator's one event loop about two seconds (each builds its TLS context), which would otherwise
    be counted as the first requests' latency, a cost of the generator, not of the server.
    """
    import httpx  # here, so that benchmarks.run can import this module without the test extra

    rng = random.Random(seed)
    transport = httpx.AsyncHTTPTransport(local_address=address, retries=0)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(
        base_url=url, transport=transport, limits=limits, timeout=30.0, trust_env=False
    ) as client:
        for _ in range(WARM_REQUESTS):
            await _send(client, *next_request(rng, bodies))
        ready[0] += 1
        await start.wait()
        while budget[0] > 0 and time.perf_counter() < deadline[0]:
            budget[0] -= 1
            method, path, body = next_request(rng, bodies)
            started = time.perf_counter()
            try:
                status = await _send(client, method, path, body)
            except httpx.TransportError as err:  # ReadError, RemoteProtocolError, ConnectError, timeouts: dropped
                level.dropped[type(err).__name__] = level.dropped.get(type(err).__name__, 0) + 1
                continue
            level.latencies.append(time.perf_counter() - started)
            level.statuses[status] = level.statuses.get(status, 0) + 1
            await asyncio.sleep(max(0.0, started + pace - time.perf_counter()))


async def _send(client: Any, method: str, path: str, body: bytes | None) -> int:
    """Send one request on client, read its whole answer and return its status."""
    headers = {"Content-Type": "application/json"} if body else None
    response = await client.request(method, path, content=body, headers=headers)
    await response.aread()
    return int(response.status_code)


async def run_level(
    url: str,
    clients: int,
    requests: int,
    max_seconds: float,
    bodies: list[bytes],
    pid: int | None,
    pace: float = THROTTLE_S,
) -> Level:
    """Run `clients` students at once, each at `pace`, until `requests` requests or `max_seconds`; return what
    they measured.

    The clock (and the server's CPU count) starts once every client is connected and warm.
    """
    level = Level(clients)
    budget, deadline, ready, start = [requests], [float("inf")], [0], asyncio.Event()
    tasks = [
        asyncio.create_task(
            student(url, f"127.0.0.{2 + i}", level, budget, deadline, bodies, 1000 + i, start, ready, pace)
        )
        for i in range(clients)
    ]
    while ready[0] < clients:
        if any(task.done() for task in tasks):  # a client failed while warming: report it, not wait forever
            await asyncio.gather(*tasks)
        await asyncio.sleep(0.01)
    before = cpu_seconds(pid) if pid else None
    started = time.perf_counter()
    deadline[0] = started + max_seconds
    start.set()
    await asyncio.gather(*tasks)
    level.seconds = time.perf_counter() - started
    if pid and before is not None:
        level.server_cpu_seconds = cpu_seconds(pid) - before
    return level


def machine() -> dict[str, Any]:
    """Return what the numbers depend on: CPU, cores, load, versions of the serving stack."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    versions = {}
    for module in ("scratchnet", "numpy", "starlette", "uvicorn", "httptools", "uvloop", "httpx"):
        try:
            versions[module] = __import__(module).__version__
        except (ImportError, AttributeError):
            versions[module] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        **versions,
    }


def server_settings() -> str:
    """Return the serving settings that matter under load, as `scratchnet serve` sets them, in a sentence."""
    from scratchnet.cli import serve
    from scratchnet.web import admission, app

    processes = serve.default_read_processes()
    readers = (
        f"drawings read in {processes} worker processes (one per core; `--read-processes`), the other answers in "
        if processes
        else "answers computed in "
    )
    return (
        f"The server: `scratchnet serve`, one uvicorn process (the model and the training live in its memory), listen backlog "
        f"{serve.BACKLOG}, keep-alive {serve.KEEP_ALIVE_SECONDS} s, {readers}{app.COMPUTE_THREADS} worker thread{'' if app.COMPUTE_THREADS == 1 else 's'}, "
        f"at most {admission.MAX_IN_FLIGHT} API requests in flight (then 503) and {admission.MAX_PER_CLIENT} per client (then 429); "
        "the server's CPU counts its reading processes'."
    )


READ_BY = {
    "served": "read by the served model",
    "reader": "read by the shipped reader, a committee of two networks in five views each, as the page's reader switch asks",
}
"""What reads the drawings, by `--read-by`, as the report says it."""

SCREENS = {
    "phone": "on a phone's page, whose maps lie below the canvas, out of view while the finger draws: no maps asked for",
    "desktop": "on a page whose maps are in view beside the canvas: the maps asked for with every reading",
}
"""The screen the page is drawn on, by `--screen`: whether its readings ask for the feature maps (draw.js)."""


def markdown(results: dict[str, Any]) -> str:
    """Return the Load section of docs/benchmarks.md: the table, the machine and the targets."""
    info = results["machine"]
    lines = [
        SECTION_START,
        "## Load: the explorer with a class drawing at once",
        "",
        f"Written by `python -m benchmarks.load` on {results['when']} (raw numbers: `docs/load.json`). {info['cpu']}, {info['cores']} cores "
        f"(load average {info['load_average'][0]:.1f} at the start), the load generator on the same machine; Python {info['python']}, "
        f"Starlette {info['starlette']}, uvicorn {info['uvicorn']} (httptools {info['httptools']}, uvloop {info['uvloop']}), httpx {info['httpx']}. "
        f"The served model: {results['settings']['model']}. Each client draws without pause at the page's pace: it sends once its last request is answered and no sooner than "
        f"{1000 * results['settings']['pace_s']:g} ms after its last send, on its own keep-alive connection and loopback address, connected and warmed by three requests before the clock starts; "
        f"8 requests in 10 are readings of a 112×112 drawing as the page sends them{IN_PROGRESS_NOTE if results['settings'].get('in_progress') else ''} (POST /api/read, base64 grey levels, "
        f"{READ_BY[results['settings']['read_by']]}; {SCREENS[results['settings']['screen']]}), "
        "the rest fetch the model, the training status and the page. "
        f"Up to {results['settings']['requests']:,} requests per level, at most {results['settings']['max_seconds']:g} s. {server_settings()}",
        "",
        "| clients | requests | req/s | p50 ms | p99 ms | dropped | 5xx | 503 / 429 | server CPU ms/request |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["levels"]:
        statuses = row["statuses"]
        lines.append(
            f"| {row['clients']} | {row['requests']:,} | {row['requests_per_second']:.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | "
            f"{sum(row['dropped'].values())} | {row['server_errors']} | {statuses.get('503', 0)} / {statuses.get('429', 0)} | {row['server_cpu_ms_per_request']} |"
        )
    lines += ["", demand(results)]
    lines += (
        ["", "**Targets** (issue 21, at 50 clients):", ""]
        + [f"- {line}" for line in results["verdicts"]]
        + ["", SECTION_END, ""]
    )
    return "\n".join(lines)


def demand(results: dict[str, Any]) -> str:
    """Return a sentence comparing what the busiest level asked for with what the server's CPU time allows.

    n clients each sending at most once per pace seconds ask for up to n / pace requests per second; a server
    spending c seconds of CPU per request answers at most about k / c per second on k cores (k = 1 when it
    reads in its own thread), less what the load generator takes of them.
    """
    row, pace = results["levels"][-1], results["settings"]["pace_s"]
    cpu = row["server_cpu_ms_per_request"]
    asked = (
        f"{row['clients']} clients at this pace ask for up to {row['clients'] / pace:.0f} requests/s" if pace else ""
    )
    if not asked or not cpu:
        return asked
    cores = results["machine"]["cores"] if results["settings"].get("read_processes") else 1
    where = f"the {cores} cores answer" if cores > 1 else "one process answers"
    return (
        f"{asked}; at {cpu} ms of server CPU per request {where} at most about {cores * 1000 / cpu:.0f} a second "
        f"({row['requests_per_second']:.0f} measured, the load generator sharing the cores), so each client waits its turn behind the others."
    )


def verdicts(levels: list[dict[str, Any]]) -> list[str]:
    """Return one line per target: met or missed, with the measured value."""
    row = next((r for r in levels if r["clients"] == TARGETS["clients"]), None)
    if row is None:
        return [f"not measured: no level with {TARGETS['clients']} clients"]
    cpu = row["server_cpu_ms_per_request"]
    checks = [
        (row["p99_ms"] < TARGETS["p99_ms"], f"p99 < {TARGETS['p99_ms']:.0f} ms: measured {row['p99_ms']:.1f}"),
        (
            cpu is not None and cpu <= TARGETS["server_cpu_ms_per_request"],
            f"server CPU ≤ {TARGETS['server_cpu_ms_per_request']:g} ms per answer: measured {cpu}",
        ),
        (not row["dropped"], f"no dropped connection: measured {sum(row['dropped'].values())}"),
        (row["server_errors"] == 0, f"no 5xx: measured {row['server_errors']}"),
    ]
    return [f"{'met' if ok else 'MISSED'}: {text}" for ok, text in checks]


def write_section(path: Path, section: str, start: str = SECTION_START, end: str = SECTION_END) -> None:
    """Put section into the markdown file at path in place of its old section between start and end (or at its end);
    the Load section by default."""
    text = path.read_text() if path.is_file() else "# Benchmarks\n"
    if start in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def kept_section(path: Path, start: str = SECTION_START, end: str = SECTION_END) -> str:
    """Return the section between start and end of the markdown file at path ("" if none), the Load section by
    default, for benchmarks.run to keep."""
    text = path.read_text() if path.is_file() else ""
    if start not in text:
        return ""
    return "\n" + start + text.split(start, 1)[1].split(end, 1)[0] + end + "\n"


def _parser() -> argparse.ArgumentParser:
    """Return the command line's parser."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clients", default="1,10,50", help="numbers of clients at once, one level each (default: %(default)s)"
    )
    parser.add_argument("--requests", type=int, default=5000, help="requests per level at most (default: %(default)s)")
    parser.add_argument(
        "--max-seconds", type=float, default=120.0, help="seconds per level at most (default: %(default)s)"
    )
    parser.add_argument("--model", help="the model file to serve (default: the shipped reader's convolutional member)")
    parser.add_argument(
        "--read-by",
        choices=tuple(READ_BY),
        default="served",
        help="which model reads the drawings: the served one, or the whole shipped reader (default: %(default)s)",
    )
    parser.add_argument(
        "--screen",
        choices=tuple(SCREENS),
        default="phone",
        help="the page's screen: a phone's, maps out of view and not asked for, or a desktop's, maps in view "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--pace",
        type=float,
        default=1000 * THROTTLE_S,
        help="ms from one send of a client to its next, at least (default: %(default)g, the page's throttle)",
    )
    parser.add_argument(
        "--in-progress",
        action="store_true",
        help="send each digit as the page does while it is drawn: "
        f'its top {IN_PROGRESS_STATES.replace("%", "%%")} "live" (while the finger moves) and all of it (when it '
        "lifts), alike",
    )
    parser.add_argument("--out", type=Path, default=DOCS, help="folder of benchmarks.md and load.json (default: docs/)")
    parser.add_argument(
        "--quick", action="store_true", help="check the script: clients 1,2, 30 requests, a temporary --out"
    )
    return parser


def _levels(args: argparse.Namespace, counts: list[int]) -> list[Any]:
    """Serve the model in a process of its own and return each level's run, `counts[i]` clients at once."""
    with tempfile.TemporaryDirectory() as folder:
        process, url = start_server(Path(args.model) if args.model else READER_CONV, Path(folder))
        try:
            shown = IN_PROGRESS if args.in_progress else (1.0,)
            bodies = drawings(200, args.read_by, maps=args.screen == "desktop", shown=shown)
            return [
                asyncio.run(run_level(url, n, args.requests, args.max_seconds, bodies, process.pid, args.pace / 1000))
                for n in counts
            ]
        finally:
            process.terminate()
            process.communicate(timeout=15)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.quick:
        args.clients, args.requests, args.max_seconds, args.out = (
            "1,2",
            30,
            20.0,
            Path(tempfile.mkdtemp(prefix="load-")),
        )
    from scratchnet.cli.serve import default_read_processes

    counts = [int(part) for part in args.clients.split(",")]
    if not all(1 <= n <= 250 for n in counts):
        parser.error(f"--clients must be numbers from 1 to 250 (one loopback address each); got {args.clients!r}")
    results: dict[str, Any] = {
        "when": datetime.datetime.now().isoformat(timespec="minutes"),
        "machine": machine(),
        "settings": {
            "clients": counts,
            "requests": args.requests,
            "max_seconds": args.max_seconds,
            "model": args.model or "the shipped reader's convolutional member (reader-conv.npz)",
            "read_by": args.read_by,
            "screen": args.screen,
            "pace_s": args.pace / 1000,
            "in_progress": args.in_progress,
            "read_processes": default_read_processes(),  # what `scratchnet serve` reads with here
        },
    }
    results["levels"] = [level.summary() for level in _levels(args, counts)]
    results["verdicts"] = verdicts(results["levels"])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "load.json").write_text(json.dumps(results, indent=1) + "\n")
    section = markdown(results)
    write_section(args.out / "benchmarks.md", section)
    print(section)
    print(f"written to {args.out / 'benchmarks.md'} and {args.out / 'load.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
