"""The widget trainee page (workshop.ipynb) and the room page, one trainee's two windows, in a
real browser: the widget page opens a case and autosaves; the room page, on another "device",
then saves the same draft; the widget page's next autosave is refused — told in the room page's
words at the top of its form (focus moved there), its typed values kept on screen, autosaving
stopped, the room page's draft left intact — and opening the case again shows the latest
answers. And the widget page's refresh ("Check for the key"; its timer does the same) shows
what the room page drafted and submitted in its case list, and says so when it was the case
open on the page, leaving focus where it was."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_support import assert_no_traceback, new_user_page, private_server
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

JOIN_CODE = "WDG7KQ"
REFRESH_CODE = "WDG8RF"  # a workshop of two cases for the refresh
USER = "widget.twowindows"
NAME = "Two Windows"
READY_TIMEOUT = 90_000  # a Voilà page under load
CLOCK = r"(\d{1,2}(:\d\d)?[ap]m|midday|midnight)"  # UK time, as timefmt.clock_text writes it
CHANGED = re.compile(r"These answers were changed in another window or device at " + CLOCK)
SEEDED: dict[str, str] = {}


def seed(data: Path) -> None:
    from identities import open_as

    from rso_widgets.store.db import DB_FILENAME

    data.mkdir(parents=True)
    SEEDED["url"] = f"sqlite:///{data / DB_FILENAME}"
    with open_as(SEEDED["url"], user="trainer.widget") as store:
        store.create_cohort("Two windows", ["TC-02"], join_code=JOIN_CODE)
        store.create_cohort("Refresh", ["TC-01", "TC-02"], join_code=REFRESH_CODE)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with private_server(tmp_path_factory, "widget-two-windows", USER, seed=seed) as served:
        yield served


def stored_facts() -> dict:
    from identities import open_as

    with open_as(SEEDED["url"], user=USER) as mine:
        (draft,) = mine.drafts()
        return draft.data["facts"]


def test_a_stale_widget_page_is_told_and_keeps_its_answers(page, chromium, server):
    page.goto(server.url + "voila/render/workshop.ipynb", wait_until="commit")
    join = page.get_by_role("button", name="Join the workshop", exact=True)
    join.wait_for(state="visible", timeout=READY_TIMEOUT)
    page.get_by_label("Join code").fill(JOIN_CODE)
    page.get_by_label("Your display name").fill(NAME)
    join.click()
    page.get_by_role("button", name="Open this case", exact=True).click(timeout=READY_TIMEOUT)
    page.locator(".rso-workshop-case", has_text="Scoring TC-02").wait_for()
    page.get_by_label("Criminal appearances").fill("2")
    expect(page.get_by_text(re.compile(r"Draft saved at " + CLOCK))).to_be_visible()
    # the room page on another device: the same trainee saves the same draft
    with new_user_page(chromium) as room:
        room.goto(server.url + "room/", wait_until="domcontentloaded")
        room.get_by_label("Join code").fill(JOIN_CODE)
        room.get_by_label("Your display name").fill(NAME)
        room.get_by_role("button", name="Join the workshop").click()
        room.get_by_role("link", name=re.compile(r"^TC-02:")).click()
        expect(room.get_by_label("Criminal appearances", exact=True)).to_have_value("2")
        room.get_by_label("Sexual appearances", exact=True).fill("3")
        expect(room.locator("[data-rso-draft-status]")).to_have_text(
            re.compile(r"Draft saved at"), timeout=15_000)
    assert stored_facts()["sexual_appearances"] == 3
    # the widget page, opened before that save, types on: refused and told, answers kept
    page.get_by_label("Violent appearances").fill("1")
    notice = page.locator(".rso-message-error", has_text="Your changes have not been saved")
    expect(notice).to_be_visible(timeout=20_000)
    expect(page.locator(":focus")).to_contain_text("Your changes have not been saved")  # in view
    expect(notice).to_contain_text(CHANGED)
    expect(notice).to_contain_text("Select “Open this case” again to see the latest answers")
    expect(page.get_by_text("Not saved: see the message at the top of the form.")).to_be_visible()
    expect(page.get_by_label("Violent appearances")).to_have_value("1")
    expect(page.get_by_label("Criminal appearances")).to_have_value("2")
    assert_no_traceback(page)
    page.get_by_label("Criminal appearances").fill("4")  # autosaving has stopped
    page.wait_for_timeout(3000)
    facts = stored_facts()
    assert (facts["sexual_appearances"], facts["criminal_appearances"]) == (3, 2)
    assert facts.get("violent_appearances") != 1  # the room page's draft is intact
    # opening the case again shows the latest answers, and the notice goes
    page.get_by_role("button", name="Open this case", exact=True).click()
    expect(page.get_by_label("Sexual appearances")).to_have_value("3")
    expect(notice).to_be_hidden()


def room_answer(room, legend: str, choice: str) -> None:
    room.get_by_role("group", name=legend, exact=True).get_by_label(choice, exact=True).check()


def test_a_refresh_shows_the_other_windows_draft_and_submission(page, chromium, server):
    page.goto(server.url + "voila/render/workshop.ipynb", wait_until="commit")
    join = page.get_by_role("button", name="Join the workshop", exact=True)
    join.wait_for(state="visible", timeout=READY_TIMEOUT)
    page.get_by_label("Join code").fill(REFRESH_CODE)
    page.get_by_label("Your display name").fill("Refresh Reader")
    join.click()
    page.get_by_role("button", name="Open this case", exact=True).click(timeout=READY_TIMEOUT)
    page.locator(".rso-workshop-case", has_text="Scoring TC-01").wait_for()
    cases = page.get_by_label("Case", exact=True)  # its options' spaces are no-break spaces
    expect(cases).to_contain_text(re.compile(r"TC-02:\s.*\(not\sstarted\)"))
    # the room page on another device: a draft of TC-01 (open on the widget page), TC-02
    # answered, checked and submitted
    with new_user_page(chromium) as room:
        room.goto(server.url + "room/", wait_until="domcontentloaded")
        room.get_by_label("Join code").fill(REFRESH_CODE)
        room.get_by_label("Your display name").fill("Refresh Reader")
        room.get_by_role("button", name="Join the workshop").click()
        room.get_by_role("link", name=re.compile(r"^TC-01:")).click()
        room.get_by_label("Sexual appearances", exact=True).fill("3")
        expect(room.locator("[data-rso-draft-status]")).to_have_text(
            re.compile(r"Draft saved at"), timeout=15_000)
        room.goto(server.url + "room/cases", wait_until="domcontentloaded")
        room.get_by_role("link", name=re.compile(r"^TC-02:")).click()
        room_answer(room, "Sex", "Male")
        room_answer(room, "Sexual offence committed aged 17 or over", "Yes")
        room_answer(room, "How do you want to give ages?", "Enter dates")
        for legend, (day, month, year) in (("Date of birth", ("3", "8", "1998")),
                                           ("Assessment date", ("10", "2", "2026")),
                                           ("Date of commencement of risk", ("15", "11", "2022"))):
            group = room.get_by_role("group", name=legend, exact=True)
            for label, value in (("Day", day), ("Month", month), ("Year", year)):
                group.get_by_label(label, exact=True).fill(value)
        for label, value in (("Sexual appearances", "1"), ("Criminal appearances", "3"),
                             ("Violent appearances", "0")):
            room.get_by_label(label, exact=True).fill(value)
        for legend in ("Any conviction for burglary", "Sexual offence against a male",
                       "Sexual offence against a stranger", "Non-contact sexual offence",
                       "Single"):
            room_answer(room, legend, "No")
        room.get_by_role("button", name="Continue to check your answers").click()
        expect(room.get_by_role("heading", level=1)).to_have_text(
            "Check your answers before submitting them")
        room.get_by_role("button", name="Submit your answers").click()
        expect(room.get_by_text(re.compile(r"Submitted TC-02 at " + CLOCK))).to_be_visible()
    # the widget page, refreshed: both in its case list, and told about the open case
    check = page.get_by_role("button", name="Check for the key", exact=True)
    check.click()
    expect(cases).to_contain_text(re.compile(r"TC-02:\s.*\(submitted\)"))
    expect(cases).to_contain_text(re.compile(r"TC-01:\s.*\(draft\ssaved,\snot\ssubmitted\)"))
    notice = page.locator(".rso-message-error", has_text="Changes on this page are not being "
                                                         "saved")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(CHANGED)
    expect(notice).to_contain_text("Select “Open this case” again to see the latest answers")
    expect(check).to_be_focused()  # the person asked for a refresh, not to be moved
    assert_no_traceback(page)
    page.get_by_role("button", name="Open this case", exact=True).click()
    expect(page.get_by_label("Sexual appearances")).to_have_value("3")
    expect(notice).to_be_hidden()
