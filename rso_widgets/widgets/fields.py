"""Shared GOV.UK-style form pieces: a labelled field with hint and inline error, an error summary.

Conventions (design.md): every control has a visible text label that is also its accessible name
(ipywidgets links `description` to the input with `<label for>`), hint text sits with the field,
an error is shown as text next to the field ("Error: …", never colour alone) and again in an
error summary at the top. Free text rendered into HTML is always escaped.
"""

from __future__ import annotations

import functools
import html
import logging
import sys
import uuid
from collections.abc import Callable
from typing import Any

import ipywidgets as w
from ipywidgets.widgets.widget_description import DescriptionStyle, DescriptionWidget
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle
from traitlets import Unicode, observe

from ..freetext import FreeTextError

log = logging.getLogger("rso_widgets.widgets")

ERROR_COLOUR = "#d4351c"  # GOV.UK error red; always paired with text
HINT_COLOUR = "#505a5f"
LABEL_WIDTH = "initial"


def esc(text: Any) -> str:
    """Escape anything for HTML (quotes too)."""
    return html.escape(str(text), quote=True)


# Layout the widget traits cannot express (a select stacked under its label would otherwise grow
# to 148px tall). Scoped to this project's classes; shipped as a <style> inside an HTML widget.
FORM_CSS = """
.rso-stacked { height: auto !important; width: auto !important; max-width: 100%; }
.rso-stacked > .widget-label { white-space: normal; text-align: left; width: auto !important;
  max-width: 40em; font-weight: 600; margin-bottom: 4px; height: auto; line-height: 1.4; }
.rso-stacked > select, .rso-stacked > input, .rso-stacked > textarea {
  flex: 0 0 auto; box-sizing: border-box; max-width: 100%; }
.rso-stacked > select { height: var(--jp-widgets-inline-height); }
.rso-narrow > select, .rso-narrow > input { width: 12em; }
.rso-medium > input { width: 22em; }
.rso-wide > textarea, .rso-wide > input { width: 40em; }
.rso-form :focus-visible { outline: 3px solid #ffdd00 !important; outline-offset: 0;
  box-shadow: 0 0 0 2px #0b0c0c; }
/* ipywidgets sets `outline: none !important` on text boxes with a more specific selector */
.rso-form .jupyter-widgets input:focus-visible,
.rso-form .jupyter-widgets textarea:focus-visible { outline: 3px solid #ffdd00 !important; }
.rso-form .widget-html-content { line-height: 1.4; }
.rso-form details summary { cursor: pointer; color: #1d70b8; text-decoration: underline; }
.rso-field { margin: 0 0 14px 0; padding: 0 0 0 10px; border-left: 4px solid transparent; }
.rso-field.rso-field-error { border-left-color: #d4351c; }
.rso-stacked.rso-wide { margin: 0 0 18px 14px; }
/* GOV.UK order in a field: label, hint, error, then the input. The control's own box is
   dissolved (display: contents) so its label and input become items of the field's column. */
.rso-field { align-items: flex-start; }
.rso-field > .rso-stacked, .rso-field > .rso-checkboxes { display: contents; }
.rso-field > .rso-stacked > .widget-label, .rso-field > .rso-checkboxes > .rso-legend {
  order: 0; }
.rso-field > .rso-field-notes { order: 1; margin: 0 0 4px 0; }
.rso-field > .rso-stacked > :not(.widget-label),
.rso-field > .rso-checkboxes > .rso-checkbox-list { order: 2; }
/* typed text in the page's font, not monospace */
.jupyter-widgets textarea, .rso-form textarea, .widget-textarea textarea {
  font-family: inherit !important; font-size: inherit; line-height: 1.4; }
/* checkboxes (widgets/checkboxes.py): the question as a legend, one labelled box a line */
.rso-hint { color: #505a5f; max-width: 40em; line-height: 1.4; }
.rso-legend-text { font-weight: 600; max-width: 40em; line-height: 1.4; margin: 0 0 4px 0; }
.rso-checkbox-list { gap: 2px; }
.rso-checkbox { height: auto !important; width: auto !important; max-width: 100%; }
.rso-checkbox .widget-label-basic { white-space: normal; height: auto; line-height: 1.4;
  align-items: flex-start; }
.rso-checkbox .widget-label-basic span { white-space: normal; overflow: visible; }
.rso-checkbox input[type="checkbox"] { width: 1.3em; height: 1.3em; margin: 2px 8px 0 0;
  flex: 0 0 auto; }
.rso-checkbox input[type="checkbox"]:focus-visible { outline: 3px solid #ffdd00 !important;
  box-shadow: 0 0 0 2px #0b0c0c; }
/* tabs are never cut off: a tab is as wide as its title and the bar wraps onto a second row
   rather than truncating ("Observation of practi"). ipywidgets 8 and its deprecated names. */
.jupyter-widgets.jupyter-widget-tab > .lm-TabBar, .jupyter-widgets.widget-tab > .p-TabBar {
  height: auto !important; overflow: visible !important; }
.jupyter-widgets.jupyter-widget-tab > .lm-TabBar .lm-TabBar-content,
.jupyter-widgets.widget-tab > .p-TabBar .p-TabBar-content { flex-wrap: wrap; }
.jupyter-widgets.jupyter-widget-tab > .lm-TabBar .lm-TabBar-tab,
.jupyter-widgets.widget-tab > .p-TabBar .p-TabBar-tab {
  flex: 0 0 auto !important; min-width: max-content !important; max-width: none !important; }
.jupyter-widgets.jupyter-widget-tab > .lm-TabBar .lm-TabBar-tabLabel,
.jupyter-widgets.widget-tab > .p-TabBar .p-TabBar-tabLabel {
  overflow: visible !important; text-overflow: clip !important; }
/* a select is as wide as its longest option, up to the page ("Case to show" was cut off) */
.rso-medium > select, .rso-wide > select { width: auto; min-width: 22em; max-width: 100%; }
/* a note that asks for attention (GOV.UK warning colour) and a table of before/after values */
.rso-warning-note { border-left: 6px solid #f47738; padding: 6px 12px; }
.rso-rescore th, .rso-rescore td { text-align: left; padding: 2px 12px 2px 0; }
/* task list journeys (widgets/tasklist.py): GOV.UK task list, summary list, back link */
.rso-journey { max-width: 48em; }
.rso-journey-title { margin: 0 0 8px 0; font-size: 1.5em; }
.rso-caption { color: #505a5f; margin: 0; }
.rso-task-list { border-top: 1px solid #b1b4b6; margin: 0 0 16px 0; width: 100%; }
.rso-task { border-bottom: 1px solid #b1b4b6; padding: 8px 0; width: 100%;
  justify-content: space-between; align-items: center; flex-wrap: wrap; gap: 8px; }
.rso-task-link, .rso-back-link { background: none !important; box-shadow: none !important;
  border: none !important; color: #1d70b8 !important; text-decoration: underline;
  padding: 0 !important; height: auto !important; font-size: 1em; text-align: left;
  white-space: normal !important; }
.rso-task-link:hover, .rso-back-link:hover { color: #003078 !important; }
.rso-task-name { flex: 1 1 20em; min-width: 0; }
.rso-tag { display: inline-block; padding: 2px 8px; font-weight: 600; }
.rso-tag-not-started { background: #d2e2f1; color: #0c2d4a; }
.rso-tag-in-progress { background: #fff7bf; color: #594d00; }
.rso-tag-completed { background: none; color: #0b0c0c; font-weight: 400; }
.rso-tag-cannot-start-yet { background: none; color: #505a5f; font-weight: 400; }
.rso-summary-section { margin: 0 0 18px 0; width: 100%; }
.rso-summary-list { margin: 0 0 6px 0; }
.rso-summary-row { display: flex; flex-wrap: wrap; border-bottom: 1px solid #b1b4b6;
  padding: 6px 0; }
.rso-summary-row dt { font-weight: 600; flex: 0 0 14em; max-width: 100%; margin: 0 12px 0 0; }
.rso-summary-row dd { margin: 0; flex: 1 1 16em; white-space: pre-wrap; overflow-wrap: anywhere; }
.rso-journey-nav { gap: 12px; margin: 16px 0 0 0; }
.rso-confirmation { border: 4px solid #00703c; padding: 8px 14px; margin: 12px 0; }
/* tables of results and the reflection pages (apps/reflection.py) */
.rso-table { border-collapse: collapse; margin: 0 0 12px 0; max-width: 100%; }
.rso-table th, .rso-table td { border: 1px solid #b1b4b6; padding: 3px 8px; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
.rso-table caption { text-align: left; font-weight: bold; padding: 2px 0; }
.rso-intro { border-left: 6px solid #1d70b8; padding: 6px 12px; max-width: 50em; }
.rso-scenario { max-width: 40em; margin: 12px 0 6px 0; padding: 6px 12px; background: #f3f2f1; }
.rso-reflection-item { border-bottom: 1px solid #b1b4b6; padding: 0 0 8px 0; width: 100%; }
.rso-signposts ul { margin: 6px 0; padding-left: 1.2em; max-width: 45em; }
/* the ARMS, live assessment and ARMS practice pages (apps/arms*.py, apps/live_*.py) */
.rso-page { padding: 0 12px; max-width: 64em; box-sizing: border-box; }
.rso-about { margin: 6px 0 10px 0; max-width: 45em; }
.rso-record-banner { border-bottom: 1px solid #b1b4b6; margin: 0 0 8px 0; }
.rso-section-body { max-width: 62em; }
.rso-section-body h3 { margin: 18px 0 6px 0; }
.rso-button-row { flex-flow: row wrap; gap: 8px; }
.rso-review { border-left: 6px solid #1d70b8; padding: 4px 12px; max-width: 45em; }
.rso-review.rso-overdue { border-left-color: #d4351c; }
.rso-review p { margin: 4px 0; }
p.rso-sign-reasons { margin: 4px 0; }
"""


def form_style() -> w.HTML:
    """Add to a form once: the CSS above (the widget itself takes no space)."""
    return w.HTML(value=f"<style>{FORM_CSS}</style>", layout=w.Layout(display="none"))


class Shared:
    """Layout and style models shared by the many widgets of a form that look alike.

    Every ipywidget otherwise brings its own Layout and Style model, and each model is one more
    thing for the kernel to send and the browser to build before the page is usable. Only for
    widgets whose layout never changes on its own (show/hide uses a widget's own layout).
    """

    def __init__(self) -> None:
        self.stacked = w.Layout(flex_flow="column", align_items="flex-start")
        self.plain = w.Layout()
        self.html = HTMLStyle()
        self.text = TextStyle(description_width=LABEL_WIDTH)
        self.desc = DescriptionStyle(description_width=LABEL_WIDTH)

    def html_widget(self, value: str = "") -> w.HTML:
        return w.HTML(value=value, layout=self.plain, style=self.html)


def stacked(control: w.DOMWidget, label: str, size: str = "narrow") -> w.DOMWidget:
    """Give `control` a visible label above the input: its `description`, so the browser's
    accessible name is the label. Plain text only (`description_allow_html=False`).
    `size`: "narrow" (numbers, yes/no), "medium" or "wide" (notes)."""
    control.description = label
    control.description_allow_html = False
    if control.style.description_width != LABEL_WIDTH:
        control.style.description_width = LABEL_WIDTH
    if control.layout.flex_flow != "column":
        control.layout.flex_flow = "column"
        control.layout.align_items = "flex-start"
    control.add_class("rso-stacked")
    control.add_class(f"rso-{size}")
    return control


def text_button(label: str, *, tooltip: str = "", primary: bool = False,
                width: str = "auto") -> w.Button:
    """A button whose text is its label (icons come from a CDN and do not show offline)."""
    return w.Button(description=label, tooltip=tooltip or label, icon="",
                    button_style="primary" if primary else "",
                    layout=w.Layout(width=width, min_width="max-content",
                                    align_self="flex-start"))


def yes_no(label: str, shared: Shared | None = None) -> w.Dropdown:
    """A yes/no question with no answer chosen until the person chooses one (no silent default).

    A select rather than radio buttons: ipywidgets links a select to its label, so the
    question is the accessible name; a radio group would be announced as just "Yes"/"No".
    """
    extra = {"layout": shared.stacked, "style": shared.desc} if shared else {}
    dd = w.Dropdown(options=[("Yes", True), ("No", False)], index=None, **extra)
    return stacked(dd, label)


def is_refusal(exc: BaseException) -> bool:
    """The store refused this user (`store.errors.AccessDenied`): a plain sentence, not an
    error. (Checked without importing the store: if it was never imported, it refused nothing.)"""
    errors = sys.modules.get("rso_widgets.store.errors")
    return errors is not None and isinstance(exc, errors.AccessDenied)


def is_store_error(exc: BaseException) -> bool:
    """Any of the store's own errors (a refusal, a record not found, a duplicate name...)."""
    errors = sys.modules.get("rso_widgets.store.errors")
    return errors is not None and isinstance(exc, errors.StoreError)


def _call(handler: Callable[..., Any], *args: Any) -> None:
    try:
        handler(*args)
    except Exception:  # a report must not raise either
        log.exception("could not show the message")


def safe_callback(report: Callable[[Any, str], None], what: str, *,
                  problems: Callable[[Any, Exception], None] | None = None,
                  refused: Callable[[Any, Exception], None] | None = None) -> Callable:
    """Decorator for widget callbacks and the calls they make: an exception never reaches Voilà
    (where it would be invisible); it is logged and `report(self, message)` shows a friendly
    message instead. The decorated function returns None when it failed.

    Optional handlers, for forms that save through a domain: `problems(self, exc)` for an input
    the domain refused with its list of problems (an exception with `.problems`, such as
    `InvalidRecord`: show them all, inline and in the summary); `refused(self, exc)` for any of
    the store's own errors (a refusal, a record not found, a duplicate name: a plain message)."""

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(self, *args, **kwargs)
            except FreeTextError as exc:  # text that cannot be stored: say which and why
                log.info("refused typed text while %s: %s", what, exc.field)
                _call(report, self, f"Not saved: {exc}. Your answers are kept on this page.")
                return None
            except Exception as exc:
                if problems is not None and isinstance(getattr(exc, "problems", None), list):
                    log.info("input refused while %s: %s", what, exc)
                    _call(problems, self, exc)
                    return None
                if refused is not None and is_store_error(exc):
                    log.info("refused while %s: %s", what, exc)
                    _call(refused, self, exc)
                    return None
                if is_refusal(exc):  # the store refused this user, and audited it
                    log.info("refused while %s: %s", what, exc)
                    _call(report, self, f"Not allowed: {exc}")
                    return None
                ref = uuid.uuid4().hex[:8]
                log.exception("error while %s (reference %s)", what, ref)
                _call(report, self, f"Something went wrong while {what}. Your answers are "
                                    f"kept. Try again; if it happens again, tell the workbook "
                                    f"team and quote reference {ref}.")
                return None
        return wrapper
    return deco


class Field(w.VBox):
    """A form field: the label, then hint text and the inline error, then the input (GOV.UK
    order; the label lives inside the control, so CSS in `FORM_CSS` places the notes between
    the label and the input while the DOM keeps `<label for>` working).

    `error` (text) shows as "Error: <text>" next to the control, with a red bar beside the
    field (CSS class `rso-field-error`) as a second, non-colour-only signal. Hint and error share
    one HTML widget (`notes`): fewer widgets make the page interactive sooner.
    """

    error = Unicode("")

    def __init__(self, control: w.DOMWidget, label: str, hint: str = "", *, name: str = "",
                 size: str = "narrow", shared: Shared | None = None):
        self.name = name
        self.label = label
        self.control = control
        self.hint = hint
        if isinstance(control, DescriptionWidget):
            stacked(control, label, size=size)
        elif hasattr(control, "legend"):  # a checkbox group: the question is its legend
            control.description = label
        if shared is not None:
            self.notes = shared.html_widget(self._notes(""))
            super().__init__(children=[control, self.notes], layout=shared.plain)
        else:
            self.notes = w.HTML(value=self._notes(""))
            super().__init__(children=[control, self.notes])
        self.notes.add_class("rso-field-notes")
        self.add_class("rso-field")

    def _notes(self, error: str) -> str:
        hint = (f'<div class="rso-hint" style="color:{HINT_COLOUR};max-width:40em">'
                f'{esc(self.hint)}</div>') if self.hint else ""
        err = (f'<div class="rso-error-message" style="color:{ERROR_COLOUR};font-weight:bold;'
               f'max-width:40em"><span>Error:</span> {esc(error)}</div>') if error else ""
        return hint + err

    @observe("error")
    def _show_error(self, change: dict[str, Any]) -> None:
        text = change["new"]
        self.notes.value = self._notes(text)
        if text:
            self.add_class("rso-field-error")
        else:
            self.remove_class("rso-field-error")

    def focus(self) -> None:
        if hasattr(self.control, "focus"):
            self.control.focus()


class ErrorSummary(w.VBox):
    """"There is a problem": every error listed at the top, each naming its field, with a
    "Go to …" button that moves keyboard focus to the field."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.body = w.HTML(value="")
        self.links = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        super().__init__(children=[self.body, self.links],
                         layout=w.Layout(display="none", border=f"4px solid {ERROR_COLOUR}",
                                         padding="8px 14px", margin="0 0 16px 0"))
        self.add_class("rso-error-summary")

    def show(self, items: list[tuple[str, str, Any]]) -> None:
        """`items`: (field label, sentence naming the field and the fix, focus target or None)."""
        self.items = [text for _, text, _ in items]
        if not items:
            self.clear()
            return
        lis = "".join(f"<li>{esc(text)}</li>" for _, text, _ in items)
        self.body.value = (f'<div role="alert"><h2 style="margin:0 0 6px 0;font-size:1.3em">'
                           f'There is a problem</h2><ul style="color:{ERROR_COLOUR};'
                           f'font-weight:bold;margin:0 0 6px 0">{lis}</ul></div>')
        buttons = []
        seen: set[int] = set()
        for label, _, target in items:
            if target is None or id(target) in seen:
                continue
            seen.add(id(target))
            b = text_button(f"Go to {label}")
            b.on_click(functools.partial(_focus, target))
            buttons.append(b)
        self.links.children = buttons
        self.layout.display = ""

    def focus_first(self) -> None:
        """Move keyboard focus to the first "Go to" button (GOV.UK: the summary takes focus
        after a failed submit, so keyboard users need not go back through the form)."""
        if self.links.children:
            _focus(self.links.children[0])

    def clear(self) -> None:
        self.items = []
        self.body.value = ""
        self.links.children = []
        self.layout.display = "none"

    @property
    def text(self) -> str:
        return "\n".join(self.items)


def _focus(target: Any, _button: Any = None) -> None:
    try:
        target.focus()
    except Exception:
        log.exception("could not move focus")


class Notice(w.HTML):
    """A block of text in a coloured box (information or a problem), text always escaped."""

    def say(self, text: str, *, kind: str = "info", heading: str = "") -> None:
        colour = ERROR_COLOUR if kind == "error" else "#1d70b8"
        role = ' role="alert"' if kind == "error" else ""
        head = f'<strong>{esc(heading)}</strong><br>' if heading else ""
        self.value = (f'<div{role} style="border-left:6px solid {colour};padding:6px 12px;'
                      f'margin:6px 0;max-width:45em">{head}{esc(text)}</div>')
        self.layout.display = ""

    def clear(self) -> None:
        self.value = ""
        self.layout.display = "none"
