"""POST /api/read: the Draw panel's reading, as `scratchnet read` reads, through Starlette's TestClient."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient

from benchmarks.handwriting import nondigit, number
from scratchnet.io import load_model
from scratchnet.web import Explorer, create_app


@pytest.fixture
def client(trained_model: Path) -> Iterator[TestClient]:
    net, header = load_model(trained_model)
    with TestClient(create_app(Explorer(net, str(trained_model), header.get("test_accuracy"), None))) as test_client:
        yield test_client


def body(grey: np.ndarray, **extra: str) -> dict[str, object]:
    """Return the compact form of a picture of grey levels in [0, 1] (at most 512 a side)."""
    levels = np.round(np.clip(grey, 0, 1) * 255).astype(np.uint8)
    return {
        "width": levels.shape[1],
        "height": levels.shape[0],
        "grey": base64.b64encode(levels.tobytes()).decode(),
        **extra,
    }


def test_a_number_is_read_by_the_reader_with_a_box_and_an_input_per_digit(client: TestClient, mnist):
    rng = np.random.default_rng(40)
    chosen = [3, 2, 1]
    grey, boxes = number([mnist.test.images[i] for i in chosen], rng)
    if grey.shape[1] > 512:  # the page sends at most 512 pixels a side
        grey = np.asarray(
            Image.fromarray(grey, mode="F").resize((512, round(grey.shape[0] * 512 / grey.shape[1]))), dtype=np.float32
        )
    answer = client.post("/api/read", json=body(grey, model="reader")).json()
    assert answer["model"] == "reader" and not answer["blank"] and not answer["rejected"]
    assert len(answer["characters"]) == len(boxes) and all(len(c["input"]) == 784 for c in answer["characters"])
    assert answer["text"] == "".join(str(mnist.test.labels[i]) for i in chosen)
    assert len(answer["trace"]["layers"][0]["a"]) == 30  # the served network's inside, 784-30-10


def test_a_drawing_that_is_not_a_digit_is_rejected_even_by_a_ten_output_network(client: TestClient):
    grey = nondigit(np.random.default_rng(41))  # a held-out kind of non-digit, 400×400
    answers = [client.post("/api/read", json=body(grey, model=model)).json() for model in ("served", "reader")]
    assert [a["rejected"] for a in answers] == [True, True] and [a["text"] for a in answers] == ["", ""]


def test_a_blank_page_and_bad_requests(client: TestClient):
    blank = client.post("/api/read", json=body(np.ones((50, 60)))).json()
    assert blank["blank"] and blank["rejected"] and blank["characters"] == [] and blank["trace"] is None
    refused = client.post("/api/read", json=body(np.ones((50, 60)), model="best"))
    assert refused.status_code == 400 and "model must be one of served, reader" in refused.json()["error"]
