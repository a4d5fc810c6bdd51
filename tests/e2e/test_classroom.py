"""A class at once: 16 browser sessions on one fresh server, each uploading its own photo
(0.3 to 12 megapixels) at its own K and then moving the K slider.

Bounded in count and time: 16 sessions, one upload and one K change each, every browser
action bounded by the suite's run timeout, and the K change skipped (and reported) once
``CLASS_DEADLINE_S`` has passed. Each session runs in its own thread with its own
``sync_playwright()`` and Chromium; they start together at a barrier.

Checked: every session sees its own photo's name, size, K and compression ratio, with no
error and no traceback, after the upload and after the K change; the server's peak
resident memory stays under 1 GB; at least one session is told that it waits (a notice
mentioning waiting or a queue, watched from the first byte with a MutationObserver).
Printed and saved to test-artifacts/classroom.txt: upload-to-result and K-change latency
(p50, p95, max), how long the waiting notice was shown, and the memory figures.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page

from . import app, files
from .server import RssSampler, StreamlitServer, latency_summary, write_figures

pytestmark = pytest.mark.browser

CLASS_SIZE = 16
# (width, height): 0.3 MP ×3, 0.5 ×3, 0.8 ×2, 1.2 ×2, 1.9 ×2, 3, 4, 8 and 12 MP
PHOTO_SIZES = [
    (640, 480),
    (640, 480),
    (640, 480),
    (800, 600),
    (800, 600),
    (800, 600),
    (1024, 768),
    (1024, 768),
    (1280, 960),
    (1280, 960),
    (1600, 1200),
    (1600, 1200),
    (2000, 1500),
    (2304, 1728),
    (3264, 2448),
    (4000, 3000),
]
KS = [4, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 16]
K_STEPS = 3  # notches of the K slider after the upload (down from K = 48 on)
PEAK_RSS_BOUND_MB = 1024  # the whole server on Streamlit Community Cloud: about 1 GB
START_TIMEOUT_S = 300  # failure guard for the barrier: 16 Chromiums start on 2 cores
CLASS_DEADLINE_S = 600  # no K change starts after this many seconds from the start
# Failure guard for one upload or K change: the last of 16 waits for 15 others' work, on
# a machine whose 2 cores also run the 16 browsers.
ACTION_TIMEOUT_MS = 420_000
# Keeps, per page, how long a notice that mentions waiting or a queue was on it in all.
WATCH_WAITING = """
window.__waiting = {showing: false, since: 0, total: 0, texts: []};
const notices = "[data-testid='stProgress'], [data-testid='stAlert'], [data-testid='stSpinner']";
new MutationObserver(() => {
    const seen = window.__waiting, now = performance.now() / 1000;
    const texts = Array.from(document.querySelectorAll(notices))
        .map(element => element.innerText.trim())
        .filter(text => /wait|queue/i.test(text));
    for (const text of texts) {
        if (!seen.texts.includes(text) && seen.texts.length < 5) seen.texts.push(text);
    }
    if (texts.length && !seen.showing) Object.assign(seen, {showing: true, since: now});
    if (!texts.length && seen.showing) {
        Object.assign(seen, {showing: false, total: seen.total + now - seen.since});
    }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""
RESET_WAITING = "() => Object.assign(window.__waiting, {showing: false, total: 0, texts: []})"
READ_WAITING = """() => {
    const seen = window.__waiting, now = performance.now() / 1000;
    return {seconds: seen.total + (seen.showing ? now - seen.since : 0), texts: seen.texts};
}"""


@dataclass
class Student:
    """One user of the class: a photo of their own at a K of their own."""

    label: str
    photo: files.Photo
    k: int
    upload_s: float | None = None
    k_change_s: float | None = None
    k_after: int | None = None
    waited_s: float = 0.0  # how long a waiting notice was on the page, in all
    notices: list[str] = field(default_factory=list)  # the waiting notices' texts
    problems: list[str] = field(default_factory=list)
    error: BaseException | None = None


def check_result(page: Page, student: Student, k: int, when: str) -> None:
    """The page shows this student's photo, size, K and ratio, and no error."""
    errors, exceptions = app.error_messages(page), app.exception_count(page)
    if errors or exceptions:
        student.problems.append(f"{when}: errors {errors}, {exceptions} tracebacks")
        return
    caption = app.header_caption(page)
    photo = student.photo
    for text in (photo.name, f"{app.size_label(photo.width, photo.height)} pixels", f"K = {k} "):
        if text not in caption:
            student.problems.append(f"{when}: {text!r} not in {caption!r}")
    ratio = app.ratio_label(app.expected_ratio(photo.width, photo.height, k))
    shown = app.metric(page, "Compression ratio")
    if shown != ratio:
        student.problems.append(f"{when}: ratio {shown!r} instead of {ratio!r}")


def attend(student: Student, url: str, start: threading.Barrier, deadline: float) -> None:
    try:
        with app.own_browser_page() as page:
            page.add_init_script(WATCH_WAITING)
            app.open_app(page, url, k=student.k)
            page.evaluate(RESET_WAITING)  # count the waits for the upload and the K change
            start.wait(START_TIMEOUT_S)
            page.set_default_timeout(ACTION_TIMEOUT_MS)
            started = time.perf_counter()
            app.upload(page, student.photo.path, ACTION_TIMEOUT_MS)
            student.upload_s = time.perf_counter() - started
            check_result(page, student, student.k, "upload")
            if time.monotonic() > deadline:
                student.problems.append("no K change: the class ran out of time")
            else:
                steps = K_STEPS if student.k < 48 else -K_STEPS
                started = time.perf_counter()
                student.k_after = app.move_k_slider(page, steps, ACTION_TIMEOUT_MS)
                student.k_change_s = time.perf_counter() - started
                check_result(page, student, student.k_after, "K change")
            waiting = page.evaluate(READ_WAITING)
            student.waited_s, student.notices = waiting["seconds"], waiting["texts"]
            if student.label in ("s01", "s16"):  # the smallest photo and the 12 MP one
                app.screenshot(page, f"classroom-{student.label}")
    except BaseException as exc:  # reported by the test, in the main thread
        student.error = exc
        start.abort()


def make_students(folder: Path) -> list[Student]:
    samples = list(files.SAMPLE_FILES)
    students = []
    for n, (size, k) in enumerate(zip(PHOTO_SIZES, KS, strict=True), start=1):
        # short: the sidebar's file chip cuts a long name, and upload() waits for the chip
        path = folder / f"s{n:02d}-{size[0] * size[1] / 1e6:.1f}mp.jpg"
        photo = files.photo_jpeg(path, size, samples[n % len(samples)], seed=100 + n)
        students.append(Student(f"s{n:02d}", photo, k))
    return students


def test_a_class_of_16_at_once(tmp_path: Path):
    assert len(PHOTO_SIZES) == len(KS) == CLASS_SIZE
    students = make_students(tmp_path)
    with StreamlitServer("classroom") as server:
        idle = server.memory_mb()["VmRSS"]
        cpu_before, began = server.cpu_seconds(), time.monotonic()
        sampler = RssSampler(server).start()
        start = threading.Barrier(CLASS_SIZE)
        deadline = time.monotonic() + START_TIMEOUT_S + CLASS_DEADLINE_S
        app.in_threads(attend, [(s, server.url, start, deadline) for s in students])
        rss = sampler.stop()
        memory = server.memory_mb()
        server_cpu, elapsed = server.cpu_seconds() - cpu_before, time.monotonic() - began
        traceback_logged = "Traceback" in server.log_text()

    problems = [f"{s.label}: {p}" for s in students for p in s.problems]
    for s in students:
        if s.error is not None and not isinstance(s.error, threading.BrokenBarrierError):
            problems.append(f"{s.label}: {type(s.error).__name__}: {s.error}")
    if all(s.error is not None for s in students):
        problems.append("no session ran")
    if traceback_logged:
        problems.append(f"the server logged a traceback: see {server.log_path}")
    told = [s for s in students if s.notices]
    if not told:
        problems.append("no session was told that it waits, with 16 at once")
    uploads = [s.upload_s for s in students if s.upload_s is not None]
    k_changes = [s.k_change_s for s in students if s.k_change_s is not None]
    slowest = max(students, key=lambda s: s.upload_s or 0)
    notices = sorted({text for s in told for text in s.notices})

    write_figures(
        "classroom.txt",
        [
            f"{CLASS_SIZE} sessions at once on one fresh server, each its own JPEG "
            "(0.3 to 12 MP) and K, then a K change: "
            "`python -m pytest tests/e2e/test_classroom.py -s`",
            latency_summary("upload", uploads),
            latency_summary("K change", k_changes),
            f"slowest upload: {slowest.label} ({slowest.photo.megapixels:.1f} MP, "
            f"K = {slowest.k}) {slowest.upload_s or 0:.1f} s",
            f"told they wait: {len(told)} of {CLASS_SIZE}; the notice stayed up to "
            f"{max(s.waited_s for s in students):.1f} s; notices: {notices}",
            f"{elapsed:.0f} s from the first browser's start to the last result; the server used "
            f"{server_cpu:.0f} s of CPU in that time (2 cores, shared with the 16 browsers)",
            f"server RSS: idle {idle:.0f} MiB, peak {memory['VmHWM']:.0f} MiB (VmHWM; sampled "
            f"max {max(rss, default=0):.0f}), after {memory['VmRSS']:.0f} MiB "
            f"(bound {PEAK_RSS_BOUND_MB})",
            *(
                f"  {s.label}: {s.photo.megapixels:4.1f} MP K={s.k:<2} upload "
                f"{s.upload_s or 0:5.1f} s, K->{s.k_after} {s.k_change_s or 0:5.1f} s, "
                f"waiting notice {s.waited_s:4.1f} s"
                for s in students
            ),
            *(f"PROBLEM {problem}" for problem in problems),
        ],
    )
    assert not problems, "\n".join(problems)
    assert memory["VmHWM"] < PEAK_RSS_BOUND_MB
