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
from .loading import DEFAULT_MAX_PIXELS, FORMATS_FOR_PEOPLE, load_image
from .quantization import quantize
from .remap import dither_to_palette
from .seeding import INITS
from .settings import DEFAULTS, RANGES, Settings

EXIT_USAGE = 2


# Each setting's option; its default and range come from Settings.
FLAGS = {
    "k": "-k",
    "init": "--init",
    "n_init": "--n-init",
    "max_iter": "--max-iter",
    "tol": "--tol",
    "seed": "--seed",
    "space": "--space",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kmeans_core",
        description="Quantize an image to K colours with K-Means and write an indexed PNG.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("input", type=Path, help=f"{FORMATS_FOR_PEOPLE} file")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        default=argparse.SUPPRESS,  # nothing to show in --help
        help="indexed PNG to write",
    )

    def setting(name: str, help: str, **kwargs) -> None:
        parser.add_argument(
            FLAGS[name], dest=name, default=getattr(DEFAULTS, name), help=help, **kwargs
        )

    k_range, iter_range, init_range = (RANGES[n] for n in ("k", "max_iter", "n_init"))
    setting("k", f"number of colours, {k_range.low:g} to {k_range.high:g}", type=int)
    setting("init", "initial centroids", choices=INITS)
    setting(
        "n_init",
        f"restarts, {init_range.low:g} to {init_range.high:g}; the lowest WCSS is kept",
        type=int,
    )
    setting("max_iter", f"iterations per restart, at most {iter_range.high:g}", type=int)
    setting("tol", "stop when the centroids move less than this (0: at a fixed point)", type=float)
    setting("seed", "random seed: the same seed gives the same result", type=int)
    setting("space", "colour space to cluster in", choices=SPACES)
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
        report = run(args, settings_from(args))
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


def settings_from(args: argparse.Namespace) -> Settings:
    """The K-Means settings the options ask for; a ValueError names the option at fault."""
    try:
        return Settings(**{name: getattr(args, name) for name in FLAGS})
    except ValueError as exc:
        name, _, rest = str(exc).partition(" ")
        raise ValueError(f"{FLAGS.get(name, name)} {rest}") from None


def _check_arguments(args: argparse.Namespace) -> None:
    if args.max_pixels < 1:
        raise ValueError("--max-pixels must be at least 1")
    if args.output.is_dir():
        raise ValueError(f"{args.output} is a folder; give a file name such as out.png")


def run(args: argparse.Namespace, settings: Settings) -> dict:
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
    result = quantize(image, settings=settings)
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
        "k": settings.k,
        "colors_used": result.colors_used,
        "distinct_colors": result.distinct_colors,
        "fewer_colors_than_k": result.fewer_colors_than_k,
        "init": settings.init,
        "space": settings.space,
        "n_init": settings.n_init,
        "seed": settings.seed,
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
