"""`scratchnet train --teacher MODEL [--temperature T] [--soft-weight α]`: a teacher that cannot teach is one line
and exit code 2; one that can is recorded in the model's header, and its run resumes to the same model."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from scratchnet import Network
from scratchnet.io import MODELS, load_model, save_model
from tests.cli.test_bad_input import assert_one_line_error
from tests.conftest import run_cli

QUICK = ["--layers", "784,16,10", "--cost", "log-likelihood", "--limit", "500", "--epochs", "2"]


def _saved(tmp_path, sizes, name: str) -> str:
    save_model(tmp_path / name, Network(sizes, cost="log-likelihood"))
    return name


@pytest.mark.parametrize(
    "make, extra, fragments",
    [
        (lambda tmp: "no-such-teacher.npz", [], ["--teacher", "no-such-teacher.npz", "no such model file", "reader"]),
        (lambda tmp: _saved(tmp, [784, 8, 12], "twelve.npz"), [], ["--teacher", "10 outputs", "784-8-12"]),
        (lambda tmp: _saved(tmp, [784, 8, 10], "ten.npz"), ["--layers", "784,16,11"], ["--teacher", "11 outputs"]),
        (lambda tmp: _saved(tmp, [100, 8, 10], "small.npz"), [], ["--teacher", "784 inputs", "100-8-10"]),
        (lambda tmp: (tmp / "junk.npz").write_bytes(b"not a model") and "junk.npz", [], ["--teacher", "junk.npz"]),
        (lambda tmp: "reader", ["--augment", "shift"], ["--teacher", "augmentation", "'reader'", "shift"]),
    ],
    ids=["missing", "other-outputs", "fewer-outputs", "other-inputs", "damaged", "with-augmentation"],
)
def test_a_teacher_that_cannot_teach_is_one_line_and_exit_2(tmp_path, make, extra, fragments):
    teacher = make(tmp_path)
    result = run_cli("train", *QUICK, *extra, "--teacher", teacher, "--out", "m.npz", cwd=tmp_path)
    assert_one_line_error(result, 2, *fragments)
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--temperature", "0"], ["--temperature", "positive finite", "'0'"]),
        (["--temperature", "-2"], ["--temperature", "'-2'"]),
        (["--temperature", "warm"], ["--temperature", "'warm'"]),
        (["--temperature", "nan"], ["--temperature", "'nan'"]),
        (["--soft-weight", "1.5"], ["--soft-weight", "[0, 1]", "'1.5'"]),
        (["--teacher", ""], ["--teacher"]),
    ],
)
def test_bad_distillation_settings_are_one_line_and_exit_2(tmp_path, args, fragments):
    result = run_cli("train", *QUICK, "--teacher", "reader", *args, cwd=tmp_path)
    assert_one_line_error(result, 2, *fragments)


def test_a_distilled_run_records_its_teacher_in_the_header(tmp_path):
    result = run_cli(
        "train",
        *QUICK,
        "--teacher",
        "reader",
        "--temperature",
        "3",
        "--soft-weight",
        "0.8",
        "--out",
        "m.npz",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "teacher reader: 784-512-256-11" in result.stdout and "T = 3, α = 0.8" in result.stdout
    net, header = load_model(tmp_path / "m.npz")
    config = header["config"]
    assert (config["teacher"], config["temperature"], config["soft_weight"]) == ("reader", 3.0, 0.8)
    shipped = MODELS / "reader.npz"
    assert header["teacher"]["sha256"] == hashlib.sha256(shipped.read_bytes()).hexdigest()
    assert header["teacher"]["layers"] == "784-512-256-11" and header["teacher"]["test_accuracy"] > 0.98
    assert net.sizes == [784, 16, 10] and header["test_accuracy"] > 0.5


def test_a_resumed_run_whose_teacher_file_changed_is_refused(tmp_path):
    _saved(tmp_path, [784, 8, 10], "t.npz")
    done = run_cli("train", *QUICK, "--teacher", "t.npz", "--out", "m.npz", "--keep-checkpoint", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    again = run_cli("train", "--resume", "m.npz.ckpt", "--out", "again.npz", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    first, second = load_model(tmp_path / "m.npz")[0], load_model(tmp_path / "again.npz")[0]
    assert all(np.array_equal(p, q) for p, q in zip(first.weights + first.biases, second.weights + second.biases))
    save_model(tmp_path / "t.npz", Network([784, 8, 10], cost="log-likelihood", seed=9))  # another teacher
    changed = run_cli("train", "--resume", "m.npz.ckpt", "--out", "changed.npz", cwd=tmp_path)
    assert_one_line_error(changed, 1, "m.npz.ckpt", "taught by t.npz", "SHA-256")
