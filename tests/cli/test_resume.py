"""A run killed with SIGKILL and resumed from its checkpoint ends with the uninterrupted run's model, bit for bit."""

from __future__ import annotations

import random
import signal
import subprocess
import time

import numpy as np
import pytest

from scratchnet.io import load_model
from tests.conftest import run_cli, start_cli

# Momentum, a cosine schedule, dropout and augmentation: every piece of state a checkpoint must carry.
RUN = [
    "--layers",
    "784,16,10",
    "--limit",
    "1000",
    "--epochs",
    "6",
    "--batch-size",
    "20",
    "--lr",
    "0.1",
    "--optimizer",
    "momentum",
    "--schedule",
    "cosine",
    "--dropout",
    "0.2",
    "--augment",
    "shift,rotate",
]


def _kill_at_a_random_moment(process: subprocess.Popen[str], chance: random.Random) -> None:
    """SIGKILL the run a random time after it prints its next epoch line (mid-epoch, or while it writes)."""
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    for line in process.stdout:
        assert time.monotonic() < deadline
        if line.startswith("epoch ") or line.startswith("resume "):
            break
    time.sleep(chance.uniform(0.0, 0.4))
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)  # reaps it and closes its pipes


CONVOLUTIONAL = ["--layers", "28x28,conv3x3x4,pool2,16,10", *RUN[2:]]
"""The same run through a convolutional network: its filters, and dropout on its dense layer."""


DISTILLED = [*RUN[:-2], "--cost", "log-likelihood", "--teacher", "reader", "--temperature", "3", "--soft-weight", "0.7"]
"""The same run taught by the shipped reader (soft targets computed again on every start; no distortions, which
a teacher's targets cannot follow)."""


AT_ONCE = [*RUN, "--keep", "last", "--full-train"]
"""The same run on the 1,000 images and the 10,000 of validation at once (nothing to choose keeping the last epoch)."""


@pytest.mark.parametrize(
    "RUN", [RUN, CONVOLUTIONAL, DISTILLED, AT_ONCE], ids=["dense", "convolutional", "distilled", "all-at-once"]
)
def test_a_run_killed_three_times_and_resumed_ends_with_the_uninterrupted_model(tmp_path, RUN):
    whole = run_cli("train", *RUN, "--out", "whole.npz", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    assert not (tmp_path / "whole.npz.ckpt").exists()  # removed when the run finishes
    seed = time.time_ns()
    chance = random.Random(seed)  # the moments of the kills, different on every run
    checkpoint = tmp_path / "killed.npz.ckpt"
    kills, resumes = 0, 0
    while kills < 3 or resumes < 2 or not checkpoint.exists():
        arguments = ["--resume", str(checkpoint)] if checkpoint.exists() else [*RUN, "--out", "killed.npz"]
        resumes += arguments[0] == "--resume"
        process = start_cli("train", *arguments, cwd=tmp_path)
        _kill_at_a_random_moment(process, chance)
        if process.returncode == 0:  # it finished before the kill landed: start again from nothing
            (tmp_path / "killed.npz").unlink()
            continue
        assert process.returncode == -signal.SIGKILL
        kills += 1
    finished = run_cli("train", "--resume", str(checkpoint), cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    expected, expected_header = load_model(tmp_path / "whole.npz")
    resumed, header = load_model(tmp_path / "killed.npz")
    assert header["complete"] is True and len(header["history"]["epochs"]) == 6
    for ours, theirs in zip(resumed.weights + resumed.biases, expected.weights + expected.biases):
        assert ours.tobytes() == theirs.tobytes(), f"kill moments drawn with seed {seed}"
    measured = ("training_cost", "validation_accuracy", "learning_rate")
    assert [[r[k] for k in measured] for r in header["history"]["epochs"]] == [
        [r[k] for k in measured] for r in expected_header["history"]["epochs"]
    ]
    assert not checkpoint.exists()


@pytest.fixture(scope="module")
def kept_checkpoint(tmp_path_factory):
    """The checkpoint of a finished two-epoch run, kept."""
    folder = tmp_path_factory.mktemp("kept")
    done = run_cli(
        "train",
        "--layers",
        "784,10",
        "--limit",
        "300",
        "--epochs",
        "2",
        "--out",
        "m.npz",
        "--keep-checkpoint",
        cwd=folder,
    )
    assert done.returncode == 0, done.stderr
    return folder / "m.npz.ckpt"


def _one_line_error(result, code: int, *fragments: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code and len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert all(fragment in lines[0] for fragment in fragments), lines[0]


def test_a_kept_checkpoint_resumes_to_the_same_model_and_reads_as_a_model(kept_checkpoint, tmp_path):
    net, header = load_model(kept_checkpoint)
    assert header["checkpoint"]["state"]["epoch"] == 2 and header["complete"] is False
    again = run_cli("train", "--resume", str(kept_checkpoint), "--out", str(tmp_path / "again.npz"), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    first, _ = load_model(kept_checkpoint.parent / "m.npz")
    second, _ = load_model(tmp_path / "again.npz")
    assert all(np.array_equal(p, q) for p, q in zip(first.weights + first.biases, second.weights + second.biases))


@pytest.mark.parametrize("damage", ["truncated", "zeroed", "a model"])
def test_a_damaged_checkpoint_or_a_model_file_is_refused_in_one_line(kept_checkpoint, tmp_path, damage):
    target = tmp_path / "bad.ckpt"
    data = kept_checkpoint.read_bytes()
    if damage == "truncated":
        target.write_bytes(data[: len(data) // 2])
    elif damage == "zeroed":
        target.write_bytes(data[:200] + bytes(400) + data[600:])
    else:
        target = kept_checkpoint.parent / "m.npz"
    result = run_cli("train", "--resume", str(target), "--out", str(tmp_path / "x.npz"), cwd=tmp_path)
    _one_line_error(result, 1, str(target))
    assert not (tmp_path / "x.npz").exists()


def test_settings_given_beside_resume_are_refused(kept_checkpoint, tmp_path):
    result = run_cli("train", "--resume", str(kept_checkpoint), "--epochs", "5", cwd=tmp_path)
    _one_line_error(result, 2, "--resume", "--epochs")


def test_a_checkpoint_made_on_other_data_is_refused_in_one_line(kept_checkpoint, tmp_path):
    from scratchnet.io import load_checkpoint, save_checkpoint

    state, settings = load_checkpoint(kept_checkpoint)
    save_checkpoint(tmp_path / "other.ckpt", state, {**settings, "data_sha256": "0" * 64})
    result = run_cli("train", "--resume", str(tmp_path / "other.ckpt"), "--out", str(tmp_path / "x.npz"), cwd=tmp_path)
    _one_line_error(result, 1, "other.ckpt", "SHA-256 000000000000")
    assert not (tmp_path / "x.npz").exists()
