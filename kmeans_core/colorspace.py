"""sRGB <-> CIE L*a*b* (D65), for clustering in a perceptually even space."""

from __future__ import annotations

import numpy as np

SPACES = ("rgb", "lab")

_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])
_EPSILON = (6 / 29) ** 3
_KAPPA_INV = 1 / (3 * (6 / 29) ** 2)


def _srgb_to_linear(values: np.ndarray) -> np.ndarray:
    v = values / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def _linear_to_srgb(values: np.ndarray) -> np.ndarray:
    v = np.clip(values, 0.0, 1.0)
    return 255.0 * np.where(v <= 0.0031308, 12.92 * v, 1.055 * v ** (1 / 2.4) - 0.055)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(n, 3) RGB in 0..255 (any numeric dtype) -> (n, 3) float64 L*a*b*."""
    xyz = _srgb_to_linear(np.asarray(rgb, dtype=np.float64)) @ _RGB_TO_XYZ.T / _WHITE_D65
    f = np.where(xyz > _EPSILON, np.cbrt(xyz), xyz * _KAPPA_INV + 4 / 29)
    lightness = 116 * f[:, 1] - 16
    a = 500 * (f[:, 0] - f[:, 1])
    b = 200 * (f[:, 1] - f[:, 2])
    return np.stack([lightness, a, b], axis=1)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """(n, 3) L*a*b* -> (n, 3) float64 RGB in 0..255 (out-of-gamut colours are clipped)."""
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[:, 0] + 16) / 116
    f = np.stack([fy + lab[:, 1] / 500, fy, fy - lab[:, 2] / 200], axis=1)
    xyz = np.where(f > 6 / 29, f**3, (f - 4 / 29) / _KAPPA_INV) * _WHITE_D65
    return _linear_to_srgb(xyz @ _XYZ_TO_RGB.T)


def to_space(rgb: np.ndarray, space: str) -> np.ndarray:
    """RGB colours as float64 coordinates in ``space`` ('rgb' or 'lab')."""
    if space == "rgb":
        return np.asarray(rgb, dtype=np.float64)
    if space == "lab":
        return rgb_to_lab(rgb)
    raise ValueError(f"unknown colour space {space!r}; use one of {SPACES}")


def to_rgb(points: np.ndarray, space: str) -> np.ndarray:
    """Coordinates in ``space`` back to float64 RGB in 0..255."""
    if space == "rgb":
        return np.clip(np.asarray(points, dtype=np.float64), 0.0, 255.0)
    if space == "lab":
        return lab_to_rgb(points)
    raise ValueError(f"unknown colour space {space!r}; use one of {SPACES}")
