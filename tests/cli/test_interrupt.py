"""Ctrl-C during training saves a checkpoint of what was reached and exits 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from scratchnet.io import load_model


def test_ctrl_c_saves_a_checkpoint_and_exits_130(tmp_path):
    env = {**os.environ, "SCRATCHNET_HOME": str(tmp_path / ".scratchnet"), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "scratchnet", "train", "--layers", "784,20,10", "--epochs", "50", "--out", "ckpt.npz"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("epoch 1/50"):
            break
        assert time.monotonic() < deadline
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "saved a checkpoint to ckpt.npz" in stdout
    net, header = load_model(tmp_path / "ckpt.npz")
    assert header["complete"] is False and len(header["history"]["epochs"]) >= 1
    assert net.sizes == [784, 20, 10]
