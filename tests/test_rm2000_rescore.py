"""A result scored with the superseded ruleset (1.0.0, 0–3 /C) keeps its label; the form and the
live app show it as recorded, with the ruleset's status, and rescore only when asked, saying
what changed. Domain functions first, then the widgets in plain pytest."""

from __future__ import annotations

import datetime as dt
import re

from rso_widgets.instruments.rm2000 import score
from rso_widgets.instruments.rm2000_rescore import (
    UNKNOWN_STATUS,
    rescore,
    ruleset_status,
    superseded_note,
)
from rso_widgets.instruments.ruleset import load_rm2000_ruleset, load_rm2000_ruleset_ref

OLD = load_rm2000_ruleset_ref("rm2000-ew-training@1.0.0")
NEW = load_rm2000_ruleset()
DAY = dt.date(2025, 10, 6)
# /S Low and /V Medium (violent 2 → 2 points): 0 + 1 = 1 Medium under 1.0.0, 1 + 2 = 3 Low now.
FACTS = {"sex": "male", "age_at_assessment": 61, "age_at_commencement": 56,
         "sexual_offence_aged_17_plus": True, "sexual_appearances": 1,
         "criminal_appearances": 2, "violent_appearances": 2, "burglary": False,
         "male_victim": False, "stranger_victim": False, "non_contact": False, "single": False}


def text(markup: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", markup).replace("&#x27;", "'").split())


def test_rescore_compares_scale_by_scale_and_keeps_the_recorded_result():
    old = score(FACTS, OLD, today=DAY)
    again = rescore(old, ruleset=NEW, today=DAY)
    assert old.ruleset == "rm2000-ew-training@1.0.0" and old.c.category == "Medium"
    assert [c.text() for c in again.scales] == ["/S: Low (no change)", "/V: Medium (no change)",
                                                "/C: Medium → Low"]
    assert again.summary() == "/C: Medium → Low"
    assert again.before is old and old.c.category == "Medium"  # never rewritten


def test_rescore_of_a_not_applicable_result_says_why_not():
    na = score({"sex": "female"}, OLD, today=DAY)
    assert "nothing to rescore" in rescore(na).problem


def test_status_and_superseded_notes():
    assert ruleset_status(NEW.ref) == NEW.provenance.status
    assert "licensed" in ruleset_status(OLD.ref)
    assert ruleset_status("someone-else@9") == UNKNOWN_STATUS
    assert superseded_note(NEW.ref) == ""
    assert "0–3 /C conversion" in superseded_note(OLD.ref)
    assert "not available here" in superseded_note("someone-else@9")


# --- the form ---------------------------------------------------------------------------------

def test_form_shows_the_ruleset_status_with_every_result():
    from rso_widgets.widgets.rm2000_form import RM2000Form

    form = RM2000Form(today=DAY)
    form.set_facts(FACTS)
    form.submit()
    assert f"Ruleset {NEW.ref} ( {NEW.provenance.status} )" in text(form.output.value)


def test_form_shows_a_stored_old_result_as_recorded_and_rescores_only_when_asked():
    from rso_widgets.widgets.rm2000_form import RM2000Form

    form = RM2000Form(today=DAY)
    form.set_facts(FACTS)
    old = score(FACTS, OLD, today=DAY)
    form.show_stored(old)
    assert form.result is old  # not re-scored
    shown = text(form.output.value)
    assert "rm2000-ew-training@1.0.0" in shown and "0 + 1 = 1 points" in shown
    offer = form.rescore_offer
    assert offer.layout.display != "none" and offer.button.description.endswith(NEW.ref)
    said = text(offer.explain.value)
    assert "shown as it was recorded" in said and "0–3 /C conversion" in said
    assert "/C Medium Low changes" in said and "/S Low Low no change" in said

    offer.button.click()
    assert form.result.ruleset == NEW.ref and form.result.c.category == "Low"
    assert "What changed: /C: Medium → Low" in text(offer.done.value)
    assert offer.button.layout.display == "none"


def test_form_editing_an_answer_withdraws_the_offer():
    from rso_widgets.widgets.rm2000_form import RM2000Form

    form = RM2000Form(today=DAY)
    form.set_facts(FACTS)
    form.show_stored(score(FACTS, OLD, today=DAY))
    form.set_facts({**FACTS, "violent_appearances": 1})
    form._on_input()
    assert form.result is None and form.rescore_offer.layout.display == "none"


def test_form_shows_a_current_result_without_an_offer():
    from rso_widgets.widgets.rm2000_form import RM2000Form

    form = RM2000Form(today=DAY)
    form.set_facts(FACTS)
    form.show_stored(score(FACTS, NEW, today=DAY))
    assert form.rescore_offer.layout.display == "none"


# --- the live app -----------------------------------------------------------------------------

def test_live_app_opens_an_old_version_as_recorded_and_rescores_a_reassessment_on_request(
        data_dir):
    from test_live_assessment import live_app, saved_v1

    from rso_widgets.reports.payload import read_payload

    app = saved_v1(live_app())
    aid = app.assessment_id
    latest = app.store.latest_version(aid)
    old = score(FACTS, OLD, today=DAY)
    data = {**latest.data, "rm2000": {"facts": FACTS, "result": old.model_dump(mode="json")}}
    app.store.save_version(aid, data, "scored before the ruleset changed", 1,
                           ruleset=old.ruleset)
    person = app.person

    again = live_app()
    again.open_person(person)
    assert again.rm2000.result.ruleset == OLD.ref  # shown as recorded, never re-scored
    assert again.rm2000.result.c.category == "Medium"
    assert again.rm2000.rescore_offer.layout.display != "none"
    assert not again.dirty()  # opening changes nothing
    again.journey.open_section("rm2000")
    [caveat] = [x.value for x in _walk(again.journey.body)
                if isinstance(getattr(x, "value", None), str) and "rso-ruleset-caveat" in x.value]
    assert f"Ruleset {NEW.ref} : {NEW.provenance.status}" in text(caveat)
    # the ruleset id is a detail, in an "About this result" reveal, not headline text
    assert caveat.startswith("<details") and "About this result" in text(caveat)

    assert again.start_reassessment()
    assert again.rm2000.result.ruleset == OLD.ref  # still the recorded one
    again.rm2000.rescore_offer.button.click()
    assert "What changed: /C: Medium → Low" in text(again.rm2000.rescore_offer.done.value)
    stored = read_payload(again.payload()).rm2000
    assert (stored.ruleset, stored.c.category) == (NEW.ref, "Low")


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_live_app_offers_to_rescore_a_draft_scored_under_the_old_ruleset(data_dir):
    """Issue 15: a draft whose RM2000 result came from 1.0.0 is resumed as recorded; the offer
    says what rescoring changes, and only accepting it puts a 2.0.0 result in the draft."""
    from test_live_assessment import live_app, saved_v1

    app = saved_v1(live_app())
    old = score(FACTS, OLD, today=DAY)
    draft = {**app.draft_payload(),
             "rm2000": {"facts": FACTS, "result": old.model_dump(mode="json")}}
    app.store.save_draft(app.draft_key(), draft, assessment_id=app.assessment_id,
                         base_version=1)
    person = app.person

    again = live_app()
    again.open_person(person)
    assert again.draft_box.layout.display == ""  # the draft is offered, not applied
    again.resume_button.click()
    assert again.rm2000.result.ruleset == OLD.ref and again.rm2000.result.c.category == "Medium"
    offer = again.rm2000.rescore_offer
    assert offer.layout.display != "none"
    assert "/C Medium Low changes" in text(offer.explain.value)
    offer.button.click()
    assert "What changed: /C: Medium → Low" in text(offer.done.value)
    assert (again.rm2000.result.ruleset, again.rm2000.result.c.category) == (NEW.ref, "Low")
