"""Take the explorer's screenshots in docs/: `python docs/screenshots.py [MODEL] [--backprop-only]`.

Starts `scratchnet serve` on a free port (with MODEL, or a tutorial network trained here for a few
epochs), drives Debian's headless Chromium with Playwright, and writes docs/web-{draw,train,perceptron,samples}.png
and the Backprop tab in English and Chinese, docs/web-backprop.png and docs/web-backprop-zh.png
(only those two with --backprop-only).

`python docs/screenshots.py --maps CONV_MODEL` writes docs/web-maps.png alone: the Draw tab of a
convolutional model (`scratchnet train --preset book-ch6`), a drawn 2's feature maps and one map opened.
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, stroke  # noqa: E402
from tests.cli.test_serve_cli import start_server, stop_server  # noqa: E402


def tutorial_model(folder: Path) -> Path:
    """Train the tutorial's 784-16-16-10 for 8 epochs and save it; return its path."""
    from scratchnet import Network, load_mnist
    from scratchnet.io import save_model

    data = load_mnist()
    net = Network([784, 16, 16, 10], seed=0)
    net.sgd(
        data.train.images,
        data.train.labels,
        epochs=8,
        batch_size=10,
        lr=3.0,
        validation=(data.validation.images, data.validation.labels),
    )
    path = folder / "tutorial.npz"
    save_model(path, net, {"test_accuracy": net.evaluate(data.test.images, data.test.labels) / len(data.test)})
    return path


def draw_two(page: Page) -> None:
    """Draw a '2': an arc over the top, a diagonal down, a stroke along the bottom."""
    arc = [
        (140 + 62 * math.cos(math.pi * (1 - t / 10)), 105 - 55 * math.sin(math.pi * (1 - t / 10))) for t in range(11)
    ]
    stroke(page, arc + [(150, 160), (80, 235), (215, 232)], steps=4)


def backprop_screenshots(browser: Browser, url: str) -> None:
    """Write the Backprop tab, a test 2 with its "2" neuron's routes and one step taken, in English and Chinese."""
    for language, name in (("en", "web-backprop.png"), ("zh", "web-backprop-zh.png")):
        page = browser.new_page(viewport={"width": 1360, "height": 880}, device_scale_factor=1)
        page.goto(f"{url}/?lang={language}#backprop")
        page.get_by_test_id("wish-digit-2").click()
        page.get_by_test_id("wish-output-2").click()
        expect(page.get_by_test_id("wish-routes")).to_be_visible()
        page.get_by_test_id("wish-m").fill("8")
        page.get_by_test_id("wish-step-batch").click()
        expect(page.get_by_test_id("wish-batch-table")).to_be_visible()
        page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar stays at the top of the picture
        page.wait_for_timeout(300)
        page.screenshot(path=str(ROOT / "docs" / name), full_page=True)
        page.close()


def maps_screenshot(browser: Browser, url: str) -> None:
    """Write docs/web-maps.png: a drawn 2's feature maps, a map of the second convolution opened."""
    page = browser.new_page(viewport={"width": 1360, "height": 880}, device_scale_factor=1)
    page.goto(url + "/")
    draw_two(page)
    expect(page.get_by_test_id("prediction")).not_to_have_text("")
    page.get_by_test_id("map-layer-3").get_by_test_id("map-tile").first.click()
    expect(page.get_by_test_id("map-filter").get_by_test_id("map-filter-channel").first).to_be_visible()
    page.wait_for_timeout(300)
    page.screenshot(path=str(ROOT / "docs" / "web-maps.png"), full_page=True)
    page.close()


def main() -> None:
    if sys.argv[1:2] == ["--maps"]:
        with tempfile.TemporaryDirectory() as scratch:
            process, url = start_server(sys.argv[2], cwd=Path(scratch))
            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                    maps_screenshot(browser, url)
                    browser.close()
            finally:
                stop_server(process)
        return
    arguments = [a for a in sys.argv[1:] if a != "--backprop-only"]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        model = Path(arguments[0]) if arguments else tutorial_model(folder)
        process, url = start_server(str(model), cwd=folder)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                backprop_screenshots(browser, url)
                if "--backprop-only" in sys.argv:
                    browser.close()
                    return
                page = browser.new_page(viewport={"width": 1360, "height": 880}, device_scale_factor=1)
                page.goto(url + "/")
                draw_two(page)
                expect(page.get_by_test_id("prediction")).not_to_have_text("")
                page.get_by_test_id("neuron-1-3").click()
                expect(page.get_by_test_id("inspector-z")).not_to_have_text("–")
                page.wait_for_timeout(300)
                page.screenshot(path=str(ROOT / "docs" / "web-draw.png"), full_page=True)

                page.get_by_test_id("tab-perceptron").click()
                page.get_by_test_id("preset-3").click()
                expect(page.get_by_test_id("truth-table").locator('tr[data-inputs="011"]')).to_have_attribute(
                    "data-output", "1"
                )
                page.screenshot(path=str(ROOT / "docs" / "web-perceptron.png"))

                page.get_by_test_id("tab-samples").click()
                expect(page.get_by_test_id("sample").nth(30)).to_be_visible()
                page.wait_for_timeout(300)
                page.screenshot(path=str(ROOT / "docs" / "web-samples.png"))

                page.get_by_test_id("tab-train").click()
                page.get_by_test_id("train-epochs").fill("10")
                page.get_by_test_id("train-size").fill("20000")
                page.get_by_test_id("train-start").click()
                expect(page.get_by_test_id("train-state")).to_have_text("done", timeout=120_000)
                page.wait_for_timeout(300)
                page.screenshot(path=str(ROOT / "docs" / "web-train.png"), full_page=True)
                browser.close()
        finally:
            stop_server(process)


if __name__ == "__main__":
    main()
