"""What RM2000 scoring returns: field errors, and the result with its arithmetic line by line."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from .record import Derivation


class FieldError(BaseModel):
    """One problem with one input field, and what would be valid."""

    field: str
    message: str


class RM2000ValidationError(ValueError):
    """Bad facts: a list of (field, message) pairs, never a traceback for the user."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))

    def pairs(self) -> list[tuple[str, str]]:
        return [(e.field, e.message) for e in self.errors]


class ItemResult(BaseModel):
    item: str
    label: str
    fact: int | bool
    band: str
    points: int


class FactorResult(BaseModel):
    factor: str
    label: str
    present: bool


class SResult(BaseModel):
    items: list[ItemResult]
    step1_points: int
    step1_category: str
    factors: list[FactorResult]
    aggravating_factors: int
    raised_by: int
    capped: bool = False
    category: str


class VResult(BaseModel):
    items: list[ItemResult]
    points: int
    category: str


class CResult(BaseModel):
    s_points: int
    v_points: int
    points: int
    category: str


class ResolvedFacts(BaseModel):
    """The facts the arithmetic used, after dates became ages and records became counts."""

    age_at_assessment: int
    age_at_commencement: int
    sexual_appearances: int
    criminal_appearances: int
    violent_appearances: int
    burglary: bool
    male_victim: bool
    stranger_victim: bool
    non_contact: bool
    single: bool


class RM2000Result(BaseModel):
    applicable: bool
    reason: str | None
    ruleset: str
    scored_at: dt.datetime
    facts: ResolvedFacts | None = None
    derivation: Derivation | None = None
    s: SResult | None = None
    v: VResult | None = None
    c: CResult | None = None
    interpretation: str = ""

    def working(self) -> list[str]:
        """The arithmetic, line by line, as shown under the result."""
        if not self.applicable:
            return [f"RM2000 does not apply: {self.reason}"]
        assert self.s and self.v and self.c
        lines = list(self.derivation.explain()) if self.derivation else []
        lines += [_item_line("/S", i) for i in self.s.items]
        lines.append(f"/S step 1 total: {_sum(self.s.items)} = {self.s.step1_points} "
                     f"→ {self.s.step1_category}")
        present = [f.label.lower() for f in self.s.factors if f.present]
        lines.append(f"/S step 2: {self.s.aggravating_factors} of {len(self.s.factors)} "
                     f"aggravating factors ({', '.join(present) or 'none'}) "
                     f"→ raise {self.s.raised_by} categor{'y' if self.s.raised_by == 1 else 'ies'}")
        cap = f" (never above {self.s.category})" if self.s.capped else ""
        lines.append(f"/S category: {self.s.step1_category} raised {self.s.raised_by} "
                     f"→ {self.s.category}{cap}")
        lines += [_item_line("/V", i) for i in self.v.items]
        lines.append(f"/V total: {_sum(self.v.items)} = {self.v.points} → {self.v.category}")
        lines.append(f"/C: /S {self.s.category} = {self.c.s_points}, /V {self.v.category} = "
                     f"{self.c.v_points}; {self.c.s_points} + {self.c.v_points} = "
                     f"{self.c.points} → {self.c.category}")
        return lines

    def to_output(self) -> dict[str, Any]:
        """The JSON object of the command-line contract (spec: rm2000.md)."""
        out = self.model_dump(mode="json")
        out["working"] = self.working()
        return out


def _item_line(scale: str, item: ItemResult) -> str:
    fact = ("yes" if item.fact else "no") if isinstance(item.fact, bool) else item.fact
    unit = "point" if item.points == 1 else "points"
    return f"{scale} {item.label}: {fact} → band {item.band} → {item.points} {unit}"


def _sum(items: list[ItemResult]) -> str:
    return " + ".join(str(i.points) for i in items)
