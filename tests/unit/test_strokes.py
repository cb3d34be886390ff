"""One connected stroke is one character: every digit drawn as one long finger stroke on the explorer's canvas.

The canvas draws a stroke as one round-capped segment per touch move, 19 pixels wide (13 to 25 with a
pen's pressure) on its 280×280 pixels, and sends it reduced to 112×112 (`drawingGrey` in draw.js). Here
the same strokes are drawn the same way (supersampled, then averaged down: anti-aliased edges), with many
touch moves (60, as a finger sends them) and with few (the stroke's corners), and read by the one picture
pipeline: each must come back as exactly one character. A tall '1' once came back as "11": its middle
columns were taken for a margin line and removed, leaving the stroke's two edges.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from benchmarks.handwriting import photograph
from scratchnet.data.images import read_characters
from scratchnet.reading import load_reader, read

CANVAS = 280
SENT = 112
FINE = 4  # supersampling, for anti-aliased edges as the canvas draws them
PEN = 19

STROKES: dict[int, list[tuple[float, float]]] = {
    0: [(140 + 70 * math.sin(2 * math.pi * i / 8), 140 - 112 * math.cos(2 * math.pi * i / 8)) for i in range(9)],
    1: [(140, 40), (140, 240)],
    2: [(80, 70), (110, 30), (170, 25), (200, 70), (180, 130), (80, 250), (210, 250)],
    3: [(80, 40), (190, 40), (130, 130), (200, 190), (150, 255), (80, 230)],
    4: [(170, 260), (170, 20), (60, 180), (220, 180)],  # down the stem's line, across, in one go
    5: [(200, 25), (90, 25), (80, 125), (170, 120), (200, 190), (150, 255), (80, 240)],
    6: [(180, 25), (100, 110), (80, 200), (120, 255), (180, 230), (190, 170), (120, 150), (85, 190)],
    7: [(70, 30), (210, 30), (120, 260)],
    8: [(140, 140), (190, 85), (140, 25), (90, 85), (140, 140), (195, 200), (140, 258), (85, 200), (140, 140)],
    9: [(190, 80), (140, 25), (90, 70), (120, 120), (190, 90), (185, 260)],
}
"""Each digit as one stroke of a finger, in the canvas's pixels, most of the canvas tall."""


def touch_moves(corners: list[tuple[float, float]], moves: int) -> list[tuple[float, float]]:
    """Return the points a finger reports along the polyline through corners: moves + 1, evenly spaced."""
    points = np.array(corners, dtype=float)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])
    at = np.linspace(0.0, along[-1], moves + 1)
    return list(zip(np.interp(at, along, points[:, 0]), np.interp(at, along, points[:, 1])))


def canvas(strokes: list[list[tuple[float, float]]], pen: float = PEN) -> NDArray[np.float32]:
    """Return what the canvas sends for strokes: white round-capped segments on black, 112×112 grey levels."""
    fine = Image.new("L", (CANVAS * FINE, CANVAS * FINE), 0)
    draw = ImageDraw.Draw(fine)
    radius = pen * FINE / 2
    for points in strokes:
        scaled = [(x * FINE, y * FINE) for x, y in points]
        for start, end in zip(scaled, scaled[1:]):
            draw.line([start, end], fill=255, width=round(pen * FINE))
        for x, y in scaled:  # each segment's round caps
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)
    return np.asarray(fine.resize((SENT, SENT), Image.Resampling.BOX), dtype=np.float32) / 255


@pytest.mark.parametrize("moves", [60, 12, None], ids=["60 moves", "12 moves", "corners only"])
@pytest.mark.parametrize("digit", sorted(STROKES))
def test_a_digit_drawn_in_one_long_stroke_is_one_character(digit: int, moves: int | None):
    corners = STROKES[digit]
    points = corners if moves is None else touch_moves(corners, moves)
    for pen in (13, PEN, 25):  # light, usual and hard pressure
        characters = read_characters(canvas([points], pen))
        assert len(characters) == 1, (digit, moves, pen, [c.box for c in characters])
        reading = read(canvas([points], pen), load_reader()[0])  # nor does the reader join or cut it
        assert len(reading.characters) == 1, (digit, moves, pen, reading.text)


@pytest.mark.parametrize("top", [10, 25, 40, 55, 70])
def test_a_tall_straight_one_is_one_character_at_every_length_and_place(top: int):
    for x in (60, 140, 230):
        for slant in (0, 12):  # upright, and leaning within the tilts looked at for ruled lines
            points = touch_moves([(x + slant / 2, top), (x - slant / 2, CANVAS - top)], 60)
            for pen in (13, PEN, 25):
                characters = read_characters(canvas([points], pen))
                assert len(characters) == 1, (top, x, slant, pen, [c.box for c in characters])


def test_a_tall_one_photographed_on_lined_paper_is_one_character():
    for seed in range(6):
        ink = canvas([touch_moves(STROKES[1], 60)], 13)
        characters = read_characters(photograph(ink, np.random.default_rng(seed)))
        assert len(characters) == 1, (seed, [c.box for c in characters])


def test_two_tall_ones_side_by_side_are_two_characters():
    strokes = [touch_moves([(90, 40), (90, 240)], 60), touch_moves([(190, 40), (190, 240)], 60)]
    characters = read_characters(canvas(strokes))
    assert len(characters) == 2
    (x1, _, w1, _), (x2, _, _, _) = (c.box for c in characters)
    assert x1 + w1 < x2  # left to right, apart
