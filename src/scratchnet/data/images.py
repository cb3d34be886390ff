"""Turn a picture of one digit into the 28×28 input an MNIST network expects.

The MNIST authors normalised each digit this way, and `scratchnet predict` and the web page share it:
    1. grey levels in [0, 1], ink bright on a dark background (dark-on-light pictures are inverted);
    2. the digit's bounding box scaled to fit 20×20, keeping its aspect ratio (anti-aliased);
    3. placed in a 28×28 field with its centre of mass at the centre.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from scratchnet.errors import DataFormatError

MAX_PIXELS = 40_000_000
"""The largest picture accepted (width × height), checked before decoding: no decompression bombs."""

FIELD = 28
BOX = 20
INK_THRESHOLD = 0.1
"""Grey levels above this (after background removal) count as ink for the bounding box."""


class BlankImageError(DataFormatError):
    """The picture holds no ink to read."""


def load_image(path: str | Path) -> NDArray[np.float32]:
    """Return the picture at path as a 2-D array of grey levels in [0, 1] (1 = white).

    Raises
    ------
    DataFormatError : if the file is missing, empty, not an image, truncated, or larger than MAX_PIXELS.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(f"{path}: no such image file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise DataFormatError(f"{path}: image of {width}×{height} pixels; at most {MAX_PIXELS:,} pixels accepted")
                if width == 0 or height == 0:
                    raise DataFormatError(f"{path}: image of {width}×{height} pixels holds nothing")
                image.load()
                picture: Image.Image = image
                if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                    background = Image.new("RGBA", image.size, (255, 255, 255, 255))
                    picture = Image.alpha_composite(background, image.convert("RGBA"))
                grey = np.asarray(picture.convert("L"), dtype=np.float32) / 255.0
    except DataFormatError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise DataFormatError(f"{path}: not a readable image ({err})") from err
    except (OSError, ValueError, SyntaxError) as err:
        raise DataFormatError(f"{path}: cannot decode image ({err})") from err
    return grey


def mnistify(grey: NDArray[np.floating]) -> NDArray[np.float32]:
    """Return the (784,) MNIST-style input for a 2-D array of grey levels in [0, 1].

    Dark ink on a light background or light ink on a dark one are both accepted: the background is
    taken from the border and made 0. Raises BlankImageError when there is no ink.
    """
    grey = np.asarray(grey, dtype=np.float32)
    if grey.ndim != 2 or grey.size == 0:
        raise DataFormatError(f"an image must be a non-empty 2-D array of grey levels; got shape {grey.shape}")
    if not np.all(np.isfinite(grey)):
        raise DataFormatError("an image's grey levels must be finite numbers; got NaN or infinity")
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    ink = 1.0 - grey if np.median(border) > 0.5 else grey.copy()
    background = float(np.median(1.0 - border if np.median(border) > 0.5 else border))
    contrast = float(ink.max()) - background
    if contrast < 0.1:
        raise BlankImageError("the image is blank: no ink to read")
    ink = np.clip((ink - background) / contrast, 0.0, 1.0)
    rows = np.flatnonzero(ink.max(axis=1) > INK_THRESHOLD)
    cols = np.flatnonzero(ink.max(axis=0) > INK_THRESHOLD)
    digit = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    height, width = digit.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    boxed = np.asarray(Image.fromarray(digit, mode="F").resize(size, Image.Resampling.LANCZOS), dtype=np.float32)
    boxed = np.clip(boxed, 0.0, 1.0)
    field = np.zeros((FIELD, FIELD), dtype=np.float32)
    mass = boxed.sum()
    ys, xs = np.indices(boxed.shape)
    centre_y, centre_x = (ys * boxed).sum() / mass, (xs * boxed).sum() / mass
    top = int(np.clip(round(FIELD / 2 - 0.5 - centre_y), 0, FIELD - boxed.shape[0]))
    left = int(np.clip(round(FIELD / 2 - 0.5 - centre_x), 0, FIELD - boxed.shape[1]))
    field[top : top + boxed.shape[0], left : left + boxed.shape[1]] = boxed
    return field.reshape(FIELD * FIELD)


def image_to_input(path: str | Path) -> NDArray[np.float32]:
    """Return the (784,) MNIST-style input for the picture at path (load_image, then mnistify)."""
    try:
        return mnistify(load_image(path))
    except BlankImageError as err:
        raise BlankImageError(f"{path}: {err}") from err
