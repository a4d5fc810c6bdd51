"""Transparency kept: one palette entry, of alpha 0, for every transparent pixel.

The policy, for images with an alpha channel, transparent palette entries or a transparent
colour:

* Alpha is cut to one bit at 50 %: a pixel of alpha below ``ALPHA_CUT`` is transparent,
  like GIF; any other pixel is opaque.
* An opaque pixel's colour is its colour composited over the background (white unless
  said), so a partly transparent, anti-aliased edge stays smooth on a light page.
* Every transparent pixel takes one extra palette entry, the background colour with alpha
  0, after the K colours; K-Means clusters only the opaque pixels' colours.
* An image with no transparent pixel after the cut is opaque: no extra entry.

The errors (MSE, PSNR) are of the image as it looks on the background: a transparent pixel
counts against the background colour, which is what it shows there.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from PIL import Image, ImageChops, ImageOps

from .colors import ColorCounts, count_colors, pack_rgb
from .decoding import WHITE
from .quantization import Progress, Quantization, quantize
from .remap import dither_to_palette
from .settings import DEFAULTS, Settings

ALPHA_CUT = 128  # alpha below this is transparent, from this on opaque
OPAQUE, TRANSPARENT = 255, 0
# A PNG palette holds 256 entries and one of them is the transparent one.
MAX_OPAQUE_COLORS = 255
_ROWS_PER_BLOCK = 256


def transparent_mask(alpha: np.ndarray | None) -> np.ndarray | None:
    """(H, W) bool, True where ``alpha`` is below the cut; None when no pixel is, and the
    image is then opaque."""
    if alpha is None:
        return None
    mask = alpha < ALPHA_CUT
    return mask if mask.any() else None


def opaque_colors(image: np.ndarray, transparent: np.ndarray) -> ColorCounts:
    """The distinct colours of the pixels of ``image`` that are not ``transparent``, with
    their pixel counts: what K-Means clusters.

    The transparent pixels take the first opaque pixel's code while the colours are
    counted, in place of a copy of the opaque ones, and are taken off its count after.
    """
    mask = transparent.ravel()
    first_opaque = int(np.argmin(mask))
    if mask[first_opaque]:
        return ColorCounts(codes=np.empty(0, dtype=np.uint32), counts=np.empty(0, np.int64))
    codes = pack_rgb(image)
    stand_in = codes[first_opaque]
    codes[mask] = stand_in
    counted = count_colors(codes, in_place=True)
    counted.counts[np.searchsorted(counted.codes, stand_in)] -= np.count_nonzero(mask)
    return counted


def quantize_keeping_alpha(
    image: np.ndarray,
    transparent: np.ndarray | None,
    *,
    settings: Settings | None = None,
    colors: ColorCounts | None = None,
    background: tuple[int, int, int] = WHITE,
    progress: Progress | None = None,
) -> Quantization:
    """K-Means on the colours of the opaque pixels of ``image`` (composited over
    ``background``), then the transparent entry for the ``transparent`` pixels.

    The palette is the K colours and, last, ``background`` (see :func:`entry_alpha`). K is
    at most ``MAX_OPAQUE_COLORS`` here: 255 colours and the transparent entry fill a PNG
    palette. ``colors``, the image's :func:`opaque_colors`, saves counting them again.
    ``transparent`` None (an opaque image) is plain :func:`~kmeans_core.quantize`.
    """
    if transparent is None:
        return quantize(image, settings=settings, colors=colors, progress=progress)
    settings = settings or DEFAULTS
    if settings.k > MAX_OPAQUE_COLORS:
        settings = settings.but(k=MAX_OPAQUE_COLORS)
    if colors is None:
        colors = opaque_colors(image, transparent)
    result = quantize(image, settings=settings, colors=colors, progress=progress)
    return with_transparent_entry(result, image, transparent, background=background)


def with_transparent_entry(
    result: Quantization,
    image: np.ndarray,
    transparent: np.ndarray,
    *,
    background: tuple[int, int, int] = WHITE,
) -> Quantization:
    """``result`` with one more palette entry, ``background``, that every ``transparent``
    pixel takes.

    It takes over the result's labels (rewritten in place: no full-size copy). The squared
    error then counts each transparent pixel of ``image`` against the background too.
    """
    labels = result.labels
    labels[transparent] = len(result.palette)
    return dataclasses.replace(
        result,
        palette=np.vstack([result.palette, np.array([background], dtype=np.uint8)]),
        labels=labels,
        pixel_counts=np.append(result.pixel_counts, np.count_nonzero(transparent)),
        squared_error=result.squared_error + _error_on(image, transparent, background),
    )


def entry_alpha(colors: int) -> np.ndarray:
    """The alpha of each of the ``colors`` palette entries of a result with the transparent
    entry: opaque, the last transparent."""
    alpha = np.full(colors, OPAQUE, dtype=np.uint8)
    alpha[-1] = TRANSPARENT
    return alpha


def dither_keeping_alpha(
    image: np.ndarray, palette: np.ndarray, transparent: np.ndarray | None
) -> np.ndarray:
    """Floyd–Steinberg onto the opaque entries of ``palette`` (all but the last), and the
    last, transparent, entry for every ``transparent`` pixel; ``transparent`` None (an
    opaque image) is plain dithering onto the whole palette."""
    if transparent is None:
        return dither_to_palette(image, palette)
    if len(palette) == 1:  # nothing opaque to dither onto
        return np.zeros(image.shape[:2], dtype=np.uint8)
    labels = np.array(dither_to_palette(image, palette[:-1]))
    labels[transparent] = len(palette) - 1
    return labels


def uncomposite(
    pixels: np.ndarray, alpha: np.ndarray, *, background: tuple[int, int, int] = WHITE
) -> Image.Image:
    """The RGBA image whose composite over ``background`` is ``pixels``, with ``alpha``:
    the colours of partly transparent pixels recovered, for showing an original as it is.

    In Pillow: the composite less the background's share is the premultiplied colour,
    which Pillow's "RGBa" mode divides by alpha.
    """
    flat = Image.fromarray(pixels)
    opacity = Image.fromarray(alpha)
    behind = ImageChops.multiply(
        Image.new("RGB", flat.size, background), ImageOps.invert(opacity).convert("RGB")
    )
    premultiplied = ImageChops.subtract(flat, behind)
    return Image.merge("RGBa", (*premultiplied.split(), opacity)).convert("RGBA")


def _error_on(image: np.ndarray, transparent: np.ndarray, background) -> int:
    """The squared error, summed, of the ``transparent`` pixels against ``background``; in
    blocks of rows, so no full-size copy is made."""
    colour = np.asarray(background, dtype=np.int32)
    total = 0
    for start in range(0, image.shape[0], _ROWS_PER_BLOCK):
        rows = transparent[start : start + _ROWS_PER_BLOCK]
        if rows.any():
            difference = image[start : start + _ROWS_PER_BLOCK][rows].astype(np.int32) - colour
            total += int(np.sum(difference * difference, dtype=np.int64))
    return total
