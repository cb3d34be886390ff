"""Shared fixtures: real MNIST (loaded once), a small trained model, and the Hypothesis profiles."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from scratchnet import MNIST, Network, load_mnist

# Read when SciPy first loads (no import above loads it): scikit-learn's array-API check then runs rather than skips.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# Tests press Ctrl-C on the commands they start (SIGINT, expecting exit 130). A suite started in the background
# (`make test &` from a script) inherits SIGINT ignored, and so would those commands: Python leaves an ignored
# SIGINT ignored. A handler here is reset to the default in every child at exec, so each command hears Ctrl-C.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

FIGURE_KINDS = (
    "step-vs-sigmoid",
    "descent",
    "sgd-path",
    "learning-curves",
    "hidden-weights",
    "confusion",
    "mistakes",
    "noise",
    "dream",
    "gradient-importance",
    "wishes",
    "filters",
    "feature-maps",
)
"""The tutorial's figures, written out here apart from scratchnet.tutorial.figures so that tests hold the
declaration, the plot command and the tutorial's commands to one independent list."""

CONVOLUTIONAL_FIGURE_KINDS = ("filters", "feature-maps")
"""The figures only a convolutional network has (drawn from `cli_trained_conv_model`)."""


@pytest.fixture(scope="session")
def mnist() -> MNIST:
    """The real MNIST shipped with the package (verified by SHA-256)."""
    return load_mnist()


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory, mnist: MNIST) -> Path:
    """A 784-30-10 model trained briefly on real MNIST and saved with scratchnet.io (about 93% accurate).

    Its weights start scaled (N(0, 1/n_in)), so no sigmoid starts saturated: from the book's N(0, 1) the
    same two epochs read 63% to 90% by seed and moved by a third of a point between BLAS kernels
    (Haswell 88.51%, SkylakeX 88.26%, Sandybridge 88.74% for seed 1); scaled, seeds 1–8 read 92.98% to
    93.82%. It trains in float64 and is saved in float32, as users' models are: float32 training ends
    1e-5 apart on the Haswell, SkylakeX and Sandybridge kernels, float64 training 1.5e-14 apart, so the
    tests that count what it reads count the same on every kernel.
    """
    from scratchnet.io import save_model

    trained = Network([784, 30, 10], seed=1, init="scaled", dtype="float64")
    trained.sgd(mnist.train.images[:20_000], mnist.train.labels[:20_000], epochs=2, batch_size=10, lr=3.0)
    net = Network([784, 30, 10], seed=1, init="scaled")  # its header records the seed and initialisation it began with
    net.weights = [w.astype(np.float32) for w in trained.weights]
    net.biases = [b.astype(np.float32) for b in trained.biases]
    path = tmp_path_factory.mktemp("model") / "model.npz"
    save_model(path, net, {"test_accuracy": net.evaluate(mnist.test.images, mnist.test.labels) / len(mnist.test)})
    return path


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run `python -m scratchnet ARGS` in cwd with SCRATCHNET_HOME inside cwd; return the finished process."""
    environment = {**os.environ, "SCRATCHNET_HOME": str(cwd / ".scratchnet"), "COLUMNS": "120", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "scratchnet", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_cli(*args: str, cwd: Path) -> subprocess.Popen[str]:
    """Start `python -m scratchnet ARGS` in cwd (SCRATCHNET_HOME inside it, output unbuffered and piped); return it."""
    environment = {**os.environ, "SCRATCHNET_HOME": str(cwd / ".scratchnet"), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "scratchnet", *args],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def cli_trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 784-30-10 model trained for 2 epochs by `scratchnet train` itself (header with history; ~93% accurate).

    Its folder holds `.scratchnet/last-model` pointing at it, as `run_cli(..., cwd=folder)` expects.
    """
    folder = tmp_path_factory.mktemp("cli-model")
    done = run_cli("train", "--layers", "784,30,10", "--epochs", "2", "--out", "model.npz", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder / "model.npz"


@pytest.fixture(scope="session")
def cli_trained_conv_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 28x28,conv5x5x4,pool2,10 ReLU model trained by `scratchnet train` for 3 seconds of one epoch (about 90%)."""
    folder = tmp_path_factory.mktemp("cli-conv-model")
    done = run_cli(
        *("train", "--layers", "28x28,conv5x5x4,pool2,10", "--activation", "relu", "--cost", "log-likelihood"),
        *("--init", "he", "--lr", "0.05", "--epochs", "1", "--time-budget", "3", "--out", "conv.npz"),
        cwd=folder,
    )
    assert done.returncode == 0, done.stderr
    return folder / "conv.npz"
