"""The live assessment app (apps/live_assessment.py) against a temporary store, no browser: person
records and the caseload, RM2000 → ARMS → plan, versions, reassessment, history and differences,
review dates, sign-off and countersign, reports, concurrency, escaping, audit and failures."""

from __future__ import annotations

import datetime as dt
import html
import io
import logging
import re

import ipywidgets as w
from audited import audit_log, verify_log
from identities import open_as, supervised_by
from lean_start import build_in_fresh_process

from rso_widgets.cases import load_cases
from rso_widgets.cases.arms_key import key_assessment, key_plan
from rso_widgets.instruments.arms import load_arms_catalogue
from rso_widgets.instruments.reassessment import (
    compare,
    plan_changes,
    review_order_key,
    review_state,
)
from rso_widgets.reports.payload import read_payload
from rso_widgets.widgets.tasklist import CANNOT_START, COMPLETED, NOT_STARTED

CAT = load_arms_catalogue()
TC01 = {c.id: c for c in load_cases()}["TC-01"]
DAY = dt.date(2025, 10, 6)
RM_FACTS = {"sex": "male", "age_at_assessment": 61, "age_at_commencement": 56,
            "sexual_offence_aged_17_plus": True, "sexual_appearances": 1,
            "criminal_appearances": 1, "violent_appearances": 0, "burglary": False,
            "male_victim": False, "stranger_victim": False, "non_contact": False,
            "single": False}
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def text(markup: str) -> str:
    """What a person reads: tags dropped, entities decoded, spaces collapsed."""
    plain = re.sub(r"<style>.*?</style>|<[^>]+>", " ", markup, flags=re.S)
    return " ".join(html.unescape(plain).split())


def walk(widget, seen=None):
    """Every widget under `widget`, once; the task list's sections opened so far count too."""
    seen = set() if seen is None else seen
    if id(widget) in seen:
        return
    seen.add(id(widget))
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child, seen)
    for built in list(getattr(widget, "built", {}).values()):  # a TaskListJourney's sections
        yield from walk(built, seen)


def open_every_section(app) -> None:
    for section in app.journey.sections:
        app.journey.open_section(section.key)
    app.journey.show_task_list()


def page_html(app) -> str:
    return "\n".join(x.value for x in walk(app) if isinstance(x, w.HTML))


def live_app(today=DAY, user=None, autosave_seconds=0.0):
    """The app; autosave at once (a delay only waits when an event loop runs, and playwright's
    sync API leaves one running if browser tests ran earlier in the same session)."""
    from rso_widgets.apps.live_assessment import LiveAssessmentApp

    app = LiveAssessmentApp(today=today, autosave_seconds=autosave_seconds)
    if user is not None:
        app.store = open_as(user=user)
    return app


def fill(app, reason="first assessment"):
    app.rm2000.set_facts(RM_FACTS, {"single": "Married since 1990"})
    app.rm2000.submit()
    app.arms.value = key_assessment(TC01).model_copy(update={"rm2000": app.arms.value.rm2000})
    app.plan.value = key_plan(TC01)
    app.reason.value = reason


def open_new(app, reference="PND/0001"):
    app.reference.value = reference
    app.find_button.click()
    app.create_button.click()
    assert app.person is not None and app.person.reference == reference


def saved_v1(app, reference="PND/0001"):
    open_new(app, reference)
    fill(app)
    app.save_button.click()
    assert "Saved as version 1 by alice" in text(app.save_status.value), app.failure.value
    return app


def audit(app, action, entity="person"):
    return [e for e in audit_log(app.store, 500) if e.action == action
            and e.entity == entity]


# --- the page --------------------------------------------------------------------------------

def test_building_the_page_is_lean_and_writes_nothing(tmp_path):
    printed, heavy = build_in_fresh_process(
        "from rso_widgets.apps.live_assessment import live_assessment\n"
        "print(type(live_assessment()).__name__)", tmp_path)
    assert printed == ["LiveAssessmentApp"] and heavy == []
    assert not (tmp_path / "data").exists() and not (tmp_path / "home").exists()


def test_the_forms_stay_closed_until_a_record_is_open(data_dir):
    app = live_app()
    # the page opens on the task list: only the person record can be started
    assert app.journey.current is None
    closed = [k for k, v in app.journey.statuses().items() if v == CANNOT_START]
    assert sorted(closed) == ["formulation", "plan-actions", "plan-review", "plan-safety",
                              "protective-1", "protective-2", "reason", "record", "risk-1",
                              "risk-2", "risk-3", "rm2000", "signoff"]
    assert app.journey.statuses()["person"] == NOT_STARTED
    assert not data_dir.exists()  # nothing opened, nothing written
    open_new(app)
    statuses = app.journey.statuses()
    assert statuses["person"] == COMPLETED
    # no version yet: nothing to review, reassess, show in the history or sign off
    assert [k for k, v in statuses.items() if v == CANNOT_START] == ["record", "signoff"]
    assert "has no ARMS assessment yet" in text(app.record_status.value)
    assert app.change_field.layout.display == "none"  # version 1 needs no "what changed"


def test_every_control_is_labelled_and_every_button_has_text(data_dir):
    app = saved_v1(live_app())
    app.finder.list_button.click()
    open_every_section(app)
    assert len(app.journey.built) == len(app.journey.sections) == 14
    controls = (w.Text, w.Textarea, w.Dropdown, w.DatePicker, w.SelectMultiple)
    for widget in walk(app):
        if isinstance(widget, w.Button):
            assert widget.description.strip(), "a button without a text label"
        elif isinstance(widget, controls):
            assert widget.description.strip(), f"unlabelled {type(widget).__name__}"


def test_live_assessment_fails_softly(monkeypatch):
    from rso_widgets.apps import live_assessment as module

    def broken(*_a, **_k):
        raise RuntimeError("catalogue <bad>")

    monkeypatch.setattr(module, "LiveAssessmentApp", broken)
    page = module.live_assessment()
    assert isinstance(page, w.HTML) and "could not start" in page.value
    assert "&lt;bad&gt;" in page.value


# --- versions, reassessment, history ---------------------------------------------------------

def test_create_save_reassess_save_history_and_differences(data_dir):
    app = saved_v1(live_app())
    v1 = app.store.latest_version(app.assessment_id)
    assert read_payload(v1.data, "arms").arms.version == 1
    assert app.change_field.layout.display == ""
    assert "1 version" in text(app.history.table.value)
    assert app.store.get_assessment(app.assessment_id).review_due == key_plan(TC01).review.date

    # a reassessment starts from version 1, dated today, and asks what changed and why
    assert app.start_reassessment()
    assert app.arms.value.assessed_on == DAY and app.arms.value.version == 2
    assert app.arms.value.ratings == read_payload(v1.data, "arms").arms.ratings
    assert "Reassessment started from version 1" in text(app.reassess_status.value)
    app.arms.sections["R5"].rating.value = "evident"
    app.arms.sections["R5"].note.value = "Drinking daily again since he lost his job"
    app.arms.sections["P3"].rating.value = "partly_present"
    app.plan.add_action("supervision", description="Weekly check-in call",
                        owner="Offender manager", frequency="weekly",
                        outcome="Calls answered")
    app.rm2000.set_facts({**RM_FACTS, "sexual_appearances": 3, "criminal_appearances": 3,
                          "stranger_victim": True})
    app.rm2000.submit()
    app.reason.value = "loss of job"
    app.save_button.click()
    status = text(app.save_status.value)
    assert "Not saved yet" in status and "say what changed since version 1, and why" in status
    assert app.change_field.error
    app.change_text.value = "Lost his job in September; routine gone"
    app.save_button.click()
    assert "Saved as version 2 by alice" in text(app.save_status.value), app.failure.value
    assert app.change_text.value == "" and app.change_field.error == ""

    v2 = app.store.latest_version(app.assessment_id)
    arms2 = read_payload(v2.data, "arms").arms
    assert v2.reason == "loss of job" and arms2.version == 2
    assert arms2.change_reason == "Lost his job in September; routine gone"

    # the history lists both, newest first, with author, reason and sign-off state
    table = text(app.history.table.value)
    assert "2 versions" in table
    assert re.search(r"2 \d{1,2}(:\d\d)?[ap]m on \d{1,2} \w+ 2\d{3} alice loss of job "
                     r"Lost his job in September; routine gone Not signed 1 .* alice first "
                     r"assessment", table)
    # the differences between the last two are shown at once, each rating with its reason
    changes = text(app.history.changes.value)
    assert "From version 1 to version 2" in changes
    assert ("R5 Poor self-management Partly evident Evident Drinking daily again since he "
            "lost his job") in changes
    assert ("P3 Positive routine Present Partly present Lost his job in September; routine "
            "gone") in changes
    assert "RM2000/S: Low → Medium" in changes
    assert "RM2000/C" not in changes  # Low 1 + Low 1 = 2 and Medium 2 + Low 1 = 3: both Low
    assert "Supervision actions added: “Weekly check-in call”" in changes
    ch = app.history.last_changes
    assert [c.factor for c in ch.ratings] == ["R5", "P3"]
    # any two versions; the same one twice is an error in words
    app.history.before.value, app.history.after.value = 2, 1
    app.history.compare_button.click()
    assert "From version 2 to version 1" in text(app.history.changes.value)
    app.history.after.value = 2
    app.history.compare_button.click()
    assert "Error: choose two different versions" in text(app.history.changes.value)

    # ratings over time: a table always; the chart only on request
    over = text(app.history.ratings_table.value)
    assert "R5 Poor self-management Partly evident Evident" in over
    assert app.history.figure is None
    app.history.chart_button.click()
    fig = app.history.figure
    assert fig is not None and app.history.draws == 1, app.history.message.value
    r5 = next(t for t in fig.data if t.name.startswith("R5 "))
    assert list(r5.x) == ["v1", "v2"] and round(r5.y[1]) == 2 and round(r5.y[0]) == 1
    assert "not a score" in fig.layout.title.text


def test_reassessment_is_refused_over_unsaved_work(data_dir):
    app = live_app()
    assert not app.start_reassessment()
    open_new(app)
    assert not app.start_reassessment()
    assert "save version 1 first" in text(app.reassess_status.value)
    fill(app)
    app.save_button.click()
    app.arms.rationale.value = "Changed my mind"
    assert not app.start_reassessment()
    assert "not saved as a version" in text(app.reassess_status.value)
    assert app.arms.rationale.value == "Changed my mind"
    assert app.store.get_draft(app.draft_key()).data["arms"]["priority"]["rationale"] == \
        "Changed my mind"


# --- review dates and the caseload -----------------------------------------------------------

def test_caseload_lists_overdue_reviews_first_in_words(data_dir):
    from rso_widgets.store import open_store
    from rso_widgets.store.caseload import caseload

    store = open_store()
    data = {"arms": key_assessment(TC01).model_dump(mode="json")}
    dues = {"Due/Later": DAY + dt.timedelta(days=30), "None/Date": None,
            "Over/Little": DAY - dt.timedelta(days=2), "Over/Most": DAY - dt.timedelta(days=40),
            "Due/Today": DAY}
    for ref, due in dues.items():
        p = store.create_person(ref)
        store.create_assessment(p.id, "arms", data, review_due=due)
    store.create_person("No/Assessment")
    p = store.create_person("Two/Assessments")
    store.create_assessment(p.id, "arms", data, review_due=DAY - dt.timedelta(days=400))
    newer = store.create_assessment(p.id, "arms", data, review_due=DAY + dt.timedelta(days=5))
    store.save_version(newer.assessment_id, data, "update", 1)
    rows = {e.person.reference: e for e in caseload(store)}
    assert rows["Two/Assessments"].assessment_id == newer.assessment_id
    assert rows["Two/Assessments"].latest_version == 2
    assert rows["No/Assessment"].assessment_id is None

    app = live_app()
    app.finder.list_button.click()
    shown = [e.person.reference for e, _, _ in app.show_caseload()]
    assert shown == ["Over/Most", "Over/Little", "Due/Today", "Two/Assessments", "Due/Later",
                     "No/Assessment", "None/Date"]
    table = text(app.finder.caseload_table.value)
    assert "7 records" in table and "2 reviews are OVERDUE (listed first)" in table
    assert table.index("Over/Most") < table.index("Over/Little") < table.index("Due/Later")
    assert "Over/Most 4 OVERDUE: the review was due on 27 August 2025 (40 days ago)" in table
    assert "Due today (6 October 2025)" in table and "No review date set" in table
    labels = [label for label, _ in app.finder.caseload_pick.options]
    assert labels[0].startswith("Over/Most (record 4): OVERDUE")

    # opening from the list; the review shows with the plan's early-review triggers
    app.finder.caseload_pick.value = dict(app.finder.caseload_pick.options)[labels[0]]
    app.finder.caseload_open.click()
    assert app.person.reference == "Over/Most", app.failure.value
    review = text(app.review_html.value)
    assert review.startswith("Next review: OVERDUE: the review was due on 27 August 2025")
    assert "The plan lists no early-review triggers" in review
    app.review_date.value = DAY + dt.timedelta(days=7)
    app.review_button.click()
    assert "The review is now due on 13 October 2025" in text(app.review_status.value)
    assert "Due on 13 October 2025 (in 7 days)" in text(app.review_html.value)
    assert app.store.get_assessment(app.assessment_id).review_due == DAY + dt.timedelta(days=7)


def test_early_review_triggers_from_the_plan_are_shown(data_dir):
    app = saved_v1(live_app(today=dt.date(2026, 10, 9)))
    review = text(app.review_html.value)
    assert "OVERDUE: the review was due on 5 October 2026 (4 days ago)" in review
    assert "Early-review triggers in the plan of version 1" in review
    for trigger in key_plan(TC01).review.early_triggers:
        assert trigger in review


def test_review_rules():
    assert review_state(None, DAY).text == "No review date set"
    assert review_state(DAY - dt.timedelta(days=1), DAY).overdue
    assert review_state(DAY - dt.timedelta(days=1), DAY).text.startswith("OVERDUE")
    assert review_state(DAY + dt.timedelta(days=1), DAY).text == \
        "Due on 7 October 2025 (in 1 day)"
    keys = sorted([(DAY, "b"), (None, "a"), (DAY - dt.timedelta(days=1), "z")],
                  key=lambda x: review_order_key(x[0], DAY, x[1]))
    assert [k[1] for k in keys] == ["z", "b", "a"]


def test_plan_changes_are_summarised():
    plan = key_plan(TC01)
    later = plan.model_copy(update={
        "actions": plan.actions[1:],
        "review": plan.review.model_copy(update={"date": dt.date(2027, 1, 4),
                                                 "early_triggers": ["A new relationship"]}),
        "rationale": "Rewritten"})
    lines = plan_changes(plan, later)
    assert any(x.startswith("Review date: 5 October 2026 → 4 January 2027") for x in lines)
    assert any(x.startswith("Early-review triggers added: “A new relationship”")
               for x in lines)
    assert "The proportionality rationale was rewritten." in lines
    assert any("actions removed" in x and plan.actions[0].description[:20] in x
               for x in lines)
    assert plan_changes(plan, plan) == []


def test_an_unchanged_note_is_not_the_reason_for_a_change():
    from rso_widgets.reports.payload import Parts

    before = key_assessment(TC01)
    r6 = before.ratings["R6"].model_copy(update={"rating": "partly_evident"})
    after = before.model_copy(update={"ratings": {**before.ratings, "R6": r6},
                                      "change_reason": "New friends from the pub"})
    ch = compare(Parts(arms=before), Parts(arms=after), CAT)
    assert [(c.factor, c.before, c.after, c.reason) for c in ch.ratings] == [
        ("R6", "Not evident", "Partly evident", "New friends from the pub")]


# --- sign-off --------------------------------------------------------------------------------

def test_sign_then_countersign_by_another_user(data_dir):
    app = saved_v1(live_app())
    assert app.version_pick.value == 1
    assert "Not signed" in text(app.sign_state.value)
    app.sign_button.click()
    assert "Signed version 1 as alice" in text(app.sign_status.value), app.failure.value
    assert "Signed by alice" in text(app.history.table.value)
    assert app.sign_button.disabled and app.countersign_button.disabled
    # the same person cannot countersign: the store's message, plainly
    app.countersign_button.click()
    status = text(app.sign_status.value)
    assert "Not countersigned" in status
    assert ("You may not countersign assessment 1: a countersign is by a supervisor of the "
            "assessor, who did not sign it.") in status
    app.sign_button.click()
    assert "version 1 was already signed by alice" in text(app.sign_status.value)

    supervised_by(app.store, "bob.supervisor")  # alice's supervisor may countersign
    sup = live_app(user="bob.supervisor")
    sup.reference.value = "PND/0001"
    sup.find_button.click()
    assert sup.person is not None and sup.version_pick.value == 1
    sup.countersign_button.click()
    assert "Countersigned version 1 as bob.supervisor" in text(sup.sign_status.value), \
        sup.failure.value
    assert "countersigned by bob.supervisor" in text(sup.history.table.value)
    assert [label for label, _ in sup.version_pick.options] == ["Version 1 — countersigned"]
    v = app.store.latest_version(app.assessment_id)
    assert (v.signed_by, v.countersigned_by) == ("alice", "bob.supervisor")
    assert [(e.user, (e.detail or {}).get("denied", False))
            for e in audit(app, "countersign", "assessment")] == [
        ("alice", True), ("bob.supervisor", False)]  # her refused attempt is audited too


def test_only_the_latest_version_can_be_signed(data_dir):
    app = saved_v1(live_app())
    app.start_reassessment()
    app.change_text.value = "No change; annual review"
    app.reason.value = "annual review"
    app.save_button.click()
    app.version_pick.value = 1
    assert "only the latest version can be signed off" in text(app.sign_state.value)
    assert app.sign_button.disabled and app.countersign_button.disabled
    app.sign_button.click()  # even if pressed (the store decides): refused, plainly
    assert "superseded by version 2" in text(app.sign_status.value)


def test_the_picker_follows_a_new_version_and_sign_is_disabled_once_signed(data_dir):
    """Issue 14: after version 2 was saved the picker stayed on version 1, and "Sign" stayed
    enabled after signing."""
    app = saved_v1(live_app())
    assert app.version_pick.value == 1 and not app.sign_button.disabled
    app.start_reassessment()
    app.change_text.value = "No change; annual review"
    app.reason.value = "annual review"
    app.save_button.click()
    assert app.version_pick.options[0][1] == 2
    assert app.version_pick.value == 2  # the newest version, ready to sign
    assert not app.sign_button.disabled
    app.sign_button.click()
    assert "Signed version 2 as alice" in text(app.sign_status.value)
    assert app.version_pick.value == 2
    assert app.sign_button.disabled  # signed: not offered again, and the reason is shown
    state = text(app.sign_state.value)
    assert "You signed this version at" in state
    assert app.countersign_button.disabled
    assert "a different person countersigns it" in state
    supervised_by(app.store, "bob.supervisor")  # alice's supervisor may open and countersign
    sup = live_app(user="bob.supervisor")
    sup.reference.value = "PND/0001"
    sup.find_button.click()
    assert sup.version_pick.value == 2 and sup.sign_button.disabled
    assert not sup.countersign_button.disabled and "alice signed this version" in text(
        sup.sign_state.value)


# --- reports ---------------------------------------------------------------------------------

def test_report_export_writes_html_and_pdf_with_audit_and_download_links(data_dir):
    from pypdf import PdfReader

    app = saved_v1(live_app())
    app.report.format.value = "html"
    app.report.button.click()
    html_path = app.report.path
    assert html_path is not None, app.failure.value
    assert html_path.parent == data_dir / "exports" and html_path.suffix == ".html"
    assert (data_dir / "exports").stat().st_mode & 0o077 == 0
    assert "OFFICIAL-SENSITIVE" in html_path.read_text(encoding="utf-8")
    assert 'download="assessment-1-v1-' in app.report.link.value
    assert 'href="data:text/html;base64,' in app.report.link.value
    assert "OFFICIAL-SENSITIVE report" in text(app.report.status.value)

    app.report.format.value = "pdf"
    app.report.button.click()
    pdf_path = app.report.path
    assert pdf_path.suffix == ".pdf" and pdf_path.read_bytes().startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(pdf_path.read_bytes())).pages
    assert "OFFICIAL-SENSITIVE" in "".join(p.extract_text() for p in pages)
    assert 'href="data:application/pdf;base64,' in app.report.link.value
    exports = audit(app, "export", "assessment")
    assert [e.detail["format"] for e in exports] == ["html", "pdf"]
    assert all(e.user == "alice" and e.detail["version"] == 1 for e in exports)


# --- nothing lost ----------------------------------------------------------------------------

def test_a_concurrent_edit_is_refused_and_the_text_kept_as_a_draft(data_dir):

    app = saved_v1(live_app())
    supervised_by(app.store, "carol")  # so carol may change alice's assessment
    other = open_as(user="carol")  # a second Store instance, as another kernel would have
    v1 = other.latest_version(app.assessment_id)
    other.save_version(app.assessment_id, v1.data, "carol's update", 1)

    app.arms.rationale.value = "My own revision, typed with care"
    app.change_text.value = "Rationale revised"
    app.reason.value = "review"
    app.save_button.click()
    status = text(app.save_status.value)
    assert "Not saved: someone else saved a newer version" in status
    assert "still on this page" in status
    assert app.arms.rationale.value == "My own revision, typed with care"
    draft = app.store.get_draft(app.store.draft_key(app.assessment_id))
    assert draft is not None and draft.base_version == 1
    assert draft.data["arms"]["priority"]["rationale"] == "My own revision, typed with care"
    assert draft.data["arms"]["change_reason"] == "Rationale revised"
    assert app.store.latest_version(app.assessment_id).author == "carol"
    # the history now shows carol's version; reopening offers the kept text as a draft
    assert "carol's update" in text(app.history.table.value)
    assert "Version 2 was saved by carol after the version on this page (1)" in \
        text(app.record_status.value)
    assert app.reopen_button.layout.display == ""
    app.reopen_button.click()
    assert app.expected_version == 2 and "unsaved draft" in app.draft_notice.value
    assert "started from version 1" in text(app.draft_notice.value)
    # closed until resumed or discarded
    assert app.journey.statuses()["risk-1"] == CANNOT_START
    app.save()
    assert "Resume or discard your unsaved draft first" in text(app.save_status.value)
    app.resume_button.click()
    assert app.arms.rationale.value == "My own revision, typed with care"
    assert app.change_text.value == "Rationale revised"
    app.reason.value = "review, after reading carol's version"
    app.save_button.click()
    assert "Saved as version 3 by alice" in text(app.save_status.value), app.failure.value
    assert app.store.get_draft(app.store.draft_key(app.assessment_id)) is None


def test_an_open_draft_offer_blocks_edits_from_replacing_it(data_dir):
    app = saved_v1(live_app())
    app.arms.rationale.value = "Draft words"
    again = live_app()
    again.reference.value = "PND/0001"
    again.find_button.click()
    assert again.draft_box.layout.display == ""
    assert not again.save_draft()  # nothing replaces the offered draft
    assert again.store.get_draft(again.draft_key()).data["arms"]["priority"]["rationale"] == \
        "Draft words"
    again.discard_button.click()
    assert again.journey.statuses()["risk-1"] != CANNOT_START
    assert again.store.get_draft(again.draft_key()) is None


def test_switching_records_keeps_the_last_edits_as_a_draft(data_dir, monkeypatch):
    class Handle:
        def cancel(self):
            pass

    class Loop:  # a kernel's loop: the autosave waits for a quiet moment
        def call_later(self, _delay, _fn):
            return Handle()

    app = saved_v1(live_app(autosave_seconds=2.0))
    monkeypatch.setattr("rso_widgets.widgets.timing.running_loop", lambda: Loop())
    app.arms.rationale.value = "Typed a moment ago"
    assert app.autosave.pending and app.store.get_draft(app.draft_key()) is None
    open_new(app, "PND/0002")  # another record opened before the autosave ran
    first = app.store.get_draft(app.store.draft_key(1))
    assert first is not None and first.data["arms"]["priority"]["rationale"] == \
        "Typed a moment ago"


# --- escaping, audit, failures ---------------------------------------------------------------

def test_hostile_text_is_shown_as_text_in_the_app_and_the_report(data_dir):
    app = live_app()
    app.reference.value = HOSTILE
    app.find_button.click()
    app.create_button.click()
    fill(app, reason=f"first {HOSTILE}")
    app.arms.sections["R1"].note.value = f"note {HOSTILE}"
    app.save_button.click()
    assert "Saved as version 1" in text(app.save_status.value), app.failure.value
    app.start_reassessment()
    app.arms.sections["R6"].rating.value = "partly_evident"
    app.arms.sections["R6"].note.value = f"why {HOSTILE}"
    app.change_text.value = f"changed {HOSTILE}"
    app.reason.value = f"second {HOSTILE}"
    app.save_button.click()
    assert "Saved as version 2" in text(app.save_status.value), app.failure.value
    app.finder.list_button.click()
    app.report.format.value = "html"
    app.report.button.click()

    markup = page_html(app)
    assert "<script>" not in markup and "<img src=x" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in markup
    for where in (app.person_status, app.record_status, app.history.table,
                  app.history.changes, app.finder.caseload_table):
        assert HOSTILE in text(where.value), where
    report = app.report.path.read_text(encoding="utf-8")
    assert "<script>" not in report and "<img src=x" not in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report


def test_viewing_a_record_is_audited_once_per_open(data_dir):
    app = saved_v1(live_app())
    assert audit(app, "view") == []  # created, not viewed
    viewer = live_app()
    viewer.reference.value = "PND/0001"
    viewer.find_button.click()
    assert len(audit(viewer, "view")) == 1
    for _ in range(3):
        viewer.refresh_record()
        viewer.history.chart_button.click()
    viewer.history.compare_button.click()
    viewer.sign_button.click()
    viewer.version_pick.value = 1
    viewer.finder.list_button.click()
    assert len(audit(viewer, "view")) == 1
    viewer.finder.caseload_pick.value = viewer.person.id
    viewer.finder.caseload_open.click()
    views = audit(viewer, "view")
    assert len(views) == 2 and {e.entity_id for e in views} == {str(viewer.person.id)}
    assert verify_log(viewer.store).ok


def test_a_failing_callback_is_shown_not_raised(data_dir, monkeypatch, caplog):
    app = saved_v1(live_app())

    def broken(*_a, **_k):
        raise RuntimeError("database <locked>")

    monkeypatch.setattr(app.store, "sign", broken)
    with caplog.at_level(logging.ERROR):
        app.sign_button.click()
    assert "Something went wrong while signing the version" in app.failure.value
    assert "Traceback" not in app.failure.value and "locked" not in app.failure.value
    assert any("database <locked>" in (r.exc_text or "") for r in caplog.records)

    monkeypatch.setattr("rso_widgets.reports.export.write_report", broken)
    app.report.button.click()
    assert "Something went wrong while creating the report" in app.failure.value
    monkeypatch.setattr(type(app), "show_caseload", broken)
    app.finder.list_button.click()
    assert "Something went wrong while listing the records" in app.failure.value
