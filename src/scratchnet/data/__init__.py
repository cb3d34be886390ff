"""Data sets: MNIST and any set in its IDX format."""
