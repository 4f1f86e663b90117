"""The room page's forms the GOV.UK way, over HTTP against a real `rso-workbook serve` (no
browser, no JavaScript): dates as the Design System's date input (three fields, every date's
problem at once in the summary and beside it, only the parts at fault highlighted, a partly
typed date kept as typed through autosave and reload), and ARMS evidence notes with "Add another
note" and "Remove" as plain submit buttons (rows added and removed, the limit, check your
answers listing every note); each round trip with the widget page's stored answers both ways."""

from __future__ import annotations

import re

from identities import open_as
from test_room_page import (
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


def summary_links(page: str) -> list[tuple[str, str]]:
    return [(href, re.sub(r"\s+", " ", label)) for href, label in
            re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', page)]


def input_tag(page: str, input_id: str) -> str:
    found = re.search(rf'<input[^>]*\bid="{re.escape(input_id)}"[^>]*>', page, re.S)
    assert found, input_id
    return found.group(0)


def highlighted(page: str, input_id: str) -> bool:
    return "rso-room-input--error" in input_tag(page, input_id)


# --- dates: the GOV.UK date input ------------------------------------------------------------

def test_a_date_is_three_labelled_fields_in_a_group_with_its_hint(served, trainer):
    c = workshop(trainer)
    b = joined(served, c.join_code, "Date Amy")
    page = b.get("case/TC-02").text
    assert 'type="date"' not in page
    group = re.search(r'<fieldset class="rso-room-fieldset" role="group" '
                      r'aria-describedby="f-date_of_birth-hint">\s*<legend[^>]*>Date of birth'
                      r'</legend>.*?</fieldset>', page, re.S)
    assert group, "the date of birth is a fieldset with its legend and hint"
    block = group.group(0)
    assert "For example, 30 4 1980" in block
    for part, label, width in (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4)):
        assert f'<label class="rso-room-date-input__label" for="f-date_of_birth-{part}">' \
               f"{label}</label>" in block
        tag = input_tag(block, f"f-date_of_birth-{part}")
        assert f'name="date_of_birth-{part}"' in tag and 'type="text"' in tag
        assert 'inputmode="numeric"' in tag and f"rso-room-input--width-{width}" in tag
        # the person's date of birth, not the trainee's: the browser must not fill it in
        assert 'autocomplete="off"' in tag
    for name in ("assessment_date", "commencement_date"):
        assert f'id="f-{name}-day"' in page and f'id="f-{name}-year"' in page
    # Enter in a text input presses Continue (the form's first submit button), never "Add
    # another note"; that first button is out of sight and out of the Tab order
    form = page[page.index('<form method="post" action'):]
    first = re.search(r"<button[^>]*>[^<]*", form).group(0)
    assert 'tabindex="-1"' in first and 'aria-hidden="true"' in first
    assert "Continue to check your answers" in first and "rso_action" not in first


def test_every_date_problem_at_once_each_highlighting_only_its_parts(served, trainer):
    c = workshop(trainer)
    b = joined(served, c.join_code, "Date Bo")
    form = counts_form("TC-02") | {
        "date_of_birth-day": "3", "date_of_birth-month": "", "date_of_birth-year": "1998",
        "assessment_date-day": "31", "assessment_date-month": "4",
        "assessment_date-year": "2026",
        "commencement_date-day": "15", "commencement_date-month": "11",
        "commencement_date-year": "22"}
    r = b.post("case/TC-02", form)
    assert r.url.endswith("case/TC-02") and "<title>Error: " in r.text
    links = summary_links(r.text)
    assert ("f-date_of_birth-month", "Date of birth must include a month") in links
    assert ("f-assessment_date-day", "Assessment date must be a real date") in links
    assert ("f-commencement_date-year",
            "Date of commencement of risk year must include 4 numbers") in links
    # one message a date: the engine's "is needed to work out…" adds nothing to these
    assert not [m for h, m in links if "needed to work out" in m]
    for name, message in (("date_of_birth", "must include a month"),
                          ("assessment_date", "must be a real date"),
                          ("commencement_date", "must include 4 numbers")):
        assert re.search(rf'id="f-{name}-error"[^>]*>.*?{message}', r.text, re.S)
    assert [p for p in ("day", "month", "year") if highlighted(r.text, f"f-date_of_birth-{p}")] \
        == ["month"]
    assert [p for p in ("day", "month", "year")
            if highlighted(r.text, f"f-assessment_date-{p}")] == ["day"]
    assert [p for p in ("day", "month", "year")
            if highlighted(r.text, f"f-commencement_date-{p}")] == ["year"]
    # what was typed is shown again as typed
    assert 'value="31"' in input_tag(r.text, "f-assessment_date-day")
    assert 'value="22"' in input_tag(r.text, "f-commencement_date-year")
    # in the form's order, dates before the counts
    hrefs = [h for h, _ in links]
    assert hrefs.index("f-date_of_birth-month") < hrefs.index("f-assessment_date-day") \
        < hrefs.index("f-commencement_date-year")


def test_a_date_the_engine_refuses_highlights_the_whole_date(served, trainer):
    c = workshop(trainer)
    b = joined(served, c.join_code, "Date Cal")
    form = counts_form("TC-02") | {"date_of_birth-year": "2027"}  # born after the assessment
    r = b.post("case/TC-02", form)
    links = dict(summary_links(r.text))
    assert links.get("f-assessment_date-day") == "Assessment date must be after the date of birth"
    assert all(highlighted(r.text, f"f-assessment_date-{p}") for p in ("day", "month", "year"))
    # all blank while dates are chosen: the engine's sentence, linked to the day
    blank = counts_form("TC-02") | {f"{n}-{p}": "" for n in ("date_of_birth", "assessment_date")
                                    for p in ("day", "month", "year")}
    links = dict(summary_links(b.post("case/TC-02", blank).text))
    assert links.get("f-assessment_date-day", "").startswith("Enter the assessment date")


def test_a_partly_typed_date_survives_autosave_and_reload_and_the_widget_page(served, trainer):
    c = workshop(trainer)
    b = joined(served, c.join_code, "Date Dee")
    form = counts_form("TC-02") | {"date_of_birth-day": "3", "date_of_birth-month": "8",
                                   "date_of_birth-year": "19"}
    assert b.post("case/TC-02/draft", form).json()["saved"]
    data = stored_draft(served, trainer, c.id, "Date Dee", "TC-02")
    assert "date_of_birth" not in data["facts"]  # not a real date: no fact
    assert data["facts"]["assessment_date"] == "2026-02-10"  # real dates: ISO, as before
    assert data["typed_dates"] == {"date_of_birth": {"day": "3", "month": "8", "year": "19"}}
    page = b.get("case/TC-02").text
    assert 'value="19"' in input_tag(page, "f-date_of_birth-year")
    assert 'value="8"' in input_tag(page, "f-date_of_birth-month")
    assert re.search(r'value="dates"\s+id="f-age_mode-2"\s*checked', page)
    # check your answers, opened by its address: the same problem as on Continue
    r = b.get("case/TC-02/check")
    assert ("f-date_of_birth-year", "Date of birth year must include 4 numbers") in \
        summary_links(r.text)
    with open_as(served.db_url, user=USER) as mine:  # the widget page reads the same draft
        app = WorkshopTraineeApp(mine, CASES, USER, ruleset=RULESET, autosave_seconds=0)
        assert app.join_workshop(c.join_code, "Date Dee")
        app.open_case("TC-02")
        assert app.form.value["assessment_date"] == "2026-02-10"
        assert app.form.value.get("date_of_birth") in (None, "")
        facts = {**app.form.value, "date_of_birth": "1998-08-03"}
        app.form.set_facts(facts, {})
        assert app.save_draft(force=True)  # the widget page's draft: ISO dates, as before
    data = stored_draft(served, trainer, c.id, "Date Dee", "TC-02")
    assert data["facts"]["date_of_birth"] == "1998-08-03" and "typed_dates" not in data
    page = b.get("case/TC-02").text
    assert [re.search(r'value="([^"]*)"', input_tag(page, f"f-date_of_birth-{p}")).group(1)
            for p in ("day", "month", "year")] == ["3", "8", "1998"]
    r = b.post("case/TC-02", counts_form("TC-02"))
    assert r.url.endswith("check"), text(r)
    assert "3 August 1998" in text(r) and "10 February 2026" in text(r)
    assert 'href="' in r.text and "#f-date_of_birth-day" in r.text  # Change goes to the day


def test_a_page_from_before_the_date_input_still_sends_its_iso_dates(served, trainer):
    c = workshop(trainer)
    b = joined(served, c.join_code, "Date Eli")
    form = {k: v for k, v in counts_form("TC-02").items() if "-" not in k}
    form |= {"date_of_birth": "1998-08-03", "assessment_date": "2026-02-10",
             "commencement_date": "2022-11-15"}  # one <input type="date"> each, as before
    r = b.post("case/TC-02", form)
    assert r.url.endswith("check"), text(r)
    assert stored_draft(served, trainer, c.id, "Date Eli", "TC-02")["facts"][
        "date_of_birth"] == "1998-08-03"


# --- ARMS evidence notes: add another --------------------------------------------------------

def arms_workshop(trainer, name: str = "Notes room"):
    return trainer.create_cohort(name, ["TC-01"], instruments={"TC-01": ["arms"]})


def note_values(page: str, fid: str) -> list[str]:
    return [html_text for html_text in re.findall(
        rf'<textarea[^>]*id="f-arms_{fid}_ev\d+_what"[^>]*>([^<]*)</textarea>', page)]


def test_add_another_note_and_remove_work_without_javascript(served, trainer):
    c = arms_workshop(trainer)
    b = joined(served, c.join_code, "Notes Eve")
    page = b.get("case/TC-01").text
    assert note_values(page, "R1") == [""]  # one empty row to start
    assert 'name="rso_action" value="add:R1"' in page
    rows = page[page.index('id="f-arms_R1_notes"'):page.index('value="add:R1"')]
    assert "Remove" not in rows  # nothing to remove from one empty row
    form = {"arms_R1_ev1_what": "Said so <at> interview", "arms_R1_ev1_source": "the person",
            "arms_R2_rating": "evident", "rso_action": "add:R1"}
    r = b.post("case/TC-01", form, allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"].endswith("case/TC-01?add=R1#f-arms_R1_ev2_what")
    data = stored_draft(served, trainer, c.id, "Notes Eve", "TC-01")
    assert [e["what"] for e in data["arms"]["ratings"]["R1"]["evidence"]] == \
        ["Said so <at> interview"]
    assert data["arms"]["ratings"]["R2"]["rating"] == "evident"  # the rest kept too
    page = b.get("case/TC-01?add=R1").text
    assert note_values(page, "R1") == ["Said so &lt;at&gt; interview", ""]
    assert 'id="f-arms_R1_ev2_source"' in page
    assert 'value="remove:R1:1"' in page and "Remove<span" in page
    # three notes, then the middle one removed
    form = {"arms_R1_ev1_what": "One", "arms_R1_ev1_source": "the person",
            "arms_R1_ev2_what": "Two", "arms_R1_ev2_source": "records",
            "arms_R1_ev3_what": "Three", "arms_R1_ev3_source": "home visit",
            "rso_action": "remove:R1:2"}
    r = b.post("case/TC-01", form, allow_redirects=False)
    assert r.headers["Location"].endswith("case/TC-01?removed=R1#f-arms_R1_ev2_what")
    page = b.get("case/TC-01?removed=R1").text
    assert note_values(page, "R1") == ["One", "Three"]
    assert "Evidence note removed." in page
    data = stored_draft(served, trainer, c.id, "Notes Eve", "TC-01")
    assert [(e["what"], e["source"]) for e in data["arms"]["ratings"]["R1"]["evidence"]] == \
        [("One", "the person"), ("Three", "home visit")]
    # a crafted action names nothing that exists: the case again, nothing lost
    r = b.post("case/TC-01", form | {"rso_action": "remove:R9:1"}, allow_redirects=False)
    assert r.status_code == 302 and "R9" not in r.headers["Location"]


def test_ten_notes_a_factor_then_a_plain_message(served, trainer):
    c = arms_workshop(trainer, "Ten notes")
    b = joined(served, c.join_code, "Notes Fin")
    form = {f"arms_R3_ev{n}_what": f"Note {n}" for n in range(1, 11)}
    form |= {f"arms_R3_ev{n}_source": "records" for n in range(1, 11)}
    r = b.post("case/TC-01", form | {"rso_action": "add:R3"}, allow_redirects=False)
    assert r.headers["Location"].endswith("#f-arms_R3_ev10_what")
    page = b.get("case/TC-01?add=R3").text
    assert len(note_values(page, "R3")) == 10  # no eleventh row
    assert 'value="add:R3"' not in page and 'value="add:R2"' in page
    assert "You can give up to 10 evidence notes for each factor here" in page


def test_a_note_without_a_source_is_kept_and_must_get_one(served, trainer):
    c = arms_workshop(trainer, "Sources")
    b = joined(served, c.join_code, "Notes Gil")
    form = {"arms_R4_ev1_what": "Has a source", "arms_R4_ev1_source": "records",
            "arms_R4_ev2_what": "No source yet", "arms_R4_ev2_source": ""}
    assert b.post("case/TC-01/draft", form).json()["saved"]
    data = stored_draft(served, trainer, c.id, "Notes Gil", "TC-01")
    # as the widget page keeps an unfinished row
    assert data["arms_pending"] == {"R4": [{"what": "No source yet", "source": None,
                                            "date": None}]}
    assert [e["what"] for e in data["arms"]["ratings"]["R4"]["evidence"]] == ["Has a source"]
    r = b.post("case/TC-01", form)
    links = summary_links(r.text)
    assert ("f-arms_R4_ev2_source", "Select where R4 evidence note 2 came from") in links
    assert 'id="f-arms_R4_ev2_source-error"' in r.text
    assert note_values(r.text, "R4") == ["Has a source", "No source yet"]  # as typed, in order


def test_every_note_typed_on_the_widget_page_shows_and_round_trips(served, trainer):
    from rso_widgets.cases.arms_key import key_assessment

    c = arms_workshop(trainer, "Widget notes")
    key = key_assessment(next(x for x in CASES if x.id == "TC-01"))
    with open_as(served.db_url, user=USER) as mine:
        app = WorkshopTraineeApp(mine, CASES, USER, ruleset=RULESET, autosave_seconds=0)
        assert app.join_workshop(c.join_code, "Notes Hal")
        app.open_case("TC-01")
        rows = [{"what": f"Widget note {n}", "source": "records", "date": "2025-09-0" + str(n)}
                for n in (1, 2, 3)]
        ratings = {fid: fr.model_copy(update={"evidence": []}) for fid, fr in
                   key.ratings.items()}
        value = app.arms.value.model_copy(update={"ratings": ratings})
        app.arms.set_value(value, {"R1": [*rows, {"what": "Unfinished", "source": None,
                                                  "date": None}]})
        assert app.save_draft(force=True)
    b = Browser(served)
    b.join(c.join_code, "Notes Hal")
    page = b.get("case/TC-01").text
    assert note_values(page, "R1") == ["Widget note 1", "Widget note 2", "Widget note 3",
                                       "Unfinished"]
    assert 'name="arms_R1_ev2_date" value="2025-09-02"' in page  # each note keeps its date
    form = {f"arms_{fid}_rating": fr.rating for fid, fr in key.ratings.items()}
    form |= {"arms_R1_ev1_what": "Widget note 1", "arms_R1_ev1_source": "records",
             "arms_R1_ev1_date": "2025-09-01",
             "arms_R1_ev2_what": "Widget note 2 <edited>", "arms_R1_ev2_source": "home visit",
             "arms_R1_ev2_date": "2025-09-02",
             "arms_R1_ev3_what": "Room note", "arms_R1_ev3_source": "the person"}
    r = b.post("case/TC-01", form)
    assert r.url.endswith("check"), text(r)
    check = text(r)
    for note in ("Widget note 1 (records)", "Widget note 2 <edited> (home visit)",
                 "Room note (the person)"):
        assert note in check
    assert "&lt;edited&gt;" in r.text and "<edited>" not in r.text
    with open_as(served.db_url, user=USER) as mine:  # and back on the widget page
        app = WorkshopTraineeApp(mine, CASES, USER, ruleset=RULESET, autosave_seconds=0)
        assert app.join_workshop(c.join_code, "Notes Hal")
        app.open_case("TC-01")
        shown = [(r.what.value, r.source.value, r.date.value.isoformat())
                 for r in app.arms.sections["R1"].evidence.rows]
    assert shown[:2] == [("Widget note 1", "records", "2025-09-01"),
                         ("Widget note 2 <edited>", "home visit", "2025-09-02")]
    assert shown[2][:2] == ("Room note", "the person")
    assert len(shown) == 3
    assert b.post("case/TC-01/check").url.endswith("submitted=TC-01")
    sub = trainer.submissions(c.id)[0].attempt
    assert [e["what"] for e in sub["arms"]["ratings"]["R1"]["evidence"]] == \
        ["Widget note 1", "Widget note 2 <edited>", "Room note"]


def test_a_follow_up_date_is_a_date_input_kept_as_typed(served, trainer):
    c = arms_workshop(trainer, "Follow-up dates")
    b = joined(served, c.join_code, "Notes Ida")
    form = {"arms_R1_rating": "insufficient_information", "arms_R1_fu_what": "Internet use",
            "arms_R1_fu_due-day": "31", "arms_R1_fu_due-month": "11",
            "arms_R1_fu_due-year": "2026"}
    r = b.post("case/TC-01", form)
    assert ("f-arms_R1_fu_due-day", "R1 follow-up date must be a real date") in \
        summary_links(r.text)
    assert highlighted(r.text, "f-arms_R1_fu_due-day")
    assert not highlighted(r.text, "f-arms_R1_fu_due-month")
    data = stored_draft(served, trainer, c.id, "Notes Ida", "TC-01")
    assert data["typed_dates"] == {"arms_R1_fu_due": {"day": "31", "month": "11",
                                                      "year": "2026"}}
    assert data["arms"]["ratings"]["R1"]["follow_up"]["due"] is None
    page = b.get("case/TC-01").text
    assert 'value="31"' in input_tag(page, "f-arms_R1_fu_due-day")
    b.post("case/TC-01", form | {"arms_R1_fu_due-day": "30"})
    data = stored_draft(served, trainer, c.id, "Notes Ida", "TC-01")
    assert data["arms"]["ratings"]["R1"]["follow_up"]["due"] == "2026-11-30"
    assert "typed_dates" not in data
