"""A 390×844 phone held upright: the sidebar starts folded, the images come before the
numbers, every page fits the width, and axe-core finds nothing serious there either.

Each page is opened from a link (the sidebar, and its navigation, are folded away), and a
screenshot of each is kept in test-artifacts/screenshots/phone-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from . import app
from .accessibility import blocking_violations

pytestmark = pytest.mark.browser

_WIDER_THAN_THE_SCREEN = """() => {
    const width = window.innerWidth;
    const scrollers = [document.scrollingElement, document.querySelector("[data-testid='stMain']")];
    const overflow = Math.max(...scrollers.filter(Boolean).map(e => e.scrollWidth)) - width;
    const sticking_out = Array.from(document.querySelectorAll('[data-testid]'))
        .filter(e => e.getBoundingClientRect().right > width + 1 && e.offsetParent !== null)
        .map(e => e.getAttribute('data-testid'));
    return {overflow, sticking_out: [...new Set(sticking_out)].slice(0, 8)};
}"""


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=app.PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(app.RUN_TIMEOUT_MS)
    yield page
    context.close()


def sidebar_open(page: Page) -> bool:
    """True when the sidebar takes room on the screen (folded, it is 0 px wide off-screen)."""
    box = page.get_by_test_id("stSidebar").bounding_box()
    return box is not None and box["width"] > 50 and box["x"] + box["width"] > 0


def top(page: Page, test_id: str) -> float:
    box = app.main(page).get_by_test_id(test_id).first.bounding_box()
    assert box is not None, f"no {test_id} on the page"
    return box["y"]


def test_every_page_on_a_phone(phone: Page, app_server, axe):
    problems = []
    for title, path in app.PAGES.items():
        app.open_app(phone, app_server.url, path, sample="chelsea", k=8)
        if sidebar_open(phone):
            problems.append(f"{title}: the sidebar starts open over the page")
        width = phone.evaluate(_WIDER_THAN_THE_SCREEN)
        if width["overflow"] > 0:
            problems.append(
                f"{title}: {width['overflow']} px wider than the screen: {width['sticking_out']}"
            )
        if title == "Compress" and top(phone, "stImage") > top(phone, "stMetric"):
            problems.append("Compress: the metric cards come before the images")
        problems += [f"{title}: {line}" for line in blocking_violations(phone)]
        app.screenshot(phone, f"phone-390-{path or 'compress'}")
    assert not problems, "\n".join(problems)


def test_the_sidebar_opens_on_a_wide_screen_and_presentation_mode_folds_it(page: Page, app_server):
    """ "auto" opens the sidebar on a 1400 px screen; presentation mode keeps it folded."""
    app.open_app(page, app_server.url, sample="coffee")
    assert sidebar_open(page)
    app.open_app(page, app_server.url, sample="coffee", present=1)
    assert not sidebar_open(page)
