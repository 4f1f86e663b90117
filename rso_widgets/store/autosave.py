"""The autosave write path: an existing draft replaced by one UPDATE in the shortest transaction.

An autosave comes every few seconds from every open form, so its transaction is what queues
behind everybody else's (SQLite: the writer queue of `db`, one writer at a time; PostgreSQL:
CPU and round trips). Everything is prepared before the transaction starts — the JSON text as
the ORM would store it, the timestamp in the column's storage form, the SQL — and the
transaction is `UPDATE drafts … WHERE username = ? AND key = ? RETURNING created_at`, then
COMMIT (PostgreSQL: in autocommit, the statement is the transaction: one round trip): no ORM
session, no SELECT, no audit entry.

A conditional save (`save_draft(..., expected=revision)`, the room page's) adds
`AND updated_at = ?` to the same WHERE: the check and the write are one statement, atomic on
both databases (PostgreSQL re-evaluates the WHERE on the row's latest version), so no extra
round trip. No row means no draft or another revision: the caller then reads it under its lock
to say which (`drafts.check_revision`) — only a conflict pays for that.

Semantics are those of the ORM path it short-cuts: the acting user's own draft under `key` is
replaced (drafts are not records: not in the audit chain or the tamper evidence, see
`integrity.NOT_RECORDS`); a draft that does not exist yet is not touched here (the caller creates
it, audited, under the audit head lock); an `assessment_id` that does not exist is refused by
the foreign key and left to the caller, which names it. Concurrent edits of a draft are detected
only by a conditional save (a save without `expected` is last-write-wins); concurrent edits of
an assessment are detected when a version is saved (`Store.save_version`, by `base_version`).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from . import db
from .models import Draft

_PARAMS = ("data", "assessment_id", "base_version", "updated_at", "username", "key")
_IF = (*_PARAMS, "expected")


class DraftUpdater:
    """Replaces existing drafts on one engine with a single prepared UPDATE."""

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        # PostgreSQL: the UPDATE is its own transaction (autocommit: one round trip, not
        # BEGIN, UPDATE, COMMIT); SQLite: the writer queue and BEGIN IMMEDIATE, as every write.
        pg = dialect.name == "postgresql"
        self.engine = engine.execution_options(
            **({"isolation_level": "AUTOCOMMIT"} if pg else db.WRITE))
        stamp = Draft.__table__.c.updated_at.type.dialect_impl(dialect)
        self._encode = getattr(dialect, "_json_serializer", None) or json.dumps
        self._stamp = stamp.bind_processor(dialect) or (lambda value: value)
        self._created = stamp.result_processor(dialect, None) or (lambda value: value)
        data = "CAST({data} AS JSON)" if pg else "{data}"
        sql = (f"UPDATE drafts SET data = {data}, assessment_id = {{assessment_id}}, "
               "base_version = {base_version}, updated_at = {updated_at} "
               "WHERE username = {username} AND key = {key} RETURNING created_at")
        style = {"qmark": "?", "format": "%s", "pyformat": "%({})s", "named": ":{}"}.get(
            dialect.paramstyle)
        self._positional = dialect.paramstyle in ("qmark", "format")
        marks = {name: (style or "").format(name) for name in _IF}
        self._sql = sql.format(**marks)
        self._sql_if = sql.replace(" RETURNING", " AND updated_at = {expected} RETURNING").format(
            **marks)
        self.available = style is not None and (pg or (
            dialect.name == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)))  # RETURNING

    def update(self, user: str, key: str, payload: dict[str, Any], assessment_id: int | None,
               base_version: int | None, now: dt.datetime,
               expected: dt.datetime | None = None) -> dt.datetime | None:
        """Replace `user`'s draft under `key` (if `expected`: only while its `updated_at` is
        that); its `created_at`, or None when there is no such draft, it has another revision,
        or the assessment is gone: then nothing was written."""
        values = {"data": self._encode(payload), "assessment_id": assessment_id,
                  "base_version": base_version, "updated_at": self._stamp(now),
                  "username": user, "key": key}
        names, sql = _PARAMS, self._sql
        if expected is not None:
            values["expected"], names, sql = self._stamp(expected), _IF, self._sql_if
        params: Any = tuple(values[n] for n in names) if self._positional else values
        try:
            with self.engine.begin() as conn:  # the transaction: one statement and COMMIT
                row = conn.exec_driver_sql(sql, params).first()
        except IntegrityError:
            if assessment_id is None:
                raise
            return None  # the assessment does not exist: the caller says so
        return None if row is None else self._created(row[0])
