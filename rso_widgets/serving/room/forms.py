"""The room page's scoring form ↔ the domain's answers: what a posted form means as RM2000 facts
and the trainee's own result (the same shapes the widget page stores), what a stored draft or
submission shows in the form, and the engine's problems as GOV.UK errors (field id, message).

No scoring rule lives here: the engine (`instruments.rm2000.score`) and
`calibration.workshop.answers` decide; this module only names fields and words messages as the
widget form (`widgets/rm2000_form.py`) does. Dates are GOV.UK date inputs (`date_input`): a real
date is kept as its ISO string in the facts, as the widget page keeps it; one not real yet is
kept as typed in the draft's `typed_dates` and said as the Design System says it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...calibration.workshop.answers import (
    OWN_FIELDS,
    OWN_MODES,
    Restored,
    RM2000Check,
    entered_value,
)
from ...freetext import text_problem
from ...instruments import rm2000_words as words
from ...instruments.record import disposal_options, row_for
from ...instruments.rm2000 import COUNT_FIELDS, FACTOR_FIELDS
from ...instruments.rm2000_words import AGE_FIELDS, DATE_FIELDS, ELIGIBILITY
from ...instruments.ruleset import RM2000Ruleset
from ...reports.text import date_text
from . import date_input, history_forms
from .date_input import PARTS
from .history_forms import History

YES_NO = (ELIGIBILITY, "burglary", *FACTOR_FIELDS)
SEX_CHOICES = (("male", "Male"), ("female", "Female"), ("other", "Another description"))
EVIDENCE_MAX = 2000  # characters in one evidence note
#: input id → its place on the page (the error summary lists problems in the form's order)
FORM_ORDER = {f"f-{name}": n for n, name in enumerate((
    "sex", "sex_other", ELIGIBILITY, "age_mode", *AGE_FIELDS, *DATE_FIELDS, "count_mode",
    "occasions", *COUNT_FIELDS, "burglary",
    *(x for f in FACTOR_FIELDS for x in (f, f"evidence_{f}")), "mode",
    *(f"own_{name}" for name in OWN_FIELDS)))}


@dataclass(frozen=True)
class Problem:
    """One error: the id of the input it belongs to (for the summary's link) and the message."""

    field: str
    message: str
    parts: tuple[str, ...] = ()  # a date's parts to highlight (the first is the link's)

    @property
    def href(self) -> str:
        """The id the error summary links to: the input, or a date's first part at fault."""
        return f"{self.field}-{self.parts[0]}" if self.parts else self.field


@dataclass
class RM2000Answers:
    """One case's RM2000 answers as the form shows them (`raw`: every input's text) and as
    stored (`facts`, `evidence`, `mode`, `entered`)."""

    raw: dict[str, str]
    facts: dict[str, Any]
    evidence: dict[str, str]
    mode: str
    entered: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)  # what was typed but cannot be kept
    typed_dates: dict[str, dict[str, str]] = field(default_factory=dict)  # not real dates yet
    history: History = field(default_factory=History)  # the sentencing history's rows

    @property
    def age_mode(self) -> str:
        return "dates" if self.raw.get("age_mode") == "dates" else "ages"

    @property
    def count_mode(self) -> str:
        return "history" if self.raw.get("count_mode") == "history" else "counts"

    def date_parts(self, name: str) -> dict[str, str]:
        """Date `name`'s three fields as typed (or as stored)."""
        return {p: self.raw.get(f"{name}-{p}", "") for p in PARTS}

    def draft_dates(self) -> dict[str, dict[str, str]]:
        """Every date typed but not real yet that the draft keeps (by its input's name)."""
        if self.count_mode != "history":
            return dict(self.typed_dates)
        return {**self.typed_dates, **self.history.typed_dates()}

    def use_history(self, history: History) -> None:
        """Give the convictions as this sentencing history (after "Add another offence" or
        "Remove")."""
        self.history = history
        self.raw["count_mode"] = "history"
        for name in (*COUNT_FIELDS, "burglary"):
            self.facts.pop(name, None)
        self.facts.pop("occasions", None)
        if history.rows:
            self.facts["occasions"] = history.occasions


def labels(rs: RM2000Ruleset) -> dict[str, str]:
    """Each fact's label (the widget form's: `instruments.rm2000_words`)."""
    return words.fact_labels(rs)


def _int_or_text(text: str) -> int | str | None:
    s = text.strip()
    if not s:
        return None
    return int(s) if re.fullmatch(r"[+-]?\d+", s) else s


def _yes_no(text: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(text or "")


def parse(form: Mapping[str, str], rs: RM2000Ruleset | None = None) -> RM2000Answers:
    """A posted scoring form → answers (blank stays blank: the engine says what is missing;
    `rs`: the ruleset whose counted disposals a history row offers first)."""
    raw = {k: str(v) for k, v in form.items()}
    facts: dict[str, Any] = {}
    problems: list[Problem] = []

    def put(name: str, value: Any) -> None:
        if value is not None:
            facts[name] = value

    sex = raw.get("sex", "")
    if sex == "other":
        put("sex", raw.get("sex_other", "").strip())
    elif sex in ("male", "female"):
        facts["sex"] = sex
    typed_dates: dict[str, dict[str, str]] = {}
    if raw.get("age_mode") == "dates":
        for name in DATE_FIELDS:
            got = date_input.read(date_input.posted_parts(raw, name), name)
            if got.value is not None:
                facts[name] = got.value.isoformat()
            elif got.typed is not None:
                typed_dates[name] = got.typed
    else:
        for name in AGE_FIELDS:
            put(name, _int_or_text(raw.get(name, "")))
    put(ELIGIBILITY, _yes_no(raw.get(ELIGIBILITY)))
    history, bad = history_forms.posted(
        raw, disposal_options(rs.counting.counted_disposals if rs else []))
    problems += [Problem(where, text) for where, text in bad]
    if raw.get("count_mode") == "history":
        if history.rows:
            facts["occasions"] = history.occasions
    else:
        for name in COUNT_FIELDS:
            put(name, _int_or_text(raw.get(name, "")))
        put("burglary", _yes_no(raw.get("burglary")))
    for name in FACTOR_FIELDS:
        put(name, _yes_no(raw.get(name)))
    evidence = {}
    for name in FACTOR_FIELDS:
        note = raw.get(f"evidence_{name}", "").strip()
        if not note:
            continue
        bad = text_problem(note, EVIDENCE_MAX)
        if bad:
            problems.append(Problem(f"f-evidence_{name}", f"The evidence note {bad[0]}: "
                                                          f"{bad[1]}"))
        else:
            evidence[name] = note
    mode = raw.get("mode", "form")
    mode = mode if mode in {m for m, _ in OWN_MODES} else "form"
    typed = {name: raw.get(f"own_{name}", "") for name in OWN_FIELDS}
    return RM2000Answers(raw=raw, facts=facts, evidence=evidence, mode=mode,
                         entered=entered_value(mode, typed), problems=problems,
                         typed_dates=typed_dates, history=history)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def from_stored(parts: Restored) -> RM2000Answers:
    """A stored draft or submission → the form's inputs."""
    facts = dict(parts.facts)
    raw: dict[str, str] = {name: _shown(facts.get(name)) for name in
                           (*AGE_FIELDS, *COUNT_FIELDS, *YES_NO)}
    # a date typed but not real yet, where the facts have none (a fact stored since wins)
    typed_dates = {k: v for k, v in parts.typed_dates.items()
                   if k in DATE_FIELDS and facts.get(k) in (None, "")}
    for name in DATE_FIELDS:
        value = facts.get(name)
        shown = typed_dates[name] if name in typed_dates else date_input.stored_parts(value) \
            if value not in (None, "") else {}
        raw |= {f"{name}-{p}": shown.get(p, "") for p in PARTS}
    sex = facts.get("sex")
    if sex is not None and str(sex).strip().lower() in ("male", "female"):
        raw["sex"] = str(sex).strip().lower()
    elif sex is not None:
        raw["sex"], raw["sex_other"] = "other", str(sex)
    raw["age_mode"] = "dates" if typed_dates or any(facts.get(k) is not None
                                                    for k in DATE_FIELDS) else "ages"
    history = history_forms.stored(facts.get("occasions"), parts.typed_dates)
    raw["count_mode"] = "history" if facts.get("occasions") is not None else "counts"
    for name, note in parts.evidence.items():
        raw[f"evidence_{name}"] = note
    raw["mode"] = parts.mode
    for name in OWN_FIELDS:
        raw[f"own_{name}"] = _shown(parts.entered.get(name))
    entered = dict(parts.entered)
    if parts.mode == "na":
        entered = {"not_applicable": True}
    return RM2000Answers(raw=raw, facts=facts, evidence=dict(parts.evidence), mode=parts.mode,
                         entered=entered if parts.mode != "form" else {},
                         typed_dates=typed_dates, history=history)


def date_problems(a: RM2000Answers, rs: RM2000Ruleset) -> list[Problem]:
    """Each date typed (when ages are given as dates) that is not a real date yet, as the Design
    System words it, with the parts at fault."""
    if a.age_mode != "dates":
        return []
    names = labels(rs)
    out = []
    for name, typed in a.typed_dates.items():
        found = date_input.read(typed, names[name]).problem
        if found is not None:
            out.append(Problem(f"f-{name}", found.message, found.parts))
    return out


def history_problems(a: RM2000Answers) -> list[Problem]:
    """Each history row's date typed but not real yet (only when the history is chosen)."""
    if a.count_mode != "history":
        return []
    return [Problem(where, text, parts)
            for where, text, parts in history_forms.problems_of_dates(a.history)]


def _history_problem(a: RM2000Answers, path: list[str], message: str,
                     names: dict[str, str]) -> Problem:
    """An engine error within `occasions` (path: ['0', 'offences', '1', 'name']), beside the
    row it comes from."""
    i = row_for(a.history.row_map, path)
    if i is None:
        return Problem("f-occasions", f"Sentencing history {words.humanise(message, names)}")
    n, part = i + 1, path[-1]
    if part == "date":
        text = f"Enter the date offence {n} was sentenced" if message.startswith(
            "is required") else f"Offence {n} date {words.humanise(message, names)}"
        return Problem(f"f-hist{n}_date", text, PARTS)
    if part == "name":
        text = f"Enter what offence {n} was" if message.startswith("is required") else \
            f"Offence {n} {words.humanise(message, names)}"
        return Problem(history_forms.row_id(n), text)
    return Problem(history_forms.row_id(n, "disposal" if part == "disposal" else "name"),
                   f"Offence {n} ({part}) {words.humanise(message, names)}")


def _order(p: Problem) -> tuple[int, int, int]:
    """Where a problem's field is on the page (history rows in order, after the choice)."""
    m = re.fullmatch(r"f-hist([0-9]+)_(.*)", p.field)
    if m:
        parts = ("date", "name", "disposal")
        return (FORM_ORDER["f-occasions"], int(m.group(1)),
                parts.index(m.group(2)) if m.group(2) in parts else len(parts))
    return (FORM_ORDER.get(p.field, len(FORM_ORDER)), 0, 0)


def problems(a: RM2000Answers, check: RM2000Check, rs: RM2000Ruleset) -> list[Problem]:
    """Every problem of one submit, each with the input it belongs to, in the form's order."""
    names = labels(rs)
    dates = date_problems(a, rs) + history_problems(a)
    out = list(a.problems) + dates
    said = {p.field for p in dates}  # a date not real yet: the engine's "needed" adds nothing
    counts: list[str] = []  # counts the history cannot give yet (history chosen)
    for e in check.facts:
        top = e.field.split(".")[0]
        if top == "occasions" and "." in e.field and a.count_mode == "history":
            found = _history_problem(a, e.field.split(".")[1:], e.message, names)
            if found.field not in said:
                out.append(found)
            continue
        key = words.route(top, age_mode=a.age_mode, count_mode=a.count_mode,
                          sex_other=a.raw.get("sex") == "other")
        if f"f-{key}" in said:
            continue
        text = words.required_sentence(top, key, names, yes_no=key in YES_NO,
                                       history=False) \
            if e.message.startswith("is required") else None
        text = text or words.sentence(top, e.message, names)
        if key == "occasions" and a.count_mode == "history":
            counts.append(text)
            continue
        out.append(Problem(f"f-{key}", text, PARTS if key in DATE_FIELDS else ()))
    if not a.history.rows and counts:
        out.append(Problem("f-occasions", "Enter at least one offence in the sentencing "
                                          "history, or choose Enter counts"))
    elif not any(p.field.startswith("f-hist") for p in out):  # else: a row's problem first
        out += [Problem("f-occasions", text) for text in dict.fromkeys(counts)]
    out += [Problem(f"f-own_{name}", text) for name, text in check.entered]
    out += [Problem("f-mode", text) for text in check.other]
    return sorted(out, key=_order)  # as on screen


def errors_by_field(found: list[Problem]) -> dict[str, str]:
    """Input id → its inline error text (several joined)."""
    out: dict[str, list[str]] = {}
    for p in found:
        out.setdefault(p.field, []).append(p.message)
    return {k: " ".join(v) for k, v in out.items()}


def wrong_parts(found: list[Problem]) -> dict[str, tuple[str, ...]]:
    """A date's id → the parts to highlight (only those at fault)."""
    out: dict[str, tuple[str, ...]] = {}
    for p in found:
        if p.parts:
            out[p.field] = tuple(x for x in PARTS if x in {*out.get(p.field, ()), *p.parts})
    return out


def answer_rows(a: RM2000Answers, rs: RM2000Ruleset) -> list[tuple[str, str, str]]:
    """Check your answers: (question, answer, input id for its Change link)."""
    names = labels(rs)
    f = a.facts
    rows: list[tuple[str, str, str]] = []

    def shown(v: Any) -> str:
        if v is None:
            return "Not answered"
        if isinstance(v, bool):
            return "Yes" if v else "No"
        return str(v)

    sex = f.get("sex")
    rows.append((names["sex"], dict(SEX_CHOICES).get(sex, shown(sex)) if sex else "Not answered",
                 "f-sex"))
    if a.age_mode == "dates":
        for name in DATE_FIELDS:
            value = date_input.as_date(f.get(name))
            rows.append((names[name], date_text(value) if value else
                         shown(f.get(name)), f"f-{name}-day"))
    else:
        for name in AGE_FIELDS:
            rows.append((names[name], shown(f.get(name)), f"f-{name}"))
    rows.append((names[ELIGIBILITY], shown(f.get(ELIGIBILITY)), f"f-{ELIGIBILITY}"))
    if a.count_mode == "history":
        rows.append((names["occasions"], history_forms.check_line(a.history) or
                     "No offences entered", "f-hist1_date-day"))
    else:
        for name in (*COUNT_FIELDS, "burglary"):
            rows.append((names[name], shown(f.get(name)), f"f-{name}"))
    for name in FACTOR_FIELDS:
        note = a.evidence.get(name, "")
        rows.append((names[name], shown(f.get(name)) + (f". Evidence: {note}" if note else ""),
                     f"f-{name}"))
    how = dict(OWN_MODES)[a.mode]
    rows.append(("How you give your result", how, "f-mode"))
    if a.mode == "own":
        for name, (label, _kind, _hint) in OWN_FIELDS.items():
            rows.append((label, shown(a.entered.get(name)), f"f-own_{name}"))
    return rows
