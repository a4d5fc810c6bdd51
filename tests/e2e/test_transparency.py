"""A transparent logo in the browser: both images over a checkerboard that is really drawn,
the compressed preview an indexed PNG with tRNS, and the downloaded PNG with real alpha."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.test_transparency import ALPHA_CUT, assert_transparency_kept, logo

from . import app

pytestmark = pytest.mark.browser

ORIGINAL = "img[alt^='Original photo ']"
COMPRESSED = "img[alt*=' compressed with K = '][alt*=' colours, ']"
CHECKER = ((0xC8, 0xCE, 0xD6), (0xFF, 0xFF, 0xFF))  # the two squares of the CSS checkerboard


@pytest.fixture(scope="module")
def logo_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("transparent") / "logo.png"
    logo((720, 450)).save(path)
    return path


def sent_bytes(page: Page, selector: str) -> bytes:
    """The bytes the browser received for the image ``selector`` finds (a data URL)."""
    image = app.main(page).locator(selector).first
    image.wait_for()
    return base64.b64decode((image.get_attribute("src") or "").split(",", 1)[1])


def drawn_colours(page: Page, selector: str, box: tuple[float, float, float, float]) -> set:
    """The colours on screen in ``box`` (fractions of the image: left, top, right, bottom)."""
    shot = Image.open(io.BytesIO(app.main(page).locator(selector).first.screenshot()))
    width, height = shot.size
    left, top, right, bottom = box
    region = shot.convert("RGB").crop(
        (int(left * width), int(top * height), int(right * width), int(bottom * height))
    )
    return {colour for _count, colour in region.getcolors(maxcolors=1 << 16)}


def test_a_transparent_logo_is_shown_over_a_checkerboard_and_downloaded_with_alpha(
    page: Page, app_server, logo_path: Path, tmp_path: Path
):
    page.set_viewport_size(app.PROJECTOR)
    app.open_app(page, app_server.url)
    app.upload(page, logo_path)
    source = np.asarray(Image.open(logo_path))

    compressed = Image.open(io.BytesIO(sent_bytes(page, COMPRESSED)))
    assert compressed.mode == "P" and "transparency" in compressed.info  # indexed, with tRNS
    original = Image.open(io.BytesIO(sent_bytes(page, ORIGINAL)))
    assert original.mode == "RGBA"
    np.testing.assert_array_equal(np.asarray(original.getchannel("A")), source[:, :, 3])

    # the logo's top-left corner is transparent: there the checkerboard shows, both squares
    corner = (0.0, 0.0, 0.03, 0.05)
    assert (source[: int(0.05 * 450), : int(0.03 * 720), 3] < ALPHA_CUT).all()
    for selector in (ORIGINAL, COMPRESSED):
        assert set(CHECKER) <= drawn_colours(page, selector, corner), selector
    ratio = app.main(page).get_by_test_id("stMetric").filter(has_text="Compression ratio")
    expect(ratio).to_contain_text("32-bit RGBA")

    with page.expect_download() as download:
        app.click_button(page, "Indexed PNG")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    with Image.open(path) as png:
        assert png.mode == "P" and png.size == (720, 450)
        assert_transparency_kept(source, np.asarray(png.convert("RGBA")))

    shot = app.screenshot(page, "compress-transparent-logo-1600")
    print(f"screenshot: {shot}")
