"""Append-only, hash-chained audit log: who created, viewed, changed, exported or deleted what.

Each entry's hash is sha256(previous hash + canonical JSON of the entry). The single `audit_head`
row holds the last sequence number and hash; it is locked by every write transaction, which
serialises writers (PostgreSQL) and lets `verify()` notice entries cut off the end of the log.
Entries also carry the content hash of every record row their transaction wrote
(`detail["row_hashes"]`, see `integrity`), so `verify()` checks every record table against them.
Tamper-evident, not tamper-proof: someone able to rewrite the whole chain, the head and the rows
consistently can hide an edit made after the last anchor (`anchor`) was taken, so anchor the head
outside the database (docs/tamper-evidence.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import integrity
from .errors import StoreError
from .models import AuditEntry, AuditHead, utcnow

GENESIS = "0" * 64
ACTIONS = frozenset({"create", "view", "change", "export", "delete", "sign", "countersign",
                     "record"})
ROWS = "row_hashes"  # detail key reserved for the record hashes (`integrity`)


def _default(obj: Any) -> Any:
    if isinstance(obj, dt.datetime | dt.date):
        return obj.isoformat()
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


def canonical(obj: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False, default=_default)


def _stamp(at: dt.datetime) -> str:
    """`%Y-%m-%dT%H:%M:%S.%fZ` in UTC (isoformat: the same text, several times faster)."""
    return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def entry_hash(prev_hash: str, *, seq: int, at: dt.datetime, username: str, action: str,
               entity: str, entity_id: str | None, detail: dict[str, Any] | None) -> str:
    body = canonical({"seq": seq, "at": _stamp(at), "user": username, "action": action,
                      "entity": entity, "entity_id": entity_id, "detail": detail})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def lock_head(session: Session) -> AuditHead:
    """Lock the head row for this transaction (FOR UPDATE; SQLite's BEGIN IMMEDIATE suffices)."""
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        raise StoreError("the audit log head is missing: the database is damaged or was edited; "
                         "restore it from a backup")
    return head


def append(session: Session, username: str, action: str, entity: str,
           entity_id: int | str | None = None, detail: dict[str, Any] | None = None, *,
           rows: list[list[Any]] | None = None) -> AuditEntry:
    """Add one chained entry in the caller's transaction. Keep personal data out of `detail`.

    The entry also carries the hashes of the record rows written so far in this transaction
    (and `rows`, given only by a baseline)."""
    if action not in ACTIONS:
        raise ValueError(f"audit action {action!r} is not one of {sorted(ACTIONS)}")
    if detail and ROWS in detail:
        raise ValueError(f"audit detail key {ROWS!r} is reserved for record hashes")
    head = lock_head(session)  # (its SELECT flushes pending ORM changes first)
    written = (rows or []) + (integrity.take_pending(session) or [])
    if written:
        detail = {**(detail or {}), ROWS: written}
    detail = None if detail is None else json.loads(canonical(detail))
    eid = None if entity_id is None else str(entity_id)
    seq, at = head.seq + 1, utcnow()
    digest = entry_hash(head.hash, seq=seq, at=at, username=username, action=action,
                        entity=entity, entity_id=eid, detail=detail)
    entry = AuditEntry(seq=seq, at=at, username=username, action=action, entity=entity,
                       entity_id=eid, detail=detail, prev_hash=head.hash, hash=digest)
    session.add(entry)
    head.seq, head.hash = seq, digest
    session.flush()
    return entry


@dataclasses.dataclass(frozen=True)
class VerifyReport:
    """Outcome of `verify()`: `first_bad_seq` is the first entry that fails, if any;
    `rows` lists record rows that do not match the chain (table and key named)."""

    ok: bool
    entries: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""
    rows: tuple[integrity.RowProblem, ...] = ()
    shown: int = 20  # rows listed by str()

    def __str__(self) -> str:
        if self.ok:
            return f"audit log OK: {self.entries} entries, head {self.head_hash}"
        if not self.rows:
            return f"audit log TAMPERED at entry {self.first_bad_seq}: {self.problem}"
        lines = [f"records TAMPERED: {len(self.rows)} row(s) do not match the audit log "
                 f"({self.entries} entries, head {self.head_hash})"]
        lines += [f"  {p}" for p in self.rows[:self.shown]]
        if len(self.rows) > self.shown:
            lines.append(f"  … and {len(self.rows) - self.shown} more")
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class Anchor:
    """A chain head kept outside the database: entry `seq` had hash `hash` at `at`."""

    seq: int
    hash: str
    at: str


def head(session: Session) -> Anchor:
    """The current head, to be written outside the database (`rso-workbook audit-log anchor`)."""
    row = session.get(AuditHead, 1)
    if row is None:
        raise StoreError("the audit log head is missing: the database is damaged or was edited")
    return Anchor(row.seq, row.hash, _stamp(utcnow()))


def verify(session: Session, anchor: Anchor | None = None, *,
           records: bool = True) -> VerifyReport:
    """Walk the chain from the start; report the first entry that is missing or altered, an
    `anchor` the chain no longer contains, then every record row that differs from what the
    chain wrote (`records=False`: a database from before record hashes, revision 0007)."""
    prev, expected, count = GENESIS, 1, 0
    state: dict[tuple[str, str], str | None] = {}
    anchored = anchor is None
    table = AuditEntry.__table__
    rows = session.connection().execute(  # Core rows: no ORM objects for 100,000 entries
        select(table).order_by(table.c.seq).execution_options(yield_per=2000))
    for row in rows:
        if row.seq != expected:
            return VerifyReport(False, count, prev, expected,
                                f"entry {expected} is missing (the log jumps from entry "
                                f"{expected - 1} to {row.seq})")
        if row.prev_hash != prev:
            return VerifyReport(False, count, prev, row.seq,
                                f"entry {row.seq} does not link to entry {row.seq - 1}: one of "
                                "them was altered or replaced")
        digest = entry_hash(prev, seq=row.seq, at=row.at, username=row.username,
                            action=row.action, entity=row.entity, entity_id=row.entity_id,
                            detail=row.detail)
        if digest != row.hash:
            return VerifyReport(False, count, prev, row.seq,
                                f"entry {row.seq} was altered after it was written")
        if row.detail and ROWS in row.detail:
            for table, key, value in row.detail[ROWS]:
                state[(table, key)] = value
        if anchor is not None and row.seq == anchor.seq:
            if row.hash != anchor.hash:
                return VerifyReport(False, count, prev, row.seq, _rewritten(anchor))
            anchored = True
        prev, expected, count = row.hash, expected + 1, count + 1
    head_row = session.get(AuditHead, 1)
    if head_row is None:
        return VerifyReport(False, count, prev, expected, "the audit head row is missing")
    if head_row.seq != count or head_row.hash != prev:
        if head_row.seq > count:
            problem = (f"the log ends at entry {count} but {head_row.seq} entries were written: "
                       f"entries {count + 1}–{head_row.seq} were deleted")
        else:
            problem = "the audit head does not match the last entry: the log was rewritten"
        return VerifyReport(False, count, prev, count + 1, problem)
    if not anchored:
        assert anchor is not None
        return VerifyReport(False, count, prev, count + 1,
                            f"the log ends at entry {count}, before the anchored entry "
                            f"{anchor.seq} (anchored {anchor.at}): entries were cut off the end")
    if count == 0 and records:
        return VerifyReport(False, 0, prev, 1,
                            "the log is empty, but every workbook database has the entries "
                            "written when its schema was created: the log was emptied")
    problems = integrity.check_records(session.connection(), state) if records else []
    if problems:
        return VerifyReport(False, count, prev, None, "records do not match the audit log",
                            tuple(problems))
    return VerifyReport(True, count, prev)


def _rewritten(anchor: Anchor) -> str:
    return (f"entry {anchor.seq} no longer has the hash anchored at {anchor.at} "
            f"({anchor.hash[:16]}…): the log was rewritten after the anchor was taken")
