"""The extra computations some views ask for, each cached: dithering, other quantizers,
random against k-means++ starts, RGB against L*a*b*, and frames of the iteration playback."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import streamlit as st

from kmeans_core import (
    Settings,
    assign_to_palette,
    encode_indexed_png,
    mean_delta_e,
    pillow_quantize,
    psnr_from_mse,
    quantize,
)
from kmeans_core.metrics import squared_error
from kmeans_core.transparency import dither_keeping_alpha, entry_alpha

from .analysis import (
    CACHE_TTL_SECONDS,
    Photo,
    compress,
    prepared_photo,
    preview_size,
    progress_bar,
    run_in_slot,
    sampled,
)

SEEDS_PER_INIT = 5


@dataclass(frozen=True)
class Rendering:
    """One way of drawing the image with few colours, and what it costs."""

    name: str
    preview_png: bytes  # at the preview size, in the rendering's own colours (indexed PNG)
    png_size: int  # bytes of the whole image as an indexed PNG
    colors: int
    mse: float
    psnr: float
    seconds: float


def _rendering(
    name: str,
    photo: Photo,
    palette,
    labels,
    seconds: float,
    png: bytes | None = None,
    *,
    alpha: np.ndarray | None = None,
) -> Rendering:
    """Score ``labels`` into ``palette`` (entries of ``alpha``, if given) against the photo;
    keep only what the page shows."""
    mse = squared_error(photo.pixels, palette[labels]) / labels.size
    colors = int(np.count_nonzero(np.bincount(labels.ravel(), minlength=len(palette))))
    height, width = photo.preview_pixels.shape[:2]
    return Rendering(
        name,
        preview_png=encode_indexed_png(palette, sampled(labels, (width, height)), alpha=alpha),
        png_size=len(png or encode_indexed_png(palette, labels)),
        colors=colors,
        mse=mse,
        psnr=psnr_from_mse(mse),
        seconds=seconds,
    )


@st.cache_data(max_entries=4, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def dithered(digest: str, palette: np.ndarray, _data: bytes) -> tuple[Rendering, bytes]:
    """The image with Floyd–Steinberg dithering onto ``palette`` (the K-Means palette), and
    its indexed PNG (for the download). A transparent image's transparent pixels keep the
    palette's last, transparent, entry; the others are dithered onto the opaque ones."""
    photo = prepared_photo(digest, _data)
    alpha = entry_alpha(len(palette)) if photo.has_alpha else None

    def work() -> tuple[Rendering, bytes]:
        report(0.1, "Dithering with the K-Means palette…")
        started = time.perf_counter()
        labels = dither_keeping_alpha(photo.pixels, palette, photo.transparent)
        seconds = time.perf_counter() - started
        png = encode_indexed_png(palette, labels, alpha=alpha)
        rendering = _rendering("Floyd–Steinberg", photo, palette, labels, seconds, png, alpha=alpha)
        return rendering, png

    with progress_bar() as report:
        return run_in_slot(report, work)


@st.cache_data(max_entries=16, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def other_quantizer(digest: str, k: int, method: str, _data: bytes) -> Rendering:
    """Pillow's ``method`` at ``k`` colours on the image, one at a time in the compute slot."""
    photo = prepared_photo(digest, _data)

    def work() -> Rendering:
        report(0.1, f"Pillow's {method} at K = {k}…")
        started = time.perf_counter()
        palette, labels = pillow_quantize(photo.pixels, k, method)
        return _rendering(method, photo, palette, labels, time.perf_counter() - started)

    with progress_bar() as report:
        return run_in_slot(report, work)


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
    digest: str, settings: Settings, _data: bytes, seeds: int = SEEDS_PER_INIT
) -> list[Start]:
    """Random pixels against k-means++: ``seeds`` runs of each (seeds 0, 1, …), one restart
    each, with the other settings as given."""
    photo = prepared_photo(digest, _data)
    starts = []
    runs = [(init, seed) for init in ("random", "k-means++") for seed in range(seeds)]
    with progress_bar() as report:
        for i, (init, seed) in enumerate(runs):
            report(i / len(runs), f"{init} start, seed {seed}…")
            run = settings.but(init=init, seed=seed, n_init=1)
            result = run_in_slot(
                report, lambda run=run: quantize(photo.pixels, settings=run, colors=photo.colors)
            )
            starts.append(Start(init, seed, result.wcss_history, result.wcss, result.iterations))
    return starts


@dataclass(frozen=True)
class SpaceResult:
    """K-Means in one colour space, judged in both."""

    space: str
    preview_png: bytes  # an indexed PNG at the preview size
    mse: float
    delta_e: float


@st.cache_data(max_entries=8, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def compare_spaces(digest: str, settings: Settings, _data: bytes) -> list[SpaceResult]:
    """K-Means in RGB and in CIE L*a*b*, with the MSE (RGB) and mean ΔE (L*a*b*) of each.

    Each run is the app's own cached computation at those settings: the one for the
    current colour space is usually there already, and the other is then ready when the
    user switches.
    """
    photo = prepared_photo(digest, _data)
    results = []
    for space in ("rgb", "lab"):
        compression = compress(digest, settings.but(space=space), _data)
        with progress_bar() as report:
            report(0.5, f"Colour differences of K-Means in {space.upper()}…")
            delta_e = run_in_slot(
                report, lambda c=compression: mean_delta_e(photo.pixels, c.result.image())
            )
        results.append(SpaceResult(space, compression.preview_png, compression.result.mse, delta_e))
    return results


@st.cache_data(max_entries=256, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def playback_frame(
    digest: str, settings: Settings, t: int, _photo: Photo, _centroids: np.ndarray
) -> bytes:
    """Frame ``t`` of the iteration playback of the image at ``settings``: the photo at
    800 pixels long, every pixel at its nearest centroid after iteration ``t``."""
    small = sampled(_photo.preview_pixels, preview_size(_photo.width, _photo.height, 800))
    return frame_at(small, _centroids, settings.space)


def frame_at(original: np.ndarray, centroids: np.ndarray, space: str) -> bytes:
    """The (preview-size) image as it would be quantized with ``centroids`` (RGB floats):
    every pixel at its nearest centroid rounded to an 8-bit colour, as an indexed PNG."""
    palette = np.clip(np.rint(centroids), 0, 255).astype(np.uint8)
    return encode_indexed_png(palette, assign_to_palette(original, palette, space))
