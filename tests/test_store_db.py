"""Embedded SQLite: owner-only files, WAL, foreign keys; Alembic schema upgraded with a backup.

Schema and upgrade tests run on SQLite and on a real PostgreSQL server (`store_url`,
tests/pg_server.py); a PostgreSQL database is backed up with pg_dump before an upgrade.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import sqlite3
import stat
import textwrap

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from audited import verify_log
from identities import open_as
from pg_server import run_sql
from sqlalchemy import inspect, text

from rso_widgets.settings import get_settings
from rso_widgets.store import (
    NotAWorkbookDatabase,
    SchemaVersionError,
    StoreError,
    current_user,
    db,
    open_store,
    pg_tools,
)
from rso_widgets.store.audit import GENESIS, entry_hash
from rso_widgets.store.models import Base


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_default_is_sqlite_in_data_dir_owner_only(data_dir):
    old = os.umask(0)  # the most permissive umask: modes must not depend on it
    try:
        with open_store() as store:
            store.create_person("Fictional Person", fictional=True)
            path = store.sqlite_path
    finally:
        os.umask(old)
    assert path == (data_dir / db.DB_FILENAME).resolve()
    assert _mode(data_dir) == 0o700
    assert _mode(path) == 0o600
    wal = path.with_name(path.name + "-wal")
    if wal.exists():  # SQLite gives the WAL the database file's permissions
        assert _mode(wal) == 0o600


def test_existing_database_file_is_tightened_to_0600(data_dir):
    open_store().close()
    path = data_dir / db.DB_FILENAME
    os.chmod(path, 0o644)
    open_store().close()
    assert _mode(path) == 0o600


def test_wal_mode_and_foreign_keys_on(data_dir):
    with open_store() as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        with pytest.raises(Exception, match="FOREIGN KEY"):
            conn.execute(text("INSERT INTO assessments (person_id, kind, created_by, "
                              "created_at) VALUES (999, 'rm2000', 'x', '2024-01-01')"))


def test_migrated_schema_matches_the_models(store_url):
    with open_as(store_url, user="alice") as store, store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert db.current_revision(conn) == db.head_revision()


def test_create_false_refuses_a_missing_database(data_dir):
    with pytest.raises(NotAWorkbookDatabase, match="RSO_DATA_DIR"):
        open_store(create=False)
    assert not (data_dir / db.DB_FILENAME).exists()


def test_in_memory_sqlite_is_refused():
    with pytest.raises(StoreError, match="in-memory"):
        open_as("sqlite://", user="alice")


def test_foreign_database_is_refused(store_url):
    if store_url.startswith("sqlite"):
        store_url = store_url.replace(db.DB_FILENAME, "other.sqlite")
        os.makedirs(os.path.dirname(store_url.removeprefix("sqlite:///")))
    else:
        run_sql(store_url, "DROP TABLE alembic_version")  # a database with tables, unversioned
    run_sql(store_url, "CREATE TABLE notes (x integer)")
    with pytest.raises(NotAWorkbookDatabase, match="not a workbook database"):
        open_as(store_url, user="alice")


SECOND = '''
"""Test-only revision after the shipped head.

Revision ID: 9999
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("extra_test_table", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("extra_test_table")
'''


@pytest.fixture
def newer_scripts(tmp_path):
    """A copy of the shipped migrations plus a trivial revision 9999 after the shipped head."""
    scripts = tmp_path / "migrations"
    shutil.copytree(db.MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9999_extra.py").write_text(
        textwrap.dedent(SECOND).replace("{head}", db.head_revision()))
    return scripts


def _backup_revision(backup) -> tuple[str, bool]:
    """(schema revision, has a persons table) of a pre-upgrade backup, SQLite or pg_dump."""
    if backup.suffix == ".pgdump":
        return pg_tools.archive_revision(backup), "persons" in pg_tools.archive_tables(backup)
    with sqlite3.connect(backup) as conn:
        rev = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        return rev, conn.execute("SELECT count(*) FROM persons").fetchone() == (1,)


def test_older_database_is_backed_up_then_upgraded(store_url, tmp_path, newer_scripts):
    url = store_url
    head = db.head_revision()
    with open_as(url, user="alice") as old:  # created at the shipped head revision
        person = old.create_person("Fictional Person", fictional=True)
    backups = tmp_path / "backups"
    with open_as(url, user="alice", script_location=newer_scripts,
                    backup_dir=backups) as store:
        with store.engine.connect() as conn:
            assert db.current_revision(conn) == "9999"
            assert "extra_test_table" in inspect(conn).get_table_names()
        assert store.get_person(person.id).reference == "Fictional Person"
        assert verify_log(store).ok
    (backup,) = backups.iterdir()
    assert f"pre-upgrade-{head}-to-9999" in backup.name and _mode(backup) == 0o600
    assert backup.suffix == (".sqlite" if url.startswith("sqlite") else ".pgdump")
    assert _backup_revision(backup) == (head, True)
    # opening again at the same revision takes no further backup
    open_as(url, user="alice", script_location=newer_scripts, backup_dir=backups).close()
    assert len(list(backups.iterdir())) == 1


def test_database_from_a_newer_release_is_refused(store_url, tmp_path, newer_scripts):
    url = store_url
    open_as(url, user="alice", script_location=newer_scripts,
               backup_dir=tmp_path / "backups").close()
    with pytest.raises(SchemaVersionError, match="newer release"):
        open_as(url, user="alice")


def test_upgrade_false_refuses_an_out_of_date_schema(store_url, newer_scripts):
    url = store_url
    open_as(url, user="alice").close()
    with pytest.raises(SchemaVersionError, match="upgrade"):
        open_as(url, user="alice", upgrade=False, script_location=newer_scripts)


def test_postgresql_ddl_renders_offline():
    cfg = db._config(None)
    cfg.set_main_option("sqlalchemy.url", "postgresql://")
    cfg.attributes["output_buffer"] = buf = io.StringIO()
    command.upgrade(cfg, "head", sql=True)
    ddl = buf.getvalue()
    assert "CREATE TABLE assessment_versions" in ddl
    assert "UNIQUE (assessment_id, version)" in ddl
    assert "data JSON NOT NULL" in ddl
    assert "CREATE FUNCTION rso_append_only()" in ddl
    assert "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log" in ddl


def test_identity_from_environment(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "hub-user")
    monkeypatch.setenv("RSO_USER", "explicit")
    get_settings.cache_clear()
    try:
        assert current_user() == "hub-user"
        monkeypatch.delenv("JUPYTERHUB_USER")
        assert current_user() == "explicit"
        monkeypatch.delenv("RSO_USER")
        get_settings.cache_clear()
        monkeypatch.setenv("USER", "someone")
        monkeypatch.setenv("LOGNAME", "someone")
        assert current_user() == "local:someone"
        monkeypatch.setenv("JUPYTERHUB_USER", "bad\nname")
        with pytest.raises(ValueError, match="JUPYTERHUB_USER"):
            current_user()
    finally:
        get_settings.cache_clear()


# -- an older schema: from the first revision to the newest ---------------------------------------

def _database_at(url: str, revision: str) -> None:
    """Migrate an empty database to `revision` only, and write a person and its audit entry
    the way that release did (straight SQL: today's models know newer columns)."""
    engine = db.make_engine(url)
    cfg = db._config(None)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()
    at = dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC)
    digest = entry_hash(GENESIS, seq=1, at=at, username="alice", action="create",
                        entity="person", entity_id="1", detail={"fictional": True})
    naive = at.replace(tzinfo=None)
    run_sql(url,
            "INSERT INTO persons (reference, fictional, created_by, created_at) "
            "VALUES ('Fictional Person', :t, 'alice', :at)",
            "INSERT INTO cohorts (name, join_code, case_ids, is_open, created_by, created_at) "
            "VALUES ('Old workshop', 'ABC234', '[\"case-01\"]', :t, 'trainer', :at)",
            "INSERT INTO audit_log (seq, at, username, action, entity, entity_id, detail, "
            "prev_hash, hash) VALUES (1, :at, 'alice', 'create', 'person', '1', "
            ":detail, :genesis, :digest)",
            "UPDATE audit_head SET seq = 1, hash = :digest",
            t=True, at=naive, genesis=GENESIS, digest=digest,
            detail='{"fictional":true}')


@pytest.fixture
def empty_url(request, tmp_path):
    """An empty database on the backend of the parameter: SQLite file or PostgreSQL."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_empty_database_url")
    return f"sqlite:///{tmp_path / 'old.sqlite'}"


@pytest.mark.parametrize("empty_url", ["sqlite", "postgresql"], indirect=True)
def test_first_schema_revision_is_backed_up_and_upgraded_to_the_newest(empty_url, tmp_path):
    _database_at(empty_url, "0001")
    backups = tmp_path / "backups"
    with open_as(empty_url, user="alice", backup_dir=backups) as store:
        with store.engine.connect() as conn:
            assert db.current_revision(conn) == db.head_revision()
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert store.get_person(1).reference == "Fictional Person"
        (cohort,) = store.cohorts()
        assert (cohort.join_code, cohort.expires_at, cohort.key_released_at) == (
            "ABC234", None, None)  # columns added by 0003 start empty
        assert cohort.trainee_page == "room"  # 0013: an old workshop's trainees use the room page
        assert verify_log(store).ok
        store.create_person("Second", fictional=True)  # and the new schema takes writes
        team = store.supervision.create_team("North")  # tables added by 0002
        assert team.name == "North" and verify_log(store).ok
    (backup,) = backups.iterdir()
    assert f"pre-upgrade-0001-to-{db.head_revision()}" in backup.name
    assert _backup_revision(backup) == ("0001", True)


def test_postgresql_upgrade_is_refused_without_pg_dump(pg_empty_database_url, tmp_path,
                                                       monkeypatch):
    url = pg_empty_database_url
    _database_at(url, "0001")
    monkeypatch.setattr(pg_tools, "pg_binary", lambda name: None)
    with pytest.raises(SchemaVersionError) as err:
        open_as(url, user="alice", backup_dir=tmp_path / "backups")
    msg = str(err.value)
    assert "pg_dump was not found" in msg and "Nothing was changed" in msg
    assert "postgresql-client" in msg and "scripts/setup.sh test" in msg
    assert run_sql(url, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())


def test_postgresql_upgrade_is_refused_when_the_backup_fails(pg_empty_database_url, tmp_path,
                                                             monkeypatch):
    url = pg_empty_database_url
    _database_at(url, "0001")
    monkeypatch.setattr(pg_tools, "pg_binary", lambda name: "/bin/false")
    with pytest.raises(SchemaVersionError, match="backup before the upgrade failed"):
        open_as(url, user="alice", backup_dir=tmp_path / "backups")
    assert run_sql(url, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert not any((tmp_path / "backups").iterdir())  # no half-written backup left behind
