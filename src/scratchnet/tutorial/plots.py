"""The tutorial's pictures: functions that take numbers (or a network) and return a matplotlib Figure.

Nothing here calls `show()` or touches pyplot's global state (nor its backend): every figure is a
bare `matplotlib.figure.Figure` on its own Agg canvas, so the functions work the same in a notebook
(where a returned Figure displays itself), a script, or a server. The numbers come from
`scratchnet.tutorial.explain`, where tests check them; `figure(kind, ...)` computes and draws any of `KINDS`,
and `png_bytes(fig)` renders one to PNG. Needs matplotlib: `pip install 'scratchnet[plots]'`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from numpy.typing import NDArray

from scratchnet.core.encoding import one_hot
from scratchnet.core.network import Network
from scratchnet.data.mnist import MNIST
from scratchnet.errors import ConfigError, DataFormatError
from scratchnet.tutorial import explain
from scratchnet.tutorial.figures import KINDS

DPI = 100
"""Pixels per inch: every figure is at least 10 inches, so 1,000 pixels, wide."""

DIGIT_SIDE = 28


def _new_figure(**options: Any) -> Figure:
    """Return a Figure drawn by its own Agg canvas: pyplot's global backend and figure list are left alone."""
    fig = Figure(**options)
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """Return fig rendered as PNG bytes at DPI pixels per inch."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _digit(image: NDArray[Any]) -> NDArray[Any]:
    """Return a (784,) row as the 28×28 picture it is."""
    return np.asarray(image, dtype=float).reshape(DIGIT_SIDE, DIGIT_SIDE)


def _grid(count: int, columns: int) -> tuple[int, int]:
    """Return (rows, columns) of a grid holding count panels, at most `columns` wide."""
    columns = max(1, min(columns, count))
    return -(-count // columns), columns


def _mosaic(pictures: NDArray[Any], columns: int, gap: int = 6) -> tuple[NDArray[np.float64], int]:
    """Return (one image tiling the 28×28 pictures (rows of 784) in rows of `columns`, NaN between them; the rows).

    One image in one axes draws far faster than a grid of many small axes.
    """
    return _tiles(np.asarray(pictures, dtype=float).reshape(-1, DIGIT_SIDE, DIGIT_SIDE), columns, gap)


def _tiles(pictures: NDArray[Any], columns: int, gap: int = 6) -> tuple[NDArray[np.float64], int]:
    """Return (one image tiling the (h, w) pictures of a (count, h, w) array in rows of `columns`, NaN between them;
    the number of rows)."""
    count, height, width = np.shape(pictures)
    rows, columns = _grid(count, columns)
    tiled = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap), np.nan)
    for k, picture in enumerate(pictures):
        r, c = divmod(k, columns)
        tiled[r * (height + gap) : r * (height + gap) + height, c * (width + gap) : c * (width + gap) + width] = picture
    return tiled, rows


def _label_cells(
    axes: Any,
    labels: Sequence[str],
    columns: int,
    gap: int = 6,
    fontsize: int = 8,
    side: tuple[int, int] = (DIGIT_SIDE, DIGIT_SIDE),
) -> None:
    """Write labels[k] just above cell k of a `_tiles` mosaic of (h, w) = side pictures, and hide the ticks."""
    height, width = side
    for k, text in enumerate(labels):
        r, c = divmod(k, columns)
        x, y = c * (width + gap) + width / 2, r * (height + gap) - 0.8 * height / DIGIT_SIDE
        axes.text(x, y, text, ha="center", va="bottom", fontsize=fontsize)
    axes.set_xticks([])
    axes.set_yticks([])
    for spine in axes.spines.values():
        spine.set_visible(False)


def step_vs_sigmoid() -> Figure:
    """Return the step function of a perceptron beside σ(z) = 1/(1 + e^−z), on z = w·x + b from −6 to 6."""
    z = np.linspace(-6, 6, 601)
    fig = _new_figure(figsize=(10, 4.5), layout="constrained")
    step_axes, sigmoid_axes = fig.subplots(1, 2, sharey=True)
    off, on = z[z <= 0], z[z > 0]
    step_axes.plot(off, np.zeros(len(off)), color="C3", linewidth=2.5)
    step_axes.plot(on, np.ones(len(on)), color="C3", linewidth=2.5)
    step_axes.plot([0], [0], "o", color="C3", markersize=6)
    step_axes.plot([0], [1], "o", color="C3", markerfacecolor="white", markersize=6)
    step_axes.set_title("perceptron: output jumps from 0 to 1")
    sigmoid = 0.5 * (1 + np.tanh(z / 2))
    sigmoid_axes.plot(z, sigmoid, color="C0", linewidth=2.5)
    sigmoid_axes.set_title("sigmoid neuron: σ(z) = 1/(1 + e⁻ᶻ), smooth")
    for axes in (step_axes, sigmoid_axes):
        axes.set_xlabel("z = w·x + b, the weighted input")
        axes.axhline(0.5, color="grey", linewidth=0.5, linestyle=":")
        axes.axvline(0, color="grey", linewidth=0.5, linestyle=":")
        axes.grid(alpha=0.3)
    step_axes.set_ylabel("output")
    fig.suptitle("A small change in z: the perceptron may flip, the sigmoid neuron moves a little")
    return fig


def descent(paths: Sequence[NDArray[Any]] | None = None) -> Figure:
    """Return the contours of `explain.valleys` with gradient-descent paths (default: from DESCENT_STARTS) rolling down."""
    if paths is None:
        paths = [explain.descend(start) for start in explain.DESCENT_STARTS]
    v = np.linspace(-2.1, 2.1, 301)
    V1, V2 = np.meshgrid(v, v)
    C = explain.valleys(V1, V2)
    fig = _new_figure(figsize=(10, 8), layout="constrained")
    axes = fig.subplots()
    levels = np.linspace(float(C.min()), 4.0, 25)  # resolve the valleys, not the steep walls
    filled = axes.contourf(V1, V2, C, levels=levels, cmap="viridis", extend="max")
    axes.contour(V1, V2, C, levels=levels, colors="white", linewidths=0.3, alpha=0.5)
    fig.colorbar(filled, ax=axes, label="cost C(v₁, v₂)")
    for k, path in enumerate(paths):
        path = np.asarray(path)
        end_cost = float(explain.valleys(path[-1, 0], path[-1, 1]))
        axes.plot(path[:, 0], path[:, 1], "-", color=f"C{k % 10}", linewidth=2)
        axes.plot(path[0, 0], path[0, 1], "o", color=f"C{k % 10}", markersize=8, markeredgecolor="white")
        axes.plot(
            path[-1, 0],
            path[-1, 1],
            "*",
            color=f"C{k % 10}",
            markersize=16,
            markeredgecolor="black",
            label=f"from ({path[0, 0]:.1f}, {path[0, 1]:.1f}) to C = {end_cost:.2f}",
        )
    axes.set_xlabel("v₁")
    axes.set_ylabel("v₂")
    axes.set_aspect("equal")
    axes.legend(loc="upper right", fontsize=8, framealpha=0.85)
    fig.suptitle(
        "Gradient descent v → v − η∇C: each ball rolls into the valley below its start, not always the deepest"
    )
    return fig


def sgd_path(paths: explain.DescentPaths) -> Figure:
    """Return the two descents of `explain.descent_paths`: their paths in the plane they move most in, and C per step."""
    fig = _new_figure(figsize=(13, 5.5), layout="constrained")
    plane, costs = fig.subplots(1, 2)
    full_label = f"full-batch gradient descent (all n = {paths.n:,} images per step)"
    sgd_label = f"mini-batch SGD (m = {paths.batch_size} images per step)"
    plane.plot(paths.full_batch_path[:, 0], paths.full_batch_path[:, 1], "-", color="C0", linewidth=2, label=full_label)
    plane.plot(paths.sgd_path[:, 0], paths.sgd_path[:, 1], "-", color="C3", linewidth=1, alpha=0.85, label=sgd_label)
    plane.plot(*paths.full_batch_path[0], "ko", markersize=8, label="start (the same weights)")
    plane.plot(*paths.full_batch_path[-1], "*", color="C0", markersize=14, markeredgecolor="black")
    plane.plot(*paths.sgd_path[-1], "*", color="C3", markersize=14, markeredgecolor="black")
    plane.set_xlabel("first principal direction of the weights' path")
    plane.set_ylabel("second principal direction")
    plane.set_title("the weights' paths, projected onto two dimensions")
    plane.legend(fontsize=8)
    steps = np.arange(len(paths.full_batch_costs))
    costs.plot(steps, paths.full_batch_costs, color="C0", linewidth=2, label="full-batch")
    costs.plot(steps, paths.sgd_costs, color="C3", linewidth=1, label=f"SGD, m = {paths.batch_size}")
    costs.set_xlabel("step")
    costs.set_ylabel(f"cost C over the {paths.n:,} training images")
    costs.set_title(f"cost after each step (η = {paths.eta:g})")
    costs.legend()
    costs.grid(alpha=0.3)
    fig.suptitle(
        "The drunk man: mini-batch SGD staggers downhill on cheap noisy gradients, full-batch descent walks straight"
    )
    return fig


def learning_curves(curves: dict[str, list[float | None]], best_epoch: int | None = None) -> Figure:
    """Return cost and accuracy per epoch, training against validation, from `explain.learning_curves`;
    a dashed line marks best_epoch, the epoch whose weights were kept."""
    epochs = curves["epoch"]
    fig = _new_figure(figsize=(12, 5), layout="constrained")
    cost_axes, accuracy_axes = fig.subplots(1, 2)
    for key, axes, scale in (("cost", cost_axes, 1.0), ("accuracy", accuracy_axes, 100.0)):
        for part, colour in (("training", "C0"), ("validation", "C1")):
            values = curves[f"{part}_{key}"]
            points = [(e, scale * v) for e, v in zip(epochs, values) if v is not None and e is not None]
            if points:
                xs, ys = zip(*points)
                axes.plot(xs, ys, "o-", color=colour, label=part, markersize=4)
        if best_epoch is not None:
            axes.axvline(best_epoch, color="grey", linestyle="--", linewidth=1, label=f"kept: epoch {best_epoch}")
        axes.set_xlabel("epoch")
        axes.grid(alpha=0.3)
        axes.legend()
    cost_axes.set_ylabel("cost C")
    cost_axes.set_title("cost per epoch")
    accuracy_axes.set_ylabel("accuracy (%)")
    accuracy_axes.set_title("accuracy per epoch")
    fig.suptitle("Learning curves: how the cost fell and the accuracy rose, epoch by epoch")
    return fig


def hidden_weights(weights: NDArray[Any], limit: int = 64) -> Figure:
    """Return each first-layer neuron's weights (rows of weights[0], (n_hidden, 784)) as 28×28 images, red +, blue −."""
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 2 or weights.shape[1] != DIGIT_SIDE * DIGIT_SIDE:
        raise DataFormatError(f"hidden-weights draws a first layer of shape (n, 784); got {weights.shape}")
    shown = weights[:limit]
    columns = 8
    tiled, rows = _mosaic(shown, columns, gap=8)
    fig = _new_figure(figsize=(10, 1.3 * rows + 1.2), layout="constrained")
    axes = fig.subplots()
    bound = float(np.abs(shown).max()) or 1.0
    image = axes.imshow(tiled, cmap="RdBu_r", norm=TwoSlopeNorm(vcenter=0.0, vmin=-bound, vmax=bound))
    _label_cells(axes, [f"neuron {k}" for k in range(len(shown))], columns, gap=8)
    axes.set_xlabel("each panel: one hidden neuron's weights, laid out like the 28×28 pixels they come from")
    fig.colorbar(image, ax=axes, shrink=0.8, label="weight w_jk (pixel k → neuron j)")
    fig.suptitle(
        f"What the first hidden layer looks for: {len(weights)} neurons' weights, not the hoped-for edges and loops"
    )
    return fig


def filters(weights: NDArray[Any], columns: int = 10) -> Figure:
    """Return a convolutional layer's filters w (C_out, C_in, k, k) as k×k tiles, one per filter and input map,
    red +, blue −, on one colour scale symmetric around 0 (as `hidden_weights` draws a dense layer's weights)."""
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 4:
        raise DataFormatError(
            f"filters draws a convolutional layer's w of shape (C_out, C_in, k, k); got {weights.shape}"
        )
    maps, channels, k, _ = weights.shape
    tiles = weights.reshape(maps * channels, k, k)
    gap = max(1, k // 4)
    tiled, rows = _tiles(tiles, columns, gap)
    fig = _new_figure(figsize=(10, 1.2 * rows + 1.4), layout="constrained")
    axes = fig.subplots()
    bound = float(np.abs(weights).max()) or 1.0
    image = axes.imshow(tiled, cmap="RdBu_r", norm=TwoSlopeNorm(vcenter=0.0, vmin=-bound, vmax=bound))
    names = [f"filter {f}" + (f", map {c}" if channels > 1 else "") for f in range(maps) for c in range(channels)]
    _label_cells(axes, names, min(columns, len(tiles)), gap=gap, side=(k, k))
    axes.set_xlabel(f"each tile: one filter's {k}×{k} weights, laid out like the pixels of the patch it is slid over")
    fig.colorbar(image, ax=axes, shrink=0.8, label="weight w_f,i,j (patch pixel i, j → map f)")
    fig.suptitle(f"What the first convolutional layer looks for: {maps} filters of {k}×{k}, each slid over every patch")
    return fig


FEATURE_MAP_COLUMNS = 20
"""How many maps a row of the feature-maps figure holds."""


def feature_maps(image: NDArray[Any], label: int, found: explain.FeatureMaps) -> Figure:
    """Return one digit's maps layer by layer (`explain.feature_maps`): the input, then each convolution's
    σ(z) and each pooling's maxima, every map a grey tile (dark: strongly on), one grey scale per layer."""
    stages = [np.moveaxis(maps, 2, 0) for maps in found.maps]  # (C, H, W): one tile per map
    mosaics = [_tiles(stage, FEATURE_MAP_COLUMNS, max(1, stage.shape[1] // 6))[0] for stage in stages]
    heights = [14 * max(0.04, mosaic.shape[0] / mosaic.shape[1]) + 0.45 for mosaic in mosaics]  # + the row's title
    heights[0] = 2.4  # the input is one tile: keep it small
    fig = _new_figure(figsize=(14, sum(heights) + 0.6), layout="constrained")
    rows = np.atleast_1d(np.asarray(fig.subfigures(len(stages), 1, height_ratios=heights))).ravel()
    grey = matplotlib.colormaps["gray_r"].with_extremes(bad="#b9c9dc")  # the gaps between tiles: pale blue
    for row, name, stage, mosaic in zip(rows, found.names, stages, mosaics):
        axes = row.subplots()
        low, high = min(0.0, float(np.nanmin(mosaic))), float(np.nanmax(mosaic))
        axes.imshow(mosaic, cmap=grey, vmin=low, vmax=high if high > low else low + 1.0, interpolation="nearest")
        axes.set_label(name)
        what = "the input" if name == found.names[0] else "σ(z)" if name.startswith("conv") else "each window's maximum"
        plural = "s" if len(stage) > 1 else ""
        axes.set_title(f"{name}: {len(stage)} map{plural} of {stage.shape[1]}×{stage.shape[2]}, {what}", fontsize=10)
        axes.set_xticks([])
        axes.set_yticks([])
    fig.suptitle(f"A test digit ({label}) layer by layer: each filter makes a map of where its stroke is")
    return fig


def confusion(matrix: NDArray[Any]) -> Figure:
    """Return the confusion matrix (entry [i, j]: digits i answered as j) with every count written in."""
    matrix = np.asarray(matrix)
    k = matrix.shape[0]
    fig = _new_figure(figsize=(9, 8), layout="constrained")
    axes = fig.subplots()
    shown = axes.imshow(np.log1p(matrix), cmap="Blues")
    for i in range(k):
        for j in range(k):
            colour = "white" if matrix[i, j] > matrix.max() / 3 else "black"
            axes.text(j, i, f"{matrix[i, j]:,}", ha="center", va="center", fontsize=8, color=colour)
    axes.set_xticks(range(k))
    axes.set_yticks(range(k))
    axes.set_xlabel("the network's answer")
    axes.set_ylabel("the true digit")
    fig.colorbar(shown, ax=axes, label="ln(1 + count)")
    accuracy = np.trace(matrix) / max(1, matrix.sum())
    fig.suptitle(f"Confusion matrix on {matrix.sum():,} test images: {100 * accuracy:.2f}% on the diagonal")
    return fig


def mistakes(images: NDArray[Any], found: explain.Mistakes, limit: int = 30) -> Figure:
    """Return a gallery of misclassified digits (rows of images at found.indices): true label, answer, confidence."""
    count = min(limit, len(found.indices))
    columns = 10
    pictures = np.asarray(images)[found.indices[:count]].astype(float)
    if np.asarray(images).dtype == np.uint8:
        pictures /= 255.0
    tiled, rows = _mosaic(pictures if count else np.zeros((1, DIGIT_SIDE * DIGIT_SIDE)), columns, gap=12)
    fig = _new_figure(figsize=(12, 1.45 * rows + 1.0), layout="constrained")
    axes = fig.subplots()
    axes.imshow(tiled, cmap="gray_r", vmin=0, vmax=1)
    labels = [
        f"true {found.labels[k]}, said {found.answers[k]}\n{100 * found.confidences[k]:.0f}% sure" for k in range(count)
    ]
    _label_cells(axes, labels, columns, gap=12)
    axes.set_xlabel("each panel: a misread 28×28 test image, the most confident mistakes first")
    fig.suptitle(f"{len(found.indices):,} test digits misread; the {count} it was surest about")
    return fig


def noise(report: explain.NoiseReport, shown: int = 8) -> Figure:
    """Return random-noise images with the answer and confidence, and top confidence on noise against real digits."""
    fig = _new_figure(figsize=(12, 7.5), layout="constrained")
    top, bottom = np.asarray(fig.subfigures(2, 1, height_ratios=[1, 1.6])).ravel()
    count = min(shown, len(report.noise))
    panels = np.atleast_1d(top.subplots(1, count, squeeze=False)).ravel()
    for k, axes in enumerate(panels):
        axes.imshow(_digit(report.noise[k]), cmap="gray_r", vmin=0, vmax=1)
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_title(f'"{report.answers[k]}", {100 * report.noise_confidences[k]:.0f}% sure', fontsize=9)
    top.suptitle("Random noise still gets an answer")
    axes = bottom.subplots()
    bins = np.linspace(0, 1, 41)
    for values, mean, colour, what in (
        (report.digit_confidences, report.mean_digit_confidence, "C0", "real test digits"),
        (report.noise_confidences, report.mean_noise_confidence, "C3", "uniform noise"),
    ):
        axes.hist(values, bins=bins, density=True, alpha=0.6, color=colour, label=f"{what} (mean {100 * mean:.0f}%)")
    axes.axvline(0.1, color="grey", linestyle=":", label="a uniform guess (10%)")
    axes.set_xlabel("top confidence (largest output, normalised so the ten sum to 1)")
    axes.set_ylabel("density")
    axes.legend()
    fig.suptitle(f"The network is {100 * report.mean_noise_confidence:.0f}% sure on average about pictures of nothing")
    return fig


def dream(dreams: Sequence[explain.Dream]) -> Figure:
    """Return the input gradient ascent found for each digit, titled with the output it reaches."""
    rows, columns = _grid(len(dreams), 5)
    fig = _new_figure(figsize=(11, 2.5 * rows + 1.0), layout="constrained")
    grid = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel()
    for k, axes in enumerate(grid):
        axes.set_xticks([])
        axes.set_yticks([])
        if k < len(dreams):
            d = dreams[k]
            axes.imshow(_digit(d.image), cmap="gray_r", vmin=0, vmax=1)
            axes.set_title(f"output {d.digit}: a = {d.activation:.4f}", fontsize=9)
        else:
            axes.axis("off")
    fig.supxlabel("each panel: a 28×28 input, grey levels in [0, 1], found by climbing ∂a_j/∂x")
    fig.supylabel("digit j")
    fig.suptitle("The network is sure these are digits: it recognises digits but cannot write them")
    return fig


def gradient_importance(image: NDArray[Any], label: int, normalised: Sequence[NDArray[Any]], maps: int = 8) -> Figure:
    """Return |∂C/∂w| for one example, normalised per layer: each layer's (n_out, n_in) matrix, and the first layer as 28×28 maps."""
    layers = len(normalised)
    fig = _new_figure(figsize=(13, 7), layout="constrained")
    top, bottom = np.asarray(fig.subfigures(2, 1, height_ratios=[1.2, 1])).ravel()
    panels = np.atleast_1d(top.subplots(1, layers + 1, squeeze=False)).ravel()
    picture = np.asarray(image, dtype=float) / (255.0 if np.asarray(image).dtype == np.uint8 else 1.0)
    panels[0].imshow(_digit(picture), cmap="gray_r", vmin=0, vmax=1)
    panels[0].set_title(f"the training example (a {label})")
    panels[0].set_xlabel("pixel column")
    panels[0].set_ylabel("pixel row")
    for l, matrix in enumerate(normalised):
        shown = panels[l + 1].imshow(matrix, cmap="magma", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
        panels[l + 1].set_title(f"layer {l + 1}: {matrix.shape[0]}×{matrix.shape[1]} weights")
        panels[l + 1].set_xlabel("from neuron k")
        panels[l + 1].set_ylabel("to neuron j")
    top.colorbar(shown, ax=list(panels[1:]), label="|∂C/∂w| ÷ its layer's largest")
    first = np.asarray(normalised[0])
    order = np.argsort(-first.sum(axis=1))[:maps]
    axes_row = np.atleast_1d(bottom.subplots(1, len(order), squeeze=False)).ravel()
    for axes, j in zip(axes_row, order):
        axes.imshow(_digit(first[j]), cmap="magma", vmin=0, vmax=1)
        axes.set_title(f"neuron {j}", fontsize=9)
        axes.set_xticks([])
        axes.set_yticks([])
    bottom.suptitle(
        "first layer, as 28×28 maps (the neurons with the most at stake): only weights from inked pixels matter, ∂C/∂w = a_k δ_j"
    )
    fig.suptitle("Which weights matter most for this example: the gradient's entries, normalised per layer")
    return fig


WISHES_BATCH = 10
"""m, the mini-batch whose wishes the wishes figure averages: the example and the test digits after it."""


def wishes(
    image: NDArray[Any],
    label: int,
    found: explain.Wishes,
    batch: explain.Wishes,
    batch_labels: NDArray[Any],
    gradient: tuple[Sequence[NDArray[Any]], Sequence[NDArray[Any]]],
    shown: int = 16,
) -> Figure:
    """Return one example's wishes layer by layer, and a mini-batch's wishes averaged beside the true −∇C.

    found holds the one example (`explain.wishes` of one row), batch the m examples of the mini-batch and
    gradient = (nabla_w, nabla_b), `Network.backprop`'s gradient of the mini-batch's mean cost. Drawn:
    the output layer's wishes −∂C_x/∂a^L (y − a for the quadratic cost), the layer before's −∂C_x/∂a^(L−1)
    (the ten outputs' wishes added up), the first layer's weight wishes −δ_j a_k as 28×28 pictures, and
    the output biases' wishes of every example of the batch, their mean and −∂C/∂b.
    """
    fig = _new_figure(figsize=(14, 12), layout="constrained")
    top, middle, bottom = np.asarray(fig.subfigures(3, 1, height_ratios=[1, 1.05, 1])).ravel()
    _one_example(top, image, label, found)
    _first_layer_wishes(middle, found.weights[0][0][:shown])
    _mini_batch_wishes(bottom, batch, batch_labels, gradient)
    fig.suptitle(
        "Backpropagation, as wishes: what one example wants of every layer, and what a mini-batch wants on average"
    )
    return fig


def _one_example(top: Any, image: NDArray[Any], label: int, found: explain.Wishes) -> None:
    """Draw the example, its output layer's wishes and the layer before's, summed over the outputs."""
    digit_axes, output_axes, before_axes = top.subplots(1, 3, gridspec_kw={"width_ratios": [0.7, 1, 1.3]})
    picture = np.asarray(image, dtype=float) / (255.0 if np.asarray(image).dtype == np.uint8 else 1.0)
    digit_axes.imshow(_digit(picture), cmap="gray_r", vmin=0, vmax=1)
    digit_axes.set_title(f"the example: a {label}")
    digit_axes.set_xticks([])
    digit_axes.set_yticks([])
    outputs = found.outputs[0]
    colours = ["C2" if j == label else "C3" for j in range(len(outputs))]
    output_axes.bar(range(len(outputs)), outputs, color=colours)
    output_axes.set_label("outputs")
    output_axes.axhline(0, color="grey", linewidth=0.6)
    output_axes.set_xticks(range(len(outputs)))
    output_axes.set_xlabel("output neuron (digit)")
    output_axes.set_ylabel("wished change −∂C_x/∂a")
    output_axes.set_title(
        f"output layer: the {label} up, the others down"
        if np.all(np.delete(outputs, label) <= 0) and outputs[label] > 0
        else "output layer: how each output should move"
    )
    before = found.activations[-2][0]
    if len(found.activations) == 2:  # no hidden layer: the layer before is the input
        bound = float(np.abs(before).max()) or 1.0
        before_axes.imshow(_digit(before), cmap="RdBu_r", norm=TwoSlopeNorm(vcenter=0.0, vmin=-bound, vmax=bound))
    else:
        before_axes.bar(range(len(before)), before, color=["C0" if v >= 0 else "C1" for v in before])
        before_axes.axhline(0, color="grey", linewidth=0.6)
        before_axes.set_xlabel("neuron k of the last hidden layer")
    before_axes.set_label("layer-before")
    before_axes.set_ylabel("−∂C_x/∂a_k = −Σ_j w_jk δ_j")
    before_axes.set_title("the layer before: every output's wishes, added up")


def _first_layer_wishes(middle: Any, first: NDArray[Any]) -> None:
    """Draw the first layer's weight wishes −δ_j a_k, one 28×28 panel per neuron j, each divided by its largest |wish|
    (written above it), so a neuron with small wishes shows their shape too."""
    columns = 8
    largest = np.abs(first).max(axis=1)
    scaled = np.divide(first, largest[:, None], out=np.zeros_like(first, dtype=float), where=largest[:, None] > 0)
    tiled, _rows = _mosaic(scaled, columns, gap=8)
    mosaic_axes = middle.subplots()
    mosaic_axes.set_label("first-layer")
    shown_image = mosaic_axes.imshow(tiled, cmap="RdBu_r", norm=TwoSlopeNorm(vcenter=0.0, vmin=-1.0, vmax=1.0))
    _label_cells(mosaic_axes, [f"neuron {j}: {m:.1e}" for j, m in enumerate(largest)], columns, gap=8)
    mosaic_axes.set_xlabel(
        "each panel: the wishes −δ_j a_k for one first-layer neuron j's 784 weights, as the pixels k they come from"
    )
    middle.colorbar(
        shown_image, ax=mosaic_axes, shrink=0.85, label="wish for w_jk ÷ the panel's largest (red +, blue −)"
    )
    middle.suptitle("first layer: only the weights from inked pixels have wishes; they look like the digit")


def _mini_batch_wishes(
    bottom: Any,
    batch: explain.Wishes,
    batch_labels: NDArray[Any],
    gradient: tuple[Sequence[NDArray[Any]], Sequence[NDArray[Any]]],
) -> None:
    """Draw each example's output-bias wishes with their mean and −∂C/∂b, and every mean wish against −∇C."""
    spread_axes, agree_axes = bottom.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
    every = batch.biases[-1]  # (m, n_out)
    rng = np.random.default_rng(0)
    for x, row in enumerate(every):
        spread_axes.scatter(
            np.arange(len(row)) + rng.uniform(-0.25, 0.25, len(row)),
            row,
            s=14,
            alpha=0.6,
            color=f"C{int(batch_labels[x]) % 10}",
            label=None,
        )
    mean_w, mean_b = batch.mean()
    spread_axes.bar(
        range(len(mean_b[-1])),
        mean_b[-1],
        color="none",
        edgecolor="black",
        linewidth=1.2,
        label=f"mean of the {batch.n} wishes",
    )
    spread_axes.plot(
        range(len(mean_b[-1])), -np.asarray(gradient[1][-1]), "kx", markersize=9, label="−∂C/∂b from backprop"
    )
    spread_axes.set_label("batch")
    spread_axes.axhline(0, color="grey", linewidth=0.6)
    spread_axes.set_xticks(range(len(mean_b[-1])))
    spread_axes.set_xlabel("output neuron's bias (dots: each example's wish, coloured by its digit)")
    spread_axes.set_ylabel("wished change −∂C_x/∂b")
    spread_axes.set_title(f"a mini-batch of m = {batch.n}: the digits pull against each other")
    spread_axes.legend(loc="best", fontsize=8)
    wished = np.concatenate([np.ravel(p) for pair in zip(mean_w, mean_b) for p in pair])
    true = -np.concatenate([np.ravel(p) for pair in zip(gradient[0], gradient[1]) for p in pair])
    agree_axes.scatter(true, wished, s=4, alpha=0.5)
    agree_axes.set_label("agreement")
    low, high = float(min(true.min(), wished.min())), float(max(true.max(), wished.max()))
    agree_axes.plot([low, high], [low, high], color="grey", linewidth=0.8)
    agree_axes.set_xlabel("−∂C/∂p, backprop's gradient of the mean cost")
    agree_axes.set_ylabel("mean of the examples' wishes for p")
    agree_axes.set_title(f"all {len(true):,} weights and biases: the mean wish is −∇C")


def figure(
    kind: str,
    net: Network | None = None,
    header: dict[str, Any] | None = None,
    data: MNIST | None = None,
    example: int | None = None,
) -> Figure:
    """Return the figure of KIND, computing its numbers with `scratchnet.tutorial.explain`.

    Kinds in `figures.MODEL_KINDS` need net (and header for learning-curves); those in `figures.DATA_KINDS`
    (they read images) need data. example is the
    test digit the wishes and feature-maps figures show (default: the first 2).

    Raises ConfigError for an unknown kind or a missing argument.
    """
    if kind not in KINDS:
        raise ConfigError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if kind == "step-vs-sigmoid":
        return step_vs_sigmoid()
    if kind == "descent":
        return descent()
    if kind == "learning-curves":
        best = ((header or {}).get("history") or {}).get("best_epoch")
        return learning_curves(explain.learning_curves(header or {}), best if isinstance(best, int) else None)
    if kind == "sgd-path":
        data = _need(data, "data", kind)
        return sgd_path(explain.descent_paths(data.train.images[:500], data.train.labels[:500], steps=100))
    net = _need(net, "a network", kind)
    if kind == "hidden-weights":
        return hidden_weights(net.weights[0])
    if kind == "filters":
        return filters(explain.filters(net))
    if kind == "dream":
        return dream([explain.dream(net, j) for j in range(net.sizes[-1])])
    data = _need(data, "data", kind)
    if kind == "confusion":
        return confusion(explain.confusion_matrix(data.test.labels, net.predict(data.test.images), net.sizes[-1]))
    if kind == "mistakes":
        return mistakes(data.test.images, explain.mistakes(net, data.test.images, data.test.labels))
    if kind == "noise":
        return noise(explain.noise_confidences(net, data.test.images))
    if kind in ("wishes", "feature-maps"):
        index = explain.first_example_of(data.test.labels, 2) if example is None else example
        return _wishes_figure(net, data, index) if kind == "wishes" else _feature_maps_figure(net, data, index)
    index = explain.first_example_of(data.train.labels, 2)
    _, normalised = explain.gradient_importance(net, data.train.images[index] / 255.0, 2)
    return gradient_importance(data.train.images[index], 2, normalised)


def _wishes_figure(net: Network, data: MNIST, index: int) -> Figure:
    """Return the wishes figure of test digit `index`, its mini-batch the m digits from it on."""
    test = data.test
    if not 0 <= index < len(test):
        raise DataFormatError(f"no test digit {index}: indexes run from 0 to {len(test) - 1}")
    rows = np.arange(index, index + WISHES_BATCH) % len(test)
    X, labels = test.images[rows], test.labels[rows]
    found = explain.wishes(net, X[:1], labels[:1])
    batch = explain.wishes(net, X, labels)
    gradient = net.backprop(X, one_hot(labels, net.sizes[-1], net.dtype))
    return wishes(X[0], int(labels[0]), found, batch, labels, gradient)


def _feature_maps_figure(net: Network, data: MNIST, index: int) -> Figure:
    """Return the feature-maps figure of test digit `index`."""
    test = data.test
    if not 0 <= index < len(test):
        raise DataFormatError(f"no test digit {index}: indexes run from 0 to {len(test) - 1}")
    return feature_maps(test.images[index], int(test.labels[index]), explain.feature_maps(net, test.images[index]))


def _need(value: Any, what: str, kind: str) -> Any:
    """Return value, or raise ConfigError saying the kind needs it."""
    if value is None:
        raise ConfigError(f"the {kind} figure needs {what}; got none")
    return value
