"""The room page (serving/room/) as a first-time trainee in a real browser: from the start page
by keyboard to the join form, join by keyboard alone, open a case, score it, check the answers
and submit by keyboard; the draft is autosaved by the page's script a moment after a change.
Every page is checked with axe-core (no violation of any impact) and at 320 CSS px (nothing
wider than the page). Screenshots go to `test-artifacts/first-time-users/room/`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_support import private_server
from playwright.sync_api import expect
from test_first_time_users import Journey

pytestmark = pytest.mark.browser

JOIN_CODE = "RQM7XZ"
ARMS_CODE = "ARM5TC"
USER = "room.trainee"
CLOCK = r"(\d{1,2}(:\d\d)?[ap]m|midday|midnight)"  # UK time, as timefmt.clock_text writes it
TRAINER = "trainer.room"


def seed(data: Path) -> None:
    """A workshop on TC-02 (RM2000), run by a trainer."""
    from identities import open_as

    from rso_widgets.store.db import DB_FILENAME

    data.mkdir(parents=True)
    with open_as(f"sqlite:///{data / DB_FILENAME}", user=TRAINER) as store:
        store.create_cohort("Room check", ["TC-02"], join_code=JOIN_CODE)
        store.create_cohort("Room ARMS", ["TC-01"], join_code=ARMS_CODE,
                            instruments={"TC-01": ["rm2000", "arms"]})


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with private_server(tmp_path_factory, "room-browser", USER, seed=seed,
                        preheat=False) as served:
        served.db_url = "sqlite:///" + str(
            Path(served.env["RSO_DATA_DIR"]) / "rso-workbook.sqlite")
        yield served


@pytest.fixture(scope="module")
def summary():
    return {}


def tab_to(page, text: str, limit: int = 80) -> None:
    """Press Tab until the focused element's text, label or value is `text`."""
    page.locator("body").focus()
    for _ in range(limit):
        page.keyboard.press("Tab")
        found = page.evaluate("""() => { const e = document.activeElement;
            const label = e.labels && e.labels[0] ? e.labels[0].textContent : '';
            return [e.textContent.trim(), label.trim(), (e.value || '').trim()]; }""")
        if text in found:
            return
    raise AssertionError(f"{text!r} cannot be reached with Tab")


def answer(page, legend: str, choice: str) -> None:
    page.get_by_role("group", name=legend, exact=True).get_by_label(choice, exact=True).check()


def test_a_trainee_joins_scores_checks_and_submits(page, server, summary):
    journey = Journey(page, "room", summary)
    page.goto(server.url, wait_until="domcontentloaded")
    tab_to(page, "Join a workshop")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Join a workshop")
    assert page.evaluate("typeof window.jupyter === 'undefined' && !window.require")
    journey.shot("join")
    journey.check("join")
    # both fields wrong: both reported at once, focus on the summary (the page's script)
    tab_to(page, "Join the workshop")
    page.keyboard.press("Enter")
    summary_box = page.get_by_role("alert")
    expect(summary_box).to_contain_text("Enter the join code")
    expect(summary_box).to_contain_text("Enter the name to show your trainer")
    expect(summary_box).to_be_focused()
    journey.shot("join-errors")
    journey.check("join-errors")
    # keyboard only
    tab_to(page, "Join code")
    page.keyboard.type(JOIN_CODE.lower())
    tab_to(page, "Your display name")
    page.keyboard.type("Room Trainee")
    tab_to(page, "Join the workshop")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Workshop: Room check")
    expect(page.get_by_text("You have joined as Room Trainee")).to_be_visible()
    journey.shot("cases")
    journey.check("cases")
    tab_to(page, "TC-02: Mr Thistlehurst: three offences, one day in court")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=2, name="Score this case")).to_be_visible()
    journey.shot("case")
    journey.check("case")
    answer(page, "Sex", "Male")
    answer(page, "Sexual offence committed aged 17 or over", "Yes")
    answer(page, "How do you want to give ages?", "Enter dates")
    # GOV.UK date inputs: Day, Month, Year in a group named by its legend; the year of the
    # date of birth first typed with 2 numbers, then corrected after the error
    for legend, (day, month, year) in (("Date of birth", ("3", "8", "98")),
                                       ("Assessment date", ("10", "2", "2026")),
                                       ("Date of commencement of risk", ("15", "11", "2022"))):
        group = page.get_by_role("group", name=legend, exact=True)
        for label, value in (("Day", day), ("Month", month), ("Year", year)):
            group.get_by_label(label, exact=True).fill(value)
    for label, value in (("Sexual appearances", "1"), ("Criminal appearances", "3"),
                         ("Violent appearances", "0")):
        page.get_by_label(label, exact=True).fill(value)
    for legend in ("Any conviction for burglary", "Sexual offence against a male",
                   "Sexual offence against a stranger", "Non-contact sexual offence",
                   "Single"):
        answer(page, legend, "No")
    expect(page.get_by_text(re.compile(r"Draft saved at " + CLOCK))).to_be_visible(
        timeout=15_000)  # autosaved by the page's script
    journey.shot("answered")
    journey.check("answered")
    # Enter in a text field sends the form as Continue: the date's error, at once, focused
    page.get_by_label("Violent appearances", exact=True).press("Enter")
    summary_box = page.get_by_role("alert")
    expect(summary_box).to_be_focused()
    expect(summary_box).to_contain_text("Date of birth year must include 4 numbers")
    journey.shot("date-error")
    journey.check("date-error")
    summary_box.get_by_role("link", name="Date of birth year must include 4 numbers").click()
    year = page.get_by_role("group", name="Date of birth", exact=True).get_by_label(
        "Year", exact=True)
    expect(year).to_be_focused()
    expect(year).to_have_value("98")  # as typed
    year.fill("1998")
    tab_to(page, "Continue to check your answers")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting them")
    journey.shot("check")
    journey.check("check")
    tab_to(page, "Submit your answers")
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"Submitted TC-02 at " + CLOCK))).to_be_visible()
    expect(page.locator(".rso-room-tag").first).to_have_text("Submitted")
    journey.shot("submitted")
    journey.check("submitted")


def test_feedback_and_the_arms_form_are_accessible(page, server, summary):
    from identities import open_as

    from rso_widgets.calibration.workshop import workshop_payload
    from rso_widgets.cases import load_cases
    from rso_widgets.store.joining import join_workshop

    journey = Journey(page, "room-feedback-arms", summary)
    facts = next(c for c in load_cases() if c.id == "TC-02").key_facts().model_dump(
        exclude_none=True, mode="json")
    with open_as(server.db_url, user=TRAINER) as store:
        cohort = store.create_cohort("Room feedback", ["TC-02"])
    with open_as(server.db_url, user=USER) as store:  # as if submitted on another page
        _, member, _ = join_workshop(store, cohort.join_code, "Feedback Trainee")
        store.submit(cohort.id, member.id, "TC-02",
                     workshop_payload(("rm2000",), facts={**facts, "single": True}))
    with open_as(server.db_url, user=TRAINER) as store:
        store.release_key(cohort.id)
    page.goto(server.url + "room/", wait_until="domcontentloaded")
    if page.get_by_role("button", name="Leave the workshop on this browser").count():
        page.get_by_role("button", name="Leave the workshop on this browser").click()
    page.get_by_label("Join code").fill(cohort.join_code)
    page.get_by_label("Your display name").fill("Feedback Trainee")
    page.get_by_role("button", name="Join the workshop").click()
    expect(page.get_by_text("Welcome back, Feedback Trainee")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^TC-02:")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your feedback on TC-02")
    expect(page.get_by_text("The key's reasoning").first).to_be_attached()
    journey.shot("feedback")
    journey.check("feedback")
    page.goto(server.url + "room/cases")
    page.get_by_role("button", name="Leave the workshop on this browser").click()
    page.get_by_label("Join code").fill(ARMS_CODE)
    page.get_by_label("Your display name").fill("Arms Trainee")
    page.get_by_role("button", name="Join the workshop").click()
    page.get_by_role("link", name=re.compile(r"^TC-01:")).click()
    expect(page.get_by_role("heading", level=3, name="ARMS")).to_be_visible()
    journey.shot("arms-case")
    journey.check("arms-case")
    # "Add another note" by keyboard: the page comes back at the new row, focused
    r1 = page.get_by_role("group", name="R1 evidence note 1", exact=True)
    r1.get_by_label("What was seen or said").fill("Said so at interview")
    r1.get_by_label("Where it came from").select_option("the person")
    add = page.get_by_role("button", name="Add another note for R1", exact=True)
    add.focus()
    page.keyboard.press("Enter")
    second = page.get_by_role("group", name="R1 evidence note 2", exact=True)
    expect(second.get_by_label("What was seen or said")).to_be_focused()
    expect(r1.get_by_label("What was seen or said")).to_have_value("Said so at interview")
    journey.shot("arms-add-another")
    journey.check("arms-add-another")
    second.get_by_label("What was seen or said").fill("Records agree")
    page.get_by_role("button", name="Remove R1 evidence note 1", exact=True).click()
    expect(page.get_by_role("group", name="R1 evidence note 1", exact=True).get_by_label(
        "What was seen or said")).to_have_value("Records agree")
    expect(page.get_by_role("group", name="R1 evidence note 2", exact=True)).to_have_count(0)
    # the sentencing history, one offence a row: "Add another offence" comes back focused
    answer(page, "How do you want to give the convictions?",
           "Enter the sentencing history, one offence a row")
    page.get_by_role("group", name="Offence 1", exact=True).get_by_label(
        "Offence", exact=True).fill("Sexual assault")
    page.get_by_role("button", name="Add another offence", exact=True).click()
    day = page.get_by_role("group", name="Offence 2", exact=True).get_by_role(
        "group", name="Date sentenced").get_by_label("Day", exact=True)
    expect(day).to_be_focused()
    day.fill("3")
    page.get_by_role("button", name="Continue to check your answers", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Offence 2 date must include a month "
                                                      "and year")
    expect(page.get_by_role("alert")).to_contain_text("Rate R1")
    expect(page.get_by_role("alert")).to_contain_text(
        "Select where R1 evidence note 1 came from")
    journey.shot("arms-errors")
    journey.check("arms-errors")


def test_a_released_key_and_a_closed_workshop_are_seen_without_reloading(page, server, summary):
    from identities import open_as

    journey = Journey(page, "room-status", summary)
    with open_as(server.db_url, user=TRAINER) as store:
        cohort = store.create_cohort("Room status", ["TC-01", "TC-02"])
    page.goto(server.url + "room/", wait_until="domcontentloaded")
    if page.get_by_role("button", name="Leave the workshop on this browser").count():
        page.get_by_role("button", name="Leave the workshop on this browser").click()
    page.get_by_label("Join code").fill(cohort.join_code)
    page.get_by_label("Your display name").fill("Status Trainee")
    page.get_by_role("button", name="Join the workshop").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workshop: Room status")
    # the case page: the workshop closes while the person is typing; a notice, no reload
    page.get_by_role("link", name=re.compile(r"^TC-02:")).click()
    page.get_by_label("Sexual appearances", exact=True).fill("1")
    page.evaluate("window.__rsoSamePage = true")
    with open_as(server.db_url, user=TRAINER) as store:
        store.set_cohort_open(cohort.id, False)
    live = page.locator("[aria-live=polite][data-rso-status]")
    expect(live).to_contain_text("The trainer has closed the workshop", timeout=40_000)
    assert page.evaluate("window.__rsoSamePage === true")  # not reloaded
    expect(page.get_by_label("Sexual appearances", exact=True)).to_have_value("1")
    expect(live.get_by_role("link", name="Open this case again")).to_be_visible()
    journey.shot("case-closed")
    journey.check("case-closed")
    # the task list: the key is released; its state line and rows update in place
    page.goto(server.url + "room/cases", wait_until="domcontentloaded")
    expect(page.locator(".rso-room-state")).to_contain_text("closed")
    page.evaluate("window.__rsoSamePage = true")
    with open_as(server.db_url, user=TRAINER) as store:
        store.release_key(cohort.id)
    live = page.locator("[aria-live=polite][data-rso-status]")
    expect(live).to_contain_text("The trainer has released the key", timeout=40_000)
    expect(page.locator(".rso-room-state")).to_contain_text(
        "closed to submissions: the key is released to trainees. Open a case to see your "
        "feedback.")
    expect(page.locator("[data-rso-tag='TC-01']")).to_have_text("Not submitted")
    assert page.evaluate("window.__rsoSamePage === true")
    journey.shot("cases-released")
    journey.check("cases-released")
