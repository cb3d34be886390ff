"""A committee of networks: trained networks that answer together, by the mean of their probabilities.

Networks built or trained differently make different mistakes. Averaging what they say,

    P(j | x) = (1/K) Σ_k P_k(j | x),

keeps what they agree on and lets one member's confident mistake be outvoted (Cireşan, Meier and
Schmidhuber 2012 averaged the outputs of 35 networks to read MNIST). A committee may also look at each
input in several views T_1 x, ..., T_V x (the reader's: the character as boxed and moved one pixel each
way), every member answering for every view:

    P(j | x) = (1/KV) Σ_k Σ_v P_k(j | T_v x),

so an answer that hangs on where the box put the character is outvoted as well. A committee answers like one
network of its members' shape: `sizes` [inputs, outputs], `probabilities`, `feedforward`, `predict` and
`evaluate`, so whatever reads with a network reads with a committee.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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

    views, if given, maps the rows of X, (n, inputs), to the rows of its V views, (V·n, inputs), view by view:
    the first n rows are T_1 x for each x, the next n T_2 x, and so on. Without it each input is seen as given.

    Raises ValueError for no member, or members with other inputs or outputs.
    """

    def __init__(self, members: Sequence[Member], views: Callable[[NDArray[Any]], NDArray[Any]] | None = None) -> None:
        if not members:
            raise ValueError("a committee needs at least one network")
        shapes = {(m.sizes[0], m.sizes[-1]) for m in members}
        if len(shapes) > 1:
            raise ValueError(f"a committee's networks must take and give the same sizes; got {sorted(shapes)}")
        self.members: tuple[Member, ...] = tuple(members)
        self.views = views

    @property
    def sizes(self) -> list[int]:
        """Return [inputs, outputs], as a network's first and last sizes."""
        return [self.members[0].sizes[0], self.members[0].sizes[-1]]

    def probabilities(self, X: NDArray[Any]) -> NDArray[Any]:
        """Return P(j | x) = (1/K) Σ_k P_k(j | x) for the rows of X, shape (n, outputs); with views,
        (1/KV) Σ_k Σ_v P_k(j | T_v x)."""
        seen = X if self.views is None else self.views(X)
        total = self.members[0].probabilities(seen)
        for member in self.members[1:]:
            total = total + member.probabilities(seen)
        mean = total / len(self.members)
        return mean if self.views is None else mean.reshape(-1, len(X), mean.shape[-1]).mean(axis=0)

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
