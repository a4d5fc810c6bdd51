"""Properties of the engine: exact Lloyd, monotone WCSS, repeatability, honest numbers."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kmeans_core import (
    MAX_K,
    compute_centroids,
    find_closest_centroids,
    quantize,
    rgb_to_lab,
    run_kmeans,
    weighted_lloyd,
)
from kmeans_core.colors import (
    count_colors,
    image_colors,
    indexed_colors,
    labels_by_code,
    labels_by_position,
    labels_per_pixel,
    pack_rgb,
)
from kmeans_core.metrics import squared_error
from kmeans_core.quantization import WARM_START_ABOVE
from kmeans_core.seeding import kmeans_plusplus

GRID_PHASES = ["32³ colour grid", "64³ colour grid", "every colour"]


def distinct_colours(image):
    """(colours as float (n, 3), pixel counts as float (n,), each pixel's row in colours)."""
    codes = pack_rgb(image)
    counts = count_colors(codes)
    return (
        counts.colors.astype(np.float64),
        counts.counts.astype(np.float64),
        np.searchsorted(counts.codes, codes),
    )


def pixels_of(image):
    return image.reshape(-1, 3).astype(np.float64)


def wcss(X, centroids, idx):
    return float(np.sum((X - centroids[idx]) ** 2))


def assert_non_increasing(history):
    history = np.asarray(history)
    assert len(history) >= 1
    rises = np.diff(history) - 1e-9 * history[:-1]
    assert np.all(rises <= 0), f"WCSS rises at iteration {int(np.argmax(rises)) + 1}: {history}"


@pytest.mark.parametrize("pixels", [1000, 3 << 20], ids=["sorted", "by table"])
def test_colours_are_counted_as_numpy_unique_counts_them(pixels):
    # 3 MP takes the 2^24-entry tables, 1000 pixels the sort; both must give np.unique's
    # answer, the lowest and highest codes included
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 1 << 24, pixels // 50, dtype=np.uint32)[
        rng.integers(0, pixels // 50, pixels)
    ]
    codes[[0, -1]] = [0, (1 << 24) - 1]
    expected_codes, expected_counts = np.unique(codes, return_counts=True)
    counted = count_colors(codes)
    np.testing.assert_array_equal(counted.codes, expected_codes)
    np.testing.assert_array_equal(counted.counts, expected_counts)
    assert counted.codes.dtype == np.uint32 and counted.counts.dtype == np.int64


def photo_like(height, width, colours, seed):
    """An (H, W, 3) image of ``colours`` random colours, with the lowest and highest codes."""
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, (colours, 3), dtype=np.uint8)
    palette[:2] = [[0, 0, 0], [255, 255, 255]]
    return palette[rng.integers(0, colours, height * width)].reshape(height, width, 3)


@pytest.mark.parametrize("size", [(20, 50), (1021, 2563)], ids=["sorted", "by table"])
def test_each_pixels_position_among_the_colours(size):
    # from 2 MP on, counting also gives every pixel's position among the colours, in the
    # codes' own memory; below, no positions (the count sorts the codes)
    image = photo_like(*size, colours=30_000, seed=6)
    colors, positions = indexed_colors(image)
    expected = image_colors(image)
    np.testing.assert_array_equal(colors.codes, expected.codes)
    np.testing.assert_array_equal(colors.counts, expected.counts)
    if size[0] * size[1] < 1 << 21:
        assert positions is None
    else:
        assert positions.dtype == np.int32 and positions.shape == (size[0] * size[1],)
        np.testing.assert_array_equal(colors.codes[positions], pack_rgb(image))
    # and each pixel's label, by position and by code (a chunk at a time), is its colour's
    labels = np.random.default_rng(1).integers(0, 256, len(colors))
    expected_labels = labels_per_pixel(pack_rgb(image), colors.codes, labels)
    np.testing.assert_array_equal(labels_by_code(image, colors.codes, labels), expected_labels)
    if positions is not None:
        np.testing.assert_array_equal(labels_by_position(positions, labels), expected_labels)


@pytest.mark.parametrize(
    ("k", "colours"), [(16, 30_000), (256, 30_000), (64, 50)], ids=["K=16", "K=256", "every colour"]
)
def test_labels_by_position_are_the_labels_by_code(k, colours):
    # a 2.6 MP image labelled through the count's positions, and through its packed codes
    # (the path taken when the colours are given, as the dashboard gives them): one answer
    image = photo_like(1024, 2560, colours=colours, seed=7)
    by_position = quantize(image, k=k, seed=3, max_iter=5)
    by_code = quantize(image, k=k, seed=3, max_iter=5, colors=image_colors(image))
    np.testing.assert_array_equal(by_position.labels, by_code.labels)
    np.testing.assert_array_equal(by_position.palette, by_code.palette)
    assert by_position.labels.dtype == np.uint8
    assert by_position.labels.shape == (1024, 2560)
    assert len(np.unique(by_position.labels)) == min(k, colours)


# --- weighted Lloyd on distinct colours == the exercise's Lloyd on every pixel ---------------


@st.composite
def images_and_starts(draw):
    """A 20×30 image over a few random colours (so colours repeat), K, and a start.

    Colours come either from all of 0..255 or from a coarse lattice, where equal distances
    (ties) are common. Starts are distinct colours of the image, or arbitrary points, some
    far outside the colour cube.
    """
    n_colours = draw(st.integers(2, 10))
    channel = st.integers(0, 255) | st.sampled_from([0, 85, 170, 255])
    palette = draw(arrays(np.uint8, (n_colours, 3), elements=channel))
    layout = draw(arrays(np.intp, (20, 30), elements=st.integers(0, n_colours - 1)))
    image = palette[layout]
    colours = np.unique(image.reshape(-1, 3), axis=0).astype(np.float64)
    if draw(st.booleans()):
        k = draw(st.integers(1, min(6, len(colours))))
        rows = draw(st.permutations(range(len(colours))))[:k]
        start = colours[rows]
    else:
        k = draw(st.integers(1, 6))
        coordinate = st.floats(-100, 1000, allow_nan=False, allow_infinity=False)
        start = draw(arrays(np.float64, (k, 3), elements=coordinate))
    return image, start


def assert_same_trajectory(image, start, iterations):
    """weighted_lloyd on the distinct colours and run_kmeans on all pixels agree exactly:
    centroids, labels and WCSS after every iteration t = 0..iterations."""
    points, weights, row_of_pixel = distinct_colours(image)
    X = pixels_of(image)
    full = weighted_lloyd(points, weights, start, max_iter=iterations, tol=0)
    assert full.iterations <= iterations
    assert len(full.wcss_history) == len(full.centroid_history) == full.iterations + 1
    assert full.converged or full.iterations == iterations
    for t in range(iterations + 1):
        centroids, idx = run_kmeans(X, start, t)
        # after convergence the exercise's loop stays put: compare with the last centroids
        s = min(t, full.iterations)
        np.testing.assert_array_equal(full.centroid_history[s], centroids, err_msg=f"t={t}")
        if t <= full.iterations:
            nearest = find_closest_centroids(X, start)
            expected = wcss(X, centroids, idx) if t else wcss(X, start, nearest)
            assert full.wcss_history[t] == pytest.approx(expected, rel=1e-9, abs=1e-6)
        partial = weighted_lloyd(points, weights, start, max_iter=t, tol=0)
        np.testing.assert_array_equal(partial.centroids, centroids, err_msg=f"t={t}")
        np.testing.assert_array_equal(
            partial.labels[row_of_pixel], find_closest_centroids(X, centroids), err_msg=f"t={t}"
        )
    return full


@settings(max_examples=400, deadline=None, database=None)
@given(images_and_starts())
def test_weighted_lloyd_equals_run_kmeans_on_every_pixel(case):
    image, start = case
    assert_same_trajectory(image, start, iterations=6)


@st.composite
def many_colours_and_starts(draw):
    """A 30×30 image over 60 to 400 colours, some snapped to a coarse lattice (ties), and a
    start of 8 to 96 centroids: enough for the runner-up's bound and, from K = 64, the bound
    that looks only at a cluster's near centroids to matter. The colours come from a seeded
    generator: hypothesis' own arrays shrink towards a few repeated values, where no bound
    is tested."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_colours = draw(st.integers(60, 400))
    palette = rng.integers(0, 256, (n_colours, 3))
    snapped = rng.random(n_colours) < draw(st.sampled_from([0.0, 0.5, 1.0]))
    palette[snapped] = np.minimum(palette[snapped] // 32 * 32, 255)
    image = palette.astype(np.uint8)[rng.integers(0, n_colours, (30, 30))]
    colours = np.unique(image.reshape(-1, 3), axis=0).astype(np.float64)
    k = min(draw(st.integers(8, 96)), len(colours))
    if draw(st.booleans()):
        start = colours[rng.permutation(len(colours))[:k]]
    else:
        start = rng.uniform(-50, 300, (k, 3))
    return image, start


@settings(max_examples=60, deadline=None, database=None)
@given(many_colours_and_starts())
def test_weighted_lloyd_equals_run_kmeans_with_many_centroids(case):
    image, start = case
    assert_same_trajectory(image, start, iterations=10)


def blob_image():
    """Three well separated colour groups, 600 pixels, 9 distinct colours."""
    rng = np.random.default_rng(5)
    centres = np.array([[30, 40, 50], [200, 60, 40], [90, 210, 180]])
    jitter = np.array([[0, 0, 0], [3, 1, 0], [0, 4, 2]])
    colours = (centres[:, None, :] + jitter[None]).reshape(-1, 3)
    return colours[rng.integers(0, len(colours), (20, 30))].astype(np.uint8)


@pytest.mark.parametrize(
    "far",
    [
        [[1000.0, 1000.0, 1000.0]],
        [[1000.0, 1000.0, 1000.0], [-500.0, 900.0, -500.0]],
    ],
    ids=["one empty cluster", "two empty clusters"],
)
def test_empty_clusters_move_the_same_way_on_both_sides(far):
    image = blob_image()
    start = np.vstack([[[30.0, 40.0, 50.0], [200.0, 60.0, 40.0]], far])
    k = len(start)
    _, idx = run_kmeans(pixels_of(image), start, 1)
    assert set(idx.tolist()) == {0, 1}, "the far centroids must start empty"
    full = assert_same_trajectory(image, start, iterations=8)
    colours = {tuple(c) for c in image.reshape(-1, 3).tolist()}
    moved = full.centroid_history[1][2:]
    assert all(tuple(c) in colours for c in moved.tolist()), "an empty cluster takes a colour"
    assert len({tuple(c) for c in moved.tolist()}) == k - 2, "each takes a different colour"
    assert not np.isnan(full.centroids).any()


def test_more_centroids_than_colours_agree_and_never_nan():
    image = np.array([[[0, 0, 0], [10, 0, 0]], [[0, 20, 0], [0, 0, 0]]], dtype=np.uint8)
    start = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [300.0, 0, 0], [0, 300.0, 0]])
    full = assert_same_trajectory(image, start, iterations=5)
    assert not np.isnan(np.asarray(full.centroid_history)).any()


# --- quantize(): WCSS, phases, repeatability -------------------------------------------------


@pytest.mark.parametrize("image_name", ["small_photo", "noisy_coffee"])
@pytest.mark.parametrize("space", ["rgb", "lab"])
@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_wcss_never_increases_and_phases_add_up(request, image_name, space, init):
    image = request.getfixturevalue(image_name)
    result = quantize(image, 12, init=init, space=space, n_init=2, seed=3)
    many_colours = result.distinct_colors > WARM_START_ABOVE
    assert many_colours == (image_name == "noisy_coffee")
    for run in result.runs:
        assert_non_increasing(run.wcss_history)
        assert run.iterations == len(run.wcss_history) - 1 == sum(n for _, n in run.phases)
        names = [name for name, _ in run.phases]
        assert names == (GRID_PHASES if many_colours else ["every colour"])
        assert all(n >= 1 for _, n in run.phases)
    assert_non_increasing(result.wcss_history)
    assert result.iterations == len(result.wcss_history) - 1
    assert result.iterations == sum(n for _, n in result.phases)
    assert result.centroid_history.shape == (result.iterations + 1, 12, 3)
    best = result.runs[result.best_run]
    assert result.wcss_history == best.wcss_history and result.phases == best.phases


@pytest.mark.parametrize("image_name", ["small_photo", "noisy_coffee"])
def test_same_seed_same_result(request, image_name):
    image = request.getfixturevalue(image_name)
    first = quantize(image, 10, n_init=2, seed=11)
    again = quantize(image, 10, n_init=2, seed=11)
    np.testing.assert_array_equal(first.palette, again.palette)
    np.testing.assert_array_equal(first.labels, again.labels)
    np.testing.assert_array_equal(first.centroid_history, again.centroid_history)
    assert first.wcss_history == again.wcss_history
    assert first.runs == again.runs


def test_different_seeds_generally_differ(small_photo):
    palettes = {quantize(small_photo, 10, seed=seed).palette.tobytes() for seed in range(4)}
    assert len(palettes) > 1


@pytest.mark.parametrize("image_name", ["small_photo", "noisy_coffee"])
def test_n_init_keeps_the_run_with_the_lowest_final_wcss(request, image_name):
    image = request.getfixturevalue(image_name)
    result = quantize(image, 6, init="random", n_init=4, seed=1)
    finals = [run.final_wcss for run in result.runs]
    assert len(result.runs) == 4
    assert result.best_run == int(np.argmin(finals))
    assert result.wcss == min(finals)
    best = result.runs[result.best_run]
    assert (result.iterations, result.converged) == (best.iterations, best.converged)


# --- the reported numbers are honest -------------------------------------------------------


@pytest.mark.parametrize("image_name", ["small_photo", "noisy_coffee"])
@pytest.mark.parametrize("space", ["rgb", "lab"])
def test_reported_error_matches_an_independent_recount(request, image_name, space):
    image = request.getfixturevalue(image_name)
    result = quantize(image, 16, space=space, seed=0)
    height, width = image.shape[:2]
    quantized = result.image()
    assert quantized.shape == image.shape and quantized.dtype == np.uint8
    plain = int(np.sum((image.astype(np.int64) - quantized.astype(np.int64)) ** 2))
    assert result.squared_error == squared_error(image, quantized) == plain
    assert result.mse == plain / (height * width)
    assert result.psnr == pytest.approx(10 * math.log10(255**2 / (result.mse / 3)), rel=1e-12)
    if space == "rgb":  # in RGB the final WCSS is that same squared error
        assert result.wcss == pytest.approx(plain, rel=1e-12)
    assert result.palette.dtype == np.uint8 and result.palette.shape == (16, 3)
    assert result.labels.shape == (height, width)
    counts = np.bincount(result.labels.ravel(), minlength=len(result.palette))
    np.testing.assert_array_equal(result.pixel_counts, counts)
    assert result.pixel_counts.sum() == height * width
    assert result.colors_used == np.count_nonzero(counts)
    assert result.distinct_colors == len(np.unique(image.reshape(-1, 3), axis=0))


@st.composite
def small_quantize_cases(draw):
    """A tiny image (often with repeated colours, sometimes fewer than K) and settings."""
    height, width = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    n_colours = draw(st.integers(1, 20))
    palette = draw(arrays(np.uint8, (n_colours, 3)))
    layout = draw(arrays(np.intp, (height, width), elements=st.integers(0, n_colours - 1)))
    options = dict(
        k=draw(st.integers(1, 8)),
        init=draw(st.sampled_from(["k-means++", "random"])),
        space=draw(st.sampled_from(["rgb", "lab"])),
        n_init=draw(st.integers(1, 3)),
        seed=draw(st.integers(0, 2**32 - 1)),
    )
    return palette[layout], options


@settings(max_examples=150, deadline=None, database=None)
@given(small_quantize_cases())
def test_numbers_are_honest_on_any_small_image(case):
    image, options = case
    result = quantize(image, **options)
    pixels = image.reshape(-1, 3).astype(np.int64)
    distinct = len(np.unique(pixels, axis=0))
    plain = int(np.sum((pixels - result.image().reshape(-1, 3).astype(np.int64)) ** 2))
    assert result.squared_error == plain
    assert result.distinct_colors == distinct
    assert result.fewer_colors_than_k == (distinct <= options["k"])
    if result.fewer_colors_than_k:
        np.testing.assert_array_equal(result.image(), image)
    counts = np.bincount(result.labels.ravel(), minlength=len(result.palette))
    np.testing.assert_array_equal(result.pixel_counts, counts)
    assert len(result.palette) == min(options["k"], distinct)
    assert result.palette.dtype == np.uint8 and result.labels.shape == image.shape[:2]
    for run in result.runs:
        assert_non_increasing(run.wcss_history)
    assert result.best_run == int(np.argmin([run.final_wcss for run in result.runs]))
    if options["space"] == "rgb":
        distances = ((pixels[:, None, :] - result.palette[None].astype(np.int64)) ** 2).sum(2)
        assigned = distances[np.arange(len(pixels)), result.labels.ravel()]
        np.testing.assert_array_equal(assigned, distances.min(axis=1))
        assert result.wcss == plain


@pytest.mark.parametrize("space", ["rgb", "lab"])
def test_every_pixel_gets_its_nearest_palette_colour(small_photo, space):
    """Brute force over every pixel and palette colour, in the clustering space."""
    result = quantize(small_photo, 16, space=space, seed=2)
    to_space = (lambda c: c.astype(np.float64)) if space == "rgb" else rgb_to_lab
    pixels = to_space(small_photo.reshape(-1, 3))
    palette = to_space(result.palette)
    distances = ((pixels[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
    labels = result.labels.ravel().astype(np.intp)
    assigned = distances[np.arange(len(labels)), labels]
    if space == "rgb":  # integer distances: exact
        np.testing.assert_array_equal(assigned, distances.min(axis=1))
    else:
        np.testing.assert_allclose(assigned, distances.min(axis=1), rtol=1e-9, atol=1e-9)


def test_rgb_palette_is_the_rounded_final_centroids(small_photo):
    result = quantize(small_photo, 16, seed=4)
    assert np.all(np.abs(result.palette - result.centroid_history[-1]) <= 0.5 + 1e-4)


# --- a converged result is a Lloyd fixed point -----------------------------------------------


def test_weighted_lloyd_with_tol_0_ends_at_an_exact_fixed_point(small_photo):
    points, weights, row_of_pixel = distinct_colours(small_photo)
    start = kmeans_plusplus(points, weights, 8, np.random.default_rng(0))
    result = weighted_lloyd(points, weights, start, max_iter=1000, tol=0)
    assert result.converged and result.iterations > 1
    X = pixels_of(small_photo)
    idx = find_closest_centroids(X, result.centroids)
    np.testing.assert_array_equal(compute_centroids(X, idx, 8), result.centroids)
    np.testing.assert_array_equal(idx, result.labels[row_of_pixel])
    np.testing.assert_array_equal(result.centroid_history[-1], result.centroids)


def test_quantize_with_tol_0_returns_a_fixed_point(small_photo):
    """``centroid_history[-1]`` is float32, so the check allows its rounding."""
    result = quantize(small_photo, 8, tol=0, max_iter=1000, seed=5)
    assert result.converged and result.iterations < 1000
    X = pixels_of(small_photo)
    final = result.centroid_history[-1].astype(np.float64)
    again = compute_centroids(X, find_closest_centroids(X, final), 8)
    np.testing.assert_allclose(again, final, atol=1e-3)
    # and it is not trivially so: the previous step did still move
    assert np.abs(result.centroid_history[-2] - result.centroid_history[-1]).max() > 1e-3


# --- edge cases ----------------------------------------------------------------------------


@pytest.mark.parametrize("space", ["rgb", "lab"])
def test_fewer_colours_than_k_returns_the_image_unchanged(space):
    rng = np.random.default_rng(1)
    colours = np.array(
        [[0, 0, 0], [255, 255, 255], [12, 200, 7], [200, 12, 7], [7, 12, 200]], dtype=np.uint8
    )
    image = colours[rng.integers(0, 5, (10, 12))]
    result = quantize(image, 16, space=space, seed=0)
    assert result.fewer_colors_than_k
    assert sorted(map(tuple, result.palette.tolist())) == sorted(map(tuple, colours.tolist()))
    np.testing.assert_array_equal(result.image(), image)
    assert result.squared_error == 0 and result.mse == 0 and result.psnr == math.inf
    assert result.colors_used == 5 and result.pixel_counts.sum() == 120


def test_k_equal_to_the_number_of_colours_is_exact_too():
    image = np.array([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [1, 2, 3]]], dtype=np.uint8)
    result = quantize(image, 3, seed=0)
    assert result.fewer_colors_than_k  # no more colours than K: kept as it is
    np.testing.assert_array_equal(result.image(), image)
    assert result.psnr == math.inf


@pytest.mark.parametrize("image_name", ["small_photo", "noisy_coffee"])
def test_k_1_gives_the_rounded_mean_colour(request, image_name):
    image = request.getfixturevalue(image_name)
    result = quantize(image, 1, seed=0)
    mean = image.reshape(-1, 3).astype(np.int64).sum(axis=0) / (image.size // 3)
    assert result.palette.shape == (1, 3)
    assert np.all(np.abs(result.palette[0] - mean) <= 0.5)
    assert not result.labels.any()
    assert result.pixel_counts.tolist() == [image.size // 3]


@pytest.mark.parametrize("k", [1, 2, 256])
def test_a_single_pixel(k):
    image = np.array([[[12, 34, 56]]], dtype=np.uint8)
    result = quantize(image, k, seed=0)
    assert result.palette.tolist() == [[12, 34, 56]]
    assert result.labels.shape == (1, 1) and result.psnr == math.inf


def test_k_256_on_a_real_photo(small_photo):
    result = quantize(small_photo, MAX_K, seed=0)
    assert result.palette.shape == (256, 3)
    assert result.labels.dtype == np.uint8
    assert 200 < result.colors_used <= 256
    assert result.squared_error == squared_error(small_photo, result.image())
    assert result.psnr > quantize(small_photo, 16, seed=0).psnr


@pytest.mark.parametrize(
    "arguments",
    [
        dict(k=0),
        dict(k=257),
        dict(k=-3),
        dict(init="kmeans++"),
        dict(space="hsv"),
        dict(n_init=0),
        dict(max_iter=0),
        dict(tol=-1e-3),
    ],
)
def test_invalid_arguments_raise_value_error(small_photo, arguments):
    with pytest.raises(ValueError):
        quantize(small_photo, **{"k": 4, **arguments})


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((4, 4, 3), dtype=np.float64),
        np.zeros((4, 4, 3), dtype=np.uint16),
        np.zeros((4, 4), dtype=np.uint8),
        np.zeros((4, 4, 4), dtype=np.uint8),
        np.zeros((0, 4, 3), dtype=np.uint8),
        [[[0, 0, 0]]],
    ],
    ids=["float64", "uint16", "grey 2-D", "RGBA", "no pixels", "a list"],
)
def test_invalid_images_raise_value_error(image):
    with pytest.raises(ValueError):
        quantize(image, 4)
