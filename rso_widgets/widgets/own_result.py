""""Your result" for practice: the trainee's own step-1 points and /S, /V, /C categories, or
"RM2000 does not apply". Entering them is what lets the feedback tell a *calculation* or *rule*
error from a *coding* one.

A view only: `value` is the dict for `calibration.feedback.EnteredResult` (or None when the
trainee lets the form work the result out); no scoring rules live here.
"""

from __future__ import annotations

import re
from typing import Any

import ipywidgets as w
from traitlets import Dict, Unicode, observe

from ..calibration.workshop.answers import entered_problems
from .fields import ErrorSummary, Field, Notice, Shared, esc, notice_report, safe_callback

MODES = [
    ("Work them out from my answers (the form does the arithmetic)", "form"),
    ("I will enter the points and categories myself", "own"),
    ("RM2000 does not apply to this case", "na"),
]
REMINDER = ("A category informs professional judgement and does not decide: any decision must "
            "rest on everything known about the person.")


_report = notice_report()


class OwnResult(w.VBox):
    """How the trainee gives their result, and (mode "own") their points and categories.

    `mode`: "form" | "own" | "na". `value`: the entered result as a dict (keys of
    `EnteredResult`), `{}` in mode "form". `check()` validates what was typed, shows the errors
    next to the fields and returns the list of (label, message) problems.
    """

    mode = Unicode("form")
    value = Dict()

    def __init__(self, categories: list[str], **kwargs: Any):
        self.categories = list(categories)
        self.shared = sh = Shared()
        self.summary = ErrorSummary()
        self.failure = Notice(layout=w.Layout(display="none"))
        self.mode_select = w.Dropdown(options=MODES, value="form", layout=sh.stacked,
                                      style=sh.desc)
        self.mode_field = Field(self.mode_select, "How do you want to give your result?",
                                "To practise the arithmetic too, enter the points and "
                                "categories yourself: the feedback can then tell an arithmetic "
                                "slip or a misapplied rule from a fact read wrongly.",
                                name="mode", size="wide", shared=sh)
        self.mode_select.observe(self._on_mode, names="value")
        self.fields: dict[str, Field] = {}
        own = [
            self._points("step1_points", "/S step 1 total points",
                         "Optional. The sum of the three /S item points, for example 3."),
            self._category("step1_category", "/S step 1 category",
                           "Optional. The category the step-1 total gives, before step 2."),
            self._category("s", "/S category (after step 2)",
                           "After any raise for aggravating factors."),
            self._points("v_points", "/V total points",
                         "Optional. The sum of the three /V item points."),
            self._category("v", "/V category", ""),
            self._category("c", "/C category", "Combined, from the /S and /V categories."),
        ]
        self.own_box = w.VBox(own, layout=w.Layout(display="none"))
        head = sh.html_widget(
            '<h3 class="rso-kit-heading">Your result</h3>'
            f'<p class="rso-hint">{esc(REMINDER)}</p>')
        super().__init__(children=[head, self.summary, self.failure, self.mode_field,
                                   self.own_box],
                         layout=w.Layout(max_width="60em"), **kwargs)
        self.add_class("rso-form")
        self.add_class("rso-own-result")

    def _points(self, name: str, label: str, hint: str) -> Field:
        box = w.Text(value="", continuous_update=False, layout=self.shared.stacked,
                     style=self.shared.text)
        return self._add(name, box, label, hint)

    def _category(self, name: str, label: str, hint: str) -> Field:
        dd = w.Dropdown(options=self.categories, index=None, layout=self.shared.stacked,
                        style=self.shared.desc)
        return self._add(name, dd, label, hint)

    def _add(self, name: str, control: w.DOMWidget, label: str, hint: str) -> Field:
        f = Field(control, label, hint, name=name, size="medium", shared=self.shared)
        control.observe(self._on_change, names="value")
        self.fields[name] = f
        return f

    # -- state (callbacks never raise into Voilà) --------------------------------------------
    @safe_callback(_report, "changing how you give your result")
    def _on_mode(self, change: dict[str, Any]) -> None:
        self.mode = change["new"]

    @observe("mode")
    def _mode_set(self, change: dict[str, Any]) -> None:
        self._show_mode(change["new"])

    @safe_callback(_report, "changing how you give your result")
    def _show_mode(self, mode: str) -> None:
        if self.mode_select.value != mode:
            self.mode_select.value = mode
        self.own_box.layout.display = "" if mode == "own" else "none"
        self._clear_errors()
        self._collect()

    @safe_callback(_report, "noting your answer")
    def _on_change(self, _change: Any = None) -> None:
        self._collect()

    def _collect(self) -> None:
        if self.mode == "na":
            self.value = {"not_applicable": True}
            return
        if self.mode == "form":
            self.value = {}
            return
        out: dict[str, Any] = {}
        for name, f in self.fields.items():
            v = f.control.value
            if isinstance(f.control, w.Text):
                s = str(v).strip()
                if s:
                    out[name] = int(s) if re.fullmatch(r"\d+", s) else s
            elif v is not None:
                out[name] = v
        self.value = out

    def set_value(self, mode: str, entered: dict[str, Any] | None = None) -> None:
        """Fill the section: `mode` and, for "own", the entered points and categories."""
        self.reset()
        self.mode = mode
        for name, v in (entered or {}).items():
            if name in self.fields and v is not None:
                self.fields[name].control.value = v if name in ("step1_category", "s", "v", "c") \
                    else str(v)
        self._collect()

    def reset(self) -> None:
        for f in self.fields.values():
            if isinstance(f.control, w.Dropdown):
                f.control.index = None
            else:
                f.control.value = ""
        self.mode = "form"
        self._clear_errors()
        self._collect()

    # -- checking ----------------------------------------------------------------------------
    def check(self) -> list[tuple[str, str]]:
        """Show and return the problems with what was typed (mode "own" only)."""
        self._collect()
        problems = [(self.fields[name].label, text, self.fields[name])
                    for name, text in entered_problems(self.mode, self.value)]
        by_field: dict[str, list[str]] = {}
        for _label, text, f in problems:
            by_field.setdefault(f.name, []).append(text)
        for name, f in self.fields.items():
            f.error = " ".join(by_field.get(name, []))
        self.summary.show(problems)
        return [(label, text) for label, text, _ in problems]

    def _clear_errors(self) -> None:
        for f in self.fields.values():
            f.error = ""
        self.summary.clear()
        self.failure.clear()


def refusal(own: OwnResult) -> str | None:
    """Check `own` (showing each problem beside its field); the line to show where the answers
    are submitted when it has problems, or None when it has none."""
    problems = own.check()
    if not problems:
        return None
    n = len(problems)
    return (f"There {'is' if n == 1 else 'are'} {n} problem{'s' if n != 1 else ''} with your "
            "result: see Your result above.")
