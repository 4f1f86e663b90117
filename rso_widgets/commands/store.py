"""`rso-workbook audit-log | retention | backup | restore`: database housekeeping.

Administrators' commands (`store.policy.OPERATIONS`; `audit-log verify` also a team lead's): a
refusal is one line naming who may, exit 77, and is itself in the audit log."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from ..settings import get_settings
from ..store import anchor as anchors
from ..store import backup as backups
from ..store import db, pg_tools, retention
from ..store.errors import AccessDenied, StoreError, UnsupportedForDatabase
from ..store.repository import Store, open_store

NOT_ALLOWED = 77  # EX_NOPERM, as cli.NOT_ALLOWED


def run(args: argparse.Namespace) -> int:
    """Dispatch `args.action`; errors are printed (never a traceback) with a non-zero exit."""
    action = getattr(args, "action", None)
    if action not in (*_ON_STORE, "restore"):
        print(f"unknown action {action!r}", file=sys.stderr)
        return 2
    try:
        if action in ("backup", "restore"):  # the tools first: their absence is no secret
            _check_backup_tools(action, db.database_url())
        if action == "restore":
            return _restore(args)  # permission first (backups.permit_restore)
        with open_store(create=False) as store:
            return _ON_STORE[action](store, args)
    except AccessDenied as exc:  # an administrator's command (store.policy.OPERATIONS)
        print(f"not allowed: {exc}", file=sys.stderr)
        return NOT_ALLOWED
    except UnsupportedForDatabase as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (StoreError, ValueError, OSError, sqlite3.Error) as exc:
        if getattr(exc, "title", "") == "Settings":  # a bad setting: the cli names it
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:
        print(f"error: the database driver is not installed ({exc.name}): install it or check "
              "RSO_DATABASE_URL", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"database error: {exc.__class__.__name__}: {str(exc).splitlines()[0]}\n"
              "check RSO_DATABASE_URL / RSO_DATA_DIR and that the database is reachable",
              file=sys.stderr)
        return 1


def _verify(store: Store, args: argparse.Namespace) -> int:
    given = getattr(args, "anchor", None)
    mark = None if given is None else anchors.read(Path(given))
    report = store.verify_audit(mark)
    print(report, file=sys.stdout if report.ok else sys.stderr)
    if report.ok and mark is not None:
        print(f"anchor OK: entry {mark.seq} still has the hash anchored at {mark.at}")
    return 0 if report.ok else 1


def _anchor(store: Store, args: argparse.Namespace) -> int:
    report = store.verify_audit()
    if not report.ok:
        print(f"not anchored: {report}", file=sys.stderr)
        return 1
    head = store.audit_head()
    dest = anchors.write(head, Path(args.file))
    print(f"anchored entry {head.seq} (hash {head.hash}) at {head.at} in {dest}; copy it to "
          "write-once storage")
    return 0


def _show(store: Store, args: argparse.Namespace) -> int:
    for e in store.audit_entries(limit=args.limit):
        detail = "" if not e.detail else " " + ", ".join(f"{k}={v}" for k, v in
                                                         sorted(e.detail.items()))
        if e.records:
            detail += f" [{e.records} record row hash(es)]"
        target = e.entity if e.entity_id is None else f"{e.entity} {e.entity_id}"
        print(f"{e.seq:>6}  {e.at:%Y-%m-%d %H:%M:%S}Z  {e.user:<20} {e.action:<11} "
              f"{target}{detail}")
    return 0


def _retention(store: Store, args: argparse.Namespace) -> int:
    days = args.days if args.days is not None else get_settings().retention_days
    if args.delete:
        gone = retention.delete_expired(store, days)
        for item in gone:
            print(f"deleted  {item}")
        print(f"{len(gone)} record(s) older than {days} days deleted; each deletion is in the "
              "audit log")
        return 0
    found = retention.expired(store, days)
    for item in found:
        print(f"would delete  {item}")
    print(f"{len(found)} record(s) with no activity for {days} days (dry run: nothing deleted; "
          "add --delete to delete them)")
    return 0


def _backup(store: Store, args: argparse.Namespace) -> int:
    dest = backups.backup(store, Path(args.dest))
    print(f"backup written to {dest}")
    return 0


def _check_backup_tools(action: str, url: str) -> None:
    """SQLite needs nothing; PostgreSQL needs its client tools; anything else is unsupported."""
    if db.sqlite_path(url) is not None:
        return
    if not pg_tools.is_postgresql(url):
        raise UnsupportedForDatabase(
            f"{action} covers the built-in SQLite database and PostgreSQL; RSO_DATABASE_URL "
            "points at another database: use its own tools")
    for tool in ("pg_dump",) if action == "backup" else ("pg_dump", "pg_restore", "psql"):
        pg_tools.require(tool, f"`rso-workbook {action}`")


def _restore(args: argparse.Namespace) -> int:
    url = db.database_url()
    backups.permit_restore(url)  # before the backup or the anchor file is even read
    live = db.sqlite_path(url)
    given = getattr(args, "anchor", None)
    mark = None if given is None else anchors.read(Path(given))
    if live is None:
        safety = backups.restore_postgresql(url, Path(args.src), yes=args.yes, anchor=mark)
        where = make_url(url).render_as_string(hide_password=True)
        kept = f"; the database it replaced was saved as {safety}" if safety else ""
        print(f"restored {where} from {args.src}{kept}")
        return 0
    safety = backups.restore(live, Path(args.src), yes=args.yes, anchor=mark)
    kept = f"; the database it replaced was saved as {safety}" if safety else ""
    print(f"restored {live} from {args.src}{kept}")
    return 0


_ON_STORE = {"verify": _verify, "anchor": _anchor, "show": _show, "retention": _retention,
             "backup": _backup}
