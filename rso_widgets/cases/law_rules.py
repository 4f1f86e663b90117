"""The law data the case checks use (`law_rules.yaml`, with provenance), validated on load.

Each offence on a record is looked up by its name: its maximum penalty, whether Schedule 15 of
the Criminal Justice Act 2003 specifies it, and whether the 40% release order (SI 2024/844)
excludes it. An offence the table does not know is refused with its name and the fix.
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..instruments.datafile import safe_load, validate

RULES_FILE = Path(__file__).with_name("law_rules.yaml")
Part = Literal[1, 2, "none", "unchecked"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Notification(_Strict):
    source: str
    indefinite_from_months: float
    ten_years_over_months: float
    years_custody_over_6_months: float
    years_custody_6_months_or_less: float
    years_caution: float
    years_other: float
    under_18_factor: float
    dto_counts_by_detention_half: bool
    dto_source: str
    suspended_counts_as_imprisonment: bool
    suspended_source: str


class Scheme(_Strict):
    id: str
    min_months: float
    below_months: float | None = None
    imposed_from: dt.date
    offences: Literal["schedule-15-life", "s244ZA-7"]
    source: str


class Fixed(_Strict):
    fraction: Fraction
    source: str

    @field_validator("fraction", mode="before")
    @classmethod
    def _fraction(cls, value: object) -> Fraction:
        return Fraction(str(value))


class Forty(Fixed):
    new_sentences_from: dt.date
    existing_under_months: float
    existing_5_years_or_more_from: dt.date
    excluded_part_1_from_months: float


class Act2026(_Strict):
    in_force_from: dt.date | None
    royal_assent: dt.date
    source: str


class Release(_Strict):
    default: Fixed
    weekend_rule: str
    two_thirds: list[Scheme] = Field(min_length=1)
    not_encoded: str
    forty_per_cent: Forty
    sentencing_act_2026_s23: Act2026


class Offence(_Strict):
    id: str
    match: str
    statute: str
    maximum: Literal["life"] | float
    schedule_15: Part
    s244za_7_part_1: bool = False
    sds40_excluded: str
    source: str = Field(min_length=5)

    @field_validator("match")
    @classmethod
    def _regex(cls, value: str) -> str:
        re.compile(value)
        return value

    @property
    def life(self) -> bool:
        return self.maximum == "life"


class LawRules(_Strict):
    id: str
    version: str
    provenance: dict[str, str]
    notification: Notification
    release: Release
    offences: list[Offence] = Field(min_length=1)


class UnknownOffence(LookupError):
    """An offence the law table does not list; the message names it and the fix."""


@lru_cache(maxsize=1)
def law_rules() -> LawRules:
    """The shipped rules (read once)."""
    data = safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return validate(LawRules, data, str(RULES_FILE), "case law rules")


def offence(name: str, rules: LawRules | None = None) -> Offence:
    """The table's entry for an offence named on a record (the first whose pattern matches the
    start of the name)."""
    for entry in (rules or law_rules()).offences:
        if re.match(entry.match, name.strip(), re.IGNORECASE):
            return entry
    raise UnknownOffence(f"{name!r} is not in {RULES_FILE.name} — fix: add it with its statute, "
                         "maximum penalty, Schedule 15 part and SI 2024/844 status, and the "
                         "source for each")
