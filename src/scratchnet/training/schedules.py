"""Learning-rate schedules and early stopping: how η and the number of epochs follow the training.

Symbols: η₀ the starting learning rate, η_t the rate at time t, measured in epochs done (t = 2.5 is
half-way through the third epoch), T the planned number of epochs.

    constant   η_t = η₀
    step       η_t = η₀ γ^⌊t / s⌋                          (γ = 0.5 halves η every s epochs)
    cosine     η_t = ½ η₀ (1 + cos(π t / T))               (Loshchilov & Hutter 2017, one cycle, to 0)
    plateau    η → η / 2 whenever the validation accuracy has not improved for k epochs, and stop once
               η has fallen to η₀ / 128 (the book's chapter 3, "Learning rate schedule")

A schedule answers `eta_at(t)` before each mini-batch and hears `observe(accuracy)` after each epoch;
`observe` returns False when training should stop. `EarlyStopping` stops when the validation accuracy
has not improved for k epochs (the book's "no-improvement-in-ten" rule, with k = 10).
"""

from __future__ import annotations

import math
from typing import Any

from scratchnet.errors import ConfigError


class _Stateful:
    """What changes as training goes (the attributes named in STATE), as a dict for checkpoints."""

    STATE: tuple[str, ...] = ()

    def state_dict(self) -> dict[str, Any]:
        """Return what has been learned so far (the plateau's η, the best accuracy, the epochs waited)."""
        return {name: getattr(self, name) for name in self.STATE}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Take up the state `state_dict` returned."""
        for name in self.STATE:
            setattr(self, name, state[name])


class _Schedule(_Stateful):
    """The shared part: η₀, and an `observe` that never stops training."""

    name = "constant"

    def __init__(self, eta: float) -> None:
        self.eta0 = eta

    def eta_at(self, t: float) -> float:
        """Return η_t = η₀."""
        return self.eta0

    def observe(self, accuracy: float | None) -> bool:
        """Hear the epoch's validation accuracy; return whether to go on (always, here)."""
        return True

    def describe(self) -> str:
        """Return the schedule in a few words, for the command line."""
        return self.name


class Constant(_Schedule):
    """η_t = η₀: the tutorial's fixed learning rate."""


class StepDecay(_Schedule):
    """η_t = η₀ γ^⌊t / s⌋: multiply η by γ every s epochs."""

    name = "step"

    def __init__(self, eta: float, every: float, factor: float = 0.5) -> None:
        super().__init__(eta)
        if not every > 0 or not 0 < factor <= 1:
            raise ConfigError(
                f"a step schedule needs every > 0 epochs and 0 < γ ≤ 1; got every={every!r}, γ={factor!r}"
            )
        self.every, self.factor = every, factor

    def eta_at(self, t: float) -> float:
        """Return η₀ γ^⌊t / s⌋."""
        return self.eta0 * self.factor ** math.floor(t / self.every)

    def describe(self) -> str:
        return f"step (η × {self.factor:g} every {self.every:g} epochs)"


class Cosine(_Schedule):
    """η_t = ½ η₀ (1 + cos(π t / T)): from η₀ down to 0 along half a cosine over T epochs."""

    name = "cosine"

    def __init__(self, eta: float, epochs: float) -> None:
        super().__init__(eta)
        if not epochs > 0:
            raise ConfigError(f"a cosine schedule needs T > 0 epochs; got {epochs!r}")
        self.epochs = epochs

    def eta_at(self, t: float) -> float:
        """Return ½ η₀ (1 + cos(π t / T)), held at 0 beyond T."""
        return 0.5 * self.eta0 * (1 + math.cos(math.pi * min(t, self.epochs) / self.epochs))

    def describe(self) -> str:
        return f"cosine (η → 0 over {self.epochs:g} epochs)"


class HalveOnPlateau(_Schedule):
    """η → η / 2 when validation accuracy has not improved for k epochs; stop once η ≤ η₀ / 128.

    The book's chapter 3 schedule: hold η while the network improves, halve it when it stalls, and
    end training when it has been halved seven times (η₀ / 2⁷ = η₀ / 128).
    """

    name = "plateau"
    STATE = ("eta", "best", "waited")

    def __init__(self, eta: float, patience: int = 10, floor: float = 1 / 128) -> None:
        super().__init__(eta)
        if patience < 1:
            raise ConfigError(f"a plateau schedule needs patience k ≥ 1 epochs; got {patience!r}")
        self.patience, self.floor = patience, floor
        self.eta = eta
        self.best = -math.inf
        self.waited = 0

    def eta_at(self, t: float) -> float:
        """Return the current η (it changes only in `observe`)."""
        return self.eta

    def observe(self, accuracy: float | None) -> bool:
        """Halve η after k epochs without a new best accuracy; return False once η ≤ η₀ / 128."""
        if accuracy is None:
            return True
        if accuracy > self.best:
            self.best, self.waited = accuracy, 0
            return True
        self.waited += 1
        if self.waited >= self.patience:
            self.eta /= 2
            self.waited = 0
        return self.eta > self.eta0 * self.floor * (1 + 1e-12)

    def describe(self) -> str:
        return f"plateau (halve η after {self.patience} epochs without improvement, stop at η₀/{round(1 / self.floor)})"


Schedule = Constant | StepDecay | Cosine | HalveOnPlateau

SCHEDULES = ("constant", "step", "cosine", "plateau")
"""The schedules, by the names the command line accepts."""


def make_schedule(name: str, eta: float, epochs: int, patience: int = 10, every: float = 10.0) -> Schedule:
    """Return the schedule called name for η₀ = eta over `epochs` epochs.

    `patience` is the plateau schedule's k; `every` the step schedule's s (η halves every s epochs).
    """
    if name == "constant":
        return Constant(eta)
    if name == "step":
        return StepDecay(eta, every)
    if name == "cosine":
        return Cosine(eta, epochs)
    if name == "plateau":
        return HalveOnPlateau(eta, patience)
    raise ConfigError(f"schedule must be one of {', '.join(SCHEDULES)}; got {name!r}")


class EarlyStopping(_Stateful):
    """Stop when the validation accuracy has not improved for k epochs in a row."""

    STATE = ("best", "waited")

    def __init__(self, patience: int) -> None:
        if patience < 1:
            raise ConfigError(f"early stopping needs patience k ≥ 1 epochs; got {patience!r}")
        self.patience = patience
        self.best = -math.inf
        self.waited = 0

    def observe(self, accuracy: float | None) -> bool:
        """Hear the epoch's validation accuracy; return False after k epochs without a new best."""
        if accuracy is None:
            return True
        if accuracy > self.best:
            self.best, self.waited = accuracy, 0
        else:
            self.waited += 1
        return self.waited < self.patience
