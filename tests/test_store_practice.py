"""Practice attempts (PracticeStore protocol on the database) and workshop cohorts.

Every test runs on SQLite and on a real PostgreSQL server (`store_url`, tests/pg_server.py).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from audited import audit_log, verify_log
from identities import open_as, roles_file

from rso_widgets.calibration.progress import (
    CategoryRecord,
    ErrorRecord,
    JsonlPracticeStore,
    PracticeRecord,
    PracticeStore,
)
from rso_widgets.settings import get_settings
from rso_widgets.store import AccessDenied, DuplicateNameError, NotFoundError, StoreError
from rso_widgets.store.practice import SqlPracticeStore


@pytest.fixture
def store(store_url, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    with open_as(store_url, user="trainer") as s:
        yield s


@pytest.fixture
def trainee(store_url, store):
    with open_as(store_url, user="trainee") as s:
        yield s


@pytest.fixture
def admin(store_url, store, monkeypatch, tmp_path):
    """An administrator named in the roles file (roles are read when a store opens)."""
    roles_file(monkeypatch, tmp_path, administrator=["ops"])
    with open_as(store_url, user="ops") as s:
        assert "administrator" in s.roles
        yield s
    monkeypatch.delenv("RSO_ROLES_FILE")
    get_settings.cache_clear()


def _record(user="trainee", case_id="case-01", minutes=0, agrees=True) -> PracticeRecord:
    return PracticeRecord(
        user=user, case_id=case_id,
        at=dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes),
        ruleset="rm2000-ew-training@1.0.0",
        attempt={"facts": {"sex": "male", "age_at_assessment": 30 + minutes}},
        agrees=agrees,
        categories=[CategoryRecord(scale="S", trainee="medium", key="medium", distance=0)],
        errors=[] if agrees else [ErrorRecord(row="s1", item="sexual_appearances",
                                              type="coding")])


def test_sql_store_implements_the_practice_protocol(trainee):
    store = trainee
    practice: PracticeStore = SqlPracticeStore(store)
    practice.add_attempt(_record(minutes=0, agrees=False))
    practice.add_attempt(_record(minutes=5))
    practice.add_attempt(_record(case_id="case-02", minutes=10))
    with pytest.raises(AccessDenied, match="your own"):  # never under another name
        practice.add_attempt(_record(user="someone-else"))
    refused = audit_log(store, 1)[0]
    assert (refused.user, refused.action, refused.detail) == (
        "trainee", "create", {"denied": True, "owner": "someone-else"})
    got = practice.attempts("trainee")
    assert got == [_record(minutes=0, agrees=False), _record(minutes=5),
                   _record(case_id="case-02", minutes=10)]  # exact round trip
    assert [r.case_id for r in practice.attempts("trainee", "case-02")] == ["case-02"]
    summary = practice.summary("trainee")
    assert summary.attempts == 3 and summary.agreement_rate == pytest.approx(0.667)
    assert [c.case_id for c in summary.cases] == ["case-01", "case-02"]
    assert summary.most_missed[0].item == "sexual_appearances"
    assert verify_log(store).ok and audit_log(store, 1)[0].entity == "practice_attempt"
    assert audit_log(store, 1)[0].action == "create"  # reading one's own is not audited


def test_same_summary_as_the_jsonl_store(trainee, tmp_path):
    jsonl = JsonlPracticeStore(tmp_path / "practice")
    sql = SqlPracticeStore(trainee)
    for r in (_record(minutes=3, agrees=False), _record(minutes=1), _record("x", "case-09")):
        jsonl.add_attempt(r)
        if r.user == trainee.user:
            sql.add_attempt(r)
    assert sql.summary("trainee") == jsonl.summary("trainee")


def test_import_jsonl_migrates_files_once_and_reports_bad_lines(admin, trainee, tmp_path):
    store = admin  # the files hold several people's attempts: an administrator's import
    jsonl = JsonlPracticeStore(tmp_path / "practice")
    for r in (_record(minutes=0), _record(minutes=1, agrees=False), _record("b", "case-02")):
        jsonl.add_attempt(r)
    with jsonl.path("trainee").open("a") as fh:
        fh.write("{not json\n")
        fh.write(json.dumps({"user": "trainee"}) + "\n")
    sql = SqlPracticeStore(store)
    report = sql.import_jsonl(tmp_path / "practice")
    assert (report.added, report.duplicates, len(report.problems)) == (3, 0, 2)
    assert "line 3" in report.problems[0] and "line 4" in report.problems[1]
    assert sql.attempts("trainee") == jsonl.attempts("trainee")
    again = sql.import_jsonl(jsonl.path("trainee"))
    assert (again.added, again.duplicates) == (0, 2)
    assert len(sql.attempts("trainee")) == 2
    imports = [e for e in audit_log(store, 20) if "duplicates" in (e.detail or {})]
    assert imports[-1].detail["duplicates"] == 2
    with pytest.raises(FileNotFoundError, match="does not exist"):
        sql.import_jsonl(tmp_path / "nope.jsonl")
    with pytest.raises(AccessDenied, match="administrator"):  # others' attempts: admins only
        SqlPracticeStore(trainee).import_jsonl(tmp_path / "practice")


def test_cohorts_members_and_submissions(store):
    c = store.create_cohort("March workshop", ["case-01", "case-02"])
    assert len(c.join_code) == 6 and c.is_open and c.created_by == "trainer"
    assert store.cohort_by_code(c.join_code.lower()).id == c.id
    ann = store.join_cohort(c.id, "Ann")
    with pytest.raises(DuplicateNameError, match="already taken"):
        store.join_cohort(c.id, " Ann ")
    other = store.create_cohort("Other", ["case-01"])
    assert store.join_cohort(other.id, "Ann").cohort_id == other.id  # unique per cohort only
    sub = store.submit(c.id, ann.id, "case-01", {"facts": {"sex": "male"}})
    with pytest.raises(ValueError, match="not part of"):
        store.submit(c.id, ann.id, "case-99", {})
    with pytest.raises(NotFoundError):
        store.submit(other.id, ann.id, "case-01", {})
    assert store.submissions(c.id) == [sub]
    assert store.submissions(c.id, case_id="case-02") == []
    assert [m.display_name for m in store.cohort_members(c.id)] == ["Ann"]
    store.set_cohort_open(c.id, False)
    with pytest.raises(StoreError, match="closed"):
        store.join_cohort(c.id, "Bea")
    with pytest.raises(StoreError, match="closed"):
        store.submit(c.id, ann.id, "case-02", {})
    with pytest.raises(DuplicateNameError, match="join code"):
        store.create_cohort("Clash", ["case-01"], join_code=c.join_code)
    with pytest.raises(NotFoundError, match="join code"):
        store.cohort_by_code("ZZZZZZ")
    assert verify_log(store).ok
