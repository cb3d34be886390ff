"""The Backprop tab in a real headless Chromium against the real server: choose a test 2, see its wishes on the
outputs, click the "2" neuron for its three routes, add up the outputs' wishes, step along the wish and watch
the "2" output rise and the cost fall; average over a mini-batch; and take the label of a drawing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import stroke

pytestmark = pytest.mark.browser


def open_tab(page: Page) -> None:
    page.get_by_test_id("tab-backprop").click()
    expect(page.get_by_test_id("panel-backprop")).to_be_visible()


def choose_a_two(page: Page) -> None:
    page.get_by_test_id("wish-digit-2").click()
    expect(page.get_by_test_id("wish-source")).to_contain_text("labelled 2")
    expect(page.get_by_test_id("wish-output-2")).to_be_visible()


def test_choose_a_digit_click_a_neuron_step_and_see_the_two_rise_and_the_cost_fall(page: Page):
    open_tab(page)
    choose_a_two(page)
    two = page.get_by_test_id("wish-output-2")
    assert float(two.get_attribute("data-wish")) > 0  # the example wants its 2 brighter
    others = [float(page.get_by_test_id(f"wish-output-{d}").get_attribute("data-wish")) for d in range(10) if d != 2]
    assert all(w < 0 for w in others)  # and the other nine darker (quadratic cost: y − a)
    two.click()
    expect(page.get_by_test_id("wish-routes")).to_be_visible()
    expect(page.get_by_test_id("wish-routes-title")).to_contain_text("Output 2")
    for route in ("bias", "weights", "activations"):
        expect(page.get_by_test_id(f"wish-route-{route}")).to_be_visible()
    page.get_by_test_id("wish-add-up").click()
    expect(page.get_by_test_id("wish-add-up-status")).to_have_attribute("data-done", "true", timeout=20_000)
    page.get_by_test_id("wish-step-example").click()
    output = page.get_by_test_id("wish-step-output-2")
    expect(output).to_be_visible()
    assert float(output.get_attribute("data-after")) > float(output.get_attribute("data-before"))
    summary = page.get_by_test_id("wish-step-summary")
    assert float(summary.get_attribute("data-cost-after")) < float(summary.get_attribute("data-cost-before"))
    first_after = output.get_attribute("data-after")
    page.get_by_test_id("wish-step-example").click()  # one more step from where the first one ended
    expect(summary).to_contain_text("2 step(s)")
    assert output.get_attribute("data-after") != first_after
    assert float(summary.get_attribute("data-cost-after")) < float(summary.get_attribute("data-cost-before"))


def test_a_mini_batch_step_shows_the_digits_pulling_against_each_other(page: Page):
    open_tab(page)
    choose_a_two(page)
    page.get_by_test_id("wish-m").fill("8")
    page.get_by_test_id("wish-eta").fill("1")
    page.get_by_test_id("wish-step-batch").click()
    table = page.get_by_test_id("wish-batch-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(9)  # eight examples and their mean
    summary = page.get_by_test_id("wish-step-summary")
    assert float(summary.get_attribute("data-batch-cost-after")) < float(
        summary.get_attribute("data-batch-cost-before")
    )
    mean = [float(v) for v in table.locator("tr.mean td").evaluate_all("cells => cells.map(c => c.dataset.wish)")]
    rows = [
        [float(v) for v in row]
        for row in table.locator("tbody tr:not(.mean)").evaluate_all(
            "rows => rows.map(r => [...r.querySelectorAll('td')].map(c => c.dataset.wish))"
        )
    ]
    signs = {tuple(w > 0 for w in row) for row in rows}
    assert len(signs) > 1  # different digits wish different things
    assert mean == pytest.approx([sum(column) / len(rows) for column in zip(*rows)], abs=1e-5)


def test_a_drawing_is_used_with_the_label_you_say(page: Page):
    stroke(page, [(150, 40), (140, 240)])  # a "1" on the Draw tab
    expect(page.get_by_test_id("prediction")).to_have_text("1")
    open_tab(page)
    page.get_by_test_id("wish-drawing").click()
    expect(page.get_by_test_id("wish-source")).to_contain_text("your drawing, which you say is a 1")
    page.get_by_test_id("wish-label").select_option("7")
    expect(page.get_by_test_id("wish-source")).to_contain_text("is a 7")
    assert float(page.get_by_test_id("wish-output-7").get_attribute("data-wish")) > 0
    assert float(page.get_by_test_id("wish-output-1").get_attribute("data-wish")) < 0


def output_wishes(page: Page) -> list[float]:
    return [float(page.get_by_test_id(f"wish-output-{d}").get_attribute("data-wish")) for d in range(10)]


def test_the_tab_starts_on_an_untrained_network_whose_wishes_are_large(page: Page):
    open_tab(page)
    choose_a_two(page)
    expect(page.get_by_test_id("wish-start")).to_have_value("untrained")
    untrained = output_wishes(page)
    assert sum(abs(w) for w in untrained) / 10 > 0.3  # it answers at random: every output about ½ from its target
    page.get_by_test_id("wish-start").select_option("served")
    expect(page.get_by_test_id("wish-output-2")).not_to_have_attribute("data-wish", str(untrained[2]))
    served = output_wishes(page)
    assert sum(abs(w) for w in served) < sum(abs(w) for w in untrained) / 3  # trained, it is nearly right already
    page.get_by_test_id("wish-step-example").click()  # the step follows the chosen network's wishes
    summary = page.get_by_test_id("wish-step-summary")
    expect(summary).to_contain_text("1 step(s)")
    assert float(summary.get_attribute("data-cost-before")) == pytest.approx(
        float(page.get_by_test_id("wish-cost").get_attribute("data-cost")), abs=1e-4
    )
