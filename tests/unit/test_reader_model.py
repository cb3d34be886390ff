"""The shipped reader: how it was made (its header), what it reads, and what it refuses."""

from __future__ import annotations

import numpy as np

from scratchnet.data.negatives import negatives
from scratchnet.reading import READER, has_reject_class, load_reader, read_inputs
from scratchnet.training.config import PRESETS


def test_the_shipped_reader_is_small_and_stored_in_half_precision_but_loads_as_float32():
    assert READER.stat().st_size < 3_000_000
    with np.load(READER, allow_pickle=False) as archive:
        assert archive["weights_0"].dtype == np.float16
    net, header = load_reader()
    assert header["storage"] == "float16" and header["dtype"] == "float32"
    assert all(W.dtype == np.float32 for W in net.weights) and has_reject_class(net)


def test_its_header_names_the_preset_and_the_data_it_was_trained_on(mnist):
    _, header = load_reader()
    assert header["preset"] == "reader"
    preset = PRESETS["reader"].config.to_dict()
    made_by = {
        name: value for name, value in header["config"].items() if name != "training_sample"
    }  # that one only measures
    assert made_by == {name: preset[name] for name in made_by}  # made by the preset as it stands
    assert header["data"]["sha256"] == mnist.sha256
    assert header["trained_on"]["negatives"]["made_by"] == "scratchnet.data.negatives"


def test_its_mnist_test_accuracy_is_the_one_its_header_states(mnist):
    net, header = load_reader()
    correct = net.evaluate(mnist.test.images, mnist.test.labels)  # a 'not a digit' answer counts as wrong
    assert correct / len(mnist.test) == header["test_accuracy"]
    assert header["test_accuracy"] >= 0.985


def test_it_refuses_held_out_negatives_and_accepts_mnists_test_digits(mnist):
    net, _ = load_reader()
    held_out = negatives(600, [0, 2]).astype(np.float32) / 255  # seeds no training or validation picture came from
    _, _, is_digit = read_inputs(net, held_out)
    assert 1 - is_digit.mean() >= 0.85
    _, _, is_digit = read_inputs(net, mnist.test.images.astype(np.float32) / 255)
    assert 1 - is_digit.mean() <= 0.01
