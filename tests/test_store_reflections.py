"""Values reflections and wellbeing check-ins in the store: private to the owner, shared into
supervision only by the owner, counted for the team lead only above the minimum group; every
read and write audited with no answers in the log; tamper evidence covers the table."""

from __future__ import annotations

import pytest
from supervision_fixtures import session

from rso_widgets.settings import get_settings
from rso_widgets.store import AccessDenied
from rso_widgets.supervision import InvalidRecord
from rso_widgets.supervision.reflection import load_values_reflection

pytest_plugins = ("supervision_fixtures",)

VALUES = load_values_reflection()
CALM = {"workload": "busy", "exposure": "some", "impact": "a_little", "support": "enough"}


def values(choice: str = "agree", notes: str = "") -> dict:
    return {i.id: {"choice": choice, "notes": notes} for i in VALUES.items}


def test_owner_saves_and_retakes_and_sees_only_their_own(as_user, team):
    alex, bo = as_user("alex"), as_user("bo")
    first = alex.save_reflection("values", values("disagree", "I am not sure yet"))
    second = alex.save_reflection("values", values("agree"))
    assert first.form == "values-reflection@1.0.0" and first.owner == "alex"
    assert [x.id for x in alex.my_reflections("values")] == [second.id, first.id]
    assert bo.my_reflections("values") == []
    assert alex.reflection(first.id).answers["change_setback"] == {
        "choice": "disagree", "notes": "I am not sure yet"}


def test_nobody_else_reads_it_not_even_the_supervisor_or_lead_until_shared(as_user, team):
    alex = as_user("alex")
    mine = alex.save_reflection("values", values())
    for who in ("sam", "lee", "bo", "admin"):
        with pytest.raises(AccessDenied, match="private to its owner"):
            as_user(who).reflection(mine.id)
    denied = [e for e in alex.store.audit_entries(50)
              if e.entity == "reflection" and e.detail.get("denied")]
    assert sorted(e.user for e in denied) == ["admin", "bo", "lee", "sam"]


def test_shared_into_a_session_its_supervisor_reads_it_and_withdrawal_ends_that(as_user, team):
    alex, sam = as_user("alex"), as_user("sam")
    s1 = alex.create_session(session())
    mine = alex.save_reflection("wellbeing", CALM)
    with pytest.raises(AccessDenied, match="only by its owner"):
        sam.share_reflection(mine.id, s1.id)
    alex.share_reflection(mine.id, s1.id)
    assert sam.reflection(mine.id).answers == CALM
    assert [x.id for x in sam.shared_reflections(s1.id)] == [mine.id]
    with pytest.raises(AccessDenied):
        as_user("bo").shared_reflections(s1.id)
    alex.share_reflection(mine.id, None)
    with pytest.raises(AccessDenied):
        sam.reflection(mine.id)


def test_only_into_your_own_supervision(as_user, team):
    bo = as_user("bo")
    other = as_user("alex").create_session(session())
    mine = bo.save_reflection("wellbeing", CALM)
    with pytest.raises(AccessDenied, match="not yours as assessor"):
        bo.share_reflection(mine.id, other.id)


def test_bad_answers_are_refused_all_at_once_and_nothing_is_saved(as_user, team):
    alex = as_user("alex")
    with pytest.raises(InvalidRecord) as err:
        alex.save_reflection("wellbeing", {"workload": "busy"})
    assert [p.field for p in err.value.problems] == ["exposure", "impact", "support"]
    with pytest.raises(InvalidRecord):
        alex.save_reflection("mood", CALM)
    assert alex.my_reflections("wellbeing") == []


def test_the_audit_log_holds_ids_never_answers(as_user, team):
    alex = as_user("alex")
    alex.save_reflection("values", values(notes="a private worry about visits"))
    log = str([(e.action, e.entity, e.detail) for e in alex.store.audit_entries(20)])
    assert "private worry" not in log and "agree" not in log
    assert "('create', 'reflection'" in log


def test_team_lead_sees_counts_only_at_or_above_the_minimum_group(as_user, team, monkeypatch):
    monkeypatch.setenv("RSO_TEAM_MIN_GROUP", "2")
    get_settings.cache_clear()
    lee = as_user("lee")
    as_user("alex").save_reflection("wellbeing", {**CALM, "workload": "manageable"})
    assert lee.team_wellbeing(team.id).withheld  # one person: nothing shown
    as_user("alex").save_reflection("wellbeing", {**CALM, "workload": "too_much"})  # latest
    assert lee.team_wellbeing(team.id).withheld  # still one person
    as_user("bo").save_reflection("wellbeing", CALM)
    view = lee.team_wellbeing(team.id)
    assert view.people == 2 and not view.withheld
    assert dict(view.questions[0].counts) == {"Manageable": 0, "Busy but manageable": 1,
                                              "More than I can manage": 1}
    as_user("val").save_reflection("wellbeing", CALM)  # outside the team: not counted
    assert lee.team_wellbeing(team.id).people == 2
    with pytest.raises(AccessDenied, match="for its lead"):
        as_user("sam").team_wellbeing(team.id)


def test_a_reflection_edited_in_the_database_is_caught(as_user, team):
    from sqlalchemy import text

    alex = as_user("alex")
    mine = alex.save_reflection("values", values())
    with alex.store.engine.begin() as conn:
        conn.execute(text("UPDATE reflections SET owner = 'bo' WHERE id = :i"), {"i": mine.id})
    report = alex.store.verify_audit()
    assert not report.ok and "reflections" in str(report)
