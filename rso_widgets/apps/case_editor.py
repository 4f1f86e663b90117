"""The case editor (`workbooks/case_editor.ipynb`): a trainer writes a training case of their own,
starting from a copy of a case or a blank template, in a task list; every field is checked as
they go (the case schema and the loader's cross-checks), the RM2000 key is scored by the engine
beside what the key says, a preview shows the case file as trainees see it, and the case is
saved into the trainer's case folder, where practice and workshops find it.

Assembles widgets over `cases.editing`; every callback catches and shows a plain message.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import ipywidgets as w

from ..cases import editing
from ..cases.errors import CaseError
from ..cases.loader import case_files, read_yaml
from ..settings import get_settings
from ..store.identity import current_user
from ..store.roles import TRAINER, roles_of
from ..widgets.case_editor import CaseForm
from ..widgets.case_file import CaseFile
from ..widgets.fields import (
    Field,
    Notice,
    esc,
    form_style,
    notice_report,
    safe_callback,
    text_button,
)
from ..widgets.tasklist import COMPLETED, IN_PROGRESS, Section, TaskListJourney
from .startup import guarded

log = logging.getLogger("rso_widgets.apps.case_editor")

BLANK = "blank"
INTRO = ("Saved cases appear in practice and workshops beside the shipped ones. Keep every "
         "case fictional: invent every name, place and date, and describe offences at the "
         "level of a charge sheet, never in detail.")


_report = notice_report()


def _label(path: Path, mine: bool) -> tuple[str, str]:
    try:
        data = read_yaml(path.read_text(encoding="utf-8"), str(path))
        name = f"{data.get('id')}: {data.get('title')}"
    except (CaseError, OSError, UnicodeDecodeError, AttributeError):
        name = path.name
    return (f"{name} (yours: edit it)" if mine else f"A copy of {name}"), str(path)


class CaseEditorApp(w.VBox):
    """Choose a starting point, then the task list of the case's sections."""

    def __init__(self) -> None:
        cfg = get_settings()
        self.folder = cfg.local_cases()
        self.shipped = case_files(cfg.training_cases_dir)
        self.failure = Notice()
        self.failure.clear()
        self.start_from = w.Dropdown(options=self._starting_points(), index=0)
        start_field = Field(self.start_from, "Start from", "A copy keeps the original as it "
                            "is: you get a new case with its own id.", name="start",
                            size="wide")
        self.start_button = text_button("Start", primary=True)
        self.start_button.on_click(self._start)
        self.start_panel = w.VBox([start_field, self.start_button])
        self.form = CaseForm(self._changed)
        self.check = editing.DraftCheck(None)
        self.typed: list[Any] = []
        self.problems_html = {key: w.HTML() for key, _, _ in editing.SECTIONS}
        self.engine = w.HTML()
        self.preview = CaseFile(height="70vh")
        self.preview_button = text_button("Preview the case file as trainees see it")
        self.preview_button.on_click(self._preview)
        self.preview_note = Notice()
        self.preview_note.clear()
        self.path: Path | None = None
        self.started_from: str | None = None
        self.journey = TaskListJourney(
            "Your training case", [self._section(k, t) for k, t, _ in editing.SECTIONS],
            submit_label="Save to your case folder", on_submit=self._save,
            check_intro="Saved cases go into your case folder. Practice and workshops offer "
                        "them beside the shipped cases.")
        self.editor = w.VBox([self.preview_button, self.preview_note, self.preview,
                              self.journey])
        self.editor.layout.display = "none"
        intro = w.HTML(f"<p class='rso-intro'>{esc(INTRO)}</p>")
        super().__init__([form_style(), intro, self.failure, self.start_panel, self.editor])
        self.add_class("rso-form")
        self.add_class("rso-case-editor")
        if TRAINER not in roles_of(current_user()):
            self.start_panel.layout.display = "none"
            self.failure.say("Writing training cases is for trainers. Ask your administrator "
                             "to give you the trainer role.", heading="You cannot use this page")

    def _starting_points(self) -> list[tuple[str, str]]:
        mine = case_files(self.folder) if self.folder.is_dir() else []
        return ([("A blank case", BLANK)] + [_label(p, True) for p in mine]
                + [_label(p, False) for p in self.shipped])

    # -- sections ------------------------------------------------------------------------------
    def _section(self, key: str, title: str) -> Section:
        def build() -> w.Widget:
            extra = [w.HTML("<h3>The engine's result beside your key</h3>"), self.engine] \
                if key == "rm2000" else []
            inputs = self.form.section(key)  # built now, the first time it is opened
            self._changed()  # and its inputs show their problems
            return w.VBox([self.problems_html[key], *extra, *inputs])

        def status() -> str:
            return IN_PROGRESS if self._problems_in(key) else COMPLETED

        def check() -> list[tuple[str, str, Any]]:
            return [(field, text, target) for field, text, target in self._problems_in(key)]

        def summary() -> list[tuple[str, str]]:
            problems = self._problems_in(key)
            return [("Problems to fix", str(len(problems)) if problems else "None")]

        return Section(key, title, build, status, check, summary, check_anytime=True)

    def _problems_in(self, key: str) -> list[tuple[str, str, Any]]:
        out = []
        for b, text in self.typed:
            if editing.section_of(".".join(b.path)) == key:
                out.append((b.field.label, f"{b.field.label} {text}", b.field.control))
        for p in self.check.by_section()[key]:
            out.append((p.field, f"{p.field}: {p.message} — {p.fix}", self._target(p.field)))
        return out

    def _target(self, path: str) -> Any:
        """Where "Go to" moves focus for a problem of `path`: its input, or, in a section not
        built yet, that section opened and then its input."""
        spec = self.form.spec_of(path)
        if spec is None:
            return None
        b = self.form.built(spec)
        if b is not None:
            return b.field.control
        return self.journey.target(spec.section, _Unbuilt(self.form, path))

    # -- checking as you type -----------------------------------------------------------------
    def _changed(self) -> None:
        try:
            self.recheck()
        except Exception:  # a check must never break typing
            log.exception("checking the case draft")

    def recheck(self) -> editing.DraftCheck:
        draft, self.typed = self.form.value
        self.check = editing.check_draft(draft) if not self.typed else editing.DraftCheck(
            None, [])
        errors: dict[tuple[str, ...], list[str]] = {}
        for b, text in self.typed:
            errors.setdefault(b.path, []).append(text)
        loose: dict[str, list[str]] = {key: [] for key, _, _ in editing.SECTIONS}
        for p in self.check.problems:
            spec = self.form.spec_of(p.field)
            text = f"{p.message} — {p.fix}"
            if spec is None:
                loose[editing.section_of(p.field)].append(f"{p.field}: {text}")
            else:  # on the input itself, or on the nearest one above it (named)
                errors.setdefault(spec.path, []).append(
                    text if ".".join(spec.path) == p.field else f"{p.field}: {text}")
        for b in self.form.bindings:  # the inputs built so far (a section built later: build)
            b.field.error = " ".join(errors.get(b.path, []))
        for key, html in self.problems_html.items():
            html.value = ("<ul class='rso-problems'>" + "".join(
                f"<li>{esc(t)}</li>" for t in loose[key]) + "</ul>") if loose[key] else ""
        self.engine.value = _engine_html(*editing.engine_check(draft))
        return self.check

    # -- actions -------------------------------------------------------------------------------
    @safe_callback(_report, "starting the case")
    def _start(self, _b: Any = None) -> None:
        self.open_case(self.start_from.value)

    def open_case(self, choice: str) -> None:
        taken = self._taken_ids()
        if choice == BLANK:
            draft, self.path, self.started_from = editing.blank_case(
                editing.next_local_id(taken)), None, None
        elif Path(choice).parent == self.folder:  # one of yours: edit it in place
            self.path = Path(choice)
            self.started_from = editing.digest(self.path)
            draft = read_yaml(self.path.read_text(encoding="utf-8"), choice)
        else:
            draft = editing.copy_of(Path(choice), editing.next_local_id(taken))
            self.path, self.started_from = None, None
        self.form.set(draft)
        self.recheck()
        self.start_panel.layout.display = "none"
        self.editor.layout.display = ""
        self.journey.show_task_list(focus=True)  # the start panel, and Start, are hidden

    def _taken_ids(self) -> set[str]:
        mine = case_files(self.folder) if self.folder.is_dir() else []
        return editing.case_ids(self.shipped + mine)

    def _reserved(self) -> set[str]:
        return editing.case_ids(self.shipped)

    @safe_callback(_report, "showing the preview")
    def _preview(self, _b: Any = None) -> None:
        check = self.recheck()
        if check.case is None:
            self.preview.clear()
            self.preview_note.say("The preview shows once the case has no problems left: the "
                                  "task list shows which sections still have some.",
                                  kind="error")
            return
        self.preview_note.clear()
        self.preview.show(check.case)

    def _save(self, journey: TaskListJourney) -> None:
        draft, typed = self.form.value
        if typed or self.recheck().case is None:
            journey.show_problems([p for key, _, _ in editing.SECTIONS
                                   for p in self._problems_in(key)])
            return
        try:
            path = editing.save_case(draft, self.folder, started_from=self.started_from,
                                     reserved=self._reserved())
        except editing.SaveRefused as exc:
            journey.show_problems([("Save", f"Not saved: {exc}", None)])
            return
        self.path, self.started_from = path, editing.digest(path)
        journey.done(f"Saved as {path.name} in your case folder. Practice and workshops now "
                     "offer it.")


class _Unbuilt:
    """A focus target for an input whose section is not built yet: the section is opened (and
    built) first (`TaskListJourney.target`), then this focuses the input."""

    def __init__(self, form: CaseForm, path: str):
        self.form, self.path = form, path

    def focus(self) -> None:
        b = self.form.binding(self.path)
        if b is not None:
            b.field.control.focus()


def _engine_html(lines: list[editing.EngineLine], problems: list[str]) -> str:
    if problems:
        items = "".join(f"<li>{esc(p)}</li>" for p in problems)
        return f"<p>The engine cannot score the key's facts yet:</p><ul>{items}</ul>"
    rows = "".join(f"<tr><th scope='row'>{esc(x.item)}</th><td>{esc(x.engine)}</td>"
                   f"<td>{esc(x.key)}</td><td>{'Agrees' if x.agrees else 'Differs'}</td></tr>"
                   for x in lines)
    return ("<table class='rso-table'><thead><tr><th scope='col'>Item</th><th scope='col'>"
            "The engine gives</th><th scope='col'>Your key says</th><th scope='col'>Check"
            f"</th></tr></thead><tbody>{rows}</tbody></table>")


def case_editor() -> w.Widget:
    """Build the case editor page (the notebook's last expression shows it)."""
    return guarded("The case editor", CaseEditorApp)
