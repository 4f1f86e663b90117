"""Drafts: each user's autosaved, unsaved edits (only their owner reads them).

A draft's revision is its `updated_at` (microseconds, UTC). A page that shows a draft may carry
that revision and save with `expected=` it: the save is then conditional — made only if the
stored draft still has that revision (`ABSENT`: only if there is no draft yet), in the same one
transaction, else `DraftConflict` and nothing is written. So a second window or device never
silently overwrites what another saved since it loaded (the room page and the widget trainee
page do). `expected=None` is last-write-wins (the other widget pages, and room forms built
before revisions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from .base import StoreBase, _payload, _text
from .convert import _draft
from .draft_revision import ABSENT, Revision, check_revision, next_revision
from .models import Draft, utcnow
from .records import DraftRecord

__all__ = ["ABSENT", "DraftsMixin", "Revision"]


class DraftsMixin(StoreBase):
    """Autosaved drafts of the acting user."""

    @staticmethod
    def draft_key(assessment_id: int) -> str:
        """The draft key used for unsaved edits of an existing assessment."""
        return f"assessment:{assessment_id}"

    def save_draft(self, key: str, data: Any, *, assessment_id: int | None = None,
                   base_version: int | None = None,
                   expected: Revision | None = None) -> DraftRecord:
        """Autosave: insert or replace this user's draft under `key`. Only a draft's creation
        and deletion are audited: autosaves come every few seconds, and versions are the record.
        `expected`: the revision (`updated_at`) the caller's page was built from, or `ABSENT`;
        another found raises `DraftConflict` and nothing is written (None: unconditional)."""
        return self._save_draft(_text(key, "key"), _payload(data), assessment_id, base_version,
                                expected)

    def _save_draft(self, key: str, payload: dict[str, Any], assessment_id: int | None,
                    base_version: int | None, expected: Revision | None) -> DraftRecord:
        # An autosave of an existing draft writes no audit entry: one prepared UPDATE in the
        # shortest transaction (`autosave`), not queueing for the audit head behind every other
        # user's writes (with `expected`, its WHERE also names the revision). Only a new draft,
        # a missing assessment or a conflict (to name the revision found) takes the path below.
        user = self.user  # a draft is always the acting user's own
        now = next_revision(utcnow(), expected)
        if self._drafts.available and expected != ABSENT:
            created = self._drafts.update(user, key, payload, assessment_id, base_version, now,
                                          expected if isinstance(expected, dt.datetime)
                                          else None)
            if created is not None:
                return DraftRecord(user, key, payload, assessment_id, base_version, created, now)
        with self._writing() as s:  # a new draft: created and audited under the head lock
            if assessment_id is not None:
                self._assessment_row(s, assessment_id)
            d = s.scalar(select(Draft).where(Draft.username == user, Draft.key == key)
                         .with_for_update())  # PostgreSQL: the fast path's UPDATE waits
            check_revision(key, d, expected)
            created = d is None
            if d is None:
                d = Draft(username=user, key=key, created_at=now)
                s.add(d)
            d.data, d.assessment_id, d.base_version, d.updated_at = (
                payload, assessment_id, base_version, now)
            s.flush()
            if created:
                self._audit(s, "create", "draft", d.id, assessment_id=assessment_id,
                            base_version=base_version)
            return _draft(d)

    def get_draft(self, key: str) -> DraftRecord | None:
        with self._reading() as s:
            d = s.scalar(select(Draft).where(Draft.username == self.user, Draft.key == key))
            return None if d is None else _draft(d)

    def drafts(self) -> list[DraftRecord]:
        """This user's drafts, most recently saved first."""
        with self._reading() as s:
            return [_draft(d) for d in s.scalars(select(Draft).where(
                Draft.username == self.user).order_by(Draft.updated_at.desc()))]

    def delete_draft(self, key: str) -> bool:
        with self._writing() as s:
            d = s.scalar(select(Draft).where(Draft.username == self.user, Draft.key == key))
            if d is None:
                return False
            s.delete(d)
            self._audit(s, "delete", "draft", d.id)
            return True
