"""Owner-only folders and files, timestamped backup file names, and consistent copies of a live
SQLite database file: what the engines, backups and upgrades share."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import stat
from pathlib import Path

log = logging.getLogger("rso_widgets.store.db")

SQLITE_SUFFIX, PG_SUFFIX = ".sqlite", ".pgdump"


def ensure_private_dir(path: Path) -> None:
    """Create `path` owner-only (0o700); warn if an existing one is open to others."""
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        os.chmod(path, 0o700)
    elif path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("%s is readable by other users; consider chmod 700", path)


def create_private_file(path: Path, *, exclusive: bool = False) -> None:
    """Create (or tighten) a file owner-only: 0o600 whatever the umask."""
    flags = os.O_CREAT | os.O_WRONLY | (os.O_EXCL if exclusive else 0)
    os.close(os.open(path, flags, 0o600))
    os.chmod(path, 0o600)


def timestamped(folder: Path, label: str, suffix: str = SQLITE_SUFFIX) -> Path:
    """`folder/rso-workbook-<label>-<UTC time><suffix>` (folder created owner-only)."""
    ensure_private_dir(folder)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return folder / f"rso-workbook-{label}-{stamp}{suffix}"


def sqlite_copy(src: Path | sqlite3.Connection, dest: Path) -> None:
    """Consistent copy of a live SQLite database (online backup API) to a new 0o600 file."""
    create_private_file(dest, exclusive=True)
    source = src if isinstance(src, sqlite3.Connection) else sqlite3.connect(src)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)  # one step: a single consistent snapshot, writers not blocked
        target.execute("PRAGMA journal_mode = DELETE")  # self-contained single file
    except BaseException:
        target.close()
        dest.unlink(missing_ok=True)
        raise
    finally:
        if source is not src:
            source.close()
    target.close()
