"""The wellbeing check-in: four short questions, where to find support, and the team lead's
counts (never anyone's own answers). A thin view over `supervision.reflection`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w

from ..supervision.reflection import Signposts, TeamWellbeing, WellbeingCheckin
from .fields import ErrorSummary, Field, Notice, Shared, esc, text_button


def signposts_html(signposts: Signposts, *, open_: bool = False) -> str:
    items = "".join(f"<li><strong>{esc(s.name)}</strong>: {esc(s.what)} "
                    f"<span class='rso-hint'>{esc(s.how)}</span></li>"
                    for s in signposts.services)
    attr = " open" if open_ else ""
    return (f"<details class='rso-signposts'{attr}><summary>{esc(signposts.title)}</summary>"
            f"<ul>{items}</ul></details>")


class WellbeingForm(w.VBox):
    """The check-in form. `on_save(form)` runs when every question is answered."""

    def __init__(self, form: WellbeingCheckin, signposts: Signposts,
                 on_save: Callable[[WellbeingForm], None]) -> None:
        self.form = form
        self.signposts = signposts
        self._on_save = on_save
        shared = Shared()
        self.summary = ErrorSummary()
        self.fields: dict[str, Field] = {}
        for q in form.questions:
            dd = w.Dropdown(options=[(o.label, o.id) for o in q.options], index=None,
                            layout=shared.stacked, style=shared.desc)
            self.fields[q.id] = Field(dd, q.label, name=q.id, size="medium", shared=shared)
        self.save_button = text_button("Save my check-in", primary=True)
        self.save_button.on_click(self._save)
        self.notice = Notice()
        self.notice.clear()
        self.support = w.HTML(signposts_html(signposts))
        intro = w.HTML(f"<h2>{esc(form.title)}</h2><p class='rso-hint'>"
                       f"{esc(form.provenance['not_a_test'])}</p>")
        super().__init__([intro, self.summary, *self.fields.values(), self.save_button,
                          self.notice, self.support])
        self.add_class("rso-wellbeing")

    @property
    def value(self) -> dict[str, Any]:
        return {k: f.control.value for k, f in self.fields.items()}

    def reset(self) -> None:
        for f in self.fields.values():
            f.control.value = None
            f.error = ""

    def _save(self, _b: Any = None) -> None:
        problems = []
        for q in self.form.questions:
            f = self.fields[q.id]
            f.error = "" if f.control.value is not None else f"Choose an answer to \"{q.label}\""
            if f.error:
                problems.append((q.label, f.error, f.control))
        if problems:
            self.summary.show(problems)
            self.summary.focus_first()
            return
        self.summary.clear()
        self._on_save(self)

    def show_store_problems(self, problems: Sequence[Any]) -> None:
        items = []
        for p in problems:
            f = self.fields.get(p.field)
            text = f"{p.message} — {p.fix}"
            if f is not None:
                f.error = text
            items.append((f.label if f else p.field, text, f.control if f else None))
        self.summary.show(items)
        self.summary.focus_first()

    def saved(self, support_for: Sequence[str]) -> None:
        """Say it is saved; when an answer suggests strain, point to support first."""
        if support_for:
            self.notice.say("Thank you. Some of your answers suggest things are hard at the "
                            "moment. You do not have to manage this alone: the people and "
                            "services below can help, and you can share this check-in with "
                            "your supervisor.", heading="Your check-in is saved")
            self.support.value = signposts_html(self.signposts, open_=True)
        else:
            self.notice.say("Your check-in is saved. Only you can see it unless you share it.",
                            heading="Saved")


def team_wellbeing_html(view: TeamWellbeing) -> str:
    """Counts across the team, or why they are withheld. Never anyone's own answers."""
    if view.withheld:
        return f"<p>{esc(view.withheld)}</p>"
    parts = [f"<p>From the latest check-in of each of {view.people} people in the team. "
             "Nobody's own answers are shown.</p>"]
    for q in view.questions:
        rows = "".join(f"<tr><th scope='row'>{esc(label)}</th><td>{n}</td></tr>"
                       for label, n in q.counts)
        parts.append(f"<table class='rso-table'><caption>{esc(q.question)}</caption><thead>"
                     "<tr><th scope='col'>Answer</th><th scope='col'>People</th></tr></thead>"
                     f"<tbody>{rows}</tbody></table>")
    return "".join(parts)
