"""A line of writing photographed turned: its angle, and the picture turned back so that the line lies level.

A phone held askew photographs a number along a slope. The networks learnt upright digits: each digit of a line
turned by 30° is a digit turned by 30°, and the layout, which separates characters by their columns, sees a
turned digit wider than it is and joins it to its neighbour. A number written on a slope is also a line whose
characters' centres (x_i, y_i) climb or fall together, which upright writing does not do; the least-squares
line through them,

    slope = Σ (x_i − x̄)(y_i − ȳ) / Σ (x_i − x̄)²,   θ = arctan(slope),

gives the angle (pixels' y grows downwards, so θ > 0 is a line falling to the right). The picture turned by −θ
about its centre holds the same line level. `scratchnet.reading.read` reads it both ways when the line is steep
enough and keeps the surer reading; boxes read in the level picture are turned back into the picture's own
pixels (`Level.to_picture`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

Box = tuple[int, int, int, int]
"""(x, y, w, h) in a picture's pixels."""


def line_angle(boxes: list[Box]) -> float:
    """Return θ in degrees, the angle of the least-squares line through the boxes' centres (0 for fewer than two).

    Positive where the line falls to the right (y grows downwards). Boxes stacked in one column have no line
    across: 90.
    """
    if len(boxes) < 2:
        return 0.0
    centres = np.array([(x + w / 2, y + h / 2) for x, y, w, h in boxes], dtype=np.float64)
    dx, dy = (centres - centres.mean(axis=0)).T
    spread = float(dx @ dx)
    if spread == 0.0:
        return 90.0
    return math.degrees(math.atan(float(dx @ dy) / spread))


@dataclass(frozen=True)
class Level:
    """A crop of a picture turned by −θ so that a line at θ lies level: `grey`, and how to go back.

    A pixel p' of `grey` (x right, y down) came from p = R(θ)(p' − c') + c of the picture, where c' and c are
    the centres of the level crop and of the crop in the picture, and R(θ) = [[cos θ, −sin θ], [sin θ, cos θ]].
    """

    grey: NDArray[np.float32]
    degrees: float
    centre: tuple[float, float]  # c: the crop's centre in the picture's pixels (x, y)
    picture_shape: tuple[int, int]

    def to_picture(self, box: Box) -> Box:
        """Return the box in the picture's pixels that holds the given box of the level picture, turned back."""
        x, y, w, h = box
        corners = np.array([(x, y), (x + w, y), (x, y + h), (x + w, y + h)], dtype=np.float64)
        height, width = self.grey.shape
        theta = math.radians(self.degrees)
        turn = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
        back = (corners - (width / 2, height / 2)) @ turn.T + self.centre
        rows, columns = self.picture_shape
        left, top = np.clip(np.floor(back.min(axis=0)), 0, (columns - 1, rows - 1)).astype(int)
        right, bottom = np.clip(np.ceil(back.max(axis=0)), 1, (columns, rows)).astype(int)
        return int(left), int(top), max(1, int(right - left)), max(1, int(bottom - top))


def level(grey: NDArray[np.floating], boxes: list[Box], degrees: float) -> Level:
    """Return the writing in `boxes`, cropped from the picture with a margin of its tallest box, turned by −degrees.

    Only the writing is turned (a photo may hold 12 million pixels, a number a few thousand). What the turn
    brings in from outside the crop is filled with the grey of the crop's edge, which is paper: writing seldom
    reaches it.
    """
    margin = max(h for _, _, _, h in boxes)
    rows, columns = grey.shape
    left = max(0, min(x for x, _, _, _ in boxes) - margin)
    top = max(0, min(y for _, y, _, _ in boxes) - margin)
    right = min(columns, max(x + w for x, _, w, _ in boxes) + margin)
    bottom = min(rows, max(y + h for _, y, _, h in boxes) + margin)
    crop = np.asarray(grey[top:bottom, left:right], dtype=np.float32)
    edge = np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]])
    theta = math.radians(degrees)
    cos, sin = abs(math.cos(theta)), abs(math.sin(theta))
    height, width = crop.shape
    shape = (round(height * cos + width * sin), round(width * cos + height * sin))
    # In (row, column) order, the input pixel of output pixel o is M (o − c') + c with M = R(θ) written for (y, x).
    matrix = np.array([[math.cos(theta), math.sin(theta)], [-math.sin(theta), math.cos(theta)]])
    centre_in = np.array([(height - 1) / 2, (width - 1) / 2])
    centre_out = np.array([(shape[0] - 1) / 2, (shape[1] - 1) / 2])
    turned = ndimage.affine_transform(
        crop, matrix, offset=centre_in - matrix @ centre_out, output_shape=shape, order=1, cval=float(np.median(edge))
    )
    centre = (left + width / 2, top + height / 2)
    return Level(turned.astype(np.float32), degrees, centre, (rows, columns))
