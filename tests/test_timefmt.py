"""Times as a person reads them (`rso_widgets.timefmt`): UK local time written the GOV.UK way,
across both changes of the clocks; stored values stay UTC on both databases; and no page,
message or report writes a time any other way."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from identities import open_as
from pg_server import run_sql

from rso_widgets.calibration.workshop.gating import cohort_state
from rso_widgets.reports.text import datetime_text
from rso_widgets.timefmt import clock_text, day_text, uk_date, when_text

ROOT = Path(__file__).resolve().parents[1]
UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("instant", "shown"), [
    (utc(2026, 12, 7, 15, 5), "3:05pm on 7 December 2026"),  # GMT: UK time is UTC
    (utc(2026, 7, 2, 14, 5), "3:05pm on 2 July 2026"),  # BST: an hour ahead
    (utc(2026, 12, 7, 9, 0), "9am on 7 December 2026"),
    (utc(2026, 12, 7, 12, 0), "midday on 7 December 2026"),
    (utc(2026, 12, 7, 0, 0), "midnight on 7 December 2026"),
    (utc(2026, 12, 7, 0, 1), "12:01am on 7 December 2026"),
    (utc(2026, 6, 30, 23, 30), "12:30am on 1 July 2026"),  # the UK day, not the UTC one
    (dt.datetime(2026, 7, 2, 14, 5), "3:05pm on 2 July 2026"),  # naive: UTC, as stored
    (dt.datetime(2026, 7, 2, 16, 5, tzinfo=ZoneInfo("Europe/Paris")), "3:05pm on 2 July 2026"),
])
def test_a_time_is_shown_in_uk_time_the_govuk_way(instant, shown):
    assert when_text(instant) == shown
    assert datetime_text(instant) == shown  # the reports say the same
    assert when_text(None) == "not recorded" and when_text(None, "never") == "never"


def test_across_the_start_of_british_summer_time():
    """Last Sunday in March 2026 (29th): at 1am GMT the clocks go forward to 2am BST."""
    assert when_text(utc(2026, 3, 29, 0, 59)) == "12:59am on 29 March 2026"
    assert when_text(utc(2026, 3, 29, 1, 0)) == "2am on 29 March 2026"
    assert clock_text(utc(2026, 3, 28, 15, 5)) == "3:05pm"  # Saturday: GMT
    assert clock_text(utc(2026, 3, 30, 15, 5)) == "4:05pm"  # Monday: BST


def test_across_the_end_of_british_summer_time():
    """Last Sunday in October 2026 (25th): at 2am BST the clocks go back to 1am GMT, so 1:30am
    happens twice, an hour apart."""
    first, second = utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)
    assert when_text(first) == when_text(second) == "1:30am on 25 October 2026"
    assert clock_text(utc(2026, 10, 24, 15, 5)) == "4:05pm"  # Saturday: BST
    assert clock_text(utc(2026, 10, 26, 15, 5)) == "3:05pm"  # Monday: GMT
    assert uk_date(utc(2026, 10, 24, 23, 30)) == dt.date(2026, 10, 25)  # BST: past midnight
    assert uk_date(utc(2026, 10, 25, 23, 30)) == dt.date(2026, 10, 25)  # GMT: not yet


def test_a_day_is_written_in_full():
    assert day_text(dt.date(2026, 11, 2)) == "2 November 2026"
    assert day_text(utc(2026, 6, 30, 23, 30)) == "1 July 2026"


@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1),
                    timezones=st.sampled_from([UTC, ZoneInfo("Europe/London"),
                                               ZoneInfo("America/New_York")])))
def test_what_is_shown_depends_only_on_the_instant(t):
    london = t.astimezone(UTC).astimezone(ZoneInfo("Europe/London"))  # a real instant
    assert when_text(t) == when_text(t.astimezone(UTC))
    clock, day = when_text(t).split(" on ")
    assert day == f"{london.day} {london:%B %Y}"
    hour = london.hour % 12 or 12
    assert clock in ("midday", "midnight") or re.fullmatch(
        f"{hour}(:{london.minute:02d})?{'am' if london.hour < 12 else 'pm'}", clock)


def test_stored_times_stay_utc_and_only_the_words_are_uk_time(store_url):
    """A join code set to expire at 3:05pm BST is stored as 14:05 UTC (naive UTC on SQLite and
    PostgreSQL), read back as that instant in UTC, and shown as 3:05pm."""
    expires = dt.datetime(2027, 7, 2, 15, 5, tzinfo=ZoneInfo("Europe/London"))
    with open_as(store_url, user="tina") as store:
        cohort = store.create_cohort("Summer workshop", ["TC-01"], expires_at=expires)
        read = store.get_cohort(cohort.id)
    (raw,) = run_sql(store_url, "SELECT expires_at FROM cohorts WHERE id = :id", id=cohort.id)
    assert str(raw[0]).startswith("2027-07-02 14:05:00")
    assert read.expires_at == expires and read.expires_at.utcoffset() == dt.timedelta(0)
    assert "the join code expires at 3:05pm on 2 July 2027" in cohort_state(
        read, now=utc(2027, 7, 1, 9, 0))


# every time shown to a person goes through timefmt; these still write a clock time themselves
CLOCK_ALLOWED = {
    "rso_widgets/commands/store.py": "the audit log listing for administrators: UTC, 'Z'",
    "rso_widgets/reports/tables.py": "spreadsheet cells are the stored UTC values, so labelled",
    "rso_widgets/store/base.py": "a programmer's error: pass an aware datetime",
}


def test_no_time_is_formatted_outside_timefmt():
    clock = re.compile(r"%H|%I|%M|\}\}?\s*UTC|\(UTC\)")  # a clock format, or "… UTC" shown
    found = []
    for path in sorted((ROOT / "rso_widgets").rglob("*")):
        rel = path.relative_to(ROOT).as_posix()
        if path.suffix not in (".py", ".html", ".j2", ".js") or "/migrations/" in rel \
                or rel == "rso_widgets/timefmt.py" or rel in CLOCK_ALLOWED:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if clock.search(line) and not re.search(r"%Y%m%d|%Y-%m\"|isoformat", line):
                found.append(f"{rel}:{n}: {line.strip()}")
    assert found == [], "write times with rso_widgets.timefmt:\n" + "\n".join(found)
