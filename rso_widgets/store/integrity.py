"""Tamper evidence over every record table: each row's content hash travels in the audit chain.

Every ORM write of a record table (every table except drafts, the audit tables and Alembic's
bookkeeping) is caught centrally by Session events, whatever store method made it:
`after_flush` hashes each inserted or changed object as written (notes each deleted one), and
`do_orm_execute` notes the rows a bulk `delete()`/`update()` statement matches before it runs
(rows a bulk update changed are hashed as the database then holds them).
The next audit entry of the transaction (`audit.append`) then carries, under
`detail["row_hashes"]`, `[table, key, sha256 of the row's canonical columns]` for each noted
row as it now stands (`null`: the row is gone); a transaction that changes records without
writing an audit entry gets one ("record") at commit. `audit.verify` replays those hashes to the
expected state of every table and compares it, one SELECT per table, with the rows actually
there (`check_records`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Boolean, Table, event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from .errors import StoreError
from .models import Base

NOT_RECORDS = frozenset({"drafts", "audit_log", "audit_head", "alembic_version"})
PENDING = "rso_records_touched"  # session.info key: {table name: {key: hash | None}}
USER = "rso_user"  # session.info key: who a commit-time "record" entry is written for
CHUNK = 500  # keys per IN (...) list


def record_tables() -> list[Table]:
    """Every table whose rows are tamper-evident (all but drafts and bookkeeping)."""
    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_RECORDS]


_RECORDS = {t.name: t for t in record_tables()}


def _stamp(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"  # naive values are UTC


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _stamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def row_hash(row: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of a row's non-NULL columns (so a later nullable column
    leaves existing hashes as they were)."""
    body = {k: _plain(v) for k, v in row.items() if v is not None}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _pk(table: Table) -> Any:
    (col,) = table.primary_key.columns
    return col


def _typed(table: Table, keys: Iterable[str]) -> list[Any]:
    conv = int if _pk(table).type.python_type is int else str
    return [conv(k) for k in keys]


def hash_rows(conn: Any, table: Table, keys: Iterable[str] | None = None,
              columns: Iterable[str] | None = None) -> dict[str, str]:
    """key → row hash for every row of `table` (or only `keys`), one SELECT per chunk.
    `columns` limits the read to the columns a database at an older revision has."""
    wanted = None if columns is None else set(columns)
    cols = [c for c in table.columns if wanted is None or c.name in wanted]
    pk = _pk(table)
    chunks: list[list[Any] | None] = [None]
    if keys is not None:
        typed = _typed(table, keys)
        chunks = [typed[i:i + CHUNK] for i in range(0, len(typed), CHUNK)]
    out: dict[str, str] = {}
    for chunk in chunks:
        q = select(*cols) if chunk is None else select(*cols).where(pk.in_(chunk))
        for row in conn.execute(q).mappings():
            out[str(row[pk.name])] = row_hash(row)
    return out


# -- the central write path: Session events -------------------------------------------------------

RESELECT = object()  # pending marker: hash the row as the database now holds it


def _note(session: Session, table: str, key: Any, digest: Any) -> None:
    pending = session.info.setdefault(PENDING, defaultdict(dict))
    pending[table][str(key)] = digest


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, ctx: UOWTransaction) -> None:
    """Hash each flushed record object from its (just written) state; None for deletions."""
    for objs, gone in ((session.new, False), (session.dirty, False), (session.deleted, True)):
        for obj in objs:
            table = getattr(type(obj), "__table__", None)
            if table is None or table.name not in _RECORDS:
                continue
            mapper = type(obj).__mapper__
            (key,) = mapper.primary_key_from_instance(obj)
            if key is None:
                continue
            if gone:
                _note(session, table.name, key, None)
            else:
                _note(session, table.name, key, row_hash(_object_row(mapper, obj)))


def _object_row(mapper: Any, obj: Any) -> dict[str, Any]:
    row = {}
    for prop in mapper.column_attrs:
        col = prop.columns[0]
        value = getattr(obj, prop.key)
        row[col.name] = bool(value) if isinstance(col.type, Boolean) and value is not None \
            else value
    return row


@event.listens_for(Session, "do_orm_execute")
def _bulk(state: ORMExecuteState) -> Any:
    """Note the rows a bulk DELETE or UPDATE of a record table matches, before it runs."""
    if not (state.is_delete or state.is_update or state.is_insert):
        return None
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name not in _RECORDS:
        return None
    if state.is_insert:
        raise StoreError(f"a bulk INSERT into {name} would bypass the audit: add the rows as "
                         "ORM objects")
    pk = _pk(_RECORDS[name])
    where = state.statement.whereclause
    q = select(pk) if where is None else select(pk).where(where)
    for key in state.session.connection().execute(q).scalars():
        _note(state.session, name, key, None if state.is_delete else RESELECT)
    return None


def take_pending(session: Session) -> list[list[Any]] | None:
    """The noted rows as `[table, key, hash or None]` (sorted), forgetting them; None if none.
    Call after a flush, inside the transaction that wrote them."""
    pending = session.info.pop(PENDING, None)
    if not pending:
        return None
    rows: list[list[Any]] = []
    for name in sorted(pending):
        noted = pending[name]
        again = [k for k, v in noted.items() if v is RESELECT]
        if again:
            found = hash_rows(session.connection(), _RECORDS[name], again)
            noted.update({k: found.get(k) for k in again})
        rows += [[name, k, noted[k]] for k in sorted(noted, key=_order)]
    return rows


def _order(key: str) -> tuple[int, str]:
    return (len(key), key)  # numeric keys in numeric order


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    session.flush()
    if session.info.get(PENDING):
        from . import audit  # deferred: audit imports this module

        audit.append(session, session.info.get(USER) or "system", "record", "records")


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


# -- verification ---------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class RowProblem:
    """One record row that does not match the audit chain."""

    table: str
    key: str
    kind: str  # "edited" | "deleted" | "inserted"

    def __str__(self) -> str:
        what = {"edited": "was changed outside the workbook (its content no longer matches "
                          "the audit log)",
                "deleted": "was deleted outside the workbook (the audit log says it exists)",
                "inserted": "was added outside the workbook (no audit entry wrote it)"}
        return f"{self.table} row {self.key} {what[self.kind]}"


def check_records(conn: Any, expected: Mapping[tuple[str, str], str | None]
                  ) -> list[RowProblem]:
    """Compare every record table with the state the chain describes (one SELECT per table)."""
    want: dict[str, dict[str, str]] = defaultdict(dict)
    for (name, key), digest in expected.items():
        if digest is not None:
            want[name][key] = digest
    problems: list[RowProblem] = []
    inspector = inspect(conn)
    present = set(inspector.get_table_names())
    for table in record_tables():
        have = {} if table.name not in present else hash_rows(
            conn, table, columns=[c["name"] for c in inspector.get_columns(table.name)])
        exp = want.pop(table.name, {})
        for key in sorted(have.keys() | exp.keys(), key=_order):
            if key not in exp:
                problems.append(RowProblem(table.name, key, "inserted"))
            elif key not in have:
                problems.append(RowProblem(table.name, key, "deleted"))
            elif have[key] != exp[key]:
                problems.append(RowProblem(table.name, key, "edited"))
    for name, rows in sorted(want.items()):  # a table the chain knows but this release does not
        problems += [RowProblem(name, k, "deleted") for k in sorted(rows, key=_order)]
    return problems


def baseline(conn: Any, *, label: str, username: str = "system:migration") -> int:
    """Write the current rows of every record table into the chain (a migration's last step),
    as "record" entries of up to CHUNK rows. Returns the number of rows."""
    from . import audit  # deferred: audit imports this module

    existing = set(inspect(conn).get_table_names())
    session = Session(bind=conn)
    n = 0
    try:
        for table in record_tables():
            if table.name not in existing:
                continue
            cols = {c["name"] for c in inspect(conn).get_columns(table.name)}
            found = hash_rows(conn, table, columns=cols)
            keys = sorted(found, key=_order)
            for i in range(0, len(keys), CHUNK):
                rows = [[table.name, k, found[k]] for k in keys[i:i + CHUNK]]
                audit.append(session, username, "record", table.name, None,
                             {"baseline": label}, rows=rows)
            n += len(keys)
        audit.append(session, username, "record", "database", None,
                     {"baseline": label, "rows_total": n})
        session.commit()  # joins the migration's transaction: commits nothing by itself
    finally:
        session.close()
    return n
