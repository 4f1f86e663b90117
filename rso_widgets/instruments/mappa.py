"""The plan's MAPPA and partnership layer: MAPPA category and level (from `rulesets/mappa.yaml`,
a data file with provenance), lead agency, partner agencies and what each does, triggers for a
level review, information-sharing agreements (noted, no identifiers), and other risk
assessments known to partners (OSP/C, OSP/I, OASys RoSH) — references only, never computed
here. Pure: no widgets, no I/O beyond the data file.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..freetext import identifier_problem
from .arms import Gap
from .datafile import load_model
from .ruleset import RULESET_DIR

DEFAULT_MAPPA = RULESET_DIR / "mappa.yaml"
MappaNumber = Literal[1, 2, 3]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MappaProvenance(_Strict):
    legislation: str = Field(min_length=1)
    source: str = Field(min_length=1)
    written_by: str
    written_on: str
    status: str


class Numbered(_Strict):
    id: MappaNumber
    label: str
    meaning: str


class PartnerTool(_Strict):
    id: str
    label: str


class MappaCatalogue(_Strict):
    """MAPPA categories and levels, with where they come from."""

    id: str
    version: str
    title: str
    provenance: MappaProvenance
    registered_category: MappaNumber
    categories: list[Numbered]
    levels: list[Numbered]
    partner_tools: list[PartnerTool] = []

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @model_validator(mode="after")
    def _all_three(self) -> MappaCatalogue:
        for name in ("categories", "levels"):
            if sorted(x.id for x in getattr(self, name)) != [1, 2, 3]:
                raise ValueError(f"{name}: needs exactly the ids 1, 2 and 3")
        return self

    def category_label(self, n: int) -> str:
        return next(c.label for c in self.categories if c.id == n)

    def level_label(self, n: int) -> str:
        return next(lv.label for lv in self.levels if lv.id == n)


def load_mappa(path: str | Path | None = None) -> MappaCatalogue:
    """The MAPPA data file (default: the shipped training summary), validated and cached."""
    return _load(Path(path) if path else DEFAULT_MAPPA)


@lru_cache(maxsize=4)
def _load(p: Path) -> MappaCatalogue:
    return load_model(p, MappaCatalogue, "MAPPA categories and levels")


# ---- in the plan -------------------------------------------------------------------------------

class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MappaPartner(_Model):
    """A partner agency and what it does in the plan."""

    agency: str = ""
    role: str = ""


class MappaLayer(_Model):
    """How the person is managed under MAPPA. Every field is optional on load, so plans stored
    before the layer existed still read; the rubric (Q7) says what is missing."""

    category: MappaNumber | None = None
    level: MappaNumber | None = None
    lead_agency: str = ""
    partners: list[MappaPartner] = []
    level_review_triggers: list[str] = []
    information_sharing: list[str] = []

    def missing(self, registered: bool = False, cat: MappaCatalogue | None = None) -> list[str]:
        """What the layer still lacks to be recorded and communicated (plain words)."""
        cat = cat or load_mappa()
        out = []
        if self.category is None:
            out.append("no MAPPA category")
        elif registered and self.category != cat.registered_category:
            out.append(f"MAPPA category {self.category}, but a person subject to notification "
                       f"requirements is Category {cat.registered_category}")
        if self.level is None:
            out.append("no MAPPA level")
        if not self.lead_agency.strip():
            out.append("no lead agency")
        if not any(p.agency.strip() and p.role.strip() for p in self.partners):
            out.append("no partner agency with its role")
        if not any(t.strip() for t in self.level_review_triggers):
            out.append("no triggers for a review of the MAPPA level")
        if not any(t.strip() for t in self.information_sharing):
            out.append("no information-sharing agreement noted")
        return out


class PartnerAssessment(_Model):
    """Another risk assessment a partner holds (e.g. OSP/C, OSP/I, OASys RoSH): a reference to
    it, with its result as the partner reports it. Never computed here."""

    tool: str = ""
    held_by: str = ""
    result: str = ""
    date: dt.date | None = None

    def missing(self) -> list[str]:
        names = {"tool": "tool", "held_by": "who holds it", "result": "result"}
        out = [v for k, v in names.items() if not str(getattr(self, k)).strip()]
        return out + ([] if self.date else ["date"])


def layer_problems(mappa: MappaLayer | None, partner_assessments: list[PartnerAssessment],
                   assessed_on: dt.date | None) -> list[Gap]:
    """Input that stops a plan being saved as a final version: a partner without a role (or a
    role without an agency), an incomplete or future-dated partner assessment, and anything
    that looks like an identifier in the layer (information sharing is noted, never with
    reference numbers)."""
    gaps: list[Gap] = []
    if mappa is not None:
        for i, p in enumerate(mappa.partners):
            if bool(p.agency.strip()) != bool(p.role.strip()):
                part = "role" if p.agency.strip() else "agency"
                gaps.append(Gap(field=f"mappa.partners.{i}.{part}",
                                message=f"MAPPA partner {i + 1} has no {part}: say which agency "
                                        "and what it does in the plan"))
        gaps += _identifiers(mappa.model_dump(), "mappa")
    for i, a in enumerate(partner_assessments):
        missing = a.missing()
        if missing:
            gaps.append(Gap(field=f"partner_assessments.{i}",
                            message=f"Partner assessment {i + 1} has no {', no '.join(missing)}: "
                                    "record the tool, who holds it, its result as they report "
                                    "it and its date (or remove it)"))
        if a.date is not None and assessed_on is not None and a.date > assessed_on:
            gaps.append(Gap(field=f"partner_assessments.{i}.date",
                            message=f"Partner assessment {i + 1} is dated {a.date:%d %B %Y}, "
                                    f"after the assessment date ({assessed_on:%d %B %Y}): give "
                                    "the date the partner completed it"))
        gaps += _identifiers(a.model_dump(exclude={"date"}), f"partner_assessments.{i}")
    return gaps


def _identifiers(data: object, path: str) -> list[Gap]:
    out: list[Gap] = []
    if isinstance(data, str):
        what = identifier_problem(data)
        if what:
            out.append(Gap(field=path, message=f"{path.replace('_', ' ')} contains what looks "
                           f"like {what}: remove it — the plan notes agreements and "
                           "assessments, never reference numbers or contact details"))
    elif isinstance(data, dict):
        for k, v in data.items():
            out += _identifiers(v, f"{path}.{k}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _identifiers(v, f"{path}.{i}")
    return out
