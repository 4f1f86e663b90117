"""CPD record: training, calibration against the keys, observations, goals, supervision."""

from __future__ import annotations

import datetime as dt

import pytest
from identities import open_as, store_as

from rso_widgets.calibration.progress import CategoryRecord, ErrorRecord, PracticeRecord
from rso_widgets.settings import get_settings
from rso_widgets.store.cpd import cpd_record
from rso_widgets.store.practice import SqlPracticeStore
from rso_widgets.store.supervision import SupervisionStore
from rso_widgets.supervision import CPDRecord
from rso_widgets.supervision.validation import today_in_england

TODAY = today_in_england()


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def attempt(case_id: str, minutes: int, agrees: bool) -> PracticeRecord:
    return PracticeRecord(
        user="alex", case_id=case_id,
        at=dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes),
        ruleset="rm2000-ew-training@1.0.0", attempt={"facts": {"sex": "male"}}, agrees=agrees,
        categories=[CategoryRecord(scale="S", trainee="medium", key="medium", distance=0)],
        errors=[] if agrees else [ErrorRecord(row="s1", item="sexual_appearances",
                                              type="coding")])


@pytest.fixture
def as_user(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    get_settings.cache_clear()
    base = open_as(f"sqlite:///{tmp_path / 'wb.sqlite'}", user="admin")
    yield lambda user: SupervisionStore(store_as(base.engine, user=user))
    base.close()
    get_settings.cache_clear()


def test_cpd_record_content(as_user):
    alex, sam, pat, lee = as_user("alex"), as_user("sam"), as_user("pat"), as_user("lee")
    lee.add_team_member(lee.create_team("North").id, "alex", supervisor="sam")
    practice = SqlPracticeStore(alex.store)
    for rec in (attempt("case-01", 0, False), attempt("case-01", 5, True),
                attempt("case-02", 10, True)):
        practice.add_attempt(rec)
    s1 = alex.create_session({"supervisor": "sam", "assessor": "alex", "held_on": days(-40),
                              "agenda": [{"topic": "skills"}]})
    alex.create_session({"supervisor": "sam", "assessor": "alex", "held_on": days(30),
                         "status": "planned"})
    goal = sam.set_goal(s1.id, {"text": "Reward progress explicitly"})
    obs = pat.record_observation({
        "assessor": "alex", "observed_on": days(-10), "context": "assessment_interview",
        "ratings": {s: {"level": "established", "evidence": "seen"} for s in (
            "empathy", "warmth", "respect", "rewarding_progress", "directive_not_hostile",
            "explaining_purpose")},
        "strengths": ["Clear explanation"], "development_points": ["Slow down"]})
    sam.review_goal(goal.id, {"status": "in_progress",
                              "evidence": [{"kind": "observation", "ref": obs.id}]})
    diary = alex.write_diary_entry({"text": "Private thoughts"})

    record = cpd_record(alex.store, "alex")
    assert isinstance(record, CPDRecord) and record.user == "alex"
    assert record.practice_attempts == 3 and record.agreement_rate == pytest.approx(0.667)
    assert [(c.case_id, c.attempts, c.agreed) for c in record.cases_practised] == [
        ("case-01", 2, 1), ("case-02", 1, 1)]
    assert [p.agrees for p in record.agreement_over_time] == [False, True, True]
    assert record.most_missed[0].item == "sexual_appearances"
    assert [o.id for o in record.observations] == [obs.id]
    assert record.observation_scale == "observation-of-practice@1.0.0"
    assert record.skill_labels["directive_not_hostile"].startswith("Being directive")
    assert [(g.id, g.status) for g in record.goals] == [(goal.id, "in_progress")]
    assert [h.status for h in record.goals[0].history] == ["open", "in_progress"]
    assert record.supervision_sessions == [days(-40)]  # held only, dates only
    dumped = record.model_dump_json()
    assert "Private thoughts" not in dumped and diary.text not in dumped  # diary stays private
    assert record.problems == []
    # the same record for the supervisor; the read is audited
    assert cpd_record(sam.store, "alex").goals == record.goals
    assert [(e.user, e.entity) for e in sam.store.audit_entries(3)] == [
        ("alex", "cpd_record"), ("sam", "cpd_record"), ("sam", "practice_attempt")]
    assert sam.store.audit_entries(1)[0].detail["via"] == "supervisor"
