"""Certification and drift: each assessor's calibration record over time (pure, issue 16).

Built on `calibration.status`: the same thresholds (`thresholds.yaml`, local policy) and the same
`decide` / `decide_arms` rules, applied to a person's record over time instead of one workshop.

- Evidence: one `CaseResult` per case the person scored against a key, in practice or in a
  workshop, for RM2000 or ARMS (`case_results.py`, re-exported here). Only the **first** attempt
  at each case counts: a retry after the key was shown is learning, not a test.
- A person is *certified* on day D when the results of the `valid_days` up to and including D
  meet the thresholds. The latest such day is `certified_on`; the certificate is valid to
  `certified_on + valid_days` inclusive (`valid_until`).
- Status today: *calibrated* while valid; *due for re-test* from `due_days` before
  `valid_until` to `valid_until` inclusive; *lapsed* after it. Never certified: the status the
  thresholds give the window ending today (*not enough cases* or *not yet calibrated*).
- Re-test packs: cases the person has never scored, for the instrument (`retest_pack`).
- Drift: the person's agreement per quarter beside the rest of the team's, the team's figure
  withheld when fewer than `min_group` other people contribute (`drift`).

Validity and due periods come from settings and are local policy, as the thresholds are.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .case_results import (
    INSTRUMENT_NAMES,
    INSTRUMENTS,
    CaseResult,
    Instrument,
    Source,
    arms_result,
    first_attempts,
    frame_results,
    rm2000_result,
)
from .status import CalibrationNumbers, Thresholds, decide, decide_arms, load_thresholds

CertStatus = Literal["calibrated", "due for re-test", "lapsed", "not yet calibrated",
                     "not enough cases"]
#: Order of urgency for a trainer's list.
URGENCY: dict[str, int] = {"lapsed": 0, "due for re-test": 1, "not yet calibrated": 2,
                           "not enough cases": 3, "calibrated": 4}
WITHHELD = ("withheld: fewer than {n} other people contribute, so the figure could identify "
            "someone")
COUNTS_WITHHELD = ("withheld: fewer than {n} people have a record, so the counts could identify "
                   "someone")


class CertificationPolicy(BaseModel):
    """How long a calibration lasts and when a re-test is due: local policy (settings)."""

    model_config = ConfigDict(frozen=True)

    valid_days: int = Field(default=365, ge=1)
    due_days: int = Field(default=60, ge=0)
    pack_size: int = Field(default=5, ge=1)

    @property
    def label(self) -> str:
        return (f"Validity is local policy: a calibration lasts {self.valid_days} days and a "
                f"re-test is due in its last {self.due_days} days")


# --- the status over time ----------------------------------------------------------------------

def numbers(results: Sequence[CaseResult], instrument: Instrument,
            thresholds: Thresholds | None = None) -> CalibrationNumbers:
    """`status.CalibrationNumbers` for these results (one per case)."""
    t = thresholds or load_thresholds()
    rs = [r for r in results if r.instrument == instrument and r.compared]
    compared, agreed = sum(r.compared for r in rs), sum(r.agreed for r in rs)
    dists = [r.max_distance for r in rs if r.max_distance is not None]
    far = [f for r in rs for f in r.far]
    pct = 100.0 * agreed / compared if compared else None
    if instrument == "rm2000":
        return CalibrationNumbers(n_cases=len(rs), categories_compared=compared,
                                  categories_agreed=agreed, category_agreement_pct=pct,
                                  max_distance=max(dists) if dists else None, far_apart=far,
                                  not_comparable=sum(r.not_comparable for r in rs))
    exact = sum(r.exact for r in rs)
    return CalibrationNumbers(
        n_cases=0, categories_compared=0, categories_agreed=0, category_agreement_pct=None,
        max_distance=None, arms_compared=compared, arms_agreed=exact,
        arms_agreement_pct=100.0 * exact / compared if compared else None, arms_cases=len(rs),
        arms_max_distance=max(dists) if dists else None, arms_far_apart=far,
        arms_not_comparable=sum(r.not_comparable for r in rs), arms_acceptable_agreed=agreed,
        arms_acceptable_pct=pct, arms_uses=t.arms.agreement)


def judge(results: Sequence[CaseResult], instrument: Instrument,
          thresholds: Thresholds | None = None) -> tuple[str, list[str]]:
    """The `status` rule's verdict on these results (ARMS with none compared: not enough)."""
    t = thresholds or load_thresholds()
    n = numbers(results, instrument, t)
    if instrument == "rm2000":
        return decide(n, t)
    status, reasons = decide_arms(n, t)
    if status is None:
        return "not enough cases", [f"ARMS cases rated: 0 (at least {t.arms.min_cases} "
                                    "needed)."]
    return status, reasons


def window(results: Iterable[CaseResult], day: dt.date, valid_days: int) -> list[CaseResult]:
    """The results of the `valid_days` up to and including `day`."""
    return [r for r in results if 0 <= (day - r.day).days < valid_days]


class WindowPoint(BaseModel):
    day: dt.date
    cases: int
    agreement_pct: float | None
    met: bool


class CertificationRecord(BaseModel):
    """One person's calibration record for one instrument, as of `today`."""

    user: str
    instrument: Instrument
    today: dt.date
    status: CertStatus
    certified_on: dt.date | None
    valid_until: dt.date | None
    days_left: int | None  # to valid_until (negative once lapsed)
    reasons: list[str]  # for the window ending today
    current: str = "not enough cases"  # what the window ending today gives on its own
    history: list[WindowPoint]
    cases_seen: list[str]
    sources: dict[str, int]  # practice / workshop → cases counted
    policy: str
    thresholds: str

    @property
    def name(self) -> str:
        return INSTRUMENT_NAMES[self.instrument]


def certification(user: str, results: Iterable[CaseResult], instrument: Instrument,
                  today: dt.date, policy: CertificationPolicy | None = None,
                  thresholds: Thresholds | None = None) -> CertificationRecord:
    """`user`'s record for `instrument` as of `today` (results after today are ignored)."""
    p, t = policy or CertificationPolicy(), thresholds or load_thresholds()
    mine = [r for r in results if r.instrument == instrument and r.day <= today]
    firsts = first_attempts(mine)
    history = []
    certified_on = None
    for day in sorted({r.day for r in firsts}):
        win = window(firsts, day, p.valid_days)
        status, _ = judge(win, instrument, t)
        n = numbers(win, instrument, t)
        pct = n.category_agreement_pct if instrument == "rm2000" else n.arms_acceptable_pct
        if instrument == "arms" and t.arms.agreement == "key":
            pct = n.arms_agreement_pct
        history.append(WindowPoint(day=day, cases=len(win), agreement_pct=pct,
                                   met=status == "calibrated"))
        if status == "calibrated":
            certified_on = day
    now_status, reasons = judge(window(firsts, today, p.valid_days), instrument, t)
    valid_until = days_left = None
    status: str = now_status
    if certified_on is not None:
        valid_until = certified_on + dt.timedelta(days=p.valid_days)
        days_left = (valid_until - today).days
        status = ("lapsed" if days_left < 0 else
                  "due for re-test" if days_left <= p.due_days else "calibrated")
    sources: dict[str, int] = {}
    for r in firsts:
        sources[r.source] = sources.get(r.source, 0) + 1
    return CertificationRecord(
        user=user, instrument=instrument, today=today, status=status,  # type: ignore[arg-type]
        certified_on=certified_on, valid_until=valid_until, days_left=days_left,
        reasons=reasons, current=now_status, history=history,
        cases_seen=sorted({r.case_id for r in mine}),
        sources=sources, policy=p.label, thresholds=t.label)


# --- re-test packs -----------------------------------------------------------------------------

def retest_pack(available: Iterable[str], seen: Iterable[str], size: int,
                seed: str = "") -> list[str]:
    """Up to `size` of the `available` cases the person has not `seen`, sorted; the choice
    is repeatable for the same `seed` (e.g. the person and the day)."""
    unseen = sorted(set(available) - set(seen))
    if len(unseen) <= size:
        return unseen
    return sorted(random.Random(seed).sample(unseen, size))


def pack_note(pack: Sequence[str], size: int) -> str:
    """A plain sentence about a pack (empty when it is full)."""
    if not pack:
        return ("Every training case for this instrument has been scored already, so no unseen "
                "case is left for a re-test. Ask the trainer for new cases.")
    if len(pack) < size:
        return (f"Only {len(pack)} unseen case{'s are' if len(pack) != 1 else ' is'} left "
                f"(the pack is {size}). Ask the trainer for new cases.")
    return ""


# --- drift against the team ------------------------------------------------------------------

def quarter(day: dt.date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


class DriftPoint(BaseModel):
    period: str
    person_pct: float | None
    person_cases: int
    team_pct: float | None  # None when withheld or nobody else contributed
    team_people: int
    difference: float | None  # person − team, percentage points
    note: str = ""


def _pct(results: Sequence[CaseResult]) -> float | None:
    compared = sum(r.compared for r in results)
    return 100.0 * sum(r.agreed for r in results) / compared if compared else None


def drift(user: str, team: Mapping[str, Iterable[CaseResult]], instrument: Instrument,
          min_group: int) -> list[DriftPoint]:
    """Per quarter, `user`'s agreement beside the rest of the team's (pooled, first attempts);
    the team's figure is withheld when fewer than `min_group` other people contribute."""
    firsts = {u: [r for r in first_attempts(rs) if r.instrument == instrument and r.compared]
              for u, rs in team.items()}
    by: dict[str, dict[str, list[CaseResult]]] = {}
    for u, rs in firsts.items():
        for r in rs:
            by.setdefault(quarter(r.day), {}).setdefault(u, []).append(r)
    out = []
    for period in sorted(by):
        people = by[period]
        mine = people.get(user, [])
        others = {u: rs for u, rs in people.items() if u != user}
        note = ""
        team_pct = None
        if len(others) >= min_group:
            team_pct = _pct([r for rs in others.values() for r in rs])
        elif others:
            note = WITHHELD.format(n=min_group)
        person_pct = _pct(mine)
        out.append(DriftPoint(
            period=period, person_pct=person_pct, person_cases=len(mine), team_pct=team_pct,
            team_people=len(others) if team_pct is not None else 0,
            difference=None if person_pct is None or team_pct is None
            else round(person_pct - team_pct, 1), note=note))
    return out


# --- who is due --------------------------------------------------------------------------------

def due_order(records: Iterable[CertificationRecord]) -> list[CertificationRecord]:
    """Most urgent first: lapsed, due (soonest first), not yet calibrated, not enough cases,
    calibrated; then by user."""
    return sorted(records, key=lambda r: (URGENCY[r.status],
                                          r.days_left if r.days_left is not None else 10**6,
                                          r.user, r.instrument))


def status_counts(records: Iterable[CertificationRecord], min_group: int
                  ) -> dict[str, int] | None:
    """How many people have each status; None when fewer than `min_group` people."""
    rs = list(records)
    if len({r.user for r in rs}) < min_group:
        return None
    counts = {s: 0 for s in URGENCY}
    for r in rs:
        counts[r.status] += 1
    return counts


def status_sentence(r: CertificationRecord) -> str:
    """The status in plain words, with its dates (and a word when recent results slip)."""
    name = r.name
    slipped = ("" if r.current == "calibrated" else " Your results of the validity period up "
               "to today no longer meet the thresholds on their own: a re-test may be worth "
               "taking early.")
    if r.status == "calibrated":
        return (f"{name}: calibrated. The thresholds were last met on {r.certified_on:%d %B %Y}; "
                f"valid until {r.valid_until:%d %B %Y} ({r.days_left} days left).{slipped}")
    if r.status == "due for re-test":
        return (f"{name}: calibrated, and due for a re-test: valid until "
                f"{r.valid_until:%d %B %Y} ({r.days_left} day{'s' if r.days_left != 1 else ''} "
                f"left). A re-test pack of unseen cases renews it.{slipped}")
    if r.status == "lapsed":
        return (f"{name}: lapsed — it was valid until {r.valid_until:%d %B %Y}. A re-test pack "
                "of unseen cases can renew it.")
    if r.status == "not yet calibrated":
        return f"{name}: not yet calibrated. The reasons below say what to work on."
    return f"{name}: not enough cases scored yet for a status."


__all__ = ["COUNTS_WITHHELD", "INSTRUMENTS", "INSTRUMENT_NAMES", "URGENCY", "WITHHELD",
           "CaseResult", "CertStatus", "CertificationPolicy", "CertificationRecord",
           "DriftPoint", "Instrument", "Source", "WindowPoint", "arms_result", "certification",
           "drift", "due_order", "first_attempts", "frame_results", "judge", "numbers",
           "pack_note", "quarter", "retest_pack", "rm2000_result", "status_counts",
           "status_sentence", "window"]
