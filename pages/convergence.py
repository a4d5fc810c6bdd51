"""Convergence: the WCSS after every iteration, the iterations played back, and random
starts against k-means++."""

import math

import streamlit as st

from dashboard import experiments, figures, session, views
from kmeans_core.settings import DEFAULTS

analysis = session.require()
settings = session.current_settings()
source = session.current_source()
views.page_header("Convergence", analysis, settings)
result = analysis.result
history = result.wcss_history
last = result.iterations

columns = st.columns(4)
drop = f"{100 * (1 - history[-1] / history[0]):.1f} % lower" if history[0] else None
views.stat(
    columns[0],
    "WCSS at the start",
    views.big_number(history[0]),
    "the starting centroids",
    help=f"{history[0]:,.0f} exactly",
)
views.stat(
    columns[1],
    "Final WCSS",
    views.big_number(history[-1]),
    drop,
    help=f"{history[-1]:,.0f} exactly",
)
state = "converged" if result.converged else "stopped at the maximum"
views.stat(columns[2], "Iterations", f"{last}", state)
views.stat(columns[3], "Restarts", f"{result.n_init}", f"kept restart {result.best_run + 1}")


def phase_of(t: int) -> str:
    """Where iteration ``t`` ran."""
    done = 0
    for name, iterations in result.phases:
        done += iterations
        if t <= done:
            return name
    return result.phases[-1][0] if result.phases else "every colour"


def wcss_curve() -> None:
    """The WCSS after every iteration, every restart drawn."""
    log_y = st.toggle("Logarithmic WCSS axis", key="log_wcss")
    histories = [run.wcss_history for run in result.runs]
    views.cached_chart(
        "wcss",
        (source.digest, settings, log_y),
        lambda: figures.wcss_curves(histories, result.best_run, result.phases, log_y),
    )
    if len(result.phases) > 1:
        st.caption(
            "This image has many colours, so the first iterations run on colour grids ("
            + ", then ".join(f"{n} iterations on a {name}" for name, n in result.phases[:-1])
            + f") and the last {result.phases[-1][1]} on every colour. Pixels in one grid cell "
            "share a cluster there; the WCSS plotted is still the exact WCSS over every pixel."
        )


def watch_it_converge() -> None:
    """The image at iteration t, played back."""
    if last == 0:
        st.info("This image has no more colours than K: there is nothing to iterate.")
    else:
        st.session_state["frame"] = min(st.session_state.get("frame", 0), last)
        playing = st.session_state.get("playing", False)
        step = max(1, math.ceil(last / 40))

        @st.fragment(run_every=0.6 if playing else None)
        def playback() -> None:
            if st.session_state.get("playing"):
                if st.session_state["frame"] >= last:
                    st.session_state["playing"] = False
                    st.rerun()  # the whole page, to stop the timer
                st.session_state["frame"] = min(st.session_state["frame"] + step, last)
            controls = st.columns([1, 6])
            label = "Pause" if st.session_state.get("playing") else "Play"
            if controls[0].button(label, icon=":material/play_pause:", width="stretch"):
                starting = not st.session_state.get("playing")
                if starting and st.session_state["frame"] >= last:
                    st.session_state["frame"] = 0
                st.session_state["playing"] = starting
                st.rerun()
            t = controls[1].slider("Iteration", 0, last, key="frame")
            frame = experiments.playback_frame(
                source.digest, settings, t, analysis.photo, result.centroid_history[t]
            )
            left, right = st.columns(2)
            views.encoded_image(
                left,
                frame,
                caption=f"Iteration {t} ({phase_of(t)}): WCSS {history[t]:,.0f}",
                alt=f"{analysis.name} with K = {settings.k} at iteration {t} of {last}",
            )
            views.encoded_image(
                right,
                analysis.compression.preview_png,
                caption=f"The end, iteration {last}: WCSS {history[-1]:,.0f}",
                alt=f"{analysis.name} compressed with K = {settings.k}, after iteration {last}",
            )

        playback()
        st.caption(
            "Iteration 0 shows the starting centroids. Each frame gives every pixel the colour of "
            "its nearest centroid at that iteration, drawn at preview size."
        )


def random_or_kmeans_pp() -> None:
    """Both starts over five seeds, on request."""
    st.markdown(
        f"The exercise starts from K random pixels; k-means++ spreads its starts out. Both run "
        f"{experiments.SEEDS_PER_INIT} times (seeds 0–{experiments.SEEDS_PER_INIT - 1}) on this "
        f"image at K = {settings.k}."
    )
    # Both starts run on the engine; from the exercise's run, at the engine's own defaults.
    engine = DEFAULTS.but(k=settings.k, space=settings.space) if settings.exercise else settings
    starts_key = (source.digest, engine.but(init=DEFAULTS.init, seed=DEFAULTS.seed, n_init=1))
    requested = st.session_state.setdefault("requested_starts", set())
    if st.button("Compare the two starts", icon=":material/compare_arrows:"):
        requested.add(starts_key)
    if starts_key in requested:
        starts = experiments.compare_starts(source.digest, starts_key[1], source.data)
        log_starts = st.toggle("Logarithmic WCSS axis ", value=True, key="log_starts")
        figure = figures.starts_comparison(
            [s.init for s in starts], [s.wcss_history for s in starts], log_starts
        )
        views.plotly_chart(figure, key="starts")
        rows = []
        for init in ("random", "k-means++"):
            runs = [s for s in starts if s.init == init]
            finals = [s.final_wcss for s in runs]
            rows.append(
                {
                    "start": init,
                    "best final WCSS": f"{min(finals):,.0f}",
                    "mean final WCSS": f"{sum(finals) / len(finals):,.0f}",
                    "worst final WCSS": f"{max(finals):,.0f}",
                    "mean iterations": round(sum(s.iterations for s in runs) / len(runs), 1),
                }
            )
        st.dataframe(rows, hide_index=True, width="stretch")


views.sections(
    "convergence_part",
    {
        "The WCSS curve": wcss_curve,
        "Watch it converge": watch_it_converge,
        "Random or k-means++?": random_or_kmeans_pp,
    },
)
