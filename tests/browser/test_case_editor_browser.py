"""A trainer writes a case in a real browser: from the start page, a copy of a shipped case, a
mistake shown on its field as they leave it, the engine beside the key, the preview, check answers
and save. Screenshots of each step go to `test-artifacts/case-editor/` (git-ignored); axe-core
(any impact) on the first view and on the task list; 320 px wide without horizontal scrolling."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import AXE_ANY, assert_accessible, assert_no_traceback, private_server
from playwright.sync_api import expect

from rso_widgets.commands.serve import ServedWorkbooks

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
READY = 90_000
WAIT = 30_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    with private_server(tmp_path_factory, "cases", "browser.trainer") as srv:
        yield srv


def test_a_trainer_writes_a_case_from_a_copy(chromium, server):
    shots = ROOT / "test-artifacts" / "case-editor"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    try:
        page.goto(server.url, wait_until="domcontentloaded")
        page.get_by_role("link", name="Write a training case").click()
        start = page.get_by_role("button", name="Start", exact=True)
        start.wait_for(state="visible", timeout=READY)
        assert_no_traceback(page)
        assert_accessible(page, fail_on=AXE_ANY)
        page.screenshot(path=shots / "1-start.png")
        page.get_by_label("Start from").select_option(label="A copy of TC-01: Mr Brantingby: one "
                                                            "conviction, a long marriage")
        start.click()
        expect(page.get_by_text("You have completed 6 of 6 sections.")).to_be_visible(
            timeout=WAIT)
        assert_accessible(page, fail_on=AXE_ANY)
        page.screenshot(path=shots / "2-task-list.png", full_page=True)
        page.get_by_role("button", name="The person", exact=True).click()
        dob = page.get_by_label("Date of birth", exact=True)
        dob.fill("1968-02-30")
        dob.press("Tab")  # checked when the trainer leaves the box
        expect(page.get_by_text("is not a date that exists").first).to_be_visible(timeout=WAIT)
        page.screenshot(path=shots / "3-mistake.png")
        dob.fill("1968-04-22")
        dob.press("Tab")
        expect(page.get_by_text("is not a date that exists")).to_have_count(0, timeout=WAIT)
        page.get_by_role("button", name="Back to the task list", exact=True).click()
        page.get_by_role("button", name="Preview the case file as trainees see it").click()
        expect(page.get_by_text("Fictional training case. The person").first).to_be_visible(
            timeout=WAIT)
        page.set_viewport_size({"width": 320, "height": 800})
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 321, f"scrolls sideways at 320 px: {width}px"
        page.set_viewport_size({"width": 1200, "height": 900})
        page.get_by_role("button", name="Check your answers", exact=True).click()
        page.get_by_role("button", name="Save to your case folder", exact=True).click()
        expect(page.get_by_text("Saved as tc-101-local.yaml")).to_be_visible(timeout=WAIT)
        assert_no_traceback(page)
        page.screenshot(path=shots / "4-saved.png", full_page=True)
    finally:
        context.close()
