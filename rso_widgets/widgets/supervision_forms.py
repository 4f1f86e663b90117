"""Shared pieces of the supervision forms: a form base that shows the domain's problems next to
their fields and in an error summary, and `form_call`, the error wrapper of the app's saves.
(The agenda picker, agreed-action rows and follow-ups are in `supervision_rows.py`.)

Views only. The rules (dates, owners, evidence…) are the domain's: a form hands the store a plain
dict, and shows the `InvalidRecord.problems` it gets back — each names a field path such as
`actions[1].owner` or `ratings.empathy.evidence`, which `RecordForm.show_problems` routes to the
field registered under that path (or the nearest one above it). Every label is visible text and
the accessible name of its control; free text is escaped wherever it is rendered.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipywidgets as w

from .fields import (
    SORRY,
    ErrorSummary,
    Field,
    Notice,
    Shared,
    esc,
    form_style,
    is_refusal,
    safe_callback,
    text_button,
)
from .tasklist import COMPLETED, IN_PROGRESS, NOT_STARTED, Section, TaskListJourney

log = logging.getLogger("rso_widgets.widgets.supervision")

# Pydantic's own words for a shape problem, in plain English.
_PLAIN = {"Field required": "is missing", "Input should be a valid date": "is not a date",
          "Input should be a valid integer": "is not a whole number"}
_STEP = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


def heading(text: str, level: int = 3) -> w.HTML:
    return w.HTML(f'<h{level} class="rso-sup-heading">{esc(text)}</h{level}>')


def hint(text: str) -> w.HTML:
    """Hint text (above what it describes)."""
    return w.HTML(f'<p class="rso-hint rso-sup-hint">{esc(text)}</p>')


def sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def _enter(label: str) -> str:
    """GOV.UK wording for an empty answer: "Enter the date of the session"."""
    what = label[:1].lower() + label[1:]
    what = re.sub(r"\s*\(optional\)$", "", what)
    return f"Enter {what}." if what.startswith(("your ", "the ", "a ", "an ")) \
        else f"Enter the {what}."


def problem_text(label: str, message: str, fix: str) -> str:
    """One problem as a sentence naming the field, what is wrong and how to fix it; an empty
    answer reads the GOV.UK way ("Enter the date of the session", not "is missing. Fill it
    in.")."""
    if message in ("Field required", "is missing") or re.fullmatch(r"no .+ given", message):
        if fix.startswith("give the "):
            return sentence("enter the " + fix.removeprefix("give the ")).rstrip(".") + "."
        return _enter(label)
    message = _PLAIN.get(message, message)
    out = f"{label}: {message.rstrip('.')}."
    return f"{out} {sentence(fix).rstrip('.')}." if fix else out


def date_picker(shared: Shared | None = None) -> w.DatePicker:
    extra = {"layout": shared.stacked, "style": shared.desc} if shared else {}
    return w.DatePicker(value=None, **extra)


def text_box(shared: Shared | None = None, *, area: bool = False, rows: int = 3) -> w.Widget:
    extra = {"layout": shared.stacked, "style": shared.text} if shared else {}
    if area:
        return w.Textarea(value="", rows=rows, continuous_update=False, **extra)
    return w.Text(value="", continuous_update=False, **extra)


def choice(options: Sequence[Any], shared: Shared | None = None, *,
           value: Any = None, none_first: bool = False) -> w.Dropdown:
    extra = {"layout": shared.stacked, "style": shared.desc} if shared else {}
    dd = w.Dropdown(options=list(options), **extra)
    if value is not None:
        dd.value = value
    elif not none_first:
        dd.index = None
    return dd


class RecordForm(w.VBox):
    """A form whose problems come from the domain: an error summary at the top, a notice for
    what happened, fields registered by the path the domain uses for them.

    Subclasses build their controls with `field(path, control, label)` (or register fields of
    their parts via `part_fields()`), then call `_finish(children)`. The app connects the
    submit button with `on_submit(fn)`: `fn(form)` is called on each click."""

    submit_label = "Save"

    def __init__(self, **kwargs: Any) -> None:
        self.shared = Shared()
        self.fields: dict[str, Field] = {}
        self.aliases: dict[str, str] = {}
        self.summary = ErrorSummary()
        self.notice = Notice(layout=w.Layout(display="none"))
        self.submit_button = text_button(self.submit_label, primary=True)
        self._handlers: list[Callable[[RecordForm], Any]] = []
        self.submit_button.on_click(self._clicked)
        self._kwargs = kwargs

    def _finish(self, children: list[w.Widget], *, button: bool = True,
                summary: bool = True) -> None:
        """Lay the form out; `summary=False` when a part shows `self.summary` itself (a task
        list journey shows it at the top of the section in view)."""
        tail = [self.submit_button] if button else []
        head = [self.summary] if summary else []
        super().__init__(children=[form_style(), *head, *children, *tail, self.notice],
                         **self._kwargs)
        self.add_class("rso-form")
        self.add_class("rso-record-form")

    def field(self, path: str, control: w.DOMWidget, label: str, hint: str = "",
              size: str = "narrow") -> Field:
        f = Field(control, label, hint, name=path, size=size, shared=self.shared)
        self.fields[path] = f
        return f

    # -- submitting ----------------------------------------------------------------------------
    def on_submit(self, fn: Callable[[RecordForm], Any]) -> None:
        self._handlers.append(fn)

    def _clicked(self, _button: Any = None) -> None:
        for fn in list(self._handlers):
            fn(self)

    # -- problems ------------------------------------------------------------------------------
    def part_fields(self) -> dict[str, Field]:
        """Fields of dynamic parts (rows), by the domain's path; override to add them."""
        return {}

    def all_fields(self) -> dict[str, Field]:
        return {**self.fields, **self.part_fields()}

    def route(self, path: str, fields: dict[str, Field] | None = None) -> Field | None:
        """The field a problem at `path` is shown beside: the one registered at that path, else
        at the nearest path above it (`actions[0].owner` → `actions[0]` → `actions`)."""
        fields = self.all_fields() if fields is None else fields
        p = path
        while p:
            p = self.aliases.get(p, p)
            if p in fields:
                return fields[p]
            shorter = _STEP.sub("", p)
            if shorter == p:
                break
            p = shorter
        return None

    def show_problems(self, problems: Iterable[Any], what: str = "") -> list[tuple[str, str, Any]]:
        """Show each problem (`.field`, `.message`, `.fix`) next to its field and in the
        summary; problems with no field on this form go in the summary only. Returns the
        summary's items (label, sentence, field)."""
        fields = self.all_fields()
        inline: dict[int, list[str]] = {}
        items: list[tuple[str, str, Any]] = []
        for p in problems:
            f = self.route(p.field, fields)
            label = f.label if f is not None else _path_label(p.field)
            text = problem_text(label, p.message, p.fix)
            if f is not None:
                inline.setdefault(id(f), []).append(text)
            items.append((label, text, f))
        for f in fields.values():
            f.error = " ".join(inline.get(id(f), []))
        self.summary.show(items)
        self.summary.focus_first()  # GOV.UK: focus moves to the problems at the top
        n = len(items)
        if n:
            self.notice.say(f"{sentence(what) or 'This'} was not saved: there "
                            f"{'is' if n == 1 else 'are'} {n} problem{'s' if n != 1 else ''}. "
                            "Correct the answers shown and try again.", kind="error")
        return items

    def clear_problems(self) -> None:
        for f in self.all_fields().values():
            f.error = ""
        self.summary.clear()
        self.notice.clear()

    def report(self, text: str) -> None:
        """An unexpected failure of one of the form's own buttons (logged by the wrapper)."""
        self.notice.say(text, kind="error", heading=SORRY)

    def say(self, text: str, heading: str = "") -> None:
        self.notice.say(text, heading=heading)

    def deny(self, text: str) -> None:
        """A refusal (`AccessDenied`) or a record that is gone: a plain message."""
        self.notice.say(text, kind="error", heading="You cannot do this")

    @property
    def errors(self) -> dict[str, str]:
        """Inline errors showing now, by field path (for tests)."""
        return {k: f.error for k, f in self.all_fields().items() if f.error}


def column(children: Sequence[w.Widget]) -> w.VBox:
    box = w.VBox(list(children))
    box.add_class("rso-section-body")
    return box


class JourneyForm(RecordForm):
    """A `RecordForm` laid out as a task list journey. Subclasses give `_sections()`, each
    section's fields (`_section_fields(key)`), and call `_start_journey(title)`."""

    check: Callable[[dict[str, Any]], list[Any]] | None = None

    def _start_journey(self, title: str, *, intro: str = "", check_intro: str = "") -> None:
        self.confirmed: set[str] = set()
        self.journey = TaskListJourney(title, self._sections(), submit_label=self.submit_label,
                                       on_submit=lambda _j: self._clicked(), intro=intro,
                                       check_intro=check_intro)
        self.summary = self.journey.summary_box  # problems show at the top of the view
        self._finish([self.journey], button=False, summary=False)

    def _sections(self) -> list[Section]:
        raise NotImplementedError

    def _section_fields(self, key: str) -> list[Field]:
        raise NotImplementedError

    def _section(self, key: str, title: str, body: Callable[[], w.Widget],
                 status: Callable[[], str], summary: Callable[[], list[tuple[str, str]]],
                 **extra: Any) -> Section:
        extra.setdefault("check_anytime", True)  # the rules read the answers, not widgets
        return Section(key, title, body, status, lambda: self._check(key), summary, **extra)

    def _check(self, key: str) -> list[tuple[str, str, Any]]:
        """The domain's problems with this section's answers, shown inline and returned for
        the journey's summary; none: the section is completed."""
        mine = self._section_fields(key)
        for f in mine:
            f.error = ""
        if self.check is None:
            self.confirmed.add(key)
            return []
        items = []
        fields = self.all_fields()
        for p in self.check(self.value):
            f = self.route(p.field, fields)
            if f is not None and any(f is m for m in mine):
                text = problem_text(f.label, p.message, p.fix)
                f.error = f"{f.error} {text}".strip()
                items.append((f.label, text, f))
        if not items:
            self.confirmed.add(key)
        return items

    def _done(self, key: str, started: bool) -> str:
        return COMPLETED if key in self.confirmed else IN_PROGRESS if started else NOT_STARTED

    def show_problems(self, problems: Iterable[Any], what: str = ""
                      ) -> list[tuple[str, str, Any]]:
        items = super().show_problems(problems, what)
        if items:
            self.journey.show_problems(items)
        return items


def _path_label(path: str) -> str:
    return sentence(re.sub(r"[._]", " ", re.sub(r"\[(\d+)\]",
                                                 lambda m: f" {int(m.group(1)) + 1}", path)))


# -- running a store call for a form ---------------------------------------------------------

_API_HINT = re.compile(r"\s*\([^)]*(update_session|set_consent|share_diary)[^)]*\)")


def plain_refusal(exc: BaseException) -> str:
    """A refusal's message as a sentence for the page (no API names)."""
    text = _API_HINT.sub("", str(exc)).strip() or "You do not have access to this record."
    return sentence(text)


class PageProblem:
    """A problem the page itself finds (for example nothing chosen), shaped like the domain's
    `Problem` so it shows the same way."""

    def __init__(self, field: str, message: str, fix: str) -> None:
        self.field, self.message, self.fix = field, message, fix


def form_call(form: str | None, what: str, doing: str = "") -> Callable:
    """The error wrapper for an app method that saves through the supervision store: the one
    `fields.safe_callback`, with the domain's problems (`InvalidRecord`) shown next to their
    fields and in the summary of the app's form `form` (an attribute name), a refusal or a
    store error (record not found, duplicate name) as a plain message, anything else as a
    friendly message with a reference, logged. With no form, messages go to `app.failure`.
    The method returns None when it failed."""

    def target(app: Any) -> RecordForm | None:
        return getattr(app, form) if form else None

    def say(app: Any, text: str, heading: str) -> None:
        f = target(app)
        (f.notice if f is not None else app.failure).say(text, kind="error", heading=heading)

    def report(app: Any, message: str) -> None:
        say(app, message, SORRY)

    def problems(app: Any, exc: Exception) -> None:
        f = target(app)
        if f is None:
            say(app, str(exc), f"{sentence(what)} was not saved")
        else:
            f.show_problems(exc.problems, what)  # type: ignore[attr-defined]

    def refused(app: Any, exc: Exception) -> None:
        say(app, plain_refusal(exc), "You cannot do this" if is_refusal(exc)
            else "This could not be done")

    return safe_callback(report, doing or f"saving {what}", problems=problems, refused=refused)


def names_hint(names: Iterable[str]) -> str:
    names = [n for n in names if n]
    return f"People you work with: {', '.join(names)}." if names else ""
