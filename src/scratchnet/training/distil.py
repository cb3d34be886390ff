"""Knowledge distillation (Hinton, Vinyals and Dean 2015): a network learns from a teacher's softened outputs.

Symbols: v = z^L(x) the teacher's output-layer weighted inputs for image x, T the temperature, α the
teacher's share of each target, y_label the one-hot label, a = a^L(x) the student's output.

The teacher's outputs softened at temperature T are

    q_j = softmax(v / T)_j = e^(v_j / T) / Σ_k e^(v_k / T)

T = 1 gives a softmax teacher's own probabilities; as T grows q tends to uniform (1/n_out each), and
the small probabilities a confident teacher gives the other classes (how much this 3 looks like an
8) grow into numbers a target can carry. The student learns from the targets

    y = (1 − α) y_label + α q

through the one cost and backprop it already has. With the log-likelihood cost on a softmax output,

    C_x = −Σ_j y_j ln a_j = (1 − α) C(y_label) + α C(q),    C(q) = −Σ_j q_j ln a_j,

and (BP1) is the same equation for these soft y as for one-hot ones: δ^L = ∂C_x/∂z^L = a − y, since
Σ_j y_j = 1. (A sigmoid output with the cross-entropy cost has δ^L = a − y for any y in [0, 1]; the
quadratic cost takes any y.) So the fast path and the reference take soft targets unchanged.

The student is at temperature 1. Hinton's soft term softens the student too, T² C(q, softmax(z/T)),
whose gradient ∂/∂z_j = T (softmax(z/T)_j − q_j) shrinks by 1/T unless multiplied back by T²; at
temperature 1 the soft term's gradient a_j − q_j has the hard term's size at every T, so no T² is
needed, and the network answers at T = 1 as it trained. Its minimum lies at softmax(z) = q, that is
z = v/T + c: the student learns the teacher's order of the classes and the ratios of its gaps, as
Hinton's student does (z = v + c), only T times less confident. The price: at large T the gaps v/T
the student must keep are small beside what L2 pulls on, so T of 2 to 4 is where it helps.

`soft_targets` feeds the teacher forward once, through its own `forward_trace` (the dense Network's
and the ConvNetwork's, whose last Z is z^L), on a float64 copy of it in chunks of TEACHER_ROWS: float64
products round the same whatever the BLAS kernel and threads (`scratchnet.core.answers`), so the
rounded targets, and with them a resumed run, do not depend on how the products were split.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from scratchnet.core.convnet import ConvNetwork, build
from scratchnet.errors import ConfigError

if TYPE_CHECKING:
    from scratchnet.core.network import Array, Network

TEACHER_ROWS = 500
"""Images fed through the teacher at once: a convolutional teacher's float64 patches stay near 100 MB."""


def softened(v: NDArray[np.floating], T: float) -> NDArray[np.float64]:
    """Return q = softmax(v/T) of each row of v, shape (n, n_out), shifted by the row's largest v so e^x cannot overflow."""
    scaled = np.asarray(v, dtype=np.float64) / T
    e = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def check_teacher(teacher: Network, inputs: int, outputs: int) -> None:
    """Raise ConfigError unless the teacher takes the student's `inputs` and gives its `outputs` (or one more).

    One output more is scratchnet's "not a digit" (a reader's eleventh, trained on made-up negatives):
    its z is left out, so q is the teacher's softened answer among the digits.
    """
    taught = _spelled(teacher)
    if teacher.sizes[0] != inputs:
        raise ConfigError(f"the teacher must take the network's {inputs} inputs; got {taught} ({teacher.sizes[0]})")
    if teacher.sizes[-1] not in (outputs, outputs + 1):
        raise ConfigError(
            f"the teacher must give the network's {outputs} outputs (or {outputs + 1}, the last 'not a digit'); "
            f"got {taught} ({teacher.sizes[-1]} outputs)"
        )


def soft_targets(teacher: Network, X: NDArray[Any], T: float, outputs: int, dtype: Any) -> Array:
    """Return q = softmax(v/T) for the rows of X, shape (n, outputs), in dtype: v the teacher's z^L (its first outputs).

    Raises
    ------
    ConfigError : if the teacher does not fit (see `check_teacher`).
    """
    check_teacher(teacher, X.shape[1], outputs)
    twin = _in_float64(teacher)
    q = np.empty((len(X), outputs), dtype=dtype)
    for start in range(0, len(X), TEACHER_ROWS):
        Z, _ = twin.forward_trace(X[start : start + TEACHER_ROWS])
        q[start : start + TEACHER_ROWS] = softened(Z[-1][:, :outputs], T)
    return q


def mixed_targets(Y: Array, q: Array, alpha: float) -> Array:
    """Return y = (1 − α) y_label + α q, the targets of distillation (Y one-hot, q the soft targets, same shape)."""
    return ((1 - alpha) * Y + alpha * q).astype(Y.dtype)


def smoothed_targets(Y: Array, epsilon: float) -> Array:
    """Return y = (1 − ε) y + ε/n_out for each row of Y: label smoothing (Szegedy et al. 2016).

    A teacher who finds every class equally likely, mixed in with share ε: the log-likelihood's
    minimum moves from z_label − z_j → ∞ to a finite gap, ln((1 − ε + ε/n)/(ε/n)), so the last
    epochs stop pushing the right answer's z up once the network is sure. Y unchanged when ε = 0.
    """
    if not epsilon:
        return Y
    return ((1 - epsilon) * Y + epsilon / Y.shape[1]).astype(Y.dtype)


def _in_float64(net: Network) -> Network:
    """Return a float64 copy of net (dense or convolutional), for products that round alike however they are split."""
    layers = net.spelling if isinstance(net, ConvNetwork) else tuple(net.sizes)
    twin = build(layers, net.activation.name, net.cost_function.name, seed=None, dtype="float64")
    twin.set_parameters(net.weights, net.biases)
    return twin


def _spelled(net: Network) -> str:
    return net.spelling if isinstance(net, ConvNetwork) else "-".join(map(str, net.sizes))
