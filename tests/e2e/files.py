"""Files to upload, made at test time (into a temporary directory, never the repository).

Photo-like JPEGs are a bundled sample scaled to the wanted size with sensor-like noise, so
they have the hundreds of thousands of distinct colours of a real photo. Bad files are real
bytes: damaged copies of the samples, a PNG whose header lies about its size, and so on.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from tests import filebytes

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_FILES = {
    "coffee": "coffee.png",
    "chelsea": "chelsea.png",
    "astronaut": "astronaut.png",
    "rocket": "rocket.jpg",
}  # the app's sample keys (dashboard/samples.py)


@dataclass(frozen=True)
class Photo:
    """An image file and what the app should report about it."""

    path: Path
    width: int
    height: int

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6


def sample_size(key: str) -> tuple[int, int]:
    """(width, height) of a bundled sample as the app sees it (EXIF orientation applied)."""
    with Image.open(SAMPLES / SAMPLE_FILES[key]) as image:
        return ImageOps.exif_transpose(image).size


def photo_jpeg(
    path: Path,
    size: tuple[int, int],
    sample: str = "chelsea",
    seed: int = 0,
    noise: float = 5.0,
    quality: int = 90,
) -> Photo:
    """A photo-like JPEG of ``size`` (width, height): ``sample`` resized, plus Gaussian noise
    of ``noise`` levels a channel (seeded, so every seed gives different bytes)."""
    with Image.open(SAMPLES / SAMPLE_FILES[sample]) as source:
        image = ImageOps.exif_transpose(source).convert("RGB")
    image = image.resize(size, Image.Resampling.BICUBIC)
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image, dtype=np.float32)
    pixels += rng.standard_normal(pixels.shape, dtype=np.float32) * noise
    np.clip(pixels, 0, 255, out=pixels)
    Image.fromarray(pixels.astype(np.uint8)).save(path, "JPEG", quality=quality)
    return Photo(path, *size)


def flat_png(width: int, height: int) -> bytes:
    """A real ``width``×``height`` RGB PNG, all of it decodable, that compresses to almost
    nothing: one grey ramp row repeated (PNG filter "Up" makes every further row zeros)."""
    stream = zlib.compressobj(6)
    ramp = (np.arange(width * 3) // 3 % 256).astype(np.uint8).tobytes()
    parts = [stream.compress(b"\x00" + ramp)]
    repeat_row = b"\x02" + bytes(width * 3)  # filter 2 (Up): same as the row above
    rows_left, batch = height - 1, 64
    block = repeat_row * batch
    while rows_left > 0:
        count = min(rows_left, batch)
        parts.append(stream.compress(block if count == batch else repeat_row * count))
        rows_left -= count
    parts.append(stream.flush())
    return filebytes.png_of_stream(width, height, 8, filebytes.COLOR_TYPE_RGB, b"".join(parts))
