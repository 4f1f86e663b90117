"""The audit log: every write appends a chained entry; tampering is detected and reported.

Every test runs on SQLite and on a real PostgreSQL server (`store_env`, tests/pg_server.py).
"""

from __future__ import annotations

import pytest
from audited import audit_log, verify_log
from identities import administrators
from pg_server import drop_trigger, run_sql
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from rso_widgets.cli import main
from rso_widgets.settings import get_settings
from rso_widgets.store import Store, open_store
from rso_widgets.store.audit import GENESIS, entry_hash
from rso_widgets.store.models import AuditEntry


@pytest.fixture
def store(store_env, monkeypatch):
    monkeypatch.setenv("RSO_USER", "alice")
    get_settings.cache_clear()
    with open_store() as s:
        yield s


def _fill(store: Store) -> None:
    person = store.create_person("Fictional Person", fictional=True)
    v = store.create_assessment(person.id, "arms", {"items": {}})
    store.log_view("person", person.id)
    store.save_version(v.assessment_id, {"items": {"a": 1}}, "update", 1)
    store.log_export("assessment", v.assessment_id, fmt="pdf")


def _sql(store: Store, *statements: str) -> None:
    run_sql(store.engine.url.render_as_string(hide_password=False), *statements)


def _drop(store: Store, trigger: str) -> str:
    return drop_trigger(store.engine.url.render_as_string(hide_password=False), trigger,
                        "audit_log")


def _baseline_only(store: Store) -> bool:
    """Nothing in the log but the entry migration 0007 wrote."""
    return [(e.action, e.entity) for e in audit_log(store)] == [("record", "database")]


def test_every_write_is_audited_in_order(store):
    _fill(store)
    store.save_draft("k", {"x": 1})
    store.save_draft("k", {"x": 2})  # an autosave of the same draft is not a new entry
    store.add_practice_attempt("case-1", {"a": 1})
    entries = audit_log(store, limit=100)
    assert [(e.action, e.entity) for e in entries] == [
        ("record", "database"),  # migration 0007's baseline: a chain is never empty
        ("create", "person"), ("create", "assessment"), ("view", "person"),
        ("change", "assessment"), ("export", "assessment"), ("create", "draft"),
        ("create", "practice_attempt")]
    assert {e.user for e in entries[1:]} == {"alice"}
    assert [e.seq for e in entries] == list(range(1, 9))
    assert entries[5].detail == {"format": "pdf"}
    assert [e.records for e in entries[1:]] == [1, 2, 0, 1, 0, 0, 1]  # row hashes carried
    report = verify_log(store)
    assert report.ok and report.entries == 8 and report.head_hash == entries[-1].hash
    assert "Fictional Person" not in str(entries)  # no personal data in the log


def test_hash_is_sha256_over_entry_and_previous_hash(store):
    _fill(store)
    with store._reading() as s:
        first, second = s.scalars(select(AuditEntry).order_by(AuditEntry.seq).limit(2))
        s.expunge_all()
    assert second.detail["row_hashes"][0][:2] == ["persons", "1"]
    assert first.hash == entry_hash(GENESIS, seq=1, at=first.at, username=first.username,
                                    action=first.action, entity=first.entity,
                                    entity_id=first.entity_id, detail=first.detail)
    assert second.hash == entry_hash(first.hash, seq=2, at=second.at, username=second.username,
                                     action=second.action, entity=second.entity,
                                     entity_id=second.entity_id, detail=second.detail)


def test_failed_write_leaves_no_entry(store):
    with pytest.raises(ValueError):
        store.create_person("   ")
    with pytest.raises(LookupError):
        store.save_version(99, {}, "r", 1)
    assert _baseline_only(store) and verify_log(store).ok


def test_database_refuses_edits_and_deletes_of_entries(store):
    _fill(store)
    with pytest.raises(DBAPIError, match="append-only"):
        _sql(store, "UPDATE audit_log SET username = 'mallory' WHERE seq = 2")
    with pytest.raises(DBAPIError, match="append-only"):
        _sql(store, "DELETE FROM audit_log WHERE seq = 2")
    with pytest.raises(DBAPIError, match="append-only"):  # versions cannot be rewritten either
        _sql(store, "UPDATE assessment_versions SET reason = 'x'")
    assert verify_log(store).ok


def test_edited_entry_is_detected(store, capsys):
    _fill(store)
    _sql(store, _drop(store, "audit_log_no_update"),  # a determined tamperer
         "UPDATE audit_log SET username = 'mallory' WHERE seq = 3")
    report = verify_log(store)
    assert not report.ok and report.first_bad_seq == 3 and "altered" in report.problem
    assert main(["audit-log", "verify"]) == 1
    assert "TAMPERED at entry 3" in capsys.readouterr().err


def test_edited_and_rehashed_entry_breaks_the_next_link(store):
    _fill(store)
    with store._reading() as s:
        e1, e2 = s.scalars(select(AuditEntry).order_by(AuditEntry.seq).limit(2))
        s.expunge_all()
    forged = entry_hash(e1.hash, seq=2, at=e2.at, username="mallory",
                        action=e2.action, entity=e2.entity, entity_id=e2.entity_id,
                        detail=e2.detail)
    _sql(store, _drop(store, "audit_log_no_update"),
         f"UPDATE audit_log SET username = 'mallory', hash = '{forged}' WHERE seq = 2")
    report = verify_log(store)
    assert not report.ok and report.first_bad_seq == 3 and "does not link" in report.problem


def test_deleted_entry_is_detected(store, capsys):
    _fill(store)
    _sql(store, _drop(store, "audit_log_no_delete"), "DELETE FROM audit_log WHERE seq = 2")
    report = verify_log(store)
    assert not report.ok and report.first_bad_seq == 2 and "missing" in report.problem
    assert main(["audit-log", "verify"]) == 1
    assert "entry 2 is missing" in capsys.readouterr().err


def test_deleted_last_entry_is_detected(store):
    _fill(store)
    _sql(store, _drop(store, "audit_log_no_delete"), "DELETE FROM audit_log WHERE seq = 6")
    report = verify_log(store)
    assert not report.ok and report.first_bad_seq == 6 and "deleted" in report.problem


def test_cli_verify_and_show(store, capsys, monkeypatch, tmp_path):
    _fill(store)
    administrators(monkeypatch, tmp_path, "alice")
    assert main(["audit-log", "verify"]) == 0
    out = capsys.readouterr().out
    assert "audit log OK: 6 entries" in out
    assert main(["audit-log", "show", "--limit", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and "export" in lines[-2] and "format=pdf" in lines[-2]
    assert "alice" in lines[-2]
    assert "view" in lines[-1] and "audit_log" in lines[-1] and "verified=True" in lines[-1]
    assert audit_log(store, 1)[0].detail == {"via": "administrator", "entries": 3}  # the show


def test_cli_without_a_database_explains_and_creates_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RSO_DATA_DIR", str(tmp_path / "nowhere"))
    monkeypatch.delenv("RSO_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["audit-log", "verify"]) == 1
    finally:
        get_settings.cache_clear()
    assert "no workbook database" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


def test_log_view_validates_entity(store):
    with pytest.raises(ValueError, match="entity"):
        store.log_view("Person; DROP", 1)


def test_a_write_and_its_audit_entry_commit_together_or_not_at_all(store, monkeypatch):
    from rso_widgets.store import audit

    def broken(*args, **kwargs):
        raise RuntimeError("disk full while auditing")

    monkeypatch.setattr(audit, "append", broken)
    with pytest.raises(RuntimeError):
        store.create_person("Half written", fictional=True)
    monkeypatch.undo()
    assert store.list_persons() == [] and _baseline_only(store)


def test_truncating_the_log_on_postgresql_is_refused_and_detected(store):
    """TRUNCATE fires no row trigger on PostgreSQL: a statement trigger (0006) refuses it, and
    if that trigger is dropped too, the head row still gives the truncation away."""
    if store.sqlite_path is not None:
        pytest.skip("SQLite has no TRUNCATE (a DELETE is refused by the trigger)")
    _fill(store)
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="append-only"):
        _sql(store, "TRUNCATE audit_log")
    assert verify_log(store).ok
    _sql(store, "DROP TRIGGER audit_log_no_truncate ON audit_log", "TRUNCATE audit_log")
    report = verify_log(store)
    assert not report.ok and report.first_bad_seq == 1
    assert "entries 1–6 were deleted" in report.problem
