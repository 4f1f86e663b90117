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

from ..instruments.arms import (
    ARMSAssessment,
    ArmsCatalogue,
    Gap,
    load_arms_catalogue,
    profile,
)
from ..instruments.plan import (
    PILLARS,
    Review,
    RiskManagementPlan,
    VisitPlan,
    plan_problems,
)
from ..instruments.plan_quality import (
    NO_ACTIONS,
    CriterionResult,
    Judgement,
    QualityProfile,
    Rubric,
    evaluate,
    load_rubric,
)
from .arms_form import tag
from .fields import (
    ERROR_COLOUR,
    HINT_COLOUR,
    ErrorSummary,
    Field,
    Notice,
    Shared,
    esc,
    form_style,
    safe_callback,
    text_button,
)
from .plan_mappa import MappaSection
from .plan_rows import ActionRow, ContingencyRow, LegalRow
from .row_list import RowList

log = logging.getLogger("rso_widgets.widgets.plan_builder")

VISIT_KINDS = [("Announced", "announced"), ("Unannounced", "unannounced"),
               ("Mixed (announced and unannounced)", "mixed")]
WARN_BG = "#fff7bf"
# fields.FORM_CSS gives a stacked select one line's height; a multi-select shows its rows.
PLAN_CSS = ".rso-plan-builder .rso-stacked > select[multiple] { height: auto; }"
STATUS_WORDS = {2: "Fully met", 1: "Partly met", 0: "Not met"}


def _report(builder: PlanBuilder, message: str) -> None:
    builder.failure.say(message, kind="error", heading="Sorry, there is a problem with the plan")


def _error(text: str) -> str:
    """An inline error beside a control inside a row (the markup `Field` uses)."""
    return (f'<div class="rso-error-message" style="color:{ERROR_COLOUR};font-weight:bold;'
            f'max-width:40em"><span>Error:</span> {esc(text)}</div>') if text else ""


def _set_error(box: w.HTML, text: str) -> None:
    html = _error(text)
    if box.value != html:
        box.value = html


def _lines(text: str) -> list[str]:
    return [x.strip() for x in text.splitlines() if x.strip()]


class PlanBuilder(w.VBox):
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
            form_style(), w.HTML(f"<style>{PLAN_CSS}</style>", layout=w.Layout(display="none")),
            self.summary, self.failure,
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
        ], layout=w.Layout(max_width="62em", padding="0 0 2em 0"), **kwargs)
        self.arms = arms or ARMSAssessment(catalogue=self.cat.ref)
        self._syncing = False
        self._load(value or RiskManagementPlan())

    def _h(self, title: str, hint: str) -> w.HTML:
        h = f'<h2 style="margin:26px 0 4px 0">{esc(title)}</h2>'
        if hint:
            h += f'<p style="color:{HINT_COLOUR};max-width:45em;margin:0 0 6px 0">{esc(hint)}</p>'
        return self.shared.html_widget(h)

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
            potential_victims=_lines(self.victims.value),
            contingencies=[c for c in (r.model() for r in self.contingencies.rows)
                           if c is not None],
            legal=[x for x in (r.model() for r in self.legal.rows) if x is not None],
            visits=VisitPlan(frequency=self.visit_frequency.value.strip(),
                             kind=self.visit_kind.value or "",
                             reason=self.visit_reason.value.strip()),
            review=Review(date=self.review_date.value,
                          early_triggers=_lines(self.review_triggers.value)),
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
    def unaddressed(self) -> list[str]:
        """The rubric's Q1 and Q2 findings: factors still without an action."""
        return [m for c in (self.profile.criteria if self.profile else [])
                if c.id in ("Q1", "Q2") for m in c.missing if m != NO_ACTIONS]

    def _show(self, plan: RiskManagementPlan, prof: QualityProfile) -> None:
        self._show_rows(plan)
        self.coverage.value = self._coverage(plan)
        counts = {p: sum(a.pillar == p for a in plan.actions) for p in PILLARS}
        self.pillar_counts.value = (
            '<p style="margin:4px 0">Actions so far: ' + " · ".join(
                f"{esc(self.pillar_labels[p])}: {counts[p] or 'none'}" for p in PILLARS)
            + "</p>")
        for p, fld in self.omission_fields.items():
            want = "none" if counts[p] else ""
            if fld.layout.display != want:
                fld.layout.display = want
        self.rubric_box.value = self._rubric(prof)
        self._show_problems(plan)

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
        for row in self.actions.rows:
            a = row.model()
            if a is None:
                row.show_status("describe what will be done (until then it is not part of the "
                                "plan)", problem=True)
            elif a.missing():
                row.show_status(", ".join(a.missing()), problem=True)
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
        for lrow in self.legal.rows:
            r = lrow.model()
            if r is None:
                lrow.show_status("choose the kind of requirement (until then it is not part "
                                 "of the plan)", problem=True)
            elif r.missing():
                lrow.show_status(", ".join(r.missing()), problem=True)
            else:
                lrow.show_status("Complete")

    def _coverage(self, plan: RiskManagementPlan) -> str:
        findings = self.unaddressed()
        rows = []
        for r in profile(self.arms, self.cat):
            fid, name = r["factor"], r["name"]
            numbers = [str(i + 1) for i, a in enumerate(plan.actions) if fid in a.factors]
            flagged = [m for m in findings if f"{fid} {name}" in m]
            if flagged:
                status = "<strong>Needs an action</strong>"
                style = (f"background:{WARN_BG};border-left:6px solid {ERROR_COLOUR};"
                         "font-weight:bold")
            elif numbers:
                status = f"Addressed by action {', '.join(numbers)}"
                style = ""
            else:
                status = "No action linked"
                style = ""
            rows.append(
                f'<tr class="rso-coverage-{esc(fid)}{" rso-needs-action" if flagged else ""}" '
                f'style="{style}"><th scope="row" style="text-align:left;padding:2px 12px 2px '
                f'6px;font-weight:normal">{esc(fid)} {esc(name)}</th><td style="padding:2px 12px '
                f'2px 0">{esc(r["label"])}</td><td>{status}</td></tr>')
        if findings:
            items = "".join(f"<li>{esc(m)}</li>" for m in findings)
            head = (f'<div class="rso-unaddressed" role="status" style="background:{WARN_BG};'
                    f'border-left:6px solid {ERROR_COLOUR};padding:6px 12px;margin:6px 0;'
                    f'max-width:45em"><strong>Not yet addressed ({len(findings)}):</strong>'
                    f'<ul style="margin:4px 0">{items}</ul></div>')
        else:
            head = ('<div class="rso-unaddressed" role="status" style="border-left:6px solid '
                    '#00703c;padding:6px 12px;margin:6px 0;max-width:45em"><strong>Every factor '
                    'that needs an action has one.</strong></div>')
        return (f'{head}<table class="rso-coverage"><thead><tr><th scope="col" '
                f'style="text-align:left;padding-left:6px">Factor</th><th scope="col" '
                f'style="text-align:left">ARMS rating</th><th scope="col" style="text-align:'
                f'left">Plan</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')

    def _rubric(self, prof: QualityProfile) -> str:
        rows = "".join(self._criterion(c) for c in prof.criteria)
        auto = [c for c in prof.criteria if c.mode != "judged" and c.auto_score is not None]
        points = sum(c.auto_score or 0 for c in auto)
        return (f'<table class="rso-rubric" style="max-width:62em;border-collapse:collapse">'
                f'<thead><tr><th scope="col" style="text-align:left;padding:4px 8px">Criterion'
                f'</th><th scope="col" style="text-align:left;padding:4px 8px">Result</th>'
                f'<th scope="col" style="text-align:left;padding:4px 8px">What is missing, and '
                f'how to fix it</th></tr></thead><tbody>{rows}</tbody></table>'
                f'<p style="color:{HINT_COLOUR};max-width:45em">Automatic checks: {points} of '
                f'{2 * len(auto)} points (rubric <code>{esc(prof.rubric)}</code>). A profile to '
                'act on, not a grade: the judged criteria are for the reviewer.</p>')

    def _criterion(self, c: CriterionResult) -> str:
        if c.mode == "judged" and c.score is None:
            result = tag("For the reviewer", "Not started")
            detail = "Judged by a supervisor or trainer. " + c.fix
        else:
            words = STATUS_WORDS.get(c.score if c.score is not None else -1, c.status)
            result = tag(words, {2: "Complete", 1: "Incomplete"}.get(c.score, "Not met"))
            if c.mode == "auto+judged" and not c.overridden:
                result += (f'<br><span style="color:{HINT_COLOUR}">presence check; the reviewer '
                           'also judges it</span>')
            if c.overridden:
                result += (f'<br><span style="color:{HINT_COLOUR}">set by the reviewer: '
                           f'{esc(c.reason)}</span>')
            missing = "".join(f"<li>{esc(m)}</li>" for m in c.missing)
            detail = (f'<ul style="margin:0 0 4px 0">{missing}</ul>' if missing else "") + \
                (f"<strong>How to fix:</strong> {esc(c.fix)}" if c.fix and c.score != 2 else "")
            if not missing and c.score == 2:
                detail = "Nothing missing."
        return (f'<tr class="rso-criterion rso-criterion-{esc(c.id)}" style="border-top:1px '
                f'solid #b1b4b6;vertical-align:top"><th scope="row" style="text-align:left;'
                f'padding:4px 8px;font-weight:normal"><strong>{esc(c.id)}</strong> '
                f'{esc(c.text)}</th><td style="padding:4px 8px;min-width:9em">{result}</td>'
                f'<td style="padding:4px 8px">{detail}</td></tr>')

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
