"""The network of chapter 6: convolution and pooling below, fully connected layers and the output on top.

A network is spelled as its layers, input first, separated by commas (the one spelling of the command
line and of a model's header, parsed here only):
    28x28,conv5x5x20,pool2,conv5x5x40,pool2,100,10
`HxW` (or `HxWxC`) the input maps, `convKxKxF` F filters of K×K, `poolP` P×P max-pooling, a number a
fully connected layer of that many neurons; the last is the output layer. `784,16,16,10` spells the
chapter-1 `Network`.

ConvNetwork keeps the dense Network's interface (weights, biases, feedforward, backprop → nabla_w,
nabla_b of the mean cost, cost, probabilities, predict, evaluate): weights[l] and biases[l] belong to the
l-th layer with parameters, a convolutional layer's weights shaped (C_out, C_in, k, k). Inputs are rows
of H·W·C grey levels, as for Network. σ follows every convolutional and hidden dense layer, the cost's
output activation (softmax for log-likelihood) the last. `sizes` is [inputs, the hidden dense layers'
neurons, outputs]: the layers dropout thins (masks r^l on the hidden dense layers, as in the book).

Backpropagation runs the layers backwards (`scratchnet.core.layers` holds each one's equations): the
output error δ^L (BP1), then for each layer ∂C/∂w, ∂C/∂b (BP3, BP4) and the error of the layer below,
δ = (∂C/∂a) ⊙ σ'(z) (BP2; times r under dropout; pooling passes ∂C/∂a straight through).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scratchnet.core.answers import ANSWER_DTYPE, answer_rows, in_dtype
from scratchnet.core.encoding import Array, as_input
from scratchnet.core.layers import Conv, Dense, Layer, Pool, Shape
from scratchnet.core.network import Network
from scratchnet.errors import ConfigError, DataFormatError

_INPUT = re.compile(r"(\d+)x(\d+)(?:x(\d+))?")
_CONV = re.compile(r"conv(\d+)x(\d+)x(\d+)")
_POOL = re.compile(r"pool(\d+)")


def is_convolutional(spelling: str | Sequence[Any]) -> bool:
    """Return True if the spelling names maps (an `HxW` input), not only dense layer sizes."""
    words = spelling.split(",") if isinstance(spelling, str) else [str(word) for word in spelling]
    return bool(words) and not words[0].strip().isdigit()


def parse_layers(spelling: str) -> tuple[Shape, list[Layer]]:
    """Return (input shape (H, W, C), layers) for a spelling such as `28x28,conv5x5x20,pool2,100,10`.

    Raises ConfigError naming the layer for an unknown word or a layer that does not fit the one below
    (a filter larger than the map, pooling that does not tile it, an output layer that is not dense).
    """
    words = [word.strip().lower() for word in spelling.split(",")]
    first = _INPUT.fullmatch(words[0])
    if first is None or len(words) < 2:
        raise ConfigError(
            f"layers must start with the input maps HxW (28x28) and end with the outputs; got {spelling!r}"
        )
    shape: Shape = (int(first[1]), int(first[2]), int(first[3] or 1))
    layers: list[Layer] = []
    for word in words[1:]:
        layers.append(_layer(word))
    for layer in layers:
        shape = layer.output_shape(shape)
        if min(shape) < 1:
            raise ConfigError(f"{layer.spelling()} gives an empty output {shape}")
    if not isinstance(layers[-1], Dense):
        raise ConfigError(f"the last layer must be the dense output layer (a number); got {layers[-1].spelling()}")
    return (int(first[1]), int(first[2]), int(first[3] or 1)), layers


def spelled(layers: str | Sequence[int]) -> str:
    """Return the one spelling of a network's layers: `784,16,16,10` for sizes, the canonical text of a spelling."""
    if not isinstance(layers, str):
        return ",".join(map(str, layers))
    shape, parsed = parse_layers(layers)
    inputs = shape if shape[2] > 1 else shape[:2]
    return ",".join(["x".join(map(str, inputs)), *(layer.spelling() for layer in parsed)])


def ends(layers: str | Sequence[int]) -> tuple[int, int]:
    """Return (inputs, outputs) of the layers: H·W·C and the output layer's neurons of a spelling."""
    if not isinstance(layers, str):
        return int(layers[0]), int(layers[-1])
    shape, parsed = parse_layers(layers)
    output = parsed[-1]
    assert isinstance(output, Dense)  # parse_layers checked it
    return int(np.prod(shape)), output.neurons


def _layer(word: str) -> Layer:
    """Return the layer one word spells, or raise ConfigError naming it."""
    conv, pool = _CONV.fullmatch(word), _POOL.fullmatch(word)
    if conv is not None:
        if conv[1] != conv[2]:
            raise ConfigError(f"{word}: filters are square (convKxKxF); got {conv[1]}×{conv[2]}")
        if int(conv[1]) < 1 or int(conv[3]) < 1:
            raise ConfigError(f"{word}: the filter size and the number of maps must be positive")
        return Conv(int(conv[1]), int(conv[3]))
    if pool is not None and int(pool[1]) >= 1:
        return Pool(int(pool[1]))
    if word.isdigit() and int(word) > 0:
        return Dense(int(word))
    raise ConfigError(f"unknown layer {word!r}: write HxW, convKxKxF, poolP or a number of neurons")


class ConvNetwork(Network):
    """A convolutional network: the layers a spelling names, with the dense Network's interface.

    Parameters
    ----------
    layers : the spelling, e.g. '28x28,conv5x5x20,pool2,conv5x5x40,pool2,100,10' (see the module docstring).
    activation, cost, init, seed, dtype : as for `Network`; init scales by each layer's fan-in n_in
        (C_in·k·k for a convolution), the weights drawn layer by layer from the seeded generator.

    Raises
    ------
    ConfigError : for a spelling that cannot work (one line naming the layer) or an unknown name.
    """

    def __init__(
        self,
        layers: str,
        activation: str = "relu",
        cost: str = "log-likelihood",
        init: str = "he",
        seed: int | None = 0,
        dtype: str = "float32",
    ) -> None:
        self.input_shape, self.layers = parse_layers(layers)
        self.spelling = ",".join(
            ["x".join(map(str, self._input_words())), *(layer.spelling() for layer in self.layers)]
        )
        dense = [layer.neurons for layer in self.layers if isinstance(layer, Dense)]
        super().__init__([int(np.prod(self.input_shape)), *dense], activation, cost, init, seed=None, dtype=dtype)
        self.seed, self.rng = seed, np.random.default_rng(seed)
        self.weights, self.biases, self.shapes = [], [], []
        shape = self.input_shape
        for layer in self.layers:
            if isinstance(layer, (Conv, Dense)):
                self._draw(layer, shape)
            shape = layer.output_shape(shape)
            self.shapes.append(shape)

    def _input_words(self) -> tuple[int, ...]:
        h, w, c = self.input_shape
        return (h, w) if c == 1 else (h, w, c)

    def _draw(self, layer: Conv | Dense, shape: Shape) -> None:
        """Append the layer's initial w and b, drawn as Network draws them for its fan-in n_in."""
        w_shape, b_shape = layer.parameter_shapes(shape)
        n_in = layer.fan_in(shape)
        scale = {"normal": 1.0, "scaled": np.sqrt(1.0 / n_in), "he": np.sqrt(2.0 / n_in)}[self.init]
        self.weights.append((self.rng.standard_normal(w_shape) * scale).astype(self.dtype))
        zeros = self.init == "he"
        self.biases.append(
            np.zeros(b_shape, self.dtype) if zeros else self.rng.standard_normal(b_shape).astype(self.dtype)
        )

    @property
    def num_layers(self) -> int:
        """Return the number of layers including the input layer."""
        return len(self.layers) + 1

    def __repr__(self) -> str:
        return (
            f"ConvNetwork({self.spelling!r}, activation={self.activation.name!r}, "
            f"cost={self.cost_function.name!r}, dtype={np.dtype(self.dtype).name!r})"
        )

    def _repr_html_(self) -> str:
        """Return the layers as an HTML table for Jupyter: each one's output shape and parameters."""
        rows = "".join(
            f"<tr><td>{word}</td><td>{'×'.join(map(str, shape))}</td><td>{count:,}</td></tr>"
            for word, shape, count in self.describe()
        )
        return (
            f"<div><b>ConvNetwork {self.spelling}</b>: {self.num_params:,} weights and biases, "
            f"{self.cost_function.name} cost<table><thead><tr><th>layer</th><th>output</th><th>parameters</th>"
            f"</tr></thead><tbody>{rows}</tbody></table></div>"
        )

    def describe(self) -> list[tuple[str, Shape, int]]:
        """Return (spelling, output shape, parameters) for the input and each layer."""
        rows: list[tuple[str, Shape, int]] = [("x".join(map(str, self._input_words())), self.input_shape, 0)]
        parameters = iter(zip(self.weights, self.biases))
        for layer, shape in zip(self.layers, self.shapes):
            count = sum(array.size for array in next(parameters)) if layer.has_parameters else 0
            rows.append((layer.spelling(), shape, count))
        return rows

    def feedforward(self, X: NDArray[Any], products: Any = ANSWER_DTYPE) -> Array:
        """Return the output activations for the rows of X, shape (n, outputs), layer after layer.

        The answer path (`scratchnet.core.answers`), as `Network.feedforward`: products in float64,
        rounded to the network's dtype, so a row's outputs do not depend on the rows sent with it;
        training measures itself with products=net.dtype.
        """
        self.check_input(X)
        weights, biases = in_dtype(self.weights, products), in_dtype(self.biases, products)
        last = len(self.layers) - 1

        def forward(a: Array) -> Array:
            a = a.reshape(len(a), *self.input_shape)
            parameters = iter(zip(weights, biases))
            for l, layer in enumerate(self.layers):
                if isinstance(layer, Pool):
                    a = layer.forward(a)[0]
                    continue
                z = layer.forward(a, *next(parameters))[0]
                a = self.output_activation(z) if l == last else self.activation(z)
            return a

        return answer_rows(forward, X, self.sizes[-1], self.dtype, products)

    def forward_trace(self, X: NDArray[Any], products: Any = None) -> tuple[list[Array], list[Array]]:
        """Return (Z, A): Z[l] the l-th layer's weighted input (its pooled maps for pooling) and A[l+1] its
        activation, A[0] the input maps (n, H, W, C); products in the network's dtype or in `products`, as
        `Network.forward_trace` (ANSWER_DTYPE: the answer path's own pass)."""
        caches, A, _ = self._pass(X, None, keep=True, products=products)
        return [cache[0] for cache in caches], A

    def _pass(
        self, X: NDArray[Any], masks: Sequence[Array] | None, keep: bool = False, products: Any = None
    ) -> tuple[list[Any], list[Array], list[Array | None]]:
        """Return (caches, A, primes) of the forward pass; primes[l] = σ'(z) ⊙ r of layer l (None for pooling and
        the output). With keep, caches[l] starts with the layer's z."""
        self.check_input(X)
        dtype = self.dtype if products is None else products
        a = as_input(X, dtype).reshape(len(X), *self.input_shape)
        A, caches = [a], []
        primes: list[Array | None] = []
        parameters = iter(zip(in_dtype(self.weights, dtype), in_dtype(self.biases, dtype)))
        masks_left = iter(masks or ())
        last = len(self.layers) - 1
        for l, layer in enumerate(self.layers):
            if isinstance(layer, Pool):
                a, cache = layer.forward(a)
                caches.append((a, cache) if keep else cache)
                primes.append(None)
                A.append(a)
                continue
            z, cache = layer.forward(a, *next(parameters))
            caches.append((z, cache) if keep else cache)
            a = self.output_activation(z) if l == last else self.activation(z)
            prime = None if l == last else self.activation.prime_from_output(a)
            if masks is not None and isinstance(layer, Dense) and l < last:
                r = next(masks_left)
                a, prime = a * r, prime * r  # type: ignore[operator]
            primes.append(prime)
            A.append(a)
        return caches, A, primes

    def backprop(
        self, X: NDArray[Any], Y: NDArray[Any], masks: Sequence[Array] | None = None
    ) -> tuple[list[Array], list[Array]]:
        """Return (nabla_w, nabla_b), the gradient of the mean cost C = (1/n) Σ_x C_x over the rows of X.

        masks, if given, are inverted-dropout masks r^l, one (n, neurons) array per hidden dense layer
        (sizes[1:-1]), as for `Network.backprop`: a^l = σ(z^l) ⊙ r^l and δ^l = (∂C/∂a^l) ⊙ σ'(z^l) ⊙ r^l.
        """
        if masks is not None and len(masks) != len(self.sizes) - 2:
            raise DataFormatError(
                f"dropout needs one mask per hidden dense layer ({len(self.sizes) - 2}); got {len(masks)}"
            )
        caches, A, primes = self._pass(X, masks)
        Y = np.asarray(Y, dtype=self.dtype)
        z_out = A[-1]  # the output error of every cost here needs only a (quadratic: σ'(z) read off a)
        delta = self.cost_function.output_error(z_out, A[-1], Y, self.output_activation) / len(X)  # (BP1)
        nabla_w: list[Array] = [np.empty(0)] * len(self.weights)
        nabla_b: list[Array] = [np.empty(0)] * len(self.biases)
        p = len(self.weights)
        for l in reversed(range(len(self.layers))):
            layer = self.layers[l]
            if isinstance(layer, Pool):
                delta = layer.backward(delta, caches[l])  # ∂C/∂a passes to the window's maximum
                continue
            if l < len(self.layers) - 1:
                delta = delta * primes[l]  # (BP2): δ = ∂C/∂a ⊙ σ'(z) (⊙ r)
            p -= 1
            nabla_w[p], nabla_b[p], delta = layer.backward(delta, caches[l], self.weights[p], need_input=l > 0)
        return nabla_w, nabla_b


def layers_text(net: Network) -> str:
    """Return a network's layers as people write them: 784-16-16-10, or the spelling 28x28,conv5x5x20,pool2,...,10."""
    return net.spelling if isinstance(net, ConvNetwork) else "-".join(map(str, net.sizes))


def build(
    layers: str | Sequence[int],
    activation: str = "sigmoid",
    cost: str = "quadratic",
    init: str = "normal",
    seed: int | None = 0,
    dtype: str = "float32",
) -> Network:
    """Return the network the layers spell: a ConvNetwork for `28x28,conv5x5x20,...`, the dense Network for sizes."""
    if isinstance(layers, str):
        return ConvNetwork(layers, activation, cost, init, seed=seed, dtype=dtype)
    return Network(layers, activation, cost, init, seed=seed, dtype=dtype)
