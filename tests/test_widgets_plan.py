"""Plan builder: a thin view over the plan model and the quality rubric (no browser)."""

from __future__ import annotations

import datetime as dt
import html
import logging
import re

import ipywidgets as w
import pytest

from rso_widgets.cases import load_cases
from rso_widgets.cases.arms_key import key_assessment, key_plan
from rso_widgets.instruments.arms import ARMSAssessment, load_arms_catalogue
from rso_widgets.instruments.plan import PILLARS, Review, RiskManagementPlan
from rso_widgets.instruments.plan_quality import Judgement, evaluate
from rso_widgets.widgets import plan_builder as plan_module
from rso_widgets.widgets.checkboxes import Checkboxes
from rso_widgets.widgets.plan_builder import PlanBuilder

CAT = load_arms_catalogue()
TC01 = next(c for c in load_cases() if c.id == "TC-01")
ARMS = key_assessment(TC01)  # R5 partly evident is the one live risk factor; R1 insufficient
R1_FIND_OUT = "no action to find out about R1 Sexual preoccupation (rated Insufficient information)"
DAY = dt.date(2026, 3, 1)


def text(markup: str) -> str:
    plain = re.sub(r"<style>.*?</style>|<[^>]+>", " ", markup, flags=re.S)
    return " ".join(html.unescape(plain).split())


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def criterion(builder: PlanBuilder, cid: str):
    return next(c for c in builder.profile.criteria if c.id == cid)


@pytest.fixture
def builder() -> PlanBuilder:
    return PlanBuilder(arms=ARMS)


def test_an_empty_plan_shows_what_is_unaddressed_and_the_rubric(builder):
    assert builder.value == RiskManagementPlan()
    assert builder.profile == evaluate(RiskManagementPlan(), ARMS)
    assert builder.unaddressed() == [R1_FIND_OUT, "no action for R5 Poor self-management",
                                     *[f"no action builds or sustains {f.id} {f.name}"
                                       for f in CAT.factors if f.kind == "protective"]]
    cov = builder.coverage.value
    assert "Not yet addressed (6)" in text(cov)
    assert 'class="rso-coverage-R1 rso-needs-action"' in cov
    assert 'class="rso-coverage-R5 rso-needs-action"' in cov
    assert "R5 Poor self-management Partly evident Needs an action" in text(cov)
    assert 'class="rso-coverage-R2"' in cov  # not evident: no action needed
    rubric = text(builder.rubric_box.value)
    row = re.search(r'rso-criterion-Q9".*?</tr>', builder.rubric_box.value, re.S)
    assert "For the reviewer" in text(row.group(0))
    row = re.search(r'rso-criterion-Q10".*?</tr>', builder.rubric_box.value, re.S)
    assert "Not met" in text(row.group(0))  # an action criterion: no actions, nothing to order
    assert "the plan has no actions" in text(row.group(0))
    assert "Q1 Every risk factor rated Partly evident or Evident has at least one action" in rubric
    assert "has an action to find out Not met" in rubric
    assert "How to fix: Add an action linked to each listed risk factor" in rubric


def test_linking_an_action_to_a_factor_updates_the_highlight_and_rubric_live(builder):
    row = builder.add_action("interventions_treatment")
    assert builder.value.actions == []  # no description yet: not part of the plan
    assert "describe what will be done" in text(row.status.value)
    row.description.value = "Refer to the community alcohol service"
    row.factors.value = ("R5",)
    assert builder.value.actions[0].factors == ["R5"]
    assert "no action for R5 Poor self-management" not in builder.unaddressed()
    assert criterion(builder, "Q1").score == 1 and criterion(builder, "Q1").missing == [R1_FIND_OUT]
    row.factors.value = ("R5", "R1")  # and ask how he copes with stress: R1 insufficient
    assert criterion(builder, "Q1").score == 2
    assert "Addressed by action 1" in text(builder.coverage.value)
    assert "rso-needs-action" not in re.search(r'rso-coverage-R5[^>]*', builder.coverage.value
                                               ).group(0)
    assert criterion(builder, "Q5").missing == [
        "action 1 (Refer to the community alcohol service): no owner, no frequency or due "
        "date, no observable outcome"]
    assert "owner, frequency or due date, observable outcome" in text(row.status.value)
    row.owner.value = "Offender manager"
    row.due.value = DAY
    row.outcome.value = "Attends the first appointment"
    assert criterion(builder, "Q5").score == 2 and text(row.status.value) == "Complete"
    assert builder.revision > 0


def test_actions_are_added_per_pillar_and_omissions_only_asked_for_empty_pillars(builder):
    builder.add_buttons["victim_safety"].click()
    row = builder.actions.rows[0]
    assert row.pillar.value == "victim_safety"
    assert row.description.description == "Action 1: what will be done"
    row.description.value = "Agree disclosure to a new employer"
    assert builder.omission_fields["victim_safety"].layout.display == "none"
    assert builder.omission_fields["supervision"].layout.display == ""
    assert "Victim safety planning: 1" in text(builder.pillar_counts.value)
    for p in ("supervision", "monitoring_control"):
        builder.omissions[p].value = "Covered by the probation plan"
    builder.omissions["victim_safety"].value = "ignored: this pillar has an action"
    assert builder.value.pillar_omissions == {"supervision": "Covered by the probation plan",
                                              "monitoring_control": "Covered by the probation "
                                                                    "plan"}
    q3 = criterion(builder, "Q3")
    assert q3.score == 1 and q3.missing == [
        "no action and no reason for leaving out Interventions and treatment"]
    builder.actions.rows[0].remove.click()
    assert builder.actions.rows == [] and builder.value.actions == []


def test_contingencies_legal_visits_review_and_rationale(builder):
    c = builder.contingencies.add_row()
    c.trigger.value = "Drinking heavily again"
    assert criterion(builder, "Q6").score == 1 and "response, owner" in text(c.status.value)
    c.response.value, c.owner.value = "Unannounced visit within two weeks", "Offender manager"
    assert criterion(builder, "Q6").score == 2
    legal = builder.legal.add_row()
    legal.terms.value = "SHPO: no unsupervised contact with children"
    assert builder.value.legal == [] and "choose the kind" in text(legal.status.value)
    assert builder.pending() == {"legal": [{"kind": None, "terms": legal.terms.value,
                                            "start_date": None, "end_date": None}]}
    legal.kind.value = "order"
    assert criterion(builder, "Q7").missing[0] == "order: no end date"
    legal.end_date.value = dt.date(2030, 1, 1)
    assert criterion(builder, "Q7").missing == [
        "no MAPPA layer (category, level, lead agency, partners, level-review triggers, "
        "information sharing)"]
    m = builder.mappa
    m.category.value, m.level.value, m.lead.value = 1, 1, "Police"
    partner = m.partners.add_row()
    partner.agency.value, partner.role.value = "Probation", "Shares the programme report"
    m.triggers.value = "A new relationship\n"
    assert criterion(builder, "Q7").missing == ["no information-sharing agreement noted"]
    m.sharing.value = "Police and probation share information under MAPPA"
    assert criterion(builder, "Q7").score == 2 and builder.pending() == {}
    assert builder.value.mappa.partners[0].agency == "Probation"
    builder.visit_frequency.value = "Every three months"
    builder.visit_kind.value = "mixed"
    builder.visit_reason.value = "Medium priority"
    builder.review_date.value = DAY
    builder.review_triggers.value = "New relationship\n\n  A move  \n"
    builder.rationale.value = "Necessary and no more intrusive than the risk calls for."
    builder.victims.value = "Adult women at work social events\n"
    v = builder.value
    assert (v.visits.frequency, v.visits.kind) == ("Every three months", "mixed")
    assert v.review.early_triggers == ["New relationship", "A move"]
    assert v.potential_victims == ["Adult women at work social events"]
    assert criterion(builder, "Q8").score == 2
    assert criterion(builder, "Q9").score is None  # judged: never computed here


def test_value_round_trips_a_key_plan_and_meets_the_auto_criteria(builder):
    plan = key_plan(TC01)
    builder.value = plan
    assert builder.value == plan
    assert builder.unaddressed() == []
    assert [c.score for c in builder.profile.criteria if c.mode != "judged"] == [2] * 8
    assert "Every factor that needs an action has one" in text(builder.coverage.value)
    assert [r.pillar.value for r in builder.actions.rows] == [a.pillar for a in plan.actions]


def test_pending_rows_are_kept_for_drafts_and_restored(builder):
    plan = key_plan(TC01)
    pending = {"actions": [{"pillar": "supervision", "description": "", "factors": ["R1"],
                            "owner": "OM", "frequency": "", "due": None, "outcome": ""}]}
    builder.set_value(plan, pending)
    assert builder.value == plan
    assert builder.actions.rows[-1].owner.value == "OM"
    assert builder.pending() == pending


def test_the_arms_ratings_drive_q1_and_the_highlight(builder):
    r7 = ARMS.ratings["R7"].model_copy(update={"rating": "evident"})
    builder.arms = ARMS.model_copy(update={"ratings": {**ARMS.ratings, "R7": r7}})
    assert "no action for R7 Opportunity to offend" in builder.unaddressed()
    assert "R7 Opportunity to offend Evident Needs an action" in text(builder.coverage.value)


def test_reviewer_judgements_are_shown_as_set_by_the_reviewer():
    b = PlanBuilder(arms=ARMS, value=key_plan(TC01),
                    judgements={"Q9": Judgement(score=1, reviewer="sup"),
                                "Q5": Judgement(score=1, reason="outcomes vague", reviewer="s")})
    assert criterion(b, "Q9").score == 1 and criterion(b, "Q5").overridden
    assert "set by the reviewer: outcomes vague" in text(b.rubric_box.value)


def test_free_text_is_escaped(builder):
    row = builder.add_action("supervision", description="<img src=x onerror=alert(1)>")
    assert row.model() is not None
    assert "<img" not in builder.rubric_box.value
    assert "&lt;img src=x onerror=alert(1)&gt;"[:30] in builder.rubric_box.value


def test_a_failing_callback_shows_a_message(builder, monkeypatch, caplog):
    def broken(*_a, **_k):
        raise RuntimeError("rubric <gone>")

    monkeypatch.setattr(plan_module, "evaluate", broken)
    with caplog.at_level(logging.ERROR):
        builder.rationale.value = "x"
    assert "Something went wrong while updating the plan" in builder.failure.value
    assert "gone" not in builder.failure.value
    builder.add_buttons["supervision"].click()  # adding a row fails softly too
    assert builder.failure.layout.display == ""


def test_every_control_is_labelled_and_every_button_has_text(builder):
    for p in PILLARS:
        builder.add_action(p)
    builder.contingencies.add_row()
    builder.legal.add_row()
    builder.mappa.partners.add_row()
    builder.mappa.assessments.add_row()
    controls = (w.Text, w.Textarea, w.Dropdown, w.DatePicker, Checkboxes)
    names = []
    for widget in _walk(builder):
        assert not isinstance(widget, w.SelectMultiple), "a Ctrl-click list (issue 14)"
        if isinstance(widget, w.Checkbox):  # each box of a group has its own label
            assert widget.description.strip() and widget.description_allow_html is False
        elif isinstance(widget, Checkboxes):
            assert widget.description.strip(), "a checkbox group without its question"
            names.append(widget.description)
        elif isinstance(widget, w.Button):
            assert widget.description.strip(), "a button without a text label"
        elif isinstance(widget, controls):
            assert widget.description.strip(), f"unlabelled {type(widget).__name__}"
            assert widget.description_allow_html is False
            names.append(widget.description)
    assert len(names) == 4 * 7 + 4 + 1 + 3 + 4 + 3 + 2 + 1 + 5 + 2 + 4
    assert len(set(names)) == len(names)
    assert len(names) == len(set(names))


def test_an_empty_assessment_leaves_only_protective_factors_to_address():
    b = PlanBuilder(arms=ARMSAssessment(catalogue=CAT.ref))
    assert all(m.startswith("no action builds or sustains P") for m in b.unaddressed())


# --- plan problems: shown beside the field and in the summary ------------------------------

def _errors(box) -> str:
    return text(box.value if isinstance(box, w.HTML) else box.notes.value)


def test_no_problems_are_shown_until_asked_and_a_clean_plan_has_none(builder):
    builder.set_value(key_plan(TC01))
    assert builder.summary.layout.display == "none" and builder.problems == []
    assert builder.show_problems(ARMS.assessed_on) == []
    assert builder.summary.layout.display == "none"


def test_a_plan_with_no_actions_is_shown_next_to_the_actions_and_in_the_summary(builder):
    [gap] = builder.show_problems(DAY)
    assert gap.field == "actions"
    assert "Error: Add at least one action" in _errors(builder.actions_field)
    assert "rso-field-error" in builder.actions_field._dom_classes
    assert "Add at least one action" in builder.summary.text
    assert builder.summary.layout.display == ""
    [goto] = builder.summary.links
    assert goto.label == "Actions" and goto.description == builder.summary.text
    builder.add_action("supervision", description="Home visits", factors=["R5"])
    assert builder.problems == [] and _errors(builder.actions_field) == ""
    assert builder.summary.layout.display == "none"  # kept current after the check


def test_an_action_linked_to_an_unknown_factor(builder):
    builder.add_action("supervision", description="Visits", factors=["R5"])
    row = builder.add_action("victim_safety", description="Safety plan", factors=["R5", "R99"])
    [gap] = builder.show_problems(DAY)
    assert gap.field == "actions.1.factors"
    assert "Error: Action 2 is linked to unknown ARMS factor R99" in _errors(row.factors_error)
    assert _errors(builder.actions.rows[0].factors_error) == ""
    assert "unknown ARMS factor R99" in builder.summary.text
    [goto] = builder.summary.links
    assert goto.label == "Action 2: ARMS factors it addresses"
    assert goto.description == builder.summary.text
    row.factors.value = ("R5",)
    assert _errors(row.factors_error) == "" and builder.summary.text == ""


def test_a_review_date_before_the_assessment_date(builder):
    builder.add_action("supervision", description="Visits", factors=["R5"])
    builder.review_date.value = DAY - dt.timedelta(days=1)
    [gap] = builder.show_problems(DAY)
    assert gap.field == "review.date"
    assert "before the assessment date" in _errors(builder.review_field)
    assert "on or after the assessment date" in builder.summary.text
    [goto] = builder.summary.links
    assert goto.label == "Date of the next review" and goto.description == builder.summary.text
    builder.review_date.value = DAY
    assert _errors(builder.review_field) == "" and builder.problems == []


def test_the_review_date_is_compared_with_the_arms_assessment_date_by_default(builder):
    builder.set_value(key_plan(TC01).model_copy(update={
        "review": Review(date=ARMS.assessed_on - dt.timedelta(days=1))}))
    assert [g.field for g in builder.show_problems()] == ["review.date"]


def test_a_legal_requirement_ending_before_it_starts(builder):
    builder.add_action("supervision", description="Visits", factors=["R5"])
    row = builder.legal.add_row({"kind": "order", "terms": "SHPO"})
    row.start_date.value = DAY
    row.end_date.value = DAY - dt.timedelta(days=30)
    assert builder.value.legal[0].start_date == DAY
    [gap] = builder.show_problems(DAY)
    assert gap.field == "legal.0.end_date"
    assert "Error: Legal requirement 1 ends" in _errors(row.end_error)
    assert "correct the start or end date" in builder.summary.text
    [goto] = builder.summary.links
    assert goto.label == "Legal requirement 1: end date"
    assert goto.description == builder.summary.text
    row.end_date.value = DAY + dt.timedelta(days=365)
    assert _errors(row.end_error) == "" and builder.problems == []
    # the start date round-trips through a draft's unfinished rows and a saved plan
    again = PlanBuilder(arms=ARMS, value=builder.value)
    assert again.legal.rows[0].start_date.value == DAY
