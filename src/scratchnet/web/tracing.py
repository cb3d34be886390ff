"""The served network reading a drawing for the page, keeping the forward pass of everything it read.

The Draw view shows two things of one drawing: what was read (each character and its digit,
`scratchnet.reading.read`) and the served network's diagram of the first digit (`explorer.trace_view`:
every layer's weighted inputs z^l and activations a^l). When the served network is the one reading,
both come from one forward pass: `Tracing` answers as the network does, through `forward_trace` in
the answer path's products (float64, the outputs rounded to the network's dtype, `scratchnet.core.answers`,
so its probabilities equal `Network.probabilities` bit for bit), and keeps each row's pass, which the
diagram then draws instead of feeding the digit forward a second time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scratchnet.core.answers import ANSWER_DTYPE, normalised
from scratchnet.core.network import Network

Pass = tuple[list[NDArray[Any]], list[NDArray[Any]]]
"""(Z, A) of one input, as `forward_trace` gives them for a batch of one."""


class Tracing:
    """A network that reads as itself (`sizes`, `probabilities`: a `segmenting.Reader`) and keeps the passes."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self._passes: dict[tuple[str, bytes], Pass] = {}

    @property
    def sizes(self) -> list[int]:
        """Return the network's sizes."""
        return list(self.net.sizes)

    def probabilities(self, X: NDArray[Any]) -> NDArray[Any]:
        """Return the network's probabilities for the rows of X, keeping each row's z^l and a^l."""
        rows = np.asarray(X)
        Z, A = self.net.forward_trace(rows, products=ANSWER_DTYPE)
        for i, row in enumerate(rows):
            self._passes[_key(row)] = ([z[i : i + 1] for z in Z], [a[i : i + 1] for a in A])
        return normalised(A[-1].astype(self.net.dtype), softmax=self.net.output_activation.name == "softmax")

    def pass_of(self, x: NDArray[Any]) -> Pass | None:
        """Return the pass (Z, A) of an input read before, in the network's dtype (None for one not read)."""
        kept = self._passes.get(_key(np.asarray(x).reshape(-1)))
        if kept is None:
            return None
        Z, A = kept
        return [z.astype(self.net.dtype) for z in Z], [a.astype(self.net.dtype) for a in A]


def _key(row: NDArray[Any]) -> tuple[str, bytes]:
    """Return a dictionary key for one input row: its dtype and bytes."""
    return row.dtype.str, np.ascontiguousarray(row).tobytes()
