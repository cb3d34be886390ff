"""The numbers behind the tutorial's figures, checked against calculus and counting."""

import numpy as np
import pytest

from scratchnet import Network
from scratchnet.errors import ConfigError, ModelFileError
from scratchnet.io import load_model
from scratchnet.tutorial import explain


@pytest.fixture(scope="module")
def trained(cli_trained_model):
    return load_model(cli_trained_model)


def test_valleys_gradient_matches_central_differences(rng):
    v, eps = rng.uniform(-2, 2, size=(20, 2)), 1e-6
    numeric = np.stack(
        [
            (explain.valleys(v[:, 0] + eps, v[:, 1]) - explain.valleys(v[:, 0] - eps, v[:, 1])) / (2 * eps),
            (explain.valleys(v[:, 0], v[:, 1] + eps) - explain.valleys(v[:, 0], v[:, 1] - eps)) / (2 * eps),
        ],
        axis=1,
    )
    np.testing.assert_allclose(explain.valleys_gradient(v), numeric, rtol=1e-6, atol=1e-8)


def test_descent_rolls_downhill_into_different_valleys():
    t1, t2 = explain.VALLEY_TILT
    # the valleys' floors: roots of 4v³ − 4v + t = 0 with positive curvature 12v² − 4 > 0
    floors = [
        sorted(r.real for r in np.roots([4, 0, -4, t]) if abs(r.imag) < 1e-12 and 12 * r.real**2 > 4) for t in (t1, t2)
    ]
    ends = set()
    for start in explain.DESCENT_STARTS:
        path = explain.descend(start)
        costs = explain.valleys(path[:, 0], path[:, 1])
        assert np.all(np.diff(costs) <= 1e-12)  # η small enough: every step goes down
        v1, v2 = path[-1]
        assert min(abs(v1 - f) for f in floors[0]) < 1e-6 and min(abs(v2 - f) for f in floors[1]) < 1e-6
        ends.add((round(v1, 3), round(v2, 3)))
    assert len(ends) == 4  # the starts reach all four valleys: where a ball ends depends on where it starts
    deepest = min(ends, key=lambda e: explain.valleys(*e))
    assert deepest == (round(min(floors[0]), 3), round(min(floors[1]), 3))


def test_full_batch_descent_walks_straight_and_sgd_staggers(mnist):
    paths = explain.descent_paths(mnist.train.images[:300], mnist.train.labels[:300], steps=40)
    assert paths.full_batch_costs[0] == paths.sgd_costs[0]  # the same start
    assert np.all(np.diff(paths.full_batch_costs) <= 0)  # the exact gradient always goes down
    assert np.any(np.diff(paths.sgd_costs) > 0)  # the noisy one sometimes goes up
    assert (
        paths.full_batch_costs[-1] < 0.6 * paths.full_batch_costs[0] and paths.sgd_costs[-1] < 0.6 * paths.sgd_costs[0]
    )

    def wander(path):
        return paths.path_length(path) / np.linalg.norm(path[-1] - path[0])

    assert wander(paths.sgd_path) > wander(paths.full_batch_path) >= 1.0
    assert paths.full_batch_path.shape == paths.sgd_path.shape == (41, 2)


@pytest.mark.parametrize("cost", ["quadratic", "log-likelihood"])
def test_input_gradient_matches_central_differences(rng, cost):
    net = Network([6, 5, 4, 3], cost=cost, seed=3, dtype="float64")
    X, eps = rng.random((2, 6)), 1e-6
    for j in range(3):
        a, g = explain.input_gradient(net, X, j)
        np.testing.assert_allclose(a, net.feedforward(X)[:, j])
        for k in range(6):
            step = np.zeros(6)
            step[k] = eps
            numeric = (net.feedforward(X + step)[:, j] - net.feedforward(X - step)[:, j]) / (2 * eps)
            np.testing.assert_allclose(g[:, k], numeric, rtol=1e-6, atol=1e-10)


def test_every_dream_makes_its_output_sure_and_looks_nothing_like_a_digit(trained, mnist):
    net, _ = trained
    for digit in range(10):
        d = explain.dream(net, digit)
        assert d.image.shape == (784,) and d.image.min() >= 0.0 and d.image.max() <= 1.0
        np.testing.assert_allclose(d.outputs, net.feedforward(d.image[None, :])[0], atol=1e-6)
        assert d.activation > 0.99
        assert d.outputs.argmax() == digit
        # a real digit resembles its class's average picture far more than the dream does
        average = mnist.train.images[mnist.train.labels == digit].mean(axis=0)
        real = mnist.test.images[mnist.test.labels == digit][:50].astype(float)
        real_likeness = np.mean([np.corrcoef(average, r)[0, 1] for r in real])
        assert np.corrcoef(average, d.image)[0, 1] < real_likeness


def test_noise_gets_confident_answers(trained, mnist):
    net, _ = trained
    report = explain.noise_confidences(net, mnist.test.images[:2000], count=500)
    assert report.noise.shape == (500, 784) and report.noise.min() >= 0 and report.noise.max() <= 1
    probabilities = net.probabilities(report.noise)
    np.testing.assert_array_equal(report.answers, probabilities.argmax(axis=1))
    assert np.all(
        (report.noise_confidences >= 0.1 - 1e-6) & (report.noise_confidences <= 1 + 1e-6)
    )  # top of ten ≥ 1/10
    assert report.mean_noise_confidence > 0.5  # five times a uniform guess, about nothing
    assert report.mean_digit_confidence > report.mean_noise_confidence


def test_gradient_importance_is_a_k_delta_j_normalised_per_layer(trained, mnist):
    net, _ = trained
    index = explain.first_example_of(mnist.train.labels, 2)
    assert mnist.train.labels[index] == 2 and np.all(mnist.train.labels[:index] != 2)
    x = mnist.train.images[index] / 255.0
    raw, normalised = explain.gradient_importance(net, x, 2)
    for magnitude, scaled in zip(raw, normalised):
        assert scaled.max() == pytest.approx(1.0) and scaled.min() >= 0
        np.testing.assert_allclose(scaled, magnitude / magnitude.max())
    assert np.all(raw[0][:, x == 0] == 0)  # (BP4): ∂C/∂w_jk = a_k δ_j, zero from black pixels
    # against finite differences of the single example's cost, in float64
    net64 = Network(net.sizes, seed=0, dtype="float64")
    net64.set_parameters(net.weights, net.biases)
    y = np.eye(10)[[2]]
    raw64, _ = explain.gradient_importance(net64, x, 2)
    eps = 1e-6
    for l, (j, k) in [(0, (int(raw64[0].sum(axis=1).argmax()), int(x.argmax()))), (1, (2, 3))]:
        W = net64.weights[l]
        W[j, k] += eps
        up = net64.cost(x[None, :], y)
        W[j, k] -= 2 * eps
        down = net64.cost(x[None, :], y)
        W[j, k] += eps
        assert raw64[l][j, k] == pytest.approx(abs(up - down) / (2 * eps), rel=1e-5, abs=1e-12)


def test_confusion_matrix_and_mistakes_count_the_test_set(trained, mnist):
    net, _ = trained
    X, labels = mnist.test.images, mnist.test.labels
    correct = net.evaluate(X, labels)
    matrix = explain.confusion_matrix(labels, net.predict(X))
    assert matrix.sum() == len(X) and np.trace(matrix) == correct
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(labels, minlength=10))
    found = explain.mistakes(net, X, labels)
    assert len(found.indices) == len(X) - correct
    assert np.all(net.predict(X[found.indices]) != labels[found.indices])
    np.testing.assert_array_equal(found.answers, net.predict(X[found.indices]))
    assert np.all(np.diff(found.confidences) <= 0)


def test_learning_curves_read_the_stored_history(trained):
    _, header = trained
    curves = explain.learning_curves(header)
    assert curves["epoch"] == [1, 2]
    assert all(0 < a <= 1 for a in curves["validation_accuracy"])
    assert curves["training_cost"] == [r["training_cost"] for r in header["history"]["epochs"]]
    with pytest.raises(ModelFileError, match="no per-epoch history"):
        explain.learning_curves({"sizes": [784, 10]})


def test_bad_requests_are_refused(trained):
    net, _ = trained
    with pytest.raises(ConfigError, match="got 10"):
        explain.dream(net, 10)
    with pytest.raises(ConfigError):
        explain.descend((0, 0), eta=0)
