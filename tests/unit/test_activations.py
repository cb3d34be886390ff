import numpy as np
import pytest

from scratchnet.core.activations import ACTIVATIONS, Softmax


def test_sigmoid_of_zero_is_one_half():
    assert ACTIVATIONS["sigmoid"](np.array([0.0]))[0] == 0.5


def test_sigmoid_matches_its_formula_and_never_overflows():
    z = np.array([-800.0, -5.0, 0.3, 5.0, 800.0])
    with np.errstate(over="ignore"):
        expected = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"](z), expected, rtol=1e-12)
    assert np.all(np.isfinite(ACTIVATIONS["sigmoid"](np.array([-1e5, 1e5], dtype=np.float32))))


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_prime_matches_central_differences(name):
    sigma = ACTIVATIONS[name]
    z = np.array([-2.0, -0.7, 0.4, 1.3, 3.0])
    eps = 1e-6
    numeric = (sigma(z + eps) - sigma(z - eps)) / (2 * eps)
    np.testing.assert_allclose(sigma.prime(z), numeric, rtol=1e-6)
    np.testing.assert_allclose(sigma.prime_from_output(sigma(z)), sigma.prime(z), rtol=1e-12)


def test_relu_and_tanh_known_values():
    np.testing.assert_array_equal(ACTIVATIONS["relu"](np.array([-1.0, 0.0, 2.5])), [0.0, 0.0, 2.5])
    np.testing.assert_allclose(ACTIVATIONS["tanh"](np.array([np.log(2.0)])), [0.6])  # (2 − 1/2)/(2 + 1/2)


def test_softmax_rows_sum_to_one_and_survive_large_inputs():
    a = Softmax()(np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]]))
    np.testing.assert_allclose(a, [[0.5, 0.5], [0.25, 0.75]])
