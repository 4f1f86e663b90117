"""The ARMS apps.

- `arms_practice()` (workbooks/arms_practice.ipynb): `apps/arms_practice.py`.
- `arms_assessment()` (workbooks/arms_assessment.ipynb): RM2000 (its result is the ARMS static
  context), ARMS and the plan for a real person record, as a task list; saved as a new
  assessment version with a reason, drafts autosaved a moment after the last change and offered
  for resume on reopening. Composed from `AssessmentRecord` (apps/arms_record.py) and its task
  list (apps/arms_journey.py), as the live assessment is.

Lean on purpose: the page builds with no pandas, plotly or SQLAlchemy. The store is opened only
when the person asks for a record, so nothing is written until then (and only in the data
directory the settings name).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as w

from ..widgets.fields import Notice, esc, form_style
from .arms_journey import RecordViews, assessment_journey, expose, forward, record_banner
from .arms_practice import NOTE, ARMSPractice
from .arms_record import ARMS_KIND, AUTOSAVE_SECONDS, AssessmentRecord, static_from_result
from .startup import guarded

__all__ = ["ARMS_KIND", "AUTOSAVE_SECONDS", "LIVE_NOTE", "NOTE", "ARMSAssessmentApp",
           "ARMSPractice", "arms_assessment", "arms_practice", "static_from_result"]

LIVE_NOTE = ("This assessment holds special-category personal data. Record only what the "
             "assessment needs, and keep it to the people who need it.")


class ARMSAssessmentApp(RecordViews, w.VBox):
    """RM2000 → ARMS → plan for one person record, saved as assessment versions."""

    store = forward("store")
    person = forward("person")
    assessment_id = forward("assessment_id")
    expected_version = forward("expected_version")
    draft = forward("draft")

    def __init__(self, *, autosave_seconds: float = AUTOSAVE_SECONDS,
                 today: dt.date | None = None):
        self.failure = Notice(layout=w.Layout(display="none"))
        self.record = AssessmentRecord(autosave_seconds=autosave_seconds, today=today,
                                       failure=self.failure)
        self.today = self.record.today
        expose(self, self.record)
        self.journey = assessment_journey(
            self.record, "Tasks for this assessment",
            intro="Start with the person record. The other tasks open once a record is open; "
                  "your work is kept as a draft as you go.",
            person_hint="Find the person's record by its reference, or create one. Your work "
                        "is then kept as a draft as you go.")
        self.save_button = self.journey.submit_button
        intro = w.HTML(f'<p class="rso-intro">{esc(LIVE_NOTE)} Versions are saved under your '
                       "sign-in name; nothing is saved until you open a person record.</p>")
        super().__init__([form_style(), intro, self.failure, record_banner(self.record),
                          self.save_status, self.journey])
        self.add_class("rso-form")
        self.add_class("rso-page")
        self.add_class("rso-arms-live")

    def _store(self) -> Any:
        return self.record.store_()


def arms_practice() -> w.Widget:
    """Build the ARMS practice page (a readable message instead of a traceback on failure)."""
    return guarded("The ARMS practice page", ARMSPractice)


def arms_assessment() -> w.Widget:
    """Build the live ARMS assessment page (a readable message instead of a traceback)."""
    return guarded("The ARMS assessment page", ARMSAssessmentApp)
