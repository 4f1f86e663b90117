"""The room page's sentencing history (`serving/room/history_forms.py`): one offence a row with
"Add another offence" and "Remove" working without JavaScript, the engine counting the rows as
the widget table's do (`instruments.record.occasions_from_rows`), every problem beside its row
(a date as the Design System says it, an offence not named), a date not real yet kept as typed,
the limit, and the round trip with the widget page both ways. Over HTTP against a real
`rso-workbook serve`, and without a server for the rules."""

from __future__ import annotations

import re

from identities import open_as
from test_room_page import (
    BY_ID,
    CASES,
    RULESET,
    USER,
    Browser,
    counts_form,
    joined,
    stored_draft,
    text,
    workshop,
)

from rso_widgets.apps.workshop_trainee import WorkshopTraineeApp
from rso_widgets.calibration.workshop import submission_parts
from rso_widgets.instruments.record import (
    occasions_from_rows,
    row_for,
    rows_from_occasions,
)
from rso_widgets.instruments.rm2000 import COUNT_FIELDS
from rso_widgets.serving.room import history_forms
from rso_widgets.serving.room.date_input import split

DISPOSALS = ["conviction", "caution"]


def history_form(case_id: str) -> dict[str, str]:
    """The scoring form with the case's record typed as history rows instead of counts."""
    form = {k: v for k, v in counts_form(case_id).items()
            if k not in (*COUNT_FIELDS, "burglary")} | {"count_mode": "history"}
    rows = rows_from_occasions(BY_ID[case_id].occasions())
    for n, row in enumerate(rows, start=1):
        form |= {f"hist{n}_date-{p}": v for p, v in split(row["date"]).items()}
        form[f"hist{n}_name"] = row["offence"]["name"]
        form |= {f"hist{n}_{k}": "yes" for k in ("sexual", "violent", "burglary", "non_contact")
                 if row["offence"][k]}
        form[f"hist{n}_disposal"] = row["disposal"]
    return form


def links(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', page)


# --- the rules, without a server -------------------------------------------------------------

def test_rows_become_occasions_by_date_and_disposal_and_back():
    rows = [{"date": "2020-11-16", "offence": {"name": "A", "sexual": True},
             "disposal": "conviction"},
            {"offence": {"name": "No date"}, "disposal": "conviction"},
            {"date": "2020-11-16", "offence": {"name": "B"}, "disposal": "caution"},
            {"date": "2020-11-16", "offence": {"name": "C"}, "disposal": "conviction"}]
    occasions, row_map = occasions_from_rows(rows)
    assert [([o["name"] for o in occ["offences"]], occ.get("date"), occ["disposal"])
            for occ in occasions] == [(["A", "C"], "2020-11-16", "conviction"),
                                      (["No date"], None, "conviction"),
                                      (["B"], "2020-11-16", "caution")]
    assert row_map == [[0, 3], [1], [2]]
    assert row_for(row_map, ["0", "offences", "1", "name"]) == 3
    assert row_for(row_map, ["1", "date"]) == 1
    assert row_for(row_map, ["7", "date"]) is None and row_for(row_map, ["x"]) is None
    back = rows_from_occasions(occasions)
    assert [r["offence"]["name"] for r in back] == ["A", "C", "No date", "B"]
    assert rows_from_occasions([5, {"offences": ["x"], "date": "2020-01-01"}]) == [
        {"date": "2020-01-01", "offence": {}, "disposal": "conviction"}]  # garbage: skipped


def test_posted_rows_blank_dropped_renumbered_and_the_actions():
    form = {"hist1_name": "Theft", "hist1_date-day": "1", "hist1_date-month": "2",
            "hist1_date-year": "2019", "hist1_disposal": "fine",  # not offered: the first
            "hist2_name": "", "hist2_disposal": "caution",  # blank: dropped
            "hist3_name": "Assault", "hist3_violent": "yes", "hist3_sexual": "no",
            "hist3_date-day": "31", "hist3_date-month": "4", "hist3_date-year": "2019"}
    history, bad = history_forms.posted(form, DISPOSALS)
    assert bad == []
    assert [(r.name, sorted(r.flags), r.disposal) for r in history.rows] == [
        ("Theft", [], "conviction"), ("Assault", ["violent"], "conviction")]
    assert history.typed_dates() == {"hist2_date": {"day": "31", "month": "4",
                                                    "year": "2019"}}  # renumbered
    assert history_forms.problems_of_dates(history) == [
        ("f-hist2_date", "Offence 2 date must be a real date", ("day",))]
    assert history.occasions[0] == {"date": "2019-02-01", "offences": [
        {"name": "Theft", "sexual": False, "violent": False, "burglary": False,
         "non_contact": False}], "disposal": "conviction"}
    assert "date" not in history.occasions[1]
    same, query, anchor = history_forms.act(history, "add:history")
    assert (query, anchor) == ("add=history", "f-hist3_date-day") and same is history
    assert len(history.shown_rows(add=True)) == 3 and len(history.shown_rows()) == 2
    fewer, query, anchor = history_forms.act(history, "remove:history:1")
    assert [r.name for r in fewer.rows] == ["Assault"]
    assert (query, anchor) == ("removed=history", "f-hist1_date-day")
    for crafted in ("remove:history:0", "remove:history:3", "remove:history:x", "add:nothing"):
        assert history_forms.act(history, crafted)[0] is history, crafted
    _, bad = history_forms.posted({"hist1_name": "x" * 300}, DISPOSALS)
    assert bad and bad[0][0] == "f-hist1_name" and "the limit is 200" in bad[0][1]
    many = {f"hist{n}_name": f"Offence {n}" for n in range(1, history_forms.ROWS_MAX + 1)}
    full, _ = history_forms.posted(many, DISPOSALS)
    assert len(full.shown_rows(add=True)) == history_forms.ROWS_MAX  # no row past the limit


def test_stored_history_reads_back_with_a_date_typed_as_typed():
    history, _ = history_forms.posted({"hist1_name": "Theft", "hist1_date-day": "3",
                                       "hist1_date-year": "2019"}, DISPOSALS)
    again = history_forms.stored(history.occasions, history.typed_dates())
    assert again.rows[0].date == {"day": "3", "month": "", "year": "2019"}
    assert again.rows[0].name == "Theft"
    assert history_forms.stored("not a list", {}).rows == []


def test_the_counts_a_history_cannot_give_yet_are_said_once():
    from rso_widgets.calibration.workshop.answers import rm2000_problems
    from rso_widgets.serving.room import forms

    def said(extra: dict[str, str]) -> list[tuple[str, str]]:
        a = forms.parse({"count_mode": "history", "age_mode": "ages", "sex": "male",
                         "age_at_assessment": "40", "age_at_commencement": "38", **extra},
                        RULESET)
        found = forms.problems(a, rm2000_problems(a.facts, a.mode, a.entered, RULESET, None),
                               RULESET)
        return [(p.href, p.message) for p in found if "hist" in p.href or "occ" in p.href]

    assert said({}) == [("f-occasions", "Enter at least one offence in the sentencing "
                                        "history, or choose Enter counts")]
    # a row's own problem first: not the counts (nor burglary) it cannot give yet
    assert said({"hist1_name": "Theft", "hist1_date-year": "19", "hist1_violent": "yes"}) == [
        ("f-hist1_date-day", "Offence 1 date must include a day and month")]


# --- over HTTP -------------------------------------------------------------------------------

def test_a_history_typed_on_the_room_page_is_counted_and_read_on_the_widget_page(served,
                                                                                 trainer):
    c = workshop(trainer, cases=("TC-02",))
    b = joined(served, c.join_code, "History Ann")
    page = b.get("case/TC-02").text
    assert 'value="history"' in page and 'id="f-hist1_date-day"' in page
    assert 'value="add:history"' in page and 'value="remove:history:1"' not in page
    r = b.post("case/TC-02", history_form("TC-02"))
    assert r.url.endswith("check"), text(r)
    check = text(r)
    assert "16 November 2020: Sexual activity with a child (count 1) (sexual), conviction" \
        in check
    assert "12 September 2016: Criminal damage, conviction" in check
    data = stored_draft(served, trainer, c.id, "History Ann", "TC-02")
    assert not set(COUNT_FIELDS) & set(data["facts"])
    assert len(data["facts"]["occasions"]) == 3  # the same day and disposal: one occasion
    with open_as(served.db_url, user=USER) as mine:  # the widget page shows it as its table
        app = WorkshopTraineeApp(mine, CASES, USER, ruleset=RULESET, autosave_seconds=0)
        assert app.join_workshop(c.join_code, "History Ann")
        app.open_case("TC-02")
        assert app.form.count_mode == "history" and len(app.form.history.rows) == 5
        assert app.form.value["occasions"] == data["facts"]["occasions"]
    assert b.post("case/TC-02/check").url.endswith("submitted=TC-02")
    rm, _ = submission_parts(trainer.submissions(c.id)[0].attempt)
    assert rm["facts"]["occasions"] == data["facts"]["occasions"]
    trainer.release_key(c.id)
    feedback = text(b.get("case/TC-02/feedback"))
    assert "Your feedback on TC-02" in feedback


def test_add_another_offence_and_remove_without_javascript(served, trainer):
    c = workshop(trainer, cases=("TC-02",))
    b = joined(served, c.join_code, "History Bea")
    form = {k: v for k, v in history_form("TC-02").items() if not k.startswith("hist")
            or k.startswith("hist1_")}
    r = b.post("case/TC-02", form | {"count_mode": "counts", "rso_action": "add:history"},
               allow_redirects=False)
    assert r.headers["Location"].endswith("case/TC-02?add=history#f-hist2_date-day")
    data = stored_draft(served, trainer, c.id, "History Bea", "TC-02")
    assert len(data["facts"]["occasions"]) == 1  # "Add another offence" chose the history
    page = b.get("case/TC-02?add=history").text
    assert re.search(r'value="history"\s+id="f-count_mode-2"\s*checked', page)
    assert 'value="Criminal damage"' in page and 'id="f-hist2_name"' in page
    assert 'id="f-hist3_name"' not in page
    form |= {"hist2_name": "Theft", "hist2_date-day": "1", "hist2_date-month": "2",
             "hist2_date-year": "2019", "rso_action": "remove:history:1"}
    r = b.post("case/TC-02", form, allow_redirects=False)
    assert r.headers["Location"].endswith("case/TC-02?removed=history#f-hist1_date-day")
    page = b.get("case/TC-02?removed=history").text
    assert 'value="Theft"' in page and 'value="Criminal damage"' not in page
    assert "Offence removed." in page


def test_every_history_problem_beside_its_row_and_a_date_kept_as_typed(served, trainer):
    c = workshop(trainer, cases=("TC-02",))
    b = joined(served, c.join_code, "History Cy")
    form = {k: v for k, v in history_form("TC-02").items() if not k.startswith("hist")}
    form |= {"hist1_name": "Theft", "hist1_date-day": "1", "hist1_date-month": "2",
             "hist1_date-year": "19",
             "hist2_sexual": "yes", "hist2_date-day": "1", "hist2_date-month": "2",
             "hist2_date-year": "2019"}
    r = b.post("case/TC-02", form)
    found = links(r.text)
    assert ("f-hist1_date-year", "Offence 1 date year must include 4 numbers") in found
    assert ("f-hist2_name", "Enter what offence 2 was") in found
    assert not [m for h, m in found if h.startswith("f-hist1_date") and "required" in m]
    assert 'id="f-hist1_date-error"' in r.text and 'id="f-hist2_name-error"' in r.text
    assert 'id="f-hist1_date-year"' in r.text
    data = stored_draft(served, trainer, c.id, "History Cy", "TC-02")
    assert data["typed_dates"] == {"hist1_date": {"day": "1", "month": "2", "year": "19"}}
    page = b.get("case/TC-02").text
    assert re.search(r'id="f-hist1_date-year"[^>]*value="19"', page)


def test_a_widget_page_history_shows_as_rows_on_the_room_page(served, trainer):
    c = workshop(trainer, cases=("TC-02",))
    with open_as(served.db_url, user=USER) as mine:
        app = WorkshopTraineeApp(mine, CASES, USER, ruleset=RULESET, autosave_seconds=0)
        assert app.join_workshop(c.join_code, "History Di")
        app.open_case("TC-02")
        facts = {k: v for k, v in BY_ID["TC-02"].key_facts().model_dump(
            exclude_none=True, mode="json").items() if k not in (*COUNT_FIELDS, "burglary")}
        facts["occasions"] = [o.model_dump(mode="json") for o in BY_ID["TC-02"].occasions()]
        app.form.set_facts(facts, {})
        assert app.save_draft(force=True)
    b = Browser(served)
    b.join(c.join_code, "History Di")
    page = b.get("case/TC-02").text
    assert re.search(r'value="history"\s+id="f-count_mode-2"\s*checked', page)
    names = re.findall(r'id="f-hist\d+_name" name="hist\d+_name" type="text" value="([^"]*)"',
                       page)
    assert names == ["Criminal damage", "Possession of a controlled drug (Class B)",
                     "Sexual activity with a child (count 1)",
                     "Sexual activity with a child (count 2)",
                     "Possession of a controlled drug (Class B)"]
    assert re.search(r'id="f-hist3_sexual"\s*checked', page)
    assert re.search(r'id="f-hist1_date-year"[^>]*value="2016"', page)
