"""Work computed ahead: K-Means at the K values next to the one shown, on a background thread
that gives way to every user's own computation. The store on its own with real threads and
the real compute slot, then in the app (AppTest): a K change by one step takes its result
from there, and the result is the one the session would have computed."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

import dashboard.analysis as analysis
from dashboard.ahead import ComputedAhead, keys_ahead
from dashboard.analysis import ComputeSlot
from kmeans_core import RANGES
from tests.app_support import assert_healthy, new_app, upload
from tests.test_app_speed import unique_photo

WAIT = 30  # seconds: a bound for threads that should finish at once, never a timing


def store(slot: ComputeSlot | None = None) -> ComputedAhead:
    return ComputedAhead(slot or ComputeSlot(), quiet=0.0)


def never_waiting() -> None:
    raise AssertionError("waited for a result that was ready")


class Held:
    """Work that has ``started``, then holds until ``release`` is set, then reports progress
    once (where work ahead stops or pauses) and returns ``result``."""

    def __init__(self, result: str) -> None:
        self.result = result
        self.started, self.release = threading.Event(), threading.Event()
        self.returned = False

    def __call__(self, progress) -> str:
        self.started.set()
        self.release.wait(WAIT)
        progress(0.5, "iterating")
        self.returned = True
        return self.result


def test_a_result_computed_ahead_is_taken_once():
    ahead = store()
    ahead.start([("a", lambda progress: "A"), ("b", lambda progress: "B")])
    ahead.wait_until_idle(WAIT)
    assert ahead.take("a", never_waiting) == "A"
    assert ahead.take("a", never_waiting) is None  # taken: it now lives in the caller's cache
    assert ahead.take("b", never_waiting) == "B"
    assert ahead.take("c", never_waiting) is None  # never asked for


def test_a_session_waits_for_the_key_being_computed():
    ahead = store()
    slow = Held("A")
    ahead.start([("a", slow)])
    assert slow.started.wait(WAIT)
    polls: list[None] = []

    def waiting() -> None:
        polls.append(None)
        slow.release.set()  # the worker finishes while the session waits

    assert ahead.take("a", waiting) == "A"
    assert polls  # it waited (and could have been stopped there) instead of computing again


def test_a_key_not_begun_is_left_to_the_session_and_skipped():
    ahead = store()
    first, ran = Held("A"), []
    ahead.start([("a", first), ("b", lambda progress: ran.append("b") or "B")])
    assert first.started.wait(WAIT)
    assert ahead.take("b", never_waiting) is None  # the session computes it itself, at once
    first.release.set()
    ahead.wait_until_idle(WAIT)
    assert first.returned and ran == []


def test_work_ahead_gives_way_to_a_user_waiting_for_the_slot():
    slot = ComputeSlot()
    ahead = store(slot)
    in_work, user_in_line, user_ran = threading.Event(), threading.Event(), threading.Event()
    reports = Counter()

    def long_work(progress):
        in_work.set()
        while True:  # K-Means reports every iteration
            reports["iterations"] += 1
            progress(0.5, "iterating")
            user_in_line.wait(0.01)

    def user() -> None:
        with slot.held(lambda message: user_in_line.set()):
            user_ran.set()

    ahead.start([("a", long_work), ("b", lambda progress: "B")])
    assert in_work.wait(WAIT)
    thread = threading.Thread(target=user)
    thread.start()
    assert user_ran.wait(WAIT)  # the worker let go of the slot
    thread.join(WAIT)
    ahead.wait_until_idle(WAIT)
    assert reports["iterations"] >= 1
    assert ahead.take("a", never_waiting) is None  # gave way: no result, the session computes
    assert ahead.take("b", never_waiting) is None  # and nothing after it was begun


def test_a_key_that_gave_way_is_computed_again_when_asked_for_again():
    slot = ComputeSlot()
    ahead = store(slot)
    with slot.held(lambda message: None):  # busy: the first start computes nothing
        ahead.start([("a", lambda progress: "A")])
        ahead.wait_until_idle(WAIT)
    ahead.start([("a", lambda progress: "A")])  # the same key, the server free again
    ahead.wait_until_idle(WAIT)
    assert ahead.take("a", never_waiting) == "A"


def test_a_key_dropped_and_wanted_again_is_computed():
    ahead = store()
    first = Held("A")
    ahead.start([("a", first)])
    assert first.started.wait(WAIT)
    ahead.start([("b", lambda progress: "B")])  # "a" no longer wanted: it stops at its report
    ahead.start([("a", lambda progress: "A2"), ("b", lambda progress: "B")])
    first.release.set()
    ahead.wait_until_idle(WAIT)
    assert not first.returned
    assert ahead.take("a", never_waiting) == "A2"
    assert ahead.take("b", never_waiting) == "B"


def test_nothing_is_computed_ahead_while_the_server_is_busy():
    slot = ComputeSlot()
    ahead = store(slot)
    with slot.held(lambda message: None):  # a user's computation holds the slot
        ahead.start([("a", lambda progress: "A")])
        ahead.wait_until_idle(WAIT)
    assert ahead.take("a", never_waiting) is None


def test_newer_keys_replace_older_ones_and_stop_their_work():
    ahead = store()
    in_work = threading.Event()
    stopped = threading.Event()

    def endless(progress):
        in_work.set()
        try:
            while True:
                progress(0.5, "iterating")
                threading.Event().wait(0.01)
        finally:
            stopped.set()

    ahead.start([("old", endless)])
    assert in_work.wait(WAIT)
    ahead.start([("new", lambda progress: "N")])
    assert stopped.wait(WAIT)
    ahead.wait_until_idle(WAIT)
    assert ahead.take("old", never_waiting) is None
    assert ahead.take("new", never_waiting) == "N"


def test_nothing_begins_while_sessions_are_busy():
    ahead = ComputedAhead(ComputeSlot(), quiet=60.0)
    ran: list[str] = []
    ahead.busy_now()  # a page is being drawn
    ahead.start([("a", lambda progress: ran.append("a") or "A")])
    ahead.wait_until_idle(timeout=1.0)
    assert ran == []  # still waiting for the sessions to be quiet
    ahead.start([])  # nobody wants it any more: the worker ends
    ahead.wait_until_idle(WAIT)
    assert ran == [] and ahead.take("a", never_waiting) is None


def test_paused_work_goes_on_for_a_session_that_waits_for_it():
    ahead = ComputedAhead(ComputeSlot(), quiet=60.0)
    started, go = threading.Event(), threading.Event()

    def work(progress):
        started.set()
        go.wait(WAIT)
        progress(0.5, "iterating")  # pauses here: a session became busy
        return "A"

    ahead.start([("a", work)])
    assert started.wait(WAIT)
    ahead.busy_now()
    go.set()
    polls: list[None] = []

    def waiting() -> None:
        polls.append(None)
        assert len(polls) < 100, "the worker stayed paused for the session waiting for it"

    assert ahead.take("a", waiting) == "A"


def test_a_failure_ahead_is_logged_and_leaves_the_key_to_the_session(caplog):
    ahead = store()

    def broken(progress):
        raise ValueError("a bug")

    ahead.start([("a", broken)])
    ahead.wait_until_idle(WAIT)
    assert ahead.take("a", never_waiting) is None
    assert "computing ahead failed" in caplog.text


def test_the_keys_ahead_are_one_step_up_then_down_within_range():
    assert list(keys_ahead(16, RANGES["k"])) == [17, 15]
    assert list(keys_ahead(1, RANGES["k"])) == [2]
    assert list(keys_ahead(256, RANGES["k"])) == [255]


# --- in the app ----------------------------------------------------------------------------


@pytest.fixture
def quantized(monkeypatch) -> Counter:
    """How often K-Means runs, by K, on the worker or in a session."""
    counter: Counter = Counter()
    real = analysis.quantize

    def counting(*args, settings, **kwargs):
        counter[settings.k] += 1
        return real(*args, settings=settings, **kwargs)

    monkeypatch.setattr(analysis, "quantize", counting)
    return counter


@pytest.mark.usefixtures("navigation_mode")
def test_a_k_change_by_one_step_takes_the_result_computed_ahead(quantized):
    at = new_app()
    analysis._AHEAD.wait_until_idle(WAIT)  # the default sample's neighbours
    quantized.clear()
    upload(at, "ahead.png", unique_photo(seed=94))
    assert_healthy(at)
    analysis._AHEAD.wait_until_idle(WAIT)
    assert quantized[16] == 1 and quantized[17] == 1 and quantized[15] == 1
    shown_16 = at.main.caption[0].value
    at.slider(key="k").set_value(17)
    at.run()
    assert_healthy(at)
    assert "K = 17 " in at.main.caption[0].value and shown_16 != at.main.caption[0].value
    assert quantized[17] == 1  # taken, not computed again
    analysis._AHEAD.wait_until_idle(WAIT)
    assert quantized[18] == 1 and quantized[16] == 1  # 18 ahead; 16 already in the cache


@pytest.mark.usefixtures("navigation_mode")
def test_a_large_image_gets_nothing_computed_ahead(quantized, monkeypatch):
    monkeypatch.setattr(analysis, "AHEAD_PIXEL_LIMIT", 240 * 180 - 1)  # the photo: 240×180
    at = new_app()
    analysis._AHEAD.wait_until_idle(WAIT)
    quantized.clear()
    upload(at, "large.png", unique_photo(seed=96))
    assert_healthy(at)
    analysis._AHEAD.wait_until_idle(WAIT)
    assert quantized == {16: 1}


def test_the_result_computed_ahead_is_the_sessions_own():
    photo = analysis._prepare(unique_photo(seed=95), lambda fraction, message: None)
    settings = analysis.Settings(k=9)
    slot = ComputeSlot()
    ahead = ComputedAhead(slot, quiet=0.0)
    ahead.start([("k9", lambda progress: analysis._compress(photo, settings, progress))])
    ahead.wait_until_idle(WAIT)
    computed_ahead = ahead.take("k9", never_waiting)
    own = analysis._compress(photo, settings, lambda fraction, message: None)
    assert computed_ahead.png == own.png
    assert computed_ahead.result.wcss == own.result.wcss
    assert (computed_ahead.result.palette == own.result.palette).all()
