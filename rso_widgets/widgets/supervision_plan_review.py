"""The plan-quality rubric completed in a supervision session: choose one of the assessor's plans,
see what the rubric computes from it (auto criteria, what is missing, how to fix it), and judge the
criteria a person must judge (victim safety measures, proportionality, critical factors first).

A view: the profile comes from `plan_quality.evaluate`, called by the app; this form shows it and
collects the reviewer's judgements (score 0–2 and a reason) by criterion.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w

from .fields import Field, esc, text_button
from .supervision_forms import RecordForm, choice, heading, hint, text_box
from .supervision_session import assessment_label

SCORES = [("Not yet judged", None), ("0 — not met", 0), ("1 — partly met", 1),
          ("2 — fully met", 2)]
MODES = {"auto": "Worked out from the plan", "judged": "Judged by the reviewer",
         "auto+judged": "Presence worked out; quality judged"}
INTRO = ("Judge the plan's quality, not how many visits or plans there are. Criteria worked "
         "out from the plan are shown with what is missing; score the criteria that need a "
         "person's judgement. A score above what was worked out needs a reason.")


class PlanReviewForm(RecordForm):
    """Choose a plan, see its profile, judge the judged criteria, add the review to the
    session. `on_open(fn)`: `fn(form, assessment_id)` when the reviewer opens a plan."""

    submit_label = "Add this review to the session"

    def __init__(self, rubric: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rubric = rubric
        self.assessment_id: int | None = None
        self.version: int | None = None
        sh = self.shared
        self.plan = self.field("assessment_id", choice([], sh), "Plan to review",
                               "The assessor's saved risk management plans.", size="wide")
        self.open_button = text_button("Open the plan for review")
        self._open_handlers: list[Callable[[PlanReviewForm, int], Any]] = []
        self.open_button.on_click(self._on_open)
        self.profile = w.HTML("")
        self.scores: dict[str, Field] = {}
        self.reasons: dict[str, Field] = {}
        judged: list[w.Widget] = []
        for c in rubric.criteria:
            if c.mode == "auto":
                continue
            self.scores[c.id] = self.field(f"judgements.{c.id}", choice(SCORES, sh,
                                                                         none_first=True),
                                           f"{_short(c.text)}: your score ({c.id})", c.text,
                                           size="medium")
            self.reasons[c.id] = self.field(f"judgements.{c.id}.reason", text_box(sh),
                                            f"{_short(c.text)}: why ({c.id})",
                                            "Why you gave this score.",
                                            size="wide")
            judged += [self.scores[c.id], self.reasons[c.id]]
        self.judged_box = w.VBox([heading("Your judgements"), *judged],
                                 layout=w.Layout(display="none"))
        self.aliases |= {"scores": "assessment_id", "rubric": "assessment_id"}
        self._finish([heading("Review a plan's quality", 3), hint(INTRO), self.plan,
                      self.open_button, self.profile, self.judged_box])
        self.submit_button.layout.display = "none"
        self.add_class("rso-plan-review")

    def route(self, path: str, fields: Any = None) -> Any:
        # the store names a review's problems `plan_reviews[n].…`: show them by criterion
        return super().route(re.sub(r"^plan_reviews\[\d+\]\.?", "", path) or "assessment_id",
                             fields)

    def on_open(self, fn: Callable[[PlanReviewForm, int], Any]) -> None:
        self._open_handlers.append(fn)

    def _on_open(self, _b: Any = None) -> None:
        self.clear_problems()
        if self.plan.control.value is None:
            self.plan.error = "Plan to review: choose a plan first."
            return
        for fn in self._open_handlers:
            fn(self, self.plan.control.value)

    def set_plans(self, plans: Sequence[Any]) -> None:
        self.plan.control.options = [(assessment_label(a), a.id) for a in plans]
        self.plan.control.index = None
        self.plan.control.disabled = not plans
        self.open_button.disabled = not plans
        self.profile.value = "" if plans else (
            "<p class='rso-hint'>The assessor has no saved risk management plan "
            "to review.</p>")
        self.judged_box.layout.display = "none"
        self.submit_button.layout.display = "none"
        self.assessment_id = self.version = None

    def show_profile(self, profile: Any, assessment_id: int, version: int,
                     judgements: Mapping[str, Any] | None = None, *, title: str = "") -> None:
        """Show `profile` (a `QualityProfile`) and prefill the judgements given."""
        self.assessment_id, self.version = assessment_id, version
        self.profile.value = profile_html(profile, title)
        for cid, f in self.scores.items():
            j = (judgements or {}).get(cid)
            f.control.value = None if j is None else j.score
            self.reasons[cid].control.value = "" if j is None else j.reason
        self.judged_box.layout.display = ""
        self.submit_button.layout.display = ""

    def refresh_profile(self, profile: Any, title: str = "") -> None:
        self.profile.value = profile_html(profile, title)

    @property
    def judgements(self) -> dict[str, dict[str, Any]]:
        """The reviewer's scores, criterion → {score, reason} (unscored criteria left out)."""
        return {cid: {"score": f.control.value,
                      "reason": self.reasons[cid].control.value.strip()}
                for cid, f in self.scores.items() if f.control.value is not None}


def _short(text: str) -> str:
    """A criterion's name in plain words: its text up to the first colon."""
    return text.split(":")[0].strip()


def profile_html(profile: Any, title: str = "") -> str:
    """The rubric profile as a table: criterion, how judged, status, what is missing."""
    rows = []
    for c in profile.criteria:
        missing = "; ".join(c.missing) or ("—" if c.score == 2 else "")
        fix = f"<br><span class='rso-hint'>How to fix: {esc(c.fix)}</span>" \
            if c.fix else ""
        over = f" (overridden: {esc(c.reason)})" if c.overridden else ""
        rows.append(f"<tr class='rso-criterion' data-criterion='{esc(c.id)}'>"
                    f"<th scope='row'>{esc(c.id)}</th><td>{esc(c.text)}</td>"
                    f"<td>{esc(MODES.get(c.mode, c.mode))}</td>"
                    f"<td><strong>{esc(c.status)}</strong>{over}</td>"
                    f"<td>{esc(missing)}{fix}</td></tr>")
    scored = profile.maximum
    total = (f"<p>Total beside the profile: {profile.total} of {scored} for the criteria "
             "scored so far.</p>") if scored else ""
    head = f"<h4 class='rso-entry-title'>{esc(title)}</h4>" if title else ""
    about = (f"<details class='rso-about'><summary>About this result</summary><p>Judged "
             f"against the plan-quality rubric {esc(profile.rubric)}: criteria worked out from "
             "the plan, and those a reviewer judges.</p></details>")
    return (f"{head}<table class='rso-table rso-profile'><caption>"
            "How the plan meets each quality criterion</caption><thead><tr>"
            "<th scope='col'>Criterion</th><th scope='col'>What it asks</th>"
            "<th scope='col'>How</th><th scope='col'>Status</th>"
            "<th scope='col'>What is missing</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{total}{about}")
