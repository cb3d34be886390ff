"""ONNX export: onnxruntime, an independent implementation of every operator, runs the exported graph.

The truth the exported graph is held to is scratchnet's own feedforward only where the issue asks it
(all 10,000 test images); elsewhere it is the book's equations computed here with NumPy in float64.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest

from scratchnet import MNIST, Network, TrainOptions, fit
from scratchnet.core.activations import ACTIVATIONS
from scratchnet.core.convnet import ConvNetwork
from scratchnet.core.costs import COSTS
from scratchnet.errors import ConfigError
from scratchnet.io import load_model
from scratchnet.onnx import IR_VERSION, OPSET, save_onnx, to_onnx


def run_onnx(net: Network, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (activations, probabilities) that onnxruntime computes for the exported net on float32 X."""
    session = onnxruntime.InferenceSession(to_onnx(net).SerializeToString(), providers=["CPUExecutionProvider"])
    activations, probabilities = session.run(["activations", "probabilities"], {"input": X.astype(np.float32)})
    return activations, probabilities


def by_the_book(net: Network, X: np.ndarray) -> np.ndarray:
    """Return a^L by a^l = σ(W^l a^(l−1) + b^l) in float64, σ written out here, softmax e^z_j / Σ_k e^z_k."""
    sigma = {
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0),
        "softmax": lambda z: (
            np.exp(z - z.max(1, keepdims=True)) / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)
        ),
    }
    A = X.astype(np.float64)
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        name = net.output_activation.name if l == len(net.weights) - 1 else net.activation.name
        A = sigma[name](A @ W.astype(np.float64).T + b.astype(np.float64))
    return A


@pytest.fixture(scope="module")
def test_inputs(mnist: MNIST) -> np.ndarray:
    """The 10,000 test images as float32 grey levels in [0, 1], the exported model's input."""
    return (mnist.test.images.reshape(len(mnist.test), -1) / np.float32(255)).astype(np.float32)


@pytest.fixture(scope="module")
def relu_softmax(mnist: MNIST) -> Network:
    """A 784-30-10 ReLU network with a softmax output (log-likelihood cost), one epoch on 20,000 images."""
    net = Network([784, 30, 10], activation="relu", cost="log-likelihood", init="he", seed=2)
    net.sgd(mnist.train.images[:20_000], mnist.train.labels[:20_000], epochs=1, batch_size=10, lr=0.1)
    return net


def _assert_agrees_on_every_image(net: Network, X: np.ndarray) -> None:
    activations, probabilities = run_onnx(net, X)
    assert activations.shape == probabilities.shape == (10_000, 10)
    assert np.abs(activations - net.feedforward(X)).max() < 1e-5
    assert np.abs(probabilities - net.probabilities(X)).max() < 1e-5
    assert np.array_equal(activations.argmax(axis=1), net.predict(X))
    assert np.array_equal(probabilities.argmax(axis=1), net.predict(X))


def test_sigmoid_quadratic_network_agrees_on_all_10000_test_images(
    trained_model: Path, test_inputs: np.ndarray, mnist: MNIST
):
    net, _header = load_model(trained_model)
    assert (net.activation.name, net.cost_function.name) == ("sigmoid", "quadratic")
    assert net.evaluate(test_inputs, mnist.test.labels) > 8_000  # a trained network, not a random one
    _assert_agrees_on_every_image(net, test_inputs)


def test_relu_softmax_network_agrees_on_all_10000_test_images(
    relu_softmax: Network, test_inputs: np.ndarray, mnist: MNIST
):
    assert relu_softmax.output_activation.name == "softmax"
    assert relu_softmax.evaluate(test_inputs, mnist.test.labels) > 8_000  # seeds 0–5: 9,187 to 9,293
    _assert_agrees_on_every_image(relu_softmax, test_inputs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cost", sorted(COSTS))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_and_cost_exports_the_books_feedforward(activation: str, cost: str, dtype: str, rng):
    net = Network([12, 7, 5, 4], activation=activation, cost=cost, init="scaled", seed=3, dtype=dtype)
    X = rng.random((50, 12))
    activations, probabilities = run_onnx(net, X)
    expected = by_the_book(net, X.astype(np.float32))
    assert activations.dtype == np.dtype(dtype)
    assert np.abs(activations - expected).max() < (1e-5 if dtype == "float32" else 1e-12)
    if net.output_activation.name == "softmax":
        assert np.allclose(probabilities, expected, atol=1e-5)
    else:
        positive = expected.sum(axis=1) > 0
        assert np.allclose(
            probabilities[positive], (expected / expected.sum(axis=1, keepdims=True))[positive], atol=1e-5
        )
        assert np.allclose(probabilities[~positive], 0.25)


def test_probabilities_of_an_all_dark_output_layer_are_uniform():
    # ReLU outputs with b = −1 and W = 0 are all 0: no neuron is brighter, so every answer gets 1/4.
    net = Network([3, 4], activation="relu", seed=0)
    net.weights[0][...] = 0.0
    net.biases[0][...] = -1.0
    activations, probabilities = run_onnx(net, np.ones((2, 3)))
    assert np.array_equal(activations, np.zeros((2, 4)))
    assert np.array_equal(probabilities, np.full((2, 4), 0.25, dtype=np.float32))


def test_the_model_declares_its_opset_ir_version_input_and_outputs():
    net = Network([784, 16, 16, 10])
    model = to_onnx(net)
    assert model.ir_version == IR_VERSION and [(o.domain, o.version) for o in model.opset_import] == [("", OPSET)]
    assert [i.name for i in model.graph.input] == ["input"]
    assert [o.name for o in model.graph.output] == ["activations", "probabilities"]
    dims = [d.dim_value or d.dim_param for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["n", 784] and model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert "(n, 784)" in model.doc_string and "[0, 1]" in model.doc_string
    assert (
        sum(t.dims[0] * (t.dims[1] if len(t.dims) > 1 else 1) for t in model.graph.initializer if t.name[0] in "Wb")
        == 13_002
    )


def test_save_onnx_writes_a_file_onnx_loads_back(tmp_path: Path):
    net = Network([784, 16, 10], seed=5)
    path = save_onnx(tmp_path / "net.onnx", net)
    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    assert np.array_equal(weights["W1"], net.weights[0]) and np.array_equal(weights["b2"], net.biases[1])
    assert [p.name for p in tmp_path.iterdir()] == ["net.onnx"]


SIGMA = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "softmax": lambda z: (
        np.exp(z - z.max(1, keepdims=True)) / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)
    ),
}


def conv_by_the_book(net: ConvNetwork, X: np.ndarray) -> np.ndarray:
    """Return a^L of a ConvNetwork in float64 from chapter 6's equations, each written out here.

    Convolution z_{x,y,f} = b_f + Σ_{c,i,j} w_{f,c,i,j} a_{x+i,y+j,c} as k·k shifted sums; max-pooling the
    largest of each p×p window; a dense layer z = a Wᵀ + b on the maps flattened in (C, H, W) order (the
    order `scratchnet.core.layers` documents), then σ, the output layer's activation on top.
    """
    h, w, c = net.input_shape
    a = X.astype(np.float64).reshape(len(X), h, w, c)
    parameters = iter(zip(net.weights, net.biases))
    for l, layer in enumerate(net.layers):
        name = net.output_activation.name if l == len(net.layers) - 1 else net.activation.name
        if hasattr(layer, "size"):  # max-pooling
            n, rows, columns, maps = a.shape
            p = layer.size
            a = a.reshape(n, rows // p, p, columns // p, p, maps).max(axis=(2, 4))
            continue
        W, b = (array.astype(np.float64) for array in next(parameters))
        if W.ndim == 4:  # convolution
            k = W.shape[2]
            rows, columns = a.shape[1] - k + 1, a.shape[2] - k + 1
            z = np.zeros((len(a), rows, columns, len(W))) + b
            for i in range(k):
                for j in range(k):
                    z += np.einsum("nxyc,fc->nxyf", a[:, i : i + rows, j : j + columns, :], W[:, :, i, j])
        else:
            flat = a.transpose(0, 3, 1, 2).reshape(len(a), -1) if a.ndim == 4 else a
            z = flat @ W.T + b
        a = SIGMA[name](z)
    return a


@pytest.mark.parametrize("cost", sorted(COSTS))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("layers", ["12x12,conv3x3x3,pool2,conv3x3x4,7,5", "8x6x2,conv3x3x3,pool2,4"])
def test_every_conv_activation_and_cost_exports_chapter_6s_feedforward(layers: str, activation: str, cost: str, rng):
    net = ConvNetwork(layers, activation=activation, cost=cost, init="scaled", seed=4)
    X = rng.random((40, net.sizes[0]))
    activations, probabilities = run_onnx(net, X)
    expected = conv_by_the_book(net, X.astype(np.float32))
    assert activations.shape == expected.shape and activations.dtype == np.float32
    assert np.abs(activations - expected).max() < 1e-5
    if net.output_activation.name == "softmax":
        assert np.allclose(probabilities, expected, atol=1e-5)
    else:
        positive = expected.sum(axis=1) > 0
        shares = expected[positive] / expected[positive].sum(axis=1, keepdims=True)
        assert np.allclose(probabilities[positive], shares, atol=1e-5)


@pytest.fixture(scope="module", params=[("relu", "log-likelihood"), ("sigmoid", "cross-entropy")], ids=str)
def small_conv(request: pytest.FixtureRequest, mnist: MNIST) -> ConvNetwork:
    """A two-conv network (28x28,conv5x5x4,pool2,conv3x3x6,pool2,10) trained one epoch on 2,000 real digits."""
    activation, cost = request.param
    net = ConvNetwork("28x28,conv5x5x4,pool2,conv3x3x6,pool2,10", activation, cost, init="he", seed=1)
    lr = 0.05 if activation == "relu" else 0.5
    fit(net, mnist.train.images[:2_000], mnist.train.labels[:2_000], TrainOptions(epochs=1, batch_size=10, lr=lr))
    return net


def test_a_trained_conv_network_agrees_on_all_10000_test_images(
    small_conv: ConvNetwork, test_inputs: np.ndarray, mnist: MNIST
):
    assert small_conv.evaluate(test_inputs, mnist.test.labels) > 5_000  # it learned: chance is 1,000
    _assert_agrees_on_every_image(small_conv, test_inputs)


def test_the_conv_graph_uses_conv_maxpool_and_gemm_and_keeps_the_filters_shape():
    net = ConvNetwork("28x28,conv5x5x20,pool2,conv5x5x40,pool2,100,10", seed=0)
    model = to_onnx(net)
    ops = [node.op_type for node in model.graph.node]
    assert ops[:2] == ["Reshape", "Transpose"] and ops.count("Conv") == 2 and ops.count("MaxPool") == 2
    assert ops.count("Flatten") == 1 and ops.count("Gemm") == 2 and ops.count("Relu") == 3 and "Softmax" in ops
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    assert weights["W1"].shape == (20, 1, 5, 5) and weights["W2"].shape == (40, 20, 5, 5)
    assert weights["W3"].shape == (100, 40 * 4 * 4) and np.array_equal(weights["W2"], net.weights[1])
    assert "28x28,conv5x5x20,pool2,conv5x5x40,pool2,100,10" in model.doc_string


def test_a_float64_conv_network_is_refused_in_one_line():
    net = ConvNetwork("8x8,conv3x3x2,pool2,3", dtype="float64")
    with pytest.raises(ConfigError, match="float64 convolutional network cannot be exported.*--dtype float32"):
        to_onnx(net)


def test_a_committee_reading_in_views_is_refused_not_exported_as_one_view():
    from scratchnet.core.committee import Committee

    members = [Network([784, 10, 10], seed=1), Network([784, 10, 10], seed=2)]
    assert len(to_onnx(Committee(members)).graph.node) > 2
    with pytest.raises(ConfigError, match="several views"):
        to_onnx(Committee(members, views=lambda X: np.concatenate([X, X])))
