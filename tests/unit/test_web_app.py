"""The explorer's HTTP endpoints, through Starlette's TestClient, against a model trained on real MNIST.

Expected numbers come from the model file's arrays and the book's equations computed here with NumPy
(a^1 = σ(W a^0 + b), ...), from MNIST's labels, and from the perceptron rule Σ w_j x_j > threshold.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from starlette.testclient import TestClient

from scratchnet import MNIST, TrainConfig
from scratchnet.data.images import mnistify
from scratchnet.errors import DataFormatError
from scratchnet.io import load_model
from scratchnet.web import Explorer, create_app
from scratchnet.web.app import STATIC
from scratchnet.web.validation import MAX_BODY_BYTES


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def drawing_of(image: np.ndarray, scale: int = 4) -> dict[str, Any]:
    """Return the /api/predict body for a 28×28 uint8 digit blown up `scale` times (a 112×112 drawing)."""
    grey = np.kron(image.reshape(28, 28) / 255.0, np.ones((scale, scale)))
    return {"width": grey.shape[1], "height": grey.shape[0], "pixels": [round(float(v), 3) for v in grey.ravel()]}


def wait_for_training(client: TestClient, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.get("/api/train").json()["run"]
        if not run["running"]:
            return run
        time.sleep(0.05)
    raise AssertionError("training did not finish")


# The page and its assets ---------------------------------------------------------------------


def test_index_serves_the_page_with_the_testids_and_local_assets(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for testid in ("canvas", "clear", "prediction", "network", "train-start", "truth-table", "samples-grid"):
        assert f'data-testid="{testid}"' in response.text
    for asset in re.findall(r'(?:src|href)="([^"]+)"', response.text):
        assert asset.startswith(("/static/", "/api/")), asset  # the server's own files, or its download of the model
        assert client.get(asset).status_code == 200


def test_every_response_forbids_loading_anything_from_elsewhere(client):
    for path in ("/", "/static/app.js", "/api/model", "/api/nowhere"):
        policy = client.get(path).headers["content-security-policy"]
        assert "default-src 'self'" in policy


def test_no_asset_names_an_external_url():
    # The only URL allowed is SVG's namespace name, an identifier that browsers never fetch.
    for path in (path for path in STATIC.rglob("*") if path.is_file()):
        text = path.read_text(encoding="utf-8")
        urls = set(re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'<>)]*", text))
        assert urls <= {"http://www.w3.org/2000/svg"}, (path.name, urls)


def test_model_describes_the_served_network(client, trained_model):
    info = client.get("/api/model").json()
    assert info["ready"] is True
    assert info["sizes"] == [784, 30, 10]
    assert info["parameters"] == 784 * 30 + 30 + 30 * 10 + 10
    assert info["source"] == str(trained_model)


# Draw ----------------------------------------------------------------------------------------


def test_predict_reads_test_digits_as_their_labels(client, mnist):
    images, labels = mnist.test.images[:20], mnist.test.labels[:20]
    answers = [client.post("/api/predict", json=drawing_of(image)).json()["prediction"] for image in images]
    # the ~93% fixture (trained in float64: the same on every kernel), read through mnistify, reads 17 of
    # these 20 on the SkylakeX, Haswell, Sandybridge and Nehalem kernels; other seeds read 17 to 19, so 16 is
    # the bar (one below); a 63% model reads 12.
    assert sum(int(a == y) for a, y in zip(answers, labels)) >= 16


def test_predict_layers_follow_the_equations_of_the_model_file(client, mnist, arrays):
    body = drawing_of(mnist.test.images[0])
    view = client.post("/api/predict", json=body).json()
    grey = np.asarray(body["pixels"]).reshape(112, 112)
    x = mnistify(grey).astype(np.float64)  # the same preprocessing as `scratchnet predict`
    np.testing.assert_allclose(view["input"], x, atol=1e-3)
    z1 = arrays["weights_0"] @ x + arrays["biases_0"]  # x unrounded: the page gets the input to 3 decimals
    a1 = sigmoid(z1)
    z2 = arrays["weights_1"] @ a1 + arrays["biases_1"]
    a2 = sigmoid(z2)
    np.testing.assert_allclose(view["layers"][0]["z"], z1, rtol=1e-4, atol=2e-3)
    np.testing.assert_allclose(view["layers"][0]["a"], a1, atol=2e-4)
    np.testing.assert_allclose(view["layers"][1]["a"], a2, atol=2e-4)
    np.testing.assert_allclose(view["probabilities"], a2 / a2.sum(), atol=2e-4)
    assert view["prediction"] == int(np.argmax(a2))
    assert view["blank"] is False


def test_predict_draws_the_strongest_connections_into_active_neurons(client, mnist, arrays):
    view = client.post("/api/predict", json=drawing_of(mnist.test.images[0])).json()
    assert view["edges"]
    a0 = np.asarray(view["input"])
    a1 = np.asarray(view["layers"][0]["a"])
    for edge in view["edges"]:
        W = arrays[f"weights_{edge['layer']}"]
        assert edge["weight"] == pytest.approx(W[edge["to"], edge["from"]], abs=1e-4)
        if edge["layer"] == 0:
            assert a1[edge["to"]] >= 0.5 * a1.max()
            contribution = np.abs(W[edge["to"]] * a0)
            assert contribution[edge["from"]] >= np.sort(contribution)[-4] - 1e-6  # among its 4 strongest


@pytest.mark.parametrize("level", [0.0, 1.0, 0.5])
def test_a_blank_drawing_is_not_guessed(client, level):
    response = client.post("/api/predict", json={"width": 20, "height": 20, "pixels": [level] * 400})
    assert response.status_code == 200
    assert response.json()["blank"] is True
    assert "prediction" not in response.json()


def test_neuron_shows_its_weights_bias_z_and_activation(client, mnist, arrays):
    x = mnist.test.images[3] / 255.0
    view = client.post("/api/neuron", json={"layer": 1, "index": 7, "input": x.tolist()}).json()
    W, b = arrays["weights_0"], arrays["biases_0"]
    z = W[7] @ x + b[7]
    assert view["image_side"] == 28
    np.testing.assert_allclose(view["weights"], W[7], atol=1e-4)
    assert view["bias"] == pytest.approx(b[7], abs=1e-4)
    assert view["z"] == pytest.approx(z, abs=1e-3)
    assert view["a"] == pytest.approx(sigmoid(z), abs=1e-4)


def test_an_output_neuron_has_thirty_weights_and_no_picture(client, mnist, arrays):
    x = mnist.test.images[3] / 255.0
    view = client.post("/api/neuron", json={"layer": 2, "index": 4, "input": x.tolist()}).json()
    a1 = sigmoid(arrays["weights_0"] @ x + arrays["biases_0"])
    z = arrays["weights_1"][4] @ a1 + arrays["biases_1"][4]
    assert view["image_side"] is None
    assert len(view["weights"]) == 30
    assert view["z"] == pytest.approx(z, abs=1e-3)
    without_input = client.post("/api/neuron", json={"layer": 2, "index": 4}).json()
    assert without_input["z"] is None and without_input["a"] is None


# Samples -------------------------------------------------------------------------------------


def _answers(arrays: dict[str, np.ndarray], images: np.ndarray) -> np.ndarray:
    a = images / 255.0
    for l in range(2):
        a = sigmoid(a @ arrays[f"weights_{l}"].T + arrays[f"biases_{l}"])
    return a.argmax(axis=1)


def test_samples_come_mistakes_first_with_true_labels(client, mnist, arrays):
    answers = _answers(arrays, mnist.test.images.astype(np.float64))
    wrong = int(np.sum(answers != mnist.test.labels))
    page = client.get("/api/samples", params={"offset": 0, "limit": 200}).json()
    assert page["total"] == 10_000
    assert abs(page["mistakes"] - wrong) <= 3  # float32 against float64 may flip a near tie
    samples = page["samples"]
    assert len(samples) == 200
    for sample in samples:
        i = sample["index"]
        assert sample["label"] == mnist.test.labels[i]
        assert sample["pixels"] == mnist.test.images[i].tolist()
    kinds = [s["label"] != s["prediction"] for s in samples]
    assert kinds == sorted(kinds, reverse=True)  # every mistake before every correct answer
    if wrong >= 200:
        assert all(kinds)
    confidences = [s["confidence"] for s in samples if s["label"] != s["prediction"]]
    assert confidences == sorted(confidences, reverse=True)


def test_later_samples_continue_where_the_first_page_ended(client):
    first = client.get("/api/samples?offset=0&limit=20").json()["samples"]
    second = client.get("/api/samples?offset=10&limit=20").json()["samples"]
    assert [s["index"] for s in first[10:]] == [s["index"] for s in second[:10]]


def test_one_sample_opens_in_the_draw_view(client, mnist, arrays):
    view = client.get("/api/samples/42").json()
    assert view["label"] == mnist.test.labels[42]
    np.testing.assert_allclose(view["input"], mnist.test.images[42] / 255.0, atol=1e-3)
    assert view["prediction"] == _answers(arrays, mnist.test.images[42:43].astype(np.float64))[0]


# Perceptron ----------------------------------------------------------------------------------


@pytest.mark.parametrize("threshold, goes", [(5, lambda w, p, t: w), (3, lambda w, p, t: int(w or (p and t)))])
def test_perceptron_gives_the_cheese_festival_truth_table(client, threshold, goes):
    table = client.post("/api/perceptron", json={"weights": [6, 2, 2], "threshold": threshold}).json()
    rows = table["rows"]
    assert [tuple(row["inputs"]) for row in rows] == list(itertools.product((0, 1), repeat=3))
    for row in rows:
        w, p, t = row["inputs"]
        assert row["weighted_sum"] == 6 * w + 2 * p + 2 * t
        assert row["output"] == goes(w, p, t)


def test_perceptron_output_is_one_only_above_the_threshold(client):
    rows = client.post("/api/perceptron", json={"weights": [-1.5, 0, 2.5], "threshold": 0.5}).json()["rows"]
    for row in rows:
        x1, x2, x3 = row["inputs"]
        assert row["output"] == int(-1.5 * x1 + 2.5 * x3 > 0.5)


# Training ------------------------------------------------------------------------------------


def test_training_runs_streams_its_epochs_and_replaces_the_model(client, tmp_path):
    assert client.get("/api/train").json()["run"] is None
    defaults = client.get("/api/train").json()["defaults"]
    assert defaults["layers"] == [784, 16, 16, 10] and defaults["lr"] == 3.0 and defaults["batch_size"] == 10
    started = client.post("/api/train", json={"layers": [784, 20, 10], "epochs": 2, "training_size": 2000})
    assert started.status_code == 202
    run = wait_for_training(client)
    assert run["state"] == "done"
    assert [e["epoch"] for e in run["epochs"]] == [1, 2]
    assert all(0 <= e["validation_accuracy"] <= 1 for e in run["epochs"])
    with client.stream("GET", "/api/train/events") as stream:
        text = "".join(stream.iter_text())
    events = [(m.group(1), json.loads(m.group(2))) for m in re.finditer(r"event: (\w+)\ndata: (.*)\n\n", text)]
    names = [name for name, _ in events]
    assert names.count("epoch") == 2 and names[-1] == "end" and "model" in names
    model = client.get("/api/model").json()
    assert model["sizes"] == [784, 20, 10] and model["version"] == 2
    saved, header = load_model(tmp_path / "home" / "web-model.npz")
    assert saved.sizes == [784, 20, 10] and header["complete"] is True


def test_only_one_training_at_a_time_and_stop_ends_it(client):
    assert client.post("/api/train", json={"epochs": 100, "training_size": 3000}).status_code == 202
    second = client.post("/api/train", json={"epochs": 1, "training_size": 100})
    assert second.status_code == 409
    assert "already running" in second.json()["error"]
    assert client.get("/api/model").status_code == 200  # still serving
    assert client.post("/api/train/stop").status_code == 200
    run = wait_for_training(client)
    assert run["state"] == "stopped"
    assert 1 <= len(run["epochs"]) < 100
    assert client.post("/api/train/stop").status_code == 409


def test_without_a_model_drawing_waits_for_the_first_epoch(mnist):
    explorer = Explorer(None, load_data=lambda: mnist)
    with TestClient(create_app(explorer)) as client:
        assert client.get("/api/model").json()["ready"] is False
        response = client.post("/api/predict", json=drawing_of(mnist.test.images[0]))
        assert response.status_code == 503
        assert "model" in response.json()["error"]
        assert client.get("/api/samples").status_code == 503


def test_events_of_no_training_end_at_once(client):
    text = client.get("/api/train/events").text
    assert "event: end" in text and '"idle"' in text


# Bad requests: each gets a 4xx with a JSON error, and the server keeps serving ----------------

GOOD_DRAWING = {"width": 2, "height": 2, "pixels": [0, 0.5, 1, 0]}
BAD_REQUESTS = [
    ("malformed JSON", "POST", "/api/predict", b'{"width": 2,', 400),
    ("JSON that is not an object", "POST", "/api/predict", b"[1, 2, 3]", 400),
    ("empty body", "POST", "/api/predict", b"", 400),
    ("JSON sent as a form", "POST", "/api/train", ("text/plain", b'{"epochs": 1}'), 415),
    ("no content type", "POST", "/api/predict", ("", json.dumps(GOOD_DRAWING).encode()), 415),
    ("not UTF-8", "POST", "/api/predict", b"\xff\xfe{}", 400),
    ("NaN", "POST", "/api/predict", b'{"width": 2, "height": 2, "pixels": [0, NaN, 0, 0]}', 400),
    ("infinity", "POST", "/api/predict", b'{"width": 2, "height": 2, "pixels": [0, 1e999, 0, 0]}', 400),
    ("missing field", "POST", "/api/predict", {"width": 2, "pixels": [0, 0, 0, 0]}, 400),
    ("too few pixels", "POST", "/api/predict", {"width": 2, "height": 2, "pixels": [0, 0, 0]}, 400),
    ("too many pixels", "POST", "/api/predict", {"width": 2, "height": 2, "pixels": [0] * 5}, 400),
    ("pixel above 1", "POST", "/api/predict", {"width": 2, "height": 2, "pixels": [0, 2, 0, 0]}, 400),
    ("pixel not a number", "POST", "/api/predict", {"width": 2, "height": 2, "pixels": [0, "1", 0, 0]}, 400),
    ("pixel a boolean", "POST", "/api/predict", {"width": 2, "height": 2, "pixels": [0, True, 0, 0]}, 400),
    ("pixels not a list", "POST", "/api/predict", {"width": 2, "height": 2, "pixels": "0000"}, 400),
    ("zero width", "POST", "/api/predict", {"width": 0, "height": 2, "pixels": []}, 400),
    ("huge width", "POST", "/api/predict", {"width": 100_000, "height": 1, "pixels": [0]}, 400),
    ("fractional height", "POST", "/api/predict", {"width": 2, "height": 2.5, "pixels": [0] * 4}, 400),
    ("neuron in the input layer", "POST", "/api/neuron", {"layer": 0, "index": 0}, 400),
    ("neuron past the layer", "POST", "/api/neuron", {"layer": 2, "index": 10}, 400),
    ("neuron input too short", "POST", "/api/neuron", {"layer": 1, "index": 0, "input": [0.5] * 783}, 400),
    ("neuron input negative", "POST", "/api/neuron", {"layer": 1, "index": 0, "input": [-0.5] * 784}, 400),
    ("perceptron with two weights", "POST", "/api/perceptron", {"weights": [6, 2], "threshold": 5}, 400),
    ("perceptron without threshold", "POST", "/api/perceptron", {"weights": [6, 2, 2]}, 400),
    ("perceptron threshold a string", "POST", "/api/perceptron", {"weights": [6, 2, 2], "threshold": "5"}, 400),
    ("layers with a zero", "POST", "/api/train", {"layers": [784, 0, 10]}, 400),
    ("layers not fitting MNIST", "POST", "/api/train", {"layers": [100, 10]}, 400),
    ("layers not a list", "POST", "/api/train", {"layers": "784,16,10"}, 400),
    ("zero epochs", "POST", "/api/train", {"epochs": 0}, 400),
    ("negative learning rate", "POST", "/api/train", {"lr": -1}, 400),
    ("unknown activation", "POST", "/api/train", {"activation": "banana"}, 400),
    ("unknown cost", "POST", "/api/train", {"cost": 3}, 400),
    ("more images than MNIST trains on", "POST", "/api/train", {"training_size": 60_000}, 400),
    ("unknown training field", "POST", "/api/train", {"eta": 3.0}, 400),
    ("stop with nothing running", "POST", "/api/train/stop", None, 409),
    ("negative offset", "GET", "/api/samples?offset=-1", None, 400),
    ("zero limit", "GET", "/api/samples?limit=0", None, 400),
    ("limit not a number", "GET", "/api/samples?limit=ten", None, 400),
    ("sample past the test set", "GET", "/api/samples/10000", None, 404),
    ("unknown route", "GET", "/api/nowhere", None, 404),
    ("unknown static file", "GET", "/static/missing.js", None, 404),
    ("path escaping the static folder", "GET", "/static/../app.py", None, 404),
    ("wrong method", "DELETE", "/api/model", None, 405),
    ("GET on a POST endpoint", "GET", "/api/predict", None, 405),
]


@pytest.mark.parametrize("what, method, path, body, status", BAD_REQUESTS, ids=[case[0] for case in BAD_REQUESTS])
def test_a_bad_request_gets_a_json_error_and_the_server_keeps_serving(client, what, method, path, body, status):
    if isinstance(body, tuple):  # (content type, bytes)
        response = client.request(method, path, content=body[1], headers={"content-type": body[0]})
    elif isinstance(body, bytes):
        response = client.request(method, path, content=body, headers={"content-type": "application/json"})
    else:
        response = client.request(method, path, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert isinstance(error, str) and error
    assert client.post("/api/predict", json=GOOD_DRAWING).status_code == 200


def test_an_oversized_body_is_refused_by_its_declared_length(client):
    body = b'{"pixels": [' + b"0," * (MAX_BODY_BYTES // 2) + b"0]}"
    response = client.post("/api/predict", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "too large" in response.json()["error"]
    assert client.post("/api/predict", json=GOOD_DRAWING).status_code == 200


def test_an_oversized_body_is_refused_while_streaming(client):
    def chunks() -> Iterator[bytes]:  # sent chunked, with no Content-Length to trust
        yield b'{"pixels": ['
        for _ in range(MAX_BODY_BYTES // 8192 + 2):
            yield b"0," * 4096
        yield b"0]}"

    response = client.post("/api/predict", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert client.post("/api/predict", json=GOOD_DRAWING).status_code == 200


def test_a_false_content_length_is_refused(client):
    response = client.post(
        "/api/predict", content=b"{}", headers={"content-type": "application/json", "content-length": "abc"}
    )
    assert response.status_code == 400


def test_a_training_that_fails_says_why_and_keeps_the_model(trained_model):
    def no_data() -> MNIST:
        raise DataFormatError("no MNIST here")

    net, _ = load_model(trained_model)
    explorer = Explorer(net, load_data=no_data)
    run = explorer.start_training(TrainConfig(epochs=1), 100)
    deadline = time.monotonic() + 30
    while not run.finished and time.monotonic() < deadline:
        time.sleep(0.02)
    assert run.state == "failed" and run.message == "no MNIST here"
    assert explorer.model is not None and explorer.model.version == 1


def test_the_served_model_downloads_as_onnx_that_answers_like_the_model(
    client: TestClient, trained_model: Path, mnist: MNIST
):
    import onnxruntime

    response = client.get("/api/model.onnx")
    assert response.status_code == 200
    assert 'filename="scratchnet-784-30-10.onnx"' in response.headers["content-disposition"]
    session = onnxruntime.InferenceSession(response.content, providers=["CPUExecutionProvider"])
    X = (mnist.test.images[:200].reshape(200, -1) / 255).astype(np.float32)
    (activations,) = session.run(["activations"], {"input": X})
    net, _header = load_model(trained_model)
    assert np.abs(activations - net.feedforward(X)).max() < 1e-5
    assert 'href="/api/model.onnx"' in (STATIC / "index.html").read_text()
