"""Choose K: WCSS, PSNR and compression ratio against K, computed on request."""

import streamlit as st

from dashboard import figures, session, views
from dashboard.analysis import SWEEP_KS, sweep_k
from dashboard.settings import without_k

analysis = session.require()
settings = session.current_settings()
source = session.current_source()
views.page_header("Choose K", analysis, settings)
st.markdown(
    f"Runs K-Means at K = {', '.join(map(str, SWEEP_KS))} on this image with your other "
    "settings. More colours always lower the WCSS; the **elbow** is where adding more "
    "stops paying off."
)
sweep_key = (source.digest, without_k(settings))
requested = st.session_state.setdefault("requested_sweeps", set())
if st.button("Compute the K sweep", type="primary", icon=":material/play_arrow:"):
    requested.add(sweep_key)
if sweep_key in requested:
    rows = sweep_k(*sweep_key, source.data)
    ks = [row.k for row in rows]
    figure = figures.k_sweep(
        ks, [r.wcss for r in rows], [r.psnr for r in rows], [r.ratio for r in rows], settings.k
    )
    views.plotly_chart(figure, key="k_sweep")
    knee = figures.elbow(ks, [r.wcss for r in rows])
    st.markdown(
        f"★ **Elbow at K = {knee}**: past it, each doubling of K buys less. "
        f":red[Dashed red line: your K = {settings.k}.]"
    )
    st.dataframe(
        [
            {
                "K": r.k,
                "colours used": r.colors_used,
                "WCSS": f"{r.wcss:,.0f}",
                "MSE": round(r.mse, 2),
                "PSNR (dB)": round(r.psnr, 2),
                "ratio (×)": round(r.ratio, 3),
                "indexed PNG": views.human_bytes(r.png_bytes),
                "iterations": r.iterations,
                "seconds": round(r.seconds, 2),
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
    )
else:
    st.caption(
        "Each K is a full run on every pixel; "
        "on a 12-megapixel photo the whole sweep takes a few seconds."
    )
