"""RM2000 form: enter the facts, check the answers, score, and see the arithmetic.

A thin view over `rso_widgets.instruments.rm2000.score`: the widget collects what the person
typed (blank stays blank: the engine says what is missing), shows the engine's errors next to
the fields they concern and in a summary at the top, and renders the engine's result. No scoring
rules live here.

Traits for other components and tests: `value` (the facts dict passed to `score`), `result`
(`RM2000Result` or None), `errors` (list of `FieldError`), `evidence` (factor id → note),
`age_mode` ("ages" | "dates") and `count_mode` ("counts" | "history").
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import ipywidgets as w
from traitlets import Dict, Instance, Unicode, observe
from traitlets import List as ListTrait

from ..instruments.rm2000 import (
    COUNT_FIELDS,
    FACTOR_FIELDS,
    RM2000Facts,
    RM2000Result,
    RM2000ValidationError,
    score,
)
from ..instruments.rm2000_rescore import compare, rescore
from ..instruments.ruleset import RM2000Ruleset, load_rm2000_ruleset
from ..settings import get_settings
from .dates import as_date
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
from .rm2000_controls import AGE_FIELDS, AGGRAVATING, DATE_FIELDS, ELIGIBILITY, RM2000Controls
from .rm2000_errors import RM2000Errors
from .rm2000_render import REMINDER, answers_html, result_html
from .rm2000_rescore import RescoreOffer

log = logging.getLogger("rso_widgets.widgets.rm2000_form")


def _report(form: RM2000Form, message: str) -> None:
    form.failure.say(message, kind="error", heading="Sorry, there is a problem with the form")


def _int_or_text(text: str) -> int | str | None:
    """What the person typed in a number box: blank → None (not answered), digits → int,
    anything else is passed on as typed so the engine names the field and the fix."""
    s = text.strip()
    if not s:
        return None
    return int(s) if re.fullmatch(r"[+-]?\d+", s) else s


def check_facts(facts: dict[str, Any], evidence: dict[str, str] | None = None) -> list[str]:
    """Raise ValueError for keys or values the form cannot hold (`RM2000Form.set_facts`);
    return the date fields given."""
    unknown = sorted(set(facts) - set(RM2000Facts.model_fields))
    if unknown:
        raise ValueError(f"set_facts: unknown field(s) {unknown}; valid fields are "
                         f"{', '.join(RM2000Facts.model_fields)}")
    given_ages = [k for k in AGE_FIELDS if facts.get(k) is not None]
    given_dates = [k for k in DATE_FIELDS if facts.get(k) is not None]
    if given_ages and given_dates:
        raise ValueError(f"set_facts: the form takes either ages ({', '.join(given_ages)}) "
                         f"or dates ({', '.join(given_dates)}), not both")
    given_counts = [k for k in (*COUNT_FIELDS, "burglary") if facts.get(k) is not None]
    if given_counts and facts.get("occasions") is not None:
        raise ValueError(f"set_facts: the form takes either counts ({', '.join(given_counts)})"
                         " or occasions, not both")
    bad_evidence = sorted(set(evidence or {}) - set(FACTOR_FIELDS))
    if bad_evidence:
        raise ValueError(f"set_facts: evidence for unknown factor(s) {bad_evidence}; "
                         f"factors are {', '.join(FACTOR_FIELDS)}")
    for name in (*FACTOR_FIELDS, "burglary", ELIGIBILITY):
        v = facts.get(name)
        if v is not None and not isinstance(v, bool):
            raise ValueError(f"set_facts: {name} must be true, false or None, not {v!r}")
    for name in DATE_FIELDS:
        as_date(facts.get(name))  # a date that is not one: ValueError naming it
    return given_dates


class RM2000Form(RM2000Controls, RM2000Errors, w.VBox):
    """RM2000 facts → result, GOV.UK style: one topic per section, errors inline and summarised,
    the answers scored listed with the result, and the working line by line."""

    value = Dict()
    result = Instance(RM2000Result, allow_none=True)
    errors = ListTrait()
    evidence = Dict()
    age_mode = Unicode("ages")
    count_mode = Unicode("counts")

    def __init__(self, ruleset: RM2000Ruleset | None = None, today: dt.date | None = None,
                 **kwargs: Any):
        if ruleset is None:
            ruleset = load_rm2000_ruleset(get_settings().rm2000_ruleset)
        self.rs = ruleset
        self.today = today
        self._syncing = True
        self.labels = self._labels()
        self.fields: dict[str, Field] = {}
        self.shared = Shared()

        self.summary = ErrorSummary()
        self.failure = Notice(layout=w.Layout(display="none"))

        about = self._section("About the person", self._about_fields())
        ages = self._section("Ages", self._age_fields())
        convictions = self._section("Convictions", self._conviction_fields())
        factors = self._section(AGGRAVATING, self._factor_fields())

        self.score_button = text_button("Score", primary=True,
                                        tooltip="Check the answers and score RM2000")
        self.score_button.on_click(self._on_score)
        self.status = Notice(layout=w.Layout(display="none"))
        self.rescore_offer = RescoreOffer(self.accept_rescore)
        self.answers = w.HTML(value="", layout=w.Layout(display="none"))
        self.output = w.HTML(value="", layout=w.Layout(display="none"))
        self.add_class("rso-form")
        self.add_class("rso-rm2000-form")
        super().__init__(children=[form_style(), self.summary, self.failure, about, ages,
                                   convictions, factors, self.score_button, self.status,
                                   self.rescore_offer, self.answers, self.output],
                         layout=w.Layout(max_width="60em"), **kwargs)
        self._syncing = False
        self._apply_modes()
        self._recompute()

    # -- reading the controls --------------------------------------------------------------
    def _control(self, name: str) -> Any:
        return self.fields[name].control

    def _collect(self) -> dict[str, Any]:
        facts: dict[str, Any] = {}

        def put(name: str, value: Any) -> None:
            if value is not None:
                facts[name] = value

        sex = self.sex.value
        put("sex", self.sex_other.value.strip() if sex == "other" else sex)
        if self.age_mode == "ages":
            for name in AGE_FIELDS:
                put(name, _int_or_text(self._control(name).value))
        else:
            for name in DATE_FIELDS:
                d = self._control(name).value
                put(name, d.isoformat() if d is not None else None)
        put(ELIGIBILITY, self._control(ELIGIBILITY).value)
        if self.count_mode == "counts":
            for name in COUNT_FIELDS:
                put(name, _int_or_text(self._control(name).value))
            put("burglary", self._control("burglary").value)
        elif self.history.rows:
            facts["occasions"] = list(self.history.value)
        for name in FACTOR_FIELDS:
            put(name, self._control(name).value)
        return facts

    def _recompute(self) -> None:
        self._syncing = True
        try:
            self.value = self._collect()
            self.evidence = {k: box.value for k, box in self.evidence_boxes.items()}
        finally:
            self._syncing = False

    # -- setting values --------------------------------------------------------------------
    def set_facts(self, facts: dict[str, Any], evidence: dict[str, str] | None = None) -> None:
        """Fill the form from a facts dict (the engine's input format) and optional evidence
        notes. Raises ValueError for keys or values the form cannot hold."""
        facts = dict(facts or {})
        given_dates = check_facts(facts, evidence)
        dates = {name: as_date(facts.get(name)) for name in DATE_FIELDS}
        self._syncing = True
        try:
            self._clear_controls()
            self.age_toggle.value = "dates" if given_dates else "ages"
            self.count_toggle.value = "history" if facts.get("occasions") is not None \
                else "counts"
            self._set_sex(facts.get("sex"))
            for name in AGE_FIELDS + COUNT_FIELDS:
                v = facts.get(name)
                self._control(name).value = "" if v is None else str(v)
            for name, d in dates.items():
                self._control(name).value = d
            for name in (*FACTOR_FIELDS, "burglary", ELIGIBILITY):
                self._control(name).value = facts.get(name)
            if facts.get("occasions") is not None:
                self.history.set_occasions(facts["occasions"])
            for k, text in (evidence or {}).items():
                self.evidence_boxes[k].value = str(text)
        finally:
            self._syncing = False
        self._apply_modes()
        self._recompute()
        self._reset_outcome()

    def _set_sex(self, sex: Any) -> None:
        if sex is None:
            self.sex.index = None
        elif str(sex).strip().lower() in ("male", "female"):
            self.sex.value = str(sex).strip().lower()
        else:
            self.sex.value = "other"
            self.sex_other.value = str(sex)

    def _clear_controls(self) -> None:
        self.sex.index = None
        self.sex_other.value = ""
        for name, f in self.fields.items():
            c = f.control
            if isinstance(c, w.Dropdown) and name != "sex":
                c.index = None
            elif isinstance(c, w.Text):
                c.value = ""
            elif isinstance(c, w.DatePicker):
                c.value = None
        for box in self.evidence_boxes.values():
            box.value = ""
        self.history.clear()

    def reset(self) -> None:
        """Empty the form."""
        self.set_facts({})

    @observe("value")
    def _value_set(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._safe_set_facts(change["new"])

    @observe("evidence")
    def _evidence_set(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._syncing = True
            try:
                for k, box in self.evidence_boxes.items():
                    box.value = str(change["new"].get(k, ""))
            finally:
                self._syncing = False
            self._recompute()

    def _safe_set_facts(self, facts: dict[str, Any]) -> None:
        evidence = {k: v for k, v in self.evidence.items() if v}
        self.set_facts(facts, evidence)

    # -- callbacks (never raise into Voilà) ------------------------------------------------
    @safe_callback(_report, "updating the form")
    def _on_input(self, _change: Any = None) -> None:
        if self._syncing:
            return
        self.sex_other_field.layout.display = "" if self.sex.value == "other" else "none"
        self._recompute()
        if self.result is not None or self.output.value:
            self._mark_stale()

    @safe_callback(_report, "saving the evidence note")
    def _on_evidence(self, _change: Any = None) -> None:
        if not self._syncing:
            self._recompute()

    @safe_callback(_report, "switching how the answers are entered")
    def _on_mode(self, _change: Any = None) -> None:
        self._apply_modes()
        if self._syncing:
            return
        self._recompute()
        if self.result is not None or self.output.value:
            self._mark_stale()

    def _apply_modes(self) -> None:
        self.age_mode = self.age_toggle.value
        self.count_mode = self.count_toggle.value
        dates = self.age_mode == "dates"
        self.ages_box.layout.display = "none" if dates else ""
        self.dates_box.layout.display = "" if dates else "none"
        history = self.count_mode == "history"
        self.counts_box.layout.display = "none" if history else ""
        self.history.layout.display = "" if history else "none"
        self.sex_other_field.layout.display = "" if self.sex.value == "other" else "none"

    @safe_callback(_report, "scoring")
    def _on_score(self, _button: Any = None) -> None:
        if self.submit() is None and self.errors:
            self.summary.focus_first()  # keyboard users land on the summary

    @safe_callback(_report, "scoring")
    def submit(self) -> RM2000Result | None:
        """Score the current answers: show the result, or the errors. Returns the result.
        If a stored result from another ruleset was on show, say what the rescore changed."""
        self.failure.clear()
        self._recompute()
        facts = dict(self.value)
        pending = self.rescore_offer.rescore
        try:
            result = score(facts, ruleset=self.rs, today=self.today)
        except RM2000ValidationError as exc:
            if pending is not None:
                self._rescored(pending, None)
            self.result = None
            self.errors = list(exc.errors)
            self._show_errors(exc.errors)
            self.answers.layout.display = "none"
            self.output.value = ""
            self.output.layout.display = "none"
            self.status.say(f"There {_is_are(len(exc.errors))} {len(exc.errors)} "
                            f"problem{'s' if len(exc.errors) != 1 else ''} with the answers. "
                            "Correct them and select Score again.", kind="error")
            return None
        self._show_outcome(result, facts)
        if pending is not None:
            self._rescored(pending, result)
        return result

    def _show_outcome(self, result: RM2000Result, facts: dict[str, Any]) -> None:
        """No errors; the answers checked and the result shown."""
        self.errors = []
        self._show_errors([])
        self.status.clear()
        self.result = result
        self.answers.value = answers_html(self.labels, facts, self.evidence)
        self.answers.layout.display = ""
        self.output.value = result_html(result)
        self.output.layout.display = ""

    def show_stored(self, result: RM2000Result) -> None:
        """Show a stored result as recorded (its own ruleset label), never re-scored silently.
        When another ruleset produced it, offer to rescore the answers with this form's one and
        show what would change, scale by scale."""
        self.failure.clear()
        self._recompute()
        self._show_outcome(result, dict(self.value))
        if result.ruleset == self.rs.ref:
            self.rescore_offer.hide()
            return
        self.rescore_offer.offer(rescore(result, dict(self.value), self.rs, self.today), self.rs)

    def accept_rescore(self) -> RM2000Result | None:
        """Rescore the answers with this form's ruleset (the assessor chose to, with the
        button or with Score) and say what changed from the recorded result."""
        return self.submit()

    def _rescored(self, offer: Any, result: RM2000Result | None) -> None:
        if result is None:
            self.rescore_offer.hide()
            return
        moved = [c.text() for c in compare(offer.before, result) if c.changed]
        self.rescore_offer.accepted(
            f"Rescored with {result.ruleset} (was {offer.before.ruleset}). "
            + (f"What changed: {'; '.join(moved)}." if moved else "No category changed."))

    def _reset_outcome(self) -> None:
        self.rescore_offer.hide()
        self.result = None
        self.errors = []
        self._show_errors([])
        self.status.clear()
        self.failure.clear()
        for box in (self.answers, self.output):
            box.value = ""
            box.layout.display = "none"

    def _mark_stale(self) -> None:
        self.rescore_offer.hide()
        self.result = None
        self.answers.value = ""
        self.answers.layout.display = "none"
        self.output.value = ""
        self.output.layout.display = "none"
        self.status.say("Your answers have changed since the last result. Select Score to see "
                        "an updated result.")

    @property
    def result_text(self) -> str:
        """The result area as plain-ish text (for tests and logs)."""
        return re.sub(r"<[^>]+>", " ", self.output.value)


def _is_are(n: int) -> str:
    return "is" if n == 1 else "are"


__all__ = ["AGE_FIELDS", "AGGRAVATING", "DATE_FIELDS", "ELIGIBILITY", "REMINDER", "RM2000Form",
           "esc"]  # esc: the tests check the escaping with the form's own
