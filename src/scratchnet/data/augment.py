"""Data augmentation: fresh distortions of each mini-batch, made on the fly from the uint8 images.

The training set is never copied or expanded: each mini-batch of m images is distorted as it is drawn,
so every epoch sees new variants (the book's "expanding the training data", chapter 3, and
Simard, Steinkraus & Platt 2003).

Every distortion is one map from output pixel (row, column) = p to a source point q in the original
image, read there by bilinear interpolation (pixels outside the image are black):

    q = c + (1/s) R(θ) H(k) (p − c) + t + d(p)

with c the image centre, s a scale factor, R(θ) the rotation by θ, H(k) a slant (shear) by k, t an integer shift, and d a
displacement field. Each named distortion draws its part at random per image (the rest stay 0 or 1):

    shift     t ∈ {−2, …, 2}² pixels, uniformly (the book shifts by one pixel)
    rotate    θ ~ U(−10°, 10°)
    scale     s ~ U(0.9, 1.1)
    slant     k ~ U(−0.3, 0.3): the shear H(k) (p − c) that moves each row sideways by k times its height
              above the centre, a writer's slant of up to 17° either way (a pen's, not MNIST's own)
    elastic   d = α · (G_σ ∗ u), u ~ U(−1, 1) per pixel and coordinate, G_σ a Gaussian of width σ
              (Simard's elastic distortion; α and σ in pixels, see `Augmenter`), drawn as
              a field with the same covariance (`field_basis`)

and one distortion of the grey levels after the map, for pens thicker or thinner than MNIST's:

    thickness x → x + u (x⊕ − x) for u ~ U(0, 1), or x → x + u (x − x⊖) for u ~ U(−1, 0), with x⊕
              and x⊖ the image's grey dilation and erosion over 3×3 pixels (each half the time)

The Gaussian smoothing is separable, G u Gᵀ, and what it leaves of u is a few smooth directions: the
field is drawn in them (`field_basis`, its Karhunen–Loève expansion: 8 normal terms a side for σ = 4
where u has 784, the same covariance but for a 10⁻⁵ share of the variance), two small products for the
whole mini-batch at once; all the sampling is index arithmetic on the flattened images.
A shift alone reads whole pixels, so it is a copy of a window (`shifted`: the same values, some 20 times
faster than interpolating: 0.06 s against 1.2 s for 50,000 images on one core).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from scratchnet.errors import ConfigError

Array = NDArray[np.floating]

AUGMENTATIONS = ("shift", "rotate", "scale", "slant", "elastic", "thickness")
"""The distortions, by the names `--augment` accepts."""


def check_augmentations(kinds: Sequence[str]) -> tuple[str, ...]:
    """Return the names without repeats, or raise ConfigError unless they are one or more of AUGMENTATIONS."""
    unknown = [kind for kind in kinds if kind not in AUGMENTATIONS]
    if unknown or not kinds:
        raise ConfigError(f"augmentations must be one or more of {', '.join(AUGMENTATIONS)}; got {','.join(kinds)!r}")
    return tuple(dict.fromkeys(kinds))


def gaussian_matrix(size: int, sigma: float) -> NDArray[np.float64]:
    """Return G, (size, size), with G u Gᵀ the Gaussian blur of width σ of a (size, size) field u.

    G_ij = exp(−(i − j)² / 2σ²) / (σ√(2π)): the normalised kernel, with zeros beyond the border.
    """
    offsets = np.arange(size)[:, None] - np.arange(size)[None, :]
    return np.exp(-(offsets**2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))


FIELD_VARIANCE = 1 - 1e-5
"""The share of the smoothed field's variance along each axis that the drawn terms keep (8 of 28 for σ = 4)."""


def field_basis(size: int, sigma: float) -> NDArray[np.float32]:
    """Return A, (size, k): the directions of the smoothed field G u Gᵀ along one axis, scaled by their spread.

    With u of independent entries of variance v, the field d = G u Gᵀ has covariance v (G Gᵀ) ⊗ (G Gᵀ).
    Writing G Gᵀ = E Λ Eᵀ (its eigenvectors, largest first), d = √v A Z Aᵀ with A = E_k Λ_k^½ and Z a k×k
    matrix of independent N(0, 1) has the same covariance, but for the eigenvalues beyond the k that keep
    FIELD_VARIANCE of the trace (the Karhunen–Loève expansion); u's field is a sum of size² terms, near
    normal already. A Aᵀ = G Gᵀ up to that share: what a test holds.
    """
    G = gaussian_matrix(size, sigma)
    variances, directions = np.linalg.eigh(G @ G.T)  # ascending
    variances, directions = np.clip(variances[::-1], 0, None), directions[:, ::-1]
    k = int(np.searchsorted(np.cumsum(variances) / variances.sum(), FIELD_VARIANCE)) + 1
    return (directions[:, :k] * np.sqrt(variances[:k])).astype(np.float32)


class Augmenter:
    """Distort mini-batches of flattened uint8 images: call it with (X, rng) to get floats in [0, 1].

    Parameters
    ----------
    kinds : which distortions to draw, any of 'shift', 'rotate', 'scale', 'elastic', 'thickness'.
    image_shape : (height, width) of each image (28, 28 for MNIST); X has height·width columns.
    max_shift : t is drawn from {−max_shift, …, max_shift} in each direction (pixels).
    max_degrees : θ is drawn from U(−max_degrees, max_degrees).
    max_scale : s is drawn from U(1 − max_scale, 1 + max_scale).
    alpha, sigma : the elastic field's strength α (pixels) and smoothness σ (pixels).

    Raises
    ------
    ConfigError : for an unknown kind.
    """

    def __init__(
        self,
        kinds: Sequence[str],
        image_shape: tuple[int, int] = (28, 28),
        max_shift: int = 2,
        max_degrees: float = 10.0,
        max_scale: float = 0.1,
        alpha: float = 34.0,
        sigma: float = 4.0,
        max_slant: float = 0.3,
    ) -> None:
        self.kinds = check_augmentations(kinds)
        self.height, self.width = image_shape
        self.max_shift, self.max_degrees, self.max_scale = max_shift, max_degrees, max_scale
        self.alpha, self.sigma, self.max_slant = alpha, sigma, max_slant
        self._A_rows, self._A_columns = field_basis(self.height, sigma), field_basis(self.width, sigma)
        self._A_rows_scaled = np.float32(alpha * np.sqrt(1 / 3)) * self._A_rows  # α √(1/3) A_r: u's variance is 1/3
        self._centre = np.float32((self.height - 1) / 2), np.float32((self.width - 1) / 2)  # c
        self._pixel_rows, self._pixel_columns = np.mgrid[0 : self.height, 0 : self.width].astype(np.float32)  # p
        self._rows, self._columns = self._pixel_rows - self._centre[0], self._pixel_columns - self._centre[1]  # p − c

    def __repr__(self) -> str:
        return f"Augmenter({list(self.kinds)!r})"

    @property
    def moves_whole_pixels(self) -> bool:
        """True when the map is a shift alone: q = p + t reads whole pixels, no interpolation needed."""
        return not {"rotate", "scale", "slant", "elastic"} & set(self.kinds)

    def _shifts(self, m: int, rng: np.random.Generator) -> NDArray[np.int64]:
        """Return t for m images, (2, m, 1, 1): rows then columns, each in {−max_shift, …, max_shift} (zeros without 'shift')."""
        if "shift" not in self.kinds:
            return np.zeros((2, m, 1, 1), dtype=np.int64)
        return rng.integers(-self.max_shift, self.max_shift + 1, (2, m, 1, 1))

    def source_points(
        self, m: int, rng: np.random.Generator, out: tuple[Array, Array] | None = None
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Return (rows, columns) of the source points q for m images, each (m, h, w) (written into out if given).

        The draws come in one order (θ, s, k, t, then the field), each only when its distortion is asked for.
        """
        theta = rng.uniform(-self.max_degrees, self.max_degrees, (m, 1, 1)) if "rotate" in self.kinds else None
        scale = rng.uniform(1 - self.max_scale, 1 + self.max_scale, (m, 1, 1)) if "scale" in self.kinds else None
        slant = rng.uniform(-self.max_slant, self.max_slant, (m, 1, 1)) if "slant" in self.kinds else None
        shift_rows, shift_columns = self._shifts(m, rng).astype(np.float32)
        if out is None:
            out = np.empty((m, self.height, self.width), np.float32), np.empty((m, self.height, self.width), np.float32)
        rows, columns = out
        # q = p + t (+ d) without a turn, a scale or a slant: no (m, h, w) arithmetic for an identity
        if theta is None and scale is None and slant is None:
            np.add(self._pixel_rows, shift_rows, out=rows)
            np.add(self._pixel_columns, shift_columns, out=columns)
        else:
            angle = np.radians(theta if theta is not None else np.zeros((m, 1, 1))).astype(np.float32)
            cos, sin = np.cos(angle), np.sin(angle)
            inverse_scale = (1 / scale).astype(np.float32) if scale is not None else np.float32(1)
            slanted = self._columns if slant is None else self._columns + slant.astype(np.float32) * self._rows  # H(k)
            np.add(shift_rows + inverse_scale * (cos * self._rows - sin * slanted), self._centre[0], out=rows)
            np.add(shift_columns + inverse_scale * (sin * self._rows + cos * slanted), self._centre[1], out=columns)
        if "elastic" in self.kinds:
            d = self._field(m, rng)
            rows += d[:, 0].transpose(1, 0, 2)
            columns += d[:, 1].transpose(1, 0, 2)
        return rows, columns

    def _field(self, m: int, rng: np.random.Generator) -> NDArray[np.float32]:
        """Return d = α √(1/3) A_r Z_i A_cᵀ for the 2m fields (a row and a column field an image), as (h, 2, m, w).

        u ~ U(−1, 1) has variance 1/3; the k×l normal terms Z_i of all 2m fields stand side by side in one
        (k, 2m·l) draw, so each side of the product is one matrix product for the whole mini-batch. The
        arrays are this thread's workspace: d is read before the next mini-batch's field is drawn.
        """
        (h, k), (w, l) = self._A_rows.shape, self._A_columns.shape
        Z = rng.standard_normal(dtype=np.float32, out=_WORKSPACE.array("terms", (k, 2 * m * l)))
        left = np.matmul(self._A_rows_scaled, Z, out=_WORKSPACE.array("left", (h, 2 * m * l)))  # A_r Z_i side by side
        d = _WORKSPACE.array("field", (h, 2, m, w))
        np.matmul(left.reshape(-1, l), self._A_columns.T, out=d.reshape(-1, w))
        return d

    def __call__(self, X: NDArray[Any], rng: np.random.Generator, dtype: Any = np.float32) -> Array:
        """Return the m rows of X distorted afresh, as floats in [0, 1] of shape (m, h·w).

        X holds uint8 grey levels (or floats in [0, 1]), one flattened image per row.
        """
        images = X.reshape(len(X), self.height, self.width)
        if self.moves_whole_pixels:
            shift_rows, shift_columns = self._shifts(len(X), rng)
            out = shifted(images, shift_rows, shift_columns, dtype)
        else:
            points = _WORKSPACE.array("points", (2, len(X), self.height, self.width))
            rows, columns = self.source_points(len(X), rng, out=(points[0], points[1]))
            out = bilinear(images, rows, columns, dtype)
        if "thickness" in self.kinds:
            out = change_thickness(out.reshape(len(X), self.height, self.width), rng).reshape(len(X), -1)
        return out


def change_thickness(images: NDArray[np.floating], rng: np.random.Generator) -> Array:
    """Return the (m, h, w) images with strokes thickened or thinned by up to a pixel, each by its own u.

    x → x + u (x⊕ − x) with u ~ U(0, 1) thickens (x⊕ the 3×3 grey dilation: each pixel's brightest
    neighbour); x → x + u (x − x⊖) with u ~ U(−1, 0) thins (x⊖ the 3×3 erosion), for half the images each.
    """
    m, h, w = images.shape
    padded = np.zeros((m, h + 2, w + 2), dtype=images.dtype)
    padded[:, 1:-1, 1:-1] = images
    shifted = [padded[:, 1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    dilated, eroded = np.maximum.reduce(shifted), np.minimum.reduce(shifted)
    u = rng.uniform(-1, 1, (m, 1, 1)).astype(images.dtype)
    return images + np.maximum(u, 0) * (dilated - images) + np.minimum(u, 0) * (images - eroded)


def shifted(
    images: NDArray[Any], shift_rows: NDArray[np.integer], shift_columns: NDArray[np.integer], dtype: Any
) -> Array:
    """Return each (h, w) image read at q = p + t, black outside, as (m, h·w) floats in [0, 1] (bilinear's values).

    With t whole pixels bilinear interpolation reads x[q] itself, so this is a copy: the image in a black
    border of max |t| pixels, and the h×w window at t taken from it (uint8 until the last step).
    """
    m, h, w = images.shape
    border = int(max(np.abs(shift_rows).max(initial=0), np.abs(shift_columns).max(initial=0)))
    padded = np.zeros((m, h + 2 * border, w + 2 * border), dtype=images.dtype)
    padded[:, border : border + h, border : border + w] = images
    windows = sliding_window_view(padded, (h, w), axis=(1, 2))  # (m, 2·border + 1, 2·border + 1, h, w), a view
    out = windows[np.arange(m), border + shift_rows.ravel(), border + shift_columns.ravel()].astype(np.float32)
    scale = 1 / 255 if images.dtype == np.uint8 else 1.0
    return (out.reshape(m, h * w) * np.float32(scale)).astype(dtype, copy=False)


def moved(X: NDArray[Any], moves: Sequence[tuple[int, int]], image_shape: tuple[int, int] = (28, 28)) -> Array:
    """Return the rows of X, (n, h·w) images, each moved by each (down, right) of moves in whole pixels, black
    where it moves in from outside: (V·n, h·w) for V moves, move by move (the first n rows moved by moves[0]);
    float rows keep their dtype, uint8 grey levels come back as float32 in [0, 1].

    A moved image is the image read at q = p − (down, right) (`shifted`), what a reader's views are made of
    (`scratchnet.reading.VIEWS`).
    """
    n = len(X)
    images = np.asarray(X).reshape(n, *image_shape)
    down, right = (np.repeat(np.array(axis, dtype=np.int64), n) for axis in zip(*moves))
    dtype = np.float32 if images.dtype == np.uint8 else images.dtype
    return shifted(np.tile(images, (len(moves), 1, 1)), -down, -right, dtype)


class _Workspace(threading.local):
    """The arrays one thread's distortions work in, made once per shape and written in place after.

    A fresh array of a mini-batch's size (some 400 KB) comes from the operating system as new pages, and
    touching them can cost more than the arithmetic done in them. Each thread has its own arrays, so
    distortions drawn in different threads never share one; none of them is ever handed to a caller.
    """

    def __init__(self) -> None:
        self.arrays: dict[str, NDArray[Any]] = {}

    def array(self, name: str, shape: tuple[int, ...], dtype: Any = np.float32) -> NDArray[Any]:
        """Return the array called name, of this shape and dtype: the last one if it fits, else a new one of zeros."""
        array = self.arrays.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = self.arrays[name] = np.zeros(shape, dtype=dtype)
        return array


_WORKSPACE = _Workspace()


def bilinear(
    images: NDArray[Any], rows: NDArray[np.floating], columns: NDArray[np.floating], dtype: Any = np.float32
) -> Array:
    """Return images read at the points (rows, columns) by bilinear interpolation, black outside, (m, h'·w').

    images is (m, h, w), uint8 grey levels (scaled to [0, 1]) or floats; rows and columns are (m, h', w')
    source coordinates, in pixels from the top-left pixel's centre. With r₀ = ⌊r⌋, f = r − r₀ (and c₀, g
    likewise), the value is (1 − f)(1 − g) x[r₀, c₀] + (1 − f) g x[r₀, c₀+1] + f (1 − g) x[r₀+1, c₀] + f g x[r₀+1, c₀+1].
    """
    m, h, w = images.shape
    points = rows[0].size
    padded = _WORKSPACE.array("padded", (m, h + 3, w + 3))  # its border stays black: only the inside is written
    f, g, row0, column0 = _WORKSPACE.array("fractions", (4, m, points))
    index, other = _WORKSPACE.array("indices", (2, m, points), np.intp)
    top, top_right, bottom, bottom_right = _WORKSPACE.array("corners", (4, m, points))
    # A black border, 1 pixel before and 2 after: q clipped to [−1, h] × [−1, w] then reads black
    # wherever it left the image, and its four neighbours always exist.
    stride = w + 3
    padded[:, 1 : h + 1, 1 : w + 1] = images
    np.clip(rows.reshape(m, -1), -1, h, out=f)  # becomes the fraction r − r₀ below
    np.clip(columns.reshape(m, -1), -1, w, out=g)
    np.floor(f, out=row0)
    np.floor(g, out=column0)
    f -= row0
    g -= column0
    # Index of the top-left neighbour in the flattened padded batch; the others are +1, +stride, +stride+1.
    # Within one padded image r₀·stride + c₀ is a whole number below 2²⁴, which float32 holds exactly.
    position = top  # scratch until the corners are read into it
    np.multiply(row0, np.float32(stride), out=position)
    position += column0
    index[:] = position
    index += (np.arange(m, dtype=np.intp) * ((h + 3) * stride) + (stride + 1))[:, None]
    flat = padded.reshape(-1)
    for corner, offset in ((top, 0), (top_right, 1), (bottom, stride), (bottom_right, stride + 1)):
        np.add(index, offset, out=other)
        flat.take(other, out=corner, mode="clip")  # every index lies inside: clip only spares take a checked copy
    top_right -= top
    top_right *= g
    top += top_right  # x[r₀, c₀] + g (x[r₀, c₀+1] − x[r₀, c₀])
    bottom_right -= bottom
    bottom_right *= g
    bottom += bottom_right
    bottom -= top
    bottom *= f
    top += bottom
    out = np.empty((m, points), dtype=dtype)  # the caller keeps this one: a fresh array
    np.multiply(top, np.float32(1 / 255 if images.dtype == np.uint8 else 1.0), out=out)
    return out
