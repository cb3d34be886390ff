"""POST /api/read: the Draw panel's reading, as `scratchnet read` reads, through Starlette's TestClient."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient

from benchmarks.handwriting import nondigit, number, one_under_another, photo, photograph
from benchmarks.reading import numbers_written_close
from scratchnet.data.images import load_image
from scratchnet.io import load_model
from scratchnet.reading import load_reader, read
from scratchnet.web import Explorer, create_app


@pytest.fixture
def client(trained_model: Path) -> Iterator[TestClient]:
    net, header = load_model(trained_model)
    with TestClient(create_app(Explorer(net, str(trained_model), header.get("test_accuracy"), None))) as test_client:
        yield test_client


def body(grey: np.ndarray, **extra: object) -> dict[str, object]:
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


def test_numbers_written_one_under_another_are_read_line_by_line_a_space_between(client: TestClient, mnist):
    rng = np.random.default_rng(42)
    lines = [(3, 2, 1), (0, 4, 7, 5)]
    grey = one_under_another([number([mnist.test.images[i] for i in line], rng)[0] for line in lines], 0.5)
    answer = client.post("/api/read", json=body(grey, model="reader")).json()
    assert answer["text"] == " ".join("".join(str(mnist.test.labels[i]) for i in line) for line in lines)
    assert len(answer["characters"]) == 7 and all(c["is_digit"] for c in answer["characters"])


def test_a_drawing_that_is_not_a_digit_is_rejected_even_by_a_ten_output_network(client: TestClient):
    grey = nondigit(np.random.default_rng(41))  # a held-out kind of non-digit, 400×400
    answers = [client.post("/api/read", json=body(grey, model=model)).json() for model in ("served", "reader")]
    assert [a["rejected"] for a in answers] == [True, True] and [a["text"] for a in answers] == ["", ""]


def test_a_live_reading_while_the_finger_draws_does_not_cut_touching_digits(client: TestClient, mnist):
    """A reading with "live": true (the page's, until the finger lifts) is `read` without the search for touching
    digits; the finger lifted (live false, the default), with it: three touching numbers of the reading table's row
    (seed 2026) that only the search reads right, each sent both ways."""
    touching = numbers_written_close(mnist.test, 30, np.random.default_rng(2026))
    reader = load_reader()[0]
    small = [(grey, truth) for grey, truth in touching if max(grey.shape) <= 512]  # as the page sends them
    cut = [(grey, truth, quick) for grey, truth in small if (quick := read(grey, reader, touching=False)).text != truth]
    cut = [(grey, truth, quick) for grey, truth, quick in cut if read(grey, reader).text == truth][:3]
    assert len(cut) == 3
    for grey, truth, quick in cut:
        live, lifted = (client.post("/api/read", json=body(grey, model="reader", live=v)).json() for v in (True, False))
        assert (live["text"], len(live["characters"])) == (quick.text, len(quick.characters))
        assert lifted["text"] == truth
    refused = client.post("/api/read", json=body(np.ones((50, 60)), live="yes"))
    assert refused.status_code == 400 and refused.json()["error"].startswith("live must be true or false")


def test_a_blank_page_and_bad_requests(client: TestClient):
    blank = client.post("/api/read", json=body(np.ones((50, 60)))).json()
    assert blank["blank"] and blank["rejected"] and blank["characters"] == [] and blank["trace"] is None
    refused = client.post("/api/read", json=body(np.ones((50, 60)), model="best"))
    assert refused.status_code == 400 and "model must be one of served, reader" in refused.json()["error"]


def test_a_photo_sent_as_its_file_is_read_as_scratchnet_read_reads_that_file(client: TestClient, mnist, tmp_path):
    """The page sends an opened picture's file: the server decodes it as `read` does (full size, no 512 cap)."""
    chosen = [4, 5, 6]
    ink, _boxes = number([mnist.test.images[i] for i in chosen], np.random.default_rng(42))
    grey = photograph(np.kron(1.0 - ink, np.ones((3, 3), dtype=np.float32)), np.random.default_rng(43))  # a large photo
    Image.fromarray((grey * 255).astype(np.uint8)).save(tmp_path / "number.jpg", quality=85)
    assert max(grey.shape) > 512
    sent = client.post(
        "/api/read?model=reader", content=(tmp_path / "number.jpg").read_bytes(), headers={"Content-Type": "image/jpeg"}
    )
    assert sent.status_code == 200, sent.text
    answer = sent.json()
    reader, _ = load_reader()
    here = read(load_image(tmp_path / "number.jpg"), reader, gate=reader)
    assert answer["model"] == "reader" and answer["text"] == here.text == "".join(
        str(mnist.test.labels[i]) for i in chosen
    )
    assert [c["box"] for c in answer["characters"] if c["is_digit"]] == [list(d.box) for d in here.digits]
    shown = answer["picture"]
    assert (shown["width"], shown["height"]) == (grey.shape[1], grey.shape[0])
    png = Image.open(io.BytesIO(base64.b64decode(shown["image"].removeprefix("data:image/png;base64,"))))
    assert max(png.size) == 512 and abs(png.width / png.height - grey.shape[1] / grey.shape[0]) < 0.01


def test_a_heic_photo_and_a_transparent_drawing_sent_as_files_are_read(client: TestClient, mnist):
    """What the browser could not open itself (HEIC), and light strokes on transparency, laid on black."""
    from pillow_heif import register_heif_opener

    register_heif_opener()  # to write one here
    heic = io.BytesIO()
    Image.fromarray((photo(mnist.test.images[0], np.random.default_rng(44)) * 255).astype(np.uint8)).convert(
        "RGB"
    ).save(heic, "HEIF", quality=80)
    strokes = np.kron(mnist.test.images[1].reshape(28, 28), np.ones((6, 6), dtype=np.uint8))
    rgba = np.zeros(strokes.shape + (4,), dtype=np.uint8)
    rgba[..., :3], rgba[..., 3] = 255, strokes  # white ink, opaque only where drawn
    png = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(png, "PNG")
    for data, label in ((heic, mnist.test.labels[0]), (png, mnist.test.labels[1])):
        answer = client.post(
            "/api/read?model=reader", content=data.getvalue(), headers={"Content-Type": "application/octet-stream"}
        ).json()
        assert answer["text"] == str(label)


@pytest.mark.parametrize(
    ("content", "headers", "status", "words"),
    [
        (b"\x89PNG\r\n\x1a\n not really", {"Content-Type": "image/png"}, 400, "the picture: "),
        (b"", {"Content-Type": "image/jpeg"}, 400, "must be a picture's file; got an empty body"),
        (b"x", {"Content-Type": "image/jpeg", "Content-Length": str(30 << 20)}, 413, "at most 20,971,520 bytes"),
        (b"hello", {"Content-Type": "text/plain"}, 415, "application/json, or a picture's file as image/..."),
    ],
)
def test_a_picture_file_that_cannot_be_read_is_one_line(client: TestClient, content, headers, status, words):
    answer = client.post("/api/read", content=content, headers=headers)
    assert answer.status_code == status and words in answer.json()["error"] and "\n" not in answer.json()["error"]


def test_a_picture_files_reader_is_chosen_in_the_query(client: TestClient, mnist):
    picture = io.BytesIO()
    Image.fromarray(255 - mnist.test.images[2].reshape(28, 28)).resize((112, 112)).save(picture, "PNG")
    refused = client.post("/api/read?model=best", content=picture.getvalue(), headers={"Content-Type": "image/png"})
    assert refused.status_code == 400 and "model must be one of served, reader" in refused.json()["error"]
    served = client.post("/api/read", content=picture.getvalue(), headers={"Content-Type": "image/png"}).json()
    assert served["model"] == "served" and served["picture"] == {**served["picture"], "width": 112, "height": 112}
