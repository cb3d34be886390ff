"""The explorer's feature maps in a real headless Chromium, against the real server serving a tiny
convolutional network (28x28,conv5x5x6,pool2,conv3x3x4,pool2,10) whose first filters are set by hand:
draw a digit, find every layer's maps as tiles, click one and see the filter that made it and its patch;
the same in Chinese. A dense model keeps the circles and arrows alone (test_explorer.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pytest
from playwright.sync_api import Browser, Page, expect

from scratchnet.core.convnet import ConvNetwork
from scratchnet.io import save_model
from tests.browser.conftest import stroke, touch_stroke
from tests.browser.test_chinese import CJK, ZH, open_page
from tests.cli.test_serve_cli import start_server, stop_server

pytestmark = pytest.mark.browser

SPELLING = "28x28,conv5x5x6,pool2,conv3x3x4,pool2,10"  # 28 → 24 → 12 → 10 → 5
COUNTS = {1: 6, 2: 6, 3: 4, 4: 4}  # maps per layer with maps, numbered from the input
SEVEN = [(70, 50), (210, 50), (120, 245)]


def hand_set_filters() -> np.ndarray:
    """Six 5×5 filters: edges facing four ways, a dot and a bar."""
    ramp = np.tile(np.linspace(-1, 1, 5), (5, 1))
    dot = -np.ones((5, 5)) / 4
    dot[1:4, 1:4] = 1
    bar = -np.ones((5, 5)) / 4
    bar[:, 2] = 1
    return np.stack([ramp, -ramp, ramp.T, -ramp.T, dot, bar])[:, None] / 5


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a real explorer serving the tiny convolutional network, saved with scratchnet.io."""
    net = ConvNetwork(SPELLING, "relu", "log-likelihood", init="he", seed=4)
    net.weights[0][...] = hand_set_filters()
    path = tmp_path_factory.mktemp("conv-model") / "conv.npz"
    save_model(path, net, {})
    process, url = start_server(str(path), cwd=tmp_path_factory.mktemp("serve-conv"))
    yield url
    stop_server(process)


def draw_and_find_the_maps(page: Page) -> None:
    expect(page.get_by_test_id("maps")).to_be_visible()
    expect(page.get_by_test_id("maps-empty")).to_be_visible()
    stroke(page, SEVEN)
    expect(page.get_by_test_id("prediction")).not_to_have_text("")
    expect(page.get_by_test_id("maps-empty")).to_be_hidden()
    for layer, count in COUNTS.items():
        row = page.get_by_test_id(f"map-layer-{layer}")
        expect(row.get_by_test_id("map-tile")).to_have_count(count)
    expect(page.get_by_test_id("filter-tile")).to_have_count(6)


def test_drawing_on_a_convolutional_model_shows_each_layers_maps_strongest_first(page: Page):
    expect(page.get_by_test_id("model-info")).to_contain_text(SPELLING)
    draw_and_find_the_maps(page)
    for layer in COUNTS:
        means = [
            float(m)
            for m in page.get_by_test_id(f"map-layer-{layer}")
            .get_by_test_id("map-tile")
            .evaluate_all("tiles => tiles.map((tile) => tile.dataset.mean)")
        ]
        assert means == sorted(means, reverse=True), (layer, means)
    expect(page.get_by_test_id("layer-1")).to_have_attribute("data-activations", re.compile(r"\d"))  # the dense output
    expect(page.get_by_test_id("neuron-1-3")).to_be_visible()


def test_clicking_a_map_shows_the_filter_that_made_it_and_the_patch_it_answered(page: Page):
    draw_and_find_the_maps(page)
    page.get_by_test_id("map-layer-1").get_by_test_id("map-tile").first.click()
    detail = page.get_by_test_id("map-detail")
    expect(detail).to_be_visible()
    expect(detail.get_by_test_id("map-filter-channel")).to_have_count(1)  # the first layer reads one grey channel
    field = page.get_by_test_id("map-patch").get_attribute("data-field")
    assert field is not None and field.split()[2:] == ["5", "5"]  # a 5×5 filter sees a 5×5 patch
    expect(page.get_by_test_id("map-detail-caption")).to_contain_text("5×5 pixels")
    page.get_by_test_id("map-layer-3").get_by_test_id("map-tile").nth(1).click()  # the second convolution
    expect(detail).to_have_attribute("data-layer", "3")
    expect(detail.get_by_test_id("map-filter-channel")).to_have_count(6)  # asked of /api/filter: 3×3 on 6 maps
    # a 3×3 filter on pooled maps reads 6 rows of the first maps, each a 5-row patch: 6 + 5 − 1 = 10 rows of pixels
    expect(page.get_by_test_id("map-patch")).to_have_attribute("data-field", re.compile(r" 10 10$"))
    expect(page.get_by_test_id("map-detail-caption")).to_contain_text("10×10 pixels")
    page.get_by_test_id("clear").click()
    expect(page.get_by_test_id("maps-empty")).to_be_visible()
    expect(page.get_by_test_id("map-tile")).to_have_count(0)


@pytest.fixture
def chinese_page(browser: Browser, server: str) -> Iterator[Page]:
    yield from open_page(browser, server + "/?lang=zh")


def test_the_maps_speak_chinese(chinese_page: Page):
    page = chinese_page
    maps = page.get_by_test_id("maps")
    expect(maps.locator("h3").first).to_have_text(ZH["maps.title"])
    expect(page.get_by_test_id("maps-empty")).to_have_text(ZH["maps.empty"])
    draw_and_find_the_maps(page)
    label = page.get_by_test_id("map-layer-1").locator(".map-layer-label").inner_text()
    assert "张" in label and "maps" not in label, label
    page.get_by_test_id("map-layer-4").get_by_test_id("map-tile").first.click()
    caption = page.get_by_test_id("map-detail-caption").inner_text()
    assert CJK.search(caption) and "receptive" not in caption, caption
    expect(page.locator("#map-detail-filter-caption")).to_contain_text("产生它的滤波器")


def test_on_a_phone_the_maps_are_asked_for_once_they_are_scrolled_into_view(phone: Page):
    asked: list[object] = []
    phone.on("request", lambda r: asked.append(r.post_data_json.get("maps")) if r.url.endswith("/api/read") else None)
    expect(phone.get_by_test_id("maps")).to_be_attached()
    touch_stroke(phone, SEVEN)
    expect(phone.get_by_test_id("prediction")).not_to_have_text("")
    phone.wait_for_function("() => !prediction.inFlight && !prediction.pending && !prediction.timer")
    assert asked and not any(asked), asked  # below the canvas while the finger drew: every reading left them out
    expect(phone.get_by_test_id("map-tile")).to_have_count(0)
    expect(phone.get_by_test_id("maps")).to_have_class(re.compile(r"\bstale\b"))  # what it shows is not this drawing's
    with phone.expect_response(lambda r: r.url.endswith("/api/read") and r.request.post_data_json["maps"] is True):
        phone.get_by_test_id("maps").scroll_into_view_if_needed()
    for layer, count in COUNTS.items():
        expect(phone.get_by_test_id(f"map-layer-{layer}").get_by_test_id("map-tile")).to_have_count(count)
    expect(phone.get_by_test_id("filter-tile")).to_have_count(6)
    expect(phone.get_by_test_id("maps")).not_to_have_class(re.compile(r"\bstale\b"))
