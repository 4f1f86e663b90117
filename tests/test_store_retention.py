"""Retention: a dry run lists idle records; --delete deletes them, and audits each deletion."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from rso_widgets.cli import main
from rso_widgets.settings import get_settings
from rso_widgets.store import NotFoundError, open_store
from rso_widgets.store.retention import delete_expired, expired

OLD = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("RSO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("RSO_DATABASE_URL", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("RSO_USER", "admin")
    monkeypatch.setenv("RSO_RETENTION_DAYS", "365")
    get_settings.cache_clear()
    with open_store() as s:
        yield s
    get_settings.cache_clear()


def _backdate(store, table: str, column: str, row_id: int) -> None:
    with sqlite3.connect(store.sqlite_path) as conn:
        conn.execute(f"UPDATE {table} SET {column} = '2020-01-01 00:00:00.000000' "
                     "WHERE id = ?", (row_id,))


def _world(store):
    """An idle person, an active one, one with a review to come; old and new drafts/attempts."""
    idle = store.create_person("Idle", fictional=True)
    _backdate(store, "persons", "created_at", idle.id)
    active = store.create_person("Active", fictional=True)
    _backdate(store, "persons", "created_at", active.id)
    store.create_assessment(active.id, "rm2000", {"n": 1})  # activity today
    future = store.create_person("Review due", fictional=True)
    _backdate(store, "persons", "created_at", future.id)
    store.set_review_due(store.create_assessment(future.id, "plan", {}).assessment_id,
                         dt.date.today() + dt.timedelta(days=30))
    old_draft = store.save_draft("old", {"x": 1})
    store.save_draft("new", {"x": 2})
    with sqlite3.connect(store.sqlite_path) as conn:
        conn.execute("UPDATE drafts SET updated_at = '2020-01-01 00:00:00.000000' "
                     "WHERE key = 'old'")
    old_attempt = store.add_practice_attempt("trainee", "case-1", {"a": 1}, created_at=OLD)
    store.add_practice_attempt("trainee", "case-1", {"a": 2})
    return idle, old_draft, old_attempt


def test_dry_run_lists_and_deletes_nothing(store):
    idle, _, attempt = _world(store)
    before = len(store.audit_entries(1000))
    found = expired(store, 365)
    assert [(x.kind, x.id) for x in found] == [("person", idle.id), ("draft", 1),
                                                ("practice_attempt", attempt.id)]
    assert store.get_person(idle.id) and len(store.drafts()) == 2
    assert len(store.audit_entries(1000)) == before


def test_delete_removes_only_expired_and_audits_each(store):
    idle, _, _ = _world(store)
    gone = delete_expired(store, 365)
    assert len(gone) == 3
    with pytest.raises(NotFoundError):
        store.get_person(idle.id)
    assert [p.reference for p in store.list_persons()] == ["Active", "Review due"]
    assert [d.key for d in store.drafts()] == ["new"]
    assert [a.attempt for a in store.practice_attempts("trainee")] == [{"a": 2}]
    deletions = [e for e in store.audit_entries(1000) if e.action == "delete"]
    assert [(e.entity, e.user, e.detail["reason"]) for e in deletions] == [
        ("person", "admin", "retention"), ("draft", "admin", "retention"),
        ("practice_attempt", "admin", "retention")]
    assert store.verify_audit().ok
    assert delete_expired(store, 365) == []


def test_everything_expires_with_a_short_enough_clock(store):
    _world(store)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    assert {x.kind for x in expired(store, 365, now=later)} == {
        "person", "draft", "practice_attempt"}
    with pytest.raises(ValueError, match="at least 1 day"):
        expired(store, 0)


def test_cli_dry_run_then_delete(store, capsys):
    idle, _, _ = _world(store)
    assert main(["retention"]) == 0
    out = capsys.readouterr().out
    assert "3 record(s)" in out and "dry run" in out and "would delete" in out
    assert store.get_person(idle.id)
    assert main(["retention", "--days", "100000"]) == 0
    assert "0 record(s)" in capsys.readouterr().out
    assert main(["retention", "--delete"]) == 0
    assert "3 record(s) older than 365 days deleted" in capsys.readouterr().out
    with pytest.raises(NotFoundError):
        store.get_person(idle.id)
    assert main(["retention", "--days", "0"]) == 1
    assert "at least 1 day" in capsys.readouterr().err
