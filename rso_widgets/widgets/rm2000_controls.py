"""The RM2000 form's controls: one section per topic (the person, ages, convictions, the
aggravating factors), each answer a `Field` (label, hint, error, input), with the toggles that
choose ages or dates and counts or the sentencing history. A mixin of `RM2000Form`: the
callbacks it wires (`_on_input`, `_on_mode`, `_on_evidence`) are the form's."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..instruments.rm2000_words import AGE_FIELDS as AGE_FIELDS  # re-exported names
from ..instruments.rm2000_words import DATE_FIELDS as DATE_FIELDS
from ..instruments.rm2000_words import ELIGIBILITY as ELIGIBILITY
from ..instruments.rm2000_words import fact_labels
from ..instruments.ruleset import RM2000Ruleset
from .fields import Field, Shared, esc, stacked, yes_no
from .history import SentencingHistory

SEX_CHOICES = [("Male", "male"), ("Female", "female"), ("Another description", "other")]

# plain words first, the scoring guide's name for the step after them
AGGRAVATING = "Aggravating factors, which can raise the sexual offending category (/S step 2)"


class RM2000Controls:
    """Builds the form's sections and keeps each `Field` by its facts name (`fields`)."""

    rs: RM2000Ruleset
    labels: dict[str, str]
    fields: dict[str, Field]
    shared: Shared
    _on_input: Any
    _on_mode: Any
    _on_evidence: Any

    def _labels(self) -> dict[str, str]:
        return fact_labels(self.rs)

    def _section(self, title: str, children: list[w.Widget]) -> w.VBox:
        head = self.shared.html_widget(f'<h3 class="rso-kit-heading">{esc(title)}</h3>')
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
            '<div class="rso-hint">Answer each question and note '
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
