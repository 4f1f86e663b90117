"""Dates on the page: reading a stored or typed value into a date, and showing one.

One parser for every widget. It reads a date, a datetime or an ISO string (blank is None); what
it does with anything else is the caller's choice, made explicit: `strict=True` (the default)
raises a ValueError naming the value and the form expected, for a value the person must correct;
`strict=False` returns None, for a stored draft whose date no longer reads (the field is shown
empty and the form's own check then asks for it). Dates are shown the GOV.UK way, as the reports
show them ("2 November 2026").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..reports.text import date_text as _report_date_text

EXAMPLE = "2019-03-01"


def as_date(value: Any, *, strict: bool = True, what: str = "date") -> dt.date | None:
    """A date from a date, datetime or ISO string; None when blank. Anything else: ValueError
    ("`what` … is not an ISO date such as 2019-03-01") when `strict`, else None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        if strict:
            raise ValueError(f"{what} {value!r} is not an ISO date such as {EXAMPLE}") from None
        return None


def date_text(d: dt.date | dt.datetime | None, missing: str = "not set") -> str:
    """GOV.UK style, the day only: 2 November 2026 (a datetime shows its date)."""
    if isinstance(d, dt.datetime):
        d = d.date()
    return _report_date_text(d, missing)
