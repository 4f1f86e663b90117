"""RM2000 practice mode without a browser: pick a case, read it, score it with the RM2000 form,
submit, and check the feedback, the what-if, retries, progress, escaping and soft failures."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from typing import Any

import ipywidgets as w
import pytest

from rso_widgets.apps import practice as practice_module
from rso_widgets.apps.practice import (
    IMPORT_MARKER,
    MemoryPracticeStore,
    PracticeApp,
    open_practice_store,
    rm2000_practice,
)
from rso_widgets.calibration import feedback as feedback_module
from rso_widgets.calibration.feedback import Attempt, compare
from rso_widgets.calibration.progress import JsonlPracticeStore, record_attempt
from rso_widgets.cases import load_cases
from rso_widgets.instruments.ruleset import load_rm2000_ruleset
from rso_widgets.widgets.feedback import ERROR_TYPES
from rso_widgets.widgets.fields import esc
from rso_widgets.widgets.rm2000_form import RM2000Form

USER = "trainee.one"
CASES = load_cases()
BY_ID = {c.id: c for c in CASES}
RULESET = load_rm2000_ruleset()


def key_facts(case_id: str, **changes: Any) -> dict[str, Any]:
    """The key's facts as a person would enter them in the form (ages as dates)."""
    facts = BY_ID[case_id].key_facts().model_dump(exclude_none=True, mode="json")
    facts.update(changes)
    return {k: v for k, v in facts.items() if v is not None}


@pytest.fixture
def store() -> MemoryPracticeStore:
    return MemoryPracticeStore()


@pytest.fixture
def app(store) -> PracticeApp:
    return PracticeApp(CASES, store, USER, ruleset=RULESET)


def open_and_fill(app: PracticeApp, case_id: str, **changes: Any) -> None:
    app.picker.choice.value = case_id
    app.picker.open_button.click()
    app.form.set_facts(key_facts(case_id, **changes))


def everything_shown(widget: w.Widget) -> str:
    """Every string value on the page (HTML, labels, options): what a browser could show."""
    out = []

    def walk(x: Any) -> None:
        for name in ("value", "description", "tooltip", "placeholder"):
            v = getattr(x, name, None)
            if isinstance(v, str):
                out.append(v)
        for opt in getattr(x, "_options_labels", ()) or ():
            out.append(opt)
        for child in getattr(x, "children", ()):
            walk(child)

    walk(widget)
    return "\n".join(out)


def row_html(app: PracticeApp, row_id: str) -> str:
    m = re.search(rf"<tr class='rso-row [^']*' data-row='{re.escape(row_id)}'.*?</tr>"
                  r"(<tr class='rso-detail'>.*?</tr>)?", app.feedback_view.body.value, re.S)
    assert m, f"no feedback row {row_id}"
    return m.group(0)


# --- picking and reading a case -----------------------------------------------------------------

def test_picker_filters_by_difficulty_objective_and_status(app, store):
    picker = app.picker
    assert len(picker.choice.options) == len(CASES) >= 23
    picker.difficulty.value = "advanced"
    advanced = {c.id for c in CASES if c.difficulty == "advanced"}
    assert advanced >= {"TC-08", "TC-09", "TC-11", "TC-12", "TC-22"}
    assert {v for _, v in picker.choice.options} == advanced
    picker.difficulty.value = "any"
    picker.objective.value = "same-day-appearances"
    ids = {v for _, v in picker.choice.options}
    assert "TC-02" in ids and all("same-day-appearances" in BY_ID[i].learning_objectives
                                  for i in ids)
    picker.objective.value = "any"
    # once TC-02 is tried it is marked, and the "not tried" filter leaves it out
    open_and_fill(app, "TC-02", sexual_appearances=2)
    app.submit()
    label = dict((v, k) for k, v in picker.choice.options)["TC-02"]
    assert "tried: 1 attempt, not yet agreed with the key" in label
    picker.status.value = "new"
    assert "TC-02" not in {v for _, v in picker.choice.options}
    picker.status.value = "tried"
    assert [v for _, v in picker.choice.options] == ["TC-02"]
    picker.difficulty.value = "advanced"
    assert picker.choice.options == () and picker.open_button.disabled
    assert "No case matches" in picker.about.value


def test_case_file_is_readable_and_fictional_and_the_key_is_not_on_the_page(app):
    assert app.workspace.layout.display == "none"  # nothing until a case is opened
    app.picker.choice.value = "TC-02"
    app.picker.open_button.click()
    assert app.case.id == "TC-02" and app.workspace.layout.display == ""
    html = app.case_file.body.value
    assert "Fictional training case" in html
    for title in ("Case summary", "Background", "Record printout", "Officer's notes",
                  "Partner agency information", "Interview summary"):
        shown = esc(title)
        assert f">{shown}</h3>" in html and f">{shown}</a>" in html  # section + contents link
    table = re.search(r"<table class='rso-record'>.*?</table>", html, re.S).group(0)
    assert table.count("<tr><td") == 4  # four record entries, one row each
    assert "Sexual activity with a child (count 2)" in table and "16 Nov 2020" in table
    assert "sexual: true" not in html.lower()  # no offence-type flags: that is the task
    page = everything_shown(app)
    rationale = BY_ID["TC-02"].key.rationale
    for secret in (rationale.sexual_appearances, rationale.single, rationale.c_conversion,
                   "The key's reasoning"):
        assert secret.strip()[:60] not in page
    assert app.feedback_view.layout.display == "none"


def test_the_form_is_the_live_assessment_form_dated_to_the_case(app):
    open_and_fill(app, "TC-02")
    assert isinstance(app.form, RM2000Form)
    assert app.form.today == BY_ID["TC-02"].assessment_date
    app.form.score_button.click()  # the trainee's own check: their result, not the key
    assert app.form.result is not None and app.feedback_view.feedback is None


# --- feedback -----------------------------------------------------------------------------------

def test_same_day_offences_counted_twice_is_a_coding_error_with_the_reasoning(app, store):
    open_and_fill(app, "TC-02", sexual_appearances=2)
    app.submit_button.click()
    fb = app.feedback_view.feedback
    assert fb is not None and not fb.agrees
    row = row_html(app, "S.sexual_appearances")
    assert "data-error='coding'" in row
    assert ">2 <span" in row and "1 point)" in row and ">1 <span" in row and "0 points)" in row
    assert f"Coding error: {ERROR_TYPES['coding'][1]}" in row
    assert "An appearance is a sentencing occasion" in row  # the key's rationale, shown open
    # the totals that follow are not blamed as separate errors
    step1 = row_html(app, "S.step1_points")
    assert "data-error" not in step1 and "Follows from another difference" in step1
    assert "/S Sexual appearances" in step1
    text = app.feedback_view.text
    assert "What the differences mean" in text and "Rule error" not in text
    cats = re.search(r"<table class='rso-categories'>.*?</table>",
                     app.feedback_view.body.value, re.S).group(0)
    assert re.search(r"rso-cat-s'>.*?rso-yours'>High<.*?rso-keys'>Medium<.*?"
                     r"1 category apart", cats, re.S)
    assert re.search(r"rso-cat-v'>.*?Same category", cats, re.S)
    assert "inform professional judgement and do not decide" in text
    assert len(store.records) == 1 and store.records[0].errors[0].item == "sexual_appearances"
    assert app.submit_button.layout.display == "none" and app.retry_box.layout.display == ""


def test_the_feedback_opens_above_the_case_file_its_summary_line_first_and_takes_focus(app):
    """Below the case file and the form the feedback was a long scroll away: it opens above
    them, and focus moves to its outcome with the summary line, not to the long table."""
    sent = []
    app.feedback_view.head.focus = lambda: sent.append("head")  # type: ignore[method-assign]
    app.feedback_view.body.focus = lambda: sent.append("body")  # type: ignore[method-assign]
    shown = list(app.workspace.children)
    assert shown.index(app.feedback_view) < shown.index(app.work)  # case file and form
    open_and_fill(app, "TC-02", sexual_appearances=2)
    app.submit_button.click()
    assert sent == ["head"] and "rso-focus-target" in app.feedback_view.head._dom_classes
    facts = [r for r in app.feedback_view.feedback.rows
             if r.kind in ("eligibility", "item", "factor") and r.key is not None]
    assert len(facts) > 10 and [r.id for r in facts if not r.agree] == ["S.sexual_appearances"]
    head = app.feedback_view.head.value
    assert re.search(r"rso-feedback-headline'>Your result differs from the key .*?</h3>"
                     rf"<p class='rso-feedback-summary'>You matched the key on {len(facts) - 1} "
                     rf"of {len(facts)} items.</p>", head)
    assert "<table" not in head and "<table" in app.feedback_view.body.value
    assert "Your feedback is above the case file." in app.status.value
    app.retry_button.click()
    assert app.feedback_view.head.value == "" and app.feedback_view.layout.display == "none"


def test_your_own_points_and_categories_make_calculation_and_rule_errors_visible(app):
    open_and_fill(app, "TC-02")
    app.own.mode_select.value = "own"
    assert app.form.score_button.layout.display == "none"  # no calculator while you add up
    fields = app.own.fields
    fields["step1_points"].control.value = "3"  # the items give 2 + 0 + 0 = 2
    fields["step1_category"].control.value = "Medium"
    fields["s"].control.value = "Medium"
    fields["v_points"].control.value = "3"
    fields["v"].control.value = "Medium"
    fields["c"].control.value = "High"  # Medium 1 + Medium 1 = 2 → Medium
    fb = app.submit()
    errors = {r.id: r.error for r in fb.errors()}
    assert errors == {"S.step1_points": "calculation", "C.category": "rule"}
    assert f"Calculation error: {ERROR_TYPES['calculation'][1]}" in row_html(app,
                                                                           "S.step1_points")
    assert f"Rule error: {ERROR_TYPES['rule'][1]}" in row_html(app, "C.category")
    app.own.mode_select.value = "form"
    assert app.form.score_button.layout.display == ""


def test_not_applicable_case_agrees_when_you_say_so(app):
    app.picker.open_case("TC-13")
    app.form.set_facts({"sex": "female"})
    app.own.mode_select.value = "na"
    fb = app.submit()
    assert fb is not None and fb.agrees
    assert "You agree with the key" in app.feedback_view.text
    assert "RM2000 does not apply" in app.feedback_view.text
    assert app.feedback_view.what_if_box.layout.display == "none"


def test_every_shipped_case_scored_the_keys_way_agrees_with_counts_or_the_history(app, store):
    for case in CASES:
        for history in (False, True):
            app.picker.open_case(case.id)
            facts = key_facts(case.id)
            if history:
                for name in ("sexual_appearances", "criminal_appearances",
                             "violent_appearances", "burglary"):
                    facts.pop(name)
                facts["occasions"] = [o.model_dump(mode="json") for o in case.occasions()]
            app.form.set_facts(facts)
            if not case.key.expected.applicable:
                app.own.mode_select.value = "na"
            fb = app.submit()
            assert fb is not None and fb.agrees and not fb.errors(), (case.id, history)
            assert app.failure.layout.display == "none"
    assert len(store.records) == 2 * len(CASES)


def test_what_if_shows_how_the_category_would_move(app):
    open_and_fill(app, "TC-02", sexual_appearances=2, single=True)
    app.submit()
    select = app.feedback_view.what_if_select
    assert select.description == "What if you had scored this item the key's way?"
    assert {v for _, v in select.options} == {"sexual_appearances", "single"}
    select.value = "sexual_appearances"
    out = app.feedback_view.what_if_out.value
    assert "Sexual appearances</strong> as 1 instead of 2" in out
    # /S: High (two factors would not matter here) → Medium with the key's count
    assert re.search(r"/S \(sexual reconviction\)</th><td>(High|Very High)</td>"
                     r"<td class='rso-after'>(Medium|High)</td><td>Medium</td><td>moves", out)
    select.value = "single"
    assert "Single</strong> as No instead of Yes" in app.feedback_view.what_if_out.value


def test_a_form_that_cannot_be_scored_is_not_submitted(app, store):
    app.picker.open_case("TC-02")
    app.submit_button.click()
    assert app.form.summary.layout.display == ""  # the form's own error summary
    assert "cannot be compared with the key yet" in app.status.value
    assert store.records == [] and app.feedback_view.feedback is None


def test_your_result_is_checked_before_submitting(app, store):
    open_and_fill(app, "TC-02")
    app.own.mode_select.value = "own"
    app.own.fields["step1_points"].control.value = "three"
    app.submit()
    assert app.own.fields["step1_points"].error == ("Enter the /S step 1 total points as a whole "
                                                    "number of 0 or more, like 3, or leave it "
                                                    "blank")
    assert app.own.fields["c"].error.startswith("Select the /C category")
    assert "problems with your result" in app.status.value and store.records == []


def test_your_result_and_the_form_are_checked_in_one_submit(app, store):
    """Issue 14: errors came one layer at a time (your result first, then the form)."""
    app.picker.open_case("TC-02")  # the form left empty
    app.own.mode_select.value = "own"
    app.own.fields["step1_points"].control.value = "three"
    app.submit()
    assert "as a whole number" in app.own.fields["step1_points"].error
    assert app.form.summary.layout.display == ""  # the form's problems, in the same submit
    assert app.form.fields["age_at_assessment"].error
    assert "problems with your result" in app.status.value
    assert "cannot be compared with the key yet" in app.status.value
    assert store.records == []


# --- retries and progress -----------------------------------------------------------------------

def test_retry_keeps_every_attempt_and_progress_follows(app, store):
    open_and_fill(app, "TC-02", sexual_appearances=2)
    app.submit()
    app.retry_button.click()
    assert app.feedback_view.layout.display == "none"  # the key is hidden again
    assert app.form.value["sexual_appearances"] == 2  # answers kept to correct
    assert "earlier attempts are kept" in app.status.value
    app.form.fields["sexual_appearances"].control.value = "1"
    fb = app.submit()
    assert fb.agrees and "(attempt 2 at this case)" in app.feedback_view.text
    assert [r.agrees for r in store.attempts(USER, "TC-02")] == [False, True]
    text = app.progress.text
    assert "2 attempts at 1 case; 1 agreed fully with the key (50%)" in text
    assert "TC-02 (retry 1)" in text and "Sexual appearances 1 coding error × 1" in text
    assert "done: 2 attempts, the last agreed" in dict(
        (v, k) for k, v in app.picker.choice.options)["TC-02"]
    app.blank_button.click()
    assert app.form.value == {} and len(store.records) == 2


def test_changing_answers_after_submitting_is_pointed_out(app):
    open_and_fill(app, "TC-02")
    app.submit()
    app.form.fields["criminal_appearances"].control.value = "4"
    assert "feedback above the case file is for the answers you submitted" in app.status.value
    assert app.feedback_view.feedback is not None  # still the submitted attempt's feedback


def test_progress_is_kept_in_the_database_and_interim_files_are_imported_once(
        data_dir, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", USER)  # the database store is always its user's
    case = BY_ID["TC-02"]
    old = Attempt.model_validate({"facts": key_facts("TC-02", sexual_appearances=2)})
    JsonlPracticeStore(data_dir / "practice").add_attempt(
        record_attempt(USER, case, old, compare(case, old)))
    store, notes = open_practice_store(USER)
    assert notes == [] and type(store).__name__ == "SqlPracticeStore"
    assert len(store.attempts(USER)) == 1 and (data_dir / "practice" / IMPORT_MARKER).exists()
    app = PracticeApp(CASES, store, USER, ruleset=RULESET)
    assert "1 attempt at 1 case" in app.progress.text
    open_and_fill(app, "TC-02")
    app.submit()
    store.store.close()
    # a new session: same database, nothing imported twice
    again, _ = open_practice_store(USER)
    try:
        assert [r.agrees for r in again.attempts(USER, "TC-02")] == [False, True]
        assert "2 attempts at 1 case" in PracticeApp(CASES, again, USER,
                                                     ruleset=RULESET).progress.text
        (data_dir / "practice" / IMPORT_MARKER).unlink()  # even without the marker
        from rso_widgets.apps.practice import import_interim_files

        import_interim_files(again, data_dir / "practice", USER)
        assert len(again.attempts(USER)) == 2
    finally:
        again.store.close()


# --- safety -------------------------------------------------------------------------------------

def test_everything_typed_is_escaped(store):
    user = "<script>alert('u')</script>"
    app = PracticeApp(CASES, store, user, ruleset=RULESET)
    assert "<script>alert" not in everything_shown(app)
    assert "&lt;script&gt;alert(&#x27;u&#x27;)&lt;/script&gt;" in app.intro.value
    app.picker.open_case("TC-13")
    app.form.set_facts({"sex": "<b>other</b>", "age_at_assessment": 43})
    app.own.mode_select.value = "na"
    app.submit()
    html = app.feedback_view.head.value + app.feedback_view.body.value
    assert "<b>other</b>" not in html and "&lt;b&gt;other&lt;/b&gt;" in html


def test_case_text_is_escaped_in_the_case_file(store):
    case = BY_ID["TC-02"]
    bad = case.model_copy(update={"documents": case.documents.model_copy(
        update={"summary": "<img src=x onerror=alert(1)> This case is fictional and invented."})})
    app = PracticeApp([bad], store, USER, ruleset=RULESET)
    app.picker.open_case("TC-02")
    assert "<img src=x" not in app.case_file.body.value
    assert "&lt;img src=x onerror=alert(1)&gt;" in app.case_file.body.value


def test_a_callback_exception_is_shown_and_logged_not_raised(app, monkeypatch, caplog):
    def boom(*_a, **_k):
        raise RuntimeError("key file on fire")

    monkeypatch.setattr(feedback_module, "compare", boom)
    open_and_fill(app, "TC-02")
    with caplog.at_level(logging.ERROR, logger="rso_widgets.widgets"):
        app.submit_button.click()  # must not raise
    assert "Something went wrong while comparing your answers" in app.failure.value
    assert app.failure.layout.display == "" and "key file on fire" not in app.failure.value
    assert any("key file on fire" in (r.exc_text or "") for r in caplog.records)


def test_an_exception_in_your_result_is_shown_not_raised(app, monkeypatch):
    monkeypatch.setattr(app.own, "_collect", lambda: 1 / 0)
    app.own.fields["c"].control.value = "High"  # observer runs; must not raise
    assert "Something went wrong while noting your answer" in app.own.failure.value
    app.own.mode_select.value = "own"
    assert "Something went wrong while changing how you give" in app.own.failure.value


def test_opening_a_case_that_fails_says_so_in_the_picker(app, monkeypatch):
    monkeypatch.setattr(app.case_file, "show", lambda _case: 1 / 0)
    app.picker.open_button.click()
    assert "Something went wrong while opening the case" in app.picker.failure.value


def test_a_store_that_cannot_save_still_gives_feedback(app, store, monkeypatch, caplog):
    monkeypatch.setattr(store, "add_attempt", lambda _r: 1 / 0)
    open_and_fill(app, "TC-02")
    with caplog.at_level(logging.ERROR, logger="rso_widgets.apps.practice"):
        app.submit()
    assert app.feedback_view.feedback is not None
    assert "could not be saved" in app.status.value
    assert caplog.records


def test_the_app_fails_softly(monkeypatch, data_dir):
    def no_db(_user=None):
        raise RuntimeError("database locked")

    monkeypatch.setattr(practice_module, "open_practice_store", no_db)
    page = rm2000_practice(user=USER, cases=CASES)
    assert isinstance(page, PracticeApp) and isinstance(page.store, MemoryPracticeStore)
    assert "cannot be saved right now" in page.notices.value

    def broken(*_a, **_k):
        raise RuntimeError("cases folder <missing>")

    monkeypatch.setattr(practice_module, "PracticeApp", broken)
    page = rm2000_practice(store=MemoryPracticeStore(), user=USER, cases=CASES)
    assert isinstance(page, w.HTML) and "could not start" in page.value
    assert "&lt;missing&gt;" in page.value


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_every_control_is_labelled_and_every_button_has_text(app):
    open_and_fill(app, "TC-02", sexual_appearances=2)
    app.own.mode_select.value = "own"
    app.own.check()
    app.own.mode_select.value = "form"
    app.submit()
    controls = (w.Text, w.Textarea, w.Dropdown, w.DatePicker, w.Checkbox, w.ToggleButtons)
    for widget in _walk(app):
        if isinstance(widget, w.Button):
            assert widget.description.strip(), "a button without a text label"
        elif isinstance(widget, controls):
            assert widget.description.strip(), f"unlabelled {type(widget).__name__}"
            assert widget.description_allow_html is False


def test_served_path_stays_lean(tmp_path):
    code = ("import sys; from rso_widgets.apps.practice import rm2000_practice; "
            "app = rm2000_practice(); assert type(app).__name__ == 'PracticeApp', app.value; "
            "print(','.join(m for m in ('pandas', 'plotly', 'pyarrow') if m in sys.modules))")
    env = {"RSO_DATA_DIR": str(tmp_path), "RSO_USER": "lean.test", "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "" and out.stderr == ""


def test_unreadable_interim_lines_are_reported_to_their_owner_only(data_dir):
    from rso_widgets.apps.practice import import_interim_files

    folder = data_dir / "practice"
    folder.mkdir(parents=True)
    (folder / "trainee.one.jsonl").write_text("{not json\n", encoding="utf-8")
    (folder / "someone.else.jsonl").write_text("{not json either\n", encoding="utf-8")
    store = MemoryPracticeStore()

    class Importer:
        def import_jsonl(self, path):
            from rso_widgets.store.practice import ImportReport

            return ImportReport(0, 0, [f"{path.name}: line 1: skipped"])

    notes = import_interim_files(Importer(), folder, USER)
    assert notes == ["1 of your earlier practice attempts could not be read and were left out. "
                     "Tell the workbook team."]
    assert import_interim_files(Importer(), folder, USER) == []  # unchanged files: not again

    class Broken:
        def import_jsonl(self, path):
            raise OSError("permission denied")

    (folder / IMPORT_MARKER).unlink()
    notes = import_interim_files(Broken(), folder, USER)
    assert len(notes) == 1 and "could not be brought in" in notes[0]
    assert store.records == []
