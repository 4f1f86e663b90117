"""Vectorised RM2000 (`score_table`) agrees with the scalar engine, row by row."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rso_widgets.instruments.rm2000 import RM2000ValidationError, score
from rso_widgets.instruments.rm2000_table import (
    INVALID,
    NOT_APPLICABLE,
    SCORED,
    TableColumnError,
    score_table,
)
from rso_widgets.instruments.ruleset import DEFAULT_RM2000, parse_ruleset

FACTORS = ("male_victim", "stranger_victim", "non_contact", "single")
COLUMNS = ("sex", "age_at_assessment", "age_at_commencement", "sexual_appearances",
           "criminal_appearances", "violent_appearances", "burglary", *FACTORS,
           "sexual_offence_aged_17_plus")
BOOLS = ("burglary", *FACTORS, "sexual_offence_aged_17_plus")


def base(**over: Any) -> dict:
    d = dict(sex="male", age_at_assessment=40, age_at_commencement=30, sexual_appearances=2,
             criminal_appearances=5, violent_appearances=1, burglary=False, male_victim=False,
             stranger_victim=False, non_contact=False, single=False,
             sexual_offence_aged_17_plus=True)
    d.update(over)
    return d


# --- the scalar engine's outcome vs the table's, in one comparable shape -------------------


def scalar_outcome(facts: dict) -> tuple:
    try:
        r = score({k: v for k, v in facts.items() if v is not None})
    except RM2000ValidationError as exc:
        return ("invalid", frozenset(e.field for e in exc.errors))
    if not r.applicable:
        return ("not applicable", r.reason)
    s, v, c = r.s, r.v, r.c
    return ("scored", (s.step1_points, s.step1_category, s.aggravating_factors, s.raised_by,
                       s.category, v.points, v.category, c.points, c.category))


def table_outcomes(data: Any) -> list[tuple]:
    t = score_table(data)
    out = []
    for i in range(len(t)):
        if t.status[i] == INVALID:
            out.append(("invalid", frozenset(e.field for e in t.errors[i])))
        elif t.status[i] == NOT_APPLICABLE:
            out.append(("not applicable", t.reasons[i]))
        else:
            names = t.category_names
            out.append(("scored", (
                int(t.s_step1_points[i]), names[t.s_step1_category[i]],
                int(t.aggravating_factors[i]), int(t.s_raised_by[i]), names[t.s_category[i]],
                int(t.v_points[i]), names[t.v_category[i]], int(t.c_points[i]),
                names[t.c_category[i]])))
    return out


def as_text(column: str, v: Any, rnd: np.random.Generator) -> str:
    """How a CSV export would hold the value."""
    if v is None:
        return ""
    if isinstance(v, bool) and column in BOOLS:
        return str(rnd.choice(["true", "TRUE", "yes", "Y", "1"] if v else
                              ["false", "False", "no", "n", "0"]))
    return str(v)


def containers(rows: list[dict], seed: int) -> dict[str, Any]:
    rnd = np.random.default_rng(seed)
    cols = {c: [r.get(c) for r in rows] for c in COLUMNS}
    return {
        "pandas inferred": pd.DataFrame(rows, columns=list(COLUMNS)),
        "pandas object": pd.DataFrame(rows, columns=list(COLUMNS), dtype=object),
        "arrow text (CSV)": pa.table({c: pa.array([as_text(c, v, rnd) for v in vals], pa.string())
                                      for c, vals in cols.items()}),
    }


@st.composite
def valid_facts(draw) -> dict:
    sexual = draw(st.integers(1, 8))
    criminal = draw(st.integers(sexual, 15))
    age_now = draw(st.integers(18, 110))
    return dict(
        sex=draw(st.sampled_from(["male", "Male", " MALE "])), age_at_assessment=age_now,
        age_at_commencement=draw(st.integers(10, min(110, age_now + 3))),
        sexual_appearances=sexual, criminal_appearances=criminal,
        violent_appearances=draw(st.integers(0, criminal)), burglary=draw(st.booleans()),
        sexual_offence_aged_17_plus=True, **{f: draw(st.booleans()) for f in FACTORS})


def maybe(valid: st.SearchStrategy, bad: list) -> st.SearchStrategy:
    return st.one_of(valid, valid, valid, st.none(), st.sampled_from(bad))


BAD_INT = ["abc", 2.5, True, "-"]
CEILING = [299, 300, 301]
BAD_BOOL = ["maybe", 2, 0.5]
any_facts = st.fixed_dictionaries({
    "sex": st.one_of(st.sampled_from(["male", "Male ", "female", "other", "", "  "]),
                     st.none(), st.text(max_size=4)),
    "age_at_assessment": maybe(st.integers(-2, 115), BAD_INT),
    "age_at_commencement": maybe(st.integers(-2, 115), BAD_INT),
    # Small counts, and counts on both sides of the ruleset's ceiling (300).
    "sexual_appearances": maybe(st.one_of(st.integers(-1, 7), st.sampled_from(CEILING)), BAD_INT),
    "criminal_appearances": maybe(st.one_of(st.integers(-1, 9), st.sampled_from(CEILING)),
                                  BAD_INT),
    "violent_appearances": maybe(st.one_of(st.integers(-1, 9), st.sampled_from(CEILING)),
                                 BAD_INT),
    **{b: maybe(st.booleans(), BAD_BOOL) for b in BOOLS},
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(valid_facts(), min_size=1, max_size=12), st.integers(0, 2**16))
def test_table_equals_scalar_on_valid_facts(rows, seed):
    expected = [scalar_outcome(r) for r in rows]
    assert all(e[0] == "scored" for e in expected)
    for name, data in containers(rows, seed).items():
        assert table_outcomes(data) == expected, name


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(any_facts, min_size=1, max_size=12), st.integers(0, 2**16))
def test_table_equals_scalar_on_any_facts(rows, seed):
    """Same verdict (scored / not applicable / invalid), same reason, same fields in error."""
    expected = [scalar_outcome(r) for r in rows]
    for name, data in containers(rows, seed).items():
        assert table_outcomes(data) == expected, name


@settings(max_examples=40, deadline=None)
@given(st.lists(valid_facts(), min_size=1, max_size=8))
def test_absent_eligibility_columns_mean_eligible(rows):
    item_only = [{k: v for k, v in r.items() if k not in (
        "sex", "age_at_assessment", "sexual_offence_aged_17_plus")} for r in rows]
    expected = [scalar_outcome({**r, "sex": "male", "age_at_assessment": 110,
                                "sexual_offence_aged_17_plus": True}) for r in item_only]
    assert table_outcomes(pd.DataFrame(item_only)) == expected


# --- each validation rule, with the message naming the field ------------------------------


def errors_of(**over: Any) -> list[tuple[str, str]]:
    t = score_table(pd.DataFrame([base(**over)], dtype=object))
    assert t.status[0] == INVALID, t.to_frame().to_dict("records")
    return [(e.field, e.message) for e in t.errors[0]]


@pytest.mark.parametrize("field", ["sexual_appearances", "criminal_appearances",
                                   "violent_appearances"])
def test_negative_count(field):
    assert (field, "cannot be negative (-1); enter 0 or more") in errors_of(**{field: -1})


@pytest.mark.parametrize("value", [2.5, "two", "3.0"])
def test_non_integer_count(value):
    [(field, msg)] = errors_of(criminal_appearances=value)
    assert field == "criminal_appearances" and msg.startswith("must be a whole number")
    assert repr(value) in msg


def test_criminal_fewer_than_sexual():
    [(field, msg)] = errors_of(sexual_appearances=3, criminal_appearances=2)
    assert field == "criminal_appearances" and "cannot be fewer than sexual_appearances" in msg


def test_violent_more_than_criminal():
    [(field, msg)] = errors_of(criminal_appearances=2, violent_appearances=3)
    assert field == "violent_appearances" and "cannot be more than criminal_appearances" in msg


@pytest.mark.parametrize("age", [9, 111, -1])
def test_commencement_age_outside_range(age):
    [(field, msg), *_] = errors_of(age_at_commencement=age, age_at_assessment=60)
    assert field == "age_at_commencement"
    assert ("between 10 and 110" in msg) or ("negative" in msg)


@pytest.mark.parametrize("field", ["sexual_appearances", "criminal_appearances",
                                   "violent_appearances"])
def test_count_above_the_ceiling(field):
    [(name, msg)] = errors_of(**{"criminal_appearances": 300, field: 301})
    assert name == field and "ceiling of 300" in msg


def test_commencement_age_far_after_assessment_age():
    [(field, msg)] = errors_of(age_at_commencement=50, age_at_assessment=40)
    assert field == "age_at_commencement" and "after age_at_assessment (40)" in msg


def test_assessment_age_over_110():
    assert errors_of(age_at_assessment=111) == [
        ("age_at_assessment", "must be 110 or under (got 111)")]


@pytest.mark.parametrize("value", ["maybe", 2, "ja"])
def test_bad_boolean(value):
    [(field, msg)] = errors_of(single=value)
    assert field == "single" and msg.startswith("must be true or false") and repr(value) in msg


@pytest.mark.parametrize("field", ["age_at_commencement", "criminal_appearances",
                                   "violent_appearances", "burglary", "single", "sex",
                                   "sexual_appearances", "sexual_offence_aged_17_plus"])
@pytest.mark.parametrize("blank", [None, "", "  ", np.nan])
def test_missing_value_is_named(field, blank):
    assert [f for f, _ in errors_of(**{field: blank})] == [field]


def test_type_errors_are_reported_alone_like_the_scalar_engine():
    # The rule check (criminal < sexual) waits until every cell has the right type.
    assert [f for f, _ in errors_of(single="x", sexual_appearances=4)] == ["single"]


@pytest.mark.parametrize(("over", "start"), [
    ({"sex": "female"}, "RM2000 applies only to men; sex is recorded as 'female'"),
    ({"age_at_assessment": 17}, "RM2000 applies only to people aged 18 or over"),
    ({"sexual_appearances": 0}, "RM2000 needs at least one conviction for a sexual offence"),
    ({"sexual_offence_aged_17_plus": "no"}, "RM2000 needs at least one sexual offence committed"),
])
def test_not_applicable_with_reason(over, start):
    t = score_table(pd.DataFrame([base(**over)]))
    assert t.status[0] == NOT_APPLICABLE and t.reasons[0].startswith(start)
    assert t.s_category[0] == t.v_category[0] == t.c_category[0] == -1


def test_not_applicable_ignores_later_items_like_the_scalar_engine():
    t = score_table(pd.DataFrame([base(sex="female", criminal_appearances=None, single=None)]))
    assert t.status[0] == NOT_APPLICABLE


@pytest.mark.parametrize(("text", "value"), [("TRUE", True), ("Yes", True), ("y", True),
                                             ("1", True), ("false", False), (" NO ", False),
                                             ("N", False), ("0", False)])
def test_boolean_spellings(text, value):
    t = score_table(pa.table({k: pa.array([str(v) if k != "burglary" else text])
                              for k, v in base().items()}))
    assert t.status[0] == SCORED
    assert t.v_points[0] == (2 + 2 + 1 if value else 2 + 1)  # age 30 → 2, violent 1 → 1


def test_missing_required_column():
    with pytest.raises(TableColumnError, match="single") as exc:
        score_table(pd.DataFrame([base()]).drop(columns=["single"]))
    assert "Required:" in str(exc.value)


def test_whole_floats_with_gaps_are_counts():
    df = pd.DataFrame([base(), base(violent_appearances=None)])
    assert df["violent_appearances"].dtype == float
    t = score_table(df)
    assert list(t.status) == [SCORED, INVALID]
    assert [e.field for e in t.errors[1]] == ["violent_appearances"]


def test_tables_come_from_the_ruleset():
    """Change the ruleset's /V cuts and conversion: the table follows, as the scalar does."""
    data = yaml.safe_load(DEFAULT_RM2000.read_text(encoding="utf-8"))
    custom = copy.deepcopy(data)
    custom["v"]["cuts"] = [{"min": 0, "max": 0, "category": "Low"},
                           {"min": 1, "max": 1, "category": "Medium"},
                           {"min": 2, "max": 2, "category": "High"},
                           {"min": 3, "max": 8, "category": "Very High"}]
    custom["s"]["items"][2]["bands"] = [{"min": 0, "max": 2, "points": 0},
                                        {"min": 3, "points": 1}]
    rs = parse_ruleset(custom)
    facts = base(criminal_appearances=3, violent_appearances=1)  # /V 2 + 1 = 3
    t = score_table(pd.DataFrame([facts]), ruleset=rs)
    r = score(facts, ruleset=rs)
    names = t.category_names
    assert names[t.v_category[0]] == r.v.category == "Very High"
    assert int(t.s_step1_points[0]) == r.s.step1_points == 1 + 1 + 1
    assert names[t.c_category[0]] == r.c.category


def test_to_frame_has_one_row_per_input_row():
    f = score_table(pd.DataFrame([base(), base(sex="female"), base(single="?")])).to_frame()
    assert list(f["status"]) == ["scored", "not applicable", "invalid"]
    assert f.loc[2, "errors"].startswith("single: must be true or false")
    assert pd.isna(f.loc[1, "s_category"]) and f.loc[0, "s_category"] == score(base()).s.category
