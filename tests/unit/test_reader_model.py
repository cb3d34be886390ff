"""The shipped reader: a committee of two shipped models, how each was made (its header), what they read, and
what they refuse."""

from __future__ import annotations

import numpy as np

from scratchnet.data.negatives import negatives
from scratchnet.reading import READER, READER_CONV, VIEWS, has_reject_class, load_reader, read_inputs
from scratchnet.training.config import PRESETS


def test_the_shipped_reader_is_small_and_stored_in_half_precision_but_loads_as_float32():
    assert READER.stat().st_size + READER_CONV.stat().st_size < 2_000_000  # issue 21: at most 2 MB
    for path in (READER, READER_CONV):
        with np.load(path, allow_pickle=False) as archive:
            assert archive["weights_0"].dtype == np.float16
    reader, header = load_reader()
    assert [h["storage"] for h in header["members"]] == ["float16", "float16"]
    assert all(W.dtype == np.float32 for net in reader.members for W in net.weights) and has_reject_class(reader)


def test_each_members_header_names_its_preset_and_the_data_it_was_trained_on(mnist):
    _, header = load_reader()
    assert [h["preset"] for h in header["members"]] == ["reader", "reader-conv"]
    for made in header["members"]:
        preset = PRESETS[made["preset"]].config.to_dict()
        made_by = {  # training_sample only measures; threads say how many cores computed it, not what was learnt
            name: value for name, value in made["config"].items() if name not in ("training_sample", "threads")
        }
        assert made_by == {name: preset[name] for name in made_by}  # made by the preset as it stands
        assert made["data"]["sha256"] == mnist.sha256
        assert made["trained_on"]["negatives"]["made_by"] == "scratchnet.data.negatives"


def test_each_members_mnist_test_accuracy_is_the_one_its_header_states(mnist):
    reader, header = load_reader()
    for net, made in zip(reader.members, header["members"]):
        correct = net.evaluate(mnist.test.images, mnist.test.labels)  # a 'not a digit' answer counts as wrong
        assert correct / len(mnist.test) == made["test_accuracy"]
    assert reader.evaluate(mnist.test.images, mnist.test.labels) / len(mnist.test) >= 0.985


def test_it_refuses_held_out_negatives_and_accepts_mnists_test_digits(mnist):
    net, _ = load_reader()
    held_out = negatives(600, [0, 2]).astype(np.float32) / 255  # seeds no training or validation picture came from
    _, _, is_digit = read_inputs(net, held_out)
    assert 1 - is_digit.mean() >= 0.85
    _, _, is_digit = read_inputs(net, mnist.test.images.astype(np.float32) / 255)
    assert 1 - is_digit.mean() <= 0.01


def test_it_reads_each_character_as_boxed_and_moved_one_pixel_each_way(mnist):
    """P(j | x) = (1/10) Σ_v (P_dense(j | T_v x) + P_conv(j | T_v x)), the five views made here by hand."""
    reader, _ = load_reader()
    X = mnist.test.images[:30].astype(np.float32) / 255
    padded = np.pad(X.reshape(30, 28, 28), ((0, 0), (1, 1), (1, 1)))
    views = [padded[:, 1 - down : 29 - down, 1 - right : 29 - right].reshape(30, 784) for down, right in VIEWS]
    assert sorted(VIEWS) == [(-1, 0), (0, -1), (0, 0), (0, 1), (1, 0)]
    expected = sum(net.probabilities(view) for net in reader.members for view in views) / 10
    np.testing.assert_allclose(reader.probabilities(X), expected, rtol=1e-5, atol=1e-7)
