"""Retention covers supervision records: sessions (with their actions and follow-ups),
observations, diary entries and development goals past the period are listed by a dry run and
deleted on request, one audit entry each; a record something kept still points at is kept."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from audited import audit_log, audited_update, verify_log
from identities import administrators, store_as
from sqlalchemy import Date
from supervision_fixtures import days, observation, session

from rso_widgets.cli import main
from rso_widgets.settings import get_settings
from rso_widgets.store import NotFoundError, open_store
from rso_widgets.store.models import (
    ActionFollowUp,
    DevelopmentGoal,
    DiaryEntry,
    GoalUpdate,
    Observation,
    SupervisionAction,
    SupervisionSession,
)
from rso_widgets.store.retention import delete_expired, expired
from rso_widgets.store.supervision import SupervisionStore

pytest_plugins = ("supervision_fixtures",)

OLD = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
MODELS = {m.__tablename__: m for m in (SupervisionSession, SupervisionAction, ActionFollowUp,
                                       Observation, DiaryEntry, DevelopmentGoal, GoalUpdate)}


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("RSO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("RSO_DATABASE_URL", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("RSO_USER", "admin")
    monkeypatch.setenv("RSO_RETENTION_DAYS", "365")
    administrators(monkeypatch, tmp_path, "admin")  # retention is an administrator's command
    with open_store() as s:
        yield s
    get_settings.cache_clear()


def _as(store, user: str) -> SupervisionStore:
    return SupervisionStore(store_as(store.engine, user=user))


def _backdate(store, table: str, ids, *columns: str) -> None:
    model = MODELS[table]
    values = {c: OLD.date() if isinstance(model.__table__.c[c].type, Date) else OLD
              for c in columns}
    audited_update(store.engine, model, model.id.in_(list(ids)), **values)


def _backdate_history(store, table: str) -> None:
    """Make every row of an append-only table old: the database refuses an UPDATE, so this
    test set-up lifts the trigger (from migration 0002) for the one statement only."""
    with sqlite3.connect(store.sqlite_path) as conn:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                           (f"{table}_no_update",)).fetchone()[0]
        conn.execute(f"DROP TRIGGER {table}_no_update")
    audited_update(store.engine, MODELS[table], True, at=OLD)
    with sqlite3.connect(store.sqlite_path) as conn:
        conn.execute(sql)


def _world(store) -> dict[str, int]:
    """Old: sessions s1 and s2 (s2 follows up s1's action), an observation and a diary entry
    linked to s1, a goal set in s1. Kept: s3 and its records (recent); s4 (old) because an old
    observation linked to it has a recent diary entry about it; s5 (old) because its goal was
    reviewed today."""
    sam, alex = _as(store, "sam"), _as(store, "alex")
    ids: dict[str, int] = {}
    ids["o1"] = _as(store, "pat").record_observation(observation(on=days(-805))).id
    s1 = alex.create_session(session(days(-800), actions=[
        {"text": "Read the desistance paper", "owner": "alex", "due": days(-795)}]))
    ids["s1"] = s1.id
    ids["s2"] = alex.create_session(session(days(-790), follow_ups=[
        {"action_id": s1.actions[0].id, "outcome": "done"}])).id
    ids["d1"] = alex.share_diary_entry(alex.write_diary_entry(
        {"text": "Old reflection", "event_on": days(-801)}).id, s1.id).id
    ids["g1"] = sam.set_goal(s1.id, {"text": "Explain the purpose", "target_on": days(-700)}).id
    ids["o4"] = _as(store, "pat").record_observation(observation(on=days(-605))).id
    ids["s4"] = alex.create_session(session(days(-600))).id
    ids["s5"] = alex.create_session(session(days(-500))).id
    ids["g5"] = sam.set_goal(ids["s5"], {"text": "Pace the interview"}).id
    ids["s3"] = alex.create_session(session(days(-1))).id
    ids["o3"] = _as(store, "pat").record_observation(observation(on=days(-1))).id
    ids["d3"] = alex.write_diary_entry({"text": "About the old observation",
                                        "observation_id": ids["o4"]}).id
    _backdate(store, "supervision_sessions", [ids[k] for k in ("s1", "s2", "s4", "s5")],
              "created_at", "updated_at")
    _backdate(store, "supervision_actions", [s1.actions[0].id], "created_at")
    for table in ("action_follow_ups", "goal_updates"):
        _backdate_history(store, table)
    _backdate(store, "observations", [ids["o1"], ids["o4"]], "created_at")
    _backdate(store, "diary_entries", [ids["d1"]], "created_at", "updated_at")
    _backdate(store, "development_goals", [ids["g1"], ids["g5"]], "created_at")
    sam.review_goal(ids["g5"], {"status": "in_progress", "note": "Reviewed today"})
    return ids


EXPIRED = [("diary_entry", "d1"), ("development_goal", "g1"), ("observation", "o1"),
           ("supervision_session", "s1"), ("supervision_session", "s2")]


def test_dry_run_lists_idle_supervision_records_and_changes_nothing(store):
    ids = _world(store)
    before = len(audit_log(store, 1000))
    found = expired(store, 365)
    assert [(x.kind, x.id) for x in found] == [(k, ids[n]) for k, n in EXPIRED]
    assert {x.note for x in found} == {"alex"}  # the assessor or author, never the words
    last = {(x.kind, x.id): x.last_activity.date() for x in found}
    assert last[("supervision_session", ids["s2"])] == days(-790)  # its own date
    # s1 is as recent as the latest record pointing at it: the target date of its goal
    assert last[("supervision_session", ids["s1"])] == days(-700)
    assert last[("observation", ids["o1"])] == days(-805)
    log = audit_log(store, 1000)
    assert len(log) == before + 1  # only the listing itself (an administrator's read)
    assert (log[-1].action, log[-1].entity) == ("view", "retention")
    assert _as(store, "sam").session(ids["s1"]).actions


def test_delete_removes_them_with_their_parts_and_audits_each(store):
    ids = _world(store)
    gone = delete_expired(store, 365)
    assert [(x.kind, x.id) for x in gone] == [(k, ids[n]) for k, n in EXPIRED]
    sam, alex = _as(store, "sam"), _as(store, "alex")
    for name, read in (("s1", sam.session), ("s2", sam.session), ("o1", sam.observation),
                       ("d1", alex.diary_entry), ("g1", sam.goal)):
        with pytest.raises(NotFoundError):
            read(ids[name])
    assert [s.id for s in sam.sessions()] == [ids["s4"], ids["s5"], ids["s3"]]
    assert sam.observation(ids["o4"]).session_id == ids["s4"]  # kept for the diary entry
    assert alex.diary_entry(ids["d3"]).observation_id == ids["o4"]
    assert sam.goal(ids["g5"]).status == "in_progress"
    with sqlite3.connect(store.sqlite_path) as conn:
        for table in ("supervision_actions", "action_follow_ups"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM goal_updates").fetchone() == (2,)  # g5's
    deletions = [e for e in audit_log(store, 1000) if e.action == "delete"
                 and e.entity != "retention"]
    assert [(e.user, e.entity, e.entity_id, e.detail["reason"]) for e in deletions] == [
        ("admin", k, str(ids[n]), "retention") for k, n in EXPIRED]
    detail = {(e.entity, int(e.entity_id)): e.detail for e in deletions}
    s1 = detail[("supervision_session", ids["s1"])]
    assert (s1["actions"], s1["follow_ups"]) == (1, 1)  # its action and s2's follow-up of it
    assert detail[("development_goal", ids["g1"])]["reviews"] == 1
    assert verify_log(store).ok
    assert delete_expired(store, 365) == []


def test_cli_lists_then_deletes_supervision_records(store, capsys):
    ids = _world(store)
    assert main(["retention"]) == 0
    out = capsys.readouterr().out
    assert f"would delete  supervision_session {ids['s1']:>6}" in out
    assert "5 record(s) with no activity for 365 days (dry run" in out
    assert _as(store, "sam").session(ids["s1"])
    assert main(["retention", "--delete"]) == 0
    assert "5 record(s) older than 365 days deleted" in capsys.readouterr().out
    with pytest.raises(NotFoundError):
        _as(store, "sam").session(ids["s1"])
