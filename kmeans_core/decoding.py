"""A decoded Pillow image to an 8-bit RGB array, one tile of rows at a time.

The decoded image is the only full-size copy of the pixels besides the result: each tile is
cropped, turned upright (EXIF orientation), converted to 8-bit RGB (transparency composited
over a background colour inside Pillow, 16-bit scaled, CMYK through its ICC profile),
reduced if asked, and written into the result. So a 40-megapixel RGBA PNG costs its
decoded pixels (4 bytes each) and the RGB result (3 bytes each), never a full-size float,
RGBA or RGB copy on top; kept, its alpha channel costs one byte a pixel more.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageCms

WHITE = (255, 255, 255)
TILE_PIXELS = 1 << 21  # source pixels converted at a time: 8 MB of RGBA
# With the alpha band kept (one more byte a pixel at full size), half the tile keeps a
# 40-megapixel RGBA PNG within the decoding bound of 50 MiB + 8 MiB a megapixel.
ALPHA_TILE_PIXELS = TILE_PIXELS // 2
ORIENTATION_TAG = 0x0112
ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
SIXTEEN_BIT_MODES = {"I;16", "I;16L", "I;16B", "I;16N", "I"}  # "I": 16-bit PNG grey
_TRANSPOSES = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_TURNS_A_QUARTER = {5, 6, 7, 8}

Box = tuple[int, int, int, int]
TileConverter = Callable[[Image.Image], Image.Image]


def orientation(image: Image.Image) -> int:
    """The EXIF orientation, 1 to 8; 1 (as stored) when absent, unknown or unreadable."""
    try:
        value = image.getexif().get(ORIENTATION_TAG, 1)
    except Exception:  # a malformed EXIF block leaves the pixels as stored
        return 1
    return value if value in _TRANSPOSES else 1


def upright_size(image: Image.Image) -> tuple[int, int]:
    """(width, height) once the EXIF orientation is applied."""
    width, height = image.size
    return (height, width) if orientation(image) in _TURNS_A_QUARTER else (width, height)


def to_rgb_array(
    image: Image.Image,
    *,
    size: tuple[int, int] | None = None,
    background: tuple[int, int, int] = WHITE,
    tile_pixels: int = TILE_PIXELS,
) -> np.ndarray:
    """``image`` upright, as a C-contiguous (H, W, 3) uint8 RGB array.

    ``size``, (width, height) no larger than the upright image, box-filters it down to that
    size. Transparency is composited over ``background``. ``tile_pixels`` bounds the source
    pixels handled at a time. Even an RGB image goes tile by tile: ``np.asarray`` of a
    whole image holds its bytes twice (Pillow's encoded chunks, then their join).
    """
    rgb, _ = _convert(
        image, size=size, background=background, tile_pixels=tile_pixels, keep_alpha=False
    )
    return rgb


def to_rgb_and_alpha(
    image: Image.Image,
    *,
    size: tuple[int, int] | None = None,
    background: tuple[int, int, int] = WHITE,
    tile_pixels: int = ALPHA_TILE_PIXELS,
) -> tuple[np.ndarray, np.ndarray | None]:
    """As :func:`to_rgb_array` (colours composited over ``background``), and the alpha
    channel beside them: (H, W) uint8, box-filtered like the colours; None when the image
    has no transparency."""
    return _convert(
        image,
        size=size,
        background=background,
        tile_pixels=tile_pixels,
        keep_alpha=has_transparency(image),
    )


def _convert(
    image: Image.Image,
    *,
    size: tuple[int, int] | None,
    background: tuple[int, int, int],
    tile_pixels: int,
    keep_alpha: bool,
) -> tuple[np.ndarray, np.ndarray | None]:
    turn = orientation(image)
    upright = upright_size(image)
    width, height = upright if size is None else size
    convert = tile_converter(image, background=background)
    out = np.empty((height, width, 3), dtype=np.uint8)
    alpha = np.empty((height, width), dtype=np.uint8) if keep_alpha else None
    for tile in _tiles(upright, (width, height), tile_pixels):
        stored = image.crop(_stored_box(tile.source, image.size, turn))
        if alpha is None:
            rgb = convert(stored)
        else:  # one conversion to RGBA serves both the alpha band and the composite
            rgba = stored if stored.mode == "RGBA" else stored.convert("RGBA")
            _place(alpha, tile, rgba.getchannel("A"), turn)
            rgb = composite(rgba, background=background)
        _place(out, tile, rgb, turn)
    return out, alpha


def _place(out: np.ndarray, tile: Tile, converted: Image.Image, turn: int) -> None:
    """Turn ``converted`` upright, reduce it if the tile asks, and write it into ``out``."""
    if turn in _TRANSPOSES:
        converted = converted.transpose(_TRANSPOSES[turn])
    if tile.resize_box is not None:
        converted = converted.resize(tile.size, Image.Resampling.BOX, box=tile.resize_box)
    left, top, right, bottom = tile.target
    pixels = np.asarray(converted)
    grey_into_rgb = out.ndim == 3 and pixels.ndim == 2
    out[top:bottom, left:right] = pixels[:, :, None] if grey_into_rgb else pixels


# --- conversion of one tile to 8-bit RGB (or grey "L") -------------------------------------


def tile_converter(
    image: Image.Image, *, background: tuple[int, int, int] = WHITE
) -> TileConverter:
    """A function from a tile of ``image`` (same mode) to the tile in "RGB" or "L".

    Anything that depends on the whole image (an ICC transform, the scale of float pixels)
    is worked out here, once.
    """
    mode = image.mode
    if has_transparency(image):
        return lambda tile: composite(tile, background=background)
    if mode in ("RGB", "L"):
        return lambda tile: tile
    if mode in SIXTEEN_BIT_MODES:
        return _sixteen_bit_to_grey
    if mode == "F":
        return _float_to_grey(_float_scale(image))
    if mode == "CMYK":
        return _cmyk_converter(image)
    return lambda tile: tile.convert("RGB")


def has_transparency(image: Image.Image) -> bool:
    """An alpha band, transparent palette entries (PNG tRNS, GIF) or a transparent colour
    (PNG tRNS in a grey or RGB image)."""
    keyed = image.mode in ("P", "L", "RGB") and "transparency" in image.info
    return image.mode in ALPHA_MODES or keyed


def composite(tile: Image.Image, *, background: tuple[int, int, int] = WHITE) -> Image.Image:
    """``tile`` over an opaque ``background``, in Pillow: colour·a + background·(1 − a),
    a = alpha / 255, rounded to nearest."""
    rgba = tile if tile.mode == "RGBA" else tile.convert("RGBA")
    flat = Image.new("RGB", rgba.size, background)
    flat.paste(rgba, mask=rgba)  # an RGBA mask means its alpha band
    return flat


def _sixteen_bit_to_grey(tile: Image.Image) -> Image.Image:
    # round(value / 257) in integers: 65535 -> 255; 257 is odd, so there is never a tie
    values = np.asarray(tile).astype(np.int64)
    grey = np.clip((values + 128) // 257, 0, 255).astype(np.uint8)
    return Image.fromarray(grey, "L")


def _float_scale(image: Image.Image) -> float:
    """255 for floats in [0, 1] (the usual convention), else 1 (already 0-255)."""
    highest = -math.inf
    for tile in _tiles(image.size, image.size, TILE_PIXELS):
        values = np.asarray(image.crop(tile.source))
        if not np.isnan(values).all():
            highest = max(highest, float(np.nanmax(values)))
    return 255.0 if highest <= 1.0 else 1.0


def _float_to_grey(scale: float) -> TileConverter:
    def convert(tile: Image.Image) -> Image.Image:
        values = np.nan_to_num(np.asarray(tile, dtype=np.float64)) * scale
        return Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8), "L")

    return convert


def _cmyk_converter(image: Image.Image) -> TileConverter:
    profile = image.info.get("icc_profile")
    if profile:
        try:
            transform = ImageCms.buildTransform(
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                "CMYK",
                "RGB",
            )
            return lambda tile: ImageCms.applyTransform(tile, transform)
        except Exception:  # an unusable profile: fall back to the plain conversion
            pass
    return lambda tile: tile.convert("RGB")


# --- tiles --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    """One piece of the work: upright source pixels to crop, and where they go."""

    source: Box  # in the upright source image, whole pixels
    target: Box  # in the result
    resize_box: tuple[float, float, float, float] | None  # within ``source``; None: 1:1

    @property
    def size(self) -> tuple[int, int]:
        left, top, right, bottom = self.target
        return right - left, bottom - top


@dataclass(frozen=True)
class _Span:
    target: tuple[int, int]
    source: tuple[int, int]
    within: tuple[float, float]  # the exact source interval, relative to ``source[0]``


def _tiles(
    source_size: tuple[int, int], target_size: tuple[int, int], tile_pixels: int
) -> Iterator[Tile]:
    """Tiles covering the result; each reads at most about ``tile_pixels`` source pixels
    (a very wide image is cut across its rows too)."""
    (source_width, source_height), (width, height) = source_size, target_size
    resized = (width, height) != (source_width, source_height)
    columns = min(source_width, tile_pixels)
    rows = max(1, tile_pixels // columns)
    for row in _spans(height, source_height, rows):
        for column in _spans(width, source_width, columns):
            box = None
            if resized:
                box = (column.within[0], row.within[0], column.within[1], row.within[1])
            yield Tile(
                source=(column.source[0], row.source[0], column.source[1], row.source[1]),
                target=(column.target[0], row.target[0], column.target[1], row.target[1]),
                resize_box=box,
            )


def _spans(target_length: int, source_length: int, source_step: int) -> Iterator[_Span]:
    """Cut one axis: runs of target pixels, each with the whole source pixels it reads."""
    scale = source_length / target_length
    step = max(1, int(source_step / scale))
    for start in range(0, target_length, step):
        end = min(start + step, target_length)
        low = start * scale
        high = source_length if end == target_length else end * scale
        first, last = math.floor(low), min(source_length, math.ceil(high))
        yield _Span((start, end), (first, last), (low - first, high - first))


def _stored_box(box: Box, stored_size: tuple[int, int], turn: int) -> Box:
    """The box of the stored (not yet upright) image that becomes ``box`` once upright."""
    left, top, right, bottom = box
    width, height = stored_size
    return {
        1: (left, top, right, bottom),
        2: (width - right, top, width - left, bottom),
        3: (width - right, height - bottom, width - left, height - top),
        4: (left, height - bottom, right, height - top),
        5: (top, left, bottom, right),
        6: (top, height - right, bottom, height - left),
        7: (width - bottom, height - right, width - top, height - left),
        8: (width - bottom, left, width - top, right),
    }[turn if turn in _TRANSPOSES else 1]
