"""Read an image file into an 8-bit RGB array, safely.

Every failure becomes an :class:`ImageError` whose message says what is wrong and what to do.
The pixel limit is checked from the header, before any pixel is decoded.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from .errors import ImageError

DEFAULT_MAX_PIXELS = 50_000_000
SUPPORTED_FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "BMP", "GIF")  # JPEG covers MPO too
FORMATS_FOR_PEOPLE = "JPEG, PNG, WebP, TIFF, BMP or GIF"
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
_SIXTEEN_BIT_MODES = {"I;16", "I;16L", "I;16B", "I;16N", "I"}  # "I": 16-bit PNG grey
_RESIZABLE_MODES = {"RGB", "L"}  # box-filtered as they are, then converted as usual
_BAND_ROWS = 256  # output rows resized at a time


def load_image(
    source: bytes | str | Path | BinaryIO, max_pixels: int = DEFAULT_MAX_PIXELS
) -> np.ndarray:
    """Decode ``source`` into a C-contiguous (H, W, 3) uint8 RGB array.

    Accepts JPEG, PNG, WebP, TIFF, BMP and GIF (first frame). The EXIF orientation is
    applied; transparency is composited over white; grey, palette, CMYK and 16-bit images
    are converted to 8-bit RGB. Images over ``max_pixels`` are refused before decoding.

    Raises:
        ImageError: for empty, truncated, corrupt, non-image or over-limit input.
    """
    return _load(source, max_pixels, fit_pixels=None)[0]


def load_image_fitted(
    source: bytes | str | Path | BinaryIO,
    fit_pixels: int,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[np.ndarray, tuple[int, int]]:
    """Like :func:`load_image`, but an image of more than ``fit_pixels`` pixels comes back
    reduced to at most that many (box filter, aspect ratio kept).

    The reduction happens before the pixels leave Pillow where it can, so a large image
    never exists as a full-size array. Returns the pixels and the image's (width, height)
    before the reduction, after the EXIF orientation.
    """
    if fit_pixels < 1:
        raise ValueError(f"fit_pixels must be at least 1, got {fit_pixels}")
    return _load(source, max_pixels, fit_pixels)


def fitted_size(size: tuple[int, int], fit_pixels: int) -> tuple[int, int]:
    """The (width, height) that ``size`` is reduced to so as to hold at most ``fit_pixels``."""
    width, height = size
    if width * height <= fit_pixels:
        return size
    scale = (fit_pixels / (width * height)) ** 0.5
    fitted_width, fitted_height = max(1, int(width * scale)), max(1, int(height * scale))
    # a side held at 1 pixel (a very thin image) leaves the other the whole budget
    fitted_width = min(fitted_width, max(1, fit_pixels // fitted_height))
    fitted_height = min(fitted_height, max(1, fit_pixels // fitted_width))
    return fitted_width, fitted_height


def _load(
    source: bytes | str | Path | BinaryIO, max_pixels: int, fit_pixels: int | None
) -> tuple[np.ndarray, tuple[int, int]]:
    stream = _open_stream(source)
    with warnings.catch_warnings():
        # Pillow's own bomb warning fires between ~89 and ~179 MP; our limit is checked below.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = _open_image(stream)
        _check_size(image.size, max_pixels)
        try:
            image.load()
            image = _apply_orientation(image)
            size = image.size
            if fit_pixels is not None and image.mode in _RESIZABLE_MODES:
                image = _fit(image, fit_pixels)
            rgb = _to_rgb(image)
            if fit_pixels is not None and rgb.shape[0] * rgb.shape[1] > fit_pixels:
                rgb = np.asarray(_fit(Image.fromarray(rgb), fit_pixels))  # other modes
        except ImageError:
            raise
        except MemoryError:
            raise ImageError(
                "The image is too large to decode in the memory available; "
                "downscale it and try again."
            ) from None
        except Exception as exc:  # Pillow's decoders raise many types on damaged input.
            raise ImageError(
                f"The file is damaged or incomplete ({_short(exc)}); re-export or re-download it."
            ) from None
    return np.ascontiguousarray(rgb), size


def _fit(image: Image.Image, fit_pixels: int) -> Image.Image:
    """``image`` box-filtered down to :func:`fitted_size`, a band of rows at a time: one
    resize call would also hold a full-height intermediate at the new width."""
    width, height = fitted_size(image.size, fit_pixels)
    if (width, height) == image.size:
        return image
    source_rows_per_row = image.height / height
    fitted = Image.new(image.mode, (width, height))
    for top in range(0, height, _BAND_ROWS):
        bottom = min(top + _BAND_ROWS, height)
        box = (0, top * source_rows_per_row, image.width, bottom * source_rows_per_row)
        band = image.resize((width, bottom - top), Image.Resampling.BOX, box=box)
        fitted.paste(band, (0, top))
    return fitted


def _open_stream(source: bytes | str | Path | BinaryIO) -> BinaryIO:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not data:
            raise ImageError(f"The file is empty (0 bytes); choose a {FORMATS_FOR_PEOPLE} image.")
        return io.BytesIO(data)
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ImageError(f"There is no file at {path}; check the path.") from None
        except IsADirectoryError:
            raise ImageError(
                f"{path} is a folder, not an image file; name an image file."
            ) from None
        except OSError as exc:
            raise ImageError(f"Cannot read {path} ({exc.strerror}); check the file.") from None
        return _open_stream(data)
    return source


def _open_image(stream: BinaryIO) -> Image.Image:
    try:
        return Image.open(stream, formats=SUPPORTED_FORMATS)
    except UnidentifiedImageError:
        raise ImageError(
            f"This file is not an image that can be read; choose a {FORMATS_FOR_PEOPLE} file."
        ) from None
    except Image.DecompressionBombError as exc:
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        size = f" ({int(pixels.group(1)) / 1e6:,.0f} megapixels)" if pixels else ""
        raise ImageError(
            f"The image is far too large{size} to decode safely; downscale it and try again."
        ) from None
    except Exception as exc:  # a header so broken that Pillow fails while identifying it
        raise ImageError(
            f"The file is damaged ({_short(exc)}); re-export or re-download it."
        ) from None


def _check_size(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageError(f"The image has no pixels ({width}×{height}); choose another file.")
    if width * height > max_pixels:
        raise ImageError(
            f"The image is {width}×{height} = {_pixels(width * height)}, over the limit of "
            f"{_pixels(max_pixels)}; downscale it and try again."
        )


def _pixels(count: int) -> str:
    """'144.0 megapixels' for large counts, '10,000 pixels' for small ones."""
    return f"{count / 1e6:,.1f} megapixels" if count >= 1_000_000 else f"{count:,} pixels"


def _apply_orientation(image: Image.Image) -> Image.Image:
    # In place: otherwise Pillow copies the whole image even when nothing turns. A malformed
    # EXIF block leaves the pixels as stored.
    with contextlib.suppress(Exception):
        ImageOps.exif_transpose(image, in_place=True)
    return image


def _to_rgb(image: Image.Image) -> np.ndarray:
    mode = image.mode
    if mode == "RGB":
        return np.asarray(image)
    if mode in _SIXTEEN_BIT_MODES:
        return _grey_to_rgb(np.asarray(image).astype(np.float64) / 257.0)
    if mode == "F":
        values = np.asarray(image, dtype=np.float64)
        finite_max = float(np.nanmax(values)) if values.size else 0.0
        scale = 255.0 if finite_max <= 1.0 else 1.0
        return _grey_to_rgb(np.nan_to_num(values) * scale)
    if mode == "CMYK":
        return np.asarray(_cmyk_to_rgb(image))
    if mode in _ALPHA_MODES or (mode == "P" and "transparency" in image.info):
        return _composite_over_white(image.convert("RGBA"))
    return np.asarray(image.convert("RGB"))


def _grey_to_rgb(values: np.ndarray) -> np.ndarray:
    grey = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def _cmyk_to_rgb(image: Image.Image) -> Image.Image:
    profile = image.info.get("icc_profile")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            return ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except Exception:  # an unusable profile: fall back to the plain conversion
            pass
    return image.convert("RGB")


def _composite_over_white(rgba: Image.Image) -> np.ndarray:
    pixels = np.asarray(rgba).astype(np.uint32)
    alpha = pixels[:, :, 3:4]
    # out = colour * a + 255 * (1 - a), with a = alpha / 255, rounded to nearest
    blended = (pixels[:, :, :3] * alpha + 255 * (255 - alpha) + 127) // 255
    return blended.astype(np.uint8)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
