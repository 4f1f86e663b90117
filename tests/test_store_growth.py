"""Issue 16 in the store: ARMS practice attempts kept, confidence stored with an attempt, and
certification records from practice and workshops — confidential to their owner, every read by
anyone else audited, every refusal audited.

Every test runs on SQLite and on a real PostgreSQL server (`store_url`, tests/pg_server.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from identities import open_as, roles_file, store_as

from rso_widgets.calibration.arms_feedback import compare_arms
from rso_widgets.calibration.arms_progress import record_arms_attempt
from rso_widgets.calibration.feedback import Attempt, compare
from rso_widgets.calibration.progress import record_attempt
from rso_widgets.cases import load_cases
from rso_widgets.cases.arms_key import key_assessment
from rso_widgets.settings import get_settings
from rso_widgets.store import AccessDenied
from rso_widgets.store.arms_practice import SqlArmsPracticeStore
from rso_widgets.store.certification import CertificationStore
from rso_widgets.store.practice import SqlPracticeStore

CASES = {c.id: c for c in load_cases()}
ARMS_CASE = next(c for c in CASES.values() if c.arms_key is not None)
T0 = dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC)


@pytest.fixture
def world(store_url, monkeypatch, tmp_path):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    roles_file(monkeypatch, tmp_path, trainer=["tina"], administrator=["ops"])
    with open_as(store_url, user="alice") as alice:
        people = {u: store_as(alice.engine, user=u) for u in ("tina", "bob", "ops")}
        yield alice, people
        for s in people.values():
            s.close()
    get_settings.cache_clear()


def _rm2000(store, case_id: str, minutes: int = 0, confidence=None, **changes):
    case = CASES[case_id]
    facts = case.key_facts().model_dump(exclude_none=True) | changes
    attempt = Attempt.model_validate({"facts": facts})
    record = record_attempt(store.user, case, attempt, compare(case, attempt),
                            at=T0 + dt.timedelta(minutes=minutes), confidence=confidence)
    SqlPracticeStore(store).add_attempt(record)
    return record


def _arms(store, minutes: int = 0):
    assessment = key_assessment(ARMS_CASE)
    fb = compare_arms(ARMS_CASE, assessment)
    record = record_arms_attempt(store.user, ARMS_CASE, assessment, None, fb,
                                 at=T0 + dt.timedelta(minutes=minutes))
    SqlArmsPracticeStore(store).add_attempt(record)
    return record


def _entries(store, entity: str):
    return [e for e in store.audit_entries(10_000) if e.entity == entity]


def test_arms_attempts_are_kept_and_summarised(world):
    alice, _ = world
    first = _arms(alice)
    _arms(alice, minutes=5)
    arms = SqlArmsPracticeStore(alice)
    records = arms.attempts("alice")
    assert [r.case_id for r in records] == [ARMS_CASE.id] * 2
    assert records[0] == first
    summary = arms.summary("alice")
    assert summary.attempts == 2 and summary.cases[0].attempts == 2
    assert [p.attempt_no for p in summary.over_time] == [1, 2]
    assert summary.agreement_rate == 1.0  # the key's own ratings
    assert [e.action for e in _entries(alice, "arms_practice_attempt")] == ["create", "create"]
    assert alice.verify_audit().ok  # the new table is in the tamper evidence


def test_arms_attempts_are_confidential_to_their_owner(world):
    alice, people = world
    _arms(alice)
    with pytest.raises(AccessDenied):
        SqlArmsPracticeStore(people["bob"]).attempts("alice")
    with pytest.raises(AccessDenied):  # never under someone else's name
        SqlArmsPracticeStore(people["bob"]).add_attempt(_arms_record("alice"))
    assert len(SqlArmsPracticeStore(people["ops"]).attempts("alice")) == 1
    views = [e for e in _entries(alice, "arms_practice_attempt") if e.action == "view"]
    assert [(e.user, (e.detail or {}).get("denied"), (e.detail or {}).get("via"))
            for e in views] == [("bob", True, None), ("ops", None, "administrator")]


def _arms_record(user: str):
    assessment = key_assessment(ARMS_CASE)
    return record_arms_attempt(user, ARMS_CASE, assessment, None,
                               compare_arms(ARMS_CASE, assessment), at=T0)


def test_confidence_is_stored_with_the_attempt(world):
    alice, _ = world
    _rm2000(alice, "TC-01", confidence={"S": "sure", "V": "fairly_sure", "C": "unsure"})
    _rm2000(alice, "TC-02")
    first, second = SqlPracticeStore(alice).attempts("alice")
    assert first.confidence == {"S": "sure", "V": "fairly_sure", "C": "unsure"}
    assert second.confidence is None
    summary = SqlPracticeStore(alice).summary("alice")
    assert summary.confidence is not None and summary.confidence.answers == 3


def test_certification_record_from_practice_and_its_readers(world):
    alice, people = world
    for n, cid in enumerate(sorted(CASES)[:10]):
        _rm2000(alice, cid, minutes=n)
    _arms(alice)
    today = T0.date()
    own = CertificationStore(alice, cases=CASES.values()).record(today=today)
    assert own.records["rm2000"].status == "calibrated"
    assert own.records["rm2000"].certified_on == today
    assert own.records["arms"].status == "not enough cases"
    assert own.records["arms"].sources == {"practice": 1}
    assert _entries(alice, "certification") == []  # reading your own is not audited
    seen = CertificationStore(people["tina"], cases=CASES.values()).record("alice", today)
    assert seen.records["rm2000"].status == "calibrated"
    with pytest.raises(AccessDenied):
        CertificationStore(people["bob"], cases=CASES.values()).record("alice", today)
    with pytest.raises(AccessDenied):
        CertificationStore(people["bob"], cases=CASES.values()).everyone(today)
    found = [(e.user, (e.detail or {}).get("via"), (e.detail or {}).get("denied"))
             for e in _entries(alice, "certification")]
    assert found == [("tina", "trainer", None), ("bob", None, True), ("bob", None, True)]


def test_trainer_sees_everyone_and_each_read_is_audited(world):
    alice, people = world
    _rm2000(alice, "TC-01")
    _rm2000(people["bob"], "TC-02")
    everyone = CertificationStore(people["tina"], cases=CASES.values()).everyone(T0.date())
    assert [p.user for p in everyone] == ["alice", "bob"]
    reads = [(e.entity_id, e.detail["via"]) for e in _entries(alice, "certification")]
    assert reads == [("alice", "trainer"), ("bob", "trainer")]


def test_retest_pack_never_holds_a_case_seen_in_practice_or_a_workshop(world):
    alice, people = world
    _rm2000(alice, "TC-01")
    cohort = people["tina"].create_cohort("Refresher", ["TC-02"])
    member = alice.join_cohort(cohort.id, "Alice")
    facts = CASES["TC-02"].key_facts().model_dump(mode="json", exclude_none=True)
    alice.submit(cohort.id, member.id, "TC-02", {"facts": facts})
    certs = CertificationStore(alice, cases=CASES.values())
    before = certs.record(today=dt.date.today())
    assert before.records["rm2000"].sources == {"practice": 1}  # key not yet released
    people["tina"].release_key(cohort.id)
    after = certs.record(today=dt.date.today())
    assert after.records["rm2000"].sources == {"practice": 1, "workshop": 1}
    pack = certs.retest("rm2000", today=dt.date.today())
    assert len(pack) == get_settings().retest_pack_size
    assert not {"TC-01", "TC-02"} & set(pack)


def test_old_arms_attempts_go_with_the_retention_period(world):
    from rso_widgets.store.retention import delete_expired, expired

    alice, people = world
    old = _arms_record("alice").model_copy(
        update={"at": dt.datetime.now(dt.UTC) - dt.timedelta(days=400)})
    SqlArmsPracticeStore(alice).add_attempt(old)
    recent = _arms_record("alice").model_copy(update={"at": dt.datetime.now(dt.UTC)})
    SqlArmsPracticeStore(alice).add_attempt(recent)
    found = [x for x in expired(people["ops"], 365) if x.kind == "arms_practice_attempt"]
    assert len(found) == 1 and found[0].last_activity < recent.at
    delete_expired(people["ops"], 365)
    left = SqlArmsPracticeStore(alice).attempts("alice")
    assert recent in left and old not in left
    assert alice.verify_audit().ok


@pytest.mark.parametrize(("members", "withheld"), [(2, True), (3, False)])
def test_team_lead_sees_counts_above_the_minimum_group_and_consenting_members(
        world, members, withheld):
    alice, people = world
    lee = store_as(alice.engine, user="lee")
    team = lee.supervision.create_team("North")
    names = ["alice", "bob", "cal"][:members]
    stores = {"alice": alice, "bob": people["bob"], "cal": store_as(alice.engine, user="cal")}
    for n, name in enumerate(names):
        lee.supervision.add_team_member(team.id, name)
        _rm2000(stores[name], sorted(CASES)[n])
    alice.supervision.set_consent(True)
    (view,) = CertificationStore(lee, cases=CASES.values()).teams(T0.date())
    assert view.team == "North" and view.members == members and view.min_group == 3
    if withheld:
        assert view.counts["rm2000"] is None
    else:
        assert view.counts["rm2000"]["not enough cases"] == 3
    assert {r.user for r in view.individuals} == {"alice"}  # only she agreed to share
    reads = [(e.user, e.entity_id, e.detail.get("via")) for e in _entries(alice, "certification")]
    assert ("lee", "alice", "team_lead") in reads and ("lee", "North", "team_lead") in reads
    assert not any(entity == "bob" for _, entity, _ in reads)
    for s in (lee, stores["cal"]):
        s.close()
