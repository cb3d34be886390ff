"""TrainConfig: the one place where training defaults live (the tutorial's network and schedule).

The command line, the web page and saved-model headers all read these defaults. `PRESETS` names
whole configurations, from the tutorial's to the strongest fully connected network we train here;
`scratchnet train --preset NAME` starts from one and every other flag overrides it.
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
    lmbda: float = 0.0
    optimizer: str = "sgd"
    momentum: float = 0.9
    schedule: str = "constant"
    patience: int = 10
    dropout: float = 0.0
    augment: tuple[str, ...] = ()
    early_stop: int | None = None
    full_train: bool = False
    training_sample: int | None = None
    time_budget: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as plain JSON-able values."""
        data = asdict(self)
        data["layers"] = list(self.layers)
        data["augment"] = list(self.augment)
        return data

    def training_options(self) -> dict[str, Any]:
        """Return the keyword arguments of `scratchnet.training.sgd.train` these settings give."""
        return {
            "epochs": self.epochs, "batch_size": self.batch_size, "lr": self.lr, "keep": self.keep, "lmbda": self.lmbda,
            "optimizer": self.optimizer, "momentum": self.momentum, "schedule": self.schedule, "patience": self.patience,
            "dropout": self.dropout, "augment": self.augment, "early_stop": self.early_stop, "training_sample": self.training_sample,
            "time_budget": self.time_budget,
        }

    def describe(self) -> list[str]:
        """Return the settings as a few lines of `name value` for the command line."""
        lines = [
            f"layers {'-'.join(map(str, self.layers))}, {self.activation} neurons, {self.cost} cost, {self.init} initial weights",
            f"{self.epochs} epochs, m = {self.batch_size}, η = {self.lr:g} ({self.schedule} schedule), {self.optimizer}"
            + (f" μ = {self.momentum:g}" if self.optimizer in ("momentum", "nesterov") else ""),
        ]
        regular = [f"L2 λ = {self.lmbda:g}" if self.lmbda else "", f"dropout p = {self.dropout:g}" if self.dropout else "",
                   f"augment {','.join(self.augment)}" if self.augment else "",
                   f"early stop after {self.early_stop}" if self.early_stop else "", "full train" if self.full_train else "",
                   f"at most {self.time_budget:g} s of training" if self.time_budget else ""]
        lines.append(", ".join(item for item in regular if item) or "no regularisation")
        lines.append(f"{self.dtype}, seed {self.seed}, keep the {self.keep} epoch")
        return lines


@dataclass(frozen=True)
class Preset:
    """A named configuration, what its source reports, and what we aim for on the 10,000 test images."""

    name: str
    config: TrainConfig
    summary: str
    source: str
    reported: float | None  # the source's test accuracy, a fraction
    target: float | None  # ours, a fraction
    seeds: int = 3  # how many seeds `scratchnet reproduce` runs
    reported_on: str = "test"  # the images the source measured its number on: 'test' or 'validation'


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "tutorial", TrainConfig(), "784-16-16-10 trained as the tutorial trains it",
            "3Blue1Brown / Nielsen ch. 1 code on 784-16-16-10", None, None,
        ),
        Preset(
            "tutorial-tuned",
            TrainConfig(
                layers=(784, 16, 16, 10), activation="relu", cost="log-likelihood", init="he", epochs=60,
                batch_size=32, lr=0.03, optimizer="nesterov", momentum=0.9, schedule="cosine", lmbda=15.0,
            ),
            "the same 784-16-16-10 (13,002 parameters), trained as well as we can: ReLU, softmax, Nesterov, cosine, L2",
            "3Blue1Brown, chapter 1 (about 96%)", 0.96, 0.96,
        ),
        Preset(
            "book-ch1",
            TrainConfig(layers=(784, 30, 10), activation="sigmoid", cost="quadratic", init="normal", epochs=30, batch_size=10, lr=3.0),
            "784-30-10, quadratic cost, η = 3 (the book's chapter 1)",
            "Nielsen, chapter 1", 0.9542, None,
        ),
        Preset(
            "book-ch3",
            TrainConfig(
                layers=(784, 100, 10), activation="sigmoid", cost="cross-entropy", init="scaled", epochs=60,
                batch_size=10, lr=0.1, lmbda=5.0,
            ),
            "784-100-10, cross-entropy, L2 λ = 5, η = 0.1, 60 epochs, scaled initial weights (the book's chapter 3)",
            "Nielsen, chapter 3 (on its validation images)", 0.9804, 0.98, reported_on="validation",
        ),
        Preset(
            "best",
            TrainConfig(
                layers=(784, 800, 800, 10), activation="relu", cost="log-likelihood", init="he", epochs=150,
                batch_size=128, lr=0.1, optimizer="nesterov", momentum=0.9, schedule="cosine", dropout=0.0,
                augment=("shift", "elastic"), keep="last", training_sample=5_000, time_budget=840.0,
            ),
            "784-800-800-10 ReLU, He init, Nesterov, cosine over a 14-minute budget, shifts and elastic distortions",
            "Simard et al. 2003, 784-800-10 with elastic distortions (99.3%)", 0.993, 0.994, seeds=1,
        ),
    )
}
"""The presets of `scratchnet train --preset NAME`, by name; 'tutorial' is TrainConfig's defaults."""
