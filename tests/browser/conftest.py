"""Browser fixtures: the real `scratchnet serve` on 127.0.0.1 at a free port, and Debian's headless Chromium
driven by Playwright. A missing Chromium fails these tests; it never skips them."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, CDPSession, Page, expect, sync_playwright

from tests.cli.test_serve_cli import start_server, stop_server

CHROMIUM = "/usr/bin/chromium"
expect.set_options(timeout=15_000)  # the machine is shared: wait for answers rather than race them
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Iterator[str]:
    """The URL of a real explorer serving the small model trained on real MNIST (784-30-10, ~90%)."""
    process, url = start_server(str(trained_model), cwd=tmp_path_factory.mktemp("serve"))
    yield url
    stop_server(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}; install Debian's package: apt-get install chromium (make test does)"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A fresh page on the explorer; fails the test on any script error or request to another host."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on(
        "request",
        lambda request: (
            None if request.url.startswith(server) or request.url.startswith("data:") else foreign.append(request.url)
        ),
    )
    tab.goto(server + "/")
    expect(tab.locator("html")).to_have_attribute("data-ready", "true")  # a drawing made before is its own test
    yield tab
    context.close()
    assert not errors, errors
    assert not foreign, foreign


PHONE = {"width": 390, "height": 844}
"""A phone held upright, as a class meets the explorer."""


@pytest.fixture
def phone(browser: Browser, server: str) -> Iterator[Page]:
    """The explorer on a 390×844 phone with a touch screen (touch events, no mouse); fails on any script error."""
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=3)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(server + "/")
    expect(tab.locator("html")).to_have_attribute("data-ready", "true")
    yield tab
    context.close()
    assert not errors, errors


def touch_stroke(page: Page, points: list[tuple[float, float]], steps: int = 6, end: bool = True) -> CDPSession:
    """Draw one stroke with a finger through points in the canvas's 280×280 coordinates: Chromium's touchStart,
    `steps` touchMoves from each point to the next, and touchEnd (unless not `end`: then the returned DevTools
    session, which holds the touch, sends it)."""
    canvas = page.get_by_test_id("canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    session = page.context.new_cdp_session(page)
    where = [{"x": box["x"] + x * box["width"] / 280, "y": box["y"] + y * box["height"] / 280} for x, y in points]
    session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [where[0]]})
    for start, finish in zip(where, where[1:]):
        for step in range(1, steps + 1):
            f = step / steps
            point = {"x": start["x"] + f * (finish["x"] - start["x"]), "y": start["y"] + f * (finish["y"] - start["y"])}
            session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    if end:
        session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    return session


def stroke(page: Page, points: list[tuple[float, float]], steps: int = 6) -> None:
    """Draw one stroke with the mouse through points given in the canvas's 280×280 coordinates."""
    box = page.get_by_test_id("canvas").bounding_box()
    assert box is not None
    scale_x, scale_y = box["width"] / 280, box["height"] / 280
    page.mouse.move(box["x"] + points[0][0] * scale_x, box["y"] + points[0][1] * scale_y)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x * scale_x, box["y"] + y * scale_y, steps=steps)
    page.mouse.up()


def loop(centre: tuple[float, float], radius: tuple[float, float], steps: int = 20) -> list[tuple[float, float]]:
    """Return the points of an ellipse, a '0', starting at its top."""
    return [
        (
            centre[0] + radius[0] * math.sin(2 * math.pi * i / steps),
            centre[1] - radius[1] * math.cos(2 * math.pi * i / steps),
        )
        for i in range(steps + 1)
    ]


def layer_state(page: Page, layer: int) -> Any:
    return page.get_by_test_id(f"layer-{layer}").get_attribute("data-activations")
