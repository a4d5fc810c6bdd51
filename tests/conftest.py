"""Shared fixtures: the bundled sample photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def coffee() -> np.ndarray:
    """A real 600×400 photo with about 94k distinct colours."""
    return np.asarray(Image.open(SAMPLES / "coffee.png").convert("RGB"))


@pytest.fixture(scope="session")
def small_photo(coffee: np.ndarray) -> np.ndarray:
    """A 150×100 crop-and-subsample of a real photo: quick to cluster on every pixel."""
    return np.ascontiguousarray(coffee[::4, ::4])
