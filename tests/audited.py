"""Test set-up that changes rows the store never changes (backdating), through the audited
write path: an ORM `update()` in a Session is caught by `store.integrity` and written into the
audit chain, so `audit-log verify` still passes afterwards (a raw SQL edit would be reported)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session


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
