"""Reflective diary: write an entry (prompted by an event, or freely), keep it private, share it
into one of your supervision sessions, or withdraw it again. Only the author sees an entry until
they share it; then that session's supervisor can read it too.

Views only: `DiaryForm.value` is what `write_diary_entry` takes; `DiaryShareForm` names the entry
and the session the app passes to `share_diary_entry`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w

from .dates import date_text
from .fields import esc, text_button
from .supervision_forms import (
    PageProblem,
    RecordForm,
    choice,
    date_picker,
    heading,
    hint,
    text_box,
)

PRIVATE = ("Your diary is private. An entry is seen by your supervisor only if you share it "
           "into one of your supervision sessions, and you can withdraw it at any time.")


class DiaryForm(RecordForm):
    """Write one diary entry, or edit one of your own (`start_edit`; the app saves an edit with
    the version it started from, so a change made elsewhere meanwhile is never overwritten)."""

    submit_label = "Save the entry"
    KEPT = ("case_id", "item", "assessment_id")  # links an edit keeps but this form does not show

    def __init__(self, lists: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lists = lists
        sh = self.shared
        self.editing: tuple[int, int] | None = None  # (entry id, version the edit started from)
        self._kept: dict[str, Any] = {}
        self._entries: dict[int, Any] = {}
        self.title = heading("Write a diary entry", 2)
        self.edit_picker = self.field("edit_entry", choice([], sh), "Edit one of your entries",
                                      "Your entries stay private unless you share them.",
                                      size="wide")
        self.edit_button = text_button("Edit this entry")
        self.edit_button.on_click(self._on_edit_clicked)
        self.cancel_button = text_button("Stop editing (keep the entry as it was)")
        self.cancel_button.on_click(lambda _b: self.reset())
        self.cancel_button.layout.display = "none"
        self.edit_box = w.VBox([self.edit_picker, self.edit_button],
                               layout=w.Layout(display="none"))
        self.prompt = self.field("prompt", choice([(p.label, p.id) for p in lists.diary_prompts],
                                                  sh, value="free"),
                                 "What prompted this entry?", self._prompt_hint("free"),
                                 size="medium")
        self.prompt.control.observe(self._on_prompt, names="value")
        self.event_on = self.field("event_on", date_picker(sh), "Date of the event (optional)",
                                   "When what you reflect on happened: today or earlier.")
        self.observation = self.field("observation_id", choice([("None", None)], sh,
                                                               none_first=True),
                                      "Observation this is about (optional)", size="wide")
        self.text = self.field("text", text_box(sh, area=True, rows=6), "Your reflection",
                               "What happened, what you made of it, and what you will do next.",
                               size="wide")
        self._finish([self.edit_box, self.title, hint(PRIVATE), self.prompt, self.event_on,
                      self.observation, self.text, self.cancel_button])
        self.add_class("rso-diary-form")

    # -- editing an entry ---------------------------------------------------------------------
    def set_entries(self, entries: Sequence[Any]) -> None:
        """The author's entries (newest first), offered for editing."""
        self._entries = {e.id: e for e in entries}
        self.edit_picker.control.options = [
            (f"Entry {n} — {date_text(e.created_at)}: {_short(e.text)}", e.id)
            for n, e in enumerate(entries, 1)]
        self.edit_picker.control.index = None
        self.edit_box.layout.display = "" if entries else "none"
        if self.editing is not None and self.editing[0] not in self._entries:
            self.reset()  # the entry being edited is gone (deleted under retention)

    def _on_edit_clicked(self, _button: Any = None) -> None:
        self.clear_problems()
        entry = self._entries.get(self.edit_picker.control.value)
        if entry is None:
            self.show_problems([PageProblem("edit_entry", "no entry chosen",
                                            "choose the entry to edit")], "the edit")
            return
        self.start_edit(entry)

    def start_edit(self, entry: Any) -> None:
        """Fill the form with `entry` (a `DiaryRecord`); saving then changes that entry."""
        self.clear_problems()
        n = list(self._entries).index(entry.id) + 1 if entry.id in self._entries else entry.id
        options = list(self.observation.control.options)
        if entry.observation_id is not None and entry.observation_id not in [v for _l, v
                                                                            in options]:
            options.append((f"Observation {entry.observation_id}", entry.observation_id))
            self.observation.control.options = options
        self.prompt.control.value = entry.prompt
        self.event_on.control.value = entry.event_on
        self.observation.control.value = entry.observation_id
        self.text.control.value = entry.text
        self._kept = {k: getattr(entry, k, None) for k in self.KEPT}
        self.editing = (entry.id, entry.version)
        self.title.value = heading(f"Edit entry {n} (written {date_text(entry.created_at)})",
                                   2).value
        self.submit_button.description = self.submit_button.tooltip = "Save changes"
        self.cancel_button.layout.display = ""
        self.text.control.focus()

    def _prompt_hint(self, prompt_id: str) -> str:
        return next((p.hint for p in self.lists.diary_prompts if p.id == prompt_id), "")

    def _on_prompt(self, change: dict[str, Any]) -> None:
        self.prompt.hint = self._prompt_hint(change["new"])
        self.prompt.notes.value = self.prompt._notes(self.prompt.error)

    def set_observations(self, observations: Sequence[Any]) -> None:
        self.observation.control.options = [("None", None)] + [
            (f"{date_text(o.observed_on)}, observed by {o.observer}", o.id)
            for o in observations]
        self.observation.control.value = None

    @property
    def value(self) -> dict[str, Any]:
        data: dict[str, Any] = {"prompt": self.prompt.control.value or "free",
                                "text": self.text.control.value}
        if self.event_on.control.value is not None:
            data["event_on"] = self.event_on.control.value
        if self.observation.control.value is not None:
            data["observation_id"] = self.observation.control.value
        if self.editing is not None:
            data.update({k: v for k, v in self._kept.items() if v is not None})
        return data

    def reset(self) -> None:
        """A blank new entry (ends any edit without saving it)."""
        self.clear_problems()
        self.prompt.control.value = "free"
        self.event_on.control.value = None
        self.observation.control.value = None
        self.text.control.value = ""
        self.editing, self._kept = None, {}
        self.title.value = heading("Write a diary entry", 2).value
        self.submit_button.description = self.submit_button.tooltip = self.submit_label
        self.cancel_button.layout.display = "none"


class DiaryShareForm(RecordForm):
    """Share one of your entries into one of your sessions, or withdraw it. The app connects
    `on_submit` (share) and `on_withdraw`."""

    submit_label = "Share this entry"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        sh = self.shared
        self.entry = self.field("entry", choice([], sh), "Diary entry", size="wide")
        self.session = self.field("session_id", choice([], sh), "Share into the session",
                                  "Only sessions where you are the assessor.", size="wide")
        self.withdraw_button = text_button("Withdraw this entry",
                                           tooltip="Make the entry private again")
        self._withdraw: list[Callable[[DiaryShareForm], Any]] = []
        self.withdraw_button.on_click(lambda _b: [fn(self) for fn in list(self._withdraw)])
        self.submit_button.add_class("rso-spaced-button")
        buttons = w.HBox([self.submit_button, self.withdraw_button],
                         layout=w.Layout(flex_flow="row wrap"))
        self._finish([heading("Share or withdraw an entry", 3), self.entry, self.session,
                      buttons], button=False)

    def on_withdraw(self, fn: Callable[[DiaryShareForm], Any]) -> None:
        self._withdraw.append(fn)

    def set_choices(self, entries: Sequence[Any], sessions: Sequence[Any]) -> None:
        self.entry.control.options = [(f"Entry {n} — {date_text(e.created_at)}: "
                                       f"{_short(e.text)}", e.id)
                                      for n, e in enumerate(entries, 1)]
        self.entry.control.index = None
        self.session.control.options = [(f"{date_text(s.held_on)} with {s.supervisor}", s.id)
                                        for s in sessions]
        self.session.control.index = None
        shown = "" if entries else "none"
        self.layout.display = shown


def _short(text: str, n: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def diary_html(entries: Sequence[Any], prompt_labels: Mapping[str, str],
               sessions: Mapping[int, Any]) -> str:
    """Your entries, newest first: prompt, dates, sharing, the text (escaped)."""
    if not entries:
        return ("<h3 class='rso-sup-heading'>Your entries</h3>"
                "<p class='rso-hint'>No entries yet.</p>")
    parts = []
    for n, e in enumerate(entries, 1):
        s = sessions.get(e.shared_session_id) if e.shared_session_id else None
        if e.shared_session_id is None:
            shared = "Private: only you can read it."
        elif s is not None:
            shared = (f"Shared into the session on {date_text(s.held_on)} with "
                      f"{s.supervisor}.")
        else:
            shared = f"Shared into session {e.shared_session_id}."
        event = f" · about {date_text(e.event_on)}" if e.event_on else ""
        if getattr(e, "version", 1) > 1:
            event += f" · edited {date_text(e.updated_at)}"
        parts.append(
            f"<div class='rso-diary-entry'>"
            f"<h4 class='rso-entry-title'>Entry {n}: "
            f"{esc(prompt_labels.get(e.prompt, e.prompt))}</h4>"
            f"<p class='rso-hint rso-tight'>Written {esc(date_text(e.created_at))}"
            f"{esc(event)} · {esc(shared)}</p><p class='rso-typed rso-prewrap'>"
            f"{esc(e.text)}</p></div>")
    return f"<h3 class='rso-sup-heading'>Your entries</h3>{''.join(parts)}"
