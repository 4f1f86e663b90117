"""Development goals: set in a supervision session, followed over time. A goal has a measure and
a target date; a review records a new status (the history is kept), a note, and evidence of
progress (a practice attempt, a calibration, an observation, a plan review, or anything else).

Views only: `GoalForm.value` is what `set_goal` takes; `GoalReviewForm.value` what `review_goal`
takes. Which evidence counts is the domain's rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .dates import date_text
from .fields import esc
from .supervision_forms import RecordForm, choice, date_picker, heading, text_box

STATUSES = [("Open", "open"), ("In progress", "in_progress"), ("Achieved", "achieved"),
            ("Paused", "paused"), ("No longer relevant", "no_longer_relevant")]
STATUS_LABELS = dict((v, k) for k, v in STATUSES)
EVIDENCE = [("No evidence this time", None), ("An observation of practice", "observation"),
            ("A plan quality review", "plan_review"), ("A practice attempt", "practice_attempt"),
            ("A calibration (workshop) submission", "calibration"), ("Something else", "other")]
EVIDENCE_LABELS = {v: k for k, v in EVIDENCE if v}


class GoalForm(RecordForm):
    """Set a development goal in this session."""

    submit_label = "Set this goal"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        sh = self.shared
        self.text = self.field("text", text_box(sh, area=True, rows=2), "Development goal",
                               "What the assessor wants to develop, in their own words.",
                               size="wide")
        self.measure = self.field("measure", text_box(sh), "How progress will be seen",
                                  "For example: rated Established for this skill in the next "
                                  "observation.", size="wide")
        self.target_on = self.field("target_on", date_picker(sh), "Target date (optional)",
                                    "On or after the session date.")
        self._finish([heading("Set a development goal", 3), self.text, self.measure,
                      self.target_on])
        self.add_class("rso-goal-form")

    @property
    def value(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text.control.value,
                                "measure": self.measure.control.value}
        if self.target_on.control.value is not None:
            data["target_on"] = self.target_on.control.value
        return data

    def reset(self) -> None:
        self.clear_problems()
        self.text.control.value = ""
        self.measure.control.value = ""
        self.target_on.control.value = None


class GoalReviewForm(RecordForm):
    """Review a goal: status, note, one piece of evidence, the session it was reviewed in."""

    submit_label = "Save the review"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        sh = self.shared
        self.goal = self.field("goal", choice([], sh), "Goal to review", size="wide")
        self.status = self.field("status", choice([("Keep the current status", None),
                                                   *STATUSES], sh, none_first=True),
                                 "New status", size="medium")
        self.note = self.field("note", text_box(sh, area=True, rows=2), "Note",
                               "What has changed, and what next.", size="wide")
        self.kind = self.field("evidence[0].kind", choice(EVIDENCE, sh, none_first=True),
                               "Evidence of progress", size="medium")
        self.kind.control.observe(self._on_kind, names="value")
        self.record = self.field("evidence[0].ref", choice([], sh), "Which record",
                                 size="wide")
        self.number = self.field("evidence[0].number", text_box(sh), "Record number",
                                 "The number of the practice attempt or calibration "
                                 "submission.")
        self.evidence_note = self.field("evidence[0].note", text_box(sh),
                                        "Describe the evidence",
                                        "Needed for 'Something else'; optional otherwise.",
                                        size="wide")
        self.session = self.field("session_id", choice([], sh), "Reviewed in session "
                                  "(optional)", size="wide")
        self.choices: dict[str, list[tuple[str, int]]] = {}
        self._finish([heading("Review a goal", 3), self.goal, self.status, self.note,
                      self.kind, self.record, self.number, self.evidence_note, self.session])
        self._on_kind()
        self.add_class("rso-goal-review")

    def set_choices(self, goals: Sequence[Any], sessions: Sequence[Any],
                    records: Mapping[str, list[tuple[str, int]]]) -> None:
        """`records`: evidence kind → (label, id) choices (observations, plan reviews)."""
        self.goal.control.options = [(f"Goal {n}: {g.text[:60]}", g.id)
                                     for n, g in enumerate(goals, 1)]
        self.goal.control.index = None
        self.session.control.options = [("Not in a session", None)] + [
            (f"{date_text(s.held_on)} — {s.supervisor} with {s.assessor}", s.id)
            for s in sessions]
        self.session.control.value = None
        self.choices = dict(records)
        self._on_kind()
        self.layout.display = "" if goals else "none"

    def _on_kind(self, _change: Any = None) -> None:
        kind = self.kind.control.value
        listed = kind in ("observation", "plan_review")
        self.record.layout.display = "" if listed else "none"
        self.number.layout.display = "" if kind in ("practice_attempt", "calibration") \
            else "none"
        self.evidence_note.layout.display = "" if kind else "none"
        if listed:
            options = self.choices.get(kind, [])
            self.record.control.options = options
            self.record.control.index = None
            self.record.hint = "" if options else "There is no such record yet."
            self.record.notes.value = self.record._notes(self.record.error)

    @property
    def value(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status.control.value,
                                "note": self.note.control.value,
                                "session_id": self.session.control.value, "evidence": []}
        kind = self.kind.control.value
        if kind:
            ref: Any = None
            if kind in ("observation", "plan_review"):
                ref = self.record.control.value
            elif kind in ("practice_attempt", "calibration"):
                typed = self.number.control.value.strip()
                ref = int(typed) if typed.isdigit() else (typed or None)
            data["evidence"] = [{"kind": kind, "ref": ref,
                                 "note": self.evidence_note.control.value.strip()}]
        return data

    def route(self, path: str, fields: Any = None) -> Any:
        # a reference problem belongs beside whichever control the person used
        if path.startswith("evidence[0].ref") and self.kind.control.value in (
                "practice_attempt", "calibration"):
            path = "evidence[0].number"
        return super().route(path, fields)

    def reset(self) -> None:
        self.clear_problems()
        self.status.control.value = None
        self.note.control.value = ""
        self.kind.control.value = None
        self.number.control.value = ""
        self.evidence_note.control.value = ""
        self.session.control.value = None


def goals_html(goals: Sequence[Any], *, title: str, sessions: Mapping[int, Any] | None = None,
               records: Mapping[tuple[str, int], str] | None = None) -> str:
    """Goals with their current status, history and evidence (typed text escaped)."""
    sessions, records = sessions or {}, records or {}
    if not goals:
        return (f"<h3 class='rso-sup-heading'>{esc(title)}</h3><p class='rso-hint'>"
                "No development goals yet. Goals are set in a supervision "
                "session.</p>")
    parts = []
    for n, g in enumerate(goals, 1):
        s = sessions.get(g.session_id)
        where = f"the session on {date_text(s.held_on)}" if s else f"session {g.session_id}"
        history = "".join(
            f"<li>{esc(date_text(h.at))}: <strong>{esc(STATUS_LABELS.get(h.status, h.status))}"
            f"</strong> ({esc(h.by)}){' — ' + esc(h.note) if h.note else ''}</li>"
            for h in g.history)
        evidence = "".join(
            f"<li>{esc(date_text(e.at))}: {esc(EVIDENCE_LABELS.get(e.kind, e.kind))}"
            f"{' — ' + esc(records.get((e.kind, e.ref), f'number {e.ref}')) if e.ref else ''}"
            f"{' — ' + esc(e.note) if e.note else ''}</li>" for e in g.evidence)
        parts.append(
            f"<div class='rso-goal'>"
            f"<h4 class='rso-entry-title'>Goal {n}: "
            f"<span class='rso-typed'>{esc(g.text)}</span></h4>"
            f"<p class='rso-tight'>Status: <strong>{esc(STATUS_LABELS.get(g.status, g.status))}"
            f"</strong> · set in {esc(where)} · target {esc(date_text(g.target_on))}</p>"
            + (f"<p class='rso-tight'>Measure: <span class='rso-typed'>{esc(g.measure)}</span>"
               "</p>" if g.measure else "")
            + f"<p class='rso-tight-top'>History</p><ul>{history}</ul>"
            + (f"<p class='rso-tight-top'>Evidence</p><ul>{evidence}</ul>" if evidence
               else "<p class='rso-hint'>No evidence linked yet.</p>")
            + "</div>")
    return (f"<h3 class='rso-sup-heading'>{esc(title)}</h3>"
            f"{hint_text()}{''.join(parts)}")


def hint_text() -> str:
    return ("<p class='rso-hint'>Goals are followed over time: each "
            "review keeps the earlier status.</p>")

