"""The reflective diary: private entries, shared into supervision by their author."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...supervision.lists import load_supervision_lists
from ...supervision.models import DiaryInput, DiaryRecord
from ...supervision.validation import Problem, diary_problems, parse, raise_if
from ...timefmt import when_text
from .. import policy
from ..errors import AccessDenied, EditConflictError
from ..models import Assessment, DiaryEntry, Observation, SupervisionSession, utcnow
from .base import SupervisionBase
from .records import _diary, _diary_fields


class DiaryMixin(SupervisionBase):
    """The reflective diary: private entries, shared into supervision by their author."""

    def write_diary_entry(self, data: DiaryInput | dict[str, Any]) -> DiaryRecord:
        """A private diary entry by you (shared with nobody until you share it)."""
        inp = parse(DiaryInput, data, "diary entry")
        raise_if(diary_problems(inp, load_supervision_lists(), self.today()), "diary entry")
        with self._guard("create", "diary_entry", None), self.store._writing() as s:
            self._check_diary_links(s, inp)
            row = DiaryEntry(author=self.user, **_diary_fields(inp))
            s.add(row)
            s.flush()
            self._audit(s, "create", "diary_entry", row.id, prompt=row.prompt)
            return _diary(row)

    def update_diary_entry(self, entry_id: int, data: DiaryInput | dict[str, Any], *,
                           expected_version: int) -> DiaryRecord:
        """Edit one of your entries (its author only; sharing is unchanged). `expected_version`
        is the version your edit started from (`DiaryRecord.version`): if the entry has been
        edited since (another page or tab), nothing is overwritten and `EditConflictError`
        says so. The edit is audited (which fields changed, never the words)."""
        inp = parse(DiaryInput, data, "diary entry")
        raise_if(diary_problems(inp, load_supervision_lists(), self.today()), "diary entry")
        with self._guard("change", "diary_entry", entry_id), self.store._writing() as s:
            row = self._own_entry(s, entry_id)
            if row.version != expected_version:
                when = when_text(row.updated_at)
                raise EditConflictError(
                    f"Not saved: your diary entry {entry_id} was changed at {when} (it is now "
                    f"version {row.version}) after you started editing version "
                    f"{expected_version}, perhaps on another page. Nothing was overwritten. "
                    "Copy your new text, open the entry again and reapply your changes.")
            self._check_diary_links(s, inp)
            fields = _diary_fields(inp)
            changed = sorted(k for k, v in fields.items() if getattr(row, k) != v)
            if not changed:
                return _diary(row)
            for k, v in fields.items():
                setattr(row, k, v)
            row.version, row.updated_at = row.version + 1, utcnow()
            self._audit(s, "change", "diary_entry", row.id, fields=changed,
                        version=row.version)
            return _diary(row)

    def share_diary_entry(self, entry_id: int, session_id: int | None) -> DiaryRecord:
        """Share one of your entries into a session where you are the assessor (its supervisor
        can then read it), or withdraw it with `session_id=None`."""
        with self._guard("change", "diary_entry", entry_id), self.store._writing() as s:
            row = self._own_entry(s, entry_id)
            if session_id is not None:
                target = self._session_row(s, session_id)
                if target.assessor != self.user:
                    raise AccessDenied(f"you can share diary entries only into your own "
                                       f"supervision (session {session_id} is not yours as "
                                       "assessor)")
            row.shared_session_id = session_id
            row.updated_at = utcnow()
            self._audit(s, "change", "diary_entry", row.id, shared_session_id=session_id)
            return _diary(row)

    def delete_diary_entry(self, entry_id: int) -> None:
        with self._guard("delete", "diary_entry", entry_id), self.store._writing() as s:
            row = self._own_entry(s, entry_id)
            s.delete(row)
            self._audit(s, "delete", "diary_entry", entry_id)

    def diary_entry(self, entry_id: int) -> DiaryRecord:
        """One entry: its author, or the supervisor of the session it is shared into."""
        with self._guard("view", "diary_entry", entry_id), self.store._writing() as s:
            row = self._get(s, DiaryEntry, entry_id, "diary entry")
            if not self._diary_readable(s, row):
                raise AccessDenied(f"diary entry {entry_id} is private to its author")
            self._audit(s, "view", "diary_entry", row.id)
            return _diary(row)

    def diary(self) -> list[DiaryRecord]:
        """Your diary, newest first (audited)."""
        with self.store._writing() as s:
            rows = list(s.scalars(select(DiaryEntry).where(DiaryEntry.author == self.user)
                                  .order_by(DiaryEntry.created_at.desc(), DiaryEntry.id.desc())))
            self._audit(s, "view", "diary_entry", None, ids=[r.id for r in rows])
            return [_diary(r) for r in rows]

    def shared_diary_entries(self, session_id: int) -> list[DiaryRecord]:
        """Entries shared into a session (its supervisor and assessor; audited)."""
        return [_diary(r) for r in self._shared_into(session_id, DiaryEntry, "diary_entry")]

    def _own_entry(self, s: Session, entry_id: int) -> DiaryEntry:
        row = self._get(s, DiaryEntry, entry_id, "diary entry")
        if not policy.diary_writable(self.user, _diary(row)):
            raise AccessDenied(f"diary entry {entry_id} can be changed only by its author")
        return row

    def _diary_readable(self, s: Session, row: DiaryEntry) -> bool:
        shared = s.get(SupervisionSession, row.shared_session_id) \
            if row.shared_session_id else None
        return policy.diary_readable(self.user, _diary(row),
                                     shared_supervisor=shared.supervisor if shared else None)

    def _check_diary_links(self, s: Session, inp: DiaryInput) -> None:
        problems = []
        if inp.observation_id is not None:
            o = s.get(Observation, inp.observation_id)
            if o is None or self.user not in (o.assessor, o.observer):
                problems.append(Problem("observation_id", f"no observation {inp.observation_id}"
                                        " of yours", "choose an observation you were part of"))
        if inp.assessment_id is not None and s.get(Assessment, inp.assessment_id) is None:
            problems.append(Problem("assessment_id", f"there is no assessment "
                                    f"{inp.assessment_id}", "choose an assessment that exists"))
        raise_if(problems, "diary entry")
