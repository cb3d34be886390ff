"""A committee of networks: trained networks that answer together, by the mean of their probabilities.

Networks built or trained differently make different mistakes. Averaging what they say,

    P(j | x) = (1/K) Σ_k P_k(j | x),

keeps what they agree on and lets one member's confident mistake be outvoted (Cireşan, Meier and
Schmidhuber 2012 averaged the outputs of 35 networks to read MNIST). A committee answers like one
network of its members' shape: `sizes` [inputs, outputs], `probabilities`, `feedforward`, `predict` and
`evaluate`, so whatever reads with a network reads with a committee.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray


class Answers(Protocol):
    """What a member must do: say its sizes and its probabilities."""

    sizes: Any

    def probabilities(self, X: NDArray[Any]) -> NDArray[Any]: ...


Member = TypeVar("Member", bound=Answers)
"""The kind of a committee's members: `Committee[Network]` for networks, as a committee file holds."""


class Committee(Generic[Member]):
    """Networks answering together (see the module's docstring); each member takes and gives the same sizes.

    Raises ValueError for no member, or members with other inputs or outputs.
    """

    def __init__(self, members: Sequence[Member]) -> None:
        if not members:
            raise ValueError("a committee needs at least one network")
        shapes = {(m.sizes[0], m.sizes[-1]) for m in members}
        if len(shapes) > 1:
            raise ValueError(f"a committee's networks must take and give the same sizes; got {sorted(shapes)}")
        self.members: tuple[Member, ...] = tuple(members)

    @property
    def sizes(self) -> list[int]:
        """Return [inputs, outputs], as a network's first and last sizes."""
        return [self.members[0].sizes[0], self.members[0].sizes[-1]]

    def probabilities(self, X: NDArray[Any]) -> NDArray[Any]:
        """Return P(j | x) = (1/K) Σ_k P_k(j | x) for the rows of X, shape (n, outputs)."""
        total = self.members[0].probabilities(X)
        for member in self.members[1:]:
            total = total + member.probabilities(X)
        return total / len(self.members)

    def feedforward(self, X: NDArray[Any]) -> NDArray[Any]:
        """Return the committee's outputs: its probabilities (a softmax output's activations are probabilities)."""
        return self.probabilities(X)

    def predict(self, X: NDArray[Any]) -> NDArray[np.intp]:
        """Return each row's answer: the output with the largest mean probability."""
        return np.argmax(self.probabilities(X), axis=1)

    def evaluate(self, X: NDArray[Any], labels: NDArray[Any]) -> int:
        """Return how many rows of X the committee answers as their label (integer labels, or one-hot rows)."""
        labels = np.asarray(labels)
        return int((self.predict(X) == (labels.argmax(axis=1) if labels.ndim == 2 else labels)).sum())
