"""Issue 13, around the tamper evidence: restore refuses a tampered backup; an upgrade from 0006
baselines existing rows; ids are never reused; retention never deletes work in progress; team
rosters are read with an audit entry; follow-ups recorded in a kept session are kept; random
sequences of legitimate writes always verify clean.

Tests that depend on the backend run on SQLite and a real PostgreSQL server (`store_env`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3

import pytest
from alembic import command
from audited import audited_update, trigger_lifted
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from identities import open_as, store_as
from sqlalchemy import insert, select, update
from tamper_kit import by_hand, edit, record_tables, world

from rso_widgets.cli import main
from rso_widgets.settings import get_settings
from rso_widgets.store import Store, db, open_store
from rso_widgets.store.backup import restore
from rso_widgets.store.errors import StoreError
from rso_widgets.store.models import Assessment, Draft, Person
from rso_widgets.store.retention import delete_expired, expired
from rso_widgets.store.supervision import SupervisionStore

OLD = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def store(store_env, monkeypatch):
    monkeypatch.setenv("RSO_USER", "alice")
    monkeypatch.setenv("RSO_RETENTION_DAYS", "365")
    get_settings.cache_clear()
    with open_store() as s:
        yield s
    get_settings.cache_clear()


# -- restore ----------------------------------------------------------------------------------

def _tamper_committed(url: str) -> None:
    """Edit a version's author past the store and commit (triggers dropped for it)."""
    if db.sqlite_path(url) is not None:
        with sqlite3.connect(db.sqlite_path(url)) as conn:
            conn.execute("DROP TRIGGER assessment_versions_no_update")
            conn.execute("UPDATE assessment_versions SET author = 'mallory' WHERE id = 1")
        return
    from pg_server import run_sql

    run_sql(url, "DROP TRIGGER assessment_versions_no_update ON assessment_versions",
            "UPDATE assessment_versions SET author = 'mallory' WHERE id = 1")


def test_restore_refuses_a_tampered_backup_before_replacing_anything(store, store_env,
                                                                     tmp_path, capsys):
    world(store)
    good = tmp_path / "good"
    good.mkdir()
    assert main(["backup", str(good)]) == 0
    _tamper_committed(store_env)
    bad = tmp_path / "bad"
    bad.mkdir()
    assert main(["backup", str(bad)]) == 0
    capsys.readouterr()
    (bad_file,) = bad.iterdir()
    assert main(["restore", str(bad_file), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "NOT restored" in err and "assessment_versions row 1" in err
    assert not store.verify_audit().ok  # still the (tampered) live database, not replaced
    (good_file,) = good.iterdir()
    assert main(["restore", str(good_file), "--yes"]) == 0
    with open_store() as again:
        assert again.verify_audit().ok and again.versions(1)[0].author == "alice"


def test_restore_checks_the_anchor(store, store_env, tmp_path, capsys):
    if db.sqlite_path(store_env) is None:
        pytest.skip("the anchor check is the same code for both backends (verify_url)")
    world(store)
    folder = tmp_path / "b"
    folder.mkdir()
    assert main(["backup", str(folder)]) == 0
    store.log_view("person", 1)
    assert main(["audit-log", "anchor", str(tmp_path / "a.json")]) == 0  # newer than the backup
    (copy,) = folder.iterdir()
    live = db.sqlite_path(store_env)
    with pytest.raises(StoreError, match="cut off the end"):
        from rso_widgets.store import anchor

        restore(live, copy, yes=True, anchor=anchor.read(tmp_path / "a.json"))


# -- upgrade from 0006 ------------------------------------------------------------------------

def test_upgrade_from_0006_baselines_rows_and_adds_autoincrement(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = db.make_engine(url)
    cfg = db._config(None)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
        conn.execute(insert(Person).values(id=1, reference="Old", fictional=True,
                                           created_by="x", created_at=OLD))
        conn.execute(insert(Assessment).values(id=1, person_id=1, kind="plan",
                                               created_by="x", created_at=OLD))
    engine.dispose()
    with open_as(url, user="admin", backup_dir=tmp_path / "b") as s:
        assert s.verify_audit().ok
        assert [(e.entity, e.records) for e in s.audit_entries()][-3:] == [
            ("persons", 1), ("assessments", 1), ("database", 0)]
    with sqlite3.connect(tmp_path / "old.sqlite") as conn:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'persons'").fetchone()[0]
        assert "AUTOINCREMENT" in sql
        conn.execute("PRAGMA foreign_keys = ON")
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        triggers = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert {"assessment_versions_no_update", "signoffs_no_update",
                "action_follow_ups_no_update", "goal_updates_no_update"} <= triggers
        conn.execute("UPDATE persons SET reference = 'Edited' WHERE id = 1")
    with open_as(url, user="admin") as s:
        report = s.verify_audit()
        assert [(p.table, p.key, p.kind) for p in report.rows] == [("persons", "1", "edited")]


# -- ids --------------------------------------------------------------------------------------

def test_ids_of_deleted_rows_are_never_reused(store):
    first = store.create_person("First", fictional=True)
    store.delete_person(first.id, reason="test")
    second = store.create_person("Second", fictional=True)
    assert second.id > first.id
    a = SupervisionStore(store_as(store.engine, user="alex"))
    d1 = a.write_diary_entry({"text": "One"})
    a.delete_diary_entry(d1.id)
    assert a.write_diary_entry({"text": "Two"}).id > d1.id


# -- retention --------------------------------------------------------------------------------

def _idle_person_with_draft(store: Store, draft_at: dt.datetime) -> tuple[int, int]:
    p = store.create_person("Idle", fictional=True)
    v = store.create_assessment(p.id, "plan", {})
    store.save_draft(store.draft_key(v.assessment_id), {"x": 1},
                     assessment_id=v.assessment_id, base_version=1)
    audited_update(store.engine, Person, Person.id == p.id, created_at=OLD)
    from rso_widgets.store.models import AssessmentVersion

    with trigger_lifted(store.engine, "assessment_versions"):
        audited_update(store.engine, AssessmentVersion,
                       AssessmentVersion.assessment_id == v.assessment_id, created_at=OLD)
    with store.engine.begin() as conn:  # drafts are not record rows: no audit needed
        conn.execute(update(Draft).values(updated_at=draft_at))
    return p.id, v.assessment_id


def test_a_draft_saved_after_the_cutoff_keeps_its_person(store):
    pid, aid = _idle_person_with_draft(store, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    assert [x for x in expired(store, 365) if x.kind in ("person", "draft")] == []
    assert delete_expired(store, 365) == []
    assert store.get_person(pid) and store.get_draft(store.draft_key(aid)) is not None
    assert store.verify_audit().ok


def test_the_dry_run_lists_the_drafts_that_would_go(store, capsys):
    pid, _ = _idle_person_with_draft(store, OLD)
    found = [(x.kind, x.note) for x in expired(store, 365)]
    assert found == [("person", "fictional"), ("draft", f"alice, goes with person {pid}")]
    assert main(["retention"]) == 0
    out = capsys.readouterr().out
    assert "would delete  draft" in out and f"goes with person {pid}" in out
    assert [x.kind for x in delete_expired(store, 365)] == ["person", "draft"]
    assert store.drafts() == [] and store.verify_audit().ok


# -- supervision ------------------------------------------------------------------------------

def test_reading_a_team_roster_is_audited(store):
    lee = SupervisionStore(store_as(store.engine, user="lee"))
    team = lee.create_team("North")
    lee.add_team_member(team.id, "alex", supervisor="sam")
    assert [m.username for m in lee.team(team.id).members] == ["alex"]
    last = store.audit_entries(1)[-1]
    assert (last.user, last.action, last.entity, last.entity_id) == ("lee", "view", "team",
                                                                     str(team.id))


def test_follow_ups_recorded_in_a_kept_session_are_kept(store):
    """s1 (old) agreed an action; s2 (old) followed it up and is kept because its goal was
    reviewed today: s1 and the follow-up must stay."""
    from rso_widgets.store.models import (
        ActionFollowUp,
        DevelopmentGoal,
        SupervisionAction,
        SupervisionSession,
    )

    alex = SupervisionStore(store_as(store.engine, user="alex"))
    sam = SupervisionStore(store_as(store.engine, user="sam"))
    today = alex.today()
    s1 = alex.create_session({"supervisor": "sam", "assessor": "alex",
                              "held_on": today - dt.timedelta(days=800), "actions": [
                                  {"text": "Read", "owner": "alex",
                                   "due": today - dt.timedelta(days=795)}]})
    s2 = alex.create_session({"supervisor": "sam", "assessor": "alex",
                              "held_on": today - dt.timedelta(days=790), "follow_ups": [
                                  {"action_id": s1.actions[0].id, "outcome": "done"}]})
    goal = sam.set_goal(s2.id, {"text": "Pace the interview"})
    for model in (SupervisionSession, SupervisionAction, DevelopmentGoal):
        audited_update(store.engine, model, True, created_at=OLD)
    audited_update(store.engine, SupervisionSession, True, updated_at=OLD)
    with trigger_lifted(store.engine, "action_follow_ups"):
        audited_update(store.engine, ActionFollowUp, True, at=OLD)
    sam.review_goal(goal.id, {"status": "in_progress", "note": "Reviewed today"})
    gone = delete_expired(store, 365)
    assert [x.kind for x in gone if x.kind == "supervision_session"] == []
    assert alex.session(s1.id).id == s1.id
    with store.engine.connect() as conn:
        kept = conn.execute(select(ActionFollowUp.session_id)).scalars().all()
    assert kept == [s2.id]
    assert store.verify_audit().ok


# -- legitimate writes always verify ----------------------------------------------------------

OPS = st.lists(st.sampled_from(["person", "assessment", "version", "sign", "review", "delete",
                                "attempt", "draft", "diary", "diary_edit", "consent"]),
               min_size=1, max_size=12)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "wb.sqlite"
    open_as(f"sqlite:///{path}", user="admin").close()
    return path


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_random_legitimate_writes_always_verify(template, tmp_path_factory, ops):
    path = tmp_path_factory.mktemp("h") / "wb.sqlite"
    db.sqlite_copy(template, path)
    engine = db.make_engine(f"sqlite:///{path}")
    s = store_as(engine, user="alice")
    sup = SupervisionStore(s)
    people: list[int] = []
    latest: dict[int, int] = {}
    diary: list[tuple[int, int]] = []
    try:
        for op in ops:
            if op == "person" or not people:
                people.append(s.create_person(f"P{len(people)}", fictional=True).id)
            if op == "assessment" or (op in ("version", "sign", "review") and not latest):
                v = s.create_assessment(people[-1], "plan", {"n": 0})
                latest[v.assessment_id] = 1
            elif op == "version":
                aid = max(latest)
                latest[aid] = s.save_version(aid, {"n": latest[aid]}, "r",
                                             latest[aid]).version
            elif op == "sign":
                aid = max(latest)
                with contextlib.suppress(StoreError):
                    s.sign(aid, latest[aid])
            elif op == "review":
                s.set_review_due(max(latest), dt.date(2030, 1, 1))
            elif op == "delete":
                pid = people.pop()
                s.delete_person(pid, reason="test")
                latest = {a: n for a, n in latest.items() if _alive(s, a)}
            elif op == "attempt":
                s.add_practice_attempt("case-1", {"a": len(ops)})
            elif op == "draft":
                s.save_draft("k", {"x": len(ops)})
            elif op == "diary":
                e = sup.write_diary_entry({"text": "Entry"})
                diary.append((e.id, e.version))
            elif op == "diary_edit" and diary:
                eid, ver = diary.pop()
                e = sup.update_diary_entry(eid, {"text": "Edited"}, expected_version=ver)
                diary.append((e.id, e.version))
            elif op == "consent":
                sup.set_consent(len(ops) % 2 == 0)
            report = s.verify_audit()
            assert report.ok, (op, str(report))
    finally:
        engine.dispose()


def _alive(s: Store, assessment_id: int) -> bool:
    try:
        s.get_assessment(assessment_id)
    except LookupError:
        return False
    return True


def test_every_record_table_is_covered(store, store_env):
    """The kit and the docs name the same tables the integrity module covers."""
    names = {t.name for t in record_tables()}
    assert names == {
        "persons", "assessments", "assessment_versions", "signoffs", "practice_attempts",
        "cohorts", "cohort_members", "cohort_submissions", "teams", "team_members",
        "sharing_consents", "supervision_sessions", "supervision_actions",
        "action_follow_ups", "observations", "diary_entries", "development_goals",
        "goal_updates", "arms_practice_attempts", "reflections"}
    world(store)
    with by_hand(store_env) as conn:
        (persons,) = [t for t in record_tables() if t.name == "persons"]
        edit(conn, persons)


def test_any_orm_write_is_audited_and_a_bulk_insert_is_refused(store):
    """The audited path is the Session itself, not the store's methods: an ORM update made
    outside the store gets a "record" entry with the row's new hash; a bulk INSERT, which would
    give no keys to hash, is refused."""
    from sqlalchemy.orm import Session

    p = store.create_person("Someone", fictional=True)
    audited_update(store.engine, Person, Person.id == p.id, reference="Renamed")
    last = store.audit_entries(1)[-1]
    assert (last.user, last.action, last.entity, last.records) == ("test:setup", "record",
                                                                   "records", 1)
    assert store.verify_audit().ok
    with Session(store.engine) as s, pytest.raises(StoreError, match="bulk INSERT"):
        s.execute(insert(Person), [{"reference": "Bulk", "fictional": True, "created_by": "x",
                                    "created_at": OLD}])
    assert [x.reference for x in store.list_persons()] == ["Renamed"]
