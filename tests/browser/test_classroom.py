"""The classroom URL in a real headless Chromium: `scratchnet serve --host 127.0.0.2` prints a teacher's URL
with a token and a students' URL. A student draws and reads the answer but is not offered training; the
teacher's browser, having opened the tokened URL, trains."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import stroke
from tests.cli.test_serve_cli import start_classroom, stop_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Iterator[dict[str, str]]:
    """The URLs printed by a real explorer in classroom mode on 127.0.0.2."""
    process, urls, _ = start_classroom(str(trained_model), cwd=tmp_path_factory.mktemp("classroom"))
    yield urls
    stop_server(process)


def open_page(browser: Browser, url: str, origin: str) -> tuple[Page, list[str]]:
    """Open url in a fresh browser context; return the page and the list its script errors and foreign requests go to."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(origin) or request.url.startswith("data:") else problems.append(request.url)
        ),
    )
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("data-ready", "true")  # started: conftest.page
    return page, problems


def test_a_student_draws_and_reads_but_is_not_offered_training(browser: Browser, classroom: dict[str, str]):
    origin = classroom["students"].rstrip("/")
    page, problems = open_page(browser, classroom["students"], origin)
    stroke(page, [(150, 40), (140, 240)])
    expect(page.get_by_test_id("prediction")).to_have_text("1")
    page.get_by_test_id("tab-train").click()
    expect(page.get_by_test_id("train-access")).to_be_visible()
    expect(page.get_by_test_id("train-start")).to_be_disabled()
    status = page.evaluate(
        """async () => (await fetch("/api/train", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"})).status"""
    )
    assert status == 401
    page.context.close()
    assert not problems, problems


def test_the_teachers_url_hides_its_token_and_lets_that_browser_train(browser: Browser, classroom: dict[str, str]):
    origin = classroom["students"].rstrip("/")
    page, problems = open_page(browser, classroom["teacher"], origin)
    expect(page).to_have_url(origin + "/")  # redirected: the token is no longer in the address bar
    expect(page.get_by_test_id("model-info")).to_contain_text("784-30-10")
    page.get_by_test_id("tab-train").click()
    expect(page.get_by_test_id("train-access")).to_be_hidden()
    page.get_by_test_id("train-layers").fill("784,10")
    page.get_by_test_id("train-epochs").fill("1")
    page.get_by_test_id("train-size").fill("500")
    page.get_by_test_id("train-start").click()
    expect(page.get_by_test_id("train-state")).to_have_text("done", timeout=30_000)
    expect(page.get_by_test_id("model-info")).to_contain_text("784-10")
    page.context.close()
    assert not problems, problems
