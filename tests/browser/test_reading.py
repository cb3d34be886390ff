"""The Draw panel reads like `scratchnet read`: a number drawn with the mouse, two drawn one under the other, a scribble refused, a digit
drawn with a finger (touch events), and phone photos opened from disk (a HEIC one too: the page sends the file, the
server reads it as `scratchnet read` reads a file), in a real headless Chromium."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from benchmarks.handwriting import photo
from tests.browser.conftest import loop, stroke, touch_stroke

pytestmark = pytest.mark.browser

ONE_SEVEN_ZERO = [
    [(45, 70), (40, 215)],  # a 1
    [(90, 75), (165, 75), (118, 215)],  # a 7
    loop((222, 142), (34, 72)),  # a 0
]


def use_the_reader(page: Page) -> None:
    page.get_by_test_id("reader-switch").check()


def test_a_three_digit_number_drawn_with_the_mouse_is_read_with_its_boxes(page: Page):
    use_the_reader(page)
    for points in ONE_SEVEN_ZERO:
        stroke(page, points, steps=2 if len(points) > 3 else 6)
    expect(page.get_by_test_id("prediction")).to_have_text("170")
    expect(page.get_by_test_id("boxes")).to_have_attribute("data-count", "3")
    expect(page.get_by_test_id("character")).to_have_count(3)
    expect(page.get_by_test_id("prediction-note")).to_contain_text("3 digits")
    page.get_by_test_id("clear").click()
    expect(page.get_by_test_id("prediction")).to_have_text("")
    expect(page.get_by_test_id("character")).to_have_count(0)


def test_two_numbers_drawn_one_under_the_other_are_read_line_by_line(page: Page):
    use_the_reader(page)
    seventeen = [[(60, 18), (57, 100)], [(110, 20), (185, 20), (140, 100)]]
    ten = [[(60, 178), (57, 262)], loop((150, 220), (30, 42))]
    for points in seventeen + ten:
        stroke(page, points, steps=2 if len(points) > 3 else 6)
    expect(page.get_by_test_id("prediction")).to_have_text("17 10")
    expect(page.get_by_test_id("character")).to_have_count(4)
    expect(page.get_by_test_id("prediction-note")).to_contain_text("2 lines")


def test_a_scribble_is_not_a_digit(page: Page):
    use_the_reader(page)
    turns = np.linspace(0, 2 * math.pi * 3, 90)
    spiral = [
        (140 + (10 + 30 * t / math.pi) * math.cos(t) * 0.9, 140 + (10 + 30 * t / math.pi) * math.sin(t) * 0.9)
        for t in turns
    ]
    stroke(page, spiral, steps=1)
    expect(page.get_by_test_id("prediction")).to_have_text("not a digit")
    expect(page.get_by_test_id("character").first).to_contain_text("not a digit")


def test_a_digit_drawn_with_a_finger_is_read(phone: Page):
    phone.get_by_test_id("reader-switch").tap()
    touch_stroke(phone, [(70, 50), (210, 50), (120, 245)])  # a 7
    expect(phone.get_by_test_id("prediction")).to_have_text("7")
    expect(phone.get_by_test_id("character")).to_have_count(1)


def test_a_phone_photo_opened_from_disk_shows_its_28x28_input_and_is_read(page: Page, mnist, tmp_path):
    grey = photo(mnist.test.images[0], np.random.default_rng(30))  # a 7 on lined paper, in shadow, JPEG
    Image.fromarray((grey * 255).astype(np.uint8)).convert("RGB").save(tmp_path / "photo.jpg", quality=80)
    use_the_reader(page)
    page.get_by_test_id("upload").set_input_files(str(tmp_path / "photo.jpg"))
    expect(page.get_by_test_id("draw-source")).to_contain_text("photo.jpg")
    expect(page.get_by_test_id("prediction")).to_have_text(str(mnist.test.labels[0]))
    expect(page.get_by_test_id("character")).to_have_count(1)
    assert page.get_by_test_id("character").locator("canvas").count() == 1


def test_white_strokes_on_a_transparent_canvas_opened_from_disk_are_read(page: Page, mnist, tmp_path):
    """A drawing app's export, white strokes on transparency: laid on black as `scratchnet read` lays it."""
    strokes = np.kron(mnist.test.images[1].reshape(28, 28), np.ones((8, 8), dtype=np.uint8))
    rgba = np.zeros(strokes.shape + (4,), dtype=np.uint8)
    rgba[..., :3], rgba[..., 3] = 255, strokes
    Image.fromarray(np.pad(rgba, ((40, 40), (40, 40), (0, 0))), mode="RGBA").save(tmp_path / "drawn.png")
    use_the_reader(page)
    page.get_by_test_id("upload").set_input_files(str(tmp_path / "drawn.png"))
    expect(page.get_by_test_id("draw-source")).to_contain_text("drawn.png")
    expect(page.get_by_test_id("prediction")).to_have_text(str(mnist.test.labels[1]))


def test_a_heic_photo_that_chromium_cannot_decode_is_read_and_shown(page: Page, mnist, tmp_path):
    """An iPhone's photos are HEIC, which Chromium cannot decode: the page sends the file, the server reads it as
    `scratchnet read` does, and the canvas shows the picture as the server read it."""
    from pillow_heif import register_heif_opener

    register_heif_opener()  # to write one here
    grey = photo(mnist.test.images[0], np.random.default_rng(30))
    Image.fromarray((grey * 255).astype(np.uint8)).convert("RGB").save(tmp_path / "photo.heic", quality=80)
    use_the_reader(page)
    page.get_by_test_id("upload").set_input_files(str(tmp_path / "photo.heic"))
    expect(page.get_by_test_id("draw-source")).to_contain_text("photo.heic")
    expect(page.get_by_test_id("prediction")).to_have_text(str(mnist.test.labels[0]))
    greys = page.evaluate(
        """() => { const d = document.getElementById("canvas").getContext("2d").getImageData(0, 0, 280, 280).data;
                   const seen = new Set(); for (let i = 0; i < d.length; i += 4) seen.add(d[i]); return seen.size; }"""
    )
    assert greys > 50  # a photo's many grey levels, not a blank canvas


def test_a_sample_opened_after_a_photo_is_what_the_reader_switch_reads_again(page: Page, mnist, tmp_path):
    """Opening a test sample replaces an opened photo: the switch asks again about the sample on the canvas."""
    grey = photo(mnist.test.images[0], np.random.default_rng(30))
    narrow = grey[:, : grey.shape[1] * 3 // 4]  # not square, unlike the canvas's drawing
    Image.fromarray((narrow * 255).astype(np.uint8)).convert("RGB").save(tmp_path / "photo.jpg", quality=80)
    page.get_by_test_id("upload").set_input_files(str(tmp_path / "photo.jpg"))
    expect(page.get_by_test_id("draw-source")).to_contain_text("photo.jpg")
    page.get_by_test_id("tab-samples").click()
    page.get_by_test_id("sample").first.click()
    expect(page.get_by_test_id("draw-source")).to_contain_text("labelled")
    with page.expect_request(lambda request: request.url.endswith("/api/read") and request.method == "POST") as asked:
        use_the_reader(page)
    body = asked.value.post_data_json
    assert body["width"] == body["height"]  # the canvas, not the photo of 3:4 sent before
