"""Every figure draws: a titled matplotlib Figure, axes labelled, rendering to a PNG at least 800 pixels wide."""

import io

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure  # noqa: E402

from scratchnet import Network  # noqa: E402
from scratchnet.core.convnet import ConvNetwork  # noqa: E402
from scratchnet.errors import ConfigError  # noqa: E402
from scratchnet.io import load_model  # noqa: E402
from scratchnet.tutorial import explain, plots  # noqa: E402


def _check_readable(fig: Figure, render: bool = False) -> None:
    """A title, axes with data, every data axes labelled, and (rendered) a PNG at least 800 pixels wide."""
    assert isinstance(fig, Figure)
    assert fig.get_suptitle()
    axes_with_data = [a for a in fig.get_axes() if a.has_data() and a.get_label() != "<colorbar>"]
    assert axes_with_data
    for axes in axes_with_data:
        assert axes.get_xlabel() or axes.get_ylabel() or axes.get_title(), axes
    assert fig.get_size_inches()[0] * plots.DPI >= 800
    if render:
        with Image.open(io.BytesIO(plots.png_bytes(fig))) as image:
            assert image.format == "PNG" and image.size[0] >= 800


@pytest.fixture(scope="module")
def trained(cli_trained_model):
    return load_model(cli_trained_model)


CONVOLUTIONAL = {"filters", "feature-maps"}


@pytest.mark.parametrize("kind", sorted(set(plots.KINDS) - {"sgd-path"}))
def test_every_kind_draws_a_readable_figure(kind, trained, mnist):
    net, header = trained
    if kind in CONVOLUTIONAL:
        net = ConvNetwork("28x28,conv5x5x4,pool2,conv3x3x6,pool2,10", seed=0)
    _check_readable(plots.figure(kind, net, header, mnist))


def test_sgd_path_figure(mnist):
    paths = explain.descent_paths(mnist.train.images[:200], mnist.train.labels[:200], steps=20)
    _check_readable(plots.sgd_path(paths), render=True)


def test_step_vs_sigmoid_needs_nothing_and_shows_both_curves():
    fig = plots.step_vs_sigmoid()
    step, sigmoid = fig.get_axes()
    z, a = sigmoid.get_lines()[0].get_data()
    np.testing.assert_allclose(a, 1 / (1 + np.exp(-z)), rtol=1e-12)
    assert {tuple(line.get_ydata()[:1]) for line in step.get_lines()[:2]} == {(0.0,), (1.0,)}


def test_model_kinds_refuse_to_draw_without_a_network():
    with pytest.raises(ConfigError, match="needs a network"):
        plots.figure("dream")
    with pytest.raises(ConfigError, match="kind must be one of"):
        plots.figure("nonsense")


def _tile(mosaic: np.ndarray, k: int, count: int, side: int) -> np.ndarray:
    """Return tile k of a one-row mosaic of `count` side×side tiles, the gaps between them found from its width."""
    gap = (mosaic.shape[1] - count * side) // max(count - 1, 1)
    return np.asarray(mosaic[:side, k * (side + gap) : k * (side + gap) + side])


def _edge_network() -> ConvNetwork:
    """28x28,conv3x3x2,pool2,10 ReLU with known filters: a horizontal edge and a vertical one, biases 0 and −0.1."""
    net = ConvNetwork("28x28,conv3x3x2,pool2,10", "relu", seed=0, dtype="float64")
    edge = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -1.0, -1.0]])
    net.weights[0][:, 0] = [edge, edge.T]
    net.biases[0][:] = [0.0, -0.1]
    return net


def test_feature_maps_draws_the_digits_convolution_and_pooling_as_computed_by_hand(mnist):
    net = _edge_network()
    image = mnist.test.images[0]
    x = image.reshape(28, 28) / 255.0
    conv = np.zeros((2, 26, 26))
    for f in range(2):
        for row in range(26):
            for column in range(26):  # z = b_f + Σ_ij w_fij x_(row+i, column+j), then a = max(z, 0)
                z = net.biases[0][f] + np.sum(net.weights[0][f, 0] * x[row : row + 3, column : column + 3])
                conv[f, row, column] = max(z, 0.0)
    pooled = np.array(
        [
            [[conv[f, 2 * r : 2 * r + 2, 2 * c : 2 * c + 2].max() for c in range(13)] for r in range(13)]
            for f in range(2)
        ]
    )
    fig = plots.figure("feature-maps", net, None, mnist, 0)
    drawn = {axes.get_label(): axes.images[0].get_array() for axes in fig.get_axes() if axes.images}
    assert list(drawn) == ["28x28", "conv3x3x2", "pool2"]
    np.testing.assert_allclose(drawn["28x28"], x, atol=1e-12)
    for f in range(2):
        np.testing.assert_allclose(_tile(drawn["conv3x3x2"], f, 2, 26), conv[f], atol=1e-12)
        np.testing.assert_allclose(_tile(drawn["pool2"], f, 2, 13), pooled[f], atol=1e-12)
    assert conv[0].max() > 0.5 and conv[1].max() > 0.5  # the 7 has both edges


def test_filters_draws_the_first_layers_weights_on_a_scale_symmetric_around_0():
    net = _edge_network()
    fig = plots.figure("filters", net)
    axes = next(a for a in fig.get_axes() if a.images)
    mosaic, norm = axes.images[0].get_array(), axes.images[0].norm
    np.testing.assert_array_equal(_tile(mosaic, 0, 2, 3), [[1, 1, 1], [0, 0, 0], [-1, -1, -1]])
    np.testing.assert_array_equal(_tile(mosaic, 1, 2, 3), [[1, 0, -1], [1, 0, -1], [1, 0, -1]])
    assert (norm.vmin, norm.vcenter, norm.vmax) == (-1.0, 0.0, 1.0)
    _check_readable(fig, render=True)


@pytest.mark.parametrize("kind", sorted(CONVOLUTIONAL))
def test_filters_and_maps_of_a_dense_network_are_refused_pointing_to_hidden_weights(kind, mnist):
    with pytest.raises(ConfigError, match="only for convolutional models.*784-30-10.*hidden-weights"):
        plots.figure(kind, Network([784, 30, 10]), None, mnist)
