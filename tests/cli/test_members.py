"""`scratchnet train --members K`: K networks trained at once, kept as one committee file.

Each member must be the network the same run trains alone at its seed, bit for bit; the committee's
answers the mean of their probabilities; a run killed with SIGKILL and resumed from its plan must end with
the committee an uninterrupted run makes; and the commands that take a model take the committee.
"""

from __future__ import annotations

import signal
import time

import numpy as np
import pytest

from scratchnet.core.committee import Committee
from scratchnet.data.mnist import load_mnist
from scratchnet.io import load_model
from tests.cli.test_bad_input import assert_one_line_error
from tests.conftest import run_cli, start_cli

RUN = [
    "--layers",
    "28x28,conv3x3x4,pool2,16,10",
    "--limit",
    "3000",
    "--epochs",
    "6",
    "--batch-size",
    "20",
    "--lr",
    "0.1",
    "--optimizer",
    "momentum",
    "--dropout",
    "0.2",
    "--augment",
    "shift",
    "--seed",
    "5",
]
"""A small convolutional run with every kind of state a member's checkpoint carries (velocities, dropout and
distortion draws)."""


def _same_parameters(ours, theirs) -> bool:
    pairs = zip(ours.weights + ours.biases, theirs.weights + theirs.biases)
    return all(p.tobytes() == q.tobytes() for p, q in pairs)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A committee of two trained by --members 2, and the same run trained alone at seeds 5 and 6."""
    folder = tmp_path_factory.mktemp("members")
    committee = run_cli("train", *RUN, "--members", "2", "--out", "c.npz", cwd=folder)
    assert committee.returncode == 0, committee.stderr
    for seed in ("5", "6"):
        alone = run_cli("train", *RUN[:-1], seed, "--out", f"alone{seed}.npz", cwd=folder)
        assert alone.returncode == 0, alone.stderr
    return folder, committee.stdout


def test_each_member_is_the_run_trained_alone_at_its_seed(trained):
    folder, _ = trained
    committee, header = load_model(folder / "c.npz", committee=True)
    assert isinstance(committee, Committee) and header["committee"] == 2
    for member, seed in zip(committee.members, (5, 6)):
        alone, alone_header = load_model(folder / f"alone{seed}.npz")
        assert _same_parameters(member, alone)
    assert [own["seed"] for own in header["members"]] == [5, 6]
    assert sorted(path.name for path in folder.glob("c.*")) == ["c.npz"]  # members' files and the plan removed


def test_the_committee_answers_by_the_mean_of_its_members_probabilities(trained):
    folder, stdout = trained
    test = load_mnist().test
    alone = [load_model(folder / f"alone{seed}.npz")[0] for seed in (5, 6)]
    mean = (alone[0].probabilities(test.images) + alone[1].probabilities(test.images)) / 2
    expected = float(np.mean(mean.argmax(axis=1) == test.labels))
    _, header = load_model(folder / "c.npz", committee=True)
    assert header["test_accuracy"] == pytest.approx(expected, abs=1e-12)
    assert stdout.strip().splitlines()[-1] == f"test accuracy: {100 * expected:.2f}%"
    assert header["members_test_accuracy"] == [load_model(folder / f"alone{s}.npz")[1]["test_accuracy"] for s in (5, 6)]
    evaluated = run_cli("evaluate", "c.npz", cwd=folder)
    assert evaluated.returncode == 0 and f"accuracy: {100 * expected:.2f}%" in evaluated.stdout, evaluated.stderr


def test_info_lists_the_members_plot_shows_the_first_and_a_teacher_must_be_one_network(trained):
    folder, _ = trained
    info = run_cli("info", "c.npz", cwd=folder)
    assert info.returncode == 0, info.stderr
    assert "2 networks" in info.stdout and "member 2" in info.stdout and "seed 6" in info.stdout
    plot = run_cli("plot", "filters", "--model", "c.npz", "--out", "h.png", cwd=folder)
    assert plot.returncode == 0 and "member 1 of a committee of 2" in plot.stdout, plot.stderr
    alone = run_cli("plot", "filters", "--model", "alone5.npz", "--out", "h5.png", cwd=folder)
    assert alone.returncode == 0 and (folder / "h.png").read_bytes() == (folder / "h5.png").read_bytes()
    taught = run_cli("train", "--layers", "784,10", "--limit", "100", "--epochs", "1", "--teacher", "c.npz", cwd=folder)
    assert_one_line_error(taught, 2, "--teacher", "c.npz", "a committee of 2 networks")


def test_onnxruntime_equals_the_committee(trained, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    folder, _ = trained
    exported = run_cli("export", str(folder / "c.npz"), "c.onnx", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    committee, _ = load_model(folder / "c.npz", committee=True)
    X = load_mnist().test.images[:2_000].astype(np.float32) / 255  # all 10,000: benchmarks.onnx_agreement
    session = ort.InferenceSession(str(tmp_path / "c.onnx"), providers=["CPUExecutionProvider"])
    activations, probabilities = session.run(None, {"input": X})
    ours = committee.probabilities(X)
    assert np.abs(probabilities - ours).max() < 1e-5
    assert np.array_equal(probabilities.argmax(axis=1), ours.argmax(axis=1))
    assert np.array_equal(activations, probabilities)


def test_a_committee_run_killed_and_resumed_ends_with_the_uninterrupted_committee(trained, tmp_path):
    """SIGKILL the parent after a member's second epoch: the members die with it, and --resume takes each up."""
    process = start_cli("train", *RUN, "--members", "2", "--out", "c.npz", cwd=tmp_path)
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    for line in process.stdout:
        assert time.monotonic() < deadline
        if "│ epoch 2/" in line:
            break
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    plan = tmp_path / "c.npz.ckpt"
    assert plan.is_file() and not (tmp_path / "c.npz").exists()
    time.sleep(1)  # the members get SIGKILL as their parent dies; give them a moment to be gone
    assert list(tmp_path.glob("c.member*.npz.ckpt")), "no member left a checkpoint"
    resumed = run_cli("train", "--resume", str(plan), cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    ours, _ = load_model(tmp_path / "c.npz", committee=True)
    expected, _ = load_model(trained[0] / "c.npz", committee=True)
    assert isinstance(ours, Committee) and isinstance(expected, Committee)
    assert all(_same_parameters(p, q) for p, q in zip(ours.members, expected.members))
    assert sorted(path.name for path in tmp_path.glob("c.*")) == ["c.npz"]


def test_keep_checkpoint_keeps_the_plan_and_each_members_checkpoint_which_resume_to_the_same_committee(
    trained, tmp_path
):
    kept = run_cli("train", *RUN, "--members", "2", "--out", "c.npz", "--keep-checkpoint", cwd=tmp_path)
    assert kept.returncode == 0, kept.stderr
    names = sorted(path.name for path in tmp_path.glob("c.*"))
    assert names == ["c.member1.npz.ckpt", "c.member2.npz.ckpt", "c.npz", "c.npz.ckpt"]
    for k, seed in ((1, 5), (2, 6)):
        _, header = load_model(tmp_path / f"c.member{k}.npz.ckpt")
        assert (
            header["checkpoint"]["state"]["epoch"] == 6 and header["checkpoint"]["settings"]["config"]["seed"] == seed
        )
    (tmp_path / "c.npz").rename(tmp_path / "first.npz")
    again = run_cli("train", "--resume", "c.npz.ckpt", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    ours, _ = load_model(tmp_path / "c.npz", committee=True)
    expected, _ = load_model(trained[0] / "c.npz", committee=True)
    assert isinstance(ours, Committee) and isinstance(expected, Committee)
    assert all(_same_parameters(p, q) for p, q in zip(ours.members, expected.members))
    assert (tmp_path / "c.npz.ckpt").is_file() and (tmp_path / "c.member1.npz.ckpt").is_file()


def test_a_member_that_fails_stops_the_run_with_one_line(tmp_path):
    result = run_cli(
        "train", *RUN, "--members", "2", "--activation", "relu", "--lr", "1e30", "--out", "c.npz", cwd=tmp_path
    )
    # Both members diverge; which one's failure is seen first is a race between two processes (the first seen is
    # named), so the line names either, with its own seed.
    assert_one_line_error(result, 1, "failed with exit code 1", "diverged")
    assert "member 1 (seed 5) failed" in result.stderr or "member 2 (seed 6) failed" in result.stderr, result.stderr
    assert not (tmp_path / "c.npz").exists()


@pytest.mark.parametrize("members", ['"two"', "1"])
def test_a_damaged_plan_and_settings_beside_it_are_refused_in_one_line(tmp_path, members):
    plan = tmp_path / "c.npz.ckpt"
    fields = '"preset": "tutorial", "limit": null, "data": null, "out": "c.npz", "metrics_json": null, "storage": null'
    plan.write_text(f'{{"format": "scratchnet-committee-run", "config": {{"members": {members}}}, {fields}}}')
    assert_one_line_error(run_cli("train", "--resume", str(plan), cwd=tmp_path), 1, str(plan), "plan is damaged")
    assert_one_line_error(
        run_cli("train", "--resume", str(plan), "--epochs", "3", cwd=tmp_path), 2, "--resume", "--epochs"
    )
