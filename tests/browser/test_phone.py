"""A phone is a first-class screen: on a 390×844 touch screen in a real headless Chromium, the answer stands in
view while the finger draws, one straight finger stroke of a 1 reads "1" (not "11"), and every tab fits the
width and opens without scrolling sideways, in English and in Chinese."""

from __future__ import annotations

import math

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, touch_stroke

pytestmark = pytest.mark.browser

TABS = ("draw", "train", "perceptron", "samples", "backprop")


def assert_in_view(page: Page, test_id: str) -> None:
    """Assert that the element lies wholly inside the phone's screen as the page stands (no scrolling)."""
    box = page.get_by_test_id(test_id).bounding_box()
    assert box is not None, test_id
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (test_id, box)
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (test_id, box)


def test_the_answer_is_in_view_while_the_finger_draws_and_after(phone: Page):
    seven = [(70, 50), (210, 50), (120, 245)]
    finger = touch_stroke(phone, seven, end=False)  # the finger is still down
    expect(phone.get_by_test_id("prediction")).not_to_have_text("")
    assert phone.evaluate("[scrollX, scrollY]") == [0, 0]
    for test_id in ("canvas", "prediction", "prediction-note"):
        assert_in_view(phone, test_id)
    finger.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    expect(phone.get_by_test_id("prediction-note")).not_to_be_empty()
    for test_id in ("canvas", "prediction", "prediction-note"):
        assert_in_view(phone, test_id)
    below = phone.get_by_test_id("prediction-note").bounding_box()
    for test_id in ("probabilities", "characters", "network"):  # the bars, the characters and the layers follow
        box = phone.get_by_test_id(test_id).bounding_box()
        assert box is not None and below is not None and box["y"] >= below["y"] + below["height"], test_id


def test_while_the_finger_draws_the_readings_are_live_and_the_whole_is_read_when_it_lifts(phone: Page):
    """The page asks for quick readings while the finger is down ("live": no search for touching digits) and for the
    whole reading once it lifts, and shows that one."""
    sent: list[dict] = []
    phone.on(
        "request",
        lambda request: (
            sent.append(request.post_data_json)
            if request.url.endswith("/api/read") and request.method == "POST"
            else None
        ),
    )
    finger = touch_stroke(phone, [(70, 50), (210, 50), (120, 245)], end=False)  # a 7, the finger still down
    expect(phone.get_by_test_id("prediction")).not_to_have_text("")
    assert sent and all(body["live"] is True for body in sent), [body["live"] for body in sent]
    with phone.expect_response(
        lambda response: response.url.endswith("/api/read") and response.request.post_data_json["live"] is False
    ) as lifted:
        finger.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    phone.wait_for_function("() => !prediction.inFlight && !prediction.pending && !prediction.timer")
    assert sent[-1]["live"] is False  # the last answer shown is the whole reading's
    expect(phone.get_by_test_id("prediction")).to_have_text(lifted.value.json()["text"] or "not a digit")


def test_not_a_digit_is_in_view_too(phone: Page):
    phone.get_by_test_id("reader-switch").tap()
    turns = [2 * math.pi * 3 * i / 90 for i in range(91)]
    spiral = [(140 + (10 + 30 * t / math.pi) * math.cos(t), 140 + (10 + 30 * t / math.pi) * math.sin(t)) for t in turns]
    touch_stroke(phone, spiral, steps=1)
    expect(phone.get_by_test_id("prediction")).to_have_text("not a digit")
    assert phone.evaluate("[scrollX, scrollY]") == [0, 0]
    assert_in_view(phone, "prediction")
    assert_in_view(phone, "prediction-note")


def test_one_straight_finger_stroke_of_a_one_with_60_moves_reads_1_not_11(phone: Page):
    one = [(140, 40 + 200 * i / 60) for i in range(61)]  # 60 touch moves straight down, as a finger sends them
    touch_stroke(phone, one, steps=1)
    expect(phone.get_by_test_id("prediction")).not_to_have_text("")
    # The stroke's last answers settle first (none in flight or waiting on the page's 70 ms pace), so the switch
    # below sends a request of its own and that request is the one awaited.
    phone.wait_for_function("() => !prediction.inFlight && !prediction.pending && !prediction.timer")
    # The whole stroke, read once more by the shipped reader: that answer is the finished drawing's.
    with phone.expect_response(
        lambda response: response.url.endswith("/api/read") and response.request.post_data_json["model"] == "reader"
    ) as answer:
        phone.get_by_test_id("reader-switch").tap()
    reading = answer.value.json()
    assert reading["text"] == "1" and len(reading["characters"]) == 1, reading["text"]
    expect(phone.get_by_test_id("prediction")).to_have_attribute("data-model", "reader")
    expect(phone.get_by_test_id("prediction")).to_have_text("1")
    expect(phone.get_by_test_id("boxes")).to_have_attribute("data-count", "1")


def opened(page: Page, name: str) -> None:
    """Wait until the tab's panel shows and has drawn what it loads."""
    expect(page.get_by_test_id(f"panel-{name}")).to_be_visible()
    loaded = {
        "draw": "canvas",
        "train": "train-form",
        "perceptron": "truth-table",
        "samples": "samples-grid",
        "backprop": "wish-output-0",
    }[name]
    expect(page.get_by_test_id(loaded)).to_be_visible()
    if name == "samples":
        expect(page.get_by_test_id("samples-grid").locator("button").first).to_be_visible()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_tab_fits_the_width_and_opens_without_scrolling_sideways(phone: Page, language: str):
    phone.get_by_test_id(f"lang-{language}").tap()
    expect(phone.locator("html")).to_have_attribute("lang", "en" if language == "en" else "zh-CN")
    for name in (*TABS[1:], TABS[0]):
        tab = phone.get_by_test_id(f"tab-{name}")
        assert_in_view(phone, f"tab-{name}")  # every tab on the screen as it is, none off its right edge
        tab.tap()
        expect(tab).to_have_attribute("aria-selected", "true")
        opened(phone, name)
        width, inner, scroll_x = phone.evaluate("[document.scrollingElement.scrollWidth, innerWidth, scrollX]")
        assert (width, inner, scroll_x) == (PHONE["width"], PHONE["width"], 0), name
        phone.evaluate("scrollTo(0, 0)")
