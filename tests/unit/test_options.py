"""The one declaration of the training settings: defaults, ranges, and the same refusal from every entry point."""

from __future__ import annotations

import math

import pytest
from starlette.testclient import TestClient

from scratchnet import ConfigError, TrainConfig, TrainOptions
from scratchnet.cli import build_parser
from scratchnet.cli.train import config_from
from scratchnet.training.config import PRESETS
from scratchnet.training.options import OFF, POSITIVE_SECONDS, NetworkShape, Optional, SomeOf, settings
from scratchnet.web.validation import RequestError, train_settings
from tests.conftest import run_cli

BAD = [
    ("epochs", 0, "epochs must be a positive integer; got 0"),
    ("epochs", 2.0, "epochs must be a positive integer; got 2.0"),
    ("epochs", True, "epochs must be a positive integer; got True"),
    ("batch_size", -3, "batch_size must be a positive integer; got -3"),
    ("lr", 0.0, "lr (η) must be a positive finite number; got 0.0"),
    ("lr", math.inf, "lr (η) must be a positive finite number; got inf"),
    ("lmbda", -0.5, "lmbda (λ) must be a finite number ≥ 0; got -0.5"),
    ("momentum", 1.0, "momentum (μ) must be a number in [0, 1); got 1.0"),
    ("dropout", -0.1, "dropout (p) must be a number in [0, 1); got -0.1"),
    ("optimizer", "rmsprop", "optimizer must be one of sgd, momentum, nesterov, adam; got 'rmsprop'"),
    ("schedule", "linear", "schedule must be one of constant, step, cosine, plateau; got 'linear'"),
    ("keep", "worst", "keep must be one of best, last; got 'worst'"),
    (
        "augment",
        ("blur",),
        "augment must be none or some of shift, rotate, scale, slant, elastic, thickness; got ('blur',)",
    ),
    ("early_stop", 0, "early_stop must be a positive integer (or None, off); got 0"),
    ("time_budget", -1, "time_budget must be a positive finite number of seconds (or None, off); got -1"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD)
def test_each_bad_setting_is_refused_with_what_was_expected_and_what_arrived(name, value, message):
    with pytest.raises(ConfigError) as caught:
        TrainOptions(**{name: value})
    assert str(caught.value) == message


def test_the_defaults_are_the_tutorials_and_values_arrive_in_one_type():
    options = TrainOptions(lr=3, augment=["shift", "shift", "elastic"])
    assert (options.epochs, options.batch_size, options.keep, options.optimizer) == (30, 10, "best", "sgd")
    assert isinstance(options.lr, float) and options.augment == ("shift", "elastic")
    assert NetworkShape().layers == (784, 16, 16, 10) and NetworkShape(layers=[784, 30, 10]).layers == (784, 30, 10)


def test_network_shape_refuses_what_no_network_can_be_built_with():
    with pytest.raises(ConfigError, match=r"layers must be two or more positive integers.*got \[784, 0, 10\]"):
        NetworkShape(layers=[784, 0, 10])
    with pytest.raises(ConfigError, match="activation .* must be one of sigmoid, tanh, relu; got 'swish'"):
        NetworkShape(activation="swish")


def test_settings_lists_every_field_with_its_default_constraint_and_help():
    listed = {item.name: item for item in settings(TrainOptions)}
    assert list(listed)[:3] == ["epochs", "batch_size", "lr"]
    assert listed["batch_size"].default == 10 and listed["batch_size"].help.startswith("m, the mini-batch size")
    assert listed["lr"].constraint.accepts(0.5) and not listed["lr"].constraint.accepts(-0.5)
    assert listed["optimizer"].constraint.choices == ("sgd", "momentum", "nesterov", "adam")
    config_fields = [item.name for item in settings(TrainConfig)]
    assert config_fields == [item.name for item in settings(NetworkShape)] + list(listed) + ["full_train", "members"]


def test_a_config_splits_into_shape_and_options_and_round_trips_through_a_dict():
    config = PRESETS["tutorial-tuned"].config
    assert config.options().optimizer == "nesterov" and config.shape().activation == "relu"
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert TrainConfig.from_dict({**config.to_dict(), "unknown": 1}) == config


def test_full_train_with_the_plateau_schedule_is_refused():
    with pytest.raises(ConfigError, match="plateau"):
        TrainConfig(full_train=True, schedule="plateau")


def test_the_command_line_switches_off_what_a_preset_has_on():
    constraint = Optional(POSITIVE_SECONDS)
    assert constraint.parse("off") is OFF and constraint.parse("None") is OFF and constraint.parse("480") == 480.0
    with pytest.raises(ValueError, match="'soon'"):
        constraint.parse("soon")
    assert PRESETS["best"].config.with_options(time_budget=OFF, teacher=OFF).time_budget is None
    parser = build_parser()
    assert config_from(parser.parse_args(["train", "--preset", "best"])).time_budget == 800.0
    assert config_from(parser.parse_args(["train", "--preset", "best", "--time-budget", "off"])).time_budget is None
    assert config_from(parser.parse_args(["train", "--preset", "tutorial-tuned", "--teacher", "none"])).teacher is None


def test_some_of_parses_the_command_lines_comma_list():
    constraint = SomeOf(("shift", "rotate", "scale", "elastic"))
    assert constraint.parse("shift,elastic") == ("shift", "elastic")
    assert constraint.parse("none") == ()
    with pytest.raises(ValueError, match="'shift,blur'"):
        constraint.parse("shift,blur")


@pytest.mark.parametrize(("name", "value", "message"), [BAD[0], BAD[3], BAD[4]])
def test_the_web_form_refuses_with_the_declarations_message(name, value, message):
    with pytest.raises(RequestError) as caught:
        train_settings({name: value}, TrainConfig())
    assert str(caught.value) == message and caught.value.status == 400


def test_the_web_form_adds_only_the_servers_own_limits():
    fields, size = train_settings({"epochs": 100, "batch_size": 1000, "training_size": 500}, TrainConfig())
    assert (fields["epochs"], fields["batch_size"], size) == (100, 1000, 500)
    with pytest.raises(RequestError, match="epochs must be at most 100 for a training on this server; got 101"):
        train_settings({"epochs": 101}, TrainConfig())


def test_the_http_answer_carries_the_declarations_message(mnist, tmp_path):
    from scratchnet.web.app import create_app
    from scratchnet.web.explorer import Explorer

    explorer = Explorer(None, "none", None, save_directory=tmp_path, load_data=lambda: mnist)
    with TestClient(create_app(explorer)) as client:
        answer = client.post("/api/train", json={"lr": 0.0})
    assert answer.status_code == 400 and answer.json() == {"error": BAD[4][2]}


def test_the_command_line_refuses_with_the_declarations_expectation(tmp_path):
    result = run_cli("train", "--momentum", "1", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith("argument --momentum: must be a number in [0, 1); got '1'")
