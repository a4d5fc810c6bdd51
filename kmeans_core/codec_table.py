"""``python -m kmeans_core.codec_table [-k K] IMAGE…``: the K-Means PNG of each image against
JPEG, WebP and AVIF (see :mod:`kmeans_core.codecs`), printed as a Markdown table."""

from __future__ import annotations

import argparse
import sys

from .codecs import Encoded, match_codecs, measured
from .encoding import encode_indexed_png
from .errors import ImageError
from .loading import load_image
from .quantization import quantize


def comparison_rows(path: str, *, k: int = 16) -> list[tuple[str, str, Encoded]]:
    """(image, how matched, file) for the K-Means PNG of ``path`` at ``k`` (seed 0) and
    every codec matched to it both ways."""
    image = load_image(path)
    result = quantize(image, k=k, seed=0)
    png = measured(image, "K-Means PNG", None, encode_indexed_png(result.palette, result.labels))
    rows = [(path, "", png)]
    for match in match_codecs(image, png):
        for how, found in (("same size", match.same_size), ("same PSNR", match.same_psnr)):
            if found is not None:
                rows.append((path, how, found))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the comparison of every IMAGE as one Markdown table."""
    parser = argparse.ArgumentParser(
        prog="python -m kmeans_core.codec_table",
        description="The K-Means PNG against JPEG, WebP and AVIF, as a Markdown table.",
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE")
    parser.add_argument("-k", type=int, default=16, help="palette size (default: 16)")
    args = parser.parse_args(argv)
    try:
        tables = [comparison_rows(path, k=args.k) for path in args.images]
    except (ImageError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("| Image | File | Matched | Bytes | Bits/pixel | PSNR dB | SSIM |")
    print("| :-- | :-- | :-- | --: | --: | --: | --: |")
    for rows in tables:
        for image, how, found in rows:
            label = found.codec if found.quality is None else f"{found.codec} q{found.quality}"
            print(
                f"| {image} | {label} | {how} | {found.size:,} | {found.bits_per_pixel:.3f} "
                f"| {found.psnr:.2f} | {found.ssim:.4f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
