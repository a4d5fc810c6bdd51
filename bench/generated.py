"""The benchmark's generated photos, made from the bundled samples and cached on disk.

* ``photo_12mp.jpg``: a bundled photo upscaled to 4000×3000, given sensor-like noise (shot
  noise that grows with brightness, read noise, a little chroma noise), sharpened the way a
  phone's pipeline does, and saved as a quality-92 JPEG: about 4.6 MB and 220k distinct
  colours, like a 12 MP phone photo (3–6 MB, 30k–500k colours). Upscaling alone gives an
  image far smoother than any camera's (1.5 MB at quality 90).
* ``noisy_10mp.png``: a bundled photo upscaled to 3872×2592 with strong per-channel noise,
  saved losslessly so that it keeps over a million distinct colours.

Changing how an image is made must change its cached file name (``photo_12mp-v2.jpg``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CACHE = Path(__file__).resolve().parent / ".cache"

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def photo_12mp() -> Path:
    """A 4000×3000 phone-photo-like JPEG."""
    path = CACHE / "photo_12mp-v2.jpg"
    if not path.exists():
        pixels = _upscaled("coffee.png", (4000, 3000))
        pixels = _with_sensor_noise(pixels, shot=0.1, read=2.5, chroma=1.5, seed=12)
        image = Image.fromarray(pixels).filter(
            ImageFilter.UnsharpMask(radius=2, percent=100, threshold=2)
        )
        _save(image, path, "JPEG", quality=92)
    return path


def noisy_10mp() -> Path:
    """A 3872×2592 lossless PNG with over a million distinct colours."""
    path = CACHE / "noisy_10mp.png"
    if not path.exists():
        pixels = _upscaled("astronaut.png", (3872, 2592))
        noise = np.random.default_rng(10).normal(0.0, 6.0, pixels.shape).astype(np.float32)
        _save(Image.fromarray(_to_uint8(pixels + noise)), path, "PNG", compress_level=1)
    return path


def _upscaled(sample: str, size: tuple[int, int]) -> np.ndarray:
    image = Image.open(SAMPLES / sample).convert("RGB").resize(size, Image.Resampling.BICUBIC)
    return np.asarray(image).astype(np.float32)


def _with_sensor_noise(
    pixels: np.ndarray, shot: float, read: float, chroma: float, seed: int
) -> np.ndarray:
    """Luminance noise of variance ``shot`` × brightness + ``read``², plus per-channel noise."""
    rng = np.random.default_rng(seed)
    luma = pixels @ _LUMA
    sigma = np.sqrt(shot * luma + read * read)
    luma_noise = rng.standard_normal(luma.shape, dtype=np.float32) * sigma
    chroma_noise = rng.standard_normal(pixels.shape, dtype=np.float32) * chroma
    return _to_uint8(pixels + luma_noise[:, :, None] + chroma_noise)


def _to_uint8(pixels: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)


def _save(image: Image.Image, path: Path, image_format: str, **options) -> None:
    """Write through a temporary name, so an interrupted run never leaves a partial file."""
    CACHE.mkdir(exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    image.save(partial, format=image_format, **options)
    partial.replace(path)
