"""The explorer in a real headless Chromium against the real server: draw digits with the mouse and read
the answers, look inside a neuron, browse the mistakes, flip the perceptron's table, train and watch."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.conftest import layer_state, loop, stroke

pytestmark = pytest.mark.browser

DIGITS = {
    "1": [[(150, 40), (140, 240)]],
    "7": [[(70, 50), (210, 50), (120, 245)]],
    "0": [loop((140, 140), (65, 100))],
}


@pytest.mark.parametrize("digit", list(DIGITS))
def test_drawing_a_digit_shows_its_answer(page: Page, digit: str):
    expect(page.get_by_test_id("prediction")).to_have_text("")
    for points in DIGITS[digit]:
        stroke(page, points, steps=2 if len(points) > 3 else 6)
    expect(page.get_by_test_id("prediction")).to_have_text(digit)
    expect(page.get_by_test_id("probabilities").locator(".best")).to_have_attribute(
        "data-testid", f"probability-{digit}"
    )


def test_the_layer_view_follows_the_drawing_and_clear_empties_it(page: Page):
    expect(page.get_by_test_id("model-info")).to_contain_text("784-30-10")
    assert not layer_state(page, 1)
    stroke(page, DIGITS["1"][0])
    expect(page.get_by_test_id("prediction")).to_have_text("1")
    seen_one = layer_state(page, 1)
    assert seen_one and len(seen_one.split()) == 30
    page.get_by_test_id("clear").click()
    expect(page.get_by_test_id("prediction")).to_have_text("")
    expect(page.get_by_test_id("prediction-note")).to_contain_text("Nothing to read")
    stroke(page, DIGITS["0"][0], steps=2)
    expect(page.get_by_test_id("prediction")).to_have_text("0")
    seen_zero = layer_state(page, 1)
    assert seen_zero and seen_zero != seen_one
    assert page.get_by_test_id("edges").locator("line").count() > 0
    expect(page.get_by_test_id("maps")).to_be_hidden()  # a dense network has no feature maps (test_maps.py)


def test_clicking_a_neuron_shows_its_inside(page: Page):
    stroke(page, DIGITS["7"][0])
    expect(page.get_by_test_id("prediction")).to_have_text("7")
    page.get_by_test_id("neuron-1-5").click()
    expect(page.get_by_test_id("inspector")).to_be_visible()
    expect(page.get_by_test_id("inspector-weights")).to_be_visible()
    expect(page.get_by_test_id("inspector-z")).to_have_text(re.compile(r"^-?\d+\.\d{3}$"))
    # an answer sent while the stroke was drawn may land after the click: the neuron is redrawn at once and the
    # inspector a moment later (it asks /api/neuron again), so read both once they show the same answer
    deadline = time.monotonic() + 5
    while True:
        a = float(page.get_by_test_id("inspector-a").inner_text())
        shown = float(page.get_by_test_id("neuron-1-5").get_attribute("data-activation"))
        if abs(a - shown) <= 1e-3 or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    assert a == pytest.approx(shown, abs=1e-3)
    page.get_by_test_id("neuron-2-7").click()  # the output neuron of the digit 7
    expect(page.get_by_test_id("inspector-weights")).to_be_hidden()


def test_samples_show_mistakes_first_and_open_in_the_draw_view(page: Page):
    page.get_by_test_id("tab-samples").click()
    tiles = page.get_by_test_id("sample")
    expect(tiles.first).to_be_visible()
    expect(page.get_by_test_id("samples-summary")).to_contain_text("mistakes")
    first = tiles.first
    verdict = first.inner_text()
    label, answer = re.search(r"label (\d) → (\d)", verdict).groups()
    assert label != answer
    first.click()
    expect(page.get_by_test_id("panel-draw")).to_be_visible()
    expect(page.get_by_test_id("prediction")).to_have_text(answer)
    expect(page.get_by_test_id("draw-source")).to_contain_text(f"labelled {label}")


def test_perceptron_sliders_change_the_truth_table(page: Page):
    page.get_by_test_id("tab-perceptron").click()
    table = page.get_by_test_id("truth-table")
    partner_and_transit = table.locator('tr[data-inputs="011"]')
    expect(partner_and_transit).to_have_attribute("data-output", "0")  # threshold 5: only the weather counts
    page.get_by_test_id("threshold").fill("3")
    expect(partner_and_transit).to_have_attribute("data-output", "1")  # 2 + 2 > 3
    page.get_by_test_id("w1").fill("-4")
    expect(table.locator('tr[data-inputs="100"]')).to_have_attribute("data-output", "0")
    page.get_by_test_id("preset-5").click()
    expect(partner_and_transit).to_have_attribute("data-output", "0")
    expect(table.locator('tr[data-inputs="100"]')).to_have_attribute("data-output", "1")


def test_a_digit_drawn_before_the_page_has_its_words_is_answered_in_words(browser: Browser, server: str):
    # The page's words are held back until the digit is drawn. Before, start() cleared the canvas and wrote
    # "Nothing to read yet" over the answer once the words came (or read the wiped canvas).
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    context.add_init_script(
        """(() => { const send = window.fetch;
          const words = new Promise((release) => { window.releaseWords = release; });
          window.fetch = async (url, options) => {
            if (String(url).includes("/static/i18n/")) await words;
            return send(url, options); }; })()"""
    )
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.goto(server + "/")
    stroke(tab, DIGITS["1"][0])
    assert tab.locator("html").get_attribute("data-ready") is None  # drawn before the page had started
    tab.evaluate("window.releaseWords()")
    expect(tab.locator("html")).to_have_attribute("data-ready", "true")
    expect(tab.get_by_test_id("prediction")).to_have_text("1")
    expect(tab.get_by_test_id("prediction-note")).to_contain_text("%")  # "Confident: 99.8%", in words
    context.close()
    assert not errors, errors


def test_training_from_the_page_draws_its_first_point_and_serves_the_new_model(page: Page):
    # Last in this file: the model it trains replaces the served one.
    page.get_by_test_id("tab-train").click()
    expect(page.get_by_test_id("train-layers")).to_have_value("784,16,16,10")
    page.get_by_test_id("train-layers").fill("784,20,10")
    page.get_by_test_id("train-epochs").fill("2")
    page.get_by_test_id("train-size").fill("1000")
    page.get_by_test_id("train-start").click()
    expect(page.get_by_test_id("cost-chart").get_by_test_id("curve-point").first).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("train-state")).to_have_text("done", timeout=30_000)
    expect(page.get_by_test_id("accuracy-chart").locator('[data-series="validation accuracy"]')).to_have_count(2)
    expect(page.get_by_test_id("model-info")).to_contain_text("784-20-10")


def test_the_page_starts_after_its_slowest_script_has_arrived(browser: Browser, server: str):
    # start.js comes last: maps.js and backprop.js arriving a second late are still defined before start()'s
    # answers call them (before, refreshModel's showMaps was undefined on a slow load).
    context = browser.new_context()
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))

    def late(route: Route) -> None:
        time.sleep(1.0)
        route.continue_()

    tab.route(re.compile(r".*/static/(maps|backprop)\.js$"), late)
    tab.goto(server + "/")
    expect(tab.get_by_test_id("model-info")).to_contain_text("test accuracy")  # whichever model the server holds now
    stroke(tab, DIGITS["1"][0])
    expect(tab.get_by_test_id("prediction")).to_have_text(re.compile(r"\S"))
    context.close()
    assert not errors, errors
