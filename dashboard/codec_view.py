"""Is it good compression? The K-Means indexed PNG (plain and dithered) against JPEG, WebP
and AVIF, each matched to the PNG's size and to its PSNR; computed when asked, cached."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import streamlit as st
from PIL import Image

from kmeans_core import Quantization, assign_to_palette, dither_to_palette, encode_indexed_png
from kmeans_core.codecs import (
    Encoded,
    Encoder,
    available_codecs,
    encode,
    match_codecs,
    measured,
)
from kmeans_core.ssim import WINDOW

from .analysis import (
    CACHE_TTL_SECONDS,
    PREVIEW_LOSSLESS_COLORS,
    Analysis,
    Photo,
    ProgressBar,
    compress,
    crop_box_of,
    png_bytes,
    prepared_photo,
    preview_size,
    progress_bar,
    run_in_slot,
    sampled,
)
from .settings import Settings, Source
from .views import encoded_image, format_psnr, human_bytes

# AVIF's encoder takes about a second per megapixel here, and each bisection tries about
# seven qualities: above this many pixels the comparison runs on a reduced copy.
COMPARE_PIXELS = 1_000_000
THUMBNAIL_LONG_SIDE = 320
PLAIN, DITHERED = "K-Means PNG", "K-Means PNG, dithered"
_REQUESTED = "requested_codec_comparisons"
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Shown:
    """One file as the page shows it: its numbers, a thumbnail and the 1:1 crop."""

    name: str
    quality: int | None
    size: int
    bits_per_pixel: float
    psnr: float
    ssim: float
    thumbnail_png: bytes
    crop_png: bytes

    @property
    def label(self) -> str:
        return self.name if self.quality is None else f"{self.name} q{self.quality}"


@dataclass(frozen=True)
class CodecComparison:
    """The PNGs and every codec at the plain PNG's size and at its PSNR (None: not reached)."""

    width: int  # the pixels compared (the clustered image, or a reduced copy of it)
    height: int
    reduced: bool
    crop_box: tuple[int, int, int, int]
    distinct_colors: int
    colors_used: int
    plain: Shown
    dithered: Shown
    same_size: dict[str, Shown | None]
    same_psnr: dict[str, Shown | None]


def codec_names(codecs: tuple[str, ...]) -> str:
    """('JPEG', 'WebP', 'AVIF') -> 'JPEG, WebP and AVIF'."""
    return codecs[0] if len(codecs) == 1 else f"{', '.join(codecs[:-1])} and {codecs[-1]}"


def _compared_pixels(
    photo: Photo, labels: np.ndarray, palette: np.ndarray, space: str
) -> tuple[np.ndarray, np.ndarray]:
    """The pixels to compare on and their K-Means labels: the image itself, or a copy
    reduced to ``COMPARE_PIXELS`` with every pixel given its nearest palette colour."""
    if photo.width * photo.height <= COMPARE_PIXELS:
        return photo.pixels, labels
    scale = (COMPARE_PIXELS / (photo.width * photo.height)) ** 0.5
    size = (max(1, int(photo.width * scale)), max(1, int(photo.height * scale)))
    image = Image.fromarray(photo.pixels).resize(size, Image.Resampling.LANCZOS, reducing_gap=3)
    pixels = np.asarray(image)
    return pixels, assign_to_palette(pixels, palette, space)


def _shown(encoded: Encoded, box: tuple[int, int, int, int]) -> Shown:
    """Keep what the page shows of a file: its numbers and two small lossless pictures."""
    pixels = encoded.pixels
    height, width = pixels.shape[:2]
    left, top, right, bottom = box
    return Shown(
        name=encoded.codec,
        quality=encoded.quality,
        size=encoded.size,
        bits_per_pixel=encoded.bits_per_pixel,
        psnr=encoded.psnr,
        ssim=encoded.ssim,
        thumbnail_png=png_bytes(sampled(pixels, preview_size(width, height, THUMBNAIL_LONG_SIDE))),
        crop_png=png_bytes(np.ascontiguousarray(pixels[top:bottom, left:right])),
    )


@st.cache_data(max_entries=8, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def codec_comparison(digest: str, settings: Settings, _data: bytes) -> CodecComparison:
    """The comparison for the image at ``settings``. Each encoding takes the compute slot
    on its own (AVIF's take about a second a megapixel), so other users' runs go between."""
    photo = prepared_photo(digest, _data)
    result = compress(digest, settings, _data).result
    with progress_bar() as report:
        return _compare(photo, result, settings, report)


def _slotted_encoder(report: ProgressBar) -> Encoder:
    """:func:`encode` in the compute slot, each trial reported."""
    tried = [0]

    def encoder(pixels: np.ndarray, codec: str, quality: int) -> bytes:
        tried[0] += 1
        report(min(0.1 + 0.04 * tried[0], 0.95), f"{codec} at quality {quality} (bisection)…")
        return run_in_slot(report, lambda: encode(pixels, codec, quality))

    return encoder


def _compare(
    photo: Photo, result: Quantization, settings: Settings, report: ProgressBar
) -> CodecComparison:
    report(0.02, "Writing the K-Means PNGs…")

    def references() -> tuple[np.ndarray, Encoded, Encoded]:
        pixels, labels = _compared_pixels(photo, result.labels, result.palette, settings.space)
        plain = measured(pixels, PLAIN, None, encode_indexed_png(result.palette, labels))
        dithered = dither_to_palette(pixels, result.palette)
        dither = measured(pixels, DITHERED, None, encode_indexed_png(result.palette, dithered))
        return pixels, plain, dither

    pixels, plain, dither = run_in_slot(report, references)
    height, width = pixels.shape[:2]
    box = crop_box_of(width, height)
    matches = match_codecs(pixels, plain, encoder=_slotted_encoder(report))
    report(0.97, "Drawing the thumbnails…")
    return CodecComparison(
        width=width,
        height=height,
        reduced=pixels is not photo.pixels,
        crop_box=box,
        distinct_colors=result.distinct_colors,
        colors_used=result.colors_used,
        plain=_shown(plain, box),
        dithered=_shown(dither, box),
        same_size={m.codec: m.same_size and _shown(m.same_size, box) for m in matches},
        same_psnr={m.codec: m.same_psnr and _shown(m.same_psnr, box) for m in matches},
    )


def verdict(comparison: CodecComparison) -> str:
    """One sentence: who wins on this image, by how much, and why."""
    png = comparison.plain
    at_size = [s for s in comparison.same_size.values() if s is not None]
    at_psnr = [s for s in comparison.same_psnr.values() if s is not None]
    best = max(at_size, key=lambda s: s.psnr, default=None)
    smallest = min(at_psnr, key=lambda s: s.size, default=None)
    flat = comparison.distinct_colors <= PREVIEW_LOSSLESS_COLORS
    if best is not None and best.psnr > png.psnr:
        match = (
            f", and {smallest.name} matches the PNG's PSNR in {human_bytes(smallest.size)}, "
            f"{png.size / smallest.size:.1f}× smaller"
            if smallest is not None and smallest.size < png.size
            else ""
        )
        why = (
            "even with few colours, its edges are anti-aliased and a transform codec "
            "approximates them closely, while the palette rounds each blend to one of "
            f"{comparison.colors_used} colours"
            if flat
            else "a photo's smooth shading costs a transform codec few bits, while an "
            "indexed PNG pays for every pixel's index and still shows bands between its "
            f"{comparison.colors_used} colours"
        )
        return (
            f"**{best.name} wins on this image**: at the K-Means PNG's size "
            f"({human_bytes(png.size)}) it reaches {format_psnr(best.psnr)} PSNR and SSIM "
            f"{best.ssim:.3f}, against the PNG's {format_psnr(png.psnr)} and {png.ssim:.3f}"
            f"{match}. Why: {why}."
        )
    if smallest is not None:
        needs = (
            f"; {smallest.name} needs {human_bytes(smallest.size)} "
            f"({smallest.size / png.size:.1f}× the PNG) to match its PSNR"
        )
    else:
        needs = "; none reaches its PSNR at any quality"
    rival = (
        f" the best of the others at its size, {best.name}, reaches {format_psnr(best.psnr)}"
        if best is not None
        else " none of the others gets as small"
    )
    why = (
        f"the image has only {comparison.distinct_colors:,} distinct colours in flat areas: "
        "a palette stores them almost exactly and deflate packs the long runs of one index, "
        "while JPEG, WebP and AVIF spend their bits on ringing around the sharp edges"
        if flat
        else f"K-Means' {comparison.colors_used} colours fit this image's colours closely, and "
        "its large even areas deflate well, while the transform codecs blur its fine detail"
    )
    return (
        f"**The K-Means PNG wins on this image**: at {human_bytes(png.size)} it has "
        f"{format_psnr(png.psnr)} PSNR;{rival}{needs}. Why: {why}."
    )


def _column(column, shown: Shown | None, *, missing: str, where: str, subject: str) -> None:
    """One file: its thumbnail, its 1:1 crop and its numbers; or why it is absent."""
    with column:
        if shown is None:
            st.markdown(f"**{missing}**")
            return
        st.markdown(f"**{shown.label}**")
        encoded_image(
            st, shown.thumbnail_png, caption="Whole image", alt=f"{subject} as {shown.label}"
        )
        encoded_image(
            st,
            shown.crop_png,
            caption=f"1:1 crop, {where}",
            alt=f"{subject} as {shown.label}: its {where} at 100 %",
        )
        st.caption(
            f"{shown.size:,} bytes · {shown.bits_per_pixel:.3f} bits/pixel · "
            f"PSNR {format_psnr(shown.psnr)} · SSIM {shown.ssim:.4f}"
        )


def _row(
    title: str, files: list[tuple[str, Shown | None]], missing: str, where: str, subject: str
) -> None:
    st.subheader(title)
    columns = st.columns(len(files))
    for column, (name, shown) in zip(columns, files, strict=True):
        _column(column, shown, missing=f"{name}: {missing}", where=where, subject=subject)


def _table(comparison: CodecComparison) -> None:
    rows = [("K-Means", comparison.plain), ("K-Means", comparison.dithered)]
    rows += [("at the PNG's size", s) for s in comparison.same_size.values() if s is not None]
    rows += [("at the PNG's PSNR", s) for s in comparison.same_psnr.values() if s is not None]
    st.dataframe(
        [
            {
                "file": shown.label,
                "matched": matched,
                "bytes": shown.size,
                "bits/pixel": round(shown.bits_per_pixel, 3),
                "PSNR (dB)": round(shown.psnr, 2),
                "SSIM": round(shown.ssim, 4),
            }
            for matched, shown in rows
        ],
        hide_index=True,
        width="stretch",
    )


def render(analysis: Analysis, source: Source, settings: Settings) -> None:
    """The page below its header: the button, then, once asked, the comparison."""
    result = analysis.result
    if min(result.width, result.height) < WINDOW:
        st.info(
            f"This image is {result.width}×{result.height} pixels: SSIM's {WINDOW}×{WINDOW} "
            "window does not fit. Choose an image at least that large to compare codecs.",
            icon=":material/photo_size_select_small:",
        )
        return
    codecs = available_codecs()
    key = (source.digest, settings)
    requested = st.session_state.setdefault(_REQUESTED, set())
    if st.button(f"Compare with {codec_names(codecs)}", type="primary", icon=":material/scale:"):
        requested.add(key)
    if key not in requested:
        st.caption(
            "Each codec's quality is found by bisection, about seven encodings a codec; "
            f"images over {COMPARE_PIXELS / 1e6:g} megapixels are compared on a reduced copy. "
            "It takes a few seconds to half a minute."
        )
        return
    try:
        comparison = codec_comparison(source.digest, settings, source.data)
    except Exception:  # never a traceback for the user; the log keeps it for us
        _log.exception("codec comparison failed for %s with %s", source.name, settings)
        st.error(
            f"The codecs could not be compared on **{source.name}**. Try another image.",
            icon=":material/error:",
        )
        return
    if comparison.reduced:
        st.info(
            f"Compared on a copy reduced to {comparison.width:,}×{comparison.height:,} pixels "
            "(AVIF's encoder is slow): every file here, the PNGs included, is of that copy.",
            icon=":material/photo_size_select_large:",
        )
    st.markdown(verdict(comparison))
    _table(comparison)
    x0, y0, x1, y1 = comparison.crop_box
    where = f"centre {x1 - x0}×{y1 - y0} pixels"
    subject = f"{analysis.name} (K = {settings.k})"
    png = comparison.plain
    _row(
        f"At the K-Means PNG's size: at most {png.size:,} bytes",
        [(PLAIN, png), (DITHERED, comparison.dithered), *comparison.same_size.items()],
        "even its lowest quality is larger than the PNG",
        where,
        subject,
    )
    _row(
        f"At the K-Means PNG's PSNR: at least {format_psnr(png.psnr)}",
        [(PLAIN, png), *comparison.same_psnr.items()],
        "even its highest quality falls short of this PSNR",
        where,
        subject,
    )
    st.caption(
        "Quality is each codec's own 0–100 setting, at Pillow's defaults otherwise "
        "(JPEG 4:2:0, WebP method 4, AVIF speed 6). PSNR and SSIM (Wang et al. 2004, 11×11 "
        "Gaussian window, σ = 1.5, averaged over R, G and B) are measured on each file decoded "
        "again. The dithered PNG uses the same palette; it is shown, not matched."
    )
