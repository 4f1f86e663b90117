"""The follow-up for a factor rated *insufficient information*: what to find out, from whom, by
when. Shown under the rating only while it is "Insufficient information"; its three fields are
built the first time they are needed, so a page where nothing is insufficient stays lean.

A view only: `instruments.arms.check()` says what is missing; this module shows those gaps
beside the fields (`show_errors`) and reads the fields back (`model`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..instruments.arms import Factor, FollowUp, Gap
from .fields import Field, Shared

#: follow-up part → (label, hint)
PARTS = {
    "what": ("What to find out", "The question the assessment cannot answer yet."),
    "source": ("From whom", "The person, a partner agency, a third party or records."),
    "due": ("By when", "On or after the assessment date."),
}


class FollowUpBox(w.VBox):
    """What to find out, from whom, by when — for one factor."""

    def __init__(self, factor: Factor, shared: Shared, on_edit: Callable[..., Any]):
        self.factor = factor
        self.shared = shared
        self._on_edit = on_edit
        self.fields: dict[str, Field] = {}
        self._pending: FollowUp | None = None
        super().__init__([], layout=w.Layout(display="none"))
        self.add_class("rso-follow-up")

    # -- building on demand ----------------------------------------------------------------
    def _build(self) -> None:
        if self.fields:
            return
        sh, fid = self.shared, self.factor.id
        what = w.Textarea(value="", rows=2, continuous_update=True, layout=sh.stacked,
                          style=sh.text)
        source = w.Text(value="", continuous_update=True, layout=sh.stacked, style=sh.text)
        due = w.DatePicker(value=None, layout=sh.stacked, style=sh.desc)
        for key, control, size in (("what", what, "wide"), ("source", source, "medium"),
                                   ("due", due, "narrow")):
            label, hint = PARTS[key]
            self.fields[key] = Field(control, f"{fid} follow-up: {label.lower()}", hint,
                                     name=f"ratings.{fid}.follow_up.{key}", size=size,
                                     shared=sh)
            control.observe(self._on_edit, names="value")
        head = sh.html_widget("<p class='rso-follow-up-head'><strong>Insufficient "
                              "information: what to find out, from whom, by when</strong></p>")
        self.children = [head, *self.fields.values()]
        if self._pending is not None:
            self._fill(self._pending)

    def show(self, visible: bool) -> None:
        """Show the fields (building them the first time) or hide them."""
        if visible:
            self._build()
        self.layout.display = "" if visible else "none"

    # -- values ------------------------------------------------------------------------------
    def load(self, fu: FollowUp | None) -> None:
        """Show a stored follow-up (None: empty fields)."""
        self._pending = fu or FollowUp()
        if fu is not None:
            self._build()
        if self.fields:
            self._fill(self._pending)

    def _fill(self, fu: FollowUp) -> None:
        self.fields["what"].control.value = fu.what
        self.fields["source"].control.value = fu.source
        self.fields["due"].control.value = fu.due

    def model(self) -> FollowUp | None:
        """The follow-up as typed (None when nothing is typed)."""
        if not self.fields:
            return self._pending if self._pending and self._pending != FollowUp() else None
        due = self.fields["due"].control.value
        if isinstance(due, dt.datetime):
            due = due.date()
        fu = FollowUp(what=self.fields["what"].control.value,
                      source=self.fields["source"].control.value, due=due)
        return None if fu == FollowUp() else fu

    def control(self, part: str) -> Any:
        """The control for `what` / `source` / `due` (built if needed), for summary links."""
        self._build()
        return self.fields[part].control if part in self.fields else None

    # -- errors -------------------------------------------------------------------------------
    def show_errors(self, gaps: list[Gap], checked: bool) -> None:
        """Each follow-up gap beside its field once the form has been checked."""
        if not self.fields:
            return
        by_part = {g.field.rsplit(".", 1)[-1]: g.message.split(": ", 1)[-1] for g in gaps
                   if ".follow_up." in g.field}
        for part, fld in self.fields.items():
            fld.error = by_part.get(part, "") if checked else ""
