"""`scratchnet train --members K`: K networks trained at once, a process each, kept as one committee.

Nielsen's chapter 6 ends on a committee ("an ensemble") of networks: five of the chapter's best, trained
apart, read 99.67% together where each read about 99.6%. Networks that start from other weights and
see the digits in another order make different mistakes, and the mean of their probabilities outvotes
one network's confident mistake (`scratchnet.core.committee`). A network of `best`'s kind keeps one core
busy, so on a machine of several cores K of them trained side by side cost about the wall-clock time
of one.

`--members K` starts K children, `scratchnet train` with every setting of the run but `--members 1`
and `--seed s + k` (k = 0, ..., K − 1), member k + 1 writing OUT.member{k+1}.npz; their lines are
printed as they come, each marked with its member. The run's plan goes beside the model first
(OUT.ckpt, JSON: the settings, the data, where the model goes). When every member has ended,
`scratchnet.cli.train` measures their committee on the test set and saves it as one model file
(`scratchnet.io.save_committee`); the members' own files and the plan are then removed (with
--keep-checkpoint, the plan and each member's checkpoint stay, as one network's checkpoint stays).

Each member writes a checkpoint after every epoch, as any run does, and dies with the parent (Linux),
so `scratchnet train --resume OUT.ckpt` takes the run up again: finished members are kept, interrupted
ones resume from their checkpoints (bit for bit, as one network resumes), members not yet started
begin. The committee an interrupted run ends with is the one an uninterrupted run would have made.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from scratchnet.children import die_with_parent
from scratchnet.cli.arguments import flag
from scratchnet.cli.runs import Run
from scratchnet.core.network import Network
from scratchnet.errors import ConfigError, ModelFileError, ScratchnetError
from scratchnet.io import CHECKPOINT_SUFFIX, load_model, write_json
from scratchnet.training.config import PRESETS, TrainConfig
from scratchnet.training.options import settings
from scratchnet.training.threads import THREAD_VARIABLES, threads_per_job

PLAN_FORMAT = "scratchnet-committee-run"
"""The `format` of a committee run's plan (OUT.ckpt), which `--resume` reads instead of a checkpoint."""

POLL_SECONDS = 0.2
"""How often the parent looks whether a member has ended."""

UNSHARED = ("members", "seed", "threads")
"""The settings each member is given on its own: one network, its seed, its share of the cores."""


class MembersInterrupted(Exception):
    """Ctrl-C (or SIGINT) reached the run: every member has saved its checkpoint and stopped."""


@dataclass(frozen=True)
class Plan:
    """A committee run: its settings (members > 1), preset, training-set limit, data, and where it writes."""

    config: TrainConfig
    preset: str
    limit: int | None
    data: Path | None
    out: Path
    metrics_json: Path | None
    storage: str | None
    keep_checkpoint: bool = False  # --keep-checkpoint: the plan and each member's checkpoint stay when it ends

    @property
    def threads(self) -> int:
        """Return the BLAS threads of each member: the run's setting, else the cores shared among the members."""
        return self.config.threads or threads_per_job(self.config.members)

    def member_out(self, k: int) -> Path:
        """Return where member k (from 0) writes its model: OUT.member{k+1}.npz beside OUT."""
        return self.out.with_name(f"{self.out.stem}.member{k + 1}{self.out.suffix or '.npz'}")

    def command(self, k: int) -> list[str]:
        """Return the `scratchnet train` command of member k: a fresh start, or its checkpoint taken up again."""
        threads = self.threads
        checkpoint = Path(str(self.member_out(k)) + CHECKPOINT_SUFFIX)
        start = [sys.executable, "-m", "scratchnet", "train"]
        keep = ["--keep-checkpoint"] if self.keep_checkpoint else []
        if checkpoint.is_file():
            return [*start, "--resume", str(checkpoint), flag("threads"), str(threads), *keep]
        preset = PRESETS[self.preset].config
        changes = tuple(
            (item.name, getattr(self.config, item.name))
            for item in settings(TrainConfig)
            if item.command_line
            and item.name not in UNSHARED
            and getattr(self.config, item.name) != getattr(preset, item.name)
        )
        words = Run(self.preset, changes, self.limit, threads).arguments()
        words += [flag("members"), "1", flag("seed"), str(self.config.seed + k), "--out", str(self.member_out(k))]
        words += (["--data", str(self.data)] if self.data else []) + (
            ["--storage", self.storage] if self.storage else []
        )
        return [*start, *words, *keep]

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as the JSON that OUT.ckpt holds."""
        return {
            "format": PLAN_FORMAT,
            "config": self.config.to_dict(),
            "preset": self.preset,
            "limit": self.limit,
            "data": None if self.data is None else str(self.data),
            "out": str(self.out),
            "metrics_json": None if self.metrics_json is None else str(self.metrics_json),
            "storage": self.storage,
            "keep_checkpoint": self.keep_checkpoint,
        }


def is_plan(path: Path) -> bool:
    """Return whether path holds a committee run's plan (JSON) rather than one network's checkpoint (a zip)."""
    try:
        with path.open("rb") as file:
            return file.read(1) == b"{"
    except OSError:
        return False


def read_plan(path: Path) -> Plan:
    """Return the plan a committee run wrote to path; ModelFileError in one line if it is damaged."""
    try:
        data = json.loads(path.read_text())
        if data.get("format") != PLAN_FORMAT:
            raise ValueError(f"format {data.get('format')!r}, not {PLAN_FORMAT!r}")
        config = TrainConfig.from_dict(data["config"])
        if config.members < 2:
            raise ValueError(f"a committee of {config.members} network")
        return Plan(
            config,
            str(data["preset"]) if data["preset"] in PRESETS else "tutorial",
            data["limit"],
            data["data"] and Path(data["data"]),
            Path(data["out"]),
            data["metrics_json"] and Path(data["metrics_json"]),
            data["storage"],
            bool(data.get("keep_checkpoint", False)),  # absent from plans written before it
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError, ConfigError) as err:
        raise ModelFileError(f"{path}: the committee run's plan is damaged ({type(err).__name__}: {err})") from err


def write_plan(path: Path, plan: Plan) -> None:
    """Write the plan beside the model, atomically, before any member starts."""
    write_json(path, plan.to_dict())


def finished_member(out: Path) -> bool:
    """Return whether a member's model is there, complete, with no checkpoint left to take up."""
    if Path(str(out) + CHECKPOINT_SUFFIX).is_file() or not out.is_file():
        return False
    try:
        return load_model(out)[1].get("complete") is True
    except ModelFileError:
        return False


@dataclass
class _Child:
    """A running member: its index k (from 0), its process, and the thread relaying its lines (the last kept)."""

    k: int
    process: subprocess.Popen[str]
    reader: threading.Thread
    last: str = "no output"


def train_members(console: Console, plan: Plan) -> list[tuple[Network, dict[str, Any]]]:
    """Train every member not yet finished, side by side; return each member's (network, header), in order.

    Raises MembersInterrupted on Ctrl-C (each member saves its checkpoint first), and ScratchnetError naming
    the member and its last line when one fails (the others are stopped the same way).
    """
    children = []
    for k in range(plan.config.members):
        if finished_member(plan.member_out(k)):
            console.print(f"member {k + 1}: finished before, kept ({plan.member_out(k)})")
            continue
        children.append(_start(console, plan, k))
    try:
        failed = _wait(children)
    except KeyboardInterrupt:
        raise MembersInterrupted from None
    finally:
        _stop(children)  # those still running save their checkpoints and stop; those ended are left be
        for child in children:
            child.reader.join()
    if failed is not None and failed.process.returncode == 130:
        raise MembersInterrupted
    if failed is not None:
        raise ScratchnetError(
            f"member {failed.k + 1} (seed {plan.config.seed + failed.k}) failed with exit code "
            f"{failed.process.returncode}: {failed.last}"
        )
    return [load_model(plan.member_out(k)) for k in range(plan.config.members)]


def _wait(children: list[_Child]) -> _Child | None:
    """Wait until every member has ended, or one has failed; return the one that failed (None if none did)."""
    while True:
        codes = [child.process.poll() for child in children]
        failed = [child for child, code in zip(children, codes) if code not in (None, 0)]
        if failed or all(code == 0 for code in codes):
            return failed[0] if failed else None
        time.sleep(POLL_SECONDS)


def _start(console: Console, plan: Plan, k: int) -> _Child:
    """Start member k's child, its output (stdout and stderr) relayed line by line, dying with this thread."""
    threads = str(plan.threads)
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **{variable: threads for variable in THREAD_VARIABLES}}
    process = subprocess.Popen(
        plan.command(k),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
        preexec_fn=die_with_parent(),
    )
    child = _Child(k, process, threading.Thread(daemon=True))
    child.reader = threading.Thread(target=_relay, args=(console, child), daemon=True)
    child.reader.start()
    return child


def _relay(console: Console, child: _Child) -> None:
    """Print each line a member writes, marked `member k │`, keeping the last one (an error's)."""
    assert child.process.stdout is not None
    for line in child.process.stdout:
        text = line.rstrip()
        if text:
            console.print(f"member {child.k + 1} │ {escape(text)}", highlight=False)
            child.last = text


def _stop(children: list[_Child]) -> None:
    """Ask each running member to stop as Ctrl-C does (it saves its checkpoint), and wait until all have."""
    for child in children:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGINT)
    for child in children:
        child.process.wait()
