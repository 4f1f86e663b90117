"""Test set-up that changes rows the store never changes (backdating), through the audited
write path: an ORM `update()` in a Session is caught by `store.integrity` and written into the
audit chain, so `audit-log verify` still passes afterwards (a raw SQL edit would be reported).

`audit_log(store)` and `verify_log(store)` read the chain as a test's check, under no
identity: `Store.audit_entries` / `verify_audit` are administrators' operations (and are
audited themselves), which a test checking what another operation wrote must not disturb."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from rso_widgets.store import audit
from rso_widgets.store.models import AuditEntry
from rso_widgets.store.records import AuditRecord


def audited_update(engine: Engine, model: type[Any], *where: Any, **values: Any) -> None:
    """UPDATE `model` rows matching `where` to `values`, audited like any store write."""
    with Session(engine.execution_options(rso_begin="IMMEDIATE"),
                 info={"rso_user": "test:setup"}) as s, s.begin():
        s.execute(update(model).where(*where).values(**values))


@contextmanager
def trigger_lifted(engine: Engine, table: str) -> Iterator[None]:
    """Test set-up only: lift `<table>_no_update` (an append-only table) for the block."""
    name = f"{table}_no_update"
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?",
                                       (name,)).scalar_one()
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
        else:
            sql = (f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION rso_append_only()")
            conn.exec_driver_sql(f"DROP TRIGGER {name} ON {table}")
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(sql)


def audit_log(store: Any, limit: int = 50) -> list[AuditRecord]:
    """The most recent audit entries, oldest first (as `Store.audit_entries` returns them)."""
    from rso_widgets.store.convert import _audit_record

    with Session(store.engine) as s:
        rows = list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())
                              .limit(max(0, limit))))
        return [_audit_record(e) for e in reversed(rows)]


def verify_log(store: Any, anchor: audit.Anchor | None = None) -> audit.VerifyReport:
    """`audit.verify` over the store's database (as `Store.verify_audit` checks it)."""
    with Session(store.engine) as s, s.begin():
        return audit.verify(s, anchor)
