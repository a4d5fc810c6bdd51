"""The exercise's own run (``Settings.exercise``, ``--exercise``): the same centroids as the
exercise's functions on every pixel, and its half-steps replayed one at a time."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kmeans_core import (
    compute_centroids,
    find_closest_centroids,
    kmeans_init_centroids,
    load_image,
    quantize,
    run_kmeans,
)
from kmeans_core.lloyd import weighted_lloyd
from kmeans_core.quantization import WARM_START_ABOVE
from kmeans_core.settings import DEFAULTS, EXERCISE, Settings
from kmeans_core.steps import ASSIGN, START, UPDATE, assignments, half_steps

ROOT = Path(__file__).resolve().parent.parent
K = 16


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kmeans_core", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> dict[str, Path]:
    """A 128×128 image, the exercise's size (its bird photo is course material, not
    bundled: a crop of a bundled photo stands in), and a photo with more colours than the
    engine's warm-start threshold."""
    folder = tmp_path_factory.mktemp("exercise")
    coffee = load_image((ROOT / "samples" / "coffee.png").read_bytes())
    small = folder / "small-128.png"
    Image.fromarray(np.ascontiguousarray(coffee[100:228, 200:328])).save(small)
    rocket = ROOT / "samples" / "rocket.jpg"
    assert len(np.unique(load_image(rocket.read_bytes()).reshape(-1, 3), axis=0)) > (
        WARM_START_ABOVE
    )
    return {"128×128": small, "many colours": rocket}


def the_exercise(path: Path, k: int, seed: int, iterations: int = 10):
    """The exercise's code, as the exercise runs it: X is every pixel, row-major, float."""
    X = load_image(path.read_bytes()).reshape(-1, 3).astype(float)
    return run_kmeans(X, kmeans_init_centroids(X, k, seed=seed), iterations)


@pytest.mark.parametrize("name", ["128×128", "many colours"])
@pytest.mark.parametrize("seed", [0, 3])
def test_cli_exercise_reproduces_the_exercise_functions(photos, tmp_path, name, seed):
    done = cli(
        photos[name], "-k", K, "--exercise", "--seed", seed, "-o", tmp_path / "o.png", "--json"
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    centroids, _ = the_exercise(photos[name], K, seed)
    assert report["palette"] == np.clip(np.rint(centroids), 0, 255).astype(int).tolist()
    assert report["warm_start"] is False and report["exercise"] is True
    assert report["iterations"] <= 10 and report["init"] == "random" and report["n_init"] == 1


def test_engine_runs_report_their_warm_start(photos, tmp_path):
    done = cli(photos["many colours"], "-k", K, "-o", tmp_path / "o.png", "--json")
    report = json.loads(done.stdout)
    assert report["warm_start"] is True and report["exercise"] is False
    assert len(report["palette"]) == K and all(len(c) == 3 for c in report["palette"])


def test_max_iter_overrides_the_exercise_ten(photos, tmp_path):
    done = cli(photos["128×128"], "--exercise", "--max-iter", 3, "-o", tmp_path / "o.png", "--json")
    report = json.loads(done.stdout)
    centroids, _ = the_exercise(photos["128×128"], K, 0, iterations=3)
    assert report["iterations"] == 3
    assert report["palette"] == np.clip(np.rint(centroids), 0, 255).astype(int).tolist()


@pytest.mark.parametrize(
    ("option", "value"), [("--init", "k-means++"), ("--n-init", 3), ("--tol", 0.01)]
)
def test_exercise_refuses_what_it_is_not_in_one_line(photos, tmp_path, option, value):
    done = cli(photos["128×128"], "--exercise", option, value, "-o", tmp_path / "o.png")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --exercise "), done.stderr
    assert "Traceback" not in done.stderr


def test_settings_of_the_exercise():
    assert EXERCISE.exercise and EXERCISE.max_iter == 10 and EXERCISE.init == "random"
    assert not DEFAULTS.exercise
    mine = DEFAULTS.but(k=7, seed=5, space="lab")
    assert mine.as_exercise() == EXERCISE.but(k=7, seed=5, space="lab")
    assert EXERCISE.but(max_iter=30).as_exercise().max_iter == 30  # already the exercise's
    with pytest.raises(ValueError, match=r"^exercise starts from random pixels"):
        Settings(exercise=True)  # init k-means++ by default


@pytest.fixture(scope="module")
def run(photos):
    image = load_image(photos["many colours"].read_bytes())
    return image, quantize(image, settings=EXERCISE.but(k=8, seed=2))


def test_quantize_exercise_has_no_warm_start_and_the_exercise_centroids(run, photos):
    _image, result = run
    assert not result.warm_start and result.phases == (("every colour", result.iterations),)
    centroids, _ = the_exercise(photos["many colours"], 8, 2)
    assert np.allclose(result.centroid_history[-1], centroids, atol=1e-3)  # float32 history
    assert np.array_equal(result.palette, np.clip(np.rint(centroids), 0, 255).astype(np.uint8))


def test_half_steps_wcss_never_rises_and_each_step_changes_one_thing(run):
    _image, result = run
    steps = half_steps(result)
    assert len(steps) == 1 + 2 * result.iterations
    assert [s.kind for s in steps[:5]] == [START, ASSIGN, UPDATE, ASSIGN, UPDATE]
    assert steps[0].wcss is None
    wcss = [s.wcss for s in steps[1:]]
    assert all(b <= a * (1 + 1e-12) for a, b in itertools.pairwise(wcss)), wcss
    for before, step in itertools.pairwise(steps):
        if step.kind == ASSIGN:  # labels change, the centroids stay
            assert step.centroids == before.centroids and step.assignment == before.assignment + 1
        else:  # centroids move, the labels stay
            assert step.assignment == before.assignment and step.centroids == before.centroids + 1


def test_half_steps_are_the_exercise_functions_one_at_a_time(run):
    """On every pixel: each Assign is find_closest_centroids, each Update compute_centroids,
    and each step's WCSS is the exact sum over the pixels."""
    image, result = run
    X = image.reshape(-1, 3).astype(float)
    labels = assignments(image.reshape(-1, 3), result, result.iterations)
    history = result.centroid_history.astype(np.float64)
    for step in half_steps(result)[1:]:
        t = step.assignment
        exact = find_closest_centroids(X, history[t - 1])
        assert np.mean(labels[t - 1] == exact) > 0.9999  # float32 history: ties may differ
        centroids = history[step.centroids]
        if step.kind == UPDATE:
            assert np.allclose(compute_centroids(X, exact, 8), centroids, atol=1e-3)
        wcss = float(np.sum((X - centroids[exact]) ** 2))
        assert step.wcss == pytest.approx(wcss, rel=1e-6)


def test_an_empty_cluster_is_reported_with_its_iteration():
    """Three points and a centroid that none of them is nearest to."""
    points = np.array([[0.0, 0, 0], [10, 0, 0], [11, 0, 0]])
    result = weighted_lloyd(points, np.ones(3), np.array([[4.0, 0, 0], [5, 0, 0], [100, 0, 0]]))
    assert result.empty_clusters[0] == (1, 1)
    assert np.isfinite(result.centroids).all()
