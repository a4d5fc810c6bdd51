"""Error measures between an image and its quantized version."""

from __future__ import annotations

import math

import numpy as np

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
