"""The exercise's K-Means functions, vectorised and exact.

``X`` is an (m, n) array of points (for an image: one RGB row per pixel) and ``centroids`` a
(K, n) array. These are the reference implementation: every distance is computed exactly in
float64. The fast engine in :mod:`kmeans_core.lloyd` follows the same rules (ties go to the
lowest centroid index; empty clusters move as described in :func:`compute_centroids`), so both
give the same trajectory from the same initial centroids.
"""

from __future__ import annotations

import numpy as np

_DISTANCE_BLOCK_ELEMENTS = 1 << 18  # rows × K × n per block: about 2 MB of float64
_ROWS_PER_CHUNK = 1 << 16  # small, reused temporaries instead of a few large fresh ones


def squared_distances(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Exact squared Euclidean distances, (m, n) and (K, n) -> (m, K) float64.

    One coordinate at a time, so no (m, K, n) temporary is ever made.
    """
    return squared_differences_summed(
        np.asarray(X, dtype=np.float64), np.asarray(centroids, dtype=np.float64)
    )


def squared_differences_summed(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """:func:`squared_distances` in the arrays' own floating type (float32 for a fast
    bound; the caller answers for its rounding)."""
    out = np.subtract.outer(X[:, 0], centroids[:, 0])
    out *= out
    diff = np.empty_like(out)
    for j in range(1, X.shape[1]):
        np.subtract.outer(X[:, j], centroids[:, j], out=diff)
        diff *= diff
        out += diff
    return out


def sq_distances_to_assigned(
    X: np.ndarray, centroids: np.ndarray, idx: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    """Exact ``||X[r] - centroids[idx[r]]||²`` for the given ``rows`` (all by default)."""
    return sq_distances_to_each(X, centroids, (idx,), rows)[0]


def sq_distances_to_each(
    X: np.ndarray,
    centroids: np.ndarray,
    labelings: tuple[np.ndarray, ...],
    rows: np.ndarray | None = None,
) -> list[np.ndarray]:
    """:func:`sq_distances_to_assigned` for each ``idx`` in ``labelings``, each row of ``X``
    gathered once for all of them. One coordinate at a time, summed in
    :func:`squared_distances`' order; gathering single coordinates from 1-D columns costs a
    third of gathering whole rows."""
    count = len(X) if rows is None else len(rows)
    outs = [np.empty(count) for _ in labelings]
    x_columns = [X[:, j] for j in range(X.shape[1])]
    centroid_columns = [np.ascontiguousarray(centroids[:, j]) for j in range(X.shape[1])]
    for start in range(0, count, _ROWS_PER_CHUNK):
        part = (
            slice(start, start + _ROWS_PER_CHUNK)
            if rows is None
            else rows[start : start + _ROWS_PER_CHUNK]
        )
        coordinates = [column[part] for column in x_columns]
        for out, idx in zip(outs, labelings, strict=True):
            labels = idx[part]
            total = out[start : start + len(labels)]
            np.subtract(coordinates[0], centroid_columns[0][labels], out=total)
            total *= total
            for coordinate, column in zip(coordinates[1:], centroid_columns[1:], strict=True):
                diff = coordinate - column[labels]
                diff *= diff
                total += diff
    return outs


def find_closest_centroids(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Index of the nearest centroid for every row of ``X``, shape (m,).

    Nearest by squared Euclidean distance; a tie goes to the lowest index. Computed in blocks
    so memory stays small for millions of points.
    """
    X = np.asarray(X, dtype=np.float64)
    centroids = np.asarray(centroids, dtype=np.float64)
    block = max(1, _DISTANCE_BLOCK_ELEMENTS // max(1, centroids.size))
    idx = np.empty(len(X), dtype=np.intp)
    for start in range(0, len(X), block):
        idx[start : start + block] = squared_distances(X[start : start + block], centroids).argmin(
            1
        )
    return idx


def compute_centroids(X: np.ndarray, idx: np.ndarray, K: int) -> np.ndarray:
    """The mean of the points assigned to each of the ``K`` centroids, shape (K, n).

    An empty cluster never yields NaN: it moves to the point that is farthest from its own
    cluster's mean (the worst-served colour), a different point for each empty cluster,
    farthest first, ties broken by the smallest coordinates. If no point is left with a
    positive distance, it takes the farthest point anyway and stays empty.
    """
    X = np.asarray(X, dtype=np.float64)
    idx = np.asarray(idx)
    return weighted_means(X, np.ones(len(X)), idx, K)


def weighted_means(X: np.ndarray, weights: np.ndarray, idx: np.ndarray, K: int) -> np.ndarray:
    """Weighted cluster means with the empty-cluster rule of :func:`compute_centroids`."""
    counts = np.bincount(idx, weights=weights, minlength=K)
    sums = np.stack(
        [np.bincount(idx, weights=weights * X[:, j], minlength=K) for j in range(X.shape[1])],
        axis=1,
    )
    centroids = sums / np.maximum(counts, np.finfo(float).tiny)[:, None]
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        own_distance = sq_distances_to_assigned(X, centroids, idx)
        centroids[empty] = farthest_distinct_points(X, own_distance, len(empty))
    return centroids


def farthest_distinct_points(X: np.ndarray, distance: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` distinct rows of ``X`` with the largest ``distance``, farthest first.

    Ties are broken by the smallest coordinates, so duplicated rows (the same colour on many
    pixels) and their order do not change the answer. Rows at distance 0 are used last.
    """
    order = np.lexsort((*X.T[::-1], -distance))
    ranked = X[order]
    is_new = np.ones(len(ranked), dtype=bool)
    is_new[1:] = np.any(ranked[1:] != ranked[:-1], axis=1)
    distinct = ranked[is_new]
    if len(distinct) >= count:
        return distinct[:count].copy()
    return np.resize(distinct, (count, X.shape[1]))


def kmeans_init_centroids(X: np.ndarray, K: int, seed: int | None = None) -> np.ndarray:
    """``K`` distinct random rows of ``X`` as starting centroids, shape (K, n), float64.

    Rows are taken in a random order and repeated values skipped, so no two centroids start
    at the same point (which would leave one of them empty). Raises ValueError when ``X`` has
    fewer than ``K`` distinct rows.
    """
    X = np.asarray(X)
    order = np.random.default_rng(seed).permutation(len(X))
    for prefix in (order[: 8 * K + 64], order):  # a short prefix almost always suffices
        _, first_seen = np.unique(X[prefix], axis=0, return_index=True)
        if len(first_seen) >= K:
            return X[prefix[np.sort(first_seen)[:K]]].astype(np.float64)
    raise ValueError(f"X has {len(first_seen)} distinct rows, fewer than K = {K}")


def run_kmeans(
    X: np.ndarray, initial_centroids: np.ndarray, max_iters: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``max_iters`` iterations of Lloyd's algorithm, as in the exercise.

    Each iteration assigns every point to its closest centroid, then moves every centroid to
    the mean of its points. Returns ``(centroids, idx)``: the centroids after the last
    iteration and the assignment that produced them.
    """
    X = np.asarray(X, dtype=np.float64)
    centroids = np.asarray(initial_centroids, dtype=np.float64).copy()
    idx = np.zeros(len(X), dtype=np.intp)
    for _ in range(max_iters):
        idx = find_closest_centroids(X, centroids)
        centroids = compute_centroids(X, idx, len(centroids))
    return centroids, idx
