"""The fast path at large K changes nothing: the same assignments and WCSS as the exercise's
run_kmeans on every pixel, and quantize's answer is a Lloyd fixed point."""

import numpy as np
import pytest

from kmeans_core import compute_centroids, find_closest_centroids, quantize, run_kmeans
from kmeans_core.kmeans import sq_distances_to_each, squared_distances
from kmeans_core.lloyd import _centroid_gaps, weighted_lloyd
from kmeans_core.quantization import WARM_START_ABOVE
from kmeans_core.seeding import kmeans_plusplus, random_init
from tests.test_engine import distinct_colours


def assert_same_as_run_kmeans(image, start, iterations):
    points, weights, row_of_pixel = distinct_colours(image)
    X = image.reshape(-1, 3).astype(np.float64)
    for t in sorted({1, iterations // 2, iterations}):
        result = weighted_lloyd(points, weights, start, max_iter=t, tol=0)
        centroids, idx = run_kmeans(X, start, min(t, result.iterations))
        np.testing.assert_array_equal(result.centroids, centroids, err_msg=f"t={t}")
        nearest = find_closest_centroids(X, centroids)
        np.testing.assert_array_equal(result.labels[row_of_pixel], nearest, err_msg=f"t={t}")
        expected = float(np.sum((X - centroids[idx]) ** 2))
        assert result.wcss_history[-1] == pytest.approx(expected, rel=1e-9, abs=1e-6)


def photo_with_many_colours(coffee, step):
    """Every ``step``-th pixel of the coffee photo, with a little noise (±3 a channel)."""
    crop = coffee[::step, ::step]
    noise = np.random.default_rng(3).integers(-3, 4, crop.shape)
    return np.clip(crop.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def test_k_256_from_the_same_start_matches_run_kmeans_on_every_pixel(coffee):
    """K = 256 on a real photo, 15,000 pixels, 5 iterations: where Hamerly's single lower
    bound is weakest and float32 near-ties are most frequent."""
    image = photo_with_many_colours(coffee, 4)
    points, weights, _ = distinct_colours(image)
    start = kmeans_plusplus(points, weights, 256, np.random.default_rng(0))
    assert_same_as_run_kmeans(image, start, iterations=5)


def test_k_256_from_random_pixels_matches_run_kmeans_for_25_iterations(coffee):
    """A random start moves its centroids far for many iterations: the bounds are loosened
    and tightened again and again, by cluster and by runner-up, before the run settles."""
    image = photo_with_many_colours(coffee, 4)
    points, weights, _ = distinct_colours(image)
    start = random_init(points, weights, 256, np.random.default_rng(1))
    assert_same_as_run_kmeans(image, start, iterations=25)


@pytest.mark.parametrize("k", [16, 256])
def test_quantize_ends_at_a_fixed_point(coffee, k):
    """With tol = 0 one more Lloyd step on every pixel changes nothing: the same labels and
    the same centroids (``centroid_history`` is float32, so the check allows its rounding).
    The image has enough colours for the grid phases."""
    image = photo_with_many_colours(coffee, 2)
    result = quantize(image, k, tol=0, max_iter=1000, seed=1)
    assert result.distinct_colors > WARM_START_ABOVE and len(result.phases) > 1
    assert result.converged and result.iterations < 1000
    X = image.reshape(-1, 3).astype(np.float64)
    final = result.centroid_history[-1].astype(np.float64)
    labels = find_closest_centroids(X, final)
    again = compute_centroids(X, labels, k)
    np.testing.assert_allclose(again, result.centroid_history[-1], atol=1e-3)
    np.testing.assert_array_equal(find_closest_centroids(X, again), labels)


def test_weighted_lloyd_options_are_keyword_only():
    points, weights = np.eye(3), np.ones(3)
    with pytest.raises(TypeError):
        weighted_lloyd(points, weights, points[:2], 10)  # max_iter by position


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(weights=np.array([1.0, 0.0, 1.0])), "weights must be 3 positive numbers"),
        (dict(weights=np.ones(2)), "weights must be 3 positive numbers"),
        (
            dict(initial_centroids=np.ones((2, 2))),
            r"initial_centroids must be a non-empty \(K, 3\)",
        ),
        (dict(points=np.full((3, 3), np.nan)), "points and initial_centroids must be finite"),
        (dict(max_iter=-1), "max_iter must be a whole number, 0 or more"),
        (dict(tol=-0.1), "tol must be 0 or more"),
    ],
)
def test_weighted_lloyd_says_what_is_wrong(change, message):
    arguments = dict(points=np.eye(3), weights=np.ones(3), initial_centroids=np.eye(3)[:2])
    arguments |= change
    options = {name: arguments.pop(name) for name in ("max_iter", "tol") if name in arguments}
    with pytest.raises(ValueError, match=message):
        weighted_lloyd(
            arguments["points"], arguments["weights"], arguments["initial_centroids"], **options
        )


@pytest.mark.parametrize("scale", [1.0, 255.0, 1e6, 1e30])
@pytest.mark.parametrize("offset", [0.0, 1.0])
def test_centroid_gaps_never_exceed_the_exact_distances(scale, offset):
    """The gaps come from ||a||² + ||b||² - 2 a·b lowered by more than its rounding error
    (from the differences for coordinates whose squares could overflow): the bounds need
    gaps never too large, and close enough to prune. Centroids far from 0 relative to their
    spread (``offset``) are where that form cancels most."""
    rng = np.random.default_rng(7)
    centroids = (offset + rng.random((256, 3))) * scale
    # pairs closer than float32 can tell apart, where its rounding matters most
    centroids[1::4] = centroids[::4] + rng.normal(size=(64, 3)) * scale * 3e-7
    centroids[2] = centroids[3]  # an exact duplicate
    exact = np.sqrt(squared_distances(centroids, centroids))
    gaps = _centroid_gaps(centroids)
    off_diagonal = ~np.eye(256, dtype=bool)
    assert np.all(np.isinf(gaps[~off_diagonal]))
    assert np.all(gaps[off_diagonal] <= exact[off_diagonal])
    assert np.all(gaps[off_diagonal] >= exact[off_diagonal] - 1e-5 * scale)


@pytest.mark.parametrize("rows", ["all", "some", "none"])
def test_distances_to_given_centroids_are_the_reference_distances_bit_for_bit(rows):
    # the bounds take these for exact: they must equal squared_distances' own entries
    rng = np.random.default_rng(4)
    X = rng.random((70_000, 3)) * 255
    centroids = rng.random((40, 3)) * 255
    labels, runner = rng.integers(0, 40, (2, 70_000))
    chosen = {"all": None, "some": np.sort(rng.choice(70_000, 700, replace=False))}.get(
        rows, np.empty(0, dtype=np.intp)
    )
    at = np.arange(70_000) if chosen is None else chosen
    full = squared_distances(X[at], centroids)
    own, second = sq_distances_to_each(X, centroids, (labels, runner), chosen)
    np.testing.assert_array_equal(own, full[np.arange(len(at)), labels[at]])
    np.testing.assert_array_equal(second, full[np.arange(len(at)), runner[at]])
