"""The whole app through its entry script with Streamlit's AppTest: every page, uploads,
settings, and damaged files.

Every number the pages show is checked against kmeans_core run here, independently, on the
same bytes with the same settings. Assertions name stable things (titles, widget and chart
keys, metric labels, chart data), not layout, so new sections on a page do not break them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.views import big_number
from kmeans_core import (
    ImageError,
    hex_color,
    load_image,
)
from tests.app_support import (
    DEFAULT_K,
    PAGE_FILES,
    PAGES,
    SCATTER_POINTS,
    SWEEP_KS,
    TIMEOUT,
    Expected,
    array,
    assert_healthy,
    chart,
    chelsea_crop_png,
    expected,
    expected_for,
    go_to,
    header,
    metrics,
    new_app,
    open_page_file,
    open_tab,
    plotly_specs,
    png_of_size,
    points,
    same_points,
    sample_bytes,
    tex,
    upload,
)

pytestmark = pytest.mark.usefixtures("navigation_mode")


# --- Compress, the default page ----------------------------------------------------------------


def assert_compress_page_shows(at: AppTest, want: Expected) -> None:
    assert [t.value for t in at.main.title][:1] == ["Compress"]
    assert not at.main.error
    shown = metrics(at)
    for label, value in want.metrics().items():
        assert shown.get(label) == value, label
    images = at.main.image
    assert len(images) == 2  # the original and the compressed image, side by side
    (original,), (compressed,) = (image.value for image in images)
    assert compressed.startswith("data:image/png;base64,"), "PNG: JPEG would add colours"
    assert original.startswith(("data:image/png;base64,", "data:image/jpeg;base64,"))
    swatches = [m.value for m in at.main.markdown if all(h in m.value for h in want.hex_codes)]
    assert swatches, "one markdown element holds every palette colour's hex code"
    labels = [b.label for b in at.main.download_button]
    assert {"Indexed PNG", "Palette (GIMP .gpl)", "Palette (JSON)"} <= set(labels)
    (png_button,) = [b for b in at.main.download_button if b.label == "Indexed PNG"]
    # built on the click, not on every run (the browser suite downloads and checks it)
    assert png_button.proto.deferred_file_id and not png_button.proto.url


def test_default_sample_on_compress():
    at = new_app()
    want = expected("coffee")
    assert want.ratio == pytest.approx(24 * 600 * 400 / (24 * 16 + 600 * 400 * 4))
    assert_compress_page_shows(at, want)
    assert "600×400" in header(at) and f"K = {DEFAULT_K}" in header(at)
    assert not at.error


def test_upload_a_photo_then_change_k():
    at = new_app()
    coffee = expected("coffee")
    data = sample_bytes("chelsea")
    upload(at, "chelsea.png", data)
    assert_healthy(at)
    at16 = expected_for(data, 16)
    assert "chelsea.png" in header(at) and "451×300" in header(at)
    assert at16.ratio == pytest.approx(24 * 451 * 300 / (24 * 16 + 451 * 300 * 4))
    assert_compress_page_shows(at, at16)
    assert metrics(at)["Indexed PNG"] != coffee.metrics()["Indexed PNG"]

    at.slider(key="k").set_value(8)
    at.run()
    assert_healthy(at)
    at8 = expected_for(data, 8)
    assert "chelsea.png" in header(at) and "K = 8" in header(at)
    assert at8.k == 8 and at8.ratio == pytest.approx(24 * 451 * 300 / (24 * 8 + 451 * 300 * 3))
    assert_compress_page_shows(at, at8)
    assert metrics(at)["Compression ratio"] == "8.00×" != at16.metrics()["Compression ratio"]
    assert len(at8.hex_codes) == 8 and set(at8.hex_codes) != set(at16.hex_codes)
    assert at.file_uploader(key="upload").value.name == "chelsea.png"


@pytest.mark.parametrize("key", ["chelsea", "astronaut", "rocket"])
def test_choose_a_sample_photo(key):
    at = new_app()
    at.selectbox(key="sample").set_value(key)
    at.run()
    assert_healthy(at)
    want = expected(key)
    assert f"{want.width}×{want.height}" in header(at)
    assert_compress_page_shows(at, want)


def test_a_link_opens_the_sample_and_settings_it_names():
    at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)
    at.query_params.update({"sample": "chelsea", "k": "8", "seed": "not a number"})
    at.run()
    assert_healthy(at)
    assert "451×300" in header(at) and "K = 8" in header(at) and "seed 0" in header(at)
    assert_compress_page_shows(at, expected("chelsea", 8))
    at.slider(key="k").set_value(5)
    at.run()
    assert at.query_params.get("k") in ("5", ["5"])  # the address bar follows the sidebar


def test_remove_the_upload_to_use_the_sample_again():
    at = new_app()
    upload(at, "chelsea.png", sample_bytes("chelsea"))
    assert at.selectbox(key="sample").disabled
    at.file_uploader(key="upload").clear()
    at.run()
    assert_healthy(at)
    assert not at.selectbox(key="sample").disabled
    assert "600×400" in header(at)
    assert_compress_page_shows(at, expected("coffee"))


# --- the other pages, on an uploaded photo -------------------------------------------------------


@pytest.fixture(scope="module")
def chelsea_app(navigation_mode) -> AppTest:
    """One session with chelsea.png uploaded at the default K, shared by the page tests
    (each switches to its page first, so their order does not matter)."""
    at = new_app()
    upload(at, "chelsea.png", sample_bytes("chelsea"))
    assert_healthy(at)
    assert "chelsea.png" in header(at)
    return at


@pytest.fixture(scope="module")
def chelsea() -> Expected:
    return expected("chelsea")


def assert_scatter_3d(spec: dict, want: Expected, color_by: str) -> None:
    palette = want.result.palette.astype(float)
    traces = spec["data"]
    assert {t["type"] for t in traces} == {"scatter3d"}
    centroids = [t for t in traces if points(t).shape == palette.shape]
    centroids = [t for t in centroids if np.array_equal(points(t), palette)]
    assert centroids, "a centroid trace with one point per palette colour"
    assert all(len(array(t["x"])) == want.k for t in centroids)
    pixels = [t for t in traces if t not in centroids]
    assert sum(len(array(t["x"])) for t in pixels) == min(SCATTER_POINTS, want.width * want.height)
    for t in pixels:  # every point is an RGB colour
        assert points(t).min() >= 0 and points(t).max() <= 255
    if color_by == "cluster":  # one trace per cluster, in its palette colour
        assert len(pixels) <= want.k
        colours = [t["marker"]["color"] for t in pixels]
        assert len(set(colours)) == len(colours) and set(colours) <= set(want.hex_codes)
        if want.result.space == "rgb":  # every pixel is in the cluster of its nearest colour
            for trace, colour in zip(pixels, colours, strict=True):
                distances = ((points(trace)[:, None, :] - palette[None]) ** 2).sum(axis=2)
                own = distances[:, [hex_color(c) for c in palette].index(colour)]
                assert np.all(own <= distances.min(axis=1))
    else:  # one trace, each point in its own colour
        (trace,) = pixels
        rgb = points(trace).astype(int)
        assert list(trace["marker"]["color"]) == [hex_color(c) for c in rgb]
    for axis in ("xaxis", "yaxis", "zaxis"):
        assert spec["layout"]["scene"][axis]["range"] == [0, 255]


def colour_points_by(at: AppTest, color_by: str) -> AppTest:
    at.segmented_control(key="color_by").set_value(color_by)
    at.run()
    assert_healthy(at)
    return at


def test_clusters_3d_page(chelsea_app, chelsea):
    at = colour_points_by(go_to(chelsea_app, "3-D clusters"), "cluster")
    assert "chelsea.png" in header(at)
    assert_scatter_3d(chart(at, "clusters_3d"), chelsea, "cluster")


def test_clusters_3d_page_in_the_pixels_own_colours(chelsea_app, chelsea):
    at = colour_points_by(go_to(chelsea_app, "3-D clusters"), "original")
    assert_scatter_3d(chart(at, "clusters_3d"), chelsea, "original")


def test_clusters_3d_page_centroid_paths(chelsea_app, chelsea):
    at = colour_points_by(go_to(chelsea_app, "3-D clusters"), "cluster")
    history = chelsea.result.centroid_history  # (iterations + 1, K, 3)
    at.toggle(key="centroid_paths").set_value(True)
    at.run()
    try:
        assert_healthy(at)
        traces = chart(at, "clusters_3d")["data"]
        lines = [t for t in traces if "lines" in t.get("mode", "")]
        assert len(lines) == chelsea.k
        for i in range(chelsea.k):  # each centroid's way, from its start to its end
            assert sum(same_points(t, history[:, i, :]) for t in lines) == 1
        starts = [t for t in traces if t.get("mode") == "markers"]
        assert sum(same_points(t, history[0]) for t in starts) == 1
    finally:
        at.toggle(key="centroid_paths").set_value(False)
        at.run()


def test_clusters_3d_page_draws_every_pixel_of_a_small_image():
    at = new_app()
    data = chelsea_crop_png()
    upload(at, "crop.png", data)
    go_to(at, "3-D clusters")
    want = expected_for(data, DEFAULT_K)
    assert want.width * want.height == 8000 < SCATTER_POINTS
    assert_scatter_3d(chart(at, "clusters_3d"), want, "cluster")


def test_convergence_page(chelsea_app, chelsea):
    at = go_to(chelsea_app, "Convergence")
    history = np.asarray(chelsea.result.wcss_history)
    assert len(history) == chelsea.result.iterations + 1 > 2
    curves = [
        t
        for spec in plotly_specs(at)
        for t in spec["data"]
        if t["type"] == "scatter" and len(array(t["y"])) == len(history)
    ]
    matching = [t for t in curves if np.allclose(array(t["y"]).astype(float), history, rtol=1e-9)]
    assert matching, "a curve of the kept run's WCSS after every iteration"
    y = array(matching[0]["y"]).astype(float)
    assert np.all(np.diff(y) <= 0), "Lloyd's algorithm never increases the WCSS"
    assert list(array(matching[0]["x"])) == list(range(len(history)))
    shown = metrics(at)
    assert shown["WCSS at the start"] == big_number(history[0])
    assert shown["Final WCSS"] == big_number(history[-1])
    assert shown["Iterations"] == str(chelsea.result.iterations)
    assert shown["Restarts"] == "1"


def test_choose_k_page(chelsea_app, chelsea):
    at = go_to(chelsea_app, "Choose K")
    (button,) = [b for b in at.main.button if "K sweep" in b.label]
    button.click()
    at.run()
    assert_healthy(at)
    spec = chart(at, "k_sweep")
    x_axes = sorted(name for name in spec["layout"] if name.startswith("xaxis"))
    assert x_axes == ["xaxis", "xaxis2", "xaxis3"]
    curves = [t for t in spec["data"] if t.get("mode") == "lines+markers"]
    assert len(curves) == 3
    assert all(list(array(t["x"])) == SWEEP_KS for t in curves)
    wcss = array(curves[0]["y"]).astype(float)
    assert np.all(np.diff(wcss) < 0), "more colours, lower WCSS"
    assert wcss[SWEEP_KS.index(DEFAULT_K)] == pytest.approx(
        chelsea.result.wcss_history[-1]
    )  # where Convergence ends
    ratios = array(curves[2]["y"]).astype(float)
    assert ratios[SWEEP_KS.index(DEFAULT_K)] == pytest.approx(chelsea.ratio)
    lines = [s for s in spec["layout"].get("shapes", []) if s["type"] == "line"]
    assert {s["x0"] for s in lines} == {DEFAULT_K}  # the current K, in each subplot
    (table,) = at.main.dataframe
    frame = table.value
    assert len(frame) == 8
    assert list(frame["K"]) == SWEEP_KS

    at.run()  # the sweep stays on screen for this image and settings
    assert_healthy(at)
    assert len(at.main.dataframe) == 1


def test_how_it_works_page(chelsea_app, chelsea):
    at = go_to(chelsea_app, "How it works")
    open_tab(at, "how_it_works_part", "Pixels and the objective")
    assert not at.main.code  # one part drawn at a time: the code is in "Two steps"
    open_tab(at, "how_it_works_part", "What it saves")
    latex = "\n".join(element.value for element in at.main.latex)
    pixels = chelsea.width * chelsea.height
    assert chelsea.bits_per_index == 4
    for text in (
        f"24 \\times {tex(pixels)}",
        tex(chelsea.bits_original),  # 3{,}247{,}200
        tex(chelsea.bits_compressed),  # 384 + 541{,}200 = 541{,}584
        tex(pixels * chelsea.bits_per_index),
        f"\\lceil \\log_2 {chelsea.k} \\rceil",
        f"{chelsea.bits_per_index} bits a pixel",
        f"{chelsea.ratio:.3f}",
    ):
        assert text in latex, text


def test_how_it_works_numbers_agree_with_the_other_pages(chelsea_app, chelsea):
    at = go_to(chelsea_app, "How it works")
    open_tab(at, "how_it_works_part", "Pixels and the objective")
    latex = "\n".join(element.value for element in at.main.latex)
    history = chelsea.result.wcss_history
    assert f"J_\\text{{start}} = {tex(history[0])}" in latex  # the Convergence curve's ends
    assert f"J_\\text{{final}} = {tex(history[-1])}" in latex
    text = "\n".join(m.value for m in at.main.markdown)
    assert f"MSE = {chelsea.result.mse:,.1f}" in text  # the Compress page's MSE and PSNR
    assert f"{chelsea.result.psnr:.1f} dB" in text


def test_sidebar_settings_reach_every_page():
    """Starting centroids, colour space, seed, restarts and iterations all change the run."""
    data = sample_bytes("chelsea")
    settings = dict(init="random", space="lab", seed=3, n_init=3, max_iter=40)
    want = expected_for(data, 12, **settings)
    assert len(want.result.runs) == 3
    at = new_app()
    upload(at, "chelsea.png", data)
    at.slider(key="k").set_value(12)
    at.radio(key="init").set_value("random")
    at.radio(key="space").set_value("lab")
    at.number_input(key="seed").set_value(3)
    at.number_input(key="n_init").set_value(3)
    at.number_input(key="max_iter").set_value(40)
    at.run()
    assert_healthy(at)
    assert "K = 12" in header(at) and "seed 3" in header(at)
    assert_compress_page_shows(at, want)

    go_to(at, "Convergence")
    shown = metrics(at)
    assert shown["Restarts"] == "3"
    assert f"kept restart {want.result.best_run + 1}" in {m.delta for m in at.main.metric}
    assert shown["Final WCSS"] == big_number(want.result.wcss_history[-1])
    curves = [array(t["y"]).astype(float) for t in chart(at, "wcss")["data"]]
    for run in want.result.runs:  # the kept run and the other restarts, each a curve
        assert any(
            len(y) == len(run.wcss_history) and np.allclose(y, run.wcss_history) for y in curves
        )
    go_to(at, "3-D clusters")
    assert_scatter_3d(chart(at, "clusters_3d"), want, "cluster")
    go_to(at, "How it works")
    assert tex(want.result.wcss_history[-1]) in "\n".join(e.value for e in at.main.latex)


def test_every_page_file_is_reachable_and_renders():
    """Every script in pages/ is in the navigation and renders the default sample cleanly."""
    at = new_app()
    assert len(PAGE_FILES) >= len(PAGES)
    for path in PAGE_FILES:
        open_page_file(at, path)
        assert not at.error, (path, [e.value for e in at.error])


# --- damaged uploads -----------------------------------------------------------------------------


def bad_files() -> dict[str, tuple[str, bytes]]:
    rocket = sample_bytes("rocket")
    return {
        "random bytes": ("x.png", np.random.default_rng(7).bytes(20_000)),
        "truncated JPEG": ("rocket.jpg", rocket[: len(rocket) // 2]),
        "PDF renamed .png": (
            "report.png",
            b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n",
        ),
    }


def engine_message(data: bytes) -> str:
    with pytest.raises(ImageError) as refused:
        load_image(data)
    return str(refused.value)


@pytest.mark.parametrize("kind", list(bad_files()))
def test_bad_upload_shows_the_engines_message_then_a_good_one_works(kind):
    name, data = bad_files()[kind]
    message = engine_message(data)
    at = new_app()
    upload(at, name, data)
    assert_healthy(at)
    errors = [e.value for e in at.error]
    assert any(name in e and message in e for e in errors), errors
    assert not at.main.image and not at.main.metric, "nothing left over from the last image"
    assert at.main.info, "the page says what to do"

    chelsea = expected("chelsea")
    upload(at, "chelsea.png", sample_bytes("chelsea"))
    assert_healthy(at)
    assert not at.error
    assert "chelsea.png" in header(at)
    assert_compress_page_shows(at, chelsea)


@pytest.mark.parametrize("path", PAGE_FILES)
def test_bad_upload_on_every_page(path):
    name, data = bad_files()["truncated JPEG"]
    at = new_app()
    open_page_file(at, path)
    upload(at, name, data)
    assert_healthy(at)
    assert any(engine_message(data) in e.value for e in at.error)
    assert not at.main.get("plotly_chart") and not at.main.metric and not at.main.latex


# --- an image with fewer colours than K ---------------------------------------------------------


def test_an_image_with_fewer_colours_than_k_is_lossless_on_every_page():
    data = png_of_size(40, 30, [(200, 30, 30), (20, 120, 220), (250, 250, 250)])
    want = expected_for(data, DEFAULT_K)
    assert want.k == 3 and math.isinf(want.result.psnr)
    at = new_app()
    upload(at, "stripes.png", data)
    assert_healthy(at)
    assert_compress_page_shows(at, want)
    assert metrics(at)["PSNR"] == "∞ (lossless)"
    for path in PAGE_FILES:
        open_page_file(at, path)
        assert not at.error, (path, [e.value for e in at.error])
        for label in [b.label for b in at.main.button]:  # what is computed on request, too
            (button,) = [b for b in at.main.button if b.label == label]
            button.click()
            at.run()
            assert_healthy(at)
            assert not at.error, (path, label, [e.value for e in at.error])
    go_to(at, "3-D clusters")
    assert_scatter_3d(chart(at, "clusters_3d"), want, "cluster")
    go_to(at, "Choose K")
    (button,) = [b for b in at.main.button if "K sweep" in b.label]
    button.click()
    at.run()
    assert_healthy(at)
    assert len(at.main.dataframe[0].value) == 8
