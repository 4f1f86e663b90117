"""Supervision as a first-time user meets it (issue 14, items 2, 6 and 7), in a real browser:
from the start page, follow the Supervision link and record a session through its task list,
with a screenshot of each step (in `test-artifacts/supervision/`, ignored by git; or
`RSO_SCREENSHOT_DIR`), axe-core finding no violation of any impact at each step, no first view
taller than four screens, and the same journey done with the keyboard alone at 320 CSS px wide
without horizontal scrolling."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import (
    ARTIFACTS,
    AXE_ANY,
    Screenshots,
    assert_accessible,
    assert_no_traceback,
    private_server,
    user_page,
)
from identities import open_as
from playwright.sync_api import expect

from rso_widgets.commands.serve import ServedWorkbooks

pytestmark = pytest.mark.browser

USER = "new.assessor"
READY = 90_000
WAIT = 20_000
SCREEN = 900
MAX_FIRST_VIEW = 4 * SCREEN  # "no first view taller than about four screens"
SHOTS = Path(os.environ.get("RSO_SCREENSHOT_DIR", ARTIFACTS)) / "supervision"
# the tallest scrolling box on the page (Voilà's lab template scrolls inside the page)
HEIGHT = """() => { let m = document.documentElement.scrollHeight;
  for (const e of document.querySelectorAll('*')) {
    const y = getComputedStyle(e).overflowY;
    if ((y === 'auto' || y === 'scroll') && e.scrollHeight > e.clientHeight + 4)
      m = Math.max(m, e.scrollHeight); }
  return m; }"""
# anything wider than the window: the page itself, or a box scrolling sideways
WIDE = """() => { const w = document.documentElement.clientWidth; const out = [];
  if (document.documentElement.scrollWidth > w + 1) out.push('page ' +
      document.documentElement.scrollWidth);
  for (const e of document.querySelectorAll('.rso-supervision *')) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 1 && getComputedStyle(e).position !== 'fixed'
        && !e.closest('.rso-table'))
      out.push((e.className || e.tagName).toString().slice(0, 60) + ' ' + Math.round(r.right)
               + ' ' + e.outerHTML.slice(0, 80)); }
  return out.slice(0, 5); }"""


def _seed(data: Path) -> None:
    """A new assessor in team North, supervised by Sam: no session yet."""
    from rso_widgets.store import db

    data.mkdir(parents=True)
    with open_as(f"sqlite:///{data / db.DB_FILENAME}", user="lee") as lead:
        team = lead.supervision.create_team("North")
        lead.supervision.add_team_member(team.id, USER, supervisor="sam")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    with private_server(tmp_path_factory, "first-time", USER, seed=_seed) as srv:
        yield srv


class Steps(Screenshots):
    """Each step: a screenshot, axe-core over the whole page (any impact fails), its height."""

    def __init__(self, page, name: str) -> None:
        super().__init__(page, SHOTS / name, full_page=True)
        self.heights: dict[str, int] = {}

    def __call__(self, step: str, *, axe: bool = True) -> int:
        self.page.wait_for_timeout(300)  # let the widgets settle before the picture
        super().__call__(step)
        assert_no_traceback(self.page)
        if axe:
            assert_accessible(self.page, fail_on=AXE_ANY)
        self.heights[step] = self.page.evaluate(HEIGHT)
        return self.heights[step]


def _open_from_start_page(page, server) -> None:
    page.goto(server.url, wait_until="domcontentloaded")
    page.get_by_role("link", name="Supervision", exact=True).click()
    page.get_by_role("button", name="Start a new session").wait_for(timeout=READY)


def test_a_new_user_records_a_session_from_the_start_page(chromium, server):
    """Mouse and keyboard as a new user would: the task list, each section with Continue, a
    mistake shown at the top (focus there) and beside its field, Check your answers, Save."""
    page = user_page(chromium, height=SCREEN)
    context = page.context
    step = Steps(page, "first-time")
    try:
        _open_from_start_page(page, server)
        step("first-view")
        page.get_by_role("button", name="Start a new session").click()
        form = page.locator(".rso-session-start")
        expect(form.get_by_role("heading", name="Record a supervision session")).to_be_visible(
            timeout=WAIT)
        expect(form.locator(".rso-task")).to_have_count(4)
        expect(form).to_contain_text("You have completed 0 of 4 sections.")
        step("task-list")
        form.get_by_role("button", name="Who and when").click()
        supervisor = form.get_by_label("Your supervisor's user name")
        expect(supervisor).to_have_value("sam", timeout=WAIT)  # the assigned supervisor
        step("who-and-when")
        form.get_by_role("button", name="Continue").click()  # the date forgotten
        summary = form.locator(".rso-error-summary")
        expect(summary).to_contain_text("Enter the date of the session", timeout=WAIT)
        go_to = summary.get_by_role("button", name="Enter the date of the session")
        expect(summary.locator(".rso-error-summary-title .widget-html-content")
               ).to_be_focused()  # focus moves to the problems, at the top
        expect(go_to).to_be_visible()  # the message is the link
        step("who-and-when-problem")
        go_to.click()  # (ipywidgets' date picker cannot take focus from the kernel)
        expect(form.get_by_label("Date of the session")).to_be_visible()
        held = dt.date.today() - dt.timedelta(days=1)
        form.get_by_label("Date of the session").fill(held.isoformat())
        form.get_by_role("button", name="Continue").click()
        topic = form.get_by_label("Values and wellbeing", exact=True)
        expect(topic).to_be_visible(timeout=WAIT)
        step("agenda")
        topic.check()
        form.get_by_role("button", name="Continue").click()
        notes = form.get_by_label("Notes", exact=True)
        expect(notes).to_be_visible(timeout=WAIT)
        notes.fill("Talked through a hard week and how to pace visits.")
        step("notes")
        form.get_by_role("button", name="Continue").click()
        form.get_by_role("button", name="Add an agreed action").click(timeout=WAIT)
        form.get_by_label("What will be done (action 1)").fill("Read the pacing guidance")
        form.get_by_label("Who will do it (action 1)").fill(USER)
        form.get_by_label("Due by (action 1)").fill((held + dt.timedelta(days=14)).isoformat())
        step("agreed-actions")
        form.get_by_role("button", name="Continue").click()
        expect(form.get_by_role("heading", name="Check your answers")).to_be_visible(
            timeout=WAIT)
        expect(form).to_contain_text("Read the pacing guidance")
        step("check-answers")
        form.get_by_role("button", name="Save the session").click()
        saved = page.locator(".rso-session-summary")
        expect(saved).to_contain_text(f"Session on {held.day} {held:%B %Y}", timeout=WAIT)
        expect(page.locator(".rso-session-detail")).to_contain_text("is saved")
        step("saved-session")
        page.get_by_role("button", name="Back to my sessions").click()
        expect(page.locator(".rso-session-row")).to_have_count(1, timeout=WAIT)
        step("my-sessions")
        heights = {"sessions": step.heights["first-view"]}
        for tab, heading in (("Observation of practice", "Record an observation of practice"),
                             ("Reflective diary", "Write a diary entry"),
                             ("Development goals", "Your development goals"),
                             ("Sharing and CPD portfolio",
                              "Sharing your results with your team lead"),
                             ("Wellbeing check-in", "Wellbeing check-in")):
            page.get_by_role("tab", name=tab).click()
            expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=WAIT)
            heights[tab] = step(tab.split()[0].lower())
        heights |= {k: step.heights[k] for k in ("task-list", "saved-session")}
        (step.folder / "heights.json").write_text(json.dumps(heights, indent=1))
        tall = {k: v for k, v in heights.items() if v > MAX_FIRST_VIEW}
        assert not tall, f"first views taller than four screens: {tall}"
    finally:
        context.close()


def test_a_session_is_recorded_with_the_keyboard_alone_at_320_px(chromium, server):
    """At 320 CSS px (400% zoom): Tab, Space and Enter only, no horizontal scrolling at any
    step, focus visible; the session is saved."""
    page = user_page(chromium, width=320, height=SCREEN)
    context = page.context
    step = Steps(page, "keyboard-320")
    keys = page.keyboard

    def tab_to(name: str, role: str = "button") -> None:
        target = page.get_by_role(role, name=name, exact=True)
        target.wait_for(timeout=2 * WAIT)  # a busy machine: the kernel answers late
        for _ in range(60):
            if target.evaluate("e => e === document.activeElement"):
                return
            keys.press("Tab")
        raise AssertionError(f"{name!r} cannot be reached with Tab")

    def no_sideways(where: str) -> None:
        wide = page.evaluate(WIDE)
        assert not wide, f"wider than 320 px at {where}: {wide}"

    try:
        _open_from_start_page(page, server)
        no_sideways("the first view")
        step("first-view", axe=False)
        page.locator("body").focus()
        tab_to("Start a new session")
        keys.press("Enter")
        tab_to("Who and when")
        no_sideways("the task list")
        keys.press("Enter")
        tab_to("Date of the session", role="textbox")
        # a date whose day and month are the same number types the same whichever order
        # the browser's date field asks for them (day first in en-GB, month first in en-US)
        held = next(d for d in (dt.date.today() - dt.timedelta(days=n) for n in range(1, 400))
                    if d.day == d.month)
        keys.type(f"{held:%d%m%Y}")
        no_sideways("who and when")
        step("who-and-when", axe=False)
        tab_to("Continue")
        keys.press("Enter")
        tab_to("Values and wellbeing", role="checkbox")
        keys.press("Space")
        tab_to("Continue")
        keys.press("Enter")
        tab_to("Notes", role="textbox")
        keys.type("Kept short.")
        tab_to("Continue")
        keys.press("Enter")
        tab_to("Continue")  # no action agreed
        no_sideways("agreed actions")
        keys.press("Enter")
        tab_to("Save the session")
        no_sideways("check your answers")
        step("check-answers", axe=False)
        keys.press("Enter")
        expect(page.locator(".rso-session-summary")).to_contain_text(
            f"Session on {held.day} {held:%B %Y}", timeout=WAIT)
        no_sideways("the saved session")
        step("saved-session")
        focus = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert focus not in ("none", "hidden"), "focus after saving is not visible"
        for tab, heading in (("Observation of practice", "Record an observation of practice"),
                             ("Reflective diary", "Write a diary entry"),
                             ("Development goals", "Your development goals"),
                             ("Sharing and CPD portfolio",
                              "Sharing your results with your team lead"),
                             ("Wellbeing check-in", "Wellbeing check-in")):
            page.get_by_role("tab", name=tab).click()
            expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=WAIT)
            no_sideways(tab)
    finally:
        context.close()
