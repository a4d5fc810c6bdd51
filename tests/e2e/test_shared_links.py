"""Shareable demos in a real browser: a link reopens the same page, sample and settings;
presentation mode; and the dithered download is a real indexed PNG.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from . import app

pytestmark = pytest.mark.browser


def test_a_shared_link_opens_the_same_page_sample_and_settings(page: Page, app_server):
    app.open_app(page, app_server.url, "convergence", sample="chelsea", k=8, init="random", seed=3)
    title = app.main(page).locator("h1").first
    expect(title).to_have_text("Convergence")
    caption = app.header_caption(page)
    for part in ("Chelsea the cat", "451×300 pixels", "K = 8", "random pixels", "seed 3"):
        assert part in caption
    assert app.exception_count(page) == 0
    slider = page.get_by_test_id("stSlider").filter(has_text="K: colours in the palette")
    expect(slider.get_by_role("slider")).to_have_value("8")

    # Change K in the sidebar: the address bar follows, so the link stays current.
    slider.get_by_role("slider").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"[?&]k=9(&|$)"))
    app.wait_for_page(page)
    assert "K = 9" in app.header_caption(page)
    shared = page.url

    other = page.context.new_page()  # a second session opening the link it was given
    other.set_default_timeout(app.RUN_TIMEOUT_MS)
    other.goto(shared)
    app.wait_for_page(other)
    expect(app.main(other).locator("h1").first).to_have_text("Convergence")
    for part in ("Chelsea the cat", "K = 9", "random pixels", "seed 3"):
        assert part in app.header_caption(other)
    other.close()


def test_presentation_mode_link_folds_the_sidebar_and_enlarges_the_type(page: Page, app_server):
    app.open_app(page, app_server.url, sample="chelsea")
    normal = float(
        app.main(page)
        .get_by_test_id("stMetricValue")
        .first.evaluate("e => parseFloat(getComputedStyle(e.querySelector('p') || e).fontSize)")
    )
    app.open_app(page, app_server.url, sample="chelsea", present=1)
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
    large = float(
        app.main(page)
        .get_by_test_id("stMetricValue")
        .first.evaluate("e => parseFloat(getComputedStyle(e.querySelector('p') || e).fontSize)")
    )
    assert large > 1.2 * normal
    app.screenshot(page, "presentation-mode")


def test_the_dithered_download_is_an_indexed_png_with_the_palette_shown(page: Page, app_server):
    app.open_app(page, app_server.url, sample="chelsea", k=8)
    shown = set(app.palette_hexes(page))
    page.get_by_text("Compare with Floyd–Steinberg dithering").click()
    button = page.get_by_test_id("stDownloadButton").filter(has_text="Dithered indexed PNG")
    button.wait_for()
    app.wait_idle(page)
    with page.expect_download() as download:
        button.click()
    image = Image.open(io.BytesIO(download.value.path().read_bytes()))
    assert image.format == "PNG" and image.mode == "P"
    used = sorted(set(np.asarray(image).ravel().tolist()))
    palette = image.getpalette()
    colours = {"#{:02x}{:02x}{:02x}".format(*palette[3 * i : 3 * i + 3]) for i in used}
    assert len(colours) <= 8 and colours <= shown
    app.screenshot(page, "compress-dithered")
