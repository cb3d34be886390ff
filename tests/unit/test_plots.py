"""Every figure draws: a titled matplotlib Figure, axes labelled, rendering to a PNG at least 800 pixels wide."""

import io

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure  # noqa: E402

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


@pytest.mark.parametrize("kind", sorted(set(plots.KINDS) - {"sgd-path"}))
def test_every_kind_draws_a_readable_figure(kind, trained, mnist):
    net, header = trained
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
