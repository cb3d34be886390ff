"""benchmarks.load's drawings in progress: a digit as the page sends it while the finger is still drawing it."""

from __future__ import annotations

import json

import numpy as np

from benchmarks.load import IN_PROGRESS, drawings, in_progress


def test_a_digit_in_progress_is_its_top_rows_of_ink_and_blank_below(mnist):
    digit = mnist.test.images[0].reshape(28, 28)
    rows = np.flatnonzero(digit.max(axis=1) > 0)
    for shown in (0.4, 0.7):
        drawn = in_progress(digit, shown)
        last = rows[0] + int(shown * (rows[-1] - rows[0] + 1))  # the first row left blank
        assert np.array_equal(drawn[:last], digit[:last]) and not drawn[last:].any()
        assert 0 < drawn.sum() < digit.sum()
    assert np.array_equal(in_progress(digit, 1.0), digit)
    assert not in_progress(np.zeros((28, 28), np.uint8), 0.4).any()  # nothing drawn yet


def test_the_bodies_in_progress_are_each_digit_in_each_state_as_the_page_sends_it():
    bodies = [json.loads(body) for body in drawings(2, shown=IN_PROGRESS)]
    assert len(bodies) == 2 * len(IN_PROGRESS)
    assert {(body["width"], body["height"], body["maps"]) for body in bodies} == {(112, 112, True)}
    assert bodies[0]["grey"] != bodies[2]["grey"]  # the first digit's top 40%, then all of it
    assert [body["live"] for body in bodies] == [shown < 1 for shown in IN_PROGRESS] * 2  # as the finger lifts: whole
