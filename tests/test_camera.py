"""The camera as a third image source: AppTest hands st.camera_input a real JPEG photo."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.app_support import (
    SAMPLES,
    assert_healthy,
    expected,
    expected_for,
    header,
    metrics,
    new_app,
)

pytestmark = pytest.mark.usefixtures("navigation_mode")


def camera_jpeg() -> bytes:
    """A photo as a browser's camera sends it: a JPEG, here 320×240 of a real photo."""
    image = Image.open(SAMPLES / "chelsea.png").convert("RGB").resize((320, 240))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def test_a_camera_photo_is_compressed_like_an_upload():
    at = new_app()
    assert not at.sidebar.get("camera_input")  # no camera prompt until asked for
    at.toggle(key="camera_on").set_value(True)
    at.run()
    assert_healthy(at)
    notes = " ".join(c.value for c in at.sidebar.caption)
    assert "localhost or over HTTPS" in notes

    data = camera_jpeg()
    at.camera_input(key="camera").set_value(("shot.jpg", data, "image/jpeg"))
    at.run()
    assert_healthy(at)
    assert "camera.jpg" in header(at) and "320×240" in header(at)
    assert metrics(at) == expected_for(data, 16).metrics()
    assert at.selectbox(key="sample").disabled

    at.camera_input(key="camera").set_value(None)  # cleared: back to the sample
    at.run()
    assert_healthy(at)
    assert not at.selectbox(key="sample").disabled
    assert metrics(at) == expected("coffee").metrics()
