"""The ARMS assessment, the live assessment and ARMS practice as task lists (issue 14): each
opens on its task list, statuses follow the answers, one section at a time, every problem that
stops a save at once at the top (each message the link that opens its section) and beside
its field, and technical ids in an "About" reveal rather than headline text."""

from __future__ import annotations

import datetime as dt
import html
import re

from rso_widgets.cases import load_cases
from rso_widgets.cases.arms_key import key_assessment, key_plan
from rso_widgets.widgets.tasklist import CANNOT_START, COMPLETED, IN_PROGRESS, NOT_STARTED

DAY = dt.date(2025, 10, 6)
TC01 = {c.id: c for c in load_cases()}["TC-01"]
RM_FACTS = {"sex": "male", "age_at_assessment": 61, "age_at_commencement": 56,
            "sexual_offence_aged_17_plus": True, "sexual_appearances": 1,
            "criminal_appearances": 1, "violent_appearances": 0, "burglary": False,
            "male_victim": False, "stranger_victim": False, "non_contact": False,
            "single": False}
ARMS_SECTIONS = ["risk-1", "risk-2", "risk-3", "protective-1", "protective-2"]
ASSESSMENT_SECTIONS = ["person", "rm2000", *ARMS_SECTIONS, "formulation", "plan-actions",
                       "plan-safety", "plan-review", "reason"]


def text(markup: str) -> str:
    plain = re.sub(r"<style>.*?</style>|<[^>]+>", " ", markup, flags=re.S)
    return " ".join(html.unescape(plain).split())


def arms_app():
    from rso_widgets.apps.arms import ARMSAssessmentApp

    return ARMSAssessmentApp(today=DAY, autosave_seconds=0.0)


def live_app():
    from rso_widgets.apps.live_assessment import LiveAssessmentApp

    return LiveAssessmentApp(today=DAY, autosave_seconds=0.0)


def open_new(app, reference="PND/0001"):
    app.reference.value = reference
    app.find_button.click()
    app.create_button.click()
    assert app.person is not None


def test_the_arms_assessment_opens_on_its_task_list_and_statuses_follow_the_answers(data_dir):
    app = arms_app()
    j = app.journey
    assert j.current is None and [s.key for s in j.sections] == ASSESSMENT_SECTIONS
    assert j.built == {}  # nothing but the list is built: a short first view
    assert j.statuses() == {k: NOT_STARTED if k == "person" else CANNOT_START
                            for k in ASSESSMENT_SECTIONS}
    j.open_section("person")
    open_new(app)
    assert j.statuses()["person"] == COMPLETED
    assert {j.statuses()[k] for k in ASSESSMENT_SECTIONS[1:]} == {NOT_STARTED}
    j._continue()  # person → RM2000
    assert j.current == "rm2000"
    app.rm2000.set_facts(RM_FACTS)
    app.rm2000.submit()
    assert j.statuses()["rm2000"] == COMPLETED
    app.arms.sections["R1"].rating.value = "evident"  # rated, no evidence yet
    assert j.statuses()["risk-1"] == IN_PROGRESS
    assert j.statuses()["risk-2"] == NOT_STARTED  # R4 and R5: untouched
    app.arms.value = key_assessment(TC01).model_copy(update={"rm2000": app.arms.value.rm2000})
    assert {j.statuses()[k] for k in ARMS_SECTIONS} == {COMPLETED}
    assert j.statuses()["formulation"] == COMPLETED
    app.plan.value = key_plan(TC01)
    assert j.statuses()["plan-actions"] == COMPLETED
    app.reason.value = "first assessment"
    assert j.statuses()["reason"] == COMPLETED
    # check answers reads back the answers, escaped
    j.show_check_answers()
    shown = text("".join(b.children[0].value for b in j.body.children))
    assert "Person reference PND/0001" in shown and "Reason for this version first assessment" \
        in shown
    assert "R1 Sexual preoccupation" in shown and "R7 Opportunity to offend" in shown
    titles = [b.children[0].value for b in j.body.children]
    assert any("ARMS risk factors (R1 to R3)" in t and "R3 " in t and "R4 " not in t
               for t in titles)
    assert any("ARMS risk factors (R4 and R5)" in t and "R5 " in t and "Assessment date" not in t
               for t in titles)
    assert any("ARMS protective factors (P3 and P4)" in t and "P4 " in t for t in titles)
    sent = []
    app.save_status.send = sent.append  # the focus request a save sends to the page
    j.submit_button.click()
    assert "Saved as version 1" in text(app.save_status.value), app.failure.value
    assert j.summary_box.items == []
    # the confirmation sits above the task list and focus moves to it (GOV.UK: at the top)
    assert app.children.index(app.save_status) < app.children.index(j)
    assert "rso-focus-target" in app.save_status._dom_classes and {"do": "focus"} in sent


def test_a_refused_save_lists_every_problem_at_once_and_go_to_opens_its_section(data_dir):
    app = arms_app()
    open_new(app)
    app.journey.show_check_answers()
    app.save_button.click()
    items = app.journey.summary_box.items
    # RM2000, every ARMS gap, and the reason, in one pass
    assert items[0].startswith("Score RM2000")
    assert any("Sexual preoccupation: not rated yet" in i for i in items)
    assert any("not written" in i for i in items)  # the formulation
    assert items[-1] == "Enter the reason for this version"
    assert "Not saved yet" in text(app.save_status.value)
    # and beside the fields
    assert app.reason_field.error == "Enter the reason for this version"
    assert "not rated yet" in text(app.arms.sections["R1"].status.value)
    # each message is the link that opens the section holding its field and keeps the list
    links = app.journey.summary_box.links
    assert [b.description for b in links] == items  # RM2000 too: it opens its section
    go_to = {b.label: b for b in links}
    assert go_to["Reason for this version"].description == "Enter the reason for this version"
    go_to["Reason for this version"].click()
    assert app.journey.current == "reason" and app.journey.summary_box.items == items
    go_to["R6 Negative social influences"].click()
    assert app.journey.current == "risk-3"
    go_to["P1 Social investment"].click()
    assert app.journey.current == "protective-1"
    assert app.journey.back_button.description == "Back to check your answers"


def test_plan_problems_open_the_plan_section_that_holds_them(data_dir):
    app = arms_app()
    open_new(app)
    app.rm2000.set_facts(RM_FACTS)
    app.rm2000.submit()
    app.arms.value = key_assessment(TC01).model_copy(update={"rm2000": app.arms.value.rm2000})
    app.plan.value = key_plan(TC01)
    app.plan.review_date.value = app.arms.value.assessed_on - dt.timedelta(days=1)
    app.reason.value = "first"
    app.save_button.click()
    assert app.assessment_id is None
    [problem] = app.journey.summary_box.items
    assert "review date" in problem
    [link] = app.journey.summary_box.links
    assert link.description == problem
    link.click()
    assert app.journey.current == "plan-review"


def test_the_live_assessment_adds_record_and_sign_off_tasks(data_dir):
    app = live_app()
    j = app.journey
    assert [s.key for s in j.sections] == ["person", "record", *ASSESSMENT_SECTIONS[1:],
                                           "signoff"]
    open_new(app)
    # the review date, reassessment and history need a saved version, as sign-off does
    assert j.statuses()["record"] == CANNOT_START and j.statuses()["signoff"] == CANNOT_START
    app.rm2000.set_facts(RM_FACTS)
    app.rm2000.submit()
    app.arms.value = key_assessment(TC01).model_copy(update={"rm2000": app.arms.value.rm2000})
    app.plan.value = key_plan(TC01)
    app.reason.value = "first assessment"
    app.save_button.click()
    assert "Saved as version 1" in text(app.save_status.value), app.failure.value
    assert app.children.index(app.save_status) < app.children.index(app.journey)
    assert j.statuses()["record"] == COMPLETED  # the plan's review date was set
    assert j.statuses()["signoff"] == NOT_STARTED
    app.sign_button.click()
    assert j.statuses()["signoff"] == IN_PROGRESS and app.sign_button.disabled
    # a reassessment asks what changed, with the reason
    assert app.start_reassessment()
    app.reason.value = "review"
    app.save_button.click()
    assert "What changed" in " ".join(b.label for b in j.summary_box.links)
    assert [b.description for b in j.summary_box.links] == j.summary_box.items
    j.summary_box.links[0].click()
    assert j.current == "reason" and app.change_field.error
    app.change_text.value = "New job"
    app.save_button.click()
    assert "Saved as version 2" in text(app.save_status.value), app.failure.value
    assert app.version_pick.value == 2 and not app.sign_button.disabled  # follows the newest


def test_the_ruleset_and_catalogue_ids_are_in_about_reveals_not_headlines(data_dir):
    from rso_widgets.apps.arms import ARMSPractice

    app = arms_app()
    open_new(app)
    app.journey.open_section("rm2000")
    markup = "".join(x.value for x in app.journey.built["rm2000"].children
                     if hasattr(x, "value") and isinstance(x.value, str))
    ref = app.rm2000.rs.ref
    assert ref in markup
    before_details = markup.split("<details")[0]
    assert ref not in before_details  # only inside the reveal
    assert "About this result" in markup
    app.journey.open_section("risk-1")
    cat_ref = app.arms.cat.ref
    shown = [x.value for x in app.journey.built["risk-1"].children
             if isinstance(getattr(x, "value", None), str) and cat_ref in x.value]
    assert shown and all(v.startswith("<details") for v in shown)
    assert "Check the assessment" not in app.arms.completeness.value  # no such button here
    practice = ARMSPractice()
    intro = [x.value for x in practice.children if hasattr(x, "value")
             and isinstance(x.value, str) and practice.arms.cat.ref in x.value]
    assert intro and all(v.startswith("<details") for v in intro)


def test_arms_practice_is_a_task_list_and_the_feedback_opens_at_the_top():
    from rso_widgets.apps.arms import ARMSPractice

    app = ARMSPractice()
    assert app.work.layout.display == "none"  # choose a case first
    app.picker.value = "TC-02"
    app.open_button.click()
    j = app.journey
    assert j.current is None and "TC-02" in j.heading.value
    assert [s.key for s in j.sections] == ["case", *ARMS_SECTIONS, "formulation",
                                           "plan-actions", "plan-safety", "plan-review"]
    assert j.statuses()["case"] == NOT_STARTED
    j.open_section("case")
    assert j.statuses()["case"] == COMPLETED
    j._continue()
    assert j.current == "risk-1"
    # the case file can be shown above every rating task
    reveal = j.body.children[0].children[0]
    reveal.toggle.click()
    assert reveal.holder.layout.display == "" and reveal.toggle.description == \
        "Hide the case file"
    # a partial attempt may be submitted: it is compared as it stands
    app.arms.sections["R1"].rating.value = "evident"
    j.show_check_answers()
    j.submit_button.click()
    assert j.current == "result" and "Compared with the key" in j.heading.value
    assert j.body.children == (app.status, app.feedback)
    assert app.feedback.feedback is not None and "compared as it stands" in app.status.value
    j._back()
    assert j.current is None
    # opening another case starts its list afresh (reading it again counts)
    app.picker.value = "TC-03"
    app.open_button.click()
    app.switch_confirm.click()
    assert app.case.id == "TC-03" and j.statuses()["case"] == NOT_STARTED


def test_the_factors_are_cut_into_sections_of_at_most_three():
    """R1 to R3, R4 and R5, R6 and R7; P1 and P2, P3 and P4 (sections as even as they can
    be, catalogue order); a kind that fits in one section keeps its plain key; a force's
    longer catalogue is cut the same way."""
    from types import SimpleNamespace

    from rso_widgets.apps.arms_sections import factor_groups
    from rso_widgets.instruments.arms import load_arms_catalogue

    groups = factor_groups(load_arms_catalogue())
    assert [(g.key, g.title, g.ids) for g in groups] == [
        ("risk-1", "ARMS risk factors (R1 to R3)", ("R1", "R2", "R3")),
        ("risk-2", "ARMS risk factors (R4 and R5)", ("R4", "R5")),
        ("risk-3", "ARMS risk factors (R6 and R7)", ("R6", "R7")),
        ("protective-1", "ARMS protective factors (P1 and P2)", ("P1", "P2")),
        ("protective-2", "ARMS protective factors (P3 and P4)", ("P3", "P4"))]
    many = SimpleNamespace(factors=[SimpleNamespace(id=f"R{i}", kind="risk")
                                    for i in range(1, 11)]
                           + [SimpleNamespace(id="P1", kind="protective")])
    assert [len(g.ids) for g in factor_groups(many)] == [3, 3, 2, 2, 1]
    assert [g.key for g in factor_groups(many)][-2:] == ["risk-4", "protective"]
    assert factor_groups(many)[-1].title == "ARMS protective factors (P1)"


def test_each_risk_section_shows_only_its_factors_and_the_first_the_date(data_dir):
    app = arms_app()
    open_new(app)
    j = app.journey
    j.open_section("risk-1")
    first = j.built["risk-1"]
    j.open_section("risk-2")
    second = j.built["risk-2"]
    factors = {key: [c.factor.id for c in box.children if hasattr(c, "factor")]
               for key, box in (("risk-1", first), ("risk-2", second))}
    assert factors == {"risk-1": ["R1", "R2", "R3"], "risk-2": ["R4", "R5"]}
    assert app.arms.date_field in first.children and app.arms.date_field not in second.children
    # Continue goes through the factor sections in order
    j.open_section("risk-1")
    for key in ARMS_SECTIONS[1:]:
        j._continue()
        assert j.current == key


def test_the_reason_for_the_next_version_is_kept_in_the_draft_and_offered_again(data_dir):
    """Nothing typed is lost: the reason is autosaved with the other answers and comes back on
    resuming the draft (it was left out, noticed in stop 22)."""
    app = arms_app()
    open_new(app)
    app.reason.value = "Annual review <b>"
    draft = app.store.get_draft(app.draft_key())
    assert draft is not None and draft.data["version_reason"] == "Annual review <b>"
    again = arms_app()
    again.reference.value = "PND/0001"
    again.find_button.click()
    assert again.draft_box.layout.display == ""  # the draft is offered
    again.resume_button.click()
    assert again.reason.value == "Annual review <b>"
    assert again.journey.statuses()["reason"] == COMPLETED
