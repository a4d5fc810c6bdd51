"""The exercise's run in the app (AppTest): ``?exercise=1``, the Step by step page walked
with Next and Previous, its animation's frames, bad starts, and the code on How it works."""

from __future__ import annotations

import inspect
import itertools
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.views import big_number
from kmeans_core import hex_color, kmeans, load_image, quantize
from kmeans_core.settings import EXERCISE
from tests.app_support import (
    TIMEOUT,
    assert_healthy,
    chart,
    go_to,
    header,
    open_tab,
    sample_bytes,
)

pytestmark = pytest.mark.usefixtures("navigation_mode")

K = 8


def exercise_app(sample: str = "rocket", k: int = K) -> AppTest:
    """A session opened from a link to the exercise's run."""
    at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)
    at.query_params.update({"exercise": "1", "sample": sample, "k": str(k)})
    at.run()
    assert_healthy(at)
    return at


def page_text(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "info", "subheader", "header")
        for e in at.main.get(kind)
    ]
    return "\n".join(str(p) for p in parts)


def test_a_link_opens_the_exercise_run_and_the_app_shows_it():
    at = exercise_app()
    assert at.radio(key="init").value == "exercise"
    assert at.number_input(key="exercise_max_iter").value == 10
    assert "the exercise's run" in header(at)
    expected = quantize(load_image(sample_bytes("rocket")), settings=EXERCISE.but(k=K))
    assert expected.iterations <= 10 and not expected.warm_start
    codes = [hex_color(c) for c in expected.palette]
    assert any(all(c in str(m.value) for c in codes) for m in at.main.markdown), codes
    assert at.query_params["exercise"] in ("1", ["1"])  # the address keeps the choice


def test_no_page_mentions_colour_grids_in_the_exercise_run():
    """rocket.jpg has more colours than the warm-start threshold: the engine's run would
    start on colour grids, the exercise's never does."""
    at = exercise_app()
    tabs = {"Convergence": "convergence_part", "How it works": "how_it_works_part"}
    for page in ("Compress", "Convergence", "Step by step", "How it works", "Choose K"):
        if page != "Compress":
            go_to(at, page)
        texts = [page_text(at)]
        for label in [t.label for t in at.main.tabs][1:] if page in tabs else []:
            texts.append(page_text(open_tab(at, tabs[page], label)))  # each part, opened
        text = "\n".join(texts).lower()
        assert "colour grid" not in text and "³ grid" not in text, page


def test_next_and_previous_walk_the_half_steps():
    at = exercise_app()
    go_to(at, "Step by step")
    titles, wcss = [at.main.subheader[0].value], []
    for _ in range(4):
        next(b for b in at.main.button if b.label == "Next").click().run()
        assert_healthy(at)
        titles.append(at.main.subheader[0].value)
        wcss.append(float(at.main.metric[0].help.replace(",", "")))
    assert titles == [
        "Step 0 of 20: Start",
        "Step 1 of 20: Assign · iteration 1",
        "Step 2 of 20: Update · iteration 1",
        "Step 3 of 20: Assign · iteration 2",
        "Step 4 of 20: Update · iteration 2",
    ]
    assert all(b <= a for a, b in itertools.pairwise(wcss)), wcss
    next(b for b in at.main.button if b.label == "Previous").click().run()
    assert at.main.subheader[0].value == titles[3]
    # Previous at the start stays at the start
    for _ in range(5):
        next(b for b in at.main.button if b.label == "Previous").click().run()
    assert at.main.subheader[0].value == titles[0]


def test_the_animation_has_a_frame_per_half_step_with_plotly_controls():
    at = exercise_app()
    go_to(at, "Step by step")
    assert "steps_animation" not in [c.key for c in at.main.get("plotly_chart")]  # not open
    open_tab(at, "step_part", "Play it in the browser")
    figure = chart(at, "steps_animation")
    result = quantize(load_image(sample_bytes("rocket")), settings=EXERCISE.but(k=K))
    frames = figure["frames"]
    assert len(frames) == 1 + 2 * result.iterations
    assert [f["name"] for f in frames[:4]] == ["0", "A1", "U1", "A2"]
    buttons = figure["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in buttons] == ["▶ Play", "❚❚ Pause"]
    assert len(figure["layout"]["sliders"][0]["steps"]) == len(frames)
    # each frame moves the centroids (trace 3) and carries the image at that step (trace 4)
    for frame in frames:
        assert frame["traces"] == [0, 1, 2, 3, 4]
        kind = "jpeg" if frame["name"] == "0" else "png"  # the photo, then palette images
        assert frame["data"][4]["source"].startswith(f"data:image/{kind};base64,")
    assert len(json.dumps(figure)) < 1_000_000


def test_bad_starts_show_the_spread_and_the_best_and_worst():
    at = exercise_app(sample="coffee")
    go_to(at, "Step by step")
    open_tab(at, "step_part", "Bad starts")
    next(b for b in at.main.button if "seeds" in b.label).click().run()
    assert_healthy(at)
    cards = {m.label: m for m in at.main.metric}
    assert {"Best final WCSS", "Worst final WCSS", "Spread"} <= cards.keys()
    image = load_image(sample_bytes("coffee"))
    runs = [quantize(image, settings=EXERCISE.but(k=K, seed=s)) for s in range(8)]
    finals = [r.wcss for r in runs]
    assert cards["Best final WCSS"].value == big_number(min(finals))
    assert f"seed {int(np.argmin(finals))}" in cards["Best final WCSS"].delta
    assert f"seed {int(np.argmax(finals))}" in cards["Worst final WCSS"].delta
    emptied = [(s, r.empty_clusters) for s, r in enumerate(runs) if r.empty_clusters]
    warnings = [w.value for w in at.main.warning]
    if emptied:  # each seed whose run emptied a cluster is named
        assert len(warnings) == 1 and all(f"seed {s}," in warnings[0] for s, _ in emptied)
    else:
        assert not warnings and "No cluster went empty" in page_text(at)


def test_how_it_works_shows_the_exercise_functions_own_source():
    at = exercise_app(sample="coffee")
    go_to(at, "How it works")
    shown = [c.value for c in open_tab(at, "how_it_works_part", "Two steps").main.code]
    shown += [c.value for c in open_tab(at, "how_it_works_part", "Where to start").main.code]
    for function in (
        kmeans.find_closest_centroids,
        kmeans.compute_centroids,
        kmeans.run_kmeans,
        kmeans.kmeans_init_centroids,
    ):
        source = inspect.getsource(function).strip()
        assert any(source in block for block in shown), function.__name__
