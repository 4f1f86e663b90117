"""Issue 15: "insufficient information" needs what to find out, from whom, by when; the rubric
treats an unaddressed insufficient factor as a gap and caps action criteria at 0 without
actions; case keys carry follow-ups and structured defensible alternatives; the plan's MAPPA
and partnership layer (data file with provenance, validation, rubric Q7)."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from rso_widgets.calibration.arms_feedback import compare_arms
from rso_widgets.calibration.cohort import cohort_frame, summarise
from rso_widgets.calibration.status import Thresholds, load_thresholds, trainee_status
from rso_widgets.cases import CaseError, load_case, load_cases
from rso_widgets.cases.arms_key import key_assessment, key_plan
from rso_widgets.cases.loader import read_yaml
from rso_widgets.instruments.arms import (
    ARMSAssessment,
    FactorRating,
    FollowUp,
    Formulation,
    Priority,
    check,
    load_arms_catalogue,
)
from rso_widgets.instruments.datafile import RulesetError
from rso_widgets.instruments.mappa import (
    DEFAULT_MAPPA,
    MappaLayer,
    MappaPartner,
    PartnerAssessment,
    load_mappa,
)
from rso_widgets.instruments.plan import (
    Action,
    Contingency,
    LegalRequirement,
    Review,
    RiskManagementPlan,
    plan_problems,
)
from rso_widgets.instruments.plan_quality import NO_ACTIONS, Judgement, evaluate, load_rubric
from rso_widgets.settings import REPO_ROOT

CAT = load_arms_catalogue()
IDS = {f.id for f in CAT.factors}
DAY = dt.date(2026, 3, 2)
CASES = {c.id: c for c in load_cases()}
INSUFF = "insufficient_information"
ACTION_CRITERIA = ("Q1", "Q2", "Q3", "Q4", "Q5", "Q10")


def all_insufficient(follow_up: FollowUp | None = None) -> ARMSAssessment:
    return ARMSAssessment(
        catalogue=CAT.ref, assessed_on=DAY,
        ratings={f.id: FactorRating(rating=INSUFF, follow_up=follow_up) for f in CAT.factors},
        formulation=Formulation(past_offending="a", warning_signs="b", strengths="c",
                                scenarios="d"),
        priority=Priority(level="Medium", rationale="Too little is known yet"))


def layer(**update: Any) -> MappaLayer:
    return MappaLayer(category=1, level=1, lead_agency="Police",
                      partners=[MappaPartner(agency="Probation", role="Shares its records")],
                      level_review_triggers=["A new relationship"],
                      information_sharing=["Police and probation under MAPPA"]
                      ).model_copy(update=update)


def full_plan(**update: Any) -> RiskManagementPlan:
    pillars = ["supervision", "monitoring_control", "interventions_treatment", "victim_safety"]
    plan = RiskManagementPlan(
        actions=[Action(pillar=pillars[i % 4], description=f"Find out about {f.id}",
                        factors=[f.id], owner="Police offender manager", frequency="monthly",
                        outcome="Answer recorded") for i, f in enumerate(CAT.factors)],
        potential_victims=["Children in the family"],
        contingencies=[Contingency(trigger="Missed visit", response="Unannounced visit",
                                   owner="Police offender manager")],
        legal=[LegalRequirement(kind="notification", terms="Annual notification")],
        review=Review(date=DAY + dt.timedelta(days=90), early_triggers=["A move"]),
        rationale="Proportionate", mappa=layer())
    return plan.model_copy(update=update)


def scores(plan: RiskManagementPlan, arms: ARMSAssessment, **kw: Any) -> dict[str, Any]:
    return {c.id: c for c in evaluate(plan, arms, cat=CAT, **kw).criteria}


# --- section 3: the loophole closed ------------------------------------------------------------

def test_all_eleven_insufficient_with_no_notes_fails_the_check_per_factor() -> None:
    gaps = check(all_insufficient(), CAT)
    for f in CAT.factors:
        mine = [g for g in gaps if g.field.startswith(f"ratings.{f.id}.follow_up.")]
        assert [g.field.rsplit(".", 1)[1] for g in mine] == ["what", "source", "due"], f.id
        assert all(g.message.startswith(f"{f.name}: rated Insufficient information")
                   for g in mine)
    assert len(gaps) == 33


def test_a_complete_follow_up_passes_and_its_date_must_not_be_before_the_assessment() -> None:
    fu = FollowUp(what="How he spends his evenings", source="his sister", due=DAY)
    assert check(all_insufficient(fu), CAT) == []
    early = fu.model_copy(update={"due": DAY - dt.timedelta(days=1)})
    gaps = check(all_insufficient(early), CAT)
    assert len(gaps) == 11 and all(g.field.endswith(".follow_up.due") for g in gaps)
    assert "before the assessment date" in gaps[0].message
    blank = FollowUp(what="  ", source="records", due=DAY)
    assert {g.field.rsplit(".", 1)[1] for g in check(all_insufficient(blank), CAT)} == {"what"}


def test_unaddressed_insufficient_factors_are_gaps_in_q1_and_q2() -> None:
    fu = FollowUp(what="x", source="y", due=DAY)
    arms = all_insufficient(fu)
    plan = full_plan()
    plan.actions = [a for a in plan.actions if a.factors[0] not in ("R3", "P2")]
    s = scores(plan, arms)
    assert s["Q1"].score == 1 and s["Q1"].missing == [
        "no action to find out about R3 Emotional congruence with children (rated "
        "Insufficient information)"]
    assert s["Q2"].score == 1 and "find out about P2" in s["Q2"].missing[0]
    assert scores(full_plan(), arms)["Q1"].score == 2


def test_q8_depends_on_the_follow_ups_falling_due_by_the_review() -> None:
    arms = all_insufficient(FollowUp(what="x", source="y", due=DAY + dt.timedelta(days=120)))
    q8 = scores(full_plan(), arms)["Q8"]
    assert q8.score == 1 and len(q8.missing) == 11
    assert "after the review date" in q8.missing[0]
    arms = all_insufficient(FollowUp(what="x", source="y", due=DAY + dt.timedelta(days=90)))
    assert scores(full_plan(), arms)["Q8"].score == 2


def test_a_plan_with_no_actions_scores_zero_on_every_action_criterion() -> None:
    arms = all_insufficient(FollowUp(what="x", source="y", due=DAY))
    empty = full_plan(actions=[], pillar_omissions={p: "covered elsewhere" for p in (
        "supervision", "monitoring_control", "interventions_treatment", "victim_safety")})
    judged = {"Q4": Judgement(score=2, reason="Victims named"),
              "Q10": Judgement(score=2, reviewer="sup")}
    s = scores(empty, arms, judgements=judged)
    for cid in ACTION_CRITERIA:
        assert s[cid].score == 0, cid
        assert NO_ACTIONS in s[cid].missing, cid
    assert "not counted: the plan has no actions" in s["Q10"].reason
    assert s["Q6"].score == 2 and s["Q7"].score == 2  # not action criteria
    rubric = load_rubric()
    assert [c.id for c in rubric.criteria if c.needs_actions] == list(ACTION_CRITERIA)


def test_the_old_loophole_now_scores_zero_where_it_scored_two() -> None:
    """All insufficient, no notes, no actions: was 2 on Q1–Q8 in rubric 1.0.0."""
    s = scores(RiskManagementPlan(), all_insufficient())
    assert [s[f"Q{i}"].score for i in range(1, 9)] == [0] * 8


# --- section 5: the MAPPA layer ----------------------------------------------------------------

def test_mappa_data_file_has_provenance_and_all_categories_and_levels() -> None:
    m = load_mappa()
    assert "Criminal Justice Act 2003, ss.325–327" in m.provenance.legislation
    assert "MAPPA Guidance" in m.provenance.source and "confirm" in m.provenance.status
    assert [c.id for c in m.categories] == [1, 2, 3] == [lv.id for lv in m.levels]
    assert m.registered_category == 1 and "registered" in m.category_label(1)
    assert {t.id for t in m.partner_tools} == {"OSP/C", "OSP/I", "OASys RoSH"}


def test_a_broken_mappa_file_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_MAPPA.read_text(encoding="utf-8"))
    data["levels"] = data["levels"][:2]
    bad = tmp_path / "mappa.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(RulesetError, match="levels"):
        load_mappa(bad)


def test_q7_is_recorded_and_communicated() -> None:
    arms = all_insufficient(FollowUp(what="x", source="y", due=DAY))
    assert scores(full_plan(), arms)["Q7"].score == 2
    q7 = scores(full_plan(mappa=None), arms)["Q7"]
    assert q7.score == 1 and "no MAPPA layer" in q7.missing[0]
    q7 = scores(full_plan(mappa=layer(category=2, partners=[], information_sharing=[])),
                arms)["Q7"]
    assert q7.missing == [
        "MAPPA category 2, but a person subject to notification requirements is Category 1",
        "no partner agency with its role", "no information-sharing agreement noted"]
    q7 = scores(full_plan(partner_assessments=[PartnerAssessment(tool="OSP/C")]), arms)["Q7"]
    assert q7.score == 1 and q7.missing == [
        "partner assessment 1: no who holds it, no result, no date"]
    assert scores(full_plan(legal=[]), arms)["Q7"].score == 0


def test_plan_problems_for_the_layer_and_identifiers() -> None:
    ok = full_plan(partner_assessments=[PartnerAssessment(
        tool="OASys RoSH", held_by="Probation", result="Medium", date=DAY)])
    assert plan_problems(ok, DAY, IDS) == []
    assert plan_problems(full_plan(mappa=None), DAY, IDS) == []  # optional until the rubric
    bad = full_plan(
        mappa=layer(partners=[MappaPartner(agency="Housing")],
                    information_sharing=["Agreement held at AB1 2CD, call 01632 960 123"]),
        partner_assessments=[PartnerAssessment(tool="OSP/I", held_by="Probation",
                                               result="Low", date=DAY + dt.timedelta(days=1)),
                             PartnerAssessment(tool="OSP/C")])
    found = {g.field: g.message for g in plan_problems(bad, DAY, IDS)}
    assert "no role" in found["mappa.partners.0.role"]
    assert "looks like a postcode" in found["mappa.information_sharing.0"]
    assert "after the assessment date" in found["partner_assessments.0.date"]
    assert "no who holds it" in found["partner_assessments.1"]
    with_pnc = full_plan(partner_assessments=[PartnerAssessment(
        tool="OASys RoSH", held_by="Probation, ref 12/345678A", result="High", date=DAY)])
    found = {g.field: g.message for g in plan_problems(with_pnc, DAY, IDS)}
    assert "police national computer number" in found["partner_assessments.0.held_by"]


def test_every_key_plan_has_a_mappa_layer_consistent_with_the_case() -> None:
    levels = {}
    for cid in (f"TC-{i:02d}" for i in range(1, 13)):
        plan = key_plan(CASES[cid])
        assert plan.mappa is not None and plan.mappa.category == 1, cid
        assert plan.mappa.missing(True) == [], cid
        supervised = any(r.kind == "licence_condition" or r.terms.startswith("Community order")
                         for r in plan.legal)  # probation leads while it supervises him
        assert plan.mappa.lead_agency == ("Probation" if supervised else "Police"), cid
        levels[cid] = plan.mappa.level
    assert sum(v == 1 for v in levels.values()) >= 6  # most at level 1
    assert {levels[c] for c in ("TC-03", "TC-08", "TC-11", "TC-12")} == {2}


# --- section 4 and the case schema ---------------------------------------------------------------

def test_feedback_calls_an_accepted_rating_a_defensible_alternative() -> None:
    holt = CASES["TC-03"]
    attempt = key_assessment(holt).model_copy(deep=True)
    attempt.ratings["R2"] = FactorRating(rating=INSUFF, follow_up=FollowUp(
        what="Whether he has an interest in coercive sex", source="treatment provider",
        due=holt.assessment_date))
    fb = compare_arms(holt, attempt)
    r2 = fb.factor("R2")
    assert r2.acceptable and r2.agreement == "not comparable"
    assert r2.message.startswith("A defensible alternative: you rated Insufficient information")
    assert "one offence and no treatment assessment" in r2.message
    assert "differ" not in r2.message and not r2.flags
    assert fb.summary.percent_exact == 90.0 and fb.summary.percent_exact_or_acceptable == 100.0
    attempt.ratings["R2"] = FactorRating(rating="not_evident", evidence=[])
    assert not compare_arms(holt, attempt).factor("R2").acceptable


def test_calibration_reports_both_agreements_and_the_status_uses_the_chosen_one() -> None:
    """Three trainees rate TC-05 R2 "evident" (a defensible alternative) and copy the rest."""
    quillthorpe = CASES["TC-05"]
    attempt = key_assessment(quillthorpe).model_copy(deep=True)
    attempt.ratings["R2"] = attempt.ratings["R2"].model_copy(update={"rating": "evident"})
    subs = [{"id": m, "member_id": m, "case_id": "TC-05",
             "attempt": {"arms": attempt.model_dump(mode="json")}} for m in (1, 2, 3)]
    frame = cohort_frame(subs, CASES)
    summary = summarise(frame, n_boot=0)
    assert summary.agreement["ARMS"].value == pytest.approx(100 * 10 / 11)
    assert summary.agreement["ARMS or acceptable"].value == 100.0
    row = summary.arms_factors.set_index("item").loc["ARMS.R2"]
    assert (row["exact"], row["acceptable"], row["pct_or_acceptable"]) == (0, 3, 100.0)
    assert load_thresholds().arms.agreement == "key_or_acceptable"
    st = trainee_status(frame, 1)
    assert st.numbers.arms_acceptable_pct == 100.0 and st.numbers.arms_far_apart == []
    assert any("defensible alternatives" in r and "the status uses this one" in r
               for r in st.arms_reasons)
    strict = Thresholds(arms=load_thresholds().arms.model_copy(update={"agreement": "key"}))
    st = trainee_status(frame, 1, strict)
    assert any(r.startswith("ARMS ratings equal to the key's: 10 of 11")
               and "the status uses this one" in r for r in st.arms_reasons)


@pytest.fixture()
def base() -> dict[str, Any]:
    src = REPO_ROOT / "training_cases" / "tc-01-brantingby.yaml"
    return copy.deepcopy(read_yaml(src.read_text(encoding="utf-8"), str(src)))


def problems(tmp_path: Path, data: dict[str, Any]) -> dict[str, str]:
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CaseError) as info:
        load_case(path)
    return {p.field: f"{p.message} — fix: {p.fix}" for p in info.value.problems}


def test_a_key_without_its_follow_up_is_refused(tmp_path: Path, base: dict[str, Any]) -> None:
    del base["arms_key"]["ratings"]["R1"]["follow_up"]
    found = problems(tmp_path, base)
    assert "what to find out, from whom, by when" in found["arms_key.ratings.R1.follow_up"]


def test_a_follow_up_due_before_the_assessment_is_refused(tmp_path: Path,
                                                          base: dict[str, Any]) -> None:
    base["arms_key"]["ratings"]["R1"]["follow_up"]["due"] = "2025-10-05"
    found = problems(tmp_path, base)
    assert "before the assessment date" in found["arms_key.ratings.R1.follow_up.due"]


def test_acceptable_alternatives_must_be_other_valid_ratings(tmp_path: Path,
                                                             base: dict[str, Any]) -> None:
    r5 = base["arms_key"]["ratings"]["R5"]
    r5["acceptable"] = [{"rating": r5["rating"], "reason": "The same rating is not an "
                         "alternative to itself"},
                        {"rating": "present", "reason": "A protective rating on a risk factor"}]
    found = problems(tmp_path, base)
    assert "is not another rating" in found["arms_key.ratings.R5.acceptable[0].rating"]
    assert "is not another rating" in found["arms_key.ratings.R5.acceptable[1].rating"]


def test_shipped_alternatives_are_structured_with_a_reason() -> None:
    got = {(cid, fid): [a.rating for a in r.acceptable]
           for cid, c in CASES.items() if c.arms_key
           for fid, r in c.arms_key.ratings.items() if r.acceptable}
    original = {k: v for k, v in got.items() if int(k[0][3:]) <= 15}
    assert original == {("TC-03", "R2"): [INSUFF], ("TC-05", "R2"): ["evident"]}
    # the issue-15 cases (TC-16 on) use structured alternatives too: each differs from the
    # key's own rating and carries its reason
    added = {k for k in got if int(k[0][3:]) >= 16}
    assert len(added) >= 5
    for cid, fid in added:
        key = CASES[cid].arms_key
        assert key is not None
        r = key.ratings[fid]
        assert all(a.rating != r.rating and len(a.reason) >= 20 for a in r.acceptable)
    for c in CASES.values():
        for r in (c.arms_key.ratings.values() if c.arms_key else []):
            assert "some assessors" not in r.rationale.lower()


def test_tc04_rationale_agrees_with_its_protective_ratings() -> None:
    key = CASES["TC-04"].arms_key
    assert key is not None
    partly = [f for f, r in key.ratings.items() if r.rating == "partly_present"]
    assert partly == ["P3", "P4"]
    assert "no protective factor is present" not in key.priority.rationale
    assert "only partly present" in key.priority.rationale


def test_plan_feedback_lists_a_key_insufficient_factor_left_without_an_action() -> None:
    fenby = CASES["TC-01"]  # the key rates R1 insufficient information
    plan = key_plan(fenby)
    plan.actions = [a for a in plan.actions if "R1" not in a.factors]
    fb = compare_arms(fenby, key_assessment(fenby), plan)
    assert fb.plan is not None
    assert ("R1 Sexual preoccupation (key: Insufficient information) has no action to find out "
            "in your plan") in fb.plan.key_factors_not_addressed
    assert fb.plan.row("Q1").trainee_score == 1 and fb.plan.row("Q1").key_score == 2
