"""Every file loader meets Hypothesis-mutated copies of valid files (bit flips, cuts, zeroed runs, inserted
bytes): it loads, or it raises the project's own error (a ScratchnetError subclass), and nothing else.

A mutated file may still be valid (a flipped bit in a weight is just another weight), so a load is fine;
what must never happen is any other exception, which `scratchnet` would show as a traceback.
SCRATCHNET_FUZZ_EXAMPLES raises the number of files per loader for a longer campaign.
"""

from __future__ import annotations

import gzip
import io
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from PIL import Image

from scratchnet import Network
from scratchnet.data.images import image_to_input
from scratchnet.data.mnist import read_idx
from scratchnet.errors import DataFormatError, ModelFileError
from scratchnet.io import load_model, save_model
from tests.strategies import mutated

EXAMPLES = int(os.environ.get("SCRATCHNET_FUZZ_EXAMPLES", "150"))
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def model_bytes(tmp_path: Path, compressed: bool = False) -> bytes:
    """Return the bytes of a valid small model file (4-3-2), as save_model writes it (or deflated)."""
    path = tmp_path / "model.npz"
    save_model(path, Network([4, 3, 2], seed=3), {"test_accuracy": 0.5, "history": {"epochs": [{"epoch": 1}]}})
    if not compressed:
        return path.read_bytes()
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def idx_bytes() -> bytes:
    """Return a valid IDX file of five 3×4 images of unsigned bytes."""
    images = np.arange(60, dtype=np.uint8).reshape(5, 3, 4)
    return bytes([0, 0, 8, 3]) + np.array(images.shape, dtype=">u4").tobytes() + images.tobytes()


def picture_bytes(kind: str) -> bytes:
    """Return a small picture of a bar, a '1', as PNG (grey or RGBA) or JPEG bytes."""
    grey = np.full((24, 20), 255, dtype=np.uint8)
    grey[3:21, 8:12] = 0
    image = Image.fromarray(grey, mode="L")
    if kind == "rgba-png":
        image = image.convert("RGBA")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG" if kind == "jpeg" else "PNG")
    return buffer.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The valid originals that the tests mutate."""
    folder = tmp_path_factory.mktemp("originals")
    return {
        "model": model_bytes(folder),
        "compressed-model": model_bytes(folder, compressed=True),
        "idx": idx_bytes(),
        "idx-gzip": gzip.compress(idx_bytes(), mtime=0),
        "png": picture_bytes("png"),
        "rgba-png": picture_bytes("rgba-png"),
        "jpeg": picture_bytes("jpeg"),
    }


def test_the_originals_load(tmp_path, files):
    net, header = load_model(write(tmp_path, "model.npz", files["model"]))
    assert net.sizes == [4, 3, 2] and header["test_accuracy"] == 0.5
    assert load_model(write(tmp_path, "deflated.npz", files["compressed-model"]))[0].sizes == [4, 3, 2]
    for name in ("idx", "idx-gzip"):
        assert read_idx(write(tmp_path, name, files[name]))[0].shape == (5, 3, 4)
    for name in ("png", "rgba-png", "jpeg"):
        assert image_to_input(write(tmp_path, name, files[name])).shape == (784,)


@pytest.mark.parametrize("original", ["model", "compressed-model"])
def test_mutated_model_files_load_or_raise_model_file_error(tmp_path, files, original):
    @fuzz
    @given(data=mutated(files[original]))
    def check(data: bytes) -> None:
        path = write(tmp_path, "model.npz", data)
        try:
            net, header = load_model(path)
        except ModelFileError:
            return
        assert isinstance(header, dict) and len(net.weights) == len(net.sizes) - 1

    check()


@pytest.mark.parametrize("original", ["idx", "idx-gzip"])
def test_mutated_idx_files_load_or_raise_data_format_error(tmp_path, files, original):
    @fuzz
    @given(data=mutated(files[original]))
    def check(data: bytes) -> None:
        try:
            array, digest = read_idx(write(tmp_path, "images-idx3-ubyte", data))
        except DataFormatError:
            return
        assert array.dtype == np.uint8 and len(digest) == 64

    check()


@pytest.mark.parametrize("original", ["png", "rgba-png", "jpeg"])
def test_mutated_pictures_load_or_raise_data_format_error(tmp_path, files, original):
    @fuzz
    @given(data=mutated(files[original]))
    def check(data: bytes) -> None:
        try:
            x = image_to_input(write(tmp_path, "picture", data))
        except DataFormatError:
            return
        assert x.shape == (784,) and np.all((x >= 0) & (x <= 1))

    check()
