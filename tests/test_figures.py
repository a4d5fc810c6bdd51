"""The Plotly figure builders of dashboard/figures.py, without a server: results in, figure out.

Traces are told apart by what they hold (their points, their mode), not by their order, so a
figure may gain decorations without breaking these tests.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import figures
from dashboard.views import big_number
from kmeans_core import hex_color

SWEEP_KS = [2, 4, 8, 16, 32, 64, 128, 256]


# --- helpers ---------------------------------------------------------------------------------


def xyz(trace) -> np.ndarray:
    """A 3-D trace's points as an (n, 3) float array."""
    return np.column_stack([np.asarray(trace[a], dtype=float) for a in ("x", "y", "z")])


def is_palette_trace(trace, palette: np.ndarray) -> bool:
    """True for a trace whose points are exactly the palette, in order (the centroids)."""
    points = xyz(trace)
    return points.shape == palette.shape and np.array_equal(points, palette.astype(float))


def marker_traces(figure: go.Figure, palette: np.ndarray) -> list:
    """The pixel traces: markers that are not the centroids."""
    return [
        t
        for t in figure.data
        if t.mode == "markers" and not is_palette_trace(t, palette) and "Start" not in str(t.name)
    ]


def line_traces(figure: go.Figure) -> list:
    """Traces drawn as lines (with or without a marker per point)."""
    return [t for t in figure.data if "lines" in (t.mode or "")]


def clustered_sample(n: int, k: int, present: list[int], seed: int = 0):
    """n random pixels labelled with the clusters in ``present`` only, and a K-colour palette
    of distinct colours (only a centroid trace holds exactly the palette, in order)."""
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, (n, 3), dtype=np.uint8)
    labels = np.asarray(present, dtype=np.uint8)[rng.integers(0, len(present), n)]
    palette = rng.integers(0, 256, (k, 3), dtype=np.uint8)
    palette[:, 0] = np.arange(k) % 256  # distinct palette rows
    return rgb, labels, palette


# --- hex_colors ------------------------------------------------------------------------------


def test_hex_colors_known_values():
    rgb = np.array([[0, 0, 0], [255, 255, 255], [0x12, 0x34, 0x56], [255, 0, 1]], np.uint8)
    assert figures.hex_colors(rgb) == ["#000000", "#ffffff", "#123456", "#ff0001"]


def test_hex_colors_agree_with_the_engine():
    rgb = np.random.default_rng(3).integers(0, 256, (500, 3), dtype=np.uint8)
    assert figures.hex_colors(rgb) == [hex_color(c) for c in rgb]


def test_hex_colors_of_nothing():
    assert figures.hex_colors(np.zeros((0, 3), np.uint8)) == []


# --- cluster_scatter -------------------------------------------------------------------------


def test_cluster_scatter_one_trace_per_cluster_present():
    rgb, labels, palette = clustered_sample(3000, k=6, present=[0, 2, 5])
    figure = figures.cluster_scatter(rgb, labels, palette, color_by="cluster")
    assert all(isinstance(t, go.Scatter3d) for t in figure.data)
    points = marker_traces(figure, palette)
    assert len(points) == 3  # clusters 1, 3 and 4 have no pixel in the sample: no trace
    assert sum(len(t.x) for t in points) == len(rgb)
    for label in (0, 2, 5):
        members = rgb[labels == label].astype(float)
        (trace,) = [t for t in points if np.array_equal(xyz(t), members)]
        assert trace.marker.color == hex_color(palette[label])  # one colour per trace


def test_cluster_scatter_centroids_one_point_per_palette_colour():
    rgb, labels, palette = clustered_sample(500, k=5, present=[0, 1, 2, 3, 4])
    figure = figures.cluster_scatter(rgb, labels, palette)
    centroids = [t for t in figure.data if is_palette_trace(t, palette)]
    assert centroids, "the centroids are drawn"
    for trace in centroids:
        assert len(trace.x) == len(palette)
    coloured = [t for t in centroids if isinstance(t.marker.color, (list, tuple))]
    assert [list(t.marker.color) for t in coloured] == [figures.hex_colors(palette)]


def test_cluster_scatter_original_colours_is_one_trace_with_a_colour_per_point():
    rgb, labels, palette = clustered_sample(2000, k=8, present=[1, 3, 7])
    figure = figures.cluster_scatter(rgb, labels, palette, color_by="original")
    (points,) = marker_traces(figure, palette)
    assert np.array_equal(xyz(points), rgb.astype(float))
    assert list(points.marker.color) == figures.hex_colors(rgb)
    assert sum(is_palette_trace(t, palette) for t in figure.data) >= 1


@pytest.mark.parametrize("color_by", ["cluster", "original"])
def test_cluster_scatter_axes_are_the_rgb_cube(color_by):
    rgb, labels, palette = clustered_sample(100, k=3, present=[0, 1, 2])
    scene = figures.cluster_scatter(rgb, labels, palette, color_by).layout.scene
    for axis in (scene.xaxis, scene.yaxis, scene.zaxis):
        assert tuple(axis.range) == (0, 255)
    titles = [axis.title.text for axis in (scene.xaxis, scene.yaxis, scene.zaxis)]
    assert titles == ["Red", "Green", "Blue"]


def test_cluster_scatter_names_the_256th_cluster_256():
    """Labels are uint8: at K = 256 the last cluster is label 255, and its name (shown on
    hover) must say 256, not wrap around to 0."""
    palette = np.stack([np.arange(256), np.arange(256)[::-1], np.full(256, 7)], axis=1)
    palette = palette.astype(np.uint8)
    labels = np.arange(256, dtype=np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no uint8 overflow either
        figure = figures.cluster_scatter(palette, labels, palette)
    names = [t.name for t in marker_traces(figure, palette)]
    assert len(names) == 256
    assert any(name.startswith("Cluster 256 ") for name in names)
    assert not any(name.startswith("Cluster 0 ") for name in names)


def test_cluster_scatter_centroid_paths_add_a_line_per_centroid_and_the_starts():
    rgb, labels, palette = clustered_sample(400, k=4, present=[0, 1, 2, 3])
    rng = np.random.default_rng(5)
    paths = rng.uniform(0, 255, (6, 4, 3)).astype(np.float32)  # 5 iterations, K = 4
    paths[-1] = palette
    without = figures.cluster_scatter(rgb, labels, palette)
    figure = figures.cluster_scatter(rgb, labels, palette, centroid_paths=paths)
    lines = line_traces(figure)
    assert len(lines) == 4
    for i in range(4):
        assert sum(np.allclose(xyz(t), paths[:, i, :]) for t in lines) == 1
    starts = [
        t
        for t in figure.data
        if t.mode == "markers" and len(t.x) == 4 and np.allclose(xyz(t), paths[0])
    ]
    assert len(starts) == 1
    assert len(figure.data) == len(without.data) + 4 + 1
    assert sum(len(t.x) for t in marker_traces(figure, palette) if t not in starts) == len(rgb)


def test_cluster_scatter_a_single_position_draws_no_path():
    rgb, labels, palette = clustered_sample(100, k=2, present=[0, 1])
    paths = palette.astype(np.float32)[None]  # converged at the start: nothing moved
    figure = figures.cluster_scatter(rgb, labels, palette, centroid_paths=paths)
    assert line_traces(figure) == []
    assert len(figure.data) == len(figures.cluster_scatter(rgb, labels, palette).data)


def test_cluster_scatter_is_json_serialisable():
    rgb, labels, palette = clustered_sample(300, k=3, present=[0, 1, 2])
    paths = np.stack([palette, palette]).astype(np.float32) + 0.5
    spec = json.loads(figures.cluster_scatter(rgb, labels, palette, "cluster", paths).to_json())
    assert {trace["type"] for trace in spec["data"]} == {"scatter3d"}


# --- wcss_curves -----------------------------------------------------------------------------


HISTORIES = [
    [900.0, 500.0, 450.0, 440.0],
    [800.0, 400.0, 300.0, 290.0, 289.0],
    [1000.0, 700.0, 600.0],
]


def test_wcss_curves_kept_run_bold_with_markers_others_faint():
    figure = figures.wcss_curves(HISTORIES, kept=1)
    assert len(figure.data) == 3
    assert all(isinstance(t, go.Scatter) for t in figure.data)
    (kept,) = [t for t in figure.data if "markers" in t.mode]
    assert list(kept.y) == HISTORIES[1]
    assert list(kept.x) == list(range(len(HISTORIES[1])))
    faint = [t for t in figure.data if t is not kept]
    assert sorted(list(t.y) for t in faint) == sorted([HISTORIES[0], HISTORIES[2]])
    assert all(t.mode == "lines" for t in faint)
    assert all(t.line.width < kept.line.width for t in faint)
    assert len({t.line.color for t in faint}) == 1 and faint[0].line.color != kept.line.color


def test_wcss_curves_a_single_run():
    figure = figures.wcss_curves([HISTORIES[0]], kept=0)
    (trace,) = figure.data
    assert list(trace.y) == HISTORIES[0] and "markers" in trace.mode


@pytest.mark.parametrize("log_y", [False, True])
def test_wcss_curves_log_axis_only_when_asked(log_y):
    figure = figures.wcss_curves(HISTORIES, kept=0, log_y=log_y)
    assert (figure.layout.yaxis.type == "log") is log_y


@pytest.mark.parametrize("phases", [(), (("every colour", 4),)], ids=["no phases", "one phase"])
def test_wcss_curves_no_shading_with_one_phase(phases):
    figure = figures.wcss_curves(HISTORIES, kept=1, phases=phases)
    assert len(figure.layout.shapes) == 0


def test_wcss_curves_shade_every_phase_but_the_last():
    phases = (("32³ colour grid", 9), ("64³ colour grid", 8), ("every colour", 2))
    history = [float(1000 - i) for i in range(9 + 8 + 2 + 1)]
    figure = figures.wcss_curves([history], kept=0, phases=phases)
    shapes = sorted(figure.layout.shapes, key=lambda s: s.x0)
    assert [(s.type, s.x0, s.x1) for s in shapes] == [("rect", 0, 9), ("rect", 9, 17)]
    labels = sorted(figure.layout.annotations, key=lambda a: a.x)
    assert [a.text for a in labels] == ["32³ grid", "64³ grid"]
    assert labels[0].yshift != labels[1].yshift  # staggered: a short phase's label would overlap


# --- elbow -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wcss", "knee"),
    [
        ([100, 10, 9, 8, 7, 6, 5, 4], 4),
        ([800, 600, 400, 200, 190, 180, 170, 160], 16),
        ([1000, 990, 980, 970, 960, 100, 90, 80], 64),
    ],
)
def test_elbow_finds_an_obvious_knee(wcss, knee):
    assert figures.elbow(SWEEP_KS, wcss) == knee


def test_elbow_of_a_flat_curve_is_the_first_k():
    assert figures.elbow(SWEEP_KS, [5.0] * 8) == 2


def test_elbow_of_two_points_is_the_first_k():
    assert figures.elbow([4, 8], [100.0, 50.0]) == 4


def test_elbow_of_one_point():
    assert figures.elbow([16], [123.0]) == 16


def test_elbow_returns_a_python_int():
    assert type(figures.elbow(np.array(SWEEP_KS), np.linspace(100, 1, 8))) is int


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=1e12, allow_nan=False), min_size=1, max_size=12).map(
        lambda values: sorted(values, reverse=True)
    )
)
def test_elbow_is_always_one_of_the_ks(wcss):
    ks = [2**i for i in range(1, len(wcss) + 1)]
    assert figures.elbow(ks, wcss) in ks


# --- k_sweep ---------------------------------------------------------------------------------

SWEEP_WCSS = [9e6, 5e6, 2e6, 1.5e6, 1.2e6, 1e6, 0.9e6, 0.85e6]
SWEEP_PSNR = [20.0, 23.0, 26.0, 28.0, 30.0, 32.0, 34.0, 36.0]
SWEEP_RATIO = [23.9, 11.9, 7.99, 5.99, 4.79, 3.99, 3.42, 2.99]


def sweep_figure(current_k: int = 16, psnr=SWEEP_PSNR) -> go.Figure:
    return figures.k_sweep(SWEEP_KS, SWEEP_WCSS, psnr, SWEEP_RATIO, current_k)


def test_k_sweep_three_subplots_on_log_k_axes():
    figure = sweep_figure()
    layout = figure.layout
    axes = [layout.xaxis, layout.xaxis2, layout.xaxis3]
    assert all(axis.type == "log" for axis in axes)
    assert all(list(axis.tickvals) == SWEEP_KS for axis in axes)
    assert "xaxis4" not in layout.to_plotly_json()
    curves = [t for t in figure.data if t.mode == "lines+markers"]
    assert [t.xaxis for t in curves] == ["x", "x2", "x3"]
    assert all(list(t.x) == SWEEP_KS for t in curves)
    assert [list(t.y) for t in curves] == [SWEEP_WCSS, SWEEP_PSNR, SWEEP_RATIO]


@pytest.mark.parametrize("current_k", [16, 10, 256])
def test_k_sweep_current_k_line_in_every_subplot(current_k):
    shapes = sweep_figure(current_k).layout.shapes
    lines = [s for s in shapes if s.type == "line"]
    assert sorted(s.xref for s in lines) == ["x", "x2", "x3"]
    assert all(s.x0 == s.x1 == current_k for s in lines)


def test_k_sweep_marks_the_elbow_in_every_subplot():
    figure = sweep_figure()
    knee = figures.elbow(SWEEP_KS, SWEEP_WCSS)
    stars = [t for t in figure.data if t.mode == "markers"]
    assert sorted(t.xaxis for t in stars) == ["x", "x2", "x3"]
    index = SWEEP_KS.index(knee)
    by_axis = {t.xaxis: t for t in stars}
    for axis, values in zip(("x", "x2", "x3"), (SWEEP_WCSS, SWEEP_PSNR, SWEEP_RATIO), strict=True):
        assert list(by_axis[axis].x) == [knee]
        assert list(by_axis[axis].y) == [values[index]]


def test_k_sweep_infinite_psnr_is_a_gap_and_the_figure_is_valid_json():
    """A lossless K (as many colours as the image has) has an infinite PSNR: JSON cannot
    carry it, so the point is left out rather than breaking the chart."""
    psnr = [*SWEEP_PSNR[:-2], math.inf, math.inf]
    figure = sweep_figure(psnr=psnr)
    spec = json.loads(figure.to_json())  # strict JSON: no Infinity
    (psnr_curve,) = [t for t in spec["data"] if t.get("xaxis") == "x2" and t["mode"] != "markers"]
    assert psnr_curve["y"][-2:] == [None, None]
    assert psnr_curve["y"][:-2] == SWEEP_PSNR[:-2]


# --- starts_comparison and quantizer_bars (the Convergence and Compare pages) ----------------


def test_starts_comparison_a_curve_per_run_and_the_finals_per_start():
    inits = ["random", "k-means++", "random", "k-means++"]
    histories = [[900.0, 600.0, 500.0], [700.0, 450.0], [950.0, 700.0, 520.0, 510.0], [650.0]]
    figure = figures.starts_comparison(inits, histories)
    curves = [t for t in figure.data if isinstance(t, go.Scatter)]
    assert sorted(list(t.y) for t in curves) == sorted(histories)
    assert [t.showlegend for t in curves].count(True) == 2  # one legend entry per start
    boxes = {t.name: sorted(t.y) for t in figure.data if isinstance(t, go.Box)}
    assert boxes == {"random": [500.0, 510.0], "k-means++": [450.0, 650.0]}
    assert figure.layout.yaxis.type == "log"
    assert figures.starts_comparison(inits, histories, log_y=False).layout.yaxis.type != "log"


def test_quantizer_bars_four_panels_with_a_bar_per_quantizer():
    names = ["K-Means (this app)", "Median cut", "Octree"]
    figure = figures.quantizer_bars(
        names, [100.0, 150.0, 180.0], [30.0, 28.0, 27.0], [0.5, 0.1, 0.05], [40_000, 42_000, 45_000]
    )
    bars = [t for t in figure.data if isinstance(t, go.Bar)]
    assert len(bars) == 4 and all(list(t.x) == names for t in bars)
    assert sorted(t.xaxis for t in bars) == ["x", "x2", "x3", "x4"]
    by_axis = {t.xaxis: list(t.y) for t in bars}
    assert by_axis["x"] == [100.0, 150.0, 180.0] and by_axis["x4"] == [40.0, 42.0, 45.0]  # KB
    colours = list(bars[0].marker.color)
    assert colours[0] != colours[1] == colours[2]  # K-Means stands out


# --- numbers on metric cards -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1_344_928_304, "1.345 B"),
        (1_018_092_061.4, "1.018 B"),
        (20_123_456, "20.12 M"),
        (1_000_000, "1 M"),
        (999_999.6, "1,000,000"),
        (52_345.2, "52,345"),
        (0, "0"),
        (3.2e12, "3.2 T"),
    ],
)
def test_big_numbers_fit_a_metric_card(value, shown):
    assert big_number(value) == shown
