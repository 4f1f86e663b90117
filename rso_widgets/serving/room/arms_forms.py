"""The room page's ARMS form ↔ the stored ARMS assessment (the widget page's shape): each factor's
rating, one evidence note with its source, a note, and for *insufficient information* the
follow-up (what to find out, from whom, by when); the formulation and the priority for work.

A submission needs every factor rated (`calibration.workshop.arms_problems`, the widget page's
rule); the rest is kept and compared as typed. Evidence rows typed on the widget page beyond the
first, and its unfinished rows (`arms_pending`), are kept unchanged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ...calibration.workshop import arms_problems, arms_start
from ...calibration.workshop.answers import Restored
from ...cases.arms_key import key_catalogue
from ...freetext import text_problem
from ...instruments.arms import (
    ARMSAssessment,
    ArmsCatalogue,
    Evidence,
    FactorRating,
    FollowUp,
    Formulation,
    Priority,
)
from .forms import Problem

if TYPE_CHECKING:
    from ...cases.schema import TrainingCase

TEXT_MAX = 4000
FOLLOW_UP = {"what": "What to find out", "source": "From whom", "due": "By when"}


@dataclass
class ArmsAnswers:
    """The ARMS part of a case: the assessment as stored, the catalogue, and the draft's
    unfinished evidence rows."""

    cat: ArmsCatalogue
    base: ARMSAssessment
    pending: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    restored_ok: bool = True

    @property
    def value(self) -> dict[str, Any]:
        return self.base.model_dump(mode="json")

    def assessment(self) -> ARMSAssessment:
        return self.base

    def rating(self, fid: str) -> str:
        fr = self.base.ratings.get(fid)
        return (fr.rating or "") if fr else ""

    def evidence(self, fid: str) -> tuple[str, str]:
        fr = self.base.ratings.get(fid)
        if fr and fr.evidence:
            return fr.evidence[0].what, fr.evidence[0].source
        return "", ""

    def more_evidence(self, fid: str) -> int:
        fr = self.base.ratings.get(fid)
        return max(0, len(fr.evidence) - 1) if fr else 0

    def note(self, fid: str) -> str:
        fr = self.base.ratings.get(fid)
        return fr.note if fr else ""

    def follow_up(self, fid: str) -> dict[str, str]:
        fr = self.base.ratings.get(fid)
        fu = fr.follow_up if fr and fr.follow_up else FollowUp()
        return {"what": fu.what, "source": fu.source,
                "due": fu.due.isoformat() if fu.due else ""}

    def choices(self, kind: str) -> list[tuple[str, str]]:
        return [(r, self.cat.label(kind, r)) for r in self.cat.rating_ids(kind)]

    def missing(self) -> list[Problem]:
        """Each factor not rated, as an error beside its ratings."""
        out = []
        for text in arms_problems(self.base, self.cat):
            fid = text.split(" ", 1)[0]
            out.append(Problem(f"f-arms_{fid}_rating", f"Rate {text.replace(': not rated yet', '')}"
                               if text.endswith("not rated yet") else text))
        return out

    def rows(self) -> list[tuple[str, str, str]]:
        """Check your answers: (question, answer, input id)."""
        out = []
        for f in self.cat.factors:
            r = self.rating(f.id)
            shown = self.cat.label(f.kind, r) if r in self.cat.rating_ids(f.kind) else \
                "Not rated"
            what, _source = self.evidence(f.id)
            if what:
                shown += f". Evidence: {what}"
            out.append((f"{f.id} {f.name}", shown, f"f-arms_{f.id}_rating"))
        p = self.base.priority
        out.append(("Priority for work", p.level or "Not chosen", "f-arms_priority"))
        return out


def from_stored(case: TrainingCase, instruments: tuple[str, ...], parts: Restored,
                rs: Any) -> ArmsAnswers:
    """The stored ARMS part, or a blank attempt (`arms_start`: never the RM2000 key when RM2000
    is scored too)."""
    cat = key_catalogue(case)
    blank = arms_start(case, instruments, rs, cat)
    if parts.arms is None:
        return ArmsAnswers(cat, blank)
    try:
        value = ARMSAssessment.model_validate(parts.arms)
    except ValidationError:
        return ArmsAnswers(cat, blank, restored_ok=False)
    if "rm2000" in instruments:
        value = value.model_copy(update={"rm2000": None})  # never the key's RM2000 result
    return ArmsAnswers(cat, value, parts.arms_pending)


def _text(form: dict[str, str], name: str, label: str, found: list[Problem]) -> str:
    value = form.get(name, "").strip()
    bad = text_problem(value, TEXT_MAX) if value else None
    if bad:
        found.append(Problem(f"f-{name}", f"{label} {bad[0]}: {bad[1]}"))
        return ""
    return value


def _date(form: dict[str, str], name: str, label: str,
          found: list[Problem]) -> dt.date | None:
    value = form.get(name, "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        found.append(Problem(f"f-{name}", f"{label} must be a real date, for example "
                                          "2026-11-30"))
        return None


def parse(prev: ArmsAnswers, form: dict[str, str]) -> ArmsAnswers:
    """A posted form's ARMS part, over what was stored (extra evidence rows kept)."""
    cat, found = prev.cat, []
    on = prev.base.assessed_on
    ratings: dict[str, FactorRating] = {}
    for f in cat.factors:
        old = prev.base.ratings.get(f.id) or FactorRating()
        rating = form.get(f"arms_{f.id}_rating") or None
        if rating is not None and rating not in cat.rating_ids(f.kind):
            rating = None
        what = _text(form, f"arms_{f.id}_evidence", f"{f.id} evidence", found)
        source = form.get(f"arms_{f.id}_source", "")
        source = source if source in cat.evidence_sources else cat.evidence_sources[0]
        evidence = list(old.evidence[1:])
        if what:
            date = old.evidence[0].date if old.evidence else (on or dt.date.today())
            evidence.insert(0, Evidence(what=what, source=source, date=date))
        fu = FollowUp(what=_text(form, f"arms_{f.id}_fu_what", f"{f.id} what to find out",
                                 found),
                      source=_text(form, f"arms_{f.id}_fu_source", f"{f.id} from whom", found),
                      due=_date(form, f"arms_{f.id}_fu_due", f"{f.id} by when", found))
        ratings[f.id] = FactorRating(
            rating=rating, evidence=evidence,
            note=_text(form, f"arms_{f.id}_note", f"{f.id} note", found),
            follow_up=None if fu == FollowUp() else fu)
    formulation = Formulation(**{p.id: _text(form, f"arms_form_{p.id}", p.label, found)
                                 for p in cat.formulation_parts})
    level = form.get("arms_priority") or None
    priority = Priority(level=level if level in cat.priorities else None,
                        rationale=_text(form, "arms_rationale", "Why this priority", found))
    base = prev.base.model_copy(update={"ratings": ratings, "formulation": formulation,
                                        "priority": priority})
    return ArmsAnswers(cat, base, prev.pending, found)
