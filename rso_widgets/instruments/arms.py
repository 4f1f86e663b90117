"""ARMS: factor catalogue (data), ratings with evidence, formulation, assessor-set priority,
completeness, and versions with the differences between them.

Structured professional judgement: nothing here turns ratings into a number that decides anything.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..settings import get_settings
from .datafile import load_model
from .ruleset import RULESET_DIR

DEFAULT_ARMS = RULESET_DIR / "arms_training.yaml"
INSUFFICIENT = "insufficient_information"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Strict):
    id: str
    label: str
    level: int


class Choice(_Strict):
    id: str
    label: str


class Factor(_Strict):
    id: str
    kind: Literal["risk", "protective"]
    name: str
    look_for: str


class ArmsProvenance(_Strict):
    instrument: str
    source: str
    written_by: str
    written_on: str
    status: str


class ArmsCatalogue(_Strict):
    """The factor definitions and rating scales; the shipped training edition or a force's own."""

    id: str
    version: str
    title: str
    provenance: ArmsProvenance
    scales: dict[Literal["risk", "protective"], list[Level]]
    insufficient: Choice
    evidence_sources: list[str] = Field(min_length=1)
    priorities: list[str] = Field(min_length=1)
    formulation_parts: list[Choice] = Field(min_length=1)
    factors: list[Factor] = Field(min_length=1)
    interpretation: str

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @model_validator(mode="after")
    def _consistent(self) -> ArmsCatalogue:
        ids = [f.id for f in self.factors]
        if len(ids) != len(set(ids)):
            raise ValueError("factors: factor ids must be unique")
        if set(self.scales) != {"risk", "protective"}:
            raise ValueError("scales: needs a 'risk' and a 'protective' scale")
        return self

    def factor(self, factor_id: str) -> Factor:
        for f in self.factors:
            if f.id == factor_id:
                return f
        raise KeyError(factor_id)

    def rating_ids(self, kind: str) -> list[str]:
        return [lv.id for lv in self.scales[kind]] + [self.insufficient.id]  # type: ignore[index]

    def label(self, kind: str, rating: str) -> str:
        if rating == self.insufficient.id:
            return self.insufficient.label
        for lv in self.scales[kind]:  # type: ignore[index]
            if lv.id == rating:
                return lv.label
        raise KeyError(f"{rating!r} is not a {kind} rating; use one of "
                       f"{', '.join(self.rating_ids(kind))}")

    def level(self, kind: str, rating: str) -> int | None:
        """Position on the scale (0, 1, 2); None for insufficient information."""
        return next((lv.level for lv in self.scales[kind] if lv.id == rating), None)  # type: ignore[index]


def load_arms_catalogue(path: str | Path | None = None) -> ArmsCatalogue:
    """Load and validate a catalogue once (cached); default `RSO_ARMS_CATALOGUE` or the shipped
    training edition."""
    if path is None:
        path = get_settings().arms_catalogue
    return _load(Path(path) if path else DEFAULT_ARMS)


@lru_cache(maxsize=8)
def _load(p: Path) -> ArmsCatalogue:
    return load_model(p, ArmsCatalogue, "ARMS catalogue")


# ---- an assessment ----------------------------------------------------------------------------

class Evidence(BaseModel):
    """What was seen or said, where it came from, and when."""

    model_config = ConfigDict(extra="forbid")

    what: str = Field(min_length=1)
    source: str
    date: dt.date


def note_label(factor_id: str, n: int) -> str:
    """What every page calls a factor's evidence note `n` (counted from 1, in the order the page
    shows the notes): "R4 evidence note 2" (labels, error messages and their links)."""
    return f"{factor_id} evidence note {n}"


def note_source_problem(factor_id: str, n: int) -> str:
    """What every page says of a factor's evidence note `n` (counted from 1, in the order the
    page shows the notes) written without where it came from: it cannot count as evidence
    (`Evidence.source`), so it stops a submission or a save until a source is chosen."""
    return f"Select where {note_label(factor_id, n)} came from"


def notes_refusal(problems: list[str]) -> str | None:
    """The line a page shows when evidence notes are written but not finished (each problem
    as the form names it, e.g. `note_source_problem`): submitted or compared, they would be left
    out, so it is refused until each is finished or removed."""
    if not problems:
        return None
    n = len(problems)
    return (f"Finish or remove {'each' if n != 1 else 'the'} evidence note you wrote before you "
            f"submit, or it would be left out: {'; '.join(problems)}.")


class FollowUp(BaseModel):
    """For an *insufficient information* rating: what to find out, from whom, by when."""

    model_config = ConfigDict(extra="forbid")

    what: str = ""
    source: str = ""
    due: dt.date | None = None

    def missing(self) -> list[str]:
        """The parts not filled in yet, in the form's order."""
        out = [] if self.what.strip() else ["what to find out"]
        if not self.source.strip():
            out.append("from whom")
        if self.due is None:
            out.append("by when")
        return out


class FactorRating(BaseModel):
    """One factor's rating, its evidence, a note, and (for insufficient information) the
    follow-up. `follow_up` is optional on load so assessments stored before it still read."""

    model_config = ConfigDict(extra="forbid")

    rating: str | None = None
    evidence: list[Evidence] = []
    note: str = ""
    follow_up: FollowUp | None = None


class Formulation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    past_offending: str = ""
    warning_signs: str = ""
    strengths: str = ""
    scenarios: str = ""


class Priority(BaseModel):
    """Priority for work: chosen by the assessor, with a rationale. Never computed."""

    model_config = ConfigDict(extra="forbid")

    level: str | None = None
    rationale: str = ""


class StaticContext(BaseModel):
    """The RM2000 result shown beside the dynamic picture, as recorded (not recomputed here)."""

    s: str | None = None
    v: str | None = None
    c: str | None = None
    ruleset: str | None = None
    applicable: bool = True
    reason: str | None = None

    @classmethod
    def from_result(cls, result: Any) -> StaticContext | None:
        """An RM2000 result (`instruments.rm2000.RM2000Result`) as recorded, or None."""
        if result is None:
            return None
        if not result.applicable:
            return cls(ruleset=result.ruleset, applicable=False, reason=result.reason)
        return cls(s=result.s.category, v=result.v.category, c=result.c.category,
                   ruleset=result.ruleset, applicable=True)


class ARMSAssessment(BaseModel):
    """One version of an ARMS assessment."""

    model_config = ConfigDict(extra="forbid")

    catalogue: str = ""
    version: int = Field(default=1, ge=1)
    assessed_on: dt.date | None = None
    ratings: dict[str, FactorRating] = {}
    formulation: Formulation = Formulation()
    priority: Priority = Priority()
    rm2000: StaticContext | None = None
    change_reason: str = ""


class Gap(BaseModel):
    """One thing that makes an assessment incomplete, precisely located."""

    field: str
    message: str


def check(assessment: ARMSAssessment, cat: ArmsCatalogue | None = None) -> list[Gap]:
    """Every gap: unknown factors or ratings, unrated factors, ratings without evidence,
    insufficient information without its follow-up (what to find out, from whom, by when — the
    date on or after the assessment date), bad evidence sources, missing formulation parts,
    priority without a level or a rationale."""
    cat = cat or load_arms_catalogue()
    gaps: list[Gap] = []
    known = {f.id for f in cat.factors}
    for fid in sorted(set(assessment.ratings) - known):
        gaps.append(Gap(field=f"ratings.{fid}", message=f"unknown factor; the catalogue "
                        f"{cat.ref} has {', '.join(sorted(known))}"))
    for f in cat.factors:
        where = f"ratings.{f.id}"
        fr = assessment.ratings.get(f.id)
        if fr is None or fr.rating is None:
            gaps.append(Gap(field=where, message=f"{f.name}: not rated yet"))
            continue
        valid = cat.rating_ids(f.kind)
        if fr.rating not in valid:
            gaps.append(Gap(field=where, message=f"{f.name}: {fr.rating!r} is not a rating; use "
                            f"one of {', '.join(valid)}"))
            continue
        if fr.rating != cat.insufficient.id and not fr.evidence:
            gaps.append(Gap(field=f"{where}.evidence", message=f"{f.name}: rated "
                            f"{cat.label(f.kind, fr.rating)} with no evidence; add what was seen "
                            "or said, its source and date"))
        if fr.rating == cat.insufficient.id:
            gaps += _follow_up_gaps(f, fr.follow_up, assessment.assessed_on)
        for i, ev in enumerate(fr.evidence):
            if ev.source not in cat.evidence_sources:
                gaps.append(Gap(field=f"{where}.evidence.{i}.source", message=f"{ev.source!r} is "
                                f"not a source; use one of {', '.join(cat.evidence_sources)}"))
            if assessment.assessed_on and ev.date > assessment.assessed_on:
                gaps.append(Gap(field=f"{where}.evidence.{i}.date", message=f"{ev.date} is after "
                                f"the assessment date {assessment.assessed_on}"))
    for part in cat.formulation_parts:
        if not getattr(assessment.formulation, part.id, "").strip():
            gaps.append(Gap(field=f"formulation.{part.id}", message=f"{part.label}: not written"))
    if assessment.priority.level is None:
        gaps.append(Gap(field="priority.level", message="choose a priority for work "
                        f"({' / '.join(cat.priorities)}) — the assessor decides it"))
    elif assessment.priority.level not in cat.priorities:
        gaps.append(Gap(field="priority.level", message=f"{assessment.priority.level!r} is not a "
                        f"priority; use one of {', '.join(cat.priorities)}"))
    if not assessment.priority.rationale.strip():
        gaps.append(Gap(field="priority.rationale", message="write why this priority was chosen"))
    return gaps


def _follow_up_gaps(f: Factor, fu: FollowUp | None, assessed_on: dt.date | None) -> list[Gap]:
    """An insufficient rating must say what to find out, from whom and by when."""
    where = f"ratings.{f.id}.follow_up"
    fu = fu or FollowUp()
    fixes = {"what to find out": ("what", "say what to find out"),
             "from whom": ("source", "say from whom (the person, a partner agency, records…)"),
             "by when": ("due", "give the date by which to find it out")}
    gaps = [Gap(field=f"{where}.{fixes[m][0]}", message=f"{f.name}: rated Insufficient "
                f"information with no follow-up {m}; {fixes[m][1]}") for m in fu.missing()]
    if fu.due is not None and assessed_on is not None and fu.due < assessed_on:
        gaps.append(Gap(field=f"{where}.due", message=f"{f.name}: the follow-up date {fu.due} is "
                        f"before the assessment date {assessed_on}; choose a date on or after "
                        "it"))
    return gaps


def profile(assessment: ARMSAssessment, cat: ArmsCatalogue | None = None) -> list[dict]:
    """Rows for the profile chart: factor, kind, label and scale level (None = insufficient)."""
    cat = cat or load_arms_catalogue()
    rows = []
    for f in cat.factors:
        r = assessment.ratings.get(f.id)
        rating = r.rating if r else None
        ok = rating in cat.rating_ids(f.kind)
        rows.append({"factor": f.id, "name": f.name, "kind": f.kind, "rating": rating,
                     "label": cat.label(f.kind, rating) if ok and rating else "Not rated",
                     "level": cat.level(f.kind, rating) if ok and rating else None})
    return rows


# ---- reassessment --------------------------------------------------------------------------

class RatingChange(BaseModel):
    factor: str
    name: str
    before: str | None
    after: str | None
    reason: str


def reassess(previous: ARMSAssessment, assessed_on: dt.date | None = None) -> ARMSAssessment:
    """A new version that starts from the previous one (deep copy, version + 1)."""
    new = previous.model_copy(deep=True)
    return new.model_copy(update={"version": previous.version + 1, "assessed_on": assessed_on,
                                  "change_reason": ""})


def diff(before: ARMSAssessment, after: ARMSAssessment,
         cat: ArmsCatalogue | None = None) -> list[RatingChange]:
    """Which factor ratings changed between two versions, from what to what, with the reason."""
    cat = cat or load_arms_catalogue()
    changes = []
    for f in cat.factors:
        a = before.ratings.get(f.id, FactorRating()).rating
        b = after.ratings.get(f.id, FactorRating()).rating
        if a != b:
            note = after.ratings.get(f.id, FactorRating()).note
            changes.append(RatingChange(
                factor=f.id, name=f.name,
                before=cat.label(f.kind, a) if a in cat.rating_ids(f.kind) else a,
                after=cat.label(f.kind, b) if b in cat.rating_ids(f.kind) else b,
                reason=note or after.change_reason or "no reason recorded"))
    return changes
