"""Give an image's pixels colours from a given palette: the nearest one, or dithered."""

from __future__ import annotations

import numpy as np
from PIL import Image

from .colors import count_colors, labels_per_pixel, pack_rgb
from .colorspace import to_space
from .lloyd import HamerlyState


def assign_to_palette(image: np.ndarray, palette: np.ndarray, space: str = "rgb") -> np.ndarray:
    """(H, W) uint8 index of every pixel's nearest ``palette`` colour, measured in ``space``.

    Exact, ties to the lowest index, computed once per distinct colour.
    """
    palette = np.asarray(palette, dtype=np.uint8)
    codes = pack_rgb(image)
    colors = count_colors(codes)
    state = HamerlyState(to_space(colors.colors, space), colors.counts, to_space(palette, space))
    return labels_per_pixel(codes, colors.codes, state.labels).reshape(image.shape[:2])


def dither_to_palette(image: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """(H, W) uint8 indices into ``palette`` with Floyd–Steinberg error diffusion.

    Each pixel's rounding error is pushed onto its unprocessed neighbours, so areas keep their
    average colour: smoother gradients, at the cost of grain and a higher MSE. (Pillow's
    C implementation.)
    """
    palette = np.asarray(palette, dtype=np.uint8)
    palette_image = Image.new("P", (1, 1))
    palette_image.putpalette(palette.tobytes())
    dithered = Image.fromarray(image).quantize(
        palette=palette_image, dither=Image.Dither.FLOYDSTEINBERG
    )
    labels = np.asarray(dithered)
    if labels.max(initial=0) >= len(palette):  # never seen; guards a Pillow change
        raise RuntimeError("Pillow dithered to colours outside the palette")
    return labels
