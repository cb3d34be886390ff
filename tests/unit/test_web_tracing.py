"""`scratchnet.web.tracing`: the served network reads a drawing and its diagram is drawn from that reading's pass."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.handwriting import number
from scratchnet.core.answers import ANSWER_DTYPE, freeze
from scratchnet.io import load_model
from scratchnet.reading import READER, READER_CONV, load_reader, read
from scratchnet.web import explorer
from scratchnet.web.tracing import Tracing


@pytest.fixture(scope="module", params=[READER, READER_CONV], ids=["dense", "convolutional"])
def served(request):
    return freeze(load_model(request.param)[0])


def test_its_answers_are_the_networks_to_the_bit(served, mnist):
    X = mnist.test.images[:300]
    assert np.array_equal(Tracing(served).probabilities(X), served.probabilities(X))
    assert np.array_equal(Tracing(served).probabilities(X[:1]), served.probabilities(X[:1]))


def test_the_kept_pass_is_the_networks_own_forward_trace(served, mnist):
    X = mnist.test.images[10:14]
    tracing = Tracing(served)
    tracing.probabilities(X)
    for i in range(len(X)):
        Z, A = tracing.pass_of(X[i])
        fresh_Z, fresh_A = served.forward_trace(X[i : i + 1], products=ANSWER_DTYPE)
        for kept, fresh in zip(Z + A, fresh_Z + fresh_A):
            assert kept.dtype == served.dtype and kept.shape == fresh.shape
            np.testing.assert_allclose(kept, fresh, rtol=1e-5, atol=1e-6)
    assert tracing.pass_of(mnist.test.images[99]) is None  # never read


def test_a_number_reads_as_the_network_reads_it_and_its_diagram_is_the_first_digits(served, mnist, monkeypatch):
    reader, _ = load_reader()
    grey, _ = number([mnist.test.images[i] for i in (3, 2, 1)], np.random.default_rng(7))
    readings = [read(grey, net, gate=reader) for net in (Tracing(served), served)]
    assert len({(r.text, tuple((d.digit, d.confidence, d.box, ok) for d, ok in r.characters)) for r in readings}) == 1
    passes = []
    monkeypatch.setattr(
        served,
        "forward_trace",
        lambda X, products=None: passes.append(products) or type(served).forward_trace(served, X, products),
    )
    view = explorer.reading_view(grey, served, "served", maps=False)
    monkeypatch.undo()
    assert passes and all(products is ANSWER_DTYPE for products in passes)  # the reading's passes, no second one
    first = next(c for c in view["characters"] if c["is_digit"])
    assert view["trace"]["prediction"] == first["digit"]
    assert view["trace"]["probabilities"][first["digit"]] == first["confidence"]  # one pass: the same number
    x = read(grey, served, gate=reader).digits[0].input
    fresh = explorer.trace_view(served, x, maps=False)  # the diagram's own float32 pass, as before
    for kept, again in zip(view["trace"]["layers"], fresh["layers"]):
        np.testing.assert_allclose(kept["a"], again["a"], atol=2e-4)
    assert view["trace"]["edges"] == fresh["edges"]
