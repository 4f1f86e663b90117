"""Backup while the app writes; restore only with --yes, only from a workbook database.

SQLite backups are SQLite files; PostgreSQL backups are pg_dump custom-format archives. The tests
that are not about SQLite files run on both (`store_env`, tests/pg_server.py).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading

import pytest
from audited import audit_log, verify_log
from identities import administrators, open_as, supervised_by
from pg_server import run_sql

from rso_widgets.cli import main
from rso_widgets.settings import get_settings
from rso_widgets.store import NotAWorkbookDatabase, StoreError, open_store, pg_tools
from rso_widgets.store import backup as backups


@pytest.fixture
def store(store_env, monkeypatch, tmp_path):
    monkeypatch.setenv("RSO_USER", "alice")
    administrators(monkeypatch, tmp_path, "alice")  # backup and restore are administrators'

    with open_store() as s:
        yield s


def _url(store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def _is_pg(store) -> bool:
    return store.sqlite_path is None


def _person_count(url: str) -> int:
    return run_sql(url, "SELECT count(*) FROM persons")[0][0]


def _backup_folder(store, tmp_path):
    """Where the app keeps its own backups (pre-upgrade, pre-restore) for this database."""
    return (store.sqlite_path.parent if not _is_pg(store) else tmp_path / "data") / "backups"


def _versions_in_copy(copy, tmp_path, pg_empty_url: str | None) -> list[int]:
    """Open a backup as a database of its own and check it; returns its version numbers."""
    if pg_empty_url is None:
        backups.check_backup_file(copy)
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        url = f"sqlite:///{copy}"
    else:
        backups.check_pg_archive(copy)
        pg_tools.restore(pg_empty_url, copy, [])  # into a new, empty database
        url = pg_empty_url
    with open_as(url, user="auditor", create=False) as opened:
        assert verify_log(opened).ok
    return [r[0] for r in run_sql(url, "SELECT version FROM assessment_versions "
                                       "ORDER BY version")]


def test_backup_while_a_writer_is_active_is_consistent(store, tmp_path, request):
    person = store.create_person("Fictional Person", fictional=True)
    aid = store.create_assessment(person.id, "rm2000", {"n": 0}).assessment_id
    stop, saved = threading.Event(), []
    supervised_by(store, "bob")  # so bob may add versions to alice's assessment

    def writer():
        with open_as(user="bob") as other:  # its own connections, like another kernel
            n = 1
            while not stop.is_set():
                n = other.save_version(aid, {"n": n}, "busy", n).version
                saved.append(n)

    t = threading.Thread(target=writer)
    t.start()
    copies = []
    try:
        for i in range(3 if not _is_pg(store) else 1):
            while len(saved) < 2 * (i + 1):  # let the writer get going between copies
                stop.wait(0.01)
            copies.append(backups.backup(store, tmp_path / f"copy{i}.backup"))
    finally:
        stop.set()
        t.join()
    assert saved
    empty = request.getfixturevalue("pg_empty_database_url") if _is_pg(store) else None
    for copy in copies:
        assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
        versions = _versions_in_copy(copy, tmp_path, empty)
        assert versions == list(range(1, len(versions) + 1)) and len(versions) >= 2
    exports = [e for e in audit_log(store, 100_000) if e.action == "export"]
    assert [(e.entity, e.detail) for e in exports] == [("database", {"backup": c.name})
                                                       for c in copies]
    assert verify_log(store).ok


def test_backup_into_a_folder_and_never_over_a_file(store, tmp_path, capsys):
    folder = tmp_path / "backups"
    folder.mkdir()
    assert main(["backup", str(folder)]) == 0
    (made,) = folder.iterdir()
    assert made.suffix == (".pgdump" if _is_pg(store) else ".sqlite")
    assert str(made) in capsys.readouterr().out
    assert stat.S_IMODE(os.stat(made).st_mode) == 0o600
    assert main(["backup", str(made)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["backup", str(tmp_path / "missing" / "x.sqlite")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_restore_refuses_without_yes(store, tmp_path, capsys):
    copy = backups.backup(store, tmp_path / "copy.backup")
    store.create_person("After backup", fictional=True)
    assert main(["restore", str(copy)]) == 1
    assert "--yes" in capsys.readouterr().err
    assert _person_count(_url(store)) == 1


@pytest.mark.parametrize("kind", ["text", "foreign-sqlite", "missing", "foreign-archive"])
def test_restore_refuses_anything_but_a_workbook_database(store, tmp_path, kind, capsys,
                                                          request):
    src = tmp_path / "src.backup"
    if kind == "text":
        src.write_text("not a database")
    elif kind == "foreign-sqlite":
        with sqlite3.connect(src) as conn:
            conn.execute("CREATE TABLE notes (x)")
    elif kind == "foreign-archive":  # a pg_dump archive of some other database
        if not _is_pg(store):
            pytest.skip("pg_dump archives are PostgreSQL backups")
        other = request.getfixturevalue("pg_empty_database_url")
        run_sql(other, "CREATE TABLE notes (x integer)")
        pg_tools.dump(other, src)
    store.create_person("Keep me", fictional=True)
    assert main(["restore", str(src), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "not a" in err and "Traceback" not in err
    assert _person_count(_url(store)) == 1
    if kind != "missing":
        with pytest.raises(NotAWorkbookDatabase):
            (backups.check_pg_archive if _is_pg(store) else backups.check_backup_file)(src)


def test_restore_backs_up_the_current_database_first(store, tmp_path, capsys):
    store.create_person("In backup", fictional=True)
    copy = backups.backup(store, tmp_path / "copy.backup")
    store.create_person("Only in live", fictional=True)
    assert main(["restore", str(copy), "--yes"]) == 0
    assert "saved as" in capsys.readouterr().out
    # the running app's store sees the restored data at once
    assert [p.reference for p in store.list_persons()] == ["In backup"]
    (safety,) = _backup_folder(store, tmp_path).glob("*pre-restore*")
    assert stat.S_IMODE(os.stat(safety).st_mode) == 0o600
    if _is_pg(store):
        backups.check_pg_archive(safety)
        assert "persons" in pg_tools.archive_tables(safety)
    else:
        assert _person_count(f"sqlite:///{safety}") == 2
    last = audit_log(store, 1)[0]
    assert (last.action, last.entity, last.detail["restored_from"]) == (
        "change", "database", "copy.backup")
    assert verify_log(store).ok
    if not _is_pg(store):
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    # the app carries on: new rows get fresh ids (PostgreSQL sequences were restored too)
    after = store.create_person("After restore", fictional=True)
    assert [p.reference for p in store.list_persons()] == ["In backup", "After restore"]
    assert after.id == 2 and verify_log(store).ok


def test_pg_restore_round_trip_keeps_everything(store, tmp_path):
    """Everything comes back: versions, sign-offs, drafts, the audit chain, and the triggers."""
    if not _is_pg(store):
        pytest.skip("the SQLite copy is a page-for-page copy (see the tests above)")
    person = store.create_person("Fictional Person", fictional=True)
    v1 = store.create_assessment(person.id, "arms", {"items": {"a": 1}})
    store.save_version(v1.assessment_id, {"items": {"a": 2}}, "update", 1)
    store.sign(v1.assessment_id, 2)
    store.save_draft("k", {"typing": "half a sent"})
    before = (store.versions(v1.assessment_id), store.drafts(), audit_log(store, 1000))
    copy = backups.backup(store, tmp_path / "copy.pgdump")
    store.delete_person(person.id, reason="test")
    backups.restore_postgresql(_url(store), copy, yes=True, user="alice",
                               backup_dir=tmp_path / "safety")
    assert store.versions(v1.assessment_id) == before[0]
    assert store.drafts() == before[1]
    entries = audit_log(store, 1000)  # the backup's chain, then the restore itself
    assert entries[:-1] == before[2] and entries[-1].detail["restored_from"] == "copy.pgdump"
    assert verify_log(store).ok
    with pytest.raises(Exception, match="append-only"):  # the triggers came back too
        run_sql(_url(store), "DELETE FROM audit_log WHERE seq = 1")


def test_restore_api_refusals(store, tmp_path):
    if _is_pg(store):
        with pytest.raises(StoreError, match="--yes"):
            backups.restore_postgresql(_url(store), tmp_path / "x.pgdump")
        return
    live = store.sqlite_path
    with pytest.raises(StoreError, match="--yes"):
        backups.restore(live, live)
    with pytest.raises(StoreError, match="live database itself"):
        backups.restore(live, live, yes=True)


def test_without_pg_dump_the_cli_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RSO_DATABASE_URL", "postgresql+psycopg://rso@127.0.0.1:1/rso")
    monkeypatch.setattr(pg_tools, "pg_binary", lambda name: None)
    get_settings.cache_clear()
    try:
        assert main(["backup", str(tmp_path / "x.pgdump")]) == 2
        err = capsys.readouterr().err
        assert "pg_dump" in err and "postgresql-client" in err
        assert main(["restore", str(tmp_path / "x.pgdump"), "--yes"]) == 2
        assert "pg_dump" in capsys.readouterr().err
        monkeypatch.setenv("RSO_DATABASE_URL", "mysql://rso@127.0.0.1:1/rso")
        get_settings.cache_clear()
        assert main(["backup", str(tmp_path / "x.sql")]) == 2
        assert "own tools" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
