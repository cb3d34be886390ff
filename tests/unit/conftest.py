"""Fixtures of the explorer's unit tests: the served model's arrays, and a client of the app serving it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from starlette.testclient import TestClient

from scratchnet import MNIST
from scratchnet.io import load_model
from scratchnet.web import Explorer, create_app


@pytest.fixture(scope="module")
def arrays(trained_model: Path) -> dict[str, np.ndarray]:
    """The model file's weights and biases as float64, read straight from the .npz."""
    with np.load(trained_model, allow_pickle=False) as archive:
        return {name: archive[name].astype(np.float64) for name in archive.files if name != "header"}


@pytest.fixture
def client(trained_model: Path, mnist: MNIST, tmp_path: Path) -> Iterator[TestClient]:
    """A TestClient of the explorer serving the trained model, saving into tmp_path."""
    net, header = load_model(trained_model)
    explorer = Explorer(
        net, str(trained_model), header.get("test_accuracy"), save_directory=tmp_path / "home", load_data=lambda: mnist
    )
    with TestClient(create_app(explorer)) as test_client:
        yield test_client
