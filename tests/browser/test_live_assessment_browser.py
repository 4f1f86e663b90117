"""The live assessment app in a real browser against a live `rso-workbook serve` (its own server,
so the app's database lives in a temporary data directory)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import (
    AXE_ANY,
    assert_accessible,
    assert_no_traceback,
    fill_counts_case,
    private_server,
)
from identities import open_as
from playwright.sync_api import expect

from rso_widgets.apps.arms_sections import factor_groups
from rso_widgets.commands.serve import ServedWorkbooks
from rso_widgets.instruments.arms import load_arms_catalogue

pytestmark = pytest.mark.browser

APP = "voila/render/live_assessment.ipynb"
READY = "Person record"  # the first task: the page opens on its task list
TITLE = "Assessment records"  # the words of its link on the start page
READY_TIMEOUT = 60_000
BUDGET_SECONDS = 90


def seed(data_dir: Path) -> None:
    """One record with a saved version whose review is overdue."""
    from rso_widgets.cases import load_cases
    from rso_widgets.cases.arms_key import key_assessment, key_plan
    from rso_widgets.instruments.rm2000 import score
    from rso_widgets.reports.payload import make_payload
    from rso_widgets.settings import Settings
    from rso_widgets.store.db import database_url

    case = next(c for c in load_cases() if c.id == "TC-01")
    facts = {"sex": "male", "age_at_assessment": 61, "age_at_commencement": 56,
             "sexual_offence_aged_17_plus": True, "sexual_appearances": 1,
             "criminal_appearances": 1, "violent_appearances": 0, "burglary": False,
             "male_victim": False, "stranger_victim": False, "non_contact": False,
             "single": False}
    data = make_payload(rm2000_facts=facts, rm2000_result=score(facts),
                        arms=key_assessment(case), plan=key_plan(case))
    data_dir.mkdir(parents=True, exist_ok=True)
    with open_as(database_url(Settings(data_dir=data_dir)), user="browser.officer") as store:
        person = store.create_person("SEEDED/1")
        store.create_assessment(person.id, "arms", data, reason="first assessment",
                                review_due=dt.date.today() - dt.timedelta(days=3))


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    with private_server(tmp_path_factory, "live", "browser.officer", seed=seed) as server:
        yield server


def load(chromium, server):
    """A fresh browser context with the app loaded and interactive: (context, page, button)."""
    context = chromium.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(server.url + APP, wait_until="commit")
        button = page.get_by_role("button", name=READY, exact=True)
        button.wait_for(state="visible", timeout=READY_TIMEOUT)
        assert page.get_by_role("heading", name=TITLE, exact=True).is_visible()
        assert "rso_widgets.apps" not in page.locator("body").inner_text()
        assert_no_traceback(page)
    except BaseException:
        context.close()
        raise
    return context, page, button


def test_live_assessment_renders_creates_a_record_and_scores_rm2000(chromium, live_server):
    started = time.monotonic()
    # twice in a row: an intermittent hang (design.md) shows up in repeated loads
    context, page, _ = load(chromium, live_server)
    try:
        # the forms stay closed until a record is open: every other task cannot start yet
        assert not page.get_by_role("button", name="Score", exact=True).is_visible()
        # every task but the person record: 8 others and the ARMS factor sections (5)
        others = 8 + len(factor_groups(load_arms_catalogue()))
        expect(page.locator(".rso-tag-cannot-start-yet")).to_have_count(others)
    finally:
        context.close()

    context, page, task = load(chromium, live_server)
    try:
        task.click()
        page.get_by_label("Person reference").fill("BROWSER/LIVE-1")
        page.get_by_role("button", name="Find or create the record", exact=True).click()
        page.get_by_role("button", name="Create a record for BROWSER/LIVE-1").click()
        page.get_by_text("Signed in as browser.officer").first.wait_for()
        # the RM2000 part accepts a case and shows its categories (the review date and
        # history cannot start before version 1: Continue passes over them)
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("heading", name="RM2000 static risk").wait_for()
        fill_counts_case(page)
        page.get_by_role("button", name="Score", exact=True).click()
        result = page.locator(".rso-result")
        result.wait_for()
        categories = [result.locator(f".rso-scale-{s} .rso-category").inner_text().strip()
                      for s in ("s", "v", "c")]
        assert categories == ["Very High", "High", "High"]
        # the static context reaches ARMS
        page.get_by_role("button", name="Continue").click()
        page.get_by_text("RM2000 /S Very High, /V High, /C High").first.wait_for()

        # the caseload lists the new record, in words
        page.get_by_role("button", name="Back to the task list").click()
        expect(page.locator(".rso-task", has_text="RM2000")).to_contain_text("Completed")
        page.get_by_role("button", name="Person record", exact=True).click()
        page.get_by_role("button", name="Show all records and review dates").click()
        table = page.locator(".rso-caseload")
        table.wait_for()
        assert "BROWSER/LIVE-1" in table.inner_text()
        assert "No review date set" in table.inner_text()
        assert table.locator("tbody tr").first.inner_text().startswith("SEEDED/1")
        assert_no_traceback(page)
    finally:
        context.close()
    assert time.monotonic() - started < BUDGET_SECONDS


def test_live_assessment_history_sign_off_and_report_download(chromium, live_server):
    started = time.monotonic()
    context, page, task = load(chromium, live_server)
    try:
        # the caseload: the overdue review first, in words; open it from the list
        task.click()
        page.get_by_role("button", name="Show all records and review dates").click()
        first = page.locator(".rso-caseload tbody tr").first
        first.wait_for()
        assert "SEEDED/1" in first.inner_text() and "OVERDUE" in first.inner_text()
        pick = page.get_by_label("Record to open")
        pick.select_option(label=pick.locator("option", has_text="SEEDED/1").inner_text())
        page.get_by_role("button", name="Open the chosen record").click()
        page.get_by_text("Record open").first.wait_for()
        page.get_by_role("button", name="Continue").click()
        history = page.locator(".rso-versions")
        history.wait_for()
        assert "browser.officer" in history.inner_text()  # the officer's own record
        assert "OVERDUE" in page.locator(".rso-review").inner_text()
        assert "A return to heavy drinking" in page.locator(".rso-review").inner_text()

        # ratings over time, drawn on request
        page.get_by_role("button", name="Show the ratings over time chart").click()
        page.locator(".rso-version-history .js-plotly-plot").first.wait_for(timeout=30_000)

        # sign; then Sign is not offered again, and the same person cannot countersign:
        # both buttons are disabled with the reason shown (issue 14)
        page.get_by_role("button", name="Back to the task list").click()
        page.get_by_role("button", name="Sign off and file a report").click()
        sign = page.get_by_role("button", name="Sign this version (assessor)")
        sign.click()
        page.get_by_text("Signed version 1 as browser.officer").wait_for()
        expect(sign).to_be_disabled()
        expect(page.get_by_role("button", name="Countersign this version (supervisor)")
               ).to_be_disabled()
        reasons = page.locator("ul.rso-sign-reasons")
        expect(reasons).to_contain_text("You signed this version at")
        expect(reasons).to_contain_text("a different person countersigns it")

        # file the report and download it from the page
        page.get_by_label("Report format").select_option("HTML web page")
        page.get_by_role("button", name="Create the report").click()
        link = page.get_by_role("link", name="Download the report (HTML")
        link.wait_for()
        with page.expect_download() as info:
            link.click()
        download = info.value
        assert download.suggested_filename.startswith("assessment-1-v1-")
        assert download.suggested_filename.endswith(".html")
        body = Path(download.path()).read_text(encoding="utf-8")
        assert "OFFICIAL-SENSITIVE" in body and "SEEDED/1" in body
        assert_no_traceback(page)

        # axe-core over the app, with sign-off and report showing, and on its task list
        assert_accessible(page, ".rso-live-assessment", fail_on=AXE_ANY)
        page.get_by_role("button", name="Back to the task list").click()
        expect(page.locator(".rso-task", has_text="Sign off")).to_contain_text("In progress")
        assert_accessible(page, ".rso-live-assessment", fail_on=AXE_ANY)
    finally:
        context.close()
    assert time.monotonic() - started < BUDGET_SECONDS
