"""The room page's ARMS evidence notes (`serving/room/arms_forms.py`) without a server: rows read
from a posted form in their order (blank rows dropped, each note's date kept, a bad date or
source not trusted), "Add another note" and "Remove" on the answers (crafted actions change
nothing), the limit, the rows a draft stores (finished notes as evidence, a note with no source
as the widget page's unfinished row) and what the check page lists."""

from __future__ import annotations

import datetime as dt

from rso_widgets.calibration.workshop.answers import restore_parts
from rso_widgets.cases import load_cases
from rso_widgets.instruments.ruleset import load_rm2000_ruleset
from rso_widgets.serving.room import arms_forms
from rso_widgets.serving.room.arms_forms import NOTES_MAX, Note, act, parse

CASE = next(c for c in load_cases() if c.id == "TC-01")
RS = load_rm2000_ruleset()


def blank() -> arms_forms.ArmsAnswers:
    return arms_forms.from_stored(CASE, ("arms",), restore_parts(None), RS)


def test_rows_are_read_in_order_blank_ones_dropped_each_keeping_its_date():
    a = parse(blank(), {
        "arms_R1_ev3_what": "Third", "arms_R1_ev3_source": "records",
        "arms_R1_ev1_what": "First", "arms_R1_ev1_source": "the person",
        "arms_R1_ev1_date": "2025-01-02",
        "arms_R1_ev2_what": "  ", "arms_R1_ev2_source": "records",  # blank: dropped
        "arms_R1_ev4_what": "Bad date", "arms_R1_ev4_source": "records",
        "arms_R1_ev4_date": "yesterday",
        "arms_R1_ev5_what": "Bad source", "arms_R1_ev5_source": "a rumour"})
    assert [n.what for n in a.notes("R1")] == ["First", "Third", "Bad date", "Bad source"]
    ev = a.base.ratings["R1"].evidence
    assert [(e.what, e.source) for e in ev] == [("First", "the person"), ("Third", "records"),
                                                ("Bad date", "records")]
    assert ev[0].date == dt.date(2025, 1, 2)
    on = a.base.assessed_on or dt.date.today()
    assert ev[1].date == ev[2].date == on  # a new note (or one whose date cannot be read)
    assert a.pending == {"R1": [{"what": "Bad source", "source": None, "date": None}]}
    assert [p.field for p in a.entry_problems()] == ["f-arms_R1_ev4_source"]
    assert a.entry_problems()[0].message == "Select where R1 evidence note 4 came from"


def test_add_and_remove_and_crafted_actions():
    a = parse(blank(), {"arms_R2_ev1_what": "One", "arms_R2_ev1_source": "records",
                        "arms_R2_ev2_what": "Two", "arms_R2_ev2_source": "records"})
    assert act(a, "add:R2") == ("add=R2", "f-arms_R2_ev3_what")
    assert [n.what for n in a.shown_notes("R2", add=True)] == ["One", "Two", ""]
    assert [n.what for n in a.shown_notes("R2")] == ["One", "Two"]
    assert [n.what for n in a.shown_notes("R3")] == [""]  # always a row to type in
    assert act(a, "add:R3") == ("add=R3", "f-arms_R3_ev1_what")
    for crafted in ("add:", "add:R99", "remove:R2:0", "remove:R2:3", "remove:R2:x",
                    "remove:R2:-1", "bogus", ""):
        act(a, crafted)
        assert [n.what for n in a.notes("R2")] == ["One", "Two"], crafted
    assert act(a, "remove:R2:2") == ("removed=R2", "f-arms_R2_ev1_what")  # the row before
    assert [e.what for e in a.base.ratings["R2"].evidence] == ["One"]
    assert act(a, "remove:R2:1") == ("removed=R2", "f-arms_R2_ev1_what")
    assert a.notes("R2") == [] and a.base.ratings["R2"].evidence == []


def test_the_limit_of_notes_a_factor():
    form = {f"arms_R3_ev{n}_what": f"Note {n}" for n in range(1, NOTES_MAX + 1)}
    form |= {f"arms_R3_ev{n}_source": "records" for n in range(1, NOTES_MAX + 1)}
    a = parse(blank(), form)
    assert len(a.shown_notes("R3", add=True)) == NOTES_MAX  # no empty row past the limit
    assert act(a, "add:R3") == ("add=R3", f"f-arms_R3_ev{NOTES_MAX}_what")
    more = parse(blank(), form | {"arms_R3_ev11_what": "Typed on the widget page",
                                  "arms_R3_ev11_source": "records"})
    assert len(more.notes("R3")) == NOTES_MAX + 1  # more than the limit: kept, not cut


def test_a_draft_with_notes_reads_back_in_the_same_order_and_check_lists_them():
    a = parse(blank(), {"arms_R1_ev1_what": "Seen <b>", "arms_R1_ev1_source": "home visit",
                        "arms_R1_ev2_what": "Unsourced"})
    again = arms_forms.from_stored(CASE, ("arms",), restore_parts(
        {"arms": a.value, "arms_pending": a.pending}), RS)
    assert again.notes("R1") == [Note("Seen <b>", "home visit", again.notes("R1")[0].date),
                                 Note("Unsourced", "", "")]
    rows = {q: (answer, link) for q, answer, link in again.rows()}
    assert rows["R1 evidence"] == (["Seen <b> (home visit)", "Unsourced (source not chosen)"],
                                   "f-arms_R1_ev1_what")
    assert "R2 evidence" not in rows  # no notes: no row


def test_a_follow_up_date_typed_is_kept_until_a_real_one_is_stored():
    a = parse(blank(), {"arms_R1_fu_due-day": "31", "arms_R1_fu_due-month": "4",
                        "arms_R1_fu_due-year": "2026", "arms_R2_fu_due-day": "1",
                        "arms_R2_fu_due-month": "5", "arms_R2_fu_due-year": "2026"})
    assert a.typed_dates == {"arms_R1_fu_due": {"day": "31", "month": "4", "year": "2026"}}
    assert a.base.ratings["R2"].follow_up.due == dt.date(2026, 5, 1)
    assert [(p.href, p.message) for p in a.entry_problems()] == [
        ("f-arms_R1_fu_due-day", "R1 follow-up date must be a real date")]
    stored = {"arms": a.value, "typed_dates": {**a.typed_dates,
                                               "arms_R2_fu_due": {"day": "9", "month": "",
                                                                  "year": ""}}}
    again = arms_forms.from_stored(CASE, ("arms",), restore_parts(stored), RS)
    assert again.due_parts("R1") == {"day": "31", "month": "4", "year": "2026"}
    assert again.due_parts("R2") == {"day": "1", "month": "5", "year": "2026"}
    assert [p.href for p in again.entry_problems()] == ["f-arms_R1_fu_due-day"]
