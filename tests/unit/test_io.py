"""Model files: atomic writes, the header, and refusal of anything that is not a model."""

from __future__ import annotations

import json
import os
import stat
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


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_written_file_gets_the_permissions_open_would_give_it(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        target = write_atomically(tmp_path / "m.npz", lambda file: file.write(b"data"))
    finally:
        os.umask(previous)
    assert stat.S_IMODE(target.stat().st_mode) == mode


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


def replace_member(path, name, data=None, compress_type=None):
    """Rewrite the zip at path with member `name`'s bytes (and/or its compression method) replaced."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, content in members:
            if info.filename == name:
                content = content if data is None else data
                if compress_type is not None:
                    info.compress_type = compress_type
            archive.writestr(info, content)


def npy_bytes(header_text: str) -> bytes:
    """Return a version-1.0 .npy member whose header is header_text (padded as numpy pads it)."""
    header = header_text.encode("latin1")
    header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + bytes(8)


@pytest.mark.parametrize(
    "member, message",
    [
        # numpy re-reads a header that is no Python literal with tokenize, which raises TokenError at an open bracket
        (npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,"), "biases_0 is damaged"),
        # a header that parses only with numpy's Python-2 fallback: a damaged file (numpy would only warn)
        (npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4L,), }"), "biases_0 is damaged"),
        (b"no npy magic here", "biases_0 is not a NumPy array"),
        # a dtype numpy reads as a comma string, whose repeat count goes through ast.literal_eval: SyntaxError
        (npy_bytes("{'descr': '(,)i4', 'fortran_order': False, 'shape': (4,), }"), "biases_0 is damaged"),
    ],
    ids=["tokenize-error", "python-2-header", "no-npy-magic", "comma-string-dtype"],
)
def test_a_damaged_array_header_is_refused_as_a_damaged_model(tmp_path, member, message):
    path = tmp_path / "m.npz"
    save_model(path, Network([5, 4, 3]))
    replace_member(path, "biases_0.npy", member)
    with pytest.raises(ModelFileError, match=message):
        load_model(path)


def test_a_member_in_a_compression_method_zipfile_cannot_read_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    save_model(path, Network([5, 4, 3]))
    data = bytearray(path.read_bytes())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:  # each central-directory entry
        data[start + 10 : start + 12] = (99).to_bytes(2, "little")  # method 99 (AES): zipfile cannot read it
        start += 4
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="compression method 99"):
        load_model(path)


def test_a_directory_entry_needing_a_newer_zip_version_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    save_model(path, Network([5, 4, 3]))
    data = bytearray(path.read_bytes())
    entry = data.find(b"PK\x01\x02")
    data[entry + 6 : entry + 8] = (109).to_bytes(
        2, "little"
    )  # "version needed to extract": 10.9, zipfile reads up to 6.3
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="zip file version 10.9"):
        load_model(path)


def test_a_deflated_model_with_a_damaged_stream_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    net = Network([5, 4, 3])
    save_model(path, net)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    np.savez_compressed(path, **arrays)
    assert load_model(path)[0].sizes == [5, 4, 3]  # deflated model files load
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("weights_0.npy")
    local = info.header_offset  # the local header: 30 bytes, then its own name and extra field
    start = (
        local
        + 30
        + int.from_bytes(data[local + 26 : local + 28], "little")
        + int.from_bytes(data[local + 28 : local + 30], "little")
    )
    data[start : start + 8] = b"\xff" * 8  # an invalid deflate block type
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="weights_0"):
        load_model(path)


def push_member_past_the_end(path, name):
    """Damage the zip at path so member `name`'s local header claims 16 KiB more of extra field: its data then
    starts beyond the end of the file."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
    data[local + 29] |= 0x40  # the high byte of the local header's extra-field length
    path.write_bytes(bytes(data))


def test_a_member_whose_data_runs_past_the_end_of_the_file_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    save_model(path, Network([5, 4, 3]))
    push_member_past_the_end(path, "weights_1.npy")
    with pytest.raises(ModelFileError, match="weights_1"):
        load_model(path)


def test_a_checkpoint_whose_state_runs_past_the_end_of_the_file_is_refused(tmp_path):
    from scratchnet import TrainOptions, fit
    from scratchnet.io import load_checkpoint, save_checkpoint
    from scratchnet.training.callbacks import Checkpoint

    path = tmp_path / "c.ckpt"
    X, y = np.random.default_rng(0).random((20, 4)), np.arange(20) % 2
    fit(
        Network([4, 3, 2], seed=1),
        X,
        y,
        TrainOptions(epochs=1, batch_size=10, optimizer="momentum"),
        callbacks=[Checkpoint(lambda s: save_checkpoint(path, s))],
    )
    with zipfile.ZipFile(path) as archive:
        state_member = next(name for name in archive.namelist() if name.startswith("state_"))
    push_member_past_the_end(path, state_member)
    with pytest.raises(ModelFileError, match="state_"):
        load_checkpoint(path)


def _committee_file(tmp_path, storage=None):
    from scratchnet.core.convnet import ConvNetwork
    from scratchnet.io import save_committee

    dense = Network([784, 12, 10], seed=1)
    conv = ConvNetwork("28x28,conv3x3x2,pool2,8,10", activation="relu", cost="log-likelihood", init="he", seed=2)
    headers = [{"seed": 1, "test_accuracy": 0.5, **({"storage": storage} if storage else {})}, {"seed": 2}]
    return save_committee(tmp_path / "c.npz", [dense, conv], headers, {"test_accuracy": 0.75}), dense, conv


def test_a_committee_file_gives_its_members_back_and_only_where_a_committee_is_asked_for(tmp_path):
    from scratchnet.core.committee import Committee

    path, dense, conv = _committee_file(tmp_path)
    committee, header = load_model(path, committee=True)
    assert isinstance(committee, Committee) and header["committee"] == 2 and header["test_accuracy"] == 0.75
    assert [own["seed"] for own in header["members"]] == [1, 2] and header["members"][1]["layers"]
    for ours, theirs in zip(committee.members, (dense, conv)):
        assert all(np.array_equal(p, q) for p, q in zip(ours.weights + ours.biases, theirs.weights + theirs.biases))
    with pytest.raises(ModelFileError, match="a committee of 2 networks"):
        load_model(path)
    net, _ = load_model(save_model(tmp_path / "one.npz", dense), committee=True)
    assert isinstance(net, Network)  # one network's file is one network, asked for a committee or not


def test_a_committee_stored_in_half_precision_keeps_each_members_storage(tmp_path):
    path, dense, _ = _committee_file(tmp_path, storage="float16")
    committee, header = load_model(path, committee=True)
    assert header["members"][0]["storage"] == "float16" and "storage" not in header["members"][1]
    np.testing.assert_array_equal(committee.members[0].weights[0], dense.weights[0].astype(np.float16))


@pytest.mark.parametrize("damage", ["a count that disagrees", "a member that is no header", "a missing array"])
def test_a_damaged_committee_file_is_refused_in_one_line(tmp_path, damage):
    path, _, _ = _committee_file(tmp_path)
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(str(arrays["header"]))
    if damage == "a count that disagrees":
        header["committee"] = 3
    elif damage == "a member that is no header":
        header["members"][1] = "conv"
    else:
        del arrays["member1_weights_0"]
    arrays["header"] = np.array(json.dumps(header))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ModelFileError, match="bad.npz") as caught:
        load_model(tmp_path / "bad.npz", committee=True)
    assert "\n" not in str(caught.value)
