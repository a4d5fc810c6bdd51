"""Structural similarity (SSIM), as Wang, Bovik, Sheikh and Simoncelli define it (IEEE
Transactions on Image Processing, 2004): local means, variances and covariance under an
11×11 Gaussian window of σ = 1.5, with C1 = (0.01·255)² and C2 = (0.03·255)².

The index is averaged over the window positions that lie wholly inside the image (no
padding enters the mean) and then over R, G and B, as scikit-image's
``structural_similarity(..., gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, channel_axis=-1)`` does. The work goes a band of rows at a
time, so a large image never needs more than a few band-sized float64 arrays.
"""

from __future__ import annotations

import numpy as np

SIGMA = 1.5
RADIUS = 5  # an 11×11 window: the Gaussian cut at 3.5 σ, rounded
WINDOW = 2 * RADIUS + 1
PEAK = 255.0
C1 = (0.01 * PEAK) ** 2
C2 = (0.03 * PEAK) ** 2
_BAND_ROWS = 128  # output rows computed at once


def gaussian_window(sigma: float = SIGMA, radius: int = RADIUS) -> np.ndarray:
    """The 1-D Gaussian weights (2·radius + 1,), summing to 1; the 2-D window is their
    outer product."""
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    weights = np.exp(-0.5 * (offsets / sigma) ** 2)
    return weights / weights.sum()


def _filter_valid(plane: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``plane`` (h, w) filtered by the separable window, only where it fits entirely."""
    taps = len(weights)
    rows = plane.shape[0] - taps + 1
    down = weights[0] * plane[:rows]
    for i in range(1, taps):
        down += weights[i] * plane[i : i + rows]
    cols = plane.shape[1] - taps + 1
    out = weights[0] * down[:, :cols]
    for i in range(1, taps):
        out += weights[i] * down[:, i : i + cols]
    return out


def _ssim_sum(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> float:
    """The sum of the SSIM map over one band of one channel (float64 planes)."""
    mu_x, mu_y = _filter_valid(x, weights), _filter_valid(y, weights)
    var_x = _filter_valid(x * x, weights) - mu_x * mu_x
    var_y = _filter_valid(y * y, weights) - mu_y * mu_y
    cov = _filter_valid(x * y, weights) - mu_x * mu_y
    numerator = (2 * mu_x * mu_y + C1) * (2 * cov + C2)
    denominator = (mu_x * mu_x + mu_y * mu_y + C1) * (var_x + var_y + C2)
    return float(np.sum(numerator / denominator))


def ssim(original: np.ndarray, distorted: np.ndarray) -> float:
    """Mean SSIM of two (H, W, 3) or (H, W) uint8 images of the same shape: 1 when equal.

    A ValueError if the shapes differ or the image is smaller than the 11×11 window.
    """
    if original.shape != distorted.shape:
        raise ValueError(f"shapes differ: {original.shape} and {distorted.shape}")
    height, width = original.shape[:2]
    if height < WINDOW or width < WINDOW:
        raise ValueError(f"SSIM needs at least {WINDOW}×{WINDOW} pixels, got {width}×{height}")
    if original.ndim == 2:
        original, distorted = original[..., None], distorted[..., None]
    weights = gaussian_window()
    out_rows = height - WINDOW + 1
    total = 0.0
    for channel in range(original.shape[2]):
        for start in range(0, out_rows, _BAND_ROWS):
            stop = min(start + _BAND_ROWS, out_rows) + WINDOW - 1
            x = original[start:stop, :, channel].astype(np.float64)
            y = distorted[start:stop, :, channel].astype(np.float64)
            total += _ssim_sum(x, y, weights)
    return total / (out_rows * (width - WINDOW + 1) * original.shape[2])
