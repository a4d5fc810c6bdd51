"""Command line: quantize an image file to K colours and write an indexed PNG.

python -m kmeans_core INPUT -k 16 -o OUTPUT.png [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

from . import metrics
from .allocator import keep_freed_memory
from .colorspace import SPACES
from .encoding import CompressionReport, encode_indexed_png, hex_color
from .errors import ImageError
from .loading import DEFAULT_MAX_PIXELS, load_image
from .quantization import DEFAULT_MAX_ITER, DEFAULT_TOL, MAX_K, quantize
from .remap import dither_to_palette
from .seeding import INITS

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kmeans_core",
        description="Quantize an image to K colours with K-Means and write an indexed PNG.",
    )
    parser.add_argument("input", type=Path, help="JPEG, PNG, WebP, TIFF, BMP or GIF file")
    parser.add_argument(
        "-k", type=int, default=16, help=f"number of colours, 1 to {MAX_K} (default 16)"
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="indexed PNG to write")
    parser.add_argument("--init", choices=INITS, default="k-means++", help="initial centroids")
    parser.add_argument("--n-init", type=int, default=1, help="restarts; the lowest WCSS is kept")
    parser.add_argument(
        "--max-iter", type=int, default=DEFAULT_MAX_ITER, help="iterations per restart"
    )
    parser.add_argument(
        "--tol",
        type=float,
        default=DEFAULT_TOL,
        help="stop when centroids move less (0: fixed point)",
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed, for repeatable runs")
    parser.add_argument("--space", choices=SPACES, default="rgb", help="colour space to cluster in")
    parser.add_argument(
        "--max-pixels", type=int, default=DEFAULT_MAX_PIXELS, help="refuse larger images"
    )
    parser.add_argument(
        "--dither", action="store_true", help="Floyd–Steinberg dithering with the K-Means palette"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    keep_freed_memory()
    try:
        _check_arguments(args)
        report = run(args)
    except (ImageError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(report))
    else:
        print(_summary(report))
    return 0


def _check_arguments(args: argparse.Namespace) -> None:
    if not 1 <= args.k <= MAX_K:
        raise ValueError(f"-k must be between 1 and {MAX_K}, got {args.k}")
    if args.n_init < 1 or args.max_iter < 1:
        raise ValueError("--n-init and --max-iter must be at least 1")
    if args.tol < 0 or args.max_pixels < 1:
        raise ValueError("--tol must be at least 0 and --max-pixels at least 1")
    if args.output.is_dir():
        raise ValueError(f"{args.output} is a folder; give a file name such as out.png")


def run(args: argparse.Namespace) -> dict:
    """Decode, quantize, write the PNG; return the JSON report."""
    started = time.perf_counter()
    try:
        input_bytes = args.input.read_bytes()
    except FileNotFoundError:
        raise ImageError(f"There is no file at {args.input}; check the path.") from None
    except OSError as exc:
        raise ImageError(f"Cannot read {args.input} ({exc.strerror}); check the file.") from None
    image = load_image(input_bytes, max_pixels=args.max_pixels)
    decoded = time.perf_counter()
    result = quantize(
        image,
        args.k,
        init=args.init,
        n_init=args.n_init,
        max_iter=args.max_iter,
        tol=args.tol,
        seed=args.seed,
        space=args.space,
    )
    labels, squared_error = result.labels, result.squared_error
    if args.dither:
        labels = dither_to_palette(image, result.palette)
        squared_error = metrics.squared_error(image, result.palette[labels])
    del image
    quantized = time.perf_counter()
    png = encode_indexed_png(result.palette, labels)
    try:
        args.output.write_bytes(png)
    except OSError as exc:
        raise ValueError(f"cannot write {args.output} ({exc.strerror}); check the folder") from None
    finished = time.perf_counter()
    arithmetic = CompressionReport(result.width, result.height, result.colors_used)
    mse = squared_error / result.pixels
    psnr = metrics.psnr_from_mse(mse)
    return {
        "input": str(args.input),
        "output": str(args.output),
        "width": result.width,
        "height": result.height,
        "k": args.k,
        "colors_used": result.colors_used,
        "distinct_colors": result.distinct_colors,
        "fewer_colors_than_k": result.fewer_colors_than_k,
        "init": args.init,
        "space": args.space,
        "n_init": args.n_init,
        "seed": args.seed,
        "iterations": result.iterations,
        "converged": result.converged,
        "wcss": result.wcss,
        "wcss_history": list(result.wcss_history),
        "dither": args.dither,
        "mse": mse,
        "psnr": None if math.isinf(psnr) else psnr,
        "bits_original": arithmetic.bits_original,
        "bits_compressed": arithmetic.bits_compressed,
        "ratio": arithmetic.ratio,
        "png_bytes": len(png),
        "input_bytes": len(input_bytes),
        "palette": [hex_color(c) for c in result.palette[result.pixel_counts > 0]],
        "seconds": finished - started,
        "seconds_decode": decoded - started,
        "seconds_quantize": quantized - decoded,
        "seconds_encode": finished - quantized,
    }


def _summary(report: dict) -> str:
    psnr = "∞" if report["psnr"] is None else f"{report['psnr']:.2f} dB"
    note = (
        " (the image has no more colours than K: kept as it is)"
        if report["fewer_colors_than_k"]
        else ""
    )
    return "\n".join(
        [
            f"{report['input']}: {report['width']}×{report['height']}, "
            f"{report['distinct_colors']:,} distinct colours -> {report['colors_used']}{note}",
            f"K-Means: {report['iterations']} iterations, "
            f"{'converged' if report['converged'] else 'stopped at --max-iter'}, "
            f"MSE {report['mse']:.2f}, PSNR {psnr}",
            f"bits: {report['bits_original']:,} -> {report['bits_compressed']:,} "
            f"(ratio {report['ratio']:.3f}); PNG {report['png_bytes']:,} bytes "
            f"from {report['input_bytes']:,}",
            f"wrote {report['output']} in {report['seconds']:.2f} s",
        ]
    )
