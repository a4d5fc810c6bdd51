"""K-Means image compression: the entry point.

Page config, then the navigation (before any widget: see GUIDE fact 1), then the shared
sidebar and the one cached computation, then the chosen page.
"""

import streamlit as st

from dashboard import session, url_state, views
from dashboard.sidebar import render_sidebar
from kmeans_core.allocator import return_large_blocks

return_large_blocks()  # sessions compute on threads: keep freed images from piling up

st.set_page_config(
    page_title="K-Means image compression",
    page_icon=":material/palette:",
    layout="wide",
    initial_sidebar_state="collapsed" if url_state.presenting_from_url() else "expanded",
)

pages = [
    st.Page("pages/compress.py", title="Compress", icon=":material/compare:", default=True),
    st.Page("pages/clusters_3d.py", title="3-D clusters", icon=":material/view_in_ar:"),
    st.Page("pages/convergence.py", title="Convergence", icon=":material/trending_down:"),
    st.Page("pages/choose_k.py", title="Choose K", icon=":material/tune:"),
    st.Page("pages/compare.py", title="Compare quantizers", icon=":material/leaderboard:"),
    st.Page("pages/codecs.py", title="Is it good compression?", icon=":material/scale:"),
    st.Page("pages/how_it_works.py", title="How it works", icon=":material/school:"),
]
page = st.navigation(pages)
session.return_to_requested_page(pages)
url_state.load_into_session()
source, settings, presenting = render_sidebar()
url_state.save_from_session(source, settings, presenting)
if presenting:
    views.apply_presentation_style()
session.compute(source, settings)
page.run()
