"""Certification and drift (issue 16): statuses at the edges of the validity period and the
thresholds, first attempts only, re-test packs never holding a seen case, and the minimum group
for every team figure."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace as NS

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rso_widgets.calibration.certification import (
    CaseResult,
    CertificationPolicy,
    arms_result,
    certification,
    drift,
    due_order,
    first_attempts,
    pack_note,
    retest_pack,
    rm2000_result,
    status_counts,
    window,
)
from rso_widgets.calibration.status import load_thresholds

D0 = dt.date(2026, 1, 10)
POLICY = CertificationPolicy(valid_days=365, due_days=60, pack_size=5)


def res(day: dt.date, case: str, agreed: int = 3, compared: int = 3, user: str = "amy",
        instrument: str = "rm2000", source: str = "practice", distance: int | None = None
        ) -> CaseResult:
    at = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
    far_distance = distance if distance is not None else (0 if agreed == compared else 1)
    return CaseResult(user=user, instrument=instrument, source=source, case_id=case, at=at,
                      compared=compared, agreed=agreed, exact=agreed,
                      max_distance=far_distance)


def ten_good(day: dt.date = D0, user: str = "amy", prefix: str = "TC") -> list[CaseResult]:
    return [res(day, f"{prefix}-{n:02d}", user=user) for n in range(1, 11)]


# --- statuses at the edges of the validity period ------------------------------------------

@pytest.mark.parametrize(("days_after", "status"), [
    (0, "calibrated"),
    (365 - 61, "calibrated"),  # the day before the due window opens
    (365 - 60, "due for re-test"),  # the due window's first day
    (365, "due for re-test"),  # the last valid day
    (366, "lapsed"),  # the first day after
])
def test_status_at_the_edges_of_the_validity_period(days_after: int, status: str) -> None:
    today = D0 + dt.timedelta(days=days_after)
    r = certification("amy", ten_good(), "rm2000", today, POLICY)
    assert r.status == status
    assert r.certified_on == D0
    assert r.valid_until == D0 + dt.timedelta(days=365)
    assert r.days_left == 365 - days_after


def test_the_validity_period_comes_from_the_policy() -> None:
    short = CertificationPolicy(valid_days=30, due_days=0)
    assert certification("amy", ten_good(), "rm2000", D0 + dt.timedelta(days=30),
                         short).status == "due for re-test"  # its last day, due_days=0
    assert certification("amy", ten_good(), "rm2000", D0 + dt.timedelta(days=29),
                         short).status == "calibrated"
    assert certification("amy", ten_good(), "rm2000", D0 + dt.timedelta(days=31),
                         short).status == "lapsed"
    assert "local policy" in short.label


# --- the thresholds --------------------------------------------------------------------------

def test_agreement_exactly_at_the_threshold_is_calibrated_and_just_below_is_not() -> None:
    at_80 = [res(D0, f"C{n}") for n in range(4)] + [res(D0, f"C{n}", agreed=2)
                                                     for n in range(4, 10)]  # 24 of 30
    assert certification("amy", at_80, "rm2000", D0, POLICY).status == "calibrated"
    below = [*at_80[:-1], res(D0, "C9", agreed=1)]  # 23 of 30
    r = certification("amy", below, "rm2000", D0, POLICY)
    assert r.status == "not yet calibrated" and r.certified_on is None
    assert any("80% needed" in reason for reason in r.reasons)


def test_fewer_cases_than_the_minimum_is_not_enough_cases() -> None:
    r = certification("amy", ten_good()[:9], "rm2000", D0, POLICY)
    assert r.status == "not enough cases"
    assert load_thresholds().calibrated.min_cases == 10


def test_a_category_too_far_from_the_key_stops_calibration() -> None:
    results = [*ten_good()[:9], res(D0, "TC-10", agreed=2, distance=2)]
    assert certification("amy", results, "rm2000", D0, POLICY).status == "not yet calibrated"


# --- evidence: first attempts, the window, the future ---------------------------------------

def test_only_the_first_attempt_at_a_case_counts() -> None:
    first = [res(D0, f"TC-{n:02d}", agreed=0) for n in range(1, 11)]
    retries = ten_good(D0 + dt.timedelta(days=1))
    assert [r.agreed for r in first_attempts(first + retries)] == [0] * 10
    r = certification("amy", first + retries, "rm2000", D0 + dt.timedelta(days=2), POLICY)
    assert r.status == "not yet calibrated"


def test_results_older_than_the_validity_period_leave_the_window() -> None:
    results = ten_good()
    assert len(window(results, D0 + dt.timedelta(days=364), 365)) == 10
    assert window(results, D0 + dt.timedelta(days=365), 365) == []


def test_a_retest_renews_the_certification() -> None:
    later = D0 + dt.timedelta(days=340)
    results = ten_good() + ten_good(later, prefix="NEW")
    r = certification("amy", results, "rm2000", later, POLICY)
    assert r.certified_on == later and r.status == "calibrated"
    assert [p.met for p in r.history] == [True, True]


def test_results_after_today_are_ignored() -> None:
    r = certification("amy", ten_good(D0 + dt.timedelta(days=5)), "rm2000", D0, POLICY)
    assert r.status == "not enough cases" and r.cases_seen == []


def test_arms_uses_its_own_results_and_rule() -> None:
    arms = [res(D0, f"TC-{n:02d}", agreed=9, compared=10, instrument="arms")
            for n in range(1, 11)]
    assert certification("amy", arms, "arms", D0, POLICY).status == "calibrated"
    assert certification("amy", arms, "rm2000", D0, POLICY).status == "not enough cases"
    assert certification("amy", [], "arms", D0, POLICY).status == "not enough cases"


def test_arms_result_counts_a_defensible_alternative_as_agreement() -> None:
    factors = [NS(factor="a", trainee="x", key="x", distance=0, acceptable=False),
               NS(factor="b", trainee="y", key="z", distance=2, acceptable=True),
               NS(factor="c", trainee=None, key="z", distance=None, acceptable=False),
               NS(factor="d", trainee="y", key="z", distance=1, acceptable=False)]
    r = arms_result("amy", "TC-01", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), factors, "practice")
    assert (r.compared, r.agreed, r.exact, r.max_distance, r.far) == (3, 2, 1, 1, [])


def test_rm2000_result_counts_categories() -> None:
    cats = [NS(scale="S", trainee="high", key="high", distance=0),
            NS(scale="V", trainee="low", key="very high", distance=3),
            NS(scale="C", trainee="not applicable", key="high", distance=None)]
    r = rm2000_result("amy", "TC-01", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), cats, "workshop")
    assert (r.compared, r.agreed, r.max_distance, r.not_comparable) == (3, 1, 3, 1)
    assert [f.scale for f in r.far] == ["V"]


# --- re-test packs -----------------------------------------------------------------------------

@given(available=st.sets(st.sampled_from([f"TC-{n:02d}" for n in range(1, 30)])),
       seen=st.sets(st.sampled_from([f"TC-{n:02d}" for n in range(1, 40)])),
       size=st.integers(1, 12), seed=st.text(max_size=8))
def test_a_pack_never_holds_a_seen_case(available: set[str], seen: set[str], size: int,
                                        seed: str) -> None:
    pack = retest_pack(available, seen, size, seed)
    assert not set(pack) & seen
    assert set(pack) <= available
    assert len(pack) == min(size, len(available - seen))
    assert pack == retest_pack(available, seen, size, seed)  # repeatable


def test_pack_notes() -> None:
    assert pack_note([], 5).startswith("Every training case")
    assert "Only 2 unseen cases are left" in pack_note(["a", "b"], 5)
    assert pack_note(["a", "b"], 2) == ""


# --- drift and the minimum group ---------------------------------------------------------------

def _team(others: int) -> dict[str, list[CaseResult]]:
    team = {"amy": [res(D0, "TC-01", agreed=3), res(D0, "TC-02", agreed=3)]}
    for n in range(others):
        team[f"p{n}"] = [res(D0, "TC-01", agreed=1, user=f"p{n}")]
    return team


def test_team_figure_withheld_below_the_minimum_group() -> None:
    (point,) = drift("amy", _team(2), "rm2000", min_group=3)
    assert point.team_pct is None and point.difference is None
    assert "withheld" in point.note and point.person_pct == 100.0


def test_team_figure_shown_at_the_minimum_group_without_the_person() -> None:
    (point,) = drift("amy", _team(3), "rm2000", min_group=3)
    assert point.team_pct == pytest.approx(100 / 3)  # the others only
    assert point.team_people == 3
    assert point.difference == pytest.approx(round(100 - 100 / 3, 1))
    assert point.period == "2026 Q1"


def test_status_counts_need_the_minimum_group() -> None:
    records = [certification(u, ten_good(user=u), "rm2000", D0, POLICY) for u in "ab"]
    assert status_counts(records, 3) is None
    records.append(certification("c", [], "rm2000", D0, POLICY))
    assert status_counts(records, 3) == {"lapsed": 0, "due for re-test": 0,
                                         "not yet calibrated": 0, "not enough cases": 1,
                                         "calibrated": 2}


def test_due_order_puts_lapsed_then_due_first() -> None:
    today = D0 + dt.timedelta(days=366)
    lapsed = certification("zed", ten_good(user="zed"), "rm2000", today, POLICY)
    due = certification("amy", ten_good(D0 + dt.timedelta(days=10), user="amy"), "rm2000",
                        today, POLICY)
    fresh = certification("bea", ten_good(today, user="bea"), "rm2000", today, POLICY)
    none = certification("cai", [], "rm2000", today, POLICY)
    assert [r.user for r in due_order([fresh, none, due, lapsed])] == ["zed", "amy", "cai",
                                                                       "bea"]


@given(days=st.lists(st.integers(0, 800), min_size=0, max_size=25),
       agreed=st.lists(st.integers(0, 3), min_size=25, max_size=25),
       today=st.integers(0, 1200))
def test_status_invariants(days: list[int], agreed: list[int], today: int) -> None:
    results = [res(D0 + dt.timedelta(days=d), f"C{n}", agreed=agreed[n])
               for n, d in enumerate(days)]
    day = D0 + dt.timedelta(days=today)
    r = certification("amy", results, "rm2000", day, POLICY)
    if r.certified_on is None:
        assert r.status in ("not yet calibrated", "not enough cases") and r.days_left is None
    else:
        assert r.certified_on <= day
        assert r.valid_until == r.certified_on + dt.timedelta(days=POLICY.valid_days)
        expected = ("lapsed" if r.days_left < 0 else "due for re-test"
                    if r.days_left <= POLICY.due_days else "calibrated")
        assert r.status == expected
    later = [res(day + dt.timedelta(days=1), f"L{n}", agreed=0) for n in range(3)]
    assert certification("amy", results + later, "rm2000", day, POLICY) == r  # future ignored


def test_results_that_slip_below_the_thresholds_are_said_plainly() -> None:
    from rso_widgets.calibration.certification import status_sentence

    later = D0 + dt.timedelta(days=100)
    slipping = ten_good() + [res(later, f"NEW-{n}", agreed=0) for n in range(10)]
    r = certification("amy", slipping, "rm2000", later, POLICY)
    assert r.status == "calibrated" and r.current == "not yet calibrated"
    assert "no longer meet the thresholds" in status_sentence(r)
    steady = certification("amy", ten_good(), "rm2000", later, POLICY)
    assert "no longer" not in status_sentence(steady)
