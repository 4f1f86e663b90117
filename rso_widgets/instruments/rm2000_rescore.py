"""A stored RM2000 result beside the ruleset that produced it: its status caveat, whether that
ruleset is superseded, and what rescoring the same facts with another ruleset would change.

A stored result always keeps its own label (`ruleset` id@version); nothing here rewrites it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .rm2000 import RM2000Facts, RM2000Result, RM2000ValidationError, score
from .ruleset import RM2000Ruleset, RulesetError, load_rm2000_ruleset, load_rm2000_ruleset_ref

SCALES = (("s", "/S"), ("v", "/V"), ("c", "/C"))
UNKNOWN_STATUS = ("the ruleset that produced this result is not available here; treat it as a "
                  "training ruleset and confirm against the licensed Scoring Guide")


def ruleset_status(ref: str) -> str:
    """The status caveat of the ruleset `ref` (from its provenance), or a cautious default."""
    try:
        return load_rm2000_ruleset_ref(ref).provenance.status
    except RulesetError:
        return UNKNOWN_STATUS


def superseded_note(ref: str, current: RM2000Ruleset | None = None) -> str:
    """'' when `ref` is the current ruleset; otherwise a sentence saying it is not, and why."""
    rs = current or load_rm2000_ruleset()
    if ref == rs.ref:
        return ""
    try:
        old = load_rm2000_ruleset_ref(ref)
    except RulesetError:
        return (f"Scored with ruleset {ref}, which is not available here; the current one is "
                f"{rs.ref}.")
    why = old.superseded.reason if old.superseded else "The recorded result keeps its label."
    return f"Scored with ruleset {ref}, not the current {rs.ref}. {why}"


@dataclass
class ScaleChange:
    scale: str  # "/S", "/V", "/C" or "RM2000" (applicability)
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def text(self) -> str:
        return (f"{self.scale}: {self.before} → {self.after}" if self.changed
                else f"{self.scale}: {self.before} (no change)")


@dataclass
class Rescore:
    """The same facts scored under two rulesets."""

    before: RM2000Result
    after: RM2000Result | None
    problem: str = ""
    scales: list[ScaleChange] = field(default_factory=list)

    @property
    def changed(self) -> list[ScaleChange]:
        return [c for c in self.scales if c.changed]

    def summary(self) -> str:
        if self.problem:
            return self.problem
        moved = "; ".join(c.text() for c in self.changed)
        return moved or "no category changes"


def _categories(r: RM2000Result) -> dict[str, str]:
    if not r.applicable or not (r.s and r.v and r.c):
        return {"RM2000": "not applicable"}
    return {"/S": r.s.category, "/V": r.v.category, "/C": r.c.category}


def compare(before: RM2000Result, after: RM2000Result) -> list[ScaleChange]:
    """Per scale, the category before and after (applicability when either does not apply)."""
    b, a = _categories(before), _categories(after)
    if set(b) != set(a):
        return [ScaleChange("RM2000", "applies" if before.applicable else "not applicable",
                            "applies" if after.applicable else "not applicable")]
    return [ScaleChange(k, b[k], a[k]) for k in b]


def facts_of(result: RM2000Result) -> dict[str, Any] | None:
    """The facts a scored result used, as engine input (ages, not dates: they do not drift)."""
    if result.facts is None:
        return None
    return {**result.facts.model_dump(), "sex": "male", "sexual_offence_aged_17_plus": True}


def rescore(before: RM2000Result, facts: RM2000Facts | dict[str, Any] | None = None,
            ruleset: RM2000Ruleset | None = None, today: dt.date | None = None) -> Rescore:
    """Score `facts` (default: the facts `before` used) with `ruleset` (default: the current
    one) and compare. Problems are reported in `.problem`, never raised."""
    rs = ruleset or load_rm2000_ruleset()
    data = facts if facts is not None else facts_of(before)
    if data is None:
        return Rescore(before, None, problem="RM2000 did not apply, so there is nothing to "
                       "rescore: eligibility does not depend on the ruleset's tables")
    try:
        after = score(data, rs, today=today)
    except RM2000ValidationError as exc:
        return Rescore(before, None, problem=f"the facts cannot be scored with {rs.ref}: {exc}")
    return Rescore(before, after, scales=compare(before, after))
