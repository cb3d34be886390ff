"""The numbers behind the tutorial's pictures: descent into valleys, the drunk man's path, what the network learned.

Every function here returns plain NumPy numbers (the figures in `scratchnet.tutorial.plots` only draw them), so
each claim of the tutorial can be checked by a test:

- `descend` rolls a ball down a two-variable landscape with several valleys (`valleys`), v → v − η ∇C;
- `descent_paths` runs full-batch gradient descent and mini-batch SGD on one small network's cost,
  projected onto the two directions along which the parameters moved most;
- `noise_confidences` shows the network confidently answering random noise;
- `dream` climbs the gradient of one output with respect to the input, ∂a^L_j/∂x, backpropagated
  to the input layer (`input_gradient`), with the pixels kept in [0, 1];
- `gradient_importance` gives |∂C/∂w| for one training example, normalised per layer;
- `confusion_matrix`, `mistakes` and `learning_curves` read a network's test results and history;
- `filters` and `feature_maps` open a convolutional network (chapter 6): the first layer's k×k filters,
  and one digit's maps after every convolution (σ(z)) and every pooling, as its forward pass computes them;
- `wishes` (from `scratchnet.tutorial.wishes`) tells backpropagation as the tutorial does: what each
  example wishes of every output, bias, weight and hidden activation, and how averaging them is −∇C.

Samples are rows, as in `scratchnet.core.network`: X has shape (n, sizes[0]).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scratchnet.core.convnet import ConvNetwork
from scratchnet.core.encoding import Array, as_input, one_hot
from scratchnet.core.layers import Dense
from scratchnet.core.network import Network
from scratchnet.errors import ConfigError, DataFormatError, ModelFileError
from scratchnet.training.optimizers import SGD
from scratchnet.tutorial.wishes import Routes as Routes
from scratchnet.tutorial.wishes import Wishes as Wishes
from scratchnet.tutorial.wishes import wishes as wishes

# Gradient descent on a landscape with several valleys -------------------------------------------------

VALLEY_TILT = (0.3, 0.2)
"""The landscape's tilt (t_1, t_2): it makes the four valleys of (v₁² − 1)² + (v₂² − 1)² unequally deep."""


def valleys(v1: NDArray[Any] | float, v2: NDArray[Any] | float) -> NDArray[Any]:
    """Return C(v₁, v₂) = (v₁² − 1)² + (v₂² − 1)² + t₁ v₁ + t₂ v₂: four valleys, one of them the deepest."""
    v1, v2 = np.asarray(v1, dtype=float), np.asarray(v2, dtype=float)
    return (v1**2 - 1) ** 2 + (v2**2 - 1) ** 2 + VALLEY_TILT[0] * v1 + VALLEY_TILT[1] * v2


def valleys_gradient(v: NDArray[Any]) -> NDArray[np.float64]:
    """Return ∇C = (4v₁(v₁² − 1) + t₁, 4v₂(v₂² − 1) + t₂) for the points v of shape (..., 2)."""
    v = np.asarray(v, dtype=float)
    return 4 * v * (v**2 - 1) + np.asarray(VALLEY_TILT)


DESCENT_STARTS = ((-1.8, 1.9), (1.9, 1.7), (0.15, -1.9), (1.6, -0.3), (-0.1, 0.2), (-1.7, -1.5))
"""Where the balls of the `descent` figure start."""


def descend(start: Sequence[float], eta: float = 0.02, steps: int = 200) -> NDArray[np.float64]:
    """Return the path (steps + 1, 2) of gradient descent on `valleys` from start: v → v − η ∇C.

    Raises ConfigError for η ≤ 0 or steps < 1.
    """
    if not eta > 0 or steps < 1:
        raise ConfigError(f"descend needs η > 0 and at least one step; got η = {eta!r}, steps = {steps!r}")
    path = np.empty((steps + 1, 2))
    path[0] = start
    for t in range(steps):
        path[t + 1] = path[t] - eta * valleys_gradient(path[t])
    return path


# Full-batch gradient descent against mini-batch SGD --------------------------------------------------


@dataclass
class DescentPaths:
    """Two descents of one network's cost C over one training set, from the same start.

    costs_* hold C after each step (index 0 = the start); path_* hold the parameters projected onto
    the two principal directions of both paths together, shape (steps + 1, 2).
    """

    full_batch_costs: NDArray[np.float64]
    sgd_costs: NDArray[np.float64]
    full_batch_path: NDArray[np.float64]
    sgd_path: NDArray[np.float64]
    batch_size: int
    eta: float
    n: int

    @staticmethod
    def path_length(path: NDArray[np.float64]) -> float:
        """Return the distance walked along a path, Σ ‖v_(t+1) − v_t‖."""
        return float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())


def _parameters(net: Network) -> NDArray[np.float64]:
    """Return every weight and bias of net as one float64 vector."""
    return np.concatenate([p.ravel() for pair in zip(net.weights, net.biases) for p in pair]).astype(np.float64)


def descent_paths(
    X: NDArray[Any],
    labels: NDArray[Any],
    sizes: Sequence[int] = (784, 16, 10),
    steps: int = 150,
    batch_size: int = 10,
    eta: float = 3.0,
    seed: int = 0,
) -> DescentPaths:
    """Return full-batch gradient descent and mini-batch SGD on the same small network and data.

    Both start from the same weights and take `steps` steps w → w − η ∇C: the first with the exact
    gradient of the mean cost over all n rows of X, the second with the gradient of a random
    mini-batch of m = batch_size rows, a noisy estimate (the drunk man). C is measured over all of X
    after each step.
    """
    if steps < 1 or batch_size < 1 or not eta > 0:
        raise ConfigError(f"descent_paths needs steps ≥ 1, m ≥ 1 and η > 0; got {steps}, {batch_size}, {eta}")
    net = Network(sizes, seed=seed)
    net.check_input(np.asarray(X))
    Y = one_hot(np.asarray(labels), net.sizes[-1], net.dtype)
    X = as_input(np.asarray(X), net.dtype)
    start = net.copy_parameters()
    rng = np.random.default_rng(seed)
    rule = SGD(eta)
    runs = []
    for mini_batch in (False, True):
        net.set_parameters(*start)
        costs, points = [net.cost(X, Y)], [_parameters(net)]
        for _ in range(steps):
            rows = rng.choice(len(X), size=batch_size, replace=False) if mini_batch else slice(None)
            nabla_w, nabla_b = net.backprop(X[rows], Y[rows])
            rule.step([*net.weights, *net.biases], [*nabla_w, *nabla_b])  # w → w − η ∇C, the rule training uses
            costs.append(net.cost(X, Y))
            points.append(_parameters(net))
        runs.append((np.array(costs), np.array(points)))
    (full_costs, full_points), (sgd_costs, sgd_points) = runs
    every = np.vstack([full_points, sgd_points])
    centre = every.mean(axis=0)
    # The two principal directions of all visited points, the plane in which the paths move most:
    # eigenvectors u of the small Gram matrix P Pᵀ give the directions Pᵀ u (cheaper than an SVD of P).
    P = every - centre
    eigenvalues, eigenvectors = np.linalg.eigh(P @ P.T)
    top = eigenvectors[:, ::-1][:, :2]
    plane = P.T @ top / np.sqrt(np.maximum(eigenvalues[::-1][:2], np.finfo(float).tiny))
    return DescentPaths(
        full_costs, sgd_costs, (full_points - centre) @ plane, (sgd_points - centre) @ plane, batch_size, eta, len(X)
    )


# What the network learned ----------------------------------------------------------------------------


def _output_jacobian_row(net: Network, z: Array, a: Array, j: int) -> Array:
    """Return ∂a^L_j/∂z^L for every row, shape (n, n_out): σ'(z_j) on column j, or a_j(δ_jk − a_k) for softmax."""
    if net.output_activation.name == "softmax":
        return a[:, j : j + 1] * (np.eye(a.shape[1], dtype=a.dtype)[j] - a)
    row = np.zeros_like(a)
    row[:, j] = net.output_activation.prime_from_output(a[:, j])
    return row


def input_gradient(net: Network, X: NDArray[Any], j: int) -> tuple[Array, Array]:
    """Return (a^L_j, ∂a^L_j/∂x): output j for each row of X and its gradient with respect to the input.

    The backward pass of backpropagation carried one layer further, to the inputs:
        δ^L = ∂a^L_j/∂z^L,   δ^l = (δ^(l+1) W^(l+1)) ⊙ σ'(z^l)   (BP2),   ∂a^L_j/∂x = δ^1 W^1,
    in rows: shapes (n,) and (n, sizes[0]).
    """
    if not 0 <= j < net.sizes[-1]:
        raise ConfigError(f"output j must lie in 0..{net.sizes[-1] - 1}; got {j}")
    Z, A = net.forward_trace(X)
    delta = _output_jacobian_row(net, Z[-1], A[-1], j)
    for l in reversed(range(1, len(net.weights))):
        delta = (delta @ net.weights[l]) * net.activation.prime_from_output(A[l])  # (BP2)
    return A[-1][:, j], delta @ net.weights[0]


@dataclass
class Dream:
    """An input found by gradient ascent on one output: x, the outputs it gives, and the steps it took."""

    digit: int
    image: NDArray[np.float64]
    outputs: NDArray[np.float64]
    steps: int

    @property
    def activation(self) -> float:
        """Return a^L_digit, the output climbed."""
        return float(self.outputs[self.digit])


def dream(net: Network, digit: int, steps: int = 300, restarts: int = 16, eta: float = 0.1, seed: int = 0) -> Dream:
    """Return the input that gradient ascent on output `digit` finds, the best of several starts from faint noise.

    Each step moves every pixel uphill on the log-odds ln(a/(1 − a)) of a = a^L_digit, which rises
    exactly when a does but does not flatten as a nears 1; its gradient is g/(a(1 − a)) with
    g = ∂a^L_digit/∂x (`input_gradient`). The step is scaled so the pixel with the largest gradient
    moves η/√(1 + t/20) at step t, and every pixel is clipped to [0, 1], a grey level, throughout:
        x → clip(x + η_t ĝ, 0, 1).
    The ascent runs from `restarts` random faint images at once (rows) and keeps the best.

    Raises ConfigError for a digit that is not an output, or steps / restarts < 1.
    """
    if not 0 <= digit < net.sizes[-1]:
        raise ConfigError(f"digit must lie in 0..{net.sizes[-1] - 1}; got {digit!r}")
    if steps < 1 or restarts < 1:
        raise ConfigError(f"dream needs steps ≥ 1 and restarts ≥ 1; got {steps}, {restarts}")
    rng = np.random.default_rng(seed)
    x = rng.random((restarts, net.sizes[0])) * rng.uniform(0.0, 0.3, size=(restarts, 1))
    tiny = np.finfo(np.float64).tiny
    for t in range(steps):
        a, g = input_gradient(net, x, digit)
        g = g / np.maximum(a * (1.0 - a), 1e-12)[:, None]  # ∂ ln(a/(1 − a))/∂x
        scale = np.maximum(np.abs(g).max(axis=1, keepdims=True), tiny)
        x = np.clip(x + eta / np.sqrt(1.0 + t / 20) * g / scale, 0.0, 1.0)
    outputs = net.feedforward(x).astype(np.float64)
    best = int(outputs[:, digit].argmax())
    return Dream(digit, x[best].astype(np.float64), outputs[best], steps)


@dataclass
class NoiseReport:
    """The network's answers on random-noise images beside its answers on real digits.

    Confidence is the largest of the output activations normalised to sum to 1, as `scratchnet
    predict` prints it.
    """

    noise: NDArray[np.float64]
    answers: NDArray[np.intp]
    noise_confidences: NDArray[np.float64]
    digit_confidences: NDArray[np.float64]

    @property
    def mean_noise_confidence(self) -> float:
        """Return the mean top confidence on noise."""
        return float(self.noise_confidences.mean())

    @property
    def mean_digit_confidence(self) -> float:
        """Return the mean top confidence on the real digits."""
        return float(self.digit_confidences.mean())


def noise_confidences(net: Network, digits: NDArray[Any], count: int = 1000, seed: int = 0) -> NoiseReport:
    """Return the network's answers and top confidences on `count` images of uniform noise in [0, 1],
    and its top confidences on the real `digits` (rows of X) to compare."""
    if count < 1:
        raise ConfigError(f"count must be a positive integer; got {count!r}")
    noise = np.random.default_rng(seed).random((count, net.sizes[0]))
    probabilities = net.probabilities(noise).astype(np.float64)
    return NoiseReport(
        noise,
        probabilities.argmax(axis=1),
        probabilities.max(axis=1),
        net.probabilities(digits).max(axis=1).astype(np.float64),
    )


def first_example_of(labels: NDArray[Any], digit: int) -> int:
    """Return the index of the first label equal to digit; raise DataFormatError when there is none."""
    found = np.flatnonzero(np.asarray(labels) == digit)
    if not len(found):
        raise DataFormatError(f"no example of digit {digit} among {len(labels)} labels")
    return int(found[0])


# A convolutional network's filters and maps (chapter 6) -------------------------------------------------


def _convolutional(net: Network, what: str) -> ConvNetwork:
    """Return net, or raise ConfigError when it is a dense Network, which has no filters or maps."""
    if not isinstance(net, ConvNetwork):
        raise ConfigError(
            f"{what} exist only for convolutional models; got a dense {'-'.join(map(str, net.sizes))} network "
            "(its first layer's weights: scratchnet plot hidden-weights)"
        )
    return net


def filters(net: Network) -> NDArray[np.float64]:
    """Return the first layer's filters w, shape (C_out, C_in, k, k): filter f answers a patch by Σ w_{f,c,i,j} a."""
    return np.asarray(_convolutional(net, "filters").weights[0], dtype=np.float64)


@dataclass
class FeatureMaps:
    """One image's maps, layer by layer: names[s] (the input's or the layer's spelling) and maps[s], (H, W, C)."""

    names: list[str]
    maps: list[NDArray[np.float64]]


def feature_maps(net: Network, image: NDArray[Any]) -> FeatureMaps:
    """Return the maps one image (a row of H·W·C grey levels) makes: the input, then every layer below the dense ones.

    A convolutional layer's maps are its activations a = σ(z), z_{x,y,f} = b_f + Σ_{c,i,j} w_{f,c,i,j} a_{x+i,y+j,c};
    a pooling layer's the largest of each window. Taken from `forward_trace`, the forward pass training runs.
    """
    conv = _convolutional(net, "feature maps")
    _Z, A = conv.forward_trace(np.asarray(image).reshape(1, -1))
    words = [word for word, _shape, _count in conv.describe()]
    names, maps = [], []
    for s, (word, a) in enumerate(zip(words, A)):
        if s > 0 and isinstance(conv.layers[s - 1], Dense):
            break
        names.append(word)
        maps.append(np.asarray(a[0], dtype=np.float64))
    return FeatureMaps(names, maps)


def gradient_importance(
    net: Network, x: NDArray[Any], label: int
) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]]:
    """Return (|∂C/∂w| per layer, the same normalised so each layer's largest entry is 1) for one example.

    C = C_x is the cost of the single example x with the given label; by (BP4) ∂C/∂w^1_jk = x_k δ^1_j,
    so the first layer's weights from black pixels (x_k = 0) have zero importance. Normalising per
    layer keeps the big first layer (784 × n) from dwarfing the others.
    """
    X = np.asarray(x, dtype=np.float64).reshape(1, -1)
    nabla_w, _ = net.backprop(X, one_hot(np.array([label]), net.sizes[-1], net.dtype))
    magnitudes: list[NDArray[np.float64]] = [np.abs(nw).astype(np.float64) for nw in nabla_w]
    normalised = [m / m.max() if m.max() > 0 else m.copy() for m in magnitudes]
    return magnitudes, normalised


def confusion_matrix(labels: NDArray[Any], predictions: NDArray[Any], num_classes: int = 10) -> NDArray[np.int64]:
    """Return the (k, k) matrix whose entry [i, j] counts images of digit i answered as j."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels), np.asarray(predictions)), 1)
    return matrix


@dataclass
class Mistakes:
    """The misclassified rows, most confident first: their indices, true labels, answers and confidences."""

    indices: NDArray[np.intp]
    labels: NDArray[Any]
    answers: NDArray[np.intp]
    confidences: NDArray[np.float64]


def mistakes(net: Network, X: NDArray[Any], labels: NDArray[Any]) -> Mistakes:
    """Return every row of X the network answers wrongly, the most confident mistakes first."""
    probabilities = net.probabilities(X).astype(np.float64)
    answers = probabilities.argmax(axis=1)
    confidences = probabilities.max(axis=1)
    wrong = np.flatnonzero(answers != np.asarray(labels))
    wrong = wrong[np.argsort(-confidences[wrong], kind="stable")]
    return Mistakes(wrong, np.asarray(labels)[wrong], answers[wrong], confidences[wrong])


def learning_curves(header: dict[str, Any]) -> dict[str, list[float | None]]:
    """Return the per-epoch metrics a model file's header stores: epoch, training/validation cost and accuracy.

    Raises ModelFileError when the header holds no history (a model not saved by `scratchnet train`).
    """
    epochs = (header.get("history") or {}).get("epochs") or []
    if not epochs:
        raise ModelFileError("the model holds no per-epoch history to draw; train one with `scratchnet train`")
    keys = ("epoch", "training_cost", "training_accuracy", "validation_cost", "validation_accuracy")
    try:
        return {key: [record.get(key) for record in epochs] for key in keys}
    except AttributeError as err:
        raise ModelFileError(
            f"the model's history is malformed: expected a list of epoch records; got {epochs!r:.80}"
        ) from err
