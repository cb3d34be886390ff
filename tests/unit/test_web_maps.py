"""The explorer's view of a convolutional network, through Starlette's TestClient: the feature maps each
answer carries, the first layer's filters, /api/filter, and the dense layers above the maps.

The tiny network's filters are set by hand (a vertical edge and a blur), and the expected maps are computed
here from the equations, z_{x,y,f} = b_f + Σ_{c,i,j} w_{f,c,i,j} a_{x+i,y+j,c} with scipy.signal.correlate2d,
a = max(0, z), and max-pooling as the maximum of each 2×2 block: never from the code under test.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import schemathesis
from PIL import Image
from scipy.signal import correlate2d
from starlette.testclient import TestClient

from scratchnet import Network
from scratchnet.core.convnet import ConvNetwork
from scratchnet.data.mnist import MNIST, Split
from scratchnet.web import Explorer, create_app

SPELLING = "28x28,conv3x3x2,pool2,conv2x2x3,pool2,10"  # 28 → 26 → 13 → 12 → 6, then 3·6·6 = 108 → 10
EDGE = np.array([[-1.0, 0.0, 1.0]] * 3)  # answers a dark-to-light step from left to right
BLUR = np.full((3, 3), 1 / 9)


def tiny_network() -> ConvNetwork:
    """The tiny network with the first filters set by hand and the rest drawn from a seeded generator."""
    net = ConvNetwork(SPELLING, "relu", "log-likelihood", seed=3, dtype="float64")
    net.weights[0][:, 0] = [EDGE, BLUR]
    net.biases[0][:] = [0.1, -0.05]
    net.biases[1][:] = [0.02, -0.01, 0.0]
    return net


def digit() -> np.ndarray:
    """A 28×28 'seven' of grey levels 0..255, with soft edges: a bar across the top and a slanted stroke."""
    image = np.zeros((28, 28))
    image[5:8, 7:21] = 255
    for row in range(8, 24):
        column = 20 - (row - 8) // 2
        image[row, column - 1 : column + 2] = 255
    image[:, 1:] = np.maximum(image[:, 1:], 0.5 * image[:, :-1])  # a grey fringe, so levels are not all 0 or 1
    return image.astype(np.uint8)


def data_with(image: np.ndarray) -> MNIST:
    split = Split(np.stack([image.ravel()] * 3), np.array([7, 7, 7], dtype=np.uint8))
    return MNIST(split, split, split, (28, 28), "hand-made", "0" * 64)


@pytest.fixture
def net() -> ConvNetwork:
    return tiny_network()


@pytest.fixture
def client(net: ConvNetwork) -> Iterator[TestClient]:
    data = data_with(digit())
    with TestClient(create_app(Explorer(net, "hand-made filters", None, None, load_data=lambda: data))) as test_client:
        yield test_client


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def pooled(maps: np.ndarray) -> np.ndarray:
    """Return the maximum of each 2×2 block of maps (H, W, C)."""
    h, w, c = maps.shape
    return maps.reshape(h // 2, 2, w // 2, 2, c).max(axis=(1, 3))


def convolved(a: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return σ(z) of a valid convolution of a (H, W, C_in) with filters W (C_out, C_in, k, k), by correlate2d."""
    return np.stack(
        [
            relu(sum(correlate2d(a[:, :, c], W[f, c], mode="valid") for c in range(a.shape[2])) + b[f])
            for f in range(len(W))
        ],
        axis=-1,
    )


def expected_maps(net: ConvNetwork, x: np.ndarray) -> list[np.ndarray]:
    """Return the four layers' maps (H, W, C) for the input x (784,) from the equations."""
    conv1 = convolved(x.reshape(28, 28, 1), net.weights[0], net.biases[0])
    pool1 = pooled(conv1)
    conv2 = convolved(pool1, net.weights[1], net.biases[1])
    return [conv1, pool1, conv2, pooled(conv2)]


def dequantised(layer: dict[str, Any]) -> np.ndarray:
    """Return the maps (H, W, C) that a layer's grey levels, offsets and scales stand for."""
    h, w, c = layer["height"], layer["width"], layer["count"]
    levels = np.frombuffer(base64.b64decode(layer["levels"]), dtype=np.uint8).reshape(c, h, w)
    return (np.array(layer["offset"])[:, None, None] + np.array(layer["scale"])[:, None, None] * levels).transpose(
        1, 2, 0
    )


def test_a_digits_maps_are_the_convolutions_and_poolings_of_its_pixels(client, net):
    view = client.get("/api/samples/0").json()
    x = digit().ravel() / 255.0
    expected = expected_maps(net, x)
    assert [layer["spelling"] for layer in view["maps"]] == ["conv3x3x2", "pool2", "conv2x2x3", "pool2"]
    assert [layer["kind"] for layer in view["maps"]] == ["conv", "pool", "conv", "pool"]
    assert [layer["made_by"] for layer in view["maps"]] == [1, 1, 3, 3]
    for layer, maps in zip(view["maps"], expected):
        assert (layer["height"], layer["width"], layer["count"]) == maps.shape
        assert maps.max() > 0.05  # the digit lights every layer: the comparison is not of zeros
        step = np.array(layer["scale"])
        assert np.all(step <= (maps.max(axis=(0, 1)) - maps.min(axis=(0, 1))) / 255 + 1e-6)
        assert np.all(np.abs(dequantised(layer) - maps) <= step / 2 + 1e-6)  # within half a grey level
        assert np.allclose(layer["mean"], maps.mean(axis=(0, 1)), atol=1e-5)
        assert np.allclose(layer["peak"], maps.max(axis=(0, 1)), atol=1e-5)
        means = maps.mean(axis=(0, 1))
        assert list(np.diff(means[layer["order"]]) <= 1e-9) == [True] * (len(means) - 1)  # strongest first


def test_the_edge_filter_answers_where_the_ink_starts_on_the_left(client, net):
    conv1 = client.get("/api/samples/0").json()["maps"][0]
    edge = dequantised(conv1)[:, :, 0]
    x = digit() / 255.0
    row, column = np.unravel_index(edge.argmax(), edge.shape)
    patch = x[row : row + 3, column : column + 3]
    assert patch[:, 2].sum() - patch[:, 0].sum() == pytest.approx(edge.max() - 0.1, abs=conv1["scale"][0])
    assert patch[:, 2].sum() > patch[:, 0].sum()  # darker on the left, lighter on the right


# Receptive fields: a k×k convolution widens a field by k − 1, p×p pooling multiplies it by p.
FIELD_SIDES = [3, 3 + 1, 2 * 1 + 4, 2 * (2 + 1) + 2]  # conv3: 3; pool2: 4; conv2 on pool2: 6; pool2 of that: 8
STRIDES = [1, 2, 2, 4]  # input rows between neighbouring neurons of each layer


def test_each_maps_field_is_the_patch_of_the_drawing_under_its_strongest_neuron(client, net):
    view = client.get("/api/samples/0").json()
    expected = expected_maps(net, digit().ravel() / 255.0)
    for layer, maps, side, stride in zip(view["maps"], expected, FIELD_SIDES, STRIDES):
        for f, (top, left, height, width) in enumerate(layer["fields"]):
            assert (height, width) == (side, side)
            assert top % stride == 0 and left % stride == 0
            row, column = top // stride, left // stride
            assert maps[row, column, f] >= maps[:, :, f].max() - 1e-9  # a neuron of that field is the map's maximum
            assert top + height <= 28 and left + width <= 28


def test_the_answer_carries_the_first_layers_filters(client, net):
    filters = client.get("/api/samples/0").json()["filters"]
    assert filters["shape"] == [2, 1, 3, 3] and filters["made_by"] == 1
    assert np.allclose(np.reshape(filters["weights"], (2, 3, 3)), [EDGE, BLUR], atol=1e-4)
    assert filters["bias"] == pytest.approx([0.1, -0.05])


def test_a_drawing_answered_by_predict_and_read_carries_the_maps(client):
    grey = np.kron(digit() / 255.0, np.ones((4, 4)))
    body = {"width": 112, "height": 112, "grey": base64.b64encode(np.round(grey * 255).astype(np.uint8)).decode()}
    predicted = client.post("/api/predict", json=body).json()
    read = client.post("/api/read", json=body).json()["trace"]
    for view in (predicted, read):
        assert [layer["count"] for layer in view["maps"]] == [2, 2, 3, 3]
        x = np.array(view["input"]).reshape(28, 28)
        conv1 = dequantised(view["maps"][0])
        by_hand = relu(correlate2d(x, EDGE, mode="valid") + 0.1)
        assert (
            np.abs(conv1[:, :, 0] - by_hand).max() <= view["maps"][0]["scale"][0] / 2 + 6 * 0.0005
        )  # input rounded to 3 places


def drawing_body(**fields: Any) -> dict[str, Any]:
    """A /api/read body: the digit blown up four times, as the page sends a drawing."""
    grey = np.kron(digit() / 255.0, np.ones((4, 4)))
    return {
        "width": 112,
        "height": 112,
        "grey": base64.b64encode(np.round(grey * 255).astype(np.uint8)).decode(),
        **fields,
    }


def test_a_reading_asked_without_maps_leaves_out_the_maps_and_filters_alone(client):
    full = client.post("/api/read", json=drawing_body()).json()
    light = client.post("/api/read", json=drawing_body(maps=False)).json()
    assert "maps" in full["trace"] and "maps_left_out" not in full["trace"]
    assert light["trace"]["maps_left_out"] is True and "maps" not in light["trace"] and "filters" not in light["trace"]
    unchanged = {k: v for k, v in full["trace"].items() if k not in ("maps", "filters")}
    assert {k: v for k, v in light["trace"].items() if k != "maps_left_out"} == unchanged  # the rest as with the maps
    assert {**light, "trace": None} == {**full, "trace": None}  # the reading itself the same
    for wrong in ("no", "false", 0, None):  # JSON says false, not "false"
        refused = client.post("/api/read", json=drawing_body(maps=wrong))
        assert refused.status_code == 400 and refused.json()["error"].startswith("maps must be true or false"), wrong


def test_a_picture_file_asked_without_maps_leaves_them_out_too(client):
    grey = np.kron(255 - digit(), np.ones((4, 4), dtype=np.uint8)).astype(np.uint8)  # dark ink on white paper
    png = io.BytesIO()
    Image.fromarray(grey).save(png, "PNG")
    headers = {"Content-Type": "image/png"}
    light = client.post("/api/read?maps=false", content=png.getvalue(), headers=headers).json()["trace"]
    full = client.post("/api/read?maps=true", content=png.getvalue(), headers=headers).json()["trace"]
    assert light["maps_left_out"] is True and "maps" not in light and len(full["maps"]) == 4
    assert client.post("/api/read?maps=no", content=png.getvalue(), headers=headers).status_code == 400


def test_the_dense_layers_above_the_maps_are_the_diagram_and_the_inspector(client, net):
    view = client.get("/api/samples/0").json()
    assert [len(layer["a"]) for layer in view["layers"]] == [10]  # only the dense output layer: sizes 784-10
    top_maps = expected_maps(net, digit().ravel() / 255.0)[3]
    flat = top_maps.transpose(2, 0, 1).ravel()  # (C, H, W) order, as other libraries flatten
    z = net.weights[2] @ flat + net.biases[2]
    assert np.allclose(view["layers"][0]["z"], z, atol=1e-4)
    assert view["edges"] == []  # the first dense layer reads maps, not pixels: no arrows from the picture
    neuron = client.post("/api/neuron", json={"layer": 1, "index": 4, "input": list(digit().ravel() / 255.0)}).json()
    assert len(neuron["weights"]) == 108 and neuron["image_side"] is None
    assert neuron["z"] == pytest.approx(z[4], abs=1e-4)
    info = client.get("/api/model").json()
    assert info["convolutional"] is True and info["layers"] == SPELLING and info["sizes"] == [784, 10]


def test_filter_gives_the_filter_that_made_a_map(client, net):
    first = client.post("/api/filter", json={"layer": 1, "map": 0}).json()
    assert first["shape"] == [1, 3, 3] and np.allclose(np.reshape(first["weights"], (3, 3)), EDGE)
    assert first["bias"] == pytest.approx(0.1)
    pooling = client.post("/api/filter", json={"layer": 2, "map": 1}).json()  # a pooled map: the convolution below
    assert pooling["made_by"] == 1 and np.allclose(np.reshape(pooling["weights"], (3, 3)), BLUR, atol=1e-4)
    deeper = client.post("/api/filter", json={"layer": 4, "map": 2}).json()
    assert deeper["made_by"] == 3 and deeper["spelling"] == "conv2x2x3" and deeper["shape"] == [2, 2, 2]
    assert np.allclose(np.reshape(deeper["weights"], (2, 2, 2)), net.weights[1][2], atol=1e-4)


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"layer": 5, "map": 0}, 400, "layer must be one of the layers with maps [1, 2, 3, 4]; got 5"),
        ({"layer": 3, "map": 3}, 400, "map must be from 0 to 2 for layer 3; got 3"),
        ({"layer": "1", "map": 0}, 400, "layer must be an integer"),
        ({"layer": 1}, 400, "map"),
    ],
)
def test_filter_refuses_a_layer_or_map_that_is_not_there_in_one_line(client, body, status, words):
    response = client.post("/api/filter", json=body)
    assert response.status_code == status and words in response.json()["error"]
    assert "\n" not in response.json()["error"]


def test_a_dense_network_has_no_maps_and_filter_says_so():
    net = Network([784, 12, 10], seed=0)
    data = data_with(digit())
    with TestClient(create_app(Explorer(net, "dense", None, None, load_data=lambda: data))) as dense:
        view = dense.get("/api/samples/0").json()
        assert "maps" not in view and "filters" not in view and len(view["layers"]) == 2
        assert dense.get("/api/model").json()["convolutional"] is False
        response = dense.post("/api/filter", json={"layer": 1, "map": 0})
        assert response.status_code == 409 and "fully connected" in response.json()["error"]


def test_a_convolutional_networks_answers_meet_their_openapi_description(net):
    app = create_app(Explorer(net, "hand-made filters", None, None, load_data=lambda: data_with(digit())))
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    grey = base64.b64encode(np.kron(digit(), np.ones((4, 4), dtype=np.uint8)).astype(np.uint8)).decode()
    requests = [
        ("GET", "/api/model", None),
        ("GET", "/api/samples/0", None),
        ("POST", "/api/predict", {"width": 112, "height": 112, "grey": grey}),
        ("POST", "/api/read", {"width": 112, "height": 112, "grey": grey}),
        ("POST", "/api/read", {"width": 112, "height": 112, "grey": grey, "maps": False}),
        ("POST", "/api/filter", {"layer": 3, "map": 1}),
        ("POST", "/api/filter", {"layer": 9, "map": 1}),
    ]
    with TestClient(app) as client:
        for method, path, body in requests:
            response = client.request(method, path, json=body)
            route = "/api/samples/{index}" if path.startswith("/api/samples/") else path
            schema[route][method].validate_response(response)


def test_the_backprop_tab_refuses_a_convolutional_network_in_one_line(client):
    for path, body in (("/api/wishes", {"index": 0, "label": 7}), ("/api/wishes/step", {"index": 0, "label": 7})):
        response = client.post(path, json=body)
        assert response.status_code == 409, response.text
        assert "convolutional" in response.json()["error"] and SPELLING in response.json()["error"]


def test_a_reading_by_a_convolutional_reader_shows_the_readers_maps(monkeypatch, net):
    import scratchnet.reading

    monkeypatch.setattr(scratchnet.reading, "load_reader", lambda: (net, {}))  # the chosen reader: the tiny one
    served = Network([784, 12, 10], seed=0)
    grey = np.kron(digit() / 255.0, np.ones((4, 4)))
    body = {"width": 112, "height": 112, "grey": base64.b64encode(np.round(grey * 255).astype(np.uint8)).decode()}
    with TestClient(create_app(Explorer(served, "dense", None, None))) as dense:
        assert "maps" not in dense.post("/api/read", json=body).json()["trace"]  # the served network's: no maps
        trace = dense.post("/api/read", json={**body, "model": "reader"}).json()["trace"]
        assert trace["maps_model"] == "reader" and [len(layer["a"]) for layer in trace["layers"]] == [12, 10]
        x = np.array(trace["input"]).reshape(28, 28)
        by_hand = relu(correlate2d(x, EDGE, mode="valid") + 0.1)
        step = trace["maps"][0]["scale"][0]
        assert np.abs(dequantised(trace["maps"][0])[:, :, 0] - by_hand).max() <= step / 2 + 6 * 0.0005
        light = dense.post("/api/read", json={**body, "model": "reader", "maps": False}).json()["trace"]
        assert light["maps_left_out"] is True and light["maps_model"] == "reader" and "maps" not in light
        deeper = dense.post("/api/filter", json={"layer": 3, "map": 2, "model": "reader"}).json()
        assert np.allclose(np.reshape(deeper["weights"], (2, 2, 2)), net.weights[1][2], atol=1e-4)
        assert dense.post("/api/filter", json={"layer": 3, "map": 2}).status_code == 409  # the served one has none
