"""Convergence: the WCSS after every iteration, for every restart."""

import streamlit as st

from dashboard import figures, session, views

analysis = session.require()
views.page_header("Convergence", analysis, session.current_settings())
result = analysis.result
history = result.wcss_history
columns = st.columns(4)
drop = f"{100 * (1 - history[-1] / history[0]):.1f} % lower" if history[0] else None
views.stat(columns[0], "WCSS at the start", f"{history[0]:,.0f}", "the starting centroids")
views.stat(columns[1], "Final WCSS", f"{history[-1]:,.0f}", drop)
state = "converged" if result.converged else "stopped at the maximum"
views.stat(columns[2], "Iterations", f"{result.iterations}", state)
views.stat(columns[3], "Restarts", f"{result.n_init}", f"kept restart {result.best_run + 1}")
log_y = st.toggle("Logarithmic WCSS axis", key="log_wcss")
histories = [run.wcss_history for run in result.runs]
views.plotly_chart(figures.wcss_curves(histories, result.best_run, result.phases, log_y), "wcss")
if len(result.phases) > 1:
    st.caption(
        "This image has many colours, so the first iterations run on colour grids "
        "(" + ", then ".join(f"{n} iterations on a {name}" for name, n in result.phases[:-1]) + ") "
        f"and the last {result.phases[-1][1]} on every colour. Pixels in one grid cell share "
        "a cluster there; the WCSS plotted is still the exact WCSS over every pixel."
    )
