"""Confidence in practice (issue 16): marking, confident errors first, and how well confidence
matched accuracy, in plain words and as a statistic."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rso_widgets.calibration.confidence import (
    LEVELS,
    Judged,
    confidence_problem,
    confident_errors_first,
    gamma,
    judged,
    summarise_confidence,
)

T0 = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)


def j(level: str, right: bool, topic: str = "S", days: int = 0) -> Judged:
    return Judged(topic=topic, level=level, right=right, at=T0 + dt.timedelta(days=days))


def test_every_category_needs_a_level() -> None:
    assert confidence_problem({"S": "sure", "V": "unsure", "C": "fairly_sure"}, "SVC") == {}
    problems = confidence_problem({"S": "sure", "V": "certain"}, "SVC")
    assert set(problems) == {"V", "C"}
    assert "not a level" in problems["V"] and "say how sure" in problems["C"]


def test_judged_pairs_confidence_with_the_key() -> None:
    items = judged({"S": "sure", "V": "unsure", "X": "sure"},
                   {"S": ("high", "high"), "V": ("low", "medium")})
    assert [(i.topic, i.right) for i in items] == [("S", True), ("V", False)]
    assert judged(None, {"S": ("high", "high")}) == []


def test_confident_errors_come_first() -> None:
    items = [j("unsure", False, "S"), j("sure", True, "V"), j("sure", False, "C"),
             j("fairly_sure", False, "X")]
    assert [i.topic for i in confident_errors_first(items)] == ["C", "X", "S", "V"]


def test_plain_words_per_level() -> None:
    items = [j("sure", True)] * 9 + [j("sure", False)] + [j("unsure", False)] * 2 + [
        j("unsure", True)]
    s = summarise_confidence(items)
    assert s.levels[0].sentence() == "When you were sure, you were right 9 times out of 10."
    assert "When you were unsure, you were right 1 time out of 3." in s.headline()
    assert "right more often when you are sure" in s.headline()
    assert s.overconfident == 1


def test_headline_when_sure_is_not_more_often_right() -> None:
    s = summarise_confidence([j("sure", False), j("unsure", True)])
    assert "worth checking the answers you feel sure of" in s.headline()
    assert summarise_confidence([]).headline().startswith("No answer")


def test_over_time_by_month() -> None:
    s = summarise_confidence([j("sure", True), j("sure", False, days=40)])
    assert [p.period for p in s.over_time] == ["2026-03", "2026-04"]
    assert [p.levels[0].right for p in s.over_time] == [1, 0]


def test_gamma_extremes_and_ties() -> None:
    assert gamma([j("sure", True), j("unsure", False)]) == 1.0
    assert gamma([j("sure", False), j("unsure", True)]) == -1.0
    assert gamma([j("sure", True), j("sure", False)]) is None  # all tied on confidence
    assert gamma([]) is None


@given(st.lists(st.tuples(st.sampled_from(LEVELS), st.booleans()), max_size=40))
def test_invariants(pairs: list[tuple[str, bool]]) -> None:
    items = [j(level, right) for level, right in pairs]
    ordered = confident_errors_first(items)
    assert sorted(map(id, ordered)) == sorted(map(id, items))
    rights = [i.right for i in ordered]
    assert rights == sorted(rights)  # every error before every right answer
    g = gamma(items)
    assert g is None or -1.0 <= g <= 1.0
    s = summarise_confidence(items)
    assert sum(lv.answers for lv in s.levels) == len(items)
    assert all(0 <= lv.right <= lv.answers for lv in s.levels)


@pytest.mark.parametrize("level", LEVELS)
def test_each_level_has_a_sentence(level: str) -> None:
    s = summarise_confidence([j(level, True)])
    assert any(lv.sentence().startswith("When you were") for lv in s.levels if lv.answers)
