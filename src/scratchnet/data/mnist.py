"""MNIST: read IDX files (gzip-compressed or raw), verify them, split them as Nielsen's book does.

The IDX format: two zero bytes, a type code (0x08 for unsigned bytes), the number of dimensions d,
then d big-endian uint32 sizes, then the data in C order. Images stay uint8 in memory
(60,000 × 784 bytes ≈ 47 MB) and are scaled to [0, 1] one mini-batch at a time.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from scratchnet.errors import DataFormatError

SHIPPED_DIR = Path(__file__).parent / "shipped"
"""The four MNIST files shipped inside the package."""

SHIPPED_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
"""SHA-256 of the decompressed IDX bytes of the shipped files."""

VALIDATION_SIZE = 10_000
"""The last 10,000 training images validate; the first 50,000 train (as in Nielsen's book)."""

MAX_IDX_BYTES = 1 << 31
"""The largest IDX payload accepted (2 GiB), so a corrupt header cannot ask for unbounded memory."""

_IDX_UBYTE = 0x08


@dataclass(frozen=True)
class Split:
    """One part of a data set: images (n, rows·cols) uint8 and labels (n,) uint8."""

    images: NDArray[np.uint8]
    labels: NDArray[np.uint8]

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class MNIST:
    """A data set split into training, validation and test parts, with its provenance."""

    train: Split
    validation: Split
    test: Split
    image_shape: tuple[int, int]
    source: str
    sha256: str
    """SHA-256 over the four files' decompressed SHA-256 digests: one fingerprint for the data."""

    @property
    def num_classes(self) -> int:
        """Return 1 + the largest label in any split (10 for MNIST)."""
        return 1 + int(max(s.labels.max() for s in (self.train, self.validation, self.test) if len(s)))


def _open_bytes(path: Path) -> io.BufferedIOBase:
    """Return a binary stream of path's bytes, decompressing gzip when the file starts with its magic."""
    with path.open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if compressed else path.open("rb")


def read_idx(path: str | Path, ndim: int | None = None) -> tuple[NDArray[np.uint8], str]:
    """Return (array, SHA-256 of the decompressed bytes) for an IDX file of unsigned bytes.

    Raises
    ------
    DataFormatError : if the file is missing, not IDX (wrong magic number), not unsigned bytes, of the
        wrong number of dimensions, truncated, followed by extra bytes, or a corrupt gzip stream.
    """
    path = Path(path)
    try:
        with _open_bytes(path) as stream:
            header = stream.read(4)
            if len(header) < 4 or header[:2] != b"\0\0" or header[2] != _IDX_UBYTE or not 1 <= header[3] <= 4:
                raise DataFormatError(
                    f"{path}: not an IDX file of unsigned bytes (magic number 0x0000080N expected); "
                    f"got 0x{header.hex() or 'empty'}"
                )
            dims_bytes = stream.read(4 * header[3])
            if len(dims_bytes) < 4 * header[3]:
                raise DataFormatError(f"{path}: truncated IDX header")
            shape = tuple(int(d) for d in np.frombuffer(dims_bytes, dtype=">u4"))
            if ndim is not None and len(shape) != ndim:
                raise DataFormatError(f"{path}: expected an IDX array of {ndim} dimensions; got shape {shape}")
            size = math.prod(shape)  # Python integers: four uint32 sizes can overflow int64 into a negative size
            if size > MAX_IDX_BYTES:
                raise DataFormatError(f"{path}: IDX header asks for {size:,} bytes; at most {MAX_IDX_BYTES:,} accepted")
            payload = stream.read(size)
            if len(payload) < size:
                raise DataFormatError(
                    f"{path}: truncated: header promises {size:,} data bytes, file has {len(payload):,}"
                )
            if stream.read(1):
                raise DataFormatError(f"{path}: {size:,} data bytes expected after the header; found more")
    except FileNotFoundError as err:
        raise DataFormatError(f"{path}: no such file") from err
    except IsADirectoryError as err:
        raise DataFormatError(f"{path}: is a directory, not an IDX file") from err
    except (OSError, EOFError, zlib.error) as err:
        raise DataFormatError(f"{path}: cannot read: {err}") from err
    digest = hashlib.sha256(header + dims_bytes + payload).hexdigest()
    return np.frombuffer(payload, dtype=np.uint8).reshape(shape), digest


def find_idx(directory: Path, stem: str) -> Path:
    """Return the file for stem (e.g. 'train-images-idx3-ubyte') in directory, in any common naming.

    Accepted: `train-images-idx3-ubyte` and `train-images.idx3-ubyte`, each raw or with `.gz`.
    """
    dotted = stem.replace("-idx", ".idx")
    for name in (stem, dotted):
        for suffix in (".gz", ""):
            candidate = directory / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
    raise DataFormatError(f"{directory}: no {stem} file found (looked for {stem}[.gz] and {dotted}[.gz])")


def _read_pair(directory: Path, prefix: str) -> tuple[Split, tuple[int, int], list[str]]:
    """Return the images and labels with file prefix ('train' or 't10k'), checked against each other."""
    images_path = find_idx(directory, f"{prefix}-images-idx3-ubyte")
    labels_path = find_idx(directory, f"{prefix}-labels-idx1-ubyte")
    images, images_sha = read_idx(images_path, ndim=3)
    labels, labels_sha = read_idx(labels_path, ndim=1)
    if len(images) != len(labels):
        raise DataFormatError(
            f"{images_path.name} has {len(images):,} images but {labels_path.name} has {len(labels):,} labels; they must agree"
        )
    if len(images) == 0 or images.shape[1] == 0 or images.shape[2] == 0:
        raise DataFormatError(f"{images_path}: holds no images (shape {images.shape})")
    rows, cols = images.shape[1:]
    return Split(images.reshape(len(images), rows * cols), labels), (rows, cols), [images_sha, labels_sha]


def load_mnist(directory: str | Path | None = None, validation_size: int = VALIDATION_SIZE) -> MNIST:
    """Return MNIST (or any data set in its format) split into training, validation and test sets.

    Parameters
    ----------
    directory : a folder with the four IDX files; None loads the copy shipped in the package,
        whose decompressed bytes are verified against their published SHA-256.
    validation_size : how many of the last training images to hold out for validation (10,000).

    Raises
    ------
    DataFormatError : for a missing or corrupt file, counts that disagree, or a shipped file whose
        checksum does not match.
    """
    folder = SHIPPED_DIR if directory is None else Path(directory)
    if not folder.is_dir():
        raise DataFormatError(f"{folder}: not a directory of IDX files")
    train, train_shape, train_sha = _read_pair(folder, "train")
    test, test_shape, test_sha = _read_pair(folder, "t10k")
    if train_shape != test_shape:
        raise DataFormatError(f"{folder}: training images are {train_shape}, test images {test_shape}; they must agree")
    digests = train_sha + test_sha
    if directory is None:
        for stem, digest in zip(SHIPPED_SHA256, digests):
            if digest != SHIPPED_SHA256[stem]:
                raise DataFormatError(
                    f"shipped {stem}: SHA-256 {digest} does not match the published {SHIPPED_SHA256[stem]}"
                )
    if not 0 <= validation_size < len(train):
        raise DataFormatError(f"validation_size must lie in 0..{len(train) - 1}; got {validation_size}")
    cut = len(train) - validation_size
    return MNIST(
        train=Split(train.images[:cut], train.labels[:cut]),
        validation=Split(train.images[cut:], train.labels[cut:]),
        test=test,
        image_shape=train_shape,
        source="shipped MNIST" if directory is None else str(folder),
        sha256=hashlib.sha256("".join(digests).encode()).hexdigest(),
    )
