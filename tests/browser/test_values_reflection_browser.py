"""A first-time user completes the values reflection in a real browser: from the start page,
through the task list one section at a time (keyboard for the answers), check answers, save;
then the page shows it is saved and private. Screenshots of each step go to
`test-artifacts/values-reflection/` (git-ignored). axe-core (any impact) on the first view and on
check answers; 320 px wide without horizontal scrolling."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import AXE_ANY, assert_accessible, assert_no_traceback, private_server
from playwright.sync_api import expect

from rso_widgets.commands.serve import ServedWorkbooks
from rso_widgets.supervision.reflection import load_values_reflection

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
READY = 90_000
WAIT = 20_000
FORM = load_values_reflection()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    with private_server(tmp_path_factory, "values", "browser.assessor") as srv:
        yield srv


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"scrolls sideways: {width}px wide"


def test_a_new_user_completes_the_values_reflection(chromium, server):
    shots = ROOT / "test-artifacts" / "values-reflection"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    try:
        page.goto(server.url, wait_until="domcontentloaded")
        page.screenshot(path=shots / "0-start.png")
        page.get_by_role("link", name="Values reflection").click()
        first = page.get_by_role("button", name="Change and desistance", exact=True)
        first.wait_for(state="visible", timeout=READY)
        assert_no_traceback(page)
        expect(page.get_by_text("You have completed 0 of 3 sections.")).to_be_visible()
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= 4 * 900, f"first view is {height}px tall"
        assert_accessible(page, fail_on=AXE_ANY)
        page.screenshot(path=shots / "1-task-list.png")
        first.focus()
        page.keyboard.press("Enter")
        for n, theme in enumerate(FORM.themes):
            expect(page.get_by_text(f"Section {n + 1} of 3")).to_be_visible(timeout=WAIT)
            for item in FORM.items_of(theme.id):
                box = page.get_by_label(item.statement, exact=True)
                box.focus()
                box.select_option(label="Agree")
            page.screenshot(path=shots / f"2-section-{n + 1}.png", full_page=True)
            page.get_by_role("button", name="Continue", exact=True).click()
        expect(page.get_by_role("heading", name="Check your answers")).to_be_visible(
            timeout=WAIT)
        assert_accessible(page, fail_on=AXE_ANY)
        page.set_viewport_size({"width": 320, "height": 800})
        no_sideways_scroll(page)
        page.screenshot(path=shots / "3-check-answers-320.png", full_page=True)
        page.set_viewport_size({"width": 1200, "height": 900})
        page.get_by_role("button", name="Save my reflection", exact=True).click()
        expect(page.get_by_text("Your reflection is saved")).to_be_visible(timeout=WAIT)
        expect(page.get_by_text("This is your first reflection")).to_be_visible()
        assert_no_traceback(page)
        page.screenshot(path=shots / "4-saved.png", full_page=True)
    finally:
        context.close()
    assert len(list(shots.glob("*.png"))) == 7


def test_a_wellbeing_check_in_from_the_supervision_page(chromium, server):
    """The check-in is a tab of the supervision page: answer the four questions with the
    keyboard, save, and support is offered when an answer suggests strain."""
    shots = ROOT / "test-artifacts" / "wellbeing"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    try:
        page.goto(server.url, wait_until="domcontentloaded")
        page.get_by_role("link", name="Supervision").click()
        tab = page.get_by_role("tab", name="Wellbeing check-in")
        tab.wait_for(state="visible", timeout=READY)
        tab.click()
        save = page.get_by_role("button", name="Save my check-in", exact=True)
        save.wait_for(state="visible", timeout=WAIT)
        save.click()  # nothing chosen: every question named at once
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible(
            timeout=WAIT)
        assert_accessible(page, fail_on=AXE_ANY)
        page.screenshot(path=shots / "1-problems.png", full_page=True)
        for label, answer in (("How is your workload at the moment?", "More than I can manage"),
                              ("How much has the work stayed with you outside work recently?",
                               "A little"),
                              ("Do you feel you have the support you need?", "Partly")):
            box = page.get_by_label(label, exact=True)
            box.focus()
            box.select_option(label=answer)
        page.get_by_label(re.compile("^In the last month")).select_option(label="Some")
        save.click()
        expect(page.get_by_text("Your check-in is saved")).to_be_visible(timeout=WAIT)
        expect(page.get_by_text("Samaritans").first).to_be_visible()
        assert_no_traceback(page)
        assert_accessible(page, fail_on=AXE_ANY)
        page.set_viewport_size({"width": 320, "height": 800})
        no_sideways_scroll(page)
        page.screenshot(path=shots / "2-saved-320.png", full_page=True)
    finally:
        context.close()
