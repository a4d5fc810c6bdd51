"""Lloyd's algorithm on weighted points, exact and fast.

The points are an image's distinct colours and the weights their pixel counts, so one run is
the same algorithm as the exercise's :func:`~kmeans_core.kmeans.run_kmeans` on every pixel:
the same assignments and centroids at every iteration from the same start. Two things make
it fast without changing the answer:

* Bounds, after Hamerly's. Each point keeps an upper bound on the distance to its centroid,
  a lower bound on the distance to its runner-up (the second nearest when last computed)
  and one on the distance to any other centroid; after centroids move, the triangle
  inequality proves most points keep their centroid without computing a single distance.
  The runner-up's bound falls only by that centroid's own shift, and from K = 64 the
  others' bound only by the largest shift among the centroids near the point's own (far
  ones are bounded by their distance to it instead). With one bound for all, as in
  Hamerly's method, at large K some centroid always moves far and every bound falls by that
  much: at K = 256 on a photo, these two changes recompute a quarter as many points.
* The points left are assigned with a float32 matrix product, in blocks small enough that
  OpenBLAS stays on one thread (its threads cost more than they save on (n×4)(4×K) products)
  and in cache. Where float32 rounding could swap the two nearest centroids, the distances
  are recomputed exactly in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .kmeans import (
    farthest_distinct_points,
    sq_distances_to_assigned,
    sq_distances_to_each,
    squared_differences_summed,
    squared_distances,
)

# OpenBLAS runs a product on one thread while rows × K × inner stays under 65536 × 4.
_BLOCK_ELEMENTS = 1 << 16
_EPS32 = float(np.finfo(np.float32).eps)
_GAP_MARGIN = 64 * float(np.finfo(np.float64).eps)
# Below this K most centroids are near every cluster, and bounding by the near ones costs
# more passes over the points than it saves (measured on ten 0.4 MP photos: 4 % slower at
# K = 32 and 48, even at K = 64, 6 % faster at K = 96, 18 % at K = 256).
_LOCAL_BOUNDS_FROM_K = 64
_ROW_LAYOUT_FROM_K = 64  # see _three_smallest


@dataclass(frozen=True)
class Bounds:
    """A valid start for the bounds: for every point a label, an upper bound on its distance
    to that label's centroid, a runner-up centroid with a lower bound on the distance to it,
    and a lower bound on the distance to every other centroid."""

    labels: np.ndarray
    upper: np.ndarray
    runner: np.ndarray
    runner_lower: np.ndarray
    lower: np.ndarray


class HamerlyState:
    """Points, weights, their current assignment and the bounds that prune Lloyd's work
    (``upper``, ``runner`` with ``runner_lower``, and ``lower``: see :class:`Bounds`)."""

    def __init__(
        self,
        points: np.ndarray,
        weights: np.ndarray,
        centroids: np.ndarray,
        bounds: Bounds | None = None,
    ) -> None:
        self.points = np.ascontiguousarray(points, dtype=np.float64)
        self.weights = np.asarray(weights, dtype=np.float64)
        self.n, self.dim = self.points.shape
        # The float32 products work relative to the points' centre, where norms are small and
        # so is float32's rounding error. (A matrix product: 20 times faster than a mean over
        # the rows of an (n, 3) array.)
        self._origin = self.weights @ self.points / self.weights.sum()
        self._augmented = np.empty((self.n, self.dim + 1), dtype=np.float32)
        np.subtract(
            self.points, self._origin, out=self._augmented[:, : self.dim], casting="same_kind"
        )
        self._augmented[:, self.dim] = 1.0
        self.total_sq = float(np.einsum("ij,ij,i->", self.points, self.points, self.weights))
        self.centroids = np.array(centroids, dtype=np.float64)
        self.k = len(self.centroids)
        if bounds is None:
            self.labels, self.upper, self.runner, self.runner_lower, self.lower = (
                self._nearest_three(np.arange(self.n))
            )
        else:
            self.labels = np.asarray(bounds.labels, dtype=np.intp)
            self.upper = np.asarray(bounds.upper, dtype=np.float64)
            self.runner = np.asarray(bounds.runner, dtype=np.intp)
            self.runner_lower = np.asarray(bounds.runner_lower, dtype=np.float64)
            self.lower = np.asarray(bounds.lower, dtype=np.float64)
            self._reassign_suspects()
        self._recount()

    def assignment_wcss(self) -> float:
        """WCSS of the current assignment around the current centroids, from the cluster
        sums: sum w·||x||² - 2·sum c·S + sum N·||c||² (exact for integer colours)."""
        c = self.centroids
        cross = float(np.sum(c * self.sums))
        spread = float(self.counts @ np.sum(c * c, axis=1))
        return max(0.0, self.total_sq - 2 * cross + spread)

    def mean_variance(self) -> float:
        """The points' weighted variance, averaged over the coordinates, from the cluster
        sums: (sum w·||x||² / W - ||mean||²) / d."""
        total = float(self.counts.sum())
        mean = self.sums.sum(axis=0) / total
        return max(0.0, (self.total_sq / total - float(mean @ mean)) / self.dim)

    def wcss(self) -> float:
        """Exact WCSS of the current assignment around its cluster means."""
        filled = self.counts > 0
        explained = np.sum(self.sums[filled] ** 2, axis=1) / self.counts[filled]
        return max(0.0, self.total_sq - float(explained.sum()))

    def cluster_means(self) -> np.ndarray:
        """The means of the current clusters; empty ones follow compute_centroids' rule."""
        centroids = self.sums / np.maximum(self.counts, np.finfo(float).tiny)[:, None]
        empty = np.flatnonzero(self.counts == 0)
        if empty.size:
            own = sq_distances_to_assigned(self.points, centroids, self.labels)
            centroids[empty] = farthest_distinct_points(self.points, own, len(empty))
        return centroids

    def bounds_for_members(self, member: np.ndarray, offset: np.ndarray) -> Bounds:
        """Bounds for finer points, each at distance ``offset`` from its point ``member``."""
        return Bounds(
            labels=self.labels[member],
            upper=self.upper[member] + offset,
            runner=self.runner[member],
            runner_lower=self.runner_lower[member] - offset,
            lower=self.lower[member] - offset,
        )

    def move_centroids(self, new_centroids: np.ndarray) -> int:
        """Move the centroids and reassign every point to its nearest; return how many moved."""
        new_centroids = np.asarray(new_centroids, dtype=np.float64)
        shift = np.sqrt(np.sum((new_centroids - self.centroids) ** 2, axis=1))
        self.centroids = new_centroids
        if self.k == 1:
            return 0
        self.upper += shift[self.labels]
        self.runner_lower -= shift[self.runner]
        gaps = _centroid_gaps(new_centroids)
        self._loosen_lower_bounds(shift, gaps)
        changed, old_labels = self._reassign_suspects(_row_min(gaps))
        if changed.size:
            self._transfer(changed, old_labels, self.labels[changed])
        return int(changed.size)

    def _loosen_lower_bounds(self, shift: np.ndarray, gaps: np.ndarray) -> None:
        """Keep every lower bound valid after the centroids moved by ``shift``.

        Hamerly's rule subtracts the largest shift of any other centroid, and at large K some
        centroid always moves far. Only centroids near a point's own can come close to it:
        with U the largest upper bound in cluster a, a centroid j at ``gaps[a, j]`` ≥ 2U from
        centroid a is at least ``gaps[a, j] - upper`` ≥ upper from each of a's points. So each
        cluster subtracts only the largest shift among its near centroids, and the far ones
        bound the distance by ``gaps - upper`` (the triangle inequality, as in Elkan's method).
        Below ``_LOCAL_BOUNDS_FROM_K`` centroids, Hamerly's rule costs less.
        """
        if self.k < _LOCAL_BOUNDS_FROM_K:  # Hamerly's rule: the largest shift of any other
            fastest = np.argsort(shift)[-2:]
            self.lower -= np.where(self.labels == fastest[1], shift[fastest[0]], shift[fastest[1]])
            return
        widest = np.zeros(self.k)
        np.maximum.at(widest, self.labels, self.upper)
        near = gaps < 2 * widest[:, None]
        near_shift = _row_max(np.where(near, shift[None, :], 0.0))
        # Rounding in the gaps must not make the far bound claim more than is true.
        far_gap = _row_min(np.where(near, np.inf, gaps)) * (1 - _GAP_MARGIN)
        np.minimum(
            self.lower - near_shift[self.labels],
            far_gap[self.labels] - self.upper,
            out=self.lower,
        )

    def _reassign_suspects(
        self, nearest_other: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Recompute the points whose bounds cannot prove their label; ``nearest_other`` is
        each centroid's distance to its nearest other, computed here when not given.

        Returns the rows whose label changed and their old labels.
        """
        nothing = np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
        if self.k == 1:
            self.labels[:] = 0
            return nothing
        if nearest_other is None:
            nearest_other = _row_min(_centroid_gaps(self.centroids))
        half_gap = (0.5 * nearest_other)[self.labels]
        threshold = np.maximum(half_gap, np.minimum(self.runner_lower, self.lower))
        suspects = np.flatnonzero(self.upper >= threshold)
        if suspects.size:  # exact distances to the own and the runner-up centroid first
            own, runner = sq_distances_to_each(
                self.points, self.centroids, (self.labels, self.runner), suspects
            )
            self.upper[suspects] = np.sqrt(own)
            self.runner_lower[suspects] = np.sqrt(runner)
            threshold = np.maximum(
                half_gap[suspects],
                np.minimum(self.runner_lower[suspects], self.lower[suspects]),
            )
            suspects = suspects[self.upper[suspects] >= threshold]
        if not suspects.size:
            return nothing
        new_labels, upper, runner, runner_lower, lower = self._nearest_three(suspects)
        self.upper[suspects], self.runner[suspects] = upper, runner
        self.runner_lower[suspects], self.lower[suspects] = runner_lower, lower
        moved = new_labels != self.labels[suspects]
        changed = suspects[moved]
        old_labels = self.labels[changed]
        self.labels[changed] = new_labels[moved]
        return changed, old_labels

    def _recount(self) -> None:
        self.counts = np.bincount(self.labels, weights=self.weights, minlength=self.k)
        self.sums = np.stack(
            [
                np.bincount(self.labels, weights=self.weights * self.points[:, j], minlength=self.k)
                for j in range(self.dim)
            ],
            axis=1,
        )

    def _transfer(self, rows: np.ndarray, old: np.ndarray, new: np.ndarray) -> None:
        w = self.weights[rows]
        self.counts += np.bincount(new, weights=w, minlength=self.k)
        self.counts -= np.bincount(old, weights=w, minlength=self.k)
        for j in range(self.dim):
            wx = w * self.points[rows, j]
            self.sums[:, j] += np.bincount(new, weights=wx, minlength=self.k)
            self.sums[:, j] -= np.bincount(old, weights=wx, minlength=self.k)

    def _nearest_three(self, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        """For ``rows``: the nearest centroid and its exact distance, the runner-up and a
        lower bound on the distance to it, and a lower bound on the distance to any other."""
        k = self.k
        n = len(rows)
        labels = np.empty(n, dtype=np.intp)
        runner = np.empty(n, dtype=np.intp)
        runner_sq = np.empty(n)
        lower_sq = np.empty(n)
        centred = self.centroids - self._origin
        centred_sq_norms = np.einsum("ij,ij->i", centred, centred)
        product = np.vstack([-2.0 * centred.T, centred_sq_norms[None, :]]).astype(np.float32)
        # np.take gathers whole rows several times faster than fancy indexing does
        points = np.take(self.points, rows, axis=0)
        centred = points - self._origin
        sq_norms = np.einsum("ij,ij->i", centred, centred)
        del centred  # (n, 3) float64: at the first assignment, every colour of the image
        # A bound on the float32 error of each computed squared distance.
        margin = 8 * _EPS32 * (np.sqrt(sq_norms) + np.sqrt(centred_sq_norms.max())) ** 2
        first = np.empty(n, dtype=np.float32)
        block = max(1, _BLOCK_ELEMENTS // k)
        for start in range(0, n, block):
            span = slice(start, start + block)
            labels[span], runner[span], first[span], runner_sq[span], lower_sq[span] = (
                _three_smallest(np.take(self._augmented, rows[span], axis=0), product)
            )
        unsure = np.flatnonzero(runner_sq - first <= 2 * margin)
        runner_sq += sq_norms - margin
        lower_sq += sq_norms - margin
        if unsure.size:  # the two nearest are too close to call in float32: decide in float64
            exact = squared_distances(np.take(points, unsure, axis=0), self.centroids)
            (labels[unsure], runner[unsure], _, runner_sq[unsure], lower_sq[unsure]) = (
                _smallest_three(exact, axis=1)
            )
        nearest = np.sqrt(sq_distances_to_assigned(points, self.centroids, labels))
        return (
            labels,
            nearest,
            runner,
            np.sqrt(np.maximum(runner_sq, 0.0)),
            np.sqrt(np.maximum(lower_sq, 0.0)),
        )


def _three_smallest(augmented: np.ndarray, product: np.ndarray) -> tuple[np.ndarray, ...]:
    """:func:`_smallest_three` of each row of ``augmented @ product``.

    With few centroids the (K, rows) layout is faster: numpy reduces across rows in wide
    vectorised passes, while a reduction along each short row pays per row. Measured on
    seven photos, the (K, rows) layout won by 3-5 % at K = 16, 32 and 48, and lost by
    6-12 % at K = 64.
    """
    if product.shape[1] < _ROW_LAYOUT_FROM_K:
        return _smallest_three(product.T @ augmented.T, axis=0)
    return _smallest_three(augmented @ product, axis=1)


def _smallest_three(values: np.ndarray, *, axis: int) -> tuple[np.ndarray, ...]:
    """Along ``axis`` of the 2-D ``values`` (a scratch array: overwritten): the argmin (the
    lowest index on a tie, as argmin gives), the index of the second smallest, and the three
    smallest values (infinite where there are fewer)."""
    values = np.ascontiguousarray(values)  # as every caller's is: then reshape is a view
    flat = values.reshape(-1)  # indexing it by flat positions beats (row, column) pairs
    width = values.shape[1]
    places = np.arange(values.shape[1 - axis])
    if axis == 1:
        places *= width

    def take(index: np.ndarray) -> np.ndarray:
        at = index * width + places if axis == 0 else places + index
        value = flat[at]
        flat[at] = np.inf
        return value

    nearest = values.argmin(axis=axis)
    first = take(nearest)
    runner = values.argmin(axis=axis)
    second = take(runner)
    if axis == 0:
        return nearest, runner, first, second, values.min(axis=0)
    return nearest, runner, first, second, flat[places + values.argmin(axis=1)]


def _row_min(values: np.ndarray) -> np.ndarray:
    """The smallest value of each row of the 2-D ``values``, read at each row's argmin:
    numpy vectorises argmin along rows, and ``min(axis=1)`` takes 2.5 times as long
    (measured on (256, 256) float32 and float64 arrays). Along columns the reverse holds."""
    return values[np.arange(len(values)), values.argmin(axis=1)]


def _row_max(values: np.ndarray) -> np.ndarray:
    """The largest value of each row, read at each row's argmax (see :func:`_row_min`)."""
    return values[np.arange(len(values)), values.argmax(axis=1)]


# Centroids this far from 0 and beyond are compared by their differences: the squares of
# their norms could overflow.
_GRAM_GAPS_BELOW = 2.0**500
_EPS64 = float(np.finfo(np.float64).eps)


def _centroid_gaps(centroids: np.ndarray) -> np.ndarray:
    """Lower bounds on the distances between centroids, (K, K), infinite from each centroid
    to itself: the bounds only need gaps that are never too large.

    One matrix product gives ||a||² + ||b||² - 2 a·b for every pair (measured at K = 256:
    0.11 ms, against 0.33 ms for float32 differences coordinate by coordinate, and it runs
    every iteration). Its rounding error is at most a few eps × (||a||² + ||b||²), as
    every term is at most that large; the norms go in lowered by 16 (d + 2) eps, many times
    more, so the result never exceeds the true squared distance, nor its square root the
    distance, even after rounding.
    """
    k, dim = centroids.shape
    if float(np.max(np.abs(centroids))) >= _GRAM_GAPS_BELOW:
        gaps = squared_differences_summed(centroids, centroids)
    else:
        lowered = np.einsum("ij,ij->i", centroids, centroids) * (1 - 16 * (dim + 2) * _EPS64)
        rows = np.empty((k, dim + 2))
        rows[:, :dim], rows[:, dim], rows[:, dim + 1] = centroids, 1.0, lowered
        columns = np.empty((dim + 2, k))
        columns[:dim], columns[dim], columns[dim + 1] = -2.0 * centroids.T, lowered, 1.0
        gaps = rows @ columns
        np.maximum(gaps, 0.0, out=gaps)
    np.sqrt(gaps, out=gaps)
    np.fill_diagonal(gaps, np.inf)
    return gaps


@dataclass
class LloydResult:
    """One run of Lloyd's algorithm from one start.

    ``wcss_history[0]`` is the WCSS of the initial centroids (each point at its nearest
    initial centroid); ``wcss_history[t]`` the WCSS after iteration ``t``. The centroid
    history is aligned with it: ``centroid_history[t]`` are the centroids scored there.
    ``state`` holds the final centroids, with every point assigned to its nearest.

    Lloyd's two half-steps, one at a time: ``assign_wcss_history[t]`` is the WCSS just after
    the assignment step of iteration ``t + 1`` (each point at its nearest of
    ``centroid_history[t]``), and ``wcss_history[t + 1]`` the WCSS after that iteration's
    update step (the same clusters around their means). ``empty_clusters`` lists
    ``(iteration, how many)`` for every update step that found clusters with no point.
    """

    wcss_history: list[float]
    centroid_history: list[np.ndarray] = field(repr=False)
    iterations: int
    converged: bool
    state: HamerlyState = field(repr=False)
    assign_wcss_history: list[float] = field(default_factory=list)
    empty_clusters: list[tuple[int, int]] = field(default_factory=list)

    @property
    def centroids(self) -> np.ndarray:
        return self.state.centroids

    @property
    def labels(self) -> np.ndarray:
        return self.state.labels


def weighted_lloyd(
    points: np.ndarray,
    weights: np.ndarray,
    initial_centroids: np.ndarray,
    *,
    max_iter: int = 300,
    tol: float = 0.0,
    on_iteration: Callable[[int, float], None] | None = None,
    bounds: Bounds | None = None,
) -> LloydResult:
    """Lloyd's algorithm on ``points`` (n, d) weighted by ``weights`` (n,).

    Iterates until no point changes cluster (a fixed point), or the centroids' total squared
    movement falls to ``tol`` times the points' mean variance per coordinate (scikit-learn's
    rule; ``tol=0`` waits for the fixed point), or ``max_iter`` iterations. Empty clusters
    follow :func:`~kmeans_core.kmeans.compute_centroids`. ``on_iteration(t, wcss)`` is called
    after every iteration. ``bounds``, if known from a coarser run, saves the first full
    assignment.
    """
    _check_lloyd_inputs(points, weights, initial_centroids, max_iter, tol)
    state = HamerlyState(points, weights, initial_centroids, bounds)
    tol_abs = tol * state.mean_variance() if tol else 0.0
    wcss_history = [state.assignment_wcss()]
    assign_wcss_history = [wcss_history[0]]
    centroid_history = [state.centroids.copy()]
    empty_clusters = []
    converged = False
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        empty = int(np.count_nonzero(state.counts == 0))
        if empty:
            empty_clusters.append((iterations, empty))
        means = state.cluster_means()
        wcss_history.append(state.wcss())  # this iteration's clusters around their means
        centroid_history.append(means)
        movement = float(np.sum((means - state.centroids) ** 2))
        changed = state.move_centroids(means)  # the next iteration's assignment step
        assign_wcss_history.append(state.assignment_wcss())
        if on_iteration is not None:
            on_iteration(iterations, wcss_history[-1])
        if changed == 0 or movement <= tol_abs:
            converged = True
            break
    return LloydResult(
        wcss_history,
        centroid_history,
        iterations,
        converged,
        state,
        assign_wcss_history=assign_wcss_history,
        empty_clusters=empty_clusters,
    )


def _check_lloyd_inputs(
    points: np.ndarray, weights: np.ndarray, centroids: np.ndarray, max_iter: int, tol: float
) -> None:
    """The one check of weighted_lloyd's arguments; nothing below it checks again."""
    points, weights, centroids = np.asarray(points), np.asarray(weights), np.asarray(centroids)
    if points.ndim != 2 or len(points) == 0:
        raise ValueError(f"points must be a non-empty (n, d) array, got shape {points.shape}")
    if weights.shape != (len(points),) or not np.all(weights > 0):
        raise ValueError(f"weights must be {len(points)} positive numbers, one per point")
    if centroids.ndim != 2 or len(centroids) == 0 or centroids.shape[1] != points.shape[1]:
        raise ValueError(
            f"initial_centroids must be a non-empty (K, {points.shape[1]}) array, "
            f"got shape {centroids.shape}"
        )
    if not (np.all(np.isfinite(points)) and np.all(np.isfinite(centroids))):
        raise ValueError("points and initial_centroids must be finite")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int | np.integer) or max_iter < 0:
        raise ValueError(f"max_iter must be a whole number, 0 or more, got {max_iter!r}")
    if not tol >= 0:
        raise ValueError(f"tol must be 0 or more, got {tol!r}")
