"""The IDX reader and the MNIST loader, on the shipped files and on files written here byte by byte."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from scratchnet import DataFormatError, load_mnist
from scratchnet.data.mnist import SHIPPED_DIR, read_idx

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def idx_bytes(array: np.ndarray) -> bytes:
    """Return the IDX encoding of a uint8 array: 0, 0, 0x08, ndim, big-endian sizes, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + array.astype(np.uint8).tobytes()


def write_set(folder: Path, n_train: int = 30, n_test: int = 10, style: str = "-idx", compress: bool = True) -> Path:
    """Write a small MNIST-format set of random 28×28 images into folder; return folder."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        for kind, array in (
            ("images-idx3", rng.integers(0, 256, (n, 28, 28))),
            ("labels-idx1", rng.integers(0, 10, n)),
        ):
            name = f"{prefix}-{kind}-ubyte".replace("-idx", style)
            data = idx_bytes(np.asarray(array))
            if compress:
                (folder / f"{name}.gz").write_bytes(gzip.compress(data))
            else:
                (folder / name).write_bytes(data)
    return folder


def test_shipped_mnist_has_the_published_counts_and_split(mnist):
    assert mnist.train.images.shape == (50_000, 784) and mnist.train.images.dtype == np.uint8
    assert mnist.validation.images.shape == (10_000, 784)
    assert mnist.test.images.shape == (10_000, 784)
    train_labels = np.concatenate([mnist.train.labels, mnist.validation.labels])
    assert np.bincount(train_labels).tolist() == TRAIN_COUNTS
    assert np.bincount(mnist.test.labels).tolist() == TEST_COUNTS
    assert mnist.num_classes == 10 and mnist.image_shape == (28, 28)


def test_shipped_mnist_costs_about_55_megabytes(mnist):
    total = sum(s.images.nbytes + s.labels.nbytes for s in (mnist.train, mnist.validation, mnist.test))
    assert total == 70_000 * 785


@pytest.mark.parametrize("style", ["-idx", ".idx"])
@pytest.mark.parametrize("compress", [True, False])
def test_reads_both_name_styles_raw_or_gzip(tmp_path, style, compress):
    data = load_mnist(write_set(tmp_path, style=style, compress=compress), validation_size=5)
    assert (len(data.train), len(data.validation), len(data.test)) == (25, 5, 10)
    assert data.source == str(tmp_path)


def test_round_trips_the_bytes_it_reads(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a").write_bytes(idx_bytes(array))
    loaded, digest = read_idx(tmp_path / "a")
    np.testing.assert_array_equal(loaded, array)
    assert len(digest) == 64


def test_a_changed_shipped_file_fails_its_checksum(tmp_path, monkeypatch):
    copy = tmp_path / "shipped"
    shutil.copytree(SHIPPED_DIR, copy)
    labels = gzip.decompress((copy / "t10k-labels-idx1-ubyte.gz").read_bytes())
    (copy / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels[:-1] + bytes([(labels[-1] + 1) % 10])))
    monkeypatch.setattr("scratchnet.data.mnist.SHIPPED_DIR", copy)
    with pytest.raises(DataFormatError, match="SHA-256"):
        load_mnist()


def corrupt(folder: Path, how: str) -> str:
    """Damage one file of a written set; return a fragment the error message must contain."""
    path = folder / "train-images-idx3-ubyte.gz"
    data = gzip.decompress(path.read_bytes())
    if how == "magic":
        path.write_bytes(gzip.compress(b"\x00\x00\x09\x03" + data[4:]))
        return "magic number"
    if how == "truncated":
        path.write_bytes(gzip.compress(data[:-100]))
        return "truncated"
    if how == "extra":
        path.write_bytes(gzip.compress(data + b"\x00"))
        return "found more"
    if how == "not-gzip":
        path.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
        return "cannot read"
    if how == "counts":
        labels = folder / "train-labels-idx1-ubyte.gz"
        arr = np.frombuffer(gzip.decompress(labels.read_bytes())[8:], dtype=np.uint8)
        labels.write_bytes(gzip.compress(idx_bytes(arr[:-1])))
        return "must agree"
    if how == "missing":
        path.unlink()
        return "no train-images-idx3-ubyte file"
    if how == "empty":
        path.write_bytes(b"")
        return "magic number"
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["magic", "truncated", "extra", "not-gzip", "counts", "missing", "empty"])
def test_corrupt_files_raise_data_format_error_naming_the_problem(tmp_path, how):
    folder = write_set(tmp_path)
    fragment = corrupt(folder, how)
    with pytest.raises(DataFormatError, match=fragment):
        load_mnist(folder, validation_size=5)


def test_header_asking_for_absurd_size_is_refused_without_allocating(tmp_path):
    (tmp_path / "huge").write_bytes(bytes([0, 0, 8, 3]) + np.array([100_000, 10_000, 10_000], dtype=">u4").tobytes())
    with pytest.raises(DataFormatError, match="at most"):
        read_idx(tmp_path / "huge")
