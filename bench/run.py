"""Benchmark kmeans_core's CLI against scikit-learn, libimagequant and Pillow's median cut.

python -m bench.run [--quick] [--cases coffee,photo_12mp] [--k 16,64] [--seed 0]

For every case (an image) and K, six pipelines run side by side, each in its own process,
each reading the file, decoding it with the same ``load_image``, quantizing and writing an
indexed PNG:

* ours: ``python -m kmeans_core INPUT -k K -o OUT.png --seed S --json``;
* scikit-learn weighted: KMeans(k-means++, n_init=1, lloyd, the default tol) on the distinct
  colours with their pixel counts as ``sample_weight``, the fair baseline
  (``bench/pipelines.py``, as are the others), the colours counted by kmeans_core's own
  counter, so that only the clustering differs;
* scikit-learn np.unique: the same weighted KMeans, the colours counted with ``np.unique``
  (counts and inverse), as a scikit-learn user without kmeans_core counts them;
* scikit-learn: the same KMeans on every pixel, what the peer apps run;
* libimagequant (pip ``imagequant``), dithering off;
* Pillow: ``Image.quantize`` with median cut.

The palette of either scikit-learn pipeline is its rounded centres, each pixel at its
nearest palette colour. The case ``photos_04mp`` is a set of ten 0.4 MP photos, run at
K = 256 by ours and libimagequant only, for the target on their total time.

Time is each process's own decode-to-written-PNG seconds (no interpreter start-up), the
fastest of several runs on the small images. MSE is measured the same way for all three,
from the PNG on disk. Then the targets are checked and every table is printed and written
as Markdown to ``bench/results.md``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kmeans_core.loading import load_image

from .generated import SAMPLES, noisy_10mp, noisy_cat_512, photo_12mp, photos_04mp
from .machine import describe_machine
from .measure import (
    ChildRun,
    Reference,
    converged_lloyd_reference,
    distinct_colors,
    mse_of_png,
    run_child,
)
from .report import Table

CASES: dict[str, Callable[[], Path]] = {
    "coffee": lambda: SAMPLES / "coffee.png",
    "chelsea": lambda: SAMPLES / "chelsea.png",
    "astronaut": lambda: SAMPLES / "astronaut.png",
    "rocket": lambda: SAMPLES / "rocket.jpg",
    "noisy_cat_512": noisy_cat_512,
    "photo_12mp": photo_12mp,
    "noisy_10mp": noisy_10mp,
}
PHOTO_SET, PHOTO_SET_K = "photos_04mp", 256  # ten photos, ours and libimagequant at K = 256
SAMPLE_CASES = ("coffee", "chelsea", "astronaut", "rocket")
DEFAULT_KS = (16, 64, 256)
BIG_IMAGE_PIXELS = 2_000_000  # --quick runs no scikit-learn above this
REPEATS = 3  # runs per measurement; the fastest counts
SKLEARN_REPEATS_BIG = 1  # scikit-learn runs 14 s to 5 min a run on the big images
FLOOR_REPEATS = 3
RESULTS = Path(__file__).resolve().parent / "results.md"

PHONE_PHOTO_COLORS = (30_000, 500_000)  # distinct colours of a typical photo
PHONE_JPEG_MB = (3.0, 6.0)  # size of a 12 MP phone JPEG


@dataclass(frozen=True)
class Method:
    """A pipeline: its name in the tables and the arguments of its process."""

    name: str
    label: str
    module: tuple[str, ...]  # ``python -m ...`` and the method, before INPUT
    seeded: bool
    sklearn: bool  # slow on big images: run once there, and not at all with --quick


OURS = Method("ours", "Ours", ("kmeans_core",), True, False)
SKLEARN_WEIGHTED = Method(
    "sklearn_weighted", "sklearn weighted", ("bench.pipelines", "sklearn-weighted"), True, True
)
SKLEARN_UNIQUE = Method(
    "sklearn_unique", "sklearn np.unique", ("bench.pipelines", "sklearn-unique"), True, True
)
SKLEARN = Method("sklearn", "sklearn", ("bench.pipelines", "sklearn"), True, True)
LIQ = Method("liq", "libimagequant", ("bench.pipelines", "liq"), False, False)
PILLOW = Method("pillow", "Pillow", ("bench.pipelines", "pillow"), False, False)
METHODS = (OURS, SKLEARN_WEIGHTED, SKLEARN_UNIQUE, SKLEARN, LIQ, PILLOW)
PEERS = (
    SKLEARN_WEIGHTED,
    SKLEARN_UNIQUE,
    SKLEARN,
    LIQ,
)  # the ratio and MSE columns compare ours with these


@dataclass(frozen=True)
class SpeedTarget:
    """At ``k`` on ``case``: at least ``speedup``× faster than ``baseline``, with an MSE at
    most ``mse_excess_pct`` % above its MSE (None: speed only)."""

    label: str
    case: str
    k: int
    baseline: Method
    speedup: float
    mse_excess_pct: float | None


SPEED_TARGETS = (
    SpeedTarget("12 MP photo", "photo_12mp", 16, SKLEARN_WEIGHTED, 5.0, 0.5),
    SpeedTarget("12 MP photo", "photo_12mp", 64, SKLEARN_WEIGHTED, 5.0, 0.5),
    SpeedTarget("10 MP, over a million colours", "noisy_10mp", 16, SKLEARN_WEIGHTED, 5.0, 0.5),
    SpeedTarget("512×512, over 200k colours", "noisy_cat_512", 256, SKLEARN_WEIGHTED, 5.0, 1.0),
    SpeedTarget("12 MP photo", "photo_12mp", 16, SKLEARN_UNIQUE, 5.0, 0.5),
    SpeedTarget("12 MP photo", "photo_12mp", 64, SKLEARN_UNIQUE, 5.0, 0.5),
    SpeedTarget("10 MP, over a million colours", "noisy_10mp", 16, SKLEARN_UNIQUE, 5.0, 0.5),
    SpeedTarget("512×512, over 200k colours", "noisy_cat_512", 256, SKLEARN_UNIQUE, 5.0, 1.0),
    SpeedTarget("12 MP photo", "photo_12mp", 16, SKLEARN, 25.0, None),
    SpeedTarget("10 MP, over a million colours", "noisy_10mp", 16, SKLEARN, 12.0, None),
)
PHOTO_SET_TIME_RATIO = 1.5  # ours' total time at most this × libimagequant's
REFERENCE_K, REFERENCE_EXCESS_PCT = 16, 2.0
MEMORY_CASE, MEMORY_K, MEMORY_LIMIT_MB = "photo_12mp", 16, 300.0
FLOOR_CASE, FLOOR_K, FLOOR_RATIO = "photo_12mp", 16, 2.5


# --- What is measured ---------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """An input image: its file and its decoded pixels."""

    name: str
    path: Path
    image: np.ndarray
    distinct_colors: int

    @property
    def pixels(self) -> int:
        return self.image.shape[0] * self.image.shape[1]

    @property
    def size(self) -> str:
        return f"{self.image.shape[1]}×{self.image.shape[0]}"


@dataclass(frozen=True)
class MethodResult:
    """One pipeline on one case and K: fastest time, MSE from its PNG, peak memory."""

    seconds: float
    mse: float  # from the written PNG, the same way for every method
    reported_mse: float  # what the pipeline itself reported
    peak_rss_mb: float
    report: dict  # the fastest run's JSON report


@dataclass(frozen=True)
class Row:
    """Every method on one case at one K; a method skipped (--quick, or the photo set's
    peers) is missing from ``results``."""

    case: Case
    k: int
    results: dict[str, MethodResult]

    @property
    def ours(self) -> MethodResult:
        return self.results[OURS.name]

    def get(self, method: Method) -> MethodResult | None:
        return self.results.get(method.name)

    def speedup(self, method: Method) -> float | None:
        """The method's seconds / ours."""
        other = self.get(method)
        return other.seconds / self.ours.seconds if other else None

    def mse_vs_pct(self, method: Method) -> float | None:
        """How much higher (+) or lower (-) our MSE is than the method's, in percent."""
        other = self.get(method)
        return _percent(self.ours.mse, other.mse) if other else None


@dataclass(frozen=True)
class Floor:
    """The CLI against decoding the JPEG plus writing the CLI's own indexed PNG."""

    cli: MethodResult
    floor_seconds: float
    floor_report: dict

    @property
    def ratio(self) -> float:
        return self.cli.seconds / self.floor_seconds


@dataclass
class Settings:
    """What to run, from the command line."""

    cases: list[str]
    ks: list[int]
    seed: int
    quick: bool
    repeat: int | None
    output: Path
    command: str


# --- Running ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the tables, write them as Markdown."""
    settings = parse_settings(argv)
    machine = describe_machine()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kmeans-bench-") as folder:
        cases = [load_case(name) for name in settings.cases if name != PHOTO_SET]
        _announce(cases, settings)
        rows, floor = measure_all(cases, settings, Path(folder))
        photo_rows = (
            measure_photo_set(settings, Path(folder)) if PHOTO_SET in settings.cases else []
        )
    references = {case.name: reference_for(case) for case in cases if REFERENCE_K in settings.ks}
    machine.append(("Load average at end", "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())))
    machine.append(("Benchmark wall time", f"{time.perf_counter() - started:.0f} s"))
    tables = build_tables(cases, rows, photo_rows, references, floor)
    print("\n\n".join(table.text() for table in tables))
    settings.output.write_text(markdown(settings, machine, tables))
    print(f"\nwrote {settings.output}")
    return 0


def parse_settings(argv: list[str] | None) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: the four samples at K=16, no scikit-learn on big images",
    )
    every_case = [*CASES, PHOTO_SET]
    parser.add_argument("--cases", help=f"comma-separated, from {', '.join(every_case)}")
    parser.add_argument("--k", help="comma-separated K values (default 16,64,256)")
    parser.add_argument("--seed", type=int, default=0, help="seed for ours and scikit-learn")
    parser.add_argument(
        "--repeat",
        type=int,
        help="runs per measurement, fastest counts (default 3; scikit-learn 1 on big images)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="Markdown file to write")
    args = parser.parse_args(argv)
    cases = _split(args.cases) if args.cases else list(SAMPLE_CASES if args.quick else every_case)
    unknown = [name for name in cases if name not in every_case]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(every_case)}")
    ks = _split(args.k) if args.k else ["16"] if args.quick else [str(k) for k in DEFAULT_KS]
    if not all(k.isdigit() and 1 <= int(k) <= 256 for k in ks):
        parser.error("--k takes whole numbers from 1 to 256, comma-separated")
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    arguments = sys.argv[1:] if argv is None else argv
    return Settings(
        cases=cases,
        ks=[int(k) for k in ks],
        seed=args.seed,
        quick=args.quick,
        repeat=args.repeat,
        output=args.out,
        command=shlex.join(["python", "-m", "bench.run", *arguments]),
    )


def load_case(name: str, path: Path | None = None) -> Case:
    """Make (if generated) and decode a case's image."""
    path = path or CASES[name]()
    image = load_image(path)
    return Case(name, path, image, distinct_colors(image))


def measure_all(
    cases: list[Case], settings: Settings, folder: Path
) -> tuple[list[Row], Floor | None]:
    """Every case at every K; the floor where the CLI has just written the 12 MP photo."""
    rows, floor = [], None
    for case in cases:
        for k in settings.ks:
            row = measure_row(case, k, settings, folder, METHODS)
            rows.append(row)
            _progress(row)
            if (case.name, k) == (FLOOR_CASE, FLOOR_K):
                floor = measure_floor(case, row.ours, _output(folder, case, k, OURS), folder)
    return rows, floor


def measure_photo_set(settings: Settings, folder: Path) -> list[Row]:
    """Ours and libimagequant on each of the ten 0.4 MP photos at K = 256."""
    rows = []
    for index, path in enumerate(photos_04mp()):
        case = load_case(f"{PHOTO_SET}[{index}]", path)
        row = measure_row(case, PHOTO_SET_K, settings, folder, (OURS, LIQ))
        rows.append(row)
        _progress(row)
    return rows


def measure_row(
    case: Case, k: int, settings: Settings, folder: Path, methods: tuple[Method, ...]
) -> Row:
    """Each of ``methods`` on one case at one K."""
    big = case.pixels > BIG_IMAGE_PIXELS
    results = {}
    for method in methods:
        if method.sklearn and settings.quick and big:
            continue
        arguments = ["-m", *method.module, str(case.path), "-k", str(k)]
        if method.seeded:
            arguments += ["--seed", str(settings.seed)]
        if method is OURS:
            arguments.append("--json")
        output = _output(folder, case, k, method)
        repeats = settings.repeat or (SKLEARN_REPEATS_BIG if method.sklearn and big else REPEATS)
        runs = [run_child([*arguments, "-o", str(output)]) for _ in range(repeats)]
        results[method.name] = method_result(runs, case.image, output)
    return Row(case, k, results)


def method_result(runs: list[ChildRun], original: np.ndarray, png: Path) -> MethodResult:
    """The fastest of ``runs``, the MSE of the PNG the last one wrote, the highest peak."""
    fastest = min(runs, key=lambda run: run.report["seconds"])
    return MethodResult(
        seconds=fastest.report["seconds"],
        mse=mse_of_png(original, png),
        reported_mse=fastest.report["mse"],
        peak_rss_mb=max(run.peak_rss_mb for run in runs),
        report=fastest.report,
    )


def measure_floor(case: Case, cli: MethodResult, cli_png: Path, folder: Path) -> Floor:
    """Decode the case's file and write the CLI's palette and indexes again, in a process."""
    output = folder / f"{case.name}-k{FLOOR_K}-floor.png"
    arguments = ["-m", "bench.pipelines", "floor", str(case.path), "-o", str(output)]
    runs = [run_child([*arguments, "--indexes-from", str(cli_png)]) for _ in range(FLOOR_REPEATS)]
    fastest = min(runs, key=lambda run: run.report["seconds"])
    return Floor(cli, fastest.report["seconds"], fastest.report)


def reference_for(case: Case) -> Reference:
    """Lloyd to full convergence at K = 16, best of seeds 0 and 1 (target 1)."""
    print(f"  {case.name}: Lloyd to full convergence at K={REFERENCE_K} …", file=sys.stderr)
    return converged_lloyd_reference(case.image, REFERENCE_K)


def _output(folder: Path, case: Case, k: int, method: Method) -> Path:
    return folder / f"{case.name}-k{k}-{method.name}.png"


def _announce(cases: list[Case], settings: Settings) -> None:
    print(
        f"Measuring {', '.join(case.name for case in cases)} at K = "
        f"{', '.join(map(str, settings.ks))} (scikit-learn at K = 256 on a 12 MP image takes "
        "several minutes)",
        file=sys.stderr,
        flush=True,
    )


def _progress(row: Row) -> None:
    times = ", ".join(
        f"{method.label} {_seconds(result.seconds)} s"
        for method in METHODS
        if (result := row.get(method))
    )
    print(f"  {row.case.name} K={row.k}: {times}", file=sys.stderr, flush=True)


# --- Tables -------------------------------------------------------------------------------


def build_tables(
    cases: list[Case],
    rows: list[Row],
    photo_rows: list[Row],
    references: dict[str, Reference],
    floor: Floor | None,
) -> list[Table]:
    """Every table, in the order printed."""
    tables = [cases_table(cases), results_table(rows), quality_table(rows), time_split_table(rows)]
    if photo_rows:
        tables.append(photo_set_table(photo_rows))
    if references:
        tables.append(reference_table(rows, references))
    if floor:
        tables.append(floor_table(floor))
    tables.append(targets_table(rows, photo_rows, references, floor))
    return tables


def cases_table(cases: list[Case]) -> Table:
    table = Table(
        "Cases", ["Case", "File", "Size", "Megapixels", "File MB", "Distinct colours", "Note"]
    )
    table.left |= {1, 6}
    for case in cases:
        megabytes = case.path.stat().st_size / 1e6
        table.add(
            case.name,
            _short_path(case.path),
            case.size,
            f"{case.pixels / 1e6:.1f}",
            f"{megabytes:.2f}",
            f"{case.distinct_colors:,}",
            _realism(case, megabytes) if case.name == "photo_12mp" else "",
        )
    return table


def results_table(rows: list[Row]) -> Table:
    table = Table(
        "Time: seconds from reading the file to the PNG written, and how many times ours is faster",
        [
            "Case",
            "K",
            *(f"{method.label} s" for method in METHODS),
            *(f"{method.label} / ours" for method in PEERS),
            "Ours RSS MB",
            "sklearn weighted RSS MB",
            "sklearn np.unique RSS MB",
            "sklearn RSS MB",
        ],
    )
    for row in rows:
        table.add(
            row.case.name,
            row.k,
            *(_seconds(result.seconds) if (result := row.get(m)) else None for m in METHODS),
            *(_times(row.speedup(method)) for method in PEERS),
            *(
                f"{result.peak_rss_mb:.0f}" if (result := row.get(m)) else None
                for m in (OURS, SKLEARN_WEIGHTED, SKLEARN_UNIQUE, SKLEARN)
            ),
        )
    table.notes = [
        "Seconds: each process's own time from reading the file to the PNG on disk (no "
        f"interpreter start-up), the fastest of {REPEATS} runs; every scikit-learn pipeline runs "
        f"{SKLEARN_REPEATS_BIG} time(s) above {BIG_IMAGE_PIXELS / 1e6:g} MP (unless --repeat). "
        "RSS: peak resident memory of the whole process (its own VmHWM, see bench/peak.py)."
    ]
    return table


def quality_table(rows: list[Row]) -> Table:
    table = Table(
        "Quality: MSE of each method's PNG, and ours against each peer",
        [
            "Case",
            "K",
            *(f"{method.label} MSE" for method in METHODS),
            *(f"Ours vs {method.label}" for method in PEERS),
        ],
    )
    for row in rows:
        table.add(
            row.case.name,
            row.k,
            *(_mse(result.mse) if (result := row.get(m)) else None for m in METHODS),
            *(_signed_pct(row.mse_vs_pct(method)) for method in PEERS),
        )
    table.notes = [
        "MSE: squared error summed over R, G, B, averaged over pixels, of each method's PNG "
        "decoded again, against the original decoded image. Ours vs a peer: + means our MSE "
        "is higher.",
        *_mse_mismatches(rows),
    ]
    return table


def time_split_table(rows: list[Row]) -> Table:
    split = (OURS, SKLEARN_WEIGHTED, SKLEARN_UNIQUE, SKLEARN, LIQ)
    table = Table(
        "Where the time goes: decode / quantize / encode+write seconds, Lloyd iterations",
        [
            "Case",
            "K",
            *(f"{m.label}" for m in split),
            *(f"{m.label} iterations" for m in split[:4]),
        ],
    )
    for row in rows:
        table.add(
            row.case.name,
            row.k,
            *(_split_seconds(result.report) if (result := row.get(m)) else None for m in split),
            *(_iterations(result.report) if (result := row.get(m)) else None for m in split[:4]),
        )
    table.notes = [
        "Ours iterations count every phase: the colour grids' warm start, then every colour."
    ]
    sklearn = next((row.get(SKLEARN) for row in rows if row.get(SKLEARN)), None)
    if sklearn:
        pools = ", ".join(f"{name}: {count}" for name, count in sklearn.report["threads"].items())
        table.notes.append(f"scikit-learn's thread pools: {pools}.")
    return table


def photo_set_table(photo_rows: list[Row]) -> Table:
    table = Table(
        f"Ten 0.4 MP photos at K = {PHOTO_SET_K}: ours against libimagequant",
        [
            "Photo",
            "Distinct colours",
            "Ours s",
            "libimagequant s",
            "Ours MSE",
            "libimagequant MSE",
            "Ours vs libimagequant",
        ],
    )
    for row in photo_rows:
        liq = row.get(LIQ)
        table.add(
            _short_path(row.case.path),
            f"{row.case.distinct_colors:,}",
            _seconds(row.ours.seconds),
            _seconds(liq.seconds),
            _mse(row.ours.mse),
            _mse(liq.mse),
            _signed_pct(row.mse_vs_pct(LIQ)),
        )
    ours_total, liq_total = _photo_set_totals(photo_rows)
    table.add("Total", "", _seconds(ours_total), _seconds(liq_total), "", "", "")
    table.notes = [f"Ours / libimagequant, total time: {ours_total / liq_total:.2f}×."]
    return table


def reference_table(rows: list[Row], references: dict[str, Reference]) -> Table:
    table = Table(
        f"Ours at K = {REFERENCE_K} against Lloyd run to full convergence from k-means++ "
        "(best of seeds 0 and 1)",
        ["Case", "Ours MSE", "Reference MSE", "Ours vs reference", "Reference iterations"],
    )
    for row in _rows_at(rows, REFERENCE_K):
        reference = references[row.case.name]
        table.add(
            row.case.name,
            _mse(row.ours.mse),
            _mse(reference.mse),
            _signed_pct(_percent(row.ours.mse, reference.mse)),
            f"{reference.iterations} (seed {reference.seed})",
        )
    return table


def floor_table(floor: Floor) -> Table:
    table = Table(
        f"The CLI on {FLOOR_CASE} at K = {FLOOR_K} against decoding plus writing alone",
        ["Run", "Decode s", "Quantize s", "Encode+write s", "Total s"],
    )
    for name, report in (("CLI", floor.cli.report), ("Decode + write", floor.floor_report)):
        table.add(
            name,
            _seconds(report["seconds_decode"]),
            _seconds(report["seconds_quantize"]) if name == "CLI" else None,
            _seconds(report["seconds_encode"]),
            _seconds(report["seconds"]),
        )
    table.notes = [f"Ratio: {floor.ratio:.2f}× (fastest of {FLOOR_REPEATS} runs for the floor)."]
    return table


def targets_table(
    rows: list[Row],
    photo_rows: list[Row],
    references: dict[str, Reference],
    floor: Floor | None,
) -> Table:
    table = Table("Targets", ["Target", "Goal", "Measured", "Result"])
    table.left |= {1, 2, 3}
    by_key = {(row.case.name, row.k): row for row in rows}
    for target in SPEED_TARGETS:
        row = by_key.get((target.case, target.k))
        measured = row if row and row.get(target.baseline) else None
        name = f"{target.label}, K = {target.k}"
        baseline = target.baseline.label
        speedup = measured and measured.speedup(target.baseline)
        table.add(
            f"{name}: speed",
            f"≥ {target.speedup:g}× faster than {baseline}",
            measured and _times(speedup),
            _verdict(measured and speedup >= target.speedup),
        )
        if target.mse_excess_pct is not None:
            excess = measured and measured.mse_vs_pct(target.baseline)
            table.add(
                f"{name}: quality",
                f"MSE ≤ {baseline}'s + {target.mse_excess_pct:g} %",
                measured and _signed_pct(excess),
                _verdict(measured and excess <= target.mse_excess_pct),
            )
    table.add(*_photo_set_time_target(photo_rows))
    table.add(*_photo_set_quality_target(photo_rows))
    table.add(*_reference_target(rows, references))
    memory_row = by_key.get((MEMORY_CASE, MEMORY_K))
    table.add(
        f"Peak memory of the CLI, {MEMORY_CASE}, K = {MEMORY_K}",
        f"< {MEMORY_LIMIT_MB:g} MB",
        memory_row and f"{memory_row.ours.peak_rss_mb:.0f} MB",
        _verdict(memory_row and memory_row.ours.peak_rss_mb < MEMORY_LIMIT_MB),
    )
    table.add(
        f"CLI vs decode + write, {FLOOR_CASE}, K = {FLOOR_K}",
        f"≤ {FLOOR_RATIO:g}×",
        floor and f"{floor.ratio:.2f}× ({floor.cli.seconds:.2f} s vs {floor.floor_seconds:.2f} s)",
        _verdict(floor and floor.ratio <= FLOOR_RATIO),
    )
    return table


def _photo_set_totals(photo_rows: list[Row]) -> tuple[float, float]:
    ours = sum(row.ours.seconds for row in photo_rows)
    return ours, sum(row.get(LIQ).seconds for row in photo_rows)


def _photo_set_time_target(photo_rows: list[Row]) -> list[object]:
    ratio = None
    if photo_rows:
        ours, liq = _photo_set_totals(photo_rows)
        ratio = ours / liq
    return [
        f"Ten 0.4 MP photos, K = {PHOTO_SET_K}: total time",
        f"≤ {PHOTO_SET_TIME_RATIO:g} × libimagequant's",
        ratio and f"{ratio:.2f}×",
        _verdict(ratio and ratio <= PHOTO_SET_TIME_RATIO),
    ]


def _photo_set_quality_target(photo_rows: list[Row]) -> list[object]:
    excess = [row.mse_vs_pct(LIQ) for row in photo_rows]
    worst = max(excess) if excess else None
    return [
        f"Ten 0.4 MP photos, K = {PHOTO_SET_K}: quality",
        "MSE ≤ libimagequant's on each",
        None if worst is None else f"worst {_signed_pct(worst)}",
        _verdict(worst <= 0 if worst is not None else None),
    ]


def _reference_target(rows: list[Row], references: dict[str, Reference]) -> list[object]:
    """Target 1: every photo at K = 16 within 2 % of the converged reference."""
    excess = {
        row.case.name: _percent(row.ours.mse, references[row.case.name].mse)
        for row in _rows_at(rows, REFERENCE_K)
        if row.case.name in references
    }
    worst = max(excess, key=excess.get) if excess else None
    return [
        f"Any photo, K = {REFERENCE_K}: MSE against Lloyd to full convergence",
        f"≤ reference + {REFERENCE_EXCESS_PCT:g} % (best of seeds 0, 1)",
        worst and f"worst {_signed_pct(excess[worst])} ({worst}, of {_count(excess, 'photo')})",
        _verdict(worst and excess[worst] <= REFERENCE_EXCESS_PCT),
    ]


def markdown(settings: Settings, machine: list[tuple[str, str]], tables: list[Table]) -> str:
    """The results file: where and how it ran, then every table."""
    every_case = [*CASES, PHOTO_SET]
    partial = settings.quick or settings.cases != every_case or settings.ks != list(DEFAULT_KS)
    header = [
        "# kmeans_core benchmark",
        "",
        "Command, from the repository root:",
        "",
        f"    {settings.command}",
        "",
        *(f"- **{what}**: {value}" for what, value in machine),
    ]
    if partial:
        header += ["", "**A partial run** (a subset of cases or K): not the full benchmark."]
    return "\n".join([*header, "", *(f"{table.markdown()}\n" for table in tables)])


# --- Small helpers ------------------------------------------------------------------------


def _rows_at(rows: list[Row], k: int) -> list[Row]:
    return [row for row in rows if row.k == k]


def _realism(case: Case, megabytes: float) -> str:
    low, high = PHONE_PHOTO_COLORS
    colours_ok = low <= case.distinct_colors <= high
    size_ok = PHONE_JPEG_MB[0] <= megabytes <= PHONE_JPEG_MB[1]
    return (
        f"phone photos: {low // 1000}k–{high // 1000}k colours "
        f"({'yes' if colours_ok else 'NO'}), "
        f"{PHONE_JPEG_MB[0]:g}–{PHONE_JPEG_MB[1]:g} MB ({'yes' if size_ok else 'NO'})"
    )


def _mse_mismatches(rows: list[Row]) -> list[str]:
    """Notes for every pipeline whose own MSE differs from its PNG's."""
    notes = []
    for row in rows:
        for name, result in row.results.items():
            if not np.isclose(result.reported_mse, result.mse, rtol=1e-9, atol=1e-9):
                notes.append(
                    f"WARNING: {row.case.name} K={row.k} {name} reported MSE "
                    f"{result.reported_mse:.4f} but its PNG has {result.mse:.4f}."
                )
    return notes


def _count(items: object, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _percent(value: float, reference: float) -> float:
    return 100.0 * (value - reference) / reference


def _verdict(passed: bool | None) -> str:
    if passed is None:
        return "n/a (not in this run)"
    return "PASS" if passed else "MISS"


def _times(value: float | None) -> str | None:
    return None if value is None else f"{value:.1f}×"


def _iterations(report: dict) -> str | None:
    if "iterations" not in report:
        return None
    return f"{report['iterations']}" + ("" if report.get("converged", True) else " (max)")


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _mse(value: float) -> str:
    return f"{value:.2f}"


def _signed_pct(value: float | None) -> str | None:
    return None if value is None else f"{value:+.2f} %"


def _split_seconds(report: dict) -> str:
    return " / ".join(
        f"{report[key]:.2f}" for key in ("seconds_decode", "seconds_quantize", "seconds_encode")
    )


def _short_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path(__file__).resolve().parent.parent))
    except ValueError:
        return str(path)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


if __name__ == "__main__":
    sys.exit(main())
