"""Practice progress store: every attempt kept, retries, summary, reload, damaged lines."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from rso_widgets.calibration.feedback import Attempt, compare
from rso_widgets.calibration.progress import (
    JsonlPracticeStore,
    PracticeRecord,
    PracticeStore,
    record_attempt,
)
from rso_widgets.cases import load_cases
from rso_widgets.settings import get_settings

CASES = {c.id: c for c in load_cases()}
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def practise(store: PracticeStore, user: str, case_id: str, minutes: int,
             **changes: Any) -> PracticeRecord:
    case = CASES[case_id]
    facts = case.key_facts().model_dump(exclude_none=True) | changes
    attempt = Attempt.model_validate({"facts": facts})
    record = record_attempt(user, case, attempt, compare(case, attempt),
                            at=T0 + dt.timedelta(minutes=minutes))
    store.add_attempt(record)
    return record


@pytest.fixture()
def store(tmp_path: Path) -> JsonlPracticeStore:
    return JsonlPracticeStore(tmp_path / "practice")


def test_attempts_and_retries_are_all_kept(store: JsonlPracticeStore) -> None:
    practise(store, "asha", "TC-02", 0, sexual_appearances=2)  # miss
    practise(store, "asha", "TC-02", 10)  # retry, right
    practise(store, "asha", "TC-03", 20, stranger_victim=True)
    practise(store, "ben", "TC-01", 5)
    assert len(store.attempts("asha")) == 3
    assert [r.agrees for r in store.attempts("asha", "TC-02")] == [False, True]
    assert [r.case_id for r in store.attempts("ben")] == ["TC-01"]
    first = store.attempts("asha", "TC-02")[0]
    assert [(e.item, e.type) for e in first.errors] == [("sexual_appearances", "coding")]


def test_summary(store: JsonlPracticeStore) -> None:
    practise(store, "asha", "TC-02", 0, sexual_appearances=2)
    practise(store, "asha", "TC-02", 10)
    practise(store, "asha", "TC-12", 20, sexual_appearances=3)
    practise(store, "asha", "TC-05", 30, non_contact=False)
    s = store.summary("asha")
    assert s.attempts == 4 and s.agreement_rate == 0.25
    tc02 = next(c for c in s.cases if c.case_id == "TC-02")
    assert (tc02.attempts, tc02.agreed, tc02.last_agrees) == (2, 1, True)
    assert [p.attempt_no for p in s.over_time] == [1, 2, 1, 1]
    assert [p.running_rate for p in s.over_time] == [0.0, 0.5, 0.333, 0.25]
    assert s.most_missed[0].item == "sexual_appearances" and s.most_missed[0].count == 2
    assert s.error_types == {"coding": 3}
    assert not s.problems


def test_empty_summary(store: JsonlPracticeStore) -> None:
    s = store.summary("nobody")
    assert s.attempts == 0 and s.agreement_rate is None and s.cases == []


def test_survives_reload(store: JsonlPracticeStore) -> None:
    rec = practise(store, "asha", "TC-04", 0)
    again = JsonlPracticeStore(store.root)
    (loaded,) = again.attempts("asha")
    assert loaded == rec
    assert loaded.attempt.facts.commencement_date == dt.date(2024, 8, 2)  # TC-04's release
    assert loaded.attempt.facts.commencement_date == CASES["TC-04"].key.facts.commencement_date


def test_bad_line_reported_not_crashing(store: JsonlPracticeStore) -> None:
    practise(store, "asha", "TC-01", 0)
    with store.path("asha").open("a", encoding="utf-8") as fh:
        fh.write("{this is not json}\n")
        fh.write('{"record_version": 1, "user": "asha"}\n')
        fh.write('{"half a line')  # torn write, no newline
    practise(store, "asha", "TC-02", 10)
    assert [r.case_id for r in store.attempts("asha")] == ["TC-01", "TC-02"]
    problems = store.summary("asha").problems
    assert len(problems) == 3
    assert "line 2: not valid JSON" in problems[0] and "skipped" in problems[0]
    assert "line 3: case_id" in problems[1]
    assert "fix:" in problems[2]


def test_file_is_private_and_names_are_safe(store: JsonlPracticeStore) -> None:
    practise(store, "../escape", "TC-01", 0)
    (path,) = store.root.iterdir()
    assert path.parent == store.root
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.attempts("../escape")[0].user == "../escape"


def test_empty_user_refused(store: JsonlPracticeStore) -> None:
    with pytest.raises(ValueError, match="user"):
        store.path("  ")


def test_default_location_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RSO_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert JsonlPracticeStore().root == tmp_path / "practice"
    finally:
        get_settings.cache_clear()
