"""kmeans_core: exact, fast K-Means colour quantization (numpy and Pillow, zlib-ng's deflate).

>>> from kmeans_core import load_image, quantize, encode_indexed_png
>>> image = load_image("samples/coffee.png")          # (H, W, 3) uint8
>>> result = quantize(image, k=16, seed=0)
>>> result.palette.shape, result.labels.shape, round(result.psnr, 1)   # doctest: +SKIP
((16, 3), (400, 600), 25.4)
>>> png_bytes = encode_indexed_png(result.palette, result.labels)     # a 4-bit indexed PNG
"""

from .codecs import (
    CodecMatch,
    Encoded,
    available_codecs,
    largest_quality_within,
    match_codecs,
    smallest_reaching_psnr,
)
from .colors import ColorCounts, image_colors
from .colorspace import SPACES, lab_to_rgb, rgb_to_lab
from .encoding import (
    CompressionReport,
    encode_indexed_png,
    hex_color,
    palette_to_gpl,
    palette_to_json,
)
from .errors import ImageError
from .kmeans import compute_centroids, find_closest_centroids, kmeans_init_centroids, run_kmeans
from .lloyd import weighted_lloyd
from .loading import DEFAULT_MAX_PIXELS, load_image, load_image_fitted
from .metrics import mean_delta_e, mse, psnr, psnr_from_mse
from .pillow_quantizers import pillow_methods, pillow_quantize
from .quantization import Quantization, RunSummary, quantize
from .remap import assign_to_palette, dither_to_palette
from .seeding import INITS
from .settings import MAX_K, RANGES, Settings
from .ssim import ssim

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "INITS",
    "MAX_K",
    "RANGES",
    "SPACES",
    "CodecMatch",
    "ColorCounts",
    "CompressionReport",
    "Encoded",
    "ImageError",
    "Quantization",
    "RunSummary",
    "Settings",
    "assign_to_palette",
    "available_codecs",
    "compute_centroids",
    "dither_to_palette",
    "encode_indexed_png",
    "find_closest_centroids",
    "hex_color",
    "image_colors",
    "kmeans_init_centroids",
    "lab_to_rgb",
    "largest_quality_within",
    "load_image",
    "load_image_fitted",
    "match_codecs",
    "mean_delta_e",
    "mse",
    "palette_to_gpl",
    "palette_to_json",
    "pillow_methods",
    "pillow_quantize",
    "psnr",
    "psnr_from_mse",
    "quantize",
    "rgb_to_lab",
    "run_kmeans",
    "smallest_reaching_psnr",
    "ssim",
    "weighted_lloyd",
]
