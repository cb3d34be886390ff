"""Split a page's ink into characters and prepare each as MNIST prepared its digits.

    1. pieces       the connected components of the ink mask (8-connected, `ndimage.label`);
    2. specks       pieces much smaller than the largest (dust, grain, a pen's touch) are dropped,
                    and so are frames: pieces with most of their ink in the page's outer band
                    (page edges, the table around a photographed page, a scanner's border), and
                    underlines: long thin pieces under the text, spanning it (`is_underline`), and
                    boxes drawn around text (`is_box`);
    3. characters   pieces whose columns overlap by half the narrower one's width are one
                    character: a 5's hat over its body, a 4 drawn in two strokes, a face's eyes
                    inside its outline; a short piece near a character is part of it (a hat
                    drawn apart); then characters much smaller than the largest are dropped; where the
                    ink lies in lines of writing one above the other, each line's pieces are made
                    characters on their own as well (`lines_of`, `Layout.lines`), for the reader to try;
    4. MNIST's box  each character's ink is scaled so its longer side is BOX = 20 pixels (keeping its
                    aspect ratio, anti-aliased) and placed in a 28×28 field with its centre of mass
                    at the field's centre (LeCun et al., the MNIST database's normalisation).

Characters come back left to right, each with its box in the picture's pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from scipy import ndimage

from scratchnet.data.pages import Page

FIELD = 28
BOX = 20
SPECK_AREA = 0.04
"""A piece with less than this fraction of the largest piece's area, and short, is a speck."""
DUST = 0.005
"""A piece with less than this fraction of the largest piece's area is dust, however tall."""
SHORT = 0.4
"""Pieces and characters shorter than this fraction of the tallest are small enough to be specks."""
LINE_GAP = 0.25
"""Two bands of ink parted by empty rows as many as this fraction of the shorter one's height, or more, are two
lines of writing (`lines_of`); the pieces of one character lie closer (an 8's loops drawn apart)."""
SMALL_CHARACTER_AREA = 0.12
"""A character with less than this fraction of the largest character's ink, and short, is dropped."""
OVERLAP = 0.5
"""Pieces whose columns overlap by this fraction of the narrower one's width are one character."""
FRAME_BAND = 0.06
"""The page's outer band: this fraction of its width and height from each edge."""
FRAME_SHARE = 0.6
"""Pieces with this share of their ink in the outer band are frames: page edges, a table around the page ..."""
FRAME_TOUCH = 2
"""... if they reach the picture's edge, within this many pixels, ..."""
FRAME_LONG = 0.5
"""... or run along this fraction of its side; a digit written close to the edge does neither."""
NEAR = 0.25
"""A short piece this close to a character (as a fraction of the tallest character's height) is part of it:
the text's size, not the character's, since a 5 whose hat stands apart has a short body."""
REMNANT = 0.5
"""A character narrower than this fraction of the page's pen width is what a removed line left behind."""
HAIRLINE = 0.25
"""... and so is one whose strokes are thinner than this fraction of the page's: on 600 numbers the thinnest digit
was a third as thick as its page's ink, a margin's remnant on a photo less than a tenth."""
UNDERLINE = 0.25
"""A piece under other ink, at most this fraction of its height tall and at least four times as wide as tall,
covering it (within this fraction of its height each side) and this close below it, is an underline."""
FRAME_EDGE = 0.15
"""A box drawn around text keeps its ink within this fraction of its smaller side from its own edges."""
FRAME_SIDES = 0.7
"""... and its ink runs along this fraction of each of its four sides."""
EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


@dataclass(frozen=True)
class Character:
    """One character found in a picture: `box` = (x, y, w, h) in the picture's pixels, `input` (784,)."""

    box: tuple[int, int, int, int]
    input: NDArray[np.float32]


@dataclass
class Group:
    """Pieces found to be one character: their labels and their bounding box (working pixels)."""

    labels: list[int]
    top: int
    left: int
    bottom: int  # exclusive
    right: int  # exclusive
    area: int

    @property
    def height(self) -> int:
        """Rows of the bounding box."""
        return self.bottom - self.top

    @property
    def width(self) -> int:
        """Columns of the bounding box."""
        return self.right - self.left

    def join(self, other: Group) -> None:
        self.labels += other.labels
        self.top, self.left = min(self.top, other.top), min(self.left, other.left)
        self.bottom, self.right = max(self.bottom, other.bottom), max(self.right, other.right)
        self.area += other.area

    def shared_columns(self, other: Group) -> int:
        """Return how many columns the two share (0 or less when they share none)."""
        return min(self.right, other.right) - max(self.left, other.left)

    def column_overlap(self, other: Group) -> float:
        """Return the columns the two share, as a fraction of the narrower one's width."""
        return self.shared_columns(other) / min(self.width, other.width)


def _pieces(page: Page) -> tuple[NDArray[np.int32], list[Group]]:
    """Return (label image, one group per piece that is neither speck nor frame)."""
    labels, count = ndimage.label(page.mask, structure=EIGHT_CONNECTED)
    if count == 0:
        return labels, []
    areas = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    height, width = page.mask.shape
    band_y, band_x = max(1, round(FRAME_BAND * height)), max(1, round(FRAME_BAND * width))
    band = np.ones((height, width), dtype=bool)
    band[band_y:-band_y, band_x:-band_x] = False
    in_band = np.bincount(labels[band].ravel(), minlength=count + 1)[1:]  # each piece's pixels in the outer band
    slices = ndimage.find_objects(labels)
    tops, bottoms = np.array([s[0].start for s in slices]), np.array([s[0].stop for s in slices])
    lefts, rights = np.array([s[1].start for s in slices]), np.array([s[1].stop for s in slices])
    reaching = (
        (tops <= FRAME_TOUCH)
        | (lefts <= FRAME_TOUCH)
        | (bottoms >= height - FRAME_TOUCH)
        | (rights >= width - FRAME_TOUCH)
    )
    long = np.maximum(bottoms - tops, rights - lefts) >= FRAME_LONG * min(height, width)
    candidates = (in_band < FRAME_SHARE * areas) | ~(reaching | long)  # a digit written by the edge is no frame
    if not candidates.any():
        return labels, []
    tallest = (bottoms - tops)[candidates].max()
    largest = areas[candidates].max()
    specks = ((bottoms - tops < SHORT * tallest) & (areas < SPECK_AREA * largest)) | (areas < DUST * largest)
    kept = np.flatnonzero(candidates & ~specks)
    return labels, [
        Group([int(i) + 1], int(tops[i]), int(lefts[i]), int(bottoms[i]), int(rights[i]), int(areas[i])) for i in kept
    ]


def is_underline(piece: Group, pieces: list[Group]) -> bool:
    """Return True when the piece is a line drawn under the others: long and thin, everything that shares its
    columns above it (a tilted line's own height allowed), and it spans that text, close below it.

    An underlined number is one row of ink joined through its line (every digit shares the line's columns),
    so the line goes before the pieces are joined. A line above the text is left alone: a 5's hat drawn
    apart lies there.
    """
    height, width = piece.height, piece.width
    if width < 4 * height:
        return False
    sharing = [other for other in pieces if other is not piece and piece.shared_columns(other) > 0]
    if not sharing or any(other.bottom > piece.top + height for other in sharing):
        return False
    text = max(other.height for other in sharing)
    margin = UNDERLINE * text
    return (
        height <= margin
        and piece.left <= min(other.left for other in sharing) + margin
        and piece.right >= max(other.right for other in sharing) - margin
        and piece.top - max(other.bottom for other in sharing) <= 2 * margin
    )


def is_box(piece: Group, pieces: list[Group], labels: NDArray[np.int32]) -> bool:
    """Return True when the piece is a box drawn around text (a form's box, a frame around an answer): every
    piece within its bounds lies inside it, the tallest at least SHORT of its height, and its own ink is a
    rectangle's outline, near its four edges and along most of each.

    A box joins its text into one character; what is drawn inside a drawing (a house's windows) is
    smaller than SHORT of it, and a drawing's outline is seldom a rectangle's.
    """
    height, width = piece.height, piece.width
    inside = [
        other
        for other in pieces
        if other is not piece
        and piece.shared_columns(other) > 0
        and other.top < piece.bottom
        and other.bottom > piece.top
    ]
    if not inside or any(
        other.top < piece.top or other.bottom > piece.bottom or other.left < piece.left or other.right > piece.right
        for other in inside
    ):
        return False
    if max(other.height for other in inside) < SHORT * height:
        return False
    own = labels[piece.top : piece.bottom, piece.left : piece.right] == piece.labels[0]
    edge = max(1, round(FRAME_EDGE * min(height, width)))
    middle = own[edge:-edge, edge:-edge]
    sides = (own[:edge].any(axis=0), own[-edge:].any(axis=0), own[:, :edge].any(axis=1), own[:, -edge:].any(axis=1))
    return not middle.any() and all(side.mean() >= FRAME_SIDES for side in sides)


def group_pieces(groups: list[Group]) -> list[Group]:
    """Return the pieces joined into characters (columns overlapping by OVERLAP), left to right."""
    groups = sorted(groups, key=lambda g: g.left)
    joined = True
    while joined:
        joined = False
        for i, first in enumerate(groups):
            for second in groups[i + 1 :]:
                if first.column_overlap(second) >= OVERLAP:
                    first.join(second)
                    groups.remove(second)
                    joined = True
                    break
            if joined:
                break
    if not groups:
        return groups
    tallest = max(g.height for g in groups)
    _attach_short_pieces(groups, tallest)
    largest = max(g.area for g in groups)
    return sorted(
        (g for g in groups if g.area >= SMALL_CHARACTER_AREA * largest or g.height >= SHORT * tallest),
        key=lambda g: (g.left + g.right) / 2,
    )


def _gap(first: Group, second: Group) -> int:
    """Return the distance between two boxes in pixels (0 when they touch or overlap), the larger of the two axes'."""
    return max(
        0,
        max(first.left, second.left) - min(first.right, second.right),
        max(first.top, second.top) - min(first.bottom, second.bottom),
    )


def _attach_short_pieces(groups: list[Group], tallest: int) -> None:
    """Join each piece shorter than SHORT · tallest to the nearest taller character, if within NEAR · tallest.

    A 5's hat drawn apart, a 7's bar, a dot of ink beside a stroke: not characters of their own.
    """
    for short in sorted((g for g in groups if g.height < SHORT * tallest), key=lambda g: g.area):
        others = [g for g in groups if g is not short and g.height >= SHORT * tallest]
        if not others or short not in groups:
            continue
        nearest = min(others, key=lambda g: _gap(short, g))
        if _gap(short, nearest) <= NEAR * tallest:
            nearest.join(short)
            groups.remove(short)


def _copy(group: Group) -> Group:
    """Return a group of its own (joining it leaves the original as it was)."""
    return Group(list(group.labels), group.top, group.left, group.bottom, group.right, group.area)


def _bands(pieces: list[Group]) -> list[tuple[Group, list[Group]]]:
    """Return the runs of rows the pieces cover, top to bottom: (its box, its pieces), pieces whose rows overlap in one."""
    bands: list[tuple[Group, list[Group]]] = []
    for piece in sorted(pieces, key=lambda p: p.top):
        if bands and piece.top < bands[-1][0].bottom:
            bands[-1][0].join(piece)
            bands[-1][1].append(piece)
        else:
            bands.append((_copy(piece), [piece]))
    return bands


def lines_of(pieces: list[Group]) -> list[list[Group]]:
    """Return the pieces line by line, top to bottom, where the page holds lines of writing one above the other;
    else one list of them all.

    The pieces' rows make bands (pieces whose rows overlap are in one). A band shorter than SHORT of the tallest
    is no line (a 5's hat drawn apart, a dot, a stray mark) and goes with the band nearest it. Two neighbouring
    bands are lines of their own where LINE_GAP of the shorter one's height or more of empty rows part them and
    they share columns (one stands over the other, not beside it as the digits of a steep number do); else they
    are one line (an 8's two loops, drawn apart, lie closer).
    """
    bands = _bands(pieces)
    tallest = max((box.height for box, _ in bands), default=0)
    lines = [band for band in bands if band[0].height >= SHORT * tallest]
    if len(lines) < 2:
        return [pieces]
    merged = [lines[0]]
    for box, members in lines[1:]:
        above, kept = merged[-1]
        if box.top - above.bottom < LINE_GAP * min(box.height, above.height) or above.shared_columns(box) <= 0:
            above.join(box)
            kept += members
        else:
            merged.append((box, members))
    for box, members in bands:
        if box.height < SHORT * tallest:  # a short band joins the line nearest it
            nearest = min(merged, key=lambda line: max(line[0].top - box.bottom, box.top - line[0].bottom))
            nearest[1].extend(members)
    return [members for _, members in merged] if len(merged) > 1 else [pieces]


def mnist_field(ink: NDArray[np.floating]) -> NDArray[np.float32]:
    """Return the (784,) input for an ink crop: its longer side scaled to 20, centred by mass in 28×28.

    The crop (bright ink on 0) is resized keeping its aspect ratio with Lanczos filtering, then
    shifted by whole pixels so that its centre of mass (Σ y·a / Σ a, Σ x·a / Σ a) sits at (13.5, 13.5).
    """
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    columns = np.flatnonzero(ink.max(axis=0) > 0)
    digit = np.ascontiguousarray(ink[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1], dtype=np.float32)
    height, width = digit.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    boxed = np.asarray(Image.fromarray(digit, mode="F").resize(size, Image.Resampling.LANCZOS), dtype=np.float32)
    boxed = np.clip(boxed, 0.0, 1.0)
    field = np.zeros((FIELD, FIELD), dtype=np.float32)
    mass = float(boxed.sum())
    ys, xs = np.indices(boxed.shape)
    centre_y, centre_x = (ys * boxed).sum() / mass, (xs * boxed).sum() / mass
    top = int(np.clip(round(FIELD / 2 - 0.5 - centre_y), 0, FIELD - boxed.shape[0]))
    left = int(np.clip(round(FIELD / 2 - 0.5 - centre_x), 0, FIELD - boxed.shape[1]))
    field[top : top + boxed.shape[0], left : left + boxed.shape[1]] = boxed
    return field.reshape(FIELD * FIELD)


def _character(page: Page, own: NDArray[np.bool_], group: Group) -> Character | None:
    """Return the Character of one group from its own ink (`own`, over its box: neighbours' left out), boxed as
    MNIST did."""
    window = (slice(group.top, group.bottom), slice(group.left, group.right))
    # The ink's soft edges lie just outside the thresholded mask: keep a rim around it, two working
    # pixels or one pixel of the picture itself where it was enlarged (an 8×8 scan's grey blocks are
    # 14 working pixels wide, and half its strokes are grey: 86% of such scans read right with two, 90% with one).
    rim = max(2, round(1 / page.scale))  # that many 8-connected steps out: a square of 2·rim + 1 around each pixel
    near = ndimage.maximum_filter(own, size=2 * rim + 1, mode="constant", cval=False) & ~(page.mask[window] & ~own)
    ink = np.where(near, page.ink[window], 0.0)
    strong = float(np.percentile(ink[own], 90)) if own.any() else 0.0
    if strong <= 0:
        return None
    ink = np.clip(ink / strong, 0.0, 1.0)  # the ink's own darkness is 1, as MNIST's strokes were
    ink[ink < 0.05] = 0.0
    s, (x0, y0) = page.scale, page.origin
    box = (
        x0 + round(group.left * s),
        y0 + round(group.top * s),
        max(1, round(group.width * s)),
        max(1, round(group.height * s)),
    )
    return Character(box, mnist_field(ink))


@dataclass
class Layout:
    """A page's characters as the layout rules found them (steps 1–3), before any is read.

    `groups` are the characters, left to right. The reader may ask for other cuts where the network is
    unsure of the layout's: two neighbours `joined` into one (a digit broken into pieces), or one
    character's `spans` between its `cuts` (digits that touch).
    """

    page: Page
    labels: NDArray[np.int32]
    groups: list[Group]
    lines: list[list[Group]] = field(default_factory=list)
    """The characters line by line, top to bottom, where the page holds lines of writing one above the other
    (`lines_of`: each line's pieces made characters on their own); empty for one line."""

    def character(self, group: Group) -> Character | None:
        """Return the Character of one group, boxed as MNIST did (None when it holds no ink)."""
        return _character(self.page, self.own(group), group)

    def characters(self) -> list[Character]:
        """Return the Character of every group, left to right."""
        return [c for c in (self.character(g) for g in self.groups) if c is not None]

    @staticmethod
    def joined(first: Group, second: Group) -> Group:
        """Return one group holding both (neither is changed)."""
        together = _copy(first)
        together.join(second)
        return together

    def own(self, group: Group) -> NDArray[np.bool_]:
        """Return the group's own ink within its box (its neighbours' ink left out; a Part's, its side of the cuts)."""
        if isinstance(group, Part):
            return group.shape
        return np.isin(self.labels[group.top : group.bottom, group.left : group.right], group.labels)

    def pieces(self, group: Group) -> list[Group]:
        """Return the group's pieces (its connected inks), each a group of its own, boxed to its own ink."""
        window = self.labels[group.top : group.bottom, group.left : group.right]
        found = []
        for label in group.labels:
            rows, columns = np.nonzero(window == label)
            if len(rows):
                top, left = group.top + int(rows.min()), group.left + int(columns.min())
                found.append(
                    Group(
                        [label],
                        top,
                        left,
                        group.top + int(rows.max()) + 1,
                        group.left + int(columns.max()) + 1,
                        len(rows),
                    )
                )
        return found

    def cuts(self, group: Group, step: int, wander: float) -> list[Cut]:
        """Return the paths from the group's top row to its bottom along which it might be cut into characters (page
        columns, one per row): in each run of `step` columns inside it, the column of least ink, straight down; and
        beside it, where it crosses less than PATH_INK of that column's ink, the path of least ink from there that
        strays at most `wander` of the group's height either way (`least_ink_paths`): digits that lean into each
        other or overlap are parted where their strokes are, not by one column across both. Left to right, by their
        mean column."""
        own = self.own(group)
        ink = own.sum(axis=0)
        runs = range(max(1, step // 2), group.width - max(1, step // 2), step)
        starts = [start + int(np.argmin(ink[start : start + step])) for start in runs]
        rows = np.arange(group.height)
        paths = [
            path
            for path, start in zip(least_ink_paths(own, starts, round(wander * group.height)), starts)
            if own[rows, path].sum() < PATH_INK * ink[start]
        ]
        cuts = [np.full(group.height, start) for start in starts] + paths
        return [group.left + path for path in sorted(cuts, key=lambda path: float(path.mean()))]

    def spans(self, group: Group, bounds: list[tuple[Cut, Cut]]) -> list[Part | None]:
        """Return, for each (left, right) pair of cuts (each a page column per row of the group, the right one
        exclusive), the group's own ink between them, boxed to it; None where there is none."""
        own = self.own(group)
        columns = group.left + np.arange(group.width)
        parts: list[Part | None] = []
        for left, right in bounds:
            part = own & (columns >= left[:, None]) & (columns < right[:, None])
            rows, inked = np.flatnonzero(part.any(axis=1)), np.flatnonzero(part.any(axis=0))
            if len(rows) == 0:
                parts.append(None)
                continue
            top, bottom, first, last = int(rows[0]), int(rows[-1]) + 1, int(inked[0]), int(inked[-1]) + 1
            shape = part[top:bottom, first:last]
            box = (group.top + top, group.left + first, group.top + bottom, group.left + last)
            parts.append(
                Part(list(group.labels), *box, int(shape.sum()), shape, (float(left.mean()), float(right.mean())))
            )
        return parts


Cut = NDArray[np.intp]
"""A path down a group: for each of its rows, the page column where a cut passes."""


@dataclass
class Part(Group):
    """The ink of a group between two cuts: `shape`, its own ink over its box, and `between`, the cuts' mean columns
    (where it was cut, however much ink lies there: a group's edges are its left and right)."""

    shape: NDArray[np.bool_] = field(repr=False)
    between: tuple[float, float]


PATH_INK = 1 / 3
"""A path that strays from a column is a cut beside it only where it crosses less than this share of the column's
ink: where it crosses about as much, it parts the digits no better and doubles the parts to read (on 300 touching
numbers of `benchmarks.reading`, every path kept read them no better than this and took twice the time)."""
WANDER_COST = 1e-3
"""What a cut pays for each column it strays from where it began, against 1 for each pixel of ink it crosses: among
paths crossing as little ink, the straightest."""


def least_ink_paths(own: NDArray[np.bool_], starts: list[int], wander: int) -> list[Cut]:
    """Return, for each start column, the path down `own` (one column per row, moving at most one column from row to
    row, at most `wander` columns from the start) that crosses the fewest ink pixels, ties going to the straighter.

    Dynamic programming, row by row, over every start at once (as a seam is carved out of a picture):
    C(0, j) = c(0, j) and C(i, j) = c(i, j) + min(C(i − 1, j − 1), C(i − 1, j), C(i − 1, j + 1)), where
    c(i, j) = [ink at (i, j)] + WANDER_COST · |j − start|; the path is traced back from the bottom row's least C.
    """
    if not starts:
        return []
    height, width = own.shape
    offsets = np.arange(-wander, wander + 1)
    columns = np.array(starts)[:, None] + offsets  # (paths, 2·wander + 1)
    inside = (columns >= 0) & (columns < width)
    cost = np.where(inside[:, None, :], own[:, np.clip(columns, 0, width - 1)].transpose(1, 0, 2), np.inf)
    cost = cost + WANDER_COST * np.abs(offsets)  # (paths, rows, window)
    total, moves = cost[:, 0], np.zeros(cost.shape, dtype=np.int8)
    for i in range(1, height):
        left = np.pad(total[:, :-1], ((0, 0), (1, 0)), constant_values=np.inf)
        right = np.pad(total[:, 1:], ((0, 0), (0, 1)), constant_values=np.inf)
        choices = np.stack([left, total, right])
        moves[:, i] = np.argmin(choices, axis=0) - 1
        total = cost[:, i] + np.min(choices, axis=0)
    at = np.argmin(total, axis=1)
    path = np.empty((len(starts), height), dtype=np.intp)
    for i in range(height - 1, -1, -1):
        path[:, i] = columns[np.arange(len(starts)), at]
        at = at + moves[np.arange(len(starts)), i, at]
    return list(path)


def _pen_width(own: NDArray[np.bool_]) -> float:
    """Return the stroke width of a character's own ink, 2·area / boundary: a stroke w wide and L long has
    area wL and about 2L pixels on its boundary (the pixels an erosion removes)."""
    boundary = int((own & ~ndimage.binary_erosion(own, border_value=0)).sum())
    return 2 * int(own.sum()) / max(1, boundary)


def _thickness(own: NDArray[np.bool_]) -> float:
    """Return how thick a character's strokes are: twice the median distance to the paper along their middle
    (the ridge of the distance transform, pixels at least as far from the paper as their eight neighbours).
    Unlike 2·area / boundary, it does not grow where the pen went over a stroke again or closed a small loop."""
    distance = ndimage.distance_transform_edt(np.pad(own, 1))[1:-1, 1:-1]
    ridge = own & (ndimage.maximum_filter(distance, 3) <= distance)
    return 2 * float(np.median(distance[ridge])) if ridge.any() else 0.0


def _without_line_remnants(layout: Layout, groups: list[Group]) -> list[Group]:
    """Return the groups but what a ruled or margin line leaves behind when most of it was removed: the groups
    narrower than REMNANT of the page's pen (the median of the groups' pens), and those whose strokes are thinner than
    HAIRLINE of the page's (`_thickness`, the median over the page's ink), such as the "+" a margin leaves
    where it crossed a ruled line, however wide its arms. A written character, a 1 included, is one pen wide."""
    if len(groups) < 2:
        return groups
    owns = [layout.own(g) for g in groups]
    pen = float(np.median([_pen_width(own) for own in owns]))
    thickness = np.array([_thickness(own) for own in owns])
    inks = np.array([own.sum() for own in owns], dtype=np.float64)
    order = np.argsort(thickness)
    page = thickness[order][np.searchsorted(np.cumsum(inks[order]), inks.sum() / 2)]  # half the ink is thinner
    return [g for g, thick in zip(groups, thickness) if g.width >= REMNANT * pen and thick >= HAIRLINE * page]


def find_layout(page: Page) -> Layout:
    """Return the page's characters as the layout rules find them (steps 1–3), left to right, and line by line
    where it holds lines of writing one above the other."""
    labels, pieces = _pieces(page)
    pieces = [piece for piece in pieces if not (is_underline(piece, pieces) or is_box(piece, pieces, labels))]
    lines = lines_of(pieces)
    layout = Layout(page, labels, [])
    if len(lines) > 1:  # each line's characters made of its own pieces (copies: joining changes a group)
        made = [group_pieces([_copy(piece) for piece in line]) for line in lines]
        kept = {id(g) for g in _without_line_remnants(layout, [g for line in made for g in line])}  # the page's pen
        layout.lines = [line for line in ([g for g in line if id(g) in kept] for line in made) if line]
    layout.groups = _without_line_remnants(layout, group_pieces(pieces) if pieces else [])
    return layout


def split_characters(page: Page, together: bool = False) -> list[Character]:
    """Return the characters on the page, left to right (steps 1–4); all the ink as one if together."""
    return characters_of(find_layout(page), together)


def characters_of(layout: Layout, together: bool = False) -> list[Character]:
    """Return the layout's characters, boxed, left to right; all the ink as one if together."""
    if together and layout.groups:
        first = layout.groups[0]
        for other in layout.groups[1:]:
            first.join(other)
        layout.groups = [first]
    return layout.characters()
