"""The task list journey (widgets/tasklist.py): statuses, one section at a time, Continue and
Back, every problem at once at the top, check answers, and the final action."""

from __future__ import annotations

import asyncio

import ipywidgets as w
import pytest

from rso_widgets.widgets.tasklist import (
    CANNOT_START,
    COMPLETED,
    IN_PROGRESS,
    NOT_STARTED,
    Section,
    TaskListJourney,
)


class Answers:
    """Two text sections and a third that needs the first: the kind of state an app keeps."""

    def __init__(self) -> None:
        self.name = w.Text()
        self.notes = w.Text()
        self.built: list[str] = []
        self.submitted = 0

    def section(self, key: str, title: str, control: w.Text, needs: w.Text | None = None):
        def build() -> w.Widget:
            self.built.append(key)
            return control

        def status() -> str:
            if needs is not None and not needs.value:
                return CANNOT_START
            if not control.value:
                return NOT_STARTED
            return COMPLETED if control.value != "draft" else IN_PROGRESS

        def check():
            if not control.value or control.value == "draft":
                return [(title, f"Enter {title.lower()} in full", control)]
            return []

        return Section(key, title, build, status, check, lambda: [(title, control.value)])


@pytest.fixture
def journey():
    a = Answers()
    third = w.Text()

    def submit(j: TaskListJourney) -> None:
        a.submitted += 1
        j.done("Saved as version 1 <script>")

    j = TaskListJourney("Assessment <b>", [
        a.section("name", "Name", a.name),
        a.section("notes", "Notes", a.notes),
        a.section("more", "More", third, needs=a.name),
    ], submit_label="Save this version", on_submit=submit)
    return j, a, third


def task_titles(j: TaskListJourney) -> list[str]:
    names = [row.children[0].children[0] for row in j.body.children[0].children]
    return [n.description if isinstance(n, w.Button) else n.value for n in names]


def test_opens_on_the_task_list_with_statuses_and_nothing_built(journey):
    j, a, _ = journey
    assert j.current is None
    assert a.built == []  # sections are built when first opened: a short first view
    assert "Assessment &lt;b&gt;" in j.heading.value  # the title is escaped
    assert "completed 0 of 3 sections" in j.heading.value
    assert task_titles(j)[:2] == ["Name", "Notes"]
    assert "More" in task_titles(j)[2]  # cannot start yet: plain text, not a link
    assert j.statuses() == {"name": NOT_STARTED, "notes": NOT_STARTED, "more": CANNOT_START}
    assert j.nav.layout.display == "none"


def test_continue_shows_every_problem_at_the_top_and_stays(journey):
    j, a, _ = journey
    j.open_section("name")
    assert a.built == ["name"] and j.body.children == (a.name,)
    assert "Section 1 of 3" in j.heading.value
    j._continue()
    assert j.current == "name"
    assert j.summary_box.items == ["Enter name in full"]
    assert j.summary_box.layout.display == ""


def test_continue_goes_to_the_next_section_then_back_returns_to_the_list(journey):
    j, a, _third = journey
    j.open_section("name")
    a.name.value = "Ann"
    j._continue()
    assert j.current == "notes"
    assert j.summary_box.items == []
    j._back()
    assert j.current is None
    assert "completed 1 of 3" in j.heading.value
    assert j.statuses()["more"] == NOT_STARTED  # now it can start


def test_last_section_leads_to_check_answers_when_all_are_complete(journey):
    j, a, third = journey
    a.name.value, a.notes.value = "Ann", "ok"
    j.open_section("more")
    third.value = "done"
    j._continue()
    assert j.current == "check"
    html = "".join(b.children[0].value for b in j.body.children)
    assert "<dt>Name</dt><dd>Ann</dd>" in html
    assert j.submit_button.layout.display == "" and j.continue_button.layout.display == "none"


def test_last_section_returns_to_the_list_while_others_are_incomplete(journey):
    j, a, third = journey
    a.name.value = "Ann"
    j.open_section("more")
    third.value = "done"
    j._continue()
    assert j.current is None


def test_change_from_check_answers_comes_back_to_check_answers(journey):
    j, a, third = journey
    a.name.value, a.notes.value, third.value = "Ann", "ok", "x"
    j.show_check_answers()
    j._change("notes")
    assert j.current == "notes" and j.back_button.description == "Back to check your answers"
    a.notes.value = "changed"
    j._continue()
    assert j.current == "check"


def test_submit_lists_every_unfinished_section_at_once(journey):
    j, a, _third = journey
    j.open_section("name")
    a.name.value = "draft"
    j.show_check_answers()
    j._submit()
    assert a.submitted == 0
    assert j.summary_box.items == [
        "Enter name in full",
        "Notes is not completed. Open it from the task list and complete it.",
        "More is not completed. Open it from the task list and complete it."]


def test_submit_runs_the_action_and_the_message_is_escaped(journey):
    j, a, third = journey
    a.name.value, a.notes.value, third.value = "Ann", "ok", "x"
    j.show_check_answers()
    j._submit()
    assert a.submitted == 1
    assert "&lt;script&gt;" in j.message.value and "<script>" not in j.message.value


def test_a_failing_status_or_summary_never_breaks_the_page():
    def boom():
        raise RuntimeError("bad")

    j = TaskListJourney("T", [Section("a", "A", w.Text, boom, summary=boom)])
    assert j.statuses() == {"a": IN_PROGRESS}
    j.show_check_answers()
    assert "could not be shown" in j.body.children[0].children[0].value


def test_a_failing_action_is_shown_not_raised():
    def fail(_j):
        raise RuntimeError("database gone")

    j = TaskListJourney("T", [Section("a", "A", w.Text, lambda: COMPLETED)], on_submit=fail)
    j.show_check_answers()
    j._submit()
    assert "Something went wrong while saving" in j.summary_box.text


def test_sections_must_exist_and_be_unique():
    with pytest.raises(ValueError):
        TaskListJourney("T", [])
    s = Section("a", "A", w.Text, lambda: NOT_STARTED)
    with pytest.raises(ValueError):
        TaskListJourney("T", [s, s])


def test_an_optional_section_is_not_demanded_but_its_problems_still_refuse():
    """`required=False`: the final action runs with it unfinished, and may refuse itself."""
    box, calls = w.Text(), []

    def submit(j: TaskListJourney) -> None:
        calls.append(1)
        if not box.value:
            j.show_problems([("Box", "Enter the box", j.target("a", box))])

    j = TaskListJourney("T", [Section("a", "A", lambda: box, lambda: NOT_STARTED,
                                      required=False),
                              Section("b", "B", w.Text, lambda: COMPLETED)], on_submit=submit)
    j.show_check_answers()
    j._submit()
    assert calls == [1] and j.summary_box.items == ["Enter the box"]
    # the message's link opens the section, keeps the list at the top and focuses the field
    sent = []
    box.focus = lambda: sent.append("focus")  # type: ignore[method-assign]
    [link] = j.summary_box.links
    assert link.description == "Enter the box" and link.label == "Box"
    link.click()
    assert j.current == "a" and j.summary_box.items == ["Enter the box"]
    assert j.back_button.description == "Back to check your answers" and sent == ["focus"]
    # the last section's Continue goes to check answers once every required one is complete
    j.open_section("b")
    j._continue()
    assert j.current == "check"


def test_a_result_view_replaces_the_form_and_leads_back_to_the_list(journey):
    j, _a, _third = journey
    feedback = w.HTML("Compared <b>")
    j.show_result("Compared with the key <i>", [feedback])
    assert j.current == "result" and j.body.children == (feedback,)
    assert "&lt;i&gt;" in j.heading.value and j.nav.layout.display == "none"
    j._continue()  # nothing to continue from a result
    assert j.current == "result"
    j._back()
    assert j.current is None


def test_continue_passes_over_a_section_outside_the_sequence():
    """`sequence=False` (e.g. sign-off after saving): opened from the list, never by Continue."""
    j = TaskListJourney("T", [Section("a", "A", w.Text, lambda: COMPLETED),
                              Section("after", "After", w.Text, lambda: NOT_STARTED,
                                      required=False, sequence=False)])
    j.open_section("a")
    j._continue()
    assert j.current == "check"
    j.open_section("after")  # still reachable from the task list
    assert j.current == "after"


def test_go_to_opens_the_section_holding_the_field_and_keeps_the_summary(journey):
    j, a, _ = journey
    j.open_section("name")
    j.open_section("notes")
    j.show_check_answers()
    j.show_problems([("Name", "Enter name", a.name), ("Notes", "Enter notes", a.notes),
                     ("Notes", "Notes again", a.notes)])
    goto = j.summary_box.links  # each message is a link, two of them to Notes
    assert [(b.label, b.description) for b in goto] == [
        ("Name", "Enter name"), ("Notes", "Enter notes"), ("Notes", "Notes again")]
    assert goto[1].target is goto[2].target  # one "go to the Notes field" for both
    goto[2].click()
    assert j.current == "notes" and j.returning_to_check  # Continue goes back to the check
    assert j.summary_box.text == "Enter name\nEnter notes\nNotes again"  # the summary stays
    assert j.section_of(a.name) == "name" and j.section_of(w.Text()) is None


def test_an_optional_section_left_not_started_does_not_stop_the_submit():
    done = []
    name = w.Text(value="Ann")
    j = TaskListJourney("Record", [
        Section("name", "Name", lambda: name, lambda: COMPLETED if name.value else NOT_STARTED),
        Section("extra", "Extra", w.Text, lambda: NOT_STARTED, optional=True),
        Section("more", "More", w.Text, lambda: IN_PROGRESS, optional=True),
    ], on_submit=lambda jj: done.append(1))
    j.show_check_answers()
    j.submit_button.click()
    assert done == [] and "More is not completed" in j.summary_box.text  # started, unfinished
    assert "Extra" not in j.summary_box.text


def test_check_anytime_lists_an_unopened_sections_own_problems(journey):
    j, a, _third = journey
    j.sections[1].check_anytime = True
    a.name.value = "Ann"
    j.show_check_answers()
    j._submit()
    assert j.summary_box.items == [
        "Enter notes in full",
        "More is not completed. Open it from the task list and complete it."]


def test_focus_is_not_lost_when_back_or_continue_returns_to_the_task_list(journey):
    """Back and Continue are hidden on the task list: focus moves to its title, which the
    page makes focusable (`focus_target`), instead of dropping to the page."""
    j, a, _ = journey
    sent = []
    j.heading.focus = lambda: sent.append("title")  # type: ignore[method-assign]
    j.back_button.focus = lambda: sent.append("back")  # type: ignore[method-assign]
    assert "rso-focus-target" in j.heading._dom_classes
    j.open_section("name")
    assert sent == ["title"]  # a new view: its heading, the Back link just before it
    j._back()
    assert j.current is None and sent[-1] == "title"
    j.open_section("notes")
    a.notes.value = "written"
    j._continue()  # "More" cannot start yet and Name is empty: back to the list
    assert j.current is None and sent[-1] == "title"
    j.show_check_answers()
    assert sent[-1] == "title" and "Check your answers" in j.heading.value
    j.show_result("Feedback", [w.HTML("done")])
    assert sent[-1] == "title" and "Feedback" in j.heading.value
    assert "back" not in sent


def test_focus_moves_to_the_heading_before_the_section_is_built_and_drawn(journey):
    """Focus is sent with the new heading and Back link, before the section is built and
    put on the page: the browser moves focus at once, not after drawing a long section."""
    j, _, _ = journey
    events: list[str] = []
    j.heading.focus = lambda: events.append(  # type: ignore[method-assign]
        f"focus: {j.heading.value} back={j.back_button.layout.display!r}")
    j.body.observe(lambda c: events.append("body drawn" if c["new"] else "body cleared"),
                   names="children")
    section = j._section("notes")
    build = section.build
    section.build = lambda: events.append("built") or build()
    j.open_section("notes")
    assert events[0].startswith("focus: ") and "Notes</h2>" in events[0] \
        and "back=''" in events[0]
    # the last view's body goes while the section is built (not left under the new heading)
    assert events[1:] == ["body cleared", "built", "body drawn"]
    events.clear()
    j._back()
    assert events[0].startswith("focus: ") and "You have completed" in events[0]
    assert events[1:] == ["body drawn"]
    events.clear()
    j.open_section("notes")  # built already: focus first all the same
    assert events[0].startswith("focus: ") and events[1:] == ["body drawn"]


def test_a_section_that_cannot_be_built_leaves_the_task_list_showing(journey):
    """The heading changes before the section is built: if building fails, the task list
    shows again rather than the new heading over the last view's body."""
    j, _, _ = journey
    j.open_section("name")

    def broken() -> w.Widget:
        raise RuntimeError("cannot build")

    j._section("notes").build = broken
    with pytest.raises(RuntimeError):
        j.open_section("notes")
    assert j.current is None and "You have completed" in j.heading.value
    assert "notes" not in j.built and j.back_button.layout.display == "none"


def test_a_go_to_into_another_section_focuses_at_once_and_once_more_for_a_plain_page():
    """In a kernel: the field is focused at once (rso.js keeps the request until it is drawn),
    and once more `FOCUS_DELAY` later for a page without rso.js; a focus moved meanwhile
    (the journey's heading) cancels that repeat."""
    box, sent = w.Text(), []
    box.focus = lambda: sent.append("field")  # type: ignore[method-assign]
    j = TaskListJourney("T", [Section("a", "A", lambda: box, lambda: NOT_STARTED),
                              Section("b", "B", w.Text, lambda: COMPLETED)])
    j.heading.focus = lambda: sent.append("heading")  # type: ignore[method-assign]

    async def go_to(then_move: bool) -> None:
        j.show_check_answers()
        sent.clear()
        j._late_focus.delay = 0.05
        j.target("a", box).focus()
        assert j.current == "a" and sent == ["field"]  # at once, not after a delay
        if then_move:
            j.focus()
        await asyncio.sleep(0.15)

    asyncio.run(go_to(False))
    assert sent == ["field", "field"]
    asyncio.run(go_to(True))
    assert sent == ["field", "heading"]
