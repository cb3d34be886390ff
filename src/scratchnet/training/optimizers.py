"""Update rules: how one mini-batch's gradient moves the parameters (chapter 3's variations on SGD).

Symbols: w a parameter (weight or bias), ∇C = ∂C/∂w its gradient on the mini-batch, η (eta) the
learning rate, μ (mu) the momentum coefficient, v a velocity, t the step count.

    SGD        w → w − η ∇C                                                      (chapter 1)
    momentum   v → μ v − η ∇C,  w → w + v                                        (chapter 3)
    Nesterov   v → μ v − η ∇C(w + μ v),  w → w + v  (the gradient at the look-ahead point)
    Adam       m → β₁ m + (1 − β₁) ∇C,  s → β₂ s + (1 − β₂) ∇C²,
               w → w − η m̂ / (√ŝ + ε)  with m̂ = m / (1 − β₁ᵗ), ŝ = s / (1 − β₂ᵗ)   (Kingma & Ba 2015)

Each rule is a small class with `step(params, grads)`, which updates the arrays of `params` in place
(weights and biases alike, in one list) from `grads`, shaped the same. `eta` is an attribute, so a
learning-rate schedule can change it between steps. L2 regularisation is not here: it adds (λ/n) w to
∇C before the step (see `scratchnet.training.sgd`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scratchnet.errors import ConfigError

Array = NDArray[np.floating]


class _Rule:
    """The shared part: the state a checkpoint keeps (η, velocities, moments, step count) as a dict."""

    STATE: tuple[str, ...] = ("eta",)

    def state_dict(self) -> dict[str, Any]:
        """Return what the rule has learned so far, by attribute name (arrays as lists of arrays, or None)."""
        return {name: getattr(self, name) for name in self.STATE}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Take up the state `state_dict` returned, so the next step is the one the saved rule would take."""
        for name in self.STATE:
            setattr(self, name, state[name])


class SGD(_Rule):
    """Plain gradient descent: w → w − η ∇C."""

    name = "sgd"

    def __init__(self, eta: float) -> None:
        self.eta = eta

    def step(self, params: Sequence[Array], grads: Sequence[Array]) -> None:
        """Move each parameter array in place: w → w − η ∇C."""
        for w, g in zip(params, grads):
            w -= self.eta * g


class Momentum(_Rule):
    """Momentum-based gradient descent: v → μ v − η ∇C, w → w + v (the book's chapter 3).

    μ is the "friction": 0 gives plain SGD, values near 1 let the velocity build up along
    directions where the gradient keeps its sign. v starts at zero.
    """

    name = "momentum"
    STATE = ("eta", "velocities")

    def __init__(self, eta: float, mu: float = 0.9) -> None:
        self.eta = eta
        self.mu = mu
        self.velocities: list[Array] | None = None

    def step(self, params: Sequence[Array], grads: Sequence[Array]) -> None:
        """Update v and w in place: v → μ v − η ∇C, w → w + v."""
        if self.velocities is None:
            self.velocities = [np.zeros_like(w) for w in params]
        for w, g, v in zip(params, grads, self.velocities):
            v *= self.mu
            v -= self.eta * g
            w += v


class Nesterov(Momentum):
    """Nesterov momentum: v → μ v − η ∇C(w + μ v), w → w + v.

    The gradient is taken at the look-ahead point w + μ v. To keep one gradient per step we store the
    look-ahead point itself, w̃ = w + μ v (Sutskever et al. 2013; Bengio et al. 2013), so ∇C(w̃) is
    simply the gradient of the stored parameters, and the rule becomes

        v′ = μ v − η ∇C(w̃),    w̃ → w̃ + v′ + μ (v′ − v) = w̃ − μ v + (1 + μ) v′.
    """

    name = "nesterov"

    def __init__(self, eta: float, mu: float = 0.9) -> None:
        super().__init__(eta, mu)
        self.scratch: list[Array] = []

    def step(self, params: Sequence[Array], grads: Sequence[Array]) -> None:
        """Update v and the look-ahead point w̃ in place: w̃ → w̃ − μ v + (1 + μ) v′.

        Each product is written into one scratch array per parameter (not part of the rule's state), so
        a step allocates nothing: the update of a large network is bound by memory, and a fresh array
        for every product cost a third of its time.
        """
        if self.velocities is None:
            self.velocities = [np.zeros_like(w) for w in params]
        if [p.shape for p in self.scratch] != [w.shape for w in params]:
            self.scratch = [np.empty_like(w) for w in params]
        for w, g, v, product in zip(params, grads, self.velocities, self.scratch):
            w -= np.multiply(v, self.mu, out=product)
            v *= self.mu
            v -= np.multiply(g, self.eta, out=product)
            w += np.multiply(v, 1 + self.mu, out=product)


class Adam(_Rule):
    """Adam: per-parameter steps scaled by running averages of the gradient and its square.

        m → β₁ m + (1 − β₁) ∇C,   s → β₂ s + (1 − β₂) ∇C ⊙ ∇C,
        w → w − η m̂ / (√ŝ + ε),   m̂ = m / (1 − β₁ᵗ),  ŝ = s / (1 − β₂ᵗ)

    with t the number of steps taken so far (1 on the first step); m̂ and ŝ undo the bias of starting
    m and s at zero. η near 0.001 is the usual start.
    """

    name = "adam"
    STATE = ("eta", "t", "first", "second")

    def __init__(self, eta: float, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8) -> None:
        self.eta = eta
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.t = 0
        self.first: list[Array] | None = None
        self.second: list[Array] | None = None

    def step(self, params: Sequence[Array], grads: Sequence[Array]) -> None:
        """Update m, s and w in place: w → w − η m̂ / (√ŝ + ε)."""
        if self.first is None or self.second is None:
            self.first = [np.zeros_like(w) for w in params]
            self.second = [np.zeros_like(w) for w in params]
        self.t += 1
        correction1 = 1 - self.beta1**self.t
        correction2 = 1 - self.beta2**self.t
        for w, g, m, s in zip(params, grads, self.first, self.second):
            m *= self.beta1
            m += (1 - self.beta1) * g
            s *= self.beta2
            s += (1 - self.beta2) * (g * g)
            w -= (self.eta / correction1) * m / (np.sqrt(s / correction2) + self.epsilon)


Optimizer = SGD | Momentum | Nesterov | Adam

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam")
"""The update rules, by the names the command line accepts."""


def make_optimizer(name: str, eta: float, mu: float = 0.9) -> Optimizer:
    """Return the update rule called name with learning rate η (and momentum μ where it has one)."""
    if name == "sgd":
        return SGD(eta)
    if name == "momentum":
        return Momentum(eta, mu)
    if name == "nesterov":
        return Nesterov(eta, mu)
    if name == "adam":
        return Adam(eta)
    raise ConfigError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {name!r}")
