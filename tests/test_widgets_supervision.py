"""Supervision app (no browser): thin views over `store.supervision` — the domain's problems shown
next to their fields and in the summary, refusals as plain messages, free text escaped."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys

import pytest
from audited import audit_log

from rso_widgets.apps.supervision import SupervisionApp, supervision
from rso_widgets.instruments.arms import ARMSAssessment, FactorRating, load_arms_catalogue
from rso_widgets.instruments.plan import Action, RiskManagementPlan
from rso_widgets.reports.payload import make_payload
from rso_widgets.supervision.validation import today_in_england

pytest_plugins = ("supervision_fixtures",)

TODAY = today_in_england()
HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)>"
TRACEBACK = ("Traceback", 'File "', "Error in callback")


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@pytest.fixture
def store(store_as):
    """store("name") -> a Store acting as that user; team North: Alex and Bo supervised by
    Sam, led by Lee."""
    make = store_as
    lee = make("lee").supervision
    team = lee.create_team("North")
    lee.add_team_member(team.id, "alex", supervisor="sam")
    lee.add_team_member(team.id, "bo", supervisor="sam")
    return make


def app_for(store, user: str) -> SupervisionApp:
    return SupervisionApp(store(user))


def page_text(app: SupervisionApp) -> str:
    """Every HTML value on the page (to look for traceback text)."""
    out, todo = [], [app]
    while todo:
        wdg = todo.pop()
        if hasattr(wdg, "value") and isinstance(wdg.value, str):
            out.append(wdg.value)
        todo += list(getattr(wdg, "children", ()))
    return "\n".join(out)


def fill_start(app: SupervisionApp, *, held_on: dt.date | None = None, topics=("skills",),
               detail: str = "", actions=()) -> None:
    f = app.start_form
    app._on_start_clicked()
    f.held_on.control.value = held_on or days(-1)
    for t in topics:
        f.agenda.boxes[t].value = True
        if detail:
            f.agenda.details[t].control.value = detail
    for text, owner, due in actions:
        row = f.actions.add_row()
        row.text.control.value, row.owner.control.value, row.due.control.value = text, owner, due


# -- sessions ----------------------------------------------------------------------------------

def test_assessor_starts_a_session_with_their_agenda(store):
    app = app_for(store, "alex")
    assert app.start_form.other.value == "sam"  # the assigned supervisor, offered not forced
    assert app.session_list.chooser.layout.display == "none"
    fill_start(app, topics=("difficult_case", "other"), detail=f"Denial {HOSTILE}",
               actions=[("Read the desistance paper", "alex", days(20))])
    rec = app.start_session()
    assert rec is not None and rec.assessor == "alex" and rec.supervisor == "sam"
    assert [a.topic for a in rec.agenda] == ["difficult_case", "other"]
    assert rec.actions[0].owner == "alex"
    assert app.detail.layout.display == "" and app.start_form.layout.display == "none"
    assert "Denial &lt;script&gt;" in app.summary.value and "<script>" not in app.summary.value
    assert "rso-session-row" in app.session_list.table.value
    assert "is saved" in app.detail_notice.value  # at the top of the session
    assert not any(t in page_text(app) for t in TRACEBACK)


def test_future_date_for_a_held_session_is_shown_inline_and_in_the_summary(store):
    app = app_for(store, "alex")
    fill_start(app, held_on=days(5))
    app.start_form._clicked()  # the button's own path, through the app's callback
    errors = app.start_form.errors
    assert "is in the future, but the session is recorded as held" in errors["held_on"]
    assert errors["held_on"].startswith("Date of the session:")
    assert "Date of the session" in app.start_form.summary.text
    assert app.start_form.summary.layout.display == ""
    assert "was not saved" in app.start_form.notice.value
    assert app.sup.sessions() == []
    # a planned session may be in the future
    app.start_form.status.control.value = "planned"
    assert app.start_session() is not None
    assert app.start_form.errors == {}


def test_an_action_without_an_owner_is_shown_next_to_the_owner(store):
    app = app_for(store, "alex")
    fill_start(app, actions=[("Book the workshop", "", days(10)), ("", "", None)])
    assert app.start_session() is None
    errors = app.start_form.errors
    assert set(errors) == {"actions[0].owner"}  # the blank second row is ignored
    assert "Who will do it (action 1): an agreed action has no owner" in errors[
        "actions[0].owner"]


def test_something_else_needs_words_shown_beside_its_box(store):
    app = app_for(store, "alex")
    fill_start(app, topics=("skills", "other"))
    assert app.start_session() is None
    assert "'Something else' needs a few words" in app.start_form.errors["agenda[1]"]
    assert app.start_form.agenda.details["other"].error


def test_the_supervisor_does_not_set_the_agenda(store):
    sam = app_for(store, "sam")
    sam.start_form.role.value = "supervisor"
    assert sam.start_form.agenda_box.layout.display == "none"
    assert "The assessor sets the agenda" in sam.start_form.agenda_note.value
    sam.start_form.other.value = "alex"
    sam.start_form.held_on.control.value = days(-2)
    assert "agenda" not in sam.start_form.value
    rec = sam.start_session()
    assert rec is not None and rec.supervisor == "sam" and rec.agenda == ()
    assert sam.update_form.agenda_box.layout.display == "none"
    assert "agenda" not in sam.update_form.value
    # the assessor sees the agenda picker for the same session
    alex = app_for(store, "alex")
    alex.open_session(rec.id)
    assert alex.update_form.agenda_box.layout.display == ""


def test_nobody_makes_themselves_someones_supervisor(store):
    pat = app_for(store, "pat")
    pat.start_form.role.value = "supervisor"
    pat.start_form.other.value = "alex"
    pat.start_form.held_on.control.value = days(-1)
    assert pat.start_session() is None
    assert "You cannot do this" in pat.start_form.notice.value
    assert "cannot record a session for alex" in pat.start_form.notice.value


def test_follow_up_of_earlier_actions(store):
    alex = app_for(store, "alex")
    fill_start(alex, held_on=days(-50), actions=[("Shadow an ARMS interview", "alex",
                                                  days(-30))])
    first = alex.start_session()
    fill_start(alex, held_on=days(-3))
    second = alex.start_session()
    sam = app_for(store, "sam")
    sam.open_session(second.id)
    fu = sam.update_form.follow_ups
    assert [a.text for a in fu.actions] == ["Shadow an ARMS interview"]
    fu.outcomes[0].control.value = "not_done"
    assert sam.update_session() is None
    assert "an action not done needs a note" in sam.update_form.errors["follow_ups[0].note"]
    fu.notes[0].control.value = "No interview yet; carried forward"
    rec = sam.update_session()
    assert rec is not None and rec.follow_ups[0].outcome == "not_done"
    assert "Shadow an ARMS interview" in sam.summary.value and "Not done" in sam.summary.value
    assert first.id != second.id


def _plan_and_arms() -> tuple[RiskManagementPlan, ARMSAssessment]:
    cat = load_arms_catalogue()
    ratings = {f.id: FactorRating(rating=cat.rating_ids(f.kind)[-1]) for f in cat.factors}
    plan = RiskManagementPlan(actions=[Action(
        pillar="supervision", description="Monthly home visit", factors=[cat.factors[0].id],
        owner="MOSOVO officer", frequency="monthly", outcome="Routine kept")])
    return plan, ARMSAssessment(catalogue=cat.ref, ratings=ratings)


def test_plan_quality_judged_inside_the_session(store):
    alex_store = store("alex")
    person = alex_store.create_person("Fictional Person A", fictional=True)
    plan, arms = _plan_and_arms()
    v1 = alex_store.create_assessment(person.id, "plan", make_payload(arms=arms, plan=plan))
    alex = app_for(store, "alex")
    fill_start(alex, topics=("plan_quality",))
    session = alex.start_session()
    sam = app_for(store, "sam")
    sam.open_session(session.id)
    form = sam.plan_review
    assert [v for _, v in form.plan.control.options] == [v1.assessment_id]
    assert "Fictional Person A" in form.plan.control.options[0][0]
    form.plan.control.value = v1.assessment_id
    form._on_open()
    assert "rso-profile" in form.profile.value and form.submit_button.layout.display == ""
    assert set(form.scores) == {"Q4", "Q9", "Q10"}  # only what a person must judge
    form.scores["Q9"].control.value = 1
    form.reasons["Q9"].control.value = "Rationale thin on intrusion"
    form.scores["Q4"].control.value = 2  # above the presence check: needs a reason
    assert sam.add_review() is None
    assert "needs a reason" in form.errors["judgements.Q4.reason"]
    form.reasons["Q4"].control.value = "Victims named in the linked ARMS note"
    review = sam.add_review()
    assert review is not None and review.scores["Q9"] == 1 and review.scores["Q4"] == 2
    assert review.judgements["Q9"].reviewer == "sam"
    saved = sam.sup.session(session.id)
    assert saved.plan_reviews[0].assessment_id == v1.assessment_id
    assert v1.assessment_id in saved.assessment_ids  # reviewed → discussed
    assert "Quality review of plan" in sam.summary.value
    # reviewing the same plan again replaces the earlier review in this session
    form.scores["Q10"].control.value = 2
    form.reasons["Q10"].control.value = ""
    sam.add_review()
    assert len(sam.sup.session(session.id).plan_reviews) == 1


def test_plans_saved_in_arms_versions_are_offered_for_review(store):
    """Issue 14: "The assessor has no saved risk management plan to review" although the
    assessor saved ARMS versions with full plans (the ARMS apps save kind "arms")."""
    from rso_widgets.apps.arms import ARMS_KIND

    alex_store = store("alex")
    person = alex_store.create_person("Fictional Person B", fictional=True)
    plan, arms = _plan_and_arms()
    v1 = alex_store.create_assessment(person.id, ARMS_KIND, make_payload(arms=arms, plan=plan))
    v2 = alex_store.save_version(v1.assessment_id, make_payload(arms=arms, plan=plan),
                                 "second version", 1)
    alex = app_for(store, "alex")
    fill_start(alex, topics=("plan_quality",))
    session = alex.start_session()
    sam = app_for(store, "sam")
    sam.open_session(session.id)
    form = sam.plan_review
    assert [v for _, v in form.plan.control.options] == [v1.assessment_id]
    assert "no saved risk management plan" not in form.profile.value
    assert "ARMS assessment and plan" in form.plan.control.options[0][0]
    form.plan.control.value = v1.assessment_id
    form._on_open()
    assert "rso-profile" in form.profile.value
    assert sam.plan_review.version == v2.version  # the newest version is reviewed
    form.scores["Q9"].control.value = 1
    form.reasons["Q9"].control.value = "Rationale thin on intrusion"
    review = sam.add_review()
    assert review is not None  # the store accepts a review of an ARMS assessment's plan
    assert sam.sup.session(session.id).plan_reviews[0].assessment_id == v1.assessment_id


def test_a_session_the_user_is_not_part_of_is_refused_plainly(store):
    alex = app_for(store, "alex")
    fill_start(alex)
    rec = alex.start_session()
    bo = app_for(store, "bo")
    assert bo.open_session(rec.id) is None
    assert "You cannot do this" in bo.failure.value
    assert "confidential to its supervisor and assessor" in bo.failure.value
    assert bo.detail.layout.display == "none"


def test_an_unexpected_error_is_a_friendly_message_and_logged(store, monkeypatch, caplog):
    app = app_for(store, "alex")
    fill_start(app)

    def boom(_data):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(app.sup, "create_session", boom)
    with caplog.at_level(logging.ERROR):
        app.start_form._clicked()
    notice = app.start_form.notice.value
    assert "Something went wrong" in notice and "reference" in notice
    assert "database on fire" not in notice
    assert "database on fire" in caplog.text
    assert not any(t in page_text(app) for t in TRACEBACK)


def test_a_part_that_cannot_be_read_hides_only_itself(store, monkeypatch, caplog):
    from rso_widgets.store.supervision import SupervisionStore

    def boom(*_a, **_k):
        raise RuntimeError("sessions table on fire")

    monkeypatch.setattr(SupervisionStore, "sessions", boom)
    with caplog.at_level(logging.ERROR):
        app = app_for(store, "alex")  # the page still opens
    said = app.failure.value
    assert "Something went wrong while reading your sessions" in said and "reference" in said
    assert "on fire" not in said and "on fire" in caplog.text
    app.tabs.selected_index = 4  # the other parts are read as usual
    assert "Your current choice" in app.consent_form.current.value
    assert not any(t in page_text(app) for t in TRACEBACK)


# -- observation, diary, goals -----------------------------------------------------------------

def fill_observation(form, *, evidence: str = "Reflected back the worry about work",
                     points=("Explain the purpose at the start",)) -> None:
    form.assessor.control.value = "alex"
    form.observed_on.control.value = days(-2)
    form.context.control.value = "home_visit"
    for sid in form.levels:
        form.levels[sid].control.value = "established"
        form.evidence[sid].control.value = evidence
    form.strengths.control.value = "Warm, calm manner\nUsed the person's name"
    for box, text in zip(form.points, points, strict=False):
        box.control.value = text


def test_observation_without_evidence_is_shown_beside_each_skill(store):
    alex = app_for(store, "alex")
    fill_start(alex, held_on=days(-1))
    session = alex.start_session()
    sam = app_for(store, "sam")
    form = sam.observation_form
    fill_observation(form, evidence="", points=())
    assert sam.record_observation() is None
    errors = form.errors
    assert "'Empathy' is rated Established with no evidence" in errors[
        "ratings.empathy.evidence"]
    assert len([k for k in errors if k.endswith(".evidence")]) == 6
    assert "needs at least 1" in errors["development_points[0]"]
    assert "Empathy: what you saw or heard" in form.summary.text
    fill_observation(form, evidence=f"Seen {HOSTILE}")
    rec = sam.record_observation()
    assert rec is not None and rec.session_id == session.id  # linked to the next session
    assert "linked to the supervision session on" in form.notice.value
    assert "Seen &lt;script&gt;" in sam.observations_view.value
    assert "<script>" not in sam.observations_view.value
    # the assessor sees it, and it shows in the session it is linked to
    alex.refresh()
    mine = alex.observations_view.value.split("Observations you recorded")[0]
    assert "Seen &lt;script&gt;" in mine and "observed by sam" in mine
    alex.open_session(session.id)
    assert "Observation on" in alex.summary.value and "by sam" in alex.summary.value
    # ... and on that session's agenda, with its development points (escaped)
    agenda = alex.summary.value.split("<h3>Agenda</h3>")[1].split("<h3>Notes</h3>")[0]
    assert "<strong>Observation of practice</strong> on" in agenda and "by sam" in agenda
    assert "No agenda yet" not in agenda and "<script>" not in agenda


def test_observing_yourself_is_refused_inline(store):
    alex = app_for(store, "alex")
    fill_observation(alex.observation_form)
    assert alex.record_observation() is None
    assert "cannot record an observation of yourself" in alex.observation_form.errors[
        "assessor"]


def test_diary_write_share_and_withdraw(store):
    alex = app_for(store, "alex")
    form = alex.diary_form
    form.text.control.value = ""
    assert alex.write_diary() is None
    assert "the entry is empty" in form.errors["text"]
    form.text.control.value = f"Hard visit {HOSTILE}"
    form.event_on.control.value = days(3)
    assert alex.write_diary() is None
    assert "in the future" in form.errors["event_on"]
    form.event_on.control.value = days(-1)
    entry = alex.write_diary()
    assert entry is not None and "Private: only you can read it." in alex.diary_view.value
    assert "Hard visit &lt;script&gt;" in alex.diary_view.value
    fill_start(alex)
    session = alex.start_session()
    alex.refresh_diary()
    share = alex.diary_share
    assert alex.share_diary(withdraw=False) is None
    assert "no entry chosen" in share.errors["entry"]
    share.entry.control.value = entry.id
    share.session.control.value = session.id
    assert alex.share_diary(withdraw=False).shared_session_id == session.id
    assert "Shared into the session on" in alex.diary_view.value
    sam = app_for(store, "sam")
    sam.open_session(session.id)
    assert "Hard visit &lt;script&gt;" in sam.summary.value
    share.entry.control.value = entry.id
    assert alex.share_diary(withdraw=True).shared_session_id is None
    sam.open_session(session.id)
    assert "Hard visit" not in sam.summary.value


def test_diary_entry_edited_by_its_author_and_a_stale_edit_refused(store):
    alex = app_for(store, "alex")
    form = alex.diary_form
    assert form.edit_box.layout.display == "none"  # nothing to edit yet
    form.text.control.value = "First thoughts"
    entry = alex.write_diary()
    assert form.edit_box.layout.display == ""
    form._on_edit_clicked()
    assert "no entry chosen" in form.errors["edit_entry"]
    form.edit_picker.control.value = entry.id
    form.edit_button.click()
    assert form.editing == (entry.id, entry.version) and form.text.control.value == (
        "First thoughts")
    assert form.submit_button.description == "Save changes" and "Edit entry 1" in (
        form.title.value)
    form.text.control.value = f"Second thoughts {HOSTILE}"
    edited = alex.write_diary()
    assert edited.id == entry.id and edited.version == entry.version + 1
    assert "Your changes are saved" in form.notice.value and form.editing is None
    assert "Second thoughts &lt;script&gt;" in alex.diary_view.value
    assert "First thoughts" not in alex.diary_view.value and "edited" in alex.diary_view.value

    # the same entry open on two pages: the second save is refused and its text kept
    other = app_for(store, "alex")
    other.diary_form.start_edit(edited)
    form.start_edit(edited)
    other.diary_form.text.control.value = "Edited on the other page"
    assert other.write_diary() is not None
    form.text.control.value = "My edit, started earlier"
    assert alex.write_diary() is None
    assert "Nothing was overwritten" in form.notice.value
    assert form.text.control.value == "My edit, started earlier" and form.editing is not None
    form.cancel_button.click()
    assert form.editing is None and form.text.control.value == ""
    assert form.submit_button.description == "Save the entry"
    alex.refresh_diary()
    assert "Edited on the other page" in alex.diary_view.value


def test_goal_set_in_a_session_and_reviewed_with_history(store):
    alex = app_for(store, "alex")
    fill_start(alex, held_on=days(-10))
    session = alex.start_session()
    sam = app_for(store, "sam")
    sam.open_session(session.id)
    g = sam.goal_form
    g.text.control.value = "Reward progress explicitly"
    g.target_on.control.value = days(-20)
    assert sam.set_goal() is None
    assert "is before the session" in g.errors["target_on"]
    g.target_on.control.value = days(60)
    goal = sam.set_goal()
    assert goal is not None and goal.session_id == session.id
    assert "Reward progress explicitly" in sam.summary.value
    # Sam reviews Alex's goals from the goals tab
    sam.goals_whose.value = "alex"
    review = sam.goal_review
    assert [v for _, v in review.goal.control.options] == [goal.id]
    review.goal.control.value = goal.id
    review.status.control.value = "in_progress"
    review.kind.control.value = "other"
    assert sam.review_goal() is None
    assert "is not described" in review.errors["evidence[0].note"]
    review.evidence_note.control.value = "Named two changes in the last visit"
    rec = sam.review_goal()
    assert rec is not None and [h.status for h in rec.history] == ["open", "in_progress"]
    assert "In progress" in sam.goals_view.value and "Named two changes" in sam.goals_view.value
    # a number that is not a record of the assessor is refused beside the number box
    review.goal.control.value = goal.id
    review.kind.control.value = "practice_attempt"
    review.number.control.value = "999"
    assert sam.review_goal() is None
    assert "no practice attempt 999 of alex" in review.errors["evidence[0].number"]


# -- consent and CPD ---------------------------------------------------------------------------

def test_consent_is_the_persons_own_setting(store):
    alex = app_for(store, "alex")
    assert "No, anonymised team figures only" in alex.consent_form.current.value
    alex.consent_form.choice.control.value = True
    assert alex.save_consent() is True
    assert store("alex").supervision.consent() is True
    assert store("bo").supervision.consent() is False  # nobody else's setting changed
    assert "Yes, your team lead may see your results" in alex.consent_form.current.value


def test_cpd_portfolio_export_html_and_pdf(store, tmp_path):
    alex = app_for(store, "alex")
    fill_start(alex, detail="x")
    alex.start_session()
    html_path = alex.export_cpd("html")
    pdf_path = alex.export_cpd("pdf")
    assert html_path.parent == tmp_path / "data" / "exports"
    assert html_path.read_text(encoding="utf-8").count("OFFICIAL-SENSITIVE") >= 2
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert "download=" in alex.cpd_export.link.value and "data:application/pdf;base64," in \
        alex.cpd_export.link.value
    exports = [e for e in audit_log(alex.store, 20) if e.action == "export"]
    assert [(e.entity, e.entity_id, e.detail["format"]) for e in exports] == [
        ("cpd_record", "alex", "html"), ("cpd_record", "alex", "pdf")]


def test_cpd_export_failure_is_a_plain_message(store, monkeypatch):
    alex = app_for(store, "alex")
    import rso_widgets.reports.cpd as cpd

    def broken(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(cpd, "write_cpd_portfolio", broken)
    alex.cpd_export._clicked("pdf")
    said = alex.cpd_export.notice.value
    assert "Not exported" in said and "went wrong while exporting your CPD portfolio" in said
    assert "disk full" not in said and "answers are kept" not in said
    assert "quote reference" in said and alex.cpd_export.link.layout.display == "none"


# -- the page ----------------------------------------------------------------------------------

def test_every_button_has_a_text_label(store):
    import ipywidgets as w

    app = app_for(store, "alex")
    for part in ("start", "detail", "observe", "diary", "goals", "sharing"):
        app._part(part)  # every form, as built when first needed
    todo, buttons = [app], []
    while todo:
        wdg = todo.pop()
        if isinstance(wdg, w.Button):
            buttons.append(wdg)
        todo += list(getattr(wdg, "children", ()))
    assert buttons and all(b.description.strip() and not b.icon for b in buttons)


def test_forms_are_built_when_first_needed(store):
    """The page opens with the session list only; a tab's forms are built when it is chosen
    (fewer widgets to send when the page opens)."""
    from ipywidgets.widgets.widget import _instances

    before = len(_instances)
    app = app_for(store, "alex")
    assert len(_instances) - before < 120
    assert app.tabs.children[1].children == ()
    app.tabs.selected_index = 1
    assert app.observation_form in app.tabs.children[1].children
    app.tabs.selected_index = 4
    assert "No, anonymised team figures only" in app.consent_form.current.value


def test_the_page_does_not_start_if_the_store_cannot_open(monkeypatch):
    import rso_widgets.store as store_pkg

    def refuse(*_a, **_k):
        raise RuntimeError("cannot open the database")

    monkeypatch.setattr(store_pkg, "open_store", refuse)
    page = supervision()
    assert "could not start" in page.value and "Traceback" not in page.value


def test_the_served_page_stays_lean(tmp_path):
    """Building the page imports neither plotly nor pandas (design.md: lean kernels)."""
    code = (
        "import sys\n"
        "from rso_widgets.apps.supervision import supervision\n"
        "page = supervision()\n"
        "assert type(page).__name__ == 'SupervisionApp', page\n"
        "heavy = sorted({'plotly', 'pandas', 'reportlab'} & set(sys.modules))\n"
        "print(','.join(heavy))\n")
    env = {"RSO_DATA_DIR": str(tmp_path), "RSO_USER": "alex", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


# -- recording a session as a task list (issue 14) ------------------------------------------------

def test_recording_a_session_is_a_task_list_one_section_at_a_time(store):
    app = app_for(store, "alex")
    app._on_start_clicked()
    j = app.start_form.journey
    assert app.home.layout.display == "none" and app.start_slot.layout.display == ""
    assert j.current is None and [s.title for s in j.sections] == [
        "Who and when", "Agenda", "Notes", "Agreed actions"]
    assert j.statuses() == {"who": "Not started", "agenda": "Not started",
                            "notes": "Not started", "actions": "Not started"}
    j.open_section("who")
    j.continue_button.click()  # no date yet: the section's own problem, inline and on top
    assert j.current == "who" and "Enter the date of the session" in j.summary_box.text
    assert app.start_form.held_on.error
    app.start_form.held_on.control.value = days(-1)
    j.continue_button.click()
    assert j.current == "agenda" and j.statuses()["who"] == "Completed"
    app.start_form.agenda.boxes["skills"].value = True
    for _ in range(3):  # agenda, notes, actions: then check your answers
        j.continue_button.click()
    assert j.current == "check"
    assert "Date of the session" in j.body.children[0].children[0].value
    j.submit_button.click()
    saved = app.sup.sessions()
    assert len(saved) == 1 and saved[0].supervisor == "sam"
    assert app.detail.layout.display == "" and "is saved" in app.detail_notice.value


def test_save_shows_every_problem_at_once_not_layer_by_layer(store):
    """Issue 14: a missing date was reported alone ("Field required"); the empty name, the
    topic needing words and the action with no owner appeared only after it was fixed."""
    app = app_for(store, "alex")
    app._on_start_clicked()
    f = app.start_form
    f.other.value = ""
    f.agenda.boxes["other"].value = True
    row = f.actions.add_row()
    row.text.control.value = "Book the workshop"
    row.due.control.value = days(5)
    f._clicked()
    assert set(f.errors) == {"held_on", "other", "agenda[0]", "actions[0].owner"}
    assert len(f.summary.text.splitlines()) == 4 and f.journey.summary_box is f.summary
    links = f.journey.summary_box.links  # every message is the link to its field
    assert [b.label for b in links][:2] == ["Date of the session", "Your supervisor's user name"]
    assert [b.description for b in links] == f.summary.text.splitlines()
    assert app.sup.sessions() == []
    links[-1].click()  # the last message's link: opens the actions section
    assert f.journey.current == "actions"


def test_changing_a_session_is_a_task_list_with_review_and_goals(store):
    alex = app_for(store, "alex")
    fill_start(alex)
    rec = alex.start_session()
    j = alex.update_form.journey
    assert [s.key for s in j.sections] == ["when", "agenda", "notes", "discussed", "follow",
                                           "actions", "review", "goal"]
    assert j.current is None  # the session opens on its task list
    j.open_section("goal")
    assert alex.goal_form in j.body.children
    alex.goal_form.text.control.value = "Open interviews with the purpose"
    assert alex.set_goal() is not None and j.current == "goal"  # stays in the section
    j.open_section("notes")
    alex.update_form.notes.control.value = "Talked it through"
    j.show_check_answers()
    j.submit_button.click()
    assert alex.sup.session(rec.id).notes == "Talked it through"
    assert "Your changes to this session are saved" in alex.detail_notice.value


def test_one_error_wrapper():
    from rso_widgets.widgets import supervision_forms

    assert not hasattr(supervision_forms, "attempt")  # fields.safe_callback does the work


def test_an_observation_with_no_date_still_shows_every_other_problem(store):
    """Issue 14: the missing date ("Field required") used to hide the skills with no evidence
    and the missing development point until it was given."""
    sam = app_for(store, "sam")
    form = sam.observation_form
    fill_observation(form, evidence="", points=())
    form.observed_on.control.value = None
    assert sam.record_observation() is None
    errors = form.errors
    assert "observed_on" in errors and "ratings.empathy.evidence" in errors
    assert "development_points[0]" in errors or "development_points" in errors
    assert len(form.summary.text.splitlines()) >= 8  # the date, six skills, the point


def test_a_goal_with_no_words_and_an_early_target_shows_both(store):
    alex = app_for(store, "alex")
    fill_start(alex, held_on=days(-3))
    alex.start_session()
    alex.goal_form.target_on.control.value = days(-10)
    assert alex.set_goal() is None
    assert set(alex.goal_form.errors) == {"text", "target_on"}
