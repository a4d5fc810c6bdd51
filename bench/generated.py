"""The benchmark's generated photos, made from the bundled samples and cached on disk.

* ``photo_12mp.jpg``: a bundled photo upscaled to 4000×3000, given sensor-like noise (shot
  noise that grows with brightness, read noise, a little chroma noise), sharpened the way a
  phone's pipeline does, and saved as a quality-92 JPEG: about 4.6 MB and 220k distinct
  colours, like a 12 MP phone photo (3–6 MB, 30k–500k colours). Upscaling alone gives an
  image far smoother than any camera's (1.5 MB at quality 90).
* ``noisy_10mp.png``: a bundled photo upscaled to 3872×2592 with strong per-channel noise,
  saved losslessly so that it keeps over a million distinct colours.
* ``noisy_cat_512.png``: the cat photo scaled and cropped to 512×512 with strong sensor-like
  noise, saved losslessly: over 200,000 distinct colours in 262,144 pixels, like a photo of
  fur or foliage (a case for K = 256).
* ``photos_04mp-*.jpg``: ten 768×512 (0.39 MP) photos, each a bundled photo zoomed, cropped
  and mirrored its own way, with phone-like sensor noise and sharpening, saved as
  quality-92 JPEGs.

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


def noisy_cat_512() -> Path:
    """A 512×512 lossless PNG with over 200,000 distinct colours."""
    path = CACHE / "noisy_cat_512.png"
    if not path.exists():
        pixels = _scaled_crop("chelsea.png", (512, 512), zoom=1.0, left=0.5, top=0.5)
        pixels = _with_sensor_noise(pixels, shot=0.5, read=6.0, chroma=12.0, seed=512)
        _save(Image.fromarray(pixels), path, "PNG", compress_level=1)
    return path


PHOTO_SET_SIZE = 10


def photos_04mp() -> list[Path]:
    """Ten 768×512 phone-photo-like JPEGs, made from the four bundled photos."""
    samples = ("coffee.png", "chelsea.png", "astronaut.png", "rocket.jpg")
    paths = []
    for i in range(PHOTO_SET_SIZE):
        path = CACHE / f"photos_04mp-v1-{i}.jpg"
        if not path.exists():
            zoom = (1.0, 1.35, 1.7)[i // len(samples) % 3]
            where = (0.5, 0.2, 0.8)[i % 3]
            pixels = _scaled_crop(samples[i % len(samples)], (768, 512), zoom, where, 1 - where)
            if i % 2:
                pixels = pixels[:, ::-1]
            pixels = _with_sensor_noise(pixels, shot=0.1, read=2.0, chroma=1.5, seed=400 + i)
            image = Image.fromarray(pixels).filter(
                ImageFilter.UnsharpMask(radius=1.5, percent=80, threshold=2)
            )
            _save(image, path, "JPEG", quality=92)
        paths.append(path)
    return paths


def _scaled_crop(
    sample: str, size: tuple[int, int], zoom: float, left: float, top: float
) -> np.ndarray:
    """The sample scaled (bicubic) to cover ``size`` × ``zoom``, then cropped to ``size``;
    ``left`` and ``top`` (0..1) place the crop in the spare width and height."""
    image = Image.open(SAMPLES / sample).convert("RGB")
    scale = zoom * max(size[0] / image.width, size[1] / image.height)
    scaled = (max(size[0], round(image.width * scale)), max(size[1], round(image.height * scale)))
    image = image.resize(scaled, Image.Resampling.BICUBIC)
    x, y = round((scaled[0] - size[0]) * left), round((scaled[1] - size[1]) * top)
    return np.asarray(image.crop((x, y, x + size[0], y + size[1]))).astype(np.float32)


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
