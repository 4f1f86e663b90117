"""Risk management plan: actions under the four pillars, contingencies, legal requirements,
visits, review and the proportionality rationale (../shared/spec/risk-management-plan.md)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Pillar = Literal["supervision", "monitoring_control", "interventions_treatment", "victim_safety"]
PILLARS: tuple[Pillar, ...] = ("supervision", "monitoring_control", "interventions_treatment",
                               "victim_safety")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Action(_Model):
    """One action: what, under which pillar, for which factors, by whom, how often, to what end."""

    pillar: Pillar
    description: str = Field(min_length=1)
    factors: list[str] = []
    owner: str = ""
    frequency: str = ""
    due: dt.date | None = None
    outcome: str = ""

    def missing(self) -> list[str]:
        gaps = [] if self.owner.strip() else ["owner"]
        if not self.frequency.strip() and self.due is None:
            gaps.append("frequency or due date")
        if not self.outcome.strip():
            gaps.append("observable outcome")
        return gaps


class Contingency(_Model):
    trigger: str = ""
    response: str = ""
    owner: str = ""

    def complete(self) -> bool:
        return all(x.strip() for x in (self.trigger, self.response, self.owner))


class LegalRequirement(_Model):
    kind: Literal["notification", "licence_condition", "order", "other"]
    terms: str = ""
    end_date: dt.date | None = None

    def missing(self) -> list[str]:
        gaps = [] if self.terms.strip() else ["terms"]
        if self.kind in ("order", "licence_condition") and self.end_date is None:
            gaps.append("end date")
        return gaps


class VisitPlan(_Model):
    frequency: str = ""
    kind: Literal["announced", "unannounced", "mixed", ""] = ""
    reason: str = ""


class Review(_Model):
    date: dt.date | None = None
    early_triggers: list[str] = []


class RiskManagementPlan(_Model):
    """One version of a plan, linked to an ARMS assessment by factor ids."""

    actions: list[Action] = []
    pillar_omissions: dict[Pillar, str] = {}
    potential_victims: list[str] = []
    contingencies: list[Contingency] = []
    legal: list[LegalRequirement] = []
    visits: VisitPlan = VisitPlan()
    review: Review = Review()
    rationale: str = ""

    def actions_for(self, factor_id: str) -> list[Action]:
        return [a for a in self.actions if factor_id in a.factors]

    def pillars_used(self) -> set[str]:
        return {a.pillar for a in self.actions}
