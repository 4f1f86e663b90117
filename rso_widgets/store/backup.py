"""Backup and restore of the embedded SQLite database (use pg_dump for PostgreSQL)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from . import audit, db
from .errors import NotAWorkbookDatabase, SchemaVersionError, StoreError, UnsupportedForDatabase
from .repository import Store

SQLITE_MAGIC = b"SQLite format 3\x00"


def _sqlite_file(store: Store) -> Path:
    path = store.sqlite_path
    if path is None:
        raise UnsupportedForDatabase(
            "backup/restore here covers the built-in SQLite database only; this workbook uses "
            f"{store.engine.url.get_backend_name()}: use that database's own tools "
            "(for PostgreSQL: pg_dump / pg_restore)")
    return path


def backup(store: Store, dest: Path) -> Path:
    """Consistent copy of the live database (safe while the app writes). Returns the file.

    `dest` may be a folder (a timestamped file is made in it) or a new file name.
    """
    src = _sqlite_file(store)
    dest = Path(dest).expanduser()
    if dest.is_dir():
        dest = db.timestamped(dest, "backup")
    elif dest.exists():
        raise StoreError(f"{dest} already exists: choose a new file name (backups never "
                         "overwrite)")
    elif not dest.parent.is_dir():
        raise StoreError(f"folder {dest.parent} does not exist: create it first")
    db.sqlite_copy(src, dest)
    with store._writing() as s:
        audit.append(s, store.user, "export", "database", None,
                     {"backup": dest.name})
    return dest


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


def restore(live: Path, src: Path, *, yes: bool = False, user: str | None = None,
            backup_dir: Path | None = None) -> Path | None:
    """Replace the SQLite database at `live` with the backup `src`; the current one is kept.

    Refused unless `yes`, and unless `src` is a workbook database this release can read. Works
    on the file (not through the store) so that a damaged live database can be replaced too.
    Returns the safety copy of the replaced database (None if there was none). The restored
    database is then opened once: an older schema is upgraded and the restore is audited.
    """
    live, src = Path(live).expanduser().resolve(), Path(src).expanduser().resolve()
    if not yes:
        raise StoreError(f"restore replaces the current database at {live} with {src}; "
                         "run again with --yes to go ahead (the current one is backed up first)")
    if src == live:
        raise StoreError(f"{src} is the live database itself: choose a backup file")
    check_backup_file(src)
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
    from .repository import open_store  # late: repository is heavier than this module needs

    with open_store(f"sqlite:///{live}", user=user, backup_dir=backup_dir) as store, \
            store._writing() as s:
        audit.append(s, store.user, "change", "database", None,
                     {"restored_from": src.name,
                      "previous_saved_as": None if safety is None else safety.name})
    return safety
