"""Plotly figures as pure functions: results in, figure out, testable without a server."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kmeans_core import hex_color

FONT = dict(size=16)
ACCENT = "#1d4ed8"
FAINT = "rgba(100, 116, 139, 0.35)"
AXIS_NAMES = ("Red", "Green", "Blue")
TEXT = "#0f172a"  # the app's text colour (.streamlit/config.toml)
# Streamlit's chart theme written out as a template, so that the charts are drawn with
# theme=None: the browser has no theme to apply to each figure it draws, and a figure's JSON
# carries this template (0.6 kB) instead of Streamlit's (3 kB). Measured on Convergence's
# second visit in headless Chromium the gain is small, 0-30 ms, within the noise. Its look,
# with one change: axis text in slate 600 (contrast 7.6:1 on white) where Streamlit's grey
# #808495 gives 3.7:1, too faint on a projector.
GRID = "#e6eaf1"
STREAMLIT_COLORWAY = ["#0068c9", "#83c9ff", "#ff2b2b", "#ffabab", "#29b09d", "#7defa1"]
STREAMLIT_COLORWAY += ["#ff8700", "#ffd16a", "#6d3fc0", "#d5dae5"]
TEMPLATE = go.layout.Template(
    layout=dict(
        font=dict(family='"Source Sans", sans-serif', color="#475569"),
        title_font_color=TEXT,
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        colorway=STREAMLIT_COLORWAY,
        hoverlabel=dict(bgcolor="#ffffff", bordercolor="rgba(15, 23, 42, 0.2)", font_color=TEXT),
        xaxis=dict(showgrid=False, zeroline=False, automargin=True),
        yaxis=dict(gridcolor=GRID, zerolinecolor=GRID, automargin=True),
    )
)


def hex_colors(rgb: np.ndarray) -> list[str]:
    """'#rrggbb' for every row of an (n, 3) uint8 array."""
    codes = (rgb[:, 0].astype(np.int64) << 16) | (rgb[:, 1].astype(np.int64) << 8) | rgb[:, 2]
    return [f"#{code:06x}" for code in codes.tolist()]


def cluster_scatter(
    sample_rgb: np.ndarray,
    sample_labels: np.ndarray,
    palette: np.ndarray,
    color_by: str = "cluster",
    centroid_paths: np.ndarray | None = None,
) -> go.Figure:
    """Pixels as points in the RGB cube, with the centroids as large outlined markers.

    ``color_by`` is 'cluster' (each point in its palette colour: one trace per cluster, fast
    to build and draw) or 'original' (each point in its own colour). ``centroid_paths``,
    (iterations + 1, K, 3) RGB, adds each centroid's path from its start to its end.
    """
    figure = go.Figure()
    hover = "R %{x}<br>G %{y}<br>B %{z}<extra>%{fullData.name}</extra>"
    opacity = 0.85 if centroid_paths is None else 0.18  # let the paths stand out
    if color_by == "original":
        figure.add_trace(_points(sample_rgb, hex_colors(sample_rgb), "Pixels", hover, opacity))
    else:
        for label in np.unique(sample_labels):
            members = sample_rgb[sample_labels == label]
            name = f"Cluster {int(label) + 1} · {hex_color(palette[label])}"  # uint8: 255 + 1
            colour = hex_color(palette[label])
            figure.add_trace(_points(members, colour, name, hover, opacity))
    if centroid_paths is not None and len(centroid_paths) > 1:
        figure.add_traces(_paths(centroid_paths))
    figure.add_traces(_centroid_markers(palette))
    axis = dict(range=[0, 255], tickvals=[0, 64, 128, 192, 255], backgroundcolor="#f8fafc")
    figure.update_layout(
        scene=dict(
            xaxis=dict(title="Red", **axis),
            yaxis=dict(title="Green", **axis),
            zaxis=dict(title="Blue", **axis),
            aspectmode="cube",
            camera=dict(eye=dict(x=1.5, y=-1.5, z=1.0)),
        ),
        height=760,
        margin=dict(l=0, r=0, t=10, b=0),
        showlegend=False,
        font=FONT,
        uirevision="clusters",  # keep the user's rotation and zoom across reruns
    )
    return figure


def _centroid_markers(palette: np.ndarray) -> list[go.Scatter3d]:
    """The centroids as large markers in their colour on a larger dark disc: an outline
    that stays visible whatever the colour and the zoom."""
    text = [f"Centroid {i + 1} · {hex_color(c)}" for i, c in enumerate(palette)]
    common = dict(x=palette[:, 0], y=palette[:, 1], z=palette[:, 2], mode="markers", text=text)
    return [
        go.Scatter3d(
            **common,
            name="Centroid outlines",
            marker=dict(size=15, color="#0f172a"),
            hoverinfo="skip",
        ),
        go.Scatter3d(
            **common,
            name="Centroids",
            marker=dict(size=10, color=hex_colors(palette), line=dict(color="#ffffff", width=2)),
            hovertemplate="%{text}<br>R %{x} G %{y} B %{z}<extra></extra>",
        ),
    ]


def _points(
    rgb: np.ndarray, color: str | list[str], name: str, hover: str, opacity: float
) -> go.Scatter3d:
    return go.Scatter3d(
        x=rgb[:, 0],
        y=rgb[:, 1],
        z=rgb[:, 2],
        mode="markers",
        name=name,
        marker=dict(size=2.5, color=color, opacity=opacity),
        hovertemplate=hover,
    )


def _paths(centroid_paths: np.ndarray) -> list[go.Scatter3d]:
    """One dark line per centroid through its positions, a dot per iteration, start marked."""
    traces = []
    for i in range(centroid_paths.shape[1]):
        path = centroid_paths[:, i, :]
        traces.append(
            go.Scatter3d(
                x=path[:, 0],
                y=path[:, 1],
                z=path[:, 2],
                mode="lines+markers",
                line=dict(color="#0f172a", width=5),
                marker=dict(size=2.5, color="#0f172a"),
                name=f"Path of centroid {i + 1}",
                hovertemplate=f"Centroid {i + 1}"
                + "<br>R %{x:.0f} G %{y:.0f} B %{z:.0f}<extra></extra>",
            )
        )
    start = centroid_paths[0]
    traces.append(
        go.Scatter3d(
            x=start[:, 0],
            y=start[:, 1],
            z=start[:, 2],
            mode="markers",
            name="Starting centroids",
            marker=dict(
                size=5, color="#ffffff", symbol="diamond", line=dict(color="#111111", width=2)
            ),
            hovertemplate="Start<br>R %{x:.0f} G %{y:.0f} B %{z:.0f}<extra></extra>",
        )
    )
    return traces


def wcss_curves(
    histories: Sequence[Sequence[float]],
    kept: int,
    phases: Sequence[tuple[str, int]] = (),
    log_y: bool = False,
) -> go.Figure:
    """WCSS per iteration: every restart faint, the kept one bold with a marker per iteration.

    ``phases`` (name, iterations) shade where the kept run worked on a colour grid.
    """
    figure = go.Figure()
    for run, history in enumerate(histories):
        if run != kept:
            figure.add_trace(
                go.Scatter(
                    x=list(range(len(history))),
                    y=list(history),
                    mode="lines",
                    line=dict(color=FAINT, width=2),
                    name=f"Restart {run + 1}",
                    hovertemplate="Restart "
                    + str(run + 1)
                    + ": iteration %{x}, WCSS %{y:,.0f}<extra></extra>",
                )
            )
    best = histories[kept]
    figure.add_trace(
        go.Scatter(
            x=list(range(len(best))),
            y=list(best),
            mode="lines+markers",
            line=dict(color=ACCENT, width=4),
            marker=dict(size=8),
            name=f"Kept run (restart {kept + 1})" if len(histories) > 1 else "WCSS",
            hovertemplate="Iteration %{x}<br>WCSS %{y:,.0f}<extra></extra>",
        )
    )
    _shade_phases(figure, phases)
    figure.update_layout(
        xaxis_title="Iteration (0 = the starting centroids)",
        yaxis_title="WCSS (sum of squared distances)",
        yaxis_type="log" if log_y else "linear",
        height=520,
        margin=dict(l=10, r=10, t=40, b=10),
        font=FONT,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        hovermode="closest",
    )
    return figure


def _shade_phases(figure: go.Figure, phases: Sequence[tuple[str, int]]) -> None:
    if len(phases) < 2:
        return
    start = 0
    for index, (name, iterations) in enumerate(phases):
        end = start + iterations
        if index < len(phases) - 1:
            figure.add_vrect(
                x0=start,
                x1=end,
                fillcolor=["#e0e7ff", "#ede9fe"][index % 2],
                opacity=0.6,
                line_width=0,
                layer="below",
                annotation_text=name.replace(" colour grid", " grid"),
                annotation_position="top left",
                annotation_yshift=-24 * (index % 2),  # stagger: a short phase's label is wide
            )
        start = end


def elbow(ks: Sequence[int], wcss: Sequence[float]) -> int:
    """The K at the elbow of WCSS against log2 K: the point farthest below the straight
    line from the first point to the last, both axes scaled to 0..1 (the 'kneedle' rule)."""
    x = np.log2(np.asarray(ks, dtype=float))
    y = np.asarray(wcss, dtype=float)
    if len(x) < 3 or y[0] == y[-1]:
        return int(ks[0])
    x = (x - x[0]) / (x[-1] - x[0])
    y = (y - y[-1]) / (y[0] - y[-1])
    below_line = (1 - x) - y
    return int(ks[int(np.argmax(below_line))])


def k_sweep(
    ks: Sequence[int],
    wcss: Sequence[float],
    psnr: Sequence[float],
    ratio: Sequence[float],
    current_k: int,
) -> go.Figure:
    """WCSS, PSNR and the compression ratio against K, with the elbow and the current K."""
    figure = make_subplots(
        rows=1,
        cols=3,
        subplot_titles=(
            "WCSS (lower is better)",
            "PSNR in dB (higher is better)",
            "Compression ratio (×)",
        ),
        horizontal_spacing=0.07,
    )
    knee = elbow(ks, wcss)
    series = (wcss, [p if math.isfinite(p) else None for p in psnr], ratio)
    formats = ("%{y:,.0f}", "%{y:.2f} dB", "%{y:.2f}×")
    for col, (values, fmt) in enumerate(zip(series, formats, strict=True), start=1):
        figure.add_trace(
            go.Scatter(
                x=list(ks),
                y=list(values),
                mode="lines+markers",
                line=dict(color=ACCENT, width=3),
                marker=dict(size=9),
                name=figure.layout.annotations[col - 1].text,
                hovertemplate="K = %{x}<br>" + fmt + "<extra></extra>",
            ),
            row=1,
            col=col,
        )
        if knee in ks:
            figure.add_trace(
                go.Scatter(
                    x=[knee],
                    y=[values[list(ks).index(knee)]],
                    mode="markers",
                    marker=dict(
                        size=20, symbol="star", color="#f59e0b", line=dict(color="#111", width=1)
                    ),
                    name=f"Elbow: K = {knee}",
                    hovertemplate=f"Elbow, K = {knee}<extra></extra>",
                ),
                row=1,
                col=col,
            )
        figure.add_vline(
            x=current_k, line=dict(color="#dc2626", dash="dash", width=2), row=1, col=col
        )
    figure.update_xaxes(
        type="log", tickvals=list(ks), ticktext=[str(k) for k in ks], title_text="K (log scale)"
    )
    figure.update_layout(
        height=460,
        margin=dict(l=10, r=10, t=60, b=10),
        font=FONT,
        showlegend=False,
    )
    return figure


INIT_COLOURS = {"random": "#ea580c", "k-means++": ACCENT}


def starts_comparison(
    inits: Sequence[str], histories: Sequence[Sequence[float]], log_y: bool = True
) -> go.Figure:
    """Random against k-means++: every run's WCSS curve (left) and final WCSS (right).

    ``inits[i]`` names the start of run ``i`` ('random' or 'k-means++').
    """
    figure = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.68, 0.32],
        subplot_titles=("WCSS per iteration, every run", "Final WCSS of each run"),
        horizontal_spacing=0.1,
    )
    shown: set[str] = set()
    for init, history in zip(inits, histories, strict=True):
        colour = INIT_COLOURS[init]
        figure.add_trace(
            go.Scatter(
                x=list(range(len(history))),
                y=list(history),
                mode="lines",
                line=dict(color=colour, width=2.5),
                opacity=0.75,
                name=init,
                legendgroup=init,
                showlegend=init not in shown,
                hovertemplate=init + ": iteration %{x}, WCSS %{y:,.0f}<extra></extra>",
            ),
            row=1,
            col=1,
        )
        shown.add(init)
    for init in INIT_COLOURS:
        finals = [h[-1] for i, h in zip(inits, histories, strict=True) if i == init]
        figure.add_trace(
            go.Box(
                y=finals,
                name=init,
                marker=dict(color=INIT_COLOURS[init], size=10),
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                showlegend=False,
                hovertemplate=init + ": final WCSS %{y:,.0f}<extra></extra>",
            ),
            row=1,
            col=2,
        )
    figure.update_xaxes(title_text="Iteration", row=1, col=1)
    figure.update_yaxes(title_text="WCSS", type="log" if log_y else "linear", row=1, col=1)
    figure.update_layout(
        height=480,
        margin=dict(l=10, r=10, t=60, b=10),
        font=FONT,
        legend=dict(orientation="h", yanchor="bottom", y=1.08, x=0),
    )
    return figure


def quantizer_bars(
    names: Sequence[str],
    mse: Sequence[float],
    psnr: Sequence[float],
    seconds: Sequence[float],
    png_bytes: Sequence[int],
) -> go.Figure:
    """One bar per quantizer for MSE, PSNR, time and indexed-PNG size; K-Means highlighted."""
    panels = (
        ("MSE<br>(lower is better)", mse, "%{y:,.1f}"),
        ("PSNR in dB<br>(higher is better)", psnr, "%{y:.2f} dB"),
        ("Time in seconds", seconds, "%{y:.2f} s"),
        ("Indexed PNG in KB", [b / 1000 for b in png_bytes], "%{y:,.1f} KB"),
    )
    # Two by two, not four in a row, and the titles on two lines: on a phone four panels side
    # by side are 80 px each, and titles on one line run into each other even two by two.
    figure = make_subplots(
        rows=2, cols=2, subplot_titles=[p[0] for p in panels], vertical_spacing=0.22
    )
    colours = [ACCENT if name.startswith("K-Means") else "#94a3b8" for name in names]
    for index, (title, values, fmt) in enumerate(panels):
        figure.add_trace(
            go.Bar(
                x=list(names),
                y=list(values),
                marker_color=colours,
                name=title,
                texttemplate=fmt,
                hovertemplate="%{x}<br>" + fmt + "<extra></extra>",
                showlegend=False,
            ),
            row=index // 2 + 1,
            col=index % 2 + 1,
        )
    figure.update_traces(textposition="outside", cliponaxis=False)
    figure.update_layout(height=720, margin=dict(l=10, r=10, t=70, b=10), font=FONT)
    return figure


def sized_for_screen(figure: go.Figure, size: int) -> go.Figure:
    """``figure`` in the app's template (TEMPLATE), its type, axes and hover labels at
    ``size`` px; returns it."""
    figure.update_layout(template=TEMPLATE, font_size=size, hoverlabel_font_size=size)
    axis_fonts = dict(tickfont_size=size - 2, title_font_size=size)
    if figure.layout.scene is not None and figure.data and figure.data[0].type == "scatter3d":
        figure.update_scenes(xaxis=axis_fonts, yaxis=axis_fonts, zaxis=axis_fonts)
    else:
        figure.update_xaxes(**axis_fonts)
        figure.update_yaxes(**axis_fonts)
        figure.update_annotations(font_size=size)
    return figure
