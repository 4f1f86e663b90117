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
from pathlib import Path
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


# The kit's one stylesheet (kit.css, next to this module): read once, shipped by `form_style()`.
FORM_CSS = (Path(__file__).with_name("kit.css")).read_text(encoding="utf-8")
_STYLE: list[w.HTML] = []


def form_style() -> w.HTML:
    """The kit stylesheet as a hidden HTML widget (it takes no space). One widget per kernel,
    shared by every form and app that asks for it, so the page receives the CSS once."""
    if not _STYLE or _STYLE[0].comm is None:  # none yet, or closed
        _STYLE[:] = [w.HTML(value=f"<style>{FORM_CSS}</style>",
                            layout=w.Layout(display="none"))]
    return _STYLE[0]


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
    """A button whose text is its label (icons come from a CDN and do not show offline). Its
    text is never cut off: it wraps inside a narrow page (class `rso-text-button`)."""
    b = w.Button(description=label, tooltip=tooltip or label, icon="",
                 button_style="primary" if primary else "",
                 layout=w.Layout(width=width, align_self="flex-start"))
    b.add_class("rso-text-button")
    return b


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


SORRY = "Sorry, there is a problem"


def notice_report(path: str = "failure") -> Callable[[Any, str], None]:
    """The usual `report` of `safe_callback`: the message said as a problem in the owner's
    notice at `path` (attribute names, dotted: "failure", "rec.failure")."""
    def report(owner: Any, message: str) -> None:
        notice = functools.reduce(getattr, path.split("."), owner)
        notice.say(message, kind="error", heading=SORRY)
    return report


def safe_callback(report: Callable[[Any, str], None], what: str, *,
                  problems: Callable[[Any, Exception], None] | None = None,
                  refused: Callable[[Any, Exception], None] | None = None,
                  kept: bool = True) -> Callable:
    """Decorator for widget callbacks and the calls they make: an exception never reaches Voilà
    (where it would be invisible); it is logged and `report(self, message)` shows a friendly
    message instead. The decorated function returns None when it failed.

    Optional handlers, for forms that save through a domain: `problems(self, exc)` for an input
    the domain refused with its list of problems (an exception with `.problems`, such as
    `InvalidRecord`: show them all, inline and in the summary); `refused(self, exc)` for any of
    the store's own errors (a refusal, a record not found, a duplicate name: a plain message).
    `kept=False` for a callback that takes no answers (an export): the message does not say
    "Your answers are kept"."""

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
                answers = " Your answers are kept." if kept else ""
                _call(report, self, f"Something went wrong while {what}.{answers} Try again; "
                                    f"if it happens again, tell the workbook team and quote "
                                    f"reference {ref}.")
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
        hint = f'<div class="rso-hint">{esc(self.hint)}</div>' if self.hint else ""
        err = (f'<div class="rso-error-message"><span>Error:</span> {esc(error)}</div>'
               if error else "")
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


SUMMARY_TITLE = "There is a problem"


class ErrorLink(w.Button):
    """One message of an error summary that is itself the link to its field (GOV.UK): its
    text is the whole message (a text node in the page, so never read as HTML), wrapping;
    pressing it moves keyboard focus to `target`. `label` names the field (for code and tests,
    not shown). Styled as a GOV.UK error link by `rso-error-link` in kit.css."""

    def __init__(self, layout: w.Layout, style: w.ButtonStyle) -> None:
        super().__init__(tooltip="", icon="", layout=layout, style=style)
        self.label = ""
        self.target: Any = None
        self.add_class("rso-error-link")
        self.on_click(self._go)

    def point(self, label: str, text: str, target: Any) -> ErrorLink:
        self.label, self.target, self.description = label, target, text
        return self

    def _go(self, _button: Any = None) -> None:
        if self.target is not None:
            _focus(self.target)


class ErrorSummary(w.VBox):
    """GOV.UK error summary: "There is a problem" (announced, `role="alert"`), then every
    problem of one submit in order. A problem with a field is itself the link that moves
    keyboard focus there (`ErrorLink`); one without stays plain text. After a failed submit
    `focus_first()` moves focus to the summary, so keyboard users need not go back through
    the form: Tab then reaches its first link.

    The link and text widgets are kept and reused by the next `show()` (fewer widget models
    for the page to build on every refused submit)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._looks: tuple[w.Layout, HTMLStyle, w.ButtonStyle] | None = None  # on first show
        self._links: list[ErrorLink] = []  # built so far, reused in order
        self._plain: list[w.HTML] = []
        self.heading = focus_target(w.HTML(value=""))  # rso.js: it can take focus
        self.heading.add_class("rso-error-summary-title")
        self.list = w.VBox()
        self.list.add_class("rso-error-list")
        super().__init__(children=[self.heading, self.list], layout=w.Layout(display="none"))
        self.add_class("rso-error-summary")

    def show(self, items: list[tuple[str, str, Any]]) -> None:
        """`items`: (field label, sentence naming the field and the fix, focus target or None).
        Every message is shown, in order; each with a target is a link to it (two messages
        about one field: two links to it)."""
        self.items = [text for _, text, _ in items]
        if not items:
            self.clear()
            return
        self.heading.value = f'<div role="alert"><h2>{esc(SUMMARY_TITLE)}</h2></div>'
        rows: list[w.Widget] = []
        n_links = n_plain = 0
        for label, text, target in items:
            if target is None:
                rows.append(self._plain_row(n_plain, text))
                n_plain += 1
            else:
                rows.append(self._link(n_links).point(label, text, target))
                n_links += 1
        self.list.children = rows
        self.layout.display = ""

    def _shared(self) -> tuple[w.Layout, HTMLStyle, w.ButtonStyle]:
        """One layout and style model for all the rows (see `Shared`)."""
        if self._looks is None:
            self._looks = (w.Layout(), HTMLStyle(), w.ButtonStyle())
        return self._looks

    def _link(self, n: int) -> ErrorLink:
        if n == len(self._links):
            layout, _, style = self._shared()
            self._links.append(ErrorLink(layout, style))
        return self._links[n]

    def _plain_row(self, n: int, text: str) -> w.HTML:
        if n == len(self._plain):
            layout, style, _ = self._shared()
            row = w.HTML(layout=layout, style=style)
            row.add_class("rso-error-plain")
            self._plain.append(row)
        self._plain[n].value = esc(text)
        return self._plain[n]

    @property
    def links(self) -> list[ErrorLink]:
        """The messages shown as links, in order."""
        return [c for c in self.list.children if isinstance(c, ErrorLink)]

    def focus_first(self) -> None:
        """Move keyboard focus to the summary (GOV.UK: it takes focus after a failed submit and
        is read out; Tab goes on to its first link)."""
        if self.items:
            self.heading.focus()

    def clear(self) -> None:
        self.items = []
        self.heading.value = ""
        self.list.children = []
        self.layout.display = "none"

    @property
    def text(self) -> str:
        return "\n".join(self.items)


def _focus(target: Any, _button: Any = None) -> None:
    try:
        target.focus()
    except Exception:
        log.exception("could not move focus")


def focus_target(widget: w.HTML) -> w.HTML:
    """Mark an HTML block as one a page moves keyboard focus to after an action (then
    `widget.focus()`): the page script (rso.js) gives it tabindex -1, as GOV.UK does for an
    error summary, so focus is not lost when the button pressed is hidden."""
    widget.add_class("rso-focus-target")
    return widget


def message_html(text: str, *, kind: str = "info", heading: str = "") -> str:
    """A message box (information, or a problem announced with role=alert), text escaped."""
    error = kind == "error"
    role = ' role="alert"' if error else ""
    head = f"<strong>{esc(heading)}</strong><br>" if heading else ""
    return (f'<div{role} class="rso-message{" rso-message-error" if error else ""}">'
            f"{head}{esc(text)}</div>")


class Notice(w.HTML):
    """A block of text in a coloured box (information or a problem), text always escaped."""

    def say(self, text: str, *, kind: str = "info", heading: str = "") -> None:
        self.value = message_html(text, kind=kind, heading=heading)
        self.layout.display = ""

    def clear(self) -> None:
        self.value = ""
        self.layout.display = "none"
