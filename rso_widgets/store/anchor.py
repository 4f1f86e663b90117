"""Anchors: the audit chain's head written outside the database, and checks against them.

`rso-workbook audit-log anchor FILE` writes {seq, hash, at} of the current head to FILE (atomic,
owner-only). Kept on write-once storage, an anchor lets `audit-log verify --anchor FILE` (and
`restore --anchor FILE`) catch a chain that was rewritten with recomputed hashes, or cut short,
after the anchor was taken. `verify_file` checks a backup (SQLite file or scratch database)
read-only, before a restore replaces anything.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.orm import Session

from . import audit, db
from .errors import StoreError

FORMAT = "rso-workbook-audit-anchor/1"
MAX_BYTES = 4096
RECORDS_SINCE = "0007"  # the first revision whose chain carries record hashes


def write(anchor: audit.Anchor, dest: Path) -> Path:
    """Write `anchor` to `dest` atomically (a temporary file renamed over it), mode 0o600."""
    dest = Path(dest).expanduser()
    if dest.is_dir():
        raise StoreError(f"{dest} is a folder: give a file name for the anchor")
    if not dest.parent.is_dir():
        raise StoreError(f"folder {dest.parent} does not exist: create it first")
    body = json.dumps({"format": FORMAT, "seq": anchor.seq, "hash": anchor.hash,
                       "at": anchor.at}, indent=1) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".anchor-", dir=dest.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def read(src: Path) -> audit.Anchor:
    """An anchor file, or StoreError naming what is wrong with it."""
    src = Path(src).expanduser()
    if not src.is_file():
        raise StoreError(f"anchor {src} is not a file: give the file `audit-log anchor` wrote")
    with src.open("rb") as fh:
        raw = fh.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise StoreError(f"anchor {src} is larger than {MAX_BYTES} bytes: it is not an anchor")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise StoreError(f"anchor {src} is not JSON ({exc}): give the file `audit-log anchor` "
                         "wrote") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StoreError(f"anchor {src} has no format {FORMAT!r}: it is not an anchor file")
    seq, digest, at = data.get("seq"), data.get("hash"), data.get("at")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise StoreError(f"anchor {src}: seq must be a whole number of entries, not {seq!r}")
    if not isinstance(digest, str) or len(digest) != 64 \
            or any(c not in "0123456789abcdef" for c in digest):
        raise StoreError(f"anchor {src}: hash must be 64 lower-case hex digits")
    if not isinstance(at, str) or len(at) > 64:
        raise StoreError(f"anchor {src}: at must be the time the anchor was taken")
    return audit.Anchor(seq, digest, at)


def verify_url(url: str, anchor: audit.Anchor | None = None, *,
               connect_args: dict[str, object] | None = None) -> audit.VerifyReport:
    """Verify the database at `url` without changing it (a backup being restored)."""
    engine = create_engine(url, connect_args=connect_args or {})
    try:
        with engine.connect() as conn:
            rev = db.current_revision(conn)
            records = rev is not None and db.includes(rev, RECORDS_SINCE)
            if "audit_log" not in set(inspect(conn).get_table_names()):
                raise StoreError("it has no audit log: it is not a workbook database")
            with Session(bind=conn) as s:
                return audit.verify(s, anchor, records=records)
    finally:
        engine.dispose()


def verify_sqlite_file(path: Path, anchor: audit.Anchor | None = None) -> audit.VerifyReport:
    """Verify an SQLite backup file, opened read-only."""
    return verify_url(f"sqlite:///file:{Path(path).resolve()}?mode=ro&uri=true",
                      anchor, connect_args={"uri": True})
