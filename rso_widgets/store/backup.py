"""Backup and restore: the embedded SQLite database (file copies through SQLite's backup API)
and PostgreSQL (pg_dump / pg_restore custom-format archives, `pg_tools`)."""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ..settings import get_settings
from . import anchor as anchors
from . import audit, db, pg_tools, policy
from .errors import (
    AccessDenied,
    NotAWorkbookDatabase,
    SchemaVersionError,
    StoreError,
    UnsupportedForDatabase,
)
from .identity import current_user
from .models import Base
from .repository import Store, open_store
from .roles import roles_of

SQLITE_MAGIC = b"SQLite format 3\x00"


def _unsupported(url: object) -> UnsupportedForDatabase:
    return UnsupportedForDatabase(
        "backup/restore covers the built-in SQLite database and PostgreSQL; this workbook uses "
        f"{make_url(str(url)).get_backend_name()}: use that database's own tools")


def _new_file(dest: Path, suffix: str) -> Path:
    dest = Path(dest).expanduser()
    if dest.is_dir():
        return db.timestamped(dest, "backup", suffix)
    if dest.exists():
        raise StoreError(f"{dest} already exists: choose a new file name (backups never "
                         "overwrite)")
    if not dest.parent.is_dir():
        raise StoreError(f"folder {dest.parent} does not exist: create it first")
    return dest


def backup(store: Store, dest: Path) -> Path:
    """Consistent copy of the live database (safe while the app writes). Returns the file.

    `dest` may be a folder (a timestamped file is made in it) or a new file name. SQLite gives
    an SQLite file; PostgreSQL a pg_dump custom-format archive (`pg_restore` reads it).
    Administrators only (`policy.OPERATIONS`; a refusal is `AccessDenied`, audited).
    """
    store.permit("backup")
    src = store.sqlite_path
    if src is not None:
        dest = _new_file(dest, db.SQLITE_SUFFIX)
        db.sqlite_copy(src, dest)
    elif pg_tools.is_postgresql(store.engine.url):
        pg_tools.require("pg_dump", "a backup")
        dest = _new_file(dest, db.PG_SUFFIX)
        pg_tools.dump(store.engine.url, dest)
    else:
        raise _unsupported(store.engine.url)
    with store._writing() as s:
        audit.append(s, store.user, "export", "database", None,
                     {"backup": dest.name})
    return dest


def permit_restore(url: str) -> None:
    """Only an administrator restores (`policy.OPERATIONS`): else `AccessDenied`, audited in
    the live database at `url` when it opens (a damaged, missing or out-of-date one cannot
    hold the entry, and the refusal is then only raised)."""
    try:
        store = open_store(url, create=False, upgrade=False)
    except (StoreError, SQLAlchemyError, sqlite3.Error, OSError):
        store = None
    if store is not None:
        with store:
            store.permit("restore")
        return
    if policy.operation_via(roles_of(current_user()), "restore") is None:
        raise AccessDenied(policy.operation_refusal("restore"))


def check_backup_file(src: Path, script_location: Path | None = None) -> str:
    """Refuse anything but a workbook database this release can read; returns its revision."""
    if not src.is_file():
        raise StoreError(f"{src} is not a file")
    with src.open("rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise NotAWorkbookDatabase(f"{src} is not an SQLite database, so not a workbook "
                                       "backup")
    conn = sqlite3.connect(f"{src.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables or "audit_log" not in tables:
            raise NotAWorkbookDatabase(f"{src} has no workbook schema version: it is not a "
                                       "workbook database")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if row is None:
            raise NotAWorkbookDatabase(f"{src} has an empty schema version table")
        ok = conn.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            raise NotAWorkbookDatabase(f"{src} is damaged (integrity check: {ok})")
    except sqlite3.DatabaseError as exc:
        raise NotAWorkbookDatabase(f"{src} cannot be read as a database: {exc}") from exc
    finally:
        conn.close()
    try:
        db.check_known(row[0], script_location)
    except SchemaVersionError as exc:
        raise SchemaVersionError(f"{src}: {exc}") from exc
    return row[0]


def _refuse_tampered(src: Path, report: audit.VerifyReport) -> None:
    if not report.ok:
        raise StoreError(f"{src.name} was NOT restored (nothing was replaced): its audit log "
                         f"fails verification: {report}")


def restore(live: Path, src: Path, *, yes: bool = False, user: str | None = None,
            backup_dir: Path | None = None, anchor: audit.Anchor | None = None) -> Path | None:
    """Replace the SQLite database at `live` with the backup `src`; the current one is kept.

    Refused unless `yes`, unless `src` is a workbook database this release can read, and unless
    its audit log verifies (chain, records, and `anchor` if given), all before anything changes.
    Works on the file (not through the store) so that a damaged live database can be replaced.
    Returns the safety copy of the replaced database (None if there was none). The restored
    database is then opened once: an older schema is upgraded and the restore is audited.
    Administrators only (`permit_restore`).
    """
    live, src = Path(live).expanduser().resolve(), Path(src).expanduser().resolve()
    permit_restore(f"sqlite:///{live}")
    if not yes:
        raise StoreError(f"restore replaces the current database at {live} with {src}; "
                         "run again with --yes to go ahead (the current one is backed up first)")
    if src == live:
        raise StoreError(f"{src} is the live database itself: choose a backup file")
    check_backup_file(src)
    _refuse_tampered(src, anchors.verify_sqlite_file(src, anchor))  # before anything changes
    safety = None
    if live.exists() and live.stat().st_size > 0:
        safety = db.timestamped(backup_dir or live.parent / "backups", "pre-restore")
        try:
            db.sqlite_copy(live, safety)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"could not back up the current database {live} ({exc}); move it "
                             "aside by hand, then restore again") from exc
    else:
        db.ensure_private_dir(live.parent)
        db.create_private_file(live)
    source = sqlite3.connect(f"{src.as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(live, timeout=db.BUSY_TIMEOUT_S)
    try:
        source.backup(target)  # page copy into the live file, under SQLite's own locks
        target.execute("PRAGMA journal_mode = WAL")
    finally:
        source.close()
        target.close()

    with open_store(f"sqlite:///{live}", act_as=user, backup_dir=backup_dir) as store, \
            store._writing() as s:
        audit.append(s, store.user, "change", "database", None,
                     {"restored_from": src.name,
                      "previous_saved_as": None if safety is None else safety.name})
    return safety


# -- PostgreSQL ------------------------------------------------------------------------------------

def check_pg_archive(src: Path, script_location: Path | None = None) -> str:
    """Refuse anything but a pg_dump archive of a workbook database this release can read;
    returns its schema revision."""
    if not src.is_file():
        raise StoreError(f"{src} is not a file")
    with src.open("rb") as fh:
        if fh.read(len(pg_tools.ARCHIVE_MAGIC)) != pg_tools.ARCHIVE_MAGIC:
            raise NotAWorkbookDatabase(f"{src} is not a pg_dump custom-format archive, so not a "
                                       "workbook backup of a PostgreSQL database")
    try:
        tables = pg_tools.archive_tables(src)
        rev = pg_tools.archive_revision(src) if "alembic_version" in tables else None
    except StoreError as exc:
        raise NotAWorkbookDatabase(f"{src} cannot be read as a pg_dump archive: {exc}") from exc
    if rev is None or "audit_log" not in tables:
        raise NotAWorkbookDatabase(f"{src} has no workbook schema version: it is not a backup "
                                   "of a workbook database")
    try:
        db.check_known(rev, script_location)
    except SchemaVersionError as exc:
        raise SchemaVersionError(f"{src}: {exc}") from exc
    return rev


def verify_pg_archive(url: str, src: Path, anchor: audit.Anchor | None = None
                      ) -> audit.VerifyReport:
    """Restore the archive into a new scratch database on the same server, verify it there
    (chain, records, anchor), and drop the scratch database again."""
    scratch = f"rso_verify_{secrets.token_hex(6)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{scratch}"')
        except SQLAlchemyError as exc:
            raise StoreError(
                f"{src.name} was not restored: it is verified in a scratch database first, and "
                f"creating one failed ({str(exc).splitlines()[0]}); grant the workbook's role "
                "CREATEDB, then restore again") from exc
        target = make_url(url).set(database=scratch)
        try:
            pg_tools.restore(target, src, [])
            return anchors.verify_url(target.render_as_string(hide_password=False), anchor)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    finally:
        admin.dispose()


def restore_postgresql(url: str, src: Path, *, yes: bool = False, user: str | None = None,
                       backup_dir: Path | None = None,
                       anchor: audit.Anchor | None = None) -> Path | None:
    """Replace the workbook in the PostgreSQL database at `url` with the archive `src`.

    Refused unless `yes`, unless `src` is a pg_dump archive of a workbook database this
    release can read, and unless it verifies in a scratch database (`verify_pg_archive`). The
    current database is dumped first (into `backup_dir`, default `<data_dir>/backups/`); its
    workbook tables are then dropped and the archive restored in one transaction, so a failed
    restore changes nothing. The restored database is opened once: an older schema is upgraded
    and the restore is audited. Returns the safety copy (None if the database was empty).
    Administrators only (`permit_restore`).
    """
    permit_restore(url)
    src = Path(src).expanduser().resolve()
    where = make_url(url).render_as_string(hide_password=True)
    if not yes:
        raise StoreError(f"restore replaces the current database {where} with {src}; run again "
                         "with --yes to go ahead (the current one is backed up first)")
    for tool, action in (("pg_dump", "a restore"), ("pg_restore", "a restore"),
                         ("psql", "a restore")):
        pg_tools.require(tool, action)
    check_pg_archive(src)
    _refuse_tampered(src, verify_pg_archive(url, src, anchor))  # before anything changes
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            live = set(inspect(conn).get_table_names())
            if live:
                db.check_known(db.current_revision(conn) or "", None)
    except SchemaVersionError as exc:
        raise SchemaVersionError(f"the database {where} was written by a newer release: "
                                 f"restoring into it is refused ({exc})") from exc
    finally:
        engine.dispose()
    safety = None
    if live:
        folder = backup_dir or Path(get_settings().data_dir).expanduser() / "backups"
        safety = db.timestamped(folder, "pre-restore", db.PG_SUFFIX)
        try:
            pg_tools.dump(url, safety)
        except StoreError as exc:
            raise StoreError(f"could not back up the current database {where} ({exc}); "
                             "nothing was restored") from exc
    ours = set(Base.metadata.tables) | {"alembic_version"} | pg_tools.archive_tables(src)
    pg_tools.restore(url, src, sorted(live & ours))

    with open_store(url, act_as=user, backup_dir=backup_dir) as store, store._writing() as s:
        audit.append(s, store.user, "change", "database", None,
                     {"restored_from": src.name,
                      "previous_saved_as": None if safety is None else safety.name})
    return safety
