"""The bundled sample images and their credits."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"


@dataclass(frozen=True)
class Sample:
    """A bundled photo with its licence."""

    key: str
    title: str
    filename: str
    credit: str

    @property
    def path(self) -> Path:
        return SAMPLES_DIR / self.filename

    def read(self) -> bytes:
        return _read(self.path)


@functools.cache
def _read(path: Path) -> bytes:
    """A sample's bytes, read once: every rerun of every session shows one."""
    return path.read_bytes()


SAMPLES: tuple[Sample, ...] = (
    Sample("coffee", "Coffee cup", "coffee.png", "Rachel Michetti, CC0"),
    Sample("chelsea", "Chelsea the cat", "chelsea.png", "Stefan van der Walt, CC0"),
    Sample("astronaut", "Astronaut Eileen Collins", "astronaut.png", "NASA, public domain"),
    Sample("rocket", "Falcon 9 launch", "rocket.jpg", "SpaceX, public domain"),
    # Flat colours, where a palette beats JPEG: see the "Is it good compression?" page.
    Sample("chart", "Bar chart (flat colours)", "chart.png", "drawn for this project, CC0"),
)
SAMPLES_BY_KEY = {sample.key: sample for sample in SAMPLES}
DEFAULT_SAMPLE = SAMPLES[0]
