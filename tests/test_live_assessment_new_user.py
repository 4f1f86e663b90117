"""What a new assessor tripped over doing a live assessment in a real browser
(`tests/browser/test_live_assessment_first_time.py`), each fixed and kept fixed here without a
browser (that the page is called what its start-page link says is tests/test_page_headings.py):
a problem with the person reference is in an error summary whose message is the link to it, and
the RM2000 summary lists problems in the order of the questions; focus moves to what an action
did when the button pressed is hidden or disabled (record opened, draft resumed, signed,
reassessment started); after a save the page says what happens next, with no Save button left
to press again; the confirmation names the person by their display name; starting a
reassessment clears the last save's confirmation."""

from __future__ import annotations

import re

import ipywidgets as w
import pytest
from test_live_assessment import fill, live_app, open_new, saved_v1, text

from rso_widgets.widgets.tasklist import CANNOT_START


def focus_calls(widget, calls: list) -> None:
    """Record `widget.focus()` (in a kernel it sends the page a focus request)."""
    widget.focus = lambda: calls.append(widget)


def test_no_reference_is_a_problem_in_the_summary_with_a_go_to(data_dir):
    app = live_app()
    f = app.finder
    moved: list = []
    focus_calls(f.reference, moved)
    app.find_button.click()
    assert f.summary.items == ["Enter the person's reference"]
    assert f.reference_field.error == "Enter the person's reference"
    (go,) = f.summary.links  # the message is itself the link to the field
    assert go.label == "Person reference" and go.description == "Enter the person's reference"
    assert f.summary.layout.display == ""
    go.click()
    assert moved == [f.reference]
    app.create_button.click()  # the same from "Create"
    assert f.summary.items == ["Enter the person's reference"]
    f.reference.value = "PND/0002"
    app.find_button.click()  # found nothing: the problem is gone, "create" is offered
    assert f.summary.items == [] and f.summary.layout.display == "none"
    assert f.reference_field.error == ""
    assert "No record found" in text(f.status.value)


def test_opening_a_record_without_choosing_one_is_in_the_summary(data_dir):
    app = live_app()
    open_new(app, "PND/0003")
    app.show_caseload()
    app.finder.caseload_pick.value = None
    app.finder.caseload_open.click()
    assert app.finder.summary.items == ["Choose a record from the list first"]
    (go,) = app.finder.summary.links
    assert go.label == "Record to open"
    assert go.description == "Choose a record from the list first"


def test_focus_moves_to_the_record_opened_when_create_is_hidden(data_dir):
    app = live_app()
    moved: list = []
    focus_calls(app.finder.status, moved)
    assert "rso-focus-target" in app.finder.status._dom_classes
    open_new(app, "PND/0004")
    assert moved == [app.finder.status]
    assert app.finder.choices.layout.display == "none"  # the Create button pressed
    assert "Created the record PND/0004" in text(app.finder.status.value)


def test_the_rm2000_summary_follows_the_order_of_the_questions(data_dir):
    app = live_app()
    open_new(app)
    form = app.rm2000
    form.fields["age_at_assessment"].control.value = "4O"
    form.fields["sexual_appearances"].control.value = "-2"
    form.score_button.click()
    names = [b.label for b in form.summary.links]
    assert [b.description for b in form.summary.links] == form.summary.items  # each a link
    # the type errors are found first by the engine, but Sex is the first question
    assert names[:4] == ["Sex", "Sexual offence committed aged 17 or over",
                         "Age at assessment", "Age at commencement of risk"]
    assert names.index("Sexual appearances") < names.index("Criminal appearances")
    assert names[-4:] == ["Sexual offence against a male",
                          "Sexual offence against a stranger",
                          "Non-contact sexual offence", "Single"]
    first = form.summary.items[0]
    assert first.startswith("Select the person's sex")


def test_resuming_a_draft_moves_focus_to_what_was_done(data_dir):
    app = live_app()
    open_new(app, "PND/0005")
    app.rm2000.set_facts({"sex": "male"})  # kept as the draft at once (autosave 0 s)
    app.save_draft()
    assert app.store.get_draft(app.draft_key()) is not None
    again = live_app()
    moved: list = []
    focus_calls(again.draft_status, moved)
    again.reference.value = "PND/0005"
    again.find_button.click()
    assert again.record.draft_pending
    again.resume_button.click()
    assert moved == [again.draft_status] and "Draft resumed" in text(again.draft_status.value)
    assert "rso-focus-target" in again.draft_status._dom_classes


def test_after_a_save_the_page_says_what_happens_next(data_dir):
    app = live_app()
    j = app.journey
    saved_v1(app)
    assert j.current == "result" and "What happens next" in j.heading.value
    assert j.nav.layout.display == "none"  # no "Save as a new version" to press again
    assert "Version 1 is saved" in text(j.body.children[0].value)
    (go,) = [b for b in j.body.children if getattr(b, "description", "") ==
             "Sign off and file a report"]
    go.click()
    assert j.current == "signoff" and not app.sign_button.disabled


def test_the_arms_page_after_a_save_offers_the_task_list(data_dir):
    from test_arms_journeys import arms_app

    app = arms_app()
    open_new(app)
    fill(app)
    app.save_button.click()
    assert "Saved as version 1" in text(app.save_status.value), app.failure.value
    j = app.journey
    assert j.current == "result" and j.back_button.layout.display == ""
    assert "Go back to the task list" in text(j.body.children[0].value)


def _on_screen(widget):
    """Every widget the person can see: hidden ones (display none) and their children left out."""
    if getattr(widget, "layout", None) is not None and widget.layout.display == "none":
        return
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _on_screen(child)


def _check_your_answers_headings(app) -> list[str]:
    return [h for x in _on_screen(app) if isinstance(x, w.HTML)
            for h in re.findall(r"<h\d\b[^>]*>\s*(Check your answers)\s*</h\d>", x.value)]


@pytest.mark.parametrize("page", ["live", "arms"])
def test_one_check_your_answers_on_a_screen(data_dir, page):
    """The RM2000 form's list of the answers it scored once had its own "Check your answers"
    heading: opened with "Change" from the journey's "Check your answers", the section showed
    it beside "Back to check your answers"."""
    from test_arms_journeys import arms_app

    app = live_app() if page == "live" else arms_app()
    open_new(app)
    fill(app)
    j = app.journey
    j.show_check_answers()
    assert _check_your_answers_headings(app) == ["Check your answers"]  # the journey's own
    j._change("rm2000")  # "Change RM2000 static risk"
    assert j.current == "rm2000" and j.back_button.description == "Back to check your answers"
    assert "Answers scored" in app.rm2000.answers.value and app.rm2000.result is not None
    assert _check_your_answers_headings(app) == []


def test_the_save_confirmation_names_the_display_name(data_dir, monkeypatch):
    from rso_widgets.settings import get_settings

    monkeypatch.setenv("RSO_DISPLAY_NAME", "DS Anselm Harrowick")
    get_settings.cache_clear()
    app = live_app()
    open_new(app)
    fill(app)
    app.save_button.click()
    assert "Saved as version 1 by DS Anselm Harrowick" in text(app.save_status.value)
    app.sign_button.click()
    history = text(app.history.table.value)  # the version history: the name, not the id
    assert "DS Anselm Harrowick first assessment" in history  # author, then reason
    assert "Signed by DS Anselm Harrowick" in history and "alice" not in history
    assert "DS Anselm Harrowick" in app.history.before.options[0][0]
    again = live_app()
    open_new(again, "PND/0009")
    again.reference.value = "PND/0001"
    again.find_button.click()  # opening the record names who saved its version
    assert "saved by DS Anselm Harrowick" in text(again.finder.status.value)


def test_signing_moves_focus_to_what_was_done(data_dir):
    app = saved_v1(live_app())
    moved: list = []
    focus_calls(app.sign_status, moved)
    app.sign_button.click()
    assert app.sign_button.disabled  # the button pressed can no longer hold focus
    assert moved == [app.sign_status] and "Signed version 1" in text(app.sign_status.value)
    assert "rso-focus-target" in app.sign_status._dom_classes


@pytest.mark.parametrize("saved", [True, False])
def test_starting_a_reassessment_moves_focus_and_clears_the_last_save(data_dir, saved):
    app = live_app()
    if saved:
        saved_v1(app)
    else:
        open_new(app)
    moved: list = []
    focus_calls(app.reassess_status, moved)
    app.reassess_button.click()
    assert moved == [app.reassess_status]  # started, or why not
    if saved:
        assert "Reassessment started from version 1" in text(app.reassess_status.value)
        assert app.save_status.layout.display == "none"  # "Saved as version 1" is gone
    else:
        assert "No reassessment started" in text(app.reassess_status.value)


def test_continue_with_no_record_open_says_to_find_or_create_it_first(data_dir):
    app = live_app()
    j = app.journey
    j.open_section("person")
    j.continue_button.click()
    assert j.current == "person"  # not the check page, with every task "Cannot start yet"
    assert j.summary_box.items == ["Find or create the person's record first: enter their "
                                   "reference and select Find or create the record"]
    (go,) = j.summary_box.links
    assert go.label == "Person reference" and go.description == j.summary_box.items[0]
    open_new(app)
    j.continue_button.click()  # the review date and history wait for version 1
    assert j.current == "rm2000" and j.summary_box.items == []
    assert j.statuses()["record"] == CANNOT_START
    saved_v1(live_app(), "PND/0010")  # a record with a version: its history comes next
    again = live_app()
    again.reference.value = "PND/0010"
    again.find_button.click()
    again.journey.open_section("person")
    again.journey.continue_button.click()
    assert again.journey.current == "record"


def test_the_answers_read_back_the_words_of_the_options():
    from rso_widgets.widgets.rm2000_render import display_value

    assert display_value("sex", "male") == "Male"  # as chosen from "Male", not "male"
    assert display_value("sex", "female") == "Female"
    assert display_value("sex", "non-binary") == "non-binary"  # as the person typed it
    assert display_value("burglary", True) == "Yes"


def test_the_banner_says_which_version_a_save_makes(data_dir):
    from rso_widgets.apps.arms_journey import record_banner

    app = live_app()
    banner = record_banner(app.record).children[0]
    open_new(app)
    assert "no version saved yet; saving makes version 1" in text(banner.value)
    fill(app)
    app.save_button.click()
    assert app.start_reassessment()  # a reassessment of version 1 is saved as version 2
    assert "version 1 open; saving makes version 2" in text(banner.value)


def test_creating_the_report_moves_focus_to_it_with_the_link_next(data_dir):
    app = saved_v1(live_app())
    moved: list = []
    focus_calls(app.report.status, moved)
    assert "rso-focus-target" in app.report.status._dom_classes
    app.report.format.value = "html"
    app.report.button.click()
    assert moved == [app.report.status]
    kids = list(app.report.children)
    assert kids.index(app.report.status) + 1 == kids.index(app.report.link)
    assert "Download the report" in app.report.link.value
