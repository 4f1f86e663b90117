"""Supervision sessions as read: the list of my sessions (and, for a supervisor, who is due), and
one session's record. Views only; all typed text is escaped; people are shown by display name
(`names`: user name → display name; a user name not in it is shown as it is)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as w

from .dates import date_text
from .fields import Notice, esc, text_button
from .supervision_forms import choice, heading
from .supervision_rows import OUTCOME_LABELS

STATUS_LABELS = {"held": "Held", "planned": "Planned"}


def _name(names: Mapping[str, str] | None, user: str) -> str:
    return (names or {}).get(user, user)


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
        super().__init__(children=[heading("My supervision sessions", 2),
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

    def show(self, sessions: Sequence[Any], user: str,
             names: Mapping[str, str] | None = None) -> None:
        self.sessions = sorted(sessions, key=lambda s: (s.held_on, s.id), reverse=True)
        if not self.sessions:
            self.table.value = ("<p class='rso-hint'>You have no supervision sessions yet. "
                                "Start one below.</p>")
            self.chooser.layout.display = "none"
            return
        rows = []
        options = []
        for s in self.sessions:
            mine = "Assessor" if s.assessor == user else "Supervisor"
            other = _name(names, s.supervisor if s.assessor == user else s.assessor)
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
            "<table class='rso-table rso-sessions'><caption>Sessions, "
            "newest first</caption><thead><tr><th scope='col'>Date</th>"
            "<th scope='col'>Your part</th><th scope='col'>With</th><th scope='col'>Status</th>"
            "<th scope='col'>Agenda</th><th scope='col'>Open actions</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
        self.picker.options = options
        self.picker.index = None
        self.chooser.layout.display = ""

    def show_due(self, due: Sequence[Any], names: Mapping[str, str] | None = None) -> None:
        """For a supervisor: each person they supervise, with supervision held against due."""
        if not due:
            self.due.value = ""
            self.due.layout.display = "none"
            return
        rows = "".join(
            f"<tr><td>{esc(_name(names, p.assessor))}</td>"
            f"<td>{esc(date_text(p.last_held, 'never'))}</td>"
            f"<td>{esc(date_text(p.next_due))}</td><td>{p.held_in_window} of "
            f"{p.due_in_window}</td><td>{'Yes, overdue' if p.overdue else 'No'}</td></tr>"
            for p in due)
        self.due.value = (
            "<h3 class='rso-sup-heading'>People you supervise</h3>"
            "<table class='rso-table rso-due'><thead><tr><th scope='col'>Assessor</th>"
            "<th scope='col'>Last session</th><th scope='col'>Next due</th>"
            "<th scope='col'>Held of due (this year)</th><th scope='col'>Overdue</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>")
        self.due.layout.display = ""


# -- one session, as read ----------------------------------------------------------------------

def _list(items: Iterable[str], empty: str) -> str:
    lis = "".join(f"<li>{x}</li>" for x in items)
    return f"<ul>{lis}</ul>" if lis else f"<p class='rso-hint'>{esc(empty)}</p>"


def session_summary_html(s: Any, lists: Any, *, action_texts: Mapping[int, str] | None = None,
                         observations: Sequence[Any] = (), shared_diary: Sequence[Any] = (),
                         goals: Sequence[Any] = (), skill_labels: Mapping[str, str] | None = None,
                         context_labels: Mapping[str, str] | None = None,
                         prompt_labels: Mapping[str, str] | None = None,
                         names: Mapping[str, str] | None = None) -> str:
    """One session as it stands (all typed text escaped)."""
    action_texts = action_texts or {}
    skill_labels, context_labels = skill_labels or {}, context_labels or {}
    prompt_labels = prompt_labels or {}
    # the assessor's topics, then what was brought to this session: each observation of
    # practice linked to it, with its development points
    brought = [f"<span class='rso-agenda-observation'><strong>Observation of practice</strong>"
               f" on {esc(date_text(o.observed_on))} by {esc(_name(names, o.observer))} "
               f"({esc(context_labels.get(o.context, o.context))}): development points: "
               f"<span class='rso-typed'>{esc('; '.join(o.development_points) or 'none')}"
               "</span></span>" for o in observations]
    agenda = _list([*(f"<strong>{esc(lists.topic_label(a.topic))}</strong>"
                      + (f": <span class='rso-typed'>{esc(a.detail)}</span>" if a.detail
                         else "") for a in s.agenda), *brought], "No agenda yet.")
    notes = (f"<p class='rso-typed rso-prewrap'>{esc(s.notes)}</p>" if s.notes.strip()
             else "<p class='rso-hint'>No notes yet.</p>")
    if s.actions:
        rows = "".join(
            f"<tr><td class='rso-typed'>{esc(a.text)}</td><td>{esc(a.owner)}</td>"
            f"<td>{esc(date_text(a.due))}</td>"
            f"<td>{esc(OUTCOME_LABELS.get(a.status, a.status))}</td></tr>" for a in s.actions)
        actions = ("<table class='rso-table'><thead><tr><th scope='col'>Action</th>"
                   "<th scope='col'>Owner</th><th scope='col'>Due</th>"
                   f"<th scope='col'>Status</th></tr></thead><tbody>{rows}</tbody></table>")
    else:
        actions = "<p class='rso-hint'>No actions agreed in this session.</p>"
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
    obs = _list((f"Observation on {esc(date_text(o.observed_on))} by "
                 f"{esc(_name(names, o.observer))} "
                 f"({esc(context_labels.get(o.context, o.context))}); development points: "
                 f"<span class='rso-typed'>{esc('; '.join(o.development_points) or 'none')}"
                 "</span>" for o in observations),
                "No observation of practice linked to this session.")
    diary = _list((f"<strong>{esc(prompt_labels.get(d.prompt, d.prompt))}</strong> "
                   f"({esc(date_text(d.created_at))}): <span class='rso-typed rso-prewrap'>"
                   f"{esc(d.text)}</span>" for d in shared_diary),
                  "No diary entries shared into this session.")
    goal_items = _list((f"<span class='rso-typed'>{esc(g.text)}</span> — "
                        f"{esc(g.status.replace('_', ' '))}" for g in goals),
                       "No development goals set in this session.")
    linked = ", ".join(str(i) for i in s.assessment_ids) or "none"
    return (
        f"<div class='rso-session-summary'>"
        f"<h2 class='rso-sup-heading'>Session on {esc(date_text(s.held_on))}</h2>"
        f"<p>Supervisor: <strong>{esc(_name(names, s.supervisor))}</strong> · Assessor: "
        f"<strong>{esc(_name(names, s.assessor))}</strong> · Status: "
        f"<strong>{esc(STATUS_LABELS.get(s.status, s.status))}</strong></p>"
        f"<h3>Agenda</h3>{agenda}<h3>Notes</h3>{notes}<h3>Agreed actions</h3>{actions}"
        f"<h3>Follow-up of earlier actions</h3>{follow}"
        f"<h3>Assessments and plans discussed</h3><p>{esc(linked)}</p>"
        f"<h3>Plan quality reviews</h3>{_list(reviews, 'No plan reviewed in this session.')}"
        f"<h3>Observations of practice</h3>{obs}"
        f"<h3>Diary entries shared by the assessor</h3>{diary}"
        f"<h3>Development goals set here</h3>{goal_items}</div>")
