"""Accessibility checks in the browser: axe-core injected into the page, and keyboard focus.

axe-core is the npm package pinned in ``tests/e2e/package.json``; ``npm ci --prefix
tests/e2e`` (run by ``.ci/run``) installs it into ``tests/e2e/node_modules`` (git-ignored).
It runs inside the page, on the live DOM, with its default rules (WCAG 2.x A and AA and
best practices).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_INSTALL_HINT = "install it with `npm ci --prefix tests/e2e` (or run .ci/run)"
BLOCKING_IMPACTS = ("critical", "serious")

_RUN_AXE = """async () => {
    const results = await axe.run(document, {resultTypes: ['violations']});
    return results.violations.map(v => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map(n => n.target.join(' ')),
    }));
}"""


def missing_axe() -> str | None:
    """Why axe-core cannot run here, or None when it can."""
    if not AXE_SCRIPT.is_file():
        return f"axe-core is missing: no {AXE_SCRIPT}; {AXE_INSTALL_HINT}"
    return None


def axe_violations(page: Page) -> list[dict]:
    """Every axe-core violation on the page as it is now: id, impact, help, nodes."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=AXE_SCRIPT)
    return page.evaluate(_RUN_AXE)


def blocking_violations(page: Page) -> list[str]:
    """The critical and serious violations, one readable line each."""
    return [
        f"{v['impact']} {v['id']} ({v['help']}) on {len(v['nodes'])} elements: "
        + ", ".join(v["nodes"][:3])
        for v in axe_violations(page)
        if v["impact"] in BLOCKING_IMPACTS
    ]


def focused(page: Page) -> dict:
    """What has the keyboard focus: its role, aria-label, text and test id (of itself or
    the nearest ancestor that has one)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el) return {};
            const holder = el.closest('[data-testid]');
            return {
                tag: el.tagName.toLowerCase(),
                role: el.getAttribute('role') || '',
                label: el.getAttribute('aria-label') || '',
                text: (el.innerText || '').trim().slice(0, 80),
                testid: holder ? holder.getAttribute('data-testid') : '',
            };
        }"""
    )


def tab_until(page: Page, wanted, target: Locator, most: int = 60, backwards: bool = False) -> dict:
    """Press Tab (Shift+Tab when ``backwards``) until ``wanted(focused(page))`` holds;
    return what has the focus then. Raise AssertionError after ``most`` presses.

    ``target`` is the element expected to get the focus. Tabbing starts once it is drawn and
    enabled: Streamlit draws a page's text first and some widgets (select boxes, sliders,
    radios) up to half a second later, when their code has loaded, and Tab skips what is
    not there yet.
    """
    expect(target).to_be_enabled(timeout=30_000)
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for _ in range(most):
        page.keyboard.press(key)
        now = focused(page)
        if wanted(now):
            return now
        seen.append(now.get("label") or now.get("text") or now.get("tag"))
    raise AssertionError(f"{most} × {key} never reached it; the focus went through {seen}")
