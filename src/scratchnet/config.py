"""TrainConfig: the one place where training defaults live (the tutorial's network and schedule).

The command line, the web page and saved-model headers all read these defaults.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class TrainConfig:
    """How to build and train a network; the defaults are the tutorial's 784-16-16-10 with η = 3.0."""

    layers: tuple[int, ...] = (784, 16, 16, 10)
    activation: str = "sigmoid"
    cost: str = "quadratic"
    init: str = "normal"
    epochs: int = 30
    batch_size: int = 10
    lr: float = 3.0
    seed: int = 0
    dtype: str = "float32"
    keep: str = "best"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as plain JSON-able values."""
        data = asdict(self)
        data["layers"] = list(self.layers)
        return data
