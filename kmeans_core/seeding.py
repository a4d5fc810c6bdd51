"""Starting centroids for weighted points: random pixels, or k-means++."""

from __future__ import annotations

import numpy as np

INITS = ("k-means++", "random")


def random_init(
    points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """``k`` distinct points drawn with probability proportional to their weight.

    For distinct colours weighted by pixel counts this is the exercise's initialisation:
    random pixels, no two of the same colour. (Efraimidis–Spirakis weighted sampling without
    replacement: the k largest log(u) / w.)
    """
    keys = np.log(rng.random(len(points))) / weights
    top = np.argpartition(-keys, k - 1)[:k] if k < len(points) else np.arange(len(points))
    return points[top[np.argsort(-keys[top])]].astype(np.float64)


def kmeans_plusplus(
    points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """Greedy k-means++ on weighted points, as scikit-learn does it.

    The first centre is a point drawn in proportion to its weight; each next one is the best
    of ``2 + ln k`` candidates drawn in proportion to weight × squared distance to the
    nearest centre chosen so far, the one that lowers the weighted potential most.
    """
    points = np.asarray(points, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    trials = 2 + int(np.log(k))
    distances_to = _SquaredDistances(points)
    centres = np.empty((k, points.shape[1]))
    centres[0] = points[rng.choice(len(points), p=weights / weights.sum())]
    closest = np.maximum(distances_to(centres[:1])[0], 0.0)
    potential = float(weights @ closest)
    weighted = np.empty_like(closest)
    for c in range(1, k):
        if potential <= 0:  # every point already sits on a centre
            centres[c:] = centres[0]
            break
        targets = rng.random(trials) * potential
        np.multiply(weights, closest, out=weighted)
        candidates = np.searchsorted(np.cumsum(weighted, out=weighted), targets)
        candidates = np.minimum(candidates, len(points) - 1)
        trial_closest = distances_to(points[candidates])
        np.minimum(trial_closest, closest, out=trial_closest)
        potentials = trial_closest @ weights
        best = int(np.argmin(potentials))
        centres[c] = points[candidates[best]]
        # A squared distance computed as a sum of three terms can come out a hair below 0.
        closest = np.maximum(trial_closest[best], 0.0)
        potential = float(potentials[best])
    return centres


class _SquaredDistances:
    """Squared distances from given centres to every point, (len(centres), n), by one
    matrix product: [-2c, ||c||², 1] · [x, 1, ||x||²]. Precise enough for seeding (a
    distance near 0 can come out slightly negative); the points' part is made once."""

    def __init__(self, points: np.ndarray) -> None:
        n, dim = points.shape
        self._augmented = np.empty((dim + 2, n))
        self._augmented[:dim] = points.T
        self._augmented[dim] = 1.0
        self._augmented[dim + 1] = np.einsum("ij,ij->i", points, points)

    def __call__(self, centres: np.ndarray) -> np.ndarray:
        factors = np.empty((len(centres), centres.shape[1] + 2))
        factors[:, :-2] = -2.0 * centres
        factors[:, -2] = np.einsum("ij,ij->i", centres, centres)
        factors[:, -1] = 1.0
        return factors @ self._augmented
