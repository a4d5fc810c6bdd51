"""Running the app under Streamlit's AppTest, and what it should show, computed here with
kmeans_core. Shared by the AppTest modules."""

from __future__ import annotations

import base64
import functools
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

from kmeans_core import Quantization, encode_indexed_png, hex_color, load_image, quantize

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
TIMEOUT = 60  # seconds a run may take: real clustering, on a busy machine
SCATTER_POINTS = 20_000  # pixels the 3-D page draws at most
SWEEP_KS = [2, 4, 8, 16, 32, 64, 128, 256]
DEFAULT_K = 16
PAGES = {
    "Compress": "pages/compress.py",
    "3-D clusters": "pages/clusters_3d.py",
    "Convergence": "pages/convergence.py",
    "Step by step": "pages/step_by_step.py",
    "Choose K": "pages/choose_k.py",
    "How it works": "pages/how_it_works.py",
    "Compare quantizers": "pages/compare.py",
}
# Every page script, new ones included: each must be in the navigation and survive every case.
PAGE_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
SAMPLE_FILES = {
    "coffee": "coffee.png",
    "chelsea": "chelsea.png",
    "astronaut": "astronaut.png",
    "rocket": "rocket.jpg",
}


# --- AppTest in st.navigation mode ------------------------------------------------------------


def new_app() -> AppTest:
    """A new session of the app, run once (default sample, default settings, Compress)."""
    at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)  # from tests/
    at.run()
    assert_healthy(at)
    return at


def assert_healthy(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def upload(at: AppTest, name: str, data: bytes, mime: str = "image/png") -> AppTest:
    at.file_uploader(key="upload").set_value((name, data, mime))
    return at.run()


def open_page_file(at: AppTest, path: str) -> AppTest:
    at.switch_page(path)
    at.run()
    assert_healthy(at)
    assert at.main.title, path
    return at


def go_to(at: AppTest, page: str) -> AppTest:
    at.switch_page(PAGES[page])
    at.run()
    assert_healthy(at)
    assert [t.value for t in at.main.title][:1] == [page]
    return at


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open the tab ``label`` of the page's tabs ``key`` (views.sections): only the open
    tab's part of the page is drawn."""
    assert label in [tab.label for tab in at.main.tabs], (label, [t.label for t in at.main.tabs])
    at.session_state[key] = label
    at.run()
    assert_healthy(at)
    return at


# --- what the app should show, computed here with kmeans_core ---------------------------------


@dataclass(frozen=True)
class Expected:
    result: Quantization
    png: bytes
    input_bytes: int

    @property
    def height(self) -> int:
        return self.result.height

    @property
    def width(self) -> int:
        return self.result.width

    @property
    def k(self) -> int:
        """K as the exercise counts it: the palette colours actually used."""
        return self.result.colors_used

    @property
    def bits_per_index(self) -> int:
        return math.ceil(math.log2(self.k)) if self.k > 1 else 0

    @property
    def bits_original(self) -> int:
        return 24 * self.height * self.width

    @property
    def bits_compressed(self) -> int:
        return 24 * self.k + self.height * self.width * self.bits_per_index

    @property
    def ratio(self) -> float:
        """24·H·W / (24·K + H·W·⌈log2 K⌉)."""
        return self.bits_original / self.bits_compressed

    @property
    def hex_codes(self) -> list[str]:
        used = self.result.pixel_counts > 0
        return [hex_color(c) for c in self.result.palette[used]]

    def metrics(self) -> dict[str, str]:
        """The Compress page's metric cards, label -> value, as they should read."""
        r, size = self.result, len(self.png)
        psnr = "∞ (lossless)" if math.isinf(r.psnr) else f"{r.psnr:.1f} dB"
        return {
            "Colours": f"{r.colors_used:,}",
            "Compression ratio": f"{self.ratio:.2f}×",
            "Indexed PNG": f"{size:,} bytes" if size < 1000 else f"{size / 1000:,.1f} KB",
            "MSE": f"{r.mse:,.1f}",
            "PSNR": psnr,
        }


@functools.cache
def expected_for(
    data: bytes,
    k: int,
    init: str = "k-means++",
    space: str = "rgb",
    seed: int = 0,
    n_init: int = 1,
    max_iter: int = 300,
) -> Expected:
    """What kmeans_core makes of ``data``; the defaults are the sidebar's."""
    image = load_image(data)
    result = quantize(image, k, init=init, n_init=n_init, max_iter=max_iter, seed=seed, space=space)
    return Expected(result, encode_indexed_png(result.palette, result.labels), len(data))


@functools.cache
def sample_bytes(key: str) -> bytes:
    return (SAMPLES / SAMPLE_FILES[key]).read_bytes()


def expected(key: str, k: int = DEFAULT_K) -> Expected:
    return expected_for(sample_bytes(key), k)


def tex(number: float) -> str:
    """A whole number as the How it works page writes it in LaTeX: 5{,}760{,}000."""
    return f"{number:,.0f}".replace(",", "{,}")


# --- reading what the app shows ---------------------------------------------------------------


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.main.metric}


def header(at: AppTest) -> str:
    """The caption under the page title: the image's name, size and the settings."""
    return at.main.caption[0].value


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.main.get("plotly_chart")]


def chart(at: AppTest, key: str) -> dict:
    (element,) = [el for el in at.main.get("plotly_chart") if el.key == key]
    return json.loads(element.proto.spec)


def array(value) -> np.ndarray:
    """A Plotly array from a JSON spec: Plotly 6+ writes numpy arrays as base64 typed arrays."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape is None:
            return flat
        if isinstance(shape, str):
            shape = [int(s) for s in shape.split(",")]
        return flat.reshape(shape)
    return np.asarray(value)


def points(trace: dict) -> np.ndarray:
    return np.column_stack([array(trace[a]).astype(float) for a in ("x", "y", "z")])


def same_points(trace: dict, want: np.ndarray) -> bool:
    got = points(trace)
    return got.shape == want.shape and np.allclose(got, want, atol=1e-3)


def png_of_size(width: int, height: int, colours: list[tuple[int, int, int]]) -> bytes:
    """A PNG of vertical stripes in ``colours``."""
    pixels = np.zeros((height, width, 3), np.uint8)
    for i, colour in enumerate(colours):
        pixels[:, i * width // len(colours) :] = colour
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


@functools.cache
def chelsea_crop_png() -> bytes:
    """A 100×80 crop of a real photo: fewer pixels than the 3-D page's 20,000."""
    image = Image.open(SAMPLES / "chelsea.png").convert("RGB").crop((150, 60, 250, 140))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
