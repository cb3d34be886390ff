"""Encoding between data and neurons: targets y as one-hot rows, grey levels as input activations.

one_hot(labels)   y, the desired output: 1 at the label's neuron, 0 at the others
as_input(X)       a^0, the input layer's activations: grey levels 0..255 scaled into [0, 1]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


def one_hot(labels: NDArray[np.integer], num_classes: int, dtype: Any = np.float32) -> Array:
    """Return the (n, num_classes) matrix whose row i is 1 at column labels[i] and 0 elsewhere."""
    Y = np.zeros((len(labels), num_classes), dtype=dtype)
    Y[np.arange(len(labels)), labels] = 1
    return Y


def as_input(X: NDArray[Any], dtype: Any) -> Array:
    """Return X as floating rows: uint8 grey levels 0..255 become [0, 1], floats are cast to dtype."""
    if X.dtype == np.uint8:
        A = X.astype(dtype)
        A *= dtype(1 / 255)  # in place: one array of floats, not two
        return A
    return np.asarray(X, dtype=dtype)
