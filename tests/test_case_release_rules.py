"""The release-point rule (rso_widgets/cases/release.py, data in cases/law_rules.yaml) at its
boundaries: the sentence's length, the date it was imposed, and the offence's maximum penalty
and Schedule 15 part (Criminal Justice Act 2003, ss.244 and 244ZA; SI 2020/158; SI 2024/844;
Sentencing Act 2026, s.23)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from rso_widgets.cases.law_rules import UnknownOffence, law_rules, offence
from rso_widgets.cases.release import (
    NotEncoded,
    release_date,
    release_point,
    sentence_end,
    sentencing_act_2026_caveat,
)

D = dt.date
HALF, TWO_THIRDS, FORTY = Fraction(1, 2), Fraction(2, 3), Fraction(2, 5)


def point(name: str, months: int, day: dt.date, age: int = 30):
    return release_point([name], (months, "month"), day, age)


@pytest.mark.parametrize(("name", "months", "day", "fraction", "provision"), [
    # s.244ZA(4) (first SI 2020/158): 7 years or more, imposed from 1 April 2020
    ("Rape", 84, D(2020, 3, 31), HALF, "s.244(3)(a)"),
    ("Rape", 84, D(2020, 4, 1), TWO_THIRDS, "s244ZA(4)"),
    ("Rape", 83, D(2021, 5, 4), HALF, "s.244(3)(a)"),
    ("Robbery", 84, D(2021, 5, 4), TWO_THIRDS, "s244ZA(4)"),    # Part 1, maximum life
    # s.244ZA(5): 4 to under 7 years, imposed from 28 June 2022, offence within s.244ZA(7)
    ("Assault by penetration", 83, D(2022, 6, 27), HALF, "s.244(3)(a)"),
    ("Assault by penetration", 83, D(2022, 6, 28), TWO_THIRDS, "s244ZA(5)"),
    ("Rape", 48, D(2023, 2, 6), TWO_THIRDS, "s244ZA(5)"),
    ("Rape", 47, D(2023, 2, 6), HALF, "s.244(3)(a)"),           # excluded from 40% (SOA 2003)
    ("Wounding with intent", 60, D(2023, 2, 6), TWO_THIRDS, "s244ZA(5)"),  # listed in (7)
    # the maximum penalty decides, not the seriousness of the label
    ("Sexual assault", 96, D(2023, 2, 6), HALF, "s.244(3)(a)"),          # maximum 10 years
    ("Sexual activity with a child", 72, D(2023, 2, 6), HALF, "s.244(3)(a)"),  # 14 years
    ("Robbery", 72, D(2023, 2, 6), HALF, "s.244(3)(a)"),  # Part 1 not in (7); 40% excluded
])
def test_two_thirds_at_its_boundaries(name: str, months: int, day: dt.date, fraction: Fraction,
                                      provision: str) -> None:
    got = point(name, months, day)
    assert (got.fraction, got.provision) == (fraction, provision)
    assert got.source


@pytest.mark.parametrize(("name", "months", "day", "fraction", "not_before"), [
    ("Theft", 24, D(2024, 9, 10), FORTY, D(2024, 9, 10)),       # imposed on commencement
    ("Theft", 24, D(2024, 9, 9), FORTY, D(2024, 9, 10)),        # not yet at half: 40% too
    ("Theft", 24, D(2022, 1, 4), HALF, None),                   # released before the order
    ("Theft", 84, D(2022, 1, 4), FORTY, D(2024, 10, 22)),       # 5 years or more: 22 October
    ("Theft", 84, D(2020, 1, 6), HALF, None),                   # half point 2023: released
    ("Assault occasioning actual bodily harm", 47, D(2024, 10, 1), FORTY, D(2024, 9, 10)),
    ("Assault occasioning actual bodily harm", 48, D(2024, 10, 1), HALF, None),  # art. 3(6)(b)
    ("Failing to comply with notification requirements", 6, D(2024, 10, 1), HALF, None),
    ("Breach of a sexual harm prevention order", 12, D(2024, 10, 1), HALF, None),
    ("Possession of indecent photographs of children", 12, D(2024, 10, 1), HALF, None),
])
def test_the_40_per_cent_point_and_its_exclusions(name: str, months: int, day: dt.date,
                                                  fraction: Fraction,
                                                  not_before: dt.date | None) -> None:
    got = point(name, months, day)
    assert (got.fraction, got.not_before) == (fraction, not_before)


def test_release_dates_count_the_fraction_in_days_and_wait_for_commencement() -> None:
    six_years = (6, "year")
    assert sentence_end(D(2022, 9, 26), six_years) == D(2028, 9, 25)
    rape = release_point(["Rape (Sexual Offences Act 2003, s.1)"], six_years, D(2022, 9, 26), 33)
    # 1,461 days: two-thirds is 974, the 974th day a Saturday (CJA 1961, s.23(3) moves it)
    assert release_date(D(2022, 9, 26), six_years, rape) == D(2026, 9, 26)
    theft = release_point(["Theft"], (24, "month"), D(2024, 9, 9), 30)
    assert release_date(D(2024, 9, 9), (24, "month"), theft) == D(2025, 6, 27)  # 292 of 730 days
    # half point 3 October 2024, 40% point 3 August 2024: released on the order's first day
    early = release_point(["Theft"], (20, "month"), D(2023, 12, 4), 30)
    assert early.fraction == FORTY and release_date(D(2023, 12, 4), (20, "month"),
                                                    early) == D(2024, 9, 10)
    assert sentence_end(D(2016, 6, 27), (16, "week")) == D(2016, 10, 16)


def test_what_the_rule_does_not_cover_is_refused_with_what_to_check() -> None:
    with pytest.raises(NotEncoded, match="under 18"):
        point("Rape", 60, D(2023, 2, 6), age=17)
    with pytest.raises(UnknownOffence, match="fix: add it"):
        point("Arson endangering life", 60, D(2023, 2, 6))
    rules = law_rules()
    blurred = rules.model_copy(update={"offences": [
        o.model_copy(update={"schedule_15": "unchecked"}) if o.id == "rape" else o
        for o in rules.offences]})
    with pytest.raises(NotEncoded, match="Schedule 15 part is unchecked"):
        release_point(["Rape"], (84, "month"), D(2023, 2, 6), 30, blurred)


def test_the_sentencing_act_2026_is_applied_only_from_its_commencement() -> None:
    assert sentencing_act_2026_caveat(D(2026, 1, 21)) == ""
    assert "s.23" in sentencing_act_2026_caveat(D(2026, 9, 25))
    rules = law_rules()
    act = rules.release.sentencing_act_2026_s23.model_copy(
        update={"in_force_from": D(2026, 9, 1)})
    commenced = rules.model_copy(update={"release": rules.release.model_copy(
        update={"sentencing_act_2026_s23": act})})
    with pytest.raises(NotEncoded, match=r"s\.23 is in force"):
        sentencing_act_2026_caveat(D(2026, 9, 25), commenced)
    assert sentencing_act_2026_caveat(D(2026, 8, 31), commenced)


def test_every_offence_entry_states_its_maximum_and_source() -> None:
    rules = law_rules()
    assert rules.provenance["written_on"] and all(s.source for s in rules.release.two_thirds)
    for entry in rules.offences:
        assert entry.maximum == "life" or entry.maximum > 0, entry.id
        assert "(read)" in entry.source or "(not re-read)" in entry.source, entry.id
    assert offence("Rape (Sexual Offences Act 2003, s.1)").life
    assert not offence("Sexual assault (allegation)").life
    assert offence("Assault by beating").id == "common-assault"
