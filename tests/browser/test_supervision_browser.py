"""Supervision and team quality in a real browser against a live `rso-workbook serve` (its own
server and data directory). The signed-in user leads team North (Alex, Bo and Cam, supervised by
Sam, none sharing their own results) and is themselves supervised by Sam."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import assert_no_traceback, private_server
from playwright.sync_api import expect

from rso_widgets.commands.serve import ServedWorkbooks

pytestmark = pytest.mark.browser

SUPERVISION = "voila/render/supervision.ipynb"
TEAM = "voila/render/team_quality.ipynb"
USER = "browser.lead"
MEMBERS = ("alex", "bo", "cam")
READY_TIMEOUT = 60_000
WAIT = 20_000  # for what the kernel computes after a click (the machine may be busy)


def _seed(data: Path) -> None:
    from rso_widgets.store import Store, db, open_store
    from rso_widgets.supervision import PlanReview
    from rso_widgets.supervision.validation import today_in_england

    data.mkdir(parents=True)
    today = today_in_england()
    with open_store(f"sqlite:///{data / db.DB_FILENAME}", user=USER) as lead:
        sup = lead.supervision
        team = sup.create_team("North")
        for n, u in enumerate(MEMBERS):
            sup.add_team_member(team.id, u, supervisor="sam")
            Store(lead.engine, user=u).supervision.create_session({
                "supervisor": "sam", "assessor": u, "held_on": today - dt.timedelta(days=2),
                "agenda": [{"topic": "difficult_case"}],
                "plan_reviews": [PlanReview(rubric="rmp-quality-rubric@1.0.0", scores={
                    f"Q{i}": (i + n) % 3 for i in range(1, 11)})]})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    with private_server(tmp_path_factory, "supervision", USER, seed=_seed) as srv:
        yield srv



def open_page(page, server, app: str, ready: str):
    page.goto(server.url + app, wait_until="commit")
    button = page.get_by_role("button", name=ready, exact=True)
    button.wait_for(state="visible", timeout=READY_TIMEOUT)
    assert_no_traceback(page)
    return button


def load_twice(chromium, server, app: str, ready: str, title: str, call: str, check) -> None:
    """Load `app` twice in a row (an intermittent hang, design.md, shows up here), each time in
    a fresh browser context; run `check(page, button)` on the second load."""
    for n in range(2):
        context = chromium.new_context(viewport={"width": 1200, "height": 900},
                                       locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            button = open_page(page, server, app, ready)
            assert page.get_by_role("heading", name=title).is_visible()
            assert page.get_by_text(f"You are signed in as {USER}").is_visible()
            assert call not in page.locator("body").inner_text()  # strip_sources
            if n == 1:
                check(page, button)
        finally:
            context.close()


def test_supervision_start_a_session_with_an_agenda(chromium, server):
    """Renders twice; then the assessor starts a session with an agenda: a held session dated
    in the future shows its inline error and summary, the corrected one is saved."""
    load_twice(chromium, server, SUPERVISION, "Start a new session",
               "Supervision and practice development", "supervision()", _start_session)


def _start_session(page, start) -> None:
    start.click()
    form = page.locator(".rso-session-start")
    expect(form).to_be_visible(timeout=WAIT)
    form.get_by_label("Your supervisor's user name").fill("sam")
    future = dt.date.today() + dt.timedelta(days=30)
    form.get_by_label("Date of the session").fill(future.isoformat())
    form.get_by_label("A difficult case", exact=True).check()
    form.get_by_label("A difficult case: in your own words (optional)").fill(
        "<b>Denial</b> of the offence")
    form.get_by_role("button", name="Save the session").click()
    # the domain's problem: beside the date, and in the summary at the top
    error = form.locator(".rso-field-error .rso-error-message")
    expect(error).to_contain_text("is in the future, but the session is recorded as held",
                                  timeout=WAIT)
    expect(form.locator(".rso-error-summary")).to_contain_text("There is a problem")
    expect(form.get_by_role("button", name="Go to Date of the session")).to_be_visible()
    assert_no_traceback(page)
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=".rso-session-start")
    assert results.violations_count == 0, results.generate_report()
    held = dt.date.today() - dt.timedelta(days=1)
    form.get_by_label("Date of the session").fill(held.isoformat())
    form.get_by_role("button", name="Save the session").click()
    summary = page.locator(".rso-session-summary")
    expect(summary).to_contain_text(f"Session on {held.day} {held:%B %Y}", timeout=WAIT)
    expect(summary).to_contain_text("A difficult case: <b>Denial</b> of the offence")
    expect(page.locator(".rso-session-row")).to_have_count(1)
    expect(page.locator(".rso-session-row")).to_contain_text("sam")
    assert page.evaluate("document.querySelectorAll('.rso-session-summary b').length") == 0
    assert_no_traceback(page)


def test_team_view_shows_no_person_rows_without_consent(chromium, server):
    """Renders twice; then the lead's team view: anonymised figures and the trend chart, and
    no row for any person (nobody has agreed to share)."""
    load_twice(chromium, server, TEAM, "Show the team view", "Team quality", "team_quality()",
               _team_view)


def _team_view(page, show) -> None:
    show.click()
    view = page.locator(".rso-team-view")
    expect(view.get_by_role("heading", name="Team North")).to_be_visible(timeout=WAIT)
    expect(view.locator("table.rso-plan-quality")).to_be_visible()
    expect(view.get_by_text("Nobody in the team has agreed to share")).to_be_visible()
    expect(view.locator(".rso-person-row")).to_have_count(0)
    text = view.inner_text()
    for name in MEMBERS:
        assert not re.search(rf"\b{name}\b", text), f"{name} is named without consent"
    expect(view.locator(".js-plotly-plot")).to_be_visible(timeout=WAIT)
    assert_no_traceback(page)
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=".rso-team-view")
    assert results.violations_count == 0, results.generate_report()
