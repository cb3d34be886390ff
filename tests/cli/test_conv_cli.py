"""`scratchnet train --layers 28x28,conv...` as written, `scratchnet info` on the model it saves, and every
spelling that cannot work refused in one line with exit code 2."""

from __future__ import annotations

import pytest

from scratchnet.io import load_model
from tests.conftest import run_cli

BOOK = "28x28,conv5x5x20,pool2,conv5x5x40,pool2,100,10"


def test_the_books_spelling_trains_as_written_and_info_lists_its_layers(tmp_path):
    trained = run_cli(
        "train", "--layers", BOOK, "--activation", "relu", "--cost", "log-likelihood", "--init", "he",
        "--lr", "0.03", "--limit", "500", "--epochs", "1", "--out", "m.npz", cwd=tmp_path,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert f"network {BOOK}" in trained.stdout
    net, header = load_model(tmp_path / "m.npz")
    assert header["layers"] == BOOK and header["config"]["layers"] == BOOK
    info = run_cli("info", "m.npz", cwd=tmp_path)
    assert info.returncode == 0, info.stderr
    for row in ("conv5x5x20", "24×24×20, 520 parameters", "pool2", "4×4×40, 0 parameters", "64,100 parameters"):
        assert row in info.stdout
    assert "85,670" in info.stdout  # 520 + 20,040 + 64,100 + 1,010


@pytest.mark.parametrize(
    ("spelling", "fragments"),
    [
        ("4x4,conv5x5x20,10", ("conv5x5x20", "5×5 filter", "4×4 map")),
        ("28x28,conv5x5x20,pool5,10", ("pool5", "24×24 map")),
        ("28x28,conv5x5x20,dense,10", ("unknown layer 'dense'",)),
        ("14x14,conv3x3x2,10", ("784 inputs", "14x14,conv3x3x2,10")),
        ("28x28,conv3x3x2,5", ("at least 10 outputs",)),
        ("784,16,x", ("--layers",)),
    ],
)
def test_a_spelling_that_cannot_work_is_one_line_and_exit_2(tmp_path, spelling, fragments):
    result = run_cli("train", "--layers", spelling, "--epochs", "1", "--limit", "10", cwd=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "--layers" in lines[0] and all(fragment in lines[0] for fragment in fragments), lines[0]
