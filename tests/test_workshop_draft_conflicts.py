"""The widget trainee page's drafts across windows and devices (`apps/workshop_answers.py`): the
page keeps the revision of the draft it opened or last saved and every autosave and the
submission name it, so a second window — another widget tab, or the room page on another device
— is never overwritten silently. A stale page is told in the room page's words
(`answers.conflict_sentence`), keeps its answers on screen, stops autosaving, and reads the
latest when the case is opened again. The submission clears the draft in its own transaction.
Also: the stored draft is always the last save the page reported as saved (a property)."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from identities import open_as
from room_inprocess import RoomServer
from test_workshop import CASES, RULESET, key_facts

from rso_widgets.apps.workshop_trainee import WorkshopTraineeApp
from rso_widgets.calibration.workshop import draft_key
from rso_widgets.calibration.workshop.answers import conflict_sentence
from rso_widgets.store.draft_revision import ABSENT
from rso_widgets.timefmt import clock_text

USER = "room.user"  # the in-process room's signed-in user: both pages act as the same person
CHANGED = "These answers were changed in another window or device at "
NOT_SAVED = "Your changes on this page have not been saved."


def page(url: str, code: str) -> WorkshopTraineeApp:
    """One window of the widget page, joined (again) as Alex, with TC-01 open."""
    app = WorkshopTraineeApp(open_as(url, user=USER), CASES, USER, ruleset=RULESET,
                             autosave_seconds=0)  # every edit saves at once
    assert app.join_workshop(code, "Alex"), app.join.summary.text
    app.open_case("TC-01")
    return app


def text(app: WorkshopTraineeApp) -> str:
    """The conflict notice's sentence, as read (its heading and markup left out)."""
    return html.unescape(re.sub(r"<strong>.*?</strong>|<[^>]+>", "", app.conflict.value))


def stored(app: WorkshopTraineeApp, case_id: str = "TC-01"):
    return app.store.get_draft(draft_key(app.cohort.id, app.member.id, case_id))


@pytest.fixture
def url(store_url) -> str:
    return store_url  # SQLite and PostgreSQL


@pytest.fixture
def code(url) -> str:
    with open_as(url, user=USER) as trainer:
        return trainer.create_cohort("Drafts", ["TC-01", "TC-02"]).join_code


def test_a_stale_window_is_told_keeps_its_answers_and_stops_saving(url, code):
    fresh, stale = page(url, code), page(url, code)
    assert fresh.member.id == stale.member.id and stale._revision == ABSENT
    fresh.form.set_facts(key_facts("TC-01", criminal_appearances=3))  # saved: a new draft
    saved = stored(fresh)
    assert saved.data["facts"]["criminal_appearances"] == 3 and fresh._revision == saved.updated_at
    # the stale window's edit is refused, in the room page's words, at the top of its form
    stale.form.set_facts(key_facts("TC-01", criminal_appearances=5))
    assert conflict_sentence(saved.updated_at, to_see="Select “Open this case” again") in \
        text(stale)
    assert f"{CHANGED}{clock_text(saved.updated_at)}. {NOT_SAVED}" in text(stale)
    assert "Your changes have not been saved" in stale.conflict.value  # the heading
    assert stale.conflict.layout.display == "" and 'role="alert"' in stale.conflict.value
    assert "Not saved" in stale.draft_status.value and "Draft saved" not in \
        stale.draft_status.value
    assert stale.form.value["criminal_appearances"] == 5  # the person's answers stay on screen
    assert stored(fresh) == saved  # the fresh window's draft is intact
    # no more autosaves from the stale window: its next edits write nothing
    stale.form.set_facts(key_facts("TC-01", criminal_appearances=6))
    assert stored(fresh) == saved and stale._stale
    # nor a submission: refused, nothing submitted, the draft kept
    assert stale.submit() is None
    assert "Your answers have not been submitted" in text(stale)
    assert stale.store.submissions(stale.cohort.id, member_id=stale.member.id) == []
    assert stored(fresh) == saved
    # the fresh window carries on saving, undisturbed
    fresh.form.set_facts(key_facts("TC-01", criminal_appearances=4))
    assert stored(fresh).data["facts"]["criminal_appearances"] == 4 and not fresh._stale
    # opening the case again shows the latest answers and saves again
    stale.open_case("TC-01")
    assert stale.conflict.layout.display == "none" and not stale._stale
    assert stale.form.value["criminal_appearances"] == 4
    stale.form.set_facts(key_facts("TC-01", criminal_appearances=7))
    assert stored(stale).data["facts"]["criminal_appearances"] == 7
    # now the other window is the stale one
    fresh.form.set_facts(key_facts("TC-01", criminal_appearances=8))
    assert fresh._stale and CHANGED in text(fresh)
    assert stored(stale).data["facts"]["criminal_appearances"] == 7


def test_a_window_whose_draft_was_submitted_elsewhere_is_told(url, code):
    one, two = page(url, code), page(url, code)
    one.form.set_facts(key_facts("TC-01"))
    two.open_case("TC-01")  # the latest: one's draft
    assert one.submit() is not None, one.status.value
    assert stored(one) is None and one._revision == ABSENT  # cleared with the submission
    two.form.set_facts(key_facts("TC-01", criminal_appearances=5))
    assert two._stale and text(two).startswith(
        "These answers were submitted or changed in another window or device.")
    assert stored(one) is None  # the submitted answers are not brought back as a draft
    one.form.set_facts(key_facts("TC-01", criminal_appearances=6))  # after submitting: new
    assert stored(one).data["facts"]["criminal_appearances"] == 6 and not one._stale


def test_the_submission_clears_the_draft_in_its_own_transaction(url, code):
    from sqlalchemy import event

    app = page(url, code)
    app.form.set_facts(key_facts("TC-01"))
    assert stored(app) is not None
    begun: list[int] = []
    event.listen(app.store.engine, "begin", lambda _conn: begun.append(1))
    sub = app.submit()
    assert sub is not None, app.status.value
    assert len(begun) == 1  # the submission and the draft's deletion: one transaction
    assert stored(app) is None and "Submitted TC-01" in app.status.value
    assert app.choice.options[0][0].endswith("(submitted)")  # no draft left to mention


def room_revision(r) -> str:
    found = re.findall(r'name="rso_draft" value="([^"]*)"', r.text)
    assert len(found) == 1, r.text[:300]
    return html.unescape(found[0])


def test_the_widget_page_and_the_room_page_never_overwrite_each_other(url, code):
    with open_as(url, user=USER) as room_store, RoomServer(room_store) as srv:
        widget = page(url, code)
        room = srv.browser()
        assert room.post("join", {"code": code, "name": "Alex"}).status_code in (200, 302)
        r = room.get("case/TC-01")
        assert room_revision(r) == "none"
        # the room page saves first: the widget page, opened before, is told and keeps its own
        saved = room.post("case/TC-01/draft", {"mode": "form", "sex": "female",
                                               "rso_draft": "none"}).json()
        assert saved["saved"], saved
        widget.form.set_facts(key_facts("TC-01", criminal_appearances=5))
        assert widget._stale and CHANGED in text(widget) and NOT_SAVED in text(widget)
        assert widget.form.value["criminal_appearances"] == 5
        assert stored(widget).data["facts"]["sex"] == "female"  # the room page's answers
        # reopened, the widget page shows the room page's answers and saves over them
        widget.open_case("TC-01")
        assert widget.form.value["sex"] == "female"
        widget.form.set_facts(key_facts("TC-01", sex="male", criminal_appearances=2))
        assert not widget._stale and stored(widget).data["facts"]["sex"] == "male"
        # now the room page is stale: its autosave is refused with the same sentence
        stale = room.post("case/TC-01/draft", {"mode": "form", "sex": "female",
                                               "rso_draft": saved["revision"]}).json()
        assert stale["conflict"] and not stale["saved"]
        assert stale["message"].split(" Reload")[0] == conflict_sentence(
            stored(widget).updated_at).split(" Reload")[0]
        assert stored(widget).data["facts"]["sex"] == "male"


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["save", "save", "reopen"]), st.integers(0, 1),
                                st.integers(0, 9)), min_size=1, max_size=12))
def test_the_stored_draft_is_always_the_last_save_reported_saved(url, code, steps):
    """Two windows edit, and reopen, in any order. A save is reported saved only when the
    stored draft is still the one that window last read or saved (`version`: the saves made
    so far), else it is refused and said so; and the stored draft is the last save reported."""
    windows = PROPERTY.get(url) or PROPERTY.setdefault(url, [page(url, code), page(url, code)])
    key = draft_key(windows[0].cohort.id, windows[0].member.id, "TC-01")
    windows[0].store.delete_draft(key)
    for w in windows:
        w.open_case("TC-01")  # both windows start from no draft
        w.draft_status.value = ""
    version, seen, last = 0, [0, 0], None  # saves so far; what each window read; last payload
    for action, i, n in steps:
        w = windows[i]
        if action == "reopen":
            w.open_case("TC-01")
            seen[i] = version
            continue
        before = w._revision
        w.form.set_facts(key_facts("TC-01", criminal_appearances=n))
        if w._revision != before:  # reported saved ("Draft saved at …")
            assert "Draft saved" in w.draft_status.value and not w._stale
            assert seen[i] == version, "a save overwrote another window's without a word"
            version += 1
            seen[i], last = version, w._draft_payload()
        elif w._stale:  # refused and told: only when the other window really saved since
            assert seen[i] != version and NOT_SAVED in text(w)
    draft = windows[0].store.get_draft(key)
    assert (draft.data if draft else None) == last


PROPERTY: dict[str, list[WorkshopTraineeApp]] = {}  # two windows per database, built once
