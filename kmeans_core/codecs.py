"""K-Means' indexed PNG against the codecs people use: JPEG, WebP and AVIF, from Pillow.

Each codec is matched to the K-Means PNG two ways, by bisection on its quality setting:

* :func:`largest_quality_within`: the highest quality whose file is no larger than the PNG;
* :func:`smallest_reaching_psnr`: the lowest quality (the smallest file) whose PSNR reaches
  the PNG's.

File size and PSNR grow with quality almost everywhere, but not strictly at every step, so
a bisection may miss a better quality in a dip; whatever it returns has been encoded and
measured, so the file is really within the budget, or really reaches the PSNR.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, features

from .metrics import psnr
from .ssim import ssim

# Codec -> (Pillow format, lowest and highest quality). Pillow's own defaults otherwise:
# 4:2:0 chroma for JPEG, method 4 for WebP, speed 6 for AVIF, as a user saving from Pillow
# gets them.
_CODECS = {
    "JPEG": ("JPEG", 1, 100),
    "WebP": ("WEBP", 0, 100),
    "AVIF": ("AVIF", 0, 100),
}
_FEATURES = {"WebP": "webp", "AVIF": "avif"}


def available_codecs() -> tuple[str, ...]:
    """The codecs this Pillow build can write, in the order JPEG, WebP, AVIF."""
    return tuple(
        name for name in _CODECS if name not in _FEATURES or features.check(_FEATURES[name])
    )


def encode(pixels: np.ndarray, codec: str, quality: int) -> bytes:
    """(H, W, 3) uint8 pixels as a ``codec`` file at ``quality``."""
    if codec not in _CODECS:
        raise ValueError(f"codec must be one of {', '.join(_CODECS)}, got {codec!r}")
    pillow_format, low, high = _CODECS[codec]
    if not low <= quality <= high:
        raise ValueError(f"{codec} quality must be between {low} and {high}, got {quality}")
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=pillow_format, quality=quality)
    return buffer.getvalue()


def decode(data: bytes) -> np.ndarray:
    """A file's pixels as (H, W, 3) uint8 RGB."""
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


@dataclass(frozen=True)
class Encoded:
    """One file of the image, decoded again and measured against the original."""

    codec: str  # "JPEG", "WebP", "AVIF", or the PNG's own name
    quality: int | None  # None for the indexed PNG
    data: bytes = field(repr=False)
    pixels: np.ndarray = field(repr=False)  # (H, W, 3) uint8, as a viewer shows the file
    psnr: float
    ssim: float

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def bits_per_pixel(self) -> float:
        height, width = self.pixels.shape[:2]
        return 8 * len(self.data) / (width * height)


def measured(original: np.ndarray, codec: str, quality: int | None, data: bytes) -> Encoded:
    """``data`` decoded and scored against ``original``: PSNR and SSIM."""
    pixels = decode(data)
    return Encoded(codec, quality, data, pixels, psnr(original, pixels), ssim(original, pixels))


Encoder = Callable[[np.ndarray, str, int], bytes]  # (pixels, codec, quality) -> file


class Trials:
    """A codec's files of one image by quality, each encoded once, their PSNR on demand:
    shared by the two bisections of one codec, which often try the same qualities.

    ``encoder`` makes each file (:func:`encode` by default); a server can wrap it, to run
    each encoding in turn with other users' work, or to report progress.
    """

    def __init__(self, original: np.ndarray, codec: str, *, encoder: Encoder = encode) -> None:
        self.original, self.codec, self.encoder = original, codec, encoder
        self._files: dict[int, bytes] = {}
        self._psnr: dict[int, float] = {}
        self.low, self.high = _CODECS[codec][1:]

    def file(self, quality: int) -> bytes:
        if quality not in self._files:
            self._files[quality] = self.encoder(self.original, self.codec, quality)
        return self._files[quality]

    def psnr(self, quality: int) -> float:
        if quality not in self._psnr:
            self._psnr[quality] = psnr(self.original, decode(self.file(quality)))
        return self._psnr[quality]

    def result(self, quality: int) -> Encoded:
        return measured(self.original, self.codec, quality, self.file(quality))


def first_passing(low: int, high: int, passes: Callable[[int], bool]) -> int | None:
    """The lowest integer in [low, high] for which ``passes`` holds, by bisection (it is
    taken to hold from some point on); None if it fails at ``high``."""
    if not passes(high):
        return None
    while low < high:
        middle = (low + high) // 2
        if passes(middle):
            high = middle
        else:
            low = middle + 1
    return high


def largest_quality_within(
    original: np.ndarray, codec: str, max_bytes: int, *, trials: Trials | None = None
) -> Encoded | None:
    """``codec`` at the highest quality whose file has at most ``max_bytes``; None when even
    its lowest quality is larger."""
    trials = trials or Trials(original, codec)
    too_large = first_passing(trials.low, trials.high, lambda q: len(trials.file(q)) > max_bytes)
    best = trials.high if too_large is None else too_large - 1
    if best < trials.low:
        return None
    return trials.result(best)


def smallest_reaching_psnr(
    original: np.ndarray, codec: str, target_psnr: float, *, trials: Trials | None = None
) -> Encoded | None:
    """``codec`` at the lowest quality whose PSNR is at least ``target_psnr``; None when even
    its highest quality falls short."""
    trials = trials or Trials(original, codec)
    quality = first_passing(trials.low, trials.high, lambda q: trials.psnr(q) >= target_psnr)
    return None if quality is None else trials.result(quality)


@dataclass(frozen=True)
class CodecMatch:
    """One codec matched to the reference PNG both ways (None where it cannot be)."""

    codec: str
    same_size: Encoded | None  # highest quality no larger than the PNG
    same_psnr: Encoded | None  # smallest file reaching the PNG's PSNR


def match_codecs(
    original: np.ndarray,
    reference: Encoded,
    *,
    codecs: tuple[str, ...] | None = None,
    encoder: Encoder = encode,
) -> list[CodecMatch]:
    """Every codec (all available ones by default) at the reference file's size and at
    its PSNR, each file made by ``encoder``. The two bisections of a codec share its
    encodings."""
    codecs = available_codecs() if codecs is None else codecs
    matches = []
    for codec in codecs:
        trials = Trials(original, codec, encoder=encoder)
        matches.append(
            CodecMatch(
                codec,
                largest_quality_within(original, codec, reference.size, trials=trials),
                smallest_reaching_psnr(original, codec, reference.psnr, trials=trials),
            )
        )
    return matches
