"""Step by step: the exercise's own run, one half-step at a time; its animation, played in
the browser; and what bad starts do."""

import streamlit as st

from dashboard import session, step_figures, steps, views
from kmeans_core.steps import START

STEP_KEY = "half_step"

analysis = session.require()
settings = session.current_settings()
source = session.current_source()
exercise = settings.as_exercise()
views.page_header("Step by step", analysis, exercise)
st.markdown(
    f"The classic exercise's own run: K = {exercise.k} random pixels as the starting "
    f"centroids (`kmeans_init_centroids(X, K, seed={exercise.seed})`), then Lloyd's two "
    f"half-steps on every pixel, at most {exercise.max_iter} iterations, stopping early "
    "only if nothing changes. Each step below is one half-step."
)
if not settings.exercise:
    st.caption(
        "The other pages show the engine's run. Choose **The exercise's run** under "
        "Starting centroids in the sidebar to see this run on every page."
    )
run = steps.exercise_steps(source.digest, exercise, source.data)
if run.iterations == 0:
    st.info("This image has no more colours than K: there is nothing to iterate.")
    st.stop()

last = len(run.steps) - 1
if st.session_state.get(STEP_KEY, 0) > last:  # a shorter run than the one stepped through
    st.session_state[STEP_KEY] = last


def move(by: int) -> None:
    st.session_state[STEP_KEY] = min(max(st.session_state.get(STEP_KEY, 0) + by, 0), last)


# Each part reruns alone (st.fragment): a step through the run does not rebuild the
# animation, nor a speed change the step view. The step view's two small charts change with
# every step and are built each time; the animation is built once (views.cached_chart).
@st.fragment
def step_through() -> None:
    """Previous, Next and a slider over the half-steps, and everything that follows them."""
    controls = st.columns([1, 1, 5], vertical_alignment="bottom")
    controls[0].button(
        "Previous", icon=":material/skip_previous:", on_click=move, args=(-1,), width="stretch"
    )
    controls[1].button(
        "Next", icon=":material/skip_next:", on_click=move, args=(1,), width="stretch"
    )
    number = controls[2].select_slider(
        "Half-step",
        options=range(last + 1),
        format_func=lambda n: run.steps[n].name,
        key=STEP_KEY,
    )
    step = run.steps[number]
    state = steps.step_state(run, step)
    st.subheader(f"Step {number} of {last}: {step.title}")
    st.markdown(steps.explanation(step, run.k))
    numbers = st.columns(3)
    previous = run.steps[number - 1].wcss if number > 1 else None
    if step.wcss is None:
        views.stat(numbers[0], "WCSS", "—", "no pixel is assigned yet")
    else:
        change = (
            f"{100 * (step.wcss / previous - 1):+.2f} % from step {number - 1}"
            if previous
            else "the first assignment"
        )
        views.stat(numbers[0], "WCSS", views.big_number(step.wcss), change, f"{step.wcss:,.0f}")
    views.stat(numbers[1], "Iteration", f"{step.iteration} of {run.iterations}", step.kind)
    views.stat(
        numbers[2],
        "The run",
        "converged" if run.converged else f"{run.iterations} iterations",
        "a fixed point: nothing changes" if run.converged else "the exercise's limit",
    )
    left, right = st.columns([0.55, 0.45])
    with left:
        views.plotly_chart(step_figures.step_scene(run.sample_rgb, state), "step_scene")
        st.caption(
            f"{len(run.sample_rgb):,} of the pixels, in the colour of their cluster's centroid "
            "(grey before the first assignment); the centroids with the trail of where they "
            "have been."
        )
    image, image_format = steps.step_view_image(
        source.digest, exercise, number, run, analysis.photo
    )
    what = (
        "the photo, before any assignment"
        if step.kind == START
        else "every pixel in its centroid's colour"
    )
    views.encoded_image(
        right,
        image,
        caption=f"Step {number}, {step.title}: {what}",
        alt=f"{analysis.name} at step {number} of the exercise's run, {step.title}, K = {run.k}",
        image_format=image_format,
    )
    wcss_steps = [s for s in run.steps if s.wcss is not None]
    views.plotly_chart(
        step_figures.half_step_wcss(
            [s.number for s in wcss_steps],
            [s.kind for s in wcss_steps],
            [s.wcss for s in wcss_steps],
            number,
        ),
        "half_step_wcss",
    )
    st.caption(
        "The WCSS falls at every half-step: an Assign gives each pixel a centroid at least as "
        "close as its last one, and an Update moves each centroid to the one point nearest, in "
        "squared distance, to all of its pixels: their mean."
    )


@st.fragment
def animation() -> None:
    """Every half-step as one Plotly animation, played in the browser."""
    speed = st.segmented_control(
        "Speed", list(step_figures.SPEEDS_MS), default="Normal", key="step_speed"
    )
    frame_ms = step_figures.SPEEDS_MS[speed or "Normal"]
    views.cached_chart(  # 21 frames of Plotly objects: most of a second to build
        "steps_animation",
        (source.digest, exercise, frame_ms),
        lambda: step_figures.steps_animation(
            run.sample_rgb, [steps.step_state(run, s, with_image=True) for s in run.steps], frame_ms
        ),
    )
    note = (
        f" It shows the first {steps.ANIMATED_ITERATIONS} of the run's {run.iterations} iterations."
        if run.iterations > steps.ANIMATED_ITERATIONS
        else ""
    )
    st.caption(
        f"One frame per half-step ({len(run.steps)} frames), played by Plotly in your browser: "
        f"nothing is asked of the server while it plays.{note}"
    )


def bad_starts() -> None:
    """The exercise's start from several seeds, on request: where each ends."""
    st.markdown(
        f"Random pixels can start badly: two centroids in one cluster, none in another. Run the "
        f"exercise from {steps.BAD_START_SEEDS} seeds and compare where each ends."
    )
    starts_key = (source.digest, exercise.but(seed=0))
    requested = st.session_state.setdefault("requested_bad_starts", set())
    if st.button(
        f"Run the exercise's start with {steps.BAD_START_SEEDS} seeds", icon=":material/casino:"
    ):
        requested.add(starts_key)
    if starts_key in requested:
        outcomes = steps.bad_starts(source.digest, starts_key[1], source.data)
        views.bad_starts(outcomes, analysis.name, run.k)


# Each part is a tab, only the open one drawn: the step view and the animation each hold a
# 3-D view, which a browser without WebGL on a graphics card (headless Chromium, or any
# browser that falls back to software WebGL) draws for seconds each.
views.sections(
    "step_part",
    {
        "Step through it": step_through,
        "Play it in the browser": animation,
        "Bad starts": bad_starts,
    },
)
