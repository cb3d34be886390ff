import numpy as np
import pytest

from scratchnet import ConfigError, DataFormatError, Network


def test_tutorial_network_has_13002_weights_and_biases():
    net = Network([784, 16, 16, 10])
    assert net.num_params == 784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10 == 13_002
    assert [W.shape for W in net.weights] == [(16, 784), (16, 16), (10, 16)]
    assert [b.shape for b in net.biases] == [(16,), (16,), (10,)]
    assert all(W.dtype == np.float32 for W in net.weights)


def test_2_2_1_network_computed_by_hand():
    net = Network([2, 2, 1], dtype="float64")
    net.weights[0][...] = [[1.0, -1.0], [0.5, 2.0]]
    net.biases[0][...] = [0.0, -1.0]
    net.weights[1][...] = [[2.0, -3.0]]
    net.biases[1][...] = [0.5]
    x = np.array([[1.0, 2.0]])
    s = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h1, h2 = s(1 * 1 - 1 * 2 + 0), s(0.5 * 1 + 2 * 2 - 1)
    expected = s(2 * h1 - 3 * h2 + 0.5)
    assert net.feedforward(x)[0, 0] == pytest.approx(expected, rel=1e-12)
    assert net.cost(x, np.array([[1.0]])) == pytest.approx(0.5 * (1 - expected) ** 2, rel=1e-12)


def test_same_seed_same_weights_different_seed_different_weights():
    a, b, c = Network([5, 4, 3], seed=7), Network([5, 4, 3], seed=7), Network([5, 4, 3], seed=8)
    assert all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights))
    assert not np.array_equal(a.weights[0], c.weights[0])


def test_scaled_init_shrinks_weights_by_root_n_in():
    net = Network([784, 100, 10], init="scaled", dtype="float64")
    assert net.weights[0].std() == pytest.approx(1 / np.sqrt(784), rel=0.05)


def test_uint8_inputs_are_scaled_to_unit_interval():
    net = Network([3, 2], dtype="float64")
    raw = np.array([[0, 128, 255]], dtype=np.uint8)
    np.testing.assert_allclose(net.feedforward(raw), net.feedforward(raw / 255.0))


@pytest.mark.parametrize("sizes", [[784], [784, 0, 10], [784, -3, 10], [784, 2.5, 10], "abc"])
def test_bad_sizes_are_refused_with_the_value(sizes):
    with pytest.raises(ConfigError, match="sizes must be two or more positive integers"):
        Network(sizes)


@pytest.mark.parametrize(
    "option", [{"activation": "swish"}, {"cost": "hinge"}, {"dtype": "float16"}, {"init": "zeros"}]
)
def test_unknown_names_are_refused(option):
    with pytest.raises(ConfigError, match="must be one of"):
        Network([3, 2], **option)


def test_wrong_input_width_is_refused():
    with pytest.raises(DataFormatError, match=r"shape \(n, 784\)"):
        Network([784, 10]).feedforward(np.zeros((2, 783)))


def test_predict_picks_the_brightest_output():
    net = Network([2, 3], dtype="float64")
    net.weights[0][...] = 0
    net.biases[0][...] = [0.0, 5.0, -1.0]
    assert net.predict(np.zeros((4, 2))).tolist() == [1, 1, 1, 1]
    assert net.evaluate(np.zeros((4, 2)), np.array([1, 1, 0, 2])) == 2


def test_probabilities_sum_to_one():
    net = Network([4, 3, 5])
    p = net.probabilities(np.random.default_rng(0).random((6, 4)))
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)
