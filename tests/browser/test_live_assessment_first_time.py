"""A new assessor's first live assessment, in a real browser, as they would do it: from the start
page, follow the plain-words link to the assessment records; create a record for a fictional
person; score RM2000, making mistakes and correcting them from the error summary; leave the page
and come back to the draft; complete ARMS and the plan and save version 1; sign it off; start
a reassessment and save it as version 2 (version 1 unchanged); read the history in plain words;
and download the report. Labels and roles only for what the person does; axe-core at each
major step (no serious or critical violation); nothing scrolls sideways at 320 CSS px on the
first views. Screenshots of each step in `test-artifacts/first-time/live-assessment/`
(git-ignored)."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import (
    ARTIFACTS,
    AXE_ANY,
    Screenshots,
    assert_accessible,
    assert_fits_320,
    assert_no_traceback,
    fill_counts_case,
    private_server,
    user_page,
)
from identities import open_as
from playwright.sync_api import expect
from test_arms_keyboard import tab_to

from rso_widgets.commands.serve import ServedWorkbooks
from rso_widgets.instruments.ruleset import load_rm2000_ruleset
from rso_widgets.settings import get_settings

pytestmark = pytest.mark.browser

USER = "new.assessor"
NAME = "Ambrose Thistlecombe"  # invented (training_cases/README.md, Names): no real person
REFERENCE = f"{NAME} (fictional)"
SCREEN = 900
READY = 90_000
BUDGET_SECONDS = 90  # the whole journey on a quiet machine


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    with private_server(tmp_path_factory, "live-first-time", USER) as srv:
        yield srv


def focus_on(page, words: str) -> None:
    """Keyboard focus is on the block that says `words` (a message that takes focus after an
    action hid the button pressed), not lost to the top of the page."""
    page.wait_for_function("w => !!document.activeElement && document.activeElement !== "
                           "document.body && document.activeElement.innerText.includes(w)",
                           arg=words)


def open_app(page, server) -> None:
    """From the start page, by the link's plain words, to the page's task list."""
    page.goto(server.url)
    page.get_by_role("main").get_by_role("link", name="Assessment records", exact=True).click()
    page.get_by_role("button", name="Person record", exact=True).wait_for(timeout=READY)
    assert_no_traceback(page)


def find_record(page) -> None:
    page.get_by_role("button", name="Person record", exact=True).click()
    page.get_by_label("Person reference").fill(REFERENCE)
    page.get_by_role("button", name="Find or create the record", exact=True).click()


def score_rm2000(page, summary) -> None:
    """Score RM2000 with two mistakes, see every problem at once, go to one and correct it."""
    page.get_by_label("Age at assessment").fill("4O")  # a letter O typed for a zero
    page.get_by_label("Sexual appearances").fill("-2")
    page.get_by_role("button", name="Score", exact=True).click()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter the person's age at assessment as a whole number")
    expect(summary).to_contain_text("Enter the number of sexual appearances as 0 or more")
    expect(summary).to_contain_text("Select the person's sex")  # every problem, not the first
    expect(summary.locator(".rso-error-summary-title .widget-html-content")).to_be_focused()
    # the problems in the order of the questions on the page, each message the link
    names = [b.inner_text().strip() for b in summary.get_by_role("button").all()]
    assert names[0].startswith("Select the person's sex"), names
    assert names[1] == "Select Yes or No for “Sexual offence committed aged 17 or over”", names
    assert names[2].startswith("Enter the person's age at assessment as a whole number"), names
    summary.get_by_role("button", name=re.compile("^Enter the person's age at assessment")
                        ).click()
    expect(page.get_by_label("Age at assessment")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("40")
    summary.get_by_role("button", name=re.compile("^Enter the number of sexual appearances")
                        ).click()
    expect(page.get_by_label("Sexual appearances")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("2")
    fill_counts_case(page)  # the rest (it types the same 40 and 2 again)
    page.get_by_role("button", name="Score", exact=True).click()
    page.locator(".rso-result").wait_for()
    expect(summary).to_be_hidden()


def rate_arms(page) -> None:
    """Every factor rated with one evidence note; the formulation and priority."""
    from rso_widgets.apps.arms_sections import factor_groups
    from rso_widgets.instruments.arms import load_arms_catalogue

    cat = load_arms_catalogue()
    seen = (dt.date.today() - dt.timedelta(days=7)).isoformat()
    for group in factor_groups(cat):
        page.get_by_role("heading", name=group.title).wait_for()
        for fid in group.ids:
            page.get_by_label(re.compile(f"^Rating: {fid} ")).select_option(index=1)
            page.get_by_role("button", name=f"Add evidence for {fid}").click()
            page.get_by_label(f"{fid} evidence note 1: what was seen or said").fill(
                f"Said at the home visit ({fid})")
            page.get_by_label(f"{fid} evidence note 1: source").select_option(index=0)
            page.get_by_label(f"{fid} evidence note 1: date").fill(seen)
        page.get_by_role("button", name="Continue").click()
    for part in cat.formulation_parts:
        page.get_by_label(part.label, exact=True).fill("In my own words, from the ratings.")
    page.get_by_label("Priority for work").select_option(index=1)
    page.get_by_label("Why this priority").fill("The ratings and his circumstances.")
    page.get_by_role("button", name="Continue").click()


def write_plan(page) -> None:
    page.get_by_role("button", name="Add an action: Supervision").click()
    page.get_by_label("Action 1: what will be done").fill("Monthly home visits")
    page.get_by_label("Action 1: owner (agency or role)").fill("Offender manager")
    page.get_by_label("Action 1: how often (or give a due date)").fill("monthly")
    page.get_by_label("Action 1: observable outcome that shows it is working").fill(
        "Visits kept")


def save_version(page, number: int) -> None:
    """Check the answers and save; the confirmation at the top takes focus."""
    page.get_by_role("heading", name="Check your answers").wait_for()
    page.get_by_role("button", name="Save as a new version").click()
    focus_on(page, f"Saved as version {number} by")


def stored_versions(server) -> list[tuple]:
    """Each stored version of the person's assessment: (number, reason, data, signed by)."""
    from rso_widgets.store import db

    url = f"sqlite:///{Path(server.env['RSO_DATA_DIR']) / db.DB_FILENAME}"
    with open_as(url, user=USER) as store:
        person = next(p for p in store.list_persons() if p.reference == REFERENCE)
        (assessment,) = store.assessments_for(person.id)
        return [(v.version, v.reason, v.data, v.signed_by)
                for v in store.versions(assessment.id)]


def test_a_new_assessor_completes_a_live_assessment(chromium, server):
    started = time.monotonic()
    page = user_page(chromium, height=SCREEN)
    context = page.context
    shot = Screenshots(page, ARTIFACTS / "first-time" / "live-assessment")
    summary = page.locator(".rso-error-summary:visible").first
    try:
        # the start page: the link in plain words, nothing sideways at 320 px
        page.goto(server.url)
        assert_accessible(page, fail_on=AXE_ANY)
        assert_fits_320(page, SCREEN)
        open_app(page, server)
        # the page is called what its link said
        expect(page.get_by_role("heading", level=1, name="Assessment records", exact=True)
               ).to_be_visible()
        shot("task-list")
        assert_accessible(page, fail_on=AXE_ANY)
        assert_fits_320(page, SCREEN)

        # the person record: nothing typed is an error named at the field
        page.get_by_role("button", name="Person record", exact=True).click()
        page.get_by_role("button", name="Find or create the record", exact=True).click()
        expect(summary).to_contain_text("Enter the person's reference")
        summary.get_by_role("button", name="Enter the person's reference").click()
        expect(page.get_by_label("Person reference")).to_be_focused()
        page.keyboard.type(REFERENCE)
        page.get_by_role("button", name="Find or create the record", exact=True).click()
        create = page.get_by_role("button", name=f"Create a record for {REFERENCE}")
        create.click()
        focus_on(page, f"Created the record {REFERENCE}")  # the button pressed is gone
        shot("record-created")
        assert_accessible(page, fail_on=AXE_ANY)

        # RM2000: mistakes, every problem at once, each fixed from the summary
        page.get_by_role("button", name="Continue").click()  # history: none before version 1
        page.get_by_role("heading", name="RM2000 static risk").wait_for()
        score_rm2000(page, summary)
        shot("rm2000-scored")
        assert_accessible(page, fail_on=AXE_ANY)
        page.get_by_text(re.compile("^Draft saved at")).wait_for()

        # leave the page and come back: the draft is offered, and resumed
        page.goto(server.url)
        open_app(page, server)
        find_record(page)
        page.get_by_text("You have an unsaved draft").wait_for()
        shot("draft-offered")
        page.get_by_role("button", name="Resume the draft").click()
        focus_on(page, "Draft resumed.")
        page.get_by_role("button", name="Back to the task list").click()
        expect(page.locator(".rso-task", has_text="RM2000")).to_contain_text("Completed")

        # ARMS, the formulation and the plan; the reason; check and save version 1
        page.get_by_role("button", name="ARMS risk factors (R1 to R3)").click()
        rate_arms(page)
        write_plan(page)
        shot("plan")
        page.get_by_role("button", name="Back to the task list").click()
        page.get_by_role("button", name="Reason for this version", exact=True).click()
        page.get_by_label("Reason for this version").fill("First assessment")
        page.get_by_role("button", name="Continue").click()
        save_version(page, 1)
        shot("saved-v1")
        assert_accessible(page, fail_on=AXE_ANY)

        # sign it off, by keyboard from the confirmation: the next step is offered, and no
        # Save button is left to press again
        expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
        expect(page.get_by_role("button", name="Save as a new version")).to_be_hidden()
        tab_to(page, "Sign off and file a report", limit=12)  # a few presses
        page.keyboard.press("Enter")
        sign = page.get_by_role("button", name="Sign this version (assessor)")
        expect(sign).to_be_enabled()
        tab_to(page, "Sign this version (assessor)", limit=12)
        page.keyboard.press("Enter")
        focus_on(page, f"Signed version 1 as {USER}")  # the button pressed is disabled now
        expect(sign).to_be_disabled()
        shot("signed-v1")
        assert_accessible(page, fail_on=AXE_ANY)

        # a reassessment: version 2, with what changed and why
        first = stored_versions(server)[0]
        page.get_by_role("button", name="Back to the task list").click()
        page.get_by_role("button", name="Review date, reassessment and version history",
                         exact=True).click()
        page.get_by_role("button", name="Start a reassessment from the latest version").click()
        focus_on(page, "Reassessment started from version 1")
        page.get_by_role("button", name="Back to the task list").click()
        page.get_by_role("button", name="Reason for this version", exact=True).click()
        page.get_by_label("Reason for this version").fill("Annual review")
        page.get_by_role("button", name="Continue").click()  # what changed: forgotten
        page.get_by_role("heading", name="Check your answers").wait_for()
        page.get_by_role("button", name="Save as a new version").click()
        expect(summary).to_contain_text("Say what changed since the last version, and why")
        go = summary.get_by_role("button",
                                 name="Say what changed since the last version, and why")
        expect(summary.locator(".rso-error-summary-title .widget-html-content")
               ).to_be_focused()  # on the summary
        shot("reassessment-problem")
        assert_accessible(page, fail_on=AXE_ANY)
        page.keyboard.press("Tab")
        expect(go).to_be_focused()  # its message is the link
        page.keyboard.press("Enter")  # back into its section, focus on the box
        changed = page.get_by_label("What changed since the last version, and why")
        expect(changed).to_be_focused()
        page.keyboard.type("He has moved to a new address & started work <nights>.")
        page.get_by_role("button", name="Back to check your answers").click()
        save_version(page, 2)

        # the history, in plain words: two versions, the first unchanged and still signed
        page.get_by_role("button", name="Back to the task list").click()
        page.get_by_role("button", name="Review date, reassessment and version history",
                         exact=True).click()
        history = page.locator(".rso-versions")
        expect(history).to_contain_text("2 versions, newest first")
        v1 = history.locator("tr", has_text="First assessment")
        expect(v1).to_contain_text(f"Signed by {USER}")
        expect(history.locator("tr", has_text="Annual review")).to_contain_text(
            "He has moved to a new address & started work <nights>.")
        shot("history")
        assert_accessible(page, fail_on=AXE_ANY)
        assert_fits_320(page, SCREEN)  # the tables wrap or scroll in their own region

        # the report of version 2, downloaded to a file
        page.get_by_role("button", name="Back to the task list").click()
        page.get_by_role("button", name="Sign off and file a report", exact=True).click()
        page.get_by_label("Report format").select_option("HTML web page")
        page.get_by_role("button", name="Create the report").click()
        focus_on(page, "Created the report of version 2")
        page.keyboard.press("Tab")  # the download link comes next
        link = page.get_by_role("link", name=re.compile("^Download the report"))
        expect(link).to_be_focused()
        with page.expect_download() as info:
            page.keyboard.press("Enter")
        body = Path(info.value.path()).read_text(encoding="utf-8")
        assert REFERENCE in body
        assert load_rm2000_ruleset(get_settings().rm2000_ruleset).ref in body  # id@version
        assert "inform professional judgement and do not decide" in body
        assert "the workbook never computes the priority" in body
        assert "&lt;nights&gt;" in body and "<nights>" not in body
        shot("report")
        assert_accessible(page, fail_on=AXE_ANY)
        assert_no_traceback(page)
    except BaseException:
        shot("failed")
        raise
    finally:
        context.close()

    assert stored_versions(server)[0] == first, "version 1 changed after the reassessment"
    # the file's target is BUDGET_SECONDS on a quiet machine; speed is measured, not asserted
    # here (a loaded CI machine took 210 s): see the report printed with -s
    print(f"live assessment first-time journey: {time.monotonic() - started:.1f} s "
          f"(target on a quiet machine: {BUDGET_SECONDS} s for the whole file)")
