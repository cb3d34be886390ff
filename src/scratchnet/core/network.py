"""The network of chapter 1: layers of neurons, each computing a′ = σ(W a + b).

Symbols, as in Nielsen's book:
    L            the number of layers, sizes[0] inputs ... sizes[-1] outputs
    W, weights   weights[l] has shape (n_out, n_in): w_jk joins neuron k of layer l to neuron j of layer l+1
    b, biases    biases[l] has shape (n_out,)
    z            weighted input z = W a + b;  a = σ(z) the activation
    delta        δ = ∂C/∂z, the error of a layer
    nabla_w/b    ∂C/∂w and ∂C/∂b, shaped like weights and biases

Samples are rows: X has shape (n, sizes[0]), so for all n samples at once
    a^l = σ(W^l a^(l−1) + b^l)   is   A = σ(A_prev @ W.T + b)
and the four equations of backpropagation read, with ⊙ the elementwise product,
    (BP1) δ^L = ∇_a C ⊙ σ'(z^L)           (the cost's `output_error`)
    (BP2) δ^l = ((W^(l+1))ᵀ δ^(l+1)) ⊙ σ'(z^l)   →  delta = (delta @ W) * σ'(Z)
    (BP3) ∂C/∂b^l_j = δ^l_j                  →  nabla_b = delta.sum(axis=0)
    (BP4) ∂C/∂w^l_jk = a^(l−1)_k δ^l_j       →  nabla_w = delta.T @ A_prev
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scratchnet.core.activations import ACTIVATIONS, Activation
from scratchnet.core.answers import ANSWER_DTYPE, answer_rows, in_dtype, normalised
from scratchnet.core.costs import COSTS
from scratchnet.core.encoding import Array, as_input
from scratchnet.errors import ConfigError, DataFormatError

DTYPES = {"float32": np.float32, "float64": np.float64}
INITS = ("normal", "scaled", "he")
"""Initialisations: 'normal' draws every w and b from N(0, 1) (chapter 1);
'scaled' draws w from N(0, 1/n_in) so z starts small and neurons do not saturate (chapter 3);
'he' draws w from N(0, 2/n_in) and sets b = 0, which keeps the variance of z steady from layer to
layer when half of the ReLUs are off (He et al. 2015)."""


def _check_sizes(sizes: Sequence[int]) -> list[int]:
    """Return sizes as a list of ints, or raise ConfigError naming what arrived."""
    try:
        ok = len(sizes) >= 2 and all(int(s) == s and int(s) > 0 for s in sizes)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ConfigError(f"sizes must be two or more positive integers; got {list(sizes)!r}")
    return [int(s) for s in sizes]


def _lookup(table: dict[str, Any] | tuple[str, ...], name: str, what: str) -> Any:
    """Return table[name], or raise ConfigError listing the names accepted."""
    if name not in table:
        raise ConfigError(f"{what} must be one of {', '.join(table)}; got {name!r}")
    return table[name] if isinstance(table, dict) else name


class Network:
    """A fully connected feedforward network of sigmoid (or tanh, ReLU) neurons.

    Parameters
    ----------
    sizes : the number of neurons in each layer, input first: [784, 16, 16, 10] is the tutorial's.
    activation : 'sigmoid', 'tanh' or 'relu', the hidden layers' σ (and the output's for 'quadratic').
    cost : 'quadratic', 'cross-entropy' (sigmoid output) or 'log-likelihood' (softmax output).
    init : 'normal' (N(0, 1), chapter 1), 'scaled' (w ~ N(0, 1/n_in), chapter 3) or 'he' (w ~ N(0, 2/n_in),
        b = 0, for ReLU).
    seed : seeds the generator for the initial weights and the shuffling: same seed, same weights.
    dtype : 'float32' (default: twice the speed, half the memory) or 'float64'.

    Raises
    ------
    ConfigError : for sizes that are not two or more positive integers, or an unknown name.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "sigmoid",
        cost: str = "quadratic",
        init: str = "normal",
        seed: int | None = 0,
        dtype: str = "float32",
    ) -> None:
        self.sizes = _check_sizes(sizes)
        self.activation: Activation = _lookup(ACTIVATIONS, activation, "activation")
        self.cost_function = _lookup(COSTS, cost, "cost")
        self.init = _lookup(INITS, init, "init")
        self.dtype = _lookup(DTYPES, dtype, "dtype")
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.output_activation: Activation = self.cost_function.output_activation or self.activation
        self.weights: list[Array] = []
        self.biases: list[Array] = []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            scale = {"normal": 1.0, "scaled": np.sqrt(1.0 / n_in), "he": np.sqrt(2.0 / n_in)}[init]
            self.weights.append((self.rng.standard_normal((n_out, n_in)) * scale).astype(self.dtype))
            if init == "he":
                self.biases.append(np.zeros(n_out, dtype=self.dtype))
            else:
                self.biases.append(self.rng.standard_normal(n_out).astype(self.dtype))

    @property
    def num_params(self) -> int:
        """Return the number of weights and biases: Σ_l n_out·n_in + n_out (13,002 for 784-16-16-10)."""
        return sum(W.size + b.size for W, b in zip(self.weights, self.biases))

    @property
    def num_layers(self) -> int:
        """Return L, the number of layers including the input layer."""
        return len(self.sizes)

    def __repr__(self) -> str:
        return (
            f"Network({self.sizes}, activation={self.activation.name!r}, cost={self.cost_function.name!r}, "
            f"dtype={np.dtype(self.dtype).name!r})"
        )

    def _repr_html_(self) -> str:
        """Return the network as an HTML table for Jupyter: each layer's neurons, σ and parameters n_out·n_in + n_out."""
        rows = [f"<tr><td>0 (input)</td><td>{self.sizes[0]:,}</td><td>–</td><td>–</td></tr>"]
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            kind = "output" if l == len(self.weights) - 1 else "hidden"
            rows.append(
                f"<tr><td>{l + 1} ({kind})</td><td>{W.shape[0]:,}</td><td>{self._layer_activation(l).name}</td>"
                f"<td>{W.size:,} + {b.size:,}</td></tr>"
            )
        return (
            f"<div><b>Network {'-'.join(map(str, self.sizes))}</b>: {self.num_params:,} weights and biases, "
            f"{self.cost_function.name} cost, {np.dtype(self.dtype).name}"
            "<table><thead><tr><th>layer</th><th>neurons</th><th>σ</th><th>weights + biases</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )

    def _layer_activation(self, l: int) -> Activation:
        """Return σ for weight layer l: the output layer may differ (softmax, sigmoid)."""
        return self.output_activation if l == len(self.weights) - 1 else self.activation

    def check_input(self, X: NDArray[Any]) -> None:
        """Raise DataFormatError unless X is a 2-D array of sizes[0] columns."""
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise DataFormatError(f"inputs must have shape (n, {self.sizes[0]}); got an array of shape {X.shape}")

    def feedforward(self, X: NDArray[Any], products: Any = ANSWER_DTYPE) -> Array:
        """Return the output activations for the rows of X, shape (n, sizes[-1]): a^l = σ(W^l a^(l−1) + b^l).

        X has shape (n, sizes[0]); uint8 grey levels are scaled to [0, 1] first. This is the answer
        path (`scratchnet.core.answers`): products in float64, rounded to the network's dtype, so a
        row's outputs do not depend on the rows sent with it. Training measures itself with
        products=net.dtype, float32's speed.
        """
        self.check_input(X)
        weights, biases = in_dtype(self.weights, products), in_dtype(self.biases, products)

        def forward(A: Array) -> Array:
            for l, (W, b) in enumerate(zip(weights, biases)):
                A = self._layer_activation(l)(A @ W.T + b)
            return A

        return answer_rows(forward, X, self.sizes[-1], self.dtype, products)

    def forward_trace(self, X: NDArray[Any], products: Any = None) -> tuple[list[Array], list[Array]]:
        """Return (Z, A): Z[l] = A[l] @ W[l].T + b[l] and A[l+1] = σ(Z[l]), with A[0] = X as floats.

        The products are in the network's dtype, as training computes them, or in `products`: with
        ANSWER_DTYPE the pass is the answer path's own (`feedforward`), A[-1] its outputs before rounding.
        """
        Z, A, _ = self._trace(X, None, products)
        return Z, A

    def _trace(
        self, X: NDArray[Any], masks: Sequence[Array] | None, products: Any = None
    ) -> tuple[list[Array], list[Array], list[Array]]:
        """Return (Z, A, primes) of the forward pass, primes[l] = σ'(z) ⊙ r of hidden layer l + 1.

        With dropout masks r^l, a hidden layer passes on a^l = σ(z^l) ⊙ r^l; σ' is read off σ(z^l) before masking.
        """
        self.check_input(X)
        dtype = self.dtype if products is None else products
        A = [as_input(X, dtype)]
        Z: list[Array] = []
        primes: list[Array] = []
        for l, (W, b) in enumerate(zip(in_dtype(self.weights, dtype), in_dtype(self.biases, dtype))):
            Z.append(A[-1] @ W.T + b)
            a = self._layer_activation(l)(Z[-1])
            if l < len(self.weights) - 1:
                primes.append(self.activation.prime_from_output(a))
                if masks is not None:
                    primes[-1] = primes[-1] * masks[l]
                    a = a * masks[l]
            A.append(a)
        return Z, A, primes

    def cost(self, X: NDArray[Any], Y: NDArray[Any]) -> float:
        """Return the mean cost C = (1/n) Σ_x C_x over the rows of X, Y one-hot of shape (n, sizes[-1])."""
        return self.cost_function.value(self.feedforward(X), np.asarray(Y, dtype=self.dtype))

    def backprop(
        self, X: NDArray[Any], Y: NDArray[Any], masks: Sequence[Array] | None = None
    ) -> tuple[list[Array], list[Array]]:
        """Return (nabla_w, nabla_b), the gradient of the mean cost C = (1/n) Σ_x C_x over the rows of X.

        All n samples go through at once as matrices; nabla_w[l] is shaped like weights[l] (n_out, n_in)
        and nabla_b[l] like biases[l] (n_out,).

        masks, if given, are inverted-dropout masks r^l, one (n, sizes[l + 1]) array per hidden layer
        l = 0 … L − 3, with entries 0 (neuron dropped, with probability p) or 1/(1 − p) (kept), so the
        expected activation is unchanged and evaluation uses the whole network as it is. The gradient
        is then the thinned network's:
            a^l = σ(z^l) ⊙ r^l,    (BP2) δ^l = ((W^(l+1))ᵀ δ^(l+1)) ⊙ σ'(z^l) ⊙ r^l
        and masks of ones give the gradient without them.
        """
        if masks is not None and len(masks) != len(self.weights) - 1:
            raise DataFormatError(
                f"dropout needs one mask per hidden layer ({len(self.weights) - 1}); got {len(masks)}"
            )
        Z, A, primes = self._trace(X, masks)
        Y = np.asarray(Y, dtype=self.dtype)
        delta = self.cost_function.output_error(Z[-1], A[-1], Y, self.output_activation) / len(A[0])  # (BP1)
        nabla_w: list[Array] = [np.empty(0)] * len(self.weights)
        nabla_b: list[Array] = [np.empty(0)] * len(self.biases)
        for l in reversed(range(len(self.weights))):
            nabla_w[l] = delta.T @ A[l]  # (BP4), (n_out, n_in)
            nabla_b[l] = delta.sum(axis=0)  # (BP3), (n_out,)
            if l > 0:
                delta = (delta @ self.weights[l]) * primes[l - 1]  # (BP2): σ'(z^l), times r^l under dropout
        return nabla_w, nabla_b

    def predict(self, X: NDArray[Any]) -> NDArray[np.intp]:
        """Return the answer for each row of X: the index of the brightest output neuron."""
        return np.argmax(self.feedforward(X), axis=1)

    def probabilities(self, X: NDArray[Any]) -> Array:
        """Return each row's output activations normalised to sum to 1, shape (n, sizes[-1]).

        A softmax output already is a probability distribution; sigmoid outputs are divided by their
        sum, so the brightest neuron keeps the largest share (all zero outputs become uniform).
        """
        return normalised(self.feedforward(X), softmax=self.output_activation.name == "softmax")

    def evaluate(self, X: NDArray[Any], labels: NDArray[Any]) -> int:
        """Return how many rows of X the network classifies as their label (as the book's `evaluate`)."""
        labels = np.asarray(labels)
        if labels.ndim == 2:
            labels = labels.argmax(axis=1)
        return int(np.sum(self.predict(X) == labels))

    def copy_parameters(self) -> tuple[list[Array], list[Array]]:
        """Return copies of (weights, biases), for keeping the best epoch's parameters."""
        return [W.copy() for W in self.weights], [b.copy() for b in self.biases]

    def set_parameters(self, weights: Sequence[Array], biases: Sequence[Array]) -> None:
        """Overwrite the parameters in place with the given arrays (shapes must match)."""
        for W, new in zip(self.weights, weights):
            W[...] = new
        for b, new in zip(self.biases, biases):
            b[...] = new
