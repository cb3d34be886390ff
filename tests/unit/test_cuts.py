"""Cuts along paths of least ink (`characters.least_ink_paths`, `Layout.cuts`, `Layout.spans`), held to exhaustive
search on small grids and to what they are for: touching digits that lean into each other, parted where a column
across both could not part them."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from benchmarks.reading import numbers_written_close
from scratchnet import segmenting
from scratchnet.data.characters import PATH_INK, WANDER_COST, least_ink_paths
from scratchnet.data.images import read_layout
from scratchnet.reading import load_reader, read


def brute_force(own: np.ndarray, start: int, wander: int) -> float:
    """Return the least cost of any path down `own` from the start's window, by trying every one."""
    height, width = own.shape
    columns = [c for c in range(start - wander, start + wander + 1) if 0 <= c < width]
    best = np.inf
    for first in columns:
        for moves in itertools.product((-1, 0, 1), repeat=height - 1):
            path = np.cumsum([first, *moves])
            if all(c in columns for c in path):
                best = min(best, cost_of(own, path, start))
    return best


def cost_of(own: np.ndarray, path: np.ndarray, start: int) -> float:
    """Return Σ over rows of [ink on the path] + WANDER_COST · |column − start|."""
    return float(sum(own[i, c] + WANDER_COST * abs(c - start) for i, c in enumerate(path)))


@pytest.mark.parametrize("seed", range(12))
def test_the_path_found_is_the_least_costly_of_all_paths(seed):
    rng = np.random.default_rng(seed)
    own = rng.random((6, 7)) < 0.45
    starts = sorted(rng.choice(7, size=2, replace=False).tolist())
    wander = int(rng.integers(0, 3))
    for start, path in zip(starts, least_ink_paths(own, starts, wander)):
        assert np.all(np.abs(np.diff(path)) <= 1)  # one column at most from row to row
        assert np.all(np.abs(path - start) <= wander) and np.all((path >= 0) & (path < 7))
        assert cost_of(own, path, start) == pytest.approx(brute_force(own, start, wander))


def test_a_path_passes_between_strokes_that_lean_over_each_others_columns():
    """Two strokes leaning right, each over the other's columns for half the height: every column from 4 to 7
    crosses ink, the path down between them none."""
    own = np.zeros((12, 12), dtype=bool)
    for i in range(12):
        own[i, 7 - i // 2 : 9 - i // 2] = True  # the right stroke, leaning from column 7 at the top to 2 at the bottom
        own[i, max(0, 3 - i // 2) : 5 - i // 2] = True  # the left stroke, 3 columns further left
    assert own[:, 4:8].sum(axis=0).min() > 0
    (path,) = least_ink_paths(own, [6], 4)
    assert own[np.arange(12), path].sum() == 0


def test_with_no_room_to_wander_a_path_is_its_column():
    own = np.random.default_rng(0).random((9, 8)) < 0.5
    assert [p.tolist() for p in least_ink_paths(own, [2, 5], 0)] == [[2] * 9, [5] * 9]


def leaning_pair() -> np.ndarray:
    """Return a page of two strokes leaning right, each over the other's columns for half its height, joined by a
    thin bar at the foot: one piece that no column parts without crossing a stroke lengthwise."""
    grey = np.ones((200, 260), dtype=np.float32)
    for i in range(120):
        for left in (70, 110):
            grey[40 + i, left + 60 - i // 2 : left + 72 - i // 2] = 0.0
    grey[154:160, 70:180] = 0.0
    return grey


def test_the_ink_either_side_of_a_path_is_all_the_characters_ink_once():
    """Cut along a path, the part left of it and the part right of it hold every ink pixel of the character once;
    and the path crosses less than PATH_INK of the ink of a column it passes (the one it began from)."""
    layout = read_layout(leaning_pair())
    (group,) = layout.groups
    paths = [c for c in layout.cuts(group, max(1, group.height // 10), 0.2) if (c != c[0]).any()]
    assert paths
    left, right = np.full(group.height, group.left), np.full(group.height, group.right)
    own = layout.own(group)
    for cut in paths:
        shared = np.zeros(own.shape, dtype=int)
        for part in layout.spans(group, [(left, cut), (cut, right)]):
            assert part is not None
            rows = slice(part.top - group.top, part.bottom - group.top)
            shared[rows, part.left - group.left : part.right - group.left] += part.shape
        assert np.array_equal(shared, own.astype(int))
        crossed = own[np.arange(group.height), cut - group.left].sum()
        columns = own.sum(axis=0)[cut.min() - group.left : cut.max() - group.left + 1]
        assert crossed < PATH_INK * columns.max()  # the column it began from lies among those it passes


def test_touching_numbers_read_whole_more_often_with_paths_than_with_columns(mnist, monkeypatch):
    """The benchmark's touching numbers of one draw (seed 8): with paths, 85 of 100 read whole, with straight
    columns 83 (a '719356' whose 1 leans under the 9 read '7119356'; three gained, one lost)."""
    net = load_reader()[0]
    pictures = numbers_written_close(mnist.test, 100, np.random.default_rng([8, 1]))

    def read_whole() -> int:
        return sum(read(grey, net).text == truth for grey, truth in pictures)

    with_paths = read_whole()
    monkeypatch.setattr(segmenting, "WANDER", 0.0)
    assert with_paths >= read_whole() + 2
