"""Read an image file into an 8-bit RGB array, safely.

Every failure becomes an :class:`ImageError` whose message says what is wrong and what to do.
The pixel limit is checked from the header, before any pixel is decoded.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pillow_heif
from PIL import Image, UnidentifiedImageError

from .decoding import WHITE, to_rgb_and_alpha, to_rgb_array, upright_size
from .errors import ImageError
from .transparency import ALPHA_CUT

# HEIC and HEIF, the iPhone's format, through libheif; Pillow reads AVIF itself.
pillow_heif.register_heif_opener()

DEFAULT_MAX_PIXELS = 50_000_000
# JPEG covers MPO too; HEIF covers HEIC
SUPPORTED_FORMATS = ("JPEG", "PNG", "WEBP", "AVIF", "HEIF", "TIFF", "BMP", "GIF")
FORMATS_FOR_PEOPLE = "JPEG, PNG, WebP, AVIF, HEIC, TIFF, BMP or GIF"

Source = bytes | str | Path | BinaryIO


def load_image(
    source: Source,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    background: tuple[int, int, int] = WHITE,
) -> np.ndarray:
    """Decode ``source`` into a C-contiguous (H, W, 3) uint8 RGB array.

    Accepts JPEG, PNG, WebP, AVIF, HEIC/HEIF, TIFF, BMP and GIF (first frame). The EXIF
    orientation is applied; transparency is composited over ``background`` (white by
    default); grey, palette, CMYK and 16-bit images are converted to 8-bit RGB. Images over
    ``max_pixels`` are refused before decoding. Memory: the decoded pixels (at most 4 bytes
    each in Pillow) and the 3-byte result, never a full-size copy in between.

    Raises:
        ImageError: for empty, truncated, corrupt, non-image or over-limit input.
    """
    _check_background(background)
    decoded = _load(
        source, max_pixels=max_pixels, fit_pixels=None, background=background, keep_alpha=False
    )
    return decoded.pixels


def load_image_fitted(
    source: Source,
    fit_pixels: int,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    background: tuple[int, int, int] = WHITE,
) -> tuple[np.ndarray, tuple[int, int]]:
    """Like :func:`load_image`, but an image of more than ``fit_pixels`` pixels comes back
    reduced to at most that many (box filter, aspect ratio kept).

    The image is converted and reduced a tile at a time, so a large image never exists as
    a full-size array. Returns the pixels and the image's (width, height) before the
    reduction, after the EXIF orientation.
    """
    _check_fit(fit_pixels)
    _check_background(background)
    decoded = _load(
        source,
        max_pixels=max_pixels,
        fit_pixels=fit_pixels,
        background=background,
        keep_alpha=False,
    )
    return decoded.pixels, decoded.size


@dataclass(frozen=True)
class Decoded:
    """An image's pixels, its transparency and its size before any reduction."""

    pixels: np.ndarray  # (H, W, 3) uint8, transparency composited over the background
    alpha: np.ndarray | None  # (H, W) uint8; None when no pixel is under ALPHA_CUT
    size: tuple[int, int]  # (width, height) of the file, upright, before any reduction


def load_image_with_alpha(
    source: Source,
    *,
    fit_pixels: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    background: tuple[int, int, int] = WHITE,
) -> Decoded:
    """Like :func:`load_image` (and :func:`load_image_fitted`, given ``fit_pixels``), with
    the alpha channel kept beside the composited pixels, one byte a pixel, reduced like
    them. An image with no pixel of alpha under ``ALPHA_CUT`` comes back without (None):
    it is opaque once alpha is cut to one bit.
    """
    if fit_pixels is not None:
        _check_fit(fit_pixels)
    _check_background(background)
    return _load(
        source, max_pixels=max_pixels, fit_pixels=fit_pixels, background=background, keep_alpha=True
    )


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


def _check_fit(fit_pixels: int) -> None:
    if fit_pixels < 1:
        raise ValueError(f"fit_pixels must be at least 1, got {fit_pixels}")


def _check_background(background: tuple[int, int, int]) -> None:
    # before decoding: a wrong colour is the caller's mistake, never a damaged file
    valid = (
        isinstance(background, tuple)
        and len(background) == 3
        and all(isinstance(c, int) and 0 <= c <= 255 for c in background)
    )
    if not valid:
        raise ValueError(f"background must be an (r, g, b) tuple of 0-255, got {background!r}")


def _load(
    source: Source,
    *,
    max_pixels: int,
    fit_pixels: int | None,
    background: tuple[int, int, int],
    keep_alpha: bool,
) -> Decoded:
    stream = _open_stream(source)
    with warnings.catch_warnings():
        # Pillow's own bomb warning fires between ~89 and ~179 MP; our limit is checked below.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = _open_image(stream)
        _check_size(image.size, max_pixels)
        try:
            image.load()
            size = upright_size(image)
            fitted = size if fit_pixels is None else fitted_size(size, fit_pixels)
            if keep_alpha:
                rgb, alpha = to_rgb_and_alpha(image, size=fitted, background=background)
            else:
                rgb, alpha = to_rgb_array(image, size=fitted, background=background), None
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
    if alpha is not None and int(alpha.min()) >= ALPHA_CUT:
        alpha = None
    return Decoded(rgb, alpha, size)


def _open_stream(source: Source) -> BinaryIO:
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
        kind = _kind_from_signature(stream)
        if kind:  # the plugin knew the file but failed on its header
            raise ImageError(
                f"The file looks like a {kind} image but is damaged or incomplete; "
                "re-export or re-download it."
            ) from None
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


# ISO base media file brands (the 'ftyp' box) of HEIC/HEIF and AVIF still images
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}


def _kind_from_signature(stream: BinaryIO) -> str | None:
    """The phone format a file's first bytes announce, if any: 'HEIC' or 'AVIF'."""
    try:
        stream.seek(0)
        head = stream.read(12)
    except Exception:  # an unseekable stream: no second look
        return None
    if head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    return "AVIF" if brand in _AVIF_BRANDS else "HEIC" if brand in _HEIF_BRANDS else None


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


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
