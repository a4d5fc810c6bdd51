"""Pillow's own colour quantizers, for comparison with K-Means."""

from __future__ import annotations

import numpy as np
from PIL import Image, features

_METHODS = {
    "median cut": Image.Quantize.MEDIANCUT,
    "max coverage": Image.Quantize.MAXCOVERAGE,
    "fast octree": Image.Quantize.FASTOCTREE,
    "libimagequant": Image.Quantize.LIBIMAGEQUANT,
}


def pillow_methods() -> dict[str, bool]:
    """Every Pillow quantizer by name, with whether this Pillow build has it."""
    return {
        name: name != "libimagequant" or bool(features.check("libimagequant")) for name in _METHODS
    }


def pillow_quantize(image: np.ndarray, k: int, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Quantize an (H, W, 3) uint8 image to at most ``k`` colours with a Pillow method,
    without dithering. Returns (palette (P, 3) uint8, labels (H, W) uint8)."""
    if not pillow_methods().get(method, False):
        raise ValueError(f"Pillow method {method!r} is not available here")
    quantized = Image.fromarray(image).quantize(
        k, method=_METHODS[method], dither=Image.Dither.NONE
    )
    labels = np.asarray(quantized)
    entries = int(labels.max(initial=0)) + 1
    palette = np.asarray(quantized.getpalette()[: 3 * entries], dtype=np.uint8).reshape(-1, 3)
    return palette, labels
