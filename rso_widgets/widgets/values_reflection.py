"""The values and beliefs reflection as a task list: one theme a section, each item a scenario,
a statement to agree or disagree with, and the person's own thoughts; check answers; save.
A thin view over `supervision.reflection` (the questions are its data file)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w

from ..supervision.reflection import Change, ValuesReflection
from .fields import Field, Shared, esc
from .tasklist import COMPLETED, IN_PROGRESS, NOT_STARTED, Section, TaskListJourney

Problem = tuple[str, str, Any]


class ItemInput:
    """One item: the scenario, the agreement choice and the person's own words."""

    def __init__(self, item: Any, form: ValuesReflection, shared: Shared) -> None:
        self.item = item
        self.scenario = shared.html_widget(f'<p class="rso-scenario">{esc(item.scenario)}</p>')
        self.choice = w.Dropdown(options=[(o.label, o.id) for o in form.scale], index=None,
                                 layout=shared.stacked, style=shared.desc)
        self.choice_field = Field(self.choice, item.statement, "How far do you agree?",
                                  name=item.id, size="medium", shared=shared)
        self.notes = w.Textarea(rows=3)
        self.notes_field = Field(self.notes, item.prompt, "Optional. Your own words, for you "
                                 "and anyone you share this with.", name=f"{item.id}.notes",
                                 size="wide", shared=shared)
        self.box = w.VBox([self.scenario, self.choice_field, self.notes_field])
        self.box.add_class("rso-reflection-item")

    @property
    def value(self) -> dict[str, Any]:
        return {"choice": self.choice.value, "notes": self.notes.value}

    def set(self, answer: Mapping[str, Any]) -> None:
        self.choice.value = answer.get("choice")
        self.notes.value = answer.get("notes") or ""


class ValuesReflectionForm:
    """The journey (`.journey`, a widget) and the answers it holds (`.value`)."""

    def __init__(self, form: ValuesReflection, on_save: Callable[[ValuesReflectionForm], None]):
        self.form = form
        shared = Shared()
        self.inputs = {i.id: ItemInput(i, form, shared) for i in form.items}
        self._on_save = on_save
        sections = [self._section(t) for t in form.themes]
        self.journey = TaskListJourney(
            form.title, sections, submit_label="Save my reflection", on_submit=self._submit,
            intro=("Three short sections. Each describes a situation from the work and asks how "
                   "far you agree with a statement. There are no right answers."),
            check_intro="Only you can see these answers unless you share them into one of your "
                        "supervision sessions.")

    def _section(self, theme: Any) -> Section:
        items = [self.inputs[i.id] for i in self.form.items_of(theme.id)]

        def status() -> str:
            chosen = sum(1 for x in items if x.choice.value is not None)
            if chosen == 0 and not any(x.notes.value.strip() for x in items):
                return NOT_STARTED
            return COMPLETED if chosen == len(items) else IN_PROGRESS

        def check() -> list[Problem]:
            problems = []
            for x in items:
                x.choice_field.error = ""
                if x.choice.value is None:
                    text = f"Choose how far you agree with \"{x.item.statement}\""
                    x.choice_field.error = text
                    problems.append((x.item.statement, text, x.choice))
            return problems

        def summary() -> list[tuple[str, str]]:
            rows = []
            for x in items:
                answer = self.form.label(x.choice.value)
                notes = x.notes.value.strip()
                rows.append((x.item.statement, f"{answer}\n{notes}" if notes else answer))
            return rows

        return Section(theme.id, theme.title, lambda: w.VBox([x.box for x in items]), status,
                       check, summary, hint=theme.hint)

    @property
    def value(self) -> dict[str, dict[str, Any]]:
        return {k: x.value for k, x in self.inputs.items()}

    def set(self, answers: Mapping[str, Any]) -> None:
        for k, x in self.inputs.items():
            x.set(answers.get(k) or {})

    def _submit(self, journey: TaskListJourney) -> None:
        self._on_save(self)

    def show_store_problems(self, problems: Sequence[Any]) -> None:
        """The store's `Problem`s (field = item id) inline and at the top, all at once."""
        items = []
        for p in problems:
            key = p.field.split(".")[0]
            x = self.inputs.get(key)
            text = f"{p.message} — {p.fix}"
            if x is not None:
                target = x.notes_field if p.field.endswith(".notes") else x.choice_field
                target.error = text
                items.append((x.item.statement, text, target.control))
            else:
                items.append((p.field, text, None))
        self.journey.show_problems(items)


def changes_html(changed: Sequence[Change], when: str) -> str:
    """A table of how the person's answers moved since their reflection of `when`."""
    moved = [c for c in changed if c.direction != "the same"]
    if not moved:
        return (f"<p>Your answers are the same as in your reflection of {esc(when)}.</p>")
    rows = "".join(f"<tr><th scope='row'>{esc(c.statement)}</th><td>{esc(c.before)}</td>"
                   f"<td>{esc(c.after)}</td><td>{esc(c.direction)}</td></tr>" for c in moved)
    return (f"<table class='rso-table'><caption>What changed since your reflection of "
            f"{esc(when)} ({len(moved)} of {len(changed)} answers)</caption><thead><tr>"
            "<th scope='col'>Statement</th><th scope='col'>Then</th><th scope='col'>Now</th>"
            "<th scope='col'>Change</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")
