"""The one computation behind every page, cached per image bytes and settings.

Memory is the budget that matters on a shared server (about 1 GB for everyone), so:
images over ``CLUSTER_PIXEL_LIMIT`` are reduced before clustering, only one computation
runs at a time, the cache is bounded, and the pages get small previews, never the
full-size pixels.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import streamlit as st
from PIL import Image

from kmeans_core import (
    DEFAULT_MAX_PIXELS,
    CompressionReport,
    Quantization,
    encode_indexed_png,
    load_image_fitted,
    quantize,
)

from .settings import Settings

PIXEL_LIMIT = DEFAULT_MAX_PIXELS  # refused above this, from the header, before decoding
CLUSTER_PIXEL_LIMIT = 16_000_000  # clustered at full resolution up to here, reduced above
PREVIEW_LONG_SIDE = 1200  # the side-by-side images are at most this many pixels long
CROP_SIDE = 240  # the 1:1 detail crop
SCATTER_POINTS = 20_000  # pixels drawn in the 3-D view
SWEEP_KS = (2, 4, 8, 16, 32, 64, 128, 256)
CACHE_TTL_SECONDS = 3600

# One heavy computation at a time: a second user waits a second or two instead of the
# server running out of memory. Each K of a sweep takes the slot separately.
_COMPUTE_SLOT = threading.Lock()

Progress = Callable[[float, str], None]
T = TypeVar("T")


@dataclass(frozen=True)
class Analysis:
    """Everything the pages show about one image at one setting."""

    name: str
    input_bytes: int
    input_format: str
    original_size: tuple[int, int]  # (width, height) of the file as uploaded
    result: Quantization
    png: bytes  # the indexed PNG at the clustered size
    original_preview: np.ndarray
    quantized_preview: np.ndarray
    original_crop: np.ndarray
    quantized_crop: np.ndarray
    sample_rgb: np.ndarray  # (s, 3) uint8: random pixels for the 3-D view
    sample_labels: np.ndarray  # (s,) their palette index

    @property
    def reduced(self) -> bool:
        """True when the image was reduced before clustering."""
        return (self.result.width, self.result.height) != self.original_size

    @property
    def report(self) -> CompressionReport:
        return CompressionReport(self.result.width, self.result.height, self.result.colors_used)


@dataclass(frozen=True)
class SweepRow:
    """One K of the K sweep."""

    k: int
    colors_used: int
    wcss: float
    mse: float
    psnr: float
    ratio: float
    png_bytes: int
    iterations: int
    seconds: float


def decode_for_app(data: bytes) -> tuple[np.ndarray, tuple[int, int]]:
    """Decode upload bytes, reduced to ``CLUSTER_PIXEL_LIMIT`` pixels if larger (aspect kept).

    Returns the pixels and the (width, height) of the file before any reduction.
    """
    return load_image_fitted(data, fit_pixels=CLUSTER_PIXEL_LIMIT, max_pixels=PIXEL_LIMIT)


def file_format(data: bytes) -> str:
    """The file's format as Pillow names it ('JPEG', 'PNG', …), from its header."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.format or "image"
    except Exception:  # the real decode reports the problem; this is only a label
        return "image"


def preview(image: np.ndarray, long_side: int = PREVIEW_LONG_SIDE) -> np.ndarray:
    height, width = image.shape[:2]
    scale = long_side / max(height, width)
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BOX))


def _centre_crop(image: np.ndarray, side: int = CROP_SIDE) -> np.ndarray:
    height, width = image.shape[:2]
    top, left = max(0, (height - side) // 2), max(0, (width - side) // 2)
    return np.ascontiguousarray(image[top : top + side, left : left + side])


def progress_bar() -> Progress:
    """A progress bar in the page that the caller owns; created inside the cached function
    so that a cache hit replays nothing stale (see GUIDE fact 4)."""
    bar = st.empty()

    def report(fraction: float, message: str) -> None:
        if fraction >= 1:
            bar.empty()
        else:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    return report


def run_in_slot(report: Progress, work: Callable[[], T]) -> T:
    """Run ``work`` when no other heavy computation is running, saying so while it waits."""
    if not _COMPUTE_SLOT.acquire(blocking=False):
        report(0.0, "Waiting for another user's computation to finish…")
        _COMPUTE_SLOT.acquire()
    try:
        return work()
    finally:
        _COMPUTE_SLOT.release()


@st.cache_data(max_entries=8, max_size="100MB", ttl=CACHE_TTL_SECONDS, show_spinner=False)
def analyse(data: bytes, name: str, settings: Settings) -> Analysis:
    """Decode, quantize and prepare every view of one image; cached per bytes and settings.

    All of it, decoding included, holds the compute slot: the full-size arrays of two
    images never coexist.
    """
    report = progress_bar()
    try:
        return run_in_slot(report, lambda: _analyse(data, name, settings, report))
    finally:
        report(1.0, "")  # no progress bar left standing, above an error message either


def _analyse(data: bytes, name: str, settings: Settings, report: Progress) -> Analysis:
    report(0.01, "Decoding the image…")
    image, original_size = decode_for_app(data)
    report(0.02, f"Counting the colours of {image.shape[1]}×{image.shape[0]} pixels…")
    result = quantize(image, settings=settings, progress=lambda f, m: report(0.05 + 0.85 * f, m))
    report(0.92, "Writing the indexed PNG…")
    png = encode_indexed_png(result.palette, result.labels)
    report(0.97, "Preparing the views…")
    quantized = result.image()
    count = min(SCATTER_POINTS, result.pixels)
    sample = np.random.default_rng(0).choice(result.pixels, size=count, replace=False)
    return Analysis(
        name=name,
        input_bytes=len(data),
        input_format=file_format(data),
        original_size=original_size,
        result=result,
        png=png,
        original_preview=preview(image),
        quantized_preview=preview(quantized),
        original_crop=_centre_crop(image),
        quantized_crop=_centre_crop(quantized),
        sample_rgb=image.reshape(-1, 3)[sample],
        sample_labels=result.labels.reshape(-1)[sample],
    )


@st.cache_data(max_entries=16, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def sweep_k(data: bytes, settings: Settings, ks: tuple[int, ...] = SWEEP_KS) -> list[SweepRow]:
    """Quantize at every K in ``ks`` with otherwise the same settings; cached.

    Call it with ``without_k(settings)`` so that changing K does not redo the sweep. Each K
    takes the compute slot on its own, so other users' runs go in between.
    """
    report = progress_bar()
    image = run_in_slot(report, lambda: decoded(data))
    rows = [
        run_in_slot(report, lambda i=i, k=k: _sweep_row(image, k, settings, i, ks, report))
        for i, k in enumerate(ks)
    ]
    report(1.0, "")
    return rows


def _sweep_row(
    image: np.ndarray, k: int, settings: Settings, i: int, ks: tuple[int, ...], report: Progress
) -> SweepRow:
    started = time.perf_counter()

    def step(fraction: float, message: str) -> None:
        report((i + fraction) / len(ks), f"K = {k} ({i + 1} of {len(ks)}): {message}")

    step(0.0, "starting…")
    result = quantize(image, k, settings=settings, progress=step)
    png = encode_indexed_png(result.palette, result.labels)
    return SweepRow(
        k=k,
        colors_used=result.colors_used,
        wcss=result.wcss_history[-1],  # as the Convergence page's curve ends
        mse=result.mse,
        psnr=result.psnr,
        ratio=CompressionReport(result.width, result.height, result.colors_used).ratio,
        png_bytes=len(png),
        iterations=result.iterations,
        seconds=time.perf_counter() - started,
    )


@st.cache_resource(max_entries=2, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def decoded(data: bytes) -> np.ndarray:
    """The decoded image (reduced like the analysis'), shared read-only by the computations
    that need the pixels again: no copy per use, two images at most."""
    image, _ = decode_for_app(data)
    image.flags.writeable = False
    return image
