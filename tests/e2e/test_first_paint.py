"""The first page a freshly started server sends never shows Streamlit's navigation made
from the file names in ``pages/`` ("streamlit app", "choose k", ...), not even for a moment.

Each case starts a server of its own (the file-name navigation only ever appears before the
first ``st.navigation`` call since the server started) and installs, before the page's
first byte arrives, a MutationObserver that writes down every set of navigation links the
page ever holds in its DOM, drawn or not, until the page has settled.

The control case runs the same watcher against the same server with the file-name
navigation left on (``--client.showSidebarNavigation true``): it must see the file names,
so the watcher is known to catch them.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from . import app
from .server import StreamlitServer

pytestmark = pytest.mark.browser

FILE_NAME_TITLES = {"streamlit app", "choose k", "clusters 3d", "compare", "compress"}
WATCH_NAVIGATION = """
window.__navigations = [];
const record = () => {
    const links = Array.from(document.querySelectorAll("[data-testid='stSidebarNavLink']"))
        .map(link => link.innerText.trim().split('\\n').pop());
    const seen = window.__navigations;
    const last = seen.length ? seen[seen.length - 1] : null;
    if (links.length && (!last || last.join('|') !== links.join('|'))) seen.push(links);
};
new MutationObserver(record).observe(document, {subtree: true, childList: true});
"""
SETTLE_MS = 1500  # after the page is idle: a late navigation message would land in this time


def navigations_seen(server: StreamlitServer, page: Page, path: str) -> list[list[str]]:
    """Every distinct list of navigation links the page held from its first byte on."""
    page.add_init_script(WATCH_NAVIGATION)
    page.goto(f"{server.url}/{path}")
    app.wait_for_page(page)
    page.wait_for_timeout(SETTLE_MS)
    app.wait_idle(page)
    return page.evaluate("window.__navigations")


def file_names_in(navigations: list[list[str]]) -> list[list[str]]:
    return [links for links in navigations if FILE_NAME_TITLES & set(links)]


@pytest.mark.parametrize("path", ["", "convergence?sample=chelsea&k=8"], ids=["home", "deep-link"])
def test_a_fresh_server_never_shows_file_names(page: Page, path: str):
    with StreamlitServer(f"first-paint-{path.split('?')[0] or 'home'}") as server:
        navigations = navigations_seen(server, page, path)
    assert not file_names_in(navigations), f"file-name navigation shown: {navigations}"
    assert navigations, "no navigation was ever shown"
    assert navigations[-1] == list(app.PAGES), navigations


def test_the_watcher_sees_the_file_names_when_they_are_shown(page: Page):
    options = ["--client.showSidebarNavigation", "true"]
    with StreamlitServer("first-paint-control", options=options) as server:
        navigations = navigations_seen(server, page, "")
    assert file_names_in(navigations), (
        "the watcher saw no file-name navigation with it switched on; if Streamlit no longer "
        f"shows one, the workaround in streamlit_app.py can go: {navigations}"
    )
    assert navigations[-1] == list(app.PAGES), navigations
