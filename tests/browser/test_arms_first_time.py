"""A first-time user of the ARMS assessment, the assessment records (live assessment) and ARMS
practice (issue 14, items 2, 6 and 7): each starts from the start page, follows the app's link,
and does the app's main task as a new user would, with a screenshot of each step written to
`test-artifacts/first-time/<app>/` (git-ignored). On the way: the first view is at most four
screens tall (1200×900) and opens on the task list; axe-core finds no violation of any impact
in the first and main states; the page fits 320 CSS px without horizontal scrolling; and the
main task is completed with the keyboard alone where the test says so."""

from __future__ import annotations

import datetime as dt
import re
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
    private_server,
    user_page,
)
from identities import open_as
from playwright.sync_api import expect
from test_arms_keyboard import date_order, opened, type_date

from rso_widgets.commands.serve import ServedWorkbooks

pytestmark = pytest.mark.browser

USER = "first.timer"
SHOTS = ARTIFACTS / "first-time"
SCREEN = 900
WAIT = 30_000
HEIGHT = ("Math.max(...Array.from(document.querySelectorAll('*')).map(e => e.scrollHeight))")


def seed(data: Path) -> None:
    """One record with a saved version (for the keyboard-only reassessment)."""
    from rso_widgets.cases import load_cases
    from rso_widgets.cases.arms_key import key_assessment, key_plan
    from rso_widgets.instruments.rm2000 import score
    from rso_widgets.reports.payload import make_payload
    from rso_widgets.store import db

    data.mkdir(parents=True)
    case = next(c for c in load_cases() if c.id == "TC-01")
    facts = {"sex": "male", "age_at_assessment": 61, "age_at_commencement": 56,
             "sexual_offence_aged_17_plus": True, "sexual_appearances": 1,
             "criminal_appearances": 1, "violent_appearances": 0, "burglary": False,
             "male_victim": False, "stranger_victim": False, "non_contact": False,
             "single": False}
    payload = make_payload(rm2000_facts=facts, rm2000_result=score(facts),
                           arms=key_assessment(case), plan=key_plan(case))
    with open_as(f"sqlite:///{data / db.DB_FILENAME}", user=USER) as store:
        person = store.create_person("FIRST/1")
        store.create_assessment(person.id, "arms", payload, reason="first assessment",
                                review_due=dt.date.today() + dt.timedelta(days=60))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    with private_server(tmp_path_factory, "first-time", USER, seed=seed) as srv:
        yield srv


class Steps(Screenshots):
    """Numbered screenshots of one journey, in `test-artifacts/first-time/<name>/`."""

    def __init__(self, page, name: str):
        super().__init__(page, SHOTS / name)


def start(chromium, server, link: str, first_task: str):
    """A new user's browser on the start page; follow `link`; wait for the first task. The
    caller closes the returned context."""
    page = user_page(chromium, height=SCREEN, timeout=WAIT)
    context = page.context
    page.goto(server.url)
    page.get_by_role("main").get_by_role("link", name=link, exact=True).click()
    page.get_by_role("button", name=first_task, exact=True).wait_for(timeout=90_000)
    assert_no_traceback(page)
    return context, page


def check_first_view(page) -> int:
    """At most about four screens tall, and accessible; returns the height."""
    height = page.evaluate(HEIGHT)
    assert height <= 4 * SCREEN, f"the first view is {height} px tall"
    assert_accessible(page, fail_on=AXE_ANY)
    return height


def tab_to(page, name: str, limit: int = 120) -> None:
    """Press Tab until the focused control's accessible name (label, text or aria) starts with
    `name`: the keyboard alone moves focus."""
    script = """(want) => { const e = document.activeElement; if (!e) return false;
      const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
      const text = (e.getAttribute('aria-label') || label || e.innerText || e.title || '');
      return text.trim().replace(/\\s+/g, ' ').startsWith(want); }"""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(script, name):
            return
    raise AssertionError(f"Tab never reached {name!r}")


def back_to_the_task_list(page, limit: int = 250) -> None:
    """Tab to "Back to the task list", press Enter, and wait until focus has moved to the task
    list's title (the Back link is hidden there): a Tab pressed sooner would race it."""
    tab_to(page, "Back to the task list", limit=limit)
    page.keyboard.press("Enter")
    page.wait_for_function("!!document.activeElement"
                           " && !!document.activeElement.closest('.rso-focus-target')")


def test_a_new_assessor_completes_an_arms_assessment(chromium, server):
    """Start page → ARMS assessment → create a record → RM2000 → every ARMS factor with
    evidence → formulation and priority → a plan → reason → check answers → save."""
    from rso_widgets.apps.arms_sections import factor_groups
    from rso_widgets.cases import load_cases
    from rso_widgets.cases.arms_key import key_assessment
    from rso_widgets.instruments.arms import load_arms_catalogue

    key = key_assessment(next(c for c in load_cases() if c.id == "TC-01"))
    cat = load_arms_catalogue()
    words = {lv.id: lv.label for scale in cat.scales.values() for lv in scale}
    words[cat.insufficient.id] = cat.insufficient.label
    context, page = start(chromium, server, "ARMS assessment", "Person record")
    shot = Steps(page, "arms_assessment")
    try:
        shot("task-list")
        check_first_view(page)
        assert_fits_320(page, SCREEN)
        page.get_by_role("button", name="Person record", exact=True).click()
        page.get_by_label("Person reference").fill("NEW/1")
        page.get_by_role("button", name="Find or create the record", exact=True).click()
        page.get_by_role("button", name="Create a record for NEW/1").click()
        page.get_by_text(f"Signed in as {USER}").first.wait_for()
        shot("record-created")
        page.get_by_role("button", name="Continue").click()
        from browser_support import fill_counts_case

        fill_counts_case(page)
        page.get_by_role("button", name="Score", exact=True).click()
        page.locator(".rso-result").wait_for()
        shot("rm2000-scored")
        page.get_by_role("button", name="Continue").click()
        for group in factor_groups(cat):  # R1 to R3, R4 and R5, ..., P3 and P4
            page.get_by_role("heading", name=group.title).wait_for()
            for fid in group.ids:
                rating = key.ratings[fid]
                section = page.locator(f".rso-factor-{fid}")
                page.get_by_label(re.compile(f"^Rating: {fid} ")).select_option(
                    label=words[rating.rating])
                if rating.rating == cat.insufficient.id:  # what, from whom, by when
                    page.get_by_label(f"{fid} follow-up: what to find out").fill(
                        "How he spends his evenings")
                    page.get_by_label(f"{fid} follow-up: from whom").fill("His partner")
                    page.get_by_label(f"{fid} follow-up: by when").fill(
                        (dt.date.today() + dt.timedelta(days=28)).isoformat())
                    section.locator(".rso-tag", has_text=re.compile("^Complete$")).wait_for()
                    continue
                page.get_by_role("button", name=f"Add evidence for {fid}").click()
                page.get_by_label(f"{fid} evidence note 1: what was seen or said").fill(
                    f"Seen at the home visit ({fid})")
                page.get_by_label(f"{fid} evidence note 1: source").select_option(index=1)
                page.get_by_label(f"{fid} evidence note 1: date").fill(
                    (dt.date.today() - dt.timedelta(days=7)).isoformat())
                section.locator(".rso-tag", has_text=re.compile("^Complete$")).wait_for()
            shot(f"{group.key}-factors")
            page.get_by_role("button", name="Continue").click()
        for part in cat.formulation_parts:
            page.get_by_label(part.label, exact=True).fill("In my own words, from the ratings.")
        page.get_by_label("Priority for work").select_option(index=1)
        page.get_by_label("Why this priority").fill("The ratings and his circumstances.")
        shot("formulation")
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Add an action: Supervision").click()
        page.get_by_label("Action 1: what will be done").fill("Monthly home visits")
        page.locator(".rso-checkboxes", has_text="Action 1: ARMS factors it addresses"
                     ).get_by_role("checkbox", name="R5 Poor self-management").check()
        page.get_by_label("Action 1: owner (agency or role)").fill("Offender manager")
        page.get_by_label("Action 1: how often (or give a due date)").fill("monthly")
        page.get_by_label("Action 1: observable outcome that shows it is working").fill(
            "Visits kept")
        page.locator(".rso-coverage-R5").get_by_text("Addressed by action 1").wait_for()
        shot("plan-actions")
        page.get_by_role("button", name="Back to the task list").click()
        page.get_by_role("button", name="Reason for this version").click()
        page.get_by_label("Reason for this version").fill("first assessment")
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("heading", name="Check your answers").wait_for()
        save = page.get_by_role("button", name="Save as a new version")
        save.wait_for()
        shot("check-answers")
        save.click()
        page.get_by_text(re.compile("Saved as version 1 by")).wait_for()
        shot("saved")
        assert_accessible(page, fail_on=AXE_ANY)
        assert_fits_320(page, SCREEN)
        assert_no_traceback(page)
    except BaseException:
        shot("failed")
        raise
    finally:
        context.close()


def test_a_new_assessor_reviews_a_record_by_keyboard_alone(chromium, server):
    """Start page → Assessment records → open a record, start a reassessment, say what
    changed, check the answers and save version 2, then sign it — keyboard only."""
    context, page = start(chromium, server, "Assessment records", "Person record")
    date_order(page)  # how this browser's date fields take a date, found before any typing
    shot = Steps(page, "live_assessment")
    try:
        shot("task-list")
        check_first_view(page)
        assert_fits_320(page, SCREEN)
        tab_to(page, "Person record")
        page.keyboard.press("Enter")
        opened(page, "Person record")
        tab_to(page, "Person reference")
        page.keyboard.type("FIRST/1", delay=60)  # at a person's pace: each key reaches Python
        expect(page.get_by_label("Person reference")).to_have_value("FIRST/1")
        page.wait_for_timeout(500)
        tab_to(page, "Find or create the record")
        page.keyboard.press("Enter")
        page.get_by_text(f"Signed in as {USER}").first.wait_for()
        shot("record-open")
        tab_to(page, "Continue")
        page.keyboard.press("Enter")
        page.locator(".rso-versions").wait_for()
        shot("record-history")
        assert_accessible(page, fail_on=AXE_ANY)
        tab_to(page, "Start a reassessment")
        page.keyboard.press("Enter")
        page.get_by_text("Reassessment started from version 1").wait_for()
        back_to_the_task_list(page, limit=200)
        tab_to(page, "Reason for this version")
        page.keyboard.press("Enter")
        opened(page, "Reason for this version")  # focus is at its top: Tab on from there
        tab_to(page, "Reason for this version")
        page.keyboard.type("annual review", delay=40)
        tab_to(page, "What changed since the last version")
        page.keyboard.type("No change in circumstances; the plan continues.", delay=40)
        page.wait_for_timeout(500)
        tab_to(page, "Continue")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Check your answers").wait_for()
        page.get_by_role("button", name="Save as a new version").wait_for()
        shot("check-answers")
        tab_to(page, "Save as a new version", limit=250)
        page.keyboard.press("Enter")
        # the reassessment is dated today, so the old plan's dates are refused: every problem
        # at once at the top, focus on the summary; each is fixed from its message's link
        summary = page.locator(".rso-error-summary")
        expect(summary).to_contain_text("follow-up date")
        expect(summary).to_contain_text("review date on or after the assessment date")
        shot("problems")
        later = dt.date.today() + dt.timedelta(days=90)
        for field in ("R1 follow-up: by when", "Date of the next review"):
            expect(summary.locator(".rso-error-summary-title .widget-html-content")
                   ).to_be_focused()  # the summary
            page.keyboard.press("Tab")
            go = summary.get_by_role("button").first  # the first message, itself the link
            expect(go).to_be_focused()
            page.keyboard.press("Enter")  # opens the section that holds the field
            page.get_by_label(field).wait_for()
            # focus lands on the date field itself (static/rso.js passes a date picker's
            # focus request on to its input)
            expect(page.get_by_label(field)).to_be_focused()
            type_date(page, later)  # in the field's own order (en-US: month first)
            page.wait_for_timeout(500)
            tab_to(page, "Back to check your answers", limit=250)
            page.keyboard.press("Enter")
            page.get_by_role("heading", name="Check your answers").wait_for()
            tab_to(page, "Save as a new version", limit=250)
            page.keyboard.press("Enter")
            if field.startswith("R1"):
                expect(summary).not_to_contain_text("follow-up date")
        page.get_by_text(re.compile("Saved as version 2 by")).wait_for()
        shot("saved")
        back_to_the_task_list(page)
        page.get_by_role("heading", name="Tasks for this assessment").wait_for()  # drawn
        tab_to(page, "Sign off and file a report")
        page.keyboard.press("Enter")
        page.get_by_role("button", name="Sign this version (assessor)").wait_for()
        tab_to(page, "Sign this version (assessor)")
        page.keyboard.press("Enter")
        page.get_by_text(f"Signed version 2 as {USER}").wait_for()
        expect(page.get_by_role("button", name="Sign this version (assessor)")).to_be_disabled()
        shot("signed")
        assert_accessible(page, fail_on=AXE_ANY)
        assert_fits_320(page, SCREEN)
        assert_no_traceback(page)
    except BaseException:
        shot("failed")
        raise
    finally:
        context.close()


def test_a_new_trainee_practises_arms_by_keyboard_alone(chromium, server):
    """Start page → ARMS practice → choose a case, read it, rate a factor with evidence, check
    the answers and submit: the feedback opens at the top — keyboard only."""
    context, page = start(chromium, server, "ARMS practice", "Open the case")
    shot = Steps(page, "arms_practice")
    try:
        shot("first-view")
        check_first_view(page)
        assert_fits_320(page, SCREEN)
        tab_to(page, "Training case")
        page.keyboard.press("ArrowDown")  # the first case
        tab_to(page, "Open the case")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name=re.compile("Practise ARMS on TC-")).wait_for()
        shot("task-list")
        assert_accessible(page, fail_on=AXE_ANY)
        tab_to(page, "Read the case file")
        page.keyboard.press("Enter")
        page.locator(".rso-case-file").first.wait_for()
        shot("case-file")
        tab_to(page, "Continue")
        page.keyboard.press("Enter")
        page.locator(".rso-journey-title", has_text="ARMS risk factors (R1 to R3)").wait_for()
        page.locator(".rso-factor-R1").wait_for()  # built when first opened: seen, then Tab
        tab_to(page, "Rating: R1")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        tab_to(page, "Add evidence for R1")
        page.keyboard.press("Enter")
        page.wait_for_function("document.activeElement && document.activeElement.tagName === "
                               "'TEXTAREA'", timeout=WAIT)
        page.keyboard.type("He said he thinks about sex most of the day", delay=30)
        # where and when it was seen: a note without them is not compared but named
        tab_to(page, "R1 evidence note 1: source")
        page.keyboard.press("ArrowDown")
        tab_to(page, "R1 evidence note 1: date")
        type_date(page, dt.date.today() - dt.timedelta(days=7))
        page.keyboard.press("Tab")  # leave the date: it is read
        page.wait_for_timeout(500)
        shot("rated")
        assert_fits_320(page, SCREEN)
        back_to_the_task_list(page)
        tab_to(page, "Check your answers")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Check your answers").wait_for()
        page.get_by_role("button", name="Submit and compare with the key").wait_for()
        tab_to(page, "Submit and compare with the key", limit=250)
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Compared with the key").wait_for()
        page.wait_for_function("!!document.activeElement && document.activeElement"
                               ".innerText.trim().startsWith('Compared with the key')")
        assert page.locator(".rso-journey-title").first.bounding_box()["y"] < SCREEN
        shot("feedback")
        assert_accessible(page, fail_on=AXE_ANY)
        assert_fits_320(page, SCREEN)
        assert_no_traceback(page)
    except BaseException:
        shot("failed")
        raise
    finally:
        context.close()
