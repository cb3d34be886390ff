"""The tutorial's network, trained by `scratchnet train` with its defaults, learns to read digits."""

from __future__ import annotations

import re

import pytest

from tests.conftest import run_cli

STATED_ACCURACY = 93.0
"""Percent of the 10,000 test images the defaults must read (seeds 0–4 measured 93.2–94.0%, see README)."""


@pytest.mark.slow
def test_default_training_beats_the_stated_accuracy_and_evaluates_the_same(tmp_path):
    trained = run_cli("train", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert "784-16-16-10" in trained.stdout and "13,002 weights and biases" in trained.stdout
    assert len(re.findall(r"^epoch \d+/30 ", trained.stdout, re.M)) == 30
    accuracy = re.fullmatch(r"test accuracy: (\d+\.\d\d)%", trained.stdout.strip().splitlines()[-1]).group(1)
    assert float(accuracy) >= STATED_ACCURACY
    evaluated = run_cli("evaluate", "model.npz", cwd=tmp_path)
    assert f"accuracy: {accuracy}%" in evaluated.stdout
