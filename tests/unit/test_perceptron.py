import itertools

import pytest

from scratchnet import Perceptron
from scratchnet.errors import ConfigError, DataFormatError
from scratchnet.tutorial.perceptron import (
    CHEESE_FESTIVAL_INPUTS,
    LOGIC_GATES,
    TWO_BIT_INPUTS,
    SigmoidNeuron,
    add_bits,
    cheese_festival,
    learn,
    linear_approximation,
    nand_perceptron,
    perceptron_jump,
    truth_table,
)

ALL_THREE = list(itertools.product((0, 1), repeat=3))


def test_cheese_festival_inputs_are_named():
    assert CHEESE_FESTIVAL_INPUTS == ("weather", "partner", "transit")


def test_threshold_5_goes_exactly_when_the_weather_is_good():
    table = truth_table(cheese_festival(threshold=5))
    assert [x for x, _ in table] == ALL_THREE  # binary counting order
    assert [go for _, go in table] == [weather for weather, _, _ in ALL_THREE]


def test_threshold_3_goes_for_good_weather_or_partner_and_transit():
    table = truth_table(Perceptron([6, 2, 2], threshold=3))
    assert [go for _, go in table] == [int(w or (p and t)) for w, p, t in ALL_THREE]


def test_bias_is_minus_threshold_and_both_forms_agree():
    by_threshold, by_bias = Perceptron([6, 2, 2], threshold=5), Perceptron([6, 2, 2], bias=-5)
    assert by_threshold.bias == -5 and by_bias.threshold == 5
    assert truth_table(by_threshold) == truth_table(by_bias)
    assert by_threshold.weights == (6.0, 2.0, 2.0)


def test_output_is_a_step_of_the_weighted_input():
    p = Perceptron([1.0, 1.0], bias=-1.0)
    assert p.output((0.5, 0.5)) == 0  # z = 0 exactly: the book's ≤ 0 gives 0
    assert p.output((0.5, 0.51)) == 1
    assert isinstance(p.output((1, 1)), int)


def test_nand_perceptron_is_nand():
    nand = nand_perceptron()
    assert nand.weights == (-2.0, -2.0) and nand.bias == 3.0
    assert truth_table(nand) == [((0, 0), 1), ((0, 1), 1), ((1, 0), 1), ((1, 1), 0)]


@pytest.mark.parametrize("x1, x2", TWO_BIT_INPUTS)
def test_nand_network_adds_two_bits(x1, x2):
    sum_bit, carry = add_bits(x1, x2)
    assert 2 * carry + sum_bit == x1 + x2


@pytest.mark.parametrize("gate", ["and", "or", "nand"])
def test_rosenblatt_rule_converges_on_separable_gates(gate):
    result = learn(TWO_BIT_INPUTS, LOGIC_GATES[gate], max_epochs=100)
    assert result.converged and result.epochs < 100 and result.mistakes[-1] == 0
    assert [out for _, out in truth_table(result.perceptron)] == list(LOGIC_GATES[gate])


def test_rosenblatt_rule_reports_xor_as_not_converged():
    result = learn(TWO_BIT_INPUTS, (0, 1, 1, 0), max_epochs=50)
    assert not result.converged and result.epochs == 50 and len(result.mistakes) == 50
    assert min(result.mistakes) > 0
    assert [out for _, out in truth_table(result.perceptron)] != [0, 1, 1, 0]


def test_bad_perceptrons_are_refused_naming_the_value():
    with pytest.raises(ConfigError, match="exactly one"):
        Perceptron([1, 2])
    with pytest.raises(ConfigError, match="exactly one"):
        Perceptron([1, 2], threshold=1, bias=-1)
    with pytest.raises(ConfigError, match="nan"):
        Perceptron([1, float("nan")], bias=0)
    with pytest.raises(ConfigError, match="at least one"):
        Perceptron([], bias=0)
    with pytest.raises(DataFormatError, match="needs 2 inputs; got 3"):
        Perceptron([1, 2], bias=0).output((1, 0, 1))
    with pytest.raises(DataFormatError):
        learn(TWO_BIT_INPUTS, (0, 1, 2, 0))


def test_sigmoid_neuron_output_and_gradient():
    neuron = SigmoidNeuron([2.0, -1.0], bias=0.5)
    assert neuron.output((0.0, 0.0)) == pytest.approx(1 / (1 + 2.718281828459045**-0.5))
    x, eps = (0.3, 0.8), 1e-6
    grad_w, grad_b = neuron.gradient(x)
    numeric_b = (
        SigmoidNeuron([2.0, -1.0], bias=0.5 + eps).output(x) - SigmoidNeuron([2.0, -1.0], bias=0.5 - eps).output(x)
    ) / (2 * eps)
    assert grad_b == pytest.approx(numeric_b, rel=1e-7)
    numeric_w0 = (
        SigmoidNeuron([2.0 + eps, -1.0], bias=0.5).output(x) - SigmoidNeuron([2.0 - eps, -1.0], bias=0.5).output(x)
    ) / (2 * eps)
    assert grad_w[0] == pytest.approx(numeric_w0, rel=1e-7)


def test_linear_approximation_error_falls_fourfold_when_the_change_halves():
    neuron = SigmoidNeuron([0.7, -1.2, 0.4], bias=0.1)
    steps = linear_approximation(neuron, (1.0, 0.5, 0.8), (0.3, 0.2, -0.4), 0.25, scales=[0.2 / 2**k for k in range(6)])
    for big, small in zip(steps, steps[1:]):
        assert small.error > 0
        assert big.error / small.error == pytest.approx(4.0, rel=0.1)
        # the true change itself halves (it is linear to first order)
        assert big.true_change / small.true_change == pytest.approx(2.0, rel=0.05)
    assert steps[-1].error < 1e-3 * abs(steps[-1].true_change)


def test_a_perceptron_jumps_where_a_sigmoid_neuron_moves_a_little():
    p = Perceptron([1.0, 1.0], bias=-1.0)
    assert perceptron_jump(p, (0.5, 0.5), 1e-9) == (0, 1)
    s = SigmoidNeuron([1.0, 1.0], bias=-1.0)
    change = SigmoidNeuron([1.0, 1.0], bias=-1.0 + 1e-3).output((0.5, 0.5)) - s.output((0.5, 0.5))
    assert change == pytest.approx(0.25e-3, rel=1e-3)  # σ'(0) = 1/4
