"""The layers of chapter 6, one per idea: convolution, max-pooling and the fully connected layer.

Activations are channels-last tensors: a mini-batch of n maps of height H, width W and C channels is an
array a of shape (n, H, W, C) (a dense layer's activations are (n, N)). Each layer with parameters
computes the weighted input z from the activation a of the layer below; the network applies σ, so
the layers here are linear (a pooling layer has neither parameters nor σ). Backwards, each layer is
given δ = ∂C/∂z (or, for pooling, ∂C/∂a of its output) and returns ∂C/∂w, ∂C/∂b and ∂C/∂a of its
input, the factor that (BP2) then multiplies by σ'(z) of the layer below.

Convolution (k×k filters, stride 1, no padding: "valid"), C_in → C_out maps, w of shape (C_out, C_in, k, k):
    z_{x,y,f} = b_f + Σ_{c,i,j} w_{f,c,i,j} a_{x+i,y+j,c}                                 (forward)
    ∂C/∂b_f       = Σ_{x,y} δ_{x,y,f}                                                   (BP3, conv)
    ∂C/∂w_{f,c,i,j} = Σ_{x,y} δ_{x,y,f} a_{x+i,y+j,c}                                   (BP4, conv)
    ∂C/∂a_{u,v,c} = Σ_{f,i,j} δ_{u−i,v−j,f} w_{f,c,i,j}   (terms with u−i, v−j off the map are 0)  (BP2, conv)
Gathering every k×k patch of a into a row (im2col: P of shape (n·H′·W′, C_in·k·k)) turns each line into
one matrix product, with W the filters as rows (C_out, C_in·k·k):
    Z = P Wᵀ + b,    ∇_W C = Δᵀ P,    ∇_b C = Σ_rows Δ,    ∂C/∂P = Δ W
and ∂C/∂a adds each patch row of ∂C/∂P back where the patch came from (col2im: k·k shifted sums). The
columns of ∂C/∂P that belong to one filter offset (i, j) are Δ w_{:,:,i,j}, an (n·H′·W′, C_in) product
that lands whole on the maps shifted by (i, j), so col2im is k·k such products, each added in one piece
(rather than one large product whose (i, j) columns would be gathered from every row).

Max-pooling (p×p windows that tile the map): a_out = max of its window, and the error goes to the
window's largest input alone (the first of equal ones):
    ∂C/∂a_{u,v,c} = ∂C/∂a_out_{⌊u/p⌋,⌊v/p⌋,c} if a_{u,v,c} is its window's maximum, else 0  (BP2, pool)

Fully connected (the chapter-1 layer, on the flattened maps, in (C, H, W) order as other libraries
flatten them): z = a Wᵀ + b, ∇_W C = δᵀ a (BP4), ∇_b C = Σ δ (BP3), ∂C/∂a = δ W (BP2).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from scratchnet.core.encoding import Array
from scratchnet.errors import ConfigError

Shape = tuple[int, ...]
"""A layer's output shape for one image: (H, W, C) for maps, (N,) for a dense layer."""


class Conv:
    """A convolutional layer: `maps` filters of `kernel`×`kernel` weights each (stride 1, valid)."""

    has_parameters = True

    def __init__(self, kernel: int, maps: int) -> None:
        self.kernel, self.maps = kernel, maps

    def spelling(self) -> str:
        return f"conv{self.kernel}x{self.kernel}x{self.maps}"

    def output_shape(self, shape: Shape) -> Shape:
        """Return (H − k + 1, W − k + 1, C_out), or raise ConfigError when the filter does not fit the maps."""
        if len(shape) != 3:
            raise ConfigError(f"{self.spelling()} needs maps (H×W×C) below it; got a dense layer of {shape[0]}")
        h, w, _ = shape
        if self.kernel > h or self.kernel > w:
            raise ConfigError(f"{self.spelling()}: a {self.kernel}×{self.kernel} filter does not fit a {h}×{w} map")
        return h - self.kernel + 1, w - self.kernel + 1, self.maps

    def parameter_shapes(self, shape: Shape) -> tuple[Shape, Shape]:
        """Return the shapes of w (C_out, C_in, k, k) and b (C_out,)."""
        return (self.maps, shape[2], self.kernel, self.kernel), (self.maps,)

    def fan_in(self, shape: Shape) -> int:
        """Return C_in·k·k, the inputs each neuron of a map sees."""
        return shape[2] * self.kernel * self.kernel

    def forward(self, a: Array, W: Array, b: Array) -> tuple[Array, Any]:
        """Return (z, cache): z = P Wᵀ + b reshaped to (n, H′, W′, C_out); the cache is the patches P.

        A patch row lists its entries in (i, j, c) order, so the filters are taken as rows in that order too.
        """
        n, h, w, _ = a.shape
        P = patches(a, self.kernel)
        Z = P @ _rows(W).T
        Z += b
        return Z.reshape(n, h - self.kernel + 1, w - self.kernel + 1, self.maps), (P, a.shape)

    def backward(
        self, delta: Array, cache: Any, W: Array, need_input: bool = True
    ) -> tuple[Array, Array, Array | None]:
        """Return (∂C/∂w, ∂C/∂b, ∂C/∂a of the input or None): BP4, BP3 and BP2 of convolution."""
        P, shape = cache
        n, h, w, c = shape
        k, hh, ww = self.kernel, h - self.kernel + 1, w - self.kernel + 1
        D = delta.reshape(-1, self.maps)
        nabla_w = (
            (D.T @ P).reshape(self.maps, k, k, c).transpose(0, 3, 1, 2)
        )  # (BP4, conv), back to (C_out, C_in, k, k)
        nabla_b = np.ones(len(D), D.dtype) @ D  # (BP3, conv): Σ over the rows, as one product (NumPy's sum down
        # the rows of a narrow array took a tenth of the layer's backward pass)
        if not need_input:
            return nabla_w, nabla_b, None
        da = np.zeros(shape, dtype=delta.dtype)
        for i in range(k):  # col2im (BP2, conv): what the patches send back through offset (i, j), put back there
            for j in range(k):
                da[:, i : i + hh, j : j + ww, :] += (D @ W[:, :, i, j]).reshape(n, hh, ww, c)  # (n·H′·W′, C_in)
        return nabla_w, nabla_b, da


def patches(a: Array, k: int) -> Array:
    """Return P, every k×k patch of the maps a (n, H, W, C) as a row: (n·H′·W′, k·k·C), entries in (i, j, c) order.

    This is im2col, one copy of the sliding-window view. With one input channel (the first layer, on the
    image) P is made as its transpose instead, k·k copies of the shifted images a[:, i:i+H′, j:j+W′] side
    by side, and returned as that array's transposed view: the row-by-row copy moves five numbers at a
    time there and took three times as long. Matrix products take either layout as it is.
    """
    n, h, w, c = a.shape
    hh, ww = h - k + 1, w - k + 1
    if c == 1:
        shifted = np.empty((k, k, n, hh, ww), a.dtype)
        for i in range(k):
            for j in range(k):
                shifted[i, j] = a[:, i : i + hh, j : j + ww, 0]
        return shifted.reshape(k * k, -1).T
    windows = sliding_window_view(a, (k, k), axis=(1, 2))  # (n, H′, W′, C_in, k, k), a view
    return windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * hh * ww, k * k * c)


def _rows(W: Array) -> Array:
    """Return the filters w (C_out, C_in, k, k) as rows (C_out, k·k·C_in), each row's entries in (i, j, c) order."""
    return W.transpose(0, 2, 3, 1).reshape(len(W), -1)


class Pool:
    """Max-pooling over `size`×`size` windows that tile each map."""

    has_parameters = False

    def __init__(self, size: int) -> None:
        self.size = size

    def spelling(self) -> str:
        return f"pool{self.size}"

    def output_shape(self, shape: Shape) -> Shape:
        """Return (H/p, W/p, C), or raise ConfigError when p does not divide the map."""
        if len(shape) != 3:
            raise ConfigError(f"{self.spelling()} needs maps (H×W×C) below it; got a dense layer of {shape[0]}")
        h, w, c = shape
        if h % self.size or w % self.size:
            raise ConfigError(f"{self.spelling()}: {self.size}×{self.size} windows do not tile a {h}×{w} map")
        return h // self.size, w // self.size, c

    def forward(self, a: Array) -> tuple[Array, Any]:
        """Return (a_out, cache): each window's maximum, shape (n, H/p, W/p, C); the cache is where it was.

        The window's p·p entries are p·p strided views of a (offset (i, j): a[:, i::p, j::p]); a_out is their
        elementwise maximum, and `where` the first offset that equals it: the offsets are visited last to
        first, each equal one overwriting the choice (by arithmetic on int8, where -= [equal] (where − offset),
        some three times faster here than a masked copy).
        """
        p = self.size
        views = [a[:, i::p, j::p] for i in range(p) for j in range(p)]
        out = np.maximum.reduce(views) if len(views) > 1 else views[0].copy()
        where = np.full(out.shape, p * p - 1, dtype=np.int8)
        equal = np.empty(out.shape, dtype=bool)
        for offset in range(p * p - 2, -1, -1):
            np.equal(views[offset], out, out=equal)
            where -= equal * (where - np.int8(offset))
        return out, (where, a.shape)

    def backward(self, error: Array, cache: Any) -> Array:
        """Return ∂C/∂a of the input: each window's error at its maximum, 0 elsewhere (BP2, pool)."""
        where, shape = cache
        p = self.size
        spread = np.empty(shape, dtype=error.dtype)
        for offset in range(p * p):  # every entry of the input is written once: by its own offset's view
            np.multiply(error, where == offset, out=spread[:, offset // p :: p, offset % p :: p])
        return spread


class Dense:
    """A fully connected layer of `neurons` neurons on the flattened activations below it."""

    has_parameters = True

    def __init__(self, neurons: int) -> None:
        self.neurons = neurons

    def spelling(self) -> str:
        return str(self.neurons)

    def output_shape(self, shape: Shape) -> Shape:
        return (self.neurons,)

    def parameter_shapes(self, shape: Shape) -> tuple[Shape, Shape]:
        """Return the shapes of W (n_out, n_in) and b (n_out,), n_in the flattened input."""
        return (self.neurons, int(np.prod(shape))), (self.neurons,)

    def fan_in(self, shape: Shape) -> int:
        return int(np.prod(shape))

    def forward(self, a: Array, W: Array, b: Array) -> tuple[Array, Any]:
        """Return (z, cache): z = a Wᵀ + b on a flattened in (C, H, W) order; the cache is that flat a."""
        flat = a if a.ndim == 2 else a.transpose(0, 3, 1, 2).reshape(len(a), -1)
        Z = flat @ W.T
        Z += b
        return Z, (flat, a.shape)

    def backward(
        self, delta: Array, cache: Any, W: Array, need_input: bool = True
    ) -> tuple[Array, Array, Array | None]:
        """Return (∂C/∂W, ∂C/∂b, ∂C/∂a of the input or None): BP4, BP3 and BP2 of the dense layer."""
        flat, shape = cache
        nabla_w, nabla_b = delta.T @ flat, delta.sum(axis=0)
        if not need_input:
            return nabla_w, nabla_b, None
        error = delta @ W
        if len(shape) == 4:
            n, h, w, c = shape
            error = error.reshape(n, c, h, w).transpose(0, 2, 3, 1)
        return nabla_w, nabla_b, error


Layer = Conv | Pool | Dense
