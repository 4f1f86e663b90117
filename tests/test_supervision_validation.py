"""Bad input: each rule gives a clear message naming the field and the fix; data files load."""

from __future__ import annotations

import datetime as dt

import pytest
from identities import open_as

from rso_widgets.instruments.plan_quality import Judgement, load_rubric
from rso_widgets.instruments.ruleset import RulesetError
from rso_widgets.settings import get_settings
from rso_widgets.store.supervision import SupervisionStore
from rso_widgets.supervision import (
    DiaryInput,
    GoalInput,
    InvalidRecord,
    ObservationInput,
    PlanReview,
    SessionInput,
    load_observation_scale,
    load_supervision_lists,
)
from rso_widgets.supervision.lists import DEFAULT_OBSERVATION
from rso_widgets.supervision.validation import (
    diary_problems,
    goal_problems,
    observation_problems,
    session_problems,
    today_in_england,
)

TODAY = dt.date(2026, 6, 1)
LISTS, SCALE, RUBRIC = load_supervision_lists(), load_observation_scale(), load_rubric()
SKILLS = [s.id for s in SCALE.skills]


def good_ratings():
    return {s: {"level": "established", "evidence": "seen"} for s in SKILLS}


def session_fields(inp: dict, open_ids=frozenset()) -> dict[str, str]:
    base = {"supervisor": "sam", "assessor": "alex", "held_on": TODAY}
    problems = session_problems(SessionInput.model_validate(base | inp), LISTS, RUBRIC, TODAY,
                                set(open_ids))
    return {p.field: str(p) for p in problems}


def obs_fields(**inp) -> dict[str, str]:
    base = {"assessor": "alex", "observed_on": TODAY, "context": "home_visit",
            "ratings": good_ratings(), "strengths": ["Calm"], "development_points": ["Pace"]}
    problems = observation_problems(ObservationInput.model_validate(base | inp), "pat", SCALE,
                                    TODAY)
    return {p.field: str(p) for p in problems}


# -- data files --------------------------------------------------------------------------------

def test_observation_scale_file():
    assert SCALE.ref == "observation-of-practice@1.0.0"
    assert SKILLS == ["empathy", "warmth", "respect", "rewarding_progress",
                      "directive_not_hostile", "explaining_purpose"]
    assert [lv.id for lv in SCALE.scale] == ["not_seen", "emerging", "established", "strong"]
    assert all(s.good_looks_like and lv.descriptor for s in SCALE.skills for lv in SCALE.scale)
    assert SCALE.provenance["source"] and (SCALE.development_points.min,
                                           SCALE.development_points.max) == (1, 2)


def test_supervision_lists_file():
    assert LISTS.ref == "supervision-lists@1.0.0"
    topics = {t.id for t in LISTS.agenda_topics}
    assert {"difficult_case", "values_wellbeing", "skills", "specific_assessment",
            "other"} <= topics
    assert {p.id for p in LISTS.diary_prompts} >= {"key_disagreement", "observation",
                                                    "difficult_visit", "free"}


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("value: 2", "value: 1", 1), "level values must rise"),
    (lambda t: t.replace("id: warmth", "id: empathy"), "ids must be unique"),
    (lambda t: t.replace("    descriptor: >-\n", "    description: >-\n", 1), "descriptor"),
    (lambda t: t.replace("development_points: {min: 1, max: 2}",
                         "development_points: {min: 3, max: 2}"), "min 3 is above max 2"),
])
def test_a_bad_scale_file_is_refused_naming_the_field(tmp_path, edit, message):
    bad = tmp_path / "observation.yaml"
    bad.write_text(edit(DEFAULT_OBSERVATION.read_text()))
    with pytest.raises(RulesetError, match=message) as err:
        load_observation_scale(bad)
    assert str(bad) in str(err.value)


def test_today_is_a_date():
    assert isinstance(today_in_england(), dt.date)


# -- sessions ----------------------------------------------------------------------------------

def test_a_valid_session_has_no_problems():
    assert session_fields({"agenda": [{"topic": "skills"}], "actions": [
        {"text": "Read", "owner": "alex", "due": TODAY}]}) == {}


def test_held_session_dated_in_the_future():
    got = session_fields({"held_on": TODAY + dt.timedelta(days=1)})
    assert "in the future" in got["held_on"] and "save it as planned" in got["held_on"]
    assert session_fields({"held_on": TODAY + dt.timedelta(days=9), "status": "planned"}) == {}


def test_action_without_owner_due_date_or_text():
    got = session_fields({"actions": [{"text": "Read", "due": TODAY},
                                      {"owner": "alex"},
                                      {"text": "x", "owner": "alex",
                                       "due": TODAY - dt.timedelta(days=1)}]})
    assert "no owner" in got["actions[0].owner"] and "name the person" in got["actions[0].owner"]
    assert "no due date" in got["actions[1].due"] and "says nothing" in got["actions[1].text"]
    assert "before the session" in got["actions[2].due"]


def test_agenda_topic_from_the_list_and_other_needs_words():
    got = session_fields({"agenda": [{"topic": "gossip"}, {"topic": "other"}]})
    assert "not an agenda topic" in got["agenda[0].topic"] and "difficult_case" in \
        got["agenda[0].topic"]
    assert "needs a few words" in got["agenda[1].detail"]


def test_supervisor_is_not_the_assessor_and_names_are_given():
    assert "same person" in session_fields({"supervisor": "alex"})["supervisor"]
    assert "give the supervisor's user name" in session_fields({"supervisor": " "})["supervisor"]


def test_follow_up_rules():
    got = session_fields({"follow_ups": [{"action_id": 7, "outcome": "done"},
                                         {"action_id": 8, "outcome": "not_done"}]}, {8})
    assert "not an open action" in got["follow_ups[0].action_id"]
    assert "needs a note" in got["follow_ups[1].note"]


def test_planned_session_cannot_have_actions():
    got = session_fields({"status": "planned", "actions": [
        {"text": "Read", "owner": "alex", "due": TODAY}]})
    assert "record them once the session is held" in got["status"]


def test_plan_review_rules():
    scores = {f"Q{i}": 2 for i in range(1, 10)} | {"Q99": 1}
    review = PlanReview(rubric="other-rubric@1", scores=scores,
                        judgements={"Q9": Judgement(score=1)})
    got = session_fields({"plan_reviews": [review]})
    assert "complete the review with rmp-quality-rubric" in got["plan_reviews[0].rubric"]
    assert "Q10" in str([v for k, v in got.items() if k == "plan_reviews[0].scores"])
    assert "judged 1 but the profile says 2" in got["plan_reviews[0].judgements.Q9"]


# -- observations ------------------------------------------------------------------------------

def test_observation_with_no_evidence():
    ratings = {s: {"level": "not_seen"} for s in SKILLS}
    got = obs_fields(ratings=ratings)
    assert "no evidence at all" in got["ratings"] and "what you saw or heard" in got["ratings"]


def test_rated_skill_without_evidence_and_unrated_skill():
    ratings = good_ratings()
    ratings["empathy"] = {"level": "strong", "evidence": "  "}
    del ratings["warmth"]
    ratings["charm"] = {"level": "strong", "evidence": "x"}
    got = obs_fields(ratings=ratings)
    assert "rated Strong with no evidence" in got["ratings.empathy.evidence"]
    assert "'Warmth' is not rated" in got["ratings.warmth"]
    assert "not a skill" in got["ratings.charm"]
    assert "not a level" in obs_fields(ratings=good_ratings() | {
        "respect": {"level": "superb", "evidence": "x"}})["ratings.respect.level"]


def test_observation_dates_context_points_and_self():
    got = obs_fields(observed_on=TODAY + dt.timedelta(days=2), context="pub",
                     strengths=[], development_points=["a", "b", "c"], assessor="pat")
    assert "in the future" in got["observed_on"]
    assert "home_visit" in got["context"]
    assert "at least 1" in got["strengths"]
    assert "the most is 2" in got["development_points"]
    assert "of yourself" in got["assessor"]


# -- diary and goals ---------------------------------------------------------------------------

def test_diary_rules():
    problems = diary_problems(DiaryInput(text=" ", prompt="rant", item="S.category",
                                         event_on=TODAY + dt.timedelta(days=1)), LISTS, TODAY)
    got = {p.field: str(p) for p in problems}
    assert set(got) == {"text", "prompt", "event_on", "case_id"}
    assert "write your reflection" in got["text"]


def test_goal_rules():
    problems = goal_problems(GoalInput(text="", target_on=TODAY - dt.timedelta(days=1),
                                       evidence=[{"kind": "other"}, {"kind": "observation"}]),
                             TODAY)
    assert {p.field for p in problems} == {"text", "target_on", "evidence[0].note",
                                           "evidence[1].ref"}


# -- through the store -------------------------------------------------------------------------

@pytest.fixture
def alex(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    get_settings.cache_clear()
    with open_as(f"sqlite:///{tmp_path / 'wb.sqlite'}", user="alex") as store:
        yield SupervisionStore(store)


def test_store_refuses_bad_input_with_every_problem_listed(alex):
    future = today_in_england() + dt.timedelta(days=3)
    with pytest.raises(InvalidRecord) as err:
        alex.create_session({"supervisor": "sam", "assessor": "alex", "held_on": future,
                             "actions": [{"text": "Read", "due": future}]})
    assert [p.field for p in err.value.problems] == ["held_on", "actions[0].owner"]
    assert str(err.value).startswith("supervision session not saved, 2 problems: held_on:")
    assert [e.action for e in alex.store.audit_entries()] == ["record"]  # only 0007's baseline


def test_shape_errors_name_the_field(alex):
    with pytest.raises(InvalidRecord) as err:
        alex.create_session({"supervisor": "sam", "held_on": "yesterday", "colour": "red"})
    fields = {p.field: p.fix for p in err.value.problems}
    assert fields["assessor"] == "fill it in"
    assert "YYYY-MM-DD" in fields["held_on"]
    assert "remove it" in fields["colour"]


def test_store_checks_linked_records_exist(alex):
    with pytest.raises(InvalidRecord, match=r"assessment_ids\[0\]: there is no assessment 99"):
        alex.create_session({"supervisor": "sam", "assessor": "alex",
                             "held_on": today_in_england(), "assessment_ids": [99]})
    with pytest.raises(InvalidRecord, match="observation_id"):
        alex.write_diary_entry({"text": "x", "observation_id": 5})
    with pytest.raises(InvalidRecord, match=r"ratings: the observation records no evidence"):
        alex.record_observation({"assessor": "bo", "observed_on": today_in_england(),
                                 "context": "home_visit",
                                 "ratings": {s: {"level": "not_seen"} for s in SKILLS},
                                 "strengths": ["x"], "development_points": ["y"]})


def test_only_future_planned_sessions_can_become_held_when_the_date_has_come(alex):
    planned = alex.create_session({"supervisor": "sam", "assessor": "alex", "status": "planned",
                                   "held_on": today_in_england() + dt.timedelta(days=5)})
    with pytest.raises(InvalidRecord, match=r"held_on: .* in the future"):
        alex.update_session(planned.id, {"status": "held"})
    held = alex.update_session(planned.id, {"status": "held", "held_on": today_in_england()})
    assert held.status == "held"


def test_a_team_has_a_name_not_a_user_name():
    """Issue 14: "Give the team's user name" for a team name."""
    from rso_widgets.supervision.validation import name_problems

    (p,) = name_problems(" ", "name", "team")
    assert p.fix == "give the team's name"
    (p,) = name_problems("", "lead", "team lead")
    assert p.fix == "give the team lead's user name"


def test_empty_answers_read_the_gov_uk_way():
    """Issue 14: "is missing. Fill it in." became "Enter the …"."""
    from rso_widgets.widgets.supervision_forms import problem_text

    assert problem_text("Date of the session", "Field required", "fill it in") == \
        "Enter the date of the session."
    assert problem_text("Your supervisor's user name", "no supervisor given",
                        "give the supervisor's user name") == \
        "Enter the supervisor's user name."
    assert problem_text("Team name", "no team given", "give the team's name") == \
        "Enter the team's name."
    assert problem_text("Notes (optional)", "is missing", "fill it in") == "Enter the notes."
    assert "Fill it in" not in problem_text("Notes", "Field required", "fill it in")
    # other problems keep the field, what is wrong and the fix
    assert problem_text("Date of the session", "Input should be a valid date",
                        "give a date as YYYY-MM-DD") == \
        "Date of the session: is not a date. Give a date as YYYY-MM-DD."


# -- every problem at once (no layers) -----------------------------------------------------------
# `parse` used to raise on the first kind of problem: a missing or bad date hid text that may not
# be stored, and both hid every rule (a blank name, an action with no owner). Forms now check
# with `all_problems` before the store, so one submit shows everything.

def _session_rules(inp):
    from rso_widgets.supervision.validation import session_problems as rules

    return rules(inp, LISTS, RUBRIC, TODAY, set())


def test_a_missing_date_does_not_hide_the_rules_or_stored_text_problems():
    from rso_widgets.supervision.validation import all_problems

    data = {"supervisor": "", "assessor": "alex", "notes": "bad \x07 bell",
            "agenda": [{"topic": "other"}],
            "actions": [{"text": "Read", "owner": "", "due": TODAY},
                        {"text": "Call", "owner": "sam", "due": "not a date"}]}
    fields = {p.field for p in all_problems(SessionInput, data, "supervision session",
                                            _session_rules)}
    assert fields == {"held_on", "notes", "supervisor", "agenda[0].detail",
                      "actions[0].owner", "actions[1].due"}


def test_the_stand_in_for_a_missing_date_invents_no_problem():
    from rso_widgets.supervision.validation import all_problems

    # with the date missing, an action due yesterday is not "before the session"
    problems = all_problems(SessionInput, {"supervisor": "sam", "assessor": "alex",
                                           "actions": [{"text": "a", "owner": "alex",
                                                        "due": TODAY - dt.timedelta(days=1)}]},
                            "supervision session", _session_rules)
    assert [p.field for p in problems] == ["held_on"]
    assert "Field required" in problems[0].message


def test_parse_reports_shape_and_stored_text_problems_together():
    with pytest.raises(InvalidRecord) as caught:
        from rso_widgets.supervision.validation import parse

        parse(SessionInput, {"supervisor": "sam", "assessor": "alex", "notes": "x\x00y"},
              "supervision session")
    assert {p.field for p in caught.value.problems} == {"held_on", "notes"}


def test_observation_with_a_bad_date_still_lists_each_unrated_skill():
    from rso_widgets.supervision.validation import all_problems, observation_problems

    data = {"assessor": "", "observed_on": "yesterday", "context": "home_visit",
            "ratings": {}, "strengths": ["Calm"], "development_points": []}
    fields = {p.field for p in all_problems(
        ObservationInput, data, "observation",
        lambda inp: observation_problems(inp, "pat", SCALE, TODAY))}
    assert {"observed_on", "assessor", "development_points"} <= fields
    assert {f"ratings.{s}" for s in SKILLS} <= fields


def test_checked_passes_good_input_through_and_refuses_with_every_problem():
    from rso_widgets.supervision.validation import checked

    good = {"supervisor": "sam", "assessor": "alex", "held_on": TODAY}
    assert checked(SessionInput, good, "supervision session", _session_rules) is good
    with pytest.raises(InvalidRecord) as caught:
        checked(SessionInput, {"supervisor": "alex", "assessor": "alex", "held_on": "soon",
                               "actions": [{"text": "", "owner": "", "due": None}]},
                "supervision session", _session_rules)
    assert {p.field for p in caught.value.problems} == {
        "held_on", "supervisor", "actions[0].text", "actions[0].owner", "actions[0].due"}


def test_the_update_rules_match_the_store():
    from rso_widgets.supervision.models import SessionUpdate
    from rso_widgets.supervision.validation import session_update_problems

    upd = SessionUpdate.model_validate({"status": "planned", "add_actions": [
        {"text": "a", "owner": "", "due": TODAY}], "follow_ups": [{"action_id": 9,
                                                                  "outcome": "not_done"}]})
    fields = [p.field for p in session_update_problems(
        upd, TODAY, "planned", LISTS, RUBRIC, TODAY, {9}, has_actions=False,
        has_reviews=False)]
    assert fields == ["add_actions[0].owner", "follow_ups[0].note", "status"]
