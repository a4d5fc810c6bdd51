"""How to run K-Means: one frozen type, whose defaults and ranges are defined here alone.

The engine (``quantize``), the command line, the dashboard's sidebar and its shareable links
all read their defaults and limits from :class:`Settings`, so they cannot disagree.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from .colorspace import SPACES
from .seeding import INITS

MAX_K = 256


@dataclass(frozen=True)
class Range:
    """The values a numeric setting accepts, both ends included."""

    low: float
    high: float

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | float) and self.low <= value <= self.high


# The numeric settings' ranges; the choices of ``init`` and ``space`` are INITS and SPACES.
RANGES: dict[str, Range] = {
    "k": Range(1, MAX_K),
    "seed": Range(0, 2**32 - 1),
    "n_init": Range(1, 10),
    "max_iter": Range(1, 1000),
    "tol": Range(0.0, math.inf),
}
_WHOLE = ("k", "seed", "n_init", "max_iter")


@dataclass(frozen=True, kw_only=True)
class Settings:
    """How to run K-Means on one image; hashable, so it can key a cache.

    ``k`` colours, starting from ``init`` ('k-means++', or 'random': K random pixels of
    distinct colours), clustering in ``space`` ('rgb' or 'lab', CIE L*a*b*), ``n_init``
    restarts (the lowest WCSS is kept), at most ``max_iter`` iterations each, stopping when
    the centroids' squared movement falls to ``tol`` × the colours' mean variance (0: only at
    a fixed point). The same ``seed`` gives the same result.

    ``exercise`` asks for the classic exercise's own run instead of the engine's: the start
    is ``kmeans_init_centroids(X, K, seed=seed)`` on the image's pixels, Lloyd runs on every
    pixel from the first iteration (no colour grids), once, until a fixed point or
    ``max_iter`` iterations. It needs ``init='random'``, ``n_init=1`` and ``tol=0``:
    :data:`EXERCISE` holds those, with the exercise's 10 iterations.
    """

    k: int = 16
    init: str = "k-means++"
    space: str = "rgb"
    seed: int = 0
    n_init: int = 1
    max_iter: int = 300
    tol: float = 1e-4
    exercise: bool = False

    def __post_init__(self) -> None:
        for name in _WHOLE:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be a whole number, got {value!r}")
            # numpy integers work but would print as np.int64(…) in messages and links
            object.__setattr__(self, name, int(value))
        for name, allowed in RANGES.items():
            value = getattr(self, name)
            if value not in allowed:
                high = "" if math.isinf(allowed.high) else f" and {allowed.high:g}"
                low = f"{allowed.low:g}"
                raise ValueError(
                    f"{name} must be between {low}{high}, got {value}"
                    if high
                    else f"{name} must be at least {low}, got {value}"
                )
        if self.init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)}, got {self.init!r}")
        if self.space not in SPACES:
            raise ValueError(f"space must be one of {', '.join(SPACES)}, got {self.space!r}")
        if not isinstance(self.exercise, bool):
            raise ValueError(f"exercise must be True or False, got {self.exercise!r}")
        if self.exercise:
            self._check_exercise()

    def _check_exercise(self) -> None:
        """The exercise's run has one start, from random pixels, and stops at a fixed point."""
        if self.init != "random":
            raise ValueError(f"exercise starts from random pixels, not {self.init}: drop init")
        if self.n_init != 1:
            raise ValueError(f"exercise runs once, not {self.n_init} times: drop n_init")
        if self.tol != 0:
            raise ValueError(f"exercise stops only at a fixed point, not at tol {self.tol}")

    def but(self, **changes: Any) -> Settings:
        """The same settings with ``changes`` (checked like any other)."""
        return replace(self, **changes)

    def as_exercise(self) -> Settings:
        """The exercise's run with this K, seed and colour space (and these iterations, if
        these settings are the exercise's already; else the exercise's 10)."""
        if self.exercise:
            return self
        return replace(EXERCISE, k=self.k, seed=self.seed, space=self.space)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


DEFAULTS = Settings()
EXERCISE = Settings(exercise=True, init="random", n_init=1, max_iter=10, tol=0.0)
"""The classic exercise's run: K random pixels, 10 iterations of Lloyd on every pixel."""
