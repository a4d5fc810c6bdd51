"""The exercise's run in Chromium: a link opens it, and the Step by step animation plays in
the browser, frame after frame, while the browser sends the server nothing (no rerun)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page

from dashboard import step_figures
from kmeans_core import load_image, quantize
from kmeans_core.settings import EXERCISE

from . import app
from .files import SAMPLE_FILES, SAMPLES

pytestmark = pytest.mark.browser

K = 8

ANIMATION = """() => {
    const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
    const gd = plots.find(p => p._transitionData && (p._transitionData._frames || []).length);
    if (!gd) return null;
    const title = (gd.layout.title.text || '').replace(/<[^>]+>/g, '');  // Streamlit bolds it
    const play = gd.layout.updatemenus[0].buttons[0].args[1];
    return {frames: gd._transitionData._frames.length, title: title, ms: play.frame.duration};
}"""


def test_a_link_opens_the_exercise_and_its_animation_plays_without_the_server(
    page: Page, app_server
):
    sent: list[float] = []  # times of the messages the browser sends the server
    page.on("websocket", lambda ws: ws.on("framesent", lambda _payload: sent.append(time.time())))
    app.open_app(page, app_server.url, "step_by_step", exercise=1, sample="coffee", k=K)
    assert "the exercise's run" in app.header_caption(page)
    assert "K = 8" in app.header_caption(page)
    app.open_tab(page, "Play it in the browser")
    speed = app.main(page).get_by_test_id("stButtonGroup")
    speed.get_by_text("Fast", exact=True).click()  # a rerun: the frame length
    app.wait_idle(page)
    fast = step_figures.SPEEDS_MS["Fast"]  # drawn again with the new speed, then played
    page.wait_for_function(f"() => (({ANIMATION})() || {{}}).ms === {fast}")
    page.wait_for_timeout(500)  # Plotly's own drawing of the new figure settles

    coffee = load_image((SAMPLES / SAMPLE_FILES["coffee"]).read_bytes())
    expected = quantize(coffee, settings=EXERCISE.but(k=K))
    shown = page.evaluate(ANIMATION)
    assert shown["frames"] == 1 + 2 * expected.iterations
    assert shown["title"].startswith("Step 0 of ")

    before = len(sent)
    play = app.main(page).locator("g.updatemenu-button").filter(has_text="Play")
    play.click()
    titles = {shown["title"]}
    deadline = time.time() + 60
    final = f"Step {2 * expected.iterations} of {2 * expected.iterations}"
    while time.time() < deadline and not any(t.startswith(final) for t in titles):
        titles.add(page.evaluate(ANIMATION)["title"])
        page.wait_for_timeout(100)
    assert any(t.startswith(final) for t in titles), titles
    assert len(titles) >= 5, titles  # seen moving through the steps, not jumping to the end
    assert len(sent) == before, "the browser asked the server for something while playing"
    app.screenshot(page, "step-by-step-played-1400")
