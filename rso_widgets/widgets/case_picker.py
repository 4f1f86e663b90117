"""Choose a training case: filter by difficulty, learning objective and whether you have done it.

A view only: it is given the cases and the user's progress (attempts per case) and reports the
case chosen through `value` (the case id) and `on_open` callbacks. It never shows a key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as w
from traitlets import Unicode

from ..cases.schema import OBJECTIVES, TrainingCase
from .fields import Notice, Shared, esc, notice_report, safe_callback, text_button

log = logging.getLogger("rso_widgets.widgets.case_picker")

DIFFICULTIES = ("introductory", "intermediate", "advanced")
ANY = "any"
STATUS = [("All cases", ANY), ("Cases I have not tried", "new"),
          ("Cases I have tried", "tried"), ("Cases I have not yet agreed with the key", "open")]


_report = notice_report()


def objective_label(objective: str) -> str:
    """A learning objective as a person reads it (its description, without the full stop)."""
    return OBJECTIVES.get(objective, objective).rstrip(".")


class CasePicker(w.VBox):
    """Filters, a list of the matching cases with this user's status, and an Open button."""

    value = Unicode("")  # the id of the case last opened

    def __init__(self, cases: Iterable[TrainingCase], **kwargs: Any):
        self.cases = {c.id: c for c in cases}
        self.progress: dict[str, tuple[int, int, bool]] = {}  # id → (attempts, agreed, last)
        self._open_callbacks: list[Callable[[str], Any]] = []
        sh = self.shared = Shared()
        self.failure = Notice(layout=w.Layout(display="none"))
        self.difficulty = w.Dropdown(
            options=[("Any difficulty", ANY)] + [(d.capitalize(), d) for d in DIFFICULTIES],
            value=ANY, description="Difficulty", description_allow_html=False,
            style={"description_width": "initial"}, layout=w.Layout(width="auto"))
        used = sorted({o for c in self.cases.values() for o in c.learning_objectives},
                      key=list(OBJECTIVES).index)
        self.objective = w.Dropdown(
            options=[("Any learning objective", ANY)] + [(objective_label(o), o) for o in used],
            value=ANY, description="Learning objective", description_allow_html=False,
            style={"description_width": "initial"}, layout=w.Layout(width="auto"))
        self.status = w.Dropdown(options=STATUS, value=ANY, description="Show",
                                 description_allow_html=False,
                                 style={"description_width": "initial"},
                                 layout=w.Layout(width="auto"))
        for control in (self.difficulty, self.objective, self.status):
            control.observe(self._on_filter, names="value")
        self.choice = w.Dropdown(options=[], description="Case", description_allow_html=False,
                                 style={"description_width": "initial"},
                                 layout=w.Layout(width="auto", max_width="100%"))
        self.choice.observe(self._on_choice, names="value")
        self.open_button = text_button("Open this case", primary=True,
                                       tooltip="Open the chosen case file and its scoring form")
        self.open_button.on_click(self._on_open)
        self.count = sh.html_widget()
        self.about = sh.html_widget()
        filters = w.HBox([self.difficulty, self.objective, self.status],
                         layout=w.Layout(flex_flow="row wrap"))
        filters.add_class("rso-case-filters")
        head = sh.html_widget('<h2 class="rso-kit-heading">Choose a case</h2>')
        super().__init__(children=[head, self.failure, filters, self.count, self.choice,
                                   self.about, self.open_button],
                         layout=w.Layout(max_width="70em"), **kwargs)
        self.add_class("rso-case-picker")
        self.refresh()

    # -- data --------------------------------------------------------------------------------
    def set_progress(self, cases: Iterable[Any]) -> None:
        """This user's progress per case: objects with `case_id`, `attempts`, `agreed` and
        `last_agrees` (e.g. `PracticeSummary.cases`)."""
        self.progress = {c.case_id: (c.attempts, c.agreed, c.last_agrees) for c in cases}
        self.refresh()

    def status_text(self, case_id: str) -> str:
        attempts, agreed, last = self.progress.get(case_id, (0, 0, False))
        if not attempts:
            return "not tried yet"
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        if last:
            return f"done: {tries}, the last agreed with the key"
        if agreed:
            return f"tried: {tries}, {agreed} agreed with the key"
        return f"tried: {tries}, not yet agreed with the key"

    def matching(self) -> list[TrainingCase]:
        out = []
        for c in self.cases.values():
            attempts, agreed, _last = self.progress.get(c.id, (0, 0, False))
            if self.difficulty.value != ANY and c.difficulty != self.difficulty.value:
                continue
            if self.objective.value != ANY and self.objective.value not in c.learning_objectives:
                continue
            status = self.status.value
            if (status == "new" and attempts) or (status == "tried" and not attempts) or \
                    (status == "open" and agreed):
                continue
            out.append(c)
        return sorted(out, key=lambda c: c.id)

    def refresh(self) -> None:
        """Rebuild the list after a filter or the progress changed; keep the choice if shown."""
        cases = self.matching()
        keep = self.choice.value
        options = [(f"{c.id}: {c.title} ({c.difficulty}; {self.status_text(c.id)})", c.id)
                   for c in cases]
        self.choice.options = options
        ids = [c.id for c in cases]
        self.choice.value = keep if keep in ids else (ids[0] if ids else None)
        n = len(cases)
        self.count.value = (f'<p class="rso-status-line">{n} of '
                            f"{len(self.cases)} cases match.</p>")
        self.open_button.disabled = not cases
        if not cases:
            self.about.value = ("<p>No case matches these choices. Choose another difficulty, "
                                "learning objective or status.</p>")
        else:
            self._describe(self.choice.value)

    def _describe(self, case_id: str | None) -> None:
        c = self.cases.get(case_id or "")
        if c is None:
            self.about.value = ""
            return
        objectives = "".join(f"<li>{esc(objective_label(o))}</li>"
                             for o in c.learning_objectives)
        self.about.value = (
            f'<div class="rso-case-about rso-measure">'
            f"<strong>{esc(c.id)}: {esc(c.title)}</strong><br>"
            f"Difficulty: {esc(c.difficulty)}. Your progress: {esc(self.status_text(c.id))}."
            f"<br>This case practises:<ul class='rso-tight'>{objectives}</ul></div>")

    # -- callbacks ---------------------------------------------------------------------------
    def on_open(self, callback: Callable[[str], Any]) -> None:
        """Call `callback(case_id)` when the person opens a case."""
        self._open_callbacks.append(callback)

    @safe_callback(_report, "filtering the cases")
    def _on_filter(self, _change: Any = None) -> None:
        self.failure.clear()
        self.refresh()

    @safe_callback(_report, "showing the case")
    def _on_choice(self, change: dict[str, Any]) -> None:
        self._describe(change["new"])

    @safe_callback(_report, "opening the case")
    def _on_open(self, _button: Any = None) -> None:
        self.failure.clear()
        case_id = self.choice.value
        if not case_id:
            return
        self.open_case(case_id)

    def open_case(self, case_id: str) -> None:
        """Open a case as if the person chose it and selected Open."""
        if case_id not in self.cases:
            raise KeyError(f"no training case {case_id!r}")
        if self.choice.value != case_id:
            if case_id not in [v for _, v in self.choice.options]:
                self.difficulty.value = self.objective.value = self.status.value = ANY
            self.choice.value = case_id
        self.value = case_id
        for cb in self._open_callbacks:
            cb(case_id)
