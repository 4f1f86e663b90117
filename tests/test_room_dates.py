"""The room page's GOV.UK date input (`serving/room/date_input.py`): every rule of the Design
System's error messages (the highest priority problem only; only the parts at fault
highlighted), the inputs it accepts (spaces, leading zeros, ordinals, month names), the
calendar's boundaries (29 February in leap and other years, 31 April, month 13), what a draft
keeps, and a property test: any real date round-trips through the three fields."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rso_widgets.reports.text import date_text
from rso_widgets.serving.room.date_input import (
    DateProblem,
    DateRead,
    as_date,
    posted_parts,
    read,
    split,
    stored_parts,
)


def parts(day: str = "", month: str = "", year: str = "") -> dict[str, str]:
    return {"day": day, "month": month, "year": year}


def problem(day: str, month: str, year: str, subject: str = "Date of birth") -> DateProblem:
    got = read(parts(day, month, year), subject)
    assert got.value is None and got.problem is not None, got
    assert got.typed == parts(day, month, year)  # kept as typed, for the draft
    return got.problem


def test_all_blank_is_no_date_and_no_problem():
    assert read(parts(), "Date of birth") == DateRead()
    assert read(parts(" ", "\t", ""), "Date of birth") == DateRead()  # whitespace is blank
    assert read({}, "Date of birth") == DateRead()


@pytest.mark.parametrize(("typed", "message", "highlight"), [
    (("", "3", "1980"), "Date of birth must include a day", ("day",)),
    (("27", "", "1980"), "Date of birth must include a month", ("month",)),
    (("27", "3", ""), "Date of birth must include a year", ("year",)),
    (("", "", "1980"), "Date of birth must include a day and month", ("day", "month")),
    (("", "3", ""), "Date of birth must include a day and year", ("day", "year")),
    (("27", " ", ""), "Date of birth must include a month and year", ("month", "year")),
])
def test_a_date_missing_parts_names_them_and_highlights_only_them(typed, message, highlight):
    assert problem(*typed) == DateProblem(message, highlight)


@pytest.mark.parametrize("year", ["80", "1", "198", "19800", "02"])
def test_a_year_without_4_numbers(year):
    assert problem("27", "3", year) == DateProblem(
        "Date of birth year must include 4 numbers", ("year",))


@pytest.mark.parametrize(("typed", "highlight"), [
    (("32", "3", "1980"), ("day",)),
    (("0", "3", "1980"), ("day",)),
    (("x", "3", "1980"), ("day",)),
    (("27", "13", "1980"), ("month",)),
    (("27", "0", "1980"), ("month",)),
    (("27", "Marchy", "1980"), ("month",)),
    (("27", "3", "0000"), ("year",)),
    (("27", "3", "19x0"), ("year",)),
    (("32", "13", "1980"), ("day", "month")),
    (("31", "4", "2026"), ("day",)),  # April has 30 days
    (("29", "2", "2023"), ("day",)),  # not a leap year
    (("29", "2", "1900"), ("day",)),  # a century that is not a leap year
    (("30", "2", "2024"), ("day",)),
    (("1.5", "3", "1980"), ("day",)),
    (("-1", "3", "1980"), ("day",)),
])
def test_a_date_that_cannot_be_real_highlights_the_parts_at_fault(typed, highlight):
    assert problem(*typed, subject="Assessment date") == DateProblem(
        "Assessment date must be a real date", highlight)


def test_missing_parts_come_before_anything_that_cannot_be_correct():
    # the Design System: show the highest priority problem only
    assert problem("32", "", "1980").message == "Date of birth must include a month"
    assert problem("32", "13", "80").message == "Date of birth year must include 4 numbers"


@pytest.mark.parametrize(("typed", "expected"), [
    (("29", "2", "2024"), dt.date(2024, 2, 29)),  # a leap year
    (("29", "2", "2000"), dt.date(2000, 2, 29)),  # a century that is a leap year
    (("30", "4", "2026"), dt.date(2026, 4, 30)),
    (("31", "12", "1999"), dt.date(1999, 12, 31)),
    (("1", "1", "0001"), dt.date(1, 1, 1)),
    (("03", "07", "1999"), dt.date(1999, 7, 3)),  # leading zeros
    (("003", "007", "1999"), dt.date(1999, 7, 3)),
    ((" 3 ", "\t7", " 1999 "), dt.date(1999, 7, 3)),  # spaces around a part
    (("3rd", "jul", "1999"), dt.date(1999, 7, 3)),  # an ordinal, a month's short name
    (("1ST", "September", "1999"), dt.date(1999, 9, 1)),
    (("22nd", "Sept", "1999"), dt.date(1999, 9, 22)),
    (("2", "feb.", "2020"), dt.date(2020, 2, 2)),
])
def test_unambiguous_dates_are_accepted(typed, expected):
    assert read(parts(*typed), "Date of birth") == DateRead(value=expected)


def test_the_fields_show_a_date_without_leading_zeros_and_a_stored_text_as_typed():
    assert split(dt.date(2007, 3, 27)) == parts("27", "3", "2007")
    assert split(dt.date(999, 1, 2)) == parts("2", "1", "0999")
    assert stored_parts("1998-08-03") == parts("3", "8", "1998")
    assert stored_parts(dt.date(1998, 8, 3)) == parts("3", "8", "1998")
    assert stored_parts(dt.datetime(1998, 8, 3, 10, 0)) == parts("3", "8", "1998")
    assert stored_parts("1980-13-01") == parts("01", "13", "1980")  # not real: to correct
    assert stored_parts("next week") == parts("", "", "next week")
    assert stored_parts(None) == parts()
    assert date_text(dt.date(1998, 8, 3)) == "3 August 1998"  # what check answers shows
    assert as_date("1998-08-03") == as_date(dt.datetime(1998, 8, 3, 9)) == dt.date(1998, 8, 3)
    assert as_date("3 August 1998") is None and as_date(None) is None


def test_what_a_draft_keeps_is_bounded_and_read_back_safely():
    form = {"dob-day": "3", "dob-month": "x" * 500, "other": "1"}
    assert posted_parts(form, "dob") == parts("3", "x" * 20, "")
    assert read(posted_parts(form, "dob"), "Date of birth").typed == parts("3", "x" * 20, "")
    # a page from before the date input (one ISO field), still open across an upgrade
    assert posted_parts({"dob": "1998-08-03"}, "dob") == parts("3", "8", "1998")
    assert posted_parts({"dob": " "}, "dob") == parts()
    assert posted_parts({"dob": "1998-08-03", "dob-day": "4"}, "dob") == parts("4", "", "")


@given(st.dates())
def test_any_real_date_round_trips_through_the_three_fields(value):
    assert read(split(value), "Date of birth") == DateRead(value=value)


@given(st.dates(), st.sampled_from(["", " ", "  ", "\t"]), st.sampled_from(["", "0", "00"]))
def test_any_real_date_typed_with_spaces_and_leading_zeros_reads_the_same(value, pad, zeros):
    typed = {p: f"{pad}{zeros}{v}{pad}" if p != "year" else f"{pad}{v}{pad}"
             for p, v in split(value).items()}
    assert read(typed, "Date of birth").value == value


def test_the_scoring_form_keeps_real_dates_as_iso_and_the_rest_as_typed():
    from rso_widgets.calibration.workshop.answers import restore_parts
    from rso_widgets.serving.room import forms

    posted = {"age_mode": "dates", "date_of_birth-day": "03", "date_of_birth-month": "aug",
              "date_of_birth-year": "1998", "assessment_date-day": "10",
              "commencement_date-year": "2022"}
    a = forms.parse(posted)
    assert a.facts == {"date_of_birth": "1998-08-03"}
    assert a.typed_dates == {"assessment_date": parts("10", "", ""),
                             "commencement_date": parts("", "", "2022")}
    ages = forms.parse({**posted, "age_mode": "ages"})  # dates not chosen: none kept
    assert ages.typed_dates == {} and "date_of_birth" not in ages.facts
    # read back: typed as typed, a real date as its three fields; a fact stored since wins
    back = forms.from_stored(restore_parts({"facts": a.facts, "typed_dates": {
        **a.typed_dates, "date_of_birth": parts("1", "", "")}}))
    assert back.age_mode == "dates" and set(back.typed_dates) == set(a.typed_dates)
    assert back.date_parts("date_of_birth") == parts("3", "8", "1998")
    assert back.date_parts("assessment_date") == parts("10", "", "")
