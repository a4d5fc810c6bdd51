"""Compress: the original beside the result, the palette, what it saves, downloads."""

import streamlit as st

from dashboard import session, views

analysis = session.require()
source = session.current_source()
views.page_header("Compress", analysis, session.current_settings())


@st.fragment
def images() -> None:
    """The two images and their toggles: flipping one reruns only this part."""
    options = st.columns(2)
    detail = options[0].toggle("1:1 detail crop (every pixel exactly as stored)", key="detail_crop")
    dither = options[1].toggle("Compare with Floyd–Steinberg dithering", key="dither")
    views.side_by_side(analysis, detail=detail)
    if dither:
        views.dithering_section(analysis, source.digest, source.data)


images()  # the images first: on a phone the metric cards come below them
views.summary_metrics(analysis)
st.subheader(f"Palette: {analysis.result.colors_used} colours, most used first")
views.palette_swatches(
    analysis.result.palette,
    analysis.result.pixel_counts,
    alpha=analysis.compression.palette_alpha,
)
views.compression_card(analysis)
st.subheader("Downloads")
views.downloads(analysis)
