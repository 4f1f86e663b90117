"""plan_problems(): inconsistent plan input that blocks a final version, each precisely located
with a message naming the fix."""

from __future__ import annotations

import datetime as dt

import pytest

from rso_widgets.cases import load_cases
from rso_widgets.cases.arms_key import key_assessment, key_catalogue
from rso_widgets.instruments.arms import load_arms_catalogue
from rso_widgets.instruments.plan import (
    Action,
    LegalRequirement,
    Review,
    RiskManagementPlan,
    plan_problems,
)
from rso_widgets.settings import REPO_ROOT

DAY = dt.date(2024, 5, 1)
IDS = {f.id for f in load_arms_catalogue().factors}


def clean(**update) -> RiskManagementPlan:
    plan = RiskManagementPlan(
        actions=[Action(pillar="supervision", description="Fortnightly home visits",
                        factors=["R1", "P1"], owner="OM", frequency="fortnightly",
                        outcome="Visits recorded")],
        legal=[LegalRequirement(kind="order", terms="SHPO", start_date=DAY,
                                end_date=dt.date(2029, 5, 1))],
        review=Review(date=dt.date(2024, 11, 1)))
    return plan.model_copy(update=update)


def test_a_clean_plan_has_no_problems():
    assert plan_problems(clean(), DAY, IDS) == []
    assert plan_problems(clean(), None, IDS) == []  # no assessment date: nothing to compare


def test_a_plan_with_no_actions():
    [gap] = plan_problems(clean(actions=[]), DAY, IDS)
    assert gap.field == "actions" and "Add at least one action" in gap.message


def test_an_action_linked_to_an_unknown_factor():
    plan = clean(actions=[*clean().actions,
                          Action(pillar="victim_safety", description="Safety plan",
                                 factors=["R1", "R99"])])
    [gap] = plan_problems(plan, DAY, IDS)
    assert gap.field == "actions.1.factors"
    assert "Action 2" in gap.message and "R99" in gap.message and "R1," not in gap.message
    assert "remove it" in gap.message


def test_a_review_date_before_the_assessment_date():
    [gap] = plan_problems(clean(review=Review(date=dt.date(2024, 4, 30))), DAY, IDS)
    assert gap.field == "review.date"
    assert "30 April 2024" in gap.message and "01 May 2024" in gap.message
    assert "on or after the assessment date" in gap.message
    assert plan_problems(clean(review=Review(date=DAY)), DAY, IDS) == []  # same day is fine


def test_a_legal_requirement_ending_before_it_starts():
    legal = [LegalRequirement(kind="notification", terms="Annual"),
             LegalRequirement(kind="order", terms="SHPO", start_date=DAY,
                              end_date=dt.date(2024, 1, 1))]
    [gap] = plan_problems(clean(legal=legal), DAY, IDS)
    assert gap.field == "legal.1.end_date"
    assert "Legal requirement 2" in gap.message and "correct the start or end date" in gap.message


def test_start_date_is_optional_and_backward_compatible():
    old = LegalRequirement.model_validate({"kind": "order", "terms": "x",
                                           "end_date": "2020-01-01"})
    assert old.start_date is None
    assert plan_problems(clean(legal=[old]), DAY, IDS) == []


def test_several_problems_are_all_listed_in_order():
    plan = clean(actions=[], review=Review(date=dt.date(2020, 1, 1)),
                 legal=[LegalRequirement(kind="order", start_date=DAY,
                                         end_date=dt.date(2020, 1, 1))])
    assert [g.field for g in plan_problems(plan, DAY, IDS)] == [
        "actions", "review.date", "legal.0.end_date"]


@pytest.mark.parametrize("case", [c for c in load_cases(REPO_ROOT / "training_cases")
                                  if c.plan_key is not None], ids=lambda c: c.id)
def test_the_shipped_key_plans_have_no_problems(case):
    cat = key_catalogue(case)
    assessment = key_assessment(case, cat)
    assert plan_problems(case.plan_key.plan(), assessment.assessed_on,
                         {f.id for f in cat.factors}) == []
