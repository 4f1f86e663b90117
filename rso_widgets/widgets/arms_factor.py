"""One ARMS factor on the page (`FactorSection`): its definition, the rating, the evidence
rows (`EvidenceRow`), the follow-up for an *insufficient information* rating, a note and the
factor's status; the status tag the ARMS views share (`tag`); and where a gap's field sits on
the page (`factor_of`, `renumber`, `in_page_order`). Looks are kit classes (`kit.css`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..instruments.arms import Evidence, Factor, Gap, note_label, note_source_problem
from .arms_follow_up import FollowUpBox
from .dates import as_date
from .fields import Field, Shared, esc, stacked
from .row_list import Row, RowList

if TYPE_CHECKING:  # the form builds its factors; a factor only calls back into it
    from .arms_form import ARMSForm

#: status words → their look (GOV.UK tag colours; the words carry the meaning)
LOOKS = {"Complete": "complete", "Incomplete": "incomplete", "Not started": "not-started",
         "Not met": "not-met"}


def tag(text: str, look: str | None = None) -> str:
    """A status tag: the words say it; the colour (of `look`, default the words) repeats it."""
    css = LOOKS.get(look or text, "incomplete")
    return f'<strong class="rso-tag rso-status-tag rso-look-{css}">{esc(text)}</strong>'


def note_missing(what: str, source: str | None, date: Any) -> list[str]:
    """What an evidence note still needs before it counts as evidence (input, not a rule)."""
    out = [] if str(what or "").strip() else ["write what was seen or said"]
    if source is None:
        out.append("choose its source")
    if date is None:
        out.append("give its date")
    return out


def note_gaps(factor: Factor, i: int, what: str, source: str | None, date: Any) -> list[Gap]:
    """Why evidence note `i` (counted from 0 on screen) of `factor` is not evidence yet: a
    note written without its source in the room page's words (`note_source_problem`), then
    anything else it lacks. `EvidenceRow.gaps`, and a draft's unfinished rows not on screen."""
    fid, here = factor.id, f"ratings.{factor.id}.evidence.{i}"
    missing, out = note_missing(what, source, date), []
    if str(what or "").strip() and source is None:
        out.append(Gap(field=f"{here}.source", message=note_source_problem(fid, i + 1)))
        missing = [m for m in missing if m != "choose its source"]
    if missing:
        out.append(Gap(field=here, message=f"{factor.name}: evidence note {i + 1} is "
                                           f"not finished — {', '.join(missing)}"))
    return out


class EvidenceRow(Row):
    """One evidence item: what was seen or said, its source (from the catalogue), its date."""

    noun = "evidence"

    def __init__(self, factor: Factor, sources: list[str], shared: Shared):
        super().__init__(shared)
        self.factor = factor
        self.what = w.Textarea(value="", rows=2, continuous_update=True, layout=shared.stacked,
                               style=shared.text)
        self.source = w.Dropdown(options=list(sources), index=None, layout=shared.stacked,
                                 style=shared.desc)
        self.date = w.DatePicker(value=None, layout=shared.stacked, style=shared.desc)
        stacked(self.what, "what", size="wide")
        stacked(self.source, "source", size="medium")
        stacked(self.date, "date")
        self._finish([self.what, self.source, self.date])

    def relabel(self, n: int) -> None:
        label = note_label(self.factor.id, n)  # "R4 evidence note 2", as every page says
        self.heading.value = f"<strong>{esc(label)}</strong>"
        self.what.description = f"{label}: what was seen or said"
        self.source.description = f"{label}: source"
        self.date.description = f"{label}: date"
        self.remove.description = f"Remove {label}"
        self.remove.tooltip = f"Remove {label} ({self.factor.name})"

    def raw(self) -> dict[str, Any]:
        d = self.date.value
        return {"what": self.what.value, "source": self.source.value,
                "date": d.isoformat() if d else None}

    def load(self, raw: dict[str, Any]) -> None:
        self.what.value = str(raw.get("what") or "")
        src = raw.get("source")
        if src and src not in self.source.options:  # keep what was recorded; check() flags it
            self.source.options = [*self.source.options, src]
        self.source.value = src or None
        self.date.value = as_date(raw.get("date"), strict=False)  # a draft's: shown empty

    def missing(self) -> list[str]:
        """What this item still needs before it counts as evidence (input, not a rule)."""
        return note_missing(self.what.value, self.source.value, self.date.value)

    def written(self) -> bool:
        """Whether something was written in it: a note the person means to give, never to be
        dropped without a word (an empty row is only a place to type)."""
        return bool(self.what.value.strip())

    def gaps(self, i: int) -> list[Gap]:
        """Why this row (`i`, counted from 0 on screen) is not evidence yet: a note written
        without its source in the room page's words (`note_source_problem`), then anything
        else it lacks."""
        return note_gaps(self.factor, i, self.what.value, self.source.value, self.date.value)

    def first_missing(self) -> w.Widget:
        """The first part still missing (else what was seen or said): what a problem with
        this row leads to. Chosen when the problem is listed, not again at a repeated focus:
        re-chosen after the date was typed, it moved focus back to the text (CI, stop 22)."""
        for control, empty in ((self.what, not self.what.value.strip()),
                               (self.source, self.source.value is None),
                               (self.date, self.date.value is None)):
            if empty:
                return control
        return self.what

    def focus(self) -> None:
        self.first_missing().focus()

    def model(self) -> Evidence | None:
        if self.missing():
            return None
        return Evidence(what=self.what.value.strip(), source=self.source.value,
                        date=self.date.value)


class FactorSection(w.VBox):
    """One factor: its definition, the rating, the evidence list, a note and its status."""

    def __init__(self, form: ARMSForm, factor: Factor):
        cat, sh = form.cat, form.shared
        self.factor = factor
        kind = "risk factor" if factor.kind == "risk" else "protective factor"
        scale = [lv.label for lv in cat.scales[factor.kind]]
        head = sh.html_widget(
            f'<h3 class="rso-factor-title" id="rso-factor-{esc(factor.id)}">'
            f'{esc(factor.id)} {esc(factor.name)} <span class="rso-factor-kind">({kind})'
            f'</span></h3><p class="rso-factor-look-for"><strong>What the assessor looks for:'
            f'</strong> {esc(factor.look_for)}</p>')
        options = [(lv.label, lv.id) for lv in cat.scales[factor.kind]]
        options.append((cat.insufficient.label, cat.insufficient.id))
        self.rating = w.Dropdown(options=options, index=None, layout=sh.stacked, style=sh.desc)
        self.rating_field = Field(
            self.rating, f"Rating: {factor.id} {factor.name}",
            f"{', '.join(scale)}, or {cat.insufficient.label} when the information does not "
            "allow a rating. Every rating except Insufficient information needs evidence; "
            "Insufficient information needs what to find out, from whom and by when.",
            name=f"ratings.{factor.id}", size="medium", shared=sh)
        self.evidence = RowList(
            lambda: EvidenceRow(factor, cat.evidence_sources, sh),
            f"Add evidence for {factor.id}", "No evidence yet.", form._on_edit,
            form.report, heading=f"Evidence for {factor.id} {factor.name}",
            hint="What was seen or said, its source and its date.", shared=sh)
        self.note = w.Textarea(value="", rows=2, continuous_update=True, layout=sh.stacked,
                               style=sh.text)
        stacked(self.note, f"Why this rating: {factor.id} (optional)", size="wide")
        self.follow_up = FollowUpBox(factor, sh, form._on_edit)
        self.status = sh.html_widget("")
        self.rating.observe(self._rating_changed, names="value")
        self.rating.observe(form._on_edit, names="value")
        self.note.observe(form._on_edit, names="value")
        self._insufficient = cat.insufficient.id
        super().__init__([head, self.status, self.rating_field, self.follow_up, self.evidence,
                          self.note])
        self.add_class("rso-factor")
        self.add_class(f"rso-factor-{factor.id}")
        self._status_key: tuple[Any, ...] = ()

    def locate(self, g: Gap) -> tuple[str, Any]:
        """A gap of this factor: its field label and the control to move focus to."""
        fid = self.factor.id
        parts = g.field.split(".")
        if len(parts) >= 4 and parts[3].isdigit() and int(parts[3]) < len(self.evidence.rows):
            row = self.evidence.rows[int(parts[3])]
            n = int(parts[3]) + 1
            if len(parts) > 4 and parts[4] == "date":
                return note_label(fid, n), row.date
            if len(parts) > 4 and parts[4] == "source":
                return note_label(fid, n), row.source
            return note_label(fid, n), row.first_missing()  # an unfinished row
        if g.field.endswith(".evidence"):
            return f"{fid} {self.factor.name} evidence", self.evidence.add
        if len(parts) == 4 and parts[2] == "follow_up":
            return f"{fid} follow-up", self.follow_up.control(parts[3])
        return f"{fid} {self.factor.name}", self.rating

    def _rating_changed(self, change: dict[str, Any]) -> None:
        self.follow_up.show(change["new"] == self._insufficient)

    def show_status(self, gaps: list[Gap], checked: bool) -> None:
        self.follow_up.show_errors(gaps, checked)
        key = (tuple(g.message for g in gaps), checked, self.rating.value is None)
        if key == self._status_key:
            return
        self._status_key = key
        if not gaps:
            label = "Complete"
        elif self.rating.value is None and not self.evidence.rows:
            label = "Not started"
        else:
            label = "Incomplete"
        msgs = "".join(f"<li>{esc(g.message)}</li>" for g in gaps)
        look = "rso-factor-gaps rso-factor-gaps-checked" if checked else "rso-factor-gaps"
        detail = f'<ul class="{look}">{msgs}</ul>' if gaps else ""
        self.status.value = (f'<div class="rso-factor-status"><span class="rso-hint-text">'
                             f'{esc(self.factor.id)} status:</span> {tag(label)}{detail}</div>')
        if checked and gaps:
            self.add_class("rso-factor-error")
        else:
            self.remove_class("rso-factor-error")


# -- where a gap's field sits on the page ---------------------------------------------------

def factor_of(field: str) -> str | None:
    """The factor id of a gap's field (`ratings.R1…`), else None."""
    parts = field.split(".")
    return parts[1] if len(parts) >= 2 and parts[0] == "ratings" else None


def renumber(g: Gap, rows_used: dict[str, list[int]]) -> Gap:
    """check() counts evidence items in the assessment; on screen, count the rows shown."""
    parts = g.field.split(".")
    if len(parts) >= 4 and parts[0] == "ratings" and parts[2] == "evidence" \
            and parts[3].isdigit():
        used = rows_used.get(parts[1], [])
        i = int(parts[3])
        if i < len(used):
            parts[3] = str(used[i])
            return Gap(field=".".join(parts), message=g.message)
    return g


def in_page_order(gaps: list[Gap], factor_ids: list[str]) -> list[Gap]:
    """Gaps in the order of the page: date, factors (in catalogue order, then evidence rows),
    formulation, priority, anything else."""
    def key(item: tuple[int, Gap]) -> tuple[int, int, int, int]:
        i, g = item
        fid = factor_of(g.field)
        if fid in factor_ids:
            parts = g.field.split(".")
            row = int(parts[3]) + 1 if len(parts) >= 4 and parts[3].isdigit() else 0
            return (1, factor_ids.index(fid), row, i)
        if g.field.startswith("ratings."):
            return (0, 0, 0, i)
        if g.field.startswith("formulation."):
            return (2, 0, 0, i)
        if g.field.startswith("priority."):
            return (3, 0, 0, i)
        return (4, 0, 0, i)
    return [g for _, g in sorted(enumerate(gaps), key=key)]
