"""ARMS feedback: agreement per factor, evidence coverage, summary, priority side by side (no
verdict), the trainee's plan on the rubric beside the key plan, and the blank attempt."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rso_widgets.calibration import arms_feedback
from rso_widgets.calibration.arms_feedback import (
    agreement,
    blank_attempt,
    compare_arms,
    compare_plans,
)
from rso_widgets.cases import load_cases
from rso_widgets.cases.arms_key import ArmsKeyMissing, key_assessment, key_plan
from rso_widgets.instruments.arms import (
    ARMSAssessment,
    Evidence,
    FactorRating,
    Priority,
    check,
    load_arms_catalogue,
)
from rso_widgets.instruments.plan_quality import Judgement

CASES = {c.id: c for c in load_cases()}
CAT = load_arms_catalogue()
TC03 = CASES["TC-03"]  # key: R1 insufficient, R5 evident, P factors partly present; High
DAY = TC03.assessment_date


def from_key(case_id: str = "TC-03") -> ARMSAssessment:
    """A trainee attempt that copies the key, to be changed one thing at a time."""
    return key_assessment(CASES[case_id]).model_copy(deep=True)


def ev(source: str = "the person", date: dt.date = DAY) -> list[Evidence]:
    return [Evidence(what="What the trainee noted", source=source, date=date)]


# --- agreement -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("mine", "key", "kind", "expected", "dist"), [
    ("evident", "evident", "risk", "exact", 0),
    ("partly_evident", "evident", "risk", "adjacent", 1),
    ("not_evident", "evident", "risk", "opposite", 2),
    ("present", "not_present", "protective", "opposite", 2),
    ("partly_present", "present", "protective", "adjacent", 1),
    ("insufficient_information", "evident", "risk", "not comparable", None),
    ("evident", "insufficient_information", "risk", "not comparable", None),
    (None, "evident", "risk", "not comparable", None),
    ("present", "evident", "risk", "not comparable", None),  # wrong scale for the kind
])
def test_agreement(mine: str | None, key: str, kind: str, expected: str,
                   dist: int | None) -> None:
    assert agreement(mine, key, kind, CAT) == (expected, dist)


def test_key_copied_is_all_exact_with_full_coverage() -> None:
    fb = compare_arms(TC03, from_key())
    s = fb.summary
    assert (s.exact, s.adjacent, s.opposite, s.not_comparable) == (10, 0, 0, 1)
    assert s.key_rated == 10 and s.percent_exact == 100.0 and s.evidence_coverage == 100.0
    assert fb.factor("R1").agreement == "not comparable"
    assert "both found the information insufficient" in fb.factor("R1").message


def test_each_agreement_in_one_attempt() -> None:
    a = from_key()
    a.ratings["R5"] = FactorRating(rating="partly_evident", evidence=ev())  # key: evident
    a.ratings["R3"] = FactorRating(rating="evident", evidence=ev())  # key: not evident
    a.ratings["R4"] = FactorRating(rating="insufficient_information")  # key: partly
    del a.ratings["P1"]  # unrated
    fb = compare_arms(TC03, a)
    assert fb.factor("R5").agreement == "adjacent" and fb.factor("R5").distance == 1
    assert fb.factor("R3").agreement == "opposite" and "Opposite" in fb.factor("R3").message
    assert fb.factor("R4").agreement == "not comparable"
    assert "insufficient" in fb.factor("R4").message
    p1 = fb.factor("P1")
    assert p1.agreement == "not comparable" and p1.trainee_label == "Not rated"
    assert "not rated" in p1.flags
    s = fb.summary
    assert (s.exact, s.adjacent, s.opposite, s.not_comparable) == (6, 1, 1, 3)
    assert s.percent_exact == 60.0  # 6 of the 10 factors the key rates on the scale
    assert s.unrated == ["P1"]
    assert "6 exact, 1 adjacent, 1 opposite" in s.line() and "(60%)" in s.line()


def test_key_rationale_and_evidence_are_shown() -> None:
    row = compare_arms(TC03, from_key()).factor("R7")
    assert TC03.arms_key is not None
    key = TC03.arms_key.ratings["R7"]
    assert row.key_rationale == key.rationale and row.key_evidence == key.evidence
    assert row.key_label == "Partly evident" and row.look_for


# --- evidence coverage ---------------------------------------------------------------------------

def test_evidence_coverage_by_source() -> None:
    a = from_key()
    # key R5 cites "the person" and "records"; the trainee cites "the person" and "home visit"
    a.ratings["R5"] = FactorRating(rating="evident", evidence=ev() + ev("home visit"))
    cov = compare_arms(TC03, a).factor("R5").coverage
    assert cov.key_sources == ["the person", "records"]
    assert cov.shared == ["the person"] and cov.missed == ["records"]
    assert cov.extra == ["home visit"] and cov.share == 0.5
    row = compare_arms(TC03, a).factor("R5")
    assert "also draws on: records" in row.message


def test_rating_without_evidence_is_flagged() -> None:
    a = from_key()
    a.ratings["R6"] = FactorRating(rating="partly_evident")
    fb = compare_arms(TC03, a)
    row = fb.factor("R6")
    assert row.agreement == "exact"  # the rating agrees, the entry is still incomplete
    assert any("no evidence" in f for f in row.flags)
    assert fb.summary.without_evidence == ["R6"]
    assert fb.summary.evidence_coverage is not None and fb.summary.evidence_coverage < 100


def test_late_and_unknown_evidence_flagged() -> None:
    a = from_key()
    a.ratings["R6"] = FactorRating(rating="partly_evident", evidence=[
        Evidence(what="x", source="rumour", date=DAY + dt.timedelta(days=3))])
    flags = compare_arms(TC03, a).factor("R6").flags
    assert any("after the assessment date" in f for f in flags)
    assert any("rumour" in f for f in flags)


# --- priority: side by side, no verdict ----------------------------------------------------------

@pytest.mark.parametrize(("level", "same", "phrase"), [
    ("High", True, "Same priority"),
    ("Medium", False, "also a reasonable choice"),
    ("Low", False, "professional judgement"),
    (None, None, "not chosen"),
])
def test_priority_side_by_side(level: str | None, same: bool | None, phrase: str) -> None:
    a = from_key()
    a.priority = Priority(level=level, rationale="My reasons" if level else "")
    p = compare_arms(TC03, a).priority
    assert p.trainee == level and p.key == "High" and p.same is same
    assert phrase in p.note
    assert p.key_rationale and p.also_reasonable == ["Medium"]
    assert not any(w in p.note.lower() for w in ("error", "wrong", "incorrect"))


# --- the plan on the rubric beside the key plan --------------------------------------------------

def test_key_plan_against_itself() -> None:
    fb = compare_arms(TC03, from_key(), key_plan(TC03))
    assert fb.plan is not None
    for row in fb.plan.criteria:
        assert row.key_score == 2
        assert row.trainee_score == (2 if row.mode != "judged" else None)
    assert fb.plan.row("Q9").trainee_status == "not yet judged"
    assert fb.plan.row("Q9").key_note and fb.plan.row("Q10").key_note
    assert fb.plan.key_factors_not_addressed == []


def test_weaker_plan_shows_what_is_missing_and_how_to_fix_it() -> None:
    plan = key_plan(TC03).model_copy(deep=True)
    plan.contingencies = []
    plan.actions = [a for a in plan.actions if "R5" not in a.factors]
    plan.review.early_triggers = []
    attempt = from_key()
    cmp = compare_plans(TC03, attempt, plan,
                        judgements={"Q9": Judgement(score=1, reason="Thin rationale")})
    q6, q1, q8 = cmp.row("Q6"), cmp.row("Q1"), cmp.row("Q8")
    assert (q6.trainee_score, q6.key_score, q6.trainee_status) == (0, 2, "not met")
    assert q6.missing == ["no contingency entries"] and "trigger" in q6.fix
    assert q1.trainee_score == 1 and any("R5" in m for m in q1.missing) and q1.fix
    assert q8.trainee_score == 1 and q8.missing == ["no early-review triggers"]
    assert cmp.row("Q9").trainee_score == 1 and cmp.row("Q9").key_score == 2
    assert any(g.startswith("R5 Poor self-management") for g in cmp.key_factors_not_addressed)
    assert cmp.trainee.total < cmp.key.total == 20


def test_plan_judged_against_the_trainees_own_ratings() -> None:
    # The trainee rates R5 not evident, so their plan is not marked down on Q1 for R5 —
    # but the comparison still says the key treats R5 as live.
    plan = key_plan(TC03).model_copy(deep=True)
    plan.actions = [a for a in plan.actions if "R5" not in a.factors]
    a = from_key()
    a.ratings["R5"] = FactorRating(rating="not_evident", evidence=ev())
    cmp = compare_plans(TC03, a, plan)
    assert not any("R5" in m for m in cmp.row("Q1").missing)
    assert any("R5" in g for g in cmp.key_factors_not_addressed)


def test_plan_not_compared_when_case_has_no_key_plan() -> None:
    case = TC03.model_copy(update={"plan_key": None})
    fb = compare_arms(case, from_key(), key_plan(TC03))
    assert fb.plan is None and any("no key plan" in n for n in fb.notes)


# --- blank attempt and edge cases ----------------------------------------------------------------

def test_blank_attempt_has_static_context_and_every_factor_unrated() -> None:
    case = CASES["TC-05"]
    a = blank_attempt(case)
    ex = case.key.expected
    assert a.rm2000 is not None
    assert (a.rm2000.s, a.rm2000.v, a.rm2000.c, a.rm2000.applicable) == (ex.s, ex.v, ex.c, True)
    assert a.rm2000.ruleset and a.assessed_on == case.assessment_date
    assert a.catalogue == CAT.ref and a.version == 1
    assert set(a.ratings) == {f.id for f in CAT.factors}
    assert all(r.rating is None and not r.evidence for r in a.ratings.values())
    assert a.priority.level is None
    gaps = {g.field for g in check(a, CAT)}
    assert {f"ratings.{f.id}" for f in CAT.factors} <= gaps and "priority.level" in gaps


def test_blank_attempt_for_a_case_rm2000_does_not_apply_to() -> None:
    a = blank_attempt(CASES["TC-13"])
    assert a.rm2000 is not None and a.rm2000.applicable is False and a.rm2000.reason
    with pytest.raises(ArmsKeyMissing):
        compare_arms(CASES["TC-13"], a)


def test_other_catalogue_and_unknown_factor_noted() -> None:
    a = from_key()
    a.catalogue = "force-licensed@2.0"
    a.ratings["R9"] = FactorRating(rating="evident", evidence=ev())
    notes = " ".join(compare_arms(TC03, a).notes)
    assert "force-licensed@2.0" in notes and "R9" in notes


def test_every_keyed_case_compares_cleanly_with_a_blank_attempt() -> None:
    for case in CASES.values():
        if case.arms_key is None:
            continue
        fb = compare_arms(case, blank_attempt(case))
        assert fb.summary.exact == 0 and len(fb.summary.unrated) == len(CAT.factors)
        assert fb.summary.percent_exact == 0.0


def test_module_is_pure() -> None:
    text = Path(arms_feedback.__file__).read_text(encoding="utf-8")
    assert "ipywidgets" not in text and "widgets" not in text.replace("no widgets", "")
