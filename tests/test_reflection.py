"""Values reflection and wellbeing check-in rules (supervision/reflection.py): the data files
load with provenance and say they are not a test; every problem at once; how a person's own
answers changed; when to point to support; team counts withheld below the minimum group."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rso_widgets.instruments.datafile import RulesetError
from rso_widgets.supervision import reflection as r

VALUES = r.load_values_reflection()
WELLBEING = r.load_wellbeing()
CHOICES = [o.id for o in VALUES.scale]


def all_answered(choice: str = "agree") -> dict:
    return {i.id: {"choice": choice, "notes": ""} for i in VALUES.items}


def test_shipped_files_have_provenance_and_say_they_are_not_a_test():
    for form in (VALUES, WELLBEING):
        assert form.provenance["source"] and form.provenance["not_a_test"]
        assert "@" in form.ref
    assert VALUES.ref == "values-reflection@1.0.0"
    assert {t.id for t in VALUES.themes} == {"change", "people", "role"}
    assert all(VALUES.items_of(t.id) for t in VALUES.themes)
    assert r.load_signposts().services  # a force can replace the list (RSO_SIGNPOSTS)
    assert "suitable" in r.NOT_A_TEST


def test_a_reflection_item_must_name_a_known_theme(tmp_path, monkeypatch):
    monkeypatch.setenv("RSO_ALLOWED_DATA_DIRS", str(tmp_path))
    from rso_widgets.settings import get_settings

    get_settings.cache_clear()
    text = r.DEFAULT_VALUES.read_text(encoding="utf-8").replace("theme: role", "theme: nope", 1)
    bad = tmp_path / "values.yaml"
    bad.write_text(text, encoding="utf-8")
    try:
        with pytest.raises(RulesetError, match="unknown theme 'nope'"):
            r.load_values_reflection(bad)
    finally:
        get_settings.cache_clear()


def test_every_problem_at_once_naming_each_statement():
    answers = all_answered()
    del answers["change_setback"]
    answers["people_language"] = {"choice": "maybe"}
    answers["role_stable_life"]["notes"] = "bad\x07text"
    answers["invented"] = {"choice": "agree"}
    problems = r.values_problems(VALUES, answers)
    fields = [p.field for p in problems]
    assert fields == ["answers", "change_setback", "people_language",
                      "role_stable_life.notes"]
    assert "A setback like this" in problems[1].message
    assert "control character" in problems[3].message


def test_a_complete_reflection_has_no_problems_and_notes_are_optional():
    assert r.values_problems(VALUES, all_answered()) == []


def test_changes_say_which_way_each_answer_moved():
    before, after = all_answered("disagree"), all_answered("disagree")
    after["change_setback"]["choice"] = "strongly_agree"
    after["people_language"]["choice"] = "strongly_disagree"
    after["role_stable_life"]["choice"] = "unsure"
    moved = {c.item: c for c in r.changes(VALUES, before, after)}
    assert moved["change_setback"].direction == "more agreement"
    assert (moved["change_setback"].before, moved["change_setback"].after) == (
        "Disagree", "Strongly agree")
    assert moved["people_language"].direction == "less agreement"
    assert moved["role_stable_life"].direction == "changed"  # to "not sure": no direction
    assert moved["change_after_programme"].direction == "the same"


@given(st.lists(st.sampled_from(CHOICES), min_size=len(VALUES.items),
                max_size=len(VALUES.items)))
def test_comparing_a_reflection_with_itself_shows_no_change(choices):
    answers = {i.id: {"choice": c} for i, c in zip(VALUES.items, choices, strict=True)}
    assert {c.direction for c in r.changes(VALUES, answers, answers)} == {"the same"}


def test_wellbeing_problems_and_support_prompts():
    assert [p.field for p in r.wellbeing_problems(WELLBEING, {"workload": "busy",
                                                               "extra": "x"})] == [
        "answers", "exposure", "impact", "support"]
    calm = {"workload": "busy", "exposure": "some", "impact": "a_little", "support": "enough"}
    assert r.wellbeing_problems(WELLBEING, calm) == [] and r.needs_support(WELLBEING, calm) == []
    strained = {**calm, "workload": "too_much", "support": "not_enough"}
    assert r.needs_support(WELLBEING, strained) == [
        "How is your workload at the moment?", "Do you feel you have the support you need?"]


def test_team_counts_are_withheld_below_the_minimum_group():
    one = {"workload": "busy", "exposure": "some", "impact": "a_little", "support": "enough"}
    shown = r.team_wellbeing(WELLBEING, [one, one, {**one, "workload": "too_much"}], 3)
    assert shown.people == 3 and not shown.withheld
    assert dict(shown.questions[0].counts) == {"Manageable": 0, "Busy but manageable": 2,
                                               "More than I can manage": 1}
    hidden = r.team_wellbeing(WELLBEING, [one, one], 3)
    assert hidden.withheld and hidden.questions == ()


@given(st.integers(min_value=0, max_value=12), st.integers(min_value=1, max_value=12))
def test_counts_never_shown_for_fewer_people_than_the_minimum(n, min_group):
    one = {"workload": "busy", "exposure": "some", "impact": "a_little", "support": "enough"}
    view = r.team_wellbeing(WELLBEING, [one] * n, min_group)
    assert (view.questions == ()) == (n < min_group)
    for q in view.questions:
        assert sum(c for _, c in q.counts) == n
