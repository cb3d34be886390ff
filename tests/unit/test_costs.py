import numpy as np
import pytest

from scratchnet.core.costs import COSTS


def test_quadratic_cost_is_half_mean_squared_distance():
    a = np.array([[0.2, 0.8], [1.0, 0.0]])
    y = np.array([[0.0, 1.0], [0.0, 1.0]])
    assert COSTS["quadratic"].value(a, y) == pytest.approx((0.5 * (0.04 + 0.04) + 0.5 * 2) / 2)


def test_cross_entropy_known_value_and_zero_at_perfect_output():
    a = np.array([[0.5, 0.25]])
    y = np.array([[1.0, 0.0]])
    assert COSTS["cross-entropy"].value(a, y) == pytest.approx(-np.log(0.5) - np.log(0.75))
    assert COSTS["cross-entropy"].value(y, y) == pytest.approx(0.0)


def test_log_likelihood_is_minus_log_of_true_class():
    a = np.array([[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]])
    y = np.array([[0, 1, 0], [1, 0, 0]], dtype=float)
    assert COSTS["log-likelihood"].value(a, y) == pytest.approx(-(np.log(0.7) + np.log(0.5)) / 2)
