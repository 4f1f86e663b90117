"""The live assessment app (workbooks/live_assessment.ipynb): the page an assessor uses for a
real assessment, as a task list.

Composed from parts rather than extending the ARMS page: the record (`AssessmentRecord`: find
or create the person record; RM2000 → ARMS → plan; drafts autosaved; each save a new immutable
version with a reason; a concurrent save refused with the text kept as a draft) and its task
list (`apps/arms_journey.py`), plus:

- the caseload: every record with its review due date, OVERDUE reviews first (in words);
- the record panel (`apps/live_record.py`): review due date (set it; early-review triggers
  from the plan), a reassessment started from the latest version that asks what changed and
  why, and the version history;
- sign-off and reports (`apps/live_signoff.py`): sign by the assessor, countersign by a
  supervisor (a different user, enforced by the store), file a report of a chosen version.

Opening a record is audited once per opening (`Store.log_view`), never per redraw. Everything a
person typed is escaped. Every callback catches its exceptions and shows a message. Lean: the
page builds without pandas, plotly or SQLAlchemy; the store opens when the person first acts.
The forms stay closed until a record is open, so nothing typed can be lost by opening one.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import ipywidgets as w

from ..widgets.fields import Field, Notice, form_style, safe_callback, text_button
from ..widgets.tasklist import CANNOT_START, COMPLETED, IN_PROGRESS, NOT_STARTED, Section
from .arms_journey import RecordViews, assessment_journey, expose, forward, record_banner
from .arms_record import ARMS_KIND, AUTOSAVE_SECONDS, AssessmentRecord, SaveProblem
from .arms_sections import box, hint
from .deferred import Deferred
from .live_record import RecordPanel
from .live_signoff import SignOffPanel, exports_dir
from .startup import guarded

__all__ = ["LiveAssessmentApp", "exports_dir", "live_assessment"]

log = logging.getLogger("rso_widgets.apps.live_assessment")

CHANGE_HINT = ("Which ratings, circumstances or parts of the plan changed since the last "
               "version, and why: for example a new relationship, a move, loss of a job, new "
               "intelligence or a breach. Shown in the version history and the report.")
INTRO = ("This is a live assessment: a record about a real person, kept under your sign-in "
         "name. It holds special-category personal data: record only what the assessment "
         "needs. Your work is kept as a draft as you go.")
PANEL_WIDGETS = {"record_panel": ("record_status", "reassess_button", "reassess_status",
                                  "review_html", "review_date", "review_field", "review_button",
                                  "review_status", "history", "start_reassessment",
                                  "set_review"),
                 "signoff": ("version_pick", "sign_state", "sign_button", "countersign_button",
                             "sign_status", "report", "sign_off", "file_report")}


def _report(app: LiveAssessmentApp, message: str) -> None:
    app.failure.say(message, kind="error", heading="Sorry, there is a problem")


class LiveAssessmentApp(RecordViews, w.VBox):
    """Caseload, record, reassessment, history, review dates, sign-off and reports."""

    store = forward("store")
    person = forward("person")
    assessment_id = forward("assessment_id")
    expected_version = forward("expected_version")
    draft = forward("draft")

    def __init__(self, *, autosave_seconds: float = AUTOSAVE_SECONDS,
                 today: dt.date | None = None):
        self.failure = Notice(layout=w.Layout(display="none"))
        self.record = rec = AssessmentRecord(autosave_seconds=autosave_seconds, today=today,
                                             caseload=True, failure=self.failure)
        self.today = rec.today
        self.assessment: Any = None  # the AssessmentRecord open, if any
        self.versions: list[Any] = []
        expose(self, rec)

        # what changed (a reassessment), and what to do after a refused save
        self.change_text = w.Textarea(value="", rows=3, continuous_update=True)
        self.change_field = Field(self.change_text, "What changed since the last version, "
                                  "and why", CHANGE_HINT, size="wide")
        self.change_field.layout.display = "none"
        self.change_text.observe(rec.on_change, names="value")
        self.reopen_button = text_button("Open the latest version (your text stays as your "
                                         "draft)")
        self.reopen_button.on_click(self._on_reopen)
        self.reopen_button.layout.display = "none"

        # the record panel and sign-off are built when their section is first opened
        self.record_part = Deferred(lambda: RecordPanel(rec, self.refresh_record,
                                                        self._load_reassessment))
        self.signoff_part = Deferred(lambda: SignOffPanel(rec, self.refresh_record))
        self.record_part.on_build.append(self._show_record_panel)
        self.signoff_part.on_build.append(self._show_signoff)

        rec.opened.append(self._opened)
        rec.saved.append(self._saved)
        rec.refused.append(self._refused)
        rec.extra_problems.append(self._change_problems)
        rec.extra_payload.append(self._payload_extra)
        rec.before_load.append(self._before_load)
        rec.finder_part.on_build.append(self._wire_finder)

        self.journey = assessment_journey(
            rec, "Tasks for this assessment",
            intro="Start with the person record. The other tasks open once a record is open.",
            person_hint="Find the person's record by its reference, or create one; or list "
                        "every record with its review date.",
            before=[Section("record", "Review date, reassessment and version history",
                            lambda: box([hint("Review dates, reassessment and every saved "
                                              "version."), self.record_panel]),
                            self._record_status, required=False)],
            after=[Section("signoff", "Sign off and file a report",
                           lambda: box([hint("Sign a saved version as the assessor; a "
                                             "supervisor (a different person) countersigns it. "
                                             "Then file the report."), self.signoff]),
                           self._signoff_status, required=False, sequence=False)],
            reason_parts=[self.change_field],
            reason_rows=lambda: [("What changed, and why", self.change_text.value.strip())]
            if self.assessment_id is not None else [])
        self.save_button = self.journey.submit_button
        intro = w.HTML(f'<p class="rso-intro">{INTRO}</p>')
        super().__init__([form_style(), intro, self.failure, record_banner(rec),
                          self.save_status, self.reopen_button, self.journey])
        self.add_class("rso-form")
        self.add_class("rso-page")
        self.add_class("rso-live-assessment")

    record_panel = property(lambda self: self.record_part.get())
    signoff = property(lambda self: self.signoff_part.get())

    def _wire_finder(self, finder: Any) -> None:
        finder.list_button.on_click(self._on_caseload)
        finder.caseload_open.on_click(self._on_caseload_open)

    def _show_record_panel(self, panel: RecordPanel) -> None:
        if self.person is not None:
            panel.show(self.assessment, self.versions)

    def _show_signoff(self, panel: SignOffPanel) -> None:
        if self.person is not None:
            panel.show(self.versions)

    # -- task statuses ---------------------------------------------------------------------
    def _record_status(self) -> str:
        # review date, reassessment and history all need a saved version: until then the
        # task cannot start, and Continue from the person record goes on to RM2000
        if self.person is None or self.assessment_id is None:
            return CANNOT_START
        due = self.assessment.review_due if self.assessment is not None else None
        return COMPLETED if due is not None else NOT_STARTED

    def _signoff_status(self) -> str:
        if not self.versions:
            return CANNOT_START
        newest = self.versions[-1]
        if newest.countersigned_by:
            return COMPLETED
        return IN_PROGRESS if newest.signed_by else NOT_STARTED

    # -- listeners on the record -----------------------------------------------------------
    def _opened(self, latest: Any) -> None:
        self.reopen_button.layout.display = "none"
        if self.record_part.built:
            self.record_panel.clear()
        if self.signoff_part.built:
            self.signoff.clear()
        self.refresh_record()

    def _saved(self, version: Any) -> None:
        self._set_change_text("")
        if self.record_part.built:
            self.record_panel.reassess_status.clear()
        self.record.baseline = self.record.json(self.record.draft_payload())
        self.reopen_button.layout.display = "none"
        self.refresh_record()

    def _refused(self, exc: Exception) -> None:
        self.refresh_record()  # the newer version shows in the history
        self.reopen_button.layout.display = ""

    def _change_problems(self) -> list[SaveProblem]:
        if self.assessment_id is None or self.change_text.value.strip():
            self.change_field.error = ""
            return []
        self.change_field.error = "Say what changed since the last version, and why"
        return [(f"say what changed since version {self.expected_version}, and why",
                 "What changed", "Say what changed since the last version, and why", "reason",
                 self.change_text)]

    def _payload_extra(self, data: dict[str, Any]) -> None:
        """The ARMS part records its version number and what changed (for reassessments)."""
        if isinstance(data.get("arms"), dict):
            data["arms"]["version"] = (self.expected_version or 0) + 1
            data["arms"]["change_reason"] = (self.change_text.value.strip()
                                             if self.assessment_id is not None else "")

    def _before_load(self, data: dict[str, Any], baseline: bool) -> None:
        arms = data.get("arms") if isinstance(data.get("arms"), dict) else {}
        # a saved version's "what changed" belongs to it; a draft's is still being written
        self._set_change_text("" if baseline else str(arms.get("change_reason") or ""))

    def _set_change_text(self, text: str) -> None:
        loading, self.record.loading = self.record.loading, True
        try:
            self.change_text.value = text
        finally:
            self.record.loading = loading

    def _load_reassessment(self, data: dict[str, Any]) -> None:
        self.record.load(data)

    def _store(self) -> Any:
        return self.record.store_()

    # -- the record ------------------------------------------------------------------------
    def refresh_record(self) -> None:
        """Re-read the open record's assessment and versions and show them (no audit entry:
        the record was logged as viewed when it was opened)."""
        if self.person is None:
            return
        store = self._store()
        if self.assessment_id is None:
            self.assessment, self.versions = None, []
        else:
            self.assessment = store.get_assessment(self.assessment_id)
            self.versions = store.versions(self.assessment_id)
        if self.record_part.built:
            self.record_panel.show(self.assessment, self.versions)
        self.change_field.layout.display = "" if self.assessment_id is not None else "none"
        if self.signoff_part.built:
            self.signoff.show(self.versions)

    # -- the caseload ----------------------------------------------------------------------
    @safe_callback(_report, "listing the records")
    def _on_caseload(self, _button: Any = None) -> None:
        self.show_caseload()

    def show_caseload(self) -> list[Any]:
        """List every record with its review date, OVERDUE first; returns the rows shown."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..instruments.reassessment import review_order_key, review_state
        from ..store.caseload import caseload

        entries = caseload(self._store(), ARMS_KIND)
        rows = [(e, review_state(e.review_due, self.today),
                 f"Version {e.latest_version}" if e.assessment_id else "None yet")
                for e in entries]
        rows.sort(key=lambda r: review_order_key(r[0].review_due, self.today,
                                                 r[0].person.reference))
        self.finder.show_caseload(rows, self.today)
        return rows

    @safe_callback(_report, "opening the record")
    def _on_caseload_open(self, _button: Any = None) -> None:
        pid = self.finder.caseload_pick.value
        if pid is None:
            self.finder.problem("Choose a record from the list first", self.finder.caseload_pick)
            return
        self.finder.hide_choices()
        self.open_person(self._store().get_person(pid))

    # -- after a refused save --------------------------------------------------------------
    @safe_callback(_report, "opening the latest version")
    def _on_reopen(self, _button: Any = None) -> None:
        self.finder.hide_choices()
        self.open_person(self._store().get_person(self.person.id))


def _panel_widget(part: str, name: str) -> property:
    return property(lambda self: getattr(getattr(self, part), name),
                    doc=f"The {part}'s `{name}` (built on first use).")


for _part, _names in PANEL_WIDGETS.items():
    for _name in _names:
        setattr(LiveAssessmentApp, _name, _panel_widget(_part, _name))


def live_assessment() -> w.Widget:
    """Build the live assessment page (a readable message instead of a traceback)."""
    return guarded("The live assessment page", LiveAssessmentApp)
