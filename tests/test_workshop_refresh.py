"""The widget trainee page's refresh (`WorkshopTraineeApp.check`: its timer and "Check for the
key") shows what the same person saved or submitted in another window — another widget tab, or
the room page — in its case list, as a rejoin would, without opening a case. If the case open
on the page was submitted or its draft changed there, the page says so in the words both pages
use (`answers.conflict_sentence` / `elsewhere_notice`) and overwrites neither side: the answers
on screen stay, nothing is saved or submitted from that window until the case is opened again,
and the store's revision guard still refuses a stale save. SQLite and PostgreSQL; the pure rule
(`answers.changed_elsewhere`) on its own too. Store costs: `test_workshop_transactions.py`."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import re

import pytest
from identities import open_as
from room_inprocess import RoomServer, counting
from test_room_draft_conflicts import revision
from test_room_page import counts_form
from test_workshop import CASES, RULESET, key_facts
from test_workshop_draft_conflicts import stored

from rso_widgets.apps.workshop_answers import REOPEN
from rso_widgets.apps.workshop_trainee import WorkshopTraineeApp
from rso_widgets.calibration.workshop.answers import (
    CONFLICT_TITLE,
    NOT_SAVING_TITLE,
    ChangedElsewhere,
    changed_elsewhere,
    conflict_sentence,
    elsewhere_notice,
)
from rso_widgets.store.draft_revision import ABSENT
from rso_widgets.timefmt import clock_text

USER = "room.user"  # the in-process room's signed-in user: every window is the same person
T0 = dt.datetime(2026, 12, 7, 10, 30, tzinfo=dt.UTC)


def window(url: str, code: str, autosave_seconds: float = 0) -> WorkshopTraineeApp:
    """One window of the widget page, joined (again) as Alex."""
    app = WorkshopTraineeApp(open_as(url, user=USER), CASES, USER, ruleset=RULESET,
                             autosave_seconds=autosave_seconds)
    assert app.join_workshop(code, "Alex"), app.join.summary.text
    return app


def states(app: WorkshopTraineeApp) -> dict[str, str]:
    """Each case's state as the case list shows it ("TC-01: … (submitted)" → "submitted")."""
    return {cid: re.search(r"\(([^()]*)\)$", label).group(1)
            for label, cid in app.choice.options}


def notice(app: WorkshopTraineeApp) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", app.conflict.value))


@pytest.fixture
def url(store_url) -> str:
    return store_url  # SQLite and PostgreSQL


@pytest.fixture
def code(url) -> str:
    with open_as(url, user=USER) as trainer:
        return trainer.create_cohort("Refresh", ["TC-01", "TC-02", "TC-03"]).join_code


# -- the rule ------------------------------------------------------------------------------------
class Sub:
    def __init__(self, id_: int, at: dt.datetime):
        self.id, self.created_at = id_, at


class Draft:
    def __init__(self, at: dt.datetime):
        self.updated_at = at


def test_what_changed_elsewhere_is_worked_out_from_one_read():
    t1, t2, t3 = T0, T0 + dt.timedelta(minutes=1), T0 + dt.timedelta(minutes=2)
    mine = Sub(1, t1)
    # nothing changed: the draft the page saved, the submission it knew
    assert changed_elsewhere(t1, mine, Draft(t1), mine) is None
    assert changed_elsewhere(None, None, None, None) is None
    # the draft saved elsewhere (or first saved there)
    assert changed_elsewhere(t1, None, Draft(t2), None) == ChangedElsewhere(t2)
    assert changed_elsewhere(None, None, Draft(t2), None) == ChangedElsewhere(t2)
    # submitted elsewhere: the draft cleared with it, or there was none
    assert changed_elsewhere(t1, mine, None, Sub(2, t2)) == ChangedElsewhere(t2, True)
    assert changed_elsewhere(None, None, None, Sub(2, t2)) == ChangedElsewhere(t2, True)
    # submitted, then a new draft there: the draft is the latest answers
    assert changed_elsewhere(t1, mine, Draft(t3), Sub(2, t2)) == ChangedElsewhere(t3)
    # the draft gone with no submission seen: deleted, or submitted elsewhere
    assert changed_elsewhere(t1, mine, None, mine) == ChangedElsewhere(None)


def test_the_notice_says_what_happened_and_what_is_not_saved():
    at = dt.datetime(2026, 12, 7, 11, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))  # 10:05am UK
    head, text = elsewhere_notice(ChangedElsewhere(at, True), unsaved=False, to_see=REOPEN)
    assert head == NOT_SAVING_TITLE
    assert text == ("These answers were submitted in another window or device at 10:05am. "
                    "Select “Open this case” again to see the latest answers: until then, "
                    "changes you make on this page are not saved.")
    # something typed is lost: the refused save's sentence, with what happened
    head, text = elsewhere_notice(ChangedElsewhere(at), unsaved=True, to_see=REOPEN)
    assert (head, text) == (CONFLICT_TITLE, conflict_sentence(at, to_see=REOPEN))
    head, text = elsewhere_notice(ChangedElsewhere(at, True), unsaved=False, submitting=True,
                                  to_see=REOPEN)
    assert head == CONFLICT_TITLE and text.startswith(
        "These answers were submitted in another window or device at 10:05am. Your answers "
        "have not been submitted.")
    # the room page's sentence is unchanged
    assert conflict_sentence(None) == (
        "These answers were submitted or changed in another window or device. Your changes "
        "on this page have not been saved. Reload the page to see the latest answers, then "
        "make your changes again.")


# -- two windows ---------------------------------------------------------------------------------
def test_a_refresh_shows_another_windows_drafts_and_submissions(url, code):
    one, two = window(url, code), window(url, code)
    assert states(one) == dict.fromkeys(("TC-01", "TC-02", "TC-03"), "not started")
    two.open_case("TC-02")
    two.form.set_facts(key_facts("TC-02", criminal_appearances=3))  # a draft
    two.open_case("TC-03")
    two.form.set_facts(key_facts("TC-03"))
    assert two.submit() is not None, two.status.value
    assert states(one)["TC-02"] == "not started"  # not read yet
    seen: list[object] = []
    one.choice.observe(seen.append, names="options")
    one.check()  # "Check for the key"
    assert states(one) == {"TC-01": "not started", "TC-02": "draft saved, not submitted",
                           "TC-03": "submitted"}
    assert len(seen) == 1
    one._tick()  # the timer: a quiet refresh sends the page nothing
    assert len(seen) == 1
    # nothing was open: nothing to tell; opening a case shows the other window's answers
    assert one.conflict.layout.display == "none" and not one._stale
    one.open_case("TC-02")
    assert one.form.value["criminal_appearances"] == 3
    one.open_case("TC-01")
    # the page's own saves (a new draft's, then the fast path's) are not "another window"
    for cid, n in (("TC-01", 4), ("TC-01", 5), ("TC-02", 5)):
        if one.case.id != cid:
            one.open_case(cid)
        one.form.set_facts(key_facts(cid, criminal_appearances=n))
        one.check()
        assert not one._stale and one.conflict.layout.display == "none", cid
        assert stored(one, cid).data["facts"]["criminal_appearances"] == n
    one.open_case("TC-03")
    assert "These are the answers you submitted" in one.status.value
    one.check()
    assert not one._stale


def test_the_open_case_submitted_elsewhere_is_told_and_nothing_is_overwritten(url, code):
    one, two = window(url, code), window(url, code)
    one.open_case("TC-01")
    one.form.set_facts(key_facts("TC-01", criminal_appearances=2))  # one's draft
    two.open_case("TC-01")
    two.form.set_facts(key_facts("TC-01", criminal_appearances=6))
    sub = two.submit()
    assert sub is not None and stored(two) is None
    with counting(one.store) as n:
        one._tick()
    assert n.transactions == 1  # the refresh's one read: nothing written
    assert states(one)["TC-01"] == "submitted"
    assert one._stale and one.conflict.layout.display == ""
    assert NOT_SAVING_TITLE in notice(one)
    assert ("These answers were submitted in another window or device at "
            f"{clock_text(sub.created_at)}. "
            "Select “Open this case” again to see the latest answers") in notice(one)
    assert 'role="alert"' in one.conflict.value  # announced; focus is left where it was
    assert one.form.value["criminal_appearances"] == 2  # one's answers stay on screen
    # typing saves nothing; a submission is refused: two's submission stays the latest
    with counting(one.store) as n:
        one.form.set_facts(key_facts("TC-01", criminal_appearances=4))
    assert n.transactions == 0 and stored(one) is None
    assert one.submit() is None
    assert CONFLICT_TITLE in notice(one) and "Your answers have not been submitted" in \
        notice(one)
    (latest,) = one.store.submissions(one.cohort.id, member_id=one.member.id)
    assert latest.id == sub.id and latest.attempt["facts"]["criminal_appearances"] == 6
    # opened again: the submitted answers, and the page saves again (a new draft)
    one.open_case("TC-01")
    assert one.conflict.layout.display == "none" and not one._stale
    assert one.form.value["criminal_appearances"] == 6 and one._revision == ABSENT
    one.form.set_facts(key_facts("TC-01", criminal_appearances=7))
    assert stored(one).data["facts"]["criminal_appearances"] == 7


def test_a_draft_changed_elsewhere_while_an_edit_waits_to_save(url, code):
    """Real time: the page's autosave waits a moment after an edit; a refresh in that moment
    that finds the draft changed elsewhere says the edit was not saved, and it never is."""
    one, two = window(url, code, autosave_seconds=0.3), window(url, code)
    one.open_case("TC-01")
    two.open_case("TC-01")
    two.form.set_facts(key_facts("TC-01", criminal_appearances=6))
    theirs = stored(two)

    async def edit_then_refresh() -> None:
        one.form.set_facts(key_facts("TC-01", criminal_appearances=2))
        assert one.autosave.pending
        one.check()
        assert one._stale and not one.autosave.pending  # told by the refresh, not the save
        await asyncio.sleep(0.6)  # past the autosave's moment

    asyncio.run(edit_then_refresh())
    assert one._stale and not one.autosave.pending
    assert CONFLICT_TITLE in notice(one)
    assert conflict_sentence(theirs.updated_at, to_see=REOPEN) in notice(one)
    assert f"changed in another window or device at {clock_text(theirs.updated_at)}." in \
        notice(one)
    assert "Not saved" in one.draft_status.value
    assert stored(one) == theirs and one.form.value["criminal_appearances"] == 2
    # the revision guard is still the last word: a stale save forced through is refused
    one._stale = False
    assert one.save_draft(force=True) is False and stored(one) == theirs


def test_a_case_submitted_on_the_room_page_shows_in_the_widget_page(url, code):
    with open_as(url, user=USER) as room_store, RoomServer(room_store) as srv:
        widget = window(url, code)
        widget.open_case("TC-01")
        widget.form.set_facts(key_facts("TC-01", criminal_appearances=2))  # the widget's draft
        room = srv.browser()
        assert room.post("join", {"code": code, "name": "Alex"}).status_code in (200, 302)
        # the room page: a draft of TC-03, and TC-01 (the case open on the widget page) checked
        # and submitted from the latest answers
        room.get("case/TC-03")
        assert room.post("case/TC-03/draft", {"mode": "form", "sex": "male",
                                              "rso_draft": "none"}).json()["saved"]
        r = room.post("case/TC-01", counts_form("TC-01", rso_draft=revision(
            room.get("case/TC-01"))))
        assert r.url.endswith("case/TC-01/check"), r.text[:300]
        r = room.post("case/TC-01/check", {"rso_draft": revision(r)})
        assert r.url.endswith("cases?submitted=TC-01"), r.text[:300]
        widget._tick()
        assert states(widget) == {"TC-01": "submitted", "TC-02": "not started",
                                  "TC-03": "draft saved, not submitted"}
        # the room page's status poll says the same
        rows = {r["case_id"]: r["status"] for r in room.get("status").json()["rows"]}
        assert rows == {"TC-01": "Submitted", "TC-02": "Not started", "TC-03": "In progress"}
        # the open case: told, its answers kept, the room page's submission left as it is
        assert widget._stale and "submitted in another window or device" in notice(widget)
        assert widget.form.value["criminal_appearances"] == 2
        assert widget.submit() is None and len(widget.store.submissions(
            widget.cohort.id, member_id=widget.member.id)) == 1
