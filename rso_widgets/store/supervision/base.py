"""The shared base of the supervision store: acting user, audit plumbing, lookups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...supervision.models import TeamMemberRecord, TeamRecord
from ...supervision.validation import today_in_england
from .. import policy
from ..errors import AccessDenied, NotFoundError
from ..models import SharingConsent, SupervisionSession, Team, TeamMember
from .records import _stub

if TYPE_CHECKING:
    from ..repository import Store


class SupervisionBase:
    """What every part of `SupervisionStore` shares: the store, the acting user, today,
    the audit plumbing and the roster, consent and session lookups."""

    def __init__(self, store: Store, *, today: Callable[[], dt.date] | None = None) -> None:
        self.store = store
        self._today = today or today_in_england

    @property
    def user(self) -> str:
        """The acting user: the store's identity."""
        return self.store.user

    def today(self) -> dt.date:
        return self._today()

    # -- plumbing ------------------------------------------------------------------------------

    @contextmanager
    def _guard(self, action: str, entity: str, entity_id: int | None) -> Iterator[None]:
        """Audit a refused attempt (in its own transaction), then let `AccessDenied` through."""
        try:
            yield
        except AccessDenied:
            with self.store._writing() as s:
                self.store._audit(s, action, entity, entity_id, denied=True)
            raise

    def _audit(self, s: Session, action: str, entity: str, entity_id: int | None,
               **detail: Any) -> None:
        self.store._audit(s, action, entity, entity_id, **detail)

    @staticmethod
    def _get(s: Session, model: type[Any], row_id: int, what: str) -> Any:
        row = s.get(model, row_id)
        if row is None:
            raise NotFoundError(f"no {what} with id {row_id}: check the id")
        return row

    # -- roster, consent, session and team lookups ---------------------------------------------

    @staticmethod
    def _membership(s: Session, username: str) -> TeamMember | None:
        return s.scalar(select(TeamMember).where(TeamMember.username == username))

    def _assigned_supervisor(self, s: Session, username: str) -> str | None:
        m = self._membership(s, username)
        return m.supervisor if m else None

    def _lead_of(self, s: Session, username: str) -> str | None:
        m = self._membership(s, username)
        return s.get(Team, m.team_id).lead if m else None  # type: ignore[union-attr]

    @staticmethod
    def _consent(s: Session, username: str) -> bool:
        c = s.get(SharingConsent, username)
        return bool(c and c.share_individual)

    def _shared_into(self, session_id: int, model: type[Any], entity: str) -> list[Any]:
        """The `model` rows shared into a session, for its supervisor and assessor only; the
        read is audited under `entity` (a refusal too)."""
        with self._guard("view", entity, None), self.store._writing() as s:
            session = self._session_row(s, session_id)
            if not policy.session_readable(self.user, _stub(session)):
                raise AccessDenied(f"supervision session {session_id} is confidential to its "
                                   "supervisor and assessor")
            rows = list(s.scalars(select(model).where(
                model.shared_session_id == session_id).order_by(model.id)))
            self._audit(s, "view", entity, None, session_id=session_id,
                        ids=[r.id for r in rows])
            return rows

    def _session_row(self, s: Session, session_id: int) -> SupervisionSession:
        return self._get(s, SupervisionSession, session_id, "supervision session")

    @staticmethod
    def _team_record(s: Session, t: Team) -> TeamRecord:
        members = s.scalars(select(TeamMember).where(TeamMember.team_id == t.id)
                            .order_by(TeamMember.username))
        return TeamRecord(id=t.id, name=t.name, lead=t.lead, created_at=t.created_at,
                          members=tuple(TeamMemberRecord(username=m.username,
                                                         supervisor=m.supervisor,
                                                         added_at=m.added_at)
                                        for m in members))
