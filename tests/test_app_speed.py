"""What a K change costs, counted: the image is decoded, its colours counted and its original
preview encoded once; only K-Means and what depends on it run again. And the settings'
defaults and ranges come from one place: the CLI's --help, the sidebar and the URL agree."""

from __future__ import annotations

import gc
import io
import re
from collections import Counter

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

import dashboard.analysis as analysis
from kmeans_core import RANGES, Settings
from kmeans_core.cli import FLAGS, MODE_DEPENDENT, build_parser
from kmeans_core.settings import DEFAULTS, EXERCISE
from tests.app_support import TIMEOUT, assert_healthy, go_to, new_app, upload

pytestmark = pytest.mark.usefixtures("navigation_mode")


@pytest.fixture
def calls(monkeypatch) -> Counter:
    """How often the app decodes, counts colours, clusters and encodes the original's preview,
    for the sessions' own requests (nothing computed ahead: tests/test_computed_ahead.py)."""
    monkeypatch.setattr(analysis, "COMPUTE_AHEAD", False)
    counter: Counter = Counter()
    for name in ("decode_for_app", "image_colors", "quantize", "encode_preview"):
        real = getattr(analysis, name)

        def counting(*args, _real=real, _name=name, **kwargs):
            counter[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(analysis, name, counting)
    return counter


def unique_photo(seed: int) -> bytes:
    """A small photo-like PNG no other test uploads, so no cache already holds it."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:180, 0:240]
    base = np.stack([x, y, (x + y) // 2], axis=2).astype(float)
    noisy = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noisy).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_k_change_does_not_decode_the_image_again(calls):
    at = new_app()
    calls.clear()  # the default sample's work, or none if a cache already had it
    upload(at, "unique.png", unique_photo(seed=91))
    assert_healthy(at)
    assert calls == {"decode_for_app": 1, "image_colors": 1, "quantize": 1, "encode_preview": 1}
    for k in (17, 5):
        at.slider(key="k").set_value(k)
        at.run()
        assert_healthy(at)
        assert f"K = {k} " in at.main.caption[0].value
    # one more K-Means per K; the image's own work (its preview encoded) done once
    assert calls == {"decode_for_app": 1, "image_colors": 1, "quantize": 3, "encode_preview": 1}


def test_pages_read_the_results_without_recomputing(calls):
    at = new_app()
    upload(at, "unique.png", unique_photo(seed=92))
    assert_healthy(at)
    before = Counter(calls)
    for page in ("3-D clusters", "Convergence", "How it works", "Compress"):
        go_to(at, page)
        assert_healthy(at)
    assert calls == before  # no page decoded, counted or clustered anything again


def test_a_k_change_back_is_answered_from_the_cache(calls):
    at = new_app()
    calls.clear()
    upload(at, "unique.png", unique_photo(seed=93))
    at.slider(key="k").set_value(9)
    at.run()
    at.slider(key="k").set_value(16)
    at.run()
    assert_healthy(at)
    assert calls["quantize"] == 2  # K = 16, then 9; back at 16 from the cache


# --- one settings type -------------------------------------------------------------------------


def cli_defaults() -> dict[str, object]:
    """The defaults the CLI's --help prints, by setting name."""
    text = " ".join(build_parser().format_help().split())
    found = {}
    for name, flag in FLAGS.items():
        match = re.search(rf"(?:^| ){re.escape(flag)} \S+ .*?\(default: ([^)]+)\)", text)
        assert match, f"--help shows no default for {flag}"
        found[name] = match.group(1)
    return found


def test_cli_help_shows_the_settings_defaults():
    """Every default, and beside those the exercise's run changes, its own."""
    shown = cli_defaults()
    for name, value in DEFAULTS.as_dict().items():
        normal, _, exercise = shown[name].partition("; ")
        assert normal == str(value), name
        if name in MODE_DEPENDENT:
            assert exercise == f"{getattr(EXERCISE, name)} with --exercise", name


def test_sidebar_and_url_start_from_the_same_defaults():
    at = new_app()
    assert at.slider(key="k").value == DEFAULTS.k
    assert at.radio(key="init").value == DEFAULTS.init
    assert at.radio(key="space").value == DEFAULTS.space
    for key in ("seed", "n_init", "max_iter"):
        widget = at.number_input(key=key)
        assert widget.value == getattr(DEFAULTS, key), key
        allowed = RANGES[key]
        assert (widget.min, widget.max) == (allowed.low, allowed.high), key
    slider = at.slider(key="k")
    assert (slider.min, slider.max) == (RANGES["k"].low, RANGES["k"].high)
    assert not at.query_params  # every setting at its default: nothing in the address


@pytest.mark.parametrize(
    ("parameter", "text", "key", "value"),
    [
        ("k", str(int(RANGES["k"].high)), "k", int(RANGES["k"].high)),
        ("restarts", str(int(RANGES["n_init"].high)), "n_init", int(RANGES["n_init"].high)),
        ("max_iter", str(int(RANGES["max_iter"].high) + 1), "max_iter", DEFAULTS.max_iter),
    ],
)
def test_a_link_is_held_to_the_same_ranges(parameter, text, key, value):
    at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)
    at.query_params[parameter] = text
    at.run()
    assert_healthy(at)
    widget = at.slider(key=key) if key == "k" else at.number_input(key=key)
    assert widget.value == value  # in range: taken; out of range: the default


def test_settings_refuse_what_their_ranges_refuse():
    for name, allowed in RANGES.items():
        with pytest.raises(ValueError, match=name):
            Settings(**{name: type(getattr(DEFAULTS, name))(allowed.low) - 1})
    with pytest.raises(ValueError, match="init"):
        Settings(init="kmeans++")
    with pytest.raises(ValueError, match="whole number"):
        Settings(k=4.0)


def test_the_loaded_modules_are_left_out_of_the_collectors_passes():
    """Streamlit collects garbage after every run; the modules loaded at start-up (100,000+
    objects) are frozen out of those passes, once."""
    new_app()
    frozen = gc.get_freeze_count()
    assert frozen > 20_000
    new_app()
    # once per process, not once per session (frozen objects can still be freed: fewer)
    assert gc.get_freeze_count() <= frozen
