"""Backpropagation as the tutorial tells it: what each training example wishes of every neuron, weight and bias.

Take one training example x, a 2, on a network that has not learned yet. Its cost C_x = ½‖y − a^L‖² is
lower when the "2" output is brighter and the other nine darker, so the example *wishes* each output to
move by −∂C_x/∂a^L = y − a^L (quadratic cost). The "2" neuron can get brighter by three routes:

    its bias         Δb_j    ∝ −δ_j                  (BP3: ∂C_x/∂b_j = δ_j)
    its weights      Δw_jk   ∝ −δ_j a_k              (BP4: the weights from bright neurons matter most)
    the layer before Δa_k    ∝ −δ_j w_jk             (brighter where w_jk > 0, darker where it is < 0)

with δ_j = ∂C_x/∂z_j the neuron's error (BP1). Added up over the neurons j that have them, the wishes for
the layer before are −∂C_x/∂a^(l−1) = −Σ_j w_jk δ_j, and the same reasoning carries them one layer further
back (BP2): that is back-propagation. Each example has its own wishes; averaged over the n examples they are
the negative gradient of the mean cost C = (1/n) Σ_x C_x, and one step of SGD follows them:

    mean over x of −∂C_x/∂w  =  −∂C/∂w,    mean over x of −∂C_x/∂b  =  −∂C/∂b.

The numbers come from the network's own `forward_trace` and its cost's `output_error`, as in `backprop`;
samples are rows, X has shape (n, sizes[0]). Weight layer l joins neuron layer l to layer l + 1.
`follow` takes such steps on a copy of the network with the training's own update rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scratchnet.core.encoding import Array, one_hot
from scratchnet.core.network import Network
from scratchnet.errors import ConfigError, DataFormatError
from scratchnet.training.optimizers import SGD


def _targets(net: Network, labels: NDArray[Any], n: int) -> Array:
    """Return y, the one-hot targets for integer labels (n,) or one-hot rows (n, sizes[-1]); raise DataFormatError."""
    labels = np.asarray(labels)
    outputs = net.sizes[-1]
    if labels.ndim == 2 and labels.shape == (n, outputs):
        return labels.astype(net.dtype)
    if (
        labels.ndim != 1
        or len(labels) != n
        or labels.dtype.kind not in "iu"
        or not np.all((labels >= 0) & (labels < outputs))
    ):
        raise DataFormatError(
            f"labels must be {n} integers in 0..{outputs - 1} or one-hot rows ({n}, {outputs}); got an array of shape {labels.shape}"
        )
    return one_hot(labels, outputs, net.dtype)


def _output_wish(net: Network, a: Array, y: Array) -> Array:
    """Return −∂C_x/∂a^L for every row, the move each output neuron is wished to make.

    quadratic      C_x = ½‖y − a‖²                        →  y − a
    cross-entropy  C_x = −Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)]  →  y/a − (1 − y)/(1 − a)
    log-likelihood C_x = −ln a_y                           →  y/a  (only the label's neuron; softmax pulls the rest down)
    ln 0 is clipped at the smallest float, as the costs' values clip it.
    """
    tiny = np.finfo(a.dtype).tiny
    name = net.cost_function.name
    if name == "quadratic":
        return y - a
    if name == "cross-entropy":
        return y / np.maximum(a, tiny) - (1 - y) / np.maximum(1 - a, tiny)
    return y / np.maximum(a, tiny)


@dataclass
class Routes:
    """One neuron's wish for one example, split into its three routes (layer l = 1 .. L−1, neuron j).

    `wish` is −δ_j = −∂C_x/∂z_j, how the example wants z_j to move. Following every wish with a small
    step η moves b_j by −η δ_j, w_jk by −η δ_j a_k and (could they be moved) a_k by −η δ_j w_jk, so z_j =
    Σ_k w_jk a_k + b_j changes by

        bias:         −η δ_j
        weights:      Σ_k (−η δ_j a_k) a_k   = −η δ_j ‖a‖²
        activations:  Σ_k w_jk (−η δ_j w_jk) = −η δ_j ‖w_j‖²

    `contributions` holds these changes for η = 1 (multiply by η for a small step): the route with the
    largest share matters most.
    """

    layer: int
    neuron: int
    wish: float
    bias: float
    weights: NDArray[np.float64]
    activations: NDArray[np.float64]
    previous_activations: NDArray[np.float64]
    incoming_weights: NDArray[np.float64]
    contributions: dict[str, float]

    def strongest(self) -> str:
        """Return the route ('bias', 'weights' or 'activations') that moves z_j most."""
        return max(self.contributions, key=lambda route: abs(self.contributions[route]))


@dataclass
class Wishes:
    """Every example's wishes for every layer of a network; built by `wishes(net, X, labels)`.

    outputs         (n, sizes[-1])          −∂C_x/∂a^L, the move each output neuron is wished to make
    biases[l]       (n, sizes[l + 1])       −∂C_x/∂b^l = −δ^l          (BP3), one per weight layer l
    weights[l]      (n, sizes[l + 1], sizes[l])  −∂C_x/∂w^l = −δ^l a^l    (BP4)
    activations[l]  (n, sizes[l])           −∂C_x/∂a^l = −(W^l)ᵀ δ^l: the wishes of the neurons of layer l + 1
                                            for layer l, summed; activations[-1] is `outputs`, [0] the input's
    a[l], z[l]      the forward trace: a[0] = x, z[l] = a[l] W^lᵀ + b^l, a[l + 1] = σ(z[l])
    incoming[l]     W^l as it was, so `routes` can weigh the layer before's wishes w_jk δ_j
    """

    outputs: Array
    biases: list[Array]
    weights: list[Array]
    activations: list[Array]
    a: list[Array]
    z: list[Array]
    incoming: list[Array]

    @property
    def n(self) -> int:
        """Return the number of examples."""
        return len(self.outputs)

    def mean(self) -> tuple[list[Array], list[Array]]:
        """Return (weights, biases): each example's wishes averaged over the n examples, −∂C/∂w and −∂C/∂b.

        With C = (1/n) Σ_x C_x the mean cost, this is the negative of `Network.backprop`'s gradient: the
        direction one step of gradient descent follows, w → w + η (mean wish).
        """
        return [w.mean(axis=0) for w in self.weights], [b.mean(axis=0) for b in self.biases]

    def routes(self, layer: int, neuron: int, example: int = 0) -> Routes:
        """Return the three routes of neuron `neuron` of layer `layer` (1 .. L−1) for example `example`.

        Raises ConfigError for a layer, neuron or example that does not exist.
        """
        sizes = [self.a[0].shape[1], *(b.shape[1] for b in self.biases)]
        if not 1 <= layer < len(sizes) or not 0 <= neuron < sizes[layer] or not 0 <= example < self.n:
            raise ConfigError(
                f"routes need layer in 1..{len(sizes) - 1}, neuron in 0..{sizes[min(max(layer, 1), len(sizes) - 1)] - 1} "
                f"and example in 0..{self.n - 1}; got layer {layer}, neuron {neuron}, example {example}"
            )
        l = layer - 1  # the weight layer into this neuron
        wish = float(self.biases[l][example, neuron])  # −δ_j
        a_before = self.a[l][example].astype(np.float64)
        w_in = self.incoming[l][neuron].astype(np.float64)
        contributions = {
            "bias": wish,
            "weights": wish * float(a_before @ a_before),
            "activations": wish * float(w_in @ w_in),
        }
        return Routes(
            layer,
            neuron,
            wish,
            wish,
            self.weights[l][example, neuron].astype(np.float64),
            (wish * w_in),
            a_before,
            w_in,
            contributions,
        )


def wishes(net: Network, X: NDArray[Any], labels: NDArray[Any]) -> Wishes:
    """Return what each example (row of X) wishes of every output, bias, weight and hidden activation.

    The backward pass of `Network.backprop`, kept per example instead of summed:
        δ^L = output_error(z^L, a^L, y)                       (BP1)
        δ^l = (δ^(l+1) W^(l+1)) ⊙ σ'(z^l)                     (BP2)
        wish for b^l = −δ^l,  for w^l = −δ^l ⊗ a^l,  for a^l = −δ^l W^l   (BP3, BP4)

    Parameters
    ----------
    net : the network; its dtype is used throughout (float64 for exact checks).
    X : (n, sizes[0]) inputs, floats in [0, 1] or uint8 grey levels.
    labels : n integer labels, or one-hot rows (n, sizes[-1]).

    Raises
    ------
    DataFormatError : for inputs of the wrong shape or labels that do not fit them.
    """
    Z, A = net.forward_trace(np.asarray(X))
    n = len(A[0])
    if n == 0:
        raise DataFormatError("wishes need at least one example; got 0 rows")
    Y = _targets(net, labels, n)
    delta = net.cost_function.output_error(Z[-1], A[-1], Y, net.output_activation)  # (BP1), one row per example
    layers = len(net.weights)
    biases: list[Array] = [np.empty(0)] * layers
    weights: list[Array] = [np.empty(0)] * layers
    activations: list[Array] = [np.empty(0)] * (layers + 1)
    activations[-1] = _output_wish(net, A[-1], Y)
    for l in reversed(range(layers)):
        biases[l] = -delta  # (BP3)
        weights[l] = -delta[:, :, None] * A[l][:, None, :]  # (BP4), (n, n_out, n_in): one outer product per example
        activations[l] = -delta @ net.weights[l]  # the wishes of layer l + 1's neurons for layer l, summed
        if l > 0:
            delta = (delta @ net.weights[l]) * net.activation.prime_from_output(A[l])  # (BP2)
    return Wishes(activations[-1], biases, weights, activations, A, Z, [W.copy() for W in net.weights])


def follow(net: Network, X: NDArray[Any], labels: NDArray[Any], eta: float, steps: int = 1) -> Network:
    """Return a copy of net after `steps` steps along the mean wish of the rows of X: w → w + η · mean wish.

    The mean wish is −∇C for the mean cost C of these examples, so each step is the SGD rule
    w → w − η ∂C/∂w, b → b − η ∂C/∂b, taken by `scratchnet.training.optimizers.SGD`, the rule training uses.
    With one row it follows one example's wishes; with m rows, a mini-batch's. net itself is unchanged.

    Raises ConfigError for η ≤ 0 or steps < 1.
    """
    if not eta > 0 or isinstance(steps, bool) or steps < 1:
        raise ConfigError(f"follow needs η > 0 and at least one step; got η = {eta!r}, steps = {steps!r}")
    twin = Network(
        net.sizes, net.activation.name, net.cost_function.name, net.init, seed=net.seed, dtype=np.dtype(net.dtype).name
    )
    twin.set_parameters(*net.copy_parameters())
    rule = SGD(eta)
    for _ in range(steps):
        mean_w, mean_b = wishes(twin, X, labels).mean()
        rule.step([*twin.weights, *twin.biases], [-w for w in mean_w] + [-b for b in mean_b])  # ∇C = −mean wish
    return twin
