"""Unusable files through the real file input: each gets a clear one-line error, never a
traceback, and the same browser session still works with a good photo afterwards."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dashboard.samples import DEFAULT_SAMPLE
from kmeans_core.settings import DEFAULTS
from tests import filebytes

from . import app, files

pytestmark = pytest.mark.browser


def make_bad_files(folder: Path) -> dict[str, Path]:
    """Every kind of unusable upload, as real bytes under a name the uploader accepts."""
    rocket = (files.SAMPLES / "rocket.jpg").read_bytes()
    coffee = (files.SAMPLES / "coffee.png").read_bytes()
    assert rocket.startswith(b"\xff\xd8") and coffee.startswith(filebytes.SIGNATURE)
    contents = {
        "text-renamed.png": b"Dear colleague,\nplease find the photo attached.\n" * 20,
        "truncated.jpg": rocket[: len(rocket) // 2],
        "corrupt-idat.png": filebytes.corrupt_idat(coffee),
        "bomb-30000x30000.png": filebytes.decompression_bomb(30_000, 30_000),
        "huge-12000x12000.png": files.flat_png(12_000, 12_000),
        "random-bytes.jpg": random.Random(7).randbytes(20_000),
        "document-renamed.png": filebytes.MINIMAL_PDF,
    }
    paths = {}
    for name, data in contents.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    return paths


OVER_THE_LIMIT = {"bomb-30000x30000.png", "huge-12000x12000.png"}


def test_bad_files_then_a_good_photo(page: Page, app_server, tmp_path):
    bad_files = make_bad_files(tmp_path)
    good = files.photo_jpeg(tmp_path / "good-after-bad.jpg", (1024, 768), "astronaut", seed=3)
    log_before = len(app_server.log_text())

    app.open_app(page, app_server.url)
    problems = []
    for name, path in bad_files.items():
        app.upload(page, path)
        app.settles_at(page.get_by_test_id("stAlertContentError"), 1)
        shown = app.error_messages(page)
        if len(shown) != 1:
            problems.append(f"{name}: expected one error box, got {shown}")
            continue
        message = shown[0]
        if name not in message or "\n" in message:
            problems.append(f"{name}: the error should be one line naming the file: {message!r}")
        if name in OVER_THE_LIMIT and "pixels" not in message:
            problems.append(f"{name}: the error should say the image is too large: {message!r}")
        if app.exception_count(page):
            problems.append(f"{name}: a Python exception is shown")
        if not app.gone(page.get_by_test_id("stProgress")):
            problems.append(f"{name}: a progress bar is left on the page under the error")
        if not app.gone(app.main(page).get_by_test_id("stMetric")):
            problems.append(f"{name}: results are still shown beside the error")
        app.screenshot(page, f"bad-upload-{path.stem}")
    logged = app_server.log_text()[log_before:]
    if "Traceback" in logged:
        problems.append(f"the server logged a traceback:\n{logged[-3000:]}")
    assert not problems, "\n".join(problems)

    # The same session, a good photo: the result replaces the error.
    app.upload(page, good.path)
    assert app.gone(page.get_by_test_id("stAlertContentError")), app.error_messages(page)
    assert app.exception_count(page) == 0
    assert good.name in app.header_caption(page)
    expect(app.main(page).locator("[data-testid='stImage'] img").first).to_be_visible()
    assert len(app.image_sizes(page)) >= 2
    expected = app.expected_ratio(good.width, good.height, DEFAULTS.k)
    assert app.metric(page, "Compression ratio") == app.ratio_label(expected)
    app.screenshot(page, "bad-upload-then-good-photo")

    # Removing the upload brings the sample photo back.
    app.remove_upload(page, good.name)
    assert DEFAULT_SAMPLE.title in app.header_caption(page)
    assert app.gone(page.get_by_test_id("stAlertContentError")), app.error_messages(page)
