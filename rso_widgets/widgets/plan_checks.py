"""The plan builder's checks: the problems that stop a final version (`plan_problems`), shown
beside their fields and in the summary at the top as links, each row's status as
it is written, and the factors the rubric finds still without an action. A mixin of
`PlanBuilder`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as w

from ..instruments.arms import ARMSAssessment, ArmsCatalogue, Gap
from ..instruments.plan import PILLARS, RiskManagementPlan, plan_problems
from ..instruments.plan_quality import NO_ACTIONS, QualityProfile
from .fields import ErrorSummary, Field
from .plan_findings import error_html
from .plan_mappa import MappaSection
from .row_list import RowList


def _set_error(box: w.HTML, text: str) -> None:
    html = error_html(text)
    if box.value != html:
        box.value = html


def unaddressed_in(profile: QualityProfile | None) -> list[str]:
    """The rubric's Q1 and Q2 findings in `profile`: factors still without an action."""
    return [m for c in (profile.criteria if profile else [])
            if c.id in ("Q1", "Q2") for m in c.missing if m != NO_ACTIONS]


class PlanChecks:
    """Finds and shows the plan's problems and the rows' statuses."""

    value: RiskManagementPlan
    profile: QualityProfile
    arms: ARMSAssessment
    cat: ArmsCatalogue
    assessed_on: dt.date | None
    problems: list[Gap]
    problem_items: list[tuple[str, str, str, Any]]
    summary: ErrorSummary
    actions: RowList
    contingencies: RowList
    legal: RowList
    mappa: MappaSection
    actions_field: Field
    review_field: Field
    review_date: w.DatePicker
    add_buttons: dict[str, w.Button]
    _checked: bool
    _recompute: Any

    def unaddressed(self) -> list[str]:
        """The rubric's Q1 and Q2 findings: factors still without an action."""
        return unaddressed_in(self.profile)

    # -- problems that stop a final version ------------------------------------------------
    def find_problems(self, plan: RiskManagementPlan | None = None) -> list[Gap]:
        """`plan_problems()` for the plan on screen, against the assessment date
        (`assessed_on`, else the ARMS assessment's) and the catalogue's factors."""
        when = self.assessed_on or (self.arms.assessed_on if self.arms else None)
        return plan_problems(plan or self.value, when, {f.id for f in self.cat.factors})

    def show_problems(self, assessed_on: dt.date | None = None) -> list[Gap]:
        """Show every plan problem beside its field and in the summary at the top (with "Go
        to" buttons), and keep them current from now on. Returns the problems."""
        if assessed_on is not None:
            self.assessed_on = assessed_on
        self._checked = True
        self._recompute()
        return list(self.problems)

    def _show_problems(self, plan: RiskManagementPlan) -> None:
        gaps = self.find_problems(plan) if self._checked else []
        self.problems = gaps
        fields = {g.field: g.message for g in gaps}
        acts = [r for r in self.actions.rows if r.model() is not None]
        legal = [r for r in self.legal.rows if r.model() is not None]
        self.actions_field.error = fields.get("actions", "")
        self.review_field.error = fields.get("review.date", "")
        for row in self.actions.rows:
            i = acts.index(row) if row in acts else -1
            _set_error(row.factors_error, fields.get(f"actions.{i}.factors", ""))
        for lrow in self.legal.rows:
            i = legal.index(lrow) if lrow in legal else -1
            _set_error(lrow.end_error, fields.get(f"legal.{i}.end_date", ""))
        self.mappa.show_problems(fields)
        items: list[tuple[str, str, Any]] = []
        for g in gaps:
            parts = g.field.split(".")
            if g.field == "actions":
                items.append(("Actions", g.message, self.add_buttons[PILLARS[0]]))
            elif g.field == "review.date":
                items.append((self.review_field.label, g.message, self.review_date))
            elif parts[0] == "actions" and int(parts[1]) < len(acts):
                c = acts[int(parts[1])].factors
                items.append((c.description, g.message, c))
            elif parts[0] == "legal" and int(parts[1]) < len(legal):
                d = legal[int(parts[1])].end_date
                items.append((d.description, g.message, d))
            elif parts[0] in ("mappa", "partner_assessments"):
                items.append((*self.mappa.target(g.field)[:1], g.message,
                              self.mappa.target(g.field)[1]))
            else:
                items.append((g.field, g.message, None))
        # (field, label, message, control): for a page that lists them elsewhere
        self.problem_items = [(g.field, *item) for g, item in zip(gaps, items, strict=True)]
        if items:
            self.summary.show(items)
        elif self.summary.items:
            self.summary.clear()

    def _show_rows(self, plan: RiskManagementPlan) -> None:
        for rows, first in ((self.actions.rows, "describe what will be done"),
                            (self.legal.rows, "choose the kind of requirement")):
            for row in rows:
                m = row.model()
                if m is None:
                    row.show_status(f"{first} (until then it is not part of the plan)",
                                    problem=True)
                elif m.missing():
                    row.show_status(", ".join(m.missing()), problem=True)
                else:
                    row.show_status("Complete")
        for crow in self.contingencies.rows:
            c = crow.model()
            if c is None or c.complete():
                crow.show_status("Complete" if c else "")
            else:
                gaps = [n for n, v in (("trigger", c.trigger), ("response", c.response),
                                       ("owner", c.owner)) if not v]
                crow.show_status(", ".join(gaps), problem=True)
