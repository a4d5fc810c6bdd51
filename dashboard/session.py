"""This session's current image, settings and analysis, shared by every page."""

from __future__ import annotations

import gc
import logging
from collections.abc import Sequence
from typing import NoReturn
from urllib.parse import urlparse

import streamlit as st

from kmeans_core import ImageError

from .analysis import Analysis, analyse, session_busy
from .analysis import compute_ahead as _compute_ahead
from .settings import Settings, Source

_ANALYSIS = "current_analysis"
_SOURCE = "current_source"
_SETTINGS = "current_settings"
_log = logging.getLogger(__name__)
ENTRY_SCRIPT = "streamlit_app.py"
_RETURN_TO = "return_to"  # query parameter: the page a deep link asked for


def freeze_loaded_objects() -> None:
    """Once per process: exempt everything loaded so far (Streamlit, numpy, Plotly and
    their modules, 100,000+ objects) from the garbage collector's full passes.

    Streamlit runs gc.collect(2) after every run, holding the lock the server needs to send
    that run's last messages; walking those objects took 50-160 ms of every K change and
    page visit (measured), for modules that live as long as the process. What sessions
    create later is still collected after each run (a pass over it takes about 2 ms).
    """
    if gc.get_freeze_count() == 0:  # the process's first run (this module may be reloaded)
        gc.collect()
        gc.freeze()


def compute(source: Source, settings: Settings) -> None:
    """Fetch from the caches, or compute, the analysis of ``source`` at ``settings``; show a
    problem as st.error."""
    session_busy()
    st.session_state[_SOURCE] = source
    st.session_state[_SETTINGS] = settings
    st.session_state[_ANALYSIS] = None
    try:
        st.session_state[_ANALYSIS] = analyse(source.name, source.digest, source.data, settings)
    except ImageError as exc:
        st.error(f"**{source.name}**: {exc}", icon=":material/broken_image:")
    except Exception:  # never a traceback for the user; the log keeps it for us
        _log.exception("analysis failed for %s with %s", source.name, settings)
        st.error(
            f"**{source.name}** could not be processed. Try another image or other settings.",
            icon=":material/error:",
        )


def compute_ahead() -> None:
    """When the page is drawn: start K - 1 and K + 1 for the current image and settings."""
    if current() is not None:
        source = current_source()
        _compute_ahead(source.digest, current_settings(), source.data)


def current() -> Analysis | None:
    """The analysis of the current image, or None if it could not be made."""
    return st.session_state.get(_ANALYSIS)


def current_source() -> Source:
    return st.session_state[_SOURCE]


def current_settings() -> Settings:
    return st.session_state[_SETTINGS]


def require() -> Analysis:
    """The current analysis; without one, say what to do and stop the page here."""
    if _SETTINGS not in st.session_state:
        _run_entry_script_first()
    analysis = current()
    if analysis is None:
        st.info("Choose another photo in the sidebar, or pick one of the sample photos.")
        st.stop()
    return analysis


def _run_entry_script_first() -> NoReturn:
    """Go through the entry script, then come back to this page.

    Until some session has run ``st.navigation``, Streamlit treats a ``pages/`` folder the
    legacy way: a deep link opened right after the server starts runs the page file on its
    own, without the sidebar or the computation. Send it through the entry script, which
    returns here (see :func:`return_to_requested_page`), keeping the query parameters.
    """
    page = urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    st.switch_page(ENTRY_SCRIPT, query_params={**st.query_params.to_dict(), _RETURN_TO: page})


def return_to_requested_page(pages: Sequence[st.Page]) -> None:
    """In the entry script, after ``st.navigation``: finish a detour made by
    :func:`_run_entry_script_first`."""
    target = st.query_params.get(_RETURN_TO)
    if target is None:
        return
    params = {key: value for key, value in st.query_params.to_dict().items() if key != _RETURN_TO}
    for page in pages:
        if page.url_path == target:
            st.switch_page(page, query_params=params)
    del st.query_params[_RETURN_TO]
