"""Rows of the supervision session forms: the assessor's agenda (a checkbox per topic, with room
for their own words), agreed actions (what, who, by when) and the follow-up of earlier actions.
Each maps the domain's field paths (`agenda[n].detail`, `actions[n].owner`) to its fields."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipywidgets as w
from ipywidgets.widgets.widget_bool import CheckboxStyle

from .dates import as_date, date_text
from .fields import Field, Shared, esc
from .row_list import Row, RowList
from .supervision_forms import choice, date_picker, text_box

log = logging.getLogger("rso_widgets.widgets.supervision")

OUTCOMES = [("Not recorded yet", None), ("Done", "done"), ("In progress", "in_progress"),
            ("Not done", "not_done"), ("No longer needed", "no_longer_needed")]
OUTCOME_LABELS = {v: k for k, v in OUTCOMES if v} | {"open": "Open"}


# -- the agenda ------------------------------------------------------------------------------

class AgendaPicker(w.VBox):
    """The assessor's agenda: topics from the supervision list (tick any), each with room for
    their own words; a topic that needs words (Something else) says so in its hint.

    `value` is the list of agenda items in list order; `fields(prefix)` maps the domain's paths
    (`agenda[n].topic`, `agenda[n].detail`) to the fields of the items given."""

    def __init__(self, lists: Any, shared: Shared | None = None) -> None:
        self.lists = lists
        self.shared = shared or Shared()
        self.boxes: dict[str, w.Checkbox] = {}
        self.details: dict[str, Field] = {}
        self._order: list[str] = []
        sh = self.shared
        box_layout = w.Layout(width="auto")
        box_style = CheckboxStyle(description_width="initial")
        rows: list[w.Widget] = []
        for t in lists.agenda_topics:
            box = w.Checkbox(value=False, description=t.label, indent=False,
                             layout=box_layout, style=box_style)
            box.observe(self._toggle, names="value")
            words = "What you want to talk about" if t.detail_required else \
                "In your own words (optional)"
            f = Field(text_box(sh, area=True, rows=2), f"{t.label}: {words.lower()}", "",
                      name=t.id, size="wide", shared=sh)
            f.layout = w.Layout(display="none")  # its own: shown when the topic is ticked
            self.boxes[t.id], self.details[t.id] = box, f
            tip = sh.html_widget(f'<div class="rso-hint rso-agenda-hint">'
                                 f"{esc(t.hint)}</div>")
            rows.append(w.VBox([box, tip, f], layout=sh.plain))
        self.topic_field = Field(w.Box(), "Agenda", name="agenda")
        super().__init__(children=[*rows, self.topic_field])
        self.add_class("rso-agenda")

    def _toggle(self, change: dict[str, Any]) -> None:
        for tid, box in self.boxes.items():
            self.details[tid].layout.display = "" if box.value else "none"

    @property
    def value(self) -> list[dict[str, Any]]:
        out, self._order = [], []
        for t in self.lists.agenda_topics:
            if self.boxes[t.id].value:
                out.append({"topic": t.id, "detail": self.details[t.id].control.value.strip()})
                self._order.append(t.id)
        return out

    def set_value(self, items: Iterable[Any]) -> None:
        self.reset()
        for item in items:
            topic = getattr(item, "topic", None) or item.get("topic")
            detail = getattr(item, "detail", None)
            detail = item.get("detail", "") if detail is None and isinstance(item, dict) \
                else (detail or "")
            if topic in self.boxes:
                self.boxes[topic].value = True
                self.details[topic].control.value = detail

    def reset(self) -> None:
        for tid, box in self.boxes.items():
            box.value = False
            self.details[tid].control.value = ""

    def fields(self, prefix: str = "agenda") -> dict[str, Field]:
        self.value  # noqa: B018 - refresh the index → topic order
        out: dict[str, Field] = {prefix: self.topic_field}
        for n, tid in enumerate(self._order):
            out[f"{prefix}[{n}]"] = self.details[tid]
        return out


# -- agreed actions --------------------------------------------------------------------------

class ActionRow(Row):
    """One agreed action: what will be done, who will do it, by when (a kit `Row`)."""

    noun = "action"

    def __init__(self, shared: Shared) -> None:
        super().__init__(shared)
        self.text = Field(text_box(shared), "", "Say what will be done.", size="wide",
                          shared=shared)
        self.owner = Field(text_box(shared), "", "The person who will do it (user name or "
                           "role).", size="medium", shared=shared)
        self.due = Field(date_picker(shared), "", "", shared=shared)
        self._finish([self.text, self.owner, self.due])

    def relabel(self, n: int) -> None:
        self.heading.value = f"<h3 class='rso-action-title'>Action {n}</h3>"
        for f, label in ((self.text, "What will be done"), (self.owner, "Who will do it"),
                         (self.due, "Due by")):
            f.label = f"{label} (action {n})"
            f.control.description = f.label
        self.remove.description = f"Remove action {n}"
        self.remove.tooltip = f"Remove action {n}"

    @property
    def blank(self) -> bool:
        return not (self.text.control.value.strip() or self.owner.control.value.strip()
                    or self.due.control.value)

    @property
    def value(self) -> dict[str, Any]:
        return {"text": self.text.control.value.strip(),
                "owner": self.owner.control.value.strip(), "due": self.due.control.value}

    def raw(self) -> dict[str, Any]:
        return {"text": self.text.control.value, "owner": self.owner.control.value,
                "due": self.due.control.value}

    def load(self, raw: dict[str, Any]) -> None:
        self.text.control.value = raw.get("text") or ""
        self.owner.control.value = raw.get("owner") or ""
        self.due.control.value = as_date(raw.get("due"), strict=False)


class ActionRows(RowList):
    """Actions agreed in a session: what, who (owner), and by when — the kit's `RowList`. Rows
    left blank are ignored; `fields(prefix)` maps `actions[n].text/owner/due` to the rows
    given. `report(text)` shows an unexpected failure of Add or Remove."""

    rows: list[ActionRow]  # type: ignore[assignment]

    def __init__(self, shared: Shared | None = None, *, noun: str = "Add an agreed action",
                 report: Callable[[str], None] | None = None) -> None:
        shared = shared or Shared()
        super().__init__(lambda: ActionRow(shared), noun, "No actions agreed yet.",
                         lambda: None, report or _logged, shared=shared)
        self._given: list[ActionRow] = []
        self.list_field = Field(w.Box(), "Agreed actions", name="actions")
        self.children = (*self.children, self.list_field)

    def reset(self) -> None:
        self.set_rows([])

    @property
    def value(self) -> list[dict[str, Any]]:
        self._given = [r for r in self.rows if not r.blank]
        return [r.value for r in self._given]

    def fields(self, prefix: str = "actions") -> dict[str, Field]:
        self.value  # noqa: B018 - refresh which rows were given
        out = {prefix: self.list_field}
        for n, r in enumerate(self._given):
            out[f"{prefix}[{n}]"] = r.text
            out[f"{prefix}[{n}].text"] = r.text
            out[f"{prefix}[{n}].owner"] = r.owner
            out[f"{prefix}[{n}].due"] = r.due
        return out


def _logged(text: str) -> None:
    log.error("%s", text)


# -- follow-up of earlier actions --------------------------------------------------------------

class FollowUps(w.VBox):
    """Open actions from earlier sessions of the same two people: record what became of each.
    `value` holds only the actions given an outcome."""

    def __init__(self, shared: Shared | None = None) -> None:
        self.shared = shared or Shared()
        self.actions: list[Any] = []
        self.outcomes: list[Field] = []
        self.notes: list[Field] = []
        self._given: list[int] = []
        self.empty = w.HTML('<p class="rso-hint">No open actions from '
                            "earlier sessions.</p>")
        self.box = w.VBox()
        super().__init__(children=[self.empty, self.box])

    def show(self, actions: Sequence[Any]) -> None:
        self.actions = list(actions)
        self.outcomes, self.notes, rows = [], [], []
        for n, a in enumerate(self.actions, 1):
            what = w.HTML(f"<p class='rso-earlier-action'><strong>Earlier action {n}:</strong> "
                          f"{esc(a.text)} — owner {esc(a.owner)}, due {esc(date_text(a.due))} "
                          f"(status: {esc(OUTCOME_LABELS.get(a.status, a.status))})</p>")
            out = Field(choice(OUTCOMES, self.shared, none_first=True),
                        f"What became of earlier action {n}?", "", shared=self.shared,
                        size="medium")
            note = Field(text_box(self.shared), f"Note on earlier action {n}",
                         "Needed when it was not done: say why, and whether it is carried "
                         "forward.", shared=self.shared, size="wide")
            self.outcomes.append(out)
            self.notes.append(note)
            rows.append(w.VBox([what, out, note]))
        self.box.children = tuple(rows)
        self.empty.layout.display = "none" if rows else ""

    @property
    def value(self) -> list[dict[str, Any]]:
        out, self._given = [], []
        for i, a in enumerate(self.actions):
            outcome = self.outcomes[i].control.value
            if outcome:
                out.append({"action_id": a.id, "outcome": outcome,
                            "note": self.notes[i].control.value.strip()})
                self._given.append(i)
        return out

    def fields(self, prefix: str = "follow_ups") -> dict[str, Field]:
        self.value  # noqa: B018 - refresh which actions were given an outcome
        out: dict[str, Field] = {}
        for n, i in enumerate(self._given):
            out[f"{prefix}[{n}]"] = self.outcomes[i]
            out[f"{prefix}[{n}].action_id"] = self.outcomes[i]
            out[f"{prefix}[{n}].outcome"] = self.outcomes[i]
            out[f"{prefix}[{n}].note"] = self.notes[i]
        return out
