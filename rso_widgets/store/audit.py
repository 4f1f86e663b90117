"""Append-only, hash-chained audit log: who created, viewed, changed, exported or deleted what.

Each entry's hash is sha256(previous hash + canonical JSON of the entry). The single `audit_head`
row holds the last sequence number and hash; it is locked by every write transaction, which
serialises writers (PostgreSQL) and lets `verify()` notice entries cut off the end of the log.
Tamper-evident, not tamper-proof: someone able to rewrite the whole chain and the head can hide
an edit, so keep the head hash printed by `rso-workbook audit-log verify` somewhere else too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import StoreError
from .models import AuditEntry, AuditHead, utcnow

GENESIS = "0" * 64
ACTIONS = frozenset({"create", "view", "change", "export", "delete", "sign", "countersign"})


def _default(obj: Any) -> Any:
    if isinstance(obj, dt.datetime | dt.date):
        return obj.isoformat()
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


def canonical(obj: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False, default=_default)


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
           entity_id: int | str | None = None, detail: dict[str, Any] | None = None) -> AuditEntry:
    """Add one chained entry in the caller's transaction. Keep personal data out of `detail`."""
    if action not in ACTIONS:
        raise ValueError(f"audit action {action!r} is not one of {sorted(ACTIONS)}")
    head = lock_head(session)
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
    """Outcome of `verify()`: `first_bad_seq` is the first entry that fails, if any."""

    ok: bool
    entries: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"audit log OK: {self.entries} entries, head {self.head_hash}"
        return f"audit log TAMPERED at entry {self.first_bad_seq}: {self.problem}"


def verify(session: Session) -> VerifyReport:
    """Walk the chain from the start; report the first entry that is missing or altered."""
    prev, expected, count = GENESIS, 1, 0
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)
                           .execution_options(yield_per=1000)).scalars()
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
        prev, expected, count = row.hash, expected + 1, count + 1
    head = session.get(AuditHead, 1)
    if head is None:
        return VerifyReport(False, count, prev, expected, "the audit head row is missing")
    if head.seq != count or head.hash != prev:
        if head.seq > count:
            problem = (f"the log ends at entry {count} but {head.seq} entries were written: "
                       f"entries {count + 1}–{head.seq} were deleted")
        else:
            problem = "the audit head does not match the last entry: the log was rewritten"
        return VerifyReport(False, count, prev, count + 1, problem)
    return VerifyReport(True, count, prev)
