"""In Chromium against a running server: the "Is it good compression?" page computes on its
button and shows every file; the camera takes a photo (Chromium's fake camera) that the app
then compresses."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from kmeans_core import available_codecs

from . import app

CODECS_PATH = "codecs"
ALL_DECODED = """() => Array.from(document.querySelectorAll("[data-testid='stMain'] img"))
    .every(img => img.complete && img.naturalWidth > 0)"""
CAMERA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
CAMERA_PLAYING = """() => {
    const video = document.querySelector("[data-testid='stSidebar'] video");
    return video !== null && video.readyState >= 2 && video.videoWidth > 0;
}"""


def assert_healthy(page: Page) -> None:
    assert app.exception_count(page) == 0, "a Python exception is shown on the page"
    assert app.error_messages(page) == [], "an error is shown on the page"


def test_the_comparison_runs_on_its_button_and_shows_every_file(page: Page, app_server):
    app.open_app(page, app_server.url, CODECS_PATH, sample="chart")
    main = app.main(page)
    expect(main.locator("h1")).to_have_text("Is it good compression?")
    assert main.get_by_test_id("stImage").count() == 0  # nothing computed yet
    names = ", ".join(available_codecs()[:-1]) + f" and {available_codecs()[-1]}"
    app.click_button(page, f"Compare with {names}")
    expect(main).to_contain_text("wins on this image", timeout=app.RUN_TIMEOUT_MS)
    app.wait_idle(page)
    assert_healthy(page)
    images = main.get_by_test_id("stImage").locator("img")
    expect(images.first).to_be_visible()
    count = images.count()
    assert count >= 2 * 3  # a thumbnail and a crop for the PNG, dithered, and a codec at least
    page.wait_for_function(ALL_DECODED)
    # the table's grid loads its code after the images: wait for it, as for the images
    expect(main.get_by_test_id("stDataFrame")).to_have_count(1)
    app.screenshot(page, "codecs-chart")


def test_a_photo_from_the_camera_is_compressed(browser_type, app_server):
    """Chromium's fake camera (a generated test pattern) and its automatic permission: the
    page is on localhost, where browsers allow the camera."""
    browser = browser_type.launch(
        executable_path=str(app.CHROMIUM), args=[*app.LAUNCH_ARGS, *CAMERA_ARGS]
    )
    try:
        context = browser.new_context(viewport=app.VIEWPORT, permissions=["camera"])
        page = context.new_page()
        page.set_default_timeout(app.RUN_TIMEOUT_MS)
        app.open_app(page, app_server.url)
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_text("…or take a photo with the camera").click()
        expect(sidebar).to_contain_text("localhost or over HTTPS")
        take = page.get_by_test_id("stCameraInputButton")
        expect(take).to_be_enabled()
        # The button is enabled before the fake camera's first frame is there, and a click
        # then takes no photo (seen once in a full run of the suite, on a busy machine).
        page.wait_for_function(CAMERA_PLAYING, timeout=app.RUN_TIMEOUT_MS)
        take.click()
        # uploading the photo and compressing it: as long as an upload may take on a busy
        # machine (expect's own 5 s is not)
        expect(app.main(page)).to_contain_text("camera.jpg", timeout=app.RUN_TIMEOUT_MS)
        app.wait_idle(page)
        assert_healthy(page)
        assert re.search(r"camera\.jpg · \d[\d,]*×\d[\d,]* pixels", app.header_caption(page))
        # Chromium's fake camera may hand over a frame before its pattern is drawn (one
        # colour): any photo is fine, as long as it was compressed to at most K colours
        assert 1 <= int(app.metric(page, "Colours")) <= 16
        app.screenshot(page, "camera-photo")
    finally:
        browser.close()
