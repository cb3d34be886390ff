"""Read handwriting: the digits in a picture, left to right (line by line), or "not a digit" when none is there.

A picture goes through the one pipeline of `scratchnet.data.images` (ink found, ruled lines and
specks dropped, the ink split into characters, each boxed as MNIST did: `read_layout`); each
character's 784 inputs are fed forward, and its answer is the brightest output; where the network is
unsure of the layout's cut, `scratchnet.segmenting` joins two characters or cuts one.

The shipped reader is a committee of two networks (`scratchnet.core.committee`), whose probabilities
are averaged: the dense `READER` (784-512-256-11, `scratchnet train --preset reader`) and the
convolutional `READER_CONV` (`--preset reader-conv`), trained on the same digits and negatives; each
reads some pictures the other misreads. Each member looks at a character five times (`VIEWS`): as the
layout boxed it, and moved one pixel up, down, left and right; the committee averages all ten answers,
so a reading that hangs on where the box put the character's centre is outvoted too.

"Not a digit" is a class, not a threshold. Both members have eleven outputs: the ten digits and "not
a digit", trained on made-up letters, scribbles, shapes and noise (`scratchnet.data.negatives`). A
character is rejected when that eleventh output is the brightest: P(not a digit | x) > P(j | x) for
every digit j. A network with only ten outputs cannot say "none of these"; reading with one, the
reader's eleventh class is asked instead (the gate), and the network says which digit. A picture is
"not a digit" when half or more of its characters are, or one is and no other reads as a sure digit (a word).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scratchnet.core.answers import freeze
from scratchnet.core.committee import Committee
from scratchnet.data.augment import moved
from scratchnet.data.characters import Group, Layout
from scratchnet.data.images import read_layout
from scratchnet.data.turning import Level, level, line_angle
from scratchnet.io import load_model
from scratchnet.segmenting import (
    ALONE_SURE,
    SURE,
    Answer,
    Reader,
    a_digit_unread,
    among_digits,
    answer,
    cut_touching,
    drop_strays,
    join_pieces,
    judged,
    off_the_line,
)

READER = Path(__file__).parent / "models" / "reader.npz"
"""The shipped reader's dense member: 784-512-256-11, float16 storage, made by `scratchnet train --preset reader`
(also the teacher that `--teacher reader` names)."""
READER_CONV = Path(__file__).parent / "models" / "reader-conv.npz"
"""The shipped reader's convolutional member: 28x28,conv5x5x32,pool2,conv5x5x64,pool2,200,11, float16 storage,
made by `scratchnet train --preset reader-conv` (also tutorial-tuned's teacher, `--teacher reader-conv`)."""
DIGITS = 10
TURNED = 8.0
"""The slope, in degrees, of a line of characters from which it is also read turned level: numbers turned by 10°
or less read as well as level ones (96 and 99 of 100 at 0° and 10°), at 20° 93, at 30° 62 (docs/reading.md)."""
STEEPEST = 45.0
"""... and to which: characters more than 45° apart from their line are a column, not a line turned."""
VIEWS = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))
"""The moves (down, right), in pixels of the 28×28 input, of the views the shipped reader reads each character
in: as boxed, then one pixel up, down, left, right. Measured on `benchmarks.reading`'s pictures (docs/reading.md):
every row read as well or better than with the one view, other writers 95.49 → 96.16% and non-digits refused
92.0 → 92.4% (91.4 → 94.0% and 88.2 → 91.0% on two other draws); the diagonal moves and moves of two pixels
added nothing."""


@dataclass(frozen=True)
class ReadDigit:
    """One character read: the digit it reads as, its probability, its box (x, y, w, h) and its input."""

    digit: int
    confidence: float
    box: tuple[int, int, int, int]
    input: NDArray[np.float32] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return {"digit", "confidence", "box"}, as `scratchnet read --json` prints it."""
        return {"digit": self.digit, "confidence": round(self.confidence, 4), "box": list(self.box)}


@dataclass(frozen=True)
class Reading:
    """What a picture says: `text` (the digits read, '' when rejected; lines of writing parted by a space), `digits`,
    and `rejected`.

    `characters` holds every character found, those rejected as "not a digit" included, as
    (its reading, is_digit) for views that show them all.
    """

    text: str
    digits: list[ReadDigit]
    characters: list[tuple[ReadDigit, bool]]
    lines: int = 1
    """How many lines of writing were read, one above the other; text holds each line's digits, a space between."""
    short: bool = False
    """True where a character as tall as the digits beside it, in their row, was judged no digit and left out of
    text (`segmenting.a_digit_unread`): the number lacks a digit, and `read` refuses it."""

    @property
    def rejected(self) -> bool:
        """Return True when nothing in the picture reads as a digit."""
        return not self.digits

    def to_dict(self) -> dict[str, Any]:
        """Return {"text", "rejected", "digits": [...]}."""
        return {"text": self.text, "rejected": self.rejected, "digits": [d.to_dict() for d in self.digits]}


@functools.lru_cache(maxsize=1)
def load_reader() -> tuple[Committee, dict[str, Any]]:
    """Return (committee, header) of the shipped reader, loaded once and frozen (it only answers), reading in
    the `VIEWS`; the header holds each member's, {"members": [dense, convolutional]}.

    Raises ModelFileError if a model file of the package is missing or damaged.
    """
    members, headers = zip(*(load_model(path) for path in (READER, READER_CONV)))
    return Committee([freeze(net) for net in members], views=_views), {"members": list(headers)}


def _views(X: NDArray[np.floating]) -> NDArray[np.floating]:
    """Return the rows of X in the reader's `VIEWS`, (5n, 784), view by view."""
    return moved(X, VIEWS)


def has_reject_class(net: Reader) -> bool:
    """Return True when net has the eleventh output, "not a digit"."""
    return net.sizes[-1] == DIGITS + 1


def read_inputs(
    net: Reader, X: NDArray[np.floating], gate: Reader | None = None
) -> tuple[NDArray[np.intp], NDArray[np.floating], NDArray[np.bool_]]:
    """Return (digits, confidences, is_digit) for the rows of X, each (n,).

    digit = argmax_j P(j | x) over the ten digits; its confidence is P(digit | x) among all of net's
    outputs. is_digit is False where the "not a digit" output is the brightest: net's own eleventh,
    or else the gate's; with neither, every character counts as a digit.
    """
    digits, confidences, other, rival = judged(net, gate, X)
    return digits, confidences, other <= rival


def _found(answers: list[Answer]) -> list[tuple[ReadDigit, bool]]:
    return [(ReadDigit(a.digit, a.confidence, a.character.box, a.character.input), a.is_digit) for a in answers]


def read(grey: NDArray[np.floating], net: Reader, gate: Reader | None = None, touching: bool = True) -> Reading:
    """Return the Reading of a picture of grey levels in [0, 1]: its characters read left to right.

    Where the network is unsure of a character the layout found, neighbours are joined, or a wide one
    cut into the digits that read surest, when that reads surer (`scratchnet.segmenting`: a digit in pieces,
    digits touching). A picture where half or more of the characters are not digits (a word, a
    drawing of a house) is rejected, so is one where a character is not a digit and none reads as surely as a
    number alone's digits (`_a_word`), and one with no ink at all. In a number, a character of the
    digits' size counts as one more readily, and one still judged "not a digit" makes the picture refused (`_whole`:
    a number with a digit left out is wrong); the rest judged so are left out of the text (a stray mark beside a
    number). A line of characters on a slope of TURNED degrees or more (a
    phone held askew), read with a doubt, is also read turned level, and the surer reading is kept (`_level_reading`).
    Lines of writing one under another (two numbers) may be read line by line, a space between their digits.
    `touching` False leaves out the search for digits that touch (`cut_touching`), the costliest step by far on a
    stroke that is no digit, tried in 60 to 320 parts: for a drawing read while the finger still draws it (the web
    page's "live" readings; the reading when the finger lifts searches), most often a digit's unfinished top (200
    digits' top 40%: 44 ms a reading with the search, 2.6 ms without).
    Raises DataFormatError for an array that is not a picture.
    """
    as_it_is = _read_as_it_is(grey, net, gate, touching)
    boxes = [digit.box for digit, _ in as_it_is.characters]
    degrees = line_angle(boxes)
    if as_it_is.lines > 1 or not TURNED <= abs(degrees) <= STEEPEST or _sure(as_it_is):
        return _whole(as_it_is)
    turned = _level_reading(level(grey, boxes, degrees), net, gate, touching)
    # Refused as it was, a picture is read turned only as sure digits: a word turned level may read as unsure ones.
    better = _sure(turned) if as_it_is.rejected else _sureness(turned) > _sureness(as_it_is)
    return _whole(turned if better else as_it_is)


def _whole(reading: Reading) -> Reading:
    """Return the reading, refused where it is `short` of a digit: a number read with one of its digits left out is
    wrong however sure its other digits are ("9205" read "925"), and a refusal says so. Only the reading chosen is
    judged so: one short as it is may read whole turned level or line by line, and is compared as before."""
    return replace(reading, text="", digits=[]) if reading.short else reading


def _read_as_it_is(grey: NDArray[np.floating], net: Reader, gate: Reader | None, touching: bool) -> Reading:
    """Return the Reading of the picture's characters as the layout found them, joined or cut where unsure.

    Where the layout found lines of writing one above the other and the whole is not read surely (`_sure`), the
    picture is read line by line too, and that reading is kept when it is surer (`_sureness`; where the whole was
    refused, only when its characters read at a geometric mean P of SURE or more): two numbers written one under
    the other, which read whole as digits stacked into one character each. Two drawings that are no digit stacked
    so (500 made as `benchmarks.handwriting` makes them) read line by line as digits at a mean P of 0.51 at most.
    """
    layout = read_layout(grey)
    whole = _read_lines(net, gate, layout, [layout.groups], touching)
    if len(layout.lines) < 2 or _sure(whole):  # a digit read surely needs no second reading (nor its time)
        return whole
    lines = _read_lines(net, gate, layout, layout.lines, touching)
    return lines if _sureness(lines) > (math.log(SURE) if whole.rejected else _sureness(whole)) else whole


def _read_lines(net: Reader, gate: Reader | None, layout: Layout, lines: list[list[Group]], touching: bool) -> Reading:
    """Return the Reading of these characters of the layout, line by line: each line's joined or cut where unsure
    (`_line_answers`), the picture judged a word or no digit on all of them together."""
    answered = [_line_answers(net, gate, layout, groups, touching) for groups in lines]
    answers = [a for line in answered for a in line]
    if 2 * sum(a.is_digit for a in answers) <= len(answers):  # a word, a drawing, no ink: mostly not digits
        return Reading("", [], _found(answers), len(lines))
    answered = [among_digits(line) for line in answered]
    answers = [a for line in answered for a in line]
    if _a_word(answers):
        return Reading("", [], _found(answers), len(lines))
    found = _found(answers)
    texts = ("".join(str(a.digit) for a in line if a.is_digit) for line in answered)
    text = " ".join(text for text in texts if text)
    short = any(a_digit_unread(line) for line in answered)
    return Reading(text, [digit for digit, ok in found if ok], found, len(lines), short)


def _line_answers(
    net: Reader, gate: Reader | None, layout: Layout, groups: list[Group], touching: bool
) -> list[Answer]:
    """Return the answers for one line's characters, with pieces joined, strays dropped and touching digits cut where
    the network is unsure, and what lies off the line judged no digit (`scratchnet.segmenting`); touching digits are
    not searched for without `touching`."""
    answers = join_pieces(net, gate, layout, drop_strays(net, gate, layout, answer(net, gate, layout, groups)))
    return off_the_line(cut_touching(net, gate, layout, answers) if touching else answers)


def _a_word(answers: list[Answer]) -> bool:
    """Return True when a character is no digit, even among digits, and none of the others reads as surely as a
    number alone's digits must (P below ALONE_SURE): the letters of a word read as digits in doubt ("cat" as a 6 at
    0.91, a 2 at 0.83 and no digit), where a number with a stray mark beside it has a digit read surely."""
    digits = [a.rival for a in answers if a.is_digit]
    return len(digits) < len(answers) and max(digits, default=0.0) < ALONE_SURE


def _level_reading(turned: Level, net: Reader, gate: Reader | None, touching: bool) -> Reading:
    """Return the Reading of a level picture, its boxes turned back into the picture's pixels."""
    reading = _read_as_it_is(turned.grey, net, gate, touching)

    def back(digit: ReadDigit) -> ReadDigit:
        return replace(digit, box=turned.to_picture(digit.box))

    found = [(back(digit), ok) for digit, ok in reading.characters]
    return replace(reading, digits=[digit for digit, ok in found if ok], characters=found)


def _sure(reading: Reading) -> bool:
    """Return True when every character found was read as a digit with P ≥ SURE (as the layout's characters are left
    uncut and unjoined): nothing to doubt."""
    return all(ok and digit.confidence >= SURE for digit, ok in reading.characters)


def _sureness(reading: Reading) -> float:
    """Return how sure a reading is: −∞ when rejected, else the mean of log P(digit | x) over the characters found.

    A character left out as "not a digit" counts with the probability of its likeliest digit, which is low: a
    reading that needs to leave characters out is the less sure.
    """
    if reading.rejected:
        return -math.inf
    return float(np.mean([math.log(max(digit.confidence, 1e-12)) for digit, _ in reading.characters]))
