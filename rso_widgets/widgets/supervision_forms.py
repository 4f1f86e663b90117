"""Shared pieces of the supervision forms: a form base that shows the domain's problems next to
their fields and in an error summary, the agenda picker, agreed-action rows and follow-ups.

Views only. The rules (dates, owners, evidence…) are the domain's: a form hands the store a plain
dict, and shows the `InvalidRecord.problems` it gets back — each names a field path such as
`actions[1].owner` or `ratings.empathy.evidence`, which `RecordForm.show_problems` routes to the
field registered under that path (or the nearest one above it). Every label is visible text and
the accessible name of its control; free text is escaped wherever it is rendered.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipywidgets as w
from ipywidgets.widgets.widget_bool import CheckboxStyle

from .fields import (
    HINT_COLOUR,
    ErrorSummary,
    Field,
    Notice,
    Shared,
    esc,
    form_style,
    text_button,
)

log = logging.getLogger("rso_widgets.widgets.supervision")

# Pydantic's own words for a shape problem, in plain English.
_PLAIN = {"Field required": "is missing", "Input should be a valid date": "is not a date",
          "Input should be a valid integer": "is not a whole number"}
_STEP = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")

OUTCOMES = [("Not recorded yet", None), ("Done", "done"), ("In progress", "in_progress"),
            ("Not done", "not_done"), ("No longer needed", "no_longer_needed")]
OUTCOME_LABELS = {v: k for k, v in OUTCOMES if v} | {"open": "Open"}


def date_text(d: dt.date | dt.datetime | None, missing: str = "not set") -> str:
    """GOV.UK style: 2 November 2026."""
    if d is None:
        return missing
    if isinstance(d, dt.datetime):
        d = d.date()
    return f"{d.day} {d:%B %Y}"


def heading(text: str, level: int = 3, *, margin: str = "18px 0 6px 0") -> w.HTML:
    return w.HTML(f'<h{level} style="margin:{margin}">{esc(text)}</h{level}>')


def hint(text: str) -> w.HTML:
    return w.HTML(f'<p style="color:{HINT_COLOUR};max-width:45em;margin:0 0 8px 0">'
                  f"{esc(text)}</p>")


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

    def _finish(self, children: list[w.Widget], *, button: bool = True) -> None:
        tail = [self.submit_button] if button else []
        super().__init__(children=[form_style(), self.summary, *children, *tail, self.notice],
                         layout=w.Layout(max_width="60em", padding="0 0 12px 0"),
                         **self._kwargs)
        self.add_class("rso-form")

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

    def show_problems(self, problems: Iterable[Any], what: str = "") -> None:
        """Show each problem (`.field`, `.message`, `.fix`) next to its field and in the
        summary; problems with no field on this form go in the summary only."""
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
        n = len(items)
        if n:
            self.notice.say(f"{sentence(what) or 'This'} was not saved: there "
                            f"{'is' if n == 1 else 'are'} {n} problem{'s' if n != 1 else ''}. "
                            "Correct the answers shown and try again.", kind="error")

    def clear_problems(self) -> None:
        for f in self.all_fields().values():
            f.error = ""
        self.summary.clear()
        self.notice.clear()

    def say(self, text: str, heading: str = "") -> None:
        self.notice.say(text, heading=heading)

    def deny(self, text: str) -> None:
        """A refusal (`AccessDenied`) or a record that is gone: a plain message."""
        self.notice.say(text, kind="error", heading="You cannot do this")

    @property
    def errors(self) -> dict[str, str]:
        """Inline errors showing now, by field path (for tests)."""
        return {k: f.error for k, f in self.all_fields().items() if f.error}


def _path_label(path: str) -> str:
    return sentence(re.sub(r"[._]", " ", re.sub(r"\[(\d+)\]",
                                                 lambda m: f" {int(m.group(1)) + 1}", path)))


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
            tip = sh.html_widget(f'<div style="color:{HINT_COLOUR};margin:0 0 4px 26px">'
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

class ActionRow(w.VBox):
    def __init__(self, shared: Shared, on_remove: Callable[[ActionRow], None]) -> None:
        self.text = Field(text_box(shared), "", "Say what will be done.", size="wide",
                          shared=shared)
        self.owner = Field(text_box(shared), "", "The person who will do it (user name or "
                           "role).", size="medium", shared=shared)
        self.due = Field(date_picker(shared), "", "", shared=shared)
        self.title = shared.html_widget()
        self.remove = text_button("Remove action")
        self.remove.on_click(lambda _b: on_remove(self))
        super().__init__(children=[self.title, self.text, self.owner, self.due, self.remove],
                         layout=w.Layout(border_left="4px solid #b1b4b6",
                                         padding="2px 0 6px 10px", margin="0 0 10px 0"))
        self.add_class("rso-action-row")

    def number(self, n: int) -> None:
        self.title.value = f"<h4 style='margin:4px 0'>Action {n}</h4>"
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


class ActionRows(w.VBox):
    """Actions agreed in a session: what, who (owner), and by when. Rows left blank are
    ignored; `fields(prefix)` maps `actions[n].text/owner/due` to the rows given."""

    def __init__(self, shared: Shared | None = None, *, noun: str = "Add an agreed action"
                 ) -> None:
        self.shared = shared or Shared()
        self.rows: list[ActionRow] = []
        self._given: list[ActionRow] = []
        self.empty = w.HTML(f'<p style="color:{HINT_COLOUR};margin:0 0 6px 0">No actions '
                            "agreed yet.</p>")
        self.add_button = text_button(noun)
        self.add_button.on_click(lambda _b: self.add())
        self.box = w.VBox()
        self.list_field = Field(w.Box(), "Agreed actions", name="actions")
        super().__init__(children=[self.empty, self.box, self.add_button, self.list_field])

    def add(self) -> ActionRow:
        row = ActionRow(self.shared, self._remove)
        self.rows.append(row)
        self._render()
        return row

    def _remove(self, row: ActionRow) -> None:
        self.rows.remove(row)
        self._render()
        self.add_button.focus()

    def _render(self) -> None:
        for n, r in enumerate(self.rows, 1):
            r.number(n)
        self.box.children = tuple(self.rows)
        self.empty.layout.display = "none" if self.rows else ""

    def reset(self) -> None:
        self.rows = []
        self._render()

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
        self.empty = w.HTML(f'<p style="color:{HINT_COLOUR};margin:0">No open actions from '
                            "earlier sessions.</p>")
        self.box = w.VBox()
        super().__init__(children=[self.empty, self.box])

    def show(self, actions: Sequence[Any]) -> None:
        self.actions = list(actions)
        self.outcomes, self.notes, rows = [], [], []
        for n, a in enumerate(self.actions, 1):
            what = w.HTML(f"<p style='margin:8px 0 4px 0'><strong>Earlier action {n}:</strong> "
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


def names_hint(names: Iterable[str]) -> str:
    names = [n for n in names if n]
    return f"People you work with: {', '.join(names)}." if names else ""


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


def attempt(form: RecordForm | None, what: str, fn: Callable[[], Any],
            fallback: Notice) -> Any:
    """Run `fn` (a store call) for `form`: the domain's problems (`InvalidRecord`) are shown
    next to their fields and in the summary, a refusal (`AccessDenied`, a record not found, a
    duplicate name) as a plain message, anything else as a friendly message with a reference,
    logged. Messages go to `form`, or to `fallback` when there is no form. Returns `fn()`'s
    result, or None when it failed."""
    from ..store import AccessDenied, StoreError
    from ..supervision import InvalidRecord

    def say(text: str, heading: str) -> None:
        (form.notice if form is not None else fallback).say(text, kind="error",
                                                            heading=heading)

    if form is not None:
        form.clear_problems()
    try:
        return fn()
    except InvalidRecord as exc:
        if form is None:
            say(str(exc), f"{sentence(what)} was not saved")
        else:
            form.show_problems(exc.problems, what)
    except (AccessDenied, StoreError) as exc:
        log.info("refused while saving %s: %s", what, exc)
        say(plain_refusal(exc), "You cannot do this" if isinstance(exc, AccessDenied)
            else "This could not be done")
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("error while saving %s (reference %s)", what, ref)
        say(f"Something went wrong with {what}. Your answers are kept. Try again; if it "
            f"happens again, tell the workbook team and quote reference {ref}.",
            "Sorry, there is a problem")
    return None
