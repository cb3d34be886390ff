"""The presets: named TrainConfigs, from the tutorial's network to the strongest fully connected one we train.

The settings themselves, their defaults and ranges, are declared once in `scratchnet.training.options`
(TrainConfig is re-exported here); a preset is one TrainConfig plus what its source reports.
`scratchnet train --preset NAME` starts from one and every other flag overrides it.
"""

from __future__ import annotations

from dataclasses import dataclass

from scratchnet.training.options import TrainConfig

__all__ = ["PRESETS", "Preset", "TrainConfig"]


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
            "tutorial",
            TrainConfig(),
            "784-16-16-10 trained as the tutorial trains it",
            "3Blue1Brown / Nielsen ch. 1 code on 784-16-16-10",
            None,
            None,
        ),
        Preset(
            "tutorial-tuned",
            TrainConfig(
                layers=(784, 16, 16, 10),
                activation="relu",
                cost="log-likelihood",
                init="he",
                epochs=60,
                batch_size=32,
                lr=0.03,
                optimizer="nesterov",
                momentum=0.9,
                schedule="cosine",
                lmbda=15.0,
                teacher="reader",
                temperature=2.0,
                soft_weight=0.5,
            ),
            "the same 784-16-16-10 (13,002 parameters), trained for MNIST's test set: ReLU, softmax, Nesterov, cosine, "
            "L2, half of each target the shipped reader's outputs softened at T = 2 (no distortions: reading drawings "
            "is the reader's work)",
            "3Blue1Brown, chapter 1 (about 96%)",
            0.96,
            0.965,
        ),
        Preset(
            "book-ch1",
            TrainConfig(
                layers=(784, 30, 10),
                activation="sigmoid",
                cost="quadratic",
                init="normal",
                epochs=30,
                batch_size=10,
                lr=3.0,
            ),
            "784-30-10, quadratic cost, η = 3 (the book's chapter 1)",
            "Nielsen, chapter 1",
            0.9542,
            None,
        ),
        Preset(
            "book-ch3",
            TrainConfig(
                layers=(784, 100, 10),
                activation="sigmoid",
                cost="cross-entropy",
                init="scaled",
                epochs=60,
                batch_size=10,
                lr=0.1,
                lmbda=5.0,
            ),
            "784-100-10, cross-entropy, L2 λ = 5, η = 0.1, 60 epochs, scaled initial weights (the book's chapter 3)",
            "Nielsen, chapter 3 (on its validation images)",
            0.9804,
            0.98,
            reported_on="validation",
        ),
        Preset(
            "reader",
            TrainConfig(
                layers=(784, 512, 256, 11),
                activation="relu",
                cost="log-likelihood",
                init="he",
                epochs=30,
                batch_size=64,
                lr=0.05,
                optimizer="nesterov",
                momentum=0.9,
                schedule="cosine",
                lmbda=1.0,
                augment=("shift", "rotate", "scale", "elastic", "thickness"),
            ),
            "784-512-256-11 ReLU reading drawings and photos: an 11th output says 'not a digit' (made-up negatives), "
            "every distortion a pen brings; the model `scratchnet read` ships with",
            "issue 9: drawings ≥ 97%, non-digits ≥ 80% rejected",
            None,
            0.985,
            seeds=1,
        ),
        Preset(
            "book-ch6",
            TrainConfig(
                layers="28x28,conv5x5x20,pool2,conv5x5x40,pool2,100,10",
                activation="relu",
                cost="log-likelihood",
                init="he",
                epochs=10,
                batch_size=10,
                lr=0.01,
                optimizer="momentum",
                momentum=0.9,
                schedule="cosine",
                lmbda=0.1,
                time_budget=540.0,
            ),
            "Nielsen ch. 6's two conv-pool layers, ReLU, softmax and log-likelihood, L2 λ = 0.1; momentum and a cosine "
            "schedule over 10 epochs in place of the book's 60 of plain SGD (measured: 99.29% on the test set, 451 s "
            "of training on 2 cores, 2026-12-03)",
            "Nielsen ch. 6, network3.py: conv5x5x20-pool2-conv5x5x40-pool2-100-10 ReLU (99.23%)",
            0.9923,
            0.992,
            seeds=1,
        ),
        Preset(
            "best",
            TrainConfig(
                layers=(784, 800, 800, 10),
                activation="relu",
                cost="log-likelihood",
                init="he",
                epochs=150,
                batch_size=128,
                lr=0.1,
                optimizer="nesterov",
                momentum=0.9,
                schedule="cosine",
                dropout=0.0,
                augment=("shift", "elastic"),
                keep="last",
                training_sample=5_000,
                time_budget=840.0,
            ),
            "784-800-800-10 ReLU, He init, Nesterov, cosine over a 14-minute budget, shifts and elastic distortions",
            "Simard et al. 2003, 784-800-10 with elastic distortions (99.3%)",
            0.993,
            0.994,
            seeds=1,
        ),
    )
}
"""The presets of `scratchnet train --preset NAME`, by name; 'tutorial' is TrainConfig's defaults."""
