"""The computations behind every page: what belongs to the image, done once per image, and
what depends on the settings, done once per image and settings.

Work is split so that a K change costs little more than K-Means itself:

* :func:`prepared_photo` decodes the upload, counts its colours, draws the 3-D view's sample
  and encodes the original's preview and crop once per image (shared, read-only).
* :func:`compress` quantizes it at one setting and encodes the indexed PNG and the previews,
  which are indexed PNGs too: small, and holding only the palette's colours.

Both are keyed by the image's digest plus the settings; the bytes travel unhashed. While
the user looks at a result, :func:`compute_ahead` runs :func:`compress`'s work at K - 1 and
K + 1 on a background thread (``dashboard.ahead``), so that a K change by one step finds its
result ready: it gives way to every user's own computation.

Memory is the budget that matters on a shared server (about 1 GB for everyone), so images
over ``CLUSTER_PIXEL_LIMIT`` are reduced before clustering, only one computation runs at a
time, the caches are bounded, and the browser gets previews, never the full-size pixels.
"""

from __future__ import annotations

import io
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

import numpy as np
import streamlit as st
from PIL import Image

from kmeans_core import (
    DEFAULT_MAX_PIXELS,
    RANGES,
    ColorCounts,
    CompressionReport,
    Quantization,
    Settings,
    encode_indexed_png,
    image_colors,
    load_image_fitted,
    quantize,
)
from kmeans_core.decoding import WHITE, has_transparency
from kmeans_core.loading import Decoded, load_image_with_alpha
from kmeans_core.transparency import (
    entry_alpha,
    opaque_colors,
    quantize_keeping_alpha,
    transparent_mask,
    uncomposite,
)

from .ahead import ComputedAhead, keys_ahead

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
    colors: ColorCounts  # its distinct colours with their pixel counts (opaque pixels only)
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
    # (H, W) bool, read-only: the pixels transparent once alpha is cut to one bit; None for
    # an opaque image, or one whose transparency is filled (see filled_digest)
    transparent: np.ndarray | None = None

    @property
    def has_alpha(self) -> bool:
        return self.transparent is not None

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
    # (P,) uint8 alpha of each palette entry (the last transparent); None for an opaque image
    palette_alpha: np.ndarray | None = None


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
    def has_alpha(self) -> bool:
        return self.compression.palette_alpha is not None

    @property
    def report(self) -> CompressionReport:
        return report_of(self.result, alpha=self.has_alpha)


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


def report_of(result: Quantization, *, alpha: bool) -> CompressionReport:
    """The exercise's arithmetic for ``result``; with ``alpha``, of a transparent image."""
    return CompressionReport(result.width, result.height, result.colors_used, alpha=alpha)


# A digest names the image's bytes; the transparency filled with a colour, it names that
# colour too, so every cached computation on the filled image is kept apart.
_FILLED = "-filled-"


def filled_digest(digest: str, fill: tuple[int, int, int]) -> str:
    """The digest of the image of ``digest`` with its transparency filled with ``fill``."""
    return digest + _FILLED + "".join(f"{c:02x}" for c in fill)


def fill_of(digest: str) -> tuple[int, int, int] | None:
    """The colour a :func:`filled_digest` names; None: transparency kept."""
    if _FILLED not in digest:
        return None
    code = digest.rsplit(_FILLED, 1)[1]
    return int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16)


def decode_for_app(
    data: bytes, *, background: tuple[int, int, int] = WHITE
) -> tuple[np.ndarray, tuple[int, int]]:
    """Decode upload bytes, reduced to ``CLUSTER_PIXEL_LIMIT`` pixels if larger (aspect kept),
    transparency composited over ``background``.

    Returns the pixels and the (width, height) of the file before any reduction.
    """
    return load_image_fitted(
        data, fit_pixels=CLUSTER_PIXEL_LIMIT, max_pixels=PIXEL_LIMIT, background=background
    )


def decode_keeping_alpha(data: bytes, fill: tuple[int, int, int] | None = None) -> Decoded:
    """:func:`decode_for_app`, with the alpha channel (None when no pixel is transparent);
    with ``fill``, transparency composited over that colour and no alpha."""
    if fill is None and _may_be_transparent(data):
        return load_image_with_alpha(data, fit_pixels=CLUSTER_PIXEL_LIMIT, max_pixels=PIXEL_LIMIT)
    pixels, size = decode_for_app(data, background=fill or WHITE)
    return Decoded(pixels, None, size)


def _may_be_transparent(data: bytes) -> bool:
    """Whether the file's header announces transparency (an alpha band, a tRNS chunk…);
    read before decoding, so an opaque image never carries an alpha channel."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return has_transparency(image)
    except Exception:  # the real decode reports the problem
        return False


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


def encode_preview(pixels: np.ndarray, *, alpha: np.ndarray | None = None) -> tuple[bytes, str]:
    """The original's preview as the browser gets it: (file bytes, "PNG", "JPEG" or "WEBP").

    Drawings, charts and logos (at most 4,096 colours) go as lossless PNG, where JPEG
    would ring around their edges. Photos go as a quality-95 JPEG without chroma
    subsampling: as good as lossless to the eye, a third of the PNG's bytes (a 12 MP
    phone photo's 1200-px preview: about 0.7 MB against 2.3 MB). The 1:1 crop stays PNG.
    With ``alpha`` (the composited pixels' alpha) the preview is RGBA, as the original
    is; a transparent photo goes as a quality-95 WebP (JPEG has no alpha; WebP keeps it
    exactly).
    """
    if alpha is not None:
        return _encode_transparent_preview(uncomposite(pixels, alpha))
    image = Image.fromarray(pixels)
    if image.getcolors(maxcolors=PREVIEW_LOSSLESS_COLORS) is not None:
        return png_bytes(pixels), "PNG"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=PREVIEW_JPEG_QUALITY, subsampling=0)
    return buffer.getvalue(), "JPEG"


def _encode_transparent_preview(image: Image.Image) -> tuple[bytes, str]:
    buffer = io.BytesIO()
    if image.getcolors(maxcolors=PREVIEW_LOSSLESS_COLORS) is not None:
        image.save(buffer, format="PNG", compress_level=6)
        return buffer.getvalue(), "PNG"
    image.save(buffer, format="WEBP", quality=PREVIEW_JPEG_QUALITY, alpha_quality=100)
    return buffer.getvalue(), "WEBP"


def rgba_png(pixels: np.ndarray, alpha: np.ndarray) -> bytes:
    """A PNG of composited (H, W, 3) pixels with their alpha: the original as it is."""
    buffer = io.BytesIO()
    uncomposite(pixels, alpha).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def crop_box_of(width: int, height: int, side: int = CROP_SIDE) -> tuple[int, int, int, int]:
    left, top = max(0, (width - side) // 2), max(0, (height - side) // 2)
    return left, top, min(width, left + side), min(height, top + side)


PROGRESS_INTERVAL_SECONDS = 0.1
PROGRESS_SHOWN_AFTER_SECONDS = 0.3


class ProgressBar:
    """A progress bar in the page that appears only for work that takes a while.

    Reports in the first ``PROGRESS_SHOWN_AFTER_SECONDS`` draw nothing: a K change on a
    small photo is done by then, and a bar that flashes up and vanishes costs the browser
    two redraws of the page for nothing. Its place in the page is taken at once, drawn or
    not, so that the elements after it keep their place from run to run: the browser keeps
    a large element (an image) it has seen at the same place and is then sent only its hash.

    After that it is redrawn at most ten times a second: K-Means reports every iteration,
    and a hundred redraws, each a message the browser renders, would cost more than the
    clustering. A :meth:`notice` (waiting for another user's computation) is drawn at once.
    """

    def __init__(self) -> None:
        self._started = time.monotonic()
        self._drawn = -math.inf
        self._bar = st.empty()

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        shown = now - self._started >= PROGRESS_SHOWN_AFTER_SECONDS
        if shown and now - self._drawn >= PROGRESS_INTERVAL_SECONDS:
            self._draw(fraction, message, now)

    def notice(self, message: str) -> None:
        """Draw ``message`` now, on an empty bar."""
        self._draw(0.0, message, time.monotonic())

    def _draw(self, fraction: float, message: str, now: float) -> None:
        self._bar.progress(min(max(fraction, 0.0), 1.0), text=message)
        self._drawn = now

    def close(self) -> None:
        self._bar.empty()


@contextmanager
def progress_bar() -> Iterator[ProgressBar]:
    """A :class:`ProgressBar`, gone when the block ends, on an error too.

    Create it inside the cached function that reports to it: a bar made outside and passed
    in cannot be replayed when the cache answers (Streamlit raises CacheReplayClosureError).
    """
    bar = ProgressBar()
    try:
        yield bar
    finally:
        bar.close()


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
    def held(self, notice: Callable[[str], None]) -> Iterator[None]:
        """Wait for this computation's turn, then hold the slot; while waiting, tell the user
        where they stand with ``notice(message)``."""
        ticket = object()
        with self._changed:
            self._line.append(ticket)
        try:  # whatever happens while waiting or working, the ticket leaves the line
            self._wait_for_turn(ticket, notice)
            yield
        finally:
            self._leave(ticket)

    @contextmanager
    def held_if_free(self) -> Iterator[bool]:
        """Hold the slot if nobody holds it or waits for it; yield whether it is held."""
        ticket = object()
        with self._changed:
            free = not self._line
            if free:
                self._line.append(ticket)
        if not free:
            yield False
            return
        try:
            yield True
        finally:
            self._leave(ticket)

    def _leave(self, ticket: object) -> None:
        with self._changed:
            self._line.remove(ticket)
            self._changed.notify_all()

    def others_waiting(self) -> bool:
        """Whether anyone waits behind the computation holding the slot."""
        with self._changed:
            return len(self._line) > 1

    def _wait_for_turn(self, ticket: object, notice: Callable[[str], None]) -> None:
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
            notice(waiting_message(ahead))
            told = ahead


def waiting_message(ahead: int) -> str:
    """What a user waiting behind ``ahead`` other computations is told."""
    if ahead == 1:
        return "Waiting for another user's computation to finish: yours is next…"
    return f"Waiting in line: {ahead} computations before yours…"


# Each K of a sweep takes the slot separately, so other users' runs go in between.
_COMPUTE_SLOT = ComputeSlot()
# K-Means at the K values next to the one shown, computed while the slot is free.
_AHEAD: ComputedAhead[Compression] = ComputedAhead(_COMPUTE_SLOT)
COMPUTE_AHEAD = True  # tests that count computations turn it off
# Up to here, a result (its labels, one byte a pixel, and its PNG) takes under 2.5 MB, and a
# K change costs the user more in the app than in K-Means. Larger photos get nothing ahead:
# their K change is mostly K-Means itself, and with results of 2-4 MP computed ahead the
# server's peak in the 20-upload memory test rose from 381 to 517 MiB (measured).
AHEAD_PIXEL_LIMIT = 1_500_000
# The results compress() computed lately, which its cache therefore holds (until they are
# evicted): not computed ahead again.
_COMPUTED: OrderedDict[tuple[str, Settings], None] = OrderedDict()
_COMPUTED_LOCK = threading.Lock()


def run_in_slot(bar: ProgressBar, work: Callable[[], T]) -> T:
    """Run ``work`` when no other heavy computation is running, saying so on ``bar`` while
    it waits."""
    with _COMPUTE_SLOT.held(bar.notice):
        return work()


@st.cache_resource(max_entries=PHOTO_CACHE_ENTRIES, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def prepared_photo(digest: str, _data: bytes) -> Photo:
    """Decode ``_data`` (whose sha-256 starts with ``digest``) and prepare what every setting
    shares. One copy for every session and page: its arrays are read-only. A
    :func:`filled_digest` asks for the transparency filled with its colour."""
    with progress_bar() as report:
        return run_in_slot(report, lambda: _prepare(_data, report, fill=fill_of(digest)))


def _prepare(data: bytes, report: Progress, *, fill: tuple[int, int, int] | None = None) -> Photo:
    report(0.01, "Decoding the image…")
    decoded = decode_keeping_alpha(data, fill)
    pixels, original_size = decoded.pixels, decoded.size
    transparent = transparent_mask(decoded.alpha)
    height, width = pixels.shape[:2]
    report(0.03, f"Counting the colours of {width:,}×{height:,} pixels…")
    colors = image_colors(pixels) if transparent is None else opaque_colors(pixels, transparent)
    preview = sampled(pixels, preview_size(width, height))
    box = crop_box_of(width, height)
    sample_index = scatter_sample(width * height, transparent)
    preview_file, preview_format, crop_png = _original_previews(decoded, preview, box)
    del decoded  # the full alpha channel: from here on, only which pixels are transparent
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
        crop_png=crop_png,
        sample_index=sample_index,
        sample_rgb=pixels.reshape(-1, 3)[sample_index],
        transparent=transparent,
    )
    for array in (photo.pixels, photo.preview_pixels, photo.sample_index, photo.sample_rgb):
        array.flags.writeable = False
    if transparent is not None:
        transparent.flags.writeable = False
    return photo


def scatter_sample(pixels: int, transparent: np.ndarray | None) -> np.ndarray:
    """Flat indices of the pixels the 3-D view draws: up to ``SCATTER_POINTS`` at random,
    opaque ones only (K-Means never sees the transparent ones)."""
    rng = np.random.default_rng(0)
    if transparent is None:
        return rng.choice(pixels, size=min(SCATTER_POINTS, pixels), replace=False)
    opaque = pixels - int(np.count_nonzero(transparent))
    count = min(SCATTER_POINTS, opaque)
    if opaque * 4 >= pixels:  # mostly opaque: draw more than enough, keep the opaque ones
        drawn = rng.choice(pixels, size=min(pixels, 5 * count), replace=False)
        kept = drawn[~transparent.ravel()[drawn]][:count]
        if len(kept) == count:
            return kept
    # few opaque pixels: their indices are a small array
    return rng.choice(np.flatnonzero(~transparent.ravel()), size=count, replace=False)


def _original_previews(
    decoded: Decoded, preview: np.ndarray, box: tuple[int, int, int, int]
) -> tuple[bytes, str, bytes]:
    """The original's ``preview`` encoded, its format, and its 1:1 crop at ``box``; an
    image with transparency as it is, with its partial alpha."""
    pixels, alpha = decoded.pixels, decoded.alpha
    left, top, right, bottom = box
    crop = np.ascontiguousarray(pixels[top:bottom, left:right])
    if alpha is None:
        return *encode_preview(preview), png_bytes(crop)
    shown = sampled(alpha, (preview.shape[1], preview.shape[0]))
    crop_alpha = np.ascontiguousarray(alpha[top:bottom, left:right])
    return *encode_preview(preview, alpha=shown), rgba_png(crop, crop_alpha)


@st.cache_resource(max_entries=RESULT_CACHE_ENTRIES, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def compress(digest: str, settings: Settings, _data: bytes) -> Compression:
    """Quantize the image at ``settings`` and encode its file and previews; one shared copy
    per image and settings (nothing in it is modified afterwards)."""
    photo = prepared_photo(digest, _data)
    with progress_bar() as report:
        ahead = _AHEAD.take(
            (digest, settings), waiting=lambda: report(0.5, "Finishing the result computed ahead…")
        )
        if ahead is None:
            compression = run_in_slot(report, lambda: _compress(photo, settings, report))
        else:
            compression = ahead
    with _COMPUTED_LOCK:
        _COMPUTED[(digest, settings)] = None
        while len(_COMPUTED) > RESULT_CACHE_ENTRIES:
            _COMPUTED.popitem(last=False)
    return compression


def session_busy() -> None:
    """A session's script has started: nothing is computed ahead for a moment."""
    _AHEAD.busy_now()


def compute_ahead(digest: str, settings: Settings, data: bytes) -> None:
    """Start K-Means at K + 1 and K - 1 on a background thread, for a K change by one step
    (the arrow keys) to find its result ready or under way; it gives way to any user's
    computation. Images over ``AHEAD_PIXEL_LIMIT`` get nothing ahead. Call when the page
    is drawn, after :func:`analyse` succeeded for the same arguments."""
    photo = prepared_photo(digest, data)  # in the cache: analyse() just read it
    wanted = []
    if COMPUTE_AHEAD and photo.width * photo.height <= AHEAD_PIXEL_LIMIT:
        wanted = [settings.but(k=k) for k in keys_ahead(settings.k, RANGES["k"])]
    _AHEAD.start(  # what was computed ahead for another image or K is dropped
        [
            ((digest, other), partial(_compress, photo, other))
            for other in wanted
            if (digest, other) not in _COMPUTED
        ]
    )


def quantize_photo(photo: Photo, settings: Settings, progress: Progress | None = None):
    """K-Means on the photo's (opaque) colours; a transparent photo's palette ends with the
    transparent entry."""
    if photo.transparent is None:
        return quantize(photo.pixels, settings=settings, colors=photo.colors, progress=progress)
    return quantize_keeping_alpha(
        photo.pixels, photo.transparent, settings=settings, colors=photo.colors, progress=progress
    )


def _compress(photo: Photo, settings: Settings, report: Progress) -> Compression:
    result = quantize_photo(photo, settings, lambda f, m: report(0.05 + 0.85 * f, m))
    report(0.92, "Writing the indexed PNG…")
    palette, labels = result.palette, result.labels
    alpha = entry_alpha(len(palette)) if photo.has_alpha else None
    left, top, right, bottom = photo.crop_box
    preview_height, preview_width = photo.preview_pixels.shape[:2]
    preview_labels = sampled(labels, (preview_width, preview_height))
    png = encode_indexed_png(palette, labels, alpha=alpha)
    return Compression(
        result=result,
        png=png,
        # an image no larger than the preview is its own preview: the same file
        preview_png=png
        if preview_labels is labels
        else encode_indexed_png(palette, preview_labels, alpha=alpha),
        crop_png=encode_indexed_png(palette, labels[top:bottom, left:right], alpha=alpha),
        sample_labels=labels.reshape(-1)[photo.sample_index],
        palette_alpha=alpha,
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
    result = quantize_photo(photo, settings.but(k=k), step)
    alpha = entry_alpha(len(result.palette)) if photo.has_alpha else None
    png = encode_indexed_png(result.palette, result.labels, alpha=alpha)
    return SweepRow(
        k=k,
        colors_used=result.colors_used,
        wcss=result.wcss_history[-1],  # as the Convergence page's curve ends
        mse=result.mse,
        psnr=result.psnr,
        ratio=report_of(result, alpha=photo.has_alpha).ratio,
        png_bytes=len(png),
        iterations=result.iterations,
        seconds=time.perf_counter() - started,
    )
