"""Quantize an RGB image to K colours with exact, fast K-Means."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .colors import (
    ColorCounts,
    indexed_colors,
    labels_by_code,
    labels_by_position,
)
from .colorspace import to_rgb, to_space
from .grid import ColorGrid, coarser_grid, grid_of_colors
from .kmeans import kmeans_init_centroids
from .lloyd import HamerlyState, LloydResult, weighted_lloyd
from .metrics import psnr_from_mse
from .seeding import kmeans_plusplus, random_init
from .settings import DEFAULTS, Settings

# Above this many distinct colours, a run starts with Lloyd on a 32³ grid of colour cells, goes
# on with a 64³ grid, and finishes with exact Lloyd on every colour (see grid.py).
WARM_START_ABOVE = 20_000
_GRID_BITS = (5, 6)
# From this K on, the 32³ grid is too coarse to seed well (measured: 0.5-1.5 % higher MSE at
# K = 256 on the sample photos), so runs start on the 64³ grid.
_FINE_GRID_FROM_K = 128
EXACT_PHASE = "every colour"

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class RunSummary:
    """One restart: its WCSS per iteration and how it ended."""

    wcss_history: tuple[float, ...]
    iterations: int
    converged: bool
    final_wcss: float
    phases: tuple[tuple[str, int], ...]  # (where Lloyd ran, iterations there), in order
    # The last phase's WCSS after each assignment step, and its update steps that found
    # empty clusters: (iteration, how many). See LloydResult.
    assign_wcss_history: tuple[float, ...] = ()
    empty_clusters: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Quantization:
    """An image quantized to a palette, with the history of the run that made it.

    ``palette[i]`` is the colour of centroid ``i``; ``centroid_history[t, i]`` is where that
    centroid was after iteration ``t`` (``t = 0``: the start), in RGB. ``wcss_history`` is
    the kept run's exact WCSS over all pixels per iteration, in the clustering space. On
    images with many colours the first iterations run on colour grids (``phases`` says
    which): pixels are assigned by grid cell rather than one by one, and the WCSS shown is
    still the exact WCSS of that assignment. ``wcss`` is the WCSS of the returned palette
    and labels: the centroids rounded to 8-bit colours, every pixel at its nearest colour.
    ``assign_wcss_history`` and ``empty_clusters`` are the kept run's, as in
    :class:`RunSummary`: with them, and ``centroid_history``, every half-step of an
    exercise run (one phase, on every pixel) can be replayed.
    """

    palette: np.ndarray  # (P, 3) uint8, P = K, or the number of distinct colours if fewer
    labels: np.ndarray = field(repr=False)  # (H, W) uint8, an index into palette per pixel
    pixel_counts: np.ndarray = field(repr=False)  # (P,) int64 pixels per palette colour
    k: int
    init: str
    space: str
    n_init: int
    max_iter: int
    tol: float
    seed: int
    exercise: bool
    wcss: float
    squared_error: int  # the RGB squared error summed over pixels and channels
    wcss_history: tuple[float, ...]
    centroid_history: np.ndarray = field(repr=False)  # (iterations + 1, P, 3) float32 RGB
    iterations: int
    converged: bool
    phases: tuple[tuple[str, int], ...]  # (where Lloyd ran, iterations there), in order
    distinct_colors: int
    runs: tuple[RunSummary, ...]
    best_run: int
    seconds: float

    @property
    def height(self) -> int:
        return int(self.labels.shape[0])

    @property
    def width(self) -> int:
        return int(self.labels.shape[1])

    @property
    def pixels(self) -> int:
        return int(self.labels.size)

    @property
    def warm_start(self) -> bool:
        """True when the first iterations ran on colour grids, not on every colour."""
        return any(name != EXACT_PHASE for name, _ in self.phases)

    @property
    def assign_wcss_history(self) -> tuple[float, ...]:
        return self.runs[self.best_run].assign_wcss_history

    @property
    def empty_clusters(self) -> tuple[tuple[int, int], ...]:
        return self.runs[self.best_run].empty_clusters

    @property
    def colors_used(self) -> int:
        """Palette colours that at least one pixel uses."""
        return int(np.count_nonzero(self.pixel_counts))

    @property
    def fewer_colors_than_k(self) -> bool:
        """True when the image has fewer distinct colours than K: it is returned as it is."""
        return self.distinct_colors <= self.k

    @property
    def mse(self) -> float:
        """Squared error summed over R, G and B, averaged over pixels."""
        return self.squared_error / self.pixels

    @property
    def psnr(self) -> float:
        """Peak signal-to-noise ratio in dB (infinite when the image is unchanged)."""
        return psnr_from_mse(self.mse)

    def image(self) -> np.ndarray:
        """The quantized image, (H, W, 3) uint8."""
        return self.palette[self.labels]


def quantize(
    image: np.ndarray,
    k: int | None = None,
    *,
    settings: Settings | None = None,
    colors: ColorCounts | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Quantization:
    """Quantize an (H, W, 3) uint8 RGB image to K colours with K-Means.

    The run follows ``settings`` (:class:`~kmeans_core.settings.Settings`, its defaults
    when None), with ``k`` and any other setting given by name (``seed=1``, ``init='random'``)
    taking precedence. Lloyd's algorithm runs on the image's distinct colours weighted by
    their pixel counts (exactly the same algorithm as on every pixel), ``n_init`` times,
    keeping the lowest WCSS. Images with many colours get a warm start on a coarse colour
    grid first; the answer is still Lloyd on the real colours. ``exercise=True`` runs the
    classic exercise instead (see :class:`~kmeans_core.settings.Settings`): its random start
    on the pixels, no grid, once. The palette is RGB in either
    colour space. ``colors``, the image's own :func:`~kmeans_core.colors.image_colors`,
    saves counting them again when one image is quantized at several settings.
    ``progress(fraction, message)`` reports the work.

    Everything is checked here, once (the image here, the settings by ``Settings``); the
    functions below trust their arguments.
    """
    started = time.perf_counter()
    if k is not None:
        options["k"] = k
    settings = (settings or DEFAULTS).but(**options) if options else settings or DEFAULTS
    _validate(image)
    report = progress or (lambda fraction, message: None)
    height, width = image.shape[:2]
    positions = None  # each pixel's position among the colours, when counting gave them
    if colors is None:
        colors, positions = indexed_colors(image)
    if len(colors) <= settings.k:
        labels = _pixel_labels(image, colors, positions, np.arange(len(colors)))
        return _keep_every_color(colors, labels.reshape(height, width), settings.as_dict(), started)

    problem = _Problem.of(
        colors,
        settings,
        warm_start=len(colors) > WARM_START_ABOVE and not settings.exercise,
        pixels=image.reshape(-1, 3) if settings.exercise else None,
    )
    runs = _all_runs(problem, settings, report)
    best_run = min(range(len(runs)), key=lambda r: runs[r].final_wcss)
    best = runs[best_run]
    report(0.98, "Giving every pixel its palette colour")
    labels_of_colors = best.state.labels
    pixel_counts = np.bincount(
        labels_of_colors, weights=colors.counts, minlength=settings.k
    ).astype(np.int64)
    labels = _pixel_labels(image, colors, positions, labels_of_colors).reshape(height, width)
    space = settings.space
    return Quantization(
        palette=best.palette,
        labels=labels,
        pixel_counts=pixel_counts,
        wcss=best.final_wcss,
        squared_error=_rgb_squared_error(colors, labels_of_colors, best, space),
        wcss_history=best.summary.wcss_history,
        centroid_history=np.stack([to_rgb(c, space) for c in best.centroid_history]).astype(
            np.float32
        ),
        iterations=best.summary.iterations,
        converged=best.summary.converged,
        phases=best.summary.phases,
        distinct_colors=len(colors),
        runs=tuple(r.summary for r in runs),
        best_run=best_run,
        seconds=time.perf_counter() - started,
        **settings.as_dict(),
    )


@dataclass(frozen=True)
class _Problem:
    """What every restart clusters: the distinct colours in the clustering space, their
    pixel counts, and the warm-start grids (coarsest first; none without a warm start).
    The exercise's run also needs the image's pixels, (H·W, 3) RGB, to draw its start."""

    points: np.ndarray  # (n, 3) float64
    weights: np.ndarray  # (n,) float64
    grids: tuple[ColorGrid, ...]
    pixels: np.ndarray | None = None

    @classmethod
    def of(
        cls,
        colors: ColorCounts,
        settings: Settings,
        *,
        warm_start: bool,
        pixels: np.ndarray | None = None,
    ) -> _Problem:
        points = to_space(colors.colors, settings.space)
        weights = colors.counts.astype(np.float64)
        grids = _grids(colors.codes, points, weights, settings.k) if warm_start else ()
        return cls(points, weights, grids, pixels)


@dataclass
class _Run:
    summary: RunSummary
    centroid_history: list[np.ndarray]
    palette: np.ndarray
    state: HamerlyState

    @property
    def final_wcss(self) -> float:
        return self.summary.final_wcss


def _all_runs(problem: _Problem, settings: Settings, report: Progress) -> list[_Run]:
    """``n_init`` restarts, each from its own stream of the seed."""
    n_init = settings.n_init
    runs = []
    for run, seed_sequence in enumerate(np.random.SeedSequence(settings.seed).spawn(n_init)):
        prefix = f"restart {run + 1} of {n_init}: " if n_init > 1 else ""

        def on_iteration(t: int, wcss: float, run: int = run, prefix: str = prefix) -> None:
            report(
                (run + t / (t + 25)) / n_init, f"K-Means {prefix}iteration {t}, WCSS {wcss:,.0f}"
            )

        rng = np.random.default_rng(seed_sequence)
        runs.append(_run_once(problem, settings, rng, on_iteration))
    return runs


def _grids(
    codes: np.ndarray, points: np.ndarray, weights: np.ndarray, k: int
) -> tuple[ColorGrid, ...]:
    """The warm-start grids for this K, coarsest first."""
    finest = grid_of_colors(codes, points, weights, _GRID_BITS[-1])
    if k >= _FINE_GRID_FROM_K:
        return (finest,)
    grids = [finest]
    for bits in reversed(_GRID_BITS[:-1]):
        grids.insert(0, coarser_grid(grids[0], bits))
    return tuple(grids)


_TRIAL_ITERATIONS = 8


def _seeding_trials(k: int) -> int:
    """k-means++ seedings tried on the coarsest grid per restart: cheap there, and the best
    of several gives a better optimum; fewer as K (and each trial's cost) grows."""
    return max(1, min(8, 128 // k))


class _History:
    """The kept run's WCSS and centroids per iteration, across its phases."""

    def __init__(self, on_iteration: Callable[[int, float], None]) -> None:
        self.wcss: list[float] = []
        self.centroids: list[np.ndarray] = []
        self.phases: list[tuple[str, int]] = []
        self.last_phase: LloydResult | None = None
        self._on_iteration = on_iteration

    @property
    def iterations(self) -> int:
        return len(self.wcss) - 1

    def record(self, result: LloydResult, name: str, scatter: float = 0.0) -> None:
        skip = 1 if self.phases else 0  # a phase starts where the previous one ended
        self.wcss.extend(w + scatter for w in result.wcss_history[skip:])
        self.centroids.extend(result.centroid_history[skip:])
        self.phases.append((name, result.iterations))
        self.last_phase = result

    def progress(self, t: int, wcss: float) -> None:
        self._on_iteration(self.iterations + t if self.phases else t, wcss)


def _run_once(
    problem: _Problem,
    settings: Settings,
    rng: np.random.Generator,
    on_iteration: Callable[[int, float], None],
) -> _Run:
    """Seed, run Lloyd from the coarsest grid to every colour, round to a palette."""
    history = _History(on_iteration)
    start = _seed(problem, settings, rng)
    result = _coarse_to_fine(problem, settings, start, history)
    return _finish(result, settings.space, history)


def _seed(problem: _Problem, settings: Settings, rng: np.random.Generator) -> np.ndarray:
    """Initial centroids: the exercise's K random pixels, random pixels of distinct colours,
    or k-means++ (on the coarsest grid when there is one, the best of a few seedings after
    a short Lloyd run)."""
    k = settings.k
    if settings.exercise:
        start = kmeans_init_centroids(problem.pixels, k, seed=settings.seed)
        return to_space(start.astype(np.uint8), settings.space)
    if settings.init == "random":
        return random_init(problem.points, problem.weights, k, rng)
    if not problem.grids:
        return kmeans_plusplus(problem.points, problem.weights, k, rng)
    coarsest = problem.grids[0]
    seeds = [
        kmeans_plusplus(coarsest.means, coarsest.weights, k, rng) for _ in range(_seeding_trials(k))
    ]
    if len(seeds) == 1:
        return seeds[0]
    trials = [
        weighted_lloyd(coarsest.means, coarsest.weights, seed, max_iter=_TRIAL_ITERATIONS)
        for seed in seeds
    ]
    return seeds[int(np.argmin([trial.wcss_history[-1] for trial in trials]))]


def _coarse_to_fine(
    problem: _Problem, settings: Settings, start: np.ndarray, history: _History
) -> LloydResult:
    """Lloyd on each grid in turn, coarsest first, then on every colour; each level starts
    from the previous one's centroids and bounds. The coarsest grid gets half the
    iterations, each finer grid half of what is left."""
    max_iter, tol = settings.max_iter, settings.tol
    bounds = None
    centroids = start
    for grid in [*problem.grids, None]:
        budget = max(1, max_iter - history.iterations) if history.phases else max_iter
        if grid is None:
            points, weights, name, scatter = problem.points, problem.weights, EXACT_PHASE, 0.0
        else:
            points, weights, scatter = grid.means, grid.weights, grid.scatter
            name, budget = _grid_name(grid), max(1, budget // 2)
        result = weighted_lloyd(
            points,
            weights,
            centroids,
            max_iter=budget,
            tol=tol,
            on_iteration=history.progress,
            bounds=bounds,
        )
        history.record(result, name, scatter)
        if grid is not None:
            bounds = result.state.bounds_for_members(grid.member_cell, grid.member_offset)
            centroids = result.centroids
    return result


def _finish(result: LloydResult, space: str, history: _History) -> _Run:
    """Round the centroids to 8-bit colours and give every colour its nearest one."""
    palette = np.clip(np.rint(to_rgb(result.centroids, space)), 0, 255).astype(np.uint8)
    state = result.state
    state.move_centroids(to_space(palette, space))
    summary = RunSummary(
        wcss_history=tuple(history.wcss),
        iterations=history.iterations,
        converged=result.converged,
        final_wcss=state.assignment_wcss(),
        phases=tuple(history.phases),
        assign_wcss_history=tuple(history.last_phase.assign_wcss_history),
        empty_clusters=tuple(history.last_phase.empty_clusters),
    )
    return _Run(summary, history.centroids, palette, state)


def _grid_name(grid: ColorGrid) -> str:
    return f"{1 << grid.bits}³ colour grid"


def _rgb_squared_error(colors: ColorCounts, labels: np.ndarray, run: _Run, space: str) -> int:
    """Exact squared RGB error over all pixels, from per-cluster integer sums:
    sum n·||x||² - 2·sum p·S + sum N·||p||²."""
    if space == "rgb":  # the final WCSS is that sum already, computed in exact integers
        return round(run.final_wcss)
    rgb, counts = colors.colors, colors.counts
    palette = run.palette
    k = len(palette)
    p = palette.astype(np.int64)
    sizes = np.rint(np.bincount(labels, weights=counts, minlength=k)).astype(np.int64)
    total = int(sizes @ np.sum(p * p, axis=1))
    for j in range(3):
        channel = rgb[:, j].astype(np.int64)
        sums = np.rint(np.bincount(labels, weights=counts * channel, minlength=k)).astype(np.int64)
        total += int(counts @ (channel * channel)) - 2 * int(p[:, j] @ sums)
    return total


def _validate(image: np.ndarray) -> None:
    if not (
        isinstance(image, np.ndarray)
        and image.dtype == np.uint8
        and image.ndim == 3
        and image.shape[2] == 3
    ):
        raise ValueError("image must be an (H, W, 3) uint8 RGB array")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError("image has no pixels")


def _pixel_labels(
    image: np.ndarray,
    colors: ColorCounts,
    positions: np.ndarray | None,
    labels_of_colors: np.ndarray,
) -> np.ndarray:
    """Every pixel's label (flat), by its position among the colours when counting gave
    them, else by its packed code."""
    if positions is not None:
        return labels_by_position(positions, labels_of_colors)
    return labels_by_code(image, colors.codes, labels_of_colors)


def _keep_every_color(colors: ColorCounts, labels, settings, started) -> Quantization:
    history = colors.colors.astype(np.float32)[None]
    return Quantization(
        palette=colors.colors,
        labels=labels,
        pixel_counts=colors.counts.copy(),
        wcss=0.0,
        squared_error=0,
        wcss_history=(0.0,),
        centroid_history=history,
        iterations=0,
        converged=True,
        phases=(),
        distinct_colors=len(colors),
        runs=(RunSummary((0.0,), 0, True, 0.0, ()),),
        best_run=0,
        seconds=time.perf_counter() - started,
        **settings,
    )
