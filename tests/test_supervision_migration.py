"""A database at schema 0001 upgrades to 0002 (supervision tables), with a backup first."""

from __future__ import annotations

import datetime as dt
import io
import os
import sqlite3
import stat

from alembic import command
from audited import verify_log
from identities import open_as, store_as

from rso_widgets.store import db

SUPERVISION_TABLES = {"teams", "team_members", "sharing_consents", "supervision_sessions",
                      "supervision_actions", "action_follow_ups", "observations",
                      "diary_entries", "development_goals", "goal_updates"}


def _tables(path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_0001_database_is_backed_up_then_upgraded(tmp_path):
    path = tmp_path / "wb.sqlite"
    url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    cfg = db._config(None)
    with engine.execution_options(**db.WRITE).begin() as conn:  # as db.upgrade, but to 0001
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    old = store_as(engine, user="alice")
    person = old.create_person("Fictional Person", fictional=True)
    engine.dispose()
    assert not SUPERVISION_TABLES & _tables(path)

    backups = tmp_path / "backups"
    with open_as(url, user="alice", backup_dir=backups) as store:
        with store.engine.connect() as conn:
            assert db.current_revision(conn) == db.head_revision()  # 0002 or newer
        assert store.get_person(person.id).reference == "Fictional Person"
        rec = store.supervision.create_session({"supervisor": "sam", "assessor": "alice",
                                                "held_on": dt.date(2026, 1, 5)})
        assert rec.id == 1 and verify_log(store).ok
    assert _tables(path) >= SUPERVISION_TABLES
    (backup,) = backups.iterdir()
    assert f"pre-upgrade-0001-to-{db.head_revision()}" in backup.name
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert conn.execute("SELECT count(*) FROM persons").fetchone() == (1,)
    assert not SUPERVISION_TABLES & _tables(backup)


def test_history_rows_refuse_updates_in_the_database(tmp_path):
    with open_as(f"sqlite:///{tmp_path / 'wb.sqlite'}", user="alice") as store, \
            store.engine.connect() as conn:
        names = {r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert {"action_follow_ups_no_update", "goal_updates_no_update"} <= names


def test_0002_postgresql_ddl_renders_offline():
    cfg = db._config(None)
    cfg.set_main_option("sqlalchemy.url", "postgresql://")
    cfg.attributes["output_buffer"] = buf = io.StringIO()
    command.upgrade(cfg, "0001:0002", sql=True)
    ddl = buf.getvalue()
    assert "CREATE TABLE supervision_sessions" in ddl
    assert "CREATE TRIGGER goal_updates_no_update BEFORE UPDATE ON goal_updates" in ddl
    assert "UPDATE alembic_version SET version_num='0002'" in ddl
