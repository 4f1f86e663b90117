"""Sentencing-history table: one row per offence (date, offence, flags, disposal), add/remove rows.

A view only: rows become the `occasions` the RM2000 engine counts (rows with the same date and
disposal form one sentencing occasion: `instruments.record.occasions_from_rows`, the room page's
rule too; the engine itself merges same-date occasions and explains how). No counting rules
here.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
from traitlets import List as ListTrait

from ..instruments.record import (
    FLAGS,
    disposal_options,
    occasions_from_rows,
    row_for,
    rows_from_occasions,
)
from .dates import as_date
from .fields import Shared, esc
from .row_list import Row, RowList

SUB_LABELS = {"date": "date", "name": "offence", "offences": "offence",
              "disposal": "disposal"}


class HistoryRow(Row):
    """One offence: its controls on one (wrapping) line, then its inline error (the row's
    status line, `message`). A kit `Row` laid out as a line."""

    noun = "row"
    look = "rso-history-row"

    def __init__(self, disposals: list[str], shared: Shared | None = None):
        super().__init__(shared or Shared())
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
        self.message = self.status
        self._finish([self.date, self.offence, *self.flags.values(), self.disposal])

    def _arrange(self, controls: list[w.Widget], extra: list[w.Widget]) -> list[w.Widget]:
        line = w.HBox([self.heading, *controls, self.remove])
        line.add_class("rso-history-line")
        return [line, self.status]

    def relabel(self, n: int) -> None:
        self.heading.value = f"<strong>Row {n}</strong>"
        self.remove.description = f"Remove row {n}"
        self.remove.tooltip = f"Remove row {n} from the sentencing history"

    def raw(self) -> dict[str, Any]:
        return self.to_dict()

    def load(self, raw: dict[str, Any]) -> None:
        self.set(raw.get("date"), raw.get("offence") or {},
                 raw.get("disposal") or self.disposal.options[0])

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
        self.show_status("; ".join(messages), error=True)


class SentencingHistory(RowList):
    """The sentencing history as a table of offences: the kit's `RowList` of `HistoryRow`s.

    `value`: the rows as `occasions` for the RM2000 engine (same date + disposal → one occasion).
    `row_map[i][j]`: the row shown for offence j of occasion i in `value`, to place errors.
    """

    value = ListTrait()
    rows: list[HistoryRow]  # type: ignore[assignment]

    def __init__(self, counted_disposals: list[str], note: str = ""):
        self.disposals = disposal_options(counted_disposals)
        self.row_map: list[list[int]] = []
        self._syncing = False
        hint = ("One row per offence. Offences sentenced on the same day are one appearance. "
                "Tick every description that fits; an offence that is both sexual and violent "
                "(such as rape) counts as sexual only.")
        if note:
            hint += " " + note
        self.table_error = w.HTML(value="", layout=w.Layout(display="none"))
        super().__init__(lambda: HistoryRow(self.disposals, self.shared), "Add a row",
                         "No rows yet. Select “Add a row” to enter an offence.",
                         self._on_change, self._say, heading="Sentencing history", hint=hint)
        heading, self.hint = self.children[:2]
        self.children = (heading, self.hint, self.table_error, self.empty, self.body, self.add)
        self.add_class("rso-history")

    def _say(self, message: str) -> None:
        self.table_error.value = f'<div role="alert" class="rso-error-text">{esc(message)}</div>'
        self.table_error.layout.display = ""

    # -- editing ---------------------------------------------------------------------------
    def add_row(self, date: Any = None, offence: dict[str, Any] | None = None,  # type: ignore[override]
                disposal: str | None = None) -> HistoryRow:
        raw = ({"date": date, "offence": offence or {}, "disposal": disposal}
               if date is not None or offence or disposal else None)
        return super().add_row(raw)  # type: ignore[return-value]

    def clear(self) -> None:
        self.rows = []
        self._refresh()

    def set_occasions(self, occasions: list[Any]) -> None:
        """Fill the table from `occasions` (dicts or engine `Occasion` models)."""
        self._syncing = True
        try:
            self.rows = []
            for r in rows_from_occasions(occasions):
                row = self.make_row()
                row.set(r["date"], r["offence"], r["disposal"])
                self.rows.append(row)  # type: ignore[arg-type]
        finally:
            self._syncing = False
        self._refresh()

    def _on_change(self) -> None:
        if not self._syncing:
            self._recompute()

    def _refresh(self) -> None:
        super()._refresh()
        self._recompute()

    def _recompute(self) -> None:
        self.value, self.row_map = occasions_from_rows([row.to_dict() for row in self.rows])

    # -- errors ----------------------------------------------------------------------------
    def row_for(self, path: list[str]) -> int | None:
        """The row index for an engine error path like ['3', 'offences', '0', 'name']."""
        return row_for(self.row_map, path)

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
