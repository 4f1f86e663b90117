"""ARMS assessment form: rate each factor with evidence, write the formulation, choose the
priority for work, and see the profile.

A thin view over `rso_widgets.instruments.arms`: the factor definitions, rating scales, evidence
sources, formulation parts and priorities all come from the catalogue; completeness comes from
`check()` and the chart rows from `profile()`. ARMS is structured professional judgement: every
factor starts unrated (no silent default), and the priority is chosen by the assessor with a
written rationale — never computed here or anywhere else.

Traits: `value` (`ARMSAssessment`), `gaps` (list of `Gap`: `check()`'s, plus evidence items not
finished yet; evidence paths count the rows on screen), `revision` (bumped on every edit, for
autosave). `set_static_context()` sets the RM2000 result shown beside the profile. One factor
on the page, with its evidence rows, is `arms_factor.FactorSection`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import ipywidgets as w
from traitlets import Instance, Int, observe
from traitlets import List as ListTrait

from ..instruments.arms import (
    ARMSAssessment,
    ArmsCatalogue,
    FactorRating,
    Formulation,
    Gap,
    Priority,
    StaticContext,
    check,
    load_arms_catalogue,
    profile,
)
from .arms_factor import FactorSection, factor_of, in_page_order, renumber, tag
from .fields import (
    ErrorSummary,
    Field,
    Notice,
    Shared,
    esc,
    form_style,
    safe_callback,
    text_button,
)
from .profile_chart import ProfileChart, static_text

__all__ = ["ARMSForm", "FactorSection", "tag"]  # `tag`: the status tag other ARMS views use

log = logging.getLogger("rso_widgets.widgets.arms_form")

PRIORITY_NOTE = ("You choose the priority for work, from everything you know about the person. "
                 "The workbook never computes it from the ratings: the profile is a picture, "
                 "not a score.")


def _report(form: ARMSForm, message: str) -> None:
    form.failure.say(message, kind="error", heading="Sorry, there is a problem with the form")


class ARMSForm(w.VBox):
    """The ARMS form: factors with evidence, formulation, priority, completeness and profile."""

    value = Instance(ARMSAssessment)
    gaps = ListTrait()
    revision = Int(0)

    def __init__(self, catalogue: ArmsCatalogue | None = None,
                 value: ARMSAssessment | None = None, *, date_editable: bool = True,
                 **kwargs: Any):
        self.cat = catalogue or load_arms_catalogue()
        # how the page lists what is left (a page without the check button says its own way)
        self.check_hint = "select “Check the assessment” to list them."
        self.shared = Shared()
        self._syncing = True
        self._checked = False
        self._blocking: Callable[[], list[Gap]] | None = None  # see show_check
        self._base = ARMSAssessment(catalogue=self.cat.ref)
        sh = self.shared
        cat = self.cat

        self.summary = ErrorSummary()
        self.failure = Notice(layout=w.Layout(display="none"))
        intro = sh.html_widget(
            f'<p class="rso-hint">Catalogue: {esc(cat.title)} '
            f'(<code>{esc(cat.ref)}</code>) — {esc(cat.provenance.status)}. '
            f'{esc(cat.interpretation)}</p>')
        self.completeness = w.HTML(value="")
        self.check_button = text_button("Check the assessment",
                                        tooltip="List everything still to complete")
        self.check_button.on_click(self._on_check)

        self.date = w.DatePicker(value=None, disabled=not date_editable, layout=sh.stacked,
                                 style=sh.desc)
        self.date_field = Field(self.date, "Assessment date",
                                "Evidence must be dated on or before this date.",
                                name="assessed_on", shared=sh)
        self.date.observe(self._on_edit, names="value")
        self.static_box = sh.html_widget("")

        self.sections: dict[str, FactorSection] = {}
        risk = [self._heading("Risk factors", "Rate how far each risk factor is evident now.")]
        protective = [self._heading("Protective factors",
                                    "Rate how far each protective factor is present now.")]
        for f in cat.factors:
            sec = FactorSection(self, f)
            self.sections[f.id] = sec
            (risk if f.kind == "risk" else protective).append(sec)

        self.formulation: dict[str, w.Textarea] = {}
        self.formulation_fields: dict[str, Field] = {}
        form_children: list[w.Widget] = [self._heading(
            "Formulation", "Four short parts, in your own words, drawing on the ratings above.")]
        for part in cat.formulation_parts:
            box = w.Textarea(value="", rows=3, continuous_update=True, layout=sh.stacked,
                             style=sh.text)
            fld = Field(box, part.label, name=f"formulation.{part.id}", size="wide", shared=sh)
            box.observe(self._on_edit, names="value")
            self.formulation[part.id] = box
            self.formulation_fields[part.id] = fld
            form_children.append(fld)

        self.priority = w.Dropdown(options=list(cat.priorities), index=None, layout=sh.stacked,
                                   style=sh.desc)
        self.priority_field = Field(self.priority, "Priority for work", PRIORITY_NOTE,
                                    name="priority.level", shared=sh)
        self.rationale = w.Textarea(value="", rows=3, continuous_update=True, layout=sh.stacked,
                                    style=sh.text)
        self.rationale_field = Field(self.rationale, "Why this priority",
                                     "Which factors, strengths and circumstances led you to it.",
                                     name="priority.rationale", size="wide", shared=sh)
        self.priority.observe(self._on_edit, names="value")
        self.rationale.observe(self._on_edit, names="value")

        self.chart = ProfileChart({k: [lv.label for lv in v] for k, v in cat.scales.items()},
                                  heading="Profile")
        self.add_class("rso-form")
        self.add_class("rso-arms-form")
        formulation = w.VBox(form_children)
        priority = w.VBox([self._heading("Priority for work", ""), self.priority_field,
                           self.rationale_field])
        # The form's seams, for a page that shows one part at a time (apps' task lists)
        self.parts: dict[str, list[w.Widget]] = {
            "about": [intro], "date": [self.date_field, self.static_box],
            "risk": risk[1:], "protective": protective[1:],
            "formulation": [formulation], "priority": [priority], "profile": [self.chart]}
        super().__init__(
            children=[form_style(), intro, self.summary, self.failure, self.completeness,
                      self.check_button, self.date_field, self.static_box, *risk, *protective,
                      formulation, priority, self.chart],
            layout=w.Layout(max_width="62em"), **kwargs)
        self.add_class("rso-arms-whole-form")
        self._syncing = False
        self._load(value or ARMSAssessment(catalogue=cat.ref,
                                           ratings={f.id: FactorRating() for f in cat.factors}))

    def report(self, message: str) -> None:
        """Say that something went wrong (a callback's friendly message)."""
        _report(self, message)

    def _heading(self, title: str, hint: str) -> w.HTML:
        h = f'<h2 class="rso-arms-heading">{esc(title)}</h2>'
        if hint:
            h += f'<p class="rso-hint">{esc(hint)}</p>'
        return self.shared.html_widget(h)

    # -- loading values --------------------------------------------------------------------
    @observe("value")
    def _value_set(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._load(change["new"])

    def set_value(self, value: ARMSAssessment,
                  pending: dict[str, list[dict[str, Any]]] | None = None) -> None:
        """Show an assessment, plus unfinished evidence rows (from a draft) after each factor's
        evidence."""
        self._load(value, pending)

    def _load(self, value: ARMSAssessment,
              pending: dict[str, list[dict[str, Any]]] | None = None) -> None:
        pending = pending or {}
        self._syncing = True
        try:
            self._base = value
            self.date.value = value.assessed_on
            for fid, sec in self.sections.items():
                fr = value.ratings.get(fid, FactorRating())
                opts = [v for _, v in sec.rating.options]
                if fr.rating is not None and fr.rating not in opts:
                    # keep what was recorded, shown as such; check() says what is wrong
                    sec.rating.options = [*sec.rating.options,
                                          (f"{fr.rating} (not a rating)", fr.rating)]
                sec.follow_up.load(fr.follow_up)
                sec.rating.value = fr.rating
                sec.follow_up.show(fr.rating == self.cat.insufficient.id)
                sec.note.value = fr.note
                rows = [e.model_dump(mode="json") for e in fr.evidence]
                sec.evidence.set_rows(rows + list(pending.get(fid, [])))
            for pid, box in self.formulation.items():
                box.value = str(getattr(value.formulation, pid, "") or "")
            lvl = value.priority.level
            if lvl is not None and lvl not in self.priority.options:
                self.priority.options = [*self.priority.options, lvl]
            self.priority.value = lvl
            self.rationale.value = value.priority.rationale
        finally:
            self._syncing = False
        self._recompute()

    def set_static_context(self, ctx: StaticContext | None) -> None:
        """The RM2000 result shown beside the dynamic picture (as recorded, not recomputed)."""
        self._base = self._base.model_copy(update={"rm2000": ctx})
        self._recompute()

    def reset(self, value: ARMSAssessment | None = None) -> None:
        """Start again (from `value`, e.g. a blank attempt), with no check results showing."""
        self._checked, self._blocking = False, None
        self.summary.clear()
        self.failure.clear()
        self._show_errors_clear()
        self._load(value or ARMSAssessment(catalogue=self.cat.ref))

    def _show_errors_clear(self) -> None:
        for fld in (*self.formulation_fields.values(), self.priority_field,
                    self.rationale_field):
            fld.error = ""

    # -- reading the controls --------------------------------------------------------------
    def _collect(self) -> tuple[ARMSAssessment, list[Gap], dict[str, list[int]]]:
        """The assessment on screen; gaps for unfinished evidence rows; and, per factor, the row
        number of each evidence item that made it into the assessment."""
        ratings: dict[str, FactorRating] = {}
        entry: list[Gap] = []
        rows_used: dict[str, list[int]] = {}
        for fid, sec in self.sections.items():
            evidence = []
            rows_used[fid] = []
            for i, row in enumerate(sec.evidence.rows):
                ev = row.model()
                if ev is None:
                    entry += row.gaps(i)
                    continue
                evidence.append(ev)
                rows_used[fid].append(i)
            fu = sec.follow_up.model() if sec.rating.value == self.cat.insufficient.id \
                else None
            ratings[fid] = FactorRating(rating=sec.rating.value, evidence=evidence,
                                        note=sec.note.value, follow_up=fu)
        extra = {k: v for k, v in self._base.ratings.items() if k not in self.sections}
        value = self._base.model_copy(update={
            "catalogue": self._base.catalogue or self.cat.ref,
            "assessed_on": self.date.value,
            "ratings": {**ratings, **extra},
            "formulation": Formulation(**{k: b.value for k, b in self.formulation.items()}),
            "priority": Priority(level=self.priority.value, rationale=self.rationale.value),
        })
        return value, entry, rows_used

    def unfinished_notes(self) -> list[Gap]:
        """The gaps of evidence notes written but not finished (no source, no date): left out
        of `value`, so a page that submits or saves it refuses until each is finished or
        removed, rather than drop a note without a word."""
        out = []
        for sec in self.sections.values():
            for i, row in enumerate(sec.evidence.rows):
                if row.written() and row.model() is None:
                    out += row.gaps(i)
        return out

    def pending(self) -> dict[str, list[dict[str, Any]]]:
        """Unfinished evidence rows as typed, per factor (kept in drafts, not in `value`)."""
        out = {}
        for fid, sec in self.sections.items():
            rows = [r.raw() for r in sec.evidence.rows if r.model() is None]
            if rows:
                out[fid] = rows
        return out

    def _recompute(self) -> None:
        value, entry, rows_used = self._collect()
        gaps = [renumber(g, rows_used) for g in check(value, self.cat)]
        gaps = in_page_order(gaps + entry, list(self.sections))
        self._syncing = True
        try:
            self.value = value
            self.gaps = gaps
        finally:
            self._syncing = False
        self._show(gaps)
        self.chart.update(profile(value, self.cat), value.rm2000)
        self.static_box.value = (
            f'<p class="rso-static-context"><strong>Static context:</strong> '
            f'{esc(static_text(value.rm2000))} <span class="rso-hint-text">Shown beside '
            'the dynamic picture; it does not change any rating.</span></p>')

    # -- showing completeness --------------------------------------------------------------
    def factor_gaps(self, fid: str) -> list[Gap]:
        return [g for g in self.gaps if factor_of(g.field) == fid]

    def _show(self, gaps: list[Gap]) -> None:
        by_factor: dict[str, list[Gap]] = {fid: [] for fid in self.sections}
        for g in gaps:
            fid = factor_of(g.field)
            if fid in by_factor:
                by_factor[fid].append(g)
        errors = gaps if self._blocking is None else self._blocking()
        wrong = {g.field for g in errors} if self._checked else set()  # shown as errors
        for fid, sec in self.sections.items():
            sec.show_status(by_factor[fid], any(factor_of(f) == fid for f in wrong))
            for i, row in enumerate(sec.evidence.rows):
                here = f"ratings.{fid}.evidence.{i}"
                msgs = [g.message.split(": ", 1)[-1] for g in by_factor[fid]
                        if g.field == here or g.field.startswith(here + ".")]
                row.show_status("; ".join(msgs), problem=bool(msgs), error=bool(msgs) and any(
                    f == here or f.startswith(here + ".") for f in wrong))
        self.completeness.value = self._overall(gaps, by_factor)
        if self._checked:
            self._show_errors(in_page_order(errors, list(self.sections)))

    def _overall(self, gaps: list[Gap], by_factor: dict[str, list[Gap]]) -> str:
        n = len(self.sections)
        done = sum(not v for v in by_factor.values())
        parts = len(self.cat.formulation_parts)
        written = parts - sum(g.field.startswith("formulation.") for g in gaps)
        fields = {g.field for g in gaps}
        if "priority.level" in fields:
            prio = "not chosen yet"
        elif "priority.rationale" in fields:
            prio = f"{self.priority.value}, rationale not written yet"
        else:
            prio = f"{self.priority.value}, with a rationale"
        label = "Complete" if not gaps else "Incomplete"
        things = "" if not gaps else (f" {len(gaps)} thing{'s' if len(gaps) != 1 else ''} to "
                                      f"complete: {self.check_hint}")
        return (f'<div class="rso-completeness" role="status">'
                f'<strong>Completeness:</strong> {tag(label)} '
                f'{done} of {n} factors complete · formulation: {written} of {parts} parts '
                f'written · priority for work: {esc(prio)}.{esc(things)}</div>')

    def locate(self, g: Gap) -> tuple[str, Any]:
        """A gap's field label and the control to move focus to (None if there is none)."""
        fid = factor_of(g.field)
        if fid in self.sections:
            return self.sections[fid].locate(g)
        if g.field.startswith("formulation."):
            pid = g.field.split(".", 1)[1]
            if pid in self.formulation_fields:
                return self.formulation_fields[pid].label, self.formulation[pid]
        if g.field == "priority.level":
            return "Priority for work", self.priority
        if g.field == "priority.rationale":
            return "Why this priority", self.rationale
        return g.field, None

    def _show_errors(self, gaps: list[Gap]) -> None:
        items = []
        for g in gaps:
            label, target = self.locate(g)
            items.append((label, g.message, target))
        self.summary.show(items)
        fields = {g.field: g.message for g in gaps}
        for pid, fld in self.formulation_fields.items():
            fld.error = fields.get(f"formulation.{pid}", "")
        self.priority_field.error = fields.get("priority.level", "")
        self.rationale_field.error = fields.get("priority.rationale", "")

    def show_check(self, blocking: Callable[[], list[Gap]] | None = None) -> list[Gap]:
        """List every gap (`blocking`: only those it gives, the rest staying advice — the
        workshop's submit) at the top, each message a link, and beside its field; keep them
        current from now on. Returns them."""
        self._checked, self._blocking = True, blocking
        self._recompute()
        if blocking is not None:
            self.failure.clear()
            return in_page_order(blocking(), list(self.sections))
        if not self.gaps:
            self.summary.clear()
            self.failure.say("The assessment is complete: every factor is rated (with evidence "
                             "where needed), the formulation is written and the priority is "
                             "chosen with a rationale.", heading="Nothing missing")
        else:
            self.failure.clear()
        return list(self.gaps)

    # -- callbacks (never raise into Voilà) ------------------------------------------------
    @safe_callback(_report, "updating the assessment")
    def _on_edit(self, _change: Any = None) -> None:
        if self._syncing:
            return
        self._recompute()
        self.revision += 1

    @safe_callback(_report, "checking the assessment")
    def _on_check(self, _button: Any = None) -> None:
        self.show_check()

