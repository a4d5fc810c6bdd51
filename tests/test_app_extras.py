"""AppTest of the views beyond the basics: other quantizers, dithering, iteration playback,
random against k-means++ starts, and RGB against L*a*b*.

Every number shown is recomputed here independently: Pillow's quantizers and dithering
called directly, errors computed with plain numpy over every pixel.
"""

from __future__ import annotations

import functools
import io

import numpy as np
import pytest
from PIL import Image

from dashboard.experiments import SEEDS_PER_INIT, frame_at
from kmeans_core import load_image, quantize, rgb_to_lab
from tests.app_support import (
    assert_healthy,
    chart,
    expected,
    go_to,
    metrics,
    new_app,
    open_tab,
    sample_bytes,
)

pytestmark = pytest.mark.usefixtures("navigation_mode")
K = 16  # the sidebar's default


def plain_mse(original: np.ndarray, quantized: np.ndarray) -> float:
    """Squared error summed over R, G, B, averaged over pixels: plain numpy, every pixel."""
    difference = original.astype(np.int64) - quantized.astype(np.int64)
    return float((difference**2).sum(axis=2).mean())


@functools.cache
def coffee() -> np.ndarray:
    return load_image(sample_bytes("coffee"))


@pytest.fixture(scope="module")
def app(navigation_mode):
    """One session on the default sample (coffee, K = 16) shared by these tests."""
    return new_app()


def table(at, index: int = 0) -> list[dict]:
    """Rows of a dataframe on the page, as dicts."""
    return at.main.dataframe[index].value.to_dict("records")


def test_compare_page_numbers_match_pillow_called_directly(app):
    at = go_to(app, "Compare quantizers")
    thumbnails = len(at.main.image)  # "Side by side", the tab open on arrival
    assert not at.main.dataframe
    open_tab(at, "compare_part", "In numbers")
    rows = {row["quantizer"]: row for row in table(at)}
    methods = {
        "median cut": Image.Quantize.MEDIANCUT,
        "max coverage": Image.Quantize.MAXCOVERAGE,
        "fast octree": Image.Quantize.FASTOCTREE,
    }
    assert set(methods) | {"K-Means"} <= set(rows)
    image = coffee()
    for name, method in methods.items():
        quantized = Image.fromarray(image).quantize(K, method=method, dither=Image.Dither.NONE)
        rgb = np.asarray(quantized.convert("RGB"))
        assert rows[name]["MSE"] == pytest.approx(plain_mse(image, rgb), abs=0.006), name
        assert rows[name]["colours"] == len(np.unique(np.asarray(quantized)))
    kmeans = expected("coffee")
    assert rows["K-Means"]["MSE"] == pytest.approx(
        plain_mse(image, kmeans.result.image()), abs=0.006
    )
    assert rows["K-Means"]["MSE"] < min(rows[name]["MSE"] for name in methods)
    bars = chart(at, "quantizer_bars")["data"]
    assert [b["type"] for b in bars] == ["bar"] * 4  # MSE, PSNR, time, PNG size
    assert thumbnails == len(rows)  # a thumbnail per quantizer


def test_dithering_beside_the_plain_result(app):
    at = go_to(app, "Compress")
    at.toggle(key="dither").set_value(True)
    at.run()
    assert_healthy(at)
    image = coffee()
    palette = expected("coffee").result.palette
    palette_image = Image.new("P", (1, 1))
    palette_image.putpalette(palette.tobytes())
    dithered = Image.fromarray(image).quantize(
        palette=palette_image, dither=Image.Dither.FLOYDSTEINBERG
    )
    want = plain_mse(image, np.asarray(dithered.convert("RGB")))
    shown = [m.value for m in at.main.metric if m.label == "MSE"]
    assert f"{want:,.1f}" in shown  # the dithered MSE, beside the plain one
    assert want > expected("coffee").result.mse  # dithering trades MSE for smoothness
    labels = [b.label for b in at.main.download_button]
    assert "Dithered indexed PNG" in labels
    assert len(at.main.image) == 4  # original, compressed, and plain beside dithered
    at.toggle(key="dither").set_value(False)
    at.run()


def test_iteration_playback_shows_the_iteration_chosen(app):
    at = go_to(app, "Convergence")
    assert not at.main.image  # one part drawn at a time: the curve, not the playback
    open_tab(at, "convergence_part", "Watch it converge")
    result = expected("coffee").result
    slider = at.slider(key="frame")
    assert slider.max == result.iterations
    slider.set_value(3)
    at.run()
    assert_healthy(at)
    captions = [
        img.caption
        for image in at.main.image
        for img in image.proto.imgs
        if img.caption.startswith("Iteration 3 ")
    ]
    assert captions and f"WCSS {result.wcss_history[3]:,.0f}" in captions[0]
    assert any(b.label == "Play" for b in at.main.button)


def test_a_playback_frame_gives_every_pixel_its_nearest_centroid():
    image = coffee()[::8, ::8]
    centroids = np.array([[30.2, 10.0, 5.0], [200.0, 120.4, 60.0], [120.0, 60.0, 30.0]])
    frame = Image.open(io.BytesIO(frame_at(image, centroids, "rgb")))
    assert frame.mode == "P"  # an indexed PNG: palette colours only
    palette = np.rint(centroids).astype(np.uint8)
    distances = ((image[:, :, None, :].astype(float) - palette.astype(float)) ** 2).sum(axis=3)
    assert np.array_equal(np.asarray(frame.convert("RGB")), palette[distances.argmin(axis=2)])


def test_random_against_kmeans_plus_plus(app):
    at = go_to(app, "Convergence")
    open_tab(at, "convergence_part", "Random or k-means++?")
    (button,) = [b for b in at.main.button if b.label == "Compare the two starts"]
    button.click()
    at.run()
    assert_healthy(at)
    traces = chart(at, "starts")["data"]
    lines = [t for t in traces if t["type"] == "scatter"]
    boxes = [t for t in traces if t["type"] == "box"]
    assert len(lines) == 2 * SEEDS_PER_INIT and len(boxes) == 2
    image = coffee()
    rows = {row["start"]: row for row in table(at)}
    for init in ("random", "k-means++"):
        finals = [quantize(image, K, init=init, seed=s).wcss for s in range(SEEDS_PER_INIT)]
        assert rows[init]["best final WCSS"] == f"{min(finals):,.0f}"
        assert rows[init]["worst final WCSS"] == f"{max(finals):,.0f}"


def test_rgb_against_lab_measured_on_the_image(app):
    at = go_to(app, "How it works")
    open_tab(at, "how_it_works_part", "Colour spaces")
    assert "Mean ΔE" not in metrics(at)  # two more runs of K-Means: only on request
    (button,) = [b for b in at.main.button if b.label.startswith("Measure RGB against")]
    button.click()
    at.run()
    assert_healthy(at)
    image = coffee()
    shown = metrics(at)
    assert "Mean ΔE" in shown
    delta_e = [m.value for m in at.main.metric if m.label == "Mean ΔE"]
    mse = [m.value for m in at.main.metric if m.label == "MSE (RGB)"]
    for space, shown_delta_e, shown_mse in zip(("rgb", "lab"), delta_e, mse, strict=True):
        quantized = quantize(image, K, seed=0, space=space).image()
        lab_original = rgb_to_lab(image.reshape(-1, 3))
        lab_quantized = rgb_to_lab(quantized.reshape(-1, 3))
        mean_delta_e = np.sqrt(((lab_original - lab_quantized) ** 2).sum(axis=1)).mean()
        assert shown_delta_e == f"{mean_delta_e:.2f}", space
        assert shown_mse == f"{plain_mse(image, quantized):,.1f}", space
