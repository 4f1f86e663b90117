"""The autosave fast path (`store.autosave`, issue 12): an existing draft is replaced by one
UPDATE in the shortest transaction, on SQLite and PostgreSQL (`store_url`), with the semantics of
the ORM path — a new draft is created and audited, a missing assessment is named, nothing else
is written, the stored JSON is the same, and the SQLite writer queue is held only for it."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest
from audited import audit_log, verify_log
from identities import open_as, store_as
from pg_server import run_sql
from sqlalchemy import event

from rso_widgets.store import NotFoundError, Store

KEY = "arms:autosave"


@pytest.fixture
def alice(store_url):
    with open_as(store_url, user="alice") as s:
        yield s


def statements(store: Store) -> list[str]:
    """The SQL the store's engine sends from now on (a live list)."""
    sent: list[str] = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda conn, cur, sql, params, ctx, many: sent.append(" ".join(sql.split())))
    return sent


def draft_entries(store: Store) -> list[tuple[str, str]]:
    return [(e.action, e.entity) for e in audit_log(store, 1000) if e.entity == "draft"]


def test_an_existing_draft_is_replaced_by_one_update_and_nothing_else(alice, store_url):
    first = alice.save_draft(KEY, {"step": 1})  # created: audited, under the audit head lock
    entries = audit_log(alice, 1000)
    sent = statements(alice)
    second = alice.save_draft(KEY, {"step": 2, "text": "what the person said"})
    writes = [s for s in sent if not s.startswith(("SELECT", "PRAGMA"))]
    expected = ["UPDATE drafts"] if store_url.startswith("postgresql") else [
        "BEGIN IMMEDIATE", "UPDATE drafts"]  # PostgreSQL: the UPDATE is its own transaction
    assert [w[:len(e)] for w, e in zip(writes, expected, strict=True)] == expected
    assert not any(s.startswith("SELECT") for s in sent)  # no read in the transaction
    assert audit_log(alice, 1000) == entries  # an autosave writes no audit entry
    assert second.created_at == first.created_at and second.updated_at > first.updated_at
    assert alice.get_draft(KEY) == second
    assert (second.user, second.key, second.data) == (
        "alice", KEY, {"step": 2, "text": "what the person said"})
    assert verify_log(alice).ok


def test_the_update_is_its_own_transaction_on_postgresql_only(alice, store_url):
    alice.save_draft(KEY, {"step": 1})
    seen: list[bool] = []

    def probe(conn, cur, sql, params, ctx, many):
        if sql.startswith("UPDATE drafts"):
            raw = conn.connection.dbapi_connection
            seen.append(raw.autocommit if store_url.startswith("postgresql")
                        else not raw.in_transaction)  # SQLite: inside BEGIN IMMEDIATE

    event.listen(alice.engine, "before_cursor_execute", probe)
    alice.save_draft(KEY, {"step": 2})
    assert seen == [store_url.startswith("postgresql")]
    if store_url.startswith("postgresql"):
        with alice.engine.connect() as conn:  # the pooled connection is transactional again
            assert not conn.connection.dbapi_connection.autocommit
    person = alice.create_person("Person B (fictional)", fictional=True)  # an ORM write after
    assert alice.get_person(person.id).reference == "Person B (fictional)"


def test_a_new_or_deleted_draft_is_created_and_audited(alice):
    alice.save_draft(KEY, {"step": 1})
    alice.save_draft(KEY, {"step": 2})
    assert alice.delete_draft(KEY)
    again = alice.save_draft(KEY, {"step": 3})  # the UPDATE finds nothing: created again
    assert alice.get_draft(KEY) == again
    assert draft_entries(alice) == [("create", "draft"), ("delete", "draft"),
                                    ("create", "draft")]


def test_a_first_draft_saved_with_its_revision_is_one_transaction(alice):
    """A page that knows there is no draft yet (`expected=ABSENT`: the widget trainee page, the
    room page) creates it in one transaction, the guard's check inside it; without a revision
    the fast UPDATE is tried first (two). Replacing it is one either way."""
    from rso_widgets.store import DraftConflict
    from rso_widgets.store.draft_revision import ABSENT

    begun: list[int] = []
    event.listen(alice.engine, "begin", lambda _conn: begun.append(1))
    first = alice.save_draft(KEY, {"step": 1}, expected=ABSENT)
    assert len(begun) == 1 and alice.get_draft(KEY) == first
    begun.clear()
    second = alice.save_draft(KEY, {"step": 2}, expected=first.updated_at)
    assert len(begun) == 1 and second.updated_at > first.updated_at
    begun.clear()
    with pytest.raises(DraftConflict):  # the guard kept: a second "first" save is refused
        alice.save_draft(KEY, {"step": 3}, expected=ABSENT)
    assert len(begun) == 1 and alice.get_draft(KEY) == second
    begun.clear()
    alice.save_draft("arms:other", {"step": 1})  # no revision: UPDATE finding none, insert
    assert len(begun) == 2
    assert draft_entries(alice) == [("create", "draft"), ("create", "draft")]


def test_drafts_stay_per_user(alice):
    bob = store_as(alice.engine, user="bob")
    alice.save_draft(KEY, {"by": "alice", "n": 1})
    bob.save_draft(KEY, {"by": "bob", "n": 1})
    alice.save_draft(KEY, {"by": "alice", "n": 2})  # replaces alice's draft only
    assert bob.get_draft(KEY).data == {"by": "bob", "n": 1}
    assert alice.get_draft(KEY).data == {"by": "alice", "n": 2}


def test_a_missing_assessment_is_named_and_the_draft_left_as_it_was(alice):
    kept = alice.save_draft(KEY, {"step": 1})
    with pytest.raises(NotFoundError, match="no assessment with id 987654"):
        alice.save_draft(KEY, {"step": 2}, assessment_id=987654, base_version=1)
    assert alice.get_draft(KEY) == kept


def test_assessment_and_base_version_are_kept_with_the_draft(alice):
    person = alice.create_person("Person A (fictional)", fictional=True)
    v = alice.create_assessment(person.id, "plan", {"goals": []})
    key = Store.draft_key(v.assessment_id)
    alice.save_draft(key, {"n": 1}, assessment_id=v.assessment_id, base_version=1)
    saved = alice.save_draft(key, {"n": 2}, assessment_id=v.assessment_id, base_version=1)
    assert alice.get_draft(key) == saved
    assert (saved.assessment_id, saved.base_version) == (v.assessment_id, 1)


def test_the_stored_json_is_what_the_orm_path_stores(alice, store_url):
    data = {"é": "naïve “quotes”", "n": [1, 2.5, None, True], "nested": {"b": 1, "a": 2}}
    alice.save_draft(KEY, data)  # created by the ORM
    (created,) = run_sql(store_url, "SELECT CAST(data AS TEXT) FROM drafts")
    alice.save_draft(KEY, {"other": 1})
    alice.save_draft(KEY, data)  # replaced by the fast path
    (replaced,) = run_sql(store_url, "SELECT CAST(data AS TEXT) FROM drafts")
    assert replaced == created


def _locked(path: Path) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_the_sqlite_writer_queue_is_held_for_the_update_and_released_after(tmp_path):
    with open_as(f"sqlite:///{tmp_path / 'w.sqlite'}", user="alice") as alice:
        alice.save_draft(KEY, {"step": 1})
        path = Path(f"{alice.sqlite_path}-writers.lock")
        seen: list[bool] = []

        def probe(conn, cur, sql, params, ctx, many):
            if sql.startswith("UPDATE drafts"):
                seen.append(_locked(path))

        event.listen(alice.engine, "before_cursor_execute", probe)
        alice.save_draft(KEY, {"step": 2})
        assert seen == [True] and not _locked(path)


def test_two_tabs_creating_the_same_draft_at_once_make_one_audited_draft(alice):
    import threading

    tabs = [store_as(alice.engine, user="alice") for _ in range(4)]  # before the threads
    start, errors = threading.Barrier(len(tabs)), []

    def save(i: int) -> None:
        try:
            start.wait(timeout=60)
            for n in range(5):
                tabs[i].save_draft(KEY, {"tab": i, "n": n})
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(tabs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    (draft,) = alice.drafts()
    assert draft.data["n"] == 4  # the last save of one of the tabs, whole
    assert draft_entries(alice) == [("create", "draft")]
    assert verify_log(alice).ok
