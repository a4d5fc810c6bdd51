"""The benchmark's generated photos, made from the bundled samples and cached on disk.

* ``photo_12mp.jpg``: a bundled photo upscaled to 4000×3000 with a little sensor-like noise,
  saved as a quality-90 JPEG (a phone photo's size and colour count).
* ``noisy_10mp.png``: a bundled photo upscaled to 3872×2592 with stronger per-channel
  noise, saved losslessly so that it keeps over a million distinct colours.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CACHE = Path(__file__).resolve().parent / ".cache"


def _upscaled_with_noise(sample: str, size: tuple[int, int], sigma: float, seed: int) -> np.ndarray:
    base = Image.open(SAMPLES / sample).convert("RGB").resize(size, Image.Resampling.BICUBIC)
    pixels = np.asarray(base).astype(np.float32)
    noise = np.random.default_rng(seed).normal(0.0, sigma, pixels.shape).astype(np.float32)
    return np.clip(np.rint(pixels + noise), 0, 255).astype(np.uint8)


def photo_12mp() -> Path:
    """A 4000×3000 photo-like JPEG."""
    path = CACHE / "photo_12mp.jpg"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        pixels = _upscaled_with_noise("coffee.png", (4000, 3000), sigma=2.0, seed=12)
        Image.fromarray(pixels).save(path, quality=90)
    return path


def noisy_10mp() -> Path:
    """A 3872×2592 lossless PNG with over a million distinct colours."""
    path = CACHE / "noisy_10mp.png"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        pixels = _upscaled_with_noise("astronaut.png", (3872, 2592), sigma=6.0, seed=10)
        Image.fromarray(pixels).save(path, compress_level=1)
    return path
