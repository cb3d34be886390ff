"""What `reproduce` measured, kept between runs: a JSON record beside its report (docs/accuracy.json).

A run of some presets (`scratchnet reproduce --presets best-mlp`) measures those and carries every other
preset's runs over from the record, each with when and by which command it was measured, so the report is
always the whole table and rerunning one preset replaces only its own row. Quick runs are recorded apart
from measured ones: a smoke test never stands in a report of measurements, nor the reverse.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scratchnet.cli.arguments import UsageError
from scratchnet.io import write_json
from scratchnet.training.config import PRESETS, Preset

FORMAT = 1
"""The record's format; a record of another format is refused, not guessed at."""


@dataclass
class Result:
    """The runs of one preset: test accuracies, seconds, and each run's per-epoch history.

    `when` and `command` say which run of reproduce measured them (set once it ends); `carried` marks a
    result read from the record rather than measured by this run.
    """

    preset: Preset
    accuracies: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    histories: list[dict[str, Any]] = field(default_factory=list)
    validations: list[float] = field(default_factory=list)  # the kept epoch's validation accuracy, per run
    members: list[list[float]] = field(default_factory=list)  # per run, each member's own accuracy ([]: one network)
    failures: list[str] = field(default_factory=list)
    quick: bool = False
    when: str = ""
    command: str = ""
    carried: bool = False

    @property
    def mean(self) -> float:
        return statistics.fmean(self.accuracies)

    @property
    def spread(self) -> float:
        """Half the range of the accuracies: the mean ± this covers every seed."""
        return (max(self.accuracies) - min(self.accuracies)) / 2

    def met(self) -> bool | None:
        """Whether the mean reached the target (None when the preset has none, or for quick runs)."""
        if self.preset.target is None or not self.accuracies or self.quick:
            return None
        return self.mean >= self.preset.target

    def to_json(self) -> dict[str, Any]:
        """Return the result as the record keeps it: each epoch's seconds and validation accuracy, no more."""
        histories = [
            {"epochs": [{key: epoch.get(key) for key in ("seconds", "validation_accuracy")} for epoch in h["epochs"]]}
            for h in self.histories
        ]
        return {
            "when": self.when,
            "command": self.command,
            "accuracies": self.accuracies,
            "seconds": self.seconds,
            "validations": self.validations,
            "members": self.members,
            "failures": self.failures,
            "histories": histories,
        }

    @classmethod
    def from_json(cls, name: str, data: dict[str, Any], quick: bool) -> Result:
        """Return the result the record keeps for preset `name` (read back as carried)."""
        return cls(
            PRESETS[name],
            accuracies=[float(a) for a in data["accuracies"]],
            seconds=[float(s) for s in data["seconds"]],
            histories=[{"epochs": list(h["epochs"])} for h in data["histories"]],
            validations=[float(v) for v in data["validations"]],
            members=[[float(a) for a in run] for run in data.get("members", [])],  # absent from records before it
            failures=[str(f) for f in data["failures"]],
            quick=quick,
            when=str(data["when"]),
            command=str(data["command"]),
            carried=True,
        )


def beside(report: Path) -> Path:
    """Return where the record of the report at `report` lives: beside it, as JSON (docs/accuracy.json)."""
    return report.with_suffix(".json")


def _kind(quick: bool) -> str:
    return "quick" if quick else "measured"


def read_record(path: Path, quick: bool) -> dict[str, Result]:
    """Return the results the record at `path` keeps for presets that still exist ({} when there is none).

    Raises UsageError, in one line naming the file, for a record that cannot be read: before any
    training, so that nothing measured is lost over it.
    """
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, not {FORMAT}")
        kept = data[_kind(quick)]
        return {name: Result.from_json(name, runs, quick) for name, runs in kept.items() if name in PRESETS}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(
            f"{path}: not a record of reproduce's runs ({reason}); move it away or choose another --out"
        ) from None


def write_record(path: Path, results: dict[str, Result], quick: bool) -> None:
    """Write `results` into the record at `path` (atomically), keeping the record of the other kind as it is."""
    other = _kind(not quick)
    try:  # read_record vouched for it before the runs; whatever happened to it since, the runs are written
        kept = json.loads(path.read_text(encoding="utf-8")).get(other, {})
    except (OSError, ValueError, AttributeError):
        kept = {}
    data = {
        "format": FORMAT,
        _kind(quick): {name: result.to_json() for name, result in results.items()},
        other: kept,
    }
    write_json(path, data)


def merged(fresh: dict[str, Result], carried: dict[str, Result]) -> dict[str, Result]:
    """Return this run's results and the record's for the other presets, in the order of PRESETS."""
    return {
        name: fresh[name] if name in fresh else carried[name] for name in PRESETS if name in fresh or name in carried
    }


def carried_sentence(results: dict[str, Result], record: Path) -> str | None:
    """Return the report's sentence naming the rows carried from the record and when they were measured."""
    runs: dict[tuple[str, str], list[str]] = {}
    for name, result in results.items():
        if result.carried:
            runs.setdefault((result.when, result.command), []).append(f"`{name}`")
    if not runs:
        return None
    parts = [f"{', '.join(names)} by `{command}` on {when}" for (when, command), names in runs.items()]
    return (
        f"The rows of presets this run did not train are carried over from the record `{record.name}` beside this "
        f"report: {'; '.join(parts)}."
    )
