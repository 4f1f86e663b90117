"""The validator's rule on the notification period a sentence states (rso_widgets/cases/law.py,
Sexual Offences Act 2003, s.82): the period worked out from the sentence (a suspended sentence
by its term), and a case that states another is refused at the occasion's sentence."""

from __future__ import annotations

import pytest

from rso_widgets.cases import load_cases
from rso_widgets.cases.law import check_notification_periods, s82_months
from rso_widgets.cases.law_rules import law_rules


@pytest.mark.parametrize(("sentence", "disposal", "age", "months"), [
    ("30 months' imprisonment", "conviction", 40, None),
    ("6 years' imprisonment", "conviction", 30, None),
    ("Imprisonment for life", "conviction", 30, None),
    ("29 months' imprisonment", "conviction", 30, 120),
    ("7 months' imprisonment", "conviction", 30, 120),
    ("6 months' imprisonment", "conviction", 30, 84),
    ("16 weeks' imprisonment", "conviction", 30, 84),
    ("20 months' detention in a young offender institution", "conviction", 19, 120),
    ("Community order, 12 months", "conviction", 30, 60),
    ("Fine", "conviction", 30, 60),
    ("Simple caution", "caution", 30, 24),
    ("Youth caution", "caution", 16, 12),
    ("Conditional discharge, 18 months", "conviction", 16, 18),  # the discharge, not halved
    ("Youth rehabilitation order, 12 months", "conviction", 17, 30),
    ("Detention and training order, 24 months", "conviction", 17, 60),  # 12 months' detention
    ("Detention and training order, 12 months", "conviction", 16, 42),  # 6 months: 7 years / 2
    ("2 years' detention", "conviction", 17, 60),
])
def test_s82_period_from_the_sentence(sentence: str, disposal: str, age: int,
                                      months: float | None) -> None:
    assert s82_months(sentence, disposal, age) == months


@pytest.mark.parametrize(("sentence", "age", "months"), [
    # A suspended sentence counts by its term (Sentencing Act 2020, s.286(1); CJA 2003,
    # s.189(6)), never by the operational period: each pair straddles an s.82 boundary.
    ("8 weeks' imprisonment suspended for 12 months", 30, 84),
    ("26 weeks' imprisonment suspended for 24 months", 30, 84),   # 26 weeks: under 6 months
    ("6 months' imprisonment suspended for 18 months", 30, 84),   # 6 months or less
    ("7 months' imprisonment suspended for 12 months", 30, 120),  # more than 6 months
    ("27 weeks' imprisonment suspended for 12 months", 30, 120),  # 27 weeks: over 6 months
    ("24 months' imprisonment suspended for 2 years", 30, 120),   # not the 2-year period
    ("29 months' imprisonment suspended for 2 years", 30, 120),
    ("30 months' imprisonment suspended for 3 years", 30, None),  # 30 months: indefinitely
    ("16 weeks' detention in a young offender institution, suspended for 12 months", 19, 84),
    ("12 months' detention in a young offender institution, suspended for 2 years", 20, 120),
])
def test_a_suspended_sentence_counts_by_its_term(sentence: str, age: int,
                                                  months: float | None) -> None:
    assert s82_months(sentence, "conviction", age) == months


def test_a_wrong_period_for_a_suspended_sentence_is_refused_and_explained() -> None:
    case = next(c for c in load_cases() if c.id == "TC-01")
    i = next(i for i, o in enumerate(case.history.occasions) if "notification" in o.sentence)
    wrong = _with_sentence(case, i, "20 weeks' imprisonment suspended for 24 months; "
                                    "notification requirements for 5 years")
    [(field, message, fix)] = check_notification_periods(wrong)
    assert field == f"history.occasions[{i}].sentence"
    assert "suspended sentence counts by its term" in message and "for 7 years" in fix
    right = _with_sentence(case, i, "20 weeks' imprisonment suspended for 24 months; "
                                    "notification requirements for 7 years")
    assert check_notification_periods(right) == []


def test_the_s82_numbers_come_from_the_data_file() -> None:
    rules = law_rules().notification
    assert (rules.indefinite_from_months, rules.ten_years_over_months) == (30, 6)
    assert rules.suspended_counts_as_imprisonment and "s.286(1)" in rules.suspended_source
    assert "s.82" in rules.source


def test_every_shipped_case_states_the_s82_period() -> None:
    assert [(c.id, f) for c in load_cases() for f in check_notification_periods(c)] == []


def _with_sentence(case, index: int, sentence: str):
    occasions = list(case.history.occasions)
    occasions[index] = occasions[index].model_copy(update={"sentence": sentence})
    history = case.history.model_copy(update={"occasions": occasions})
    return case.model_copy(update={"history": history})


def test_a_wrong_period_is_refused_at_the_sentence_with_the_right_one() -> None:
    case = next(c for c in load_cases() if c.id == "TC-01")
    i = next(i for i, o in enumerate(case.history.occasions) if "notification" in o.sentence)
    wrong = _with_sentence(case, i, "2 years' imprisonment; notification requirements for 7 years")
    [(field, message, fix)] = check_notification_periods(wrong)
    assert field == f"history.occasions[{i}].sentence"
    assert "for 7 years" in message and "s.82" in message
    assert "for 10 years" in fix
    indefinite = _with_sentence(case, i, "30 months' imprisonment; notification requirements "
                                         "for 10 years")
    [(_, message, fix)] = check_notification_periods(indefinite)
    assert "indefinitely" in fix


def test_a_wrong_period_reaches_the_case_validator() -> None:
    from rso_widgets.cases.checks import check_case
    from rso_widgets.instruments.ruleset import load_rm2000_ruleset

    case = next(c for c in load_cases() if c.id == "TC-19")
    i = next(i for i, o in enumerate(case.history.occasions) if "notification" in o.sentence)
    wrong = _with_sentence(case, i, "Detention and training order, 24 months; notification "
                                    "requirements for 10 years")  # not halved at 17
    assert any(f[0] == f"history.occasions[{i}].sentence" and "for 5 years" in f[2]
               for f in check_case(wrong, load_rm2000_ruleset()))
