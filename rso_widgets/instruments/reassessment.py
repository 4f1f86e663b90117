"""Reassessment rules: what changed between two versions of a live assessment, each factor's
rating across versions, and review dates (when one is due, and which are overdue).

Pure: no widgets, no store, no I/O. A *snapshot* is anything with `rm2000` (an RM2000 result or
None), `arms` (an ARMSAssessment or None) and `plan` (a RiskManagementPlan or None) attributes,
such as `reports.payload.read_payload(...)`'s `Parts`. Every function returns plain text lines
or rows; views escape them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from .arms import ARMSAssessment, ArmsCatalogue, RatingChange, diff, load_arms_catalogue
from .plan import PILLARS, RiskManagementPlan
from .rm2000 import RM2000Result

PILLAR_WORDS = {"supervision": "Supervision", "monitoring_control": "Monitoring and control",
                "interventions_treatment": "Interventions and treatment",
                "victim_safety": "Victim safety"}
LEGAL_WORDS = {"notification": "Notification requirements", "licence_condition":
               "Licence condition", "order": "Civil order", "other": "Other requirement"}
FORMULATION_WORDS = {"past_offending": "how the factors combined in past offending",
                     "warning_signs": "warning signs and triggers",
                     "strengths": "strengths to build on", "scenarios": "likely scenarios"}
NOT_RATED = "Not rated"


class Snapshot(Protocol):
    rm2000: RM2000Result | None
    arms: ARMSAssessment | None
    plan: RiskManagementPlan | None


@dataclasses.dataclass(frozen=True)
class VersionChanges:
    """What changed from one version to another, as plain text (ratings keep their reasons)."""

    ratings: list[RatingChange]
    arms: list[str]
    rm2000: list[str]
    plan: list[str]

    @property
    def empty(self) -> bool:
        return not (self.ratings or self.arms or self.rm2000 or self.plan)


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _listed(items: Iterable[str]) -> str:
    return "; ".join(f"“{_short(x)}”" for x in items)


def _date(d: dt.date | None) -> str:
    return d.strftime("%d %B %Y").lstrip("0") if d else "none"


# ---- RM2000 -----------------------------------------------------------------------------------

def rm2000_line(r: RM2000Result | None) -> str:
    """One line: the recorded categories, or why RM2000 does not apply."""
    if r is None:
        return "no RM2000 result"
    if not r.applicable:
        return f"RM2000 does not apply ({r.reason or 'no reason recorded'})"
    return ", ".join(f"/{k.upper()} {getattr(r, k).category}" for k in ("s", "v", "c")
                     if getattr(r, k) is not None)


def rm2000_changes(before: RM2000Result | None, after: RM2000Result | None) -> list[str]:
    """RM2000 category changes (/S, /V, /C), applicability and ruleset changes."""
    if before is None and after is None:
        return []
    if before is None:
        return [f"RM2000 recorded: {rm2000_line(after)}."]
    if after is None:
        return [f"RM2000 result no longer recorded (was {rm2000_line(before)})."]
    out = []
    if before.applicable != after.applicable:
        out.append(f"RM2000 was {rm2000_line(before)}; now {rm2000_line(after)}.")
    elif after.applicable:
        for k in ("s", "v", "c"):
            a, b = getattr(before, k), getattr(after, k)
            ca, cb = (a.category if a else None), (b.category if b else None)
            if ca != cb:
                out.append(f"RM2000/{k.upper()}: {ca or 'none'} → {cb or 'none'}.")
    if before.ruleset != after.ruleset:
        out.append(f"RM2000 ruleset: {before.ruleset} → {after.ruleset}.")
    return out


# ---- ARMS (beyond the ratings, which `arms.diff` covers) --------------------------------------

def arms_changes(before: ARMSAssessment | None, after: ARMSAssessment | None) -> list[str]:
    """Priority, its rationale, the formulation and the assessment date."""
    if before is None and after is None:
        return []
    if before is None:
        return ["ARMS assessment recorded."]
    if after is None:
        return ["ARMS assessment no longer recorded."]
    out = []
    if before.priority.level != after.priority.level:
        out.append(f"Priority for work: {before.priority.level or 'not chosen'} → "
                   f"{after.priority.level or 'not chosen'}.")
    if before.priority.rationale.strip() != after.priority.rationale.strip():
        out.append("The rationale for the priority was rewritten.")
    rewritten = [FORMULATION_WORDS.get(k, k) for k in FORMULATION_WORDS
                 if getattr(before.formulation, k, "").strip()
                 != getattr(after.formulation, k, "").strip()]
    if rewritten:
        out.append(f"Formulation rewritten: {', '.join(rewritten)}.")
    if before.assessed_on != after.assessed_on:
        out.append(f"Assessment date: {_date(before.assessed_on)} → {_date(after.assessed_on)}.")
    return out


# ---- the plan ---------------------------------------------------------------------------------

def _added_removed(what: str, before: Sequence[str], after: Sequence[str]) -> list[str]:
    added = [x for x in after if x not in before]
    removed = [x for x in before if x not in after]
    out = []
    if added:
        out.append(f"{what} added: {_listed(added)}.")
    if removed:
        out.append(f"{what} removed: {_listed(removed)}.")
    return out


def plan_changes(before: RiskManagementPlan | None,
                 after: RiskManagementPlan | None) -> list[str]:
    """The plan's changes, summarised: actions per pillar, contingencies, legal requirements,
    visits, review date and early-review triggers, potential victims and the rationale."""
    if before is None and after is None:
        return []
    if before is None:
        return [f"Risk management plan recorded ({len(after.actions)} actions)."]  # type: ignore[union-attr]
    if after is None:
        return ["Risk management plan no longer recorded."]
    out = []
    for p in PILLARS:
        a = [x.description for x in before.actions if x.pillar == p]
        b = [x.description for x in after.actions if x.pillar == p]
        out += _added_removed(f"{PILLAR_WORDS[p]} actions", a, b)
        kept = {x.description: x for x in before.actions if x.pillar == p}
        for x in after.actions:
            old = kept.get(x.description)
            if x.pillar == p and old is not None and old != x:
                fields = [n for n in ("factors", "owner", "frequency", "due", "outcome")
                          if getattr(old, n) != getattr(x, n)]
                out.append(f"{PILLAR_WORDS[p]} action “{_short(x.description)}”: "
                           f"{', '.join(fields)} changed.")
    out += _added_removed("Contingencies", [c.trigger for c in before.contingencies],
                          [c.trigger for c in after.contingencies])
    out += _added_removed("Legal requirements",
                          [f"{LEGAL_WORDS.get(x.kind, x.kind)}: {x.terms}" for x in before.legal],
                          [f"{LEGAL_WORDS.get(x.kind, x.kind)}: {x.terms}" for x in after.legal])
    if before.visits != after.visits:
        a, b = before.visits, after.visits
        out.append(f"Visits: {a.frequency or 'not set'} ({a.kind or 'type not set'}) → "
                   f"{b.frequency or 'not set'} ({b.kind or 'type not set'}).")
    if before.review.date != after.review.date:
        out.append(f"Review date: {_date(before.review.date)} → {_date(after.review.date)}.")
    out += _added_removed("Early-review triggers", before.review.early_triggers,
                          after.review.early_triggers)
    out += _added_removed("Potential victims", before.potential_victims,
                          after.potential_victims)
    if before.rationale.strip() != after.rationale.strip():
        out.append("The proportionality rationale was rewritten.")
    return out


def _with_reason(change: RatingChange, before: ARMSAssessment,
                 after: ARMSAssessment) -> RatingChange:
    """The reason for a rating change: the factor's "why this rating" note if it was rewritten
    for this version, else what the version says changed and why. (A reassessment copies every
    note forward, so an unchanged note explains the old rating, not the change.)"""
    old = before.ratings.get(change.factor)
    new = after.ratings.get(change.factor)
    note = new.note.strip() if new is not None else ""
    if note and note != (old.note.strip() if old is not None else ""):
        reason = note
    else:
        reason = after.change_reason.strip() or "no reason recorded"
    return change.model_copy(update={"reason": reason})


def compare(before: Snapshot, after: Snapshot,
            cat: ArmsCatalogue | None = None) -> VersionChanges:
    """Everything that changed from `before` to `after` (two versions' snapshots); each rating
    change carries its reason (`_with_reason`)."""
    cat = cat or load_arms_catalogue()
    ratings: list[RatingChange] = []
    if before.arms is not None and after.arms is not None:
        ratings = [_with_reason(c, before.arms, after.arms)
                   for c in diff(before.arms, after.arms, cat)]
    return VersionChanges(ratings=ratings, arms=arms_changes(before.arms, after.arms),
                          rm2000=rm2000_changes(before.rm2000, after.rm2000),
                          plan=plan_changes(before.plan, after.plan))


# ---- ratings over time ------------------------------------------------------------------------

def ratings_over_time(assessments: Sequence[tuple[str, ARMSAssessment | None]],
                      cat: ArmsCatalogue | None = None) -> list[dict[str, Any]]:
    """One row per factor: its rating in each version, in order. `assessments` are (version
    label, assessment or None) pairs; each cell is {"version", "rating", "label", "level"}
    (level None for insufficient information, not rated, or no assessment)."""
    cat = cat or load_arms_catalogue()
    rows = []
    for f in cat.factors:
        cells = []
        for label, a in assessments:
            fr = a.ratings.get(f.id) if a is not None else None
            rating = fr.rating if fr is not None else None
            ok = rating is not None and rating in cat.rating_ids(f.kind)
            cells.append({"version": label, "rating": rating,
                          "label": cat.label(f.kind, rating) if ok else
                          (NOT_RATED if rating is None else str(rating)),
                          "level": cat.level(f.kind, rating) if ok else None})
        rows.append({"factor": f.id, "name": f.name, "kind": f.kind, "cells": cells})
    return rows


# ---- review dates -----------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ReviewState:
    """When a review is due, in words (never colour alone): OVERDUE, due today, due, or none."""

    due: dt.date | None
    days: int | None  # days until due (negative: overdue)

    @property
    def overdue(self) -> bool:
        return self.days is not None and self.days < 0

    @property
    def word(self) -> str:
        if self.days is None:
            return "No review date"
        if self.days < 0:
            return "OVERDUE"
        return "Due today" if self.days == 0 else "Due"

    @property
    def text(self) -> str:
        if self.due is None or self.days is None:
            return "No review date set"
        when = _date(self.due)
        if self.days < 0:
            n = -self.days
            return f"OVERDUE: the review was due on {when} ({n} day{'s' if n != 1 else ''} ago)"
        if self.days == 0:
            return f"Due today ({when})"
        return f"Due on {when} (in {self.days} day{'s' if self.days != 1 else ''})"


def review_state(due: dt.date | None, today: dt.date) -> ReviewState:
    return ReviewState(due=due, days=None if due is None else (due - today).days)


def review_order_key(due: dt.date | None, today: dt.date, name: str = "") -> tuple:
    """Sort key: overdue first (most overdue first), then by due date, then no date; ties by
    name."""
    state = review_state(due, today)
    group = 0 if state.overdue else (1 if due is not None else 2)
    return (group, due or dt.date.max, name.casefold())
