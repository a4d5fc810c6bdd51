"""The user's choices: which image, and how to run K-Means on it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from kmeans_core import MAX_K

INIT_LABELS = {"k-means++": "k-means++", "random": "Random pixels (the exercise)"}
SPACE_LABELS = {"rgb": "RGB", "lab": "CIE L\\*a\\*b\\*"}  # escaped for Markdown labels
DEFAULT_K = 16
MAX_RESTARTS = 10
MAX_ITERATIONS = 1000


@dataclass(frozen=True)
class Settings:
    """How to run K-Means; hashable, so it can key the cache."""

    k: int = DEFAULT_K
    init: str = "k-means++"
    space: str = "rgb"
    seed: int = 0
    n_init: int = 1
    max_iter: int = 300

    def __post_init__(self) -> None:
        if not 1 <= self.k <= MAX_K:
            raise ValueError(f"K must be between 1 and {MAX_K}")
        if self.init not in INIT_LABELS or self.space not in SPACE_LABELS:
            raise ValueError("unknown init or colour space")

    def quantize_options(self) -> dict[str, object]:
        """The keyword arguments of ``kmeans_core.quantize`` besides K."""
        return dict(
            init=self.init,
            space=self.space,
            seed=self.seed,
            n_init=self.n_init,
            max_iter=self.max_iter,
        )

    def with_k(self, k: int) -> Settings:
        """The same settings with another K."""
        return Settings(k, self.init, self.space, self.seed, self.n_init, self.max_iter)

    def without_k(self) -> Settings:
        """The settings with K set to its default: what a sweep over K depends on."""
        return self.with_k(DEFAULT_K)


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
