import numpy as np
import pytest

from scratchnet.errors import ConfigError
from scratchnet.training.optimizers import SGD, Adam, Momentum, Nesterov, make_optimizer


def test_sgd_step_is_w_minus_eta_gradient():
    w = np.array([1.0, -2.0])
    SGD(0.1).step([w], [np.array([0.5, -1.0])])
    assert w == pytest.approx([1.0 - 0.05, -2.0 + 0.1])


def test_momentum_two_steps_by_hand():
    # v1 = 0.9·0 − 0.1·1 = −0.1, w1 = 0.9;  v2 = 0.9·(−0.1) − 0.1·1 = −0.19, w2 = 0.71
    w = np.array([1.0])
    rule = Momentum(0.1, mu=0.9)
    rule.step([w], [np.array([1.0])])
    assert w == pytest.approx([0.9])
    rule.step([w], [np.array([1.0])])
    assert w == pytest.approx([0.71])


def test_momentum_with_mu_zero_is_plain_sgd():
    w, u = np.array([3.0, 1.0]), np.array([3.0, 1.0])
    rule, plain = Momentum(0.2, mu=0.0), SGD(0.2)
    for g in ([1.0, 2.0], [-0.5, 4.0]):
        rule.step([w], [np.array(g)])
        plain.step([u], [np.array(g)])
    assert w == pytest.approx(u)


def test_nesterov_matches_the_look_ahead_formula_on_a_quadratic_bowl():
    # C(w) = ½ a w², ∇C(w) = a w. The textbook rule: v → μ v − η ∇C(w + μ v), w → w + v.
    a, eta, mu = 3.0, 0.05, 0.9
    w, v = 2.0, 0.0
    stored = np.array([w])  # the optimizer keeps the look-ahead point w̃ = w + μ v
    rule = Nesterov(eta, mu)
    for _ in range(6):
        v = mu * v - eta * a * (w + mu * v)
        w = w + v
        rule.step([stored], [a * stored])
        assert stored[0] == pytest.approx(w + mu * v, rel=1e-12)


def test_nesterov_first_steps_by_hand():
    # gradient 1 each step: w̃1 = 1 − 1.9·0.1 = 0.81; w̃2 = 0.81 + 0.9·0.1 + 1.9·(−0.19) = 0.539
    w = np.array([1.0])
    rule = Nesterov(0.1, 0.9)
    rule.step([w], [np.array([1.0])])
    assert w == pytest.approx([0.81])
    rule.step([w], [np.array([1.0])])
    assert w == pytest.approx([0.539])


def test_adam_two_steps_by_hand():
    eta, b1, b2 = 0.01, 0.9, 0.999
    w = np.array([1.0])
    rule = Adam(eta, b1, b2, epsilon=0.0)
    rule.step([w], [np.array([2.0])])
    # m̂ = g, ŝ = g², so the first step is η·sign(g)
    assert w == pytest.approx([0.99], rel=1e-12)
    rule.step([w], [np.array([-1.0])])
    m = 0.9 * 0.2 + 0.1 * -1.0  # 0.08
    s = 0.999 * 0.004 + 0.001 * 1.0  # 0.004996
    expected = 0.99 - eta * (m / (1 - 0.9**2)) / np.sqrt(s / (1 - 0.999**2))
    assert w == pytest.approx([expected], rel=1e-12)
    assert expected == pytest.approx(0.9873367, abs=1e-7)


def test_optimizers_update_several_arrays_in_place():
    W, b = np.ones((2, 3)), np.ones(2)
    rule = make_optimizer("momentum", 0.5, 0.5)
    rule.step([W, b], [np.ones((2, 3)), 2 * np.ones(2)])
    assert pytest.approx(np.full((2, 3), 0.5)) == W
    assert b == pytest.approx(np.zeros(2))


def test_unknown_optimizer_is_refused_by_name():
    with pytest.raises(ConfigError, match="'rmsprop'"):
        make_optimizer("rmsprop", 0.1)
