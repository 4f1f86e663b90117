"""Times as a person reads them: UK local time (Europe/London, so British Summer Time from the
last Sunday in March to the last Sunday in October), written the GOV.UK way — "3:05pm on
7 December 2026", "9am", "midday", "midnight". The one rule for every page, message and report.

Stored times stay UTC (the store's columns, the audit log, spreadsheet cells, file names); only
what is shown is converted, here. Pure standard library: every layer may use it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def uk_time(t: dt.datetime) -> dt.datetime:
    """`t` as UK local time (a naive time is taken as UTC, as the store keeps them)."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).astimezone(UK)  # via UTC: a London wall time is normalised


def uk_date(t: dt.datetime) -> dt.date:
    """The UK calendar day `t` falls on (near midnight it can differ from the UTC day)."""
    return uk_time(t).date()


def day_text(d: dt.date) -> str:
    """7 December 2026 (a datetime is first taken to its UK day)."""
    if isinstance(d, dt.datetime):
        d = uk_date(d)
    return f"{d.day} {d:%B %Y}"


def clock_text(t: dt.datetime) -> str:
    """The UK time of day: 3:05pm, 9am, midday, midnight."""
    local = uk_time(t)
    hour, minute = local.hour, local.minute
    if minute == 0 and hour in (0, 12):
        return "midnight" if hour == 0 else "midday"
    suffix = "am" if hour < 12 else "pm"
    hour = hour % 12 or 12
    return f"{hour}{suffix}" if minute == 0 else f"{hour}:{minute:02d}{suffix}"


def when_text(t: dt.datetime | None, missing: str = "not recorded") -> str:
    """3:05pm on 7 December 2026 (UK local time); `missing` for None."""
    if t is None:
        return missing
    return f"{clock_text(t)} on {day_text(uk_date(t))}"
