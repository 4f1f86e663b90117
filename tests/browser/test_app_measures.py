"""Every app measured the same way (issue 14, items 2 and 6), for the closing note: at 1280×800
its first view is at most about four screens tall (3,200 px); axe-core finds no violation of
any impact in its first view and in its main state (`test_accessibility.APPS`: the state that
shows its main content and, where cheap, its error summary); and at 320 CSS px wide (400% zoom)
nothing needs horizontal scrolling, in both states. The figures go to
`test-artifacts/measures/summary.json` (git-ignored; `RSO_TEST_ARTIFACTS` moves it), with a
screenshot of each state."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import (
    OVERFLOW,
    assert_no_traceback,
    axe_violations,
    describe_violations,
    merged_summary,
    private_server,
)
from test_accessibility import APPS, READY_TIMEOUT, USER, seed

from rso_widgets.commands.serve import ServedWorkbooks

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("RSO_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "measures"
SCREEN = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 800}
MAX_FIRST_VIEW = 4 * SCREEN["height"]  # "no first view taller than about four screens"
# the page's height, or the tallest box that scrolls inside it (Voilà's lab template may)
HEIGHT = """() => { let m = document.documentElement.scrollHeight;
  for (const e of document.querySelectorAll('*')) {
    const y = getComputedStyle(e).overflowY;
    if ((y === 'auto' || y === 'scroll') && e.scrollHeight > e.clientHeight + 4)
      m = Math.max(m, e.scrollHeight); }
  return Math.round(m); }"""
# the content itself (the cells in <main>), which may be shorter than the window
CONTENT = """() => Math.round(Math.max(0, ...[...document.querySelectorAll('main')]
  .map(m => m.scrollHeight)))"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    with private_server(tmp_path_factory, "measures", USER, seed=seed) as srv:
        yield srv


@pytest.fixture(scope="module")
def summary() -> Iterator[dict]:
    with merged_summary(ARTIFACTS) as found:
        yield found


def narrow_problems(page) -> dict | None:
    """None when nothing needs horizontal scrolling at 320 CSS px; else what sticks out."""
    page.set_viewport_size(NARROW)
    try:
        page.wait_for_timeout(500)  # the layout settles
        found = page.evaluate(OVERFLOW)
    finally:
        page.set_viewport_size(SCREEN)
        page.wait_for_timeout(200)
    return None if found["scroll"] <= found["width"] + 1 and not found["bad"] else found


@pytest.mark.parametrize("notebook", list(APPS))
def test_app_first_view_axe_and_320px(chromium, server, summary, notebook):
    ready_name, bring_to_main_state = APPS[notebook]
    context = chromium.new_context(viewport=SCREEN, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    folder = ARTIFACTS / notebook
    folder.mkdir(parents=True, exist_ok=True)
    record: dict = {}
    summary[notebook] = record
    first: list[dict] = []
    main: list[dict] = []
    try:
        page.goto(f"{server.url}voila/render/{notebook}.ipynb", wait_until="commit")
        ready = page.get_by_role("button", name=ready_name, exact=True)
        ready.wait_for(state="visible", timeout=READY_TIMEOUT)
        page.wait_for_timeout(500)
        assert_no_traceback(page)
        record["first_view_height_px"] = page.evaluate(HEIGHT)
        record["first_view_content_px"] = page.evaluate(CONTENT)
        page.screenshot(path=str(folder / "1-first-view.png"), full_page=True)
        first = axe_violations(page)  # any impact: each is listed and fails the test
        record["axe_first_view"] = [f"{v['impact']} {v['id']}" for v in first]
        record["320px_first_view"] = narrow_problems(page) or "no horizontal scrolling"
        bring_to_main_state(page, ready)
        page.wait_for_timeout(500)
        assert_no_traceback(page)
        page.screenshot(path=str(folder / "2-main-state.png"), full_page=True)
        main = axe_violations(page)
        record["axe_main_state"] = [f"{v['impact']} {v['id']}" for v in main]
        record["320px_main_state"] = narrow_problems(page) or "no horizontal scrolling"
    finally:
        context.close()
    assert record["first_view_height_px"] <= MAX_FIRST_VIEW, record
    assert not first and not main, (f"{notebook}: first view\n{describe_violations(first)}\n"
                                    f"main state\n{describe_violations(main)}")
    assert record["320px_first_view"] == record["320px_main_state"] == \
        "no horizontal scrolling", record


def test_start_page_height_axe_and_320px(chromium, server, summary):
    """The start page, measured the same way (it has one state)."""
    context = chromium.new_context(viewport=SCREEN, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(server.url, wait_until="domcontentloaded")
        page.get_by_role("heading", level=1).wait_for()
        record = summary["start_page"] = {"first_view_height_px": page.evaluate(HEIGHT),
                                          "first_view_content_px": page.evaluate(CONTENT)}
        found = axe_violations(page)
        record["axe_first_view"] = [f"{v['impact']} {v['id']}" for v in found]
        record["320px_first_view"] = narrow_problems(page) or "no horizontal scrolling"
    finally:
        context.close()
    assert record["first_view_height_px"] <= MAX_FIRST_VIEW, record
    assert not found, describe_violations(found)
    assert record["320px_first_view"] == "no horizontal scrolling", record
