"""Soak: several browser sessions uploading photos and changing K against one server.

python -m bench.soak [--sessions 4] [--uploads 5] [--max-seconds 300] [--megapixels 2,4,12]

Starts its own ``streamlit run streamlit_app.py`` on a free port (log in
``test-artifacts/streamlit-soak.log``), generates distinct photo-like JPEGs in a temporary
directory, then runs ``--sessions`` headless Chromium sessions at once, each in its own
thread. Each session uploads ``--uploads`` photos in turn and, after each, moves the K
slider with the keyboard (a K change reruns the analysis on the same photo). It stops
early when ``--max-seconds`` have passed. Printed: latency per upload and per K change
(from the action to the result on screen, script idle; p50, p95, max) and the server's
memory (RSS sampled every 0.2 s, peak VmHWM, RSS at the end). The exit status is 1 if a
session saw an error or a traceback, or failed.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e import app, files
from tests.e2e.server import RssSampler, StreamlitServer, latency_summary

SIZES = {2: (1632, 1224), 3: (2000, 1500), 4: (2304, 1728), 8: (3264, 2448), 12: (4000, 3000)}


@dataclass
class Outcome:
    """What one session measured."""

    name: str
    uploads: list[float] = field(default_factory=list)  # seconds per upload
    k_changes: list[float] = field(default_factory=list)  # seconds per K change
    problems: list[str] = field(default_factory=list)


def change_k(page, rng: random.Random) -> None:
    """Move the K slider by a few steps with the keyboard; wait for the new result."""
    steps = rng.randint(1, 6)
    app.move_k_slider(page, steps if app.header_k(page) + steps <= 64 else -steps)


def run_session(
    outcome: Outcome, url: str, photos: list[files.Photo], deadline: float, seed: int
) -> None:
    rng = random.Random(seed)
    try:
        with app.own_browser_page() as page:
            app.open_app(page, url, k=rng.choice([8, 12, 16, 24, 32]))
            for photo in photos:
                if time.monotonic() > deadline:
                    break
                started = time.perf_counter()
                app.upload(page, photo.path)
                outcome.uploads.append(time.perf_counter() - started)
                check(page, outcome, photo.name)
                if time.monotonic() > deadline:
                    break
                started = time.perf_counter()
                change_k(page, rng)
                outcome.k_changes.append(time.perf_counter() - started)
                check(page, outcome, photo.name)
    except Exception as exc:
        outcome.problems.append(f"{type(exc).__name__}: {exc}")


def check(page, outcome: Outcome, name: str) -> None:
    errors, exceptions = app.error_messages(page), app.exception_count(page)
    if errors or exceptions:
        outcome.problems.append(f"{name}: errors {errors}, {exceptions} exceptions")
    elif name not in app.header_caption(page):
        outcome.problems.append(f"{name}: the page shows another image")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=4, help="browser sessions at once")
    parser.add_argument("--uploads", type=int, default=5, help="uploads per session")
    parser.add_argument("--max-seconds", type=float, default=300, help="stop starting work after")
    parser.add_argument(
        "--megapixels",
        default="2,4,12",
        help=f"photo sizes to cycle through, from {sorted(SIZES)}",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    megapixels = [int(value) for value in args.megapixels.split(",")]
    if not set(megapixels) <= set(SIZES) or args.sessions < 1 or args.uploads < 1:
        parser.error(f"--megapixels from {sorted(SIZES)}; --sessions, --uploads at least 1")
    if not app.CHROMIUM.exists():
        print(
            f"Chromium is missing at {app.CHROMIUM}: apt-get install -y chromium", file=sys.stderr
        )
        return 2

    samples = list(files.SAMPLE_FILES)
    with tempfile.TemporaryDirectory(prefix="soak-") as folder:
        photos: list[list[files.Photo]] = []
        made = time.perf_counter()
        for s in range(args.sessions):
            photos.append([])
            for u in range(args.uploads):
                n = s * args.uploads + u
                size = SIZES[megapixels[n % len(megapixels)]]
                path = Path(folder) / f"soak-s{s}-u{u}.jpg"
                photos[s].append(
                    files.photo_jpeg(path, size, samples[n % len(samples)], seed=args.seed + n)
                )
        print(
            f"{args.sessions * args.uploads} photos ({args.megapixels} MP) made in "
            f"{time.perf_counter() - made:.0f} s",
            flush=True,
        )
        with StreamlitServer("soak") as server:
            idle = server.memory_mb()["VmRSS"]
            sampler = RssSampler(server).start()
            outcomes = [Outcome(f"session {s + 1}") for s in range(args.sessions)]
            began = time.monotonic()
            deadline = began + args.max_seconds
            app.in_threads(
                run_session,
                [
                    (outcomes[s], server.url, photos[s], deadline, args.seed + s)
                    for s in range(args.sessions)
                ],
            )
            elapsed = time.monotonic() - began
            rss = sampler.stop()
            memory = server.memory_mb()
            traceback_logged = "Traceback" in server.log_text()

    uploads = [t for o in outcomes for t in o.uploads]
    k_changes = [t for o in outcomes for t in o.k_changes]
    problems = [f"{o.name}: {p}" for o in outcomes for p in o.problems]
    if traceback_logged:
        problems.append(f"the server logged a traceback: see {server.log_path}")
    print(
        f"\nSoak: {args.sessions} sessions at once, up to {args.uploads} uploads each "
        f"({args.megapixels} MP JPEGs), a K change after each upload; {elapsed:.0f} s"
    )
    print(latency_summary("upload", uploads))
    print(latency_summary("K change", k_changes))
    print(
        f"server RSS: idle {idle:.0f} MiB, peak {memory['VmHWM']:.0f} MiB (VmHWM; sampled "
        f"max {max(rss, default=0):.0f}), final {memory['VmRSS']:.0f} MiB"
    )
    if len(uploads) < args.sessions * args.uploads:
        print(f"stopped by --max-seconds after {len(uploads)} uploads")
    for problem in problems:
        print("PROBLEM", problem)
    print("no errors" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
