"""The user's choices: which image, and how to run K-Means on it (``kmeans_core.Settings``,
whose defaults and ranges the sidebar and the links share)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from kmeans_core import Settings
from kmeans_core.settings import DEFAULTS

# The sidebar's choice of run: the engine from k-means++ or from random pixels, or the
# exercise's own run (Settings.exercise; its start is random pixels too).
EXERCISE_RUN = "exercise"
INIT_LABELS = {
    "k-means++": "k-means++",
    "random": "Random pixels",
    EXERCISE_RUN: "The exercise's run: random pixels, every pixel, 10 iterations",
}
SHORT_RUN_LABELS = {
    "k-means++": "k-means++",
    "random": "random pixels",
    EXERCISE_RUN: "the exercise's run",
}
SPACE_LABELS = {"rgb": "RGB", "lab": "CIE L\\*a\\*b\\*"}  # escaped for Markdown labels


def run_choice(settings: Settings) -> str:
    """The sidebar's run choice that gives ``settings``: a key of INIT_LABELS."""
    return EXERCISE_RUN if settings.exercise else settings.init


def without_k(settings: Settings) -> Settings:
    """The settings with K at its default: what a sweep over K depends on."""
    return settings.but(k=DEFAULTS.k)


@dataclass(frozen=True)
class Source:
    """The image being compressed: its bytes and what to call it."""

    name: str
    data: bytes
    is_sample: bool
    credit: str = ""

    @cached_property
    def digest(self) -> str:
        """A short fingerprint of the bytes, to remember things about this image."""
        return hashlib.sha256(self.data).hexdigest()[:16]
