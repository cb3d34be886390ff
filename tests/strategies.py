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


@st.composite
def conv_spellings(draw: st.DrawFn) -> str:
    """Return a small convolutional spelling that fits by construction: HxW(xC), one or two convolutions
    (each optionally max-pooled where the pool tiles the map), 0 or 1 hidden dense layers, 2 to 4 outputs."""
    side, channels = draw(st.integers(4, 8)), draw(st.integers(1, 2))
    words = [f"{side}x{side}" + (f"x{channels}" if channels > 1 else "")]
    for _ in range(draw(st.integers(1, 2))):
        if side < 2:
            break
        k = draw(st.integers(1, min(3, side)))
        side = side - k + 1
        words.append(f"conv{k}x{k}x{draw(st.integers(1, 3))}")
        pools = [p for p in (2, 3) if side % p == 0]
        if pools and draw(st.booleans()):
            p = draw(st.sampled_from(pools))
            side //= p
            words.append(f"pool{p}")
    words += [str(n) for n in draw(st.lists(st.integers(2, 5), max_size=1))]
    words.append(str(draw(st.integers(2, 4))))
    return ",".join(words)
