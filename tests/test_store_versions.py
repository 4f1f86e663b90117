"""Assessments are immutable versions; concurrent saves are refused, never overwritten.

Every test runs on SQLite and on a real PostgreSQL server (`store_url`, tests/pg_server.py).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from audited import audit_log, verify_log
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from identities import open_as, store_as, supervised_by
from pg_server import run_sql
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from rso_widgets.store import (
    AccessDenied,
    ConcurrentEditError,
    ImmutableRecordError,
    NotFoundError,
    SignOffError,
    Store,
    StoreError,
)
from rso_widgets.store.models import AssessmentVersion

RULESET = "rm2000-ew-training@1.0.0"


@pytest.fixture
def url(store_url, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    return store_url


@pytest.fixture
def alice(url):
    with open_as(url, user="alice") as s:
        yield s


@pytest.fixture
def bob(url, alice):
    """Alice's supervisor: may open, change and countersign her assessments."""
    supervised_by(alice, "bob")
    with open_as(url, user="bob") as s:
        yield s


def _new(store: Store, data=None):
    person = store.create_person("Fictional Person", fictional=True)
    return store.create_assessment(person.id, "rm2000", data or {"facts": {"n": 0}},
                                   ruleset=RULESET)


def test_create_and_save_versions(alice):
    v1 = _new(alice)
    assert (v1.version, v1.author, v1.reason, v1.ruleset) == (1, "alice", "first version", RULESET)
    v2 = alice.save_version(v1.assessment_id, {"facts": {"n": 1}}, "new conviction", 1)
    assert v2.version == 2 and v2.reason == "new conviction"
    assert [v.data["facts"]["n"] for v in alice.versions(v1.assessment_id)] == [0, 1]
    assert alice.get_version(v1.assessment_id, 1).data == {"facts": {"n": 0}}
    assert alice.get_assessment(v1.assessment_id).latest_version == 2
    person_id = alice.get_assessment(v1.assessment_id).person_id
    assert [a.latest_version for a in alice.assessments_for(person_id)] == [2]


def test_ruleset_ref_taken_from_result_and_validated(alice):
    person = alice.create_person("P", fictional=True)
    v = alice.create_assessment(person.id, "rm2000", {"result": {"ruleset": RULESET}})
    assert v.ruleset == RULESET
    with pytest.raises(ValueError, match="ref like"):
        alice.create_assessment(person.id, "rm2000", {}, ruleset="no version")
    with pytest.raises(ValueError, match="kind"):
        alice.create_assessment(person.id, "oasys", {})
    with pytest.raises(ValueError, match="JSON"):
        alice.create_assessment(person.id, "plan", {"x": {1, 2}})
    with pytest.raises(NotFoundError):
        alice.create_assessment(999, "plan", {})


def test_pydantic_models_are_stored_as_json(alice):
    from pydantic import BaseModel

    class Plan(BaseModel):
        due: dt.date
        actions: list[str]

    person = alice.create_person("P", fictional=True)
    v = alice.create_assessment(person.id, "plan", Plan(due=dt.date(2025, 1, 2), actions=["a"]))
    assert v.data == {"due": "2025-01-02", "actions": ["a"]}


def test_there_is_no_update_path_for_versions(alice, url):
    assert not [n for n in dir(Store) if "update" in n or "edit" in n or "overwrite" in n]
    v1 = _new(alice)
    with Session(alice.engine) as s:  # ORM: refused before any SQL is sent
        row = s.scalar(select(AssessmentVersion).where(AssessmentVersion.id == v1.id))
        row.reason = "rewritten"
        with pytest.raises(ImmutableRecordError, match="new version"):
            s.flush()
    with pytest.raises(DBAPIError, match="append-only"):  # SQL: refused by a trigger
        run_sql(url, "UPDATE assessment_versions SET reason = 'x' WHERE id = :id", id=v1.id)
    assert alice.get_version(v1.assessment_id, 1).data == {"facts": {"n": 0}}


def test_stale_save_is_refused_and_kept_as_draft(alice, bob):
    v1 = _new(alice)
    aid = v1.assessment_id
    alice.save_version(aid, {"facts": {"n": "alice"}}, "alice's change", 1)
    with pytest.raises(ConcurrentEditError) as err:
        bob.save_version(aid, {"facts": {"n": "bob"}}, "bob's change", 1)
    e = err.value
    assert (e.latest_version, e.latest_author, e.expected_version) == (2, "alice", 1)
    msg = str(e)
    assert "alice" in msg and "version 2" in msg and "Nothing was overwritten" in msg
    assert [v.author for v in alice.versions(aid)] == ["alice", "alice"]  # bob's not saved
    draft = bob.get_draft(Store.draft_key(aid))
    assert draft is not None and draft.data == {"facts": {"n": "bob"}}
    assert (draft.base_version, draft.assessment_id, draft.user) == (1, aid, "bob")
    assert alice.get_draft(Store.draft_key(aid)) is None  # drafts are per user
    # bob reapplies on top of version 2: saved, and his draft is cleared
    v3 = bob.save_version(aid, {"facts": {"n": "bob"}}, "bob's change", 2)
    assert v3.version == 3 and bob.get_draft(Store.draft_key(aid)) is None
    with pytest.raises(StoreError, match="no version 7"):
        bob.save_version(aid, {}, "r", 7)


def test_database_constraint_catches_a_race_the_check_missed(alice, monkeypatch):
    """Simulate another process saving between our check and our insert."""
    v1 = _new(alice)
    aid = v1.assessment_id
    alice.save_version(aid, {"facts": {"n": 1}}, "r", 1)
    real = Store._latest_row
    calls = {"n": 0}

    def stale_once(s, assessment_id):
        calls["n"] += 1
        return Store._version_row(s, assessment_id, 1) if calls["n"] == 1 else real(
            s, assessment_id)

    monkeypatch.setattr(Store, "_latest_row", staticmethod(stale_once))
    with pytest.raises(ConcurrentEditError, match="version 2"):
        alice.save_version(aid, {"facts": {"n": "late"}}, "r", 1)
    monkeypatch.undo()
    assert len(alice.versions(aid)) == 2
    assert alice.get_draft(Store.draft_key(aid)).data == {"facts": {"n": "late"}}
    assert verify_log(alice).ok


def test_unique_version_enforced_by_the_database(alice, url):
    v1 = _new(alice)
    with pytest.raises(IntegrityError, match=r"(?i)unique"):
        run_sql(url, "INSERT INTO assessment_versions (assessment_id, version, data, author, "
                "reason, created_at) VALUES (:aid, 1, '{}', 'mallory', 'x', :at)",
                aid=v1.assessment_id, at=dt.datetime(2024, 1, 1))


@pytest.mark.parametrize("shared_engine", [True, False], ids=["one-store", "store-per-thread"])
def test_threads_racing_from_the_same_version(url, shared_engine):
    n = 6
    base = open_as(url, user="setup")
    aid = _new(base).assessment_id
    supervised_by(base, *(f"user{i}" for i in range(n)))
    stores = [store_as(base.engine, user=f"user{i}") if shared_engine
              else open_as(url, user=f"user{i}") for i in range(n)]
    barrier, outcomes = threading.Barrier(n), [None] * n

    def save(i):
        barrier.wait()
        try:
            outcomes[i] = stores[i].save_version(aid, {"by": i}, "race", 1).version
        except ConcurrentEditError as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=save, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [i for i, o in enumerate(outcomes) if o == 2]
    losers = [i for i, o in enumerate(outcomes) if isinstance(o, ConcurrentEditError)]
    assert len(winners) == 1 and len(losers) == n - 1
    assert [v.version for v in base.versions(aid)] == [1, 2]
    for i in losers:
        assert stores[i].get_draft(Store.draft_key(aid)).data == {"by": i}
    assert verify_log(base).ok
    for s in stores:
        if not shared_engine:
            s.close()
    base.close()


def test_sign_and_countersign(alice, bob):
    v1 = _new(alice)
    aid = v1.assessment_id
    with pytest.raises(SignOffError, match="not signed yet"):
        bob.countersign(aid, 1)
    signed = alice.sign(aid, 1)
    assert signed.signed_by == "alice" and signed.signed_at is not None
    with pytest.raises(SignOffError, match="already signed by alice"):
        bob.sign(aid, 1)
    with pytest.raises(AccessDenied, match="supervisor of the assessor"):
        alice.countersign(aid, 1)  # her own: a countersign is her supervisor's
    done = bob.countersign(aid, 1)
    assert (done.signed_by, done.countersigned_by) == ("alice", "bob")
    assert alice.latest_version(aid).countersigned_by == "bob"
    with pytest.raises(SignOffError, match="already countersigned"):
        bob.countersign(aid, 1)
    alice.save_version(aid, {"facts": {"n": 2}}, "update", 1)
    with pytest.raises(SignOffError, match="superseded by version 2"):
        alice.sign(aid, 1)
    assert alice.latest_version(aid).signed_by is None  # a new version needs a new sign-off
    assert alice.versions(aid)[0].countersigned_by == "bob"


def test_review_due(alice):
    a = _new(alice)
    b = _new(alice)
    alice.set_review_due(a.assessment_id, dt.date(2025, 3, 1))
    alice.set_review_due(b.assessment_id, dt.date(2025, 6, 1))
    due = alice.reviews_due(dt.date(2025, 4, 1))
    assert [x.id for x in due] == [a.assessment_id]
    assert alice.set_review_due(a.assessment_id, None).review_due is None


def test_drafts_upsert_per_user_and_key_and_survive_reopening(url, alice):
    alice.save_draft("new:rm2000:1", {"step": 1})
    first = alice.save_draft("new:rm2000:1", {"step": 2})
    alice.close()  # the tab or kernel dies
    with open_as(url, user="alice") as again:
        (draft,) = again.drafts()
        assert draft.data == {"step": 2} and draft.created_at == first.created_at
        assert again.delete_draft("new:rm2000:1") and not again.delete_draft("new:rm2000:1")
        assert again.drafts() == []


def test_person_deletion_removes_everything_and_is_audited(alice):
    v = _new(alice)
    person_id = alice.get_assessment(v.assessment_id).person_id
    alice.sign(v.assessment_id, 1)
    alice.save_draft(Store.draft_key(v.assessment_id), {"x": 1}, assessment_id=v.assessment_id)
    alice.delete_person(person_id, reason="erasure request ref 42")
    with pytest.raises(NotFoundError):
        alice.get_person(person_id)
    with pytest.raises(NotFoundError):
        alice.get_assessment(v.assessment_id)
    assert alice.drafts() == []
    last = audit_log(alice, 1)[0]
    assert (last.action, last.entity, last.entity_id) == ("delete", "person", str(person_id))
    assert last.detail["versions"] == 1 and verify_log(alice).ok


def test_any_sequence_of_saves_keeps_versions_contiguous(url):
    """Property: whatever interleaving of fresh and stale saves, versions stay 1..n."""
    with open_as(url, user="alice") as alice:
        supervised_by(alice, "bob")
        stores = {"alice": alice, "bob": store_as(alice.engine, user="bob")}

        @settings(max_examples=25, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])
        @given(ops=st.lists(st.tuples(st.sampled_from(["alice", "bob"]), st.booleans()),
                            min_size=1, max_size=8))
        def run(ops):
            aid = _new(alice).assessment_id  # a fresh assessment per example
            seen = {"alice": 1, "bob": 1}  # the version each user has open
            latest = 1
            for user, reload_first in ops:
                if reload_first:
                    seen[user] = latest
                try:
                    v = stores[user].save_version(aid, {"by": user, "saw": seen[user]},
                                                  "edit", seen[user])
                except ConcurrentEditError as exc:
                    assert seen[user] < latest and exc.latest_version == latest
                    draft = stores[user].get_draft(Store.draft_key(aid))
                    assert draft.data == {"by": user, "saw": seen[user]}
                    seen[user] = latest  # the user reloads after being told
                else:
                    assert seen[user] == latest
                    latest = seen[user] = v.version
            assert [v.version for v in alice.versions(aid)] == list(range(1, latest + 1))

        run()
        assert verify_log(alice).ok


def test_ruleset_found_in_the_report_payload_convention(alice):
    store = alice
    pid = store.create_person("TC ref", fictional=True).id
    v = store.create_assessment(pid, "arms", {"rm2000": {"result": {"ruleset": "rm2000-x@1.0"}},
                                              "arms": {"catalogue": "arms-y@2"}})
    assert v.ruleset == "rm2000-x@1.0"
    v = store.create_assessment(pid, "arms", {"arms": {"catalogue": "arms-y@2"}})
    assert v.ruleset == "arms-y@2"
