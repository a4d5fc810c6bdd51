"""Several users at once on one server: each sees its own image and numbers, none an error,
and the server's peak memory stays bounded.

Each session runs in its own thread with its own ``sync_playwright()`` and Chromium (the
sync API is not shared between threads). They all start together at a barrier: the sample
sessions by opening a link with ``?sample=…&k=…``, the upload sessions by uploading a
generated photo into a page opened with ``?k=…``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from . import app, files
from .server import StreamlitServer, write_figures

pytestmark = pytest.mark.browser

# Measured on the 2-core, 24 GB development machine (Python 3.11, Streamlit 1.67) with
# `python -m pytest tests/e2e/test_concurrency.py -s`: a fresh server serving these six
# sessions at once (one a 12 MP upload, one 3 MP) peaks at 279-285 MiB (VmHWM) since it returns
# large freed blocks to the system (380-410 MiB before; 514-573 MiB before the compute slot
# covered decoding and encoding too). The bound is about 1.5x that, well inside the 1 GB
# design target for the whole server.
CONCURRENT_PEAK_RSS_BOUND_MB = 450
START_TIMEOUT_S = 120  # failure guard for the barrier (a browser that never started)


@dataclass
class Session:
    """One user: a sample (by its key) or an uploaded photo, at a K of its own."""

    label: str
    k: int
    photo: files.Photo
    sample: str | None = None  # a sample key: opened by URL instead of uploaded
    seen: dict = field(default_factory=dict)
    error: BaseException | None = None


def run_session(session: Session, url: str, start: threading.Barrier) -> None:
    try:
        with app.own_browser_page() as page:
            if session.sample is None:
                app.open_app(page, url, k=session.k)
            start.wait(START_TIMEOUT_S)
            started = time.perf_counter()
            if session.sample is None:
                app.upload(page, session.photo.path)
            else:
                app.open_app(page, url, sample=session.sample, k=session.k)
            seconds = time.perf_counter() - started
            errors = app.error_messages(page)
            session.seen = {
                "seconds": seconds,
                "errors": errors,
                "exceptions": app.exception_count(page),
                "caption": "" if errors else app.header_caption(page),
                "ratio": "" if errors else app.metric(page, "Compression ratio"),
            }
            app.screenshot(page, f"concurrent-{session.label}")
    except BaseException as exc:  # reported by the test, in the main thread
        session.error = exc
        start.abort()


def sample_photo(key: str) -> files.Photo:
    return files.Photo(files.SAMPLES / files.SAMPLE_FILES[key], *files.sample_size(key))


def test_six_users_at_once(fresh_server: StreamlitServer, photo_12mp, tmp_path: Path):
    sessions = [
        Session("coffee-k4", 4, sample_photo("coffee"), sample="coffee"),
        Session("chelsea-k8", 8, sample_photo("chelsea"), sample="chelsea"),
        Session("astronaut-k32", 32, sample_photo("astronaut"), sample="astronaut"),
        Session("rocket-k64", 64, sample_photo("rocket"), sample="rocket"),
        Session("upload-12mp-k16", 16, photo_12mp),
        Session(
            "upload-3mp-k24",
            24,
            files.photo_jpeg(tmp_path / "upload-3mp.jpg", (2000, 1500), "coffee", seed=24),
        ),
    ]
    start = threading.Barrier(len(sessions))
    app.in_threads(run_session, [(s, fresh_server.url, start) for s in sessions])
    memory = fresh_server.memory_mb()

    problems = []
    for s in sessions:
        if s.error is not None and not isinstance(s.error, threading.BrokenBarrierError):
            problems.append(f"{s.label}: {type(s.error).__name__}: {s.error}")
            continue
        if s.error is not None:
            continue  # another session failed first and broke the barrier
        seen = s.seen
        if seen["errors"] or seen["exceptions"]:
            problems.append(f"{s.label}: errors {seen['errors']}, exceptions {seen['exceptions']}")
            continue
        expected = {
            "name": s.photo.name if s.sample is None else None,
            "size": f"{app.size_label(s.photo.width, s.photo.height)} pixels",
            "k": f"K = {s.k} ",
        }
        for what, text in expected.items():
            if text is not None and text not in seen["caption"]:
                problems.append(f"{s.label}: {what} {text!r} not in {seen['caption']!r}")
        ratio = app.ratio_label(app.expected_ratio(s.photo.width, s.photo.height, s.k))
        if seen["ratio"] != ratio:
            problems.append(f"{s.label}: ratio {seen['ratio']!r} instead of {ratio!r}")
    if all(s.error is not None for s in sessions):
        problems.append("no session ran")

    write_figures(
        "load.txt",
        [
            f"{len(sessions)} sessions at once on one fresh server, "
            "`python -m pytest tests/e2e/test_concurrency.py -s`:",
            *(f"  {s.label}: {s.seen['seconds']:.1f} s to its result" for s in sessions if s.seen),
            f"server peak RSS (VmHWM) {memory['VmHWM']:.0f} MiB, RSS after "
            f"{memory['VmRSS']:.0f} MiB (bound {CONCURRENT_PEAK_RSS_BOUND_MB})",
            *(f"PROBLEM {problem}" for problem in problems),
        ],
    )
    assert not problems, "\n".join(problems)
    assert memory["VmHWM"] < CONCURRENT_PEAK_RSS_BOUND_MB
