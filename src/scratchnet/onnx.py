"""Export a trained Network to ONNX, so it runs wherever an ONNX runtime does (phones, browsers, C#, ...).

The graph is the network's feedforward, layer by layer, in rows as `Network.feedforward` computes it:
    Z^l = A^(l−1) W^lᵀ + b^l   (ONNX Gemm with transB = 1, W kept in the book's (n_out, n_in) shape)
    A^l = σ(Z^l)               (Sigmoid, Tanh, Relu; the output layer's Softmax or Sigmoid where the cost pairs one)
Two outputs:
    "activations"    a^L, the output layer's activations, (n, sizes[-1])
    "probabilities"  `Network.probabilities`, what the explorer shows: softmax outputs as they are; sigmoid,
                     tanh or ReLU outputs divided by their row sum a_j / Σ_k a_k, a uniform row where that sum
                     is not positive
The input "input" is (n, sizes[0]) float32 grey levels in [0, 1] (an MNIST pixel p becomes p / 255), as
the model's doc string says. A float64 network casts its input to float64 and answers in float64.

Built with the `onnx` package's helper API (`pip install 'scratchnet[onnx]'`); scratchnet's core never
imports it. Opset `OPSET` and IR version `IR_VERSION` are fixed, not "the newest the onnx package
knows", so a model written today opens in onnxruntime 1.18 and later.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scratchnet.core.network import Network
from scratchnet.errors import ConfigError

if TYPE_CHECKING:
    from onnx import ModelProto, NodeProto, TensorProto

OPSET = 21
"""The ONNX operator set the graph uses (ONNX 1.16, onnxruntime 1.18+)."""
IR_VERSION = 10
"""The ONNX IR version written into the file (ONNX 1.16)."""
ACTIVATION_OPS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "softmax": "Softmax"}
"""Each scratchnet activation's ONNX operator; Softmax runs over the last axis, each row on its own."""


def _onnx() -> Any:
    """Return the onnx module, or raise ConfigError saying how to install it."""
    try:
        import onnx
    except ImportError as err:
        raise ConfigError("ONNX export needs the onnx package; install it with pip install 'scratchnet[onnx]'") from err
    return onnx


def _activation_node(onnx: Any, name: str, source: str, target: str) -> NodeProto:
    """Return the node computing target = σ(source) for the scratchnet activation `name`."""
    if name not in ACTIVATION_OPS:
        raise ConfigError(f"activation must be one of {', '.join(ACTIVATION_OPS)} to export to ONNX; got {name!r}")
    attributes = {"axis": -1} if name == "softmax" else {}
    return onnx.helper.make_node(ACTIVATION_OPS[name], [source], [target], name=f"{name}_{target}", **attributes)


def _layers(onnx: Any, net: Network, source: str) -> tuple[list[NodeProto], list[TensorProto], str]:
    """Return (nodes, weights and biases, name of a^L): A^l = σ(A^(l−1) W^lᵀ + b^l) for every layer."""
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    nodes: list[NodeProto] = []
    initializers: list[TensorProto] = []
    last = len(net.weights) - 1
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        initializers += [numpy_helper.from_array(W, f"W{l + 1}"), numpy_helper.from_array(b, f"b{l + 1}")]
        z, a = f"z{l + 1}", "activations" if l == last else f"a{l + 1}"
        nodes.append(helper.make_node("Gemm", [source, f"W{l + 1}", f"b{l + 1}"], [z], name=f"layer{l + 1}", transB=1))
        activation = net.output_activation if l == last else net.activation
        nodes.append(_activation_node(onnx, activation.name, z, a))
        source = a
    return nodes, initializers, source


def _probabilities(onnx: Any, net: Network, source: str) -> tuple[list[NodeProto], list[TensorProto]]:
    """Return the nodes turning a^L into `Network.probabilities`: a_j / Σ_k a_k, uniform where Σ_k a_k ≤ 0."""
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    if net.output_activation.name == "softmax":
        return [helper.make_node("Identity", [source], ["probabilities"], name="probabilities")], []
    n_out = net.sizes[-1]
    constants = [
        numpy_helper.from_array(np.array([1], dtype=np.int64), "row_axis"),
        numpy_helper.from_array(np.zeros((), dtype=net.dtype), "zero"),
        numpy_helper.from_array(np.ones((), dtype=net.dtype), "one"),
        numpy_helper.from_array(np.full((1, n_out), 1.0 / n_out, dtype=net.dtype), "uniform"),
    ]
    nodes = [
        helper.make_node("ReduceSum", [source, "row_axis"], ["total"], name="row_sum", keepdims=1),  # (n, 1)
        helper.make_node("Greater", ["total", "zero"], ["positive"], name="positive"),
        helper.make_node("Where", ["positive", "total", "one"], ["divisor"], name="divisor"),  # never divide by 0
        helper.make_node("Div", [source, "divisor"], ["shares"], name="shares"),
        helper.make_node("Where", ["positive", "shares", "uniform"], ["probabilities"], name="probabilities"),
    ]
    return nodes, constants


def to_onnx(net: Network) -> ModelProto:
    """Return net as an ONNX model: input "input" (n, sizes[0]) float32 in [0, 1], outputs "activations" and
    "probabilities" (n, sizes[-1]).

    Parameters
    ----------
    net : a Network of any sizes, activation and cost scratchnet has.

    Returns
    -------
    onnx.ModelProto : checked by `onnx.checker`, opset `OPSET`, IR version `IR_VERSION`; save it with
        `model.SerializeToString()` (or `scratchnet export MODEL OUT.onnx`).

    Raises
    ------
    ConfigError : when the onnx package is not installed.
    """
    onnx = _onnx()
    helper, TensorProto = onnx.helper, onnx.TensorProto
    n_in, n_out = net.sizes[0], net.sizes[-1]
    element = TensorProto.DOUBLE if np.dtype(net.dtype) == np.float64 else TensorProto.FLOAT
    nodes: list[NodeProto] = []
    source = "input"
    if element == TensorProto.DOUBLE:
        nodes.append(helper.make_node("Cast", ["input"], ["input_as_double"], name="as_double", to=TensorProto.DOUBLE))
        source = "input_as_double"
    layer_nodes, initializers, last = _layers(onnx, net, source)
    probability_nodes, constants = _probabilities(onnx, net, last)
    graph = helper.make_graph(
        nodes + layer_nodes + probability_nodes,
        "scratchnet",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", n_in])],
        [helper.make_tensor_value_info(name, element, ["n", n_out]) for name in ("activations", "probabilities")],
        initializer=initializers + constants,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="scratchnet")
    model.ir_version = IR_VERSION
    model.producer_version = _version()
    model.doc_string = _describe(net)
    onnx.checker.check_model(model, full_check=True)
    result: ModelProto = model
    return result


def _version() -> str:
    """Return scratchnet's version."""
    from scratchnet import __version__

    return __version__


def _describe(net: Network) -> str:
    """Return the model's doc string: what goes in, what comes out."""
    sizes = "-".join(map(str, net.sizes))
    return (
        f"scratchnet {sizes} network, {net.activation.name} hidden neurons, {net.output_activation.name} outputs "
        f"({net.cost_function.name} cost). Input 'input': float32 of shape (n, {net.sizes[0]}), each row one image's "
        f"grey levels scaled to [0, 1] (MNIST pixel / 255), row by row. Outputs, shape (n, {net.sizes[-1]}): "
        "'activations', the output layer's activations a^L; 'probabilities', those normalised to sum to 1 "
        "(softmax outputs as they are); the answer is the index of the largest."
    )


def save_onnx(path: str | Path, net: Network) -> Path:
    """Write net as an ONNX file at path, atomically; return the path."""
    from scratchnet.io import write_atomically

    data = to_onnx(net).SerializeToString()
    return write_atomically(path, lambda file: file.write(data))
