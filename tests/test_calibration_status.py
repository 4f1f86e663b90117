"""Each trainee's calibration status: thresholds (local policy, from YAML) at their edges, the
numbers behind a status, and the items to revisit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from rso_widgets.calibration.cohort import Statistic, cohort_frame
from rso_widgets.calibration.status import (
    CalibrationNumbers,
    Thresholds,
    cohort_status,
    decide,
    icc_is_good,
    icc_label,
    load_thresholds,
    status_table,
    trainee_status,
)
from rso_widgets.cases import load_cases
from rso_widgets.instruments.datafile import RulesetError

CASES = {c.id: c for c in load_cases()}
APPLICABLE = sorted(cid for cid, c in CASES.items() if c.key.expected.applicable)
CATS = ["Low", "Medium", "High", "Very High"]
T0 = dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC)


def facts(cid: str, **changes: Any) -> dict[str, Any]:
    out = CASES[cid].key_facts().model_dump(mode="json", exclude_none=True)
    out.update(changes)
    return out


def key_entered(cid: str, **changes: Any) -> dict[str, Any]:
    ex = CASES[cid].key.expected
    out = {"step1_points": ex.step1_points, "step1_category": ex.step1_category, "s": ex.s,
           "v": ex.v, "c": ex.c}
    out.update(changes)
    return out


def rm(cid: str, entered: dict[str, Any] | None = None, **fact_changes: Any) -> dict[str, Any]:
    return {"facts": facts(cid, **fact_changes), "entered": entered}


def away(cat: str, steps: int = 1) -> str:
    i = CATS.index(cat)
    return CATS[i + steps] if i + steps < len(CATS) else CATS[i - steps]


def frame_of(plan: dict[int, dict[str, dict[str, Any]]]):
    subs = []
    for mid, attempts in plan.items():
        for cid, attempt in attempts.items():
            n = len(subs) + 1
            subs.append({"id": n, "member_id": mid, "case_id": cid, "attempt": attempt,
                         "created_at": T0 + dt.timedelta(seconds=n)})
    return cohort_frame(subs, CASES)


def one_trainee(n_cases: int, wrong_v: int = 0, two_apart: int = 0) -> dict[str, Any]:
    """Key answers on `n_cases` cases, with /V one category off on the first `wrong_v` cases and
    /S two categories off on the last `two_apart` cases."""
    out = {}
    for i, cid in enumerate(APPLICABLE[:n_cases]):
        ex = CASES[cid].key.expected
        changes: dict[str, Any] = {}
        if i < wrong_v:
            changes["v"] = away(ex.v)
        if i >= n_cases - two_apart:
            changes["s"] = away(ex.s, 2)
        out[cid] = rm(cid, key_entered(cid, **changes))
    return out


def status_of(plan: dict[str, Any], thresholds: Thresholds | None = None):
    return trainee_status(frame_of({1: plan}), 1, thresholds)


# --- thresholds --------------------------------------------------------------------------------

def test_default_thresholds_come_from_the_yaml_with_provenance() -> None:
    t = load_thresholds()
    assert t.calibrated.min_category_agreement_pct == 80
    assert t.calibrated.min_cases == 10 and t.calibrated.max_category_distance == 1
    assert t.icc.good == 0.75 and t.policy == "local policy"
    assert "local policy" in t.label and "Koo" in t.provenance.icc_reference
    assert t.calibrated == Thresholds().calibrated and t.icc == Thresholds().icc


def test_thresholds_can_be_set_locally(tmp_path) -> None:
    path = tmp_path / "ours.yaml"
    path.write_text("id: force-x\nversion: '2'\nprovenance: {source: training board 2026}\n"
                    "calibrated: {min_category_agreement_pct: 70, min_cases: 5}\n")
    t = load_thresholds(path)
    assert t.label == "Thresholds are local policy (force-x@2)"
    assert t.calibrated.max_category_distance == 1 and t.icc.good == 0.75
    s = status_of(one_trainee(5, wrong_v=4), t)  # 11 of 15 = 73%
    assert s.status == "calibrated" and s.policy == t.label
    bad = tmp_path / "bad.yaml"
    bad.write_text("calibrated: {min_category_agreement_pct: 120}\n")
    with pytest.raises(RulesetError, match="min_category_agreement_pct"):
        load_thresholds(bad)


def numbers(n_cases: int = 10, agreed: int = 80, compared: int = 100,
            max_distance: int = 1) -> CalibrationNumbers:
    return CalibrationNumbers(n_cases=n_cases, categories_compared=compared,
                              categories_agreed=agreed,
                              category_agreement_pct=100 * agreed / compared,
                              max_distance=max_distance)


@pytest.mark.parametrize(("kw", "expected"), [
    ({"agreed": 80}, "calibrated"),
    ({"agreed": 79}, "not yet calibrated"),
    ({"n_cases": 10}, "calibrated"),
    ({"n_cases": 9}, "not enough cases"),
    ({"agreed": 100, "max_distance": 2}, "not yet calibrated"),
    ({"agreed": 100, "max_distance": 1}, "calibrated"),
    ({"agreed": 24, "compared": 30}, "calibrated"),  # exactly 80%, no rounding slip
    ({"agreed": 23, "compared": 30}, "not yet calibrated"),
])
def test_status_at_the_edges_of_the_thresholds(kw, expected) -> None:
    status, reasons = decide(numbers(**kw))
    assert status == expected
    assert reasons[0].startswith("Cases scored:")


# --- from a cohort ------------------------------------------------------------------------------

def test_80_percent_over_10_cases_is_calibrated_79_is_not() -> None:
    ok = status_of(one_trainee(10, wrong_v=6))
    assert ok.status == "calibrated"
    assert (ok.numbers.categories_agreed, ok.numbers.categories_compared) == (24, 30)
    assert ok.numbers.category_agreement_pct == pytest.approx(80.0)
    assert ok.numbers.max_distance == 1 and ok.numbers.n_cases == 10
    low = status_of(one_trainee(10, wrong_v=7))
    assert low.status == "not yet calibrated" and low.numbers.categories_agreed == 23
    assert "at least 80% needed" in low.reasons[1]


def test_9_cases_is_not_enough_10_is() -> None:
    assert status_of(one_trainee(9)).status == "not enough cases"
    s = status_of(one_trainee(10))
    assert s.status == "calibrated" and s.numbers.category_agreement_pct == 100


def test_two_categories_apart_once_is_not_calibrated() -> None:
    s = status_of(one_trainee(12, two_apart=1))
    assert s.numbers.category_agreement_pct > 80
    assert s.status == "not yet calibrated" and s.numbers.max_distance == 2
    far = s.numbers.far_apart
    assert len(far) == 1 and (far[0].case_id, far[0].scale, far[0].distance) == (
        APPLICABLE[11], "S", 2)
    assert any("2 categories apart" in r for r in s.reasons)


def test_not_applicable_against_the_key_counts_as_disagreement_not_distance() -> None:
    plan = one_trainee(10)
    plan[APPLICABLE[0]] = rm(APPLICABLE[0], {"not_applicable": True})
    s = status_of(plan)
    assert s.numbers.not_comparable == 3 and s.numbers.categories_agreed == 27
    assert s.numbers.max_distance == 0 and s.status == "calibrated"  # 90%


def test_items_to_revisit_are_the_most_missed_with_error_types() -> None:
    plan = one_trainee(10)
    for cid in ("TC-04", "TC-07", "TC-11"):  # single in these cases: coded as not single
        plan[cid] = rm(cid, None, single=False)
    plan["TC-03"] = rm("TC-03", None, stranger_victim=True)
    ex = CASES["TC-05"].key.expected
    plan["TC-05"] = rm("TC-05", key_entered("TC-05", step1_points=ex.step1_points + 1))
    s = status_of(plan)
    first = s.revisit[0]
    assert (first.topic, first.times, first.error_types) == ("single", 3, {"coding": 3})
    assert first.cases == ["TC-04", "TC-07", "TC-11"] and first.label == "Single"
    assert "single" in first.rationales["TC-07"]
    topics = [r.topic for r in s.revisit]
    assert set(topics[1:]) == {"stranger_victim", "S.step1_points"}
    calc = next(r for r in s.revisit if r.topic == "S.step1_points")
    assert calc.error_types == {"calculation": 1}
    assert not any(t.endswith((".category", "aggravating_factors")) for t in topics)


def test_cohort_status_table_is_in_rater_order() -> None:
    plans = {m: one_trainee(10, wrong_v=m) for m in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)}
    statuses = cohort_status(frame_of(plans))
    assert [s.rater for s in statuses] == [f"Rater {m}" for m in range(1, 12)]
    table = status_table(statuses)
    assert table["status"].tolist() == ["calibrated"] * 6 + ["not yet calibrated"] * 5
    assert list(table.columns) == ["rater", "status", "cases", "category_agreement_pct",
                                   "max_distance", "arms_status", "arms_cases",
                                   "arms_agreement_pct", "arms_acceptable_pct", "revisit"]


# --- ICC labels ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "label"), [
    (0.95, "excellent (Koo & Li 2016)"), (0.90, "excellent (Koo & Li 2016)"),
    (0.75, "good (Koo & Li 2016)"), (0.7499, "moderate (Koo & Li 2016)"),
    (0.5, "moderate (Koo & Li 2016)"), (0.2, "poor (Koo & Li 2016)"),
    (-0.3, "poor (Koo & Li 2016)"), (None, "not enough data"),
])
def test_icc_labels(value, label) -> None:
    assert icc_label(value) == label


def test_icc_good_threshold_and_statistics() -> None:
    assert icc_is_good(0.75) is True and icc_is_good(0.7499) is False
    none = Statistic(name="ICC", status="not enough data", reason="2 raters")
    assert icc_label(none) == "not enough data" and icc_is_good(none) is None
    assert icc_label(Statistic(name="ICC", value=0.8)) == "good (Koo & Li 2016)"
