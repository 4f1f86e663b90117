"""Where RM2000 practice attempts are kept: the database (`SqlPracticeStore(open_store())`),
with the interim JSON Lines files of the first release imported into it once, or memory when
the database cannot be opened (the page still works, and says the attempts will be lost)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..calibration.progress import (
    JsonlPracticeStore,
    PracticeRecord,
    PracticeStore,
    PracticeSummary,
    summarise,
)
from ..settings import get_settings
from ..store import open_store
from ..store.practice import SqlPracticeStore

log = logging.getLogger("rso_widgets.apps.practice")

IMPORT_MARKER = ".imported-into-database.json"


class MemoryPracticeStore:
    """A `PracticeStore` that keeps attempts in memory (tests; or when the database cannot be
    opened, so the page still works)."""

    def __init__(self, records: Iterable[PracticeRecord] = ()) -> None:
        self.records: list[PracticeRecord] = list(records)

    def add_attempt(self, record: PracticeRecord) -> None:
        self.records.append(record)

    def attempts(self, user: str, case_id: str | None = None) -> list[PracticeRecord]:
        return [r for r in self.records
                if r.user == user and (case_id is None or r.case_id == case_id)]

    def summary(self, user: str) -> PracticeSummary:
        return summarise(user, self.attempts(user))


# --- the database store, with the interim JSON Lines files imported once ----------------------

def import_interim_files(store: Any, folder: Path, user: str | None = None) -> list[str]:
    """Import `folder/*.jsonl` (the interim file store) into `store` (a `SqlPracticeStore`).

    Idempotent: the store skips attempts it already holds, and a marker file records each file's
    size and time so an unchanged file is not read again. Returns messages for `user`'s own file
    (lines that could not be read); other users' problems are only logged.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    marker = folder / IMPORT_MARKER
    try:
        seen = json.loads(marker.read_text(encoding="utf-8")) if marker.exists() else {}
        if not isinstance(seen, dict):
            seen = {}
    except (OSError, ValueError):
        seen = {}
    own = None
    if user:
        own = JsonlPracticeStore(folder).path(user).name
    messages: list[str] = []
    changed = False
    admin = "administrator" in getattr(getattr(store, "store", None), "roles", ())
    for file in sorted(folder.glob("*.jsonl")):
        if own and file.name != own and not admin:  # others' files: theirs (or an admin's)
            continue
        st = file.stat()
        signature = [st.st_size, st.st_mtime_ns]
        if seen.get(file.name) == signature:
            continue
        try:
            report = store.import_jsonl(file)
        except Exception:  # one unreadable file must not stop the page, nor the other files
            log.exception("could not import the practice file %s", file)
            if file.name == own:
                messages.append("Your earlier practice attempts from before the database could "
                                "not be brought in. Tell the workbook team.")
            continue
        log.info("imported practice file %s: %s", file.name, report)
        for problem in report.problems:
            log.info("practice import: %s", problem)
        if report.problems and file.name == own:
            messages.append(f"{len(report.problems)} of your earlier practice attempts could not "
                            "be read and were left out. Tell the workbook team.")
        seen[file.name] = signature
        changed = True
    if changed:
        try:
            tmp = marker.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(seen, fh)
            os.replace(tmp, marker)
        except OSError:  # the import stays idempotent without the marker
            log.info("could not write %s", marker, exc_info=True)
    return messages


def open_practice_store(user: str | None = None) -> tuple[PracticeStore, list[str]]:
    """The database practice store (`SqlPracticeStore(open_store())`), with the interim JSON
    Lines files imported on first use. Returns the store and messages for the user."""
    store = SqlPracticeStore(open_store())
    try:
        messages = import_interim_files(store, Path(get_settings().data_dir) / "practice", user)
    except Exception:
        log.exception("could not import the interim practice files")
        messages = ["Your earlier practice attempts from before the database could not be "
                    "brought in. Tell the workbook team."]
    return store, messages
