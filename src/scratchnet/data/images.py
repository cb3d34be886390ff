"""Turn pictures of handwriting into the 28×28 inputs an MNIST network expects: one pipeline for all.

`scratchnet read`, `scratchnet predict` and the explorer's Draw panel all come here:
    load_image(path)       the file (or '-': standard input) as grey levels in [0, 1] (colour, transparency
                           and EXIF turns undone); decode_image(bytes) the same for a file's bytes;
    read_characters(grey)  every character, left to right, each with its box and its (784,) input;
    read_layout(grey)      the same characters before they are boxed, for the reader to join or cut;
                           both looked for again closer where a large picture's writing is small;
    mnistify(grey)         all the ink as one digit's (784,) input (`predict`, one digit per picture);
    image_to_input(path)   load_image, then mnistify.
The steps between (background, threshold, ruled lines, specks, characters, MNIST's 20×20 box centred
by mass in 28×28) are in `scratchnet.data.pages` and `scratchnet.data.characters`.
"""

from __future__ import annotations

import contextlib
import functools
import io
import sys
import warnings
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from scratchnet.data.characters import Character, Layout, characters_of, find_layout
from scratchnet.data.pages import find_ink
from scratchnet.errors import DataFormatError

MAX_PIXELS = 40_000_000
"""The largest picture accepted (width × height), checked before decoding: no decompression bombs."""


class BlankImageError(DataFormatError):
    """The picture holds no ink to read."""


STDIN = "-"
"""The path that names standard input: `cat photo.jpg | scratchnet read -`."""


def load_image(path: str | Path) -> NDArray[np.float32]:
    """Return the picture at path (STDIN: the bytes piped into standard input) as a 2-D array of grey levels in
    [0, 1] (1 = white).

    Raises
    ------
    DataFormatError : if the file is missing, empty, not an image, truncated, or larger than MAX_PIXELS, or standard
        input is asked for but is a terminal (nothing piped: reading it would wait for ever).
    """
    if str(path) == STDIN:
        if sys.stdin is None or sys.stdin.isatty():
            raise DataFormatError(
                f"{STDIN}: standard input is a terminal; pipe a picture in (cat photo.jpg | scratchnet read -)"
            )
        return decode_image(sys.stdin.buffer.read(), STDIN)
    path = Path(path)
    if path.is_dir():
        raise DataFormatError(f"{path}: a folder, not a picture; name the pictures in it ({path / '*.jpg'})")
    if not path.is_file():
        raise DataFormatError(f"{path}: no such image file")
    return _decoded(path, str(path))


def decode_image(data: bytes, name: str = "the picture") -> NDArray[np.float32]:
    """Return the picture whose file's bytes are `data` as grey levels in [0, 1], exactly as load_image reads the
    file (the explorer's server reads a picture sent to it so); `name` names it in any error.

    Raises DataFormatError as load_image does.
    """
    return _decoded(io.BytesIO(data), name)


@functools.cache
def _open_heic_too() -> None:
    """Teach Pillow HEIC, the format phones save photos in (an iPhone's default), through pillow-heif: once, on the
    first picture opened (its 30 ms are not paid by every command). Without its wheel (a rare platform), HEIC is
    refused as any format Pillow does not read."""
    with contextlib.suppress(ImportError):
        from pillow_heif import register_heif_opener

        register_heif_opener()


def _decoded(source: Path | io.BytesIO, name: str) -> NDArray[np.float32]:
    """Return the grey levels of the picture in source (a file, or bytes read), named `name` in any error."""
    _open_heic_too()
    if (source.getbuffer().nbytes if isinstance(source, io.BytesIO) else source.stat().st_size) == 0:
        raise DataFormatError(f"{name}: empty (0 bytes), not a picture")  # a copy cut short, a failed download
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise DataFormatError(
                        f"{name}: image of {width}×{height} pixels; at most {MAX_PIXELS:,} pixels accepted"
                    )
                if width == 0 or height == 0:
                    raise DataFormatError(f"{name}: image of {width}×{height} pixels holds nothing")
                image.load()
                picture: Image.Image = ImageOps.exif_transpose(image) or image  # phone photos stand upright by EXIF
                if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                    picture = on_ground(picture)
                return _grey_levels(picture)
    except DataFormatError:
        raise
    except UnidentifiedImageError as err:
        raise DataFormatError(f"{name}: not a readable image (no picture format that Pillow reads)") from err
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise DataFormatError(f"{name}: not a readable image ({err})") from err
    except (OSError, ValueError, SyntaxError) as err:
        raise DataFormatError(f"{name}: cannot decode image ({err})") from err


DRAWING_COVER = 0.5
"""A picture whose opaque part covers less than this share of it is a drawing on a transparent canvas."""


def on_ground(picture: Image.Image) -> Image.Image:
    """Return the picture with its transparency laid on a ground of one colour, white or black.

    A transparent pixel has no colour of its own: what is opaque is what was drawn. Where the opaque part
    covers less than DRAWING_COVER of the picture, it is the strokes themselves (a drawing app's or a web
    canvas's export), laid on black when they are light (their mean grey weighted by opacity, Σ αg / Σ α,
    above ½: white chalk on a transparent canvas) and on white otherwise, so that they stand out either way.
    A page with transparent margins is laid on white. A picture opened in the explorer is laid so too: its server
    reads the file it is sent here.
    """
    rgba = picture.convert("RGBA")
    alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255
    grey = np.asarray(rgba.convert("L"), dtype=np.float32) / 255  # Pillow's "L" leaves alpha out
    opaque = float(alpha.sum())
    light = opaque > 0 and float((alpha * grey).sum()) / opaque > 0.5
    ground = (0, 0, 0, 255) if light and opaque < DRAWING_COVER * alpha.size else (255, 255, 255, 255)
    return Image.alpha_composite(Image.new("RGBA", rgba.size, ground), rgba)


WIDE_MODES = {"I;16": 65535.0, "I;16L": 65535.0, "I;16B": 65535.0, "I;16N": 65535.0, "I": None, "F": None}
"""Pillow's modes of more than 8 bits a grey level, with their white (None: the file does not say)."""


def _grey_levels(picture: Image.Image) -> NDArray[np.float32]:
    """Return the picture's grey levels in [0, 1]: through Pillow's 8-bit "L", or, for 16-bit, 32-bit and
    floating-point grey (scanners, scientific cameras), divided by the mode's white.

    Pillow's "L" clips such levels at 255 (a 16-bit scan's paper and ink both become white). Where the mode
    does not say its white ("I", "F"), it is the first of 1, 255 and 65535 that holds the brightest level.
    """
    if picture.mode not in WIDE_MODES:
        return np.asarray(picture.convert("L"), dtype=np.float32) / np.float32(255)
    levels = np.asarray(picture, dtype=np.float64)
    levels = np.where(np.isfinite(levels), levels, 0.0)
    brightest = float(levels.max())
    white = WIDE_MODES[picture.mode] or next((w for w in (1.0, 255.0, 65535.0) if brightest <= w), brightest)
    return np.clip(levels / white, 0, 1).astype(np.float32)


def _checked(grey: NDArray[np.floating]) -> NDArray[np.float32]:
    """Return grey as float32, or raise DataFormatError unless it is a non-empty 2-D array of finite numbers."""
    grey = np.asarray(grey, dtype=np.float32)
    if grey.ndim != 2 or grey.size == 0:
        raise DataFormatError(f"an image must be a non-empty 2-D array of grey levels; got shape {grey.shape}")
    if not np.all(np.isfinite(grey)):
        raise DataFormatError("an image's grey levels must be finite numbers; got NaN or infinity")
    return grey


SMALL_WRITING = 40
"""Writing whose tallest character is shorter than this at the working size (twice MNIST's 20-pixel box), in a
picture that was reduced, is looked for again in the picture cropped around it (`read_layout`)."""


HAIRLINE = 2
"""Characters this many working pixels wide or tall, or fewer, do not place the crop: a ruled or margin line a few
pixels wide in a large photo is this thin at the working size, and broken into dashes there."""


def read_characters(grey: NDArray[np.floating]) -> list[Character]:
    """Return the characters in a picture of grey levels in [0, 1], left to right, each boxed as MNIST did.

    The pipeline of `scratchnet.data.pages.find_ink` (polarity, background, threshold, ruled lines)
    and `scratchnet.data.characters` (pieces, specks, characters: `find_layout`; 20×20 in 28×28: `characters_of`),
    looked for again closer where the writing is small (`read_layout`). An empty list means the
    picture holds no ink.
    """
    return characters_of(read_layout(grey))


def read_layout(grey: NDArray[np.floating]) -> Layout:
    """Return the page's characters as the layout rules find them, before any is read (the reader may join or cut
    them where its network is unsure: `scratchnet.segmenting`): `scratchnet.data.pages.find_ink`, then
    `characters.find_layout`, coarse to fine.

    A phone photo is reduced to the working size before its ink is looked for; a number written small on a
    large page comes out a few pixels tall there, too coarse to read (40 of 40 digits a tenth of a 2,000-pixel
    photo's side read right, 27 of 40 at three hundredths). So where the picture was reduced and its tallest
    character is under SMALL_WRITING pixels, the picture is cropped around the characters (with a margin of the
    tallest one's height), and the ink is looked for again in the crop, which is reduced less or not at all;
    its boxes still count the whole picture's pixels (`Page.origin`).
    """
    grey = _checked(grey)
    layout = find_layout(find_ink(grey))
    page = layout.page
    writing = [g for g in layout.groups if min(g.height, g.width) > HAIRLINE]
    tallest = max((g.height for g in writing), default=0)
    if page.scale <= 1.0 or not tallest or tallest >= SMALL_WRITING:
        return layout
    margin = tallest
    top = max(0, int((min(g.top for g in writing) - margin) * page.scale))
    left = max(0, int((min(g.left for g in writing) - margin) * page.scale))
    bottom = int((max(g.bottom for g in writing) + margin) * page.scale) + 1
    right = int((max(g.right for g in writing) + margin) * page.scale) + 1
    crop = grey[top:bottom, left:right]
    if max(crop.shape) > max(grey.shape) / 2:  # the writing spans the page: a crop would hardly enlarge it
        return layout
    finer = find_ink(crop)
    finer.origin = (left, top)
    zoomed = find_layout(finer)
    return zoomed if zoomed.groups else layout


def mnistify(grey: NDArray[np.floating]) -> NDArray[np.float32]:
    """Return the (784,) MNIST-style input for a 2-D array of grey levels in [0, 1]: all its ink as one digit.

    The same pipeline as `read_characters`, with every character found boxed together. Dark ink on a
    light background or light ink on a dark one are both accepted. Raises BlankImageError when there
    is no ink.
    """
    characters = characters_of(read_layout(grey), together=True)
    if not characters:
        raise BlankImageError("the image is blank: no ink to read")
    return characters[0].input


def image_to_input(path: str | Path) -> NDArray[np.float32]:
    """Return the (784,) MNIST-style input for the picture at path (load_image, then mnistify)."""
    try:
        return mnistify(load_image(path))
    except BlankImageError as err:
        raise BlankImageError(f"{path}: {err}") from err
