"""What the browser receives for the two images, at the level of bytes.

The compressed preview must be a palette PNG (only the palette's colours: what is stored),
and a K change must not send the original's preview again: it belongs to the image, and
the browser already holds it. Both are read from what Chromium really received: the
images' data as they arrived, and every websocket frame during the K change (DevTools).
"""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image
from playwright.sync_api import Page

from . import app

pytestmark = pytest.mark.browser

# the two images' text alternatives: "Original photo NAME, W×H pixels" and
# "NAME compressed with K = k to n colours, W×H pixels"
ORIGINAL = "img[alt^='Original photo ']"
COMPRESSED = "img[alt*=' compressed with K = '][alt*=' colours, ']"


def image_bytes(page: Page, selector: str) -> bytes:
    """The bytes of the main-area image that ``selector`` finds."""
    image = app.main(page).locator(selector).first
    image.wait_for()
    src = image.get_attribute("src") or ""
    if src.startswith("data:"):
        return base64.b64decode(src.split(",", 1)[1])
    response = page.request.get(src if src.startswith("http") else page.url.split("/?")[0] + src)
    return response.body()


def png_colour_type(png: bytes) -> int:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR", "not a PNG"
    return png[25]  # IHDR: width, height, bit depth, then the colour type


def record_frames(page: Page) -> list[bytes]:
    """Every websocket frame the server sends to ``page`` from now on, as bytes."""
    frames: list[bytes] = []
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")

    def received(event: dict) -> None:
        response = event["response"]
        payload = response.get("payloadData", "")
        frames.append(
            base64.b64decode(payload) if response.get("opcode") == 2 else payload.encode()
        )

    session.on("Network.webSocketFrameReceived", received)
    return frames


def change_k(page: Page, before: int) -> None:
    slider = page.get_by_test_id("stSidebar").get_by_role("slider").first
    slider.focus()
    slider.press("ArrowRight")
    app.main(page).get_by_test_id("stCaptionContainer").filter(
        has_text=f"K = {before + 1} "
    ).first.wait_for()
    app.wait_idle(page)


def test_the_compressed_preview_holds_only_palette_colours(page: Page, app_server):
    app.open_app(page, app_server.url, sample="chelsea", k=8)
    compressed = image_bytes(page, COMPRESSED)
    assert png_colour_type(compressed) == 3, "the compressed preview is a palette PNG"
    shown = {int(h[1:], 16) for h in app.palette_hexes(page)}
    rgb = Image.open(io.BytesIO(compressed)).convert("RGB")
    colours = {r << 16 | g << 8 | b for _, (r, g, b) in rgb.getcolors(maxcolors=1 << 16)}
    assert colours <= shown, "every preview pixel is one of the palette colours shown"
    original = image_bytes(page, ORIGINAL)  # the photo's own colours: far more than 8
    assert Image.open(io.BytesIO(original)).convert("RGB").getcolors(maxcolors=8) is None


def test_a_k_change_does_not_send_the_original_again(page: Page, app_server):
    frames = record_frames(page)
    app.open_app(page, app_server.url, sample="astronaut", k=12)
    original = image_bytes(page, ORIGINAL)
    first_compressed = image_bytes(page, COMPRESSED)
    # a stretch of each image as it travels (base64, in the page's messages)
    original_mark = base64.b64encode(original)[1000:1200]
    assert any(original_mark in frame for frame in frames), "the first run sends the original"
    frames.clear()
    change_k(page, before=12)
    new_compressed = image_bytes(page, COMPRESSED)
    assert new_compressed != first_compressed
    assert png_colour_type(new_compressed) == 3
    new_mark = base64.b64encode(new_compressed)[1000:1200]
    assert any(new_mark in frame for frame in frames), "the new preview arrives by websocket"
    assert not any(original_mark in frame for frame in frames), "the original is not re-sent"
    assert image_bytes(page, ORIGINAL) == original  # and is still shown
    # a page visit and back: the browser still holds both, so neither travels again
    frames.clear()
    app.go_to(page, "How it works")
    app.go_to(page, "Compress")
    assert image_bytes(page, COMPRESSED) == new_compressed
    assert not any(original_mark in frame or new_mark in frame for frame in frames)
