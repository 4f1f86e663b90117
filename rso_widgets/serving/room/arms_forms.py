"""The room page's ARMS form ↔ the stored ARMS assessment (the widget page's shape): each factor's
rating, its evidence notes (what was seen or said, where it came from; "Add another note" and
"Remove" are plain submit buttons, so it works without JavaScript), a note, and for
*insufficient information* the follow-up (what to find out, from whom, by when — a GOV.UK date
input); the formulation and the priority for work.

A submission needs every factor rated (`calibration.workshop.arms_problems`, the widget page's
rule); the rest is kept and compared as typed. A note with no source chosen is kept in the
draft as the widget page keeps an unfinished row (`arms_pending`), shown in place, and must get
its source before the answers are checked. Each evidence row keeps its date (the widget page's;
a new row takes the assessment date, else today)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ...calibration.workshop import arms_start
from ...calibration.workshop.answers import Restored, arms_rating_gaps
from ...cases.arms_key import key_catalogue
from ...freetext import text_problem
from ...instruments.arms import (
    ARMSAssessment,
    ArmsCatalogue,
    Evidence,
    FactorRating,
    FollowUp,
    Formulation,
    Priority,
    note_label,
    note_source_problem,
)
from . import date_input
from .forms import Problem

if TYPE_CHECKING:
    from ...cases.schema import TrainingCase

TEXT_MAX = 4000
NOTES_MAX = 10  # evidence notes a factor can be given on this page ("Add another note")
FOLLOW_UP = {"what": "What to find out", "source": "From whom", "due": "By when"}


@dataclass(frozen=True)
class Note:
    """One evidence row as shown: what was seen or said, its source ("" not chosen), its date
    (ISO, "" when it has none yet)."""

    what: str = ""
    source: str = ""
    date: str = ""


def due_name(fid: str) -> str:
    return f"arms_{fid}_fu_due"


def note_id(fid: str, n: int, part: str = "what") -> str:
    """The id of row `n`'s input (counted from 1)."""
    return f"f-arms_{fid}_ev{n}_{part}"


@dataclass
class ArmsAnswers:
    """The ARMS part of a case: the assessment as stored, the catalogue, the draft's unfinished
    evidence rows, each factor's notes in the order shown, and follow-up dates typed that are
    not real dates yet."""

    cat: ArmsCatalogue
    base: ARMSAssessment
    pending: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    restored_ok: bool = True
    notes_by_factor: dict[str, list[Note]] = field(default_factory=dict)
    typed_dates: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.notes_by_factor:
            self.notes_by_factor = {f.id: _stored_notes(self.base, self.pending, f.id)
                                    for f in self.cat.factors}

    @property
    def value(self) -> dict[str, Any]:
        return self.base.model_dump(mode="json")

    def assessment(self) -> ARMSAssessment:
        return self.base

    def rating(self, fid: str) -> str:
        fr = self.base.ratings.get(fid)
        return (fr.rating or "") if fr else ""

    def notes(self, fid: str) -> list[Note]:
        return list(self.notes_by_factor.get(fid, []))

    def shown_notes(self, fid: str, add: bool = False) -> list[Note]:
        """The rows the form shows: every note, and an empty one to type in (after "Add another
        note", or when there is none)."""
        rows = self.notes(fid)
        if (add and len(rows) < NOTES_MAX) or not rows:
            rows.append(Note())
        return rows

    def note(self, fid: str) -> str:
        fr = self.base.ratings.get(fid)
        return fr.note if fr else ""

    def follow_up(self, fid: str) -> dict[str, str]:
        fr = self.base.ratings.get(fid)
        fu = fr.follow_up if fr and fr.follow_up else FollowUp()
        return {"what": fu.what, "source": fu.source}

    def due_parts(self, fid: str) -> dict[str, str]:
        """The follow-up date as its three fields: as typed if not a real date yet."""
        typed = self.typed_dates.get(due_name(fid))
        if typed is not None:
            return typed
        fr = self.base.ratings.get(fid)
        due = fr.follow_up.due if fr and fr.follow_up else None
        return date_input.split(due) if due else {}

    def choices(self, kind: str) -> list[tuple[str, str]]:
        return [(r, self.cat.label(kind, r)) for r in self.cat.rating_ids(kind)]

    def missing(self) -> list[Problem]:
        """Each factor not rated, as an error beside its ratings (the widget page's words)."""
        return [Problem(f"f-arms_{g.field.split('.')[1]}_rating", g.message)
                for g in arms_rating_gaps(self.base, self.cat)]

    def entry_problems(self) -> list[Problem]:
        """What was typed that cannot be checked yet, in the form's order: a note with no
        source, a follow-up date that is not a real date."""
        out = []
        for f in self.cat.factors:
            for n, row in enumerate(self.notes(f.id), start=1):
                if row.what and not row.source:
                    out.append(Problem(note_id(f.id, n, "source"),
                                       note_source_problem(f.id, n)))
            typed = self.typed_dates.get(due_name(f.id))
            found = date_input.read(typed, f"{f.id} follow-up date").problem if typed else None
            if found is not None:
                out.append(Problem(f"f-{due_name(f.id)}", found.message, found.parts))
        return out

    def rows(self) -> list[tuple[str, str | list[str], str]]:
        """Check your answers: (question, answer, input id); a factor's notes one per line."""
        out: list[tuple[str, str | list[str], str]] = []
        for f in self.cat.factors:
            r = self.rating(f.id)
            shown = self.cat.label(f.kind, r) if r in self.cat.rating_ids(f.kind) else \
                "Not rated"
            out.append((f"{f.id} {f.name}", shown, f"f-arms_{f.id}_rating"))
            notes = [f"{n.what} ({n.source or 'source not chosen'})" for n in self.notes(f.id)]
            if notes:
                out.append((f"{f.id} evidence", notes, note_id(f.id, 1)))
        p = self.base.priority
        out.append(("Priority for work", p.level or "Not chosen", "f-arms_priority"))
        return out


def _stored_notes(base: ARMSAssessment, pending: dict[str, Any] | None, fid: str) -> list[Note]:
    """A factor's evidence rows as stored: its evidence, then the draft's unfinished rows."""
    fr = base.ratings.get(fid)
    out = [Note(e.what, e.source, e.date.isoformat()) for e in (fr.evidence if fr else [])]
    rows = (pending or {}).get(fid)
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict):
            out.append(Note(str(row.get("what") or ""), str(row.get("source") or ""),
                            str(row.get("date") or "")))
    return out


def from_stored(case: TrainingCase, instruments: tuple[str, ...], parts: Restored,
                rs: Any) -> ArmsAnswers:
    """The stored ARMS part, or a blank attempt (`arms_start`: never the RM2000 key when RM2000
    is scored too)."""
    cat = key_catalogue(case)
    blank = arms_start(case, instruments, rs, cat)
    typed = {k: v for k, v in parts.typed_dates.items() if k.startswith("arms_")}
    if parts.arms is None:
        return ArmsAnswers(cat, blank, typed_dates=typed)
    try:
        value = ARMSAssessment.model_validate(parts.arms)
    except ValidationError:
        return ArmsAnswers(cat, blank, restored_ok=False)
    if "rm2000" in instruments:
        value = value.model_copy(update={"rm2000": None})  # never the key's RM2000 result
    dated = {due_name(fid) for fid, fr in value.ratings.items() if fr.follow_up and
             fr.follow_up.due}  # a date stored since wins over one typed before
    return ArmsAnswers(cat, value, parts.arms_pending,
                       typed_dates={k: v for k, v in typed.items() if k not in dated})


def _text(form: dict[str, str], name: str, label: str, found: list[Problem]) -> str:
    value = form.get(name, "").strip()
    bad = text_problem(value, TEXT_MAX) if value else None
    if bad:
        found.append(Problem(f"f-{name}", f"{label} {bad[0]}: {bad[1]}"))
        return ""
    return value


def _iso(text: str) -> str:
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        return ""


def _posted_notes(form: dict[str, str], fid: str, sources: list[str],
                  found: list[Problem]) -> list[Note]:
    """A factor's rows as posted, in their order; a row left blank is dropped."""
    pattern = re.compile(rf"arms_{re.escape(fid)}_ev([0-9]{{1,3}})_(?:what|source)")
    rows = sorted({int(m.group(1)) for k in form if (m := pattern.fullmatch(k))})
    out = []
    for n in rows:
        what = _text(form, f"arms_{fid}_ev{n}_what", note_label(fid, n), found)
        if not what:
            continue
        source = form.get(f"arms_{fid}_ev{n}_source", "")
        out.append(Note(what, source if source in sources else "",
                        _iso(form.get(f"arms_{fid}_ev{n}_date", ""))))
    return out


def _settled(notes: list[Note], on: dt.date) -> tuple[list[Evidence], list[dict[str, Any]]]:
    """Notes → the rating's evidence (those with a source) and the unfinished rows."""
    evidence, pending = [], []
    for n in notes:
        if n.source:
            evidence.append(Evidence(what=n.what, source=n.source,
                                     date=dt.date.fromisoformat(n.date) if n.date else on))
        else:
            pending.append({"what": n.what, "source": None, "date": n.date or None})
    return evidence, pending


def parse(prev: ArmsAnswers, form: dict[str, str]) -> ArmsAnswers:
    """A posted form's ARMS part, over what was stored."""
    cat, found = prev.cat, []
    notes = {f.id: _posted_notes(form, f.id, cat.evidence_sources, found) for f in cat.factors}
    typed_dates: dict[str, dict[str, str]] = {}
    ratings: dict[str, FactorRating] = {}
    for f in cat.factors:
        rating = form.get(f"arms_{f.id}_rating") or None
        if rating is not None and rating not in cat.rating_ids(f.kind):
            rating = None
        due = date_input.read(date_input.posted_parts(form, due_name(f.id)), f.id)
        if due.typed is not None:
            typed_dates[due_name(f.id)] = due.typed
        fu = FollowUp(what=_text(form, f"arms_{f.id}_fu_what", f"{f.id} what to find out",
                                 found),
                      source=_text(form, f"arms_{f.id}_fu_source", f"{f.id} from whom", found),
                      due=due.value)
        ratings[f.id] = FactorRating(
            rating=rating, note=_text(form, f"arms_{f.id}_note", f"{f.id} note", found),
            follow_up=None if fu == FollowUp() else fu)
    formulation = Formulation(**{p.id: _text(form, f"arms_form_{p.id}", p.label, found)
                                 for p in cat.formulation_parts})
    level = form.get("arms_priority") or None
    priority = Priority(level=level if level in cat.priorities else None,
                        rationale=_text(form, "arms_rationale", "Why this priority", found))
    base = prev.base.model_copy(update={"ratings": ratings, "formulation": formulation,
                                        "priority": priority})
    return with_notes(ArmsAnswers(cat, base, None, found, typed_dates=typed_dates,
                                  notes_by_factor=notes), notes)


def with_notes(a: ArmsAnswers, notes: dict[str, list[Note]]) -> ArmsAnswers:
    """The answers with these evidence rows: each rating's evidence and the unfinished rows."""
    on = a.base.assessed_on or dt.date.today()
    ratings, pending = {}, {}
    for fid, fr in a.base.ratings.items():
        evidence, rows = _settled(notes.get(fid, []), on)
        ratings[fid] = fr.model_copy(update={"evidence": evidence})
        if rows:
            pending[fid] = rows
    a.base = a.base.model_copy(update={"ratings": ratings})
    a.pending = pending or None
    a.notes_by_factor = {fid: list(rows) for fid, rows in notes.items()}
    return a


def act(a: ArmsAnswers, action: str) -> tuple[str, str]:
    """"Add another note" (`add:R1`) or "Remove" (`remove:R1:2`) on the answers: the query
    the case page is shown again with and the id to go to."""
    kind, _, rest = action.partition(":")
    fid, _, n_text = rest.partition(":")
    if fid not in a.notes_by_factor:
        return "", ""
    rows = a.notes(fid)
    if kind == "add":
        return f"add={fid}", note_id(fid, min(len(rows) + 1, NOTES_MAX))
    if kind == "remove" and n_text.isdigit() and 1 <= int(n_text) <= len(rows):
        n = int(n_text)
        del rows[n - 1]
        with_notes(a, {**a.notes_by_factor, fid: rows})
        return f"removed={fid}", note_id(fid, max(1, min(n, len(rows))))
    return "", note_id(fid, 1)
