"""ARMS keys and key plans in the training cases: TC-01 to TC-12 and TC-16 to TC-24 each carry a
complete key and a key plan that fully meets Q1–Q8; every kind of bad key is refused with the
file, the field and a fix."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from rso_widgets.cases import CaseError, TrainingCase, load_case, load_cases
from rso_widgets.cases.arms_key import (
    document_text,
    key_assessment,
    key_catalogue,
    key_profile,
    static_context,
)
from rso_widgets.cases.loader import read_yaml
from rso_widgets.instruments.arms import check
from rso_widgets.settings import REPO_ROOT

CASES_DIR = REPO_ROOT / "training_cases"
CASES = {c.id: c for c in load_cases(CASES_DIR)}
KEYED = [f"TC-{i:02d}" for i in (*range(1, 13), *range(16, 25))]
SOURCE = CASES_DIR / "tc-01-brantingby.yaml"
RANK = {"Low": 0, "Medium": 1, "High": 2, "Very High": 2}


# --- the shipped keys ----------------------------------------------------------------------------

@pytest.mark.parametrize("cid", KEYED)
def test_case_has_a_complete_arms_key(cid: str) -> None:
    case = CASES[cid]
    assert case.arms_key is not None and case.plan_key is not None
    cat = key_catalogue(case)
    assert set(case.arms_key.ratings) == {f.id for f in cat.factors}
    assessment = key_assessment(case, cat)
    assert check(assessment, cat) == []
    for fid, r in case.arms_key.ratings.items():
        assert r.rating in cat.rating_ids(cat.factor(fid).kind)
        assert len(r.rationale) >= 20
        if r.rating != cat.insufficient.id:
            assert r.evidence, fid
        for ev in r.evidence:
            assert ev.date <= case.assessment_date
            assert ev.source in cat.evidence_sources
            assert document_text(case, ev.document).strip()


@pytest.mark.parametrize("cid", KEYED)
def test_key_plan_fully_meets_the_rubric(cid: str) -> None:
    case = CASES[cid]
    assert case.plan_key is not None
    profile = key_profile(case)
    scores = {c.id: c.score for c in profile.criteria}
    assert all(scores[f"Q{i}"] == 2 for i in range(1, 9)), profile.unmet()
    assert scores["Q9"] == scores["Q10"] == 2
    assert all(len(j.rationale) >= 20 for j in case.plan_key.judgements.values())
    plan = case.plan_key.plan()
    assert plan.review.date and plan.review.date > case.assessment_date
    assert plan.visits.frequency and plan.visits.reason
    assert plan.potential_victims and plan.contingencies and plan.legal
    assert any(r.kind == "notification" for r in plan.legal)


@pytest.mark.parametrize("cid", KEYED)
def test_insufficient_information_says_what_to_find_out(cid: str) -> None:
    case = CASES[cid]
    assert case.arms_key is not None
    for r in case.arms_key.ratings.values():
        if r.rating == "insufficient_information":
            assert "find out" in r.rationale.lower()
            assert r.follow_up is not None and r.follow_up.due >= case.assessment_date
            assert r.follow_up.what and r.follow_up.source
        else:
            assert r.follow_up is None


def test_set_is_varied() -> None:
    keys = {cid: CASES[cid].arms_key for cid in KEYED}
    assert {k.priority.level for k in keys.values() if k} == {"Low", "Medium", "High"}
    present = [cid for cid, k in keys.items()
               if k and any(r.rating == "present" for r in k.ratings.values())]
    assert len(present) >= 2
    # the static category and the dynamic picture point different ways, both directions
    higher = [cid for cid in KEYED if (k := keys[cid]) and RANK[k.priority.level]
              > RANK[CASES[cid].key.expected.c or "Low"]]
    lower = [cid for cid in KEYED if (k := keys[cid]) and RANK[k.priority.level]
             < RANK[CASES[cid].key.expected.c or "Low"]]
    assert higher and lower
    assert any(k and k.priority.also_reasonable for k in keys.values())
    insufficient = {cid for cid, k in keys.items()
                    if k and any(r.rating == "insufficient_information"
                                 for r in k.ratings.values())}
    assert insufficient and insufficient != set(KEYED)


def test_cases_without_a_key_still_load() -> None:
    for cid in ("TC-13", "TC-14", "TC-15"):
        assert CASES[cid].arms_key is None and CASES[cid].plan_key is None


def test_static_context_comes_from_the_rm2000_key() -> None:
    ctx = static_context(CASES["TC-05"])
    ex = CASES["TC-05"].key.expected
    assert (ctx.s, ctx.v, ctx.c, ctx.applicable) == (ex.s, ex.v, ex.c, True)
    na = static_context(CASES["TC-13"])
    assert na.applicable is False and na.reason


def test_key_text_is_never_in_the_case_file() -> None:
    from rso_widgets.cases.documents import case_file
    for cid in KEYED:
        case = CASES[cid]
        text = " ".join(body for _, body in case_file(case))
        assert case.arms_key and case.arms_key.priority.rationale not in text


# --- invalid keys are refused with file, field and fix -------------------------------------------

@pytest.fixture()
def base() -> dict[str, Any]:
    return read_yaml(SOURCE.read_text(encoding="utf-8"), str(SOURCE))


def write(folder: Path, data: dict[str, Any]) -> Path:
    path = folder / "case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def problem_at(path: Path, field: str) -> Any:
    with pytest.raises(CaseError) as info:
        load_case(path)
    found = info.value.problems
    for p in found:
        assert p.file == str(path) and p.field and p.message and p.fix
        assert str(p) == f"{path}: {p.field}: {p.message} — fix: {p.fix}"
    at = [p for p in found if p.field == field]
    assert at, f"no problem at {field}; got {[str(p) for p in found]}"
    return at[0]


def test_base_copy_is_valid(tmp_path: Path, base: dict[str, Any]) -> None:
    case: TrainingCase = load_case(write(tmp_path, base))
    assert case.arms_key is not None


def test_bad_rating_for_the_factor_kind(tmp_path: Path, base: dict[str, Any]) -> None:
    base["arms_key"]["ratings"]["R2"]["rating"] = "present"
    p = problem_at(write(tmp_path, base), "arms_key.ratings.R2.rating")
    assert "risk factor" in p.message and "partly_evident" in p.fix


def test_missing_evidence(tmp_path: Path, base: dict[str, Any]) -> None:
    base["arms_key"]["ratings"]["R5"]["evidence"] = []
    p = problem_at(write(tmp_path, base), "arms_key.ratings.R5.evidence")
    assert "no evidence" in p.message and "insufficient_information" in p.fix


def test_insufficient_information_needs_no_evidence(tmp_path: Path,
                                                    base: dict[str, Any]) -> None:
    assert "evidence" not in base["arms_key"]["ratings"]["R1"]
    assert load_case(write(tmp_path, base)).arms_key is not None


def test_evidence_dated_after_the_assessment(tmp_path: Path, base: dict[str, Any]) -> None:
    base["arms_key"]["ratings"]["R5"]["evidence"][0]["date"] = "2025-10-07"
    p = problem_at(write(tmp_path, base), "arms_key.ratings.R5.evidence[0].date")
    assert "after the assessment date" in p.message and "on or before" in p.fix


def test_evidence_source_not_in_catalogue(tmp_path: Path, base: dict[str, Any]) -> None:
    base["arms_key"]["ratings"]["R5"]["evidence"][0]["source"] = "rumour"
    p = problem_at(write(tmp_path, base), "arms_key.ratings.R5.evidence[0].source")
    assert "home visit" in p.fix


def test_evidence_quote_must_be_in_the_case_file(tmp_path: Path, base: dict[str, Any]) -> None:
    base["arms_key"]["ratings"]["R4"]["evidence"][0]["what"] = 'He said it was "all her fault"'
    p = problem_at(write(tmp_path, base), "arms_key.ratings.R4.evidence[0].what")
    assert "all her fault" in p.message and "quote the case file exactly" in p.fix


def test_evidence_document_must_be_a_part_of_the_file(tmp_path: Path,
                                                      base: dict[str, Any]) -> None:
    base["arms_key"]["ratings"]["R5"]["evidence"][0]["document"] = "gossip"
    p = problem_at(write(tmp_path, base), "arms_key.ratings.R5.evidence[0].document")
    assert "interview_summary" in p.fix


def test_every_factor_must_be_rated(tmp_path: Path, base: dict[str, Any]) -> None:
    del base["arms_key"]["ratings"]["R3"]
    p = problem_at(write(tmp_path, base), "arms_key.ratings")
    assert "R3" in p.message and "not rated" in p.message


def test_unknown_factor_in_ratings(tmp_path: Path, base: dict[str, Any]) -> None:
    base["arms_key"]["ratings"]["R9"] = copy.deepcopy(base["arms_key"]["ratings"]["R3"])
    p = problem_at(write(tmp_path, base), "arms_key.ratings.R9")
    assert "not a factor" in p.message and "R1" in p.fix


def test_unknown_factor_in_a_plan_action(tmp_path: Path, base: dict[str, Any]) -> None:
    base["plan_key"]["actions"][0]["factors"] = ["R5", "R9"]
    p = problem_at(write(tmp_path, base), "plan_key.actions[0].factors")
    assert "'R9'" in p.message and "P4" in p.fix


def test_key_plan_failing_q1(tmp_path: Path, base: dict[str, Any]) -> None:
    for action in base["plan_key"]["actions"]:
        action["factors"] = [f for f in action["factors"] if f != "R5"] or ["P1"]
    p = problem_at(write(tmp_path, base), "plan_key.actions")
    assert p.message.startswith("Q1") and "R5" in p.message and "Add an action" in p.fix


def test_key_plan_failing_q6(tmp_path: Path, base: dict[str, Any]) -> None:
    base["plan_key"]["contingencies"] = [{"trigger": "Drinking again", "response": "Visit"}]
    p = problem_at(write(tmp_path, base), "plan_key.contingencies")
    assert "Q6" in p.message and "partly met" in p.message and "owner" in p.fix


def test_key_plan_failing_q4_and_q8(tmp_path: Path, base: dict[str, Any]) -> None:
    base["plan_key"]["potential_victims"] = []
    base["plan_key"]["review"]["early_triggers"] = []
    path = write(tmp_path, base)
    assert "nobody named" in problem_at(path, "plan_key.potential_victims").message
    assert "early-review" in problem_at(path, "plan_key.review").message


def test_key_plan_needs_q9_and_q10_judgements(tmp_path: Path, base: dict[str, Any]) -> None:
    del base["plan_key"]["judgements"]["Q10"]
    base["plan_key"]["judgements"]["Q9"]["score"] = 1
    path = write(tmp_path, base)
    assert "Q10" in problem_at(path, "plan_key.judgements").message
    assert "model answer" in problem_at(path, "plan_key.judgements.Q9.score").message


def test_judgement_score_out_of_range(tmp_path: Path, base: dict[str, Any]) -> None:
    base["plan_key"]["judgements"]["Q9"]["score"] = 3
    p = problem_at(write(tmp_path, base), "plan_key.judgements.Q9.score")
    assert "at most 2" in p.message and "0 (not met)" in p.fix


def test_plan_dates(tmp_path: Path, base: dict[str, Any]) -> None:
    base["plan_key"]["review"]["date"] = "2025-10-01"
    base["plan_key"]["legal"][0]["end_date"] = "2024-01-01"
    path = write(tmp_path, base)
    assert "not after the assessment" in problem_at(path, "plan_key.review.date").message
    assert "in force" in problem_at(path, "plan_key.legal[0].end_date").fix


def test_impossible_plan_date(tmp_path: Path, base: dict[str, Any]) -> None:
    base["plan_key"]["review"]["date"] = "2026-02-30"
    p = problem_at(write(tmp_path, base), "plan_key.review.date")
    assert "not a date that exists" in p.message


def test_priority_must_be_from_the_catalogue(tmp_path: Path, base: dict[str, Any]) -> None:
    base["arms_key"]["priority"]["level"] = "Very High"
    base["arms_key"]["priority"]["also_reasonable"] = ["Low"]
    path = write(tmp_path, base)
    assert "Medium" in problem_at(path, "arms_key.priority.level").fix
    base["arms_key"]["priority"]["level"] = "Low"
    p = problem_at(write(tmp_path, base), "arms_key.priority.also_reasonable[0]")
    assert "other than" in p.fix


def test_plan_key_needs_an_arms_key(tmp_path: Path, base: dict[str, Any]) -> None:
    del base["arms_key"]
    assert "arms_key" in problem_at(write(tmp_path, base), "plan_key").fix


def test_unknown_field_in_arms_key(tmp_path: Path, base: dict[str, Any]) -> None:
    base["arms_key"]["score"] = 7
    p = problem_at(write(tmp_path, base), "arms_key.score")
    assert "ratings" in p.fix and "priority" in p.fix


def test_key_written_for_another_catalogue(tmp_path: Path, base: dict[str, Any]) -> None:
    base["arms_key"]["catalogue"] = "force-licensed"
    p = problem_at(write(tmp_path, base), "arms_key.catalogue")
    assert "force-licensed" in p.message and "RSO_ARMS_CATALOGUE" in p.fix


def test_key_must_pass_the_instrument_check(tmp_path: Path, base: dict[str, Any]) -> None:
    base["arms_key"]["formulation"]["scenarios"] = "too short"
    p = problem_at(write(tmp_path, base), "arms_key.formulation.scenarios")
    assert "too short" in p.message
