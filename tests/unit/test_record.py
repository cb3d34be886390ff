"""The JSON record beside reproduce's report: what it keeps, what it refuses, and how rows are carried over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scratchnet.cli.arguments import UsageError
from scratchnet.cli.record import Result, carried_sentence, merged, read_record, write_record
from scratchnet.training.config import PRESETS


def _result(name: str, accuracies: list[float], when: str = "2026-12-06 09:00 UTC") -> Result:
    history = {"epochs": [{"seconds": 2.5, "validation_accuracy": 0.97, "cost": 0.3, "learning_rate": 0.1}]}
    return Result(
        PRESETS[name],
        accuracies=accuracies,
        seconds=[60.0] * len(accuracies),
        histories=[history] * len(accuracies),
        validations=[0.97] * len(accuracies),
        when=when,
        command="scratchnet reproduce --jobs 2",
    )


def test_the_record_gives_back_what_was_written_marked_as_carried(tmp_path: Path):
    path = tmp_path / "accuracy.json"
    write_record(path, {"tutorial": _result("tutorial", [0.9471, 0.9483]), "best": _result("best", [0.9953])}, False)
    back = read_record(path, quick=False)
    assert list(back) == ["tutorial", "best"]
    tutorial = back["tutorial"]
    assert tutorial.accuracies == [0.9471, 0.9483] and tutorial.seconds == [60.0, 60.0]
    assert tutorial.validations == [0.97, 0.97] and tutorial.carried and not tutorial.quick
    assert tutorial.when == "2026-12-06 09:00 UTC" and tutorial.command == "scratchnet reproduce --jobs 2"
    # Only what the report's figure draws is kept of each epoch.
    assert tutorial.histories[0] == {"epochs": [{"seconds": 2.5, "validation_accuracy": 0.97}]}
    assert read_record(path, quick=True) == {}


def test_a_committees_members_are_kept_and_a_record_from_before_them_reads_as_one_network_each(tmp_path: Path):
    path = tmp_path / "accuracy.json"
    best = _result("best", [0.9964])
    best.members = [[0.9948, 0.9957, 0.9962]]
    write_record(path, {"best": best, "tutorial": _result("tutorial", [0.9471])}, False)
    back = read_record(path, quick=False)
    assert back["best"].members == [[0.9948, 0.9957, 0.9962]] and back["tutorial"].members == []
    data = json.loads(path.read_text())
    del data["measured"]["best"]["members"]  # as records written before members were kept
    path.write_text(json.dumps(data))
    assert read_record(path, quick=False)["best"].members == []


def test_quick_runs_are_kept_apart_from_measured_ones(tmp_path: Path):
    path = tmp_path / "accuracy.json"
    write_record(path, {"best": _result("best", [0.9953])}, quick=False)
    write_record(path, {"tutorial": _result("tutorial", [0.5])}, quick=True)
    assert list(read_record(path, quick=False)) == ["best"]
    quick = read_record(path, quick=True)
    assert list(quick) == ["tutorial"] and quick["tutorial"].quick and quick["tutorial"].met() is None


def test_the_runs_are_written_over_a_record_damaged_since_it_was_read(tmp_path: Path):
    path = tmp_path / "accuracy.json"
    path.write_text("{ damaged while the runs ran")
    write_record(path, {"best": _result("best", [0.9953])}, quick=False)
    assert read_record(path, quick=False)["best"].accuracies == [0.9953] and read_record(path, quick=True) == {}


def test_a_preset_that_no_longer_exists_is_left_out(tmp_path: Path):
    path = tmp_path / "accuracy.json"
    write_record(path, {"best": _result("best", [0.9953])}, quick=False)
    data = json.loads(path.read_text())
    data["measured"]["gone"] = data["measured"]["best"]
    path.write_text(json.dumps(data))
    assert list(read_record(path, quick=False)) == ["best"]


@pytest.mark.parametrize(
    "text",
    ["not json at all", "[1, 2]", '{"format": 99, "measured": {}}', '{"format": 1}',
     '{"format": 1, "measured": {"best": {"accuracies": "x"}}}'],
)  # fmt: skip
def test_a_record_that_cannot_be_read_is_refused_in_one_line_naming_it(tmp_path: Path, text: str):
    path = tmp_path / "accuracy.json"
    path.write_text(text)
    with pytest.raises(UsageError) as error:
        read_record(path, quick=False)
    message = str(error.value)
    assert message.startswith(str(path)) and "move it away" in message and "\n" not in message


def test_merged_rows_follow_the_presets_order_and_fresh_ones_win():
    fresh = {"best": _result("best", [0.996])}
    carried = {"best": _result("best", [0.99]), "tutorial": _result("tutorial", [0.94])}
    for result in carried.values():
        result.carried = True
    rows = merged(fresh, carried)
    assert list(rows) == ["tutorial", "best"] and rows["best"].accuracies == [0.996]
    sentence = carried_sentence(rows, Path("docs/accuracy.json"))
    assert sentence is not None and "`tutorial` by `scratchnet reproduce --jobs 2` on 2026-12-06 09:00 UTC" in sentence
    assert "`best`" not in sentence and "accuracy.json" in sentence
    assert carried_sentence(fresh, Path("docs/accuracy.json")) is None
