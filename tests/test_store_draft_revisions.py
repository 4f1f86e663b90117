"""Conditional draft saves (`save_draft(..., expected=revision)`, `submit(..., draft_revision=)`):
a save based on a revision another window or device has since replaced is refused
(`DraftConflict`) and writes nothing, on SQLite and PostgreSQL (`store_url`); the fast path stays
one UPDATE (the revision is in its WHERE), racing tabs from one revision make exactly one save,
and any interleaving of two writers never loses an acknowledged save silently (hypothesis)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from audited import audit_log, verify_log
from hypothesis import given, settings
from hypothesis import strategies as st
from identities import open_as, store_as
from test_store_autosave import statements

from rso_widgets.store import DraftConflict, Store
from rso_widgets.store.draft_revision import ABSENT, next_revision

KEY = "workshop:1:1:TC-01"


@pytest.fixture
def alice(store_url):
    with open_as(store_url, user="alice") as s:
        yield s


def test_a_save_from_the_current_revision_is_one_update_and_advances_it(alice, store_url):
    first = alice.save_draft(KEY, {"n": 1}, expected=ABSENT)  # none yet: created
    entries = audit_log(alice, 1000)
    sent = statements(alice)
    second = alice.save_draft(KEY, {"n": 2}, expected=first.updated_at)
    writes = [s for s in sent if not s.startswith(("SELECT", "PRAGMA"))]
    expected = ["UPDATE drafts"] if store_url.startswith("postgresql") else [
        "BEGIN IMMEDIATE", "UPDATE drafts"]
    assert [w[:len(e)] for w, e in zip(writes, expected, strict=True)] == expected
    assert "AND updated_at = " in writes[-1]  # the check is the UPDATE's own WHERE
    assert not any(s.startswith("SELECT") for s in sent)  # no read on the hot path
    assert second.updated_at > first.updated_at and alice.get_draft(KEY) == second
    assert audit_log(alice, 1000) == entries


def test_a_stale_revision_is_refused_and_nothing_is_written(alice):
    base = alice.save_draft(KEY, {"tab": "A", "n": 0})
    theirs = alice.save_draft(KEY, {"tab": "B"}, expected=base.updated_at)
    entries = audit_log(alice, 1000)
    with pytest.raises(DraftConflict) as refused:
        alice.save_draft(KEY, {"tab": "A", "n": 1}, expected=base.updated_at)
    assert refused.value.changed_at == theirs.updated_at and refused.value.key == KEY
    assert "Nothing was overwritten" in str(refused.value)
    assert alice.get_draft(KEY) == theirs  # the other tab's save, whole
    assert audit_log(alice, 1000) == entries and verify_log(alice).ok


def test_a_draft_created_or_deleted_meanwhile_is_a_conflict(alice):
    alice.save_draft(KEY, {"other": "tab"})  # none when the page loaded; one now
    with pytest.raises(DraftConflict) as refused:
        alice.save_draft(KEY, {"mine": 1}, expected=ABSENT)
    assert refused.value.changed_at is not None
    assert alice.get_draft(KEY).data == {"other": "tab"}
    was = alice.get_draft(KEY).updated_at
    alice.delete_draft(KEY)  # e.g. submitted in another tab
    with pytest.raises(DraftConflict) as refused:
        alice.save_draft(KEY, {"mine": 2}, expected=was)
    assert refused.value.changed_at is None and alice.get_draft(KEY) is None


def test_no_revision_is_last_write_wins_as_before(alice):
    base = alice.save_draft(KEY, {"n": 1})
    alice.save_draft(KEY, {"n": 2}, expected=base.updated_at)
    assert alice.save_draft(KEY, {"n": 3}).data == {"n": 3}  # the widget page's save


def test_drafts_are_per_user_with_revisions_too(alice, store_url):
    mine = alice.save_draft(KEY, {"me": 1})
    with open_as(store_url, user="bob") as bob:
        with pytest.raises(DraftConflict):  # bob has no draft under the key: not alice's
            bob.save_draft(KEY, {"bob": 1}, expected=mine.updated_at)
        bob.save_draft(KEY, {"bob": 1}, expected=ABSENT)
    assert alice.get_draft(KEY) == mine


def test_a_revision_always_advances_even_if_the_clock_does_not():
    t = dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC)
    assert next_revision(t, t) > t and next_revision(t - dt.timedelta(seconds=5), t) > t
    assert next_revision(t, None) == t and next_revision(t, ABSENT) == t
    later = t + dt.timedelta(seconds=1)
    assert next_revision(later, t) == later


def test_submit_is_refused_when_the_draft_changed_since_it_was_checked(alice):
    cohort = alice.create_cohort("Revisions", ["TC-01"])
    member = alice.join_cohort(cohort.id, "Alex")
    key = f"workshop:{cohort.id}:{member.id}:TC-01"
    checked = alice.save_draft(key, {"n": 1})
    now = alice.save_draft(key, {"n": 2}, expected=checked.updated_at)  # another tab
    with pytest.raises(DraftConflict) as refused:
        alice.submit(cohort.id, member.id, "TC-01", {"n": 1}, clear_draft=key,
                     draft_revision=checked.updated_at)
    assert refused.value.changed_at == now.updated_at
    assert alice.submissions(cohort.id) == [] and alice.get_draft(key) == now
    with pytest.raises(DraftConflict):  # none when checked (answers from a submission)
        alice.submit(cohort.id, member.id, "TC-01", {"n": 2}, clear_draft=key,
                     draft_revision=ABSENT)
    alice.submit(cohort.id, member.id, "TC-01", {"n": 2}, clear_draft=key,
                 draft_revision=now.updated_at)
    assert alice.get_draft(key) is None and len(alice.submissions(cohort.id)) == 1
    alice.submit(cohort.id, member.id, "TC-01", {"n": 2}, clear_draft=key,
                 draft_revision=ABSENT)  # the answers shown came from that submission
    assert len(alice.submissions(cohort.id)) == 2


def race(tabs: list[Store], rev: dt.datetime) -> tuple[list, list[int]]:
    """Every tab saves from `rev` at once: the saves made, the tabs refused."""
    start, won, lost, errors = threading.Barrier(len(tabs)), [], [], []

    def save(i: int) -> None:
        try:
            start.wait(timeout=60)
            won.append(tabs[i].save_draft(KEY, {"tab": i}, expected=rev))
        except DraftConflict:
            lost.append(i)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(tabs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    return won, lost


def test_tabs_racing_from_one_revision_make_exactly_one_save(alice):
    base = alice.save_draft(KEY, {"tab": None})
    tabs = [store_as(alice.engine, user="alice") for _ in range(4)]
    for _ in range(3):
        won, lost = race(tabs, base.updated_at)
        assert len(won) == 1 and len(lost) == len(tabs) - 1
        assert alice.get_draft(KEY) == won[0]
        base = won[0]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("AB"), st.sampled_from(["save", "reload"])),
                max_size=14))
def test_two_writers_never_lose_an_acknowledged_save_silently(tmp_path_factory, steps):
    """Two windows, each saving from the revision it last saw (or reloading): the stored draft
    is always the last acknowledged save, and a save is acknowledged only when its window had
    seen every save before it — every other is refused, so no save is overwritten unseen."""
    url = f"sqlite:///{tmp_path_factory.mktemp('two') / 'db.sqlite'}"
    with open_as(url, user="alice") as store:
        seen: dict[str, object] = {"A": ABSENT, "B": ABSENT}
        last: dict | None = None  # the last acknowledged save's data
        for n, (who, step) in enumerate(steps):
            if step == "reload":
                d = store.get_draft(KEY)
                seen[who] = ABSENT if d is None else d.updated_at
                continue
            current = store.get_draft(KEY)
            in_step = (seen[who] == ABSENT) if current is None else (
                seen[who] == current.updated_at)
            data = {"who": who, "n": n}
            try:
                saved = store.save_draft(KEY, data, expected=seen[who])
            except DraftConflict:
                assert not in_step  # refused only what was stale
            else:
                assert in_step  # acknowledged only what saw the latest
                seen[who], last = saved.updated_at, data
            stored = store.get_draft(KEY)
            assert (stored.data if stored else None) == last
