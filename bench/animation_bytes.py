"""Bytes of the Step by step animation: what one Plotly figure with a frame per half-step
costs a browser to fetch, for the exercise's run on each bundled sample.

python -m bench.animation_bytes [--k 16]

The figure is built exactly as the page builds it (dashboard.steps, dashboard.step_figures)
and measured as the JSON Streamlit sends (``figure.to_json()``); the images and the
rest (points' cluster numbers, centroids, trails, layout) are counted apart.
"""

from __future__ import annotations

import argparse
import logging

from dashboard import step_figures, steps
from dashboard.samples import SAMPLES
from kmeans_core.settings import EXERCISE


def measure(sample, k: int) -> dict:
    data = sample.read()
    digest = sample.key  # any stable key: the caches are this process's own
    run = steps.exercise_steps(digest, EXERCISE.but(k=k), data)
    states = [steps.step_state(run, s, with_image=True) for s in run.steps]
    figure = step_figures.steps_animation(run.sample_rgb, states, step_figures.SPEEDS_MS["Normal"])
    total = len(figure.to_json())
    images = sum(len(state.image_url) for state in states)
    return {
        "sample": sample.title,
        "iterations": run.iterations,
        "frames": len(states),
        "points": len(run.sample_rgb),
        "total_kb": total / 1000,
        "images_kb": images / 1000,
        "per_frame_kb": total / len(states) / 1000,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=16)
    args = parser.parse_args(argv)
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # bare mode: no session here
    print(f"Step by step animation, the exercise's run at K = {args.k} (seed 0)")
    print("| Sample | Iterations | Frames | Points | Figure JSON | of which images | a frame |")
    print("|---|---|---|---|---|---|---|")
    for sample in SAMPLES:
        if sample.key == "chart":
            continue  # fewer colours than most K: little to animate
        row = measure(sample, args.k)
        print(
            f"| {row['sample']} | {row['iterations']} | {row['frames']} | {row['points']:,} "
            f"| {row['total_kb']:,.0f} kB | {row['images_kb']:,.0f} kB "
            f"| {row['per_frame_kb']:,.1f} kB |"
        )


if __name__ == "__main__":
    main()
