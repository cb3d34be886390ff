"""A training History drawn for Jupyter: the accuracy curve as inline SVG above a table of the epochs.

Plain HTML and SVG, no plotting library, so `History._repr_html_` works wherever a notebook does.
The curve plots the validation accuracy of each epoch where there is one, else the training accuracy,
on a y axis from the lowest accuracy reached to 100%.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

WIDTH, HEIGHT, MARGIN = 360, 140, 28
"""The curve's size in pixels and the room left for the axis labels."""
OPEN_TABLE_EPOCHS = 10
"""Histories of at most this many epochs show their table open; longer ones fold it away."""


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.2f}%"


def _curve(accuracies: Sequence[float], best: int | None, label: str) -> str:
    """Return an SVG polyline of accuracy against epoch 1..n, the best epoch marked with a dot."""
    low = min(min(accuracies), 0.99)
    span = max(1 - low, 1e-9)
    step = (WIDTH - 2 * MARGIN) / max(len(accuracies) - 1, 1)

    def point(i: int, accuracy: float) -> tuple[float, float]:
        return MARGIN + i * step, MARGIN / 2 + (1 - accuracy) / span * (HEIGHT - 1.5 * MARGIN)

    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, a) for i, a in enumerate(accuracies)))
    marker = ""
    if best is not None and 1 <= best <= len(accuracies):
        x, y = point(best - 1, accuracies[best - 1])
        marker = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#d62728"><title>best: epoch {best}</title></circle>'
    axis_y = HEIGHT - MARGIN
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{label} by epoch">'
        f'<line x1="{MARGIN}" y1="{axis_y}" x2="{WIDTH - MARGIN}" y2="{axis_y}" stroke="#999"/>'
        f'<text x="{MARGIN}" y="{HEIGHT - 8}" font-size="11">1</text>'
        f'<text x="{WIDTH - MARGIN}" y="{HEIGHT - 8}" font-size="11" text-anchor="end">epoch {len(accuracies)}</text>'
        f'<text x="2" y="{MARGIN / 2 + 4}" font-size="11">100%</text>'
        f'<text x="2" y="{axis_y}" font-size="11">{100 * low:.0f}%</text>'
        f'<polyline points="{points}" fill="none" stroke="#1f77b4" stroke-width="2"/>{marker}</svg>'
    )


def history_html(epochs: Sequence[Any], best_epoch: int | None) -> str:
    """Return the HTML of a History: a line of summary, the accuracy curve and the per-epoch table.

    epochs are EpochRecords (epoch, training_cost, training_accuracy, validation_accuracy, seconds).
    """
    if not epochs:
        return "<div><b>History</b>: no epochs yet</div>"
    validated = all(r.validation_accuracy is not None for r in epochs)
    label = "validation accuracy" if validated else "training accuracy"
    accuracies = [r.validation_accuracy if validated else r.training_accuracy for r in epochs]
    bold = ' style="font-weight:bold"'
    rows = "".join(
        f"<tr{bold if r.epoch == best_epoch else ''}><td>{r.epoch}</td><td>{r.training_cost:.4f}</td>"
        f"<td>{_percent(r.training_accuracy)}</td><td>{_percent(r.validation_accuracy)}</td><td>{r.seconds:.2f}</td></tr>"
        for r in epochs
    )
    best = f", best {label} {_percent(accuracies[best_epoch - 1])} at epoch {best_epoch}" if best_epoch else ""
    opened = " open" if len(epochs) <= OPEN_TABLE_EPOCHS else ""
    return (
        f"<div><b>History</b>: {len(epochs)} epochs{best}<br>{_curve(accuracies, best_epoch, label)}"
        f"<details{opened}><summary>epochs</summary><table><thead><tr><th>epoch</th><th>training cost</th>"
        "<th>training accuracy</th><th>validation accuracy</th><th>seconds</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details></div>"
    )
