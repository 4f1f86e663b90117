"""RM2000 engine: every band edge, category cut, step-2 raise, /C pair, eligibility rule and error.

The expected values are transcribed here independently from ../shared/spec/rm2000.md, so a wrong
number in the ruleset file fails these tests rather than being echoed back.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from rso_widgets.instruments.rm2000 import RM2000ValidationError, score

CATS = ["Low", "Medium", "High", "Very High"]
TODAY = dt.date(2026, 11, 26)


def s_age_points(age: int) -> int:
    return 2 if age <= 24 else 1 if age <= 34 else 0


def s_sexual_points(n: int) -> int:
    return {1: 0, 2: 1, 3: 2, 4: 2}.get(n, 3)


def s_cat(total: int) -> str:
    return CATS[(total > 0) + (total > 2) + (total > 4)]


def v_age_points(age: int) -> int:
    return 3 if age <= 24 else 2 if age <= 34 else 1 if age <= 44 else 0


def v_violent_points(n: int) -> int:
    return 0 if n == 0 else 1 if n == 1 else 2 if n <= 3 else 3


def v_cat(total: int) -> str:
    return CATS[(total > 1) + (total > 3) + (total > 5)]


def c_cat(total: int) -> str:
    """Revised contract: /C sum 2–3 Low, 4–5 Medium, 6–7 High, 8 Very High."""
    return CATS[(total > 3) + (total > 5) + (total > 7)]


C_POINTS = {"Low": 1, "Medium": 2, "High": 3, "Very High": 4}
# Every /S × /V pair under the revised /C table, written out by hand (rows /S, columns /V,
# in the order Low, Medium, High, Very High).
C_TABLE = {
    "Low": ["Low", "Low", "Medium", "Medium"],
    "Medium": ["Low", "Medium", "Medium", "High"],
    "High": ["Medium", "Medium", "High", "High"],
    "Very High": ["Medium", "High", "High", "Very High"],
}


def facts(**over) -> dict:
    base = dict(sex="male", age_at_assessment=40, age_at_commencement=40, sexual_appearances=1,
                criminal_appearances=1, violent_appearances=0, burglary=False, male_victim=False,
                stranger_victim=False, non_contact=False, single=False,
                sexual_offence_aged_17_plus=True)
    base.update(over)
    return base


def errors_of(d: dict) -> dict[str, str]:
    with pytest.raises(RM2000ValidationError) as exc:
        score(d, today=TODAY)
    return dict(exc.value.pairs())


# ---- /S step 1: every band edge ------------------------------------------------------------

@pytest.mark.parametrize("age", [10, 17, 18, 24, 25, 34, 35, 44, 45, 110])
def test_s_age_band_edges(age):
    r = score(facts(age_at_assessment=max(age, 40), age_at_commencement=age), today=TODAY)
    item = next(i for i in r.s.items if i.item == "age_at_commencement")
    assert item.points == s_age_points(age)
    assert r.s.step1_points == s_age_points(age)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 12])
def test_s_sexual_appearance_bands(n):
    r = score(facts(sexual_appearances=n, criminal_appearances=n), today=TODAY)
    assert next(i for i in r.s.items if i.item == "sexual_appearances").points == s_sexual_points(n)


@pytest.mark.parametrize("n,points", [(1, 0), (4, 0), (5, 1), (9, 1)])
def test_s_criminal_appearance_bands(n, points):
    r = score(facts(criminal_appearances=n), today=TODAY)
    assert next(i for i in r.s.items if i.item == "criminal_appearances").points == points


@pytest.mark.parametrize(
    "age,sexual,criminal",
    [*itertools.product([40, 30, 20], [1, 2, 3, 5], [5, 9]), (40, 1, 1), (30, 1, 4)])
def test_s_step1_total_and_category_cuts(age, sexual, criminal):
    criminal = max(criminal, sexual)
    r = score(facts(age_at_commencement=age, sexual_appearances=sexual,
                    criminal_appearances=criminal), today=TODAY)
    total = s_age_points(age) + s_sexual_points(sexual) + (1 if criminal >= 5 else 0)
    assert r.s.step1_points == total
    assert r.s.step1_category == s_cat(total)
    assert r.s.category == s_cat(total)  # no aggravating factors


def _step1_facts(category: str) -> dict:
    """Facts whose step-1 category is `category` (totals 0, 1, 3, 5)."""
    return {
        "Low": dict(age_at_commencement=40, sexual_appearances=1, criminal_appearances=1),
        "Medium": dict(age_at_commencement=30, sexual_appearances=1, criminal_appearances=1),
        "High": dict(age_at_commencement=20, sexual_appearances=2, criminal_appearances=2),
        "Very High": dict(age_at_commencement=20, sexual_appearances=5, criminal_appearances=5),
    }[category]


FACTOR_NAMES = ["male_victim", "stranger_victim", "non_contact", "single"]


@pytest.mark.parametrize("step1", CATS)
@pytest.mark.parametrize("present", list(itertools.product([False, True], repeat=4)))
def test_s_step2_raising_from_every_step1_category(step1, present):
    flags = dict(zip(FACTOR_NAMES, present, strict=True))
    r = score(facts(**_step1_facts(step1), **flags), today=TODAY)
    n = sum(present)
    raise_by = 0 if n <= 1 else 1 if n <= 3 else 2
    assert r.s.step1_category == step1
    assert r.s.aggravating_factors == n
    assert r.s.raised_by == raise_by
    assert r.s.category == CATS[min(CATS.index(step1) + raise_by, 3)]
    assert r.s.capped == (CATS.index(step1) + raise_by > 3)


def test_s_cap_is_shown_in_working():
    r = score(facts(**_step1_facts("High"), **dict.fromkeys(FACTOR_NAMES, True)), today=TODAY)
    assert r.s.category == "Very High"
    assert any("never above Very High" in line for line in r.working())


# ---- /V ---------------------------------------------------------------------------------

@pytest.mark.parametrize("age", [10, 17, 18, 24, 25, 34, 35, 44, 45, 80])
@pytest.mark.parametrize("violent", [0, 1, 2, 3, 4, 7])
@pytest.mark.parametrize("burglary", [False, True])
def test_v_every_band_and_cut(age, violent, burglary):
    r = score(facts(age_at_assessment=max(age, 40), age_at_commencement=age,
                    violent_appearances=violent, criminal_appearances=max(violent, 1),
                    burglary=burglary), today=TODAY)
    total = v_age_points(age) + v_violent_points(violent) + (2 if burglary else 0)
    assert r.v.points == total
    assert r.v.category == v_cat(total)


# ---- /C: all 16 pairs -------------------------------------------------------------------

def _v_facts(category: str) -> dict:
    """Facts with commencement age 40 (/V age 1 point) reaching each /V category."""
    return {"Low": dict(violent_appearances=0, burglary=False),          # 1
            "Medium": dict(violent_appearances=1, burglary=False),       # 2
            "High": dict(violent_appearances=2, burglary=True),          # 5
            "Very High": dict(violent_appearances=4, burglary=True)}[category]  # 6


def _s_facts(category: str) -> dict:
    """Facts reaching each /S category at commencement age 40 (0 points), with criminal
    appearances high enough for any /V row: step 1 totals 0, 1, 3 and 4 (+2 factors)."""
    return {"Low": dict(sexual_appearances=1, criminal_appearances=4),
            "Medium": dict(sexual_appearances=2, criminal_appearances=4),
            "High": dict(sexual_appearances=3, criminal_appearances=5),
            "Very High": dict(sexual_appearances=5, criminal_appearances=5, male_victim=True,
                              single=True)}[category]


@pytest.mark.parametrize("s_category", CATS)
@pytest.mark.parametrize("v_category", CATS)
def test_c_all_sixteen_pairs(s_category, v_category):
    s_part = {"Low": dict(sexual_appearances=1),
              "Medium": dict(sexual_appearances=2),
              "High": dict(sexual_appearances=2, male_victim=True, single=True),
              "Very High": dict(sexual_appearances=5, male_victim=True, single=True,
                                stranger_victim=True, non_contact=True)}[s_category]
    d = facts(age_at_commencement=40, criminal_appearances=5 if s_category == "Very High" else 4,
              **s_part, **_v_facts(v_category))
    if s_category == "Very High":
        d["age_at_commencement"] = 40  # 0 + 3 + 1 = 4 → High, raised 2 → Very High
    r = score(d, today=TODAY)
    assert (r.s.category, r.v.category) == (s_category, v_category)
    points = C_POINTS[s_category] + C_POINTS[v_category]
    assert (r.c.s_points, r.c.v_points) == (C_POINTS[s_category], C_POINTS[v_category])
    assert r.c.points == points
    assert r.c.category == c_cat(points) == C_TABLE[s_category][CATS.index(v_category)]


@pytest.mark.parametrize(("total", "category"), [(2, "Low"), (3, "Low"), (4, "Medium"),
                                                 (5, "Medium"), (6, "High"), (7, "High"),
                                                 (8, "Very High")])
def test_c_cut_edges(total, category):
    """Every /C sum band edge, through the engine: some /S × /V pair reaches each sum from 2 to
    8, and every pair reaching it is scored in the contract's band."""
    pairs = [(s, v) for s in CATS for v in CATS if C_POINTS[s] + C_POINTS[v] == total]
    assert pairs
    for s_category, v_category in pairs:
        r = score(facts(**_s_facts(s_category), **_v_facts(v_category)), today=TODAY)
        assert (r.s.category, r.v.category) == (s_category, v_category)
        assert (r.c.points, r.c.category) == (total, category)


def test_c_sum_outside_the_contract_has_no_band():
    """The shipped ruleset's /C cuts cover exactly 2–8: nothing is left over or overlapping."""
    from rso_widgets.instruments.ruleset import load_rm2000_ruleset

    rs = load_rm2000_ruleset()
    assert [(c.min, c.max, c.category) for c in rs.c.cuts] == [
        (2, 3, "Low"), (4, 5, "Medium"), (6, 7, "High"), (8, 8, "Very High")]
    assert rs.c.conversion == C_POINTS


def test_c_pairs_where_the_revised_scheme_differs_from_the_superseded_one():
    """L+M, M+H, L+VH and H+VH: the pairs the superseded 0–3 scheme put one category higher
    (Medium, High, High, Very High)."""
    def c_of(s_cat: str, v_cat: str) -> str:
        return C_TABLE[s_cat][CATS.index(v_cat)]
    assert [c_of("Low", "Medium"), c_of("Medium", "High"), c_of("Low", "Very High"),
            c_of("High", "Very High")] == ["Low", "Medium", "Medium", "High"]


# ---- eligibility -------------------------------------------------------------------------

@pytest.mark.parametrize("sex", ["female", "Female", "non-binary", "unknown"])
def test_not_applicable_unless_male(sex):
    r = score({"sex": sex}, today=TODAY)
    assert not r.applicable and "men" in r.reason and r.s is None and r.v is None and r.c is None


def test_male_is_case_insensitive():
    assert score(facts(sex="Male"), today=TODAY).applicable


@pytest.mark.parametrize("age,applicable", [(17, False), (18, True)])
def test_age_at_assessment_edge(age, applicable):
    r = score(facts(age_at_assessment=age, age_at_commencement=18), today=TODAY)
    assert r.applicable is applicable
    if not applicable:
        assert "18 or over" in r.reason


def test_seventeen_year_old_from_dates_is_not_applicable():
    r = score({"sex": "male", "date_of_birth": "2009-01-10", "assessment_date": "2026-11-01",
               "sexual_offence_aged_17_plus": True, "sexual_appearances": 1}, today=TODAY)
    assert not r.applicable and "the person is 17" in r.reason


def test_no_sexual_conviction_is_not_applicable():
    r = score(facts(sexual_appearances=0, criminal_appearances=2), today=TODAY)
    assert not r.applicable and "alleged" in r.reason


def test_alleged_offence_only_from_record_is_not_applicable():
    r = score({"sex": "male", "age_at_assessment": 30, "sexual_offence_aged_17_plus": True,
               "occasions": [{"date": "2020-01-01", "offences": [{"name": "Theft"}]}]},
              today=TODAY)
    assert not r.applicable and r.derivation.sexual_appearances == 0


def test_no_sexual_offence_aged_17_plus_is_not_applicable():
    r = score(facts(sexual_offence_aged_17_plus=False), today=TODAY)
    assert not r.applicable and "17 or over" in r.reason


# ---- validation errors: each names its field --------------------------------------------

@pytest.mark.parametrize("field", ["sexual_appearances", "criminal_appearances",
                                   "violent_appearances"])
def test_negative_count(field):
    d = facts(**{field: -1})
    if field == "sexual_appearances":
        d["criminal_appearances"] = 1
    assert "negative" in errors_of(d)[field]


@pytest.mark.parametrize("value", [2.5, "3", True, None if False else "two"])
def test_non_integer_count(value):
    assert "whole number" in errors_of(facts(criminal_appearances=value))["criminal_appearances"]


def test_criminal_fewer_than_sexual():
    msg = errors_of(facts(sexual_appearances=3, criminal_appearances=2))["criminal_appearances"]
    assert "cannot be fewer than sexual_appearances" in msg


def test_violent_more_than_criminal():
    msg = errors_of(facts(violent_appearances=3, criminal_appearances=2))["violent_appearances"]
    assert "cannot be more than criminal_appearances" in msg


@pytest.mark.parametrize("age", [9, 111, 0])
def test_commencement_age_out_of_range(age):
    assert "between 10 and 110" in errors_of(facts(age_at_commencement=age))["age_at_commencement"]


@pytest.mark.parametrize("age", [10, 16, 17])
def test_commencement_age_under_18_is_scored_in_the_youngest_band(age):
    r = score(facts(age_at_assessment=19, age_at_commencement=age), today=TODAY)
    assert r.applicable
    assert (r.s.items[0].points, r.v.items[0].points) == (2, 3)
    assert "youngest band" in r.s.items[0].band and "youngest band" in r.v.items[0].band


def test_offence_at_17_community_sentence_at_17_assessed_at_19_is_scored():
    """The issue's example: once refused with "must be between 18 and 110"."""
    r = score({**facts(), "age_at_commencement": None, "age_at_assessment": None,
               "date_of_birth": "2007-05-01", "assessment_date": "2026-06-01",
               "commencement_date": "2025-02-10"}, today=TODAY)
    assert r.applicable and r.facts.age_at_commencement == 17
    assert r.s.step1_points == 2 and r.s.step1_category == "Medium"
    assert r.v.points == 3 and r.v.category == "Medium"
    assert r.c.category == "Medium"  # Medium 2 + Medium 2 = 4


@pytest.mark.parametrize("field", ["sexual_appearances", "criminal_appearances",
                                   "violent_appearances"])
def test_count_ceiling_boundary(field):
    at = {**facts(criminal_appearances=300), field: 300}
    assert score(at, today=TODAY).applicable
    errors = errors_of({**at, field: 301})
    assert list(errors) == [field]  # named alone: no knock-on comparison error
    msg = errors[field]
    assert "301" in msg and "ceiling of 300" in msg and "check the number" in msg


def test_occasions_longer_than_the_ceiling_are_refused():
    occasion = {"date": "2010-01-01", "offences": [{"name": "Theft"}]}
    d = {**facts(), "sexual_appearances": None, "criminal_appearances": None,
         "violent_appearances": None, "burglary": None, "non_contact": None,
         "occasions": [occasion] * 301}
    msg = errors_of(d)["occasions"]
    assert "301" in msg and "ceiling of 300" in msg and "check the record" in msg


def test_assessment_age_over_110():
    assert "110 or under" in errors_of(facts(age_at_assessment=111))["age_at_assessment"]


def test_negative_assessment_age():
    assert "negative" in errors_of(facts(age_at_assessment=-4))["age_at_assessment"]


def test_unknown_field_lists_valid_fields():
    msg = errors_of(facts(sexual_apperances=1))["sexual_apperances"]
    assert "unknown field" in msg and "sexual_appearances" in msg


def test_impossible_date():
    assert "not a real date" in errors_of(facts(date_of_birth="1990-02-30"))["date_of_birth"]


def test_commencement_before_birth():
    d = facts(date_of_birth="1990-01-01", commencement_date="1985-01-01")
    del d["age_at_commencement"]
    assert "wrong order" in errors_of(d)["commencement_date"]


def test_birth_in_future():
    d = facts(date_of_birth="2030-01-01", assessment_date="2026-01-01")
    del d["age_at_assessment"]
    assert "future" in errors_of(d)["date_of_birth"]


def test_commencement_beyond_horizon():
    d = facts(date_of_birth="1980-01-01", commencement_date="2031-01-01")
    del d["age_at_commencement"]
    assert "in the future" in errors_of(d)["commencement_date"]


def test_age_disagreeing_with_dates():
    d = facts(date_of_birth="1980-06-01", assessment_date="2026-05-31", age_at_assessment=46)
    assert "the dates give 45" in errors_of(d)["age_at_assessment"]


def test_missing_required_fact_named():
    d = facts()
    del d["single"]
    assert errors_of(d) == {"single": "is required: true or false"}


def test_non_object_input():
    assert "(input)" in errors_of([1, 2])  # type: ignore[arg-type]


def test_all_errors_reported_together():
    errs = errors_of(facts(criminal_appearances=-1, violent_appearances="x", single="maybe"))
    # one pass: the wrong types and the negative count together, not one layer at a time
    assert set(errs) == {"violent_appearances", "single", "criminal_appearances"}
    assert "whole number" in errs["violent_appearances"]  # not also "is required"


def test_letters_negative_and_empty_age_reported_in_one_pass():
    """Issue 14: letters were reported first and the negative count and the empty age only
    after the letters were fixed."""
    d = facts(sexual_appearances="two", criminal_appearances=-1)
    d.pop("age_at_assessment")
    errs = errors_of(d)
    assert {"sexual_appearances", "criminal_appearances", "age_at_assessment"} <= set(errs)
    assert "whole number" in errs["sexual_appearances"]
    assert "negative" in errs["criminal_appearances"]


# ---- dates become ages ------------------------------------------------------------------

@pytest.mark.parametrize("commencement,age,points", [
    ("2008-03-14", 17, 2), ("2008-03-15", 18, 2), ("2015-03-14", 24, 2), ("2015-03-15", 25, 1),
    ("2025-03-14", 34, 1), ("2025-03-15", 35, 0)])
def test_commencement_age_from_dates_on_band_edges(commencement, age, points):
    r = score({**facts(), "age_at_commencement": None, "age_at_assessment": None,
               "date_of_birth": "1990-03-15", "assessment_date": "2026-06-01",
               "commencement_date": commencement}, today=TODAY)
    assert r.facts.age_at_commencement == age
    assert r.s.items[0].points == points


# ---- result carries what the spec asks -----------------------------------------------------

def test_result_carries_ruleset_timestamp_and_working():
    r = score(facts(), today=TODAY)
    out = r.to_output()
    assert out["ruleset"] == "rm2000-ew-training@2.0.0"
    assert out["scored_at"]
    assert set(out["s"]) >= {"items", "step1_points", "step1_category",
                             "aggravating_factors", "category"}
    assert set(out["v"]) >= {"items", "points", "category"}
    assert set(out["c"]) >= {"points", "category"}
    assert {"item", "fact", "band", "points"} <= set(out["s"]["items"][0])
    assert any(line.startswith("/C:") for line in out["working"])
    assert "does not decide" in out["interpretation"]


def test_not_applicable_output_has_null_scales():
    out = score({"sex": "female"}, today=TODAY).to_output()
    assert out["applicable"] is False and out["reason"]
    assert out["s"] is None and out["v"] is None and out["c"] is None
