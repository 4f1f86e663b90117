"""Engines and schema: SQLite in the data directory by default, any SQLAlchemy URL otherwise.

SQLite is opened owner-only (directory 0o700, file 0o600), in WAL mode with foreign keys on and
`synchronous=FULL`. Write transactions start with `BEGIN IMMEDIATE` so that two processes never
interleave a read-then-write; before it, a writer queues on an OS lock beside the database
(`<file>-writers.lock`, `fcntl.flock`), so concurrent writers wake in turn when the lock is
released instead of sleeping in SQLite's busy-handler backoff (the autosave tail, issue 12;
`writer_queue.py`). Owner-only files, backup names and SQLite copies are `private_files.py`.
Schema changes are Alembic revisions shipped in `migrations/`;
an existing database is backed up before an upgrade (SQLite: a file copy; PostgreSQL: pg_dump).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url

from ..settings import Settings, get_settings
from . import pg_tools
from .errors import (
    NotAWorkbookDatabase,
    SchemaVersionError,
    StoreError,
    UnsupportedForDatabase,
)
from .private_files import (
    PG_SUFFIX,
    SQLITE_SUFFIX,
    create_private_file,
    ensure_private_dir,
    sqlite_copy,
    timestamped,
)
from .writer_queue import (
    BUSY_TIMEOUT_S,
    WriterQueueConnection,
    _can_time_flock,
    _timed_flock,
    _wait_for_lock,
)

log = logging.getLogger(__name__)

DB_FILENAME = "rso-workbook.sqlite"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
WRITE = {"rso_begin": "IMMEDIATE"}  # execution options for a write transaction


def database_url(settings: Settings | None = None) -> str:
    """The configured URL, or SQLite at `<data_dir>/rso-workbook.sqlite`."""
    s = settings or get_settings()
    if s.database_url:
        return s.database_url
    return f"sqlite:///{Path(s.data_dir).expanduser().resolve() / DB_FILENAME}"


def sqlite_path(url: str) -> Path | None:
    """The database file of a file-backed SQLite URL, else None."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or u.database in (None, "", ":memory:"):
        return None
    return Path(u.database).expanduser().resolve()


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for `url`; SQLite files are prepared owner-only, WAL, foreign keys on."""
    path = sqlite_path(url)
    if path is None:
        if make_url(url).get_backend_name() == "sqlite":
            raise StoreError("an in-memory SQLite database would lose everything when the "
                             "kernel stops: give a file, e.g. sqlite:////path/to/workbook.sqlite")
        return create_engine(url, pool_pre_ping=True)
    if not path.exists():
        if not create:
            raise NotAWorkbookDatabase(
                f"no workbook database at {path}: set RSO_DATA_DIR (or RSO_DATABASE_URL) to "
                "where the workbook keeps its data")
        ensure_private_dir(path.parent)
        create_private_file(path)
    else:
        try:
            os.chmod(path, 0o600)
        except PermissionError:
            log.warning("cannot make %s owner-only (not its owner)", path)
    queue = {"factory": WriterQueueConnection} if get_settings().sqlite_writer_queue else {}
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, **queue})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_conn: sqlite3.Connection, record: Any) -> None:
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_on_begin)
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
    cur.execute("PRAGMA foreign_keys = ON")
    mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        log.warning("SQLite journal mode is %s, not WAL", mode)
    cur.execute("PRAGMA synchronous = FULL")
    cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("rso_begin", "DEFERRED")
    raw = conn.connection.dbapi_connection
    queued = mode == "IMMEDIATE" and isinstance(raw, WriterQueueConnection)
    if queued:
        raw.queue_for_write()
    try:
        conn.exec_driver_sql(f"BEGIN {mode}")
    except BaseException:
        if queued:
            raw.leave_queue()
        raise


# --- schema versions -------------------------------------------------------------------------

def _config(script_location: Path | None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location or MIGRATIONS))
    return cfg


def head_revision(script_location: Path | None = None) -> str:
    head = ScriptDirectory.from_config(_config(script_location)).get_current_head()
    assert head is not None, "no migration scripts found"
    return head


def current_revision(conn: Connection) -> str | None:
    """The schema revision of the database; None for an empty database.

    Raises NotAWorkbookDatabase for a database with tables but no schema version.
    """
    rev = MigrationContext.configure(conn).get_current_revision()
    if rev is None and inspect(conn).get_table_names():
        raise NotAWorkbookDatabase(
            "this database has tables but no RSO Workbook schema version: it is not a workbook "
            "database. Point RSO_DATABASE_URL / RSO_DATA_DIR at a workbook database or an "
            "empty one")
    return rev


def includes(rev: str, base: str, script_location: Path | None = None) -> bool:
    """Whether schema revision `rev` is `base` or comes after it."""
    script = ScriptDirectory.from_config(_config(script_location))
    return any(s.revision == base for s in script.iterate_revisions(rev, "base"))


def check_known(rev: str, script_location: Path | None = None) -> None:
    """Refuse a revision this package does not ship (a database from a newer release)."""
    script = ScriptDirectory.from_config(_config(script_location))
    if rev not in {s.revision for s in script.walk_revisions()}:
        raise SchemaVersionError(
            f"the database is at schema revision {rev!r}, which this version of RSO Workbook "
            "does not know: it was written by a newer release. Upgrade rso-workbook.")


def upgrade(engine: Engine, *, script_location: Path | None = None,
            backup_dir: Path | None = None) -> Path | None:
    """Bring the schema to the newest revision; back up an existing database first.

    SQLite is copied next to the database (`backups/`); PostgreSQL is dumped with pg_dump
    (custom format) into `backup_dir` (default `<data_dir>/backups/`), and the upgrade is refused
    if pg_dump is missing. Returns the backup file written, if any. The whole upgrade is one
    transaction.
    """
    head = head_revision(script_location)
    with engine.connect() as conn:
        current = current_revision(conn)
        conn.rollback()
    if current == head:
        return None
    backup = None
    if current is not None:
        check_known(current, script_location)
        path = sqlite_path(str(engine.url))
        if path is not None:
            backup = timestamped(backup_dir or path.parent / "backups",
                                 f"pre-upgrade-{current}-to-{head}")
            sqlite_copy(path, backup)
            log.info("backed up %s to %s before upgrading the schema", path, backup)
        elif pg_tools.is_postgresql(engine.url):
            backup = _pg_backup_before_upgrade(engine, current, head, backup_dir)
        else:
            log.warning("upgrading the schema of %s from %s to %s without a backup: take one "
                        "with the database's own tools",
                        engine.url.render_as_string(hide_password=True), current, head)
    cfg = _config(script_location)
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # table rebuilds (0007) need foreign keys off, set outside a transaction
            conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.execution_options(**WRITE).begin():
                if conn.dialect.name == "postgresql":  # one migrator at a time
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7263001)")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite:
                    _foreign_key_check(conn)
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys = ON")
    return backup


def _foreign_key_check(conn: Connection) -> None:
    bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if bad:
        table, rowid, parent = bad[0][:3]
        raise SchemaVersionError(
            f"the schema upgrade was rolled back: row {rowid} of {table} points at a missing "
            f"{parent} row ({len(bad)} such row(s)); restore the database from a backup")


def _pg_backup_before_upgrade(engine: Engine, current: str, head: str,
                              backup_dir: Path | None) -> Path:
    """pg_dump the database before its schema changes; refuse the upgrade without pg_dump."""
    folder = backup_dir or Path(get_settings().data_dir).expanduser() / "backups"
    where = engine.url.render_as_string(hide_password=True)
    try:
        dest = timestamped(folder, f"pre-upgrade-{current}-to-{head}", PG_SUFFIX)
        pg_tools.dump(engine.url, dest)
    except UnsupportedForDatabase as exc:
        raise SchemaVersionError(
            f"the database {where} is at schema revision {current} and this release needs "
            f"{head}; it is backed up before every upgrade, but pg_dump was not found. Nothing "
            f"was changed. Fix: {pg_tools.SETUP_HINT}, then start the app again") from exc
    except StoreError as exc:
        raise SchemaVersionError(
            f"the database {where} was not upgraded from schema revision {current} to {head} "
            f"because the backup before the upgrade failed ({exc}). Nothing was changed: fix "
            "the backup (a pg_dump at least as new as the server, write access to "
            f"{folder}), then start the app again") from exc
    log.info("backed up %s to %s before upgrading the schema", where, dest)
    return dest


__all__ = ["BUSY_TIMEOUT_S", "DB_FILENAME", "MIGRATIONS", "PG_SUFFIX", "SQLITE_SUFFIX", "WRITE",
           "WriterQueueConnection", "_can_time_flock", "_timed_flock", "_wait_for_lock",
           "check_known", "create_private_file", "current_revision", "database_url",
           "ensure_private_dir", "head_revision", "includes", "make_engine", "sqlite_copy",
           "sqlite_path", "timestamped", "upgrade"]
