"""The shared controls, in the sidebar of every page, so they persist across pages."""

from __future__ import annotations

import streamlit as st

from kmeans_core import MAX_K

from .analysis import PIXEL_LIMIT
from .samples import DEFAULT_SAMPLE, SAMPLES, SAMPLES_BY_KEY
from .settings import (
    DEFAULT_K,
    INIT_LABELS,
    MAX_ITERATIONS,
    MAX_RESTARTS,
    SPACE_LABELS,
    Settings,
    Source,
)

UPLOAD_TYPES = ["jpg", "jpeg", "png", "webp", "tif", "tiff", "bmp", "gif"]


class Keys:
    """Session-state keys of the sidebar widgets."""

    upload = "upload"
    sample = "sample"
    k = "k"
    init = "init"
    space = "space"
    seed = "seed"
    n_init = "n_init"
    max_iter = "max_iter"


def render_sidebar() -> tuple[Source, Settings]:
    """Draw the controls; return the chosen image and settings."""
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
            index=SAMPLES.index(DEFAULT_SAMPLE),
            disabled=uploaded is not None,
            help="Remove the uploaded file (×) to use a sample again.",
        )
        st.subheader("K-Means")
        k = st.slider("K: colours in the palette", 1, MAX_K, DEFAULT_K, key=Keys.k)
        init = st.radio(
            "Starting centroids",
            list(INIT_LABELS),
            format_func=INIT_LABELS.get,
            key=Keys.init,
        )
        space = st.radio(
            "Colour space",
            list(SPACE_LABELS),
            format_func=SPACE_LABELS.get,
            key=Keys.space,
            horizontal=True,
            help="CIE L*a*b* measures distance the way eyes see difference.",
        )
        with st.expander("More settings"):
            seed = st.number_input("Random seed", 0, 2**31 - 1, 0, key=Keys.seed)
            n_init = st.number_input(
                "Restarts (the lowest WCSS is kept)", 1, MAX_RESTARTS, 1, key=Keys.n_init
            )
            max_iter = st.number_input(
                "Maximum iterations per restart", 1, MAX_ITERATIONS, 300, key=Keys.max_iter
            )
    settings = Settings(int(k), init, space, int(seed), int(n_init), int(max_iter))
    if uploaded is not None:
        return Source(uploaded.name, uploaded.getvalue(), is_sample=False), settings
    sample = SAMPLES_BY_KEY[sample_key]
    source = Source(sample.title, sample.read(), is_sample=True, credit=sample.credit)
    with st.sidebar:
        st.caption(f"Sample photo: {sample.title} — {sample.credit}.")
    return source, settings
