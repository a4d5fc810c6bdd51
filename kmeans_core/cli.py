"""Command line: quantize image files to K colours and write indexed PNGs.

python -m kmeans_core INPUT -k 16 -o OUTPUT.png [--json]
python -m kmeans_core A.jpg B.png … --out-dir DIR [--jobs N] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageColor

from . import metrics
from .allocator import keep_freed_memory
from .colorspace import SPACES
from .encoding import CompressionReport, encode_indexed_png
from .errors import ImageError
from .loading import DEFAULT_MAX_PIXELS, FORMATS_FOR_PEOPLE, load_image, load_image_with_alpha
from .seeding import INITS
from .settings import DEFAULTS, EXERCISE, RANGES, Settings
from .transparency import (
    dither_keeping_alpha,
    entry_alpha,
    quantize_keeping_alpha,
    transparent_mask,
)

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
    "exercise": "--exercise",
}
# Settings whose default depends on --exercise: left None by argparse, filled in by
# settings_from from DEFAULTS or EXERCISE.
MODE_DEPENDENT = ("init", "n_init", "max_iter", "tol")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows every default, except where the help text states it itself."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.dest in MODE_DEPENDENT:
            return action.help or ""
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_program_name(),
        description="Quantize images to K colours with K-Means and write indexed PNGs: "
        "one file with -o, or many with --out-dir.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument(
        "inputs",
        metavar="INPUT",
        nargs="+",
        type=Path,
        help=f"{FORMATS_FOR_PEOPLE} file",
    )
    outputs = parser.add_mutually_exclusive_group(required=True)
    outputs.add_argument(
        "-o",
        "--output",
        type=Path,
        default=argparse.SUPPRESS,  # nothing to show in --help
        help="indexed PNG to write (one INPUT)",
    )
    outputs.add_argument(
        "--out-dir",
        metavar="DIR",
        type=Path,
        default=argparse.SUPPRESS,
        help="folder to write DIR/<stem>.png into, one for each INPUT (made if missing)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="with --out-dir: files compressed at once, each in its own process; one a core",
    )

    def setting(name: str, help: str, **kwargs) -> None:
        if name in MODE_DEPENDENT:
            normal, exercise = getattr(DEFAULTS, name), getattr(EXERCISE, name)
            help += f" (default: {normal}; {exercise} with --exercise)"
            default = None
        else:
            default = getattr(DEFAULTS, name)
        parser.add_argument(FLAGS[name], dest=name, default=default, help=help, **kwargs)

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
        FLAGS["exercise"],
        dest="exercise",
        action="store_true",
        help="the classic exercise's own run: kmeans_init_centroids(X, K, seed) on the "
        "pixels, then Lloyd on every pixel (no colour grids) until a fixed point or "
        "--max-iter iterations",
    )
    parser.add_argument(
        "--max-pixels", type=int, default=DEFAULT_MAX_PIXELS, help="refuse larger images"
    )
    parser.add_argument(
        "--dither", action="store_true", help="Floyd–Steinberg dithering with the K-Means palette"
    )
    parser.add_argument(
        "--background",
        metavar="COLOUR",
        help="composite transparency over COLOUR (white, black, #rrggbb…) and write an opaque "
        "PNG; without it, transparency is kept",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object a file on stdout, one a line"
    )
    return parser


def _program_name() -> str:
    """'kmeans-compress' when installed as that command, else 'python -m kmeans_core'."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return "kmeans-compress" if name.startswith("kmeans-compress") else "python -m kmeans_core"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    keep_freed_memory()
    try:
        _check_arguments(args)
        settings = settings_from(args)
        if "out_dir" in args:
            return run_batch(args, settings)
        report = run(args.inputs[0], args.output, settings, options=Options.of(args))
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
    mode = EXERCISE if args.exercise else DEFAULTS
    given = {name: getattr(args, name) for name in FLAGS}
    values = {name: getattr(mode, name) if v is None else v for name, v in given.items()}
    try:
        return Settings(**values)
    except ValueError as exc:
        name, _, rest = str(exc).partition(" ")
        raise ValueError(f"{FLAGS.get(name, name)} {rest}") from None


def _check_arguments(args: argparse.Namespace) -> None:
    if args.max_pixels < 1:
        raise ValueError("--max-pixels must be at least 1")
    if args.jobs < 1:
        raise ValueError("--jobs must be at least 1")
    if "output" in args:
        if len(args.inputs) > 1:
            raise ValueError(
                f"-o writes one file but {len(args.inputs)} inputs were given; "
                "use --out-dir DIR for several"
            )
        if args.output.is_dir():
            raise ValueError(f"{args.output} is a folder; give a file name such as out.png")
    elif args.out_dir.exists() and not args.out_dir.is_dir():
        raise ValueError(f"--out-dir {args.out_dir} is a file; give a folder")
    background_colour(args.background)  # refused before any folder is made


def background_colour(text: str | None) -> tuple[int, int, int] | None:
    """The RGB of ``--background`` (a colour name, #rgb, #rrggbb, rgb(…)…), None if absent."""
    if text is None:
        return None
    try:
        red, green, blue = ImageColor.getrgb(text)[:3]
    except ValueError:
        raise ValueError(
            f"--background {text!r} is not a colour; give a name such as white or a code "
            "such as #rrggbb"
        ) from None
    return red, green, blue


@dataclass(frozen=True)
class Options:
    """What the command line asks of every file besides the K-Means settings."""

    max_pixels: int
    dither: bool
    background: tuple[int, int, int] | None = None  # None: transparency kept

    @classmethod
    def of(cls, args: argparse.Namespace) -> Options:
        return cls(
            max_pixels=args.max_pixels,
            dither=args.dither,
            background=background_colour(args.background),
        )


def run(source: Path, output: Path, settings: Settings, *, options: Options) -> dict:
    """Decode ``source``, quantize it, write the PNG to ``output``; return the JSON report."""
    started = time.perf_counter()
    try:
        input_bytes = source.read_bytes()
    except FileNotFoundError:
        raise ImageError(f"There is no file at {source}; check the path.") from None
    except OSError as exc:
        raise ImageError(f"Cannot read {source} ({exc.strerror}); check the file.") from None
    image, transparent = _decode(input_bytes, options)
    decoded = time.perf_counter()
    result = quantize_keeping_alpha(image, transparent, settings=settings)
    labels, squared_error = result.labels, result.squared_error
    if options.dither:
        labels = dither_keeping_alpha(image, result.palette, transparent)
        squared_error = metrics.squared_error(image, result.palette[labels])
    alpha = None if transparent is None else entry_alpha(len(result.palette))
    del image, transparent
    quantized = time.perf_counter()
    png = encode_indexed_png(result.palette, labels, alpha=alpha)
    try:
        output.write_bytes(png)
    except OSError as exc:
        raise ValueError(f"cannot write {output} ({exc.strerror}); check the folder") from None
    finished = time.perf_counter()
    arithmetic = CompressionReport(
        result.width, result.height, result.colors_used, alpha=alpha is not None
    )
    mse = squared_error / result.pixels
    psnr = metrics.psnr_from_mse(mse)
    return {
        "input": str(source),
        "output": str(output),
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
        "exercise": settings.exercise,
        "warm_start": result.warm_start,
        "iterations": result.iterations,
        "converged": result.converged,
        "wcss": result.wcss,
        "wcss_history": list(result.wcss_history),
        "dither": options.dither,
        "alpha": alpha is not None,
        "mse": mse,
        "psnr": None if math.isinf(psnr) else psnr,
        "bits_original": arithmetic.bits_original,
        "bits_compressed": arithmetic.bits_compressed,
        "ratio": arithmetic.ratio,
        "png_bytes": len(png),
        "input_bytes": len(input_bytes),
        "palette": result.palette.tolist(),
        "palette_alpha": None if alpha is None else alpha.tolist(),
        "seconds": finished - started,
        "seconds_decode": decoded - started,
        "seconds_quantize": quantized - decoded,
        "seconds_encode": finished - quantized,
    }


def _decode(input_bytes: bytes, options: Options):
    """The pixels and the mask of transparent pixels (None: opaque); with ``--background``
    everything is composited over it, as an opaque image."""
    if options.background is not None:
        return load_image(
            input_bytes, max_pixels=options.max_pixels, background=options.background
        ), None
    decoded = load_image_with_alpha(input_bytes, max_pixels=options.max_pixels)
    return decoded.pixels, transparent_mask(decoded.alpha)


# --- batch: many inputs, one PNG each in --out-dir, on a process pool ------------------------


@dataclass(frozen=True)
class Task:
    """One file of a batch: where to read it, where to write its PNG."""

    source: Path
    output: Path
    settings: Settings
    options: Options


@dataclass(frozen=True)
class Outcome:
    """A batch file's report, or the one-line reason it failed."""

    source: Path
    report: dict | None = None
    error: str | None = None


def compress_file(task: Task) -> Outcome:
    """Run one batch file; any failure becomes its message, so the others go on."""
    try:
        return Outcome(
            task.source, report=run(task.source, task.output, task.settings, options=task.options)
        )
    except (ImageError, ValueError) as exc:
        return Outcome(task.source, error=str(exc))
    except MemoryError:
        return Outcome(task.source, error="out of memory; try a smaller image or fewer --jobs")
    except Exception as exc:  # one line for the user, whatever went wrong in this file
        return Outcome(task.source, error=f"could not be compressed ({type(exc).__name__}: {exc})")


def batch_tasks(args: argparse.Namespace, settings: Settings) -> tuple[list[Task], list[Outcome]]:
    """A task for each input, writing ``DIR/<stem>.png``; an input whose PNG would
    overwrite an earlier input's fails at once instead."""
    tasks, clashes, claimed = [], [], {}
    for source in args.inputs:
        output = args.out_dir / f"{source.stem}.png"
        if output in claimed:
            clashes.append(
                Outcome(
                    source,
                    error=f"{claimed[output]} also writes {output}; rename one of the two",
                )
            )
            continue
        claimed[output] = source
        tasks.append(Task(source, output, settings, Options.of(args)))
    return tasks, clashes


def run_batch(args: argparse.Namespace, settings: Settings) -> int:
    """Compress every input into ``--out-dir``; the exit code is 2 if any file failed."""
    try:
        args.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"cannot make --out-dir {args.out_dir} ({exc.strerror})") from None
    tasks, clashes = batch_tasks(args, settings)
    bar = ProgressBar(len(args.inputs)) if sys.stderr.isatty() else None
    failures = 0
    for outcome in itertools.chain(clashes, _outcomes(tasks, args.jobs)):
        if bar is not None:
            bar.clear()
        if outcome.error is not None:
            failures += 1
            print(f"error: {outcome.source}: {outcome.error}", file=sys.stderr, flush=True)
        elif args.json:
            print(json.dumps(outcome.report), flush=True)
        else:
            print(_batch_line(outcome.report), flush=True)
        if bar is not None:
            bar.advance()
    if bar is not None:
        bar.clear()
    return EXIT_USAGE if failures else 0


def _outcomes(tasks: list[Task], jobs: int) -> Iterator[Outcome]:
    """Each task's outcome as it finishes: in this process for one job or one file, else on
    a pool of ``jobs`` processes (K-Means runs on one core, so files run side by side)."""
    if jobs == 1 or len(tasks) <= 1:
        yield from map(compress_file, tasks)
        return
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)), initializer=keep_freed_memory
    ) as pool:
        futures = [pool.submit(compress_file, task) for task in tasks]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


class ProgressBar:
    """A one-line progress bar on a terminal's stderr, redrawn in place."""

    WIDTH = 30

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0
        self._draw()

    def advance(self) -> None:
        self.done += 1
        self._draw()

    def clear(self) -> None:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()

    def _draw(self) -> None:
        filled = self.WIDTH * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        sys.stderr.write(f"\r[{bar}] {self.done}/{self.total} files")
        sys.stderr.flush()


def _batch_line(report: dict) -> str:
    psnr = "∞" if report["psnr"] is None else f"{report['psnr']:.2f} dB"
    return (
        f"{report['input']} -> {report['output']}: {report['width']}×{report['height']}, "
        f"{report['colors_used']} colours, PSNR {psnr}, {report['png_bytes']:,} bytes "
        f"in {report['seconds']:.2f} s"
    )


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
