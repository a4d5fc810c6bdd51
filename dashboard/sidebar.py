"""The shared controls, in the sidebar of every page, so they persist across pages."""

from __future__ import annotations

import streamlit as st

from kmeans_core import MAX_K

from .analysis import PIXEL_LIMIT
from .keys import DEFAULTS, Keys
from .samples import SAMPLES, SAMPLES_BY_KEY
from .settings import (
    INIT_LABELS,
    MAX_ITERATIONS,
    MAX_RESTARTS,
    SPACE_LABELS,
    Settings,
    Source,
)

UPLOAD_TYPES = ["jpg", "jpeg", "png", "webp", "tif", "tiff", "bmp", "gif"]


def render_sidebar() -> tuple[Source, Settings, bool]:
    """Draw the controls; return the chosen image, the settings and presentation mode."""
    # Every run assigns each widget its value from session state (defaults first; the URL
    # may have set them). Streamlit sends a keyed widget's value to the browser only in a
    # run where code set it; otherwise a widget the browser had not drawn yet (a page link
    # clicked, or a rerun begun, while a page was still drawing) is mounted at its minimum
    # and reported back as the user's choice: K = 1, one iteration. Assigning on every run
    # means the browser can only ever hold the value this session has.
    for key, value in DEFAULTS.items():
        st.session_state[key] = st.session_state.get(key, value)
    with st.sidebar:
        st.subheader("Image")
        uploaded = st.file_uploader(
            "Drop a photo here",
            type=UPLOAD_TYPES,
            key=Keys.upload,
            help=f"JPEG, PNG, WebP, TIFF, BMP or GIF, up to {PIXEL_LIMIT / 1e6:g} megapixels.",
        )
        sample_key = st.selectbox(
            "…or use a sample photo",
            [sample.key for sample in SAMPLES],
            format_func=lambda key: SAMPLES_BY_KEY[key].title,
            key=Keys.sample,
            disabled=uploaded is not None,
            help="Remove the uploaded file (×) to use a sample again.",
        )
        st.subheader("K-Means")
        k = st.slider("K: colours in the palette", 1, MAX_K, key=Keys.k)
        init = st.radio(
            "Starting centroids", list(INIT_LABELS), format_func=INIT_LABELS.get, key=Keys.init
        )
        space = st.radio(
            "Colour space",
            list(SPACE_LABELS),
            format_func=SPACE_LABELS.get,
            key=Keys.space,
            horizontal=True,
            help="CIE L*a*b* measures distance the way eyes see difference: see How it works.",
        )
        with st.expander("More settings"):
            seed = st.number_input("Random seed", 0, 2**31 - 1, key=Keys.seed)
            n_init = st.number_input(
                "Restarts (the lowest WCSS is kept)", 1, MAX_RESTARTS, key=Keys.n_init
            )
            max_iter = st.number_input(
                "Maximum iterations per restart", 1, MAX_ITERATIONS, key=Keys.max_iter
            )
        st.divider()
        present = st.toggle(
            "Presentation mode",
            key=Keys.present,
            help="Large type for a projector. The address bar then holds a link that "
            "reopens this sample, these settings and this page.",
        )
    settings = Settings(int(k), init, space, int(seed), int(n_init), int(max_iter))
    if uploaded is not None:
        return Source(uploaded.name, uploaded.getvalue(), is_sample=False), settings, present
    sample = SAMPLES_BY_KEY[sample_key]
    with st.sidebar:
        st.caption(f"Sample photo: {sample.title} — {sample.credit}.")
    source = Source(sample.title, sample.read(), is_sample=True, credit=sample.credit)
    return source, settings, present
