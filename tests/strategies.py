"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from hypothesis import strategies as st

layer_sizes = st.lists(st.integers(min_value=1, max_value=6), min_size=2, max_size=4)
"""Small random architectures: 2 to 4 layers of 1 to 6 neurons."""

activations = st.sampled_from(["sigmoid", "tanh", "relu"])
costs = st.sampled_from(["quadratic", "cross-entropy", "log-likelihood"])
seeds = st.integers(min_value=0, max_value=2**32 - 1)
