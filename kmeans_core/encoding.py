"""What the quantized image costs: the indexed PNG, the exercise's arithmetic, palette files."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from .png import write_indexed_png

PNG_COMPRESS_LEVEL = 6  # zlib's default: the usual size/speed trade-off


def encode_indexed_png(
    palette: np.ndarray,
    labels: np.ndarray,
    compress_level: int = PNG_COMPRESS_LEVEL,
    *,
    alpha: np.ndarray | None = None,
) -> bytes:
    """A palette-mode PNG of ``labels`` (H, W) indexing ``palette`` (P, 3) uint8.

    Unused palette entries are dropped first, so the bit depth is the smallest the colours
    allow: 1 bit for up to 2 colours, 2 for 4, 4 for 16, else 8. ``alpha`` (P,) uint8 gives
    each entry's opacity (PNG tRNS); the entries that are not opaque then go first, so the
    tRNS chunk holds only them.
    """
    palette = np.asarray(palette, dtype=np.uint8)
    labels = np.asarray(labels)
    if labels.size and not 0 <= int(labels.min()) <= int(labels.max()) < len(palette):
        raise ValueError(f"labels must index the palette's {len(palette)} colours")
    present = np.zeros(len(palette), dtype=bool)
    present[labels.ravel()] = True  # 5x faster than a bincount of every pixel
    kept = np.flatnonzero(present)
    if alpha is not None:
        alpha = np.asarray(alpha, dtype=np.uint8)
        if len(alpha) != len(palette):
            raise ValueError(f"alpha must hold one value per palette entry ({len(palette)})")
        kept = kept[np.argsort(alpha[kept] == 255, kind="stable")]
    if not np.array_equal(kept, np.arange(len(palette))):
        remap = np.zeros(len(palette), dtype=np.uint8)
        remap[kept] = np.arange(len(kept))
        labels, palette = remap[labels], palette[kept]
        alpha = None if alpha is None else alpha[kept]
    return write_indexed_png(palette, labels, compress_level, alpha=alpha)


@dataclass(frozen=True)
class CompressionReport:
    """The exercise's arithmetic: 24 bits a pixel against a palette plus an index a pixel.

    With ``alpha`` the image has transparency: 32 bits a pixel (RGBA) and 32 an entry, the
    transparent entry among the ``colors``.
    """

    width: int
    height: int
    colors: int  # palette entries stored
    alpha: bool = False

    @property
    def bits_per_color(self) -> int:
        """Bits of one original pixel, and of one palette entry: 24 for RGB, 32 for RGBA."""
        return 32 if self.alpha else 24

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def bits_per_index(self) -> int:
        """⌈log2 K⌉: bits to name one of K colours (0 for a single colour)."""
        return math.ceil(math.log2(self.colors)) if self.colors > 1 else 0

    @property
    def bits_original(self) -> int:
        return self.bits_per_color * self.pixels

    @property
    def bits_palette(self) -> int:
        return self.bits_per_color * self.colors

    @property
    def bits_indices(self) -> int:
        return self.pixels * self.bits_per_index

    @property
    def bits_compressed(self) -> int:
        return self.bits_palette + self.bits_indices

    @property
    def ratio(self) -> float:
        return self.bits_original / self.bits_compressed


def palette_to_gpl(palette: np.ndarray, name: str = "K-Means palette") -> str:
    """The palette as a GIMP palette file (.gpl)."""
    lines = ["GIMP Palette", f"Name: {name}", f"Columns: {min(len(palette), 16)}", "#"]
    for r, g, b in np.asarray(palette, dtype=int):
        lines.append(f"{r:3d} {g:3d} {b:3d}\t{hex_color((r, g, b))}")
    return "\n".join(lines) + "\n"


def palette_to_json(
    palette: np.ndarray, pixel_counts: np.ndarray, *, alpha: np.ndarray | None = None
) -> str:
    """The palette as JSON: each colour's hex code, RGB and share of the pixels; with
    ``alpha`` (one value an entry), each colour's alpha too."""
    total = max(int(np.sum(pixel_counts)), 1)
    colors = [
        {
            "hex": hex_color(rgb),
            "rgb": [int(v) for v in rgb],
            "pixels": int(n),
            "share": int(n) / total,
        }
        for rgb, n in zip(np.asarray(palette), pixel_counts, strict=True)
    ]
    if alpha is not None:
        for color, value in zip(colors, alpha, strict=True):
            color["alpha"] = int(value)
    return json.dumps({"colors": colors}, indent=2)


def hex_color(rgb, alpha: int = 255) -> str:
    """'#rrggbb' for an (r, g, b) triple; '#rrggbbaa' when ``alpha`` is below 255."""
    r, g, b = (int(v) for v in rgb)
    code = f"#{r:02x}{g:02x}{b:02x}"
    return code if alpha == 255 else f"{code}{int(alpha):02x}"
