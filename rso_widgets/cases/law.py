"""Checks of the law a case states, where code can work it out: the notification period that a
sentencing occasion says its sentence gives (Sexual Offences Act 2003, s.82), with the numbers
from `law_rules.yaml` (`notification`, with its sources).

s.82(1): imprisonment for life, for public protection or for 30 months or more: indefinitely;
more than 6 and less than 30 months: 10 years; 6 months or less: 7 years; a caution: 2 years; a
conditional discharge: the period of the discharge; any other sentence: 5 years. s.82(2): halved
for a person under 18 on the date of conviction or caution. s.131(a): a detention and training
order counts by the period of detention (half the order); s.131 also counts detention in a
young offender institution as imprisonment. A suspended sentence is a sentence of imprisonment
for its term with an order that it is not to take effect (Sentencing Act 2020, s.286(1); for
earlier sentences, Criminal Justice Act 2003, s.189(6)): it counts by its term, never by the
operational or supervision period. Whether the offence is notifiable at all (Sch. 3's
offence-specific conditions) is left to the case's author and its cited source; the case tests
(tests/test_case_law.py) work it out for the offences the library uses.

Each finding is `(field path, message, fix)`, as in `checks.py`.
"""

from __future__ import annotations

import re

from ..instruments.rm2000 import _years_between as years_between
from .law_rules import law_rules
from .schema import TrainingCase

Finding = tuple[str, str, str]

STATED = re.compile(r"notification requirements (?:indefinitely|for an indefinite period|"
                    r"for (\d+(?:\.\d+)?) (year|month)s?)", re.IGNORECASE)
TERM = re.compile(r"(\d+) (year|month|week)s?' (?:imprisonment|detention)", re.IGNORECASE)
DTO = re.compile(r"detention and training order, (\d+) (year|month)s?", re.IGNORECASE)
DISCHARGE = re.compile(r"conditional discharge, (\d+) (year|month)s?", re.IGNORECASE)
MONTHS = {"year": 12.0, "month": 1.0, "week": 7 / 30.4375}
INDEFINITE = re.compile(r"\b(?:imprisonment|custody|detention) for life\b|\blife imprisonment\b|"
                        r"for public protection", re.IGNORECASE)
SOURCE = "Sexual Offences Act 2003, s.82"


def s82_months(sentence: str, disposal: str, age_at_conviction: int) -> float | None:
    """The s.82 notification period in months for this sentence; None means indefinite. A
    suspended sentence counts by its term, as imprisonment."""
    rules = law_rules().notification
    text = sentence.lower()
    if disposal == "caution":
        months = rules.years_caution * 12
    elif m := DTO.search(text):
        months = _custodial(int(m.group(1)) * MONTHS[m.group(2)] / 2)  # s.131(a)
    elif m := TERM.search(text):  # immediate or suspended: the term, not the operational period
        months = _custodial(int(m.group(1)) * MONTHS[m.group(2)])
    elif INDEFINITE.search(text):
        return None
    elif m := DISCHARGE.search(text):
        return int(m.group(1)) * MONTHS[m.group(2)]  # the discharge's period, never halved
    else:
        months = rules.years_other * 12  # a sentence of any other description
    if months is None:
        return None
    return months * rules.under_18_factor if age_at_conviction < 18 else months


def suspended(sentence: str) -> bool:
    """The sentence is a suspended sentence (its term does not take effect unless activated)."""
    return "suspended" in sentence.lower()


def _custodial(term_months: float) -> float | None:
    rules = law_rules().notification
    if term_months >= rules.indefinite_from_months:
        return None
    years = rules.years_custody_over_6_months if term_months > rules.ten_years_over_months \
        else rules.years_custody_6_months_or_less
    return years * 12


def check_notification_periods(case: TrainingCase) -> list[Finding]:
    """Every occasion whose sentence states a notification period that s.82 does not give."""
    out: list[Finding] = []
    for i, occ in enumerate(case.history.occasions):
        stated = STATED.search(occ.sentence)
        if stated is None or occ.disposal not in ("conviction", "caution"):
            continue
        age = years_between(case.person.date_of_birth, occ.date)
        due = s82_months(occ.sentence, occ.disposal, age)
        said = None if stated.group(1) is None else float(stated.group(1)) * MONTHS[
            stated.group(2).lower()]
        if said != due:
            why = (" (a suspended sentence counts by its term of imprisonment, not by the "
                   "period it is suspended for)") if suspended(occ.sentence) else ""
            out.append((f"history.occasions[{i}].sentence",
                        f"states notification {_words(said)}, but {SOURCE} gives "
                        f"{_words(due)} for this sentence at age {age} on conviction{why}",
                        f"state the period s.82 gives ({_words(due)}), or correct the sentence"))
    return out


def _words(months: float | None) -> str:
    if months is None:
        return "indefinitely"
    years = months / 12
    return f"for {years:g} years" if months % 6 == 0 else f"for {months:g} months"
