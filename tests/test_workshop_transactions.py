"""The widget trainee page's store cost (`apps/workshop_trainee.py`), pinned as the room page's
is (`test_room_transactions.py`): a join, a rejoin that brings back drafts and submissions, a
refresh (the timer's and "Check for the key": quiet, showing what another window saved and
submitted, noticing the open case changed elsewhere, noticing the key released) and opening a
case each cost a fixed number of store transactions however many cases the workshop has. The
page joins with `Store.enter_cohort` (one read, one write) and reads its submissions and every
case's draft in one `Store.trainee_view`, on joining and on every refresh. Counted with
SQLAlchemy's engine events on the page's own store (`room_inprocess.counting`), no browser, on
SQLite and PostgreSQL. Also: what the person sees after those reads is what the separate reads
showed (drafts and submissions marked in the case list, a draft restored on opening, the key
release noticed), and after a refresh what a rejoin shows (another window's drafts and
submissions); a refresh that finds the open case changed elsewhere writes nothing, nor does
typing after it."""

from __future__ import annotations

from collections.abc import Callable

from identities import open_as
from room_inprocess import counting
from test_workshop import CASES, RULESET, key_facts

from rso_widgets.apps.workshop_trainee import WorkshopTraineeApp
from rso_widgets.calibration.workshop import draft_key

USER = "widget.user"
SIX = ["TC-01", "TC-02", "TC-03", "TC-04", "TC-05", "TC-06"]

#: step → (transactions, most SQL statements) on either database. SQLite's BEGIN is a statement
#: of its own (sent by the store), PostgreSQL's is not. Measured before the page read through
#: `trainee_view`, six cases: join 9 transactions (27 statements on SQLite, 18 on PostgreSQL),
#: rejoin 9 (26, 17): one read per case's draft; every other step as now.
BOUNDS = {
    "join": (3, 15),  # code and name in one read, the join's write, the page's one read
    "rejoin with drafts": (3, 14),  # the same, the rejoin's audited write
    # the timer's tick: the workshop, the member's submissions and drafts re-read in one
    # `trainee_view` (before: the workshop alone, (1, 2), so another window's work went unseen)
    "refresh": (1, 4),
    "check for the key": (1, 4),
    "open a case (draft)": (1, 2),  # the case's draft (the submissions were read on joining)
    "open a case (none)": (1, 2),
    "autosave": (1, 2),  # one edit: the draft's guarded UPDATE
    "submit": (1, 13),  # checked, stored, the draft cleared: one write
    # another window drafted and submitted cases: shown in the case list, still one read
    "refresh (another window's work)": (1, 4),
    "refresh (open case changed elsewhere)": (1, 4),  # told; nothing written
    "typing after that": (0, 0),  # autosave stopped: the other window's draft stays
    "refresh (key released)": (1, 4),  # noticed, feedback shown from what the page holds
}


def page(url: str) -> WorkshopTraineeApp:
    """A fresh window of the widget page (its own kernel's store), not joined yet."""
    return WorkshopTraineeApp(open_as(url, user=USER), CASES, USER, ruleset=RULESET,
                              autosave_seconds=0)


def _flow(url: str, cases: list[str]) -> dict[str, tuple[int, int]]:
    """Join, leave drafts and a submission, rejoin in a new window, refresh, open cases."""
    out: dict[str, tuple[int, int]] = {}

    def count(step: str, app: WorkshopTraineeApp, action: Callable[[], object]) -> None:
        with counting(app.store) as n:
            action()
        out[step] = (n.transactions, n.statements)

    with open_as(url, user="trainer") as trainer:
        cohort = trainer.create_cohort("Counted", cases)
    first, again = page(url), page(url)
    try:
        count("join", first, lambda: first.join_workshop(cohort.join_code, "Alex"))
        assert first.member is not None and not first.drafts and not first.submitted
        drafted, sent = cases[:-1:2] or cases[:1], cases[-1]  # drafts; the last one submitted
        for cid in drafted:
            first.store.save_draft(draft_key(cohort.id, first.member.id, cid),
                                   {"facts": key_facts(cid, criminal_appearances=4),
                                    "entered": None, "mode": "form"})
        if sent not in drafted:
            first.store.submit(cohort.id, first.member.id, sent,
                               {"facts": key_facts(sent), "entered": None})
        count("rejoin with drafts", again, lambda: again.join_workshop(cohort.join_code, "Alex"))
        assert again.drafts == set(drafted) and again.member.id == first.member.id
        assert set(again.submitted) == ({sent} - set(drafted))
        states = dict((cid, label) for label, cid in again.choice.options)
        for cid in cases:
            want = ("submitted" if cid in again.submitted else
                    "draft saved, not submitted" if cid in drafted else "not started")
            assert states[cid].endswith(f"({want})"), (cid, states[cid])
        assert "Welcome back, Alex" in again.status.value
        count("refresh", again, again._tick)
        count("check for the key", again, again.check)
        count("open a case (draft)", again, lambda: again.open_case(drafted[0]))
        assert "recovered from your draft" in again.status.value
        assert again.form.value["criminal_appearances"] == 4
        assert again._revision == again.store.get_draft(
            draft_key(cohort.id, again.member.id, drafted[0])).updated_at  # the guard's base
        blank = next((c for c in cases if c not in drafted and c != sent), None)
        if blank is not None:
            count("open a case (none)", again, lambda: again.open_case(blank))
        else:
            out["open a case (none)"] = out["open a case (draft)"]
        again.open_case(drafted[0])
        count("autosave", again, lambda: again.form.set_facts(key_facts(drafted[0])))
        assert "Draft saved" in again.draft_status.value
        count("submit", again, again.submit)
        assert drafted[0] in again.submitted and drafted[0] not in again.drafts
        # another window (the first, or the room page) drafts and submits the other cases
        for i, cid in enumerate(c for c in cases if c != drafted[0]):
            if i % 2:
                first.store.save_draft(draft_key(cohort.id, first.member.id, cid),
                                       {"facts": key_facts(cid), "entered": None})
            else:
                first.store.submit(cohort.id, first.member.id, cid,
                                   {"facts": key_facts(cid), "entered": None},
                                   clear_draft=draft_key(cohort.id, first.member.id, cid))
        count("refresh (another window's work)", again, again._tick)
        fresh = page(url)
        try:
            fresh.join_workshop(cohort.join_code, "Alex")
            assert again.choice.options == fresh.choice.options  # what a rejoin would show
            assert again.drafts == fresh.drafts and set(again.submitted) == set(
                fresh.submitted)
        finally:
            fresh.store.close()
        assert again.conflict.layout.display == "none" and not again._stale  # not its case
        # the open case's draft saved in another window: told, nothing written
        key = draft_key(cohort.id, first.member.id, drafted[0])
        theirs = first.store.save_draft(key, {"facts": key_facts(drafted[0], sex="female"),
                                              "entered": None})
        count("refresh (open case changed elsewhere)", again, again._tick)
        assert again._stale and "changed in another window" in again.conflict.value
        count("typing after that", again,
              lambda: again.form.set_facts(key_facts(drafted[0], criminal_appearances=5)))
        assert again.form.value["criminal_appearances"] == 5  # on screen, not saved
        assert first.store.get_draft(key) == theirs
        again.open_case(drafted[0])  # the latest answers, saving again
        assert again.form.value["sex"] == "female" and not again._stale
        with open_as(url, user="trainer") as trainer:
            trainer.release_key(cohort.id)
        count("refresh (key released)", again, again._tick)
        assert again.released and "released the key" in again.status.value
        assert f"Your feedback on {drafted[0]}" in again.feedback_head.value
    finally:
        for app in (first, again):
            app.store.close()
    return out


def test_each_widget_page_step_costs_a_fixed_number_of_store_reads(store_url):
    one = _flow(store_url, SIX[:1])
    six = _flow(store_url, SIX)
    for step, (tx, most_sql) in BOUNDS.items():
        got = six[step]
        assert got[0] == tx and got[1] <= most_sql, (step, got, BOUNDS[step])
    assert six == one, "a workshop's store cost per step must not grow with its cases"
    assert sum(tx for tx, _ in six.values()) <= 15  # was 25 with a read per case's draft
