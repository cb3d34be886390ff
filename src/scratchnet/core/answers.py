"""The answer path: what a network answers for an image does not depend on the images sent with it.

A matrix product's rounding depends on how the BLAS kernel splits it: on the number of rows, on a
row's place among them and on the CPU's kernel (OpenBLAS picks Haswell, SkylakeX or Sandybridge code
for the machine, or as `OPENBLAS_CORETYPE` says). In float32 that moves the last bit of an output,
about 6·10⁻⁸ of it, so the same image sent alone, in a batch or in another order got probabilities
differing in their last bit, and an answer could even change where two outputs were that close.

So every answer a user sees (`feedforward`, `probabilities`, `predict`, `evaluate`, the estimator,
the server, the reader) is computed here: the rows of a^0 in float64, with float64 copies of the
weights, layer after layer a^l = σ(W^l a^(l−1) + b^l), then rounded to the network's dtype. Float64's
rounding moves a result by about 10⁻¹⁶ of it, some 10⁹ times less than a float32 step, so the
rounded answer is the same bit for bit however the rows were batched (unless a value lies within
10⁻¹⁶ of the midpoint between two float32 numbers: about once in 10⁹ outputs). A float64 network's
answers differ between batchings by about 10⁻¹⁶ of their size.

Training keeps its float32 products (its speed is float32's); only the answers pay, and the rows go
through in chunks of about ANSWER_BYTES, so the float64 copy of the inputs stays in the cache.
`benchmarks/inference.py` measures what it costs against the float32 products it replaced.

A network that only answers from now on (the server's model, the shipped reader) can be `freeze`d:
its weights and biases become read-only, and the float64 copies are then made once and kept, rather
than once per call (for the reader, 4 MB copied per answer). Read-only is what makes keeping them
safe: a step that tried to change a frozen weight in place would raise, never answer with stale copies.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from scratchnet.core.encoding import Array, as_input

if TYPE_CHECKING:
    from scratchnet.core.network import Network

ANSWER_DTYPE = np.float64
"""The dtype every answer's products are computed in, whatever the network's own dtype."""

ANSWER_BYTES = 2 * 1024 * 1024
"""About how many bytes of float64 inputs go through at once: a few hundred MNIST rows, products large
enough for the BLAS, arrays small enough to stay in the cache."""


_KEPT: dict[tuple[int, str], tuple[weakref.ref[NDArray[Any]], NDArray[Any]]] = {}
"""The copies of frozen parameters: (id of the array, dtype) → (a weak reference to it, its read-only copy)."""


def in_dtype(arrays: list[Array], dtype: Any = ANSWER_DTYPE) -> list[Array]:
    """Return the arrays (parameters) as dtype: copied once for one call where they are of another,
    or once for good where they are frozen (read-only arrays that own their data)."""
    return [_as(a, np.dtype(dtype)) for a in arrays]


def _as(a: Array, dtype: np.dtype[Any]) -> Array:
    """Return a as dtype, the kept copy of a frozen array if one was made (made and kept now if not)."""
    if a.dtype == dtype or a.flags.writeable or not a.flags.owndata:
        return np.asarray(a, dtype=dtype)
    key = (id(a), dtype.str)
    kept = _KEPT.get(key)
    if kept is not None and kept[0]() is a:
        return kept[1]
    copy = a.astype(dtype)
    copy.flags.writeable = False
    _KEPT[key] = (weakref.ref(a, partial(_forget, key)), copy)  # forgotten with the array
    return copy


def _forget(key: tuple[int, str], _: object) -> None:
    _KEPT.pop(key, None)


def freeze(net: Network) -> Network:
    """Make net's weights and biases read-only (each its own array), so its answers keep their float64 copies;
    return net. Training a frozen network raises ValueError (assignment destination is read-only)."""
    for parameters in (net.weights, net.biases):
        for l, array in enumerate(parameters):
            if not array.flags.owndata:
                parameters[l] = array = array.copy()
            array.flags.writeable = False
    return net


def answer_rows(
    forward: Callable[[Array], Array], X: NDArray[Any], n_out: int, dtype: Any, products: Any = ANSWER_DTYPE
) -> Array:
    """Return forward(a^0) for the rows of X, shape (n, n_out), computed chunk by chunk and rounded to dtype.

    forward takes input activations a^0 of some rows (grey levels scaled into [0, 1]) as `products`
    and returns their output activations; each row's outputs depend on that row alone. products is
    float64 for answers; training's measurements after each epoch pass the network's own dtype, for
    float32's speed (the same answers up to float32 rounding, which moves one only where two outputs
    lie within a float32 step of each other, as in a saturated network).
    """
    out = np.empty((len(X), n_out), dtype=dtype)
    row_bytes = max(1, int(np.prod(X.shape[1:], dtype=np.int64))) * np.dtype(products).itemsize
    rows = max(1, ANSWER_BYTES // row_bytes)
    for start in range(0, len(X), rows):
        out[start : start + rows] = forward(as_input(X[start : start + rows], products))
    return out


def normalised(A: Array, softmax: bool) -> Array:
    """Return each row of output activations A normalised to sum to 1.

    A softmax output already is a probability distribution; sigmoid outputs are divided by their
    sum, so the brightest neuron keeps the largest share (all zero outputs become uniform).
    """
    if softmax:
        return A
    total = A.sum(axis=1, keepdims=True)
    uniform = np.full_like(A, 1.0 / A.shape[1])
    return np.divide(A, total, out=uniform, where=total > 0)
