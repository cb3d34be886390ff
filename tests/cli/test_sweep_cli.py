"""`scratchnet sweep` on this machine, as a subprocess: each run is the `scratchnet train` it names."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.conftest import run_cli

TINY = ("--epochs", "1", "--limit", "300")
"""Runs of a second or two: one epoch on the first 300 training images (accuracies far from trained, but exact)."""


def _train_accuracy(tmp_path, *flags: str) -> str:
    """Return the test accuracy `scratchnet train FLAGS` prints on its last line, as printed (`21.45%`)."""
    result = run_cli("train", *flags, "--out", "m.npz", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split()[-1]


def test_sweep_runs_every_combination_as_scratchnet_train_would(tmp_path):
    result = run_cli("sweep", "--lr", "1,3", "--batch-size", "10", "20", *TINY, "--out", "grid.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "grid.json").read_text())
    assert document["swept"] == {"epochs": [1], "batch_size": [10, 20], "lr": [1.0, 3.0]}
    assert [run["settings"] for run in document["runs"]] == [
        {"epochs": 1, "batch_size": m, "lr": eta} for m in (10, 20) for eta in (1.0, 3.0)
    ]
    for run in document["runs"]:
        assert run["config"]["lr"] == run["settings"]["lr"] and run["trained_on"]["images"] == 300
        assert len(run["history"]["epochs"]) == 1 and run["seconds"] > 0
    # each run is the `scratchnet train` with the same flags: the same test accuracy, to the digit
    first, last = document["runs"][0], document["runs"][-1]
    assert _train_accuracy(tmp_path, "--lr", "1", "--batch-size", "10", *TINY) == f"{100 * first['test_accuracy']:.2f}%"
    assert _train_accuracy(tmp_path, "--lr", "3", "--batch-size", "20", *TINY) == f"{100 * last['test_accuracy']:.2f}%"
    rows = [line for line in result.stdout.splitlines() if re.search(r"\d+\.\d\d% +│", line)]
    assert len(rows) == 4  # one row per run in the table
    assert re.search(r"best: --batch-size \d+ --lr \d\.0: \d+\.\d\d%", result.stdout)
    assert (tmp_path / "grid.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "flags",
    [
        ["--lr", "0.3,-1"],
        ["--batch-size", "10,0"],
        ["--optimizer", "sgd,rmsprop"],
        ["--layers", "784,16,10", "785,10"],
        ["--augment", "shift,blur"],
        ["--full-train", "true,false", "--schedule", "plateau"],
        ["--seeds", "1,x"],
        ["--out", "grid.txt"],
        ["--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786"],
        ["--scheduler", "a-host-without-a-port"],
    ],
)
def test_bad_sweep_values_exit_2_with_one_line(tmp_path, flags):
    result = run_cli("sweep", *flags, cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.json"))


def test_a_local_sweep_never_imports_dask(tmp_path):
    blocker = (
        "import sys\n"
        "class Blocker:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('dask', 'distributed'):\n"
        "            raise ImportError(f'{name} is blocked')\n"
        "sys.meta_path.insert(0, Blocker())\n"
        "from scratchnet.cli import main\n"
        "sys.exit(main(['sweep', '--epochs', '1', '--limit', '100', '--out', 'one.json']))\n"
    )
    result = subprocess.run([sys.executable, "-c", blocker], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert len(json.loads((tmp_path / "one.json").read_text())["runs"]) == 1


def test_sweep_takes_a_teacher_file_named_from_here_though_each_run_trains_in_a_folder_of_its_own(tmp_path):
    from scratchnet import Network
    from scratchnet.io import save_model

    save_model(tmp_path / "teacher.npz", Network([784, 8, 10], cost="log-likelihood"))
    flags = ("--teacher", "teacher.npz", "--cost", "log-likelihood", "--temperature", "1,4", *TINY)
    result = run_cli("sweep", *flags, "--out", "grid.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    runs = json.loads((tmp_path / "grid.json").read_text())["runs"]
    assert [run["config"]["temperature"] for run in runs] == [1.0, 4.0]
    assert {run["config"]["teacher"] for run in runs} == {str(tmp_path / "teacher.npz")}
    missing = run_cli("sweep", "--teacher", "reader,gone.npz", *TINY, "--out", "grid.json", cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.strip().splitlines() == [
        "scratchnet sweep: error: argument --teacher: gone.npz: no such model file, nor a model shipped with scratchnet"
    ]
