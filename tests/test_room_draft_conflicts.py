"""The room page's drafts across two windows or devices (`serving/room/revisions.py`), over HTTP
against a real `rso-workbook serve`: two cookie jars are two tabs of the same trainee. Each page
carries its draft's revision; a save (autosave, Continue, "Add another", submit) based on a
revision the other tab has since replaced is refused with a plain message and the person's
posted values shown again, and the other tab's answers stay intact. One tab saving steadily
never conflicts with itself; a form without the revision saves as before."""

from __future__ import annotations

import html
import re

import requests
from identities import open_as
from test_room_page import (
    Browser,
    counts_form,
    text,
    workshop,
)

from rso_widgets.calibration.workshop import draft_key

CHANGED = "These answers were changed in another window or device at "
NOT_SAVED = "Your changes on this page have not been saved."


def revision(page: requests.Response) -> str:
    found = re.findall(r'name="rso_draft" value="([^"]*)"', page.text)
    assert len(found) == 1, "the page carries its draft's revision once"
    return html.unescape(found[0])


def two_tabs(served, trainer, name: str) -> tuple[Browser, Browser, int]:
    """The same trainee in two browsers (the second rejoins by name): the workshop's id."""
    c = workshop(trainer)
    a, b = Browser(served), Browser(served)
    assert a.join(c.join_code, name).url.endswith("welcome=new")
    assert b.join(c.join_code, name).url.endswith("welcome=back")
    return a, b, c.id


def stored(served, trainer, cohort_id: int):
    member = trainer.cohort_members(cohort_id)[0]
    with open_as(served.db_url, user="room.user") as mine:
        return mine.get_draft(draft_key(cohort_id, member.id, "TC-01"))


def test_a_stale_tabs_autosave_is_refused_and_the_other_tabs_answers_kept(served, trainer):
    a, b, cid = two_tabs(served, trainer, "Two Tabs Ann")
    rev_a, rev_b = revision(a.get("case/TC-01")), revision(b.get("case/TC-01"))
    assert rev_a == rev_b == "none"  # no draft yet
    for n in ("3", "4", "5"):  # one tab typing steadily: each save from the last one's revision
        r = a.post("case/TC-01/draft", counts_form("TC-01", sexual_appearances=n,
                                                   rso_draft=rev_a))
        answer = r.json()
        assert answer["saved"] and answer["revision"] != rev_a, answer
        rev_a = answer["revision"]
    r = b.post("case/TC-01/draft", counts_form("TC-01", sexual_appearances="9", rso_draft=rev_b))
    answer = r.json()
    assert answer["saved"] is False and answer["conflict"] is True
    assert CHANGED in answer["message"] and NOT_SAVED in answer["message"]
    assert "Reload the page" in answer["message"] and answer["title"]
    assert stored(served, trainer, cid).data["facts"]["sexual_appearances"] == 5  # A's, whole
    assert revision(b.get("case/TC-01")) == rev_a  # reloaded: the latest, saved from there
    assert b.post("case/TC-01/draft", counts_form("TC-01", rso_draft=rev_a)).json()["saved"]
    # the tab that did not reload is now the stale one
    assert a.post("case/TC-01/draft", counts_form("TC-01", rso_draft=rev_a)).json()["conflict"]
    # a form without the revision (a page built before it, or the widget page) saves as before
    assert a.post("case/TC-01/draft", counts_form("TC-01", sexual_appearances="6")).json()[
        "saved"]
    r = a.post("case/TC-01/draft", counts_form("TC-01", rso_draft="yesterday"))
    assert r.status_code == 400 and r.json()["saved"] is None


def test_a_stale_continue_shows_the_message_with_the_posted_answers(served, trainer):
    a, b, cid = two_tabs(served, trainer, "Two Tabs Ben")
    rev = revision(a.get("case/TC-01"))
    assert revision(b.get("case/TC-01")) == rev
    r = a.post("case/TC-01", counts_form("TC-01", rso_draft=rev))
    assert r.url.endswith("case/TC-01/check"), text(r)
    mine = counts_form("TC-01", sexual_appearances="2", criminal_appearances="4", rso_draft=rev,
                       evidence_male_victim="<script>alert(1)</script> from the MG5")
    r = b.post("case/TC-01", mine)
    page = text(r)
    assert r.status_code == 409 and "<title>Error: " in r.text
    assert "Your changes have not been saved" in page and CHANGED in page and NOT_SAVED in page
    assert 'role="alert"' in r.text and "data-rso-error-summary" in r.text  # focused, said
    assert 'value="4"' in r.text  # the person's answers, never cleared, to copy
    assert "&lt;script&gt;alert(1)&lt;/script&gt; from the MG5" in r.text
    assert "<script>alert" not in r.text
    assert revision(r) == rev  # still the stale one: Continue again is refused again
    assert b.post("case/TC-01", mine).status_code == 409
    r = b.post("case/TC-01", {**mine, "rso_action": "add:history"})  # "Add another" too
    assert r.status_code == 409 and NOT_SAVED in text(r)
    assert stored(served, trainer, cid).data["facts"]["criminal_appearances"] != 4
    fresh = b.get("case/TC-01")  # reloaded: A's answers, and a save from them goes in
    assert fresh.status_code == 200 and "data-rso-conflict hidden>" in fresh.text
    r = b.post("case/TC-01", {**mine, "rso_draft": revision(fresh)})
    assert r.url.endswith("check"), text(r)
    assert stored(served, trainer, cid).data["facts"]["criminal_appearances"] == 4


def test_submit_is_refused_when_the_draft_changed_after_the_check_page(served, trainer):
    a, b, cid = two_tabs(served, trainer, "Two Tabs Cy")
    r = a.post("case/TC-01", counts_form("TC-01", rso_draft=revision(a.get("case/TC-01"))))
    checked = revision(r)  # the check page carries the revision it shows
    rev_b = revision(b.get("case/TC-01"))
    assert rev_b == checked
    assert b.post("case/TC-01/draft", counts_form("TC-01", criminal_appearances="8",
                                                  rso_draft=rev_b)).json()["saved"]
    r = a.post("case/TC-01/check", {"rso_draft": checked})
    page = text(r)
    assert r.status_code == 409 and "Your answers were not submitted" in page
    assert "have not been submitted" in page and CHANGED in page
    assert trainer.submissions(cid) == []
    assert stored(served, trainer, cid).data["facts"]["criminal_appearances"] == 8
    latest = revision(r)  # the latest answers to check, with their revision
    assert latest != checked
    r = a.post("case/TC-01/check", {"rso_draft": latest})
    assert r.url.endswith("cases?submitted=TC-01"), text(r)
    (sub,) = trainer.submissions(cid)
    assert sub.attempt["facts"]["criminal_appearances"] == 8  # what was checked last
    # the other tab's page still names the draft that was submitted: refused, not recreated
    r = b.post("case/TC-01/draft", counts_form("TC-01", rso_draft=rev_b))
    assert r.json()["conflict"] and "submitted or changed" in r.json()["message"]
    assert stored(served, trainer, cid) is None
