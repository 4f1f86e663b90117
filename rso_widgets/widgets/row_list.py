"""Editable lists of rows (evidence items, actions, contingencies, legal requirements).

A `RowList` shows its rows, an "Add …" button and a line saying when the list is empty. Each
`Row` has a numbered heading, its labelled controls, a status line (text, never colour alone)
and a "Remove … n" button. Rows are renumbered after a removal and every control's label
carries the number, so each control's accessible name is unique on the page. After adding a
row, keyboard focus moves to its first control; after removing one, to the Add button.

A view only: `raw()` is what was typed (for drafts); subclasses turn it into a domain model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from .fields import Shared, esc, safe_callback, text_button


class Row(w.VBox):
    """One row. Subclasses build their controls, then call `_finish(controls)`, and implement
    `relabel(n)`, `raw()` and `load(raw)`."""

    noun = "item"
    look = "rso-row"  # the kit class that gives the row its look

    def __init__(self, shared: Shared, **kwargs: Any):
        self.shared = shared
        self.number = 0
        self.heading = shared.html_widget()
        self.status = w.HTML(value="", layout=w.Layout(display="none"))
        self.remove = text_button(f"Remove {self.noun}")
        self.on_change: Callable[[], None] | None = None
        self.on_remove: Callable[[Row], None] | None = None
        self.remove.on_click(lambda _b: self.on_remove(self) if self.on_remove else None)
        self._kwargs = kwargs

    def _finish(self, controls: list[w.Widget], extra: list[w.Widget] | None = None) -> None:
        self.controls = controls
        for c in controls:
            c.observe(self._changed, names="value")
        super().__init__(self._arrange(controls, extra or []), **self._kwargs)
        self.add_class(self.look)

    def _arrange(self, controls: list[w.Widget], extra: list[w.Widget]) -> list[w.Widget]:
        """The row's children: heading, controls, the extra widgets, status, Remove (a row
        laid out otherwise overrides this)."""
        return [self.heading, *controls, *extra, self.status, self.remove]

    def _changed(self, _change: Any = None) -> None:
        if self.on_change is not None:
            self.on_change()

    def renumber(self, n: int) -> None:
        self.number = n
        self.relabel(n)

    def relabel(self, n: int) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def raw(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def load(self, raw: dict[str, Any]) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def show_status(self, text: str, *, problem: bool = False, error: bool = False) -> None:
        """Status under the row: "Complete", or what is still needed (as an error after a check)."""
        if not text:
            self.remove_class("rso-field-error")
            if self.status.value:
                self.status.value = ""
                self.status.layout.display = "none"
            return
        prefix = "Error: " if error else ("To complete: " if problem else "")
        look = "rso-error-message" if error else "rso-hint-text"
        html = f'<div class="rso-row-status {look}">{esc(prefix)}{esc(text)}</div>'
        if self.status.value != html:
            self.status.value = html
            self.status.layout.display = ""
        if error:
            self.add_class("rso-field-error")
        else:
            self.remove_class("rso-field-error")

    def focus(self) -> None:
        if self.controls:
            self.controls[0].focus()


def _report(rows: RowList, message: str) -> None:
    rows.report(message)


class RowList(w.VBox):
    """Rows with Add and Remove. `factory()` makes a row; `on_change()` runs after any edit."""

    def __init__(self, factory: Callable[[], Row], add_label: str, empty_text: str,
                 on_change: Callable[[], None], report: Callable[[str], None], *,
                 heading: str = "", hint: str = "", shared: Shared | None = None):
        self.factory = factory
        self.rows: list[Row] = []
        self.on_change = on_change
        self.report = report
        self.shared = shared or Shared()
        self.empty = w.HTML(  # its own layout: it is shown and hidden
            f'<p class="rso-status-line"><em>{esc(empty_text)}</em></p>')
        self.body = w.VBox(layout=w.Layout())
        self.add = text_button(add_label)
        self.add.on_click(self._on_add)
        top: list[w.Widget] = []
        if heading:
            top.append(self.shared.html_widget(f"<strong>{esc(heading)}</strong>"))
        if hint:
            top.append(self.shared.html_widget(
                f'<div class="rso-hint">{esc(hint)}</div>'))
        super().__init__([*top, self.empty, self.body, self.add])
        self.add_class("rso-row-list")

    # -- editing ---------------------------------------------------------------------------
    def make_row(self, raw: dict[str, Any] | None = None) -> Row:
        """A new row (filled from `raw`), wired to this list but not yet in it."""
        row = self.factory()
        if raw:
            row.load(raw)
        row.on_change = self._row_changed
        row.on_remove = self._remove
        return row

    def add_row(self, raw: dict[str, Any] | None = None, *, notify: bool = True) -> Row:
        row = self.make_row(raw)
        self.rows.append(row)
        self._refresh()
        if notify:
            self.on_change()
        return row

    def set_rows(self, raws: list[dict[str, Any]]) -> None:
        """Replace every row (no change notification: the caller recomputes)."""
        self.rows = []
        for raw in raws:
            self.add_row(raw, notify=False)
        self._refresh()

    def remove_row(self, index: int) -> None:
        del self.rows[index]
        self._refresh()
        self.on_change()

    def raw(self) -> list[dict[str, Any]]:
        return [r.raw() for r in self.rows]

    def _refresh(self) -> None:
        for i, row in enumerate(self.rows, 1):
            if row.number != i:
                row.renumber(i)
        self.body.children = tuple(self.rows)
        self.empty.layout.display = "none" if self.rows else ""

    # -- callbacks (never raise into Voilà: the kit's one error wrapper) ---------------------
    @safe_callback(_report, "adding a row")
    def _on_add(self, _button: Any = None) -> None:
        row = self.add_row()
        row.focus()

    @safe_callback(_report, "removing a row")
    def _remove(self, row: Row) -> None:
        if row in self.rows:
            self.remove_row(self.rows.index(row))
            self.add.focus()

    @safe_callback(_report, "updating a row")
    def _row_changed(self) -> None:
        self.on_change()
