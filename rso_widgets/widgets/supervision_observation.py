"""Observation of practice: an observer rates an assessor's interview or visit on the six
working-alliance skills, each with what they saw or heard, notes strengths and one or two
development points. The observation is linked to the assessor's next supervision session.

A view: `value` is the dict `store.supervision.record_observation` takes; the domain decides what
is missing (a rating with no evidence, no development point, a date in the future…).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as w

from .dates import date_text
from .fields import Field, esc
from .supervision_forms import (
    RecordForm,
    choice,
    date_picker,
    heading,
    hint,
    names_hint,
    text_box,
)

INTRO = ("Rate what you saw in one interview or visit. For every skill you rate above "
         "'Not seen', write what you saw or heard that shows it. Keep development points to one "
         "or two: they are taken into the assessor's next supervision session.")


class ObservationForm(RecordForm):
    """One observation, rated on the observation scale."""

    submit_label = "Save the observation"

    def __init__(self, scale: Any, *, people: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = scale
        sh = self.shared
        people = sorted({p for p in people if p})
        self.assessor = self.field(
            "assessor", w.Combobox(value="", options=people, ensure_option=False,
                                   continuous_update=False, layout=sh.stacked, style=sh.text),
            "Assessor observed (user name)", names_hint(people), size="medium")
        self.observed_on = self.field("observed_on", date_picker(sh), "Date of the observation",
                                      "Today or earlier.")
        self.context = self.field("context", choice([(c.label, c.id) for c in scale.contexts],
                                                    sh), "Setting", size="medium")
        levels = [(lv.label, lv.id) for lv in scale.scale]
        level_hint = " ".join(f"{lv.label}: {lv.descriptor}" for lv in scale.scale)
        self.levels: dict[str, Field] = {}
        self.evidence: dict[str, Field] = {}
        skills: list[w.Widget] = []
        for sk in scale.skills:
            self.levels[sk.id] = self.field(f"ratings.{sk.id}", choice(levels, sh),
                                            f"{sk.label}: rating",
                                            f"What good looks like: {sk.good_looks_like}",
                                            size="medium")
            self.evidence[sk.id] = self.field(f"ratings.{sk.id}.evidence",
                                              text_box(sh, area=True, rows=2),
                                              f"{sk.label}: what you saw or heard",
                                              size="wide")
            skills += [heading(sk.label, 4), self.levels[sk.id],
                       self.evidence[sk.id]]
        self.aliases |= {f"ratings.{sk.id}.level": f"ratings.{sk.id}" for sk in scale.skills}
        self.aliases["ratings"] = f"ratings.{scale.skills[0].id}.evidence"
        s, d = scale.strengths, scale.development_points
        self.strengths = self.field("strengths", text_box(sh, area=True, rows=3), "Strengths",
                                    f"What the practitioner did well: one per line ({s.min} to "
                                    f"{s.max}).", size="wide")
        self.points = [self.field(f"development_points[{i}]", text_box(sh),
                                  f"Development point {i + 1}"
                                  + (" (optional)" if i >= d.min else ""),
                                  "One thing to work on next." if i == 0 else "", size="wide")
                       for i in range(d.max)]
        self.aliases["development_points"] = "development_points[0]"
        self.notes = self.field("notes", text_box(sh, area=True, rows=3), "Other notes",
                                "Optional.", size="wide")
        self._finish([heading("Record an observation of practice", 2),
                      hint(INTRO), self.assessor, self.observed_on, self.context,
                      heading("The six skills"), hint(level_hint), *skills,
                      heading("Strengths and development points"), self.strengths,
                      *self.points, self.notes])
        self.add_class("rso-observation-form")

    @property
    def value(self) -> dict[str, Any]:
        ratings = {}
        for sid, f in self.levels.items():
            if f.control.value is not None:
                ratings[sid] = {"level": f.control.value,
                                "evidence": self.evidence[sid].control.value.strip()}
        data: dict[str, Any] = {
            "assessor": (self.assessor.control.value or "").strip(),
            "context": self.context.control.value or "",
            "ratings": ratings,
            "strengths": [x.strip() for x in self.strengths.control.value.splitlines()
                          if x.strip()],
            "development_points": [p.control.value.strip() for p in self.points
                                   if p.control.value.strip()],
            "notes": self.notes.control.value,
        }
        if self.observed_on.control.value is not None:
            data["observed_on"] = self.observed_on.control.value
        return data

    def reset(self) -> None:
        self.clear_problems()
        for f in self.fields.values():
            c = f.control
            if isinstance(c, w.Dropdown):
                c.index = None
            elif isinstance(c, w.DatePicker):
                c.value = None
            else:
                c.value = ""


def observations_html(observations: Sequence[Any], scale: Any, *, title: str,
                      empty: str, sessions: Mapping[int, Any] | None = None) -> str:
    """Observations as a readable list (ratings with evidence; all typed text escaped)."""
    if not observations:
        return (f"<h3 class='rso-sup-heading'>{esc(title)}</h3>"
                f"<p class='rso-hint'>{esc(empty)}</p>")
    skills = {s.id: s.label for s in scale.skills}
    levels = {lv.id: lv.label for lv in scale.scale}
    contexts = {c.id: c.label for c in scale.contexts}
    sessions = sessions or {}
    parts = []
    for o in sorted(observations, key=lambda o: (o.observed_on, o.id), reverse=True):
        rows = "".join(
            f"<tr><th scope='row'>{esc(skills.get(sid, sid))}</th>"
            f"<td>{esc(levels.get(r.level, r.level))}</td>"
            f"<td class='rso-typed'>{esc(r.evidence) or '—'}</td></tr>"
            for sid, r in o.ratings.items())
        s = sessions.get(o.session_id) if o.session_id else None
        link = (f"Linked to the supervision session on {esc(date_text(s.held_on))}."
                if s is not None else
                f"Linked to supervision session {o.session_id}." if o.session_id else
                "Not yet linked: it will be linked to the assessor's next supervision session.")
        strengths = "".join(f"<li class='rso-typed'>{esc(x)}</li>" for x in o.strengths)
        points = "".join(f"<li class='rso-typed'>{esc(x)}</li>" for x in o.development_points)
        parts.append(
            f"<div class='rso-observation'>"
            f"<h4 class='rso-entry-title'>{esc(date_text(o.observed_on))}: "
            f"{esc(o.assessor)} observed by {esc(o.observer)} "
            f"({esc(contexts.get(o.context, o.context))})</h4><p>{link}</p>"
            "<table class='rso-table'><thead><tr><th scope='col'>Skill</th>"
            "<th scope='col'>Rating</th><th scope='col'>What was seen or heard</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>"
            f"<p><strong>Strengths</strong></p><ul>{strengths}</ul>"
            f"<p><strong>Development points</strong></p><ul>{points}</ul></div>")
    return f"<h3 class='rso-sup-heading'>{esc(title)}</h3>{''.join(parts)}"
