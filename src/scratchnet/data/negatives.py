"""Pictures that are not digits, made up: the examples of the reader's eleventh class, "not a digit".

A network trained only on digits has no way to say "none of these": its softmax shares all the
probability among the ten, so a scribble comes back as a confident 3. Given an eleventh output
neuron and examples of what is not a digit, the same cost (log-likelihood) teaches it to put the
probability there instead, and P(not a digit) is learnt like any other class (the "background class"
of detectors). The examples are drawn afresh from a seeded generator, each of one kind:

    letters     capitals and small letters that no digit resembles, in Pillow's built-in font
                (Aileron, shipped inside Pillow, so every install makes the same pictures), slanted,
                rotated and stroked to a random thickness;
    scribbles   smooth tangles through 6–12 random points; a pen wandering (a walk whose heading drifts);
                rows of cursive loops; zigzags; spirals;
    shapes      squares, triangles, polygons of 5 to 9 sides, stars, crosses, hearts, grids, arrows,
                faces (an outline with eyes and a mouth), filled blobs; rings and squares with a
                dot, a cross, a bar or a smaller ring inside;
    noise       a scatter of dots and short dashes; a field of random strokes;
    pairs       two digits of the training images side by side, touching or overlapping a little: what a
                number's layout leaves as one character when two digits touch (`digit_pairs`).

Each is drawn white on black on a CANVAS × CANVAS page with a round pen, then boxed into 20×20 and
centred by mass in 28×28 by `scratchnet.data.characters.mnist_field`, exactly as a real picture's
characters are, so the network sees them as it will see a user's scribble.
Lone circles and lone straight strokes are never drawn: they are a 0 and a 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from scratchnet.data.characters import mnist_field

CANVAS = 112
LETTERS = "ACEFHKMNPRUVWXYacefhkmnprtuvwxy#%&@*+=<>$"
"""Letters and signs whose shapes no digit shares (no O, I, l, S, Z, B, g, q, b: a 0, 1, 5, 2, 8, 9, 6)."""

Point = tuple[float, float]
Kind = Callable[[ImageDraw.ImageDraw, np.random.Generator, int], None]


def _pen(rng: np.random.Generator) -> int:
    """Return a pen width in pixels of the 112-pixel canvas (MNIST's strokes are about 10 of 112)."""
    return int(rng.integers(5, 17))


def _random_points(rng: np.random.Generator, count: int, margin: int = 14) -> list[Point]:
    return [(float(x), float(y)) for x, y in rng.uniform(margin, CANVAS - margin, (count, 2))]


def _smooth(points: list[Point], steps: int = 12) -> list[Point]:
    """Return the Catmull–Rom curve through points, `steps` segments between each two."""
    padded = [points[0], *points, points[-1]]
    curve = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = (np.array(p) for p in padded[i - 1 : i + 3])
        for t in np.linspace(0, 1, steps, endpoint=False):
            curve.append(
                tuple(
                    0.5
                    * (
                        (2 * p1)
                        + (-p0 + p2) * t
                        + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                        + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3
                    )
                )
            )
    curve.append(points[-1])
    return [(float(x), float(y)) for x, y in curve]


def _stroke(draw: ImageDraw.ImageDraw, points: list[Point], width: int) -> None:
    """Draw a polyline with a round pen (round joints and ends, as a finger or a felt pen)."""
    draw.line(points, fill=255, width=width, joint="curve")
    radius = width / 2
    for x, y in (points[0], points[-1]):
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)


def letter(draw: ImageDraw.ImageDraw, rng: np.random.Generator, width: int) -> None:
    """Draw one letter or sign of LETTERS in Pillow's built-in font, outlined to a random weight."""
    font = ImageFont.load_default(size=int(rng.integers(60, 90)))
    char = LETTERS[int(rng.integers(len(LETTERS)))]
    draw.text(
        (CANVAS / 2, CANVAS / 2),
        char,
        fill=255,
        font=font,
        anchor="mm",
        stroke_width=int(rng.integers(0, 5)),
        stroke_fill=255,
    )


def scribble(draw: ImageDraw.ImageDraw, rng: np.random.Generator, width: int) -> None:
    """Draw a smooth tangle through 6 to 12 random points."""
    _stroke(draw, _smooth(_random_points(rng, int(rng.integers(6, 13)))), width)


def wander(draw: ImageDraw.ImageDraw, rng: np.random.Generator, width: int) -> None:
    """Draw a pen wandering: 50 to 90 short steps whose heading drifts at random, kept on the page.

    A doodle's many small turns and crossings, where a digit is a few purposeful strokes.
    """
    point, heading, step = np.array([CANVAS / 2, CANVAS / 2]), rng.uniform(0, 2 * math.pi), rng.uniform(3, 4.5)
    points: list[Point] = []
    for turn in rng.normal(0, rng.uniform(0.4, 0.9), int(rng.integers(50, 91))):
        heading += turn
        point = np.clip(point + step * np.array([math.cos(heading), math.sin(heading)]), 14, CANVAS - 14)
        points.append((float(point[0]), float(point[1])))
    _stroke(draw, points, width)


def loops(draw: ImageDraw.ImageDraw, rng: np.random.Generator, width: int) -> None:
    """Draw a row of 3 to 6 loops, as a cursive 'eeee' or 'llll' (lying or standing)."""
    count = int(rng.integers(3, 7))
    t = np.linspace(0, 2 * math.pi * count, 60 * count)
    size = rng.uniform(0.5, 1.2)
    xs = 14 + (CANVAS - 28) * t / t[-1] - 10 * size * np.sin(t)
    ys = CANVAS / 2 - 22 * size * (1 - np.cos(t)) / 2 * rng.uniform(0.8, 1.2)
    points = [(float(x), float(y + 10)) for x, y in zip(xs, ys)]
    if rng.random() < 0.3:
        points = [(y, x) for x, y in points]
    _stroke(draw, points, width)


def ring(draw: ImageDraw.ImageDraw, rng: np.random.Generator, width: int) -> None:
    """Draw a circle or a square with something inside or across it: a dot, a cross, a bar, a smaller ring."""
    c, r = CANVAS / 2, rng.uniform(30, 44)
    if rng.random() < 0.6:
        draw.ellipse((c - r, c - r * rng.uniform(0.7, 1), c + r, c + r * rng.uniform(0.7, 1)), outline=255, width=width)
    else:
        _polygon(draw, [(c - r, c - r), (c + r, c - r), (c + r, c + r), (c - r, c + r)], width)
    inside = int(rng.integers(4))
    if inside == 0:
        e = rng.uniform(4, 10)
        draw.ellipse((c - e, c - e, c + e, c + e), fill=255)
    elif inside == 1:
        q = r * (0.7 if rng.random() < 0.5 else 1.0)
        _stroke(draw, [(c - q, c - q), (c + q, c + q)], width)
        _stroke(draw, [(c - q, c + q), (c + q, c - q)], width)
    elif inside == 2:
        _stroke(draw, [(c - r, c), (c + r, c)], width)
        if rng.random() < 0.5:
            _stroke(draw, [(c, c - r), (c, c + r)], width)
    else:
        q = r * rng.uniform(0.35, 0.55)
        draw.ellipse((c - q, c - q, c + q, c + q), outline=255, width=max(3, width * 2 // 3))


def zigzag(draw: ImageDraw.ImageDraw, rng: np.random.Generator, width: int) -> None:
    """Draw a zigzag or a wave of 4 to 8 teeth, lying or standing."""
    teeth = int(rng.integers(4, 9))
    xs = np.linspace(14, CANVAS - 14, teeth + 1)
    ys = np.where(np.arange(teeth + 1) % 2 == 0, CANVAS / 2 - rng.uniform(12, 30), CANVAS / 2 + rng.uniform(12, 30))
    points = [(float(x), float(y)) for x, y in zip(xs, ys)]
    if rng.random() < 0.5:
        points = _smooth(points)
    if rng.random() < 0.3:
        points = [(y, x) for x, y in points]
    _stroke(draw, points, width)


def spiral(draw: ImageDraw.ImageDraw, rng: np.random.Generator, width: int) -> None:
    """Draw a spiral of 1.8 to 3.5 turns."""
    turns = rng.uniform(1.8, 3.5)
    t = np.linspace(0, 2 * math.pi * turns, 120)
    radius = 6 + (CANVAS / 2 - 14 - 6) * t / t[-1]
    direction = 1 if rng.random() < 0.5 else -1
    _stroke(
        draw,
        [(CANVAS / 2 + r * math.cos(a), CANVAS / 2 + direction * r * math.sin(a)) for r, a in zip(radius, t)],
        width,
    )


def _polygon(draw: ImageDraw.ImageDraw, corners: list[Point], width: int, filled: bool = False) -> None:
    if filled:
        draw.polygon(corners, fill=255)
    else:
        _stroke(draw, [*corners, corners[0]], width)


def _regular_polygon(c: float, r: float, sides: int, turn: float) -> list[tuple[float, float]]:
    """Return the corners of a regular polygon of radius r about (c, c), the first at angle `turn`."""
    return [(c + r * math.cos(a), c + r * math.sin(a)) for a in turn + np.arange(sides) * 2 * math.pi / sides]


def shape(draw: ImageDraw.ImageDraw, rng: np.random.Generator, width: int) -> None:
    """Draw a square, triangle, star, cross, heart, grid, arrow, face or blob (one at random)."""
    c, r = CANVAS / 2, rng.uniform(30, 44)
    kind = int(rng.integers(10))
    if kind == 9:  # a polygon of 5 to 9 sides, regular or not: corners and straight sides, where a 0 has none
        corners = _regular_polygon(c, r, int(rng.integers(5, 10)), rng.uniform(0, 1))
        if rng.random() < 0.5:
            corners = [
                (c + (x - c) * q, c + (y - c) * q) for (x, y), q in zip(corners, rng.uniform(0.75, 1, len(corners)))
            ]
        _polygon(draw, corners, width)
    elif kind == 0:  # square or rectangle
        w, h = r * rng.uniform(0.7, 1), r * rng.uniform(0.7, 1)
        _polygon(draw, [(c - w, c - h), (c + w, c - h), (c + w, c + h), (c - w, c + h)], width, rng.random() < 0.2)
    elif kind == 1:  # triangle, standing on its base
        _polygon(draw, _regular_polygon(c, r, 3, rng.uniform(0, 0.4) - math.pi / 2), width)
    elif kind == 2:  # five-pointed star
        a = np.arange(10) * math.pi / 5 - math.pi / 2
        radii = np.where(np.arange(10) % 2 == 0, r, r * 0.42)
        _polygon(draw, [(c + q * math.cos(b), c + q * math.sin(b)) for q, b in zip(radii, a)], width)
    elif kind == 3:  # cross or X
        turn = 0 if rng.random() < 0.5 else math.pi / 4
        for angle in (turn, turn + math.pi / 2):
            dx, dy = r * math.cos(angle), r * math.sin(angle)
            _stroke(draw, [(c - dx, c - dy), (c + dx, c + dy)], width)
    elif kind == 4:  # heart
        t = np.linspace(0, 2 * math.pi, 60)
        xs, ys = 16 * np.sin(t) ** 3, -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        _polygon(draw, [(c + r * x / 17, c + r * y / 17) for x, y in zip(xs, ys)], width, rng.random() < 0.3)
    elif kind == 5:  # a grid or hatching
        lines = int(rng.integers(3, 5))
        for q in np.linspace(c - r, c + r, lines):
            _stroke(draw, [(q, c - r), (q, c + r)], width)
            if rng.random() < 0.8:
                _stroke(draw, [(c - r, q), (c + r, q)], width)
    elif kind == 6:  # an arrow
        _stroke(draw, [(c - r, c), (c + r, c)], width)
        _stroke(draw, [(c + r * 0.4, c - r * 0.5), (c + r, c), (c + r * 0.4, c + r * 0.5)], width)
    elif kind == 7:  # a face: outline, eyes, mouth
        draw.ellipse((c - r, c - r, c + r, c + r), outline=255, width=width)
        for side in (-1, 1):
            e = max(3.0, width / 1.5)
            draw.ellipse((c + side * r * 0.4 - e, c - r * 0.3 - e, c + side * r * 0.4 + e, c - r * 0.3 + e), fill=255)
        draw.arc(
            (c - r * 0.55, c - r * 0.4, c + r * 0.55, c + r * 0.6), 20, 160, fill=255, width=max(3, width * 2 // 3)
        )
    else:  # a filled blob
        angles = np.sort(rng.uniform(0, 2 * math.pi, 7))
        _polygon(
            draw,
            [(c + r * rng.uniform(0.5, 1) * math.cos(a), c + r * rng.uniform(0.5, 1) * math.sin(a)) for a in angles],
            width,
            True,
        )


def noise(draw: ImageDraw.ImageDraw, rng: np.random.Generator, width: int) -> None:
    """Draw a scatter of 6 to 25 dots and dashes over the page."""
    for _ in range(int(rng.integers(6, 26))):
        x, y = rng.uniform(10, CANVAS - 10, 2)
        if rng.random() < 0.5:
            e = rng.uniform(2, 7)
            draw.ellipse((x - e, y - e, x + e, y + e), fill=255)
        else:
            dx, dy = rng.uniform(-12, 12, 2)
            _stroke(draw, [(x, y), (x + dx, y + dy)], max(3, width // 2))


KINDS: dict[str, Kind] = {
    "letter": letter,
    "scribble": scribble,
    "wander": wander,
    "loops": loops,
    "zigzag": zigzag,
    "spiral": spiral,
    "shape": shape,
    "ring": ring,
    "noise": noise,
}
"""The kinds of negative, by name; `negatives` draws them in the proportions of WEIGHTS."""
WEIGHTS = {
    "letter": 0.3,
    "scribble": 0.12,
    "wander": 0.06,
    "loops": 0.07,
    "zigzag": 0.06,
    "spiral": 0.05,
    "shape": 0.2,
    "ring": 0.08,
    "noise": 0.06,
}


def render(kind: Kind, rng: np.random.Generator) -> NDArray[np.float32]:
    """Return one negative of the given kind as a (784,) input in [0, 1], boxed and centred as MNIST's."""
    page = Image.new("L", (CANVAS, CANVAS), 0)
    kind(ImageDraw.Draw(page), rng, _pen(rng))
    shear, angle = rng.uniform(-0.3, 0.3), rng.uniform(-25, 25)
    page = page.transform(
        page.size, Image.Transform.AFFINE, (1, shear, -shear * CANVAS / 2, 0, 1, 0), Image.Resampling.BILINEAR
    )
    page = page.rotate(angle, Image.Resampling.BILINEAR)
    ink = np.asarray(page, dtype=np.float32) / 255.0
    if ink.max() <= 0:
        ink[CANVAS // 2 - 8 : CANVAS // 2 + 8, CANVAS // 2 - 8 : CANVAS // 2 + 8] = 1.0
    return mnist_field(ink)


def negatives(count: int, seed: int | list[int]) -> NDArray[np.uint8]:
    """Return count made-up pictures that are not digits, (count, 784) uint8 grey levels, from seed.

    The same count and seed always give the same pictures (Pillow's built-in font included).
    """
    rng = np.random.default_rng(seed)
    names = list(WEIGHTS)
    chosen = rng.choice(len(names), size=count, p=[WEIGHTS[name] for name in names])
    images = np.empty((count, 784), dtype=np.uint8)
    for i, which in enumerate(chosen):
        images[i] = np.round(render(KINDS[names[which]], rng) * 255).astype(np.uint8)
    return images


NEGATIVE_SHARE = 0.3
"""How many drawn negatives join the digits when a network has a "not a digit" output: 0.3 as many."""

PAIR_SHARE = 0.06
"""How many pairs of touching digits join them besides (`digit_pairs`): 0.06 as many as the digits."""


def _ink_columns(image: NDArray[np.uint8]) -> NDArray[np.float32]:
    """Return a 28×28 digit as grey levels in [0, 1], cut to the columns that hold its ink (all of a blank one)."""
    grey = image.reshape(28, 28).astype(np.float32) / 255.0
    columns = np.flatnonzero(grey.max(axis=0) > 0)
    return grey[:, columns[0] : columns[-1] + 1] if len(columns) else grey


def digit_pairs(images: NDArray[np.uint8], count: int, rng: np.random.Generator) -> NDArray[np.uint8]:
    """Return count pictures of two of `images` side by side, touching or overlapping: (count, 784) uint8.

    Two digits that touch in a written number are one piece, and the layout gives them to the network
    as one character; read as "not a digit", it is cut into its digits (`scratchnet.segmenting`), read as a
    digit it is one misread digit. Each pair: the second digit's ink starts up to 3 pixels before (never
    more than a third of the narrower digit's width) to 1 pixel after the first's ends (at 28×28), up to 3
    pixels higher or lower; the two are joined by the brighter pixel and boxed and centred by
    `mnist_field`, as the layout boxes a character.
    """
    picks = rng.integers(0, len(images), (count, 2))
    gaps, lifts = rng.integers(-3, 2, count), rng.integers(-3, 4, count)
    pairs = np.empty((count, 784), dtype=np.uint8)
    for i, ((first, second), gap, lift) in enumerate(zip(picks, gaps, lifts)):
        left, right = _ink_columns(images[first]), _ink_columns(images[second])
        overlap = min(-int(gap), min(left.shape[1], right.shape[1]) // 3)
        start = left.shape[1] - overlap
        page = np.zeros((34, max(left.shape[1], start + right.shape[1])), dtype=np.float32)
        page[3:31, : left.shape[1]] = left
        window = page[3 + lift : 31 + lift, start : start + right.shape[1]]
        np.maximum(window, right, out=window)
        pairs[i] = np.round(mnist_field(page) * 255).astype(np.uint8) if page.any() else 0
    return pairs


def with_negatives(
    images: NDArray[np.uint8], labels: NDArray[np.uint8], label: int, seed: int, part: int
) -> tuple[NDArray[np.uint8], NDArray[np.uint8], int]:
    """Return (images, labels, count) with count = (NEGATIVE_SHARE + PAIR_SHARE) · n negatives appended under `label`.

    The drawn negatives come from the seeds [seed, part] and the pairs from [seed, part, 1], made of the
    part's own digits; `part` keeps the parts apart (0 training, 1 validation), so no training picture
    is also a validation picture.
    """
    made = negatives(round(NEGATIVE_SHARE * len(images)), [seed, part])
    pairs = digit_pairs(images, round(PAIR_SHARE * len(images)), np.random.default_rng([seed, part, 1]))
    count = len(made) + len(pairs)
    return (
        np.concatenate([images, made, pairs]),
        np.concatenate([labels, np.full(count, label, dtype=labels.dtype)]),
        count,
    )
