"""`plots.figure("wishes")` draws the numbers of `explain.wishes`: read back from the drawn bars, pictures and
points, they are one test digit's wishes and a mini-batch's mean wish, which lies on −∇C from backprop."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from scratchnet import Network  # noqa: E402
from scratchnet.core.encoding import one_hot  # noqa: E402
from scratchnet.errors import DataFormatError  # noqa: E402
from scratchnet.tutorial import explain, plots  # noqa: E402


def axes_named(fig, label):
    (found,) = [axes for axes in fig.get_axes() if axes.get_label() == label]
    return found


def bar_heights(axes):
    return np.array([patch.get_height() for patch in axes.patches])


@pytest.fixture(scope="module")
def net():
    return Network([784, 16, 16, 10], seed=0)  # not trained: the tutorial's story starts here


def test_the_figure_shows_the_wishes_of_the_chosen_test_digit(net, mnist):
    index = explain.first_example_of(mnist.test.labels, 7)
    fig = plots.figure("wishes", net, data=mnist, example=index)
    x, label = mnist.test.images[index : index + 1], mnist.test.labels[index : index + 1]
    found = explain.wishes(net, x, label)
    a = net.feedforward(x)[0]
    y = np.eye(10)[label[0]]
    np.testing.assert_allclose(bar_heights(axes_named(fig, "outputs")), y - a, rtol=1e-6)  # quadratic cost: y − a
    np.testing.assert_allclose(bar_heights(axes_named(fig, "layer-before")), found.activations[2][0], rtol=1e-6)
    mosaic_axes = axes_named(fig, "first-layer")
    mosaic = mosaic_axes.images[0].get_array()
    cell = 28 + 8
    for j in (0, 5, 15):
        r, c = divmod(j, 8)
        shown = mosaic[r * cell : r * cell + 28, c * cell : c * cell + 28]
        wish = found.weights[0][0][j].reshape(28, 28)
        largest = np.abs(wish).max()
        np.testing.assert_allclose(
            shown * largest, wish, rtol=1e-6, atol=1e-12
        )  # each panel ÷ its largest, written above it
        assert f"neuron {j}: {largest:.1e}" in [text.get_text() for text in mosaic_axes.texts]
        np.testing.assert_array_equal(shown[x[0].reshape(28, 28) == 0], 0)  # black pixels: no wish
    assert "a 7" in axes_named(fig, "outputs").figure.get_axes()[0].get_title()


def test_the_mini_batch_panel_averages_the_wishes_onto_the_true_gradient(net, mnist):
    index = 40
    fig = plots.figure("wishes", net, data=mnist, example=index)
    rows = np.arange(index, index + plots.WISHES_BATCH)
    X, labels = mnist.test.images[rows], mnist.test.labels[rows]
    nabla_w, nabla_b = net.backprop(X, one_hot(labels, 10, net.dtype))
    batch = axes_named(fig, "batch")
    np.testing.assert_allclose(bar_heights(batch), -nabla_b[-1], rtol=1e-4, atol=1e-7)
    crosses = [line for line in batch.get_lines() if line.get_marker() == "x"][0]
    np.testing.assert_allclose(crosses.get_ydata(), -nabla_b[-1])
    every = np.vstack([collection.get_offsets()[:, 1] for collection in batch.collections])
    per_example = explain.wishes(net, X, labels).biases[-1]
    np.testing.assert_allclose(every, per_example, rtol=1e-6)
    points = axes_named(fig, "agreement").collections[0].get_offsets()
    assert len(points) == net.num_params
    np.testing.assert_allclose(points[:, 1], points[:, 0], rtol=1e-3, atol=1e-6)  # mean wish = −∇C, entry by entry


def test_a_test_digit_that_does_not_exist_is_refused(net, mnist):
    with pytest.raises(DataFormatError, match="no test digit 10000"):
        plots.figure("wishes", net, data=mnist, example=len(mnist.test))


def test_without_a_hidden_layer_the_layer_before_is_the_input_drawn_as_a_picture(mnist):
    net = Network([784, 10], cost="log-likelihood", seed=4)
    fig = plots.figure("wishes", net, data=mnist, example=3)
    x, label = mnist.test.images[3:4], mnist.test.labels[3:4]
    found = explain.wishes(net, x, label)
    shown = axes_named(fig, "layer-before").images[0].get_array()
    np.testing.assert_allclose(shown, found.activations[0][0].reshape(28, 28), rtol=1e-6)  # −∂C_x/∂x, pixel by pixel
    a = net.feedforward(x)[0]
    expected = np.zeros(10)
    expected[label[0]] = 1 / a[label[0]]  # log-likelihood: −∂C_x/∂a = y/a
    np.testing.assert_allclose(bar_heights(axes_named(fig, "outputs")), expected, rtol=1e-5)
