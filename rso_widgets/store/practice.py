"""`SqlPracticeStore`: the `calibration.progress.PracticeStore` protocol on the database.

A `PracticeRecord` is stored as one `practice_attempts` row: the trainee's `attempt` as JSON,
and the rest of the comparison (ruleset, agreement, categories, errors, and the confidence the
assessor marked, when they did) as the feedback JSON.
`import_jsonl` copies the JSON-Lines files of `JsonlPracticeStore` in, without duplicates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select

from ..calibration.progress import PracticeRecord, PracticeSummary, summarise
from . import audit, policy
from .errors import AccessDenied
from .models import PracticeAttempt

if TYPE_CHECKING:
    from .repository import Store

_FEEDBACK_FIELDS = ("record_version", "ruleset", "agrees", "categories", "errors")


@dataclasses.dataclass(frozen=True)
class ImportReport:
    added: int
    duplicates: int
    problems: list[str]

    def __str__(self) -> str:
        return (f"{self.added} attempt(s) imported, {self.duplicates} already present, "
                f"{len(self.problems)} line(s) skipped")


def _utc(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _row(record: PracticeRecord) -> PracticeAttempt:
    data = record.model_dump(mode="json")
    feedback = {k: data[k] for k in _FEEDBACK_FIELDS}
    if data.get("confidence"):  # only when marked, so older rows keep their exact form
        feedback["confidence"] = data["confidence"]
    return PracticeAttempt(username=record.user, case_id=record.case_id,
                           attempt=data["attempt"], feedback=feedback,
                           created_at=_utc(record.at))


def add_own_attempt(store: Store, row: Any, entity: str) -> None:
    """Insert an attempt row of the store's own user (one transaction, audited under
    `entity`); a row under another name is refused (`AccessDenied`, audited)."""
    with store._writing() as s:
        if row.username != store.user:
            raise AccessDenied(f"You may not store a practice attempt under the name "
                               f"{row.username}: attempts are stored under your own.",
                               action="create", entity=entity, entity_id=None,
                               owner=row.username)
        s.add(row)
        s.flush()
        audit.append(s, store.user, "create", entity, row.id, {"case_id": row.case_id})


def _record(row: PracticeAttempt) -> PracticeRecord:
    return PracticeRecord.model_validate({"user": row.username, "case_id": row.case_id,
                                          "at": row.created_at, "attempt": row.attempt,
                                          **(row.feedback or {})})


class SqlPracticeStore:
    """Practice attempts in the workbook database (same methods as `JsonlPracticeStore`)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add_attempt(self, record: PracticeRecord) -> None:
        """Store one attempt of the store's user (one transaction, audited); an attempt under
        another name is refused (`AccessDenied`, audited)."""
        add_own_attempt(self.store, _row(record), "practice_attempt")

    def read(self, user: str) -> tuple[list[PracticeRecord], list[str]]:
        """Every readable attempt of `user`, oldest first, and a message for each unreadable.
        Another user's only as `policy.practice_access` allows (audited; else `AccessDenied`)."""
        records, problems = [], []
        with self.store._reading() as s:
            via = self.store.practice_via(s, user)
            rows = s.scalars(select(PracticeAttempt).where(PracticeAttempt.username == user)
                             .order_by(PracticeAttempt.created_at, PracticeAttempt.id))
            for row in rows:
                try:
                    records.append(_record(row))
                except ValidationError as exc:
                    problems.append(f"practice attempt {row.id} ({row.case_id}) cannot be read "
                                    f"({exc.error_count()} problem(s)) and was skipped")
        self.store._seen("practice_attempt", user, via, attempts=len(records))
        return records, problems

    def attempts(self, user: str, case_id: str | None = None) -> list[PracticeRecord]:
        return [r for r in self.read(user)[0] if case_id is None or r.case_id == case_id]

    def summary(self, user: str) -> PracticeSummary:
        records, problems = self.read(user)
        return summarise(user, records, problems)

    def import_jsonl(self, path: str | Path) -> ImportReport:
        """Import one `<user>.jsonl` file, or every `*.jsonl` in a folder, in one transaction.

        Bad lines are reported and skipped (as the JSON-Lines store does); an attempt already
        present (same user, case, time and content) is not added twice.
        """
        path = Path(path).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist: give a practice .jsonl file or "
                                    "the practice folder")
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        rows, problems = [], []
        for file in files:
            with file.open(encoding="utf-8", errors="replace") as fh:
                for n, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    try:
                        rows.append(_row(PracticeRecord.model_validate(json.loads(line))))
                    except (json.JSONDecodeError, ValidationError) as exc:
                        problems.append(f"{file}: line {n}: skipped ({_why(exc)})")
        added = 0
        with self.store._writing() as s:
            others = sorted({r.username for r in rows} - {self.store.user})
            if others and policy.ADMINISTRATOR not in self.store.roles:
                raise AccessDenied(f"You may not import other people's practice attempts "
                                   f"({', '.join(others[:3])}): only an administrator may.",
                                   action="create", entity="practice_attempt", entity_id=None,
                                   source=path.name)
            for row in rows:
                same = s.scalars(select(PracticeAttempt).where(
                    PracticeAttempt.username == row.username,
                    PracticeAttempt.case_id == row.case_id,
                    PracticeAttempt.created_at == row.created_at))
                if any(_same(x, row) for x in same):
                    continue
                s.add(row)
                s.flush()
                added += 1
            audit.append(s, self.store.user, "create", "practice_attempt", None,
                         {"imported": added, "duplicates": len(rows) - added,
                          "skipped_lines": len(problems), "source": path.name})
        return ImportReport(added, len(rows) - added, problems)


def _same(a: PracticeAttempt, b: PracticeAttempt) -> bool:
    return a.attempt == b.attempt and a.feedback == b.feedback


def _why(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first: dict[str, Any] = dict(exc.errors()[0])
        return f"{'.'.join(str(p) for p in first['loc']) or 'record'}: {first['msg']}"
    return f"not valid JSON: {exc}"
