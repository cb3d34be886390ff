"""Pictures the way real input arrives, made from MNIST's TEST digits, with their known answers.

These are the evaluation sets of docs/reading.md and the pictures of the preprocessing tests. They are
built apart from the training distortions on purpose (`scratchnet.data.augment` works on 28×28 grey
levels; these work on whole pages, at a page's resolution), and from the test digits only, so no
reader was ever tuned on them:

    drawing   a digit as a person draws it: the test digit enlarged 5–12×, cut to a solid stroke
              (a pen has no grey), the stroke made thick or thin, slanted, placed off-centre on a
              400×400 page, dark on light (or light on dark, as a canvas may be);
    photo     the drawing's stroke written on paper and photographed: tinted paper with grain,
              ruled lines (blue or grey, slightly tilted), a margin line sometimes, a soft shadow
              across the page, blue or black ink, blur, a small rotation, JPEG at quality 55–85;
    chalkboard  the drawing's stroke chalked on a green or black board and photographed: grainy
              chalk, wiped chalk smeared over the board, the light falling off across it, blur, JPEG;
    number    2–6 test digits written in a row, spaced and jittered as handwriting is (drawn or
              photographed), apart or touching; the truth is the digit string and each digit's box;
    turned    a number drawn on a turned canvas, or its page photographed with the phone held askew;
    one_under_another  pages of writing set one under another: lines of writing on one page;
    scan      a test digit scanned at another resolution: grey (anti-aliased), 10 to 160 pixels
              tall, with scanner noise;
    nondigit  things that are not digits, drawn with a pen on a page, by generators the reader's
              negatives never used: letters and words in the DejaVu fonts (the reader's are in
              Pillow's built-in Aileron), random-walk scribbles, houses, stick figures, polygons,
              hatched ellipses, clouds.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter, ImageFont

Grey = NDArray[np.float32]
Box = tuple[int, int, int, int]
FONTS = Path("/usr/share/fonts/truetype/dejavu")


def _stroke_of(digit: NDArray[np.uint8], height: int, pen: float, slant: float) -> Image.Image:
    """Return the test digit as a solid pen stroke ('L', ink 255), `height` pixels tall, slanted, of pen width `pen` (× MNIST's)."""
    small = Image.fromarray(digit.reshape(28, 28))
    rows = np.flatnonzero(np.asarray(small).max(axis=1) > 40)
    columns = np.flatnonzero(np.asarray(small).max(axis=0) > 40)
    small = small.crop((columns[0], rows[0], columns[-1] + 1, rows[-1] + 1))
    factor = height / small.height
    big = small.resize((max(2, round(small.width * factor)), height), Image.Resampling.BICUBIC)
    grow = round(abs(pen - 1) * factor * 1.2) | 1
    if pen > 1.15 and grow > 1:
        big = big.filter(ImageFilter.MaxFilter(min(grow, 31)))
    elif pen < 0.85 and grow > 1:
        big = big.filter(ImageFilter.MinFilter(min(grow, 9)))
    margin = round(abs(slant) * height) + 4
    wide = Image.new("L", (big.width + 2 * margin, big.height), 0)
    wide.paste(big, (margin, 0))
    sheared = wide.transform(
        wide.size, Image.Transform.AFFINE, (1, slant, -slant * wide.height / 2, 0, 1, 0), Image.Resampling.BICUBIC
    )
    solid = sheared.point(lambda v: 255 if v > 110 else 0)
    box = solid.getbbox() or (0, 0, 1, 1)
    return solid.crop(box)


def drawing(digit: NDArray[np.uint8], rng: np.random.Generator, side: int = 400) -> tuple[Grey, Box]:
    """Return (page of grey levels in [0, 1], the digit's box) for one test digit drawn on a side × side page."""
    stroke = _stroke_of(
        digit, int(rng.integers(side // 5, side * 3 // 5)), rng.uniform(0.6, 2.2), rng.uniform(-0.3, 0.3)
    )
    page = Image.new("L", (side, side), 0)
    x = int(rng.integers(8, max(9, side - stroke.width - 8)))
    y = int(rng.integers(8, max(9, side - stroke.height - 8)))
    page.paste(stroke, (x, y))
    ink = np.asarray(page, dtype=np.float32) / 255
    grey = ink if rng.random() < 0.2 else 1.0 - ink  # a fifth drawn light on dark, as on the explorer's canvas
    return grey, (x, y, stroke.width, stroke.height)


SPACED = (0.12, 0.45)
"""The gaps between a number's digits, as fractions of its height: written apart, as most people write."""
TOUCHING = (-0.08, 0.0)
"""... and written close: each digit touching the one before it or overlapping it by up to 8% of the height."""


def number(
    digits: list[NDArray[np.uint8]], rng: np.random.Generator, spacing: tuple[float, float] = SPACED
) -> tuple[Grey, list[Box]]:
    """Return (page, boxes) for test digits written left to right in a row, dark on light, `spacing` apart."""
    height = int(rng.integers(50, 120))
    pen, slant = rng.uniform(0.7, 1.8), rng.uniform(-0.25, 0.25)
    strokes = [_stroke_of(d, int(height * rng.uniform(0.9, 1.1)), pen, slant) for d in digits]
    gaps = [int(rng.uniform(*spacing) * height) for _ in strokes]
    width = sum(s.width for s in strokes) + sum(gaps) + 2 * height
    page = Image.new("L", (width, 3 * height), 0)
    boxes, x = [], height
    for stroke, gap in zip(strokes, gaps):
        y = height + int(rng.integers(-height // 8, height // 8 + 1))
        page.paste(stroke, (x, y), stroke)
        boxes.append((x, y, stroke.width, stroke.height))
        x += stroke.width + gap
    return 1.0 - np.asarray(page, dtype=np.float32) / 255, boxes


def one_under_another(pages: list[Grey], gap: float) -> Grey:
    """Return pages of writing (dark on light) cut to their rows of ink and set one under another, left-aligned,
    `gap` of the tallest's height apart, with a margin of that height above and below: lines of writing."""
    lines = []
    for page in pages:
        rows = np.flatnonzero((page < 0.7).any(axis=1))
        lines.append(page[rows[0] : rows[-1] + 1])
    height, width = max(line.shape[0] for line in lines), max(line.shape[1] for line in lines)
    space, parts = np.ones((int(gap * height), width), np.float32), [np.ones((height, width), np.float32)]
    for line in lines:
        parts += [np.pad(line, ((0, 0), (0, width - line.shape[1])), constant_values=1.0), space]
    return np.vstack([*parts[:-1], parts[0]]).astype(np.float32)


def photograph(ink: Grey, rng: np.random.Generator, quality: int | None = None) -> Grey:
    """Return the page's ink (1 = ink) written on lined paper and photographed: colour, lines, shadow, JPEG."""
    height, width = ink.shape
    paper = np.array([rng.uniform(0.82, 0.97), rng.uniform(0.8, 0.95), rng.uniform(0.72, 0.92)], dtype=np.float32)
    rgb = np.broadcast_to(paper, (height, width, 3)).copy()
    rgb *= 1 + rng.normal(0, 0.025, (height, width, 1)).astype(np.float32)  # paper grain
    spacing = rng.uniform(0.1, 0.2) * height
    tilt = math.tan(math.radians(rng.uniform(-2.5, 2.5)))
    line_colour = np.array([0.55, 0.68, 0.9] if rng.random() < 0.6 else [0.62, 0.62, 0.62], dtype=np.float32)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = (ys - xs * tilt - rng.uniform(0, spacing)) % spacing
    on_line = np.clip(1.6 - np.abs(phase - spacing / 2) / 0.9, 0, 1)[..., None]  # lines ~2 px wide
    rgb = rgb * (1 - on_line) + line_colour * on_line
    if rng.random() < 0.4:  # a margin line, red
        margin = rng.uniform(0.05, 0.15) * width
        near = np.clip(1.5 - np.abs(xs - margin) / 1.0, 0, 1)[..., None]
        rgb = rgb * (1 - near) + np.array([0.85, 0.35, 0.35], dtype=np.float32) * near
    ink_colour = np.array([0.1, 0.15, 0.45] if rng.random() < 0.5 else [0.12, 0.12, 0.14], dtype=np.float32)
    strength = ink[..., None] * rng.uniform(0.75, 0.95)
    rgb = rgb * (1 - strength) + ink_colour * strength
    angle = rng.uniform(0, 2 * math.pi)  # a shadow: one side of a soft edge darker
    edge = (xs - width / 2) * math.cos(angle) + (ys - height / 2) * math.sin(angle) - rng.uniform(-0.3, 0.3) * width
    shade = 1 - rng.uniform(0.3, 0.55) / (1 + np.exp(-edge / (0.05 * width)))
    rgb *= (shade * (1 - 0.15 * ((xs / width - 0.5) ** 2 + (ys / height - 0.5) ** 2)))[..., None]  # and vignetting
    picture = Image.fromarray(np.clip(rgb * 255, 0, 255).astype(np.uint8), "RGB")
    picture = picture.rotate(
        rng.uniform(-3, 3), Image.Resampling.BICUBIC, fillcolor=tuple(int(255 * c * 0.7) for c in paper)
    )
    picture = picture.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.3)))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality or int(rng.integers(55, 86)))
    return np.asarray(Image.open(buffer).convert("L"), dtype=np.float32) / 255


def photo(digit: NDArray[np.uint8], rng: np.random.Generator) -> Grey:
    """Return a phone photo (grey levels, from JPEG) of one test digit written on lined paper."""
    side = int(rng.integers(360, 900))
    grey, _ = drawing(digit, rng, side)
    ink = grey if grey.mean() < 0.5 else 1.0 - grey
    return photograph(ink, rng)


def chalkboard(digit: NDArray[np.uint8], rng: np.random.Generator) -> Grey:
    """Return a phone photo (grey levels, from JPEG) of one test digit chalked on a board: light ink on a dark
    green or black board, the chalk grainy, old chalk smeared over the board, the light falling off across it."""
    side = int(rng.integers(360, 900))
    grey, _ = drawing(digit, rng, side)
    ink = grey if grey.mean() < 0.5 else 1.0 - grey
    ink = ink * rng.uniform(0.6, 1.0, ink.shape).astype(np.float32)  # chalk leaves grains of the board bare
    board = np.array([0.12, 0.22, 0.16] if rng.random() < 0.5 else [0.1, 0.1, 0.11], dtype=np.float32)
    board = board * rng.uniform(0.7, 1.4)
    chalk = np.array([0.88, 0.88, 0.85], dtype=np.float32) * rng.uniform(0.75, 1.0)
    smear = np.asarray(
        Image.fromarray((rng.random((8, 8)) * 255).astype(np.uint8)).resize((side, side), Image.Resampling.BICUBIC),
        dtype=np.float32,
    )
    smear = (smear / 255 * rng.uniform(0.0, 0.12))[..., None]  # wiped chalk, lighter in patches
    rgb = board + (chalk - board) * np.clip(ink[..., None] + smear, 0, 1)
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:side, 0:side].astype(np.float32)
    across = ((xs - side / 2) * math.cos(angle) + (ys - side / 2) * math.sin(angle)) / side + 0.5
    light = rng.uniform(0.35, 0.75) + (1 - rng.uniform(0.35, 0.75)) * np.clip(across, 0, 1)
    rgb = rgb * light[..., None] + rng.normal(0, 0.015, rgb.shape).astype(np.float32)
    picture = Image.fromarray(np.clip(rgb * 255, 0, 255).astype(np.uint8), "RGB")
    picture = picture.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.3)))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=int(rng.integers(55, 86)))
    return np.asarray(Image.open(buffer).convert("L"), dtype=np.float32) / 255


def turned(grey: Grey, degrees: float, rng: np.random.Generator) -> Grey:
    """Return a page (dark on light, as `number` makes it) turned by `degrees`: half drawn on a turned canvas (the ink
    turned, the page grown to hold it), half written on paper and photographed with the phone held askew (the page
    with paper all round photographed, the photo turned and cut back to the page's size, so paper fills it)."""
    ink = Image.fromarray(((1.0 - grey) * 255).astype(np.uint8))
    if rng.random() < 0.5:
        canvas = ink.rotate(degrees, Image.Resampling.BICUBIC, expand=True, fillcolor=0)
        return 1.0 - np.asarray(canvas, dtype=np.float32) / 255
    width, height = ink.size
    paper = Image.new("L", (2 * width, 2 * height), 0)
    paper.paste(ink, (width // 2, height // 2))
    shot = photograph(np.asarray(paper, dtype=np.float32) / 255, rng)
    picture = Image.fromarray((shot * 255).astype(np.uint8))
    picture = picture.rotate(degrees, Image.Resampling.BICUBIC, fillcolor=int(np.median(shot) * 255))
    left, top = width // 4, height // 4
    return np.asarray(picture.crop((left, top, left + 3 * width // 2, top + 3 * height // 2)), dtype=np.float32) / 255


def scan(digit: NDArray[np.uint8], rng: np.random.Generator) -> Grey:
    """Return a test digit scanned at another resolution: 10–160 pixels tall, grey, with scanner noise."""
    height = int(rng.integers(10, 161))
    small = Image.fromarray(digit.reshape(28, 28))
    big = np.asarray(small.resize((height, height), Image.Resampling.BICUBIC), dtype=np.float32) / 255
    page = np.zeros((height * 2, height * 2), dtype=np.float32)
    top, left = rng.integers(0, height // 2 + 1, 2)
    page[top : top + height, left : left + height] = big
    grey = 1.0 - np.clip(page * rng.uniform(0.6, 1.0), 0, 1) + rng.normal(0, 0.03, page.shape)
    return np.clip(grey * rng.uniform(0.85, 1.0), 0, 1).astype(np.float32)


WORDS = ["hi", "cat", "yes", "ok", "Aa", "xy", "hey", "rw", "Km", "pen"]


def nondigit(rng: np.random.Generator, side: int = 400) -> Grey:
    """Return a page with a drawing that is not a digit (dark on light), one of nine held-out kinds."""
    page = Image.new("L", (side, side), 255)
    draw = ImageDraw.Draw(page)
    pen = int(rng.integers(side // 60, side // 18))
    c = side / 2
    r = rng.uniform(0.2, 0.35) * side
    kind = int(rng.integers(9))
    if kind in (0, 1):  # a letter or a word in a DejaVu font
        fonts = sorted(FONTS.glob("DejaVu*.ttf"))
        font = ImageFont.truetype(str(fonts[int(rng.integers(len(fonts)))]), int(rng.uniform(0.25, 0.5) * side))
        text = (
            WORDS[int(rng.integers(len(WORDS)))]
            if kind == 1
            else "ACEFHKMNPRUVWXYadefhkmnprtuvwxy"[int(rng.integers(31))]
        )
        draw.text((c, c), text, fill=0, font=font, anchor="mm")
    elif kind == 2:  # a random walk with momentum
        point, heading, points = np.array([c, c]), rng.uniform(0, 2 * math.pi), []
        for _ in range(60):
            heading += rng.normal(0, 0.6)
            point = np.clip(
                point + 9 * np.array([math.cos(heading), math.sin(heading)]) * side / 200, side * 0.15, side * 0.85
            )
            points.append(tuple(point))
        draw.line(points, fill=0, width=pen, joint="curve")
    elif kind == 3:  # a house
        draw.rectangle((c - r, c - r * 0.2, c + r, c + r), outline=0, width=pen)
        draw.line([(c - r, c - r * 0.2), (c, c - r), (c + r, c - r * 0.2)], fill=0, width=pen)
    elif kind == 4:  # a stick figure
        draw.ellipse((c - r * 0.3, c - r, c + r * 0.3, c - r * 0.4), outline=0, width=pen)
        draw.line([(c, c - r * 0.4), (c, c + r * 0.3)], fill=0, width=pen)
        draw.line([(c - r * 0.6, c - r * 0.1), (c + r * 0.6, c - r * 0.1)], fill=0, width=pen)
        draw.line([(c - r * 0.5, c + r), (c, c + r * 0.3), (c + r * 0.5, c + r)], fill=0, width=pen)
    elif kind == 5:  # a polygon of 5 to 8 sides
        sides = int(rng.integers(5, 9))
        corners = [
            (c + r * math.cos(a), c + r * math.sin(a))
            for a in np.arange(sides) * 2 * math.pi / sides + rng.uniform(0, 1)
        ]
        draw.line([*corners, corners[0]], fill=0, width=pen, joint="curve")
    elif kind == 6:  # a hatched ellipse
        draw.ellipse((c - r, c - r * 0.6, c + r, c + r * 0.6), outline=0, width=pen)
        for x in np.linspace(c - r * 0.7, c + r * 0.7, 5):
            draw.line([(x - r * 0.2, c + r * 0.4), (x + r * 0.2, c - r * 0.4)], fill=0, width=max(2, pen // 2))
    elif kind == 7:  # a cloud of bumps
        for a in np.arange(7) * 2 * math.pi / 7:
            x, y = c + r * 0.7 * math.cos(a), c + r * 0.5 * math.sin(a)
            draw.arc((x - r * 0.4, y - r * 0.4, x + r * 0.4, y + r * 0.4), 0, 360, fill=0, width=pen)
    else:  # a tally or a row of crosses
        for x in np.linspace(c - r, c + r, int(rng.integers(3, 6))):
            draw.line([(x - r * 0.2, c - r * 0.3), (x + r * 0.2, c + r * 0.3)], fill=0, width=pen)
            draw.line([(x + r * 0.2, c - r * 0.3), (x - r * 0.2, c + r * 0.3)], fill=0, width=pen)
    page = page.rotate(rng.uniform(-20, 20), Image.Resampling.BICUBIC, fillcolor=255)
    return np.asarray(page, dtype=np.float32) / 255
