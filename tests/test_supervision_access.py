"""Access rules, enforced in the store with `AccessDenied` (and the refusal audited)."""

from __future__ import annotations

import pytest
from supervision_fixtures import RATINGS, days

from rso_widgets.settings import get_settings
from rso_widgets.store import AccessDenied
from rso_widgets.store.cpd import cpd_record
from rso_widgets.store.supervision import SupervisionStore
from rso_widgets.supervision import access

pytest_plugins = ("supervision_fixtures",)


def _session(as_user, **extra):
    return as_user("sam").create_session({"supervisor": "sam", "assessor": "alex",
                                          "held_on": days(-1), **extra})


def _denied_last(store: SupervisionStore, user: str, action: str, entity: str) -> None:
    last = store.store.audit_entries(1)[0]
    assert (last.user, last.action, last.entity, last.detail) == (
        user, action, entity, {"denied": True})


@pytest.mark.parametrize("who, allowed", [("sam", True), ("alex", True), ("bo", False),
                                          ("lee", False), ("val", False)])
def test_session_readable_only_by_supervisor_and_assessor(as_user, north, who, allowed):
    rec = _session(as_user, notes="confidential")
    reader = as_user(who)
    if allowed:
        assert reader.session(rec.id).notes == "confidential"
        assert [s.id for s in reader.sessions()] == [rec.id]
    else:
        with pytest.raises(AccessDenied, match="confidential to its supervisor and assessor"):
            reader.session(rec.id)
        _denied_last(reader, who, "view", "supervision_session")
        with pytest.raises(AccessDenied):
            reader.update_session(rec.id, {"notes": "changed"})
        with pytest.raises(AccessDenied):
            reader.actions_to_follow_up(rec.id)
        assert reader.sessions() == []


def test_nobody_makes_themselves_someones_supervisor(as_user, north):
    val = as_user("val")
    with pytest.raises(AccessDenied, match="already supervising"):
        val.create_session({"supervisor": "val", "assessor": "alex", "held_on": days(-1)})
    _denied_last(val, "val", "create", "supervision_session")
    # nor record a session for two other people
    with pytest.raises(AccessDenied):
        val.create_session({"supervisor": "sam", "assessor": "alex", "held_on": days(-1)})
    # the assessor may choose a supervisor (e.g. external); that supervisor may then record
    as_user("alex").create_session({"supervisor": "val", "assessor": "alex",
                                    "held_on": days(-30)})
    assert val.create_session({"supervisor": "val", "assessor": "alex",
                               "held_on": days(-1)}).supervisor == "val"


def test_only_the_assessor_sets_the_agenda(as_user, north):
    sam, alex = as_user("sam"), as_user("alex")
    with pytest.raises(AccessDenied, match="agenda is set by the assessor"):
        _session(as_user, agenda=[{"topic": "skills"}])
    rec = _session(as_user)
    with pytest.raises(AccessDenied, match="agenda"):
        sam.update_session(rec.id, {"agenda": [{"topic": "skills"}]})
    got = alex.update_session(rec.id, {"agenda": [{"topic": "skills", "detail": "interviews"}]})
    assert got.agenda[0].detail == "interviews"


def test_diary_private_unless_shared(as_user, north):
    alex, sam, bo = as_user("alex"), as_user("sam"), as_user("bo")
    entry = alex.write_diary_entry({"prompt": "difficult_visit", "text": "Hard visit"})
    for who in ("sam", "bo", "lee"):
        with pytest.raises(AccessDenied, match="private to its author"):
            as_user(who).diary_entry(entry.id)
    _denied_last(sam, "lee", "view", "diary_entry")
    rec = _session(as_user)
    alex.share_diary_entry(entry.id, rec.id)
    assert sam.diary_entry(entry.id).text == "Hard visit"
    for who in ("bo", "lee"):  # still private to everyone else
        with pytest.raises(AccessDenied):
            as_user(who).diary_entry(entry.id)
    with pytest.raises(AccessDenied, match="only by its author"):
        sam.share_diary_entry(entry.id, None)
    with pytest.raises(AccessDenied):
        sam.delete_diary_entry(entry.id)
    # withdrawn: private again
    alex.share_diary_entry(entry.id, None)
    with pytest.raises(AccessDenied):
        sam.diary_entry(entry.id)
    # an entry can be shared only into the author's own supervision
    bo_session = sam.create_session({"supervisor": "sam", "assessor": "bo",
                                     "held_on": days(-1)})
    with pytest.raises(AccessDenied, match="own supervision"):
        alex.share_diary_entry(entry.id, bo_session.id)
    assert bo.diary() == []


@pytest.mark.parametrize("who, allowed", [("pat", True), ("alex", True), ("sam", True),
                                          ("bo", False), ("lee", False), ("val", False)])
def test_observation_access(as_user, north, who, allowed):
    obs = as_user("pat").record_observation({
        "assessor": "alex", "observed_on": days(-2), "context": "assessment_interview",
        "ratings": RATINGS, "strengths": ["Clear"], "development_points": ["Pace"]})
    reader = as_user(who)
    if allowed:
        assert reader.observation(obs.id) == obs
        assert [o.id for o in reader.observations("alex")] == [obs.id]
    else:
        with pytest.raises(AccessDenied, match="observer, the assessor observed"):
            reader.observation(obs.id)
        _denied_last(reader, who, "view", "observation")
        assert reader.observations("alex") == []


def test_supervisor_of_linked_session_reads_the_observation(as_user, north):
    alex = as_user("alex")
    alex.create_session({"supervisor": "ext", "assessor": "alex", "held_on": days(-1)})
    obs = as_user("pat").record_observation({
        "assessor": "alex", "observed_on": days(-3), "context": "home_visit",
        "ratings": RATINGS, "strengths": ["Clear"], "development_points": ["Pace"]})
    assert as_user("ext").observation(obs.id).session_id is not None


def test_goal_access(as_user, north):
    rec = _session(as_user)
    goal = as_user("sam").set_goal(rec.id, {"text": "Open questions"})
    assert as_user("alex").goal(goal.id).id == goal.id
    for who in ("bo", "lee", "val"):
        with pytest.raises(AccessDenied):
            as_user(who).goal(goal.id)
        with pytest.raises(AccessDenied):
            as_user(who).review_goal(goal.id, {"status": "achieved"})
        with pytest.raises(AccessDenied, match="set in supervision"):
            as_user(who).set_goal(rec.id, {"text": "x"})
    assert as_user("lee").goals("alex") == []


def test_consent_off_by_default_and_only_the_person_changes_it(as_user, north):
    alex, lee = as_user("alex"), as_user("lee")
    assert alex.consent() is False
    with pytest.raises(AccessDenied, match="team lead if they have agreed"):
        cpd_record(lee.store, "alex")
    _denied_last(lee, "lee", "view", "cpd_record")
    assert lee.team_view(north.id).individuals == []
    # the lead's own setting is theirs; there is no way to set someone else's
    lee.set_consent(True)
    assert alex.consent() is False
    alex.set_consent(True)
    assert cpd_record(lee.store, "alex").user == "alex"
    assert [p.assessor for p in lee.team_view(north.id).individuals] == ["alex"]
    alex.set_consent(False)
    with pytest.raises(AccessDenied):
        cpd_record(lee.store, "alex")
    assert access.consent_writable("alex", "alex") and not access.consent_writable("lee",
                                                                                     "alex")


@pytest.mark.parametrize("who, allowed", [("alex", True), ("sam", True), ("lee", False),
                                          ("bo", False)])
def test_cpd_record_access(as_user, north, who, allowed):
    if allowed:
        assert cpd_record(as_user(who).store, "alex").user == "alex"
    else:
        with pytest.raises(AccessDenied):
            cpd_record(as_user(who).store, "alex")


def test_team_view_and_roster_are_for_the_lead(as_user, north):
    for who in ("sam", "alex", "val"):
        with pytest.raises(AccessDenied, match="for its lead"):
            as_user(who).team_view(north.id)
        with pytest.raises(AccessDenied, match="only the team lead"):
            as_user(who).add_team_member(north.id, "zed")
        with pytest.raises(AccessDenied):
            as_user(who).set_supervisor(north.id, "alex", who)
    _denied_last(as_user("val"), "val", "change", "team")


def test_team_admins_restrict_team_creation(as_user, monkeypatch):
    monkeypatch.setenv("RSO_TEAM_ADMINS", '["ops"]')
    get_settings.cache_clear()
    with pytest.raises(AccessDenied, match="team administrators"):
        as_user("val").create_team("South")
    assert as_user("ops").create_team("South", lead="lee").lead == "lee"


def test_the_acting_user_is_the_stores_identity(as_user, north):
    """No method takes the acting user: it cannot be spoofed by a caller."""
    import inspect
    for name, fn in inspect.getmembers(SupervisionStore, inspect.isfunction):
        if not name.startswith("_"):
            params = set(inspect.signature(fn).parameters)
            assert not params & {"user_id", "acting_user", "actor", "as_user"}, name
    assert as_user("alex").user == "alex"
