"""The room page's store cost per request, pinned (issue 12): each page reads the trainee's
membership, workshop, submissions and drafts in ONE store transaction (`Store.trainee_view`),
however many cases the workshop has; an autosave is that read plus the draft's UPDATE; a join
is one read plus one write. Counted with SQLAlchemy's engine events on the room's own store,
the room's handlers served in this process (`room_inprocess.py`), on SQLite and PostgreSQL.
Also `trainee_view`'s rules: only the member's own user reads through it (another user's
member refused and audited), a membership of another workshop is not found; a submission
clears its draft in the same transaction; a notebook-page workshop's trainee joins here too."""

from __future__ import annotations

import pytest
from audited import audit_log
from identities import open_as
from room_inprocess import RoomServer
from tornado.web import create_signed_value

from rso_widgets.calibration.workshop import draft_key
from rso_widgets.serving.room.session import COOKIE
from rso_widgets.store.errors import AccessDenied, NotFoundError, WorkshopClosed

USER = "room.user"
CASES = ["TC-01", "TC-02", "TC-03", "TC-04", "TC-05", "TC-06"]

#: request → (most transactions, most SQL statements) on either database. SQLite's BEGIN is
#: a statement of its own (sent by the store), PostgreSQL's is not.
BOUNDS = {  # measured before `trainee_view`, six cases: 0, 3, 9, 4, 6, 5, 9, 2 transactions
    "GET room/": (0, 0),  # the join form reads nothing
    "POST join": (2, 11),  # the code and name in one read, then the join
    "GET cases": (1, 4),  # membership and workshop, submissions, every case's draft: one read
    "GET case": (1, 4),
    "POST draft (first)": (2, 11),  # the read, then the insert (the page says "no draft yet":
    # a form without the revision field pays one more, the fast UPDATE finding none)
    "POST draft": (2, 6),  # the read, then the one prepared UPDATE
    "POST draft (revision)": (2, 6),  # the same: the revision is in the UPDATE's WHERE
    "GET status": (1, 4),
    "GET room/ (joined)": (1, 2),  # the membership only
}


def _flow(store, cases: list[str]) -> dict[str, tuple[int, int]]:
    """One trainee's join-to-case-page flow and an autosave; each request's store cost."""
    cohort = store.create_cohort("Counted", cases)
    out: dict[str, tuple[int, int]] = {}
    last: dict[str, str] = {}  # the revision the last autosave answered with
    with RoomServer(store) as srv:
        b = srv.browser()
        steps = [
            ("GET room/", lambda: b.get("")),
            ("POST join", lambda: b.post("join", {"code": cohort.join_code, "name": "Alex"},
                                         allow_redirects=False)),
            ("GET cases", lambda: b.get("cases?welcome=new")),
            ("GET case", lambda: b.get("case/TC-01")),
            ("POST draft (first)", lambda: b.post("case/TC-01/draft", {"mode": "form",
                                                                    "rso_draft": "none"})),
            ("POST draft", lambda: b.post("case/TC-01/draft", {"mode": "form", "sex": "male"})),
            ("POST draft (revision)", lambda: b.post("case/TC-01/draft", {
                "mode": "form", "sex": "female", "rso_draft": last["revision"]})),
            ("GET status", lambda: b.get("status")),
            ("GET room/ (joined)", lambda: b.get("", allow_redirects=False)),
        ]
        for name, request in steps:
            with srv.counting() as n:
                r = request()
            assert r.status_code in (200, 302), (name, r.status_code, r.text[:300])
            out[name] = (n.transactions, n.statements)
            if name.startswith("POST draft"):
                assert r.json()["saved"], (name, r.text)
                last["revision"] = r.json()["revision"]
        assert "In progress" in b.get("cases").text  # the drafts read at once are the right ones
    return out


def test_each_room_request_is_at_most_one_store_read(store_url):
    store = open_as(store_url, user=USER)
    try:
        one = _flow(store, CASES[:1])
        six = _flow(store, CASES)
    finally:
        store.close()
    for name, (most_tx, most_sql) in BOUNDS.items():
        tx, sql = six[name]
        assert tx <= most_tx and sql <= most_sql, (name, six[name], BOUNDS[name])
    assert six == one, "a workshop's store cost per request must not grow with its cases"
    assert sum(tx for tx, _ in six.values()) <= 12  # was 38 before `trainee_view` (11 before
    # the revision-carrying autosave was counted too; 13 before the first draft's revision)


def test_trainee_view_reads_only_the_users_own_membership(store_url):
    trainer = open_as(store_url, user="trainer")
    cohort = trainer.create_cohort("Room", ["TC-01", "TC-02"])
    other_cohort = trainer.create_cohort("Other", ["TC-01"])
    me = open_as(store_url, user=USER)
    member = me.join_cohort(cohort.id, "Alex")
    me.save_draft(draft_key(cohort.id, member.id, "TC-02"), {"kept": True})
    me.submit(cohort.id, member.id, "TC-01", {"facts": {}})
    v = me.trainee_view(cohort.id, member.id)
    assert (v.cohort.id, v.member.id) == (cohort.id, member.id)
    assert [s.case_id for s in v.submissions] == ["TC-01"]
    assert v.drafts["TC-01"] is None and v.drafts["TC-02"].data == {"kept": True}
    only = me.trainee_view(cohort.id, member.id, drafts=["TC-02", "TC-09"], submissions=False)
    assert set(only.drafts) == {"TC-02"} and only.submissions == ()  # TC-09: not its case
    with pytest.raises(NotFoundError):
        me.trainee_view(other_cohort.id, member.id)  # the member is in another workshop
    with pytest.raises(NotFoundError):
        me.trainee_view(cohort.id, 999_999)
    with pytest.raises(AccessDenied):  # the trainer too: a trainer reads the room elsewhere
        trainer.trainee_view(cohort.id, member.id)
    refused = [e for e in audit_log(me) if e.entity == "cohort_member"
               and (e.detail or {}).get("denied")]
    assert refused and refused[-1].user == "trainer" and refused[-1].entity_id == str(member.id)
    # the trainer's own draft under the same key is never read as the trainee's
    trainer.save_draft(draft_key(cohort.id, member.id, "TC-01"), {"trainer": True})
    assert me.trainee_view(cohort.id, member.id).drafts["TC-01"] is None
    for s in (trainer, me):
        s.close()


def test_a_cookie_naming_another_users_membership_asks_to_join(store_url):
    store = open_as(store_url, user=USER)
    cohort = store.create_cohort("Room", ["TC-01"])
    with open_as(store_url, user="someone.else") as other:
        theirs = other.join_cohort(cohort.id, "Sam")
    with RoomServer(store) as srv:
        b = srv.browser()
        b.get("")
        signed = create_signed_value(srv.cookie_secret, COOKIE, f"{cohort.id}:{theirs.id}")
        b.http.cookies.set(COOKIE, signed.decode())
        r = b.get("cases", allow_redirects=False)
        assert r.status_code == 302 and r.headers["Location"].endswith("room/")
        assert "Sam" not in b.get("case/TC-01").text
    store.close()


def test_a_submission_clears_its_draft_in_the_same_transaction(store_url):
    store = open_as(store_url, user=USER)
    cohort = store.create_cohort("Room", ["TC-01"])
    member = store.join_cohort(cohort.id, "Alex")
    key = draft_key(cohort.id, member.id, "TC-01")
    store.save_draft(key, {"facts": {}})
    store.set_cohort_open(cohort.id, False)
    with pytest.raises(WorkshopClosed):  # refused: the answers stay a draft
        store.submit(cohort.id, member.id, "TC-01", {"facts": {}}, clear_draft=key)
    assert store.get_draft(key) is not None
    store.set_cohort_open(cohort.id, True)
    store.submit(cohort.id, member.id, "TC-01", {"facts": {}}, clear_draft=key)
    assert store.get_draft(key) is None
    assert [e.action for e in audit_log(store)[-2:]] == ["create", "delete"]
    store.submit(cohort.id, member.id, "TC-01", {"facts": {}}, clear_draft=key)  # none left
    store.close()


def test_either_page_takes_any_workshops_trainees(store_url):
    """Where trainees join only sizes the pool: a notebook-page workshop's trainee may still
    join on the room page (the widget page's tests join room-page workshops, the default)."""
    store = open_as(store_url, user=USER)
    cohort = store.create_cohort("Notebook room", ["TC-01"], trainee_page="notebook")
    with RoomServer(store) as srv:
        b = srv.browser()
        r = b.post("join", {"code": cohort.join_code, "name": "Alex"})
        assert r.ok and r.url.endswith("cases?welcome=new") and "TC-01" in r.text
    store.close()
