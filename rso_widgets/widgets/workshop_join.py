"""Join a workshop: the join code and a display name, GOV.UK style (errors next to the field and
in a summary at the top). A form only: the app asks the store and calls `show_problem`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from .fields import HINT_COLOUR, ErrorSummary, Field, Notice, form_style, text_button


class WorkshopJoin(w.VBox):
    """Join code, display name and a Join button."""

    def __init__(self, **kwargs: Any):
        self.summary = ErrorSummary()
        self.failure = Notice(layout=w.Layout(display="none"))
        self.code = w.Text(value="", continuous_update=True)
        self.code_field = Field(self.code, "Join code",
                                "The 6 characters your trainer shows, for example K7QM3X.",
                                size="narrow")
        self.name = w.Text(value="", continuous_update=True)
        self.name_field = Field(self.name, "Your display name",
                                "How your trainer will know you, for example your first name "
                                "and initial. The room's shared screen shows no names. If your "
                                "page closed, join again with the same name to carry on.",
                                size="medium")
        self.join_button = text_button("Join the workshop", primary=True)
        # hooks for the page's quick join form (serving/.../rso/static/rso_quick.js)
        self.code.add_class("rso-join-code-input")
        self.name.add_class("rso-join-name-input")
        self.join_button.add_class("rso-join-button")
        self.fields = {"code": self.code_field, "name": self.name_field}
        super().__init__([
            form_style(),
            w.HTML('<h2 style="margin:12px 0 6px 0">Join a workshop</h2>'
                   f'<p style="color:{HINT_COLOUR};max-width:45em;margin:0 0 8px 0">Score each '
                   "case on your own. Nobody sees the key until the trainer releases it.</p>"),
            self.summary, self.failure, self.code_field, self.name_field, self.join_button],
            layout=w.Layout(max_width="60em"), **kwargs)
        self.add_class("rso-form")
        self.add_class("rso-workshop-join")

    def on_join(self, callback: Callable[[Any], Any]) -> None:
        self.join_button.on_click(callback)

    def clear_problems(self) -> None:
        for f in self.fields.values():
            f.error = ""
        self.summary.clear()
        self.failure.clear()

    def show_problem(self, where: str, message: str) -> None:
        """Show `message` next to the code or the name field, and in the summary."""
        self.show_problems([(where, message)])

    def show_problems(self, problems: list[tuple[str, str]]) -> None:
        """Show every (field, message) at once: each next to its field and all in the
        summary, which then takes focus."""
        self.clear_problems()
        items = []
        for where, message in problems:
            field = self.fields.get(where, self.code_field)
            field.error = f"{field.error} {message}".strip()
            items.append((field.label, message, field.control))
        self.summary.show(items)
        self.summary.focus_first()
