"""Practice feedback: one test per error type and per trap, category distance, and what-if."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from rso_widgets.calibration.feedback import (
    Attempt,
    Feedback,
    compare,
    disputed_what_ifs,
    what_if,
)
from rso_widgets.cases import TrainingCase, load_cases
from rso_widgets.instruments.rm2000 import RM2000ValidationError
from rso_widgets.widgets.feedback import render_headline

CASES = {c.id: c for c in load_cases()}


def key_facts(case_id: str, **changes: Any) -> dict[str, Any]:
    facts = CASES[case_id].key_facts().model_dump(exclude_none=True)
    facts.update(changes)
    return facts


def key_entries(case: TrainingCase) -> dict[str, Any]:
    ex = case.key.expected
    return {"step1_points": ex.step1_points, "step1_category": ex.step1_category, "s": ex.s,
            "v": ex.v, "c": ex.c}


def attempt(facts: dict[str, Any], entered: dict[str, Any] | None = None) -> Attempt:
    return Attempt.model_validate({"facts": facts, "entered": entered})


def run(case_id: str, facts: dict[str, Any], entered: dict[str, Any] | None = None) -> Feedback:
    return compare(CASES[case_id], attempt(facts, entered))


def errors(fb: Feedback) -> dict[str, str]:
    return {r.id: r.error for r in fb.errors() if r.error}


def category(fb: Feedback, scale: str) -> tuple[str | None, str, int | None, str]:
    c = next(c for c in fb.categories if c.scale == scale)
    return c.trainee, c.key, c.distance, c.band


# --- agreement ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case_id", sorted(CASES))
def test_key_facts_and_key_results_agree_fully(case_id: str) -> None:
    case = CASES[case_id]
    entered = key_entries(case) if case.key.expected.applicable else {"not_applicable": True}
    fb = run(case_id, key_facts(case_id), entered)
    assert fb.agrees and not fb.errors()
    assert all(r.agree is not False for r in fb.rows)


def test_rows_carry_fact_band_points_and_rationale() -> None:
    fb = run("TC-02", key_facts("TC-02"))
    row = fb.row("S.age_at_commencement")
    assert (row.trainee, row.trainee_band, row.trainee_points) == (24, "18–24", 2)
    assert (row.key, row.key_band, row.key_points) == (24, "18–24", 2)
    assert "2022-11-15" in row.rationale
    assert fb.row("V.age_at_commencement").key_points == 3


# --- coding ------------------------------------------------------------------------------------

def test_coding_same_day_offences_counted_twice() -> None:
    fb = run("TC-02", key_facts("TC-02", sexual_appearances=2))
    row = fb.row("S.sexual_appearances")
    assert row.error == "coding" and (row.trainee, row.key) == (2, 1)
    assert (row.trainee_points, row.key_points) == (1, 0)
    assert "sentencing occasion" in row.rationale
    assert errors(fb) == {"S.sexual_appearances": "coding"}  # the totals follow, untyped
    assert fb.row("S.step1_points").follows_from == ["S.sexual_appearances"]
    assert category(fb, "S") == ("High", "Medium", 1, "1 apart")


def test_coding_stranger_met_online() -> None:
    fb = run("TC-03", key_facts("TC-03", stranger_victim=True))
    assert errors(fb) == {"factor.stranger_victim": "coding"}
    assert fb.row("S.aggravating_factors").follows_from == ["factor.stranger_victim"]
    assert category(fb, "S")[:2] == ("High", "Medium")


def test_coding_stranger_met_that_evening_missed() -> None:
    fb = run("TC-04", key_facts("TC-04", stranger_victim=False))
    assert errors(fb) == {"factor.stranger_victim": "coding"}
    assert category(fb, "S")[:2] == ("Low", "Medium")


def test_coding_rape_counted_as_violent() -> None:
    fb = run("TC-03", key_facts("TC-03", violent_appearances=2))
    assert errors(fb) == {"V.violent_appearances": "coding"}
    assert category(fb, "V")[:2] == ("High", "Medium")


def test_coding_non_contact_missed_beside_contact_offence() -> None:
    fb = run("TC-05", key_facts("TC-05", non_contact=False))
    assert errors(fb) == {"factor.non_contact": "coding"}
    assert category(fb, "S")[:2] == ("Medium", "High")


def test_coding_never_married_cohabitee_called_single() -> None:
    fb = run("TC-06", key_facts("TC-06", single=True))
    assert errors(fb) == {"factor.single": "coding"}
    assert "seven years" in fb.row("factor.single").rationale
    assert category(fb, "S")[:2] == ("Medium", "Low")


def test_headline_counts_the_items_that_differ_in_plain_english() -> None:
    fb = run("TC-02", key_facts("TC-02", single=True))  # the categories stay the same
    assert "The categories are the same, but 1 item differs." in render_headline(fb)


def test_coding_short_cohabitation_called_not_single() -> None:
    fb = run("TC-07", key_facts("TC-07", single=False))
    assert errors(fb) == {"factor.single": "coding"}
    assert category(fb, "S")[:2] == ("Medium", "High")


def test_coding_commencement_age_band_edge() -> None:
    facts = key_facts("TC-08")
    facts.pop("commencement_date")
    facts["age_at_commencement"] = 24  # released on his 25th birthday
    fb = run("TC-08", facts)
    assert errors(fb) == {"S.age_at_commencement": "coding", "V.age_at_commencement": "coding"}
    assert category(fb, "V")[:2] == ("Very High", "High")


def test_coding_caution_counted() -> None:
    fb = run("TC-12", key_facts("TC-12", sexual_appearances=3, non_contact=True,
                                stranger_victim=True))
    assert set(errors(fb)) == {"S.sexual_appearances", "factor.non_contact",
                               "factor.stranger_victim"}
    assert category(fb, "S")[:2] == ("Very High", "High")


def test_band_distance_two_or_more() -> None:
    fb = run("TC-01", key_facts("TC-01", sexual_appearances=5, criminal_appearances=5))
    assert category(fb, "S") == ("High", "Low", 2, "2+ apart")


# --- calculation -------------------------------------------------------------------------------

def test_calculation_wrong_step1_total() -> None:
    entered = key_entries(CASES["TC-09"]) | {"step1_points": 2}
    fb = run("TC-09", key_facts("TC-09"), entered)
    row = fb.row("S.step1_points")
    assert errors(fb) == {"S.step1_points": "calculation"}
    assert "1 + 2 + 0 = 3" in row.message
    # The entered category matches the right total (3 → High), so no second error.
    assert fb.row("S.step1_category").agree


def test_calculation_total_then_category_read_from_it() -> None:
    entered = key_entries(CASES["TC-09"]) | {"step1_points": 2, "step1_category": "Medium",
                                            "s": "High", "c": "Medium"}
    fb = run("TC-09", key_facts("TC-09"), entered)
    assert errors(fb) == {"S.step1_points": "calculation"}
    assert fb.row("S.step1_category").follows_from == ["S.step1_points"]
    assert fb.row("S.category").follows_from == ["S.step1_category"]


def test_calculation_step1_category_matching_nothing() -> None:
    entered = key_entries(CASES["TC-09"]) | {"step1_category": "Low"}
    fb = run("TC-09", key_facts("TC-09"), entered)
    assert errors(fb) == {"S.step1_category": "calculation"}
    assert "total of 3 is High, not Low" in fb.row("S.step1_category").message


def test_calculation_category_not_given_by_own_total() -> None:
    # /V 3 points is Medium; read as Low, /C becomes Medium 2 + Low 1 = 3, Low.
    entered = key_entries(CASES["TC-02"]) | {"v": "Low", "c": "Low"}
    fb = run("TC-02", key_facts("TC-02"), entered)
    assert errors(fb) == {"V.category": "calculation"}
    assert "total of 3 is Medium, not Low" in fb.row("V.category").message
    assert fb.row("C.category").follows_from == ["V.category"]


def test_calculation_judged_on_own_facts_not_the_key() -> None:
    # Wrong fact, but arithmetic consistent with it: coding only, no calculation error.
    facts = key_facts("TC-02", sexual_appearances=2)
    entered = {"step1_points": 3, "step1_category": "High", "s": "High", "v": "Medium",
               "c": "Medium"}
    assert errors(run("TC-02", facts, entered)) == {"S.sexual_appearances": "coding"}


# --- rule --------------------------------------------------------------------------------------

def test_rule_right_step1_category_but_no_raise() -> None:
    entered = key_entries(CASES["TC-04"]) | {"s": "Low", "c": "Medium"}
    fb = run("TC-04", key_facts("TC-04"), entered)
    assert errors(fb) == {"S.category": "rule"}
    assert "raise Low by 1" in fb.row("S.category").message


def test_rule_three_factors_raised_two_categories() -> None:
    entered = key_entries(CASES["TC-10"]) | {"s": "High", "c": "Medium"}
    fb = run("TC-10", key_facts("TC-10"), entered)
    assert errors(fb) == {"S.category": "rule"}


def test_rule_c_not_the_conversion_of_own_categories() -> None:
    entered = key_entries(CASES["TC-11"]) | {"c": "Very High"}  # the higher scale, not the sum
    fb = run("TC-11", key_facts("TC-11"), entered)
    assert errors(fb) == {"C.category": "rule"}
    assert "/S Very High = 4 and /V High = 3: 7 is High, not Very High" in \
        fb.row("C.category").message


def test_rule_scoring_a_woman() -> None:
    case = CASES["TC-13"]
    fb = run("TC-13", key_facts("TC-13"), {"s": "Low", "v": "Low", "c": "Low"})
    assert errors(fb) == {"eligibility": "rule"}
    assert fb.row("eligibility").rationale.startswith("RM2000 applies only to men")
    assert case.key.rationale.eligibility in fb.row("eligibility.sex").rationale
    assert category(fb, "S") == ("Low", "not applicable", None, "not comparable")
    assert not fb.agrees


def test_rule_calling_an_applicable_case_not_applicable() -> None:
    fb = run("TC-04", key_facts("TC-04"), {"not_applicable": True})
    assert errors(fb) == {"eligibility": "rule"}
    assert category(fb, "V")[:2] == ("not applicable", "High")


def test_coding_eligibility_alleged_offence_counted() -> None:
    facts = key_facts("TC-15", sexual_appearances=1, sexual_offence_aged_17_plus=True,
                      age_at_commencement=53)
    fb = run("TC-15", facts)
    assert errors(fb) == {"eligibility": "coding", "S.sexual_appearances": "coding",
                          "eligibility.sexual_offence_aged_17_plus": "coding"}


def test_under_18_recognised_with_partial_facts() -> None:
    fb = run("TC-14", {"sex": "male", "date_of_birth": "2008-05-02",
                       "assessment_date": "2025-09-22"}, {"not_applicable": True})
    assert fb.agrees and not fb.errors()
    assert fb.row("eligibility.age_at_assessment").agree is True


def test_not_applicable_with_unscorable_facts_is_compared_on_the_decision() -> None:
    fb = run("TC-13", {}, {"not_applicable": True})
    assert fb.agrees and fb.notes


# --- bad input ---------------------------------------------------------------------------------

def test_entered_both_not_applicable_and_categories_is_refused() -> None:
    with pytest.raises(ValidationError, match="not both"):
        attempt(key_facts("TC-01"), {"not_applicable": True, "s": "Low"})


def test_unscorable_facts_with_entered_results_raise_field_errors() -> None:
    with pytest.raises(RM2000ValidationError) as info:
        run("TC-01", key_facts("TC-01", criminal_appearances=0), {"s": "Low"})
    assert "criminal_appearances" in dict(info.value.pairs())


# --- what if -----------------------------------------------------------------------------------

def test_what_if_key_value_moves_the_category() -> None:
    a = attempt(key_facts("TC-03", stranger_victim=True))
    w = what_if(CASES["TC-03"], a, "stranger_victim")
    assert (w.trainee_value, w.new_value) == (True, False)
    assert (w.before["S"], w.after["S"]) == ("High", "Medium")
    # High 3 + Medium 2 = 5 and Medium 2 + Medium 2 = 4 are both Medium on /C.
    assert w.changed == ["S"] and w.after == w.key


def test_what_if_moves_c_under_the_revised_conversion() -> None:
    a = attempt(key_facts("TC-08", stranger_victim=True))
    w = what_if(CASES["TC-08"], a, "stranger_victim")
    assert w.before == {"S": "High", "V": "High", "C": "High"}  # 3 + 3 = 6
    assert w.after == w.key == {"S": "Medium", "V": "High", "C": "Medium"}  # 2 + 3 = 5
    assert w.changed == ["S", "C"]


def test_what_if_flip() -> None:
    a = attempt(key_facts("TC-06"))
    w = what_if(CASES["TC-06"], a, "single", flip=True)
    assert (w.before["S"], w.after["S"]) == ("Low", "Medium")


def test_what_if_from_record_based_facts() -> None:
    case = CASES["TC-02"]
    facts = key_facts("TC-02")
    for name in ("sexual_appearances", "criminal_appearances", "violent_appearances"):
        facts.pop(name)
    # The trainee recorded the second count as a separate occasion on another date.
    facts["occasions"] = [o.to_occasion().model_dump(mode="json") for o in case.history.occasions]
    first, second = facts["occasions"][2]["offences"]
    facts["occasions"][2]["offences"] = [first]
    facts["occasions"].append(dict(facts["occasions"][2], date="2020-11-18", offences=[second]))
    fb = compare(case, attempt(facts))
    assert fb.row("S.sexual_appearances").error == "coding"
    (w,) = [w for w in disputed_what_ifs(case, attempt(facts), fb)
            if w.item == "sexual_appearances"]
    assert (w.before["S"], w.after["S"]) == ("High", "Medium")


def test_disputed_what_ifs_cover_each_coding_error() -> None:
    a = attempt(key_facts("TC-12", sexual_appearances=3, non_contact=True))
    fb = compare(CASES["TC-12"], a)
    items = [w.item for w in disputed_what_ifs(CASES["TC-12"], a, fb)]
    assert items == ["sexual_appearances", "non_contact"]


def test_what_if_problems_are_reported_not_raised() -> None:
    a = attempt(key_facts("TC-01"))
    assert "not an RM2000 item" in (what_if(CASES["TC-01"], a, "shoe_size").problem or "")
    assert "number" in (what_if(CASES["TC-01"], a, "sexual_appearances", flip=True).problem
                        or "")
    bad = what_if(CASES["TC-01"], a, "sexual_appearances", value=3)  # criminal stays 2
    assert bad.problem and "criminal_appearances" in bad.problem
    na = what_if(CASES["TC-13"], attempt(key_facts("TC-13")), "single")
    assert na.problem and "not applicable" in na.problem
