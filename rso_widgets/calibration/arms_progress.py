"""ARMS practice attempts kept over time, as RM2000 practice attempts are (issue 16).

An `ArmsPracticeRecord` is what is stored for one submitted ARMS practice attempt: the
assessment and plan as the trainee gave them, and the outcome of the comparison with the key
factor by factor. `summarise_arms` turns a person's records into their progress. Pure: no widgets,
no storage (the database store is `store/arms_practice.py`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..cases.schema import TrainingCase
from .arms_feedback import ArmsFeedback


class ArmsFactorRecord(BaseModel):
    factor: str
    name: str
    trainee: str | None  # rating id; None when unrated
    key: str
    distance: int | None
    agreement: Literal["exact", "adjacent", "opposite", "not comparable"]
    acceptable: bool = False  # one of the key's defensible alternatives


class ArmsPracticeRecord(BaseModel):
    """One stored ARMS practice attempt and the outcome of its comparison with the key."""

    model_config = ConfigDict(extra="forbid")

    record_version: Literal[1] = 1
    user: str = Field(min_length=1)
    case_id: str = Field(min_length=1)
    at: dt.datetime
    catalogue: str
    attempt: dict[str, Any]  # the ARMS assessment as JSON
    plan: dict[str, Any] | None = None  # the risk management plan as JSON
    factors: list[ArmsFactorRecord]
    priority_same: bool | None = None
    plan_score: tuple[int, int] | None = None  # (total, maximum) on the quality rubric

    @property
    def rated(self) -> list[ArmsFactorRecord]:
        return [f for f in self.factors if f.trainee is not None]

    @property
    def exact(self) -> int:
        """Ratings equal to the key's (insufficient information for insufficient too)."""
        return sum(f.trainee == f.key for f in self.rated)

    @property
    def exact_or_acceptable(self) -> int:
        return sum(f.trainee == f.key or f.acceptable for f in self.rated)


def record_arms_attempt(user: str, case: TrainingCase, attempt: Any, plan: Any,
                        feedback: ArmsFeedback, at: dt.datetime | None = None
                        ) -> ArmsPracticeRecord:
    """Build the record to store for an ARMS attempt compared with its case key."""
    if not user.strip():
        raise ValueError("user: is empty — fix: give the trainee's user name")
    score = None
    if feedback.plan is not None:
        score = (feedback.plan.trainee.total, feedback.plan.trainee.maximum)
    return ArmsPracticeRecord(
        user=user, case_id=case.id, at=at or dt.datetime.now(dt.UTC),
        catalogue=feedback.catalogue, attempt=attempt.model_dump(mode="json"),
        plan=None if plan is None else plan.model_dump(mode="json"),
        factors=[ArmsFactorRecord(factor=f.factor, name=f.name, trainee=f.trainee, key=f.key,
                                  distance=f.distance, agreement=f.agreement,
                                  acceptable=f.acceptable) for f in feedback.factors],
        priority_same=feedback.priority.same, plan_score=score)


class ArmsCaseProgress(BaseModel):
    case_id: str
    attempts: int
    last_exact: int
    last_rated: int
    first_at: dt.datetime
    last_at: dt.datetime


class ArmsPoint(BaseModel):
    at: dt.datetime
    case_id: str
    attempt_no: int
    rated: int
    exact: int
    exact_or_acceptable: int
    priority_same: bool | None
    plan_score: tuple[int, int] | None


class ArmsMissed(BaseModel):
    factor: str
    name: str
    times: int  # attempts in which the rating differed from the key and was not accepted


class ArmsPracticeSummary(BaseModel):
    user: str
    attempts: int
    cases: list[ArmsCaseProgress]
    over_time: list[ArmsPoint]
    most_differed: list[ArmsMissed]
    problems: list[str] = []

    @property
    def agreement_rate(self) -> float | None:
        rated = sum(p.rated for p in self.over_time)
        return sum(p.exact_or_acceptable for p in self.over_time) / rated if rated else None


def summarise_arms(user: str, records: Iterable[ArmsPracticeRecord],
                   problems: Iterable[str] = (), top: int = 5) -> ArmsPracticeSummary:
    """Attempts per case, agreement with the key over time, and the factors most often rated
    differently from the key (a defensible alternative is not a difference)."""
    ordered = sorted(records, key=lambda r: r.at)
    per_case: dict[str, list[ArmsPracticeRecord]] = defaultdict(list)
    points = []
    differed: Counter[str] = Counter()
    names: dict[str, str] = {}
    for r in ordered:
        per_case[r.case_id].append(r)
        points.append(ArmsPoint(at=r.at, case_id=r.case_id, attempt_no=len(per_case[r.case_id]),
                                rated=len(r.rated), exact=r.exact,
                                exact_or_acceptable=r.exact_or_acceptable,
                                priority_same=r.priority_same, plan_score=r.plan_score))
        for f in r.rated:
            names[f.factor] = f.name
            if f.trainee != f.key and not f.acceptable:
                differed[f.factor] += 1
    ranked = sorted(differed.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return ArmsPracticeSummary(
        user=user, attempts=len(ordered),
        cases=[ArmsCaseProgress(case_id=cid, attempts=len(rs), last_exact=rs[-1].exact,
                                last_rated=len(rs[-1].rated), first_at=rs[0].at,
                                last_at=rs[-1].at)
               for cid, rs in sorted(per_case.items())],
        over_time=points,
        most_differed=[ArmsMissed(factor=f, name=names[f], times=n) for f, n in ranked],
        problems=list(problems))
