"""Properties that hold for every input: shapes, ranges, η = 0, save → load, the IDX reader on any bytes."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from scratchnet import DataFormatError, Network
from scratchnet.core.encoding import one_hot
from scratchnet.data.mnist import read_idx
from scratchnet.io import load_model, save_model
from scratchnet.training.sgd import update
from tests.strategies import activations, costs, layer_sizes, seeds

TUTORIAL = Network([784, 16, 16, 10])


@given(n=st.integers(0, 40), seed=seeds)
def test_output_shape_is_n_by_10_and_sigmoid_activations_lie_in_0_1(n, seed):
    X = np.random.default_rng(seed).random((n, 784), dtype=np.float32)
    A = TUTORIAL.feedforward(X)
    assert A.shape == (n, 10)
    assert np.all((A > 0) & (A < 1))


@given(sizes=layer_sizes, activation=activations, cost=costs, seed=seeds, n=st.integers(1, 8))
def test_cost_is_never_negative(sizes, activation, cost, seed, n):
    net = Network(sizes, activation=activation, cost=cost, seed=seed, dtype="float64")
    rng = np.random.default_rng(seed)
    Y = one_hot(rng.integers(0, sizes[-1], n), sizes[-1], np.float64)
    assert net.cost(rng.random((n, sizes[0])), Y) >= 0


@given(sizes=layer_sizes, seed=seeds)
def test_a_step_with_eta_zero_changes_nothing(sizes, seed):
    net = Network(sizes, seed=seed)
    before = net.copy_parameters()
    X = np.random.default_rng(seed).random((4, sizes[0]))
    update(net, *net.backprop(X, one_hot(np.zeros(4, dtype=int), sizes[-1])), 0.0)
    assert all(np.array_equal(a, b) for a, b in zip(before[0] + before[1], net.weights + net.biases))


@given(sizes=layer_sizes, activation=activations, cost=costs, seed=seeds, dtype=st.sampled_from(["float32", "float64"]))
def test_save_then_load_is_bit_identical(tmp_path_factory, sizes, activation, cost, seed, dtype):
    net = Network(sizes, activation=activation, cost=cost, seed=seed, dtype=dtype)
    path = tmp_path_factory.mktemp("m") / "net.npz"
    save_model(path, net, {"note": "ok"})
    loaded, header = load_model(path)
    assert header["note"] == "ok" and loaded.sizes == net.sizes
    assert loaded.activation.name == activation and loaded.cost_function.name == cost
    for a, b in zip(net.weights + net.biases, loaded.weights + loaded.biases):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()


@given(data=st.binary(max_size=300))
def test_idx_reader_on_arbitrary_bytes_loads_or_raises_data_format_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("idx") / "file"
    path.write_bytes(data)
    try:
        array, _ = read_idx(path)
    except DataFormatError:
        return
    assert array.dtype == np.uint8


@given(body=st.binary(max_size=200))
def test_idx_reader_on_valid_header_then_arbitrary_bytes(tmp_path_factory, body):
    path = tmp_path_factory.mktemp("idx") / "file"
    path.write_bytes(bytes([0, 0, 8, 2, 0, 0, 0, 5, 0, 0, 0, 4]) + body)
    try:
        array, _ = read_idx(path)
    except DataFormatError:
        assert len(body) != 20
        return
    assert array.shape == (5, 4) and len(body) == 20
