"""Retention: a dry run lists idle records; --delete deletes them, and audits each deletion.

Every test runs on SQLite and on a real PostgreSQL server (`store_env`, tests/pg_server.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from audited import audit_log, audited_update, verify_log
from identities import administrators
from sqlalchemy import update

from rso_widgets.cli import main
from rso_widgets.store import NotFoundError, open_store
from rso_widgets.store.models import Draft, Person
from rso_widgets.store.retention import delete_expired, expired

OLD = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def store(store_env, monkeypatch, tmp_path):
    monkeypatch.setenv("RSO_USER", "admin")
    monkeypatch.setenv("RSO_RETENTION_DAYS", "365")
    administrators(monkeypatch, tmp_path, "admin")  # retention is an administrator's command
    with open_store() as s:
        yield s


def _backdate_person(store, row_id: int) -> None:
    """Past the store (which never backdates anything): as if created in 2020."""
    audited_update(store.engine, Person, Person.id == row_id, created_at=OLD)


def _world(store):
    """An idle person, an active one, one with a review to come; old and new drafts/attempts."""
    idle = store.create_person("Idle", fictional=True)
    _backdate_person(store, idle.id)
    active = store.create_person("Active", fictional=True)
    _backdate_person(store, active.id)
    store.create_assessment(active.id, "rm2000", {"n": 1})  # activity today
    future = store.create_person("Review due", fictional=True)
    _backdate_person(store, future.id)
    store.set_review_due(store.create_assessment(future.id, "plan", {}).assessment_id,
                         dt.date.today() + dt.timedelta(days=30))
    old_draft = store.save_draft("old", {"x": 1})
    store.save_draft("new", {"x": 2})
    with store.engine.begin() as conn:
        conn.execute(update(Draft).where(Draft.key == "old").values(updated_at=OLD))
    old_attempt = store.add_practice_attempt("case-1", {"a": 1}, created_at=OLD)
    store.add_practice_attempt("case-1", {"a": 2})
    return idle, old_draft, old_attempt


def test_dry_run_lists_and_deletes_nothing(store):
    idle, _, attempt = _world(store)
    before = len(audit_log(store, 1000))
    found = expired(store, 365)
    assert [(x.kind, x.id) for x in found] == [("person", idle.id), ("draft", 1),
                                                ("practice_attempt", attempt.id)]
    assert store.get_person(idle.id) and len(store.drafts()) == 2
    log = audit_log(store, 1000)
    assert len(log) == before + 1  # the listing itself (an administrator's read)
    assert (log[-1].action, log[-1].entity, log[-1].detail) == (
        "view", "retention", {"via": "administrator", "older_than_days": 365, "records": 3})


def test_delete_removes_only_expired_and_audits_each(store):
    idle, _, _ = _world(store)
    gone = delete_expired(store, 365)
    assert len(gone) == 3
    with pytest.raises(NotFoundError):
        store.get_person(idle.id)
    assert [p.reference for p in store.list_persons()] == ["Active", "Review due"]
    assert [d.key for d in store.drafts()] == ["new"]
    assert [a.attempt for a in store.practice_attempts()] == [{"a": 2}]
    deletions = [e for e in audit_log(store, 1000) if e.action == "delete"
                 and e.entity != "retention"]
    assert [(e.entity, e.user, e.detail["reason"]) for e in deletions] == [
        ("person", "admin", "retention"), ("draft", "admin", "retention"),
        ("practice_attempt", "admin", "retention")]
    assert verify_log(store).ok
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
    assert main(["retention", "--days", "36500"]) == 0  # the longest period it accepts
    assert "0 record(s)" in capsys.readouterr().out
    assert main(["retention", "--delete"]) == 0
    assert "3 record(s) older than 365 days deleted" in capsys.readouterr().out
    with pytest.raises(NotFoundError):
        store.get_person(idle.id)
    assert main(["retention", "--days", "0"]) == 2  # refused by the option's own check
    assert "from 1 to 36,500 days" in capsys.readouterr().err


def test_a_draft_autosaved_after_it_was_found_is_kept(store, monkeypatch):
    """Autosave locks only its draft's row, so it can land between finding and deleting."""
    from rso_widgets.store import retention

    if store.sqlite_path is not None:
        pytest.skip("SQLite has one writer at a time: an autosave cannot land in between")
    _world(store)
    real_find = retention.find_expired

    def find_then_autosave(s, cutoff):
        found = real_find(s, cutoff)
        with store.engine.begin() as conn:  # the person's page saves the draft again now
            conn.execute(update(Draft).where(Draft.key == "old")
                         .values(updated_at=dt.datetime.now(dt.UTC)))
        return found

    monkeypatch.setattr(retention, "find_expired", find_then_autosave)
    gone = delete_expired(store, 365)
    assert "draft" not in {g.kind for g in gone}
    assert store.get_draft("old") is not None
    deleted = [e for e in audit_log(store, 1000) if e.action == "delete"
                 and e.entity != "retention"]
    assert {e.entity for e in deleted} == {g.kind for g in gone}
