"""The task list's rows and the "Check your answers" blocks of a `TaskListJourney`, each made
the first time it is shown and updated after that: going back to the list or to the check
page again makes no widgets (it used to make about ten a section each time, never closed,
and send them all to the page again)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from .fields import esc, text_button

if TYPE_CHECKING:  # the journey makes its views; they only call back into it
    from .tasklist import Section

NOT_STARTED = "Not started"  # the GOV.UK task list's status words (`tasklist` exports them)
IN_PROGRESS = "In progress"
COMPLETED = "Completed"
CANNOT_START = "Cannot start yet"


def column(children: list[w.Widget], css_class: str) -> w.VBox:
    box = w.VBox(children)
    box.add_class(css_class)
    return box


@dataclass
class _Row:
    box: w.HBox  # [name, status tag]
    name: w.VBox  # [title, hint]
    hint: list[w.Widget]
    link: w.Button | None = None  # the title as a link, once the task can be started
    title: w.HTML | None = None  # the title as text, while it cannot


class TaskViews:
    """The rows of the task list and the blocks of "Check your answers", one per section.
    `open_section(key)` runs from a row's link, `change(key)` from a block's "Change" link,
    `check_answers()` from the list's "Check your answers" button."""

    def __init__(self, open_section: Callable[[str], None], change: Callable[[str], None],
                 check_answers: Callable[..., None]):
        self._open, self._change = open_section, change
        self.check_button = text_button("Check your answers")
        self.check_button.on_click(check_answers)
        self.list = column([], "rso-task-list")
        self._rows: dict[str, _Row] = {}
        self._blocks: dict[str, tuple[w.VBox, w.HTML]] = {}

    def task_list(self, sections: Sequence[Section], statuses: dict[str, str]
                  ) -> list[w.Widget]:
        """The list's rows with their statuses, then "Check your answers" (the main button
        once every section is completed)."""
        done = all(statuses[s.key] == COMPLETED for s in sections)
        self.check_button.button_style = "primary" if done else ""
        self.list.children = [self._row(s, statuses[s.key]) for s in sections]
        return [self.list, self.check_button]

    def _row(self, section: Section, status: str) -> w.HBox:
        """The section's row, made with its first status (no update sent after) or updated
        (only what changed is sent)."""
        tag = (f'<strong class="rso-tag rso-tag-{status.lower().replace(" ", "-")}">'
               f'{esc(status)}</strong>')
        row = self._rows.get(section.key)
        title = self._title(row, section, status)
        if row is None:
            hint = [w.HTML(f'<div class="rso-hint">{esc(section.hint)}</div>')] \
                if section.hint else []
            name = column([title, *hint], "rso-task-name")
            row = _Row(w.HBox([name, w.HTML(tag)]), name, hint)
            row.box.add_class("rso-task")
            self._rows[section.key] = row
        else:
            row.box.children[1].value = tag
            row.name.children = [title, *row.hint]
        row.link = title if isinstance(title, w.Button) else row.link
        row.title = title if not isinstance(title, w.Button) else row.title
        return row.box

    def _title(self, row: _Row | None, section: Section, status: str) -> w.Widget:
        """The row's title: a link once the task can be started, else text."""
        if status == CANNOT_START:
            if row is not None and row.title is not None:
                return row.title
            return w.HTML(f'<span class="rso-task-title">{esc(section.title)}</span>')
        if row is not None and row.link is not None:
            return row.link
        link = text_button(section.title)
        link.add_class("rso-task-link")
        link.on_click(functools.partial(_call, self._open, section.key))
        return link

    def check_page(self, sections: Sequence[Section], statuses: dict[str, str],
                   rows_of: Callable[[Section], list[tuple[str, str]]]) -> list[w.Widget]:
        """Each section's answers (and its status when not completed) with its "Change"
        link."""
        blocks: list[w.Widget] = []
        for s in sections:
            rows = "".join(f'<div class="rso-summary-row"><dt>{esc(q)}</dt><dd>{esc(a)}</dd>'
                           f'</div>' for q, a in rows_of(s))
            if statuses[s.key] != COMPLETED:
                rows += (f'<div class="rso-summary-row"><dt>Status</dt><dd>'
                         f'{esc(statuses[s.key])}</dd></div>')
            text = f'<h3>{esc(s.title)}</h3><dl class="rso-summary-list">{rows}</dl>'
            if s.key not in self._blocks:
                html = w.HTML(text)
                change = text_button(f"Change {s.title}")
                change.add_class("rso-task-link")
                change.on_click(functools.partial(_call, self._change, s.key))
                self._blocks[s.key] = (column([html, change], "rso-summary-section"), html)
            block, html = self._blocks[s.key]
            html.value = text
            blocks.append(block)
        return blocks


def _call(fn: Callable[[str], None], key: str, _button: Any = None) -> None:
    fn(key)
