"""`scratchnet export MODEL OUT.onnx`, run as a subprocess: the file it writes runs in onnxruntime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime

from scratchnet import MNIST
from scratchnet.io import load_model
from tests.cli.test_bad_input import assert_one_line_error
from tests.conftest import run_cli


def test_export_writes_an_onnx_file_that_reads_the_digits_as_the_model_does(
    tmp_path: Path, trained_model: Path, mnist: MNIST
):
    result = run_cli("export", str(trained_model), "net.onnx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrote net.onnx" in result.stdout and "784-30-10" in result.stdout
    session = onnxruntime.InferenceSession(str(tmp_path / "net.onnx"), providers=["CPUExecutionProvider"])
    X = (mnist.test.images[:500].reshape(500, -1) / 255).astype(np.float32)
    (probabilities,) = session.run(["probabilities"], {"input": X})
    net, _header = load_model(trained_model)
    assert np.array_equal(probabilities.argmax(axis=1), net.predict(X))
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".scratchnet")) == ["net.onnx"]


def test_export_of_a_file_that_is_not_a_model_exits_1_and_writes_nothing(tmp_path: Path):
    (tmp_path / "fake.npz").write_bytes(b"not a zip")
    assert_one_line_error(
        run_cli("export", "fake.npz", "out.onnx", cwd=tmp_path), 1, "fake.npz", "not a scratchnet model"
    )
    assert not (tmp_path / "out.onnx").exists()


def test_export_into_a_missing_folder_exits_2(tmp_path: Path, trained_model: Path):
    assert_one_line_error(run_cli("export", str(trained_model), "nowhere/out.onnx", cwd=tmp_path), 2, "nowhere")


def _save_conv(path: Path, dtype: str = "float32") -> Path:
    """Save a small, untrained ConvNetwork at path with scratchnet.io, as `scratchnet train` would."""
    from scratchnet.core.convnet import ConvNetwork
    from scratchnet.io import save_model

    save_model(path, ConvNetwork("28x28,conv5x5x4,pool2,conv3x3x6,pool2,10", seed=3, dtype=dtype))
    return path


def test_export_writes_a_convolutional_model_that_onnxruntime_runs_as_scratchnet_does(tmp_path: Path, mnist: MNIST):
    model = _save_conv(tmp_path / "conv.npz")
    result = run_cli("export", "conv.npz", "conv.onnx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrote conv.onnx" in result.stdout and "28x28,conv5x5x4,pool2,conv3x3x6,pool2,10 network" in result.stdout
    session = onnxruntime.InferenceSession(str(tmp_path / "conv.onnx"), providers=["CPUExecutionProvider"])
    X = (mnist.test.images[:500].reshape(500, -1) / 255).astype(np.float32)
    (probabilities,) = session.run(["probabilities"], {"input": X})
    net, _header = load_model(model)
    assert np.abs(probabilities - net.probabilities(X)).max() < 1e-5
    assert np.array_equal(probabilities.argmax(axis=1), net.predict(X))


def test_export_of_a_float64_convolutional_model_exits_2_in_one_line(tmp_path: Path):
    _save_conv(tmp_path / "conv64.npz", dtype="float64")
    assert_one_line_error(
        run_cli("export", "conv64.npz", "out.onnx", cwd=tmp_path), 2, "float64 convolutional", "--dtype float32"
    )
    assert not (tmp_path / "out.onnx").exists()
