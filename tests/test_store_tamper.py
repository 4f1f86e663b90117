"""Tamper evidence over every record table (issue 13): with every trigger dropped and foreign
keys off, one row edited, deleted or inserted by hand in any record table is reported by
`audit-log verify`, naming the table and the row; an emptied, truncated or rewritten chain is
reported too (a rewrite with recomputed hashes only against an anchor).

Every test runs on SQLite and on a real PostgreSQL server (`store_env`, tests/pg_server.py).
"""

from __future__ import annotations

import json
import os

import pytest
from audited import audit_log, verify_log
from identities import administrators, store_as
from sqlalchemy import delete, select, update
from tamper_kit import add, by_hand, edit, record_tables, remove, verify, world

from rso_widgets.cli import main
from rso_widgets.settings import get_settings
from rso_widgets.store import audit, open_store
from rso_widgets.store.audit import GENESIS, entry_hash
from rso_widgets.store.models import AuditEntry, AuditHead

KINDS = {"edited": edit, "deleted": remove, "inserted": add}


@pytest.fixture
def store(store_env, monkeypatch, tmp_path):
    monkeypatch.setenv("RSO_USER", "alice")
    administrators(monkeypatch, tmp_path, "alice")  # anchor and verify: administrators'
    with open_store() as s:
        yield s
    get_settings.cache_clear()


def test_the_world_fills_every_record_table_and_verifies(store, store_env):
    world(store)
    assert verify_log(store).ok
    with by_hand(store_env) as conn:
        empty = [t.name for t in record_tables()
                 if conn.execute(select(t).limit(1)).first() is None]
    assert empty == []  # a new record table needs a row in tamper_kit.world


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_one_row_changed_by_hand_in_any_record_table_is_named(store, store_env, kind):
    world(store)
    missed = []
    for table in record_tables():
        with by_hand(store_env) as conn:
            key = KINDS[kind](conn, table)
            report = verify(conn)
        found = [(p.table, p.key, p.kind) for p in report.rows]
        if report.ok or found != [(table.name, key, kind)] or \
                f"{table.name} row {key}" not in str(report):
            missed.append((table.name, key, found))
    assert missed == []
    assert verify_log(store).ok  # every change was rolled back


@pytest.mark.parametrize("column", ["data", "author", "reason", "created_at"])
def test_a_version_edited_by_hand_is_named(store, store_env, column):
    world(store)
    (versions,) = [t for t in record_tables() if t.name == "assessment_versions"]
    with by_hand(store_env) as conn:
        key = edit(conn, versions, column)
        report = verify(conn)
    assert not report.ok and [(p.table, p.key) for p in report.rows] == [
        ("assessment_versions", key)]


def test_a_forged_sign_off_is_named(store, store_env):
    ids = world(store)
    latest = store.save_version(ids["assessment"], {"items": {"a": 3}}, "again", 2)
    (signoffs,) = [t for t in record_tables() if t.name == "signoffs"]
    with by_hand(store_env) as conn:
        conn.execute(signoffs.insert().values(version_id=latest.id, role="sign",
                                              username="alice", at=latest.created_at))
        report = verify(conn)
    assert [(p.table, p.kind) for p in report.rows] == [("signoffs", "inserted")]


def _empty_the_chain(conn) -> None:
    conn.execute(delete(AuditEntry))
    conn.execute(update(AuditHead).values(seq=0, hash=GENESIS))


def test_an_emptied_chain_is_reported(store, store_env):
    with by_hand(store_env) as conn:  # even with no records at all
        _empty_the_chain(conn)
        report = verify(conn)
    assert not report.ok and "emptied" in report.problem
    world(store)
    with by_hand(store_env) as conn:
        _empty_the_chain(conn)
        assert "emptied" in verify(conn).problem


def _truncate(conn, keep: int) -> None:
    last = conn.execute(select(AuditEntry.hash).where(AuditEntry.seq == keep)).scalar_one()
    conn.execute(delete(AuditEntry).where(AuditEntry.seq > keep))
    conn.execute(update(AuditHead).values(seq=keep, hash=last))


def test_a_truncated_chain_is_reported(store, store_env):
    """Cutting entries off the end (head moved back too) leaves records no entry wrote."""
    world(store)
    n = verify_log(store).entries
    with by_hand(store_env) as conn:
        _truncate(conn, n - 3)
        report = verify(conn)
    assert not report.ok and {p.kind for p in report.rows} == {"inserted"}


def test_tail_of_read_only_entries_cut_off_is_caught_only_by_an_anchor(store, store_env):
    world(store)
    anchor = store.audit_head()  # itself a read-only entry ("export audit_head")
    store.log_view("person", 1)
    n = verify_log(store).entries
    with by_hand(store_env) as conn:
        _truncate(conn, n - 2)  # the view entry and the head export: no record rows
        assert verify(conn).ok  # the documented limit without an anchor
        report = verify(conn, anchor)
    assert not report.ok and "cut off the end" in report.problem


def _rewrite(conn, key: str) -> None:
    """Edit a version, then recompute its row hash in the chain and every entry hash after."""
    (versions,) = [t for t in record_tables() if t.name == "assessment_versions"]
    edit(conn, versions, "author")
    from rso_widgets.store.integrity import hash_rows

    new = hash_rows(conn, versions, [key])[key]
    prev = GENESIS
    rows = list(conn.execute(select(AuditEntry.__table__).order_by(AuditEntry.seq))
                .mappings())
    for row in rows:
        detail = row["detail"]
        if detail and audit.ROWS in detail:
            detail = {**detail, audit.ROWS: [
                [t, k, new if (t, k) == ("assessment_versions", key) else h]
                for t, k, h in detail[audit.ROWS]]}
        digest = entry_hash(prev, seq=row["seq"], at=row["at"], username=row["username"],
                            action=row["action"], entity=row["entity"],
                            entity_id=row["entity_id"], detail=detail)
        conn.execute(update(AuditEntry).where(AuditEntry.seq == row["seq"]).values(
            detail=detail, prev_hash=prev, hash=digest))
        prev = digest
    conn.execute(update(AuditHead).values(hash=prev))


def test_a_chain_rewritten_with_recomputed_hashes_is_caught_by_the_anchor(store, store_env,
                                                                          tmp_path, capsys):
    world(store)
    path = tmp_path / "anchor.json"
    assert main(["audit-log", "anchor", str(path)]) == 0
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert json.loads(path.read_text())["seq"] == verify_log(store).entries
    with by_hand(store_env) as conn:
        _rewrite(conn, "1")
        assert verify(conn).ok  # consistent rewrite: invisible without an anchor
        report = verify(conn, audit.Anchor(**{k: v for k, v in json.loads(
            path.read_text()).items() if k != "format"}))
    assert not report.ok and "rewritten after the anchor" in report.problem
    capsys.readouterr()
    assert main(["audit-log", "verify", "--anchor", str(path)]) == 0
    assert "anchor OK" in capsys.readouterr().out


def test_anchor_files_that_are_not_anchors_get_a_message(store, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    for text, expected in (("{", "not JSON"), ('{"format": "x"}', "not an anchor"),
                           (json.dumps({"format": "rso-workbook-audit-anchor/1", "seq": -1,
                                        "hash": "0" * 64, "at": "now"}), "seq must")):
        bad.write_text(text)
        assert main(["audit-log", "verify", "--anchor", str(bad)]) == 1
        assert expected in capsys.readouterr().err
    assert main(["audit-log", "verify", "--anchor", str(tmp_path / "none")]) == 1
    assert "not a file" in capsys.readouterr().err


def test_legitimate_edits_through_the_store_stay_possible_and_audited(store):
    from rso_widgets.store.supervision import SupervisionStore

    world(store)
    alex = SupervisionStore(store_as(store.engine, user="alex"))
    entry = alex.diary()[0]
    alex.update_diary_entry(entry.id, {"text": "Rewritten reflection"},
                            expected_version=entry.version)
    sessions = alex.sessions()
    alex.update_session(sessions[0].id, {"notes": "Edited notes"})
    assert verify_log(store).ok
    changes = {e.entity: e.records for e in audit_log(store, 4) if e.action == "change"}
    assert changes == {"diary_entry": 1, "supervision_session": 1}  # each edit carries its row
