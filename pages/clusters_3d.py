"""3-D clusters: a sample of the pixels in RGB space, with the centroids."""

import streamlit as st

from dashboard import figures, session, views

analysis = session.require()
settings = session.current_settings()
source = session.current_source()
views.page_header("3-D clusters", analysis, settings)
result, photo = analysis.result, analysis.photo


@st.fragment
def scatter() -> None:
    """The figure and its controls: changing one redraws only this part."""
    left, middle, right = st.columns([2, 1.4, 2])
    color_by = left.segmented_control(
        "Colour the points by",
        ["cluster", "original"],
        format_func={"cluster": "their cluster's colour", "original": "their own colour"}.get,
        default="cluster",
        required=True,
        key="color_by",
    )
    paths = middle.toggle(
        "Show the centroids' paths",
        key="centroid_paths",
        help="Each centroid's way from its start (white diamond) to its end, iteration by "
        "iteration.",
    )
    right.caption(
        f"{len(photo.sample_rgb):,} of {result.pixels:,} pixels, drawn at random, so dense "
        "colours look dense. Large outlined markers: the centroids. Drag to rotate, scroll to "
        "zoom, double-click to reset."
    )
    # A transparent image's last palette entry is its transparent pixels: not a colour
    # K-Means found, and not drawn (nor are those pixels).
    palette = result.palette[:-1] if analysis.has_alpha else result.palette
    views.cached_chart(
        "clusters_3d",
        (source.digest, settings, color_by, paths),
        lambda: figures.cluster_scatter(
            photo.sample_rgb,
            analysis.compression.sample_labels,
            palette,
            color_by,
            centroid_paths=result.centroid_history if paths else None,
        ),
    )


scatter()
