"""The shared controls, in the sidebar of every page, so they persist across pages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import streamlit as st
from PIL import ImageColor
from streamlit.runtime.uploaded_file_manager import UploadedFile

from kmeans_core import RANGES
from kmeans_core.decoding import WHITE
from kmeans_core.loading import FORMATS_FOR_PEOPLE
from kmeans_core.settings import EXERCISE

from .analysis import PIXEL_LIMIT, filled_digest
from .keys import DEFAULTS, LINK_VALUES, Keys
from .samples import SAMPLES, SAMPLES_BY_KEY
from .settings import EXERCISE_RUN, INIT_LABELS, SPACE_LABELS, Settings, Source

UPLOAD_TYPES = ["jpg", "jpeg", "png", "webp", "avif", "heic", "heif", "tif", "tiff", "bmp", "gif"]


def _start(key: str) -> object:
    """The value a widget is drawn with: the session's, else the link's, else the default.

    Passed as the widget's ``value`` (or ``index``) on every run. The widgets are keyed,
    so this never changes their identity or overrides a choice the browser holds; but a
    widget the browser has not drawn yet (a page link clicked while a page was drawing)
    is mounted at this value. Without it Streamlit mounts it at its minimum, K = 1, and
    the browser reports that back as the user's choice. Assigning st.session_state
    instead would echo every value back and jump a slider the user is still moving.
    """
    if key in st.session_state:
        return st.session_state[key]
    return st.session_state.get(LINK_VALUES, {}).get(key, DEFAULTS[key])


CAMERA_TOGGLE_KEY, CAMERA_KEY = "camera_on", "camera"
CAMERA_PHOTO_NAME = "camera.jpg"


def _camera_photo() -> UploadedFile | None:
    """The camera as a third source, behind a toggle: a browser asks for the camera as soon
    as the widget is drawn, so it is drawn only when asked for. Returns the photo taken, or
    None."""
    if not st.toggle("…or take a photo with the camera", key=CAMERA_TOGGLE_KEY):
        return None
    st.caption(
        "Browsers allow the camera only on pages served from localhost or over HTTPS "
        "(Streamlit Community Cloud is HTTPS); elsewhere the camera stays dark."
    )
    return st.camera_input("Take a photo", key=CAMERA_KEY, resolution="720p")


TRANSPARENCY_KEY, FILL_KEY = "transparency", "fill_colour"
TRANSPARENCY_LABELS = {"keep": "Keep it", "fill": "Fill with a colour"}


@dataclass(frozen=True)
class FilledSource(Source):
    """An image whose transparency is filled with ``fill``: its digest names the colour
    too, so every cached computation on it is kept apart from the transparent image's."""

    fill: tuple[int, int, int] = WHITE

    @cached_property
    def digest(self) -> str:
        return filled_digest(Source.digest.func(self), self.fill)


def _transparency_fill() -> tuple[int, int, int] | None:
    """The colour to fill transparency with, or None to keep it (the default)."""
    choice = st.radio(
        "Transparency",
        list(TRANSPARENCY_LABELS),
        format_func=TRANSPARENCY_LABELS.get,
        key=TRANSPARENCY_KEY,
        horizontal=True,
        help="Kept: transparent pixels (alpha under 50 %) stay transparent, in one palette "
        "entry of their own. Filled: the image is composited over the colour, as an opaque "
        "image. Images without transparency are the same either way.",
    )
    if choice == "keep":
        return None
    colour = st.color_picker("Fill colour", "#ffffff", key=FILL_KEY)
    red, green, blue = ImageColor.getrgb(colour)[:3]
    return red, green, blue


def _filled(source: Source, fill: tuple[int, int, int] | None) -> Source:
    if fill is None:
        return source
    return FilledSource(source.name, source.data, source.is_sample, source.credit, fill=fill)


def _limits(setting: str) -> tuple[int, int]:
    """A whole-number setting's range, from ``kmeans_core.RANGES``."""
    allowed = RANGES[setting]
    return int(allowed.low), int(allowed.high)


def render_sidebar() -> tuple[Source, Settings, bool]:
    """Draw the controls; return the chosen image, the settings and presentation mode."""
    with st.sidebar:
        st.subheader("Image")
        uploaded = st.file_uploader(
            "Drop a photo here",
            type=UPLOAD_TYPES,
            key=Keys.upload,
            help=f"{FORMATS_FOR_PEOPLE}, up to {PIXEL_LIMIT / 1e6:g} megapixels.",
        )
        sample_keys = [sample.key for sample in SAMPLES]
        photo = _camera_photo()
        sample_key = st.selectbox(
            "…or use a sample photo",
            sample_keys,
            index=sample_keys.index(_start(Keys.sample)),
            format_func=lambda key: SAMPLES_BY_KEY[key].title,
            key=Keys.sample,
            disabled=uploaded is not None or photo is not None,
            help="Remove the uploaded file (×), or clear the camera photo, to use a sample again.",
        )
        st.subheader("K-Means")
        k = st.slider("K: colours in the palette", *_limits("k"), _start(Keys.k), key=Keys.k)
        run = st.radio(
            "Starting centroids",
            list(INIT_LABELS),
            index=list(INIT_LABELS).index(_start(Keys.init)),
            format_func=INIT_LABELS.get,
            key=Keys.init,
            help="The exercise's run is the classic exercise exactly: "
            "kmeans_init_centroids(X, K, seed) on the pixels, then Lloyd's two steps on "
            "every pixel, 10 iterations. The other two use the fast engine.",
        )
        exercise = run == EXERCISE_RUN
        space = st.radio(
            "Colour space",
            list(SPACE_LABELS),
            index=list(SPACE_LABELS).index(_start(Keys.space)),
            format_func=SPACE_LABELS.get,
            key=Keys.space,
            horizontal=True,
            help="CIE L*a*b* measures distance the way eyes see difference: see How it works.",
        )
        with st.expander("More settings"):
            seed = st.number_input(
                "Random seed", *_limits("seed"), _start(Keys.seed), key=Keys.seed
            )
            n_init = st.number_input(
                "Restarts (the lowest WCSS is kept)",
                *_limits("n_init"),
                _start(Keys.n_init),
                key=Keys.n_init,
                disabled=exercise,
                help="The exercise's run starts once." if exercise else None,
            )
            # The exercise's run has its own iteration count (10 unless changed), so that
            # switching between the runs keeps each one's.
            iterations_key = Keys.exercise_max_iter if exercise else Keys.max_iter
            max_iter = st.number_input(
                "Iterations (the exercise's run)" if exercise else "Maximum iterations per restart",
                *_limits("max_iter"),
                _start(iterations_key),
                key=iterations_key,
            )
            fill = _transparency_fill()
        st.divider()
        present = st.toggle(
            "Presentation mode",
            _start(Keys.present),
            key=Keys.present,
            help="Large type for a projector. The address bar then holds a link that "
            "reopens this sample, these settings and this page.",
        )
    if exercise:
        settings = EXERCISE.but(k=int(k), space=space, seed=int(seed), max_iter=int(max_iter))
    else:
        settings = Settings(
            k=int(k),
            init=run,
            space=space,
            seed=int(seed),
            n_init=int(n_init),
            max_iter=int(max_iter),
        )
    if uploaded is not None:
        source = Source(uploaded.name, uploaded.getvalue(), is_sample=False)
        return _filled(source, fill), settings, present
    if photo is not None:
        source = Source(CAMERA_PHOTO_NAME, photo.getvalue(), is_sample=False)
        return _filled(source, fill), settings, present
    sample = SAMPLES_BY_KEY[sample_key]
    with st.sidebar:
        st.caption(f"Sample photo: {sample.title} — {sample.credit}.")
    source = Source(sample.title, sample.read(), is_sample=True, credit=sample.credit)
    return _filled(source, fill), settings, present
