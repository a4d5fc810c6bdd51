"""Figures of Lloyd's half-steps, as pure functions: arrays in, Plotly figure out.

The animation is one figure with a frame per half-step, played by Plotly in the browser
(its own play button and slider): no server round-trip while it plays. Frames stay small:
the points' coordinates and cluster numbers go as uint8 typed arrays, coloured through that
step's colour scale (not a colour string per point), with the centroids, their trails and
a small image. (A frame without the points' unchanging coordinates would be smaller still,
but Plotly then does not redraw the 3-D scene.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .figures import FONT, hex_colors

UNASSIGNED = "#94a3b8"  # the points' colour at the start, before the first assignment
INK = "#0f172a"
SPEEDS_MS = {"Slow": 1400, "Normal": 700, "Fast": 300}  # per half-step
_AXIS = dict(range=[0, 255], tickvals=[0, 64, 128, 192, 255], backgroundcolor="#f8fafc")


@dataclass(frozen=True)
class StepState:
    """What one half-step shows."""

    name: str  # short: the slider's label ("0", "A1", "U1", …)
    title: str  # long: the figure's title at this step
    labels: np.ndarray | None  # (n,) cluster of each point, None before the first assignment
    centroids: np.ndarray  # (K, 3) RGB floats: where the centroids are
    trail: np.ndarray  # (t + 1, K, 3): every place the centroids have been, up to now
    image_url: str = ""  # the image at this step as a data URL (animation only)


def _scene() -> dict:
    return dict(
        xaxis=dict(title="Red", **_AXIS),
        yaxis=dict(title="Green", **_AXIS),
        zaxis=dict(title="Blue", **_AXIS),
        aspectmode="cube",
        camera=dict(eye=dict(x=1.5, y=-1.5, z=1.0)),
    )


def _discrete_scale(colours: Sequence[str]) -> list[list]:
    """A colour scale on which value i (cmin -0.5, cmax K - 0.5) is exactly ``colours[i]``."""
    k = len(colours)
    scale = []
    for i, colour in enumerate(colours):
        scale += [[i / k, colour], [(i + 1) / k, colour]]
    return scale


def _traces(sample_rgb: np.ndarray, state: StepState) -> list[go.Scatter3d]:
    """Points, trails, centroid outlines, centroids: the same four traces at every step."""
    centroids = state.centroids
    k = len(centroids)
    rounded = np.clip(np.rint(centroids), 0, 255).astype(np.uint8)
    if state.labels is None:
        colour, scale = np.zeros(len(sample_rgb), dtype=np.uint8), _discrete_scale([UNASSIGNED])
        cmax = 0.5
    else:
        colour, scale, cmax = state.labels, _discrete_scale(hex_colors(rounded)), k - 0.5
    points = go.Scatter3d(
        x=sample_rgb[:, 0],
        y=sample_rgb[:, 1],
        z=sample_rgb[:, 2],
        mode="markers",
        name="Pixels",
        marker=dict(size=2.5, color=colour, colorscale=scale, cmin=-0.5, cmax=cmax, opacity=0.5),
        hoverinfo="skip",
    )
    trail_xyz = [[], [], []]
    for i in range(k):
        for axis in range(3):
            trail_xyz[axis] += [*np.round(state.trail[:, i, axis], 1).tolist(), None]
    trails = go.Scatter3d(
        x=trail_xyz[0],
        y=trail_xyz[1],
        z=trail_xyz[2],
        mode="lines",
        name="Trails",
        line=dict(color=INK, width=4),
        hoverinfo="skip",
    )
    xyz = dict(x=centroids[:, 0], y=centroids[:, 1], z=centroids[:, 2], mode="markers")
    outlines = go.Scatter3d(**xyz, name="Outlines", marker=dict(size=13, color=INK))
    markers = go.Scatter3d(
        **xyz,
        name="Centroids",
        marker=dict(size=9, color=hex_colors(rounded), line=dict(color="#ffffff", width=2)),
        text=[f"Centroid {i + 1}" for i in range(k)],
        hovertemplate="%{text}<br>R %{x:.0f} G %{y:.0f} B %{z:.0f}<extra></extra>",
    )
    return [points, trails, outlines, markers]


def step_scene(sample_rgb: np.ndarray, state: StepState) -> go.Figure:
    """The 3-D view at one half-step: points by their current cluster (grey before the
    first assignment), centroids where they are now, with their trails."""
    figure = go.Figure(_traces(sample_rgb, state))
    figure.update_layout(
        scene=_scene(),
        height=560,
        margin=dict(l=0, r=0, t=10, b=0),
        showlegend=False,
        font=FONT,
        uirevision="steps",  # keep the user's rotation while stepping
    )
    return figure


def steps_animation(
    sample_rgb: np.ndarray, states: Sequence[StepState], frame_ms: int
) -> go.Figure:
    """Every half-step as an animation frame: the 3-D view and the image side by side, with
    Plotly's play and pause buttons and a slider, ``frame_ms`` milliseconds a step."""
    figure = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.56, 0.44],
        specs=[[{"type": "scene"}, {"type": "xy"}]],
        horizontal_spacing=0.02,
    )
    first = states[0]
    for trace in _traces(sample_rgb, first):
        figure.add_trace(trace, row=1, col=1)
    figure.add_trace(go.Image(source=first.image_url, hoverinfo="skip"), row=1, col=2)
    figure.frames = [
        go.Frame(
            name=state.name,
            data=[*_traces(sample_rgb, state), go.Image(source=state.image_url)],
            traces=[0, 1, 2, 3, 4],
            layout=dict(title_text=state.title),
        )
        for state in states
    ]
    play = dict(
        frame=dict(duration=frame_ms, redraw=True), transition=dict(duration=0), fromcurrent=True
    )
    jump = dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))
    figure.update_layout(
        title=dict(text=first.title, x=0.01, font=dict(size=20)),
        scene=_scene(),
        xaxis=dict(visible=False),
        yaxis=dict(visible=False, scaleanchor="x"),
        height=620,
        margin=dict(l=0, r=0, t=50, b=0),
        showlegend=False,
        font=FONT,
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0,
                y=0,
                xanchor="left",
                yanchor="top",
                pad=dict(t=10, r=10),
                buttons=[
                    dict(
                        label="▶ Play", method="animate", args=[None, {**play, "fromcurrent": True}]
                    ),
                    dict(label="❚❚ Pause", method="animate", args=[[None], jump]),
                ],
            )
        ],
        sliders=[
            dict(
                active=0,
                x=0.16,
                len=0.84,
                y=0,
                yanchor="top",
                pad=dict(t=10),
                currentvalue=dict(visible=False),
                steps=[
                    dict(label=state.name, method="animate", args=[[state.name], jump])
                    for state in states
                ],
            )
        ],
    )
    return figure


def half_step_wcss(
    numbers: Sequence[int], kinds: Sequence[str], wcss: Sequence[float], current: int
) -> go.Figure:
    """The WCSS after every half-step, Assign and Update marked apart, the current one ringed."""
    figure = go.Figure()
    for kind, symbol, colour in (("Assign", "circle", "#1d4ed8"), ("Update", "diamond", "#b45309")):
        chosen = [i for i, k in enumerate(kinds) if k == kind]
        figure.add_trace(
            go.Scatter(
                x=[numbers[i] for i in chosen],
                y=[wcss[i] for i in chosen],
                mode="markers",
                name=kind,
                marker=dict(size=11, symbol=symbol, color=colour),
                hovertemplate=kind + ": step %{x}, WCSS %{y:,.0f}<extra></extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=list(numbers),
            y=list(wcss),
            mode="lines",
            line=dict(color="rgba(100, 116, 139, 0.5)", width=2),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    if current in numbers:
        i = list(numbers).index(current)
        figure.add_trace(
            go.Scatter(
                x=[current],
                y=[wcss[i]],
                mode="markers",
                name="This step",
                marker=dict(size=22, color="rgba(0,0,0,0)", line=dict(color=INK, width=3)),
                hoverinfo="skip",
            )
        )
    figure.update_layout(
        xaxis_title="Half-step",
        yaxis_title="WCSS",
        height=340,
        margin=dict(l=10, r=10, t=30, b=10),
        font=FONT,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    return figure


def start_spread(seeds: Sequence[int], wcss: Sequence[float]) -> go.Figure:
    """The final WCSS of the exercise's run from each seed, best and worst coloured."""
    best, worst = int(np.argmin(wcss)), int(np.argmax(wcss))
    colours = ["#94a3b8"] * len(wcss)
    colours[worst], colours[best] = "#b91c1c", "#15803d"
    figure = go.Figure(
        go.Bar(
            x=[f"seed {s}" for s in seeds],
            y=list(wcss),
            marker_color=colours,
            hovertemplate="%{x}: final WCSS %{y:,.0f}<extra></extra>",
        )
    )
    low = min(wcss)
    figure.update_layout(
        yaxis=dict(title="Final WCSS", range=[0.9 * low, 1.02 * max(wcss)]),
        height=320,
        margin=dict(l=10, r=10, t=10, b=10),
        font=FONT,
    )
    return figure
