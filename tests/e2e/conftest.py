"""Fixtures for the browser tests: a real streamlit server, Debian's Chromium, photos.

Chromium: ``/usr/bin/chromium`` (``apt-get install -y chromium``); never ``playwright
install``; axe-core: ``npm ci --prefix tests/e2e``. When either is missing the tests that
need it fail if ``CI`` is set, and are skipped with a message otherwise. Server logs and
screenshots go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from . import accessibility, app, files
from .server import StreamlitServer

# expect()'s own default is 5 s: on a busy 2-core machine a rerun can take longer. A failure
# guard only; a test that waits for a computation gives its own, longer timeout.
expect.set_options(timeout=30_000)

E2E_DIR = Path(__file__).resolve().parent
CHROMIUM = app.CHROMIUM
INSTALL_HINT = "install it with `apt-get install -y chromium` (or run .ci/run)"


def _missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        return f"Chromium is missing: no executable at {CHROMIUM}; {INSTALL_HINT}"
    return None


def pytest_collection_modifyitems(config, items) -> None:
    """Every test in this folder drives a browser: make sure it carries the marker."""
    for item in items:
        if E2E_DIR in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item) -> None:
    """No Chromium: fail in CI (a skipped suite must not look green), skip elsewhere."""
    if item.get_closest_marker("browser") is None:
        return
    _fail_in_ci_else_skip(_missing_browser())


def _fail_in_ci_else_skip(problem: str | None) -> None:
    """A tool is missing: fail in CI (a skipped suite must not look green), skip elsewhere."""
    if problem is None:
        return
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{problem}. CI is set, so the browser tests fail.", pytrace=False)
    pytest.skip(problem)


@pytest.fixture(scope="session")
def axe() -> None:
    """axe-core's script is installed (``npm ci --prefix tests/e2e``)."""
    _fail_in_ci_else_skip(accessibility.missing_axe())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)  # for the screenshot on failure
    return report


# --- the browser (pytest-playwright's fixtures, pointed at Debian's Chromium) ---------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": app.LAUNCH_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": app.VIEWPORT, "accept_downloads": True}


@pytest.fixture
def page(page, request):
    """pytest-playwright's page with a generous timeout. If the test fails, its screenshot is
    kept and the browser's console errors are printed (a lost connection shows up there)."""
    page.set_default_timeout(app.RUN_TIMEOUT_MS)
    console_errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.on("pageerror", lambda error: console_errors.append(f"page error: {error}"))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not page.is_closed():
        print("browser console errors:", *console_errors or ["none"], sep="\n  ")
        try:
            app.screenshot(page, f"FAILED-{request.node.name}")
        except Exception as exc:  # a dead page must not hide the test's own failure
            print(f"no failure screenshot: {exc}")


@pytest.fixture(scope="session", autouse=True)
def _fresh_screenshots() -> None:
    """Screenshots are this run's only: clear those of an earlier run."""
    shutil.rmtree(app.SCREENSHOTS, ignore_errors=True)
    app.SCREENSHOTS.mkdir(parents=True)


# --- servers ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def app_server() -> Iterator[StreamlitServer]:
    """One streamlit server for the whole session (log: test-artifacts/streamlit-session.log)."""
    with StreamlitServer("session") as server:
        yield server


@pytest.fixture(scope="module")
def fresh_server(request) -> Iterator[StreamlitServer]:
    """A streamlit server of this module's own, so that its peak memory (VmHWM) is this
    module's alone."""
    with StreamlitServer(request.module.__name__.rsplit(".", 1)[-1]) as server:
        yield server


# --- files -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def photo_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("photos")


@pytest.fixture(scope="session")
def photo_12mp(photo_dir: Path) -> files.Photo:
    """A 4000×3000 photo-like JPEG (quality 90, sensor-like noise): a phone photo's size."""
    return files.photo_jpeg(photo_dir / "phone-12mp.jpg", (4000, 3000), "chelsea", seed=12)


@pytest.fixture(scope="session")
def chelsea() -> files.Photo:
    """The bundled 451×300 PNG of Chelsea the cat, uploaded as a user's file."""
    return files.Photo(files.SAMPLES / "chelsea.png", *files.sample_size("chelsea"))
