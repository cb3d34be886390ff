"""The explorer in Chinese: ?lang=zh, or a browser whose preferred language is Chinese, shows the Chinese
table's words, and the page still reads a drawn digit; the switch on the page goes back to English."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import stroke

pytestmark = pytest.mark.browser

ZH = json.loads(
    (Path(__file__).resolve().parents[2] / "src/scratchnet/web/static/i18n/zh.json").read_text(encoding="utf-8")
)
CJK = re.compile(r"[\u4e00-\u9fff]")


def open_page(browser: Browser, url: str, locale: str = "en-US") -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale=locale)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    # A missing string logs a console error (i18n.js); a refused request's own log line is not the page's fault.
    tab.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    tab.goto(url)
    expect(tab.locator("html")).to_have_attribute("data-ready", "true")  # started: conftest.page
    yield tab
    context.close()
    assert not errors, errors


@pytest.fixture
def chinese_page(browser: Browser, server: str) -> Iterator[Page]:
    yield from open_page(browser, server + "/?lang=zh")


def test_lang_zh_shows_the_chinese_interface_and_reads_a_drawn_digit(chinese_page: Page):
    page = chinese_page
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_test_id("tab-draw")).to_have_text("手写")
    expect(page.get_by_test_id("tab-perceptron")).to_have_text("感知器")
    expect(page.get_by_test_id("prediction-note")).to_have_text(ZH["answer.nothing_yet"])
    expect(page.get_by_test_id("model-info")).to_contain_text("测试准确率")
    stroke(page, [(150, 40), (140, 240)])  # a "1"
    expect(page.get_by_test_id("prediction")).to_have_text("1")
    note = page.get_by_test_id("prediction-note").inner_text()
    assert CJK.search(note) and "Confident" not in note, note
    page.get_by_test_id("clear").click()
    expect(page.get_by_test_id("prediction-note")).to_have_text(ZH["answer.blank"])
    page.get_by_test_id("tab-perceptron").click()
    expect(page.get_by_test_id("perceptron-reading")).to_have_text(ZH["perceptron.weather_only"])


def test_a_browser_preferring_chinese_gets_chinese_and_the_switch_returns_to_english(browser: Browser, server: str):
    for page in open_page(browser, server + "/", locale="zh-CN"):
        expect(page.get_by_test_id("tab-train")).to_have_text("训练")
        page.get_by_test_id("lang-en").click()
        expect(page).to_have_url(re.compile(r"\?lang=en"))
        expect(page.get_by_test_id("tab-train")).to_have_text("Train")
        expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_refused_request_is_framed_in_chinese_around_the_servers_own_words(chinese_page: Page):
    page = chinese_page
    page.get_by_test_id("tab-train").click()
    page.get_by_test_id("train-layers").fill("784,many,10")
    page.get_by_test_id("train-start").click()
    error = page.get_by_test_id("train-error")
    expect(error).to_contain_text(ZH["error.server"].split("{")[0])
    expect(error).to_contain_text("layers must be")  # the server's message names what it got, as it says it


def test_a_training_finished_on_the_chinese_page_reports_in_chinese(chinese_page: Page):
    # Last in this file: the model it trains replaces the served one.
    page = chinese_page
    page.get_by_test_id("tab-train").click()
    page.get_by_test_id("train-layers").fill("784,20,10")
    page.get_by_test_id("train-epochs").fill("1")
    page.get_by_test_id("train-size").fill("1000")
    page.get_by_test_id("train-start").click()
    expect(page.get_by_test_id("train-state")).to_have_text(ZH["train.state.done"], timeout=60_000)
    status = page.get_by_test_id("train-status")
    expect(status).to_contain_text("训练 1 轮后测试准确率")
    assert "Test accuracy" not in status.inner_text()
