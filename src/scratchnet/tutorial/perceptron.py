"""The perceptrons of chapter 1, their truth tables, the cheese-festival decision, and the sigmoid neuron.

A perceptron takes binary inputs x_1, ..., x_n and weighs them:
    output = 0  if  Σ_j w_j x_j ≤ threshold
             1  if  Σ_j w_j x_j > threshold
or, with the bias b = −threshold and w·x = Σ_j w_j x_j,
    output = 0  if  w·x + b ≤ 0
             1  if  w·x + b > 0                                      (step function of z = w·x + b)

The cheese festival: go (1) or stay (0), weighing good weather (w = 6), a partner who comes along (2)
and public transit nearby (2). With threshold 5 only the weather matters; with threshold 3 you also
go when the partner comes and transit is near, whatever the weather.

NAND (weights −2, −2, bias 3) is universal: the bit adder below is built of NAND perceptrons alone.
Rosenblatt's learning rule, w → w + η (t − o) x and b → b + η (t − o), finds weights for any linearly
separable truth table; on XOR it cannot, and `learn` reports that after a bounded number of epochs.

The sigmoid neuron is the same neuron with σ(z) = 1/(1 + e^−z) in place of the step: small changes
Δw_j, Δb change its output by about
    Δoutput ≈ Σ_j ∂output/∂w_j Δw_j + ∂output/∂b Δb                                   (5)
with an error that shrinks quadratically as the changes shrink (`linear_approximation`), whereas a
perceptron's output can jump from 0 to 1.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from scratchnet.errors import ConfigError, DataFormatError

CHEESE_FESTIVAL_INPUTS = ("weather", "partner", "transit")
"""The cheese festival's inputs: is the weather good, does your partner come along, is it near public transit."""

CHEESE_FESTIVAL_WEIGHTS = (6.0, 2.0, 2.0)
"""The weights the tutorial gives them: the weather matters most."""

NAND_WEIGHTS = (-2.0, -2.0)
NAND_BIAS = 3.0
"""The book's NAND perceptron: output 0 only for input 11, since (−2)·1 + (−2)·1 + 3 = −1 ≤ 0."""


def _finite_number(value: object, what: str) -> float:
    """Return value as a float, or raise ConfigError naming what arrived."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise ConfigError(f"{what} must be a finite number; got {value!r}")
    return number


class Perceptron:
    """A perceptron: output 1 if w·x + b > 0, else 0.

    Parameters
    ----------
    weights : w_1, ..., w_n, one per input (finite numbers).
    threshold : the threshold of the book's first form (output 1 when w·x > threshold).
    bias : b = −threshold, the second form (output 1 when w·x + b > 0). Give exactly one of the two.

    Raises
    ------
    ConfigError : for no weights, a weight that is not a finite number, or not exactly one of
        threshold and bias.
    """

    def __init__(self, weights: Sequence[float], threshold: float | None = None, bias: float | None = None) -> None:
        try:
            weights = list(weights)
        except TypeError as err:
            raise ConfigError(f"weights must be a sequence of numbers; got {weights!r}") from err
        if not weights:
            raise ConfigError("weights must hold at least one number; got none")
        self.weights: tuple[float, ...] = tuple(_finite_number(w, "every weight") for w in weights)
        if (threshold is None) == (bias is None):
            raise ConfigError(
                f"give exactly one of threshold and bias (b = −threshold); got threshold={threshold!r}, bias={bias!r}"
            )
        self.bias: float = (
            -_finite_number(threshold, "threshold") if threshold is not None else _finite_number(bias, "bias")
        )

    @property
    def threshold(self) -> float:
        """Return the threshold, −b."""
        return -self.bias

    @property
    def num_inputs(self) -> int:
        """Return n, the number of inputs."""
        return len(self.weights)

    def weighted_input(self, x: Sequence[float]) -> float:
        """Return z = w·x + b = Σ_j w_j x_j + b.

        Raises DataFormatError unless x holds one finite number per weight.
        """
        values = list(x)
        if len(values) != len(self.weights):
            raise DataFormatError(
                f"a perceptron with {len(self.weights)} weights needs {len(self.weights)} inputs; got {len(values)}: {values!r}"
            )
        numbers = [_input_number(v) for v in values]
        return math.fsum(w * v for w, v in zip(self.weights, numbers)) + self.bias

    def output(self, x: Sequence[float]) -> int:
        """Return 1 if w·x + b > 0, else 0 (the step function)."""
        return 1 if self.weighted_input(x) > 0 else 0

    def __repr__(self) -> str:
        return f"Perceptron(weights={list(self.weights)}, bias={self.bias:g})"


def _input_number(value: object) -> float:
    """Return one input as a float, or raise DataFormatError."""
    try:
        return _finite_number(value, "every input")
    except ConfigError as err:
        raise DataFormatError(str(err)) from err


def truth_table(perceptron: Perceptron) -> list[tuple[tuple[int, ...], int]]:
    """Return [(x, output(x))] for every 0/1 input x, in binary counting order (00…0, 00…1, …, 11…1)."""
    return [(x, perceptron.output(x)) for x in itertools.product((0, 1), repeat=perceptron.num_inputs)]


def cheese_festival(threshold: float = 5.0) -> Perceptron:
    """Return the festival decision: weights 6 (weather), 2 (partner), 2 (transit) and the given threshold."""
    return Perceptron(CHEESE_FESTIVAL_WEIGHTS, threshold=threshold)


def nand_perceptron() -> Perceptron:
    """Return the book's NAND perceptron: weights −2, −2 and bias 3."""
    return Perceptron(NAND_WEIGHTS, bias=NAND_BIAS)


def add_bits(x1: int, x2: int) -> tuple[int, int]:
    """Return (sum bit, carry bit) of x1 + x2, computed by a network of five NAND perceptrons only.

    The book's circuit: a = NAND(x1, x2); sum = NAND(NAND(x1, a), NAND(x2, a)) = x1 ⊕ x2;
    carry = NAND(a, a) = x1 x2 (the book draws it as one perceptron with weight −4 from a).
    """
    for bit in (x1, x2):
        if bit not in (0, 1) or isinstance(bit, bool):
            raise DataFormatError(f"add_bits adds two bits, 0 or 1; got {x1!r} and {x2!r}")
    nand = nand_perceptron()
    a = nand.output((x1, x2))
    sum_bit = nand.output((nand.output((x1, a)), nand.output((x2, a))))
    carry = nand.output((a, a))
    return sum_bit, carry


@dataclass
class LearningResult:
    """What Rosenblatt's rule reached: the perceptron, whether an epoch made no mistake, and the mistakes per epoch."""

    perceptron: Perceptron
    converged: bool
    epochs: int
    mistakes: list[int] = field(default_factory=list)


def learn(
    inputs: Sequence[Sequence[float]], targets: Sequence[int], max_epochs: int = 100, eta: float = 1.0
) -> LearningResult:
    """Train a perceptron by Rosenblatt's rule and return a LearningResult; never loops forever.

    Starting from w = 0, b = 0, every example x with target t and output o moves
        w → w + η (t − o) x,    b → b + η (t − o).
    Training stops after the first epoch without a mistake (converged: the perceptron convergence
    theorem promises one for linearly separable data) or after max_epochs (not converged: XOR).

    Raises
    ------
    ConfigError : for max_epochs < 1 or η ≤ 0.
    DataFormatError : for no examples, rows of different lengths, targets that are not 0/1, or a
        different number of inputs and targets.
    """
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, int) or max_epochs < 1:
        raise ConfigError(f"max_epochs must be a positive integer; got {max_epochs!r}")
    if _finite_number(eta, "eta (η)") <= 0:
        raise ConfigError(f"eta (η) must be positive; got {eta!r}")
    rows = [[_input_number(v) for v in x] for x in inputs]
    labels = list(targets)
    if not rows or len(rows) != len(labels):
        raise DataFormatError(
            f"learn needs one target per input row, at least one; got {len(rows)} rows and {len(labels)} targets"
        )
    if len({len(x) for x in rows}) != 1 or not rows[0]:
        raise DataFormatError(
            f"every input row must have the same, non-zero length; got lengths {sorted({len(x) for x in rows})}"
        )
    if any(t not in (0, 1) or isinstance(t, bool) for t in labels):
        raise DataFormatError(f"targets must be 0 or 1; got {labels!r}")
    weights, bias = [0.0] * len(rows[0]), 0.0
    mistakes: list[int] = []
    for epoch in range(1, max_epochs + 1):
        wrong = 0
        for x, t in zip(rows, labels):
            o = Perceptron(weights, bias=bias).output(x)
            if o != t:
                wrong += 1
                weights = [w + eta * (t - o) * v for w, v in zip(weights, x)]
                bias += eta * (t - o)
        mistakes.append(wrong)
        if wrong == 0:
            return LearningResult(Perceptron(weights, bias=bias), True, epoch, mistakes)
    return LearningResult(Perceptron(weights, bias=bias), False, max_epochs, mistakes)


LOGIC_GATES: dict[str, tuple[int, int, int, int]] = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "xor": (0, 1, 1, 0),
}
"""Truth tables of two-input gates for inputs 00, 01, 10, 11: all linearly separable but XOR."""

TWO_BIT_INPUTS: tuple[tuple[int, int], ...] = ((0, 0), (0, 1), (1, 0), (1, 1))


# The sigmoid neuron ------------------------------------------------------------------------------


def sigmoid(z: float) -> float:
    """Return σ(z) = 1/(1 + e^−z), written as ½(1 + tanh(z/2)) so it cannot overflow."""
    return 0.5 * (1.0 + math.tanh(0.5 * z))


class SigmoidNeuron(Perceptron):
    """The perceptron with σ in place of the step: output σ(w·x + b), a number in (0, 1)."""

    def output(self, x: Sequence[float]) -> float:  # type: ignore[override]
        """Return σ(w·x + b)."""
        return sigmoid(self.weighted_input(x))

    def gradient(self, x: Sequence[float]) -> tuple[tuple[float, ...], float]:
        """Return (∂output/∂w_j for every j, ∂output/∂b) = (σ'(z) x_j, σ'(z)), with σ'(z) = σ(z)(1 − σ(z))."""
        a = self.output(x)
        prime = a * (1.0 - a)
        return tuple(prime * float(v) for v in x), prime

    def __repr__(self) -> str:
        return f"SigmoidNeuron(weights={list(self.weights)}, bias={self.bias:g})"


@dataclass(frozen=True)
class LinearApproximationStep:
    """One scale of the change: the true Δoutput, its linear estimate (5), and their difference."""

    scale: float
    true_change: float
    linear_change: float

    @property
    def error(self) -> float:
        """Return |true − linear|."""
        return abs(self.true_change - self.linear_change)


def linear_approximation(
    neuron: SigmoidNeuron,
    x: Sequence[float],
    delta_w: Sequence[float],
    delta_b: float,
    scales: Sequence[float] = (1.0, 0.5, 0.25, 0.125, 0.0625),
) -> list[LinearApproximationStep]:
    """Return, for each scale s, the change of the neuron's output when w → w + s Δw, b → b + s Δb,
    beside its linear estimate Σ_j ∂output/∂w_j (s Δw_j) + ∂output/∂b (s Δb)                   (5).

    The error is O(s²): each halving of s divides it by about 4.

    Raises DataFormatError unless delta_w holds one number per weight.
    """
    if len(delta_w) != neuron.num_inputs:
        raise DataFormatError(f"delta_w needs one change per weight ({neuron.num_inputs}); got {len(delta_w)}")
    before = neuron.output(x)
    grad_w, grad_b = neuron.gradient(x)
    steps = []
    for s in scales:
        moved = SigmoidNeuron([w + s * d for w, d in zip(neuron.weights, delta_w)], bias=neuron.bias + s * delta_b)
        linear = math.fsum(g * s * d for g, d in zip(grad_w, delta_w)) + grad_b * s * delta_b
        steps.append(LinearApproximationStep(float(s), moved.output(x) - before, linear))
    return steps


def perceptron_jump(perceptron: Perceptron, x: Sequence[float], delta_b: float) -> tuple[int, int]:
    """Return (output before, output after) b → b + Δb: at z = w·x + b near 0 a tiny Δb flips 0 to 1."""
    moved = Perceptron(perceptron.weights, bias=perceptron.bias + delta_b)
    return perceptron.output(x), moved.output(x)
