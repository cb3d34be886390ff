"""What the explorer's Backprop tab shows, as JSON-able numbers: one example's wishes for every layer
(`scratchnet.tutorial.wishes`), one neuron's three routes, the output neurons' wishes adding up in the
layer before, and what a step along the wishes (`wishes.follow`, the training's own SGD rule) does to
the outputs and the cost. No mathematics of its own: it picks the example and rounds the numbers.

Requests name their example as {"index": N} (test digit N), {"digit": d, "nth": k} (the k-th test digit
labelled d) or {"input": [784 activations in [0, 1]], "label": d} (a drawing, with the label its
author says it is). "network" says whose wishes: "served" (the default) or "untrained", a network of the
served one's shape as training builds it before its first step, which answers at random, so the first
wishes are large (the page starts there, where the seed's story starts).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

import scratchnet.web.validation as validation
from scratchnet.core.convnet import ConvNetwork, build
from scratchnet.core.encoding import one_hot
from scratchnet.core.network import Network
from scratchnet.data.mnist import MNIST
from scratchnet.tutorial.wishes import follow, wishes
from scratchnet.web.validation import RequestError

MAX_BATCH = 100
"""The largest mini-batch m the tab averages over."""

MAX_STEPS = 50
"""The most steps one request may take."""


NETWORKS = ("served", "untrained")
"""The networks whose wishes the tab shows: the served one, or an untrained one of its shape."""


def chosen_network(data: dict[str, Any], net: Network) -> tuple[str, Network]:
    """Return (the request's "network", the network it names): net itself, or its untrained twin."""
    choice = validation.choice(data, "network", NETWORKS, "served")
    return choice, net if choice == "served" else untrained(net)


@functools.lru_cache(maxsize=4)
def untrained(net: Network) -> Network:
    """Return a network of net's shape as training builds it before its first step.

    The same layers, activation, cost, initialisation and seed (`scratchnet train`'s `build`, seed 0
    when net's file does not record one), so its weights are those the served network's training
    started from when it was trained with that seed. Built once per served network.
    """
    layers = net.spelling if isinstance(net, ConvNetwork) else net.sizes
    seed = net.seed if net.seed is not None else 0
    return build(
        layers, net.activation.name, net.cost_function.name, net.init, seed=seed, dtype=np.dtype(net.dtype).name
    )


def _rounded(values: NDArray[Any], digits: int = 6) -> list[float]:
    """Return values as a flat list of floats for JSON, to `digits` significant digits (wishes can be tiny)."""
    return [float(f"{v:.{digits}g}") for v in np.asarray(values, dtype=np.float64).ravel()]


@dataclass(frozen=True)
class Example:
    """The example a request names: its input row x (1, 784), its label, and its test index (None for a drawing)."""

    x: NDArray[np.float64]
    label: int
    index: int | None


def example(data: dict[str, Any], mnist: MNIST, net: Network) -> Example:
    """Return the example named by the request body; raise RequestError for a bad or missing one."""
    test = mnist.test
    outputs = net.sizes[-1]
    if "input" in data:
        x = validation.numbers(data["input"], "input", net.sizes[0], 0.0, 1.0).reshape(1, -1)
        return Example(x, validation.integer(data, "label", 0, outputs - 1), None)
    if "digit" in data:
        digit = validation.integer(data, "digit", 0, outputs - 1)
        found = np.flatnonzero(test.labels == digit)
        nth = validation.integer(data, "nth", 0, max(len(found) - 1, 0), 0)
        if not len(found):
            raise RequestError(f"no test digit is labelled {digit}", 404)
        index = int(found[nth])
    else:
        index = validation.integer(data, "index", 0, len(test) - 1)
    return Example(test.images[index : index + 1].astype(np.float64) / 255.0, int(test.labels[index]), index)


def _routes_view(found: Any, layer: int, index: int) -> dict[str, Any]:
    """Return neuron `index` of layer `layer`'s three routes for the first example."""
    routes = found.routes(layer, index, 0)
    return {
        "layer": layer,
        "index": index,
        "wish": float(f"{routes.wish:.6g}"),
        "bias": float(f"{routes.bias:.6g}"),
        "weights": _rounded(routes.weights),  # −δ_j a_k, one per incoming weight
        "activations": _rounded(routes.activations),  # −δ_j w_jk, the wished change of each neuron before
        "previous": _rounded(routes.previous_activations, 4),
        "incoming": _rounded(routes.incoming_weights, 4),
        "contributions": {name: float(f"{value:.6g}") for name, value in routes.contributions.items()},
        "strongest": routes.strongest(),
        "image_side": 28 if len(routes.weights) == 784 else None,
    }


def wishes_view(net: Network, chosen: Example, neuron: tuple[int, int] | None = None) -> dict[str, Any]:
    """Return everything the tab draws for one example: each layer's activations and wishes, the output
    layer's wishes, the cost C_x, the output neurons' wishes for the layer before added up one by one
    ("partial"[j] = the sum of the first j + 1 outputs' wishes −δ_j w_jk), and, for a clicked neuron, its routes.
    """
    y = one_hot(np.array([chosen.label]), net.sizes[-1], net.dtype)
    found = wishes(net, chosen.x, np.array([chosen.label]))
    top = len(net.weights) - 1
    partial = None
    if top > 0:  # the layer before the outputs is a hidden layer: add its wishes up, output by output
        from_each = found.biases[top][0][:, None] * net.weights[top]  # (n_out, n_before): −δ_j w_jk
        partial = [_rounded(row) for row in np.cumsum(from_each, axis=0)]
    layers = [
        {
            "a": _rounded(found.a[l][0], 4),
            "wish": _rounded(found.activations[l][0]),
            "bias_wish": _rounded(found.biases[l - 1][0]),
        }
        for l in range(1, len(net.sizes))
    ]
    view: dict[str, Any] = {
        "index": chosen.index,
        "label": chosen.label,
        "input": _rounded(chosen.x[0], 3),
        "layers": layers,
        "outputs": _rounded(found.a[-1][0], 4),
        "output_wishes": _rounded(found.outputs[0]),
        "prediction": int(np.argmax(found.a[-1][0])),
        "cost": round(net.cost(chosen.x, y), 8),
        "cost_name": net.cost_function.name,
        "adding_up": None if partial is None else {"layer": top, "partial": partial},
        "routes": None,
    }
    if neuron is not None:
        view["routes"] = _routes_view(found, *neuron)
    return view


def neuron_choice(data: dict[str, Any], net: Network) -> tuple[int, int] | None:
    """Return the (layer, index) of the request's "neuron" {"layer", "index"}, or None when absent."""
    chosen = data.get("neuron")
    if chosen is None:
        return None
    if not isinstance(chosen, dict):
        raise RequestError(f'neuron must be an object {{"layer": l, "index": j}}; got {chosen!r:.40}')
    layer = validation.integer(chosen, "layer", 1, len(net.sizes) - 1)
    return layer, validation.integer(chosen, "index", 0, net.sizes[layer] - 1)


def mini_batch(chosen: Example, mnist: MNIST, m: int) -> tuple[NDArray[np.float64], NDArray[np.intp], list[int | None]]:
    """Return (X, labels, test indexes) of the mini-batch: the example, then the m − 1 test digits after it."""
    start = 0 if chosen.index is None else chosen.index + 1
    rows = (start + np.arange(m - 1)) % len(mnist.test)
    X = np.vstack([chosen.x, mnist.test.images[rows].astype(np.float64) / 255.0])
    labels = np.concatenate([[chosen.label], mnist.test.labels[rows]]).astype(np.intp)
    return X, labels, [chosen.index, *(int(i) for i in rows)]


def step_view(net: Network, chosen: Example, mnist: MNIST, settings: dict[str, Any]) -> dict[str, Any]:
    """Return the example's outputs and cost before and after `steps` steps of η along the wishes of
    the example alone (mode "example") or the mini-batch's mean wish (mode "batch"), and the batch's
    output-bias wishes per example and on average, which pull against each other."""
    m = settings["m"] if settings["mode"] == "batch" else 1
    X, labels, indexes = mini_batch(chosen, mnist, m)
    after = follow(net, X, labels, settings["eta"], settings["steps"])
    Y = one_hot(labels, net.sizes[-1], net.dtype)
    found = wishes(net, X, labels)

    def measured(model: Network) -> dict[str, Any]:
        """Return the example's outputs and cost and the batch's mean cost under model."""
        return {
            "outputs": _rounded(model.feedforward(chosen.x)[0], 6),
            "cost": round(model.cost(chosen.x, Y[:1]), 8),
            "batch_cost": round(model.cost(X, Y), 8),
        }

    return {
        **settings,
        "m": m,
        "label": chosen.label,
        "batch": [{"index": i, "label": int(label)} for i, label in zip(indexes, labels)],
        "bias_wishes": [_rounded(row) for row in found.biases[-1]],  # −δ^L of each example
        "mean_bias_wish": _rounded(found.mean()[1][-1]),
        "before": measured(net),
        "after": measured(after),
    }


def step_settings(data: dict[str, Any]) -> dict[str, Any]:
    """Return the step's settings: mode ("example" or "batch"), m, η and the number of steps."""
    return {
        "mode": validation.choice(data, "mode", ("example", "batch"), "example"),
        "m": validation.integer(data, "m", 1, MAX_BATCH, 10),
        "eta": validation.number(data, "eta", 1e-6, 100.0, 3.0),
        "steps": validation.integer(data, "steps", 1, MAX_STEPS, 1),
    }
