"""The room page (serving/room/): the trainee's workshop page with no kernel, over HTTP against
a real `rso-workbook serve` (no browser, no preheated kernels): joining (every error at once,
resuming by name), the task list, the draft endpoint, check and submit, submit gating, feedback
only after the key is released, escaping, XSRF and cookie tampering refused, and the round trip
with the widget page's stored formats (a draft or submission made on one page shows on the
other, and on the trainer's dashboard)."""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from identities import open_as

from rso_widgets.apps.workshop_trainee import WorkshopTraineeApp
from rso_widgets.calibration.cohort import cohort_frame
from rso_widgets.calibration.workshop import draft_key
from rso_widgets.cases import load_cases
from rso_widgets.commands.serve import ServedWorkbooks
from rso_widgets.instruments.rm2000_words import DATE_FIELDS
from rso_widgets.instruments.ruleset import load_rm2000_ruleset
from rso_widgets.serving.room.date_input import split
from rso_widgets.store.db import DB_FILENAME

ROOT = Path(__file__).resolve().parents[1]
USER = "room.user"  # who the server (and so every page it serves) acts as
CASES = load_cases()
BY_ID = {c.id: c for c in CASES}
RULESET = load_rm2000_ruleset()


@contextmanager
def room_server(tmp_path_factory) -> Iterator[ServedWorkbooks]:
    """A module's own `rso-workbook serve` with its data directory (no preheated kernels)."""
    base = tmp_path_factory.mktemp("room")
    data = base / "data"
    data.mkdir()
    server = ServedWorkbooks(directory=ROOT / "workbooks", log_path=base / "voila.log",
                             env={"RSO_DATA_DIR": str(data), "RSO_USER": USER}, preheat=False)
    try:
        server.start(timeout=90)
    except RuntimeError as exc:
        server.stop()
        pytest.fail(f"could not start rso-workbook serve: {exc}")
    server.db_url = f"sqlite:///{data / DB_FILENAME}"
    try:
        yield server
    finally:
        server.stop()


def workshop(trainer, cases=("TC-01", "TC-02"), name="Room <b>workshop</b>", **kw: Any):
    return trainer.create_cohort(name, list(cases), **kw)


class Browser:
    """A trainee's browser without JavaScript: a cookie jar, forms posted with the _xsrf field."""

    def __init__(self, served: ServedWorkbooks):
        self.root = served.url + "room/"
        self.http = requests.Session()

    def get(self, path: str = "", **kw: Any) -> requests.Response:
        return self.http.get(self.root + path, timeout=60, **kw)

    def xsrf(self) -> str:
        token = self.http.cookies.get("_xsrf")
        if token is None:
            self.get()
            token = self.http.cookies.get("_xsrf")
        return token

    def post(self, path: str, data: dict[str, Any] | None = None, *, token: bool = True,
             **kw: Any) -> requests.Response:
        body = dict(data or {})
        if token:
            body["_xsrf"] = self.xsrf()
        return self.http.post(self.root + path, data=body, timeout=60, **kw)

    def join(self, code: str, name: str) -> requests.Response:
        return self.post("join", {"code": code, "name": name})


def text(page: requests.Response) -> str:
    body = re.sub(r"<style>.*?</style>", " ", page.text, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def stored_draft(served, trainer, cohort_id: int, name: str, case_id: str) -> dict:
    """The draft the room page stored for trainee `name` on `case_id` ({} when none)."""
    member = next(m for m in trainer.cohort_members(cohort_id) if m.display_name == name)
    with open_as(served.db_url, user=USER) as mine:
        draft = mine.get_draft(draft_key(cohort_id, member.id, case_id))
        return draft.data if draft is not None else {}


def counts_form(case_id: str, **changes: str) -> dict[str, str]:
    """The scoring form answered with the case key's facts (counts, ages)."""
    facts = BY_ID[case_id].key_facts().model_dump(exclude_none=True, mode="json")
    dates = "date_of_birth" in facts
    form = {"age_mode": "dates" if dates else "ages", "count_mode": "counts", "mode": "form"}
    for k, v in facts.items():
        if isinstance(v, bool):
            form[k] = "yes" if v else "no"
        elif k == "sex":
            form["sex"] = v if v in ("male", "female") else "other"
        elif k in DATE_FIELDS:  # a GOV.UK date input: Day, Month, Year
            form |= {f"{k}-{p}": t for p, t in split(dt.date.fromisoformat(v)).items()}
        else:
            form[k] = str(v)
    form.update(changes)
    return form


def joined(served, code: str, name: str) -> Browser:
    b = Browser(served)
    r = b.join(code, name)
    assert r.ok and r.url.endswith("cases?welcome=new"), text(r)
    return b


# --- joining ---------------------------------------------------------------------------------

def test_the_join_page_is_plain_html_with_no_kernel(served):
    r = Browser(served).get()
    assert r.ok and "<h1>Join a workshop</h1>" in r.text
    assert 'name="_xsrf"' in r.text and "All cases are fictional" in r.text
    scripts = re.findall(r"<script[^>]*>", r.text)
    assert len(scripts) == 1 and "rso_room.js" in scripts[0]  # no widget bundle, no kernel
    assert "http://" not in r.text and "https://" not in r.text  # nothing from another host
    assert 'href="#main-content"' in r.text and '<main id="main-content"' in r.text


def test_the_kit_stylesheet_is_one_cached_file_not_inlined_in_every_page(served):
    r = Browser(served).get()
    assert "<style>" not in r.text and 'kit.css"' in r.text
    css = requests.get(served.url + "room/kit.css", timeout=30)
    assert css.ok and css.headers["Content-Type"].startswith("text/css")
    assert "max-age=3600" in css.headers["Cache-Control"] and ".rso-" in css.text


def test_join_reports_every_problem_at_once(served):
    b = Browser(served)
    r = b.join("K0", "")
    page = text(r)
    assert r.status_code == 200 and "There is a problem" in page
    assert "The join code has 6 characters; you entered 2" in page
    assert "Enter the name to show your trainer" in page
    assert 'href="#f-code"' in r.text and 'href="#f-name"' in r.text  # summary links
    assert 'id="f-code-error"' in r.text and 'id="f-name-error"' in r.text  # and inline
    assert r.text.count("<title>Error: ") == 1
    r = b.join("ZZZZZZ", "Ann")
    assert "No workshop has this join code" in text(r)


def test_joining_again_with_the_same_name_resumes_with_the_drafts(served, trainer):
    c = workshop(trainer)
    b = joined(served, c.join_code.lower(), "Resume Ann")
    r = b.post("case/TC-01/draft", counts_form("TC-01", sexual_appearances="7"))
    assert r.ok and r.json()["saved"]
    other = Browser(served)  # the page closed; a new browser, the same person
    r = other.join(c.join_code, "Resume Ann")
    assert r.url.endswith("cases?welcome=back") and "Welcome back, Resume Ann" in text(r)
    assert "In progress" in text(r)
    r = other.get("case/TC-01")
    assert 'value="7"' in r.text and "recovered from your draft" in r.text


# --- a case: draft, check, submit ------------------------------------------------------------

def test_the_whole_flow_stores_what_the_widget_page_and_the_dashboard_read(served, trainer):
    c = workshop(trainer)
    b = joined(served, c.join_code, "Flow Ben")
    cases = b.get("cases")
    assert "Not started" in text(cases) and "TC-01" in text(cases)
    case = b.get("case/TC-01")
    assert case.ok and "Fictional training case" in text(case) and "Score this case" in case.text
    r = b.post("case/TC-01/draft", counts_form("TC-01", evidence_male_victim="From the MG5"))
    assert r.json()["saved"]
    member = trainer.cohort_members(c.id)[0]
    with open_as(served.db_url, user=USER) as mine:
        stored = mine.get_draft(draft_key(c.id, member.id, "TC-01"))
        assert stored is not None
        assert set(stored.data) == {"facts", "evidence", "mode", "entered"}
        assert stored.data["evidence"] == {"male_victim": "From the MG5"}
        assert stored.data["entered"] is None and stored.data["mode"] == "form"
        # the widget page opens the same draft as if typed there
        app = WorkshopTraineeApp(mine, CASES, USER, ruleset=RULESET, autosave_seconds=0)
        assert app.join_workshop(c.join_code, "Flow Ben")
        app.open_case("TC-01")
        assert app.form.value == {**stored.data["facts"]}
        assert app.form.evidence["male_victim"] == "From the MG5"
        assert "recovered from your draft" in app.status.value
    r = b.post("case/TC-01", counts_form("TC-01"))
    assert r.url.endswith("case/TC-01/check"), text(r)
    check = text(r)
    assert "Check your answers before submitting them" in check and "Change" in check
    r = b.post("case/TC-01/check")
    assert r.url.endswith("cases?submitted=TC-01") and "Submitted TC-01 at" in text(r)
    assert "Submitted" in text(b.get("cases"))
    sub = trainer.submissions(c.id)[0]
    assert set(sub.attempt) == {"facts", "entered"} and sub.attempt["entered"] is None
    frame = cohort_frame(trainer.submissions(c.id), {"TC-01": BY_ID["TC-01"]},
                         {member.id: member.display_name}, RULESET)
    assert len(frame) >= 1  # the dashboard reads it as any other submission
    with open_as(served.db_url, user=USER) as mine:
        assert mine.get_draft(draft_key(c.id, member.id, "TC-01")) is None  # draft cleared


def test_a_widget_page_draft_and_submission_show_on_the_room_page(served, trainer):
    c = workshop(trainer)
    with open_as(served.db_url, user=USER) as mine:
        app = WorkshopTraineeApp(mine, CASES, USER, ruleset=RULESET, autosave_seconds=0)
        assert app.join_workshop(c.join_code, "Widget Cy")
        app.open_case("TC-02")
        facts = BY_ID["TC-02"].key_facts().model_dump(exclude_none=True, mode="json")
        app.form.set_facts(facts, {"single": "Court papers"})
        app.own.set_value("own", {"s": "Low", "v": "Low", "c": "Low"})
        assert app.save_draft(force=True)
    b = Browser(served)
    b.join(c.join_code, "Widget Cy")
    page = b.get("case/TC-02").text
    assert "Court papers" in page
    assert re.search(r'value="own"\s+id="f-mode-2"\s*checked', page)  # "own" restored
    assert re.search(r'id="f-own_s"[^>]*>\s*<option value="">Choose</option>.*?'
                     r'<option value="Low" selected>', page, re.S)
    r = b.post("case/TC-02", counts_form("TC-02", mode="own", own_s="Low", own_v="Low",
                                         own_c="Low"))
    assert r.url.endswith("check"), text(r)
    assert b.post("case/TC-02/check").url.endswith("submitted=TC-02")
    sub = next(s for s in trainer.submissions(c.id) if s.case_id == "TC-02")
    assert sub.attempt["entered"] == {"s": "Low", "v": "Low", "c": "Low"}


def test_check_shows_every_problem_at_once_beside_its_field(served, trainer):
    c = workshop(trainer)
    b = joined(served, c.join_code, "Errors Di")
    r = b.post("case/TC-01", {"age_mode": "ages", "count_mode": "counts", "mode": "own",
                              "age_at_assessment": "forty", "own_v_points": "x"})
    page = text(r)
    assert "There is a problem" in page and r.url.endswith("case/TC-01")
    for expected in ("Select the person's sex", "Enter the person's age at assessment as a "
                     "whole number of years, like 35", "Enter the number of",
                     "Enter the /V total points as a whole number of 0 or more, like 3",
                     "Select the /S category (after step 2), or choose another way"):
        assert expected in page, expected
    assert 'href="#f-sex"' in r.text and 'id="f-age_at_assessment-error"' in r.text
    links = re.findall(r'<li><a href="#(f-[^"]+)"', r.text)
    assert links.index("f-sex") < links.index("f-age_at_assessment") < links.index(
        "f-sexual_appearances") < links.index("f-own_v_points")  # in the form's order
    assert "Submit your answers" not in page
    # what was typed is kept, as the draft too
    assert 'value="forty"' in r.text


def test_submissions_are_refused_in_plain_words_once_the_workshop_closes(served, trainer):
    c = workshop(trainer)
    b = joined(served, c.join_code, "Gate Eve")
    assert b.post("case/TC-01", counts_form("TC-01")).url.endswith("check")
    trainer.set_cohort_open(c.id, False)
    r = b.post("case/TC-01/check")
    assert r.status_code == 409
    assert "Not submitted: the trainer has closed the workshop" in text(r)
    assert trainer.submissions(c.id) == []
    assert "Submissions are closed" in text(b.get("case/TC-01"))


def test_feedback_only_after_the_key_is_released(served, trainer):
    c = workshop(trainer)
    b = joined(served, c.join_code, "Key Fay")
    assert b.post("case/TC-01", counts_form("TC-01", criminal_appearances="3")).url.endswith(
        "check")
    assert b.post("case/TC-01/check").url.endswith("submitted=TC-01")
    early = text(b.get("case/TC-01/feedback"))
    assert "once the trainer releases the key" in early and "The key's reasoning" not in early
    trainer.release_key(c.id)
    assert "See feedback" in text(b.get("cases"))
    fb = b.get("case/TC-01/feedback")
    page = text(fb)
    assert "Your feedback on TC-01" in page and "The key" in page
    assert "Sexual appearances" in page or "sexual appearances" in page
    assert "Coding error" in page or "Differs" in page
    r = b.post("case/TC-02", counts_form("TC-02"))
    assert "Submit your answers" not in text(r)
    assert b.post("case/TC-02/check").status_code in (200, 409)
    assert [s.case_id for s in trainer.submissions(c.id)] == ["TC-01"]


def test_the_status_endpoint_follows_release_and_close_and_holds_no_key(served, trainer):
    c = workshop(trainer, cases=("TC-01", "TC-02"))
    b = joined(served, c.join_code, "Poll Ida")
    cases = b.get("cases").text
    assert 'aria-live="polite"' in cases and 'data-rso-state="open"' in cases
    assert ">Check again</a>" in cases  # without the script
    r = b.get("status")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Cache-Control"] == "no-store"
    first = r.json()
    assert first["state"] == "open" and first["submitted"] == []
    assert "This workshop is open" in first["state_line"]
    assert {row["case_id"]: row["status"] for row in first["rows"]} == {
        "TC-01": "Not started", "TC-02": "Not started"}
    assert b.post("case/TC-01", counts_form("TC-01")).url.endswith("check")
    assert b.post("case/TC-01/check").url.endswith("submitted=TC-01")
    before = b.get("status")
    # nothing of the key or of the answers before (or after) the release
    assert set(before.json()) == {"state", "state_line", "submitted", "rows"}
    assert all(set(row) == {"case_id", "status"} for row in before.json()["rows"])
    assert "reasoning" not in before.text.lower() and "appearances" not in before.text
    assert before.json()["submitted"] == ["TC-01"]
    assert {row["case_id"]: row["status"] for row in before.json()["rows"]}["TC-01"] == \
        "Submitted"
    trainer.set_cohort_open(c.id, False)
    closed = b.get("status").json()
    assert closed["state"] == "closed" and "closed" in closed["state_line"]
    listed = b.get("cases").text  # closed: only the key is still to come
    assert ">Check again</a>" in listed and "or closed the workshop" not in listed
    assert {row["case_id"]: row["status"] for row in closed["rows"]}["TC-02"] == "Not submitted"
    trainer.release_key(c.id)
    released = b.get("status").json()
    assert released["state"] == "released" and released["submitted"] == ["TC-01"]
    assert {row["case_id"]: row["status"] for row in released["rows"]}["TC-01"] == \
        "See feedback"
    assert 'data-rso-state="released"' in b.get("case/TC-02").text
    assert "Check again" not in b.get("cases").text  # nothing left to wait for
    # no membership, or a forged one: refused, as JSON, no traceback
    stranger = Browser(served)
    r = stranger.get("status")
    assert r.status_code == 403 and r.json() == {"state": None, "error": 403}
    stranger.http.cookies.set("rso_room", f"{c.id}:1")  # unsigned
    assert stranger.get("status").status_code == 403


def test_free_text_is_escaped(served, trainer):
    c = workshop(trainer, name="<script>alert(1)</script> & co")
    b = joined(served, c.join_code, "<img src=x onerror=alert(1)>")
    page = b.get("cases").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page and "&lt;img src=x" in page
    b.post("case/TC-01/draft", counts_form("TC-01", evidence_single="</textarea><b>x</b>"))
    page = b.get("case/TC-01").text
    assert "</textarea><b>x</b>" not in page and "&lt;/textarea&gt;&lt;b&gt;x" in page


def test_an_over_long_field_is_refused_in_plain_words(served, trainer):
    c = workshop(trainer)
    b = joined(served, c.join_code, "Long Ida")
    r = b.post("case/TC-01", counts_form("TC-01", evidence_single="x" * 30_000))
    assert r.status_code == 400 and "This form could not be read" in text(r)
    r = b.post("case/TC-01", counts_form("TC-01", evidence_single="x" * 2_500))
    assert "The evidence note is 2,500 characters long; the limit is 2,000" in text(r)


# --- security --------------------------------------------------------------------------------

def test_a_post_without_the_xsrf_token_is_refused(served, trainer):
    c = workshop(trainer)
    b = Browser(served)
    r = b.post("join", {"code": c.join_code, "name": "No Token"}, token=False)
    assert r.status_code == 403 and "Traceback" not in r.text
    assert trainer.cohort_members(c.id) == []
    b = joined(served, c.join_code, "Token Gus")
    r = b.post("case/TC-01/draft", counts_form("TC-01"), token=False)
    assert r.status_code == 403


def test_a_tampered_cookie_is_refused(served, trainer):
    c = workshop(trainer)
    ann = joined(served, c.join_code, "Cookie Ann")
    joined(served, c.join_code, "Cookie Bob")
    cookie = ann.http.cookies.get("rso_room")
    assert cookie
    ids = trainer.cohort_members(c.id)
    bob = next(m for m in ids if m.display_name == "Cookie Bob")
    forged = Browser(served)
    # Tornado's signed value: 2|1:0|<time>|<name>|<n>:<base64 value>|<signature>
    parts = cookie.split("|")
    value = base64.b64encode(f"{c.id}:{bob.id}".encode()).decode()
    parts[4] = f"{len(value)}:{value}"  # another member, the old signature
    forged.http.cookies.set("rso_room", "|".join(parts))
    r = forged.get("cases")
    assert r.url.endswith("room/") and "<h1>Join a workshop</h1>" in r.text
    forged.http.cookies.set("rso_room", f"{c.id}:{bob.id}")  # unsigned
    assert "<h1>Join a workshop</h1>" in forged.get("cases").text
    assert "Cookie Ann" in ann.get("cases").text  # the real cookie still works


def test_a_case_outside_the_workshop_is_not_found_and_errors_show_no_traceback(served, trainer):
    c = workshop(trainer, cases=("TC-01",))
    b = joined(served, c.join_code, "Other Hal")
    r = b.get("case/TC-02")
    assert r.status_code == 404 and "Page not found" in r.text and "Traceback" not in r.text


# --- ARMS on the room page -------------------------------------------------------------------

def key_ratings(case_id: str, **changes: str) -> dict[str, str]:
    from rso_widgets.cases.arms_key import key_assessment

    key = key_assessment(BY_ID[case_id])
    return {fid: r.rating for fid, r in key.ratings.items()} | changes


def test_arms_rm2000_and_arms_case_every_problem_then_submit(served, trainer):
    from rso_widgets.calibration.workshop import submission_parts

    c = trainer.create_cohort("ARMS room", ["TC-01", "TC-02"],
                              instruments={"TC-01": ["rm2000", "arms"], "TC-02": ["arms"]})
    b = joined(served, c.join_code, "Arms Ivy")
    listing = text(b.get("cases"))
    assert "Score with RM2000 and ARMS" in listing and "Score with ARMS" in listing
    # ARMS only: the key's RM2000 result is given as context; RM2000 and ARMS: never
    assert "RM2000 for this case (given" in b.get("case/TC-02").text
    page = b.get("case/TC-01").text
    assert "RM2000 for this case (given" not in page and "<h3>ARMS</h3>" in page
    assert 'name="arms_R1_fu_what"' in page  # the insufficient-information follow-up
    # RM2000 and ARMS problems in the same submit
    form = counts_form("TC-01", criminal_appearances="") | {"arms_R1_rating": "not_evident"}
    r = b.post("case/TC-01", form)
    found = text(r)
    assert "There is a problem" in found and "Enter the number of criminal appearances" in found
    assert "Rate R2 Offence-related sexual interest" in found
    assert 'href="#f-arms_R2_rating"' in r.text and 'id="f-arms_R2_rating-error"' in r.text
    # rated, with evidence and a follow-up: kept as the draft, then submitted
    mine = key_ratings("TC-01", R1="insufficient_information", R5="evident")
    form = counts_form("TC-01") | {f"arms_{fid}_rating": v for fid, v in mine.items()}
    form |= {"arms_R5_ev1_what": "Said so at the home visit", "arms_R5_ev1_source": "home visit",
             "arms_R1_fu_what": "Internet use", "arms_R1_fu_source": "Police IT",
             "arms_R1_fu_due-day": "1", "arms_R1_fu_due-month": "12",
             "arms_R1_fu_due-year": "2025", "arms_priority": "Medium",
             "arms_rationale": "Stable <but> watch"}
    r = b.post("case/TC-01", form)
    assert r.url.endswith("check"), text(r)
    member = next(m for m in trainer.cohort_members(c.id) if m.display_name == "Arms Ivy")
    with open_as(served.db_url, user=USER) as store:
        draft = store.get_draft(draft_key(c.id, member.id, "TC-01")).data
        assert draft["arms"]["ratings"]["R5"]["evidence"][0]["source"] == "home visit"
        assert draft["arms"]["ratings"]["R1"]["follow_up"]["due"] == "2025-12-01"
        assert draft["arms"]["rm2000"] is None
        # the widget page restores it as its own
        app = WorkshopTraineeApp(store, CASES, USER, ruleset=RULESET, autosave_seconds=0)
        assert app.join_workshop(c.join_code, "Arms Ivy")
        app.open_case("TC-01")
        assert {fid: s.rating.value for fid, s in app.arms.sections.items()} == mine
        assert app.arms.value.priority.rationale == "Stable <but> watch"
    assert "Stable &lt;but&gt; watch" in b.get("case/TC-01").text
    assert b.post("case/TC-01/check").url.endswith("submitted=TC-01")
    rm, arms = submission_parts(trainer.submissions(c.id)[0].attempt)
    assert rm["facts"]["criminal_appearances"] == 2
    assert arms["ratings"]["R5"]["rating"] == "evident"
    trainer.release_key(c.id)
    fb = text(b.get("case/TC-01/feedback"))
    assert "Your feedback on TC-01" in fb and "ARMS" in fb and "RM2000" in fb


def test_a_store_that_cannot_be_reached_shows_a_friendly_page_and_is_logged(tmp_path):
    server = ServedWorkbooks(directory=ROOT / "workbooks", log_path=tmp_path / "voila.log",
                             env={"RSO_DATA_DIR": str(tmp_path / "data"), "RSO_USER": USER,
                                  # nothing listens on port 9: every store call fails
                                  "RSO_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/x"},
                             preheat=False)
    try:
        server.start(timeout=90)
    except RuntimeError as exc:
        server.stop()
        pytest.fail(f"could not start rso-workbook serve: {exc}")
    try:
        b = Browser(server)
        assert b.get().ok  # the join form needs no store
        r = b.join("K7QM3X", "Ann")
        assert r.status_code == 500
        page = text(r)
        assert "Sorry, there is a problem with the service" in page
        assert "Your answers are kept as a draft" in page
        assert "Traceback" not in r.text and "psycopg" not in r.text and "9/x" not in r.text
    finally:
        server.stop()
    log = (tmp_path / "voila.log").read_text(encoding="utf-8", errors="replace")
    assert "room page POST /room/join failed" in log


def test_the_case_file_cache_follows_an_edited_case_and_holds_nothing_of_a_trainee(monkeypatch):
    """The room draws each case file once (not once per trainee) and again once a trainer
    edits the case; the cases are looked at again only when the case folders changed."""
    from rso_widgets.serving.room import session

    monkeypatch.setattr(session, "CASES_SECONDS", 0.0)
    case = BY_ID["TC-01"]
    versions = [[case]]
    signature = ["v1"]
    loads: list[int] = []

    def load() -> list:
        loads.append(1)
        return versions[-1]

    room = session.Room(load_cases=load, cases_signature=lambda: signature[0])
    drawn: list[str] = []

    def render(c) -> str:
        drawn.append(c.id)
        return f"<p>{html.escape(c.title)}</p>"

    first = room.case_file(room.cases()["TC-01"], render)
    assert room.case_file(room.cases()["TC-01"], render) == first
    assert drawn == ["TC-01"] and len(loads) == 1  # folders unchanged: not reloaded
    edited = case.model_copy(update={"title": "Edited <title>"})
    versions.append([edited])
    signature[0] = "v2"  # the trainer saved the case file again
    again = room.case_file(room.cases()["TC-01"], render)
    assert again == "<p>Edited &lt;title&gt;</p>" and drawn == ["TC-01", "TC-01"]
    assert len(loads) == 2
    assert room.labels is room.labels and room.labels["sex"] == "Sex"
