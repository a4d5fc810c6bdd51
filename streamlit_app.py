"""K-Means image compression: the entry point.

Page config, then the navigation (before any widget: with a pages/ folder present, a widget
made before st.navigation loses its value), then the shared sidebar and the one cached
computation, then the chosen page, then the neighbouring K values computed ahead.
"""

import streamlit as st

from dashboard import session, url_state, views
from dashboard.sidebar import render_sidebar
from kmeans_core.allocator import return_large_blocks

_PAGE_CSS = """<style>
/* A disabled widget's label (the sample list while an upload is shown) stays readable:
   Streamlit's own grey has a contrast of 2.5:1 on the sidebar, WCAG asks for 4.5:1. */
[data-testid="stWidgetLabel"][disabled] p {color: #4b5563;}
/* Source code (How it works): the highlighter's colours darkened to a contrast of at least
   4.5:1 on the code block's grey, as WCAG asks; some of Streamlit's fall short of it. */
[data-testid="stCode"] .token.keyword, [data-testid="stCode"] .token.boolean {color: #1e40af;}
[data-testid="stCode"] .token.string, [data-testid="stCode"] .token.triple-quoted-string
  {color: #166534;}
[data-testid="stCode"] .token.number {color: #9a3412;}
[data-testid="stCode"] .token.comment {color: #4b5563;}
[data-testid="stCode"] .token.function, [data-testid="stCode"] .token.class-name,
[data-testid="stCode"] .token.builtin {color: #5b21b6;}
[data-testid="stCode"] .token.operator, [data-testid="stCode"] .token.punctuation
  {color: #374151;}
/* Phones: metric cards two to a row, not one full-width card under another. */
@media (max-width: 640px) {
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"]
      > [data-testid="stVerticalBlock"] > [data-testid="stElementContainer"]
      > [data-testid="stMetric"]) {
    flex-wrap: wrap;
    & > [data-testid="stColumn"] {min-width: calc(50% - 0.5rem) !important;
      flex: 1 1 40% !important;}
  }
  /* A long formula breaks after a relation or an operator instead of scrolling sideways
     (a box that scrolls is out of reach of the keyboard). */
  .katex-display > .katex > .katex-html {display: flex; flex-wrap: wrap; justify-content: center;
    row-gap: 0.4em;}
}
</style>"""

return_large_blocks()  # sessions compute on threads: keep freed images from piling up
session.freeze_loaded_objects()  # the modules above: no garbage collector pass after every run

st.set_page_config(
    page_title="K-Means image compression",
    page_icon=":material/palette:",
    layout="wide",
    # "auto" folds the sidebar on a phone, where "expanded" would cover the page with it.
    initial_sidebar_state="collapsed" if url_state.presenting_from_url() else "auto",
)

pages = [
    st.Page("pages/compress.py", title="Compress", icon=":material/compare:", default=True),
    st.Page("pages/clusters_3d.py", title="3-D clusters", icon=":material/view_in_ar:"),
    st.Page("pages/convergence.py", title="Convergence", icon=":material/trending_down:"),
    st.Page("pages/step_by_step.py", title="Step by step", icon=":material/footprint:"),
    st.Page("pages/choose_k.py", title="Choose K", icon=":material/tune:"),
    st.Page("pages/compare.py", title="Compare quantizers", icon=":material/leaderboard:"),
    st.Page("pages/codecs.py", title="Is it good compression?", icon=":material/scale:"),
    st.Page("pages/how_it_works.py", title="How it works", icon=":material/school:"),
]
# .streamlit/config.toml hides the sidebar navigation, so that a freshly started server's
# first run, which Streamlit builds from the pages/ folder's file names ("streamlit app",
# "choose k", ...), draws none; this navigation, the app's own, turns it back on.
st.set_option("client.showSidebarNavigation", True)
page = st.navigation(pages)
session.return_to_requested_page(pages)
url_state.load_into_session()
source, settings, presenting = render_sidebar()
url_state.save_from_session(source, settings, presenting)
st.html(_PAGE_CSS)  # style only: Streamlit adds it without taking space on the page
if presenting:
    views.apply_presentation_style()
session.compute(source, settings)
page.run()
session.compute_ahead()  # K - 1 and K + 1, on a background thread, once the page is sent
