"""Practice attempts at training cases: written by the person, read under `policy`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import guard, policy
from .base import StoreBase, _payload, _text
from .convert import _attempt
from .errors import AccessDenied
from .models import PracticeAttempt, utcnow
from .records import PracticeAttemptRecord


class PracticeAttemptsMixin(StoreBase):
    """Training attempts (and their feedback summaries)."""

    def add_practice_attempt(self, case_id: str, attempt: Any, feedback: Any = None, *,
                             created_at: dt.datetime | None = None) -> PracticeAttemptRecord:
        """Store one training attempt (and its feedback summary) of this store's user."""
        row = PracticeAttempt(username=self.user, case_id=_text(case_id, "case_id"),
                              attempt=_payload(attempt, "attempt"),
                              feedback=None if feedback is None else _payload(feedback,
                                                                               "feedback"),
                              created_at=created_at or utcnow())
        with self._writing() as s:
            s.add(row)
            s.flush()
            self._audit(s, "create", "practice_attempt", row.id, case_id=row.case_id)
            return _attempt(row)

    def practice_attempts(self, case_id: str | None = None, *, of: str | None = None
                          ) -> list[PracticeAttemptRecord]:
        """This user's attempts, or `of` another user's if `policy.practice_access` allows
        (audited); optionally at one case, oldest first."""
        user = self.user if of is None else _text(of, "of")
        q = select(PracticeAttempt).where(PracticeAttempt.username == user)
        if case_id is not None:
            q = q.where(PracticeAttempt.case_id == case_id)
        with self._reading() as s:
            via = self.practice_via(s, user)
            out = [_attempt(r) for r in s.scalars(q.order_by(PracticeAttempt.created_at,
                                                             PracticeAttempt.id))]
        self._seen("practice_attempt", user, via, attempts=len(out))
        return out

    def practice_via(self, s: Session, subject: str) -> str:
        """Why this user may read `subject`'s practice attempts (`AccessDenied` if not)."""
        supervisor, lead, consent = ((None, None, False) if subject == self.user
                                     else guard.practice_context(s, subject))
        via = policy.practice_access(self.user, self.roles, subject,
                                     assigned_supervisor=supervisor, lead=lead, consent=consent)
        if via is None:
            raise AccessDenied(f"You may not see {subject}'s practice attempts: only they, "
                               "their supervisor, their team lead (if they agree) and an "
                               "administrator may.", action="view", entity="practice_attempt",
                               entity_id=subject)
        return via

