"""The same store on SQLite and on a real PostgreSQL server (`store_url`, tests/pg_server.py):
drafts survive a writer killed mid-save; supervision and workshop records basics."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from audited import audit_log, verify_log
from identities import open_as, store_as
from pg_server import run_sql
from sqlalchemy.exc import DBAPIError
from supervision_fixtures import days, observation, session

from rso_widgets.store import (
    JoinCodeExpired,
    WorkshopClosed,
)
from rso_widgets.store.supervision import SupervisionStore

# -- drafts survive a killed writer ---------------------------------------------------------------

KEY = "assessment-form:autosave"
WRITER = textwrap.dedent("""
    import os
    import sys
    from rso_widgets.store import open_store
    url, start = sys.argv[1], int(sys.argv[2])
    os.environ["JUPYTERHUB_USER"] = "alice"  # signed in as alice, as her server would be
    store = open_store(url, create=False, upgrade=False)
    n = start
    while True:
        n += 1
        print(f"saving {n}", flush=True)
        store.save_draft(KEY, payload(n))  # the call the forms' debounced autosave makes
        print(f"saved {n}", flush=True)
""")


def payload(n: int) -> dict:
    """A form's worth of typing (about 30 kB), different in every save."""
    return {"n": n, "items": {f"item_{i}": {"rating": (n + i) % 4,
                                             "evidence": f"save {n}, item {i}: " +
                                             "the person described their week. " * 25}
                              for i in range(36)}}


def _writer_source() -> str:
    import inspect

    return (f"KEY = {KEY!r}\n" + inspect.getsource(payload) + WRITER)


def _kill_mid_save(url: str, start: int, after: int) -> int:
    """Run a writer from draft `start`; SIGKILL it just after it starts save number
    `start + after + 1`. Returns the last save it reported as committed."""
    proc = subprocess.Popen([sys.executable, "-c", _writer_source(), url, str(start)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    last_saved = start
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            word, n = line.split()
            if word == "saved":
                last_saved = int(n)
            elif int(n) > start + after:  # "saving n": the transaction is under way
                os.kill(proc.pid, signal.SIGKILL)
                break
        else:
            pytest.fail(f"the writer stopped by itself: {proc.stderr.read()}")
        proc.wait(timeout=30)
        # what it reported before the kill landed: on a busy machine this process may read the
        # pipe after the writer has committed (and said so) once more
        for line in proc.stdout:
            word, n = line.split()
            if word == "saved":
                last_saved = int(n)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return last_saved


def test_draft_survives_a_writer_killed_mid_save(store_url):
    with open_as(store_url, user="alice") as store:
        store.save_draft(KEY, payload(0))
    n = 0
    for round_ in range(2):
        last = _kill_mid_save(store_url, n, after=5 + 3 * round_)
        with open_as(store_url, user="alice", create=False) as store:
            if store.sqlite_path is not None:
                with store.engine.connect() as conn:
                    assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            draft = store.get_draft(KEY)
            assert draft is not None
            # the last committed save: the one reported, or the next if it committed just
            # before the kill (never a mixture, never an older one)
            assert draft.data["n"] in (last, last + 1)
            assert draft.data == payload(draft.data["n"])
            assert verify_log(store).ok
            n = draft.data["n"]
            # nothing is left locked by the dead writer: the next autosave goes through
            again = store.save_draft(KEY, payload(n + 1))
            assert again.data == payload(n + 1)
            n += 1
    with open_as(store_url, user="alice") as store:
        (only,) = store.drafts()
        assert only.data["n"] == n
        creates = [e for e in audit_log(store, 100) if e.entity == "draft"]
        assert [e.action for e in creates] == ["create"]  # autosaves are not audit entries


# -- supervision records -----------------------------------------------------------------------

@pytest.fixture
def as_user(store_url, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.delenv("RSO_TEAM_ADMINS", raising=False)
    from rso_widgets.settings import get_settings

    get_settings.cache_clear()
    base = open_as(store_url, user="admin")
    yield lambda user: SupervisionStore(store_as(base.engine, user=user))
    base.close()
    get_settings.cache_clear()


def test_supervision_records_basics(as_user, store_url):
    lee, sam, alex, pat = (as_user(u) for u in ("lee", "sam", "alex", "pat"))
    team = lee.create_team("North")
    lee.add_team_member(team.id, "alex", supervisor="sam")
    first = sam.create_session(session(held_on=days(-40), notes="Talked it through.", actions=[
        {"text": "Read the desistance paper", "owner": "alex", "due": days(-10)}]))
    assert alex.session(first.id) == first and first.actions[0].status == "open"
    second = sam.create_session(session(held_on=days(-2), follow_ups=[
        {"action_id": first.actions[0].id, "outcome": "done"}]))
    assert [f.outcome for f in second.follow_ups] == ["done"]
    with pytest.raises(DBAPIError, match="append-only"):  # history rows, in the database too
        run_sql(store_url, "UPDATE action_follow_ups SET note = 'rewritten'")
    obs = pat.record_observation(observation(on=days(-5)))
    assert [o.id for o in alex.observations()] == [obs.id]
    entry = alex.write_diary_entry({"prompt": "key_disagreement", "text": "I rated S higher",
                                    "event_on": days(-1)})
    assert alex.share_diary_entry(entry.id, second.id).shared_session_id == second.id
    goal = sam.set_goal(second.id, {"text": "Explain the purpose of each visit",
                                    "measure": "Rated established next time",
                                    "target_on": days(30)})
    done = alex.review_goal(goal.id, {"status": "in_progress", "note": "Practising"})
    assert [h.status for h in done.history] == ["open", "in_progress"]
    assert verify_log(sam.store).ok


# -- workshop cohorts ----------------------------------------------------------------------------

def test_workshop_expiry_release_and_rejoin(store_url):
    with open_as(store_url, user="trainer") as trainer, \
            open_as(store_url, user="trainee") as trainee:
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        c = trainer.create_cohort("Workshop", ["case-01"], expires_at=soon)
        assert trainee.get_cohort(c.id).expires_at == soon  # aware UTC, microseconds kept
        ann = trainee.join_cohort(c.id, "Ann")
        assert trainee.rejoin_cohort(c.id, "Ann") == ann and ann.username == "trainee"
        trainee.submit(c.id, ann.id, "case-01", {"facts": {"sex": "male"}})
        trainer.set_cohort_expiry(c.id, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        with pytest.raises(JoinCodeExpired, match="expired"):
            trainee.join_cohort(c.id, "Bea")
        released = trainer.release_key(c.id)
        assert released.key_released_at is not None
        with pytest.raises(WorkshopClosed, match="released"):
            trainee.submit(c.id, ann.id, "case-01", {})
        assert trainer.cohort_activity(c.id) == (1, 1, trainer.submissions(c.id)[0].id)
        assert verify_log(trainer).ok
