"""The exercise's four functions on small cases computed by hand."""

import numpy as np
import pytest

from kmeans_core import compute_centroids, find_closest_centroids, kmeans_init_centroids, run_kmeans


def test_find_closest_centroids_by_hand():
    X = np.array([[0, 0], [1, 1], [9, 9], [10, 8], [5, 4.9]], dtype=float)
    centroids = np.array([[0, 0], [10, 10]], dtype=float)
    # (5, 4.9): 25 + 24.01 = 49.01 to the first, 25 + 26.01 = 51.01 to the second
    assert find_closest_centroids(X, centroids).tolist() == [0, 0, 1, 1, 0]


def test_find_closest_centroids_tie_goes_to_lowest_index():
    X = np.array([[5.0, 5.0]])
    centroids = np.array([[10.0, 10.0], [0.0, 0.0], [10.0, 0.0]])
    assert find_closest_centroids(X, centroids).tolist() == [0]


def test_find_closest_centroids_in_blocks_matches_brute_force():
    rng = np.random.default_rng(3)
    X = rng.integers(0, 256, (70_000, 3)).astype(float)
    centroids = rng.uniform(0, 255, (7, 3))
    brute = ((X[:, None, :] - centroids[None]) ** 2).sum(-1).argmin(1)
    assert np.array_equal(find_closest_centroids(X, centroids), brute)


def test_compute_centroids_by_hand():
    X = np.array([[0, 0], [2, 0], [10, 10], [12, 14]], dtype=float)
    idx = np.array([0, 0, 1, 1])
    assert compute_centroids(X, idx, 2).tolist() == [[1, 0], [11, 12]]


def test_compute_centroids_empty_cluster_moves_to_the_worst_served_point():
    X = np.array([[0, 0], [2, 0], [10, 10], [20, 10]], dtype=float)
    idx = np.array([0, 0, 1, 1])  # cluster 2 is empty; (10,10) and (20,10) are 5 from (15,10)
    centroids = compute_centroids(X, idx, 3)
    assert not np.isnan(centroids).any()
    assert centroids[:2].tolist() == [[1, 0], [15, 10]]
    assert centroids[2].tolist() == [10, 10]  # tie at distance 5: smallest coordinates win


def test_compute_centroids_two_empty_clusters_take_different_points():
    X = np.array([[0, 0], [0, 0], [4, 0], [100, 0]], dtype=float)
    idx = np.array([0, 0, 0, 0])
    centroids = compute_centroids(X, idx, 3)
    assert centroids[0].tolist() == [26, 0]
    assert centroids[1].tolist() == [100, 0]  # 74 from the mean
    assert centroids[2].tolist() == [0, 0]  # 26 away, and a different point from the first


def test_kmeans_init_centroids_distinct_rows_of_x_repeatable():
    X = np.array([[1, 1, 1]] * 50 + [[2, 2, 2], [3, 3, 3], [4, 4, 4]], dtype=float)
    first = kmeans_init_centroids(X, 4, seed=7)
    assert len({tuple(row) for row in first}) == 4
    assert {tuple(row) for row in first} <= {tuple(row) for row in X}
    assert np.array_equal(first, kmeans_init_centroids(X, 4, seed=7))


def test_kmeans_init_centroids_needs_k_distinct_rows():
    with pytest.raises(ValueError, match="fewer than K"):
        kmeans_init_centroids(np.zeros((10, 3)), 2, seed=0)


def test_run_kmeans_by_hand():
    X = np.array([[0, 0], [0, 2], [10, 0], [10, 2], [4, 1]], dtype=float)
    centroids, idx = run_kmeans(X, np.array([[0, 0], [10, 0]], dtype=float), max_iters=3)
    # first pass: (4,1) is nearer (0,0); means (4/3, 1) and (10, 1); it stays there
    assert idx.tolist() == [0, 0, 1, 1, 0]
    np.testing.assert_allclose(centroids, [[4 / 3, 1], [10, 1]])
