"""The exceptions scratchnet raises for bad input, all under `ScratchnetError`.

Every message has one shape: what was wrong, what was expected, what arrived.
The command line catches `ScratchnetError`, prints its message on one line and exits 1.
"""

from __future__ import annotations


class ScratchnetError(Exception):
    """Base class of every error scratchnet raises on purpose."""


class ConfigError(ScratchnetError, ValueError):
    """A setting (layer sizes, η, mini-batch size, ...) is out of range."""


class DataFormatError(ScratchnetError, ValueError):
    """A data file (IDX, image) is missing, corrupt or does not fit the network."""


class ModelFileError(ScratchnetError, ValueError):
    """A file is not a valid scratchnet model."""


class TrainingDivergedError(ScratchnetError, ArithmeticError):
    """The cost became NaN or infinite during training."""

    def __init__(self, epoch: int, eta: float) -> None:
        super().__init__(
            f"training diverged: the cost became NaN or infinite in epoch {epoch}; "
            f"try a smaller learning rate than η = {eta:g}"
        )
        self.epoch = epoch
        self.eta = eta


class ClusterError(ScratchnetError):
    """A Dask cluster cannot take the runs: its scheduler does not answer, it has no workers, or they lack this scratchnet."""
