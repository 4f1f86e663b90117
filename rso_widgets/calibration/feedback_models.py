"""An RM2000 training attempt and its feedback as data: what the trainee entered, each row
compared with the key, the categories, and a what-if (`feedback` computes them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, model_validator

from ..cases.schema import Category
from ..instruments.rm2000 import RM2000Facts

ErrorType = Literal["coding", "calculation", "rule"]
ERROR_TYPES: tuple[ErrorType, ...] = ("coding", "calculation", "rule")
NOT_APPLICABLE = "not applicable"
ITEMS = ("age_at_commencement", "sexual_appearances", "criminal_appearances",
         "violent_appearances", "burglary", "male_victim", "stranger_victim", "non_contact",
         "single")
ELIGIBILITY_FACTS = {"sex": "Sex", "age_at_assessment": "Age at assessment",
                     "sexual_offence_aged_17_plus": "A sexual offence committed aged 17 or over"}


class EnteredResult(BaseModel):
    """What the trainee entered as their own arithmetic; every field optional."""

    model_config = ConfigDict(extra="forbid")

    not_applicable: StrictBool = False
    step1_points: StrictInt | None = None
    step1_category: Category | None = None
    s: Category | None = None
    v_points: StrictInt | None = None
    v: Category | None = None
    c: Category | None = None

    @model_validator(mode="after")
    def _either(self) -> EnteredResult:
        if self.not_applicable and self.scored():
            raise ValueError("enter either 'not applicable' or points and categories, not both")
        return self

    def scored(self) -> bool:
        return any(getattr(self, f) is not None for f in
                   ("step1_points", "step1_category", "s", "v_points", "v", "c"))


class Attempt(BaseModel):
    """A trainee's facts (the engine's facts shape) and, optionally, their own results."""

    model_config = ConfigDict(extra="forbid")

    facts: RM2000Facts
    entered: EnteredResult | None = None


class Row(BaseModel):
    """One line of feedback: the trainee's value beside the key's, and why they differ."""

    id: str
    kind: Literal["decision", "eligibility", "item", "factor", "total", "category"]
    label: str
    fact: str = ""  # the underlying fact, for items and factors (used for "most missed")
    trainee: Any = None
    key: Any = None
    trainee_band: str | None = None
    key_band: str | None = None
    trainee_points: int | None = None
    key_points: int | None = None
    rationale: str = ""
    agree: bool | None = None  # None: nothing to compare (not entered, or no key value)
    error: ErrorType | None = None
    follows_from: list[str] = []
    message: str = ""


class CategoryComparison(BaseModel):
    scale: Literal["S", "V", "C"]
    trainee: str | None
    key: str
    distance: int | None  # categories apart; None when not comparable
    band: Literal["same", "1 apart", "2+ apart", "not comparable"]


class Feedback(BaseModel):
    case_id: str
    ruleset: str
    key_applicable: bool
    trainee_applicable: bool
    key_reason: str | None = None
    rows: list[Row]
    categories: list[CategoryComparison]
    agrees: bool
    notes: list[str] = []

    def errors(self) -> list[Row]:
        return [r for r in self.rows if r.error is not None]

    def error_counts(self) -> dict[str, int]:
        return {t: sum(r.error == t for r in self.rows) for t in ERROR_TYPES}

    def matched_items(self) -> tuple[int, int]:
        """(how many, of how many): the facts read from the case file (eligibility, items,
        aggravating factors) that the key has a value for, and those the trainee matched."""
        compared = [r for r in self.rows
                    if r.kind in ("eligibility", "item", "factor") and r.agree is not None]
        return sum(1 for r in compared if r.agree), len(compared)

    def row(self, row_id: str) -> Row:
        return next(r for r in self.rows if r.id == row_id)


class WhatIf(BaseModel):
    """The trainee's categories before and after changing one item, re-scored by the engine."""

    item: str
    trainee_value: Any = None
    new_value: Any = None
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    key: dict[str, str] = {}
    changed: list[str] = []
    problem: str | None = None
