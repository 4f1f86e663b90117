"""The case file of a training case, for reading: a fictional-case notice, a list of contents,
each document as a section, and the record printout as a table.

A view only: documents come from `cases.documents.case_file` (which never includes the key);
the record table shows what the printout shows (no offence-type flags: judging those is the
trainee's task). All text is escaped.
"""

from __future__ import annotations

import re
from typing import Any

import ipywidgets as w
from traitlets import Unicode

from ..cases.documents import AGE_BANDS, DISPOSAL_LABELS, case_file
from ..cases.schema import TrainingCase
from .fields import esc

FICTIONAL = ("Fictional training case. The person, places and events are invented for "
             "training; any resemblance to a real person is coincidental.")
RECORD_TITLE = "Record printout"


def _anchor(case: TrainingCase, n: int) -> str:
    return f"rso-doc-{case.id.lower()}-{n}"


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{esc(part.strip())}</p>" for part in text.split("\n\n") if part.strip())


def record_table(case: TrainingCase) -> str:
    """The record printout as an HTML table, oldest first (escaped)."""
    rows = []
    for occ in sorted(case.history.occasions, key=lambda o: o.date):
        offences = "".join(
            f"<li>{esc(off.name)} <span class='rso-hint-text'>(offence date "
            f"{off.offence_date:%d %b %Y}"
            + (f"; victim: {esc(off.victim.sex)}, {esc(AGE_BANDS[off.victim.age_band])}"
               if off.victim else "")
            + ")</span></li>"
            for off in occ.offences)
        rows.append(
            f"<tr><td class='rso-nowrap'>{occ.date:%d %b %Y}</td>"
            f"<td>{esc(DISPOSAL_LABELS[occ.disposal])}"
            + (f"<br><span class='rso-hint-text'>{esc(occ.court)}</span>"
               if occ.court else "")
            + f"</td><td><ol class='rso-offences'>{offences}</ol></td>"
            f"<td>{esc(occ.sentence)}</td></tr>")
    p = case.person
    head = (f"<p>Name: {esc(p.name)}. Date of birth: {p.date_of_birth:%d %B %Y}.</p>")
    convention = (f"<p><strong>Counting convention:</strong> {esc(case.history.convention)}</p>"
                  if case.history.convention else "")
    notes = (f"<p><strong>Notes:</strong> {esc(case.documents.record_notes)}</p>"
             if case.documents.record_notes else "")
    return (f"{head}{convention}<table class='rso-record'><caption class='rso-table-caption "
            "rso-hint-text'>Fictional training record, oldest entry first</caption>"
            "<thead><tr><th scope='col'>Date</th><th scope='col'>Disposal and court</th>"
            "<th scope='col'>Offences</th><th scope='col'>Outcome</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{notes}")


def render_case_file(case: TrainingCase) -> str:
    """The whole case file as escaped HTML (never the key)."""
    docs = case_file(case)
    contents = "".join(f"<li><a href='#{_anchor(case, n)}'>{esc(title)}</a></li>"
                       for n, (title, _) in enumerate(docs))
    sections = []
    for n, (title, text) in enumerate(docs):
        body = record_table(case) if title == RECORD_TITLE else _paragraphs(text)
        sections.append(f"<section aria-labelledby='{_anchor(case, n)}'>"
                        f"<h3 id='{_anchor(case, n)}'>{esc(title)}</h3>{body}</section>")
    return (f"<div class='rso-case-file'>"
            f"<div class='rso-notice' role='note'>{esc(FICTIONAL)}</div>"
            f"<h2 class='rso-kit-heading'>{esc(case.id)}: {esc(case.title)}</h2>"
            f"<p>{esc(case.person.name)}, assessed on {case.assessment_date:%d %B %Y}. "
            f"Difficulty: {esc(case.difficulty)}.</p>"
            f"<nav aria-label='Case file contents'><strong>In this case file</strong>"
            f"<ol>{contents}</ol></nav>{''.join(sections)}</div>")


class CaseFile(w.VBox):
    """A scrollable reader for one case file. `case_id` names the case shown ("" for none)."""

    case_id = Unicode("")

    def __init__(self, height: str = "80vh", **kwargs: Any):
        self.body = w.HTML(value="")
        super().__init__(children=[self.body],
                         layout=w.Layout(max_height=height, overflow="auto"), **kwargs)
        self.add_class("rso-case-file-viewer")
        self.add_class("rso-scroll")

    def show(self, case: TrainingCase) -> None:
        self.body.value = render_case_file(case)
        self.case_id = case.id

    def clear(self) -> None:
        self.body.value = ""
        self.case_id = ""

    @property
    def text(self) -> str:
        return re.sub(r"<[^>]+>", " ", self.body.value)


def reading_and_scoring(case_file: w.Widget, hint: str, controls: list[w.Widget]) -> w.GridBox:
    """The case file beside the scoring controls (stacked on a narrow screen), the scoring
    column scrolling on its own; hidden until the app shows it (`layout.display = ""`)."""
    reader = w.VBox([w.HTML("<h2 class='rso-kit-heading'>Case file</h2>"), case_file],
                    layout=w.Layout(min_width="0"))
    scorer = w.VBox(
        [w.HTML("<h2 class='rso-kit-heading'>Score the case</h2>"
                f"<p class='rso-hint'>"
                f"{esc(hint)}</p>"), *controls],
        layout=w.Layout(min_width="0", max_height="85vh", overflow="auto"))
    scorer.add_class("rso-scroll")
    scorer.add_class("rso-scoring-column")
    grid = w.GridBox([reader, scorer], layout=w.Layout(display="none"))
    grid.add_class("rso-reading-scoring")  # two columns side by side, one on a narrow screen
    return grid
