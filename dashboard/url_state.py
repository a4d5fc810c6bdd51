"""Settings in the URL, so that a link reopens the same sample, K and page.

The page is the URL's path (Streamlit's navigation); the rest are query parameters, written
after every run and read once, when a session starts. Uploaded images cannot travel in a
link: a link made while an upload is shown names no sample.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from kmeans_core import RANGES

from .keys import DEFAULTS, LINK_VALUES, Keys
from .samples import SAMPLES_BY_KEY
from .settings import EXERCISE_RUN, INIT_LABELS, SPACE_LABELS, Settings, Source


def _int_in(setting: str) -> Callable[[str], int | None]:
    """A parser for a whole-number setting, inside its range in ``kmeans_core.RANGES``."""
    allowed = RANGES[setting]

    def parse(text: str) -> int | None:
        try:
            value = int(text)
        except ValueError:
            return None
        return value if value in allowed else None

    return parse


def _one_of(choices) -> Callable[[str], str | None]:
    return lambda text: text if text in choices else None


# query parameter -> (session key, parser: text -> value, or None when invalid)
PARAMETERS: dict[str, tuple[str, Callable[[str], object]]] = {
    "sample": (Keys.sample, _one_of(SAMPLES_BY_KEY)),
    "k": (Keys.k, _int_in("k")),
    "init": (Keys.init, _one_of(INIT_LABELS)),
    "exercise": (Keys.init, lambda text: EXERCISE_RUN if text == "1" else None),
    "space": (Keys.space, _one_of(SPACE_LABELS)),
    "seed": (Keys.seed, _int_in("seed")),
    "restarts": (Keys.n_init, _int_in("n_init")),
    "max_iter": (Keys.max_iter, _int_in("max_iter")),
    "present": (Keys.present, lambda text: text == "1" or None),
}


def load_into_session() -> None:
    """Once per session, before the widgets exist: keep the link's valid settings, which
    the sidebar's widgets start from.

    Invalid values are ignored, so a mistyped link still opens the app.
    """
    if LINK_VALUES in st.session_state:
        return
    values = {}
    for name, (key, parse) in PARAMETERS.items():
        text = st.query_params.get(name)
        value = parse(text) if text is not None else None
        if value is not None:
            values[key] = value
    if values.get(Keys.init) == EXERCISE_RUN and Keys.max_iter in values:
        values[Keys.exercise_max_iter] = values.pop(Keys.max_iter)
    st.session_state[LINK_VALUES] = values


def save_from_session(source: Source, settings: Settings, present: bool) -> None:
    """Write the current choices into the URL, leaving out the defaults (the exercise's
    own, for its run: ``?exercise=1`` alone is the exercise's run at its 10 iterations)."""
    exercise = settings.exercise
    iterations_key = Keys.exercise_max_iter if exercise else Keys.max_iter
    values = {  # parameter -> (value, its default)
        "sample": (
            st.session_state.get(Keys.sample) if source.is_sample else None,
            DEFAULTS[Keys.sample],
        ),
        "k": (settings.k, DEFAULTS[Keys.k]),
        "init": (None if exercise else settings.init, DEFAULTS[Keys.init]),
        "exercise": (exercise, False),
        "space": (settings.space, DEFAULTS[Keys.space]),
        "seed": (settings.seed, DEFAULTS[Keys.seed]),
        "restarts": (None if exercise else settings.n_init, DEFAULTS[Keys.n_init]),
        "max_iter": (settings.max_iter, DEFAULTS[iterations_key]),
        "present": (present, False),
    }
    for name, (value, default) in values.items():
        if (
            value is None
            or value == default
            or (name == "sample" and value == DEFAULTS[Keys.sample])
        ):
            if name in st.query_params:
                del st.query_params[name]
            continue
        wanted = "1" if value is True else str(value)
        if st.query_params.get(name) != wanted:
            st.query_params[name] = wanted


def presenting_from_url() -> bool:
    """True when the link asks for presentation mode (read before the page config)."""
    return st.query_params.get("present") == "1"
