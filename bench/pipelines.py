"""The benchmark's other pipelines, each run in its own process like the CLI.

python -m bench.pipelines sklearn          INPUT -k K -o OUT.png --seed S
python -m bench.pipelines sklearn-weighted INPUT -k K -o OUT.png --seed S
python -m bench.pipelines sklearn-unique   INPUT -k K -o OUT.png --seed S
python -m bench.pipelines liq              INPUT -k K -o OUT.png
python -m bench.pipelines pillow           INPUT -k K -o OUT.png
python -m bench.pipelines floor   INPUT --indexes-from CLI_OUT.png -o OUT.png

Each reads the file, decodes it with kmeans_core's ``load_image``, makes a palette and an
index per pixel, writes them with kmeans_core's ``encode_indexed_png``, and prints one JSON
object: ``seconds`` from reading the file to the PNG on disk, as the CLI reports it, its
parts, and the pipeline's own MSE. ``floor`` quantizes nothing: it writes the palette and
indexes of the CLI's output again, so its time is what decoding plus writing alone cost.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from kmeans_core.allocator import keep_freed_memory
from kmeans_core.colors import count_colors, labels_per_pixel, pack_rgb, unpack_rgb
from kmeans_core.encoding import encode_indexed_png
from kmeans_core.loading import load_image
from kmeans_core.metrics import mse

# A quantizer takes the (H, W, 3) uint8 image and returns a (P, 3) uint8 palette, the
# (H, W) uint8 index of each pixel and a dict of facts worth reporting.
Quantizer = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, dict]]


def sklearn_quantizer(k: int, seed: int) -> Quantizer:
    """scikit-learn's KMeans on every pixel; the palette is its rounded centres."""
    kmeans = _sklearn_kmeans(k, seed)  # before the clock starts: importing takes seconds

    def quantize(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
        pixels = image.reshape(-1, 3).astype(np.float64)
        model = kmeans().fit(pixels)
        palette = _palette_of(model)
        labels = model.predict(pixels).astype(np.uint8).reshape(image.shape[:2])
        return palette, labels, {"iterations": int(model.n_iter_), "threads": _threads()}

    return quantize


def sklearn_weighted_quantizer(k: int, seed: int) -> Quantizer:
    """scikit-learn's KMeans on the distinct colours, their pixel counts as ``sample_weight``:
    the same optimum as on every pixel, the set-up a user who knows the trick runs. The
    colours are counted by kmeans_core's own counter, and each pixel gets its colour's label
    through kmeans_core's lookup table: only the clustering is scikit-learn's."""
    kmeans = _sklearn_kmeans(k, seed)  # before the clock starts: importing takes seconds

    def quantize(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
        colors = count_colors(pack_rgb(image), in_place=True)
        model, palette, color_labels = _fit_weighted(kmeans(), colors.colors, colors.counts)
        labels = labels_per_pixel(pack_rgb(image), colors.codes, color_labels)
        facts = {"iterations": int(model.n_iter_), "distinct_colors": len(colors)}
        return palette, labels.astype(np.uint8).reshape(image.shape[:2]), facts

    return quantize


def sklearn_unique_quantizer(k: int, seed: int) -> Quantizer:
    """The same weighted KMeans with the colours counted as numpy alone counts them:
    ``np.unique`` of the packed 0xRRGGBB codes, with counts and the inverse that gives every
    pixel its colour's label. What a scikit-learn user writes without kmeans_core."""
    kmeans = _sklearn_kmeans(k, seed)  # before the clock starts: importing takes seconds

    def quantize(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
        codes, inverse, counts = np.unique(pack_rgb(image), return_inverse=True, return_counts=True)
        model, palette, color_labels = _fit_weighted(kmeans(), unpack_rgb(codes), counts)
        labels = color_labels.astype(np.uint8)[inverse]
        facts = {"iterations": int(model.n_iter_), "distinct_colors": len(codes)}
        return palette, labels.reshape(image.shape[:2]), facts

    return quantize


def _fit_weighted(model, colors: np.ndarray, counts: np.ndarray):
    """Fit ``model`` on the (n, 3) uint8 colours weighted by their counts; return it, its
    palette and each colour's label (the nearest palette colour)."""
    points = colors.astype(np.float64)
    model.fit(points, sample_weight=counts)
    palette = _palette_of(model)
    return model, palette, model.predict(points)


def _sklearn_kmeans(k: int, seed: int) -> Callable[[], object]:
    """A maker of KMeans as both scikit-learn pipelines run it: k-means++, one start, Lloyd,
    the default tolerance (1e-4, the same as ours). scikit-learn is imported here, when the
    pipeline is built, so its import time is never counted as its clustering time."""
    from sklearn.cluster import KMeans  # imported here: only these pipelines pay for it

    return lambda: KMeans(
        n_clusters=k, init="k-means++", n_init=1, algorithm="lloyd", random_state=seed
    )


def _palette_of(model) -> np.ndarray:
    """The rounded centres as a uint8 palette; the model then predicts with the palette."""
    palette = np.clip(np.rint(model.cluster_centers_), 0, 255).astype(np.uint8)
    model.cluster_centers_ = palette.astype(np.float64)
    return palette


def liq_quantizer(k: int) -> Quantizer:
    """libimagequant (pngquant's library, pip ``imagequant``) without dithering."""
    import imagequant  # imported here: only this pipeline pays for it

    def quantize(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
        indexed = imagequant.quantize_pil_image(
            Image.fromarray(image), dithering_level=0.0, max_colors=k
        )
        return *palette_and_indexes(indexed), {}

    return quantize


def pillow_quantizer(k: int) -> Quantizer:
    """Pillow's median cut, without dithering."""

    def quantize(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
        indexed = Image.fromarray(image).quantize(
            colors=k, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        return *palette_and_indexes(indexed), {}

    return quantize


def copy_quantizer(indexed_png: Path) -> Quantizer:
    """No quantizing: the palette and indexes of an indexed PNG read before the clock starts."""
    with Image.open(indexed_png) as indexed:
        palette, labels = palette_and_indexes(indexed)

    def quantize(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
        if labels.shape != image.shape[:2]:
            raise ValueError(f"{indexed_png} is not the same size as the image")
        return palette, labels, {}

    return quantize


def palette_and_indexes(indexed: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """The (P, 3) uint8 palette and (H, W) uint8 indexes of a palette-mode image."""
    if indexed.mode != "P":
        raise ValueError(f"expected a palette image, got mode {indexed.mode}")
    labels = np.asarray(indexed, dtype=np.uint8)
    palette = np.asarray(indexed.getpalette("RGB"), dtype=np.uint8).reshape(-1, 3)
    return palette[: int(labels.max()) + 1], labels


def run_pipeline(source: Path, output: Path, quantizer: Quantizer) -> dict:
    """Read, decode, quantize, write; return the timings and the pipeline's own MSE."""
    started = time.perf_counter()
    image = load_image(source.read_bytes())
    decoded = time.perf_counter()
    palette, labels, facts = quantizer(image)
    quantized = time.perf_counter()
    output.write_bytes(encode_indexed_png(palette, labels))
    finished = time.perf_counter()
    return {
        "width": image.shape[1],
        "height": image.shape[0],
        "colors_used": len(np.unique(labels)),
        "mse": mse(image, palette[labels]),
        "png_bytes": output.stat().st_size,
        "seconds": finished - started,
        "seconds_decode": decoded - started,
        "seconds_quantize": quantized - decoded,
        "seconds_encode": finished - quantized,
        **facts,
    }


def _threads() -> dict[str, int]:
    """Threads of each native thread pool loaded (OpenMP, BLAS), by library."""
    from threadpoolctl import threadpool_info

    return {f"{p['internal_api']} ({p['prefix']})": p["num_threads"] for p in threadpool_info()}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.pipelines", description=__doc__)
    parser.add_argument(
        "method",
        choices=("sklearn", "sklearn-weighted", "sklearn-unique", "liq", "pillow", "floor"),
    )
    parser.add_argument("input", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("-k", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--indexes-from", type=Path, help="floor: the CLI's indexed PNG")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one pipeline and print its JSON report."""
    args = build_parser().parse_args(argv)
    keep_freed_memory()  # the same allocator settings as the CLI's process
    if args.method == "sklearn":
        quantizer = sklearn_quantizer(args.k, args.seed)
    elif args.method == "sklearn-weighted":
        quantizer = sklearn_weighted_quantizer(args.k, args.seed)
    elif args.method == "sklearn-unique":
        quantizer = sklearn_unique_quantizer(args.k, args.seed)
    elif args.method == "liq":
        quantizer = liq_quantizer(args.k)
    elif args.method == "pillow":
        quantizer = pillow_quantizer(args.k)
    elif args.indexes_from is None:
        print("error: floor needs --indexes-from", file=sys.stderr)
        return 2
    else:
        quantizer = copy_quantizer(args.indexes_from)
    print(json.dumps(run_pipeline(args.input, args.output, quantizer)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
