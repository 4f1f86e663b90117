"""A group of checkboxes in place of a Ctrl-click multi-select list (GOV.UK "Checkboxes").

One question (its text above the boxes, like a fieldset's legend), then one native checkbox per
option, each with its own label: Tab moves between them and Space ticks one, with no Ctrl or
Shift. `value` is a tuple of the ticked options' values, in the order given (then in the order
ticked), as `SelectMultiple`'s was, so a form can swap one for the other without changing
what it stores. Inside a `Field` the hint and the error sit between the question and the
boxes (CSS in `fields.FORM_CSS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import ipywidgets as w
from ipywidgets.widgets.widget_bool import CheckboxStyle
from traitlets import Tuple as TupleTrait
from traitlets import Unicode, observe

from .fields import esc

Option = tuple[str, Any]


class Checkboxes(w.VBox):
    """`options`: (label, value) pairs; `value`: the ticked values; `description`: the
    question. Options can be replaced later; ticks on values still offered are kept."""

    value = TupleTrait()
    description = Unicode("")

    def __init__(self, options: Sequence[Option] = (), value: Iterable[Any] = (),
                 description: str = "", hint: str = "", **kwargs: Any):
        self._style = CheckboxStyle(description_width="initial")
        self._box_layout = w.Layout(width="auto", max_width="100%")
        self._syncing = False
        self.hint = hint  # shown under the question (outside a Field, which has its own)
        self._options: list[Option] = []
        self.boxes: list[w.Checkbox] = []
        self.legend = w.HTML("")
        self.legend.add_class("rso-legend")
        self.list = w.VBox([])
        self.list.add_class("rso-checkbox-list")
        super().__init__([self.legend, self.list], **kwargs)
        self.add_class("rso-checkboxes")
        self.description = description
        self._show_legend()
        self.options = list(options)
        self.value = tuple(value)

    # -- options -------------------------------------------------------------------------------
    @property
    def options(self) -> list[Option]:
        return list(self._options)

    @options.setter
    def options(self, options: Iterable[Option | str]) -> None:
        pairs = [(o, o) if isinstance(o, str) else (str(o[0]), o[1]) for o in options]
        kept = tuple(v for v in self.value if v in {val for _, val in pairs})
        self._options = pairs
        self._syncing = True
        try:
            self.boxes = [w.Checkbox(value=val in kept, description=label, indent=False,
                                     layout=self._box_layout, style=self._style)
                          for label, val in pairs]
            for box in self.boxes:
                box.add_class("rso-checkbox")
                box.observe(self._ticked, names="value")
            self.list.children = self.boxes
        finally:
            self._syncing = False
        self.value = kept

    # -- value both ways -----------------------------------------------------------------------
    def _ticked(self, _change: Any = None) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            ticked = [val for (_, val), box in zip(self._options, self.boxes, strict=True)
                      if box.value]
            # keep the order values were given in (a stored plan's order), new ticks after
            self.value = (*(v for v in self.value if v in ticked),
                          *(v for v in ticked if v not in self.value))
        finally:
            self._syncing = False

    @observe("value")
    def _value_set(self, change: dict[str, Any]) -> None:
        wanted = set(change["new"])
        unknown = wanted - {val for _, val in self._options}
        if unknown:
            self.value = change["old"]
            raise ValueError(f"not among the options: {sorted(map(str, unknown))}")
        if self._syncing:
            return
        self._syncing = True
        try:
            for (_, val), box in zip(self._options, self.boxes, strict=True):
                box.value = val in wanted
        finally:
            self._syncing = False

    @observe("description")
    def _description_set(self, _change: Any) -> None:
        self._show_legend()

    def _show_legend(self) -> None:
        hint = f'<div class="rso-hint">{esc(self.hint)}</div>' if self.hint else ""
        self.legend.value = (f'<div class="rso-legend-text">{esc(self.description)}</div>'
                             if self.description else "") + hint

    # -- keyboard ------------------------------------------------------------------------------
    def focus(self) -> None:
        """Move keyboard focus to the first checkbox (an error summary link uses it)."""
        if self.boxes:
            self.boxes[0].focus()

    def tick(self, *values: Any) -> None:
        """Tick these options (as a person would, box by box); others stay as they are."""
        for (_, val), box in zip(self._options, self.boxes, strict=True):
            if val in values:
                box.value = True


__all__ = ["Checkboxes"]
