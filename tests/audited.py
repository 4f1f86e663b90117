"""Test set-up that changes rows the store never changes (backdating), through the audited
write path: an ORM `update()` in a Session is caught by `store.integrity` and written into the
audit chain, so `audit-log verify` still passes afterwards (a raw SQL edit would be reported)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session


def audited_update(engine: Engine, model: type[Any], *where: Any, **values: Any) -> None:
    """UPDATE `model` rows matching `where` to `values`, audited like any store write."""
    with Session(engine.execution_options(rso_begin="IMMEDIATE"),
                 info={"rso_user": "test:setup"}) as s, s.begin():
        s.execute(update(model).where(*where).values(**values))
