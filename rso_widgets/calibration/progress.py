"""Practice attempts per user: a small repository interface and a JSON Lines store.

Every attempt is kept (retries included), one JSON object per line in
`<data_dir>/practice/<user>.jsonl`, appended atomically under a file lock. A damaged line is
reported and skipped, never fatal. `summarise()` is pure, so a database-backed store can reuse it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..cases.schema import TrainingCase
from ..settings import get_settings
from .confidence import ConfidenceSummary, Judged, Level, judged, summarise_confidence
from .feedback import Attempt, ErrorType, Feedback

try:  # POSIX advisory locks; elsewhere appends rely on O_APPEND alone
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


class ErrorRecord(BaseModel):
    row: str
    item: str  # the fact for coding errors, the row id otherwise
    type: ErrorType


class CategoryRecord(BaseModel):
    scale: Literal["S", "V", "C"]
    trainee: str | None
    key: str
    distance: int | None


class PracticeRecord(BaseModel):
    """One stored practice attempt and the outcome of its comparison with the key."""

    model_config = ConfigDict(extra="forbid")

    record_version: Literal[1] = 1
    user: str = Field(min_length=1)
    case_id: str = Field(min_length=1)
    at: dt.datetime
    ruleset: str
    attempt: Attempt
    agrees: bool
    categories: list[CategoryRecord]
    errors: list[ErrorRecord]
    #: how sure the assessor was of each category (issue 16); None for attempts without it
    confidence: dict[Literal["S", "V", "C"], Level] | None = None

    def judged(self) -> list[Judged]:
        """Each category marked with a confidence, and whether it matched the key."""
        return judged(self.confidence, {c.scale: (c.trainee, c.key) for c in self.categories},
                      at=self.at, case_id=self.case_id)


def record_attempt(user: str, case: TrainingCase, attempt: Attempt, feedback: Feedback,
                   at: dt.datetime | None = None,
                   confidence: dict[str, str] | None = None) -> PracticeRecord:
    """Build the record to store for an attempt that has been compared with its case key
    (`confidence`: category → sure / fairly_sure / unsure, as the assessor marked it)."""
    if not user.strip():
        raise ValueError("user: is empty — fix: give the trainee's user name")
    return PracticeRecord(
        user=user, case_id=case.id, at=at or dt.datetime.now(dt.UTC), ruleset=feedback.ruleset,
        attempt=attempt, agrees=feedback.agrees, confidence=confidence or None,
        categories=[CategoryRecord(scale=c.scale, trainee=c.trainee, key=c.key,
                                   distance=c.distance) for c in feedback.categories],
        errors=[ErrorRecord(row=r.id, item=r.fact if r.error == "coding" and r.fact else r.id,
                            type=r.error) for r in feedback.errors() if r.error])


class CaseProgress(BaseModel):
    case_id: str
    attempts: int
    agreed: int
    last_agrees: bool
    first_at: dt.datetime
    last_at: dt.datetime


class AgreementPoint(BaseModel):
    at: dt.datetime
    case_id: str
    attempt_no: int  # 1 for a first try at the case, 2 for the first retry, ...
    agrees: bool
    categories_agreeing: int
    running_rate: float  # share of attempts so far that agreed with the key


class MissedItem(BaseModel):
    item: str
    count: int
    types: dict[str, int]


class PracticeSummary(BaseModel):
    user: str
    attempts: int
    agreement_rate: float | None
    cases: list[CaseProgress]
    over_time: list[AgreementPoint]
    error_types: dict[str, int]
    most_missed: list[MissedItem]
    problems: list[str] = []
    confidence: ConfidenceSummary | None = None  # None: no attempt marked with confidence


class PracticeStore(Protocol):
    """Where practice attempts live. The JSON Lines store below; a database store later."""

    def add_attempt(self, record: PracticeRecord) -> None: ...

    def attempts(self, user: str, case_id: str | None = None) -> list[PracticeRecord]: ...

    def summary(self, user: str) -> PracticeSummary: ...


def summarise(user: str, records: Iterable[PracticeRecord], problems: Iterable[str] = (),
              top: int = 5) -> PracticeSummary:
    """Attempts per case, agreement with the key over time, and the most-missed items."""
    ordered = sorted(records, key=lambda r: r.at)
    per_case: dict[str, list[PracticeRecord]] = defaultdict(list)
    points, agreed = [], 0
    for n, r in enumerate(ordered, 1):
        per_case[r.case_id].append(r)
        agreed += r.agrees
        points.append(AgreementPoint(
            at=r.at, case_id=r.case_id, attempt_no=len(per_case[r.case_id]), agrees=r.agrees,
            categories_agreeing=sum(c.distance == 0 for c in r.categories),
            running_rate=round(agreed / n, 3)))
    missed: dict[str, Counter[str]] = defaultdict(Counter)
    for r in ordered:
        for e in r.errors:
            missed[e.item][e.type] += 1
    ranked = sorted(missed.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:top]
    return PracticeSummary(
        user=user, attempts=len(ordered),
        agreement_rate=round(agreed / len(ordered), 3) if ordered else None,
        cases=[CaseProgress(case_id=cid, attempts=len(rs), agreed=sum(r.agrees for r in rs),
                            last_agrees=rs[-1].agrees, first_at=rs[0].at, last_at=rs[-1].at)
               for cid, rs in sorted(per_case.items())],
        over_time=points,
        error_types=dict(Counter(e.type for r in ordered for e in r.errors)),
        most_missed=[MissedItem(item=item, count=sum(c.values()), types=dict(c))
                     for item, c in ranked],
        problems=list(problems),
        confidence=_confidence(ordered))


def _confidence(records: Sequence[PracticeRecord]) -> ConfidenceSummary | None:
    items = [j for r in records for j in r.judged()]
    return summarise_confidence(items) if items else None


@contextlib.contextmanager
def _locked(fd: int) -> Iterator[None]:
    if fcntl is None:  # pragma: no cover
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


class JsonlPracticeStore:
    """Practice attempts as JSON Lines files, one per user, under `root`."""

    def __init__(self, root: str | Path | None = None):
        if root is None:
            root = get_settings().data_dir / "practice"
        self.root = Path(root)

    def path(self, user: str) -> Path:
        if not user.strip():
            raise ValueError("user: is empty — fix: give the trainee's user name")
        return self.root / f"{quote(user, safe='')}.jsonl"

    def add_attempt(self, record: PracticeRecord) -> None:
        """Append one record as one line, atomically (lock + single append + fsync)."""
        path = self.path(record.user)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = (record.model_dump_json() + "\n").encode("utf-8")
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            with _locked(fd):
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    data = b"\n" + data  # a torn last line must not swallow this record
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
        finally:
            os.close(fd)

    def read(self, user: str) -> tuple[list[PracticeRecord], list[str]]:
        """Every readable record, and a message for each line that could not be read."""
        path = self.path(user)
        if not path.exists():
            return [], []
        records, problems = [], []
        with path.open(encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    records.append(PracticeRecord.model_validate(json.loads(line)))
                except json.JSONDecodeError as exc:
                    problems.append(_bad_line(path, n, f"not valid JSON ({exc.msg})"))
                except ValidationError as exc:
                    first = exc.errors()[0]
                    where = ".".join(str(p) for p in first["loc"]) or "(record)"
                    problems.append(_bad_line(path, n, f"{where}: {first['msg']}"))
        return records, problems

    def attempts(self, user: str, case_id: str | None = None) -> list[PracticeRecord]:
        records, _ = self.read(user)
        return [r for r in records if case_id is None or r.case_id == case_id]

    def problems(self, user: str) -> list[str]:
        return self.read(user)[1]

    def summary(self, user: str) -> PracticeSummary:
        records, problems = self.read(user)
        return summarise(user, records, problems)


def _bad_line(path: Path, n: int, why: str) -> str:
    return (f"{path}: line {n}: {why} — the line was skipped; fix: correct or delete that line "
            "(the other attempts are unaffected)")
