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
from .fields import HINT_COLOUR, esc

FICTIONAL = ("Fictional training case. The person, places and events are invented for "
             "training; any resemblance to a real person is coincidental.")
RECORD_TITLE = "Record printout"

CSS = """
.rso-scroll > * { flex-shrink: 0 !important; }
.rso-case-file { line-height: 1.45; }
.rso-case-file h3 { margin: 18px 0 6px 0; }
.rso-case-file p { margin: 0 0 8px 0; max-width: 46em; }
.rso-case-file table.rso-record { border-collapse: collapse; margin: 6px 0 10px 0; }
.rso-case-file table.rso-record th, .rso-case-file table.rso-record td {
  border: 1px solid #b1b4b6; padding: 4px 8px; vertical-align: top; text-align: left; }
.rso-case-file table.rso-record thead th { background: #f3f2f1; }
.rso-case-file .rso-notice { border: 3px solid #0b0c0c; padding: 6px 12px; margin: 0 0 10px 0;
  font-weight: bold; max-width: 46em; }
.rso-case-file nav ol { margin: 4px 0 8px 0; }
.rso-case-file nav a { display: inline-block; min-height: 24px; line-height: 24px; }
.rso-case-file a { color: #1d70b8; }
.rso-case-file a:focus { outline: 3px solid #ffdd00; background: #ffdd00; color: #0b0c0c; }
"""


def _anchor(case: TrainingCase, n: int) -> str:
    return f"rso-doc-{case.id.lower()}-{n}"


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{esc(part.strip())}</p>" for part in text.split("\n\n") if part.strip())


def record_table(case: TrainingCase) -> str:
    """The record printout as an HTML table, oldest first (escaped)."""
    rows = []
    for occ in sorted(case.history.occasions, key=lambda o: o.date):
        offences = "".join(
            f"<li>{esc(off.name)} <span style='color:{HINT_COLOUR}'>(offence date "
            f"{off.offence_date:%d %b %Y}"
            + (f"; victim: {esc(off.victim.sex)}, {esc(AGE_BANDS[off.victim.age_band])}"
               if off.victim else "")
            + ")</span></li>"
            for off in occ.offences)
        rows.append(
            f"<tr><td style='white-space:nowrap'>{occ.date:%d %b %Y}</td>"
            f"<td>{esc(DISPOSAL_LABELS[occ.disposal])}"
            + (f"<br><span style='color:{HINT_COLOUR}'>{esc(occ.court)}</span>"
               if occ.court else "")
            + f"</td><td><ol style='margin:0;padding-left:1.4em'>{offences}</ol></td>"
            f"<td>{esc(occ.sentence)}</td></tr>")
    p = case.person
    head = (f"<p>Name: {esc(p.name)}. Date of birth: {p.date_of_birth:%d %B %Y}.</p>")
    convention = (f"<p><strong>Counting convention:</strong> {esc(case.history.convention)}</p>"
                  if case.history.convention else "")
    notes = (f"<p><strong>Notes:</strong> {esc(case.documents.record_notes)}</p>"
             if case.documents.record_notes else "")
    return (f"{head}{convention}<table class='rso-record'><caption style='text-align:left;"
            f"color:{HINT_COLOUR}'>Fictional training record, oldest entry first</caption>"
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
    return (f"<style>{CSS}</style><div class='rso-case-file'>"
            f"<div class='rso-notice' role='note'>{esc(FICTIONAL)}</div>"
            f"<h2 style='margin:6px 0'>{esc(case.id)}: {esc(case.title)}</h2>"
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
                         layout=w.Layout(max_height=height, overflow="auto",
                                         padding="0 12px 0 0", border_right="1px solid #b1b4b6"),
                         **kwargs)
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
        return re.sub(r"<style>.*?</style>|<[^>]+>", " ", self.body.value, flags=re.S)


def reading_and_scoring(case_file: w.Widget, hint: str, controls: list[w.Widget]) -> w.GridBox:
    """The case file beside the scoring controls (stacked on a narrow screen), the scoring
    column scrolling on its own; hidden until the app shows it (`layout.display = ""`)."""
    reader = w.VBox([w.HTML("<h2 style='margin:12px 0 6px 0'>Case file</h2>"), case_file],
                    layout=w.Layout(min_width="0"))
    scorer = w.VBox(
        [w.HTML("<h2 style='margin:12px 0 6px 0'>Score the case</h2>"
                f"<p style='color:{HINT_COLOUR};max-width:45em;margin:0 0 6px 0'>"
                f"{esc(hint)}</p>"), *controls],
        layout=w.Layout(min_width="0", max_height="85vh", overflow="auto",
                        padding="0 6px 0 0"))
    scorer.add_class("rso-scroll")
    return w.GridBox([reader, scorer],
                     layout=w.Layout(grid_template_columns="repeat(auto-fit, minmax(26em, 1fr))",
                                     grid_gap="0 24px", width="100%", display="none"))
