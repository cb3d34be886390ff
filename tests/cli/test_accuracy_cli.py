"""`scratchnet train --preset` with the chapter-3 flags, and `scratchnet reproduce --quick`, as subprocesses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from scratchnet.training.config import PRESETS, TrainConfig
from tests.conftest import run_cli


def test_presets_say_what_the_sources_say():
    assert PRESETS["tutorial"].config == TrainConfig()
    from scratchnet import Network

    tuned = PRESETS["tutorial-tuned"].config
    assert Network(tuned.layers).num_params == 13_002
    ch1 = PRESETS["book-ch1"].config
    assert (ch1.layers, ch1.cost, ch1.lr, ch1.epochs, ch1.batch_size) == ((784, 30, 10), "quadratic", 3.0, 30, 10)
    ch3 = PRESETS["book-ch3"].config
    assert (ch3.layers, ch3.cost, ch3.init, ch3.lr, ch3.lmbda, ch3.batch_size, ch3.epochs) == (
        (784, 100, 10),
        "cross-entropy",
        "scaled",
        0.1,
        5.0,
        10,
        60,  # "60 epochs at η = 0.1 and λ = 5.0 ... 98.04 percent"
    )
    assert PRESETS["book-ch1"].reported == 0.9542 and PRESETS["book-ch3"].reported == 0.9804


def test_chapter_6_ladder_says_what_the_book_says():
    steps = sorted((preset for preset in PRESETS.values() if preset.ladder), key=lambda preset: preset.ladder)
    assert [preset.ladder for preset in steps] == [1, 2, 3, 4, 5]
    # Nielsen, chapter 6: 98.78% (one conv-pool layer), 99.06% (two), 99.23% (ReLU), 99.37% (expanded data),
    # 99.60% (two dense layers of 1,000 with dropout).
    assert [preset.reported for preset in steps] == [0.9878, 0.9906, 0.9923, 0.9937, 0.9960]
    two = "28x28,conv5x5x20,pool2,conv5x5x40,pool2"
    configs = [preset.config for preset in steps]
    assert [config.layers for config in configs] == [
        "28x28,conv5x5x20,pool2,100,10",
        f"{two},100,10",
        f"{two},100,10",
        f"{two},100,10",
        f"{two},1000,1000,10",
    ]
    assert [config.activation for config in configs] == ["sigmoid", "sigmoid", "relu", "relu", "relu"]
    assert {config.cost for config in configs} == {"log-likelihood"}  # a softmax output throughout chapter 6
    assert [bool(config.augment) for config in configs] == [False, False, False, True, True]
    assert [config.dropout for config in configs] == [0.0, 0.0, 0.0, 0.0, 0.5]
    assert [config.lmbda for config in configs] == [0.0, 0.0, 0.1, 0.1, 0.0]
    assert PRESETS["best-mlp"].config.layers == (784, 800, 800, 10)  # the fully connected best, renamed
    best = PRESETS["best"].config
    assert isinstance(best.layers, str) and best.layers.startswith(two) and best.dropout > 0 and best.augment


def test_preset_with_overrides_and_full_train_records_both_in_the_model(tmp_path):
    result = run_cli(
        "train",
        "--preset",
        "book-ch3",
        "--limit",
        "1000",
        "--epochs",
        "2",
        "--lmbda",
        "1.5",
        "--full-train",
        "--optimizer",
        "momentum",
        "--momentum",
        "0.5",
        "--schedule",
        "cosine",
        "--dropout",
        "0.1",
        "--out",
        "m.npz",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "preset  book-ch3:" in result.stdout and "L2 λ = 1.5" in result.stdout
    with np.load(tmp_path / "m.npz") as archive:
        header = json.loads(str(archive["header"]))
    assert header["preset"] == "book-ch3"
    config = header["config"]
    assert (config["lmbda"], config["optimizer"], config["momentum"], config["dropout"]) == (1.5, "momentum", 0.5, 0.1)
    assert (config["layers"], config["lr"]) == ([784, 100, 10], 0.1)  # from the preset
    trained_on = header["trained_on"]
    assert trained_on["full_train"] is True and trained_on["images"] == 1000 + 10_000
    assert (
        trained_on["epochs_chosen_on_validation"] in (1, 2)
        and config["epochs"] == trained_on["epochs_chosen_on_validation"]
    )
    assert len(header["history"]["epochs"]) == config["epochs"]
    info = run_cli("info", "m.npz", cwd=tmp_path)
    assert "11,000 images (--full-train" in info.stdout and "book-ch3" in info.stdout


def test_full_train_keeping_the_last_epoch_trains_once_on_every_image(tmp_path):
    # Nothing to choose on validation: one stage of 2 epochs on 1,000 + 10,000 images, none measured on validation.
    args = ("--limit", "1000", "--epochs", "2", "--keep", "last", "--full-train", "--out", "m.npz")
    result = run_cli("train", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "nothing to choose on validation" in result.stdout and "epoch 2/2" in result.stdout
    assert "epoch 1/2" in result.stdout and result.stdout.count("epoch 1/2") == 1
    assert "11,000 training, the validation images among them, 10,000 test images" in result.stdout
    with np.load(tmp_path / "m.npz") as archive:
        header = json.loads(str(archive["header"]))
    assert header["trained_on"] == {"images": 11_000, "validation_images": 0, "full_train": True}
    epochs = header["history"]["epochs"]
    assert len(epochs) == 2 and all(epoch["validation_accuracy"] is None for epoch in epochs)
    info = run_cli("info", "m.npz", cwd=tmp_path)
    assert "11,000 images (--full-train: the validation split joined training from the start)" in info.stdout
    assert "2 (none measured on validation)" in info.stdout and "best on validation" not in info.stdout


def test_reproduce_quick_runs_the_presets_through_the_cli_and_writes_the_report(tmp_path):
    # Every preset but four of chapter 6's ladder, whose networks book-ch6 and best already run here
    # (a convolutional run, even a quick one, feeds 22,000 images forward): the report says they did not run.
    skipped = [name for name, preset in PRESETS.items() if preset.ladder and name != "book-ch6"]
    names = [name for name in PRESETS if name not in skipped]
    (tmp_path / "docs").mkdir()
    notes = "## Notes by hand\n\nA run of best at seed 1: 99.54%.\n"
    (tmp_path / "docs" / "accuracy.md").write_text(f"# An old report\n\n## Targets\n\n- old figures\n\n{notes}")
    result = run_cli(
        "reproduce",
        "--quick",
        "--presets",
        ",".join(names),
        "--seeds",
        "1",
        "--out",
        "docs/accuracy.md",
        cwd=tmp_path,
        env={"OPENBLAS_NUM_THREADS": "1"},
    )
    assert result.returncode == 0, result.stderr
    report = (tmp_path / "docs" / "accuracy.md").read_text()
    for name in names:
        assert f"| `{name}` |" in report
        assert f"{name} seed 0: test " in result.stdout
    ladder = report.split("## Chapter 6, step by step")[1].split("## Targets")[0]
    for step, name in enumerate(("book-ch6-1conv", "book-ch6-2conv", "book-ch6", "book-ch6-expanded"), 1):
        assert f"| {step} | `{name}` |" in ladder
    assert len(re.findall(r"\| \*not run\* \|", ladder)) == len(skipped) == 4
    assert re.search(r"\| 3 \| `book-ch6` \| .* \| 99\.23% \| \d+\.\d\d% \(quick\) \|", ladder)
    assert "95.42%" in report and "98.04%" in report and "Quick mode" in report
    assert "## The cost of augmentation" in report and "% of an epoch" in report
    assert "| validation, kept epoch |" in report
    assert report.endswith("\n" + notes) and "old figures" not in report and "An old report" not in report
    png = (tmp_path / "docs" / "accuracy.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    record = json.loads((tmp_path / "docs" / "accuracy.json").read_text())["quick"]
    assert [len(run) for run in record["best"]["members"]] == [3]  # a committee of three: each member's accuracy
    assert record["tutorial"]["members"] == [[]]


def test_reproduce_of_one_preset_carries_the_other_rows_over_from_its_record(tmp_path):
    flags = ("reproduce", "--quick", "--seeds", "1", "--out", "report.md")
    first = run_cli(*flags, "--presets", "tutorial,best-mlp", cwd=tmp_path, env={"OPENBLAS_NUM_THREADS": "1"})
    assert first.returncode == 0, first.stderr
    record = json.loads((tmp_path / "report.json").read_text())
    assert list(record["quick"]) == ["tutorial", "best-mlp"] and record["measured"] == {}
    second = run_cli(*flags, "--presets", "book-ch1", cwd=tmp_path, env={"OPENBLAS_NUM_THREADS": "1"})
    assert second.returncode == 0, second.stderr
    assert "book-ch1 seed 0: test" in second.stdout and "tutorial seed 0" not in second.stdout
    report = (tmp_path / "report.md").read_text()
    assert "| `tutorial` |" in report and "| `book-ch1` |" in report
    assert report.index("| `tutorial` |") < report.index("| `book-ch1` |")  # the presets' order, not the runs'
    assert "Written by `scratchnet reproduce --quick --presets book-ch1`" in report
    assert re.search(
        r"carried over .*`tutorial`, `best-mlp` by `scratchnet reproduce --quick --presets tutorial,best-mlp` on 20\d\d-",
        report,
    )
    assert "## The cost of augmentation" in report  # from best-mlp's carried epochs
    tutorial = record["quick"]["tutorial"]["accuracies"][0]
    assert json.loads((tmp_path / "report.json").read_text())["quick"]["tutorial"]["accuracies"] == [tutorial]
    assert f"{100 * tutorial:.2f}%" in report


def test_reproduce_refuses_a_damaged_record_before_training(tmp_path):
    (tmp_path / "report.json").write_text("{ half a record")
    result = run_cli("reproduce", "--quick", "--presets", "tutorial", "--out", "report.md", cwd=tmp_path)
    assert result.returncode == 2 and "report.json: not a record of reproduce's runs" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "tutorial seed 0" not in result.stdout
    assert not (tmp_path / "report.md").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["train", "--augment", "shift,blur"],
        ["train", "--dropout", "1.5"],
        ["train", "--momentum", "1"],
        ["train", "--preset", "nope"],
        ["train", "--optimizer", "rmsprop"],
        ["train", "--lmbda", "-1"],
        ["reproduce", "--presets", "best,nope"],
    ],
)
def test_bad_accuracy_flags_exit_2_with_one_line(tmp_path, args):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_full_train_refuses_the_plateau_schedule(tmp_path):
    result = run_cli("train", "--full-train", "--schedule", "plateau", "--limit", "100", cwd=tmp_path)
    assert result.returncode == 2 and "plateau" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_fresh_report_keeps_the_sections_it_does_not_write():
    from scratchnet.cli.reproduce import kept_notes

    previous = "\n".join(
        ["# Accuracy", "Written by reproduce.", "## Targets", "- best: not met", "### best by hand", "a table",
         "## Notes", "kept, with its ### subsection:", "### one", "x", "## Settings", "- best: ...",
         "## Why", "also kept", ""]
    )  # fmt: skip
    assert kept_notes(previous) == ["## Notes", "kept, with its ### subsection:", "### one", "x", "## Why", "also kept"]
    assert kept_notes("# Accuracy\n\n## Targets\n- met\n") == []


def test_report_says_why_a_target_measured_on_validation_is_missed():
    import argparse

    from scratchnet.cli.reproduce import Result, _report

    args = argparse.Namespace(quick=False, jobs=1, out=Path("accuracy.md"))
    missed = Result(
        PRESETS["book-ch3"], accuracies=[0.9797, 0.9787], seconds=[60.0, 62.0], validations=[0.9799, 0.9801]
    )
    text = _report({"book-ch3": missed}, args, 122.0, None)
    assert "measured 97.92% (97.97%, 97.87%): **not met**" in text
    assert (
        "The source's 98.04% is measured on its validation images; on those, the epochs these runs kept average 98.00%."
        in text
    )
    met = Result(PRESETS["book-ch3"], accuracies=[0.9810, 0.9802], seconds=[60.0, 62.0], validations=[0.981, 0.981])
    text = _report({"book-ch3": met}, args, 122.0, None)
    assert "98.06% (98.10%, 98.02%): met." in text and "validation images; on those" not in text


def test_report_gives_each_member_of_a_committee_beside_the_committee():
    import argparse

    from scratchnet.cli.reproduce import Result, _report

    args = argparse.Namespace(quick=False, jobs=1, out=Path("accuracy.md"))
    best = Result(PRESETS["best"], accuracies=[0.9964], seconds=[810.0], members=[[0.9948, 0.9957, 0.9962]])
    text = _report({"best": best}, args, 810.0, None)
    assert "measured 99.64% (99.64%): met. Each network of the committee alone: 99.48%, 99.57%, 99.62%." in text
    one = Result(PRESETS["best-mlp"], accuracies=[0.9951], seconds=[841.0], members=[[]])
    assert "committee alone" not in _report({"best-mlp": one}, args, 841.0, None)
