"""Risk management plan builder: actions under the four pillars linked to ARMS factors,
contingencies, legal requirements, the MAPPA and partnership layer (`plan_mappa.py`), visits,
review and the proportionality rationale — with the
quality rubric's automatic results kept current as the plan is written.

A thin view over `rso_widgets.instruments.plan` and `plan_quality.evaluate`: what counts as an
unaddressed factor, a complete action or a met criterion is decided there. The factors that
still need an action are the rubric's own Q1/Q2 findings, shown as you go. Judged criteria
(Q9, Q10, and Q4 beyond its presence check) are shown as "for the reviewer".

Traits: `value` (`RiskManagementPlan`), `profile` (`QualityProfile`), `arms` (the assessment
the plan answers; set it from `ARMSForm.value`), `revision` (bumped on every edit).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import ipywidgets as w
from traitlets import Instance, Int, observe

from ..instruments.arms import ARMSAssessment, ArmsCatalogue, Gap, load_arms_catalogue, profile
from ..instruments.plan import PILLARS, Review, RiskManagementPlan, VisitPlan
from ..instruments.plan_quality import Judgement, QualityProfile, Rubric, evaluate, load_rubric
from .fields import ErrorSummary, Field, Notice, Shared, form_style, safe_callback, text_button
from .plan_checks import PlanChecks
from .plan_findings import STATUS_WORDS, counts_html, coverage_html, heading_html, rubric_html
from .plan_mappa import MappaSection, text_lines
from .plan_rows import ActionRow, ContingencyRow, LegalRow
from .row_list import RowList

log = logging.getLogger("rso_widgets.widgets.plan_builder")

VISIT_KINDS = [("Announced", "announced"), ("Unannounced", "unannounced"),
               ("Mixed (announced and unannounced)", "mixed")]


def _report(builder: PlanBuilder, message: str) -> None:
    builder.failure.say(message, kind="error", heading="Sorry, there is a problem with the plan")


class PlanBuilder(PlanChecks, w.VBox):
    """Write a plan; see which factors still need an action and the rubric's results live."""

    value = Instance(RiskManagementPlan)
    profile = Instance(QualityProfile)
    arms = Instance(ARMSAssessment)
    revision = Int(0)

    def __init__(self, arms: ARMSAssessment | None = None,
                 value: RiskManagementPlan | None = None, *,
                 catalogue: ArmsCatalogue | None = None, rubric: Rubric | None = None,
                 judgements: dict[str, Judgement] | None = None, **kwargs: Any):
        self.cat = catalogue or load_arms_catalogue()
        self.rubric = rubric or load_rubric()
        self.judgements = dict(judgements or {})
        self.shared = sh = Shared()
        self._syncing = True
        self.pillar_labels = {p.id: p.label for p in self.rubric.pillars}
        pillar_opts = [(self.pillar_labels[p], p) for p in PILLARS]
        factor_opts = [(f"{f.id} {f.name}", f.id) for f in self.cat.factors]
        self.failure = Notice(layout=w.Layout(display="none"))
        self.summary = ErrorSummary()  # plan problems, once `show_problems()` has run
        self.problems: list[Gap] = []
        self.problem_items: list[tuple[str, str, str, Any]] = []
        self.assessed_on: dt.date | None = None
        self._checked = False

        # what still needs an action, and each factor's coverage
        self.coverage = sh.html_widget("")

        # actions
        self.actions = RowList(
            lambda: ActionRow(PILLARS[0], pillar_opts, factor_opts, sh), "Add an action",
            "No actions yet. Add one under a pillar below.", self._on_edit,
            lambda m: _report(self, m), shared=sh)
        self.actions.add.layout.display = "none"  # added per pillar instead
        self.add_buttons: dict[str, w.Button] = {}
        for p in PILLARS:
            b = text_button(f"Add an action: {self.pillar_labels[p]}",
                            tooltip=f"Add an action under {self.pillar_labels[p]}")
            b.on_click(self._adder(p))
            self.add_buttons[p] = b
        self.omissions: dict[str, w.Text] = {}
        self.omission_fields: dict[str, Field] = {}
        for p in PILLARS:
            t = w.Text(value="", continuous_update=True, layout=w.Layout(), style=sh.text)
            f = Field(t, f"Reason for leaving out {self.pillar_labels[p]}",
                      "Only when no action is under this pillar.", size="wide", shared=sh)
            f.layout = w.Layout()  # its own: shown only while the pillar has no action
            t.observe(self._on_edit, names="value")
            self.omissions[p] = t
            self.omission_fields[p] = f
        self.pillar_counts = sh.html_widget("")

        self.victims = w.Textarea(value="", rows=3, continuous_update=True, layout=sh.stacked,
                                  style=sh.text)
        victims_f = Field(self.victims, "Who could be harmed",
                          "Name the person or group, one per line.", size="wide", shared=sh)
        self.victims.observe(self._on_edit, names="value")

        self.contingencies = RowList(
            lambda: ContingencyRow(sh), "Add a contingency", "No contingencies yet.",
            self._on_edit, lambda m: _report(self, m), shared=sh,
            hint="A warning sign or trigger, the response agreed in advance, and who acts.")
        self.legal = RowList(
            lambda: LegalRow(sh), "Add a legal requirement", "No legal requirements yet.",
            self._on_edit, lambda m: _report(self, m), shared=sh,
            hint="Notification requirements, licence conditions and civil orders, with their "
                 "terms, start and end dates.")

        self.mappa = MappaSection(sh, self._on_edit, lambda m: _report(self, m))
        self.visit_frequency = w.Text(value="", continuous_update=True, layout=sh.stacked,
                                      style=sh.text)
        self.visit_kind = w.Dropdown(options=VISIT_KINDS, index=None, layout=sh.stacked,
                                     style=sh.desc)
        self.visit_reason = w.Textarea(value="", rows=2, continuous_update=True,
                                       layout=sh.stacked, style=sh.text)
        visits = [Field(self.visit_frequency, "Visit frequency", "For example: every three "
                        "months.", size="wide", shared=sh),
                  Field(self.visit_kind, "Type of visits", size="medium", shared=sh),
                  Field(self.visit_reason, "Reason for this frequency and type", size="wide",
                        shared=sh)]
        self.review_date = w.DatePicker(value=None, layout=sh.stacked, style=sh.desc)
        self.review_triggers = w.Textarea(value="", rows=3, continuous_update=True,
                                          layout=sh.stacked, style=sh.text)
        self.review_field = Field(self.review_date, "Date of the next review", shared=sh)
        self.actions_field = Field(self.actions, "Actions", shared=sh)
        review = [self.review_field,
                  Field(self.review_triggers, "Events that bring the review forward",
                        "One per line: for example a new relationship, a move, loss of job, "
                        "new intelligence, a breach.", size="wide", shared=sh)]
        self.rationale = w.Textarea(value="", rows=4, continuous_update=True, layout=sh.stacked,
                                    style=sh.text)
        rationale = Field(self.rationale, "Why the plan is proportionate",
                          "Necessary, lawful, and neither more nor less intrusive than the risk "
                          "calls for.", size="wide", shared=sh)
        for c in (self.visit_frequency, self.visit_kind, self.visit_reason, self.review_date,
                  self.review_triggers, self.rationale):
            c.observe(self._on_edit, names="value")

        self.rubric_box = sh.html_widget("")

        self.add_class("rso-form")
        self.add_class("rso-plan-builder")
        adders = w.HBox(list(self.add_buttons.values()), layout=w.Layout(flex_flow="row wrap"))
        # The plan's seams, for a page that shows one part at a time (apps' task lists)
        self.parts: dict[str, list[w.Widget]] = {
            "coverage": [self.coverage],
            "actions": [self.pillar_counts, adders, self.actions_field,
                        *self.omission_fields.values()],
            "victims": [victims_f], "contingencies": [self.contingencies],
            "legal": [self.legal], "mappa": [self.mappa], "visits": visits, "review": review,
            "proportionality": [rationale], "quality": [self.rubric_box]}
        super().__init__(children=[
            form_style(), self.summary, self.failure,
            self._h("Factors and actions", "Each risk factor rated Partly evident or Evident "
                    "needs an action, each factor rated Insufficient information an action to "
                    "find out, and each protective factor an action that builds or sustains "
                    "it. This list updates as you write."),
            self.coverage,
            self._h("Actions", "Add actions under the four pillars; link each to the ARMS "
                    "factors it addresses, and give an owner, how often (or a due date) and the "
                    "outcome that would show it is working."),
            self.pillar_counts, adders,
            self.actions_field, *self.omission_fields.values(),
            self._h("Victim safety", ""), victims_f,
            self._h("Contingency plan", ""), self.contingencies,
            self._h("Legal requirements", ""), self.legal,
            self._h("MAPPA and partnership", ""), self.mappa,
            self._h("Visits", ""), *visits,
            self._h("Review", ""), *review,
            self._h("Proportionality", ""), rationale,
            self._h("Plan quality", "The rubric's automatic checks, updated as you write. "
                    "Judged criteria are for the reviewer (a supervisor or trainer)."),
            self.rubric_box,
        ], layout=w.Layout(max_width="62em"), **kwargs)
        self.arms = arms or ARMSAssessment(catalogue=self.cat.ref)
        self._syncing = False
        self._load(value or RiskManagementPlan())

    def _h(self, title: str, hint: str) -> w.HTML:
        return self.shared.html_widget(heading_html(title, hint))

    # -- loading ---------------------------------------------------------------------------
    @observe("value")
    def _value_set(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._load(change["new"])

    @observe("arms")
    def _arms_set(self, _change: dict[str, Any]) -> None:
        if not self._syncing:
            self._safe_recompute()

    def set_value(self, value: RiskManagementPlan,
                  pending: dict[str, list[dict[str, Any]]] | None = None) -> None:
        """Show a plan, plus unfinished rows from a draft (`pending()`)."""
        self._load(value, pending)

    def reset(self, value: RiskManagementPlan | None = None) -> None:
        self.failure.clear()
        self._checked = False
        self._load(value or RiskManagementPlan())

    def _load(self, plan: RiskManagementPlan,
              pending: dict[str, list[dict[str, Any]]] | None = None) -> None:
        pending = pending or {}
        self._syncing = True
        try:
            self.actions.set_rows([a.model_dump(mode="json") for a in plan.actions]
                                  + list(pending.get("actions", [])))
            for p, box in self.omissions.items():
                box.value = plan.pillar_omissions.get(p, "")  # type: ignore[call-overload]
            self.victims.value = "\n".join(plan.potential_victims)
            self.contingencies.set_rows([c.model_dump(mode="json") for c in plan.contingencies]
                                        + list(pending.get("contingencies", [])))
            self.legal.set_rows([r.model_dump(mode="json") for r in plan.legal]
                                + list(pending.get("legal", [])))
            self.visit_frequency.value = plan.visits.frequency
            self.visit_kind.value = plan.visits.kind or None
            self.visit_reason.value = plan.visits.reason
            self.review_date.value = plan.review.date
            self.review_triggers.value = "\n".join(plan.review.early_triggers)
            self.rationale.value = plan.rationale
            self.mappa.load(plan.mappa, plan.partner_assessments)
        finally:
            self._syncing = False
        self._recompute()

    # -- reading ---------------------------------------------------------------------------
    def _collect(self) -> RiskManagementPlan:
        actions = [a for a in (r.model() for r in self.actions.rows) if a is not None]
        used = {a.pillar for a in actions}
        omissions = {p: t.value.strip() for p, t in self.omissions.items()
                     if p not in used and t.value.strip()}
        mappa, assessments = self.mappa.collect()
        return RiskManagementPlan(
            mappa=mappa, partner_assessments=assessments,
            actions=actions, pillar_omissions=omissions,
            potential_victims=text_lines(self.victims.value),
            contingencies=[c for c in (r.model() for r in self.contingencies.rows)
                           if c is not None],
            legal=[x for x in (r.model() for r in self.legal.rows) if x is not None],
            visits=VisitPlan(frequency=self.visit_frequency.value.strip(),
                             kind=self.visit_kind.value or "",
                             reason=self.visit_reason.value.strip()),
            review=Review(date=self.review_date.value,
                          early_triggers=text_lines(self.review_triggers.value)),
            rationale=self.rationale.value.strip())

    def pending(self) -> dict[str, list[dict[str, Any]]]:
        """Rows that cannot be part of the plan yet (an action with no description, a legal
        requirement with no kind), as typed — kept in drafts."""
        out = {}
        acts = [r.raw() for r in self.actions.rows if r.model() is None
                and any(v for k, v in r.raw().items() if k != "pillar")]
        if acts:
            out["actions"] = acts
        legal = [r.raw() for r in self.legal.rows if r.model() is None
                 and (r.terms.value.strip() or r.start_date.value or r.end_date.value)]
        if legal:
            out["legal"] = legal
        return out

    def _recompute(self) -> None:
        plan = self._collect()
        prof = evaluate(plan, self.arms, self.judgements, rubric=self.rubric, cat=self.cat)
        self._syncing = True
        try:
            self.value = plan
            self.profile = prof
        finally:
            self._syncing = False
        self._show(plan, prof)

    @safe_callback(_report, "updating the plan")
    def _safe_recompute(self) -> None:
        self._recompute()

    # -- showing ---------------------------------------------------------------------------
    def _show(self, plan: RiskManagementPlan, prof: QualityProfile) -> None:
        self._show_rows(plan)
        self.coverage.value = coverage_html(plan, profile(self.arms, self.cat), self.unaddressed())
        counts = {p: sum(a.pillar == p for a in plan.actions) for p in PILLARS}
        self.pillar_counts.value = counts_html(self.pillar_labels, counts)
        for p, fld in self.omission_fields.items():
            want = "none" if counts[p] else ""
            if fld.layout.display != want:
                fld.layout.display = want
        self.rubric_box.value = rubric_html(prof)
        self._show_problems(plan)

    # -- callbacks -------------------------------------------------------------------------
    def _adder(self, pillar: str) -> Any:
        @safe_callback(_report, "adding an action")
        def add(_self: Any, _button: Any = None) -> None:
            self.add_action(pillar).focus()
        return lambda b: add(self, b)

    def add_action(self, pillar: str, **fields: Any) -> ActionRow:
        """Add an action row under `pillar` (optionally filled) and return it."""
        row = self.actions.add_row({"pillar": pillar, **fields})
        assert isinstance(row, ActionRow)
        return row

    @safe_callback(_report, "updating the plan")
    def _on_edit(self, _change: Any = None) -> None:
        if self._syncing:
            return
        self._recompute()
        self.revision += 1


__all__ = ["STATUS_WORDS", "VISIT_KINDS", "PlanBuilder"]
