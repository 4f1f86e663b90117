"""RM2000 form: a thin view over score() — values in, categories and errors out (no browser)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import subprocess
import sys

import ipywidgets as w
import pytest

from rso_widgets.instruments.rm2000 import score
from rso_widgets.widgets import rm2000_form as form_module
from rso_widgets.widgets.rm2000_form import RM2000Form

TODAY = dt.date(2026, 11, 26)

# /S: age 30 → 1, 2 sexual → 1, 5 criminal → 1 = 3 High; 2 factors → raise 1 → Very High.
# /V: age 30 → 2, 1 violent → 1, burglary → 2 = 5 High.  /C: 3 + 2 = 5 Very High.
CASE = {
    "sex": "male", "age_at_assessment": 40, "age_at_commencement": 30,
    "sexual_offence_aged_17_plus": True, "sexual_appearances": 2, "criminal_appearances": 5,
    "violent_appearances": 1, "burglary": True, "male_victim": True, "stranger_victim": True,
    "non_contact": False, "single": False,
}

HISTORY_CASE = {
    "sex": "male", "date_of_birth": "1980-03-15", "assessment_date": "2026-10-01",
    "commencement_date": "2025-06-14", "sexual_offence_aged_17_plus": True,
    "occasions": [
        {"date": "2012-02-01", "offences": [
            {"name": "sexual assault", "sexual": True},
            {"name": "exposure", "sexual": True, "non_contact": True}]},
        {"date": "2012-02-01", "offences": [{"name": "burglary", "burglary": True}]},
        {"date": "2016-05-20", "offences": [{"name": "assault", "violent": True}]},
        {"date": "2018-01-10", "offences": [{"name": "theft"}], "disposal": "caution"},
    ],
    "male_victim": False, "stranger_victim": False, "non_contact": True, "single": True,
}


@pytest.fixture
def form() -> RM2000Form:
    return RM2000Form(today=TODAY)


def errors_shown(form: RM2000Form) -> dict[str, str]:
    return {name: f.error for name, f in form.fields.items() if f.error}


def test_scores_a_case_and_shows_categories_ruleset_and_working(form):
    form.set_facts(CASE)
    form.score_button.click()
    r = form.result
    assert r is not None and r.applicable
    assert (r.s.category, r.v.category, r.c.category) == ("Very High", "High", "High")
    assert form.errors == [] and errors_shown(form) == {}
    html = form.output.value
    assert "rm2000-ew-training@2.0.0" in html
    for scale, cat in (("s", "Very High"), ("v", "High"), ("c", "High")):
        assert re.search(f"rso-scale-{scale}'.*?class='rso-category'>{cat}</strong>", html)
    assert "<details><summary>Show the working, line by line</summary>" in html
    for line in r.working():  # every line of the arithmetic is there, escaped
        assert f"<li>{form_module.esc(line)}</li>" in html
    assert "informs professional judgement and does not decide" in html
    assert form.answers.layout.display == "" and "Answers scored" in form.answers.value


def test_result_is_exactly_the_engines(form):
    form.set_facts(CASE)
    r = form.submit()
    expected = score(CASE, today=TODAY)
    assert r.model_dump(exclude={"scored_at"}) == expected.model_dump(exclude={"scored_at"})


def test_typing_into_controls_like_a_person(form):
    form.fields["sex"].control.value = "male"
    form.fields["sexual_offence_aged_17_plus"].control.value = True
    for name, text in (("age_at_assessment", " 52 "), ("age_at_commencement", "50"),
                       ("sexual_appearances", "1"), ("criminal_appearances", "1"),
                       ("violent_appearances", "0")):
        form.fields[name].control.value = text
    for name in ("burglary", "male_victim", "stranger_victim", "non_contact", "single"):
        form.fields[name].control.value = False
    assert form.value["age_at_assessment"] == 52
    form.score_button.click()
    assert (form.result.s.category, form.result.v.category, form.result.c.category) == (
        "Low", "Low", "Low")


def test_blank_answers_are_not_defaulted_and_errors_sit_next_to_their_fields(form):
    form.score_button.click()
    assert form.result is None
    shown = errors_shown(form)
    required = {"sex", "age_at_assessment", "sexual_offence_aged_17_plus", "sexual_appearances",
                "age_at_commencement", "criminal_appearances", "violent_appearances",
                "burglary", "male_victim", "stranger_victim", "non_contact", "single"}
    assert set(shown) == required  # every unanswered question at once, not one layer
    assert shown["sex"] == "Select the person's sex: Male, Female or Another description"
    assert shown["age_at_assessment"] == "Enter the person's age at assessment"
    assert "Select Yes or No for" in shown["sexual_offence_aged_17_plus"]
    for name in shown:  # the text says "Error:", not colour alone, next to the field
        notes = form.fields[name].notes.value
        assert f"<span>Error:</span> {form_module.esc(shown[name])}" in notes
        assert form.fields[name].notes in form.fields[name].children
    assert "<h2>There is a problem</h2>" in form.summary.heading.value
    assert form.summary.layout.display == ""
    assert sorted(form.summary.text.splitlines()) == sorted(shown.values())
    links = form.summary.links  # every message is the link to its field
    assert [b.description for b in links] == form.summary.text.splitlines()
    assert {b.label for b in links} >= {"Age at assessment"} and len(links) == len(required)
    assert "12 problems" in form.status.value


def test_letters_negative_count_and_empty_age_shown_in_one_submit(form):
    """Issue 14: letters were reported first, and the negative count and the empty age only
    once the letters were fixed."""
    form.set_facts({**CASE, "age_at_assessment": None})
    form.fields["sexual_appearances"].control.value = "two"
    form.fields["criminal_appearances"].control.value = "-1"
    form.score_button.click()
    shown = errors_shown(form)
    assert {"sexual_appearances", "criminal_appearances", "age_at_assessment"} <= set(shown)
    assert shown["sexual_appearances"] == ("Enter the number of sexual appearances as a whole "
                                           "number, like 3")
    assert shown["criminal_appearances"] == "Enter the number of criminal appearances as 0 or more"
    assert shown["age_at_assessment"] == "Enter the person's age at assessment"
    for text in shown.values():
        assert text in form.summary.text


def test_not_a_number_names_the_field_and_the_fix(form):
    form.set_facts({**CASE, "age_at_assessment": None})
    form.fields["age_at_assessment"].control.value = "forty"
    form.submit()
    shown = errors_shown(form)
    assert list(shown) == ["age_at_assessment"]
    said = "Enter the person's age at assessment as a whole number of years, like 35"
    assert shown["age_at_assessment"] == said and said in form.summary.text


def test_engine_field_names_become_labels_in_messages(form):
    form.set_facts({**CASE, "sexual_appearances": 3, "criminal_appearances": 2})
    form.submit()
    msg = errors_shown(form)["criminal_appearances"]
    assert "must be at least the number of sexual appearances (3)" in msg
    assert "_" not in msg


def test_errors_clear_after_a_good_score(form):
    form.submit()
    assert errors_shown(form)
    form.set_facts(CASE)
    form.submit()
    assert errors_shown(form) == {} and form.summary.layout.display == "none"


def test_dates_mode_routes_age_errors_to_the_date_fields(form):
    form.set_facts({**{k: v for k, v in CASE.items() if not k.startswith("age_")},
                    "date_of_birth": "1900-01-01", "assessment_date": "2026-01-01",
                    "commencement_date": "2025-01-01"})
    assert form.age_mode == "dates" and form.dates_box.layout.display == ""
    assert form.ages_box.layout.display == "none"
    form.submit()
    shown = errors_shown(form)
    assert set(shown) == {"assessment_date", "commencement_date"}  # both, in one pass
    assert "Age at assessment must be 110 years or under" in shown["assessment_date"]
    assert "between 10 and 110" in shown["commencement_date"]


def test_history_table_scores_and_shows_the_derivation(form):
    form.set_facts(HISTORY_CASE)
    assert form.count_mode == "history" and len(form.history.rows) == 5
    r = form.submit()
    assert r is not None
    expected = score(HISTORY_CASE, today=TODAY)
    assert (r.s.category, r.v.category, r.c.category) == (
        expected.s.category, expected.v.category, expected.c.category)
    assert r.facts.criminal_appearances == 2  # same-day rows once; the caution not counted
    html = form.output.value
    assert "How the appearances were counted from the sentencing history" in html
    for line in r.derivation.explain():
        assert form_module.esc(line) in html


def test_a_same_day_caution_is_not_shown_as_counted(form):
    facts = {**HISTORY_CASE, "occasions": [
        {"date": "2012-02-01", "offences": [{"name": "sexual assault", "sexual": True}]},
        {"date": "2012-02-01", "offences": [{"name": "theft"}], "disposal": "caution"}]}
    form.set_facts({**facts, "non_contact": False})
    r = form.submit()
    assert r is not None and r.facts.criminal_appearances == 1
    assert ("2012-02-01: sexual assault → counts as criminal + sexual; also on this date, "
            "not counted: theft (caution)") in r.working()


def test_history_row_errors_sit_on_the_row(form):
    form.set_facts(HISTORY_CASE)
    form.history.rows[3].offence.value = ""  # the assault row
    form.history.rows[4].date.value = None
    form.submit()
    assert form.result is None
    assert "Error: Row 4 offence is required" in form.history.rows[3].message.value
    assert "Error: Row 5 date is required" in form.history.rows[4].message.value
    assert form.history.rows[0].message.layout.display == "none"
    assert "Row 4 offence is required" in form.summary.text


def test_empty_history_is_unanswered_not_zero(form):
    facts = {k: v for k, v in HISTORY_CASE.items() if k != "occasions"}
    form.set_facts(facts)
    form.count_toggle.value = "history"
    assert "occasions" not in form.value
    form.submit()
    assert form.result is None  # never "not applicable" because nothing was entered
    assert "Sexual appearances is required" in form.history.table_error.value


def test_add_and_remove_rows_renumbers(form):
    form.count_toggle.value = "history"
    for _ in range(3):
        form.history.add.click()
    form.history.rows[0].remove.click()
    assert [r.remove.description for r in form.history.rows] == ["Remove row 1", "Remove row 2"]


def test_not_applicable_is_clear_and_gives_no_category(form):
    form.set_facts({"sex": "female"})
    r = form.submit()
    assert r is not None and not r.applicable
    html = form.output.value
    assert "RM2000 does not apply" in html and "No category is given" in html
    assert "applies only to men" in html
    assert "rso-category" not in html and "Very High" not in html
    assert "does not decide" in html


def test_free_text_is_escaped(form):
    nasty = '<img src=x onerror="alert(1)">'
    form.set_facts(CASE, evidence={"male_victim": f"<script>alert(1)</script> {nasty}"})
    form.submit()
    assert "<script>" not in form.answers.value and "<img" not in form.answers.value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in form.answers.value
    form.set_facts({"sex": "<b>unknown</b>"})
    form.submit()
    assert "<b>unknown</b>" not in form.output.value + form.answers.value
    assert "&lt;b&gt;unknown&lt;/b&gt;" in form.answers.value
    # a field error does not echo what was typed (GOV.UK): none of it reaches the page
    form.set_facts(CASE)
    form.fields["age_at_assessment"].control.value = "<i>40</i>"
    form.submit()
    assert "<i>40" not in form.fields["age_at_assessment"].notes.value
    said = [b.description for b in form.summary.links]  # each message is its own link
    assert not any("40" in d for d in said) and any("as a whole number" in d for d in said)
    assert "<i>40" not in form.summary.heading.value


def test_exception_in_scoring_is_caught_and_shown(form, monkeypatch, caplog):
    def boom(*_a, **_k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(form_module, "score", boom)
    form.set_facts(CASE)
    with caplog.at_level(logging.ERROR, logger="rso_widgets.widgets"):
        form.score_button.click()  # must not raise
    assert form.result is None
    assert "Something went wrong while scoring" in form.failure.value
    assert "disk on fire" not in form.failure.value  # no internals on the page
    assert form.failure.layout.display == ""
    assert any("disk on fire" in (r.exc_text or "") for r in caplog.records)


def test_exception_in_an_input_callback_is_caught(form, monkeypatch):
    monkeypatch.setattr(form, "_collect", lambda: 1 / 0)
    form.fields["age_at_assessment"].control.value = "41"  # observer runs; must not raise
    assert "Something went wrong while updating the form" in form.failure.value


def test_changing_an_answer_withdraws_the_result(form):
    form.set_facts(CASE)
    form.submit()
    assert form.result is not None
    form.fields["violent_appearances"].control.value = "4"
    assert form.result is None and form.output.value == ""
    assert "answers have changed" in form.status.value


def test_value_and_evidence_traits_round_trip(form):
    form.value = dict(CASE)
    assert form.fields["age_at_commencement"].control.value == "30"
    assert form.value == CASE
    form.evidence = {"single": "Lives alone (OASys 2025)"}
    assert form.evidence_boxes["single"].value == "Lives alone (OASys 2025)"
    assert form.evidence["single"] == "Lives alone (OASys 2025)"
    form.evidence_boxes["male_victim"].value = "PNC"
    assert form.evidence["male_victim"] == "PNC"


@pytest.mark.parametrize("facts, fragment", [
    ({"shoe_size": 9}, "unknown field"),
    ({"age_at_assessment": 40, "assessment_date": "2026-01-01"}, "either ages"),
    ({"sexual_appearances": 1, "occasions": []}, "either counts"),
    ({"single": "yes"}, "single must be true, false or None"),
    ({"date_of_birth": "30/04/1980"}, "not an ISO date"),
])
def test_set_facts_refuses_what_the_form_cannot_hold(form, facts, fragment):
    with pytest.raises(ValueError, match=fragment):
        form.set_facts(facts)


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_every_control_is_labelled_and_every_button_has_text(form):
    form.count_toggle.value = "history"
    form.history.add.click()
    form.submit()  # the summary's message links exist too
    controls = (w.Text, w.Textarea, w.Dropdown, w.DatePicker, w.Checkbox, w.ToggleButtons)
    seen = 0
    for widget in _walk(form):
        if isinstance(widget, w.Button):
            assert widget.description.strip(), "a button without a text label"
        elif isinstance(widget, controls):
            seen += 1
            assert widget.description.strip(), f"unlabelled {type(widget).__name__}"
            assert widget.description_allow_html is False
    assert seen >= 25


def test_calculator_app_builds_and_fails_softly(monkeypatch):
    from rso_widgets.apps import calculator

    app = calculator.rm2000_calculator()
    assert any(isinstance(c, RM2000Form) for c in app.children)

    def broken(*_a, **_k):
        raise RuntimeError("ruleset.yaml: invalid <ruleset>")

    monkeypatch.setattr(form_module, "RM2000Form", broken)
    page = calculator.rm2000_calculator()
    assert isinstance(page, w.HTML)
    assert "could not start" in page.value and "&lt;ruleset&gt;" in page.value


def test_served_path_stays_lean():
    code = ("import sys; from rso_widgets.apps.calculator import rm2000_calculator; "
            "rm2000_calculator(); heavy = [m for m in ('pandas', 'plotly', 'sqlalchemy', "
            "'pyarrow') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == ""


def test_score_with_errors_moves_focus_to_the_error_summary(form, monkeypatch):
    """GOV.UK habit: after a failed Score the error summary takes keyboard focus (Tab then
    reaches its first message link); a good Score moves focus nowhere."""
    focused: list[w.Widget] = []
    monkeypatch.setattr(w.DOMWidget, "focus", lambda self: focused.append(self))
    form.score_button.click()
    assert focused == [form.summary.heading] and form.summary.links
    first = form.summary.links[0]
    first.click()  # the first message's link: focus on its field's control
    assert focused[-1] is form.fields[first.target.name].control
    focused.clear()
    form.set_facts(CASE)
    form.score_button.click()
    assert form.result is not None and focused == []


def test_the_ruleset_id_sits_in_an_about_this_result_reveal(form):
    """Issue 14: `rm2000-ew-training@…` was headline text."""
    form.set_facts(CASE)
    form.submit()
    html = form.output.value
    about = re.search(r"<details class='rso-about-result'><summary>About this result</summary>"
                      r"(.*?)</details>", html, re.S)
    assert about and form.rs.ref in about.group(1)
    assert form.rs.ref not in html.replace(about.group(0), "")


def test_the_aggravating_factors_are_named_in_plain_words_first(form):
    heads = [c.value for box in form.children if isinstance(box, w.VBox)
             for c in box.children[:1] if isinstance(c, w.HTML)]
    title = next(h for h in heads if "Aggravating factors" in h)
    assert "which can raise the sexual offending category" in title
    assert title.index("Aggravating") < title.index("/S step 2")
