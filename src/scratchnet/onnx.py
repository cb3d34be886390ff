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

A `ConvNetwork` (chapter 6) becomes the same graph with its layers in front of the dense ones, in
ONNX's channels-first layout (n, C, H, W):
    the rows of H·W·C grey levels      Reshape to (n, H, W, C), our channels-last maps, Transpose to (n, C, H, W)
    z_{f,x,y} = b_f + Σ_{c,i,j} w_{f,c,i,j} a_{c,x+i,y+j}   Conv (stride 1, no padding), w kept as (C_out, C_in, k, k)
    a = σ(z)                           Sigmoid, Tanh or Relu, as for a dense layer
    each p×p window's maximum          MaxPool (kernel p×p, stride p)
    the maps flattened                 Flatten: (n, C, H, W) to (n, C·H·W), the (C, H, W) order our Dense takes
    z = a Wᵀ + b                       Gemm, as above
Convolution in float64 has no onnxruntime kernel, so a float64 ConvNetwork is refused (`check_exportable`).

A `Committee` (`scratchnet train --members K`) becomes its members' graphs side by side, each renamed
`member{k}_...` by `onnx.compose.add_prefix`, all reading "input", and one Mean node:
    "probabilities" = (1/K) Σ_k P_k        ONNX Mean of the members' probabilities
    "activations"   = "probabilities"      a committee's output is its mean probability, as in `Committee.feedforward`

Built with the `onnx` package's helper API (`pip install 'scratchnet[onnx]'`); scratchnet's core never
imports it. Opset `OPSET` and IR version `IR_VERSION` are fixed, not "the newest the onnx package
knows", so a model written today opens in onnxruntime 1.18 and later.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scratchnet.core.committee import Committee
from scratchnet.core.convnet import ConvNetwork, layers_text
from scratchnet.core.layers import Conv, Pool
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


def check_exportable(net: Network | Committee[Network]) -> None:
    """Raise ConfigError, in one line, when net cannot be written as an ONNX graph that onnxruntime runs.

    Every activation has its operator; only convolution in float64 has no onnxruntime kernel; a committee's
    members must each be exportable, in one precision (ONNX's Mean takes inputs of one type), and it must read
    each input as given (a graph of the shipped reader's views would answer for one view only).
    """
    if isinstance(net, Committee):
        if net.views is not None:
            raise ConfigError(
                "a committee that reads each input in several views cannot be exported; export its members"
            )
        for member in net.members:
            check_exportable(member)
        dtypes = sorted({np.dtype(member.dtype).name for member in net.members})
        if len(dtypes) > 1:
            raise ConfigError(
                f"a committee's networks must share one precision to be exported; got {', '.join(dtypes)}"
            )
        return
    for activation in (net.activation, net.output_activation):
        if activation.name not in ACTIVATION_OPS:
            raise ConfigError(
                f"activation must be one of {', '.join(ACTIVATION_OPS)} to export to ONNX; got {activation.name!r}"
            )
    if isinstance(net, ConvNetwork) and np.dtype(net.dtype) == np.float64:
        raise ConfigError(
            f"a float64 convolutional network cannot be exported: onnxruntime has no float64 convolution; "
            f"train {net.spelling} with --dtype float32"
        )


def _maps_layers(onnx: Any, net: ConvNetwork, source: str) -> tuple[list[NodeProto], list[TensorProto], str]:
    """Return (nodes, weights and biases, name of a^L) of a ConvNetwork: rows → (n, C, H, W) maps, then each layer.

    Convolutional and pooling layers work on (n, C, H, W); the first dense layer flattens them in (C, H, W)
    order, as `scratchnet.core.layers.Dense` does, and the dense layers follow as in `_layers`.
    """
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    h, w, c = net.input_shape
    initializers = [numpy_helper.from_array(np.array([-1, h, w, c], dtype=np.int64), "maps_shape")]
    nodes = [
        helper.make_node("Reshape", [source, "maps_shape"], ["maps_last"], name="rows_to_maps"),  # (n, H, W, C)
        helper.make_node("Transpose", ["maps_last"], ["maps0"], name="channels_first", perm=[0, 3, 1, 2]),
    ]
    source, flat, p, last = "maps0", False, 0, len(net.layers) - 1
    for l, layer in enumerate(net.layers):
        name = f"layer{l + 1}"
        if isinstance(layer, Pool):
            size = [layer.size, layer.size]
            nodes.append(
                helper.make_node("MaxPool", [source], [f"a{l + 1}"], name=name, kernel_shape=size, strides=size)
            )
            source = f"a{l + 1}"
            continue
        W, b = net.weights[p], net.biases[p]
        p += 1
        initializers += [numpy_helper.from_array(W, f"W{p}"), numpy_helper.from_array(b, f"b{p}")]
        if isinstance(layer, Conv):
            nodes.append(helper.make_node("Conv", [source, f"W{p}", f"b{p}"], [f"z{l + 1}"], name=name))
        else:
            if not flat:
                nodes.append(helper.make_node("Flatten", [source], ["flat"], name="flatten", axis=1))  # (C, H, W)
                source, flat = "flat", True
            nodes.append(helper.make_node("Gemm", [source, f"W{p}", f"b{p}"], [f"z{l + 1}"], name=name, transB=1))
        activation = net.output_activation if l == last else net.activation
        target = "activations" if l == last else f"a{l + 1}"
        nodes.append(_activation_node(onnx, activation.name, f"z{l + 1}", target))
        source = target
    return nodes, initializers, source


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


def to_onnx(net: Network | Committee[Network]) -> ModelProto:
    """Return net as an ONNX model: input "input" (n, sizes[0]) float32 in [0, 1], outputs "activations" and
    "probabilities" (n, sizes[-1]).

    Parameters
    ----------
    net : a Network of any sizes, activation and cost scratchnet has, a float32 ConvNetwork, or a
        Committee of them.

    Returns
    -------
    onnx.ModelProto : checked by `onnx.checker`, opset `OPSET`, IR version `IR_VERSION`; save it with
        `model.SerializeToString()` (or `scratchnet export MODEL OUT.onnx`).

    Raises
    ------
    ConfigError : when the onnx package is not installed, or net cannot be exported (`check_exportable`).
    """
    check_exportable(net)
    onnx = _onnx()
    if isinstance(net, Committee):
        return _committee(onnx, net)
    helper, TensorProto = onnx.helper, onnx.TensorProto
    n_in, n_out = net.sizes[0], net.sizes[-1]
    element = TensorProto.DOUBLE if np.dtype(net.dtype) == np.float64 else TensorProto.FLOAT
    nodes: list[NodeProto] = []
    source = "input"
    if element == TensorProto.DOUBLE:
        nodes.append(helper.make_node("Cast", ["input"], ["input_as_double"], name="as_double", to=TensorProto.DOUBLE))
        source = "input_as_double"
    if isinstance(net, ConvNetwork):
        layer_nodes, initializers, last = _maps_layers(onnx, net, source)
    else:
        layer_nodes, initializers, last = _layers(onnx, net, source)
    probability_nodes, constants = _probabilities(onnx, net, last)
    graph = helper.make_graph(
        nodes + layer_nodes + probability_nodes,
        "scratchnet",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", n_in])],
        [helper.make_tensor_value_info(name, element, ["n", n_out]) for name in ("activations", "probabilities")],
        initializer=initializers + constants,
    )
    return _finished(onnx, graph, _describe(net))


def _committee(onnx: Any, committee: Committee[Network]) -> ModelProto:
    """Return a committee as one ONNX model: its members' graphs, renamed member{k}_..., and their Mean."""
    helper = onnx.helper
    nodes: list[NodeProto] = []
    initializers: list[TensorProto] = []
    members = committee.members
    for k, member in enumerate(members):
        graph = onnx.compose.add_prefix(to_onnx(member), f"member{k}_").graph
        nodes.append(helper.make_node("Identity", ["input"], [f"member{k}_input"], name=f"member{k}_takes_input"))
        nodes += graph.node
        initializers += graph.initializer
    element = graph.output[0].type.tensor_type.elem_type  # the members' one precision
    means = [f"member{k}_probabilities" for k in range(len(members))]
    nodes.append(helper.make_node("Mean", means, ["probabilities"], name="committee_mean"))
    nodes.append(helper.make_node("Identity", ["probabilities"], ["activations"], name="committee_activations"))
    n_in, n_out = committee.sizes
    graph = helper.make_graph(
        nodes,
        "scratchnet",
        [helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, ["n", n_in])],
        [helper.make_tensor_value_info(name, element, ["n", n_out]) for name in ("activations", "probabilities")],
        initializer=initializers,
    )
    described = "; ".join(f"member {k + 1}: {_describe(member)}" for k, member in enumerate(members))
    doc = f"scratchnet committee of {len(members)} networks: 'probabilities' and 'activations' are the mean of the members' probabilities. {described}"
    return _finished(onnx, graph, doc)


def _finished(onnx: Any, graph: Any, doc: str) -> ModelProto:
    """Return the model around graph, at `OPSET` and `IR_VERSION`, with its doc string, checked by `onnx.checker`."""
    helper = onnx.helper
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="scratchnet")
    model.ir_version = IR_VERSION
    model.producer_version = _version()
    model.doc_string = doc
    onnx.checker.check_model(model, full_check=True)
    result: ModelProto = model
    return result


def _version() -> str:
    """Return scratchnet's version."""
    from scratchnet import __version__

    return __version__


def _describe(net: Network) -> str:
    """Return the model's doc string: what goes in, what comes out."""
    return (
        f"scratchnet {layers_text(net)} network, {net.activation.name} hidden neurons, {net.output_activation.name} outputs "
        f"({net.cost_function.name} cost). Input 'input': float32 of shape (n, {net.sizes[0]}), each row one image's "
        f"grey levels scaled to [0, 1] (MNIST pixel / 255), row by row. Outputs, shape (n, {net.sizes[-1]}): "
        "'activations', the output layer's activations a^L; 'probabilities', those normalised to sum to 1 "
        "(softmax outputs as they are); the answer is the index of the largest."
    )


def save_onnx(path: str | Path, net: Network | Committee[Network]) -> Path:
    """Write net as an ONNX file at path, atomically; return the path."""
    from scratchnet.io import write_atomically

    data = to_onnx(net).SerializeToString()
    return write_atomically(path, lambda file: file.write(data))
