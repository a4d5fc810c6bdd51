"""Lloyd's algorithm one half-step at a time: the start, then Assign, Update, Assign, …

A run records the centroids after every iteration (``Quantization.centroid_history``) and
the WCSS after each of its two half-steps (``assign_wcss_history``, ``wcss_history``).
That is enough to replay it: the assignment of iteration ``t`` gives every point its
nearest of the centroids after iteration ``t - 1``; the update moves each centroid to the
mean of its points, giving the centroids after iteration ``t``.

Replays are meant for the exercise's run (:data:`~kmeans_core.settings.EXERCISE`), which
is one run on every pixel; a run with a warm start records only its last phase's
assignments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .colors import count_colors, labels_per_pixel, pack_rgb
from .colorspace import to_space
from .kmeans import find_closest_centroids
from .quantization import Quantization

START, ASSIGN, UPDATE = "Start", "Assign", "Update"


@dataclass(frozen=True)
class HalfStep:
    """One state of the run.

    ``centroids`` indexes ``centroid_history``: where the centroids are at this step.
    ``assignment`` is the iteration whose assignment the points follow (0 at the start,
    where no point has a cluster yet): each point at its nearest of
    ``centroid_history[assignment - 1]``. ``wcss`` is exact, over every pixel (None at the
    start).
    """

    number: int
    kind: str
    iteration: int
    wcss: float | None
    centroids: int
    assignment: int

    @property
    def name(self) -> str:
        """Short, for a slider: '0' at the start, then 'A1', 'U1', 'A2', …"""
        return "0" if self.kind == START else f"{self.kind[0]}{self.iteration}"

    @property
    def title(self) -> str:
        if self.kind == START:
            return "Start"
        return f"{self.kind} · iteration {self.iteration}"


def half_steps(result: Quantization, *, iterations: int | None = None) -> list[HalfStep]:
    """The start and the two half-steps of each of the first ``iterations`` iterations
    (all of them by default): ``1 + 2 × iterations`` states."""
    last = result.iterations if iterations is None else min(iterations, result.iterations)
    steps = [HalfStep(0, START, 0, None, centroids=0, assignment=0)]
    for t in range(1, last + 1):
        assign_wcss = result.assign_wcss_history[t - 1]
        steps.append(HalfStep(2 * t - 1, ASSIGN, t, assign_wcss, centroids=t - 1, assignment=t))
        steps.append(HalfStep(2 * t, UPDATE, t, result.wcss_history[t], centroids=t, assignment=t))
    return steps


class _Pixels:
    """Pixels (…, 3) uint8 counted once, so that assigning them to several sets of
    centroids measures each distinct colour once per set."""

    def __init__(self, rgb: np.ndarray, space: str) -> None:
        self.codes = pack_rgb(rgb)
        self.colors = count_colors(self.codes)
        self.points = to_space(self.colors.colors, space)
        self.space = space

    def nearest(self, centroids: np.ndarray) -> np.ndarray:
        """Each pixel's nearest of ``centroids`` (K, 3) RGB, ties to the lowest index; flat
        uint8."""
        targets = to_space(np.asarray(centroids, dtype=np.float64), self.space)
        nearest = find_closest_centroids(self.points, targets).astype(np.uint8)
        return labels_per_pixel(self.codes, self.colors.codes, nearest)


def nearest_centroids(rgb: np.ndarray, centroids: np.ndarray, space: str) -> np.ndarray:
    """The cluster of every (…, 3) uint8 ``rgb`` pixel: its nearest of ``centroids`` (K, 3)
    RGB, measured in ``space``, ties to the lowest index. Returns a flat uint8 array."""
    return _Pixels(rgb, space).nearest(centroids)


def assignments(rgb: np.ndarray, result: Quantization, iterations: int) -> np.ndarray:
    """(iterations, n) uint8: the cluster of each of the ``rgb`` (n, 3) points at the
    assignment step of iterations 1 to ``iterations``."""
    pixels = _Pixels(rgb, result.space)
    labels = np.empty((iterations, len(rgb)), dtype=np.uint8)
    for t in range(iterations):
        labels[t] = pixels.nearest(result.centroid_history[t])
    return labels


def rounded(centroids: np.ndarray) -> np.ndarray:
    """Centroids (K, 3) RGB floats as 8-bit colours: the palette they would give."""
    return np.clip(np.rint(centroids), 0, 255).astype(np.uint8)
