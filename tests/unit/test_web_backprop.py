"""The Backprop tab's endpoints, /api/wishes and /api/wishes/step, against a 784-30-10 sigmoid network trained on
real MNIST. Expected numbers come from the model file's arrays and the book's equations written out here in
NumPy: a = σ(W a + b), δ² = (a² − y) ⊙ a²(1 − a²), δ¹ = (W²ᵀ δ²) ⊙ a¹(1 − a¹), w → w − η a δ."""

from __future__ import annotations

import numpy as np
import pytest


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def by_hand(arrays: dict[str, np.ndarray], x: np.ndarray, label: int) -> dict[str, np.ndarray]:
    """The forward and backward pass of the 784-30-10 network for one example, from the equations."""
    W1, b1, W2, b2 = arrays["weights_0"], arrays["biases_0"], arrays["weights_1"], arrays["biases_1"]
    a1 = sigmoid(W1 @ x + b1)
    a2 = sigmoid(W2 @ a1 + b2)
    y = np.eye(10)[label]
    delta2 = (a2 - y) * a2 * (1 - a2)
    delta1 = (W2.T @ delta2) * a1 * (1 - a1)
    return {"a1": a1, "a2": a2, "y": y, "delta1": delta1, "delta2": delta2, "x": x}


def test_wishes_of_a_test_digit_follow_the_equations(client, mnist, arrays):
    assert set(arrays) == {"weights_0", "biases_0", "weights_1", "biases_1"}
    index = 7
    view = client.post("/api/wishes", json={"index": index}).json()
    label = int(mnist.test.labels[index])
    hand = by_hand(arrays, mnist.test.images[index] / 255.0, label)
    assert view["label"] == label and view["index"] == index
    np.testing.assert_allclose(view["outputs"], hand["a2"], atol=1e-4)
    np.testing.assert_allclose(view["output_wishes"], hand["y"] - hand["a2"], atol=1e-5)  # quadratic cost: y − a
    hidden, output = view["layers"]
    np.testing.assert_allclose(hidden["wish"], -(arrays["weights_1"].T @ hand["delta2"]), atol=1e-5)
    np.testing.assert_allclose(hidden["bias_wish"], -hand["delta1"], atol=1e-5)
    np.testing.assert_allclose(output["bias_wish"], -hand["delta2"], atol=1e-5)
    assert view["cost"] == pytest.approx(0.5 * np.sum((hand["y"] - hand["a2"]) ** 2), abs=1e-5)
    partial = np.array(view["adding_up"]["partial"])  # the ten outputs' wishes for the hidden layer, added one by one
    assert partial.shape == (10, 30) and view["adding_up"]["layer"] == 1
    np.testing.assert_allclose(partial[0], -hand["delta2"][0] * arrays["weights_1"][0], atol=1e-5)
    np.testing.assert_allclose(partial[-1], hidden["wish"], atol=1e-5)


def test_a_clicked_neuron_shows_its_three_routes(client, mnist, arrays):
    index = 1
    label = int(mnist.test.labels[index])
    view = client.post("/api/wishes", json={"index": index, "neuron": {"layer": 2, "index": label}}).json()
    hand = by_hand(arrays, mnist.test.images[index] / 255.0, label)
    routes = view["routes"]
    delta = hand["delta2"][label]
    w = arrays["weights_1"][label]
    assert routes["wish"] == pytest.approx(-delta, rel=1e-5)
    np.testing.assert_allclose(routes["weights"], -delta * hand["a1"], atol=1e-6)  # −δ_j a_k: bright neurons' weights
    np.testing.assert_allclose(routes["activations"], -delta * w, atol=1e-6)  # −δ_j w_jk: up where w > 0
    contributions = routes["contributions"]
    assert contributions["bias"] == pytest.approx(-delta, rel=1e-4)
    assert contributions["weights"] == pytest.approx(-delta * hand["a1"] @ hand["a1"], rel=1e-4)
    assert contributions["activations"] == pytest.approx(-delta * w @ w, rel=1e-4)
    assert routes["strongest"] == max(contributions, key=lambda name: abs(contributions[name]))
    first = client.post("/api/wishes", json={"index": index, "neuron": {"layer": 1, "index": 4}}).json()["routes"]
    assert first["image_side"] == 28 and len(first["weights"]) == 784
    assert all(w == 0 for w, pixel in zip(first["weights"], mnist.test.images[index]) if pixel == 0)


def test_digit_and_nth_choose_test_digits_and_a_drawing_takes_its_stated_label(client, mnist):
    twos = np.flatnonzero(mnist.test.labels == 2)
    assert client.post("/api/wishes", json={"digit": 2}).json()["index"] == twos[0]
    assert client.post("/api/wishes", json={"digit": 2, "nth": 3}).json()["index"] == twos[3]
    x = [float(v) for v in mnist.test.images[twos[0]] / 255.0]
    drawn = client.post("/api/wishes", json={"input": x, "label": 7}).json()
    assert drawn["index"] is None and drawn["label"] == 7
    assert drawn["output_wishes"][7] > 0 and drawn["output_wishes"][2] < 0  # it wishes what it is told


def test_stepping_along_one_examples_wish_is_the_sgd_step_and_lifts_its_label(client, mnist, arrays):
    index = int(np.flatnonzero(mnist.test.labels == 2)[0])
    eta = 3.0
    step = client.post("/api/wishes/step", json={"index": index, "mode": "example", "eta": eta}).json()
    hand = by_hand(arrays, mnist.test.images[index] / 255.0, 2)
    W1 = arrays["weights_0"] - eta * np.outer(hand["delta1"], hand["x"])
    b1 = arrays["biases_0"] - eta * hand["delta1"]
    W2 = arrays["weights_1"] - eta * np.outer(hand["delta2"], hand["a1"])
    b2 = arrays["biases_1"] - eta * hand["delta2"]
    after = sigmoid(W2 @ sigmoid(W1 @ hand["x"] + b1) + b2)
    np.testing.assert_allclose(step["after"]["outputs"], after, atol=1e-4)
    assert step["after"]["outputs"][2] > step["before"]["outputs"][2]
    assert step["after"]["cost"] < step["before"]["cost"]
    assert step["m"] == 1 and step["batch"] == [{"index": index, "label": 2}]
    again = client.post("/api/wishes", json={"index": index}).json()  # the served network did not move
    np.testing.assert_allclose(again["outputs"], step["before"]["outputs"], atol=1e-4)


def test_a_mini_batch_step_follows_the_mean_of_different_digits_wishes(client, mnist, arrays):
    index = 100
    step = client.post("/api/wishes/step", json={"index": index, "mode": "batch", "m": 8, "eta": 0.5}).json()
    rows = [index + k for k in range(8)]
    assert [item["index"] for item in step["batch"]] == rows
    assert [item["label"] for item in step["batch"]] == [int(mnist.test.labels[i]) for i in rows]
    hands = [by_hand(arrays, mnist.test.images[i] / 255.0, int(mnist.test.labels[i])) for i in rows]
    np.testing.assert_allclose(step["bias_wishes"], [-h["delta2"] for h in hands], atol=1e-5)
    np.testing.assert_allclose(step["mean_bias_wish"], -np.mean([h["delta2"] for h in hands], axis=0), atol=1e-5)
    assert step["after"]["batch_cost"] < step["before"]["batch_cost"]


def untrained_arrays() -> dict[str, np.ndarray]:
    """The weights the served model's training started from: the fixture builds Network([784, 30, 10], seed=1,
    init="scaled") and trains it, and its file records that seed and initialisation."""
    from scratchnet import Network

    start = Network([784, 30, 10], seed=1, init="scaled")
    return {
        **{f"weights_{l}": W.astype(np.float64) for l, W in enumerate(start.weights)},
        **{f"biases_{l}": b.astype(np.float64) for l, b in enumerate(start.biases)},
    }


def test_the_untrained_network_is_the_served_shape_before_its_first_step_and_wishes_far_more(client, mnist, arrays):
    index = 7
    label = int(mnist.test.labels[index])
    x = mnist.test.images[index] / 255.0
    view = client.post("/api/wishes", json={"index": index, "network": "untrained"}).json()
    hand = by_hand(untrained_arrays(), x, label)
    assert view["network"] == "untrained"
    np.testing.assert_allclose(view["outputs"], hand["a2"], atol=1e-4)
    np.testing.assert_allclose(view["output_wishes"], hand["y"] - hand["a2"], atol=1e-5)
    np.testing.assert_allclose(view["layers"][0]["bias_wish"], -hand["delta1"], atol=1e-5)
    served = client.post("/api/wishes", json={"index": index, "network": "served"}).json()
    assert served["network"] == "served"
    np.testing.assert_allclose(served["outputs"], by_hand(arrays, x, label)["a2"], atol=1e-4)
    # at random, every output is about one half away from its target; trained, the answer is nearly right
    assert np.abs(view["output_wishes"]).mean() > 0.3 > 3 * np.abs(served["output_wishes"]).mean()


def test_a_step_on_the_untrained_network_starts_from_its_initial_weights(client, mnist):
    index = int(np.flatnonzero(mnist.test.labels == 2)[0])
    eta = 3.0
    step = client.post("/api/wishes/step", json={"index": index, "eta": eta, "network": "untrained"}).json()
    start = untrained_arrays()
    hand = by_hand(start, mnist.test.images[index] / 255.0, 2)
    W1 = start["weights_0"] - eta * np.outer(hand["delta1"], hand["x"])
    b1 = start["biases_0"] - eta * hand["delta1"]
    W2 = start["weights_1"] - eta * np.outer(hand["delta2"], hand["a1"])
    b2 = start["biases_1"] - eta * hand["delta2"]
    np.testing.assert_allclose(step["before"]["outputs"], hand["a2"], atol=1e-4)
    np.testing.assert_allclose(step["after"]["outputs"], sigmoid(W2 @ sigmoid(W1 @ hand["x"] + b1) + b2), atol=1e-4)
    assert step["network"] == "untrained" and step["after"]["cost"] < step["before"]["cost"]


@pytest.mark.parametrize(
    "path, body, fragment",
    [
        ("/api/wishes", {}, "field 'index' is missing"),
        ("/api/wishes", {"index": 10_000}, "index must be an integer in 0..9999"),
        ("/api/wishes", {"digit": 10}, "digit must be an integer in 0..9"),
        ("/api/wishes", {"input": [0.5] * 10, "label": 1}, "input must hold 784 numbers"),
        ("/api/wishes", {"input": [0.5] * 784, "label": 11}, "label must be an integer in 0..9"),
        ("/api/wishes", {"index": 0, "neuron": {"layer": 3, "index": 0}}, "layer must be an integer in 1..2"),
        ("/api/wishes", {"index": 0, "neuron": "2,2"}, "neuron must be an object"),
        ("/api/wishes/step", {"index": 0, "mode": "all"}, "mode must be one of example, batch"),
        ("/api/wishes/step", {"index": 0, "eta": 0}, "eta must be a finite number"),
        ("/api/wishes/step", {"index": 0, "mode": "batch", "m": 0}, "m must be an integer in 1..100"),
        ("/api/wishes/step", {"index": 0, "steps": 51}, "steps must be an integer in 1..50"),
        ("/api/wishes", {"index": 0, "network": "trained"}, 'network must be one of served, untrained; got "trained"'),
        ("/api/wishes/step", {"index": 0, "network": None}, "network must be one of served, untrained"),
    ],
)
def test_bad_requests_answer_400_with_a_message(client, path, body, fragment):
    response = client.post(path, json=body)
    assert response.status_code == 400
    assert fragment in response.json()["error"] and "\n" not in response.json()["error"]
