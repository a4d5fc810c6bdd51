"""The exercise's run on the current image, prepared for the Step by step page: its
half-steps, the 3-D sample's cluster at each assignment, and the image at each step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from kmeans_core import Quantization, encode_indexed_png, quantize
from kmeans_core.steps import (
    START,
    UPDATE,
    HalfStep,
    assignments,
    half_steps,
    nearest_centroids,
    rounded,
)

from .analysis import (
    CACHE_TTL_SECONDS,
    Photo,
    compress,
    encode_preview,
    png_bytes,
    prepared_photo,
    preview_size,
    progress_bar,
    run_in_slot,
    sampled,
)
from .data_urls import data_url
from .settings import Settings
from .step_figures import StepState

ANIMATED_ITERATIONS = 25  # frames for at most this many iterations (51 half-steps)
STEP_POINTS = 2_500  # of the photo's 3-D sample: plenty to see the clusters, few bytes a frame
FRAME_LONG_SIDE = 240  # the image inside the animation, per frame
VIEW_LONG_SIDE = 800  # the image beside the 3-D view when stepping on the server
BAD_START_SEEDS = 8


@dataclass(frozen=True)
class ExerciseSteps:
    """Everything the step views draw, for one image and one exercise run."""

    settings: Settings
    steps: tuple[HalfStep, ...]  # the animated ones: the start, then two per iteration
    iterations: int  # of the whole run (steps may stop earlier: ANIMATED_ITERATIONS)
    converged: bool
    sample_rgb: np.ndarray  # (n, 3) uint8
    sample_labels: np.ndarray  # (animated iterations, n) uint8: cluster at each assignment
    centroids: np.ndarray  # (iterations + 1, K, 3) float32 RGB after each iteration
    frames: tuple[str, ...]  # the image at every step, small, as a data URL
    empty_clusters: tuple[tuple[int, int], ...]

    @property
    def k(self) -> int:
        return int(self.centroids.shape[1])

    def centroids_at(self, step: HalfStep) -> np.ndarray:
        return self.centroids[step.centroids]

    def labels_at(self, step: HalfStep) -> np.ndarray | None:
        """The sample's clusters at ``step``; None at the start."""
        return _labels_at(self.sample_labels, step)


@st.cache_resource(max_entries=4, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def exercise_steps(digest: str, settings: Settings, _data: bytes) -> ExerciseSteps:
    """The exercise's run (``settings`` must be an exercise run), half-step by half-step."""
    photo = prepared_photo(digest, _data)
    result = compress(digest, settings, _data).result
    with progress_bar() as report:
        report(0.1, "Replaying the exercise's run half-step by half-step…")
        return run_in_slot(report, lambda: _replay(photo, result, settings))


def _replay(photo: Photo, result: Quantization, settings: Settings) -> ExerciseSteps:
    animated = min(result.iterations, ANIMATED_ITERATIONS)
    steps = tuple(half_steps(result, iterations=animated))
    sample = photo.sample_rgb[:STEP_POINTS]
    small = _image_at_size(photo, FRAME_LONG_SIDE)
    small_labels = assignments(small.reshape(-1, 3), result, animated)
    return ExerciseSteps(
        settings=settings,
        steps=steps,
        iterations=result.iterations,
        converged=result.converged,
        sample_rgb=sample,
        sample_labels=assignments(sample, result, animated),
        centroids=result.centroid_history,
        frames=tuple(
            _frame_url(small, step, result.centroid_history, _labels_at(small_labels, step))
            for step in steps
        ),
        empty_clusters=result.empty_clusters,
    )


def _image_at_size(photo: Photo, long_side: int) -> np.ndarray:
    return sampled(photo.preview_pixels, preview_size(photo.width, photo.height, long_side))


def _labels_at(labels: np.ndarray, step: HalfStep) -> np.ndarray | None:
    """Row ``step.assignment - 1`` of ``labels`` (iterations, pixels); None at the start."""
    return None if step.kind == START else labels[step.assignment - 1]


def _frame_url(
    image: np.ndarray, step: HalfStep, centroids: np.ndarray, labels: np.ndarray | None
) -> str:
    """The animation's image at ``step``, as a data URL; the start's, the photo itself, as
    the original's preview is sent (a JPEG for photos: a fifth of the PNG's bytes)."""
    if step.kind == START:
        return data_url(*encode_preview(image))
    return data_url(_png_at(image, step, centroids, labels))


def _png_at(
    image: np.ndarray, step: HalfStep, centroids: np.ndarray, labels: np.ndarray | None
) -> bytes:
    """The image at ``step``: every pixel in the colour its cluster's centroid has then
    (``labels``: each pixel's cluster at this step's assignment, flat); at the start, before
    any assignment, the image itself."""
    if step.kind == START:
        return png_bytes(image)
    palette = rounded(centroids[step.centroids])
    return encode_indexed_png(palette, labels.reshape(image.shape[:2]))


@st.cache_data(max_entries=64, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def step_view_image(
    digest: str, settings: Settings, number: int, _steps: ExerciseSteps, _photo: Photo
) -> tuple[bytes, str]:
    """The image at half-step ``number``, at the step view's size: (file bytes, format).
    The start is the photo, sent as the original's preview is (a JPEG for photos: a
    quarter of a PNG's bytes); every other step an indexed PNG of its K colours."""
    step = _steps.steps[number]
    image = _image_at_size(_photo, VIEW_LONG_SIDE)
    if step.kind == START:
        return encode_preview(image)
    labels = nearest_centroids(image, _steps.centroids[step.assignment - 1], settings.space)
    return _png_at(image, step, _steps.centroids, labels), "PNG"


def explanation(step: HalfStep, k: int) -> str:
    """What happens at ``step``, and why the WCSS cannot rise there."""
    if step.kind == START:
        return (
            f"The exercise's start: `kmeans_init_centroids` picks K = {k} pixels of different "
            "colours at random. No pixel belongs to a cluster yet, so there is no WCSS."
        )
    if step.kind == UPDATE:
        return (
            "**Update**: every centroid moves to the mean of its pixels; no pixel changes "
            "cluster. The WCSS cannot rise: the mean is the point with the smallest sum of "
            "squared distances to a cluster's pixels."
        )
    return (
        "**Assign**: every pixel takes the colour of its nearest centroid; no centroid "
        "moves. The WCSS cannot rise: no pixel is farther from its centroid than before."
    )


def step_state(run: ExerciseSteps, step: HalfStep, *, with_image: bool = False) -> StepState:
    """What the figures draw at ``step``."""
    wcss = "" if step.wcss is None else f" · WCSS {step.wcss:,.0f}"
    return StepState(
        name=step.name,
        title=f"Step {step.number} of {len(run.steps) - 1}: {step.title}{wcss}",
        labels=run.labels_at(step),
        centroids=run.centroids_at(step),
        trail=run.centroids[: step.centroids + 1],
        image_url=run.frames[step.number] if with_image else "",
    )


@dataclass(frozen=True)
class StartOutcome:
    """The exercise's run from one seed."""

    seed: int
    wcss: float  # of the palette it gives (the centroids rounded), every pixel at its nearest
    iterations: int
    converged: bool
    empty_clusters: tuple[tuple[int, int], ...]
    preview_png: bytes  # only for the best and the worst seed; else empty


@st.cache_data(max_entries=8, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def bad_starts(
    digest: str, settings: Settings, _data: bytes, seeds: int = BAD_START_SEEDS
) -> list[StartOutcome]:
    """The exercise's run from seeds 0 to ``seeds - 1``, the other settings as given; the
    best and the worst keep a preview."""
    photo = prepared_photo(digest, _data)
    results = []
    with progress_bar() as report:
        for seed in range(seeds):
            report(seed / seeds, f"The exercise's run from seed {seed}…")
            run = settings.but(seed=seed)
            results.append(
                run_in_slot(
                    report,
                    lambda run=run: quantize(photo.pixels, settings=run, colors=photo.colors),
                )
            )
    finals = [result.wcss for result in results]
    shown = {int(np.argmin(finals)), int(np.argmax(finals))}
    height, width = photo.preview_pixels.shape[:2]
    return [
        StartOutcome(
            seed=seed,
            wcss=result.wcss,
            iterations=result.iterations,
            converged=result.converged,
            empty_clusters=result.empty_clusters,
            preview_png=encode_indexed_png(result.palette, sampled(result.labels, (width, height)))
            if seed in shown
            else b"",
        )
        for seed, result in enumerate(results)
    ]
