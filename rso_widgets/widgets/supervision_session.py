"""Supervision sessions: the list of my sessions, the form to start one (the assessor sets the
agenda), and one session's record with the form to change it (notes, agreed actions, follow-up of
earlier actions, the assessments and plans discussed).

Views only: `SessionStartForm.value` / `SessionUpdateForm.value` are the dicts the store takes
(`create_session` / `update_session`); the store's problems come back through `show_problems`.
The acting user is never typed: the form is told who is using it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as w

from .checkboxes import Checkboxes
from .fields import HINT_COLOUR, Field, Notice, esc, text_button
from .supervision_forms import (
    OUTCOME_LABELS,
    ActionRows,
    AgendaPicker,
    FollowUps,
    RecordForm,
    choice,
    date_picker,
    date_text,
    heading,
    hint,
    names_hint,
    text_box,
)

ROLES = [("I am the assessor: the session is about my practice", "assessor"),
         ("I am the supervisor", "supervisor")]
STATUSES = [("Yes, it has been held", "held"), ("No, it is planned", "planned")]
STATUS_LABELS = {"held": "Held", "planned": "Planned"}
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


class SessionStartForm(RecordForm):
    """Start a supervision session: who with, when, whether held, the agenda (assessor only),
    notes and agreed actions."""

    submit_label = "Save the session"

    def __init__(self, lists: Any, user: str, *, supervisor: str | None = None,
                 people: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lists, self.user = lists, user
        self.assigned_supervisor = supervisor
        self.people = sorted({p for p in people if p and p != user})
        sh = self.shared
        self.role = choice(ROLES, sh, value="assessor")
        self.role.observe(self._on_role, names="value")
        role_field = self.field("role", self.role, "Your part in this session", size="wide")
        self.other = w.Combobox(value=supervisor or "", options=self.people,
                                ensure_option=False, continuous_update=False,
                                layout=sh.stacked, style=sh.text)
        self.other_field = self.field("other", self.other, "Your supervisor's user name",
                                      names_hint(self.people), size="medium")
        self.aliases |= {"supervisor": "other", "assessor": "other"}
        self.held_on = self.field("held_on", date_picker(sh), "Date of the session",
                                  "For a session already held: today or earlier. For a planned "
                                  "session: the date it is planned for.")
        self.status = self.field("status", choice(STATUSES, sh, value="held"),
                                 "Has the session been held?", size="medium")
        self.agenda = AgendaPicker(lists, sh)
        self.agenda_box = w.VBox([heading("Your agenda"), hint(AGENDA_HINT), self.agenda])
        self.agenda_note = hint(AGENDA_BY_ASSESSOR)
        self.agenda_note.layout.display = "none"
        self.notes = self.field("notes", text_box(sh, area=True, rows=5), "Notes",
                                "What was talked about and decided. Write about people "
                                "respectfully: person-first, no labels.", size="wide")
        self.actions = ActionRows(sh)
        self._finish([
            heading("Start a supervision session", 2, margin="6px 0 6px 0"),
            role_field, self.other_field, self.held_on, self.status, self.agenda_box,
            self.agenda_note, heading("Notes and agreed actions"), self.notes, self.actions])
        self.add_class("rso-session-start")

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


class SessionList(w.VBox):
    """My sessions (as assessor or supervisor), newest first, and a way to open one; for a
    supervisor, the people they supervise with supervision held against due."""

    def __init__(self, lists: Any) -> None:
        self.lists = lists
        self.sessions: list[Any] = []
        self.table = w.HTML("")
        self.due = w.HTML("", layout=w.Layout(display="none"))
        self.picker = choice([], None)
        self.picker.description = "Session"
        self.picker.add_class("rso-stacked")
        self.picker.add_class("rso-wide")
        self.picker.style.description_width = "initial"
        self.picker.layout = w.Layout(flex_flow="column", align_items="flex-start",
                                      width="auto")
        self.open_button = text_button("Open this session")
        self._handlers: list[Callable[[int], Any]] = []
        self.open_button.on_click(self._clicked)
        self.failure = Notice(layout=w.Layout(display="none"))
        self.chooser = w.VBox([self.picker, self.open_button])
        super().__init__(children=[heading("My supervision sessions", 2, margin="6px 0"),
                                   self.table, self.chooser, self.failure, self.due])
        self.add_class("rso-session-list")

    def on_open(self, fn: Callable[[int], Any]) -> None:
        self._handlers.append(fn)

    def _clicked(self, _b: Any = None) -> None:
        if self.picker.value is None:
            self.failure.say("Choose a session first.", kind="error")
            return
        self.failure.clear()
        for fn in self._handlers:
            fn(self.picker.value)

    def show(self, sessions: Sequence[Any], user: str) -> None:
        self.sessions = sorted(sessions, key=lambda s: (s.held_on, s.id), reverse=True)
        if not self.sessions:
            self.table.value = (f"<p style='color:{HINT_COLOUR}'>You have no supervision "
                                "sessions yet. Start one below.</p>")
            self.chooser.layout.display = "none"
            return
        rows = []
        options = []
        for s in self.sessions:
            mine = "Assessor" if s.assessor == user else "Supervisor"
            other = s.supervisor if s.assessor == user else s.assessor
            topics = ", ".join(self.lists.topic_label(a.topic) for a in s.agenda) or "None yet"
            open_actions = sum(not a.closed for a in s.actions)
            rows.append(
                f"<tr class='rso-session-row'><td>{esc(date_text(s.held_on))}</td>"
                f"<td>{esc(mine)}</td><td>{esc(other)}</td>"
                f"<td>{esc(STATUS_LABELS.get(s.status, s.status))}</td><td>{esc(topics)}</td>"
                f"<td>{open_actions}</td></tr>")
            options.append((f"{date_text(s.held_on)} — with {other} "
                            f"({STATUS_LABELS.get(s.status, s.status).lower()})", s.id))
        self.table.value = (
            "<table class='rso-table rso-sessions'><caption style='text-align:left'>Sessions, "
            "newest first</caption><thead><tr><th scope='col'>Date</th>"
            "<th scope='col'>Your part</th><th scope='col'>With</th><th scope='col'>Status</th>"
            "<th scope='col'>Agenda</th><th scope='col'>Open actions</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
        self.picker.options = options
        self.picker.index = None
        self.chooser.layout.display = ""

    def show_due(self, due: Sequence[Any]) -> None:
        """For a supervisor: each person they supervise, with supervision held against due."""
        if not due:
            self.due.value = ""
            self.due.layout.display = "none"
            return
        rows = "".join(
            f"<tr><td>{esc(p.assessor)}</td><td>{esc(date_text(p.last_held, 'never'))}</td>"
            f"<td>{esc(date_text(p.next_due))}</td><td>{p.held_in_window} of "
            f"{p.due_in_window}</td><td>{'Yes, overdue' if p.overdue else 'No'}</td></tr>"
            for p in due)
        self.due.value = (
            "<h3 style='margin:18px 0 6px 0'>People you supervise</h3>"
            "<table class='rso-table rso-due'><thead><tr><th scope='col'>Assessor</th>"
            "<th scope='col'>Last session</th><th scope='col'>Next due</th>"
            "<th scope='col'>Held of due (this year)</th><th scope='col'>Overdue</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>")
        self.due.layout.display = ""


class SessionUpdateForm(RecordForm):
    """Change a session: date and status, notes, the agenda (assessor only), the assessments
    and plans discussed, new agreed actions, and what became of earlier actions."""

    submit_label = "Save changes to this session"

    def __init__(self, lists: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lists = lists
        self.is_assessor = False
        sh = self.shared
        self.held_on = self.field("held_on", date_picker(sh), "Date of the session")
        self.status = self.field("status", choice(STATUSES, sh, value="held"),
                                 "Has the session been held?", size="medium")
        self.agenda = AgendaPicker(lists, sh)
        self.agenda_box = w.VBox([heading("Your agenda"), hint(AGENDA_HINT), self.agenda])
        self.agenda_note = hint(AGENDA_BY_ASSESSOR)
        self.notes = self.field("notes", text_box(sh, area=True, rows=5), "Notes",
                                "What was talked about and decided.", size="wide")
        self.linked = Checkboxes()
        self.linked_field = self.field(
            "assessment_ids", self.linked, "Assessments and plans discussed",
            "Select all that were discussed: the assessor's own RM2000 and ARMS assessments "
            "and plans.", size="wide")
        self.follow_ups = FollowUps(sh)
        self.actions = ActionRows(sh, noun="Add an agreed action")
        self._finish([
            self.held_on, self.status, self.agenda_box, self.agenda_note, self.notes,
            self.linked_field, heading("Follow-up of earlier actions"), self.follow_ups,
            heading("New agreed actions"), self.actions])
        self.add_class("rso-session-update")

    def load(self, record: Any, user: str, linkable: Sequence[Any],
             open_actions: Sequence[Any]) -> None:
        self.clear_problems()
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


# -- one session, as read ----------------------------------------------------------------------

def _list(items: Iterable[str], empty: str) -> str:
    lis = "".join(f"<li>{x}</li>" for x in items)
    return f"<ul>{lis}</ul>" if lis else f"<p style='color:{HINT_COLOUR}'>{esc(empty)}</p>"


def session_summary_html(s: Any, lists: Any, *, action_texts: Mapping[int, str] | None = None,
                         observations: Sequence[Any] = (), shared_diary: Sequence[Any] = (),
                         goals: Sequence[Any] = (), skill_labels: Mapping[str, str] | None = None,
                         context_labels: Mapping[str, str] | None = None,
                         prompt_labels: Mapping[str, str] | None = None) -> str:
    """One session as it stands (all typed text escaped)."""
    action_texts = action_texts or {}
    skill_labels, context_labels = skill_labels or {}, context_labels or {}
    prompt_labels = prompt_labels or {}
    # the assessor's topics, then what was brought to this session: each observation of
    # practice linked to it, with its development points
    brought = [f"<span class='rso-agenda-observation'><strong>Observation of practice</strong>"
               f" on {esc(date_text(o.observed_on))} by {esc(o.observer)} "
               f"({esc(context_labels.get(o.context, o.context))}): development points: "
               f"<span class='rso-typed'>{esc('; '.join(o.development_points) or 'none')}"
               "</span></span>" for o in observations]
    agenda = _list([*(f"<strong>{esc(lists.topic_label(a.topic))}</strong>"
                      + (f": <span class='rso-typed'>{esc(a.detail)}</span>" if a.detail
                         else "") for a in s.agenda), *brought], "No agenda yet.")
    notes = (f"<p class='rso-typed' style='white-space:pre-wrap;max-width:45em'>"
             f"{esc(s.notes)}</p>" if s.notes.strip()
             else f"<p style='color:{HINT_COLOUR}'>No notes yet.</p>")
    if s.actions:
        rows = "".join(
            f"<tr><td class='rso-typed'>{esc(a.text)}</td><td>{esc(a.owner)}</td>"
            f"<td>{esc(date_text(a.due))}</td>"
            f"<td>{esc(OUTCOME_LABELS.get(a.status, a.status))}</td></tr>" for a in s.actions)
        actions = ("<table class='rso-table'><thead><tr><th scope='col'>Action</th>"
                   "<th scope='col'>Owner</th><th scope='col'>Due</th>"
                   f"<th scope='col'>Status</th></tr></thead><tbody>{rows}</tbody></table>")
    else:
        actions = f"<p style='color:{HINT_COLOUR}'>No actions agreed in this session.</p>"
    follow = _list((f"{esc(action_texts.get(f.action_id, f'Action {f.action_id}'))}: "
                    f"<strong>{esc(OUTCOME_LABELS.get(f.outcome, f.outcome))}</strong>"
                    + (f" — {esc(f.note)}" if f.note else "") for f in s.follow_ups),
                   "No earlier actions followed up in this session.")
    reviews = []
    for r in s.plan_reviews:
        gaps = ", ".join(r.gaps()) or "none"
        judged = sum(v is not None for v in r.scores.values())
        what = f"plan {r.assessment_id}" if r.assessment_id else "a plan"
        version = f", version {r.version}" if r.version else ""
        reviews.append(f"Quality review of {esc(what)}{esc(version)}: {judged} of "
                       f"{len(r.scores)} criteria scored; not fully met: {esc(gaps)}")
    obs = _list((f"Observation on {esc(date_text(o.observed_on))} by {esc(o.observer)} "
                 f"({esc(context_labels.get(o.context, o.context))}); development points: "
                 f"<span class='rso-typed'>{esc('; '.join(o.development_points) or 'none')}"
                 "</span>" for o in observations),
                "No observation of practice linked to this session.")
    diary = _list((f"<strong>{esc(prompt_labels.get(d.prompt, d.prompt))}</strong> "
                   f"({esc(date_text(d.created_at))}): <span class='rso-typed' "
                   f"style='white-space:pre-wrap'>{esc(d.text)}</span>" for d in shared_diary),
                  "No diary entries shared into this session.")
    goal_items = _list((f"<span class='rso-typed'>{esc(g.text)}</span> — "
                        f"{esc(g.status.replace('_', ' '))}" for g in goals),
                       "No development goals set in this session.")
    linked = ", ".join(str(i) for i in s.assessment_ids) or "none"
    return (
        f"<div class='rso-session-summary'>"
        f"<h2 style='margin:12px 0 6px 0'>Session on {esc(date_text(s.held_on))}</h2>"
        f"<p>Supervisor: <strong>{esc(s.supervisor)}</strong> · Assessor: "
        f"<strong>{esc(s.assessor)}</strong> · Status: "
        f"<strong>{esc(STATUS_LABELS.get(s.status, s.status))}</strong></p>"
        f"<h3>Agenda</h3>{agenda}<h3>Notes</h3>{notes}<h3>Agreed actions</h3>{actions}"
        f"<h3>Follow-up of earlier actions</h3>{follow}"
        f"<h3>Assessments and plans discussed</h3><p>{esc(linked)}</p>"
        f"<h3>Plan quality reviews</h3>{_list(reviews, 'No plan reviewed in this session.')}"
        f"<h3>Observations of practice</h3>{obs}"
        f"<h3>Diary entries shared by the assessor</h3>{diary}"
        f"<h3>Development goals set here</h3>{goal_items}</div>")
