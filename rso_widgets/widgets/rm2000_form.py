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
    FieldError,
    RM2000Facts,
    RM2000Result,
    RM2000ValidationError,
    score,
)
from ..instruments.rm2000_rescore import compare, rescore, ruleset_status
from ..instruments.ruleset import RM2000Ruleset, load_rm2000_ruleset
from ..settings import get_settings
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
    stacked,
    text_button,
    yes_no,
)
from .history import SentencingHistory, as_date
from .rm2000_rescore import RescoreOffer

log = logging.getLogger("rso_widgets.widgets.rm2000_form")

AGE_FIELDS = ("age_at_assessment", "age_at_commencement")
DATE_FIELDS = ("date_of_birth", "assessment_date", "commencement_date")
ELIGIBILITY = "sexual_offence_aged_17_plus"
SEX_CHOICES = [("Male", "male"), ("Female", "female"), ("Another description", "other")]
REMINDER = ("The category informs professional judgement and does not decide: any decision must "
            "rest on everything known about the person.")


# plain words first, the scoring guide's name for the step after them
AGGRAVATING = "Aggravating factors, which can raise the sexual offending category (/S step 2)"


def _report(form: RM2000Form, message: str) -> None:
    form.failure.say(message, kind="error", heading="Sorry, there is a problem with the form")


def _int_or_text(text: str) -> int | str | None:
    """What the person typed in a number box: blank → None (not answered), digits → int,
    anything else is passed on as typed so the engine names the field and the fix."""
    s = text.strip()
    if not s:
        return None
    return int(s) if re.fullmatch(r"[+-]?\d+", s) else s


class RM2000Form(w.VBox):
    """RM2000 facts → result, GOV.UK style: one topic per section, errors inline and summarised,
    a "check your answers" list with the result, and the working line by line."""

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
                         layout=w.Layout(max_width="60em", padding="0 0 2em 0"), **kwargs)
        self._syncing = False
        self._apply_modes()
        self._recompute()

    # -- building --------------------------------------------------------------------------
    def _labels(self) -> dict[str, str]:
        rs = self.rs
        labels = {
            "sex": "Sex",
            "sex_other": "Sex (another description)",
            "age_at_assessment": "Age at assessment",
            "age_at_commencement": rs.item("s", "age_at_commencement").label,
            "date_of_birth": "Date of birth",
            "assessment_date": "Assessment date",
            "commencement_date": "Date of commencement of risk",
            "sexual_appearances": rs.item("s", "sexual_appearances").label,
            "criminal_appearances": rs.item("s", "criminal_appearances").label,
            "violent_appearances": rs.item("v", "violent_appearances").label,
            "burglary": rs.item("v", "burglary").label,
            ELIGIBILITY: (f"Sexual offence committed aged "
                          f"{rs.eligibility.min_age_at_sexual_offence} or over"),
            "occasions": "Sentencing history",
        }
        assert rs.s.step2 is not None
        labels |= {f.id: f.label for f in rs.s.step2.factors}
        return labels

    def _section(self, title: str, children: list[w.Widget]) -> w.VBox:
        head = self.shared.html_widget(f'<h3 style="margin:18px 0 8px 0">{esc(title)}</h3>')
        return w.VBox([head, *children], layout=self.shared.plain)

    def _field(self, name: str, control: w.DOMWidget, hint: str = "", label: str = "",
               size: str = "narrow") -> Field:
        f = Field(control, label or self.labels[name], hint, name=name, size=size,
                  shared=self.shared)
        control.observe(self._on_input, names="value")
        self.fields[name] = f
        return f

    def _number(self, name: str, hint: str) -> Field:
        box = w.Text(value="", continuous_update=True, layout=self.shared.stacked,
                     style=self.shared.text)
        return self._field(name, box, hint)

    def _date(self, name: str, hint: str) -> Field:
        picker = w.DatePicker(value=None, layout=self.shared.stacked, style=self.shared.desc)
        return self._field(name, picker, hint)

    def _about_fields(self) -> list[w.Widget]:
        el = self.rs.eligibility
        sh = self.shared
        self.sex = w.Dropdown(options=SEX_CHOICES, index=None, layout=sh.stacked, style=sh.desc)
        self.sex_other = w.Text(value="", continuous_update=True, layout=sh.stacked,
                                style=sh.text)
        self.sex_other_field = self._field(
            "sex_other", self.sex_other, "Describe the person's sex as recorded.",
            size="medium")
        self.sex_other_field.layout = w.Layout(display="none")  # its own: it is shown/hidden
        return [
            self._field("sex", self.sex,
                        f"RM2000 is for men aged {el.min_age_at_assessment} or over with a "
                        "conviction for a sexual offence. For anyone else the form explains "
                        "why it does not apply.", size="medium"),
            self.sex_other_field,
            self._field(ELIGIBILITY, yes_no("", sh),
                        f"Was at least one of the person's sexual offences committed when they "
                        f"were aged {el.min_age_at_sexual_offence} or over?"),
        ]

    def _age_fields(self) -> list[w.Widget]:
        self.age_toggle = w.ToggleButtons(
            options=[("Enter ages in years", "ages"), ("Enter dates", "dates")],
            value="ages", description="How do you want to give ages?",
            description_allow_html=False,
            style={"description_width": "initial", "button_width": "15em"},
            tooltips=["Type the ages as whole numbers",
                      "Give the dates; the ages are worked out for you"])
        self.age_toggle.observe(self._on_mode, names="value")
        self.ages_box = w.VBox([
            self._number("age_at_assessment", "In whole years, for example 42."),
            self._number("age_at_commencement",
                         "Age on release from the custodial part of the sentence, or at the "
                         "start of a community sentence. In whole years; under 18 is scored in "
                         "the youngest band."),
        ])
        self.dates_box = w.VBox([
            self._date("date_of_birth", "For example 30/04/1980."),
            self._date("assessment_date", "The date of this assessment."),
            self._date("commencement_date",
                       "Release from the custodial part of the sentence, or the start of a "
                       "community sentence. It may be in the future for a pre-release "
                       "assessment."),
        ])
        return [self.age_toggle, self.ages_box, self.dates_box]

    def _conviction_fields(self) -> list[w.Widget]:
        self.count_toggle = w.ToggleButtons(
            options=[("Enter counts", "counts"), ("Enter the sentencing history", "history")],
            value="counts", description="How do you want to give the convictions?",
            description_allow_html=False,
            style={"description_width": "initial", "button_width": "15em"},
            tooltips=["Type the number of appearances",
                      "List each offence; the appearances are counted for you"])
        self.count_toggle.observe(self._on_mode, names="value")
        same_day = "Offences sentenced on the same day count as one appearance."
        self.counts_box = w.VBox([
            self._number("sexual_appearances",
                         "Sentencing occasions that included at least one sexual offence, the "
                         f"index occasion included. {same_day}"),
            self._number("criminal_appearances",
                         "All sentencing occasions for any offence, including the index and "
                         f"sexual ones. {same_day}"),
            self._number("violent_appearances",
                         "Sentencing occasions that included a non-sexual violent offence. An "
                         "offence that is both sexual and violent (such as rape) counts as "
                         "sexual only. Enter 0 if none."),
            self._field("burglary", yes_no("", self.shared),
                        "Any conviction for burglary, at any time."),
        ])
        self.history = SentencingHistory(self.rs.counting.counted_disposals,
                                         self.rs.counting.note)
        self.history.observe(self._on_input, names="value")
        return [self.count_toggle, self.counts_box, self.history]

    def _factor_fields(self) -> list[w.Widget]:
        assert self.rs.s.step2 is not None
        intro = self.shared.html_widget(
            f'<div style="color:{HINT_COLOUR};max-width:45em">Answer each question and note '
            "briefly where the evidence is recorded.</div>")
        out: list[w.Widget] = [intro]
        self.evidence_boxes: dict[str, w.Textarea] = {}
        for fa in self.rs.s.step2.factors:
            out.append(self._field(fa.id, yes_no("", self.shared), fa.definition))
            box = w.Textarea(value="", continuous_update=False, placeholder="", rows=3,
                             layout=self.shared.stacked, style=self.shared.text)
            stacked(box, f"Evidence: {fa.label.lower()}", size="wide")
            box.observe(self._on_evidence, names="value")
            self.evidence_boxes[fa.id] = box
            out.append(box)
        return out

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
            self.summary.focus_first()  # keyboard users land on the summary's "Go to" buttons

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
        self.errors = []
        self._show_errors([])
        self.status.clear()
        self.result = result
        self.answers.value = self._render_answers(facts)
        self.answers.layout.display = ""
        self.output.value = self._render_result(result)
        self.output.layout.display = ""
        if pending is not None:
            self._rescored(pending, result)
        return result

    def show_stored(self, result: RM2000Result) -> None:
        """Show a stored result as recorded (its own ruleset label), never re-scored silently.
        When another ruleset produced it, offer to rescore the answers with this form's one and
        show what would change, scale by scale."""

        self.failure.clear()
        self._recompute()
        self.errors = []
        self._show_errors([])
        self.status.clear()
        self.result = result
        self.answers.value = self._render_answers(dict(self.value))
        self.answers.layout.display = ""
        self.output.value = self._render_result(result)
        self.output.layout.display = ""
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

    # -- errors ----------------------------------------------------------------------------
    def _route(self, top: str) -> str | None:
        """Which field on screen an engine error about `top` belongs next to."""
        if self.age_mode == "dates" and top in AGE_FIELDS:
            return "assessment_date" if top == "age_at_assessment" else "commencement_date"
        if self.age_mode == "ages" and top in DATE_FIELDS:
            return {"assessment_date": "age_at_assessment",
                    "commencement_date": "age_at_commencement"}.get(top, "age_at_assessment")
        if self.count_mode == "history" and top in (*COUNT_FIELDS, "burglary"):
            return "occasions"
        if self.count_mode == "counts" and top == "occasions":
            return "sexual_appearances"
        if top == "sex" and self.sex.value == "other":
            return "sex_other"
        return top if top in self.fields or top == "occasions" else None

    def humanise(self, message: str) -> str:
        """Engine messages name fields by id; on screen use the labels the person sees."""
        names = sorted((k for k in self.labels if k != "sex_other"), key=len, reverse=True)
        pattern = r"\b(" + "|".join(re.escape(n) for n in names) + r")\b"
        message = message.replace("is required: true or false", "is required: choose Yes or No")
        message = message.replace("or give occasions", "or enter the sentencing history")
        message = message.replace("is false but the occasions include",
                                  "is answered No but the sentencing history includes")
        message = message.replace('is required: "male", "female" or another description',
                                  "is required: choose Male, Female or Another description")
        return re.sub(pattern, lambda m: self.labels[m.group(1)].lower(), message)

    def _show_errors(self, errors: list[FieldError]) -> None:
        inline: dict[str, list[str]] = {}
        table_msgs: list[str] = []
        row_msgs: dict[int, list[str]] = {}
        summary: list[tuple[str, str, Any]] = []
        for e in errors:
            parts = e.field.split(".")
            top = parts[0]
            message = self.humanise(e.message)
            key = self._route(top)
            if key == "occasions":
                if top == "occasions" and len(parts) > 1:
                    row = self.history.row_for(parts[1:])
                    what = self._history_part(parts)
                    if row is not None:
                        text = f"Row {row + 1} {what} {message}"
                        row_msgs.setdefault(row, []).append(text)
                        summary.append((f"row {row + 1}", text, self.history.rows[row]))
                        continue
                    text = f"Sentencing history ({'.'.join(parts[1:])}) {message}"
                else:
                    text = f"{self.labels.get(top, top)} {message}"
                table_msgs.append(text)
                summary.append((self.labels["occasions"].lower(), text, self.history))
                continue
            label = self.labels.get(top, top)
            text = self._required(top, key) if e.message.startswith("is required") else None
            text = text or f"{label} {message}"
            if key is None:
                summary.append((label, text, None))
                continue
            inline.setdefault(key, []).append(text)
            summary.append((self.labels[key], text, self.fields[key]))
        for name, f in self.fields.items():
            f.error = " ".join(inline.get(name, []))
        self.history.show_errors(table_msgs, row_msgs)
        self.summary.show(summary)

    def _required(self, top: str, key: str | None) -> str | None:
        """GOV.UK-style sentence for an unanswered field ("Enter the person's age at
        assessment"), for the control the error sits next to; None: keep the engine's text."""
        if key in ("assessment_date", "commencement_date"):
            return f"Enter the {self.labels[key].lower()} and the date of birth"
        if top in ("age_at_assessment", "age_at_commencement"):
            return f"Enter the person's {self.labels[top].lower()}"
        if top in COUNT_FIELDS and key != "occasions":
            least = 1 if top == "sexual_appearances" else 0
            return (f"Enter the number of {self.labels[top].lower()} ({least} or more), "
                    "or enter the sentencing history")
        if top == "sex":
            return "Select the person's sex: Male, Female or Another description"
        if key in self.fields and isinstance(self.fields[key].control, w.Dropdown):
            return f"Select Yes or No for \u201c{self.labels[top]}\u201d"
        return None

    @staticmethod
    def _history_part(parts: list[str]) -> str:
        last = parts[-1]
        return {"date": "date", "name": "offence", "offences": "offences",
                "disposal": "disposal"}.get(last, last.replace("_", "-"))

    # -- rendering -------------------------------------------------------------------------
    def _display(self, name: str, value: Any) -> str:
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if name == "occasions":
            return f"{sum(len(o['offences']) for o in value)} offence(s) entered"
        return str(value)

    def _render_answers(self, facts: dict[str, Any]) -> str:
        order = ["sex", *AGE_FIELDS, *DATE_FIELDS, ELIGIBILITY, *COUNT_FIELDS, "burglary",
                 "occasions", *FACTOR_FIELDS]
        rows = []
        for name in order:
            if name not in facts:
                continue
            rows.append(f"<tr><th scope='row' style='text-align:left;padding:2px 12px 2px 0;"
                        f"font-weight:normal'>{esc(self.labels[name])}</th>"
                        f"<td><strong>{esc(self._display(name, facts[name]))}</strong></td></tr>")
            note = self.evidence.get(name, "").strip() if name in FACTOR_FIELDS else ""
            if note:
                rows.append(f"<tr><td></td><td style='color:{HINT_COLOUR}'>Evidence: "
                            f"{esc(note)}</td></tr>")
        return (f"<h3 style='margin:18px 0 6px 0'>Check your answers</h3>"
                f"<table class='rso-answers'>{''.join(rows)}</table>")

    def _render_result(self, r: RM2000Result) -> str:
        reminder = esc(r.interpretation or REMINDER)
        working = "".join(f"<li>{esc(line)}</li>" for line in r.working())

        # the ruleset id is for the record, not headline text: an "About this result" reveal
        meta = (f"<details class='rso-about-result'><summary>About this result</summary>"
                f"<p style='color:{HINT_COLOUR}'>Ruleset <code>{esc(r.ruleset)}</code> "
                f"(<span class='rso-ruleset-status'>{esc(ruleset_status(r.ruleset))}</span>)"
                f" · scored {esc(r.scored_at.strftime('%d %B %Y %H:%M UTC'))}</p></details>")
        remind = (f"<p role='note' style='border-left:6px solid #1d70b8;padding:6px 12px;"
                  f"max-width:45em'><strong>Remember:</strong> {reminder}</p>")
        if not r.applicable:
            return (f"<div class='rso-result rso-not-applicable'>"
                    f"<h3 style='margin:18px 0 6px 0'>RM2000 does not apply</h3>"
                    f"<p style='border-left:6px solid {ERROR_COLOUR};padding:6px 12px;"
                    f"max-width:45em'><strong>Not applicable.</strong> {esc(r.reason)}</p>"
                    f"<p>No category is given.</p>{meta}{remind}</div>")
        assert r.s and r.v and r.c
        s, v, c = r.s, r.v, r.c
        s_detail = (f"step 1: {s.step1_points} points → {s.step1_category}; "
                    f"{s.aggravating_factors} aggravating factor"
                    f"{'' if s.aggravating_factors == 1 else 's'} → raised {s.raised_by}")
        rows = [("/S", "sexual reconviction", s.category, s_detail),
                ("/V", "non-sexual violent reconviction", v.category, f"{v.points} points"),
                ("/C", "combined", c.category,
                 f"{c.s_points} + {c.v_points} = {c.points} points")]
        trs = "".join(
            f"<tr class='rso-scale-{esc(code[1:]).lower()}'><th scope='row' "
            f"style='text-align:left;padding:4px 14px 4px 0'>RM2000{esc(code)} "
            f"<span style='font-weight:normal'>({esc(name)})</span></th>"
            f"<td style='padding:4px 14px 4px 0'><strong class='rso-category'>{esc(cat)}"
            f"</strong></td><td style='color:{HINT_COLOUR}'>{esc(detail)}</td></tr>"
            for code, name, cat, detail in rows)
        derivation = ""
        if r.derivation is not None:
            lines = "".join(f"<li>{esc(line)}</li>" for line in r.derivation.explain())
            derivation = (f"<details open><summary>How the appearances were counted from the "
                          f"sentencing history</summary><ul>{lines}</ul></details>")
        return (f"<div class='rso-result'><h3 style='margin:18px 0 6px 0'>Result</h3>"
                f"<table><thead><tr><th scope='col' style='text-align:left'>Scale</th>"
                f"<th scope='col' style='text-align:left'>Category</th>"
                f"<th scope='col' style='text-align:left'>How</th></tr></thead>"
                f"<tbody>{trs}</tbody></table>{meta}{derivation}"
                f"<details><summary>Show the working, line by line</summary>"
                f"<ol class='rso-working'>{working}</ol></details>{remind}</div>")

    @property
    def result_text(self) -> str:
        """The result area as plain-ish text (for tests and logs)."""
        return re.sub(r"<[^>]+>", " ", self.output.value)


def _is_are(n: int) -> str:
    return "is" if n == 1 else "are"
