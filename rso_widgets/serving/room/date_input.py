"""The GOV.UK date input on the room page: a date typed as three fields (Day, Month, Year) read
into a date, or the one error the Design System says for it, with the parts to highlight.

Rules (design-system.service.gov.uk/components/date-input, "Error messages"): the highest
priority problem only, in this order — missing or incomplete parts ("Date of birth must include a
month", "… must include a day and year"; a year without 4 numbers: "Date of birth year must
include 4 numbers"), then parts that cannot be correct ("Date of birth must be a real date": day
32, month 13, 31 April, 29 February outside a leap year). Only the parts at fault are
highlighted; the summary's link goes to the first of them. Accepted as typed: spaces around a
part, leading zeros ("03"), a day's ordinal ("3rd") and a month's name in full or short ("jan",
"Sept"), as the Design System asks. All blank is no date (whether one is required is the caller's
rule). Pure Python: no server or widget import."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

PARTS = ("day", "month", "year")
PART_MAX = 20  # characters of one part kept in a draft (a date part is at most a month's name)
MONTHS = {name: n for n, full in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1) for name in (full, full[:3])}
MONTHS["sept"] = 9
_DAY = re.compile(r"0*([0-9]{1,2})(?:st|nd|rd|th)?", re.IGNORECASE)
_NUMBER = re.compile(r"0*([0-9]{1,2})")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class DateProblem:
    """The message for one date and the parts to highlight (the first is the summary's link)."""

    message: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class DateRead:
    """A date read from its three parts: the date, or what was typed and its problem (both
    None when every part is blank)."""

    value: dt.date | None = None
    typed: dict[str, str] | None = None
    problem: DateProblem | None = None


def posted_parts(form: Mapping[str, str], name: str) -> dict[str, str]:
    """The three parts of date `name` from a posted form (inputs `name-day`, `name-month`,
    `name-year`), as typed. A form with none of them but one ISO field `name` (a page loaded
    before this input, still open across an upgrade) is read as that date's parts."""
    if name in form and not any(f"{name}-{p}" in form for p in PARTS):
        return stored_parts(form[name]) if str(form[name]).strip() else {p: "" for p in PARTS}
    return {p: str(form.get(f"{name}-{p}", ""))[:PART_MAX] for p in PARTS}


def split(value: dt.date) -> dict[str, str]:
    """A date as the three fields show it: no leading zeros in day and month (27 3 2007)."""
    return {"day": str(value.day), "month": str(value.month), "year": f"{value.year:04d}"}


def stored_parts(value: object) -> dict[str, str]:
    """A stored date (a date or an ISO string) as the three fields; a stored text that is not an
    ISO date is shown as typed, split at its hyphens (year-month-day), so it can be corrected."""
    found = as_date(value)
    if found is not None:
        return split(found)
    text = "" if value is None else str(value).strip()
    pieces = text.split("-")
    if len(pieces) == 3:
        return {"day": pieces[2][:PART_MAX], "month": pieces[1][:PART_MAX],
                "year": pieces[0][:PART_MAX]}
    return {"day": "", "month": "", "year": text[:PART_MAX]}


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _day(text: str) -> int | None:
    m = _DAY.fullmatch(text)
    n = int(m.group(1)) if m else 0
    return n if 1 <= n <= 31 else None


def _month(text: str) -> int | None:
    m = _NUMBER.fullmatch(text)
    n = int(m.group(1)) if m else MONTHS.get(text.lower().rstrip("."), 0)
    return n if 1 <= n <= 12 else None


def read(parts: Mapping[str, str], subject: str) -> DateRead:
    """The date the three parts give, or the one problem to say (`subject` names the date in the
    message: "Date of birth")."""
    typed = {p: str(parts.get(p) or "")[:PART_MAX] for p in PARTS}
    day, month, year = (typed[p].strip() for p in PARTS)
    if not (day or month or year):
        return DateRead()
    missing = [p for p, v in zip(PARTS, (day, month, year), strict=True) if not v]
    if missing:
        return DateRead(typed=typed, problem=DateProblem(
            f"{subject} must include a {_and(missing)}", tuple(missing)))
    digits = _DIGITS.fullmatch(year) is not None
    if digits and len(year) != 4:
        return DateRead(typed=typed, problem=DateProblem(
            f"{subject} year must include 4 numbers", ("year",)))
    d, m = _day(day), _month(month)
    y = int(year) if digits and int(year) > 0 else None
    wrong = tuple(p for p, v in zip(PARTS, (d, m, y), strict=True) if v is None)
    if not wrong:
        assert d is not None and m is not None and y is not None
        try:
            return DateRead(value=dt.date(y, m, d))
        except ValueError:  # a day the month does not have (31 April, 29 February 2023)
            wrong = ("day",)
    return DateRead(typed=typed, problem=DateProblem(f"{subject} must be a real date", wrong))


def as_date(value: object) -> dt.date | None:
    """A stored date (a date, a datetime's day or an ISO string); None for anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return None

