"""Model files: atomic writes, the header, and refusal of anything that is not a model."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from scratchnet import ModelFileError, Network
from scratchnet.io import load_model, save_model, write_atomically


def test_model_file_opens_with_plain_numpy_without_pickle(tmp_path):
    net = Network([784, 16, 16, 10])
    save_model(tmp_path / "m.npz", net, {"test_accuracy": 0.9})
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:
        header = json.loads(str(archive["header"]))
        assert header["sizes"] == [784, 16, 16, 10] and header["format_version"] == 1
        assert header["test_accuracy"] == 0.9 and header["scratchnet_version"]
        np.testing.assert_array_equal(archive["weights_0"], net.weights[0])
        np.testing.assert_array_equal(archive["biases_2"], net.biases[2])


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "m.npz"
    target.write_bytes(b"old")

    def explode(file):
        file.write(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomically(target, explode)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def rewrite(path, mutate):
    """Rewrite the npz at path after mutate(dict of arrays)."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    mutate(arrays)
    np.savez(path, **arrays)


def header_set(key, value):
    def mutate(arrays):
        header = json.loads(str(arrays["header"]))
        header[key] = value
        arrays["header"] = np.array(json.dumps(header))
    return mutate


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: p.write_bytes(b""), "not a scratchnet model"),
        (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "not a scratchnet model"),
        (lambda p: p.write_bytes(np.random.default_rng(0).bytes(500)), "not a scratchnet model"),
        (lambda p: rewrite(p, lambda a: a.pop("header")), "no header"),
        (lambda p: rewrite(p, lambda a: a.update(header=np.array("{nope"))), "not valid JSON"),
        (lambda p: rewrite(p, header_set("format", "other")), "not a scratchnet model"),
        (lambda p: rewrite(p, header_set("format_version", 99)), "format version 99"),
        (lambda p: rewrite(p, header_set("sizes", [784, 0])), "does not describe a network"),
        (lambda p: rewrite(p, header_set("activation", "swish")), "does not describe a network"),
        (lambda p: rewrite(p, lambda a: a.pop("weights_1")), "weights_1 is missing"),
        (lambda p: rewrite(p, lambda a: a.update(weights_0=np.zeros((3, 3), np.float32))), "shape"),
        (lambda p: rewrite(p, lambda a: a.update(biases_0=np.full(4, np.nan, np.float32))), "NaN"),
    ],
)
def test_damaged_model_files_are_refused_with_a_clear_message(tmp_path, damage, message):
    path = tmp_path / "m.npz"
    save_model(path, Network([5, 4, 3]))
    damage(path)
    with pytest.raises(ModelFileError, match=message):
        load_model(path)


def test_missing_model_and_pickled_object_arrays_are_refused(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "absent.npz")
    path = tmp_path / "pickled.npz"
    np.savez(path, header=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ModelFileError):
        load_model(path)
    assert zipfile.is_zipfile(path)
