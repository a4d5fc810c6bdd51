"""The fast path's bounds change nothing: the same assignments and WCSS as the exercise's
run_kmeans on every pixel, with the per-group (Yinyang) bounds as well as Hamerly's."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kmeans_core import compute_centroids, find_closest_centroids, lloyd, quantize, run_kmeans
from kmeans_core.lloyd import HamerlyState, weighted_lloyd
from kmeans_core.quantization import WARM_START_ABOVE
from kmeans_core.seeding import kmeans_plusplus
from tests.test_engine import distinct_colours


@st.composite
def images_and_starts(draw):
    """A 16×20 image over a few colours, some on a coarse lattice (ties), and K distinct
    colours of it as the start."""
    n_colours = draw(st.integers(6, 24))
    channel = st.integers(0, 255) | st.sampled_from([0, 64, 128, 192, 255])
    palette = draw(arrays(np.uint8, (n_colours, 3), elements=channel))
    layout = draw(arrays(np.intp, (16, 20), elements=st.integers(0, n_colours - 1)))
    image = palette[layout]
    colours = np.unique(image.reshape(-1, 3), axis=0).astype(np.float64)
    assume(len(colours) >= 3)
    k = draw(st.integers(3, min(9, len(colours))))
    rows = draw(st.permutations(range(len(colours))))[:k]
    return image, colours[rows]


def assert_same_as_run_kmeans(image, start, iterations):
    points, weights, row_of_pixel = distinct_colours(image)
    X = image.reshape(-1, 3).astype(np.float64)
    for t in (1, iterations):
        result = weighted_lloyd(points, weights, start, max_iter=t, tol=0)
        centroids, idx = run_kmeans(X, start, min(t, result.iterations))
        np.testing.assert_array_equal(result.centroids, centroids, err_msg=f"t={t}")
        nearest = find_closest_centroids(X, centroids)
        np.testing.assert_array_equal(result.labels[row_of_pixel], nearest, err_msg=f"t={t}")
        expected = float(np.sum((X - centroids[idx]) ** 2))
        assert result.wcss_history[-1] == pytest.approx(expected, rel=1e-9, abs=1e-6)


@settings(max_examples=200, deadline=None, database=None)
@given(images_and_starts())
def test_group_bounds_give_the_same_trajectory_as_run_kmeans(case):
    image, start = case
    with pytest.MonkeyPatch.context() as patch:  # group bounds from K = 2, 2 centroids a group
        patch.setattr(lloyd, "GROUPED_FROM_K", 2)
        patch.setattr(lloyd, "_GROUP_SIZE", 2)
        assert len(lloyd._group_layout(start, 320)) > 1  # the grouped path really runs
        assert_same_as_run_kmeans(image, start, iterations=6)


def photo_with_many_colours(coffee, step):
    """Every ``step``-th pixel of the coffee photo, with a little noise (±3 a channel)."""
    crop = coffee[::step, ::step]
    noise = np.random.default_rng(3).integers(-3, 4, crop.shape)
    return np.clip(crop.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def test_k_256_from_the_same_start_matches_run_kmeans_on_every_pixel(coffee):
    """K = 256 on a real photo: the grouped bounds over 15,000 pixels, 5 iterations."""
    image = photo_with_many_colours(coffee, 4)
    points, weights, _ = distinct_colours(image)
    start = kmeans_plusplus(points, weights, 256, np.random.default_rng(0))
    state = HamerlyState(points, weights, start)
    assert len(state.layout) == 16  # 16 groups of 16
    assert_same_as_run_kmeans(image, start, iterations=5)


@pytest.mark.parametrize("k", [16, 256])
def test_quantize_ends_at_a_fixed_point(coffee, k):
    """With tol = 0 one more Lloyd step on every pixel changes nothing: the same labels and
    the same centroids (``centroid_history`` is float32, so the check allows its rounding).
    The image has enough colours for the grid phases; K = 256 uses the grouped bounds."""
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
