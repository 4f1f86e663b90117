"""Risk management plan: actions under the four pillars, contingencies, legal requirements,
visits, review, the proportionality rationale (../shared/spec/risk-management-plan.md), and the
MAPPA and partnership layer (`mappa.py`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .arms import Gap
from .mappa import MappaLayer, PartnerAssessment, layer_problems

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
    start_date: dt.date | None = None
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
    """One version of a plan, linked to an ARMS assessment by factor ids. `mappa` and
    `partner_assessments` are optional on load (plans stored before them still read)."""

    actions: list[Action] = []
    pillar_omissions: dict[Pillar, str] = {}
    potential_victims: list[str] = []
    contingencies: list[Contingency] = []
    legal: list[LegalRequirement] = []
    visits: VisitPlan = VisitPlan()
    review: Review = Review()
    rationale: str = ""
    mappa: MappaLayer | None = None
    partner_assessments: list[PartnerAssessment] = []

    def actions_for(self, factor_id: str) -> list[Action]:
        return [a for a in self.actions if factor_id in a.factors]

    def pillars_used(self) -> set[str]:
        return {a.pillar for a in self.actions}


def plan_problems(plan: RiskManagementPlan, assessed_on: dt.date | None,
                  factor_ids: set[str]) -> list[Gap]:
    """Inconsistent input that stops a plan being saved as a final version (a draft may keep
    it): no actions, an action linked to an unknown factor, a review date before the
    assessment date, a legal requirement that ends before it starts, and the MAPPA layer's
    problems (`mappa.layer_problems`: partners without roles, incomplete or future partner
    assessments, identifiers). Each names its field (`actions`, `actions.N.factors`,
    `review.date`, `legal.N.end_date`, `mappa.…`, `partner_assessments.N`) and the fix."""
    gaps: list[Gap] = []
    if not plan.actions:
        gaps.append(Gap(field="actions", message="Add at least one action to the plan, under "
                        "one of the four pillars"))
    for i, a in enumerate(plan.actions):
        unknown = [f for f in a.factors if f not in factor_ids]
        if unknown:
            ids = ", ".join(unknown)
            s = "s" if len(unknown) != 1 else ""
            gaps.append(Gap(field=f"actions.{i}.factors",
                            message=f"Action {i + 1} is linked to unknown ARMS factor{s} {ids}: "
                                    f"remove {'them' if s else 'it'} and link the action to "
                                    "factors in the assessment"))
    if plan.review.date is not None and assessed_on is not None \
            and plan.review.date < assessed_on:
        gaps.append(Gap(field="review.date",
                        message=f"The date of the next review ({plan.review.date:%d %B %Y}) is "
                                f"before the assessment date ({assessed_on:%d %B %Y}): choose "
                                "a review date on or after the assessment date"))
    for i, r in enumerate(plan.legal):
        if r.start_date is not None and r.end_date is not None and r.end_date < r.start_date:
            gaps.append(Gap(field=f"legal.{i}.end_date",
                            message=f"Legal requirement {i + 1} ends ({r.end_date:%d %B %Y}) "
                                    f"before it starts ({r.start_date:%d %B %Y}): correct the "
                                    "start or end date"))
    return gaps + layer_problems(plan.mappa, plan.partner_assessments, assessed_on)
