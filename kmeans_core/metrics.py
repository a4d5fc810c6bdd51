"""Error measures between an image and its quantized version."""

from __future__ import annotations

import math

import numpy as np

from .colors import pack_rgb
from .colorspace import rgb_to_lab

_ROWS_PER_BLOCK = 256


def squared_error(original: np.ndarray, quantized: np.ndarray) -> int:
    """Squared error summed over every pixel and channel, exact, in small row blocks."""
    if original.shape != quantized.shape:
        raise ValueError(f"shapes differ: {original.shape} and {quantized.shape}")
    total = 0
    for start in range(0, original.shape[0], _ROWS_PER_BLOCK):
        a = original[start : start + _ROWS_PER_BLOCK].astype(np.int32)
        b = quantized[start : start + _ROWS_PER_BLOCK].astype(np.int32)
        total += int(np.sum((a - b) ** 2, dtype=np.int64))
    return total


def mse(original: np.ndarray, quantized: np.ndarray) -> float:
    """Squared error summed over R, G and B, averaged over pixels."""
    return squared_error(original, quantized) / (original.shape[0] * original.shape[1])


def psnr_from_mse(mse_value: float) -> float:
    """PSNR in dB from the MSE summed over three channels: 10·log10(255² / (MSE / 3))."""
    if mse_value <= 0:
        return math.inf
    return 10 * math.log10(255**2 / (mse_value / 3))


def psnr(original: np.ndarray, quantized: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB between two (H, W, 3) uint8 images."""
    return psnr_from_mse(mse(original, quantized))


def mean_delta_e(original: np.ndarray, quantized: np.ndarray) -> float:
    """Mean CIE76 colour difference (ΔE: distance in L*a*b*) between two RGB images.

    About 2.3 is a just-noticeable difference. Computed once per distinct pair of colours.
    """
    if original.shape != quantized.shape:
        raise ValueError(f"shapes differ: {original.shape} and {quantized.shape}")
    pairs = (pack_rgb(original).astype(np.uint64) << np.uint64(24)) | pack_rgb(quantized)
    unique, counts = np.unique(pairs, return_counts=True)
    mask = np.uint64((1 << 24) - 1)
    before = _unpack(unique >> np.uint64(24))
    after = _unpack(unique & mask)
    distances = np.sqrt(np.sum((rgb_to_lab(before) - rgb_to_lab(after)) ** 2, axis=1))
    return float(distances @ counts / counts.sum())


def _unpack(codes: np.ndarray) -> np.ndarray:
    codes = codes.astype(np.int64)
    return np.stack([(codes >> 16) & 0xFF, (codes >> 8) & 0xFF, codes & 0xFF], axis=1)
