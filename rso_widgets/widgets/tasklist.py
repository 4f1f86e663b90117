"""A long form as a GOV.UK task list: the list of sections with their status, one section at a
time with Back and Continue, then "Check your answers" before the final action.

The journey owns navigation only. Each `Section` brings its own widget (built the first time it
is opened, so the first view is the short task list), a `status()` and, optionally, a `check()`
that returns every problem of that section at once and a `summary()` of its answers. Errors
appear at the top of what the person is looking at, and keyboard focus moves there. The
list's rows and the check page's blocks are made once and updated (`tasklist_views.py`).

Status words follow the GOV.UK task list pattern: "Not started", "In progress", "Completed";
"Cannot start yet" for a section that needs an earlier one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as w

from .fields import ErrorSummary, esc, focus_target, safe_callback, text_button
from .tasklist_views import CANNOT_START, COMPLETED, IN_PROGRESS, NOT_STARTED, TaskViews
from .timing import Debouncer, running_loop

log = logging.getLogger("rso_widgets.widgets")

STATUSES = (NOT_STARTED, IN_PROGRESS, COMPLETED, CANNOT_START)
FOCUS_DELAY = 0.8  # seconds: the repeat of a focus for a page without rso.js (focus_once_drawn)

# (field label, sentence naming the field and the fix, widget to focus or None): ErrorSummary's
Problem = tuple[str, str, Any]


@dataclass
class Section:
    """One task. `build` makes its widget (called once, on first opening); `status` says how
    far it has got; `check` lists its problems (empty when it can be left as complete);
    `summary` gives (question, answer) rows for "Check your answers". `check` runs only once
    the section has been opened; `summary` and `status` run any time, so they read the
    answers (a loaded draft counts), not widgets that may not exist yet. With `check_anytime`,
    `check` also runs for a section never opened (so "Save" lists its problems too). An
    `optional` section left not started does not stop the final action; one not `required`
    is never demanded by it (the action may still refuse, through `show_problems`); one
    outside the `sequence` is opened from the task list only."""

    key: str
    title: str
    build: Callable[[], w.Widget]
    status: Callable[[], str]
    check: Callable[[], list[Problem]] = field(default=lambda: [])
    summary: Callable[[], list[tuple[str, str]]] = field(default=lambda: [])
    hint: str = ""
    check_anytime: bool = False  # `check` reads the answers, not widgets: run it unopened too
    optional: bool = False
    required: bool = True  # False: never demanded before the final action, even started
    sequence: bool = True  # False: opened from the task list only; Continue passes over it


def _report(journey: TaskListJourney, message: str) -> None:
    journey.summary_box.show([("", message, None)])


class TaskListJourney(w.VBox):
    """The task list, one section at a time, and "Check your answers".

    `on_submit(journey)` runs from the check-answers page's main button; it calls
    `journey.show_problems([...])` to refuse (the problems appear at the top, focus moves to
    them) or `journey.done(message)` after it has saved.
    """

    def __init__(self, title: str, sections: Sequence[Section], *,
                 submit_label: str = "Save", on_submit: Callable[[TaskListJourney], None]
                 | None = None, intro: str = "", check_intro: str = ""):
        if not sections:
            raise ValueError("a task list needs at least one section")
        keys = [s.key for s in sections]
        if len(set(keys)) != len(keys):
            raise ValueError(f"section keys must be unique: {keys}")
        self.title = title
        self.sections = list(sections)
        self.on_submit = on_submit
        self.intro = intro
        self.check_intro = check_intro
        self.current: str | None = None  # None: the task list; "check": check answers
        self.returning_to_check = False
        self.built: dict[str, w.Widget] = {}
        self._late_focus = Debouncer(FOCUS_DELAY, lambda: None)  # see `focus_once_drawn`
        self.summary_box = ErrorSummary()
        self.heading = focus_target(w.HTML())  # the task list's top, for `focus`
        self.back_button = text_button("Back")
        self.back_button.add_class("rso-back-link")
        self.back_button.on_click(self._back)
        self.body = w.VBox()
        self.continue_button = text_button("Continue", primary=True)
        self.continue_button.on_click(self._continue)
        self.submit_button = text_button(submit_label, primary=True)
        self.submit_button.on_click(self._submit)
        self.message = w.HTML()
        self.nav = w.HBox([self.continue_button, self.submit_button])
        self.nav.add_class("rso-journey-nav")
        self.views = TaskViews(self._open_from_list, self._change, self.show_check_answers)
        super().__init__(children=[self.back_button, self.summary_box, self.heading,
                                   self.body, self.nav, self.message])
        self.add_class("rso-journey")
        self.show_task_list()

    def focus(self) -> None:
        """Move keyboard focus to the current view's heading (the task list's title, a
        section's caption and title): what a screen reader reads first on a new page. The
        Back link stays just before it."""
        self._late_focus.cancel()
        self.heading.focus()

    def focus_once_drawn(self, target: Any) -> None:
        """Focus `target`, whose view is being drawn now: rso.js keeps the request until the
        view is drawn. Without it (JupyterLab) ipywidgets drops it; the same request again
        `FOCUS_DELAY` later lands (rso.js ignores that repeat; a later focus cancels it)."""
        self._late_focus.cancel()
        target.focus()
        if running_loop() is not None:  # a kernel: the page may be without rso.js
            self._late_focus.fn = target.focus
            self._late_focus()

    # --- views -----------------------------------------------------------------------------

    def statuses(self) -> dict[str, str]:
        out = {}
        for s in self.sections:
            try:
                status = s.status()
            except Exception:  # a status must never break the list
                log.exception("status of section %s", s.key)
                status = IN_PROGRESS
            out[s.key] = status if status in STATUSES else IN_PROGRESS
        return out

    def show_task_list(self, _b: Any = None, *, focus: bool = False) -> None:
        """Show the task list; with `focus`, move focus to its title before its rows are
        rebuilt (as a section's heading, `open_section`)."""
        self.current = None
        self.returning_to_check = False
        self.summary_box.clear()
        statuses = self.statuses()
        done = sum(1 for v in statuses.values() if v == COMPLETED)
        intro = f'<p class="rso-hint">{esc(self.intro)}</p>' if self.intro else ""
        self.heading.value = (f'<h2 class="rso-journey-title">{esc(self.title)}</h2>{intro}'
                              f'<p class="rso-journey-progress">You have completed {done} of '
                              f'{len(self.sections)} sections.</p>')
        self.back_button.layout.display = "none"
        if focus:
            self.focus()
        self.body.children = self.views.task_list(self.sections, statuses)
        self.nav.layout.display = "none"

    def _open_from_list(self, key: str, _b: Any = None) -> None:
        self.open_section(key)

    def open_section(self, key: str, *, from_check: bool = False,
                     keep_problems: bool = False) -> None:
        """Show section `key`. Its heading and Back link change, and focus moves to the
        heading, before the section is built and drawn: the page sends them at once, so
        focus never waits for a long section (a summary link, `keep_problems`, focuses a field)."""
        section = self._section(key)
        self.current = key
        self.returning_to_check = from_check
        if not keep_problems:
            self.summary_box.clear()
        self.message.value = ""
        number = self.sections.index(section) + 1
        self.back_button.description = ("Back to check your answers" if from_check
                                        else "Back to the task list")
        self.back_button.layout.display = ""
        self.heading.value = (f'<p class="rso-caption">Section {number} of '
                              f'{len(self.sections)}</p><h2 class="rso-journey-title">'
                              f'{esc(section.title)}</h2>')
        if not keep_problems:  # else the caller moves focus to the field
            self.focus()
        if key not in self.built:  # built now: not the last view's body under this heading
            self.body.children = []
            try:
                self.built[key] = section.build()
            except Exception:
                self.show_task_list(focus=True)  # not a heading over the last view's body
                raise
        self.body.children = [self.built[key]]
        self.nav.layout.display = ""
        self.continue_button.layout.display = ""
        self.submit_button.layout.display = "none"

    def show_check_answers(self, _b: Any = None) -> None:
        self.current = "check"
        self.returning_to_check = False
        self.summary_box.clear()
        statuses = self.statuses()
        intro = f'<p>{esc(self.check_intro)}</p>' if self.check_intro else ""
        self.heading.value = f'<h2 class="rso-journey-title">Check your answers</h2>{intro}'
        self.back_button.description = "Back to the task list"
        self.back_button.layout.display = ""
        self.focus()
        self.body.children = self.views.check_page(self.sections, statuses, self._rows)
        self.nav.layout.display = ""
        self.continue_button.layout.display = "none"
        self.submit_button.layout.display = ""

    def _rows(self, section: Section) -> list[tuple[str, str]]:
        try:
            return list(section.summary())
        except Exception:
            log.exception("summary of section %s", section.key)
            return [("Answers", "These answers could not be shown. Open the section to see them.")]

    def _change(self, key: str, _b: Any = None) -> None:
        self.open_section(key, from_check=True)

    # --- navigation ------------------------------------------------------------------------

    def _section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    @safe_callback(_report, "going back")
    def _back(self, _b: Any = None) -> None:
        if self.returning_to_check:
            self.show_check_answers()
        else:
            self.show_task_list(focus=True)  # the Back link pressed is hidden there

    @safe_callback(_report, "checking this section")
    def _continue(self, _b: Any = None) -> None:
        if self.current in (None, "check", "result"):
            return
        problems = list(self._section(self.current).check())
        if problems:
            self.show_problems(problems)
            return
        if self.returning_to_check:
            self.show_check_answers()
            return
        index = [s.key for s in self.sections].index(self.current)
        statuses = self.statuses()
        later = [s.key for s in self.sections[index + 1:]
                 if s.sequence and statuses[s.key] != CANNOT_START]
        if later:
            self.open_section(later[0])
        elif all(statuses[s.key] == COMPLETED for s in self.sections if s.required):
            self.show_check_answers()
        else:
            self.show_task_list(focus=True)  # Continue is hidden on the task list

    @safe_callback(_report, "saving")
    def _submit(self, _b: Any = None) -> None:
        statuses = self.statuses()
        problems: list[Problem] = []
        for s in self.sections:
            if s.key in self.built or s.check_anytime:
                problems += s.check()
            elif s.required and statuses[s.key] != COMPLETED and not (
                    s.optional and statuses[s.key] == NOT_STARTED):
                problems.append((s.title, f"{s.title} is not completed. Open it from the task "
                                          "list and complete it.", None))
        if problems:
            self.show_problems(problems)
            return
        if self.on_submit is not None:
            self.on_submit(self)

    def show_problems(self, problems: list[Problem]) -> None:
        """Every problem at once, at the top of the current view; focus moves to them. A
        problem's link opens the section its field is in (the summary stays) first."""
        reach: dict[int, _GoTo] = {}
        items = []
        for label, text, target in problems:
            if target is not None and not isinstance(target, SectionTarget):
                target = reach.setdefault(id(target), _GoTo(self, target))
            items.append((label, text, target))
        self.summary_box.show(items)
        self.summary_box.focus_first()  # the summary, links or none

    def target(self, key: str, widget: Any) -> SectionTarget:
        """A focus target for `show_problems` that lives in section `key`: its link opens the
        section (keeping the problem list) and then moves focus to `widget`."""
        return SectionTarget(self, key, widget)

    def show_result(self, title: str, widgets: Sequence[w.Widget]) -> None:
        """A view after the final action (e.g. feedback), with a way back to the task list;
        focus moves to its heading."""
        self.current = "result"
        self.returning_to_check = False
        self.summary_box.clear()
        self.heading.value = f'<h2 class="rso-journey-title">{esc(title)}</h2>'
        self.back_button.description = "Back to the task list"
        self.back_button.layout.display = ""
        self.focus()
        self.body.children = list(widgets)
        self.nav.layout.display = "none"

    def section_of(self, target: Any) -> str | None:
        """The key of the section whose widget holds `target`, if any (sections not yet
        built are built to look, only when the built ones do not hold it)."""
        for key, widget in self.built.items():
            if _holds(widget, target):
                return key
        for s in self.sections:
            if s.key not in self.built:
                self.built[s.key] = s.build()
                if _holds(self.built[s.key], target):
                    return s.key
        return None

    def done(self, message: str) -> None:
        """Say the outcome (escaped) under the main button, after a successful submit."""
        self.summary_box.clear()
        self.message.value = f'<div class="rso-confirmation" role="status">{esc(message)}</div>'


class SectionTarget:
    """Focus target for a problem whose field is in another section (see `target`)."""

    def __init__(self, journey: TaskListJourney, key: str, widget: Any):
        self.journey, self.key, self.widget = journey, key, widget

    def focus(self) -> None:
        j = self.journey
        if j.current == self.key:
            j._late_focus.cancel()
            self.widget.focus()
            return
        j.open_section(self.key, from_check=j.current == "check" or j.returning_to_check,
                       keep_problems=True)
        j.focus_once_drawn(self.widget)


class _GoTo:
    """A problem's focus target that first opens the section holding it."""

    def __init__(self, journey: TaskListJourney, target: Any) -> None:
        self.journey, self.target = journey, target

    def focus(self) -> None:
        key = self.journey.section_of(self.target)
        if key is not None and key != self.journey.current:
            self.journey.open_section(key, from_check=self.journey.current == "check"
                                      or self.journey.returning_to_check, keep_problems=True)
            self.journey.focus_once_drawn(self.target)
            return
        self.journey._late_focus.cancel()
        self.target.focus()


def _holds(widget: Any, target: Any) -> bool:
    todo = [widget]
    while todo:
        wdg = todo.pop()
        if wdg is target:
            return True
        todo += list(getattr(wdg, "children", ()))
    return False
