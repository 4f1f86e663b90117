"""The live assessment app (workbooks/live_assessment.ipynb): the page an assessor uses for a
real assessment.

Built on `apps.arms.ARMSAssessmentApp` (find or create the person record; RM2000 → ARMS → plan;
drafts autosaved; each save a new immutable version with a reason; a concurrent save refused
with the text kept as a draft), it adds:

- the caseload: every record with its review due date, OVERDUE reviews first (in words);
- the record: review due date (set it; early-review triggers from the plan), a reassessment
  started from the latest version (`instruments.arms.reassess`) that asks what changed and
  why, and the version history (author, time, reason, sign-off; what changed between any two
  versions; ratings over time, charted on request);
- sign-off by the assessor and countersign by a supervisor (the store enforces a different
  user, and its message is shown as it is);
- filing a report of a chosen version as PDF or HTML (OFFICIAL-SENSITIVE, written atomically
  to the data directory's `exports/` folder and audited, and offered as a download).

Opening a record is audited once per opening (`Store.log_view`), never per redraw. Everything a
person typed is escaped. Every callback catches its exceptions and shows a message. Lean: the
page builds without pandas, plotly or SQLAlchemy; the store opens when the person first acts.
The forms stay closed until a record is open, so nothing typed can be lost by opening one.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import ipywidgets as w

from ..widgets.fields import HINT_COLOUR, Field, Notice, esc, safe_callback, stacked, text_button
from .arms import ARMS_KIND, AUTOSAVE_SECONDS, ARMSAssessmentApp
from .startup import guarded

log = logging.getLogger("rso_widgets.apps.live_assessment")

CHANGE_HINT = ("Which ratings, circumstances or parts of the plan changed since the last "
               "version, and why: for example a new relationship, a move, loss of a job, new "
               "intelligence or a breach. Shown in the version history and the report.")


def _report(app: LiveAssessmentApp, message: str) -> None:
    app.failure.say(message, kind="error", heading="Sorry, there is a problem")


def exports_dir() -> Path:
    """`<data dir>/exports`, created owner-only."""
    from ..settings import get_settings

    folder = Path(get_settings().data_dir).expanduser() / "exports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


class LiveAssessmentApp(ARMSAssessmentApp):
    """Caseload, record, reassessment, history, review dates, sign-off and reports."""

    def __init__(self, *, autosave_seconds: float = AUTOSAVE_SECONDS,
                 today: dt.date | None = None):
        from ..instruments.arms import load_arms_catalogue
        from ..widgets.report_download import ReportDownload
        from ..widgets.version_history import VersionHistory

        self.assessment: Any = None  # the AssessmentRecord open, if any
        self.versions: list[Any] = []

        # the record: status, reassessment, review dates, history
        self.record_status = w.HTML(value="")
        self.reassess_button = text_button("Start a reassessment from the latest version")
        self.reassess_button.on_click(self._on_reassess)
        self.reassess_status = Notice(layout=w.Layout(display="none"))
        self.review_html = w.HTML(value="")
        self.review_date = w.DatePicker(value=None)
        self.review_field = Field(self.review_date, "New review date",
                                  "Bring the review forward when an early-review trigger "
                                  "happens. Saving a version whose plan has a review date "
                                  "sets the date to the plan's.")
        self.review_button = text_button("Set the review date")
        self.review_button.on_click(self._on_set_review)
        self.review_status = Notice(layout=w.Layout(display="none"))
        self.history = VersionHistory(load_arms_catalogue())

        # saving: what changed, and what to do after a refused save
        self.change_text = w.Textarea(value="", rows=3, continuous_update=True)
        self.change_field = Field(self.change_text, "What changed since the last version, "
                                  "and why", CHANGE_HINT, size="wide")
        self.change_field.layout.display = "none"
        self.change_text.observe(self._on_change, names="value")
        self.reopen_button = text_button("Open the latest version (your text stays as your "
                                         "draft)")
        self.reopen_button.on_click(self._on_reopen)
        self.reopen_button.layout.display = "none"

        # sign-off and report
        self.version_pick = w.Dropdown(options=[], index=None)
        stacked(self.version_pick, "Version to sign off or file", size="wide")
        self.version_pick.observe(self._on_pick, names="value")
        self._newest_offered: int | None = None  # the picker follows a newer version
        self.sign_state = w.HTML(value="")
        self.sign_button = text_button("Sign this version (assessor)", primary=True)
        self.sign_button.on_click(self._on_sign)
        self.countersign_button = text_button("Countersign this version (supervisor)")
        self.countersign_button.on_click(self._on_countersign)
        self.sign_status = Notice(layout=w.Layout(display="none"))
        self.report = ReportDownload()
        self.report.button.on_click(self._on_report)

        super().__init__(autosave_seconds=autosave_seconds, today=today)
        self.remove_class("rso-arms-live")
        self.add_class("rso-live-assessment")
        self.finder.list_button.on_click(self._on_caseload)
        self.finder.caseload_open.on_click(self._on_caseload_open)
        for name in ("record", "signoff"):
            self.blocks[name].layout.display = "none"
        self._show_work(False)  # until a record is open

    # -- composing the page ----------------------------------------------------------------
    def _make_finder(self) -> Any:
        from ..widgets.person_finder import PersonFinder

        return PersonFinder(caseload=True)

    def _intro(self) -> w.HTML:
        return w.HTML(
            '<p style="border-left:6px solid #1d70b8;padding:6px 12px;max-width:45em">'
            "This is a live assessment: a record about a real person, kept under your sign-in "
            "name. It holds special-category personal data: record only what the assessment "
            "needs. Find or create the person's record first; the forms open then, and your "
            "work is kept as a draft as you go.</p>")

    def _blocks(self) -> dict[str, tuple[str, str, list[w.Widget]]]:
        blocks = super()._blocks()
        blocks["person"] = ("Person record", "Find the person's record by its reference, or "
                            "create one; or list every record with its review date.",
                            [self.finder, self.draft_box])
        blocks["record"] = (
            "The record", "Review dates, reassessment and every saved version.",
            [self.record_status, self.reassess_button, self.reassess_status,
             w.HTML("<h3 style='margin:18px 0 6px 0'>Review</h3>"), self.review_html,
             self.review_field, self.review_button, self.review_status,
             w.HTML("<h3 style='margin:18px 0 6px 0'>Version history</h3>"), self.history])
        blocks["save"] = (
            "Save", "Each save is a new version with your name, the time and your reason; "
            "earlier versions are never changed.",
            [self.reason_field, self.change_field, self.save_button, self.save_status,
             self.reopen_button, self.draft_status])
        blocks["signoff"] = (
            "Sign off and file a report", "Sign a saved version as the assessor; a supervisor "
            "(a different person) countersigns it. Then file the report.",
            [self.version_pick, self.sign_state,
             w.HBox([self.sign_button, self.countersign_button],
                    layout=w.Layout(flex_flow="row wrap")),
             self.sign_status, w.HTML("<h3 style='margin:18px 0 6px 0'>Report</h3>"),
             self.report])
        return blocks

    def _order(self) -> list[str]:
        return ["person", "record", "rm2000", "arms", "plan", "save", "signoff"]

    # -- hooks from the ARMS app -----------------------------------------------------------
    def _opened(self, latest: Any) -> None:
        self.reopen_button.layout.display = "none"
        self.reassess_status.clear()
        self.sign_status.clear()
        self.review_status.clear()
        self.report.clear()
        self.refresh_record()
        for name in ("record", "signoff"):
            self.blocks[name].layout.display = ""

    def _saved(self, version: Any) -> None:
        self._set_change_text("")
        self.reassess_status.clear()
        self._baseline = self._json(self.draft_payload())
        self.reopen_button.layout.display = "none"
        self.refresh_record()

    def _refused(self, exc: Exception) -> None:
        self.refresh_record()  # the newer version shows in the history
        self.reopen_button.layout.display = ""

    def _save_problems(self) -> list[str]:
        if self.assessment_id is None:
            self.change_field.error = ""
            return []
        if self.change_text.value.strip():
            self.change_field.error = ""
            return []
        self.change_field.error = "Say what changed since the last version, and why"
        return [f"say what changed since version {self.expected_version}, and why"]

    def payload(self) -> dict[str, Any]:
        """The ARMS part records its version number and what changed (for reassessments)."""
        data = super().payload()
        if isinstance(data.get("arms"), dict):
            data["arms"]["version"] = (self.expected_version or 0) + 1
            data["arms"]["change_reason"] = (self.change_text.value.strip()
                                             if self.assessment_id is not None else "")
        return data

    def _load(self, data: dict[str, Any], *, baseline: bool = True) -> None:
        arms = data.get("arms") if isinstance(data.get("arms"), dict) else {}
        # a saved version's "what changed" belongs to it; a draft's is still being written
        self._set_change_text("" if baseline else str(arms.get("change_reason") or ""))
        super()._load(data, baseline=baseline)

    def _set_change_text(self, text: str) -> None:
        loading, self._loading = self._loading, True
        try:
            self.change_text.value = text
        finally:
            self._loading = loading

    def dirty(self) -> bool:
        """Whether the page holds work not saved as a version (kept as a draft, or not yet)."""
        return self.person is not None and (
            self._draft_saved or self._json(self.draft_payload()) != self._baseline)

    # -- the record ------------------------------------------------------------------------
    def refresh_record(self) -> None:
        """Re-read the open record's assessment and versions and show them (no audit entry:
        the record was logged as viewed when it was opened)."""
        from ..instruments.reassessment import review_state
        from ..reports.payload import read_payload

        if self.person is None:
            return
        store = self._store()
        if self.assessment_id is None:
            self.assessment, self.versions = None, []
        else:
            self.assessment = store.get_assessment(self.assessment_id)
            self.versions = store.versions(self.assessment_id)
        self.history.show(self.versions)
        person, latest = self.person, (self.versions[-1] if self.versions else None)
        if latest is None:
            self.record_status.value = (
                f"<p><strong>{esc(person.reference)}</strong> (record {person.id}) has no ARMS "
                "assessment yet. Complete RM2000, ARMS and the plan below and save version 1."
                "</p>")
        else:
            behind = ""
            if self.expected_version is not None and latest.version > self.expected_version:
                behind = (f" <strong>Version {latest.version} was saved by "
                          f"{esc(latest.author)} after the version on this page "
                          f"({self.expected_version}).</strong>")
            self.record_status.value = (
                f"<p><strong>{esc(person.reference)}</strong> (record {person.id}): ARMS "
                f"assessment with {len(self.versions)} version"
                f"{'s' if len(self.versions) != 1 else ''}; the latest, version "
                f"{latest.version}, was saved by {esc(latest.author)} on "
                f"{latest.created_at:%d %b %Y %H:%M} UTC.{behind}</p>")
        self.reassess_button.layout.display = "" if latest is not None else "none"

        due = self.assessment.review_due if self.assessment is not None else None
        state = review_state(due, self.today)
        triggers = []
        if latest is not None:
            plan = read_payload(latest.data, ARMS_KIND).plan
            triggers = list(plan.review.early_triggers) if plan is not None else []
        lines = "".join(f"<li>{esc(t)}</li>" for t in triggers)
        trig = (f"<p style='margin:6px 0 2px 0'>Early-review triggers in the plan of version "
                f"{latest.version}: if any of these happens, review early.</p><ul>{lines}</ul>"
                if triggers else
                "<p>The plan lists no early-review triggers.</p>" if latest is not None else "")
        mark = "border-left:6px solid #d4351c;" if state.overdue else \
            "border-left:6px solid #1d70b8;"
        self.review_html.value = (
            f"<div class='rso-review{' rso-overdue' if state.overdue else ''}' style='{mark}"
            f"padding:4px 12px;max-width:45em'><p style='margin:4px 0'>Next review: "
            f"{'<strong>' if state.overdue else ''}{esc(state.text)}"
            f"{'</strong>' if state.overdue else ''}.</p>{trig}</div>")
        show_review = "" if self.assessment_id is not None else "none"
        self.review_field.layout.display = show_review
        self.review_button.layout.display = show_review
        self.change_field.layout.display = "" if self.assessment_id is not None else "none"

        keep = self.version_pick.value
        self.version_pick.options = [(f"Version {v.version} — {_sign_word(v)}", v.version)
                                     for v in reversed(self.versions)]
        known = [v.version for v in self.versions]
        newest = known[-1] if known else None
        # A new version (saved here or by someone else) is the one to sign: the picker
        # follows it; an older version chosen on purpose stays chosen until then.
        follow = keep not in known or newest != self._newest_offered
        self._newest_offered = newest
        self.version_pick.value = newest if follow else keep
        self._show_sign_state()

    def _version(self, number: int | None) -> Any:
        return next((v for v in self.versions if v.version == number), None)

    def _show_sign_state(self) -> None:
        from ..widgets.version_history import sign_off_reasons, sign_text

        v = self._version(self.version_pick.value)
        if v is None:
            self.sign_state.value = "<p>No version saved yet: save one to sign it off.</p>"
            for b in (self.sign_button, self.countersign_button, self.report.button):
                b.disabled = True
            return
        from ..store.identity import display_name

        user = self._store().user
        no_sign, no_counter = sign_off_reasons(v, self.versions[-1].version, user)
        self.sign_button.disabled = bool(no_sign)
        self.countersign_button.disabled = bool(no_counter)
        self.report.button.disabled = False
        why = [r for r in dict.fromkeys((no_sign, no_counter)) if r]
        reasons = "".join(f"<li>{esc(r)}.</li>" for r in why)
        self.sign_state.value = (
            f"<p><strong>Version {v.version}</strong>, saved by {esc(display_name(v.author))} on "
            f"{v.created_at:%d %b %Y %H:%M} UTC (reason: {esc(v.reason)}). "
            f"{esc(sign_text(v))}.</p>"
            + (f"<p class='rso-sign-reasons' style='margin:4px 0'>Why a button is not "
               f"available:</p><ul class='rso-sign-reasons'>{reasons}</ul>" if why else "")
            + f"<p style='color:{HINT_COLOUR}'>You are signed in as "
               f"{esc(self._store().display_name)}.</p>")

    @safe_callback(_report, "showing the chosen version")
    def _on_pick(self, _change: Any = None) -> None:
        self._show_sign_state()
        self.sign_status.clear()
        self.report.clear()

    # -- the caseload ----------------------------------------------------------------------
    @safe_callback(_report, "listing the records")
    def _on_caseload(self, _button: Any = None) -> None:
        self.show_caseload()

    def show_caseload(self) -> list[Any]:
        """List every record with its review date, OVERDUE first; returns the rows shown."""
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
            self.person_status.say("Choose a record from the list first.", kind="error",
                                   heading="No record chosen")
            return
        self.finder.hide_choices()
        self.open_person(self._store().get_person(pid))

    # -- reassessment ----------------------------------------------------------------------
    @safe_callback(_report, "starting the reassessment")
    def _on_reassess(self, _button: Any = None) -> None:
        self.start_reassessment()

    def start_reassessment(self) -> bool:
        """Fill the forms from the latest version, as a new assessment dated today (ARMS's
        `reassess`); the save then asks what changed and why."""
        from ..instruments.arms import reassess
        from ..reports.payload import read_payload

        self.reassess_status.clear()
        if self.person is None or self.assessment_id is None:
            self.reassess_status.say("There is no saved version to start from: save version 1 "
                                 "first.", kind="error", heading="No reassessment started")
            return False
        if self._draft_pending or self.dirty():
            self.reassess_status.say(
                "This page has changes that are not saved as a version (they are kept as your "
                "draft). Save them as a version first, or find the record again and discard "
                "the draft; then start the reassessment.", kind="error",
                heading="No reassessment started")
            return False
        latest = self._store().latest_version(self.assessment_id)
        parts = read_payload(latest.data, ARMS_KIND)
        if parts.arms is None:
            self.reassess_status.say(f"Version {latest.version} holds no readable ARMS assessment "
                                 "to start from.", kind="error",
                                 heading="No reassessment started")
            return False
        new = reassess(parts.arms, assessed_on=self.today)
        self.expected_version = latest.version
        self._load({**latest.data, "arms": new.model_dump(mode="json")})
        self.refresh_record()
        self.reassess_status.say(
            f"Reassessment started from version {latest.version}, dated {self.today:%d %B %Y}. "
            "Update RM2000, the ratings, the formulation and the plan, then say what changed "
            "and why (section 6) and save. Your work is kept as a draft as you go.",
            heading="Reassessment started")
        return True

    # -- review dates ----------------------------------------------------------------------
    @safe_callback(_report, "setting the review date")
    def _on_set_review(self, _button: Any = None) -> None:
        self.set_review(self.review_date.value)

    def set_review(self, due: dt.date | None) -> Any:
        if self.assessment_id is None:
            self.review_status.say("Save version 1 first.", kind="error", heading="Not set")
            return None
        if due is None:
            self.review_field.error = "Choose the date of the next review"
            return None
        self.review_field.error = ""
        rec = self._store().set_review_due(self.assessment_id, due)
        self.refresh_record()
        self.review_status.say(f"The review is now due on {due:%d %B %Y}.",
                               heading="Review date set")
        return rec

    # -- sign-off --------------------------------------------------------------------------
    @safe_callback(_report, "signing the version")
    def _on_sign(self, _button: Any = None) -> None:
        self.sign_off("sign")

    @safe_callback(_report, "countersigning the version")
    def _on_countersign(self, _button: Any = None) -> None:
        self.sign_off("countersign")

    def sign_off(self, role: str) -> Any:
        """Sign (assessor) or countersign (supervisor) the chosen version; the store's refusal
        (e.g. the same person countersigning) is shown as it is."""
        from ..store.errors import AccessDenied, SignOffError

        done = "Signed" if role == "sign" else "Countersigned"
        number = self.version_pick.value
        if self.assessment_id is None or number is None:
            self.sign_status.say("Save a version first.", kind="error", heading=f"Not {role}ed")
            return None
        store = self._store()
        try:
            rec = (store.sign if role == "sign" else store.countersign)(self.assessment_id,
                                                                          number)
        except (SignOffError, AccessDenied) as exc:
            self.refresh_record()
            self.sign_status.say(f"{str(exc).rstrip('.')}.", kind="error",
                                 heading=f"Not {role}ed")  # the store's words, as they are
            return None
        self.refresh_record()
        unsaved = (" The changes on this page since then are not part of it: save them as a "
                   "new version." if self.dirty() else "")
        self.sign_status.say(f"{done} version {rec.version} as {store.display_name}.{unsaved}",
                             heading=done)
        return rec

    # -- reports ---------------------------------------------------------------------------
    @safe_callback(_report, "creating the report")
    def _on_report(self, _button: Any = None) -> None:
        self.file_report(self.report.format.value)

    def file_report(self, fmt: str) -> Path | None:
        """Write the chosen version's report into `<data dir>/exports/` (atomic, audited) and
        offer it for download."""
        from ..reports.export import write_report

        number = self.version_pick.value
        if self.assessment_id is None or number is None:
            self.report.status.say("Save a version first.", kind="error", heading="No report")
            return None
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        name = f"assessment-{self.assessment_id}-v{number}-{stamp}.{fmt}"
        path = write_report(self._store(), self.assessment_id, number, exports_dir() / name,
                            fmt)
        self.report.show_file(path, fmt, f"version {number}")
        return path

    # -- after a refused save --------------------------------------------------------------
    @safe_callback(_report, "opening the latest version")
    def _on_reopen(self, _button: Any = None) -> None:
        self.finder.hide_choices()
        self.open_person(self._store().get_person(self.person.id))


def _sign_word(v: Any) -> str:
    if v.countersigned_by:
        return "countersigned"
    return "signed" if v.signed_by else "not signed"


def live_assessment() -> w.Widget:
    """Build the live assessment page (a readable message instead of a traceback)."""
    return guarded("The live assessment page", LiveAssessmentApp)
