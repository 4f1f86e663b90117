"""The task-list pages build each section's widgets when it is first opened
(`apps/lazy_forms.py`, `apps/deferred.py`): a page opens with its task list only (an upper bound
on the widgets it makes, so the start-up burst of kernel messages cannot grow back silently),
its statuses are read from the answers before any form is built, a resumed draft shows its
values when its section is opened, and building a form from the answers changes nothing."""

from __future__ import annotations

import json

import pytest
from ipywidgets.widgets.widget import _instances
from test_live_assessment import DAY, RM_FACTS, TC01

from rso_widgets.cases.arms_key import key_assessment, key_plan
from rso_widgets.widgets.tasklist import CANNOT_START, COMPLETED, IN_PROGRESS, NOT_STARTED

# Widgets a page makes before anyone acts (measured: live 227, ARMS 196, practice 206, case
# editor 153; they were 993, 851, 679 and 449 when every section was built at start). Each
# widget is one comm_open, most a comm_msg or two as well.
START_BOUNDS = {"live": 250, "arms": 220, "practice": 230, "case editor": 170}


def live_app():
    from rso_widgets.apps.live_assessment import LiveAssessmentApp

    return LiveAssessmentApp(today=DAY, autosave_seconds=0.0)


def arms_app():
    from rso_widgets.apps.arms import ARMSAssessmentApp

    return ARMSAssessmentApp(today=DAY, autosave_seconds=0.0)


def practice_app():
    from rso_widgets.apps.arms_practice import ARMSPractice

    return ARMSPractice()


def case_app():
    from rso_widgets.apps.case_editor import CaseEditorApp

    return CaseEditorApp()


MAKERS = {"live": live_app, "arms": arms_app, "practice": practice_app,
          "case editor": case_app}


def parts(app):
    """The parts built on first use: the three forms, and the record's finder."""
    if hasattr(app, "form"):  # the case editor: its inputs, section by section
        return {}
    rec = getattr(app, "record", None)
    if rec is None:
        return {"arms": app.arms_answers, "plan": app.plan_answers}
    out = {"finder": rec.finder_part, "rm2000": rec.rm2000_answers, "arms": rec.arms_answers,
           "plan": rec.plan_answers}
    if hasattr(app, "record_part"):
        out |= {"record": app.record_part, "signoff": app.signoff_part}
    return out


def built(app) -> set[str]:
    return {k for k, p in parts(app).items() if p.built}


def find(app, reference="PND/0001", *, create=False):
    app.journey.open_section("person")
    app.reference.value = reference
    app.find_button.click()
    if create:
        app.create_button.click()
    assert app.person is not None and app.person.reference == reference


def as_json(data, *, when: bool = True) -> str:
    """A payload as text; without `when`, RM2000's `scored_at` left out (opening a record
    scores its answers again, as it always has)."""
    if not when and isinstance(data.get("rm2000", {}).get("result"), dict):
        data["rm2000"]["result"].pop("scored_at", None)
    return json.dumps(data, sort_keys=True, default=str)


@pytest.mark.parametrize("page", sorted(START_BOUNDS))
def test_a_page_opens_with_its_task_list_only(data_dir, page):
    before = len(_instances)
    app = MAKERS[page]()
    made = len(_instances) - before
    assert made <= START_BOUNDS[page], f"{page} made {made} widgets at start"
    assert app.journey.built == {} and built(app) == set()
    assert getattr(getattr(app, "form", None), "bindings", []) == []
    assert not data_dir.exists()  # and writes nothing


def test_a_section_builds_only_its_own_form(data_dir):
    app = live_app()
    find(app, create=True)
    assert built(app) == {"finder"}
    app.journey.open_section("rm2000")
    assert built(app) == {"finder", "rm2000"}
    app.journey.open_section("risk-2")
    assert built(app) == {"finder", "rm2000", "arms"}
    app.journey.show_check_answers()  # read from the answers: builds nothing
    assert built(app) == {"finder", "rm2000", "arms"}
    app.journey.open_section("plan-review")
    assert built(app) == {"finder", "rm2000", "arms", "plan"}
    assert "record" not in built(app) and "signoff" not in built(app)


def test_a_resumed_draft_has_its_statuses_before_any_form_and_its_values_when_opened(data_dir):
    first = arms_app()
    find(first, create=True)
    first.rm2000.set_facts(RM_FACTS, {"single": "Married since 1990"})
    first.rm2000.submit()
    first.arms.sections["R1"].rating.value = "evident"  # rated, no evidence yet
    first.arms.sections["R2"].evidence.add_row({"what": "Seen at the day centre"})  # no source
    first.arms.formulation["strengths"].value = "Drawing on R1."
    first.plan.add_action("protect", description="Weekly home visit")
    assert first.record.draft_saved
    statuses = first.journey.statuses()
    assert statuses["risk-1"] == IN_PROGRESS and statuses["rm2000"] == COMPLETED
    assert statuses["plan-actions"] == IN_PROGRESS and statuses["risk-3"] == NOT_STARTED
    gaps = [g.field for g in first.arms.gaps]
    wanted = as_json(first.draft_payload(), when=False)

    app = arms_app()
    find(app)
    assert app.record.draft_pending
    app.resume_button.click()
    assert built(app) == {"finder"}  # the draft is in, no form built
    assert app.journey.statuses() == statuses
    assert [g.field for g in app.record.arms_answers.gaps] == gaps
    assert app.record.arms_answers.unfinished_notes()[0].field == "ratings.R2.evidence.0.source"
    assert as_json(app.draft_payload(), when=False) == wanted
    held = as_json(app.draft_payload())
    app.journey.show_check_answers()
    shown = " ".join(b.children[0].value for b in app.journey.body.children)
    assert "Weekly home visit" in shown and "Not rated yet" in shown
    assert built(app) == {"finder"}

    app.journey.open_section("risk-1")  # the values are there when the section opens
    assert app.arms.sections["R1"].rating.value == "evident"
    assert app.arms.sections["R2"].evidence.rows[0].what.value == "Seen at the day centre"
    assert app.arms.formulation["strengths"].value == "Drawing on R1."
    app.journey.open_section("rm2000")
    assert app.rm2000.result is not None and app.rm2000.value == first.rm2000.value
    assert app.rm2000.evidence_boxes["single"].value == "Married since 1990"
    app.journey.open_section("plan-actions")
    assert [a.description for a in app.plan.value.actions] == ["Weekly home visit"]
    assert as_json(app.draft_payload()) == held  # building changed nothing
    assert app.journey.statuses() == statuses


def test_a_saved_version_reopened_is_not_changed_by_building_its_sections(data_dir):
    first = live_app()
    find(first, create=True)
    first.rm2000.set_facts(RM_FACTS, {"single": "Married since 1990"})
    first.rm2000.submit()
    first.arms.value = key_assessment(TC01).model_copy(
        update={"rm2000": first.arms.value.rm2000})
    first.plan.value = key_plan(TC01)
    first.reason.value = "first assessment"
    first.save_button.click()
    assert first.expected_version == 1, first.save_status.value
    statuses = first.journey.statuses()

    app = live_app()
    find(app)
    assert not app.record.draft_pending  # no draft offered: the version is what is held
    assert built(app) == {"finder"}
    assert app.journey.statuses() == statuses
    assert statuses["risk-1"] == COMPLETED and statuses["plan-actions"] == COMPLETED
    held = as_json(app.draft_payload())
    for section in app.journey.sections:
        app.journey.open_section(section.key)
    assert as_json(app.draft_payload()) == held
    assert not app.dirty()  # building every section is not an edit
    assert app.store.get_draft(app.draft_key()) is None  # and saved no draft
    assert "Version 1" in app.record_status.value or "version 1" in app.record_status.value


def test_a_save_builds_a_form_only_to_show_its_problems(data_dir):
    first = arms_app()
    find(first, create=True)
    first.journey.show_check_answers()
    first.journey.submit_button.click()  # nothing answered: refused
    assert first.expected_version is None
    keys = {p[3] for p in first.record.last_problems}  # the sections of every problem
    assert {"rm2000", "risk-1", "formulation", "plan-actions", "reason"} <= keys
    assert built(first) == {"finder", "rm2000", "arms", "plan"}  # errors beside the fields
    assert first.arms.formulation_fields["strengths"].error
    first.rm2000.set_facts(RM_FACTS)
    first.rm2000.submit()
    first.arms.value = key_assessment(TC01).model_copy(
        update={"rm2000": first.arms.value.rm2000})
    first.plan.value = key_plan(TC01)
    first.reason.value = "first assessment"
    first.journey.submit_button.click()
    assert first.expected_version == 1, first.save_status.value

    app = arms_app()  # a new version with only a new reason: no form is needed
    find(app)
    app.journey.open_section("reason")
    app.reason.value = "annual review, nothing changed"
    app.journey.show_check_answers()
    app.journey.submit_button.click()
    assert app.expected_version == 2, app.save_status.value
    assert built(app) == {"finder"}
    v1, v2 = (app.store.get_version(app.assessment_id, n).data for n in (1, 2))
    assert as_json(v2, when=False) == as_json(v1, when=False)


def test_practice_opens_a_case_without_building_a_form(data_dir):
    app = practice_app()
    app.picker.value = "TC-01"
    app.open_button.click()
    assert built(app) == set()
    statuses = app.journey.statuses()
    assert statuses["risk-1"] == NOT_STARTED and statuses["plan-actions"] == NOT_STARTED
    assert CANNOT_START not in statuses.values()
    app.journey.open_section("risk-1")
    assert built(app) == {"arms"}
    app.arms.sections["R1"].rating.value = "evident"
    assert app.has_unsubmitted_work
    assert app.plan.arms.ratings["R1"].rating == "evident"  # the plan follows the ratings


def test_the_case_editor_builds_a_section_when_opened_and_go_to_reaches_it(data_dir,
                                                                           monkeypatch):
    import ipywidgets as w

    app = case_app()
    tc01 = next(v for label, v in app.start_from.options if "TC-01:" in label)
    app.open_case(tc01)
    assert app.form.bindings == []  # the copy is held, no input built
    assert set(app.journey.statuses().values()) == {COMPLETED}
    draft = app.form.value[0]
    app.journey.open_section("person")
    assert {b.path[0] for b in app.form.bindings} == {"person"}
    assert app.form.binding("person.name").field.control.value == draft["person"]["name"]
    for section in app.journey.sections:
        app.journey.open_section(section.key)
    assert app.form.value == (draft, [])  # the same draft, every input built

    page = case_app()
    page.open_case(tc01)
    wrong = {**draft, "person": {**draft["person"], "date_of_birth": "1968-02-30"}}
    page.form.set(wrong)
    page.recheck()
    assert page.journey.statuses()["person"] == IN_PROGRESS and page.form.bindings == []
    focused = []
    monkeypatch.setattr(w.Text, "focus", lambda self: focused.append(self))
    page.journey.show_check_answers()
    page.journey._submit()  # refused: the problem is listed with its "Go to"
    assert "person.date_of_birth" in " ".join(page.journey.summary_box.items)
    assert page.form.bindings == []  # listing it built nothing
    (_label, _text, target), = [p for p in page._problems_in("person")
                                if p[0] == "person.date_of_birth"]
    target.focus()  # what its "Go to" does: the section opens, built, and the input focused
    dob = page.form.binding("person.date_of_birth").field
    assert page.journey.current == "person" and focused[-1] is dob.control
    assert "not a date that exists" in dob.error


def test_a_case_input_not_built_yet_that_cannot_be_read_is_built_to_show_why():
    from rso_widgets.widgets.case_editor import CaseForm

    form = CaseForm(lambda: None)
    form._held[("history",)] = "occasions: []\noccasions: []\n"  # as if typed, then held
    draft, typed = form.value
    assert [(b.path, "duplicate key" in text) for b, text in typed] == [(("history",), True)]
    assert {b.path[0] for b in form.bindings} == {"history"}  # its section only
    assert "history" not in draft and draft["schema_version"] == 1


def test_going_back_to_the_task_list_or_the_check_page_makes_no_widgets(data_dir):
    app = live_app()
    j = app.journey
    find(app, create=True)
    j.open_section("rm2000")
    j._back()
    j.show_check_answers()
    j._back()
    before = len(_instances)
    for _ in range(3):  # each view again: its rows and blocks are updated, not made again
        j.open_section("rm2000")
        j._back()
        j.show_check_answers()
        j._back()
    assert len(_instances) == before
    app.rm2000.set_facts(RM_FACTS)
    app.rm2000.submit()
    j.show_task_list()  # and they say what is true now
    row = j.body.children[0].children[[s.key for s in j.sections].index("rm2000")]
    assert "Completed" in row.children[1].value
    assert row.children[0].children[0].description == "RM2000 static risk"
