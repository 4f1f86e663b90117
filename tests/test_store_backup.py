"""Backup while the app writes; restore only with --yes, only from a workbook database."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading

import pytest

from rso_widgets.cli import main
from rso_widgets.settings import get_settings
from rso_widgets.store import NotAWorkbookDatabase, StoreError, open_store
from rso_widgets.store import backup as backups


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("RSO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("RSO_DATABASE_URL", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("RSO_USER", "alice")
    get_settings.cache_clear()
    with open_store() as s:
        yield s
    get_settings.cache_clear()


def _person_count(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM persons").fetchone()[0]


def test_backup_while_a_writer_is_active_is_consistent(store, tmp_path):
    person = store.create_person("Fictional Person", fictional=True)
    aid = store.create_assessment(person.id, "rm2000", {"n": 0}).assessment_id
    stop, saved = threading.Event(), []

    def writer():
        with open_store(user="bob") as other:  # its own connections, like another kernel
            n = 1
            while not stop.is_set():
                n = other.save_version(aid, {"n": n}, "bob", "busy", n).version
                saved.append(n)

    t = threading.Thread(target=writer)
    t.start()
    try:
        copies = []
        for i in range(3):
            while len(saved) < 2 * (i + 1):  # let the writer get going between copies
                stop.wait(0.01)
            copies.append(backups.backup(store, tmp_path / f"copy{i}.sqlite"))
    finally:
        stop.set()
        t.join()
    assert saved
    for copy in copies:
        assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
        backups.check_backup_file(copy)
        with sqlite3.connect(copy) as conn:
            versions = [r[0] for r in conn.execute(
                "SELECT version FROM assessment_versions ORDER BY version")]
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert versions == list(range(1, len(versions) + 1))
        with open_store(f"sqlite:///{copy}", user="auditor", create=False) as opened:
            assert opened.verify_audit().ok
    exports = [e for e in store.audit_entries(100_000) if e.action == "export"]
    assert [(e.entity, e.detail) for e in exports] == [("database", {"backup": c.name})
                                                       for c in copies]
    assert store.verify_audit().ok


def test_backup_into_a_folder_and_never_over_a_file(store, tmp_path, capsys):
    folder = tmp_path / "backups"
    folder.mkdir()
    assert main(["backup", str(folder)]) == 0
    (made,) = folder.iterdir()
    assert made.suffix == ".sqlite" and str(made) in capsys.readouterr().out
    assert main(["backup", str(made)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["backup", str(tmp_path / "missing" / "x.sqlite")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_restore_refuses_without_yes(store, tmp_path, capsys):
    copy = backups.backup(store, tmp_path / "copy.sqlite")
    store.create_person("After backup", fictional=True)
    assert main(["restore", str(copy)]) == 1
    assert "--yes" in capsys.readouterr().err
    assert _person_count(store.sqlite_path) == 1


@pytest.mark.parametrize("kind", ["text", "foreign-sqlite", "missing"])
def test_restore_refuses_anything_but_a_workbook_database(store, tmp_path, kind, capsys):
    src = tmp_path / "src.sqlite"
    if kind == "text":
        src.write_text("not a database")
    elif kind == "foreign-sqlite":
        with sqlite3.connect(src) as conn:
            conn.execute("CREATE TABLE notes (x)")
    store.create_person("Keep me", fictional=True)
    assert main(["restore", str(src), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "not a" in err and "Traceback" not in err
    assert _person_count(store.sqlite_path) == 1
    if kind != "missing":
        with pytest.raises(NotAWorkbookDatabase):
            backups.check_backup_file(src)


def test_restore_backs_up_the_current_database_first(store, tmp_path, capsys):
    store.create_person("In backup", fictional=True)
    copy = backups.backup(store, tmp_path / "copy.sqlite")
    store.create_person("Only in live", fictional=True)
    assert main(["restore", str(copy), "--yes"]) == 0
    assert "saved as" in capsys.readouterr().out
    # the running app's store sees the restored data at once
    assert [p.reference for p in store.list_persons()] == ["In backup"]
    (safety,) = (store.sqlite_path.parent / "backups").glob("*pre-restore*")
    assert _person_count(safety) == 2 and stat.S_IMODE(os.stat(safety).st_mode) == 0o600
    last = store.audit_entries(1)[0]
    assert (last.action, last.entity, last.detail["restored_from"]) == (
        "change", "database", "copy.sqlite")
    assert store.verify_audit().ok
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.create_person("After restore", fictional=True)


def test_restore_api_refusals(store, tmp_path):
    live = store.sqlite_path
    with pytest.raises(StoreError, match="--yes"):
        backups.restore(live, live)
    with pytest.raises(StoreError, match="live database itself"):
        backups.restore(live, live, yes=True)


def test_non_sqlite_url_points_to_pg_dump(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RSO_DATABASE_URL", "postgresql+psycopg://rso@127.0.0.1:1/rso")
    get_settings.cache_clear()
    try:
        assert main(["backup", str(tmp_path / "x.sqlite")]) == 2
        assert "pg_dump" in capsys.readouterr().err
        assert main(["restore", str(tmp_path / "x.sqlite"), "--yes"]) == 2
        assert "pg_dump" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
