"""Segmentation by recognition: where the page's layout is unsure of a character, the network decides.

The layout rules (`scratchnet.data.characters`) cut the ink into characters by shape alone: pieces
apart are characters apart, pieces one above the other are one. Two mistakes are left that shape
alone cannot see, and the network can: a digit written in broken strokes (a 6 whose loop stands
apart, an 8 in two pieces) becomes characters that each read as no digit or as an unsure one, while
the whole reads as a sure one; two digits that touch become one character that reads as no digit,
while each half reads as a sure digit. So the reader tries

    joining a character read unsure (P(digit) below SURE, as the network that can say "not a digit"
        judges) with a neighbour close beside it: kept when the whole is a digit read surely and
        more probably than the two parts together, P(whole) > P(left) · P(right); a neighbour wholly above
        or below it (sharing no row of pixels: a slanted 1 broken across, its pieces sharing too few
        columns for the layout to join them) is no digit of a row beside it, so there the whole need only
        be a digit read more probably than the two parts together;
    dropping a stray piece from a character read unsure: a piece above or below the rest, apart from it
        by more than NEAR of the rest's height and with less than STRAY of its ink (what a ruled line or a
        shadow's edge leaves above a digit; the layout joins pieces that share columns however far apart),
        left out when the rest is a digit read surely and more probably than the whole;
    cutting a wide character that is no digit even among digits (P(not a digit) · AMONG_DIGITS above
        its best digit's) into the two or more digits that touch in it: it may be cut at its thinnest
        column in each run of STEP of its height, straight down or along the path of least ink from there
        (straying at most WANDER of its height: digits that lean over each other's columns, `Layout.cuts`),
        and of all the ways to cut it into parts that each read
        as a digit with at least HALF_SURE, the one whose probabilities have the largest product is kept
        (dynamic programming, `_best_split`; parts that a committee's first member, in one view, reads as a
        digit with P below LIKELY are passed over unread); none, and it stays whole. (A doubtful wide 6 is
        weighed as a digit instead: cut, its stem and its loop read as a sure 1 and a sure 0.) Parts are at
        least NARROWEST of the height wide: a thinner sliver of a round letter (an e's left side) reads as a
        sure 1. Beside a digit read surely, that is enough; a character with no such digit apart from it (a
        number written in one stroke, a scribble) is cut only when its parts are surer still (ALONE_SURE),
        about as tall as it (ALONE_TALL), and not all 1s (`_a_number_alone`); the digits such a cut finds are
        then sure digits beside the others. A character narrower than WIDE (a touching "10") is cut only among
        sure digits, and on the terms of a number alone. In a number (IN_A_NUMBER sure digits beside it), a
        refused character with no such cut may be cut into parts read with LOOSE each where they read with
        HALF_SURE on the whole, as the geometric mean of their P, and are not all 1s (`_in_a_number`: a "70"
        whose 7 reads at 0.85 and 0 at 0.96), and a narrow one on those terms too (a "12" whose 1 reads
        at 0.987, short of a number alone's 0.99). Two digits that touch may
        also read as one digit, unsure and in doubt of being one (P(not a digit) at least DOUBT): such a
        character ROW_WIDE times as wide as the sure digits of its row is cut the same way where its
        parts, not all 1s (a y's strokes), read surer together than it does (`_too_wide`).

A character the network is sure of is never changed, so one clear stroke stays one character. Cuts
need sure parts, and surer ones with no sure digit beside them: any scribble has some cut whose parts look a
little like digits, and drawings that are no digit must stay refused (read by the dense reader, on 300 drawn non-digits of
benchmarks.handwriting, seed 11: cutting any unsure wide character refused 68% of them, this rule
85.7%, no cutting 86.3%; 150 numbers read whole: 90.0%, 94.0%, 92.0%).

A character that shares no row of pixels with any other, where the others share rows, lies off the
line of writing (a margin line's end in the corner, a mark above the number): it is no digit of the
number, however much it looks like a 1 (`off_the_line`).

Then context: in a row of digits, a character as tall as they are is likelier a digit than the same
marks alone, so there P(not a digit) is weighed by AMONG_DIGITS before it is compared with the best
digit's (Bayes' rule with a smaller prior for "not a digit").
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from scratchnet.core.committee import Committee
from scratchnet.core.network import Network
from scratchnet.data.characters import NEAR, Character, Group, Layout, Part


class Reader(Protocol):
    """What reads: one network, a committee of them answering together (or anything that answers as they do)."""

    @property
    def sizes(self) -> list[int]:
        """Return the sizes of the layers, the first the inputs and the last the outputs."""
        ...

    def probabilities(self, X: NDArray[Any]) -> NDArray[Any]:
        """Return each row's outputs normalised to sum to 1, shape (n, sizes[-1])."""
        ...


SURE = 0.9
"""A character whose digit reads with at least this probability is left as the layout cut it."""
HALF_SURE = 0.9
"""Each part of a character cut in several must read as its digit with at least this probability."""
CLOSE = 0.15
"""Neighbours at most this fraction of the taller one's height apart may be one digit in pieces."""
WIDE = 0.9
"""Only a character at least this wide for its height may be two digits touching (but see NARROW_AMONG_DIGITS)."""
ROW_WIDE = 1.3
"""... and a character read as a digit in doubt (`_too_wide`), at least this many times as wide as the row's sure
digits."""
DOUBT = 0.25
"""A character read as a digit is in doubt of being one when P(not a digit) is at least this."""
STRAY = 0.5
"""A piece with less than this share of the rest's ink, apart above or below it, may be a stray mark."""
AMONG_DIGITS = 0.25
"""The weight of P(not a digit) for a character as tall as the digits beside it."""
TALL = 0.6
"""As tall as the digits beside it: at least this fraction of their median height (or of the character's, for
a part of one cut in several)."""
STEP = 0.1
"""A wide character may be cut once in each run of this fraction of its height (from the run's thinnest column) ..."""
WANDER = 0.1
"""... along the path of least ink from that column down, straying at most this fraction of its height either way:
digits that lean into each other or overlap are parted where their strokes do, not by one column across both."""
ALONE_SURE = 0.99
"""With no sure digit apart from it, each part of a character cut in several must read with this probability..."""
ALONE_TALL = 0.8
"""... and be at least this fraction of the character's height tall (digits in a row are about as tall)."""
NARROWEST = 0.18
"""The narrowest part a character is cut into, as a fraction of its height (a 1 written straight)."""
NARROW_AMONG_DIGITS = 2 * NARROWEST
"""Among sure digits, a character narrower than WIDE, down to this fraction of its height, may be two digits
touching (a "10"), where its parts are as sure as a number alone's."""
WIDEST = 1.5
"""The widest part a character is cut into, as a fraction of its height (a 3 written wide beside a 0 it touches is 1.3
to 1.4 times as wide as the pair is tall)."""
IN_A_NUMBER = 2
"""A character refused with at least this many sure digits beside it stands in a number..."""
LOOSE = 0.8
"""... and where it has no cut into parts each read with HALF_SURE, it may be cut into parts each read with as little
as this probability, where they read with HALF_SURE on the whole (their geometric mean) and are not all 1s
(`_in_a_number`)."""
LIKELY = 0.8
"""A part of a character cut in several that the judge's quickest network reads as a digit with less than this
probability is not read by the whole judge (it would not read it with HALF_SURE; a committee's members agree)."""


@dataclass(frozen=True)
class Answer:
    """One character with the network's answer, its digit and P(digit), and the judge's (the network
    with the eleventh output, "not a digit": the network itself or the gate) P(not a digit) and P(best
    digit) as `other` and `rival` (0 and 1 with no eleventh output anywhere, so nothing is unsure).

    The judge decides the cuts: a ten-output network shares all its probability among the digits and
    reads even half a digit surely, so only the judge can say that a piece is no digit."""

    group: Group
    character: Character
    digit: int
    confidence: float
    other: float
    rival: float

    @property
    def is_digit(self) -> bool:
        """Return True unless "not a digit" is the judge's brightest output."""
        return self.other <= self.rival

    @property
    def height(self) -> int:
        return self.group.height


def judged(
    net: Reader, gate: Reader | None, X: NDArray[np.floating]
) -> tuple[NDArray[np.intp], NDArray[np.floating], NDArray[np.floating], NDArray[np.floating]]:
    """Return (digits, confidences, other, rival) for the rows of X, each (n,): net's digit argmax_j P(j | x)
    over the ten and its P(digit | x); the judge's P(not a digit | x) and P(best digit | x), the judge being
    the first of net and gate with an eleventh output (0 and 1 with neither: nothing is refused)."""
    P = net.probabilities(X)
    digits = P[:, :10].argmax(axis=1)
    judge = next((n for n in (net, gate) if n is not None and n.sizes[-1] == 11), None)
    Q = None if judge is None else P if judge is net else judge.probabilities(X)
    other = Q[:, 10] if Q is not None else np.zeros(len(X))
    rival = Q[:, :10].max(axis=1) if Q is not None else np.ones(len(X))
    return digits, P[np.arange(len(X)), digits], other, rival


def answer(
    net: Reader, gate: Reader | None, layout: Layout, groups: Sequence[Group], quick: Network | None = None
) -> list[Answer]:
    """Return the network's Answer for each group that holds ink, in the order given; with a `quick` network, only
    for the groups that it reads as a digit with at least LIKELY."""
    found = [(g, c) for g, c in ((g, layout.character(g)) for g in groups) if c is not None]
    if quick is not None and found:
        P = quick.probabilities(np.stack([c.input for _, c in found]))
        found = [f for f, likely in zip(found, P[:, :10].max(axis=1) >= LIKELY) if likely]
    if not found:
        return []
    digits, confidences, other, rival = judged(net, gate, np.stack([c.input for _, c in found]))
    return [
        Answer(g, c, int(d), float(p), float(o), float(r))
        for (g, c), d, p, o, r in zip(found, digits, confidences, other, rival)
    ]


def _unsure(a: Answer) -> bool:
    return not a.is_digit or a.rival < SURE


def _close(first: Group, second: Group) -> bool:
    """Return True when the two lie within CLOSE of the taller one's height, side by side or overlapping."""
    gap = max(first.left, second.left) - min(first.right, second.right)
    return gap <= CLOSE * max(first.height, second.height)


def _score(a: Answer) -> float:
    """Return the judge's P(best digit) of a character that reads as a digit, 0 of one that does not."""
    return a.rival if a.is_digit else 0.0


def join_pieces(net: Reader, gate: Reader | None, layout: Layout, answers: list[Answer]) -> list[Answer]:
    """Return the answers with neighbours joined where the two are one digit read surer (see above): surely, for
    neighbours side by side; for one wholly above the other, more probably than the two pieces together."""
    answers = list(answers)
    i = 0
    while i + 1 < len(answers):
        first, second = answers[i], answers[i + 1]
        whole: list[Answer] = []
        if (_unsure(first) or _unsure(second)) and _close(first.group, second.group):
            whole = answer(net, gate, layout, [layout.joined(first.group, second.group)])
        sure = SURE if _share_rows(first.group, second.group) else 0.0  # one above the other: no row of digits
        if whole and whole[0].is_digit and whole[0].rival >= sure and whole[0].rival > _score(first) * _score(second):
            answers[i : i + 2] = whole
            i = max(0, i - 1)  # the whole may join its left neighbour too
        else:
            i += 1
    return answers


def _stray(piece: Group, rest: Group) -> bool:
    """Return True when the piece lies above or below the rest, apart by more than NEAR of the rest's height,
    with less than STRAY of its ink."""
    gap = max(piece.top - rest.bottom, rest.top - piece.bottom)
    return gap > NEAR * rest.height and piece.area < STRAY * rest.area


def drop_strays(net: Reader, gate: Reader | None, layout: Layout, answers: list[Answer]) -> list[Answer]:
    """Return the answers with a stray piece left out of each unsure character where the rest reads as a
    digit, surely and more probably than the whole (see above)."""
    result = []
    for a in answers:
        best = a
        pieces = layout.pieces(a.group) if _unsure(a) and len(a.group.labels) > 1 else []
        for piece in pieces:
            whole = functools.reduce(layout.joined, [p for p in pieces if p is not piece])
            if not _stray(piece, whole):
                continue
            kept = answer(net, gate, layout, [whole])
            if kept and kept[0].is_digit and kept[0].rival >= SURE and kept[0].rival > _score(best):
                best = kept[0]
        result.append(best)
    return result


def _spans(layout: Layout, group: Group) -> list[Part]:
    """Return the parts of a group between any two of its cuts (or its edges) that could be one digit: from
    NARROWEST to WIDEST of its height wide (the cuts' mean distance apart), their ink at least TALL of its height
    tall. The cuts are paths of least ink that stray at most WANDER of its height from a thin column."""
    height = group.height
    edges = [np.full(height, group.left), *layout.cuts(group, max(1, round(STEP * height)), WANDER)]
    edges.append(np.full(height, group.right))
    bounds = [(left, right) for i, left in enumerate(edges) for right in edges[i + 1 :]]
    bounds = [(left, right) for left, right in bounds if NARROWEST * height <= np.mean(right - left) <= WIDEST * height]
    return [part for part in layout.spans(group, bounds) if part is not None and part.height >= TALL * height]


def _quick_judge(net: Reader, gate: Reader | None) -> Network | None:
    """Return the judge's quickest network, a committee's first member read in one view, to pass over the parts
    that are plainly no digit before the whole committee reads the rest (None when the judge is one network)."""
    judge = next((n for n in (net, gate) if n is not None and n.sizes[-1] == 11), None)
    return judge.members[0] if isinstance(judge, Committee) else None


def _best_split(
    net: Reader, gate: Reader | None, layout: Layout, group: Group, in_a_number: bool = False
) -> list[Answer]:
    """Return the group cut into two or more parts, side by side, each a digit read with at least HALF_SURE, whose
    probabilities have the largest product (`_tiling`); [] when no such cut exists. `in_a_number`, and there is
    none, the parts may read with LOOSE where they read as a number's digits (`_in_a_number`)."""
    spans = answer(net, gate, layout, _spans(layout, group), _quick_judge(net, gate))
    split = _tiling(group, [a for a in spans if a.is_digit and a.rival >= HALF_SURE])
    if split or not in_a_number:
        return split
    split = _tiling(group, [a for a in spans if a.is_digit and a.rival >= LOOSE])
    return split if _in_a_number(split) else []


def _tiling(group: Group, parts: list[Answer]) -> list[Answer]:
    """Return the parts, two or more, that tile the group from its left edge to its right with the largest product of
    probabilities (dynamic programming over the cuts); [] when none do.

    best(x) = max over parts [w, x) of best(w) · P(part), best(left) = 1: the most probable reading of the
    columns left of x, each part's P the judge's P(best digit)."""
    best: dict[float, tuple[float, list[Answer]]] = {group.left: (0.0, [])}  # cut: (Σ log P, its parts)
    for part in sorted(parts, key=lambda a: _between(a)[::-1]):
        left, right = _between(part)
        if left in best:
            score, before = best[left]
            score += float(np.log(part.rival))
            if right not in best or score > best[right][0]:
                best[right] = (score, [*before, part])
    split = best.get(group.right, (0.0, []))[1]
    return split if len(split) >= 2 else []


def _between(a: Answer) -> tuple[float, float]:
    """Return the mean columns of the cuts a part lies between (`Part.between`), the keys of the tiling."""
    assert isinstance(a.group, Part)
    return a.group.between


def cut_touching(net: Reader, gate: Reader | None, layout: Layout, answers: list[Answer]) -> list[Answer]:
    """Return the answers with each character that is no digit even among digits cut into the digits that touch
    in it, where every part reads as a sure digit (see above); and each character in doubt (`_too_wide`) cut where
    its parts, not all 1s, read surer together than it does. The digits cut out of a character with no sure digit
    beside it (`_a_number_alone`) are sure digits beside the others: "87" touching beside "40" touching, both
    refused, is cut into four digits, where the 8 alone (at 0.96) was not sure enough; and they count among the
    sure digits that make a character left whole stand in a number (IN_A_NUMBER): "125" cut on a number alone's
    terms beside "101" refused, whose 0 reads at 0.875, makes "125101"."""
    sure = [a for a in answers if a.is_digit and a.rival >= SURE]
    typical = float(np.median([a.group.width for a in sure])) if sure else np.inf
    splits = [_split(net, gate, layout, a, len(sure), typical) for a in answers]
    alone = [bool(split) and _a_number_alone(a, split) for a, split in zip(answers, splits)]
    found = _cut_alone(splits, alone)
    if found:  # they count among the sure digits beside each character left whole, which may then stand in a number
        splits = [
            split or _split(net, gate, layout, a, len(sure) + found, typical) for a, split in zip(answers, splits)
        ]
    beside = _sure_beside(bool(sure), alone)
    return [
        part for a, split, ok in zip(answers, splits, alone) for part in (split if split and (beside or ok) else [a])
    ]


def _cut_alone(splits: list[list[Answer]], alone: list[bool]) -> int:
    """Return how many digits were cut out of characters on a number alone's terms (`alone`: which were)."""
    return sum(len(split) for split, ok in zip(splits, alone) if ok)


def _sure_beside(sure: bool, alone: list[bool]) -> bool:
    """Return True when the characters have a sure digit beside them: one read surely as the layout cut it
    (`sure`), or one cut out of a character on a number alone's terms (`alone`: which characters were)."""
    return sure or any(alone)


def _split(net: Reader, gate: Reader | None, layout: Layout, a: Answer, sure: int, typical: float) -> list[Answer]:
    """Return the parts a character may be cut into ([] to leave it whole), beside `sure` sure digits `typical`
    wide: a character refused as no digit, WIDE for its height, or narrower (down to NARROW_AMONG_DIGITS) among sure
    digits where its parts are as sure as a number alone's (a touching "10") or, IN_A_NUMBER, read as its digits
    (`_in_a_number`); or one in doubt (`_too_wide`) whose parts read surer than it."""
    refused = AMONG_DIGITS * a.other > a.rival  # no digit even among digits: not one digit of a number
    doubt = not refused and _too_wide(a, typical)
    wide = a.group.width >= WIDE * a.height
    narrow = not wide and sure > 0 and refused and a.group.width >= NARROW_AMONG_DIGITS * a.height
    number = refused and sure >= IN_A_NUMBER
    split = _best_split(net, gate, layout, a.group, number) if (wide or narrow) and (refused or doubt) else []
    if (narrow and not (_a_number_alone(a, split) or (number and _in_a_number(split)))) or (
        doubt and not _surer_in_parts(a, split)
    ):
        return []
    return split


def _too_wide(a: Answer, typical: float) -> bool:
    """Return True for a character read as a digit unsurely, ROW_WIDE times as wide as its row's sure digits (of
    `typical` width), and with P(not a digit) at least DOUBT: one digit as wide as two of its row's, and in doubt of
    being one. A 0, the widest digit, read unsurely but never in doubt of being a digit, is left whole."""
    return a.rival < SURE and a.other >= DOUBT and a.group.width >= ROW_WIDE * typical


def _surer_in_parts(whole: Answer, split: list[Answer]) -> bool:
    """Return True when the parts, not all 1s (a y's two strokes), read surer together than the whole: Π P(part) >
    P(whole)."""
    return float(np.prod([part.rival for part in split])) > whole.rival and not _all_ones(split)


def _all_ones(split: list[Answer]) -> bool:
    """Return True when every part reads as a 1: what strokes side by side (hatching, a letter's) are cut into."""
    return all(part.digit == 1 for part in split)


def _a_number_alone(whole: Answer, split: list[Answer]) -> bool:
    """Return True when the parts of a character, with no sure digit apart from it, are surely a number's digits:
    each read with ALONE_SURE and ALONE_TALL of the whole's height, and not all 1s (a drawing's hatching, a row of
    strokes, reads as touching 1s)."""
    tall = all(part.rival >= ALONE_SURE and part.group.height >= ALONE_TALL * whole.height for part in split)
    return tall and not _all_ones(split)


def _in_a_number(split: list[Answer]) -> bool:
    """Return True when the parts of a character read as a number's digits: with HALF_SURE on the whole,
    (Π P(part))^(1/k) ≥ HALF_SURE, and not all 1s."""
    mean = float(np.exp(np.mean(np.log([part.rival for part in split])))) if split else 0.0
    return mean >= HALF_SURE and not _all_ones(split)


def off_the_line(answers: list[Answer]) -> list[Answer]:
    """Return the answers with a character judged no digit where it shares no row of pixels with any other
    character while the others share rows: what lies wholly above or below a line of writing (a margin
    line's end, a mark in the corner) is not one of its digits, however much it looks like a 1."""
    sharing = [
        sum(_share_rows(a.group, b.group) for b in answers if b is not a) for a in answers
    ]  # how many others share a row with each; one alone has none, and then any that shares one does so with another
    line = any(sharing)
    return [replace(a, other=1.0, rival=0.0) if a.is_digit and line and not n else a for a, n in zip(answers, sharing)]


def _as_tall(answers: list[Answer]) -> float | None:
    """Return the height from which a character is as tall as the digits beside it: TALL of the median height of
    those read as digits (None with none)."""
    heights = [a.height for a in answers if a.is_digit]
    return TALL * float(np.median(heights)) if heights else None


def among_digits(answers: list[Answer]) -> list[Answer]:
    """Return the answers with characters as tall as the digits beside them judged with P(not a digit)
    weighed by AMONG_DIGITS: a digit's size in a row of digits is evidence that it is one."""
    tall = _as_tall(answers)
    if tall is None:
        return answers
    return [replace(a, other=AMONG_DIGITS * a.other) if not a.is_digit and a.height >= tall else a for a in answers]


def a_digit_unread(answers: list[Answer]) -> bool:
    """Return True when a character as tall as the digits beside it, in their row (sharing rows of pixels with the
    digit next to it on its left or its right), is judged no digit even so (after `among_digits`).

    Left out, as a stray mark is, it would make a number with a digit missing, read as surely as a whole one: a "9205"
    whose 0 is drawn open read "925", two touching digits that no cut parts ("435814" read "4354"). Such a picture is
    better refused than read wrong. What lies wholly above or below the row (`off_the_line`), apart from it (the dark
    corner of a photo beyond a turned number's end) and marks shorter than the digits (a dot, a dash) are still left
    out."""
    tall = _as_tall(answers)
    digits = [a.group for a in answers if a.is_digit]
    return tall is not None and any(not a.is_digit and a.height >= tall and _beside(a.group, digits) for a in answers)


def _beside(group: Group, digits: list[Group]) -> bool:
    """Return True when the group shares rows of pixels with the digit nearest it on its left or on its right."""
    middle = group.left + group.right  # twice the centre column, as for each digit below

    def nearest(side: list[Group]) -> list[Group]:
        return [min(side, key=lambda d: abs(d.left + d.right - middle))] if side else []

    left = nearest([d for d in digits if d.left + d.right <= middle])
    right = nearest([d for d in digits if d.left + d.right > middle])
    return any(_share_rows(group, d) for d in left + right)


def _share_rows(first: Group, second: Group) -> bool:
    """Return True when the two groups' boxes share a row of pixels."""
    return first.top < second.bottom and second.top < first.bottom
