"""The extra computations some views ask for, each cached: dithering, other quantizers,
random against k-means++ starts, RGB against L*a*b*, and frames of the iteration playback."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import streamlit as st

from kmeans_core import (
    Quantization,
    assign_to_palette,
    dither_to_palette,
    encode_indexed_png,
    mean_delta_e,
    pillow_methods,
    pillow_quantize,
    psnr_from_mse,
    quantize,
)
from kmeans_core.metrics import squared_error

from .analysis import CACHE_TTL_SECONDS, decoded, preview, progress_bar, run_in_slot
from .settings import Settings

SEEDS_PER_INIT = 5


@dataclass(frozen=True)
class Rendering:
    """One way of drawing the image with few colours, and what it costs."""

    name: str
    preview: np.ndarray
    png: bytes
    colors: int
    mse: float
    psnr: float
    seconds: float


def _rendering(name: str, image: np.ndarray, palette, labels, seconds: float) -> Rendering:
    png = encode_indexed_png(palette, labels)
    mse = squared_error(image, palette[labels]) / labels.size
    colors = int(np.count_nonzero(np.bincount(labels.ravel(), minlength=len(palette))))
    return Rendering(name, preview(palette[labels]), png, colors, mse, psnr_from_mse(mse), seconds)


@st.cache_data(max_entries=4, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def dithered(data: bytes, palette: np.ndarray) -> Rendering:
    """The image with Floyd–Steinberg dithering onto ``palette`` (the K-Means palette)."""
    report = progress_bar()

    def work() -> Rendering:
        report(0.1, "Dithering with the K-Means palette…")
        image = decoded(data)
        started = time.perf_counter()
        labels = dither_to_palette(image, palette)
        seconds = time.perf_counter() - started
        return _rendering("Floyd–Steinberg", image, palette, labels, seconds)

    rendering = run_in_slot(report, work)
    report(1.0, "")
    return rendering


@st.cache_data(max_entries=4, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def other_quantizers(data: bytes, k: int) -> list[Rendering | str]:
    """Pillow's quantizers at the same K: a Rendering each, or the name of one this Pillow
    build lacks."""
    report = progress_bar()
    methods = pillow_methods()

    def work(name: str) -> Rendering:
        image = decoded(data)
        started = time.perf_counter()
        palette, labels = pillow_quantize(image, k, name)
        return _rendering(name, image, palette, labels, time.perf_counter() - started)

    results: list[Rendering | str] = []
    for i, (name, available) in enumerate(methods.items()):
        report(i / len(methods), f"Pillow's {name} at K = {k}…")
        results.append(run_in_slot(report, lambda name=name: work(name)) if available else name)
    report(1.0, "")
    return results


@dataclass(frozen=True)
class Start:
    """One run from one kind of start."""

    init: str
    seed: int
    wcss_history: tuple[float, ...]
    final_wcss: float
    iterations: int


@st.cache_data(max_entries=8, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def compare_starts(
    data: bytes, k: int, space: str, max_iter: int, seeds: int = SEEDS_PER_INIT
) -> list[Start]:
    """Random pixels against k-means++: ``seeds`` runs of each (seeds 0, 1, …)."""
    report = progress_bar()
    starts = []
    runs = [(init, seed) for init in ("random", "k-means++") for seed in range(seeds)]
    for i, (init, seed) in enumerate(runs):
        report(i / len(runs), f"{init} start, seed {seed}…")
        result = run_in_slot(
            report,
            lambda init=init, seed=seed: quantize(
                decoded(data), k, init=init, seed=seed, space=space, max_iter=max_iter
            ),
        )
        starts.append(Start(init, seed, result.wcss_history, result.wcss, result.iterations))
    report(1.0, "")
    return starts


@dataclass(frozen=True)
class SpaceResult:
    """K-Means in one colour space, judged in both."""

    space: str
    preview: np.ndarray
    mse: float
    delta_e: float


@st.cache_data(max_entries=8, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def compare_spaces(data: bytes, settings: Settings) -> list[SpaceResult]:
    """K-Means in RGB and in CIE L*a*b*, with the MSE (RGB) and mean ΔE (L*a*b*) of each."""
    report = progress_bar()

    def work(space: str) -> SpaceResult:
        image = decoded(data)
        result: Quantization = quantize(image, settings=settings.but(space=space))
        quantized = result.image()
        return SpaceResult(space, preview(quantized), result.mse, mean_delta_e(image, quantized))

    results = []
    for i, space in enumerate(("rgb", "lab")):
        report(i / 2, f"K-Means in {space.upper()} and its colour differences…")
        results.append(run_in_slot(report, lambda space=space: work(space)))
    report(1.0, "")
    return results


def frame_at(original: np.ndarray, centroids: np.ndarray, space: str) -> np.ndarray:
    """The (preview-size) image as it would be quantized with ``centroids`` (RGB floats):
    every pixel at its nearest centroid, rounded to 8-bit colours."""
    palette = np.clip(np.rint(centroids), 0, 255).astype(np.uint8)
    return palette[assign_to_palette(original, palette, space)]
