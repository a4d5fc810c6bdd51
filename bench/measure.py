"""Measuring one pipeline run: a child process, its JSON report and its peak memory.

Peak RSS comes from ``os.wait4``: the kernel's resource usage of exactly that child,
reported when it is reaped. (``getrusage(RUSAGE_CHILDREN)`` would give the maximum over
every child so far, and ``/usr/bin/time`` is not everywhere.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from kmeans_core.colors import count_colors, pack_rgb
from kmeans_core.lloyd import weighted_lloyd
from kmeans_core.metrics import mse
from kmeans_core.seeding import kmeans_plusplus

REPO = Path(__file__).resolve().parent.parent


class ChildFailed(RuntimeError):
    """A measured process exited with an error."""


@dataclass(frozen=True)
class ChildRun:
    """What a measured process printed as JSON, and its peak resident memory."""

    report: dict
    peak_rss_mb: float


def run_child(arguments: list[str]) -> ChildRun:
    """Run ``python ARGUMENTS`` from the repository root; parse its stdout as JSON."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen([sys.executable, *arguments], cwd=REPO, stdout=out, stderr=err)
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise ChildFailed(
            f"`python {' '.join(arguments)}` exited with {process.returncode}:\n{stderr}"
        )
    return ChildRun(report=json.loads(stdout), peak_rss_mb=usage.ru_maxrss / 1024)  # KiB


def mse_of_png(original: np.ndarray, png: Path) -> float:
    """MSE of a written PNG against the original: decoded, converted to RGB, compared."""
    with Image.open(png) as image:
        decoded = np.asarray(image.convert("RGB"))
    return mse(original, decoded)


def distinct_colors(image: np.ndarray) -> int:
    """How many distinct RGB colours the image has."""
    return len(count_colors(pack_rgb(image), in_place=True))


@dataclass(frozen=True)
class Reference:
    """Lloyd to full convergence from k-means++: the best seed's MSE and iterations."""

    mse: float
    seed: int
    iterations: int
    converged: bool


def converged_lloyd_reference(
    image: np.ndarray, k: int, seeds: tuple[int, ...] = (0, 1), max_iter: int = 10_000
) -> Reference:
    """Weighted Lloyd on the distinct colours from k-means++, run until no colour changes
    cluster (``tol=0``); its palette is the rounded centroids, every pixel at its nearest
    palette colour. Returns the seed whose palette has the lowest MSE."""
    colors = count_colors(pack_rgb(image), in_place=True)
    points, weights = colors.colors.astype(np.float64), colors.counts.astype(np.float64)
    references = []
    for seed in seeds:
        start = kmeans_plusplus(points, weights, k, np.random.default_rng(seed))
        run = weighted_lloyd(points, weights, start, max_iter=max_iter, tol=0.0)
        palette = np.clip(np.rint(run.centroids), 0, 255).astype(np.uint8)
        error = nearest_palette_squared_error(colors.colors, colors.counts, palette)
        references.append(Reference(error / colors.total, seed, run.iterations, run.converged))
    return min(references, key=lambda reference: reference.mse)


def nearest_palette_squared_error(
    colors: np.ndarray, counts: np.ndarray, palette: np.ndarray
) -> int:
    """Squared error, exact in integers, of every colour (× its count) at its nearest palette
    colour."""
    colors = colors.astype(np.int32)
    nearest = np.full(len(colors), np.iinfo(np.int32).max, dtype=np.int32)
    for entry in palette.astype(np.int32):
        difference = colors - entry
        np.minimum(nearest, np.einsum("ij,ij->i", difference, difference), out=nearest)
    return int(nearest.astype(np.int64) @ counts.astype(np.int64))
