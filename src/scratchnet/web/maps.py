"""What the explorer shows of a convolutional network: the drawing's feature maps layer by layer, the filters
that made them, and the patch of the drawing each map answered most strongly.

The maps are the network's own activations, taken from one `ConvNetwork.forward_trace` (the layers' forward):
A[l] is the output of layer l (a convolution's σ(z), a pooling layer's window maxima), shape (1, H, W, C).
Each map is sent as H·W grey levels 0..255 (one byte each, base64) with its offset and scale, so that

    a ≈ offset + scale · level,   offset = min a,   scale = (max a − min a) / 255,

within half a scale of the activation itself (and 3e-7 of rounding): 1.33 bytes a neuron in base64 where
the same activation written as a JSON number with four decimals takes about 6 (book-ch6: 23 KB for 17,600).

The receptive field of a map's neuron is the patch of the input it depends on. Going down the layers from
rows lo..hi of a layer's output: a k×k convolution (stride 1) sees rows lo..hi + k − 1 below it, p×p pooling
rows p·lo..p·hi + p − 1; the same for columns.

A dense network has no maps: `dense_parts` hands the circles-and-arrows view the dense layers of either kind.
"""

from __future__ import annotations

import base64
from typing import Any, TypeGuard

import numpy as np
from numpy.typing import NDArray

from scratchnet.core.convnet import ConvNetwork
from scratchnet.core.layers import Conv, Dense, Pool
from scratchnet.core.network import Network
from scratchnet.web.validation import RequestError

LEVELS = 255
"""The largest grey level of a quantised map: one byte."""


def is_convolutional(net: Network) -> TypeGuard[ConvNetwork]:
    """Return whether net has maps (a ConvNetwork with at least one convolution)."""
    return isinstance(net, ConvNetwork) and any(isinstance(layer, Conv) for layer in net.layers)


def refuse_maps(net: Network, what: str) -> None:
    """Raise RequestError (409) for a convolutional network on a view that explains the dense network only."""
    if is_convolutional(net):
        raise RequestError(
            f"{what} follows the tutorial's fully connected network; the served one is convolutional "
            f"({getattr(net, 'spelling', '')}): serve a dense model (784,16,16,10) to see it",
            409,
        )


def dense_parts(net: Network, Z: list[Any], A: list[Any]) -> tuple[list[Any], list[Any], list[Any]]:
    """Return (weights, z, a) of the dense layers alone, numbered as `net.sizes` numbers them.

    weights[l] joins dense layer l to l + 1, z[l] is the weighted input of layer l + 1 and a[l + 1] its
    activation; a[0] is the input of the first dense layer (for a convolutional network, the last maps,
    flattened as the dense layer flattens them). For the dense Network these are net.weights, Z and A.
    """
    if not isinstance(net, ConvNetwork):
        return list(net.weights), list(Z), list(A)
    weights: list[Any] = []
    zs: list[Any] = []
    activations: list[Any] = []
    parameters = iter(net.weights)
    for l, layer in enumerate(net.layers):
        W = next(parameters) if layer.has_parameters else None
        if isinstance(layer, Dense):
            if not activations:
                below = A[l]
                activations.append(below if below.ndim == 2 else below.transpose(0, 3, 1, 2).reshape(len(below), -1))
            weights.append(W)
            zs.append(Z[l])
            activations.append(A[l + 1])
    return weights, zs, activations


def receptive_field(net: ConvNetwork, layer: int, row: Any, column: Any) -> NDArray[np.intp]:
    """Return [top, left, height, width] of the input patch that neuron (row, column) of layer `layer`
    (1 = the first layer after the input) depends on: the receptive field, clipped to the input. Given
    arrays of rows and columns, return one such row per neuron, shape (n, 4)."""
    top, left = np.asarray(row, dtype=np.intp), np.asarray(column, dtype=np.intp)
    bottom, right = top, left
    for below in reversed(net.layers[:layer]):
        if isinstance(below, Conv):
            bottom, right = bottom + below.kernel - 1, right + below.kernel - 1
        elif isinstance(below, Pool):
            p = below.size
            top, bottom, left, right = p * top, p * bottom + p - 1, p * left, p * right + p - 1
    h, w, _ = net.input_shape
    bottom, right = np.minimum(bottom, h - 1), np.minimum(right, w - 1)
    return np.stack([top, left, bottom - top + 1, right - left + 1], axis=-1)


def quantised(maps: NDArray[Any]) -> tuple[bytes, NDArray[np.float64], NDArray[np.float64]]:
    """Return (levels, offset, scale) of maps (H, W, C): levels the C maps' grey levels 0..255, map after map,
    row after row; a ≈ offset[c] + scale[c] · level (scale 0 for a map that is the same everywhere).

    level = ⌊(a − offset)/scale + ½⌋ in the maps' own dtype: a − offset ≥ 0 exactly (offset is a value of the
    map), so the sum lies in [½, 255.5 + rounding] and truncation is rounding to the nearest level, without a clip.
    """
    h, w, c = maps.shape
    flat = maps.reshape(h * w, c)  # reduced along rows: contiguous, quick
    low, high = flat.min(axis=0), flat.max(axis=0)
    offset = low.astype(np.float64)
    scale = (high.astype(np.float64) - offset) / LEVELS
    inverse = np.divide(1.0, scale, out=np.zeros_like(scale), where=scale > 0).astype(flat.dtype)
    levels = (flat - low) * inverse
    levels += flat.dtype.type(0.5)
    return levels.astype(np.uint8).T.tobytes(), offset, scale


def _rounded(values: NDArray[Any], digits: int = 4) -> list[float]:
    """Return values as a flat list of floats rounded for JSON."""
    rounded: list[float] = np.round(np.asarray(values, dtype=np.float64).ravel(), digits).tolist()
    return rounded


def _conv_below(net: ConvNetwork, layer: int) -> int:
    """Return the number (1-based) of the convolution that made the maps of layer `layer` (itself, or the
    convolution below a pooling layer)."""
    for number in range(layer, 0, -1):
        if isinstance(net.layers[number - 1], Conv):
            return number
    raise RequestError(f"layer {layer} ({net.layers[layer - 1].spelling()}) has no convolution below it")


def map_layer_view(net: ConvNetwork, layer: int, a: NDArray[Any]) -> dict[str, Any]:
    """Return layer `layer`'s maps for one image, a of shape (H, W, C): their grey levels, offsets and
    scales, means, strongest-first order (by mean activation), and each map's peak and receptive field."""
    h, w, c = a.shape
    levels, offset, scale = quantised(a)
    flat = a.reshape(h * w, c)
    peaks = flat.argmax(axis=0)
    means = flat.mean(axis=0, dtype=np.float64)
    rows, columns = np.divmod(peaks, w)  # each map's strongest neuron
    strongest = flat[peaks, np.arange(c)]
    return {
        "layer": layer,
        "spelling": net.layers[layer - 1].spelling(),
        "kind": "conv" if isinstance(net.layers[layer - 1], Conv) else "pool",
        "made_by": _conv_below(net, layer),
        "height": h,
        "width": w,
        "count": c,
        "levels": base64.b64encode(levels).decode("ascii"),
        "offset": _rounded(offset, 7),  # rounded: a level stands for offset + scale · level within 3e-7 more
        "scale": _rounded(scale, 9),
        "mean": _rounded(means, 6),
        "peak": _rounded(strongest, 6),
        "order": np.argsort(-means, kind="stable").tolist(),
        "fields": receptive_field(net, layer, rows, columns).tolist(),
    }


def maps_view(net: ConvNetwork, A: list[Any]) -> dict[str, Any]:
    """Return {"maps": every convolution's and pooling layer's maps, "filters": the first convolution's}
    for the first image of a forward trace's activations A (A[l] the output of layer l)."""
    layers = [
        map_layer_view(net, l, A[l][0]) for l, layer in enumerate(net.layers, start=1) if isinstance(layer, Conv | Pool)
    ]
    first = next(l for l, layer in enumerate(net.layers, start=1) if isinstance(layer, Conv))
    return {"maps": layers, "filters": filter_view(net, first, None)}


def filter_view(net: Network, layer: int, index: int | None) -> dict[str, Any]:
    """Return the filter(s) of the convolution that made layer `layer`'s maps: w of shape (C_in, k, k) and b
    for map `index`, or every map's filters (C_out, C_in, k, k) and biases when index is None.

    Raises RequestError: 409 for a network without maps, 400 for a layer that is not a convolution or
    pooling layer, or a map it does not have.
    """
    if not isinstance(net, ConvNetwork) or not is_convolutional(net):
        raise RequestError("the served network has no feature maps: it is fully connected", 409)
    kinds = [l for l, layer in enumerate(net.layers, start=1) if isinstance(layer, Conv | Pool)]
    if layer not in kinds:
        raise RequestError(f"layer must be one of the layers with maps {kinds}; got {layer}")
    made_by = _conv_below(net, layer)
    position = sum(below.has_parameters for below in net.layers[: made_by - 1])
    W, b = net.weights[position], net.biases[position]
    if index is not None and not 0 <= index < len(W):
        raise RequestError(f"map must be from 0 to {len(W) - 1} for layer {layer}; got {index}")
    chosen = W if index is None else W[index]
    return {
        "layer": layer,
        "made_by": made_by,
        "spelling": net.layers[made_by - 1].spelling(),
        "map": index,
        "shape": list(chosen.shape),
        "weights": _rounded(chosen),
        "bias": _rounded(b) if index is None else round(float(b[index]), 4),
    }
