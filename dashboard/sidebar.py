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

_PAGE_OF_LAST_RUN = "sidebar_page_of_last_run"
UPLOAD_TYPES = ["jpg", "jpeg", "png", "webp", "tif", "tiff", "bmp", "gif"]


def render_sidebar(page: str = "") -> tuple[Source, Settings, bool]:
    """Draw the controls; return the chosen image, the settings and presentation mode.

    ``page`` names the page being shown (its URL path).
    """
    # Defaults via session state (the URL may set them). On the first run and on every page
    # switch the values are assigned again: Streamlit sends a keyed widget's value to the
    # browser only in a run where code set it, so a widget the browser had not drawn by then
    # (a page link clicked while the page was still drawing) came back at its minimum, K = 1.
    # Not on other runs: that would echo K back while the user is still moving the slider.
    switched = st.session_state.get(_PAGE_OF_LAST_RUN) != page
    for key, value in DEFAULTS.items():
        if switched:
            st.session_state[key] = st.session_state.get(key, value)
        else:
            st.session_state.setdefault(key, value)
    if switched:
        st.session_state[_PAGE_OF_LAST_RUN] = page
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
