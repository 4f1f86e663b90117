"""The values reflection and wellbeing check-in pages (apps/reflection.py) in plain pytest:
the task list journey, every problem at once, what changed since last time, sharing into
supervision, support shown when answers suggest strain, and the team lead's counts."""

from __future__ import annotations

import datetime as dt

import pytest

from rso_widgets.apps.reflection import ValuesReflectionApp, WellbeingApp
from rso_widgets.settings import get_settings
from rso_widgets.supervision.validation import today_in_england
from rso_widgets.widgets.tasklist import COMPLETED, NOT_STARTED

pytest_plugins = ("supervision_fixtures",)


@pytest.fixture
def store(store_as):
    lee = store_as("lee").supervision
    team = lee.create_team("North")
    lee.add_team_member(team.id, "alex", supervisor="sam")
    lee.add_team_member(team.id, "bo", supervisor="sam")
    return store_as


def page_text(root) -> str:
    out, todo = [], [root]
    while todo:
        wdg = todo.pop()
        for attr in ("value", "description"):
            if isinstance(getattr(wdg, attr, None), str):
                out.append(getattr(wdg, attr))
        todo += list(getattr(wdg, "children", ()))
    return "\n".join(out)


def answer_all(app: ValuesReflectionApp, choice: str, notes: str = "") -> None:
    for x in app.reflection_form.inputs.values():
        x.choice.value = choice
        x.notes.value = notes


def test_opens_on_a_short_task_list_that_says_it_is_not_a_test(store):
    app = ValuesReflectionApp(store("alex"))
    j = app.reflection_form.journey
    assert j.current is None and j.built == {}
    assert set(j.statuses().values()) == {NOT_STARTED}
    text = page_text(app)
    assert "not a test" in text and "suitable" in text and "Only you can see" in text
    assert "You have no earlier reflections" in text


def test_continue_lists_every_unanswered_statement_at_once(store):
    app = ValuesReflectionApp(store("alex"))
    j = app.reflection_form.journey
    j.open_section("change")
    j._continue()
    assert j.current == "change"
    assert len(j.summary_box.items) == 2  # both items of the theme, not one at a time
    first = app.reflection_form.inputs["change_after_programme"]
    assert first.choice_field.error.startswith("Choose how far you agree")


def test_save_then_retake_shows_what_changed(store):
    alex = store("alex")
    app = ValuesReflectionApp(alex)
    j = app.reflection_form.journey
    answer_all(app, "disagree", "<b>my own words</b>")
    assert set(j.statuses().values()) == {COMPLETED}
    j.show_check_answers()
    assert "&lt;b&gt;my own words" in page_text(j)  # escaped in check answers
    j._submit()
    assert "Your reflection is saved" in j.message.value
    assert "first reflection" in app.result.value
    again = ValuesReflectionApp(alex)
    answer_all(again, "disagree")
    again.reflection_form.inputs["change_setback"].choice.value = "strongly_agree"
    again.reflection_form.journey.show_check_answers()
    again.reflection_form.journey._submit()
    assert "1 of 7 answers" in again.result.value
    assert "more agreement" in again.result.value
    assert len(alex.supervision.my_reflections("values")) == 2


def test_sharing_into_my_session_lets_my_supervisor_read_it(store):
    alex = store("alex")
    s1 = alex.supervision.create_session({"supervisor": "sam", "assessor": "alex",
                                          "held_on": today_in_england() - dt.timedelta(days=1)})
    app = ValuesReflectionApp(alex)
    answer_all(app, "agree")
    app.reflection_form.journey.show_check_answers()
    app.reflection_form.journey._submit()
    panel = app.sharing
    assert panel.controls.layout.display == ""
    panel._share()  # nothing chosen: says so, shares nothing
    assert panel.session_field.error
    panel.session.value = s1.id
    panel._share()
    assert app.failure.value == ""
    assert "Shared into the session" in panel.notice.value
    assert "You and your supervisor" in panel.listing.value
    mine = alex.supervision.my_reflections("values")[0]
    assert store("sam").supervision.reflection(mine.id).id == mine.id
    panel._withdraw()
    assert "Private to you" in panel.listing.value


def test_wellbeing_lists_every_missing_answer_then_points_to_support(store):
    app = WellbeingApp(store("alex"))
    app.checkin._save()
    assert len(app.checkin.summary.items) == 4
    values = {"workload": "too_much", "exposure": "a_lot", "impact": "quite_a_lot",
              "support": "partly"}
    for k, v in values.items():
        app.checkin.fields[k].control.value = v
    app.checkin._save()
    assert "suggest things are hard" in app.checkin.notice.value
    assert "<details class='rso-signposts' open>" in app.checkin.support.value
    assert "Samaritans" in app.checkin.support.value
    assert app.checkin.value["workload"] is None  # the form is cleared for next time
    assert app.team.value == ""  # Alex leads no team


def test_team_lead_sees_counts_only_once_enough_people_answered(store, monkeypatch):
    monkeypatch.setenv("RSO_TEAM_MIN_GROUP", "2")
    get_settings.cache_clear()
    calm = {"workload": "busy", "exposure": "some", "impact": "a_little", "support": "enough"}
    store("alex").supervision.save_reflection("wellbeing", calm)
    assert "Not shown" in WellbeingApp(store("lee")).team.value
    store("bo").supervision.save_reflection("wellbeing", {**calm, "workload": "too_much"})
    view = WellbeingApp(store("lee")).team.value
    assert "2 people" in view and "More than I can manage" in view


def test_the_check_in_is_a_tab_of_the_supervision_page_built_when_chosen(store):
    from rso_widgets.apps.supervision import SupervisionApp

    app = SupervisionApp(store("alex"))
    assert app.tabs.titles[5] == "Wellbeing check-in"
    assert app.tabs.children[5].children == ()
    app.tabs.selected_index = 5
    (part,) = app.tabs.children[5].children
    assert isinstance(part, WellbeingApp) and part is app.wellbeing
