"""Find the ink on a page: a photo, a scan or a drawing becomes an ink map and a mask of the ink.

The steps, each a few SciPy `ndimage` calls (see docs/reading.md for pictures of each):

    1. working size      the longer side scaled to at most WORKING_SIDE pixels (photos are large);
    2. polarity          paper is most of the page, so a light median means dark ink; when the
                         median is neither light nor dark, an edge lighter than it is paper over
                         dark ink, else the ink is the minority that sticks out of its surroundings
                         (see `is_dark_on_light`); light-on-dark pictures are inverted, so paper is light
                         (a board that is not one flat level, as a photographed one, becomes paper as
                         D / I, its brightness over the picture's: light falls on board and chalk alike,
                         and the ratio leaves it out, `board_as_paper`);
    3. background        the paper's brightness B = closing(P) (a grey dilation then erosion over a
                         window wider than any stroke): it removes the thin dark ink and keeps
                         shadows and gradients, which are monotone and survive a closing exactly;
                         the ink map is then  ink = 1 − P / B, clipped to [0, 1]: 0 on paper, in
                         shadow or not;
    4. threshold         Otsu's threshold t* among the pixels darker than the paper's noise
                         (ink > NOISE), so faint ruled lines and grain fall below it;
    5. ruled lines       thin rows (after the page's tilt, found by the sharpest projection) that are
                         ink across most of the width are lines, and so are thin columns across
                         most of the height: their pixels leave the mask, but where a stroke
                         crosses a line the gap is bridged, and on faint lines what is darker
                         than midway to the strokes is writing and stays. Lines are looked for at
                         half the threshold, where a faint line is still whole.

The result is a `Page`: the working-size ink map, the mask of the ink, and the scale back to the
picture's pixels. Splitting the ink into characters is `scratchnet.data.characters`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from scipy import ndimage

Grey = NDArray[np.float32]
Mask = NDArray[np.bool_]

WORKING_SIDE = 480
"""The longer side pictures are reduced to before the ink is looked for (pixels)."""
SMALLEST_SIDE = 112
"""Smaller pictures (a 28×28 digit, a thumbnail) are enlarged to this, so every window has room."""
NOISE = 0.08
"""Ink-map values below this are paper grain and JPEG noise, never ink."""
LEAST_CONTRAST = 0.15
"""A picture whose strongest ink is fainter than this holds nothing to read."""
ROW_LINE_SPAN = 0.7
"""A tilted row of ink across this fraction of the width is a ruled line."""
COLUMN_LINE_SPAN = 0.75
"""A column of ink across this fraction of the height is a margin line or a page edge."""
POLARITY_SIDE = 80
"""Polarity is judged on the picture reduced to about this many pixels on its longer side."""
POLARITY_WINDOW = 0.2
"""The local median that polarity is judged against spans this fraction of the longer side."""
EDGE_MARGIN = 0.05
"""In between, a picture whose edge is this much lighter than its median is dark ink on light paper (see
`is_dark_on_light`)."""
BACKGROUND_WINDOW = 5
"""The closing's window starts at the longer side over this (see `flatten`)."""
BACKGROUND_REDUCTION = 4
"""The background is estimated on the picture reduced this many times."""
LINE_THICKNESS = 0.015
"""A ruled line is at most this fraction of the page's side thick (at least 4 pixels)."""
LINE_SHOULDER = 0.5
"""A line's band is the run of rows around it covering at least this fraction of its span (see `_thin_bands`)."""
FAINT_LINE = 0.5
"""Ruled lines whose ink is at most this fraction of the strokes' are faint: what is darker on them is writing."""
TILTS = np.radians(np.arange(-6.0, 6.5, 0.5))
"""The page tilts tried when looking for ruled lines."""
BOARD_FLOOR = 0.05
"""A board darker than this is taken as this dark (`board_as_paper`): on black, there is no light to measure."""
FLAT_SHARE = 0.5
"""A page on which this share of the pixels has one exact grey level is flat (see `flat_paper`)."""


@dataclass
class Page:
    """A picture's ink, found: `ink` (h, w) in [0, 1], `mask` (h, w) of the ink, at the working size.

    `scale` turns working pixels into the picture's: x_picture = x_working · scale (+ `origin`, where the
    page is a crop of a larger picture: its top-left corner there, (x, y)). `grey` is the picture at the
    working size (1 = white), `background` the paper's estimated brightness, `found` the thresholded mask
    before ruled lines were removed, and `dark_on_light` the polarity found.
    """

    grey: Grey
    background: Grey
    ink: Grey
    found: Mask
    mask: Mask
    scale: float
    dark_on_light: bool
    threshold: float
    origin: tuple[int, int] = (0, 0)


def working_size(grey: Grey) -> tuple[Grey, float]:
    """Return (picture at the working size, scale back to the picture's pixels).

    Large pictures are reduced by averaging (box filter); small ones are enlarged with Lanczos
    filtering, which rebuilds a smooth stroke from a few coarse pixels where bilinear interpolation
    leaves the blocks' diamond-shaped edges (8×8 scans of real handwriting: 86.2% read right
    bilinear, 88.6% Lanczos, docs/reading.md).
    """
    height, width = grey.shape
    longer, shorter = max(height, width), min(height, width)
    factor = min(1.0, WORKING_SIDE / longer)
    if shorter * factor < SMALLEST_SIDE:
        factor = min(SMALLEST_SIDE / shorter, 4 * WORKING_SIDE / longer)
    if factor == 1.0:
        return grey, 1.0
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    resized = Image.fromarray(grey, mode="F").resize(
        size, Image.Resampling.LANCZOS if factor > 1 else Image.Resampling.BOX
    )
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0), 1.0 / factor


def is_dark_on_light(grey: Grey) -> bool:
    """Return True when the ink is darker than the paper.

    Paper is most of a page: a median above 0.6 is light paper, below 0.15 a dark board or canvas.
    In between (a dim photo, a page half in shadow), a picture whose edge (the median of its outermost
    rows and columns) is lighter than its median by EDGE_MARGIN is dark ink on paper: writing seldom
    reaches the edge, so the edge is paper, and ink darker than it pulls the median down. (A fat marker's
    digit can cover so much of a half-shadowed page that the vote below sees the lit paper as the
    minority.) Otherwise the ink is the minority that sticks out of its surroundings: against the local
    median M (a median filter over POLARITY_WINDOW of the longer side, on the picture reduced to about
    POLARITY_SIDE pixels: it follows shadows, not strokes), more pixels lie well below it
    (r = P − M < −0.1) than above it when the ink is dark.
    """
    median = float(np.median(grey))
    if median > 0.6 or median < 0.15:
        return median > 0.6
    edge = float(np.median(np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])))
    if edge > median + EDGE_MARGIN:
        return True
    height, width = grey.shape
    factor = max(1, max(height, width) // POLARITY_SIDE)
    small = np.asarray(
        Image.fromarray(grey, mode="F").resize(
            (max(1, width // factor), max(1, height // factor)), Image.Resampling.BOX
        )
    )
    residual = small - ndimage.median_filter(
        small, size=max(3, round(POLARITY_WINDOW * max(small.shape))) | 1, mode="nearest"
    )
    return int((residual < -0.1).sum()) >= int((residual > 0.1).sum())


def stroke_width(mask: Mask) -> float:
    """Return the mean stroke width of the ink in mask, w ≈ 2A / B.

    A stroke of length L and width w covers A = L·w pixels and has B ≈ 2L boundary pixels (its two
    sides), so w ≈ 2A/B; strokes two pixels wide or thinner are all boundary and read as 2.
    """
    area = int(mask.sum())
    if area == 0:
        return 0.0
    inner = np.zeros_like(mask)
    inner[1:-1, 1:-1] = (
        mask[1:-1, 1:-1] & mask[:-2, 1:-1] & mask[2:, 1:-1] & mask[1:-1, :-2] & mask[1:-1, 2:]
    )  # 4-neighbours all ink
    boundary = int((mask & ~inner).sum())
    return 2.0 * area / max(boundary, 1)


def background(paper: Grey, window: int) -> Grey:
    """Return B, the paper's brightness: the grey closing of paper over a window × window square, smoothed.

    The closing (max filter, then min filter) fills every dark feature narrower than the window,
    the ink, and leaves what changes slowly or monotonically: light falling off, a shadow's edge.
    It is taken on the picture reduced BACKGROUND_REDUCTION times and enlarged back bilinearly, which
    is quicker and leaves no blocks.
    """
    height, width = paper.shape
    small_size = (max(1, width // BACKGROUND_REDUCTION), max(1, height // BACKGROUND_REDUCTION))
    small = np.asarray(Image.fromarray(paper, mode="F").resize(small_size, Image.Resampling.BOX), dtype=np.float32)
    side = max(3, window // BACKGROUND_REDUCTION) | 1
    closed = ndimage.grey_closing(small, size=(side, side), mode="nearest")
    closed = ndimage.uniform_filter(closed, size=3, mode="nearest")
    return np.asarray(
        Image.fromarray(closed, mode="F").resize((width, height), Image.Resampling.BILINEAR), dtype=np.float32
    )


def otsu_threshold(values: NDArray[np.floating], bins: int = 128) -> float:
    """Return Otsu's threshold t* of values in [0, 1]: the t that maximises the between-class variance

        σ_B²(t) = ω₀(t) ω₁(t) (μ₀(t) − μ₁(t))²,

    with ω₀, ω₁ the fractions of values below and above t and μ₀, μ₁ their means (Otsu 1979).
    """
    # np.histogram's counts over [0, 1], 4× quicker: exactly its bins when bins is a power of 2
    inside = values[(values >= 0.0) & (values <= 1.0)]
    counts = np.bincount(np.minimum((inside * bins).astype(np.intp), bins - 1), minlength=bins)
    edges = np.linspace(0.0, 1.0, bins + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    weights = counts / max(counts.sum(), 1)
    omega0 = np.cumsum(weights)
    omega1 = 1.0 - omega0
    mass0 = np.cumsum(weights * centres)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu0 = mass0 / omega0
        mu1 = (mass0[-1] - mass0) / omega1
        between = omega0 * omega1 * (mu0 - mu1) ** 2
    between = np.nan_to_num(between[:-1], nan=-1.0)
    return float(edges[1 + int(np.argmax(between))])


def ruled_lines(mask: Mask) -> tuple[Mask, Mask]:
    """Return the pixels of mask on ruled lines, (rows, columns): straight lines of ink across the page.

    The page's tilt θ is the one whose projection onto rows is sharpest (the largest Σ count²):
    pixel (y, x) falls in row y' = round(y − x tan θ). A thin tilted row y' (with its neighbours
    y' ± 1, for lines that waver) covering ROW_LINE_SPAN of the columns is a line, with two more rows
    each side for its edges; columns across COLUMN_LINE_SPAN of the height (margins, page edges)
    likewise, at the same tilt and, where ruled lines were found, at the one whose projection onto columns is
    sharpest.
    """
    found = [np.zeros_like(mask), np.zeros_like(mask)]
    height, width = mask.shape
    # A row line covers ROW_LINE_SPAN of the columns, so at least that many columns hold ink; likewise
    # for column lines and rows. Without them no line can be found, and the tilt search is skipped.
    if mask.any(axis=0).sum() < ROW_LINE_SPAN * width and mask.any(axis=1).sum() < COLUMN_LINE_SPAN * height:
        return found[0], found[1]
    ys, xs = np.nonzero(mask)
    tilt = max(TILTS, key=lambda theta: _sharpness(ys - xs * np.tan(theta)))
    _mark_lines(found[0], ys, xs, ys - xs * np.tan(tilt), xs, ROW_LINE_SPAN * width, width)
    tilts = {tilt}
    if found[0].any():
        # A margin is square to the ruled lines on paper, but a photo taken at a slant skews the one against the
        # other by a degree or two: on ruled paper, columns are looked for at their own sharpest tilt too, judged
        # on every fourth ink pixel (a line's hundreds pile up as well). Not on a blank page, where the sharpest
        # column would be a tall 1 standing alone.
        tilts.add(max(TILTS, key=lambda theta: _sharpness(xs[::4] + ys[::4] * np.tan(theta))))
    for theta in tilts:
        _mark_lines(found[1], ys, xs, xs + ys * np.tan(theta), ys, COLUMN_LINE_SPAN * height, height)
    return found[0], found[1]


def _mark_lines(
    lines: Mask,
    ys: NDArray[np.intp],
    xs: NDArray[np.intp],
    along: NDArray[np.floating],
    across: NDArray[np.intp],
    least: float,
    length: int,
) -> None:
    """Mark in `lines` the ink pixels (ys, xs) of the thin bands, by `along` in whole pixels, that cover `least`
    of the `length` positions `across` them (see `ruled_lines`)."""
    bins = np.round(along).astype(np.int64)
    bins -= bins.min()
    covered = np.zeros((bins.max() + 3, length), dtype=bool)
    covered[bins + 1, across] = True
    covered = covered[:-2] | covered[1:-1] | covered[2:]  # a row with its neighbours
    line_rows = _thin_bands(covered.sum(axis=1), least, max(4, round(LINE_THICKNESS * length)))
    if len(line_rows):
        line_rows = np.unique((line_rows[:, None] + np.arange(-2, 3)).ravel())  # the line's wavering edges
        on_line = np.isin(bins, line_rows)
        lines[ys[on_line], xs[on_line]] = True


def remove_lines(found: Mask, rows: Mask, columns: Mask, ink: Grey | None = None) -> Mask:
    """Return found without the line pixels, except where a stroke crosses a line: there the gap is bridged.

    A stroke crossing a row line continues above and below it, so a vertical closing of what is left
    (max then min filter over 2·thickness + 1 pixels) fills the line's pixels between its two ends; a column line
    likewise with a horizontal closing. The line itself, with nothing on both sides, stays removed. Given the ink
    map, pixels written over a faint line stay too (`written_over`), whichever way the stroke runs along it.
    """
    on_lines = rows | columns
    if ink is not None:
        on_lines &= ~written_over(ink, found, on_lines)
    kept = found & ~on_lines
    reach = 2 * max(4, round(LINE_THICKNESS * max(found.shape))) + 1
    for lines, axis in ((rows, 0), (columns, 1)):
        if lines.any():
            closed = ndimage.minimum_filter1d(
                ndimage.maximum_filter1d(kept.view(np.uint8), reach, axis=axis), reach, axis=axis
            )
            kept |= closed.astype(bool) & lines & found
    return kept


def written_over(ink: Grey, found: Mask, lines: Mask) -> Mask:
    """Return the pixels of the lines that are writing: where the lines are faint, those darker than midway.

    Ruled paper's lines are printed fainter than a pen writes. With ℓ the lines' median ink and s the strokes'
    (the ink found off the lines), lines with ℓ ≤ FAINT_LINE · s are faint, and a pixel on them with ink above
    (ℓ + s) / 2 is the pen's: a stroke that runs along a line for a while (the top of a slanted 0) is kept,
    where the closings, which look across the line, would lose it. Lines as dark as the writing keep none.
    """
    off = found & ~lines
    if not lines.any() or not off.any():
        return np.zeros_like(lines)
    line, stroke = float(np.median(ink[lines])), float(np.median(ink[off]))
    if line > FAINT_LINE * stroke:
        return np.zeros_like(lines)
    return lines & found & (ink > (line + stroke) / 2)


def _thin_bands(counts: NDArray[np.intp], least: float, thickest: int) -> NDArray[np.intp]:
    """Return the rows covering `least` columns (counts[row] ≥ least) whose band is no thicker than thickest.

    A row's band is the run of consecutive rows around it covering LINE_SHOULDER · least: a ruled
    line's coverage falls off at once on either side, a stroke's stays high across its width. A tall
    '1' whose length is near the span has only its middle columns above `least` (its round ends are
    shorter at the sides); judged by those alone it looked thin, and removing them cut the stroke
    into two slivers that read as "11".
    """
    broad = np.flatnonzero(counts >= LINE_SHOULDER * least)
    if len(broad) == 0:
        return broad
    starts = np.flatnonzero(np.diff(broad, prepend=broad[0] - 2) != 1)
    strong = counts >= least
    # + 2: the neighbours counted with each row
    kept = [run[strong[run]] for run in np.split(broad, starts[1:]) if len(run) <= thickest + 2]
    return np.concatenate(kept) if kept else broad[:0]


def _sharpness(along: NDArray[np.floating]) -> float:
    """Return Σ count² of the values' histogram by whole pixels: large when they pile up in few rows."""
    counts = np.bincount(np.round(along - along.min()).astype(np.int64))
    return float(np.dot(counts, counts))


def _threshold(ink: Grey) -> float:
    """Return the ink threshold: Otsu's among the pixels above the noise, and never below LEAST_CONTRAST."""
    candidates = ink[ink > NOISE]
    return max(LEAST_CONTRAST, otsu_threshold(candidates) if len(candidates) > 1 else LEAST_CONTRAST)


def flatten(paper: Grey) -> tuple[Grey, Grey]:
    """Return (B, ink = 1 − P/B) with the closing's window wide enough for the strokes on the page.

    The window starts at the longer side / BACKGROUND_WINDOW. Strokes wider than the window come back
    hollow (only their rims, each about half the window wide, differ from B), so while the strokes
    found are wider than a quarter of the window, it is doubled, up to half the longer side.
    """
    longer = max(paper.shape)
    window = longer // BACKGROUND_WINDOW
    while True:
        brightness = np.maximum(background(paper, window | 1), 1e-3)
        ink = np.clip(1.0 - paper / brightness, 0.0, 1.0).astype(np.float32)
        if 2 * window > longer // 2 or ink.max() < LEAST_CONTRAST or stroke_width(ink > _threshold(ink)) <= window / 4:
            return brightness, ink
        window *= 2


def board_as_paper(picture: Grey) -> Grey:
    """Return light ink on a dark board (chalk, a photographed screen) as dark ink on light paper, in any light:
    P = min(1, D / I), with D = max(opening(I), BOARD_FLOOR) the board's brightness.

    Light falls on board and ink alike, I = k·r: inverted, 1 − k·r, the ink's contrast would still rise and fall
    with k, and the threshold would lose the strokes on the dim side. D / I = r_board / r is k's no more: 1 on the
    board, about r_board / r_ink on the ink. (The opening, a grey erosion then dilation, is `background`'s closing of
    the inverted picture: it leaves out the thin light strokes.) A board too dark to measure counts as BOARD_FLOOR."""
    board = 1.0 - background(1.0 - picture, max(picture.shape) // BACKGROUND_WINDOW)
    return np.minimum(1.0, np.maximum(board, BOARD_FLOOR) / np.maximum(picture, 1e-3)).astype(np.float32)


def flat_paper(paper: Grey) -> float | None:
    """Return the paper's one grey level if the page is flat, else None.

    A drawing made on a screen (the explorer's canvas, a picture drawn in an editor) has paper of one
    exact grey level on most of its pixels; a photo or a scan never has, for light and grain vary. A
    flat page has no uneven light to remove: B is that level, and step 3's closings are skipped.
    """
    levels = np.bincount(np.round(paper * 255).astype(np.uint8).ravel(), minlength=256)
    mode = int(levels.argmax())
    flat = levels[mode] >= FLAT_SHARE * paper.size and mode / 255 > LEAST_CONTRAST
    return mode / 255 if flat else None


def find_ink(grey: NDArray[np.floating]) -> Page:
    """Return the Page of a 2-D array of grey levels in [0, 1] (1 = white): its ink map and ink mask.

    Steps 1–5 of the module docstring (3 only where the paper is not flat: `flat_paper`). A picture
    with no ink gives an all-False mask.
    """
    picture, scale = working_size(np.asarray(grey, dtype=np.float32))
    dark_on_light = is_dark_on_light(picture)
    paper = picture if dark_on_light else 1.0 - picture
    level = flat_paper(paper)
    if level is None and not dark_on_light:
        paper = board_as_paper(picture)
    if level is None:
        paper_brightness, ink = flatten(paper)
    else:
        paper_brightness = np.full_like(paper, level)
        ink = np.clip(1.0 - paper / np.float32(level), 0.0, 1.0).astype(np.float32)
    empty = np.zeros(ink.shape, dtype=bool)
    if ink.max() < LEAST_CONTRAST:
        return Page(picture, paper_brightness, ink, empty, empty, scale, dark_on_light, 1.0)
    threshold = _threshold(ink)
    found = ink > threshold
    rows, columns = ruled_lines(ink > threshold / 2)  # lines fainter than the ink are still whole at half its threshold
    mask = remove_lines(found, rows, columns, ink)
    return Page(picture, paper_brightness, ink, found, mask, scale, dark_on_light, threshold)
