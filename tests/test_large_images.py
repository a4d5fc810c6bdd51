"""Images between the clustering limit and the pixel limit: the app reduces them before
clustering, says so, and every number it shows is of the image it clustered."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from dashboard import analysis
from dashboard.analysis import CLUSTER_PIXEL_LIMIT, PIXEL_LIMIT, decode_for_app
from kmeans_core import ImageError
from tests.app_support import assert_healthy, header, metrics, new_app, upload

pytestmark = pytest.mark.usefixtures("navigation_mode")


def photo_jpeg(width: int, height: int, seed: int = 0) -> bytes:
    """A photo-like JPEG: smooth colour gradients with sensor-like noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = [
        128 + 100 * np.sin(x / width * 3 + seed),
        128 + 100 * np.cos(y / height * 2),
        255 * (x + y) / (width + height),
    ]
    image = np.stack(channels, axis=-1) + rng.normal(0, 6, (height, width, 3))
    buffer = io.BytesIO()
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_a_photo_up_to_the_clustering_limit_is_kept_at_full_size(monkeypatch):
    monkeypatch.setattr(analysis, "CLUSTER_PIXEL_LIMIT", 300 * 200)
    image, size = decode_for_app(photo_jpeg(300, 200))
    assert image.shape == (200, 300, 3) and size == (300, 200)


def test_a_20_megapixel_photo_is_reduced_to_the_clustering_limit():
    width, height = 5200, 3900  # 20.3 MP: over the clustering limit, under the pixel limit
    assert CLUSTER_PIXEL_LIMIT < width * height < PIXEL_LIMIT
    data = photo_jpeg(width, height)
    image, size = decode_for_app(data)
    assert size == (width, height)
    reduced_height, reduced_width = image.shape[:2]
    assert 0.999 * CLUSTER_PIXEL_LIMIT < reduced_width * reduced_height <= CLUSTER_PIXEL_LIMIT
    assert reduced_width / reduced_height == pytest.approx(width / height, rel=1e-3)
    # Box filtering averages whole cells of pixels: the mean colour is unchanged.
    full = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float64)
    assert image.reshape(-1, 3).mean(axis=0) == pytest.approx(
        full.reshape(-1, 3).mean(axis=0), abs=0.5
    )


def test_a_photo_over_the_pixel_limit_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(analysis, "PIXEL_LIMIT", 500 * 400 - 1)
    with pytest.raises(ImageError, match="over the limit"):
        decode_for_app(photo_jpeg(500, 400))


def test_the_app_says_it_reduced_the_photo_and_shows_the_reduced_numbers(monkeypatch):
    monkeypatch.setattr(analysis, "CLUSTER_PIXEL_LIMIT", 40_000)
    at = new_app()
    upload(at, "wide.jpg", photo_jpeg(400, 300, seed=7), "image/jpeg")
    assert_healthy(at)
    assert not at.main.error
    # 400×300 = 120,000 pixels, scaled by sqrt(40,000 / 120,000): 230×173
    width, height = 230, 173
    assert "400×300, clustered at 230×173" in header(at)
    (note,) = [i.value for i in at.main.info if "was reduced" in i.value]
    assert "400×300" in note and "230×173" in note
    ratio = 24 * width * height / (24 * 16 + width * height * 4)
    assert metrics(at)["Compression ratio"] == f"{ratio:.2f}×"
