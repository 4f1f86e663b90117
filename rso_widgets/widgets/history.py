"""Sentencing-history table: one row per offence (date, offence, flags, disposal), add/remove rows.

A view only: rows become the `occasions` the RM2000 engine counts (rows with the same date and
disposal form one sentencing occasion; the engine itself merges same-date occasions and explains
how). No counting rules here.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
from traitlets import List as ListTrait

from .dates import as_date
from .fields import esc, safe_callback, text_button

FLAGS = (("sexual", "Sexual"), ("violent", "Violent"), ("burglary", "Burglary"),
         ("non_contact", "Non-contact"))
KNOWN_DISPOSALS = ("conviction", "caution", "reprimand", "final warning")
SUB_LABELS = {"date": "date", "name": "offence", "offences": "offence",
              "disposal": "disposal"}


def _report(table: SentencingHistory, message: str) -> None:
    table.table_error.value = f'<div role="alert" class="rso-error-text">{esc(message)}</div>'
    table.table_error.layout.display = ""


class HistoryRow(w.VBox):
    """One offence: its controls on one (wrapping) line, then its inline error."""

    def __init__(self, number: int, disposals: list[str], on_remove: Any, on_change: Any):
        self.heading = w.HTML()
        self.heading.add_class("rso-history-row-number")
        self.date = w.DatePicker(description="Date", description_allow_html=False,
                                 style={"description_width": "initial"})
        self.date.add_class("rso-history-date")
        self.offence = w.Text(description="Offence", description_allow_html=False,
                              placeholder="e.g. sexual assault",
                              style={"description_width": "initial"})
        self.offence.add_class("rso-history-offence")
        self.flags = {key: w.Checkbox(description=label, description_allow_html=False,
                                      indent=False, value=False) for key, label in FLAGS}
        for box in self.flags.values():
            box.add_class("rso-history-flag")
        self.disposal = w.Dropdown(description="Disposal", description_allow_html=False,
                                   options=disposals, value=disposals[0],
                                   style={"description_width": "initial"})
        self.disposal.add_class("rso-history-disposal")
        self.remove = text_button("Remove")
        self.remove.on_click(lambda _b: on_remove(self))
        self.message = w.HTML(value="", layout=w.Layout(display="none"))
        line = w.HBox([self.heading, self.date, self.offence, *self.flags.values(),
                       self.disposal, self.remove])
        line.add_class("rso-history-line")
        super().__init__([line, self.message])
        for c in (self.date, self.offence, self.disposal, *self.flags.values()):
            c.observe(on_change, names="value")
        self.add_class("rso-history-row")
        self.renumber(number)

    def renumber(self, number: int) -> None:
        self.number = number
        self.heading.value = f"<strong>Row {number}</strong>"
        self.remove.description = f"Remove row {number}"
        self.remove.tooltip = f"Remove row {number} from the sentencing history"

    def to_dict(self) -> dict[str, Any]:
        offence: dict[str, Any] = {k: c.value for k, c in self.flags.items()}
        if self.offence.value.strip():
            offence["name"] = self.offence.value.strip()
        row: dict[str, Any] = {"offence": offence, "disposal": self.disposal.value}
        if self.date.value is not None:
            row["date"] = self.date.value.isoformat()
        return row

    def set(self, date: Any, offence: dict[str, Any], disposal: str) -> None:
        self.date.value = as_date(date, what="occasion date")
        self.offence.value = str(offence.get("name", ""))
        for k, c in self.flags.items():
            c.value = bool(offence.get(k, False))
        if disposal not in self.disposal.options:
            self.disposal.options = [*self.disposal.options, disposal]
        self.disposal.value = disposal

    def show_error(self, messages: list[str]) -> None:
        if messages:
            text = "; ".join(messages)
            self.message.value = f'<div class="rso-error-message">Error: {esc(text)}</div>'
            self.message.layout.display = ""
            self.add_class("rso-field-error")
        else:
            self.message.value = ""
            self.message.layout.display = "none"
            self.remove_class("rso-field-error")

    def focus(self) -> None:
        self.date.focus()


class SentencingHistory(w.VBox):
    """The sentencing history as a table of offences.

    `value`: the rows as `occasions` for the RM2000 engine (same date + disposal → one occasion).
    `row_map[i][j]`: the row shown for offence j of occasion i in `value`, to place errors.
    """

    value = ListTrait()

    def __init__(self, counted_disposals: list[str], note: str = ""):
        self.disposals = list(dict.fromkeys([*counted_disposals, *KNOWN_DISPOSALS]))
        self.rows: list[HistoryRow] = []
        self.row_map: list[list[int]] = []
        self._syncing = False
        hint = ("One row per offence. Offences sentenced on the same day are one appearance. "
                "Tick every description that fits; an offence that is both sexual and violent "
                "(such as rape) counts as sexual only.")
        if note:
            hint += " " + note
        self.hint = w.HTML(f'<div class="rso-hint">{esc(hint)}</div>')
        self.table_error = w.HTML(value="", layout=w.Layout(display="none"))
        self.body = w.VBox()
        self.empty = w.HTML("<em>No rows yet. Select “Add a row” to enter an offence.</em>")
        self.add = text_button("Add a row")
        self.add.on_click(self._on_add)
        super().__init__([w.HTML("<strong>Sentencing history</strong>"), self.hint,
                          self.table_error, self.empty, self.body, self.add])
        self.add_class("rso-history")

    # -- editing ---------------------------------------------------------------------------
    def add_row(self, date: Any = None, offence: dict[str, Any] | None = None,
                disposal: str | None = None) -> HistoryRow:
        row = HistoryRow(len(self.rows) + 1, self.disposals, self._on_remove, self._on_change)
        if date is not None or offence or disposal:
            row.set(date, offence or {}, disposal or self.disposals[0])
        self.rows.append(row)
        self._refresh()
        return row

    def remove_row(self, index: int) -> None:
        del self.rows[index]
        self._refresh()

    def clear(self) -> None:
        self.rows = []
        self._refresh()

    def set_occasions(self, occasions: list[Any]) -> None:
        """Fill the table from `occasions` (dicts or engine `Occasion` models)."""
        self._syncing = True
        try:
            self.rows = []
            for occ in occasions:
                occ = occ.model_dump() if hasattr(occ, "model_dump") else dict(occ)
                for off in occ.get("offences") or [{}]:
                    off = off.model_dump() if hasattr(off, "model_dump") else dict(off)
                    row = HistoryRow(len(self.rows) + 1, self.disposals, self._on_remove,
                                     self._on_change)
                    row.set(occ.get("date"), off, occ.get("disposal") or "conviction")
                    self.rows.append(row)
        finally:
            self._syncing = False
        self._refresh()

    @safe_callback(_report, "adding a row")
    def _on_add(self, _button: Any = None) -> None:
        row = self.add_row()
        row.date.focus()

    @safe_callback(_report, "removing a row")
    def _on_remove(self, row: HistoryRow) -> None:
        if row in self.rows:
            self.remove_row(self.rows.index(row))
            self.add.focus()

    @safe_callback(_report, "updating the sentencing history")
    def _on_change(self, _change: Any = None) -> None:
        if not self._syncing:
            self._recompute()

    def _refresh(self) -> None:
        for i, row in enumerate(self.rows):
            row.renumber(i + 1)
        self.body.children = list(self.rows)
        self.empty.layout.display = "none" if self.rows else ""
        self._recompute()

    def _recompute(self) -> None:
        occasions: list[dict[str, Any]] = []
        row_map: list[list[int]] = []
        index: dict[tuple[str, str], int] = {}
        for i, row in enumerate(self.rows):
            d = row.to_dict()
            key = (d["date"], d["disposal"]) if "date" in d else None
            if key is not None and key in index:
                occasions[index[key]]["offences"].append(d["offence"])
                row_map[index[key]].append(i)
                continue
            occ: dict[str, Any] = {"offences": [d["offence"]], "disposal": d["disposal"]}
            if "date" in d:
                occ = {"date": d["date"], **occ}
                index[key] = len(occasions)  # type: ignore[index]
            occasions.append(occ)
            row_map.append([i])
        self.row_map = row_map
        self.value = occasions

    # -- errors ----------------------------------------------------------------------------
    def row_for(self, path: list[str]) -> int | None:
        """The row index for an engine error path like ['3', 'offences', '0', 'name']."""
        try:
            occ = int(path[0])
            offence = int(path[2]) if len(path) > 2 and path[1] == "offences" else 0
            rows = self.row_map[occ]
            return rows[min(offence, len(rows) - 1)]
        except (ValueError, IndexError):
            return None

    def show_errors(self, table_messages: list[str], row_messages: dict[int, list[str]]) -> None:
        for i, row in enumerate(self.rows):
            row.show_error(row_messages.get(i, []))
        if table_messages or row_messages:
            self.add_class("rso-field-error")
        else:
            self.remove_class("rso-field-error")
        if table_messages:
            self.table_error.value = (f'<div class="rso-error-message">Error: '
                                      f'{esc("; ".join(table_messages))}</div>')
            self.table_error.layout.display = ""
        else:
            self.table_error.value = ""
            self.table_error.layout.display = "none"

    @property
    def error_text(self) -> str:
        parts = [self.table_error.value] + [r.message.value for r in self.rows]
        return " ".join(p for p in parts if p)

    def focus(self) -> None:
        if self.rows:
            self.rows[0].focus()
        else:
            self.add.focus()
