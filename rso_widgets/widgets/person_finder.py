"""Find or create a person record by its reference, and (optionally) the caseload: every record
with its review due date, OVERDUE reviews first.

A view only: the app owns the store and wires the buttons (`find_button`, `open_match`,
`create_button`, `list_button`, `caseload_open`). References are typed by people and always
escaped; dropdown options are shown as text by the browser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import ipywidgets as w

from ..timefmt import day_text
from .fields import ErrorSummary, Field, Notice, esc, focus_target, stacked, text_button

REFERENCE_HINT = ("A force reference or display name. Record nothing more than the assessment "
                  "needs.")


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def reference_matches(persons: Sequence[Any], reference: str) -> tuple[list[Any], list[Any]]:
    """(records whose reference is `reference`, ignoring case and spacing; other records whose
    reference contains it). Both in the order given."""
    ref = _key(reference)
    exact = [p for p in persons if _key(p.reference) == ref]
    similar = [p for p in persons if ref and ref in _key(p.reference) and p not in exact]
    return exact, similar


def person_label(p: Any) -> str:
    """How a record is named in a list (plain text)."""
    return f"{p.reference} (record {p.id}, created {day_text(p.created_at)} by {p.created_by})"


class PersonFinder(w.VBox):
    """The reference box and its button, what was found, and the caseload list. A problem
    (nothing typed, nothing chosen) shows in an error summary at the top and beside its field,
    and focus moves to it; what a search or an opening did is said in `status`, which takes
    focus when the button pressed is hidden by it (`say_done`)."""

    def __init__(self, *, caseload: bool = False):
        self.summary = ErrorSummary()
        self.reference = w.Text(value="", continuous_update=True)
        self.reference_field = Field(self.reference, "Person reference", REFERENCE_HINT,
                                     size="medium")
        self.find_button = text_button("Find or create the record", primary=True)
        self.status = focus_target(Notice(layout=w.Layout(display="none")))
        self.matches = w.Dropdown(options=[], index=None)
        stacked(self.matches, "Records with this reference", size="wide")
        self.open_match = text_button("Open this record")
        self.create_button = text_button("Create the record")
        self.choices = w.VBox([], layout=w.Layout(display="none"))
        children: list[w.Widget] = [self.summary, self.reference_field, self.find_button,
                                    self.status, self.choices]

        self.list_button = text_button("Show all records and review dates")
        self.caseload_table = w.HTML(value="")
        self.caseload_pick = w.Dropdown(options=[], index=None)
        stacked(self.caseload_pick, "Record to open", size="wide")
        self.caseload_open = text_button("Open the chosen record")
        self.caseload_box = w.VBox([self.caseload_table, self.caseload_pick,
                                    self.caseload_open], layout=w.Layout(display="none"))
        if caseload:
            children += [self.list_button, self.caseload_box]
        super().__init__(children)
        self.add_class("rso-person-finder")

    # -- problems and outcomes ---------------------------------------------------------------
    def problem(self, message: str, target: w.Widget | None = None) -> None:
        """A problem with what was typed or chosen, at the top (focus moves there) and, for
        the reference, beside its box; `target` (default: the reference box) is where its
        error summary link moves focus."""
        target = target if target is not None else self.reference
        label = getattr(target, "description", "") or "Person reference"
        if target is self.reference:
            self.reference_field.error = message
            label = self.reference_field.label
        self.status.clear()
        self.summary.show([(label, message, target)])
        self.summary.focus_first()

    def clear_problems(self) -> None:
        self.reference_field.error = ""
        self.summary.clear()

    def say_done(self, text: str, heading: str) -> None:
        """What an action did (a record opened or created), with focus on it: the button
        pressed may be hidden now, and focus must not fall to the top of the page."""
        self.clear_problems()
        self.status.say(text, heading=heading)
        self.status.focus()

    # -- what was found ----------------------------------------------------------------------
    def hide_choices(self) -> None:
        self.choices.layout.display = "none"

    def show_matches(self, reference: str, exact: list[Any], similar: list[Any]) -> None:
        """Several records with this reference, or none (then similar ones and "create")."""
        self.clear_problems()
        ref = reference.strip()
        if exact:
            self.matches.options = [(person_label(p), p.id) for p in exact]
            self.matches.index = None
            self.choices.children = [self.matches, self.open_match]
            self.choices.layout.display = ""
            self.status.say(f"{len(exact)} records have the reference {ref}. Choose one.",
                            heading="More than one record")
            return
        self.create_button.description = f"Create a record for {ref}"
        self.create_button.tooltip = self.create_button.description
        kids: list[w.Widget] = []
        text = f"No record has the reference {ref}. Check it, or create a record."
        if similar:
            self.matches.options = [(person_label(p), p.id) for p in similar]
            self.matches.index = None
            kids += [self.matches, self.open_match]
            text = (f"No record has exactly the reference {ref}; {len(similar)} record"
                    f"{'s' if len(similar) != 1 else ''} contain{'s' if len(similar) == 1 else ''}"
                    " it (listed below). Open one of them, or create a record.")
        self.choices.children = [*kids, self.create_button]
        self.choices.layout.display = ""
        self.status.say(text, heading="No record found")

    # -- the caseload ------------------------------------------------------------------------
    def show_caseload(self, rows: list[tuple[Any, Any, Any]], today: dt.date) -> None:
        """`rows`: (CaseloadEntry, ReviewState, text of the latest version), already in order
        (OVERDUE first)."""
        if not rows:
            self.caseload_table.value = ("<p>No person records yet. Find or create one "
                                         "above.</p>")
            self.caseload_pick.options = []
            self.caseload_pick.layout.display = "none"
            self.caseload_open.layout.display = "none"
            self.caseload_box.layout.display = ""
            return
        overdue = sum(1 for _, st, _ in rows if st.overdue)
        lines = []
        for entry, state, latest in rows:
            review = (f'<strong class="rso-error-text">{esc(state.text)}</strong>'
                      if state.overdue else esc(state.text))  # the word OVERDUE, and colour
            lines.append(
                f"<tr class='rso-caseload-row{' rso-overdue' if state.overdue else ''}'>"
                f"<th scope='row' class='rso-cell'>"
                f"{esc(entry.person.reference)}</th>"
                f"<td class='rso-cell'>{entry.person.id}</td>"
                f"<td class='rso-cell'>{review}</td>"
                f"<td class='rso-cell'>{esc(latest)}</td></tr>")
        summary = (f"{overdue} review{'s are' if overdue != 1 else ' is'} OVERDUE (listed "
                   "first)." if overdue else "No review is overdue.")
        self.caseload_table.value = (
            f'<p role="status"><strong>{len(rows)} record{"s" if len(rows) != 1 else ""} on '
            f'{today:%d %B %Y}.</strong> {esc(summary)}</p>'
            "<table class='rso-caseload'><caption class='rso-table-caption rso-hint-text'>"
            "Person records by review date: overdue first, then soonest due, "
            "then records with no review date</caption><thead><tr>"
            "<th scope='col' class='rso-cell'>Reference</th>"
            "<th scope='col' class='rso-cell'>Record</th>"
            "<th scope='col' class='rso-cell'>Review</th>"
            "<th scope='col' class='rso-cell'>ARMS assessment</th></tr></thead>"
            f"<tbody>{''.join(lines)}</tbody></table>")
        self.caseload_pick.options = [
            (f"{e.person.reference} (record {e.person.id}): {st.text}", e.person.id)
            for e, st, _ in rows]
        self.caseload_pick.index = None
        self.caseload_pick.layout.display = ""
        self.caseload_open.layout.display = ""
        self.caseload_box.layout.display = ""
        self.list_button.description = "Refresh the list of records"
        self.list_button.tooltip = self.list_button.description
