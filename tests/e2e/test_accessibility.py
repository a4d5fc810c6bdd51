"""Screen readers and keyboards: axe-core on every page, text alternatives for every image,
and K, the sample and the page changed with the keyboard alone.

axe-core (npm, pinned in tests/e2e/package.json) is injected into the live page by
Playwright; a critical or serious violation fails the test, with the rule and the elements.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from . import app
from .accessibility import blocking_violations, tab_until
from .files import Photo

pytestmark = pytest.mark.browser

K = 8


def image_alts(page: Page) -> list[str | None]:
    """The ``alt`` attribute of every image st.image drew in the main area (None: absent)."""
    images = app.main(page).locator("[data-testid='stImage'] img")
    return [image.get_attribute("alt") for image in images.all()]


def assert_alts_say_what_they_show(page: Page, photo: Photo, title: str) -> None:
    """Every image names the photo, and says it is the original or gives K."""
    alts = image_alts(page)
    for alt in alts:
        assert alt and photo.name in alt, f"{title}: an image's alt text is {alt!r}"
        assert alt.startswith("Original") or f"K = {K}" in alt, f"{title}: {alt!r}"


def open_extras(page: Page, title: str) -> None:
    """Draw what a page shows only on request, so that axe sees it too."""
    if title == "Compress":
        page.get_by_text("Compare with Floyd–Steinberg dithering").click()
        expect(app.main(page).locator("[data-testid='stImage'] img")).to_have_count(4)
        app.wait_idle(page)
    elif title == "Choose K":
        app.click_button(page, "Compute the K sweep")
        app.main(page).get_by_test_id("stDataFrame").wait_for()
        app.wait_idle(page)


def test_axe_finds_no_serious_violation_on_any_page(page: Page, app_server, axe, chelsea):
    """At a projector's 1600 px, with an uploaded photo: every page, the sidebar open."""
    page.set_viewport_size(app.PROJECTOR)
    app.open_app(page, app_server.url, k=K)
    app.upload(page, chelsea.path)
    problems, tabs_checked = [], 0
    for title in app.PAGES:
        if title != "Compress":
            app.go_to(page, title)
        open_extras(page, title)
        assert_alts_say_what_they_show(page, chelsea, title)
        problems += [f"{title}: {line}" for line in blocking_violations(page)]
        app.screenshot(page, f"projector-1600-{app.PAGES[title] or 'compress'}")
        tabs = app.main(page).get_by_role("tab")
        for label in [tab.inner_text().strip() for tab in tabs.all()][1:]:  # drawn when opened
            app.open_tab(page, label)
            assert_alts_say_what_they_show(page, chelsea, f"{title}, {label}")
            problems += [f"{title}, {label}: {line}" for line in blocking_violations(page)]
            tabs_checked += 1
    assert tabs_checked >= 8, "the tabbed pages' other parts were not all opened"
    assert not problems, "\n".join(problems)


def test_images_on_the_compress_page_have_their_text(page: Page, app_server):
    """The original and the compressed image say which is which, K and the size."""
    app.open_app(page, app_server.url, sample="coffee", k=K)
    app.image_sizes(page)  # both are there
    alts = image_alts(page)
    assert alts[:2] == [
        "Original photo Coffee cup, 600×400 pixels",
        f"Coffee cup compressed with K = {K} to {K} colours, 600×400 pixels",
    ], alts


def is_k_slider(element: dict) -> bool:
    return element.get("tag") == "input" and element.get("label", "").startswith("K:")


def is_sample_box(element: dict) -> bool:
    return element.get("tag") == "input" and "sample photo" in element.get("label", "")


def is_nav_link(title: str):
    return lambda element: element.get("tag") == "a" and element.get("text", "").endswith(title)


def test_keyboard_alone_changes_k_the_sample_and_the_page(page: Page, app_server):
    """Tab, arrows, typing and Enter only: no click, no focus() from the test."""
    app.open_app(page, app_server.url, sample="coffee", k=6)
    caption = app.main(page).get_by_test_id("stCaptionContainer")

    tab_until(page, is_k_slider, page.locator("input[aria-label^='K:']"))
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    caption.filter(has_text="K = 8 ").first.wait_for()
    app.wait_idle(page)

    sample_box = page.locator("input[aria-label*='sample photo']")
    tab_until(page, is_sample_box, sample_box, backwards=True)
    page.keyboard.type("Chelsea")
    page.keyboard.press("Enter")
    caption.filter(has_text="Chelsea the cat").first.wait_for()
    app.wait_idle(page)
    assert "K = 8 " in app.header_caption(page)

    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name="Convergence")
    tab_until(page, is_nav_link("Convergence"), link, backwards=True)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/convergence(\?|$)"))
    app.main(page).locator("h1").filter(has_text="Convergence").wait_for()
    app.wait_idle(page)
    caption_text = app.header_caption(page)
    assert "Chelsea the cat" in caption_text and "K = 8 " in caption_text, caption_text
