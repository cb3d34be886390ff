"""Bad input through the command line: one line on stderr, the right exit code, no traceback, nothing written."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from scratchnet.data.mnist import SHIPPED_DIR
from tests.conftest import run_cli


def assert_one_line_error(result, code: int, *fragments: str) -> None:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert lines[0].startswith("scratchnet")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--layers", "784,16,x,10"], ["--layers", "positive integers", "784,16,x,10"]),
        (["--layers", "784"], ["--layers"]),
        (["--layers", "784,-16,10"], ["--layers"]),
        (["--layers", "100,16,10"], ["--layers", "784 inputs", "100,16,10"]),
        (["--layers", "784,16,5"], ["--layers", "at least 10 outputs"]),
        (["--epochs", "0"], ["--epochs", "positive integer", "'0'"]),
        (["--batch-size", "-5"], ["--batch-size", "'-5'"]),
        (["--threads", "two"], ["--threads", "positive integer", "'two'"]),
        (["--lr", "0"], ["--lr", "positive finite"]),
        (["--lr", "nan"], ["--lr", "'nan'"]),
        (["--lr", "inf"], ["--lr", "'inf'"]),
        (["--activation", "swish"], ["--activation", "swish"]),
        (["--data", "no-such-dir"], ["--data", "no-such-dir"]),
        (["--out", "missing-dir/model.npz"], ["--out", "missing-dir"]),
    ],
)
def test_bad_train_arguments_exit_2_and_write_nothing(tmp_path, args, fragments):
    result = run_cli("train", *args, cwd=tmp_path)
    assert_one_line_error(result, 2, *fragments)
    assert not (tmp_path / "model.npz").exists()


def damaged_data(folder: Path, how: str) -> Path:
    shutil.copytree(SHIPPED_DIR, folder)
    target = folder / "t10k-images-idx3-ubyte.gz"
    if how == "missing":
        target.unlink()
    elif how == "magic":
        target.write_bytes(gzip.compress(b"\x00\x00\x08\x07" + b"\x00" * 64))
    elif how == "truncated":
        target.write_bytes(gzip.compress(gzip.decompress(target.read_bytes())[:100_000]))
    elif how == "not-gzip":
        target.write_bytes(b"\x1f\x8b\x08\x00garbage")
    elif how == "counts":
        labels = folder / "t10k-labels-idx1-ubyte.gz"
        data = gzip.decompress(labels.read_bytes())
        labels.write_bytes(gzip.compress(b"\x00\x00\x08\x01" + (9999).to_bytes(4, "big") + data[8:-1]))
    return folder


@pytest.mark.parametrize(
    "how, fragment",
    [
        ("missing", "no t10k-images"),
        ("magic", "magic number"),
        ("truncated", "truncated"),
        ("not-gzip", "cannot read"),
        ("counts", "must agree"),
    ],
)
def test_damaged_idx_files_exit_1_before_training(tmp_path, how, fragment):
    folder = damaged_data(tmp_path / "data", how)
    result = run_cli("train", "--data", str(folder), cwd=tmp_path)
    assert_one_line_error(result, 1, fragment)
    assert "epoch" not in result.stdout
    assert not (tmp_path / "model.npz").exists()


def test_model_file_that_is_not_a_model_exits_1(tmp_path):
    (tmp_path / "fake.npz").write_bytes(b"hello")
    for command in (["evaluate", "fake.npz"], ["info", "fake.npz"], ["predict", "fake.npz", "x.png"]):
        assert_one_line_error(run_cli(*command, cwd=tmp_path), 1, "fake.npz", "not a scratchnet model")
    assert_one_line_error(run_cli("info", "absent.npz", cwd=tmp_path), 1, "absent.npz")


@pytest.fixture(scope="module")
def model(tmp_path_factory, trained_model):
    return trained_model


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda p: None, "no such image"),
        (lambda p: p.write_bytes(b""), "digit.png: empty (0 bytes), not a picture"),
        (lambda p: p.write_text("text, not pixels"), "not a readable image"),
        (lambda p: Image.new("L", (80, 80), 255).save(p), "blank"),
        (lambda p: Image.new("1", (9000, 9000)).save(p), "at most 40,000,000 pixels"),
    ],
)
def test_bad_images_exit_1_with_the_file_named(tmp_path, model, make, fragment):
    make(tmp_path / "digit.png")
    result = run_cli("predict", str(model), "digit.png", cwd=tmp_path)
    assert_one_line_error(result, 1, "digit.png", fragment)


def test_a_bad_picture_among_good_ones_is_named_and_the_others_answered(tmp_path, model, mnist):
    for index in range(2):
        grey = np.kron(255 - mnist.test.images[index].reshape(28, 28), np.ones((6, 6), dtype=np.uint8))
        Image.fromarray(grey.astype(np.uint8)).save(tmp_path / f"digit{index}.png")
    (tmp_path / "broken.png").write_text("text, not pixels")
    result = run_cli("predict", str(model), "digit0.png", "broken.png", "digit1.png", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert [line.split(":")[0] for line in result.stdout.splitlines()[::2]] == ["digit0.png", "digit1.png"]
    assert result.stderr.splitlines() == [
        "scratchnet: error: broken.png: not a readable image (no picture format that Pillow reads)"
    ]


def test_a_directory_given_as_image_exits_1(tmp_path, model):
    (tmp_path / "digit.png").mkdir()
    assert_one_line_error(run_cli("predict", str(model), "digit.png", cwd=tmp_path), 1, "digit.png: a folder")


def test_unknown_command_and_missing_arguments_exit_2(tmp_path):
    assert_one_line_error(run_cli("fly", cwd=tmp_path), 2, "invalid choice")
    assert_one_line_error(run_cli("predict", cwd=tmp_path), 2, "required")


def test_diverging_training_stops_with_advice(tmp_path):
    result = run_cli(
        "train",
        "--layers",
        "784,30,10",
        "--activation",
        "relu",
        "--cost",
        "log-likelihood",
        "--lr",
        "1e30",
        "--epochs",
        "3",
        cwd=tmp_path,
    )
    assert_one_line_error(result, 1, "epoch 1", "smaller learning rate")
    assert not (tmp_path / "model.npz").exists()


def test_plain_numpy_array_file_is_not_a_model(tmp_path):
    np.save(tmp_path / "array.npy", np.zeros(3))
    assert_one_line_error(run_cli("info", "array.npy", cwd=tmp_path), 1, "not a scratchnet model")
