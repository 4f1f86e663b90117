"""Recording a supervision session, and changing one, as GOV.UK task lists: one section at a time
with Back and Continue, "Check your answers", then save (the assessor sets the agenda).

Views only: `SessionStartForm.value` / `SessionUpdateForm.value` are the dicts the store takes
(`create_session` / `update_session`); the store's problems come back through `show_problems`
(inline, and all of them at the top of the section in view, with focus). `check` (given by the
app) returns the domain's problems for the answers so far: Continue shows a section's own ones.
The acting user is never typed: the form is told who is using it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as w

from .checkboxes import Checkboxes
from .dates import date_text
from .fields import Field
from .supervision_forms import (
    JourneyForm,
    choice,
    column,
    date_picker,
    hint,
    text_box,
)
from .supervision_rows import OUTCOMES as FOLLOW_OUTCOMES
from .supervision_rows import ActionRows, AgendaPicker, FollowUps
from .supervision_session_list import STATUS_LABELS
from .tasklist import COMPLETED, NOT_STARTED, Section

ROLES = [("I am the assessor: the session is about my practice", "assessor"),
         ("I am the supervisor", "supervisor")]
STATUSES = [("Yes, it has been held", "held"), ("No, it is planned", "planned")]
AGENDA_HINT = ("Supervision is led by what you want to bring: tick the topics you want to talk "
               "about and add your own words.")
AGENDA_BY_ASSESSOR = ("The assessor sets the agenda: once the session is saved, they can add "
                      "the topics they want to bring.")
KIND_LABELS = {"rm2000": "RM2000", "arms": "ARMS assessment and plan",
               "plan": "Risk management plan"}


def assessment_label(a: Any) -> str:
    """'Risk management plan 12 — Fictional Person A (version 3)'."""
    ref = f" — {a.person_reference}" if a.person_reference else ""
    return (f"{KIND_LABELS.get(a.kind, a.kind)} {a.id}{ref} (version {a.latest_version}"
            f"{', fictional' if a.fictional else ''})")


class _SessionForm(JourneyForm):
    """What recording a session and changing one share: its status, the agenda, the notes
    and the agreed actions."""

    def _session_parts(self, lists: Any, notes_hint: str) -> None:
        sh = self.shared
        self.status = self.field("status", choice(STATUSES, sh, value="held"),
                                 "Has the session been held?", size="medium")
        self.agenda = AgendaPicker(lists, sh)
        self.agenda_box = w.VBox([hint(AGENDA_HINT), self.agenda])
        self.agenda_note = hint(AGENDA_BY_ASSESSOR)
        self.notes = self.field("notes", text_box(sh, area=True, rows=5), "Notes", notes_hint,
                                size="wide")
        self.actions = ActionRows(sh, report=self.report)


class SessionStartForm(_SessionForm):
    """Record a supervision session: who with and when, the agenda (assessor only), notes and
    agreed actions; check the answers, then save."""

    submit_label = "Save the session"

    def __init__(self, lists: Any, user: str, *, supervisor: str | None = None,
                 people: Iterable[str] = (), names: Mapping[str, str] | None = None,
                 check: Callable[[dict[str, Any]], list[Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lists, self.user, self.check = lists, user, check
        self.assigned_supervisor = supervisor
        self.names = dict(names or {})
        self.people = sorted({p for p in people if p and p != user})
        sh = self.shared
        self.role = choice(ROLES, sh, value="assessor")
        self.role.observe(self._on_role, names="value")
        self.role_field = self.field("role", self.role, "Your part in this session",
                                     size="wide")
        self.other = w.Combobox(value=supervisor or "", options=self.people,
                                ensure_option=False, continuous_update=False,
                                layout=sh.stacked, style=sh.text)
        self.other_field = self.field("other", self.other, "Your supervisor's user name",
                                      people_hint(self.people, self.names), size="medium")
        self.aliases |= {"supervisor": "other", "assessor": "other"}
        self.held_on = self.field("held_on", date_picker(sh), "Date of the session",
                                  "For a session already held: today or earlier. For a planned "
                                  "session: the date it is planned for. For example, 27 3 2026.")
        self._session_parts(lists, "What was talked about and decided. Write about people "
                                   "respectfully: person-first, no labels.")
        self.agenda_note.layout.display = "none"
        self._start_journey("Record a supervision session",
                            intro="Go through each section, then check your answers and save.",
                            check_intro="Check the session before you save it.")
        self.add_class("rso-session-start")

    def _sections(self) -> list[Section]:
        return [
            self._section("who", "Who and when", lambda: column([
                self.role_field, self.other_field, self.held_on, self.status]),
                lambda: self._done("who", self.held_on.control.value is not None),
                self._who_rows),
            self._section("agenda", "Agenda", lambda: column([self.agenda_box,
                                                               self.agenda_note]),
                          self._agenda_status, self._agenda_rows,
                          hint="The topics the assessor wants to bring"),
            self._section("notes", "Notes", lambda: column([self.notes]),
                          lambda: self._done("notes", bool(self.notes.control.value.strip())),
                          lambda: [("Notes", self.notes.control.value.strip() or "None")]),
            self._section("actions", "Agreed actions", lambda: column([
                hint("What will be done, who will do it and by when. Leave it empty if "
                     "nothing was agreed."), self.actions]),
                lambda: self._done("actions", bool(self.actions.rows)),
                lambda: action_rows(self.actions.value)),
        ]

    def _section_fields(self, key: str) -> list[Field]:
        if key == "who":
            return [self.role_field, self.other_field, self.held_on, self.status]
        if key == "agenda":
            return list(self.agenda.fields("agenda").values())
        if key == "notes":
            return [self.notes]
        return list(self.actions.fields("actions").values())

    def _agenda_status(self) -> str:
        if self.role.value != "assessor":
            return COMPLETED  # the assessor sets it, later
        return self._done("agenda", any(b.value for b in self.agenda.boxes.values()))

    def _who_rows(self) -> list[tuple[str, str]]:
        other = (self.other.value or "").strip()
        return [("Your part", dict((v, k) for k, v in ROLES).get(self.role.value, "")),
                (self.other_field.label, self.names.get(other, other) or "Not given"),
                ("Date of the session", date_text(self.held_on.control.value)),
                ("Has the session been held?",
                 STATUS_LABELS.get(self.status.control.value or "held", ""))]

    def _agenda_rows(self) -> list[tuple[str, str]]:
        if self.role.value != "assessor":
            return [("Agenda", "Set by the assessor")]
        items = self.agenda.value
        return [(self.lists.topic_label(i["topic"]), i["detail"] or "No words added")
                for i in items] or [("Agenda", "No topics chosen")]

    def _on_role(self, _change: Any = None) -> None:
        assessor = self.role.value == "assessor"
        label = "Your supervisor's user name" if assessor else "The assessor's user name"
        self.other_field.label = label
        self.other.description = label
        if assessor and not self.other.value and self.assigned_supervisor:
            self.other.value = self.assigned_supervisor
        self.agenda_box.layout.display = "" if assessor else "none"
        self.agenda_note.layout.display = "none" if assessor else ""

    def part_fields(self) -> dict[str, Field]:
        return {**self.agenda.fields("agenda"), **self.actions.fields("actions")}

    @property
    def value(self) -> dict[str, Any]:
        other = (self.other.value or "").strip()
        me_assessor = self.role.value == "assessor"
        data: dict[str, Any] = {
            "supervisor": other if me_assessor else self.user,
            "assessor": self.user if me_assessor else other,
            "status": self.status.control.value or "held",
            "notes": self.notes.control.value,
            "actions": self.actions.value,
        }
        if self.held_on.control.value is not None:
            data["held_on"] = self.held_on.control.value
        if me_assessor:
            data["agenda"] = self.agenda.value
        return data

    def reset(self) -> None:
        self.clear_problems()
        self.other.value = (self.assigned_supervisor or "") if self.role.value == "assessor" \
            else ""
        self.held_on.control.value = None
        self.status.control.value = "held"
        self.agenda.reset()
        self.notes.control.value = ""
        self.actions.reset()
        self.confirmed.clear()
        self.journey.show_task_list()


def people_hint(people: Iterable[str], names: Mapping[str, str]) -> str:
    shown = [f"{names[p]} ({p})" if names.get(p, p) != p else p for p in people if p]
    return f"People you work with: {', '.join(shown)}." if shown else ""


def action_rows(actions: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    return [(f"Action {n}", f"{a['text']} — {a['owner'] or 'no owner'}, due "
             f"{date_text(a['due'])}") for n, a in enumerate(actions, 1)] or [
        ("Agreed actions", "None")]


class SessionUpdateForm(_SessionForm):
    """Change a session: date and status, notes, the agenda (assessor only), the assessments
    and plans discussed, what became of earlier actions and new agreed actions; the plan
    quality review and development goals (`extras`: their own forms, saved by their own
    buttons) are sections of the same task list."""

    submit_label = "Save changes to this session"

    def __init__(self, lists: Any, *, extras: Sequence[tuple[str, str, w.Widget,
                                                             Callable[[], list]]] = (),
                 check: Callable[[dict[str, Any]], list[Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lists, self.check = lists, check
        self.extras = list(extras)
        self.is_assessor = False
        self.record: Any = None
        sh = self.shared
        self.held_on = self.field("held_on", date_picker(sh), "Date of the session")
        self._session_parts(lists, "What was talked about and decided.")
        self.linked = Checkboxes()
        self.linked_field = self.field(
            "assessment_ids", self.linked, "Assessments and plans discussed",
            "Select all that were discussed: the assessor's own RM2000 and ARMS assessments "
            "and plans.", size="wide")
        self.follow_ups = FollowUps(sh)
        self._start_journey("Change this session",
                            intro="Open a section to change it; your changes are saved from "
                                  "Check your answers.")
        self.add_class("rso-session-update")

    def _sections(self) -> list[Section]:
        out = [
            self._section("when", "Date and status", lambda: column([self.held_on,
                                                                      self.status]),
                          lambda: COMPLETED, lambda: [
                              ("Date of the session", date_text(self.held_on.control.value)),
                              ("Has the session been held?",
                               STATUS_LABELS.get(self.status.control.value or "held", ""))]),
            self._section("agenda", "Agenda", lambda: column([self.agenda_box,
                                                               self.agenda_note]),
                          self._agenda_status, self._agenda_rows, optional=True),
            self._section("notes", "Notes", lambda: column([self.notes]),
                          lambda: self._saved("notes", bool(self.notes.control.value.strip())),
                          lambda: [("Notes", self.notes.control.value.strip() or "None")],
                          optional=True),
            self._section("discussed", "Assessments and plans discussed",
                          lambda: column([self.linked_field]),
                          lambda: self._saved("discussed", bool(self.linked.value)),
                          lambda: [("Discussed", "; ".join(
                              label for label, v in self.linked.options
                              if v in self.linked.value) or "None")], optional=True),
            self._section("follow", "Follow-up of earlier actions",
                          lambda: column([self.follow_ups]), self._follow_status,
                          self._follow_rows, optional=True),
            self._section("actions", "New agreed actions", lambda: column([self.actions]),
                          lambda: self._done("actions", bool(self.actions.rows)),
                          lambda: action_rows(self.actions.value), optional=True),
        ]
        for key, title, widget, rows in self.extras:
            out.append(Section(key, title, lambda widget=widget: widget,
                               lambda key=key: COMPLETED if key in self.confirmed
                               else NOT_STARTED, lambda key=key: self._extra_done(key),
                               rows, hint="Saved by its own button", optional=True))
        return out

    def _extra_done(self, key: str) -> list:
        self.confirmed.add(key)
        return []

    def _section_fields(self, key: str) -> list[Field]:
        return {"when": [self.held_on, self.status], "notes": [self.notes],
                "discussed": [self.linked_field],
                "agenda": list(self.agenda.fields("agenda").values()),
                "follow": list(self.follow_ups.fields("follow_ups").values()),
                "actions": list(self.actions.fields("add_actions").values())}.get(key, [])

    def _saved(self, key: str, has: bool) -> str:
        return COMPLETED if has or key in self.confirmed else NOT_STARTED

    def _agenda_status(self) -> str:
        if not self.is_assessor:
            return COMPLETED  # the assessor sets it
        return self._saved("agenda", any(b.value for b in self.agenda.boxes.values()))

    def _agenda_rows(self) -> list[tuple[str, str]]:
        if not self.is_assessor:
            return [("Agenda", "Set by the assessor")]
        return [(self.lists.topic_label(i["topic"]), i["detail"] or "No words added")
                for i in self.agenda.value] or [("Agenda", "No topics chosen")]

    def _follow_status(self) -> str:
        if not self.follow_ups.actions:
            return COMPLETED
        given = len(self.follow_ups.value)
        return self._done("follow", given > 0) if given < len(self.follow_ups.actions) \
            else COMPLETED

    def _follow_rows(self) -> list[tuple[str, str]]:
        labels = {v: k for k, v in FOLLOW_OUTCOMES}
        given = {f["action_id"]: f for f in self.follow_ups.value}
        return [(f"Earlier action {n}: {a.text}",
                 labels.get(given[a.id]["outcome"], "") if a.id in given else "Not recorded")
                for n, a in enumerate(self.follow_ups.actions, 1)] or [
            ("Earlier actions", "None open")]

    def load(self, record: Any, user: str, linkable: Sequence[Any],
             open_actions: Sequence[Any]) -> None:
        self.clear_problems()
        self.record = record
        self.is_assessor = record.assessor == user
        self.held_on.control.value = record.held_on
        self.status.control.value = record.status
        self.notes.control.value = record.notes
        self.agenda.set_value(record.agenda)
        self.agenda_box.layout.display = "" if self.is_assessor else "none"
        self.agenda_note.layout.display = "none" if self.is_assessor else ""
        known = {a.id for a in linkable}
        options = [(assessment_label(a), a.id) for a in linkable]
        options += [(f"Assessment {i} (not one of the assessor's own)", i)
                    for i in record.assessment_ids if i not in known]
        self.linked.options = options
        self.linked.value = tuple(i for i in record.assessment_ids
                                  if i in {v for _, v in options})
        self.follow_ups.show(open_actions)
        self.actions.reset()
        self.confirmed.clear()
        self.journey.show_task_list()

    def part_fields(self) -> dict[str, Field]:
        return {**self.agenda.fields("agenda"), **self.actions.fields("add_actions"),
                **self.follow_ups.fields("follow_ups")}

    @property
    def value(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "status": self.status.control.value or "held",
            "notes": self.notes.control.value,
            "assessment_ids": list(self.linked.value),
            "add_actions": self.actions.value,
            "follow_ups": self.follow_ups.value,
        }
        if self.held_on.control.value is not None:
            data["held_on"] = self.held_on.control.value
        if self.is_assessor:
            data["agenda"] = self.agenda.value
        return data

