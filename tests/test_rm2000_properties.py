"""Property tests: invariants of RM2000 that must hold for every valid set of facts."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from rso_widgets.instruments.record import Occasion, derive_counts
from rso_widgets.instruments.rm2000 import RM2000ValidationError, score

CATS = ["Low", "Medium", "High", "Very High"]
TODAY = dt.date(2026, 11, 26)
FACTORS = ["male_victim", "stranger_victim", "non_contact", "single"]


@st.composite
def valid_facts(draw) -> dict:
    sexual = draw(st.integers(1, 8))
    criminal = draw(st.integers(sexual, 15))
    age_start = draw(st.integers(10, 100))
    return dict(
        sex="male", age_at_assessment=draw(st.integers(max(age_start, 18), 110)),
        age_at_commencement=age_start, sexual_appearances=sexual, criminal_appearances=criminal,
        violent_appearances=draw(st.integers(0, criminal)), burglary=draw(st.booleans()),
        sexual_offence_aged_17_plus=True, **{f: draw(st.booleans()) for f in FACTORS})


def ranks(d: dict) -> tuple[int, ...]:
    r = score(d, today=TODAY)
    return tuple(CATS.index(x) for x in (r.s.step1_category, r.s.category, r.v.category,
                                         r.c.category))


def never_lower(before: dict, after: dict) -> None:
    assert all(a >= b for a, b in zip(ranks(after), ranks(before), strict=True)), (before, after)


@settings(max_examples=150, deadline=None)
@given(valid_facts(), st.sampled_from(["sexual", "criminal", "violent"]))
def test_one_more_appearance_never_lowers_a_category(d, kind):
    after = dict(d)
    if kind == "sexual":
        after["sexual_appearances"] += 1
        after["criminal_appearances"] += 1
    elif kind == "criminal":
        after["criminal_appearances"] += 1
    else:
        after["violent_appearances"] += 1
        after["criminal_appearances"] = max(after["criminal_appearances"],
                                            after["violent_appearances"])
    never_lower(d, after)


@settings(max_examples=150, deadline=None)
@given(valid_facts(), st.sampled_from([*FACTORS, "burglary"]))
def test_one_more_aggravating_factor_never_lowers_a_category(d, factor):
    never_lower(d, {**d, factor: True})


@settings(max_examples=150, deadline=None)
@given(valid_facts(), st.integers(1, 30))
def test_younger_age_never_lowers_a_category(d, years):
    younger = max(10, d["age_at_commencement"] - years)
    never_lower(d, {**d, "age_at_commencement": younger})


@settings(max_examples=150, deadline=None)
@given(valid_facts())
def test_result_is_internally_consistent(d):
    r = score(d, today=TODAY)
    assert r.s.step1_points == sum(i.points for i in r.s.items)
    assert r.v.points == sum(i.points for i in r.v.items)
    assert r.c.points == CATS.index(r.s.category) + CATS.index(r.v.category) + 2  # 1–4 each
    assert CATS.index(r.s.category) >= CATS.index(r.s.step1_category)
    assert r.ruleset.startswith("rm2000-ew-training@")


offences = st.builds(
    dict, name=st.sampled_from(["Offence A", "Offence B"]), sexual=st.booleans(),
    violent=st.booleans(), burglary=st.booleans(), non_contact=st.booleans())
occasions = st.lists(st.builds(
    dict, date=st.dates(dt.date(2000, 1, 1), dt.date(2000, 3, 1)),
    offences=st.lists(offences, min_size=1, max_size=3),
    disposal=st.sampled_from(["conviction", "conviction", "caution"])), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(valid_facts(), st.sampled_from(["sexual", "criminal", "violent"]))
def test_a_count_above_the_ceiling_is_refused_naming_the_field(d, kind):
    field = f"{kind}_appearances"
    with_top = {**d, "criminal_appearances": 300, field: 300}
    assert score(with_top, today=TODAY).applicable
    try:
        score({**with_top, field: 301}, today=TODAY)
    except RM2000ValidationError as exc:
        assert [e.field for e in exc.errors] == [field]
    else:
        raise AssertionError("a count of 301 was scored")


@settings(max_examples=200, deadline=None)
@given(occasions)
def test_counts_from_occasions_satisfy_criminal_ge_sexual(occ):
    d = derive_counts([Occasion.model_validate(o) for o in occ], ["conviction"])
    assert d.criminal_appearances >= d.sexual_appearances >= 0
    assert d.criminal_appearances >= d.violent_appearances
    assert d.criminal_appearances == len({o["date"] for o in occ if o["disposal"] == "conviction"})
    if any(o["disposal"] == "conviction" and any(f["sexual"] for f in o["offences"]) for o in occ):
        assert d.sexual_appearances >= 1


@settings(max_examples=100, deadline=None)
@given(occasions, st.integers(18, 60))
def test_scoring_from_occasions_never_raises_unexpectedly(occ, age):
    facts = {"sex": "male", "age_at_assessment": age, "age_at_commencement": age,
             "sexual_offence_aged_17_plus": True, "male_victim": False,
             "stranger_victim": False, "single": True, "occasions": occ}
    try:
        r = score(facts, today=TODAY)
    except RM2000ValidationError as exc:  # only typed, field-named errors are acceptable
        assert all(e.field for e in exc.errors)
        return
    if r.applicable:
        assert r.facts.criminal_appearances >= r.facts.sexual_appearances >= 1
