"""The settings of a training run, declared once: every field's default, constraint and help text.

Three frozen dataclasses hold them: `NetworkShape` (what `Network(...)` is built with), `TrainOptions`
(what `fit` trains with) and `TrainConfig`, both together plus `full_train` and `members` (what presets, the command
line, the web page and model headers speak). Each field carries its constraint and help in
`field(metadata=...)`, and `__post_init__` checks every field against its constraint, so a bad value
is refused the same way wherever it comes from:

    >>> TrainOptions(epochs=0)
    Traceback (most recent call last):
    ...
    scratchnet.errors.ConfigError: epochs must be a positive integer; got 0

Every other entry point is derived from the declaration, never written beside it. `settings(cls)`
lists the fields as `Setting(name, default, constraint, help, symbol)`; the command line makes one
flag per setting (`--batch-size` from `batch_size`, parsed by `constraint.parse`), the web form and the
checkpoint reader pass JSON values through the constructor, and a scikit-learn estimator can take its
`__init__` parameters and `_parameter_constraints` from the same list:

    for setting in settings(TrainOptions):
        print(setting.name, setting.default, setting.constraint.expected, setting.help)
        # epochs 30 a positive integer passes over the shuffled training set
        # ...

Checks that need more than one value or the data (early stopping needs validation data, the layers
must fit the images) are made where the data enters: `fit`, the CLI, the web handler.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from typing import Any, NamedTuple

import numpy as np

from scratchnet.core.activations import ACTIVATIONS
from scratchnet.core.convnet import is_convolutional, parse_layers, spelled
from scratchnet.core.costs import COSTS
from scratchnet.core.network import DTYPES, INITS
from scratchnet.data.augment import AUGMENTATIONS
from scratchnet.errors import ConfigError
from scratchnet.training.optimizers import OPTIMIZERS
from scratchnet.training.schedules import SCHEDULES


class Constraint:
    """What a setting accepts: `check` returns the value normalised or raises ConfigError; `parse` reads text."""

    expected = "a value"
    choices: tuple[str, ...] | None = None  # listed by the command line where there are few
    metavar: str | None = None  # how the command line shows a value, where the symbol does not

    def accepts(self, value: Any) -> bool:
        """Return whether value is acceptable as it is."""
        raise NotImplementedError

    def normalise(self, value: Any) -> Any:
        """Return an accepted value in its one canonical type (int, float, tuple)."""
        return value

    def check(self, name: str, value: Any) -> Any:
        """Return value normalised, or raise ConfigError: `name must be EXPECTED; got VALUE`."""
        if not self.accepts(value):
            raise ConfigError(f"{name} must be {self.expected}; got {value!r}")
        return self.normalise(value)

    def convert(self, text: str) -> Any:
        """Return text converted to the setting's type (before `check`); ValueError if it cannot be."""
        return text

    def parse(self, text: str) -> Any:
        """Return the value a command-line word gives; ValueError `must be EXPECTED; got 'TEXT'` if none."""
        try:
            value = self.convert(text)
        except ValueError:
            value = None
        if value is None or not self.accepts(value):
            raise ValueError(f"must be {self.expected}; got {text!r}")
        return self.normalise(value)


def _is_integer(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


class Integer(Constraint):
    """An integer ≥ low."""

    def __init__(self, low: int = 1) -> None:
        self.low = low
        self.expected = "a positive integer" if low == 1 else f"an integer ≥ {low}"

    def accepts(self, value: Any) -> bool:
        return _is_integer(value) and value >= self.low

    def normalise(self, value: Any) -> int:
        return int(value)

    def convert(self, text: str) -> int:
        return int(text)


class Real(Constraint):
    """A finite number in an interval: above low (or at it, when low_closed) and below high (or at it, when high_closed)."""

    def __init__(
        self,
        low: float,
        high: float = math.inf,
        low_closed: bool = False,
        expected: str = "",
        high_closed: bool = False,
    ) -> None:
        self.low, self.high, self.low_closed, self.high_closed = low, high, low_closed, high_closed
        interval = f"{'[' if low_closed else '('}{low:g}, {high:g}{']' if high_closed else ')'}"
        self.expected = expected or f"a number in {interval}"

    def accepts(self, value: Any) -> bool:
        above = value >= self.low if self.low_closed else value > self.low
        return _is_number(value) and above and (value <= self.high if self.high_closed else value < self.high)

    def normalise(self, value: Any) -> float:
        return float(value)

    def convert(self, text: str) -> float:
        return float(text)


class OneOf(Constraint):
    """One of a few names."""

    def __init__(self, choices: Sequence[str]) -> None:
        self.choices = tuple(choices)
        self.expected = f"one of {', '.join(self.choices)}"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in (self.choices or ())


class SomeOf(Constraint):
    """Any of a few names, none repeated: a tuple; the command line writes them `a,b` (or `none`)."""

    def __init__(self, choices: Sequence[str]) -> None:
        self.names = tuple(choices)
        self.expected = f"none or some of {', '.join(self.names)}"
        self.metavar = ",".join(self.names)

    def accepts(self, value: Any) -> bool:
        return isinstance(value, (list, tuple)) and all(isinstance(v, str) and v in self.names for v in value)

    def normalise(self, value: Any) -> tuple[str, ...]:
        return tuple(dict.fromkeys(value))

    def convert(self, text: str) -> tuple[str, ...]:
        names = tuple(part.strip() for part in text.split(",") if part.strip())
        return () if names == ("none",) else names


class Layers(Constraint):
    """The layers, input first: two or more positive sizes `784,16,16,10` (a dense Network), or a convolutional
    network's spelling `28x28,conv5x5x20,pool2,100,10` (`scratchnet.core.convnet`, which parses it), kept as text."""

    expected = "two or more positive integers like 784,16,16,10, or maps and layers like 28x28,conv5x5x20,pool2,100,10"
    metavar = "784,16,16,10"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, str):
            try:
                return is_convolutional(value) and bool(parse_layers(value))
            except ConfigError:
                return False
        return isinstance(value, (list, tuple)) and len(value) >= 2 and all(_is_integer(v) and v > 0 for v in value)

    def check(self, name: str, value: Any) -> Any:
        """Return value normalised, or raise ConfigError; a spelling's error names its layer and shapes."""
        if isinstance(value, str) and is_convolutional(value):
            return spelled(value)  # parse_layers' ConfigError, one line naming the layer
        return super().check(name, value)

    def normalise(self, value: Any) -> tuple[int, ...] | str:
        return spelled(value) if isinstance(value, str) else tuple(int(v) for v in value)

    def convert(self, text: str) -> tuple[int, ...] | str:
        return text if is_convolutional(text) else tuple(int(part) for part in text.split(","))

    def parse(self, text: str) -> Any:
        """Return the layers a command-line word spells; ValueError naming the layer for a spelling that cannot work."""
        if is_convolutional(text):
            return spelled(text)
        return super().parse(text)


class Text(Constraint):
    """A word that is not blank, such as a file's path."""

    def __init__(self, expected: str, metavar: str) -> None:
        self.expected, self.metavar = expected, metavar

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and bool(value.strip())


class Flag(Constraint):
    """True or False."""

    expected = "true or false"
    WORDS = {"true": True, "yes": True, "false": False, "no": False}

    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool)

    def convert(self, text: str) -> bool:
        if text.strip().lower() not in self.WORDS:
            raise ValueError(text)
        return self.WORDS[text.strip().lower()]


class _Off:
    """What the command line's word `off` (or `none`) parses to: a setting switched off, which `normalise` makes None.

    Not None itself, because the command line's None means "not given, the preset's value": so
    `--preset best --time-budget off` trains best without its budget.
    """

    def __repr__(self) -> str:
        return "off"


OFF = _Off()


class Optional(Constraint):
    """None (the feature is off; `off` or `none` on the command line) or what `inner` accepts."""

    def __init__(self, inner: Constraint) -> None:
        self.inner, self.metavar = inner, inner.metavar
        self.expected = f"{inner.expected} (or None, off)"

    def accepts(self, value: Any) -> bool:
        return value is None or value is OFF or self.inner.accepts(value)

    def normalise(self, value: Any) -> Any:
        return None if value is None or value is OFF else self.inner.normalise(value)

    def parse(self, text: str) -> Any:
        """Return OFF for the words `off` and `none` (normalised to None once the settings are built), else as inner."""
        return OFF if text.strip().lower() in ("off", "none") else super().parse(text)

    def convert(self, text: str) -> Any:
        return self.inner.convert(text)


class Threads(Constraint):
    """A number of threads: a positive integer, or 0 or None for "chosen by the work" (kept as None)."""

    expected = "a positive integer, or 0 (chosen by the work)"
    metavar = "N"

    def accepts(self, value: Any) -> bool:
        return value is None or (_is_integer(value) and value >= 0)

    def normalise(self, value: Any) -> int | None:
        return None if value is None or value == 0 else int(value)

    def convert(self, text: str) -> int:
        return int(text)


def setting(default: Any, constraint: Constraint, help: str, symbol: str = "", command_line: bool = True) -> Any:
    """Return a dataclass field with its default and, in its metadata, its constraint and help text."""
    metadata = {"constraint": constraint, "help": help, "symbol": symbol, "command_line": command_line}
    if isinstance(default, (list, dict)):
        raise TypeError("settings hold immutable defaults (tuples)")
    return field(default=default, metadata=metadata)


class Setting(NamedTuple):
    """One declared setting: its name, default, constraint, help text and the book's symbol (if any)."""

    name: str
    default: Any
    constraint: Constraint
    help: str
    symbol: str
    command_line: bool


def settings(cls: Any) -> list[Setting]:
    """Return the declared settings of a dataclass of this module (or an instance), in field order."""
    return [
        Setting(
            f.name,
            f.default,
            f.metadata["constraint"],
            f.metadata["help"],
            f.metadata["symbol"],
            f.metadata["command_line"],
        )
        for f in fields(cls)
        if "constraint" in f.metadata and f.default is not MISSING
    ]


class _Declared:
    """The shared part: check every setting in `__post_init__`, and read and write plain dicts."""

    def __post_init__(self) -> None:
        for item in settings(self):
            name = f"{item.name} ({item.symbol})" if item.symbol else item.name
            object.__setattr__(self, item.name, item.constraint.check(name, getattr(self, item.name)))

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as plain JSON-able values (tuples as lists)."""
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        """Return the settings a dict (such as `to_dict`'s) describes; keys that are not settings are ignored."""
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(frozen=True)
class NetworkShape(_Declared):
    """What a network is built with: `Network(layers, activation, cost, init, seed, dtype)`."""

    layers: tuple[int, ...] | str = setting(
        (784, 16, 16, 10), Layers(), "the layer sizes (784,16,16,10) or a convolutional spelling, input first"
    )
    activation: str = setting("sigmoid", OneOf(tuple(ACTIVATIONS)), "the hidden layers' activation", "σ")
    cost: str = setting("quadratic", OneOf(tuple(COSTS)), "the cost", "C")
    init: str = setting(
        "normal", OneOf(INITS), "initial weights: normal N(0,1), scaled N(0,1/n_in), or he N(0,2/n_in) for ReLU"
    )
    seed: int = setting(0, Integer(0), "seed for the initial weights and the shuffling")
    dtype: str = setting("float32", OneOf(tuple(DTYPES)), "floating-point precision")


POSITIVE_SECONDS = Real(0, expected="a positive finite number of seconds")


@dataclass(frozen=True)
class TrainOptions(_Declared):
    """How `fit` trains: the tutorial's 30 epochs of plain SGD with m = 10 and η = 3.0, unless told otherwise."""

    epochs: int = setting(30, Integer(), "passes over the shuffled training set (at most, with early stopping)")
    batch_size: int = setting(10, Integer(), "m, the mini-batch size")
    lr: float = setting(
        3.0, Real(0, expected="a positive finite number"), "η, the learning rate (η₀ where a schedule changes it)", "η"
    )
    keep: str = setting(
        "best", OneOf(("best", "last")), "keep the epoch with the best validation accuracy, or the last"
    )
    lmbda: float = setting(
        0.0, Real(0, low_closed=True, expected="a finite number ≥ 0"), "λ, the L2 strength: C = C₀ + λ/(2n) Σw²", "λ"
    )
    optimizer: str = setting("sgd", OneOf(OPTIMIZERS), "the update rule")
    momentum: float = setting(
        0.9, Real(0, 1, low_closed=True), "μ, the momentum coefficient of momentum and nesterov", "μ"
    )
    schedule: str = setting(
        "constant",
        OneOf(SCHEDULES),
        "η's schedule: step halves η every --patience epochs, cosine eases it to 0, plateau halves it after "
        "--patience epochs without improvement and stops at η/128",
    )
    patience: int = setting(10, Integer(), "k, the epochs the step and plateau schedules wait", "k")
    dropout: float = setting(
        0.0, Real(0, 1, low_closed=True), "p, the probability of dropping a hidden neuron during training", "p"
    )
    augment: tuple[str, ...] = setting((), SomeOf(AUGMENTATIONS), "distort every mini-batch afresh with these")
    early_stop: int | None = setting(
        None, Optional(Integer()), "stop after K epochs without a better validation accuracy"
    )
    training_sample: int | None = setting(
        5_000,
        Optional(Integer()),
        "measure the training cost and accuracy after each epoch on the first this-many training images, a fixed "
        "sample that costs little (None, or a number ≥ n: on all of them); the validation figures are always exact",
    )
    time_budget: float | None = setting(
        None,
        Optional(POSITIVE_SECONDS),
        "stop training after this many seconds; a cosine schedule then runs on the clock",
    )
    teacher: str | None = setting(
        None,
        Optional(Text("a model file, or the name of a model shipped with scratchnet (reader)", "MODEL")),
        "distil: learn from this trained model's outputs softened at --temperature besides the labels (Hinton et al. "
        "2015); a model file, or the name of a shipped model (reader); its outputs must be the network's (or one more, "
        "'not a digit', left out)",
    )
    temperature: float = setting(
        2.0,
        Real(0, expected="a positive finite number"),
        "T, the temperature the teacher's outputs are softened at: q = softmax(z/T) (1: its probabilities; larger: "
        "softer, toward uniform)",
        "T",
    )
    soft_weight: float = setting(
        0.5,
        Real(0, 1, low_closed=True, high_closed=True),
        "α, the teacher's share of each target: y = (1 − α) y_label + α q (1: the teacher's alone)",
        "α",
    )
    label_smoothing: float = setting(
        0.0,
        Real(0, 1, low_closed=True, high_closed=True),
        "ε, label smoothing: each target y = (1 − ε) y + ε/n_out, a uniform teacher's share (Szegedy et al. 2016)",
        "ε",
    )
    threads: int | None = setting(
        None,
        Threads(),
        "BLAS threads for the training's matrix products (0 or None: chosen by the work, `scratchnet.training.threads`: "
        "one for small products such as the tutorial's, every core for wide layers)",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.teacher is not None and self.augment:
            raise ConfigError(
                "a teacher's soft targets are computed once, for the undistorted training images, so they cannot "
                f"follow augmentation; got teacher {self.teacher!r} and augment {','.join(self.augment)}"
            )


@dataclass(frozen=True)
class TrainConfig(TrainOptions, NetworkShape):
    """How to build and train a network; the defaults are the tutorial's 784-16-16-10 with η = 3.0.

    The fields are NetworkShape's, then TrainOptions', then `full_train` and `members`; `extra` holds free notes.
    """

    full_train: bool = setting(
        False,
        Flag(),
        "choose the number of epochs on the validation split, then train afresh on all training images (keeping the "
        "last epoch without early stopping there is nothing to choose: on all of them at once)",
    )
    members: int = setting(
        1,
        Integer(),
        "train this many networks at once, each in its own process, at seeds seed, seed + 1, ...; the model is their "
        "committee, answering by the mean of their probabilities (Nielsen ch. 6's ensemble)",
    )
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.full_train and self.schedule == "plateau":
            raise ConfigError(
                "full_train cannot follow the plateau schedule, which needs the validation accuracy that training on all "
                "images has not; got schedule 'plateau' (choose constant, step or cosine)"
            )

    def options(self) -> TrainOptions:
        """Return the training options of these settings."""
        return TrainOptions(**{item.name: getattr(self, item.name) for item in settings(TrainOptions)})

    def shape(self) -> NetworkShape:
        """Return the network shape of these settings."""
        return NetworkShape(**{item.name: getattr(self, item.name) for item in settings(NetworkShape)})

    def with_options(self, **changes: Any) -> TrainConfig:
        """Return a copy with some settings changed (and checked again)."""
        return replace(self, **changes)

    def describe(self) -> list[str]:
        """Return the settings as a few lines of `name value` for the command line."""
        lines = [
            f"layers {self.layers if isinstance(self.layers, str) else '-'.join(map(str, self.layers))}, {self.activation} neurons, {self.cost} cost, {self.init} initial weights",
            f"{self.epochs} epochs, m = {self.batch_size}, η = {self.lr:g} ({self.schedule} schedule), {self.optimizer}"
            + (f" μ = {self.momentum:g}" if self.optimizer in ("momentum", "nesterov") else ""),
        ]
        regular = [
            f"L2 λ = {self.lmbda:g}" if self.lmbda else "",
            f"dropout p = {self.dropout:g}" if self.dropout else "",
            f"augment {','.join(self.augment)}" if self.augment else "",
            f"early stop after {self.early_stop}" if self.early_stop else "",
            "full train" if self.full_train else "",
            f"at most {self.time_budget:g} s of training" if self.time_budget else "",
            f"taught by {self.teacher} (T = {self.temperature:g}, α = {self.soft_weight:g})" if self.teacher else "",
            f"labels smoothed by ε = {self.label_smoothing:g}" if self.label_smoothing else "",
            f"a committee of {self.members} networks trained at once" if self.members > 1 else "",
        ]
        lines.append(", ".join(item for item in regular if item) or "no regularisation")
        lines.append(f"{self.dtype}, seed {self.seed}, keep the {self.keep} epoch")
        return lines
