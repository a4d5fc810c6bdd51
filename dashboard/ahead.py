"""Work computed ahead: results the user is likely to ask for next, computed on a background
thread while they look at the current one, and put aside the moment anyone needs the server.

A teacher steps K with the arrow keys: K-Means at K - 1 and K + 1 is then ready, or under
way, when the key is pressed. Nothing here is shown to anyone until a session asks for its
key; results for keys nobody wants any more are dropped at the next
:meth:`ComputedAhead.start`.

The worker keeps out of the way of the people using the server. It computes only while the
compute slot is free, gives way (its work lost) as soon as a user's computation waits for
the slot, and pauses while any session's script has started in the last ``QUIET_SECONDS``:
a page being drawn, or the browser fetching its images, comes first. A session that asks for
the key being computed waits for it instead of computing it a second time, and the worker
no longer pauses for that one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Container, Hashable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
Progress = Callable[[float, str], None]
_log = logging.getLogger(__name__)

QUIET_SECONDS = 0.3  # after a session's script started: about what a page takes to draw
_PAUSE_SECONDS = 0.02  # how often a paused worker looks again


class Slot(Protocol):
    """The server's one slot for heavy computations (``analysis.ComputeSlot``)."""

    def held_if_free(self) -> AbstractContextManager[bool]: ...

    def others_waiting(self) -> bool: ...


class GaveWay(Exception):
    """Raised inside work computed ahead when a user's computation wants the slot, or the
    work's key is no longer wanted."""


@dataclass(eq=False)
class _Job(Generic[T]):
    key: Hashable
    work: Callable[[Progress], T]
    # set under the store's lock:
    started: bool = False
    cancelled: bool = False  # no longer wanted, or a session computes it itself
    waited_for: bool = False  # a session waits for it: no pausing
    result: T | None = None
    done: threading.Event = field(default_factory=threading.Event)


class ComputedAhead(Generic[T]):
    """Results for a few keys, computed one at a time on a background thread."""

    def __init__(self, slot: Slot, *, quiet: float = QUIET_SECONDS) -> None:
        self._slot = slot
        self._quiet = quiet
        self._lock = threading.Lock()
        self._jobs: dict[Hashable, _Job[T]] = {}
        self._worker: threading.Thread | None = None
        self._last_run = -float("inf")

    def busy_now(self) -> None:
        """A session's script has started: the worker pauses until ``quiet`` seconds after."""
        with self._lock:
            self._last_run = time.monotonic()

    def start(self, jobs: Sequence[tuple[Hashable, Callable[[Progress], T]]]) -> None:
        """Compute ``work(progress)`` for each ``(key, work)``, in order, in place of what was
        asked for before: results for other keys are dropped, and work on them stops."""
        wanted = {key for key, _ in jobs}
        with self._lock:
            for key, job in self._jobs.items():
                if key not in wanted:
                    job.cancelled = True
            kept = {
                key: job
                for key, job in self._jobs.items()
                if key in wanted
                and not job.cancelled
                and not (job.done.is_set() and job.result is None)  # it gave way
            }
            new = [_Job(key, work) for key, work in jobs if key not in kept]
            self._jobs = kept | {job.key: job for job in new}
            if not new:
                return
            previous = self._worker
            self._worker = threading.Thread(
                target=self._run, args=(new, previous), name="computed-ahead", daemon=True
            )
            self._worker.start()

    def take(self, key: Hashable, waiting: Callable[[], None]) -> T | None:
        """The result for ``key`` if it was computed ahead, or is being computed now (then
        wait for it, calling ``waiting()`` every 0.1 s); otherwise None."""
        with self._lock:
            job = self._jobs.pop(key, None)
            if job is None:
                return None
            if not job.started:
                job.cancelled = True  # the session computes it: faster than waiting in turn
                return None
            job.waited_for = True
        while not job.done.wait(0.1):
            waiting()
        return job.result

    def wait_until_idle(self, timeout: float = 60.0) -> None:
        """Until the worker has stopped (tests)."""
        with self._lock:
            worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def _run(self, jobs: list[_Job[T]], previous: threading.Thread | None) -> None:
        if previous is not None:
            previous.join()  # it finishes a key still wanted, or stops at its next report
        try:
            for job in jobs:
                if not self._compute(job):
                    break
        except Exception:  # a result nobody asked for yet: log it, and let the session compute
            _log.exception("computing ahead failed")
        finally:
            self._end(jobs)

    def _compute(self, job: _Job[T]) -> bool:
        """Compute ``job`` unless it is no longer wanted; False if the server is busy with
        users' work, and nothing more should be computed ahead."""
        try:
            self._wait_for_quiet(job)
            with self._lock:
                if job.cancelled:
                    return True
                job.started = True
            with self._slot.held_if_free() as held:
                if held:
                    job.result = job.work(lambda fraction, message: self._check(job))
                return held
        except GaveWay:
            return job.cancelled  # not wanted any more: on to the next; a user waits: stop
        finally:
            job.done.set()

    def _check(self, job: _Job[T]) -> None:
        """At each progress report: give way, or pause until it is quiet."""
        if self._slot.others_waiting():
            raise GaveWay
        self._wait_for_quiet(job)

    def _wait_for_quiet(self, job: _Job[T]) -> None:
        while True:
            with self._lock:
                if job.cancelled:
                    raise GaveWay
                if job.waited_for or time.monotonic() - self._last_run >= self._quiet:
                    return
            time.sleep(_PAUSE_SECONDS)

    def _end(self, jobs: list[_Job[T]]) -> None:
        """Wake whoever waits, and forget jobs that ended without a result, so that a session
        computes them itself."""
        with self._lock:
            for job in jobs:
                if job.result is None and self._jobs.get(job.key) is job:
                    del self._jobs[job.key]
        for job in jobs:
            job.done.set()


def keys_ahead(value: int, allowed: Container[int]) -> Iterator[int]:
    """The values next to ``value`` that are ``allowed``: one step up, then one down."""
    for neighbour in (value + 1, value - 1):
        if neighbour in allowed:
            yield neighbour
