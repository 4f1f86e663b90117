"""The automatic release point of a standard determinate sentence, from `law_rules.yaml`.

Criminal Justice Act 2003: half (s.244(3)(a)); two-thirds under s.244ZA(4) (7 years or more,
imposed from 1 April 2020, for a Schedule 15 offence with a maximum of life; first made by
SI 2020/158) or s.244ZA(5) (4 to under 7 years, imposed from 28 June 2022, for an offence within
s.244ZA(7): a Part 2 offence with a maximum of life, or a listed Part 1 offence); 40% under
SI 2024/844 for a prisoner not past the halfway point when it came into force (10 September
2024; 22 October 2024 for earlier sentences of 5 years or more), except an offence in its
Schedule or a sentence of 4 years or more for a Part 1 offence. The Sentencing Act 2026, s.23
(one-third; one-half for s.244ZA(4)/(5)) applies only once the data gives its commencement;
until then a release after its Royal Assent carries a caveat. Offenders under 18 at sentence
(s.244ZA(6), s.250 detention) are not encoded and are refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from .law_rules import LawRules, Offence, law_rules, offence

DAY = dt.timedelta(days=1)
MONTHS = {"year": 12.0, "month": 1.0, "week": 7 / 30.4375}
Term = tuple[int, str]


class NotEncoded(ValueError):
    """A sentence the release rule does not cover; the message says what to check by hand."""


@dataclass(frozen=True)
class ReleasePoint:
    fraction: Fraction
    provision: str      # e.g. "s.244ZA(5)"
    source: str
    not_before: dt.date | None = None   # the 40% order's commencement, when that is later


def term_months(term: Term) -> float:
    """A term `(number, unit)` in months (a week is 7/30.4375 of a month)."""
    number, unit = term
    return number * MONTHS[unit]


def release_point(offences: list[str], term: Term, sentenced: dt.date, age_at_sentence: int,
                  rules: LawRules | None = None) -> ReleasePoint:
    """The fraction of a standard determinate sentence of imprisonment (or detention in a young
    offender institution) served before automatic release. `offences` are the names on the
    record (each must be in the table); `term` is `(number, unit)`, unit year, month or week."""
    rules = rules or law_rules()
    months = term_months(term)
    if age_at_sentence < 18:
        raise NotEncoded("the person was under 18 when sentenced: s.244ZA(6) and s.250 "
                         "detention are not encoded — check the release point by hand")
    facts = [offence(name, rules) for name in offences]
    for scheme in rules.release.two_thirds:
        if sentenced < scheme.imposed_from or months < scheme.min_months or (
                scheme.below_months is not None and months >= scheme.below_months):
            continue
        if any(_qualifies(f, scheme.offences) for f in facts):
            return ReleasePoint(Fraction(2, 3), scheme.id, scheme.source)
    forty = rules.release.forty_per_cent
    half = ReleasePoint(rules.release.default.fraction, "s.244(3)(a)",
                        rules.release.default.source)
    starts = forty.new_sentences_from if (sentenced >= forty.new_sentences_from or months
                                          < forty.existing_under_months) \
        else forty.existing_5_years_or_more_from
    if _point(sentenced, term, half.fraction) < starts:
        return half  # already past the halfway point when the order came into force
    if _sds40_excluded(facts, months, forty.excluded_part_1_from_months):
        return half
    return ReleasePoint(forty.fraction, "SI 2024/844, art. 3", forty.source, not_before=starts)


def sentence_end(sentenced: dt.date, term: Term) -> dt.date:
    """The last day of a term that starts on the day of sentence (no remand to credit)."""
    number, unit = term
    if unit == "week":
        return sentenced + dt.timedelta(weeks=number) - DAY
    return _add_months(sentenced, number * (12 if unit == "year" else 1)) - DAY


def release_date(sentenced: dt.date, term: Term, point: ReleasePoint) -> dt.date:
    """The day the fraction of the term (counted in days from the day of sentence, rounded up)
    is served, or the 40% order's commencement when that is later. Before the weekend rule."""
    day = _point(sentenced, term, point.fraction)
    return max(day, point.not_before) if point.not_before else day


def sentencing_act_2026_caveat(release: dt.date, rules: LawRules | None = None) -> str:
    """What a case must say about the Sentencing Act 2026, s.23, for a release on `release`;
    raises NotEncoded once the data says s.23 is in force on that day."""
    act = (rules or law_rules()).release.sentencing_act_2026_s23
    if act.in_force_from is not None and release >= act.in_force_from:
        raise NotEncoded("the Sentencing Act 2026, s.23 is in force on the release date: its "
                         "release points are not encoded — check by hand")
    if release < act.royal_assent:
        return ""
    return ("the release is stated as the law stood before the Sentencing Act 2026, s.23 "
            "(not in force; commencement by regulations, s.49)")


def _qualifies(fact: Offence, kind: str) -> bool:
    if not fact.life:
        return False
    if fact.schedule_15 == "unchecked":
        raise NotEncoded(f"{fact.statute} has a maximum of life but its Schedule 15 part is "
                         "unchecked in law_rules.yaml — fix: check Sch. 15 and record the part")
    if kind == "schedule-15-life":
        return fact.schedule_15 in (1, 2)
    return fact.schedule_15 == 2 or fact.s244za_7_part_1


def _sds40_excluded(facts: list[Offence], months: float, part_1_from: float) -> bool:
    for fact in facts:
        if fact.sds40_excluded == "unchecked" or (fact.schedule_15 == "unchecked"
                                                  and months >= part_1_from):
            raise NotEncoded(f"whether SI 2024/844 excludes {fact.statute} is unchecked in "
                             "law_rules.yaml — fix: check its Schedule (and Sch. 15 Part 1)")
        if fact.sds40_excluded != "no" or (fact.schedule_15 == 1 and months >= part_1_from):
            return True
    return False


def _point(sentenced: dt.date, term: Term, fraction: Fraction) -> dt.date:
    days = (sentence_end(sentenced, term) - sentenced).days + 1
    served = -(-days * fraction.numerator // fraction.denominator)  # rounded up
    return sentenced + dt.timedelta(days=served) - DAY


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    target = dt.date(day.year + year, month + 1, 1)
    last = ((target.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - DAY).day
    return target.replace(day=min(day.day, last))
