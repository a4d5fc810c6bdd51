"""The computations behind every page: what belongs to the image, done once per image, and
what depends on the settings, done once per image and settings.

Work is split so that a K change costs little more than K-Means itself:

* :func:`prepared_photo` decodes the upload, counts its colours, draws the 3-D view's sample
  and encodes the original's preview and crop once per image (shared, read-only).
* :func:`compress` quantizes it at one setting and encodes the indexed PNG and the previews,
  which are indexed PNGs too: small, and holding only the palette's colours.

Both are keyed by the image's digest plus the settings; the bytes travel unhashed.

Memory is the budget that matters on a shared server (about 1 GB for everyone), so images
over ``CLUSTER_PIXEL_LIMIT`` are reduced before clustering, only one computation runs at a
time, the caches are bounded, and the browser gets previews, never the full-size pixels.
"""

from __future__ import annotations

import io
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import streamlit as st
from PIL import Image

from kmeans_core import (
    DEFAULT_MAX_PIXELS,
    ColorCounts,
    CompressionReport,
    Quantization,
    Settings,
    encode_indexed_png,
    image_colors,
    load_image_fitted,
    quantize,
)

PIXEL_LIMIT = DEFAULT_MAX_PIXELS  # refused above this, from the header, before decoding
CLUSTER_PIXEL_LIMIT = 16_000_000  # clustered at full resolution up to here, reduced above
PREVIEW_LONG_SIDE = 1200  # the side-by-side images are at most this many pixels long
CROP_SIDE = 240  # the 1:1 detail crop
SCATTER_POINTS = 20_000  # pixels drawn in the 3-D view
SWEEP_KS = (2, 4, 8, 16, 32, 64, 128, 256)
CACHE_TTL_SECONDS = 3600
# A 12 MP photo's pixels, colours and previews take about 40 MB, and each result (its
# labels, one byte a pixel, and its PNG) about 14 MB: a few images, a few settings each.
PHOTO_CACHE_ENTRIES = 4
RESULT_CACHE_ENTRIES = 8


Progress = Callable[[float, str], None]
T = TypeVar("T")


@dataclass(frozen=True)
class Photo:
    """One decoded image and everything about it that does not depend on the settings."""

    pixels: np.ndarray  # (H, W, 3) uint8, read-only; reduced when over CLUSTER_PIXEL_LIMIT
    colors: ColorCounts  # its distinct colours with their pixel counts
    original_size: tuple[int, int]  # (width, height) of the file as uploaded
    input_bytes: int
    input_format: str
    preview_pixels: np.ndarray  # (h, w, 3) uint8: the pixels the previews show
    preview_file: bytes  # preview_pixels encoded once (see encode_preview)
    preview_format: str  # "PNG" or "JPEG"
    crop_box: tuple[int, int, int, int]  # (left, top, right, bottom) of the 1:1 crop
    crop_png: bytes  # the original's crop as a PNG
    sample_index: np.ndarray  # (s,) flat indices of the pixels drawn in the 3-D view
    sample_rgb: np.ndarray  # (s, 3) uint8: their colours

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def reduced(self) -> bool:
        """True when the image was reduced before clustering."""
        return (self.width, self.height) != self.original_size


@dataclass(frozen=True)
class Compression:
    """One image quantized at one setting, with its file and its previews."""

    result: Quantization
    png: bytes  # the indexed PNG at the clustered size
    preview_png: bytes  # the preview's pixels in palette colours, an indexed PNG
    crop_png: bytes  # the 1:1 crop in palette colours, an indexed PNG
    sample_labels: np.ndarray  # (s,) palette index of each 3-D sample pixel


@dataclass(frozen=True)
class Analysis:
    """What the pages show about the current image at the current settings."""

    name: str
    photo: Photo
    compression: Compression

    @property
    def result(self) -> Quantization:
        return self.compression.result

    @property
    def png(self) -> bytes:
        return self.compression.png

    @property
    def original_size(self) -> tuple[int, int]:
        return self.photo.original_size

    @property
    def input_bytes(self) -> int:
        return self.photo.input_bytes

    @property
    def input_format(self) -> str:
        return self.photo.input_format

    @property
    def reduced(self) -> bool:
        return self.photo.reduced

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


def preview_size(width: int, height: int, long_side: int = PREVIEW_LONG_SIDE) -> tuple[int, int]:
    """The (width, height) of an image shown at most ``long_side`` pixels long."""
    scale = min(1.0, long_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def sampled(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``pixels`` at ``size`` by nearest-pixel sampling: every value is one of the input's.

    The original's preview and the compressed one are sampled at the same places, so each
    compressed preview pixel is exactly the palette colour of the original preview pixel
    beside it, and holds nothing but palette colours.
    """
    if (pixels.shape[1], pixels.shape[0]) == size:
        return pixels
    return np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.NEAREST))


def png_bytes(pixels: np.ndarray) -> bytes:
    """A full-colour PNG of (H, W, 3) uint8 pixels."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


PREVIEW_LOSSLESS_COLORS = 4096
PREVIEW_JPEG_QUALITY = 95


def encode_preview(pixels: np.ndarray) -> tuple[bytes, str]:
    """The original's preview as the browser gets it: (file bytes, "PNG" or "JPEG").

    Drawings, charts and logos (at most 4,096 colours) go as lossless PNG, where JPEG
    would ring around their edges. Photos go as a quality-95 JPEG without chroma
    subsampling: as good as lossless to the eye, a third of the PNG's bytes (a 12 MP
    phone photo's 1200-px preview: about 0.7 MB against 2.3 MB). The 1:1 crop stays PNG.
    """
    image = Image.fromarray(pixels)
    if image.getcolors(maxcolors=PREVIEW_LOSSLESS_COLORS) is not None:
        return png_bytes(pixels), "PNG"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=PREVIEW_JPEG_QUALITY, subsampling=0)
    return buffer.getvalue(), "JPEG"


def crop_box_of(width: int, height: int, side: int = CROP_SIDE) -> tuple[int, int, int, int]:
    left, top = max(0, (width - side) // 2), max(0, (height - side) // 2)
    return left, top, min(width, left + side), min(height, top + side)


PROGRESS_INTERVAL_SECONDS = 0.1


@contextmanager
def progress_bar() -> Iterator[Progress]:
    """A progress bar in the page, gone when the block ends, on an error too.

    It is redrawn at most ten times a second: K-Means reports every iteration, and a
    hundred redraws, each a message the browser renders, cost a fast run more than its
    clustering. The first report is drawn at once (a waiting notice among them).

    Create it inside the cached function that reports to it: a bar made outside and passed
    in cannot be replayed when the cache answers (Streamlit raises CacheReplayClosureError).
    """
    bar = st.empty()
    drawn = -math.inf

    def report(fraction: float, message: str) -> None:
        nonlocal drawn
        now = time.monotonic()
        if now - drawn >= PROGRESS_INTERVAL_SECONDS:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)
            drawn = now

    try:
        yield report
    finally:
        bar.empty()


class ComputeSlot:
    """One heavy computation at a time, in the order they were asked for.

    A second user waits a second or two instead of the server running out of memory, and
    is told where they stand: a class of 16 opening the app at once sees its place in line
    go down, first come, first served (a plain lock lets a late arrival overtake).
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._line: deque[object] = deque()  # the computation running, then those waiting

    @contextmanager
    def held(self, report: Progress) -> Iterator[None]:
        ticket = object()
        with self._changed:
            self._line.append(ticket)
        try:  # whatever happens while waiting or working, the ticket leaves the line
            self._wait_for_turn(ticket, report)
            yield
        finally:
            with self._changed:
                self._line.remove(ticket)
                self._changed.notify_all()

    def _wait_for_turn(self, ticket: object, report: Progress) -> None:
        told = 0
        while True:
            with self._changed:
                if self._line[0] is ticket:
                    return
                ahead = self._line.index(ticket)
                if ahead == told:
                    self._changed.wait(timeout=1.0)
                    continue
            # Outside the lock: drawing the notice is where Streamlit stops a run the user
            # has replaced (a new K, another page), by raising.
            report(0.0, waiting_message(ahead))
            told = ahead


def waiting_message(ahead: int) -> str:
    """What a user waiting behind ``ahead`` other computations is told."""
    if ahead == 1:
        return "Waiting for another user's computation to finish: yours is next…"
    return f"Waiting in line: {ahead} computations before yours…"


# Each K of a sweep takes the slot separately, so other users' runs go in between.
_COMPUTE_SLOT = ComputeSlot()


def run_in_slot(report: Progress, work: Callable[[], T]) -> T:
    """Run ``work`` when no other heavy computation is running, saying so while it waits."""
    with _COMPUTE_SLOT.held(report):
        return work()


@st.cache_resource(max_entries=PHOTO_CACHE_ENTRIES, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def prepared_photo(digest: str, _data: bytes) -> Photo:
    """Decode ``_data`` (whose sha-256 starts with ``digest``) and prepare what every setting
    shares. One copy for every session and page: its arrays are read-only."""
    with progress_bar() as report:
        return run_in_slot(report, lambda: _prepare(_data, report))


def _prepare(data: bytes, report: Progress) -> Photo:
    report(0.01, "Decoding the image…")
    pixels, original_size = decode_for_app(data)
    height, width = pixels.shape[:2]
    report(0.03, f"Counting the colours of {width:,}×{height:,} pixels…")
    colors = image_colors(pixels)
    preview = sampled(pixels, preview_size(width, height))
    box = crop_box_of(width, height)
    count = min(SCATTER_POINTS, width * height)
    sample_index = np.random.default_rng(0).choice(width * height, size=count, replace=False)
    preview_file, preview_format = encode_preview(preview)
    photo = Photo(
        pixels=pixels,
        colors=colors,
        original_size=original_size,
        input_bytes=len(data),
        input_format=file_format(data),
        preview_pixels=preview,
        preview_file=preview_file,
        preview_format=preview_format,
        crop_box=box,
        crop_png=png_bytes(np.ascontiguousarray(pixels[box[1] : box[3], box[0] : box[2]])),
        sample_index=sample_index,
        sample_rgb=pixels.reshape(-1, 3)[sample_index],
    )
    for array in (photo.pixels, photo.preview_pixels, photo.sample_index, photo.sample_rgb):
        array.flags.writeable = False
    return photo


@st.cache_resource(max_entries=RESULT_CACHE_ENTRIES, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def compress(digest: str, settings: Settings, _data: bytes) -> Compression:
    """Quantize the image at ``settings`` and encode its file and previews; one shared copy
    per image and settings (nothing in it is modified afterwards)."""
    photo = prepared_photo(digest, _data)
    with progress_bar() as report:
        return run_in_slot(report, lambda: _compress(photo, settings, report))


def _compress(photo: Photo, settings: Settings, report: Progress) -> Compression:
    result = quantize(
        photo.pixels,
        settings=settings,
        colors=photo.colors,
        progress=lambda f, m: report(0.05 + 0.85 * f, m),
    )
    report(0.92, "Writing the indexed PNG…")
    palette, labels = result.palette, result.labels
    left, top, right, bottom = photo.crop_box
    preview_height, preview_width = photo.preview_pixels.shape[:2]
    return Compression(
        result=result,
        png=encode_indexed_png(palette, labels),
        preview_png=encode_indexed_png(palette, sampled(labels, (preview_width, preview_height))),
        crop_png=encode_indexed_png(palette, labels[top:bottom, left:right]),
        sample_labels=labels.reshape(-1)[photo.sample_index],
    )


def analyse(name: str, digest: str, data: bytes, settings: Settings) -> Analysis:
    """The analysis of one image at one setting, from the caches when they have it."""
    photo = prepared_photo(digest, data)
    return Analysis(name=name, photo=photo, compression=compress(digest, settings, data))


@st.cache_data(max_entries=16, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def sweep_k(
    digest: str, settings: Settings, _data: bytes, ks: tuple[int, ...] = SWEEP_KS
) -> list[SweepRow]:
    """Quantize at every K in ``ks`` with otherwise the same settings; cached.

    Call it with ``without_k(settings)`` so that changing K does not redo the sweep. Each K
    takes the compute slot on its own, so other users' runs go in between.
    """
    photo = prepared_photo(digest, _data)
    with progress_bar() as report:
        return [
            run_in_slot(report, lambda i=i, k=k: _sweep_row(photo, k, settings, i, ks, report))
            for i, k in enumerate(ks)
        ]


def _sweep_row(
    photo: Photo, k: int, settings: Settings, i: int, ks: tuple[int, ...], report: Progress
) -> SweepRow:
    started = time.perf_counter()

    def step(fraction: float, message: str) -> None:
        report((i + fraction) / len(ks), f"K = {k} ({i + 1} of {len(ks)}): {message}")

    step(0.0, "starting…")
    result = quantize(photo.pixels, k, settings=settings, colors=photo.colors, progress=step)
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
