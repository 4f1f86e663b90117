"""The whole workshop with the room page, in real browsers against one live `rso-workbook serve`:
a trainer on the trainer dashboard (a Voilà page) creates a workshop on TC-02 scored with RM2000
and ARMS, and reads the join code and the trainees' address from the page; three trainees
(separate browser contexts, as on separate machines) open the start page, follow "Join a
workshop" to the room page (no kernel), join with the code under different names, score both
instruments by the labels a person reads, check their answers and submit — one first leaves a
factor unrated and an evidence note without its source, and corrects both from the error
summary. The trainer's page, never reloaded, sees the joins and the submissions arrive and the
items that divide the room; the trainer releases the key; a trainee's task list says so without
a reload (its polling status region) and the feedback shows item by item the key's reasoning
and the error type. axe-core finds nothing, of any impact, on either side at each of those
moments (a screenshot of each in `test-artifacts/room-workshop/`). Waits are on visible text
and roles with generous bounded timeouts; no fixed sleeps."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from browser_support import (
    ARTIFACTS,
    AXE_ANY,
    assert_accessible,
    assert_no_traceback,
    new_user_page,
    private_server,
)
from playwright.sync_api import expect

from rso_widgets.commands.serve import ServedWorkbooks

pytestmark = pytest.mark.browser

TRAINER = "voila/render/trainer_dashboard.ipynb"
WORKSHOP = "Room calibration"
READY_TIMEOUT = 90_000  # a Voilà page under load
LIVE_TIMEOUT = 60_000  # the trainer's timer ticks every 10 s; a refresh can take a few seconds
PAGE_TIMEOUT = 30_000  # a room page that loads what it needs on first use (feedback, ARMS)
POLL_TIMEOUT = 75_000  # the room page checks the workshop's state every 15 s, then less often
# TC-02's ARMS key, factor by factor (the label a trainee reads)
KEY = {"R1 Sexual preoccupation": "Not evident",
       "R2 Offence-related sexual interest": "Partly evident",
       "R3 Emotional congruence with children": "Partly evident",
       "R4 Hostile orientation": "Not evident", "R5 Poor self-management": "Partly evident",
       "R6 Negative social influences": "Not evident",
       "R7 Opportunity to offend": "Partly evident", "P1 Social investment": "Partly present",
       "P2 Commitment to desist": "Present", "P3 Positive routine": "Present",
       "P4 Positive social influences": "Partly present"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    # no preheated trainee kernels: nobody here opens the notebook trainee page
    with private_server(tmp_path_factory, "room-workshop", "browser.trainer",
                        preheat=False) as served:
        yield served


SHOTS = ARTIFACTS / "room-workshop"


def _accessible(page, moment: str) -> None:
    """No traceback and no axe-core violation of any impact; a screenshot of what is in view."""
    assert_no_traceback(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{moment}.png"))
    assert_accessible(page, fail_on=AXE_ANY)


def _answer(scope, legend: str, choice: str) -> None:
    scope.get_by_role("group", name=legend, exact=True).get_by_label(choice, exact=True).check()


def _create_workshop(tp) -> tuple[str, str]:
    """The trainer's set-up: TC-02 with RM2000 and ARMS. Returns (join code, trainees' address)
    as the page shows them."""
    create = tp.get_by_role("button", name="Create the workshop", exact=True)
    create.wait_for(state="visible", timeout=READY_TIMEOUT)
    assert_no_traceback(tp)
    tp.get_by_label("Workshop name").fill(WORKSHOP)
    tp.get_by_role("checkbox", name=re.compile(r"^TC-02:")).check()
    choice = tp.get_by_label("Instruments for TC-02", exact=True)
    expect(choice).to_be_visible()
    choice.select_option(label="RM2000 and ARMS")
    room = tp.get_by_role("radio", name="On the workshop page in their browser (recommended)")
    expect(room).to_be_checked()  # the default; the notebook page is the other choice
    create.click()
    code_line = tp.get_by_text(re.compile(r"^Join code: [A-Z2-9]{6}$"))
    code_line.wait_for(state="visible", timeout=READY_TIMEOUT)
    code = code_line.inner_text().split(":", 1)[1].strip()
    expect(tp.get_by_role("status").filter(has_text="This workshop is open")).to_contain_text(
        "TC-02 (RM2000 and ARMS)")
    # where trainees go: the start page's "Join a workshop", and the room page's address as a
    # link the trainer can read out
    expect(tp.get_by_text(re.compile(r"^Trainees join on the workshop page: they open this "
                                     r"service's start page and choose Join a workshop"))) \
        .to_be_visible()
    address = tp.get_by_role("link", name=re.compile(r"\/room\/$"))
    expect(address).to_be_visible()
    # and it looks like a link: underlined, not the colour of the hint around it
    look = address.evaluate("""e => { const s = getComputedStyle(e);
        return [s.textDecorationLine, s.color, getComputedStyle(e.parentElement).color]; }""")
    assert look[0] == "underline" and look[1] != look[2], look
    return code, address.get_attribute("href") or ""


def _join(pg, base: str, address: str, code: str, name: str) -> None:
    """From the start page by its "Join a workshop" link, to the room page; join; open TC-02."""
    pg.goto(base, wait_until="domcontentloaded")
    pg.get_by_role("link", name="Join a workshop", exact=True).click()
    expect(pg.get_by_role("heading", level=1)).to_have_text("Join a workshop")
    assert pg.url == address, (pg.url, address)
    pg.get_by_label("Join code").fill(code)
    pg.get_by_label("Your display name").fill(name)
    pg.get_by_role("button", name="Join the workshop").click()
    expect(pg.get_by_role("heading", level=1)).to_have_text(f"Workshop: {WORKSHOP}",
                                                            timeout=PAGE_TIMEOUT)
    expect(pg.get_by_text(f"You joined as {name}")).to_be_visible()
    pg.get_by_role("link", name=re.compile(r"^TC-02:")).click()
    expect(pg.get_by_role("heading", level=2, name="Score this case")).to_be_visible(
        timeout=PAGE_TIMEOUT)


def _score(pg, single: str, ratings: dict[str, str]) -> None:
    """TC-02's RM2000 facts (`single` as this trainee reads it) and the ARMS `ratings`."""
    _answer(pg, "Sex", "Male")
    _answer(pg, "Sexual offence committed aged 17 or over", "Yes")
    _answer(pg, "How do you want to give ages?", "Enter ages in years")
    pg.get_by_label("Age at assessment", exact=True).fill("27")
    pg.get_by_label("Age at commencement of risk", exact=True).fill("24")
    _answer(pg, "How do you want to give the convictions?", "Enter counts")
    for label, value in (("Sexual appearances", "1"), ("Criminal appearances", "3"),
                         ("Violent appearances", "0")):
        pg.get_by_label(label, exact=True).fill(value)
    for legend in ("Any conviction for burglary", "Sexual offence against a male",
                   "Sexual offence against a stranger", "Non-contact sexual offence"):
        _answer(pg, legend, "No")
    _answer(pg, "Single", single)
    _answer(pg, "How do you want to give your result?",
            "Work them out from my answers (the form does the arithmetic)")
    for factor, rating in ratings.items():
        _answer(pg.get_by_role("group", name=factor, exact=True), "Your rating", rating)
    _answer(pg, "Priority for work", "Medium")


def _continue(pg) -> None:
    pg.get_by_role("button", name="Continue to check your answers", exact=True).click()
    expect(pg.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting them", timeout=PAGE_TIMEOUT)


def _send(pg) -> None:
    pg.get_by_role("button", name="Submit your answers", exact=True).click()
    expect(pg.get_by_text(re.compile(r"Submitted TC-02 at (\d{1,2}(:\d\d)?[ap]m|midday|midnight)"))
           ).to_be_visible(
        timeout=PAGE_TIMEOUT)


def test_a_trainer_runs_a_room_of_three_on_the_room_page(chromium, server):
    start = time.monotonic()
    base = server.url
    with new_user_page(chromium) as tp, new_user_page(chromium) as first, \
            new_user_page(chromium) as second, new_user_page(chromium) as third:
        # 1. the trainer creates the workshop and reads out the code and the address
        tp.goto(base + TRAINER, wait_until="commit")
        code, address = _create_workshop(tp)
        assert address == base + "room/", address
        counts = tp.locator(".rso-roster-counts")
        expect(counts).to_contain_text("0 trainees joined")
        _accessible(tp, "01-trainer-created")
        tp.evaluate("window.__rsoSamePage = true")  # never reloaded from here on

        # 2. three trainees join under different names (one types the code in lower case)
        _join(first, base, address, code.lower(), "Alex <b>P</b>")
        _accessible(first, "02-trainee-case")
        _join(second, base, address, code, "Sam Q")
        _join(third, base, address, code, "Jo R")
        # the trainer's page notices the joins on its own
        expect(counts).to_contain_text("3 trainees joined", timeout=LIVE_TIMEOUT)
        roster = tp.get_by_role("table", name="Who has joined and submitted")
        for rater in ("Rater 1", "Rater 2", "Rater 3"):  # anonymous by default
            expect(roster.get_by_role("rowheader", name=rater, exact=True)).to_be_visible()

        # the first agrees with the key throughout; the second codes "single" wrongly and
        # rates R1 higher than the key
        _score(first, "No", KEY)
        _continue(first)
        _send(first)
        _score(second, "Yes", {**KEY, "R1 Sexual preoccupation": "Evident"})
        _continue(second)
        _send(second)
        # the third leaves R6 unrated and writes an R4 evidence note without its source:
        # both errors at once in the summary, each corrected from its link
        _score(third, "No", {k: v for k, v in KEY.items()
                             if k != "R6 Negative social influences"})
        note = third.get_by_role("group", name="R4 evidence note 1", exact=True)
        note.get_by_label("What was seen or said").fill("Calm and polite at every visit")
        third.get_by_role("button", name="Continue to check your answers", exact=True).click()
        summary = third.get_by_role("alert")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("Rate R6 Negative social influences")
        expect(summary).to_contain_text("Select where R4 evidence note 1 came from")
        _accessible(third, "03-trainee-errors")
        summary.get_by_role("link", name="Select where R4 evidence note 1 came from").click()
        source = third.get_by_role("group", name="R4 evidence note 1", exact=True).get_by_label(
            "Where it came from")
        expect(source).to_be_focused()
        source.select_option("home visit")
        third.get_by_role("alert").get_by_role(
            "link", name=re.compile(r"^Rate R6 Negative social influences")).click()
        r6 = third.get_by_role("group", name="R6 Negative social influences", exact=True)
        expect(r6.get_by_label("Not evident", exact=True)).to_be_focused()
        _answer(r6, "Your rating", "Not evident")
        _continue(third)
        # the note is in the answers checked, with its source: nothing left out
        expect(third.get_by_text("Calm and polite at every visit (home visit)")).to_be_visible()
        _send(third)
        _accessible(third, "04-trainee-submitted")

        # 3. the trainer's page, never reloaded, sees the submissions and what divides the room
        expect(counts).to_contain_text("3 submissions", timeout=LIVE_TIMEOUT)
        expect(counts).to_contain_text("3 of 3 have submitted every case")
        prompts = tp.locator(".rso-debrief-prompt")
        expect(prompts.filter(has_text="TC-02: Single")).to_be_visible(timeout=LIVE_TIMEOUT)
        expect(tp.locator(".rso-arms-results .rso-debrief-prompt").filter(
            has_text="Sexual preoccupation")).to_be_visible()
        text = tp.locator("body").inner_text()
        assert "Alex" not in text and "Sam Q" not in text  # anonymous by default
        _accessible(tp, "05-trainer-submissions")
        # the second trainee looks at the task list again while the trainer releases the key
        second.get_by_role("link", name="Check again").click()
        expect(second.get_by_role("heading", level=1)).to_have_text(f"Workshop: {WORKSHOP}")
        expect(second.locator("[data-rso-tag='TC-02']")).to_have_text("Submitted")
        second.evaluate("window.__rsoSamePage = true")
        tp.get_by_role("button", name="Release the key to trainees", exact=True).click()
        expect(tp.get_by_role("button", name="Withdraw the key from trainees",
                              exact=True)).to_be_visible(timeout=LIVE_TIMEOUT)
        expect(tp.locator(".rso-workshop-state")).to_contain_text("closed to submissions")
        _accessible(tp, "06-trainer-released")
        assert tp.evaluate("window.__rsoSamePage === true")

        # 4. the trainee's page says so by itself, then the feedback, item by item
        live = second.locator("[aria-live=polite][data-rso-status]")
        expect(live).to_contain_text("The trainer has released the key", timeout=POLL_TIMEOUT)
        assert second.evaluate("window.__rsoSamePage === true")  # not reloaded
        expect(second.locator("[data-rso-tag='TC-02']")).to_have_text("See feedback")
        expect(second.get_by_text("This workshop is closed to submissions: the key is released "
                                  "to trainees. Open a case to see your feedback.")).to_be_visible()
        _accessible(second, "07-trainee-released")
        second.get_by_role("link", name=re.compile(r"^TC-02:")).click()
        expect(second.get_by_role("heading", level=1)).to_have_text("Your feedback on TC-02",
                                                                    timeout=PAGE_TIMEOUT)
        expect(second.get_by_text("The categories are the same, but 1 item differs.")) \
            .to_be_visible()
        expect(second.get_by_role("row", name=re.compile(r"^Single Yes No Differs\. Coding "
                                                         r"error: a fact was read wrongly")))\
            .to_be_visible()
        expect(second.get_by_role("row", name=re.compile(
            r"^Single: you coded yes; the key has no\. The key's reasoning: He married in"))) \
            .to_be_visible()
        expect(second.get_by_role("heading", level=2, name="ARMS")).to_be_visible()
        expect(second.get_by_role("heading", level=4, name=re.compile(
            r"^R1 Sexual preoccupation: "))).to_be_visible()
        expect(second.get_by_text("You: Evident · Key: Not evident")).to_be_visible()
        _accessible(second, "08-trainee-feedback")
        for pg in (tp, first, third):
            assert_no_traceback(pg)
        print(f"\nroom workshop, trainer and three trainees: {time.monotonic() - start:.1f} s")
