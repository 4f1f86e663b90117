"""Your earlier reflections or check-ins, and sharing one into one of your supervision sessions
(or withdrawing it). A view: the app calls the store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w

from ..timefmt import when_text
from .fields import Field, Notice, Shared, esc, text_button


def when(record: Any) -> str:
    return when_text(record.created_at)


class SharingPanel(w.VBox):
    """Pick one of your records and a session of yours; Share or Withdraw."""

    def __init__(self, noun: str, on_share: Callable[[int, int | None], None]) -> None:
        shared = Shared()
        self.noun = noun
        self._on_share = on_share
        self.records: list[Any] = []
        self.listing = w.HTML()
        self.record = w.Dropdown(options=[], layout=shared.stacked, style=shared.desc)
        self.session = w.Dropdown(options=[], layout=shared.stacked, style=shared.desc)
        self.record_field = Field(self.record, f"Which {noun}", name="record", size="medium",
                                  shared=shared)
        self.session_field = Field(self.session, "Share it into", "Your supervisor in that "
                                   "session can then read it. Nobody else can.", name="session",
                                   size="medium", shared=shared)
        self.share_button = text_button(f"Share this {noun}")
        self.share_button.on_click(self._share)
        self.withdraw_button = text_button("Stop sharing it")
        self.withdraw_button.on_click(self._withdraw)
        self.notice = Notice()
        self.notice.clear()
        self.controls = w.VBox([self.record_field, self.session_field,
                                w.HBox([self.share_button, self.withdraw_button]), self.notice])
        super().__init__([w.HTML(f"<h2>Your earlier {esc(noun)}s</h2>"), self.listing,
                          self.controls])
        self.add_class("rso-sharing")

    def show(self, records: Sequence[Any], sessions: Sequence[Any],
             name_of: Callable[[str], str] = str) -> None:
        """`records`: yours, newest first; `sessions`: supervision sessions you are assessed
        in; `name_of`: a user's display name."""
        self.records = list(records)
        names = {s.id: f"{s.held_on:%d %B %Y} with {name_of(s.supervisor)}" for s in sessions}
        if not records:
            self.listing.value = f"<p>You have no earlier {esc(self.noun)}s.</p>"
            self.controls.layout.display = "none"
            return
        rows = "".join(f"<tr><td>{esc(when(r))}</td><td>{esc(_who(r, names))}</td></tr>"
                       for r in records)
        self.listing.value = (f"<table class='rso-table'><caption>{len(records)} saved</caption>"
                              "<thead><tr><th scope='col'>Saved</th><th scope='col'>Who can see "
                              f"it</th></tr></thead><tbody>{rows}</tbody></table>")
        self.record.options = [(when(r), r.id) for r in records]
        self.record.index = 0  # the newest
        self.session.options = [(label, sid) for sid, label in names.items()]
        self.session.index = None
        self.controls.layout.display = ""
        if not sessions:
            self.session_field.error = ""
            self.session_field.hint = ("You have no supervision sessions yet. Once one is "
                                       "recorded you can share into it.")

    def _share(self, _b: Any = None) -> None:
        self.session_field.error = ""
        if self.record.value is None or self.session.value is None:
            self.session_field.error = "Choose the session to share it into"
            self.notice.say("Choose the session to share it into.", kind="error")
            return
        self._on_share(self.record.value, self.session.value)

    def _withdraw(self, _b: Any = None) -> None:
        if self.record.value is not None:
            self._on_share(self.record.value, None)


def _who(record: Any, names: dict[int, str]) -> str:
    if record.shared_session_id is None:
        return "Private to you"
    return f"You and your supervisor: shared into the session of " \
           f"{names.get(record.shared_session_id, 'a session')}"
