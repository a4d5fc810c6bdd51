"""Shared fixtures: the bundled sample photos, and damaged or hostile files built from them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis.configuration import set_hypothesis_home_dir
from PIL import Image
from streamlit.runtime.pages_manager import PagesManager

from tests import filebytes

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = filebytes.SAMPLES


@pytest.hookimpl(trylast=True)  # after pytest's own tmp_path setup
def pytest_configure(config):
    """Hypothesis caches what it learns in ./.hypothesis; keep that in pytest's temporary
    directory instead of the repository (it is written while tests are collected)."""
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None:
        set_hypothesis_home_dir(factory.getbasetemp() / "hypothesis")


@pytest.fixture(scope="session")
def coffee() -> np.ndarray:
    """A real 600×400 photo with about 94k distinct colours."""
    return np.asarray(Image.open(SAMPLES / "coffee.png").convert("RGB"))


@pytest.fixture(scope="session")
def small_photo(coffee: np.ndarray) -> np.ndarray:
    """A 150×100 crop-and-subsample of a real photo: quick to cluster on every pixel."""
    return np.ascontiguousarray(coffee[::4, ::4])


@pytest.fixture(scope="session")
def noisy_coffee(coffee: np.ndarray) -> np.ndarray:
    """The coffee photo plus mild noise (±3 a channel): well over 20,000 distinct colours,
    so quantize() warm-starts on colour grids."""
    noise = np.random.default_rng(2024).integers(-3, 4, coffee.shape)
    return np.clip(coffee.astype(np.int16) + noise, 0, 255).astype(np.uint8)


@pytest.fixture(scope="session")
def coffee_png() -> bytes:
    return (SAMPLES / "coffee.png").read_bytes()


@pytest.fixture(scope="session")
def rocket_jpeg() -> bytes:
    return (SAMPLES / "rocket.jpg").read_bytes()


BAD_INPUT_KINDS = (
    "empty",
    "truncated JPEG",
    "truncated PNG",
    "corrupt PNG",
    "random bytes",
    "text",
    "PDF",
    "decompression bomb",
)


@pytest.fixture(scope="session")
def bad_inputs(coffee_png: bytes, rocket_jpeg: bytes) -> dict[str, bytes]:
    """Every kind of unusable input, as real bytes made from the sample files."""
    assert rocket_jpeg.startswith(b"\xff\xd8") and coffee_png.startswith(filebytes.SIGNATURE)
    inputs = {
        "empty": b"",
        "truncated JPEG": rocket_jpeg[: len(rocket_jpeg) // 2],
        "truncated PNG": coffee_png[: len(coffee_png) // 2],
        "corrupt PNG": filebytes.corrupt_idat(coffee_png),
        "random bytes": np.random.default_rng(7).bytes(20_000),
        "text": b"Dear colleague,\nplease find the photo attached.\n",
        "PDF": filebytes.MINIMAL_PDF,
        "decompression bomb": filebytes.decompression_bomb(30_000, 30_000),
    }
    assert tuple(inputs) == BAD_INPUT_KINDS
    return inputs


@pytest.fixture(params=BAD_INPUT_KINDS)
def bad_input(request, bad_inputs: dict[str, bytes]) -> tuple[str, bytes]:
    """Each unusable input in turn, as (name, bytes)."""
    return request.param, bad_inputs[request.param]


@pytest.fixture(scope="module")
def navigation_mode() -> Iterator[None]:
    """Run the entry script on every rerun, as a live server does.

    Streamlit treats a ``pages/`` folder the legacy way until some session has called
    ``st.navigation``: it then runs a requested page's file on its own. A live server
    switches that off for good at the first ``st.navigation`` call, but AppTest resets it
    before every run (``PagesManager.uses_pages_directory = None``), so from the second run
    on it would run ``pages/compress.py`` without the entry script: no sidebar, no new
    computation, the previous run's analysis. Keep the server's steady state instead.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PagesManager, "__init__", init)
        yield
