"""The compute slot: one heavy computation at a time, first come first served, and every
waiter told its place in line as it changes."""

from __future__ import annotations

import threading
import time

from dashboard.analysis import ComputeSlot, waiting_message


def test_waiters_run_in_the_order_they_came_and_are_told_their_place():
    slot = ComputeSlot()
    order: list[int] = []
    told: dict[int, list[str]] = {i: [] for i in range(4)}
    release = threading.Event()
    first_in = threading.Event()

    def user(i: int) -> None:
        with slot.held(told[i].append):
            order.append(i)
            if i == 0:
                first_in.set()
                release.wait(timeout=30)

    threads = [threading.Thread(target=user, args=(0,))]
    threads[0].start()
    assert first_in.wait(timeout=30)
    for i in (1, 2, 3):  # each arrives while the ones before it wait
        threads.append(threading.Thread(target=user, args=(i,)))
        threads[-1].start()
        deadline = time.monotonic() + 30
        while not told[i] and time.monotonic() < deadline:
            time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert order == [0, 1, 2, 3]
    assert told[0] == []  # nobody before it: no waiting notice
    for i in (1, 2, 3):
        # told its place on arrival, then only as it moves up (how often depends on when
        # the threads wake)
        places = [int(m.split()[3]) if "in line" in m else 1 for m in told[i]]
        assert told[i][0] == waiting_message(i)
        assert places == sorted(set(places), reverse=True)
    assert "yours is next" in waiting_message(1) and "3 computations" in waiting_message(3)


def test_the_slot_is_free_again_after_an_error():
    slot = ComputeSlot()
    try:
        with slot.held(lambda message: None):
            raise RuntimeError("a failed computation")
    except RuntimeError:
        pass
    messages: list[str] = []
    with slot.held(messages.append):
        pass
    assert messages == []


def test_a_run_stopped_while_it_waits_leaves_the_line():
    """Streamlit stops a replaced run by raising from the next element it draws: here the
    waiting notice. The stopped run must not keep its place, or everyone behind it waits
    for ever."""
    slot = ComputeSlot()
    holder_in, release = threading.Event(), threading.Event()

    def holder() -> None:
        with slot.held(lambda message: None):
            holder_in.set()
            release.wait(timeout=30)

    def stopped_notice(message: str) -> None:
        raise KeyboardInterrupt("the user moved the slider")  # as Streamlit's StopException

    first = threading.Thread(target=holder)
    first.start()
    assert holder_in.wait(timeout=30)
    try:
        with slot.held(stopped_notice):
            raise AssertionError("a stopped run never computes")
    except KeyboardInterrupt:
        pass
    release.set()
    first.join(timeout=30)
    done = threading.Event()

    def later() -> None:
        with slot.held(lambda message: None):
            done.set()

    threading.Thread(target=later, daemon=True).start()
    assert done.wait(timeout=10), "the line is stuck behind the stopped run"


class FakeBar:
    """What st.empty() returns, recording what is drawn in it."""

    def __init__(self) -> None:
        self.drawn: list[str] = []
        self.emptied = False

    def progress(self, fraction: float, text: str) -> None:
        self.drawn.append(text)

    def empty(self) -> None:
        self.emptied = True


class Clock:
    """time.monotonic for dashboard.analysis, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fake_bar_and_clock(monkeypatch) -> tuple[list[FakeBar], Clock]:
    import dashboard.analysis as analysis

    made: list[FakeBar] = []
    clock = Clock()

    def empty() -> FakeBar:
        made.append(FakeBar())
        return made[-1]

    monkeypatch.setattr(analysis.st, "empty", empty)
    monkeypatch.setattr(analysis.time, "monotonic", clock)
    return made, clock


def test_quick_work_draws_no_progress_bar(monkeypatch):
    import dashboard.analysis as analysis

    made, clock = fake_bar_and_clock(monkeypatch)
    with analysis.progress_bar() as report:
        for t in range(20):  # 20 iterations in 0.2 s
            report(t / 20, f"iteration {t}")
            clock.now += 0.01
    (bar,) = made  # its place is kept, so the elements after it keep theirs
    assert bar.drawn == []


def test_the_progress_bar_is_redrawn_at_most_ten_times_a_second(monkeypatch):
    import dashboard.analysis as analysis

    made, clock = fake_bar_and_clock(monkeypatch)
    with analysis.progress_bar() as report:
        for t in range(200):  # K-Means reporting every 1/64 s for 3.1 s
            report(t / 200, f"iteration {t}")
            clock.now += 1 / 64
    (bar,) = made
    assert bar.drawn[0] == "iteration 20"  # shown once the work has taken 0.3 s
    assert 20 <= len(bar.drawn) <= 29  # 2.8 s more, at most ten a second
    assert bar.emptied


def test_a_waiting_notice_is_drawn_at_once(monkeypatch):
    import dashboard.analysis as analysis

    made, _ = fake_bar_and_clock(monkeypatch)
    slot = analysis.ComputeSlot()
    entered, leave = threading.Event(), threading.Event()

    def first() -> None:
        with slot.held(lambda message: None):
            entered.set()
            leave.wait(timeout=10)

    threading.Thread(target=first, daemon=True).start()
    assert entered.wait(timeout=10)
    threading.Timer(0.2, leave.set).start()
    with analysis.progress_bar() as bar, slot.held(bar.notice):
        pass
    (drawn,) = made
    assert drawn.drawn[:1] == [analysis.waiting_message(1)]
    assert drawn.emptied


def test_the_progress_bar_goes_on_an_error_too(monkeypatch):
    import dashboard.analysis as analysis

    made, clock = fake_bar_and_clock(monkeypatch)
    try:
        with analysis.progress_bar() as report:
            clock.now += 0.5
            report(0.5, "halfway")
            raise ValueError("a damaged file")
    except ValueError:
        pass
    (bar,) = made
    assert bar.drawn == ["halfway"]
    assert bar.emptied
