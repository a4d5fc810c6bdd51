"""Driving the app in a browser (Playwright, sync API): open, upload, navigate, read.

Every action waits for the result it causes to be on the page, then for the script to be
idle. Streamlit's ``data-test-script-state`` alone is not enough: the rerun after an upload
or a click can start a moment after the action (the state is "notRunning" until then), and
the browser can draw the last elements of a run a moment (seconds, under load) after the
state has gone back to "notRunning". So the readers below wait for what they read, too.
"""

from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from PIL import Image
from playwright.sync_api import Locator, Page, expect, sync_playwright

from .server import ARTIFACTS

SCREENSHOTS = ARTIFACTS / "screenshots"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
RUN_TIMEOUT_MS = 180_000  # a failure guard only: a 12 MP photo takes a few seconds alone
PAGES = {  # navigation title -> URL path
    "Compress": "",
    "3-D clusters": "clusters_3d",
    "Convergence": "convergence",
    "Step by step": "step_by_step",
    "Choose K": "choose_k",
    "Compare quantizers": "compare",
    "Is it good compression?": "codecs",
    "How it works": "how_it_works",
}
CHROMIUM = Path("/usr/bin/chromium")  # Debian's: `apt-get install -y chromium`
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
]
VIEWPORT = {"width": 1400, "height": 1000}
PROJECTOR = {"width": 1600, "height": 1000}
PHONE = {"width": 390, "height": 844}  # an iPhone 12 to 15 held upright, in CSS pixels


@contextmanager
def own_browser_page(viewport: dict[str, int] = VIEWPORT) -> Iterator[Page]:
    """A page in a Chromium of its own, set up as the suite's fixtures set theirs: for
    code that drives several browsers at once, each from its own thread."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport=viewport)
            page.set_default_timeout(RUN_TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def in_threads(work: Callable[..., None], calls: list[tuple]) -> None:
    """Run ``work(*args)`` for every ``args`` in ``calls``, each on a thread of its own (one
    browser each: Playwright's sync API is not shared between threads); wait for all."""
    threads = [threading.Thread(target=work, args=args) for args in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main(page: Page) -> Locator:
    """The main area (everything but the sidebar)."""
    return page.get_by_test_id("stMain")


def wait_idle(page: Page, timeout: float = RUN_TIMEOUT_MS) -> None:
    page.wait_for_selector(IDLE, timeout=timeout)


def wait_for_page(page: Page, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Wait until a page title or an error is shown in the main area, then until idle."""
    shown = main(page).locator("h1").or_(page.get_by_test_id("stAlertContentError"))
    shown.first.wait_for(timeout=timeout)
    wait_idle(page, timeout)


def open_app(page: Page, base_url: str, path: str = "", **params: object) -> None:
    """Open ``base_url/path?params`` in a new Streamlit session and wait for its first run."""
    query = f"?{urlencode(params)}" if params else ""
    page.goto(f"{base_url}/{path}{query}")
    wait_for_page(page)


def upload(page: Page, path: Path, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Upload ``path`` through the sidebar's file input; return once the app has shown a
    result or an error for it (both name the file) and the run has ended."""
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(path)
    page.get_by_test_id("stFileChip").filter(has_text=path.name).wait_for(timeout=timeout)
    expect(main(page)).to_contain_text(path.name, timeout=timeout)
    wait_idle(page, timeout)


def remove_upload(page: Page, name: str, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Press the uploaded file's × and wait until the page no longer shows ``name``."""
    page.get_by_test_id("stFileChipDeleteBtn").click()
    expect(page.get_by_test_id("stFileChip")).to_have_count(0, timeout=timeout)
    expect(main(page)).not_to_contain_text(name, timeout=timeout)
    wait_for_page(page, timeout)


def go_to(page: Page, title: str, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Follow the sidebar link ``title`` (same session) and wait for that page's run."""
    link = page.get_by_test_id("stSidebarNavLink").filter(has=page.get_by_text(title, exact=True))
    link.click()
    page.wait_for_url(re.compile(rf"/{re.escape(PAGES.get(title, ''))}(\?|$)"), timeout=timeout)
    main(page).locator("h1").filter(has_text=title).wait_for(timeout=timeout)
    wait_idle(page, timeout)


def open_tab(page: Page, label: str, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Open the page's tab ``label`` (only the open tab's part is drawn: opening one reruns
    that part on the server) and wait for its run."""
    tab = main(page).get_by_role("tab", name=label, exact=True)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true", timeout=timeout)
    main(page).get_by_role("tabpanel").wait_for(timeout=timeout)
    wait_idle(page, timeout)


def header_k(page: Page) -> int:
    """The K the page header names."""
    return int(header_caption(page).split("K = ", 1)[1].split()[0])


def move_k_slider(page: Page, steps: int, timeout: float = RUN_TIMEOUT_MS) -> int:
    """Move the sidebar's K slider ``steps`` notches with the arrow keys (left when
    negative); return the new K once the page shows its result."""
    after = header_k(page) + steps
    slider = page.get_by_test_id("stSidebar").get_by_role("slider").first
    slider.focus()
    for _ in range(abs(steps)):
        slider.press("ArrowRight" if steps > 0 else "ArrowLeft")
    main(page).get_by_test_id("stCaptionContainer").filter(has_text=f"K = {after} ").first.wait_for(
        timeout=timeout
    )
    wait_idle(page, timeout)
    return after


def click_button(page: Page, label: str) -> None:
    page.get_by_role("button").filter(has_text=label).click()


def header_caption(page: Page) -> str:
    """The line under the page title: "name · W×H pixels · K = k · …"."""
    return (
        main(page).get_by_test_id("stCaptionContainer").filter(has_text="pixels").first.inner_text()
    )


def metric(page: Page, label: str) -> str:
    """The value of the metric labelled ``label``, once it is on the page.

    The browser draws elements a moment after the script has ended (seconds under load), so
    readers wait for what they read.
    """
    label_element = page.get_by_test_id("stMetricLabel").filter(
        has=page.get_by_text(label, exact=True)
    )
    card = main(page).get_by_test_id("stMetric").filter(has=label_element)
    return card.get_by_test_id("stMetricValue").inner_text().strip()


def settles_at(locator: Locator, count: int, timeout: float = 15_000) -> bool:
    """True once exactly ``count`` elements match ``locator``. Elements of the previous run
    leave a moment after the script ends, so counts are awaited, not read at once."""
    try:
        expect(locator).to_have_count(count, timeout=timeout)
    except AssertionError:
        return False
    return True


def gone(locator: Locator, timeout: float = 15_000) -> bool:
    """True once nothing matches ``locator``."""
    return settles_at(locator, 0, timeout)


def palette_hexes(page: Page) -> list[str]:
    """The palette chips' colours, "#rrggbb", in the order shown."""
    chips = main(page).locator(".palette .swatch .hex")
    chips.first.wait_for()
    return [text.strip().lower() for text in chips.all_inner_texts()]


def error_messages(page: Page) -> list[str]:
    """The text of every error box (without its icon's name)."""
    boxes = page.get_by_test_id("stAlertContentError")
    return [box.get_by_test_id("stMarkdownContainer").inner_text().strip() for box in boxes.all()]


def exception_count(page: Page) -> int:
    return page.get_by_test_id("stException").count()


def image_sizes(page: Page, at_least: int = 2) -> list[tuple[int, int]]:
    """(naturalWidth, naturalHeight) of every image shown with st.image in the main area,
    once ``at_least`` are there; (0, 0) for an image that did not load."""
    images = main(page).locator("[data-testid='stImage'] img")
    images.nth(at_least - 1).wait_for()
    sizes = []
    for image in images.all():
        image.evaluate("img => img.decode().catch(() => null)")
        sizes.append(tuple(image.evaluate("img => [img.naturalWidth, img.naturalHeight]")))
    return sizes


def plotly_2d_drawn(chart: Locator) -> bool:
    """True when a 2-D Plotly chart has drawn at least one trace (SVG path or a canvas)."""
    return chart.evaluate(
        """el => {
            const paths = el.querySelectorAll('svg.main-svg g.trace path');
            const drawn = Array.from(paths).some(p => (p.getAttribute('d') || '').length > 20);
            const canvas = Array.from(el.querySelectorAll('canvas'))
                .some(c => c.width > 0 && c.height > 0);
            return drawn || canvas;
        }"""
    )


def webgl_ink(chart: Locator) -> float:
    """The share of a 3-D chart's WebGL canvas that is not background, from a screenshot of
    the canvas (0.0 when WebGL drew nothing)."""
    canvas = chart.locator("canvas").first
    canvas.wait_for()
    image = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    counts = image.getcolors(maxcolors=image.width * image.height)
    background = max(count for count, _colour in counts)
    return 1 - background / (image.width * image.height)


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page, main area unscrolled to its full height, as
    ``test-artifacts/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    height = page.evaluate(
        "() => document.querySelector(\"[data-testid='stMain']\")?.scrollHeight || 0"
    )
    original = page.viewport_size or VIEWPORT
    tall = min(max(int(height), original["height"]), 8000)
    page.set_viewport_size({"width": original["width"], "height": tall})
    try:
        page.wait_for_timeout(300)  # charts re-layout to the new size
        page.screenshot(path=path)
    finally:
        page.set_viewport_size(original)
    return path


def expected_ratio(width: int, height: int, k: int) -> float:
    """The exercise's compression ratio: 24·H·W / (24·K + H·W·⌈log2 K⌉)."""
    pixels = width * height
    bits = math.ceil(math.log2(k)) if k > 1 else 0
    return 24 * pixels / (24 * k + pixels * bits)


def ratio_label(ratio: float) -> str:
    """The ratio as the Compress page's metric shows it."""
    return f"{ratio:.2f}×"


def size_label(width: int, height: int) -> str:
    """An image size as the page header writes it: "4,000×3,000"."""
    return f"{width:,}×{height:,}"
