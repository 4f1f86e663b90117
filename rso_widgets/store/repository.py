"""The store: one transaction per call, and an audit entry in the same transaction as each write.

Assessment versions are immutable: a change is a new version (author, time, reason), and a save
is refused with `ConcurrentEditError` unless it starts from the latest version. The refused text
is kept as the author's draft. Identity is fixed when the store opens (`identity.current_user`,
from the environment); only an administrator may open it acting as someone else (audited). Who
may read or change which record is `policy`; a refusal is `AccessDenied`, audited.

`Store` is composed of one mixin per kind of record over `base.StoreBase` (identity,
transactions, audit log, access checks, row lookups): `persons`, `assessments` (versions,
sign-offs, reviews), `drafts`, `attempts` (practice attempts), `workshops` (cohorts, members,
submissions) with `trainee_view` (a trainee's entry and own workshop in the fewest
transactions); supervision records are `store.supervision` (`Store.supervision`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import db
from .assessments import AssessmentsMixin
from .attempts import PracticeAttemptsMixin
from .base import ENTITY, RULESET_REF, StoreBase
from .convert import _person
from .errors import SchemaVersionError
from .persons import PersonsMixin, delete_person_rows
from .trainee_view import TraineeViewMixin
from .workshops import JOIN_ALPHABET, MAX_ROOM, WORKSHOP_INSTRUMENTS

if TYPE_CHECKING:
    from .supervision import SupervisionStore

__all__ = ["ENTITY", "JOIN_ALPHABET", "MAX_ROOM", "RULESET_REF", "WORKSHOP_INSTRUMENTS", "Store",
           "StoreBase", "_person", "delete_person_rows", "open_store"]


class Store(AssessmentsMixin, PersonsMixin, PracticeAttemptsMixin, TraineeViewMixin,
            StoreBase):
    """Repository over one database. Every method is one transaction."""

    @property
    def supervision(self) -> SupervisionStore:
        """Supervision sessions, observations, diary, goals, teams (acting as this user)."""
        # deferred: the supervision store loads the supervision and calibration packages (about
        # 0.9 s, measured on a loaded machine), which a page that only keeps assessments or runs
        # a workshop never needs
        from .supervision import SupervisionStore

        return SupervisionStore(self)


def open_store(database_url: str | None = None, *, act_as: str | None = None,
               create: bool = True, upgrade: bool = True, script_location: Path | None = None,
               backup_dir: Path | None = None) -> Store:
    """Open the configured database (default: SQLite in the data directory).

    A new database gets the current schema; an older one is backed up (SQLite, into
    `<data_dir>/backups/` unless `backup_dir` is given) and upgraded. With `create=False` a
    missing SQLite file is an error; with `upgrade=False` an out-of-date schema is.
    """
    url = database_url or db.database_url()
    engine = db.make_engine(url, create=create)
    try:
        if upgrade:
            db.upgrade(engine, script_location=script_location, backup_dir=backup_dir)
        else:
            with engine.connect() as conn:
                rev = db.current_revision(conn)
            if rev != db.head_revision(script_location):
                raise SchemaVersionError(
                    f"the database schema is at {rev or 'nothing'}, not "
                    f"{db.head_revision(script_location)}: open it with the app to upgrade it")
        return Store(engine, act_as=act_as)
    except BaseException:
        engine.dispose()
        raise

