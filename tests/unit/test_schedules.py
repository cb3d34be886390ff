import math

import pytest

from scratchnet.errors import ConfigError
from scratchnet.training.schedules import Cosine, EarlyStopping, HalveOnPlateau, StepDecay, make_schedule


def test_constant_schedule_never_changes_eta():
    schedule = make_schedule("constant", 3.0, 30)
    assert [schedule.eta_at(t) for t in (0, 7.5, 29.9)] == [3.0, 3.0, 3.0]
    assert schedule.observe(0.5) is True


def test_step_schedule_halves_every_s_epochs():
    schedule = StepDecay(1.0, every=10)
    assert [schedule.eta_at(t) for t in (0, 9.99, 10, 19.5, 25)] == [1.0, 1.0, 0.5, 0.5, 0.25]


def test_cosine_schedule_known_points():
    schedule = Cosine(0.2, epochs=10)
    assert schedule.eta_at(0) == pytest.approx(0.2)
    assert schedule.eta_at(5) == pytest.approx(0.1)
    assert schedule.eta_at(2.5) == pytest.approx(0.1 * (1 + math.sqrt(0.5)))
    assert schedule.eta_at(10) == pytest.approx(0.0, abs=1e-15)
    assert schedule.eta_at(12) == pytest.approx(0.0, abs=1e-15)


def test_plateau_halves_after_k_stalled_epochs_and_stops_at_one_128th():
    schedule = HalveOnPlateau(1.0, patience=2)
    assert schedule.observe(0.90) and schedule.observe(0.91)
    assert schedule.eta_at(2) == 1.0
    assert schedule.observe(0.91)  # no improvement: 1 epoch waited
    assert schedule.eta_at(3) == 1.0
    assert schedule.observe(0.90)  # 2 epochs waited: halve
    assert schedule.eta_at(4) == 0.5
    assert schedule.observe(0.95)  # improvement resets the count
    assert schedule.eta_at(5) == 0.5
    # From 0.5 it takes six more halvings to reach 1/128, two stalled epochs each: 12 epochs.
    answers = [schedule.observe(0.5) for _ in range(12)]
    assert answers == [True] * 11 + [False]
    assert schedule.eta_at(17) == 1 / 128


def test_plateau_ignores_epochs_without_validation():
    schedule = HalveOnPlateau(1.0, patience=1)
    assert schedule.observe(None) and schedule.eta_at(1) == 1.0


def test_early_stopping_after_k_epochs_without_a_new_best():
    stopper = EarlyStopping(3)
    assert [stopper.observe(a) for a in (0.90, 0.95, 0.94, 0.95, 0.93)] == [True, True, True, True, False]


def test_bad_schedules_are_refused_with_the_value():
    with pytest.raises(ConfigError, match="'linear'"):
        make_schedule("linear", 1.0, 10)
    with pytest.raises(ConfigError, match="0"):
        EarlyStopping(0)
