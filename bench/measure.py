"""Measuring one pipeline run: a child process, its JSON report and its peak memory.

Peak RSS is the child's own ``VmHWM``, written by ``bench/peak.py`` as it ends: ``ru_maxrss``
from ``os.wait4`` starts at the parent's peak (Linux copies it on fork), so a benchmark that
has grown large would see its own size in every child.
"""

from __future__ import annotations

import json
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
    """Run ``python -m MODULE ...`` (``arguments`` start with ``-m``) from the repository
    root; parse its stdout as JSON and read its own peak memory."""
    if arguments[0] != "-m":
        raise ValueError("run_child runs modules: arguments must start with -m")
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as folder,
    ):
        peak_file = Path(folder) / "peak"
        command = [sys.executable, "-m", "bench.peak", str(peak_file), *arguments[1:]]
        returncode = subprocess.run(command, cwd=REPO, stdout=out, stderr=err).returncode
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
        if returncode != 0:
            raise ChildFailed(f"`python {' '.join(arguments)}` exited with {returncode}:\n{stderr}")
        peak_kib = int(peak_file.read_text())
    return ChildRun(report=json.loads(stdout), peak_rss_mb=peak_kib / 1024)


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
