"""ARMS catalogue, completeness, reassessment diff; plan shape; rubric Q1–Q10 with judgements."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from rso_widgets.instruments.arms import (
    DEFAULT_ARMS,
    ARMSAssessment,
    Evidence,
    FactorRating,
    FollowUp,
    Formulation,
    Priority,
    check,
    diff,
    load_arms_catalogue,
    profile,
    reassess,
)
from rso_widgets.instruments.mappa import MappaLayer, MappaPartner
from rso_widgets.instruments.plan import (
    Action,
    Contingency,
    LegalRequirement,
    Review,
    RiskManagementPlan,
)
from rso_widgets.instruments.plan_quality import Judgement, evaluate, load_rubric
from rso_widgets.instruments.ruleset import RulesetError

CAT = load_arms_catalogue()
DAY = dt.date(2026, 10, 1)
EV = [Evidence(what="Told the officer about a new job", source="the person", date=DAY)]
FU = FollowUp(what="How he spends his evenings", source="the person", due=DAY)


def full_assessment(**ratings: str) -> ARMSAssessment:
    base = {f.id: ("partly_evident" if f.kind == "risk" else "partly_present")
            for f in CAT.factors}
    base.update(ratings)
    return ARMSAssessment(
        catalogue=CAT.ref, assessed_on=DAY,
        ratings={k: FactorRating(rating=v, evidence=[] if v == "insufficient_information" else EV,
                                 follow_up=FU if v == "insufficient_information" else None)
                 for k, v in base.items()},
        formulation=Formulation(past_offending="a", warning_signs="b", strengths="c",
                                scenarios="d"),
        priority=Priority(level="Medium", rationale="Assessor's judgement on all the evidence"))


def test_catalogue_is_the_training_edition_with_eleven_factors():
    assert CAT.ref == "arms-training-edition@1.0.0"
    assert [f.id for f in CAT.factors] == [*(f"R{i}" for i in range(1, 8)),
                                          *(f"P{i}" for i in range(1, 5))]
    assert "restricted" not in CAT.provenance.source and "training" in CAT.provenance.status


def test_a_force_can_load_its_own_catalogue_and_a_broken_one_is_refused(tmp_path):
    data = yaml.safe_load(DEFAULT_ARMS.read_text(encoding="utf-8"))
    data["id"], data["factors"][0]["name"] = "force-licensed", "Licensed wording"
    good = tmp_path / "force.yaml"
    good.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert load_arms_catalogue(good).factor("R1").name == "Licensed wording"
    data["factors"].append(dict(data["factors"][0]))
    bad = tmp_path / "dup.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(RulesetError, match="unique"):
        load_arms_catalogue(bad)


def test_complete_assessment_has_no_gaps():
    assert check(full_assessment(), CAT) == []


def test_gaps_are_reported_precisely():
    a = full_assessment(R3="evident")
    a.ratings["R3"].evidence = []
    a.ratings["P2"].rating = None
    a.ratings["R9"] = FactorRating(rating="evident", evidence=EV)
    a.ratings["R1"].evidence = [Evidence(what="x", source="rumour", date=DAY)]
    a.ratings["R2"].rating = "present"
    a.formulation.scenarios = " "
    a.priority = Priority(level=None, rationale="")
    fields = {g.field: g.message for g in check(a, CAT)}
    assert "no evidence" in fields["ratings.R3.evidence"]
    assert "not rated" in fields["ratings.P2"]
    assert "unknown factor" in fields["ratings.R9"]
    assert "not a source" in fields["ratings.R1.evidence.0.source"]
    assert "not a rating" in fields["ratings.R2"]
    assert "formulation.scenarios" in fields
    assert "assessor decides" in fields["priority.level"]
    assert "priority.rationale" in fields


def test_insufficient_information_needs_no_evidence_but_a_follow_up():
    assert check(full_assessment(R4="insufficient_information"), CAT) == []


def test_evidence_after_assessment_date_is_a_gap():
    a = full_assessment()
    a.ratings["P1"].evidence = [Evidence(what="x", source="records", date=DAY.replace(day=2))]
    assert any(g.field == "ratings.P1.evidence.0.date" for g in check(a, CAT))


def test_profile_is_a_picture_not_a_score():
    rows = profile(full_assessment(R1="evident", P1="insufficient_information"), CAT)
    by = {r["factor"]: r for r in rows}
    assert by["R1"]["level"] == 2 and by["P1"]["level"] is None
    assert by["P1"]["label"] == "Insufficient information"
    assert not any("priority" in k for r in rows for k in r)


def test_reassessment_starts_from_previous_and_diff_reports_changes():
    v1 = full_assessment(R5="evident")
    v2 = reassess(v1, dt.date(2027, 1, 5))
    assert v2.version == 2 and v2.ratings["R5"].rating == "evident" and v2.change_reason == ""
    v2.ratings["R5"] = FactorRating(rating="partly_evident", evidence=EV,
                                    note="Stopped drinking; confirmed by partner agency")
    v2.ratings["P3"] = FactorRating(rating="present", evidence=EV)
    v2.change_reason = "Annual review"
    changes = {c.factor: c for c in diff(v1, v2, CAT)}
    assert set(changes) == {"R5", "P3"}
    assert (changes["R5"].before, changes["R5"].after) == ("Evident", "Partly evident")
    assert "Stopped drinking" in changes["R5"].reason
    assert changes["P3"].reason == "Annual review"
    assert v1.ratings["R5"].rating == "evident"  # the previous version is untouched


# ---- plan-quality rubric ----------------------------------------------------------------

def good_plan() -> RiskManagementPlan:
    arms_ids = [f.id for f in CAT.factors]
    pillars = ["supervision", "monitoring_control", "interventions_treatment", "victim_safety"]
    actions = [Action(pillar=pillars[i % 4], description=f"Action for {fid}", factors=[fid],
                      owner="Police offender manager", frequency="monthly",
                      outcome="Seen at each visit")
               for i, fid in enumerate(arms_ids)]
    return RiskManagementPlan(
        actions=actions, potential_victims=["Children in the person's extended family"],
        contingencies=[Contingency(trigger="Missed appointment", response="Unannounced visit",
                                   owner="Police offender manager")],
        legal=[LegalRequirement(kind="notification", terms="Annual notification"),
               LegalRequirement(kind="order", terms="SHPO: no unsupervised contact with children",
                                end_date=dt.date(2031, 5, 1))],
        review=Review(date=dt.date(2027, 4, 1), early_triggers=["new relationship"]),
        rationale="Necessary and proportionate because …",
        mappa=MappaLayer(category=1, level=1, lead_agency="Police",
                         partners=[MappaPartner(agency="Probation", role="Shares records")],
                         level_review_triggers=["A new relationship"],
                         information_sharing=["Police and probation under MAPPA"]))


def scores(profile_) -> dict[str, int | None]:
    return {c.id: c.score for c in profile_.criteria}


def test_good_plan_meets_every_auto_criterion_and_waits_for_judgement():
    p = evaluate(good_plan(), full_assessment(), cat=CAT)
    s = scores(p)
    assert all(s[f"Q{i}"] == 2 for i in range(1, 9))
    assert s["Q9"] is None and s["Q10"] is None
    assert p.criteria[8].status == "not yet judged"
    assert p.rubric == "rmp-quality-rubric@1.1.0" and p.total == 16 and p.maximum == 16


def test_q1_unaddressed_risk_factor_named_with_fix():
    plan = good_plan()
    plan.actions = [a for a in plan.actions if "R2" not in a.factors]
    q1 = evaluate(plan, full_assessment(), cat=CAT).criteria[0]
    assert q1.score == 1 and q1.missing == ["no action for R2 Offence-related sexual interest"]
    assert q1.fix


def test_q1_ignores_factors_not_evident():
    plan = good_plan()
    plan.actions = [a for a in plan.actions if "R2" not in a.factors]
    assert evaluate(plan, full_assessment(R2="not_evident"), cat=CAT).criteria[0].score == 2


def test_q1_zero_when_no_risk_factor_addressed():
    plan = good_plan()
    plan.actions = [a for a in plan.actions if a.factors[0].startswith("P")]
    assert evaluate(plan, full_assessment(), cat=CAT).criteria[0].score == 0


def test_q2_q3_q4_q5_q6_q7_q8_each_detect_their_gap():
    plan = good_plan()
    plan.actions = [a for a in plan.actions if a.factors != ["P4"]]
    plan.actions = [a for a in plan.actions if a.pillar != "victim_safety"]
    plan.actions[0].owner = ""
    plan.potential_victims = []
    plan.contingencies = [Contingency(trigger="x")]
    plan.legal = [LegalRequirement(kind="order", terms="SHPO")]
    plan.review = Review(date=None, early_triggers=["move"])
    s = {c.id: c for c in evaluate(plan, full_assessment(), cat=CAT).criteria}
    assert s["Q2"].score == 1  # P1's action was under victim safety, P4's removed
    assert [m.split()[5] for m in s["Q2"].missing] == ["P1", "P4"]
    assert s["Q3"].score == 1 and "Victim safety planning" in s["Q3"].missing[0]
    assert s["Q4"].score == 0 and len(s["Q4"].missing) == 2
    assert s["Q5"].score == 1 and "no owner" in s["Q5"].missing[0]
    assert s["Q6"].score == 1
    assert s["Q7"].score == 1 and "end date" in s["Q7"].missing[0]
    assert s["Q8"].score == 1 and s["Q8"].missing == ["no review date"]


def test_pillar_left_out_with_reason_counts():
    plan = good_plan()
    plan.actions = [a for a in plan.actions if a.pillar != "interventions_treatment"]
    plan.pillar_omissions = {"interventions_treatment": "Completed the programme in custody"}
    assert evaluate(plan, full_assessment(), cat=CAT).criteria[2].score == 2


def test_empty_plan_scores_zero_on_auto_criteria():
    s = scores(evaluate(RiskManagementPlan(), full_assessment(), cat=CAT))
    assert [s[f"Q{i}"] for i in range(1, 9)] == [0, 0, 0, 0, 0, 0, 0, 0]


def test_judgements_and_overrides():
    judg = {"Q9": Judgement(score=1, reviewer="supervisor"),
            "Q4": Judgement(score=1, reason="Measures too vague"),
            "Q6": Judgement(score=1, reason="Response not pre-agreed with partner agency")}
    p = {c.id: c for c in evaluate(good_plan(), full_assessment(), judg, cat=CAT).criteria}
    assert p["Q9"].score == 1 and p["Q9"].fix
    assert p["Q4"].score == 1 and p["Q4"].auto_score == 2
    assert p["Q6"].overridden and p["Q6"].reason.startswith("Response")


def test_q4_judged_above_presence_check_is_an_override():
    plan = good_plan()
    plan.potential_victims = []
    with pytest.raises(ValueError, match="Q4: overriding"):
        evaluate(plan, full_assessment(), {"Q4": Judgement(score=2)}, cat=CAT)
    q4 = evaluate(plan, full_assessment(), {"Q4": Judgement(score=2, reason="Named in the "
                  "victim-safety action")}, cat=CAT).criteria[3]
    assert q4.overridden and q4.score == 2


def test_label_of_unknown_rating_is_a_clear_error():
    with pytest.raises(KeyError, match="not a risk rating"):
        CAT.label("risk", "present")


def test_override_without_reason_refused():
    with pytest.raises(ValueError, match="Q6: overriding an auto result needs a reason"):
        evaluate(good_plan(), full_assessment(), {"Q6": Judgement(score=0)}, cat=CAT)
    with pytest.raises(ValueError, match="unknown criteria"):
        evaluate(good_plan(), full_assessment(), {"Q11": Judgement(score=0)}, cat=CAT)


def test_rubric_file_has_all_ten_criteria():
    assert [c.id for c in load_rubric().criteria] == [f"Q{i}" for i in range(1, 11)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([f.id for f in CAT.factors]), unique=True))
def test_adding_an_action_never_lowers_an_auto_score(extra_ids):
    plan = good_plan()
    plan.actions = plan.actions[:3]
    before = scores(evaluate(plan, full_assessment(), cat=CAT))
    for fid in extra_ids:
        plan.actions.append(Action(pillar="supervision", description="More", factors=[fid],
                                   owner="PC", frequency="weekly", outcome="Seen"))
    after = scores(evaluate(plan, full_assessment(), cat=CAT))
    assert all((after[k] or 0) >= (before[k] or 0) for k in before)
