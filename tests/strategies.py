"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from hypothesis import strategies as st

layer_sizes = st.lists(st.integers(min_value=1, max_value=6), min_size=2, max_size=4)
"""Small random architectures: 2 to 4 layers of 1 to 6 neurons."""

activations = st.sampled_from(["sigmoid", "tanh", "relu"])
costs = st.sampled_from(["quadratic", "cross-entropy", "log-likelihood"])
seeds = st.integers(min_value=0, max_value=2**32 - 1)


@st.composite
def mutated(draw: st.DrawFn, original: bytes, max_mutations: int = 4) -> bytes:
    """Return a copy of original damaged the way disks, transfers and fuzzers damage files: 1 to
    max_mutations of bit flips, cuts (a shorter file), zeroed runs and inserted bytes, in any order."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, max_mutations))):
        kind = draw(st.sampled_from(["flip", "cut", "zero", "insert"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at:]
        elif kind == "zero":
            length = draw(st.integers(1, 64))
            data[at : at + length] = bytes(len(data[at : at + length]))
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)
