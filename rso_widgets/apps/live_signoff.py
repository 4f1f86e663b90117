"""Sign-off and reports for the live assessment: choose a saved version (the picker follows the
newest), sign it as the assessor, countersign it as a supervisor (the store enforces a different
person, and its refusal is shown as it is), and file its report (PDF or HTML, written atomically
to `<data dir>/exports/`, audited, offered as a download)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from ..timefmt import when_text
from ..widgets.fields import Notice, esc, focus_target, safe_callback, stacked, text_button
from .arms_record import AssessmentRecord

log = logging.getLogger("rso_widgets.apps.live_signoff")


def exports_dir() -> Path:
    """`<data dir>/exports`, created owner-only."""
    # deferred: loaded when used, not at page start; see test_deferred_imports
    from ..settings import get_settings

    folder = Path(get_settings().data_dir).expanduser() / "exports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def sign_word(v: Any) -> str:
    if v.countersigned_by:
        return "countersigned"
    return "signed" if v.signed_by else "not signed"


def _report(panel: SignOffPanel, message: str) -> None:
    panel.rec.failure.say(message, kind="error", heading="Sorry, there is a problem")


class SignOffPanel(w.VBox):
    """The version picker, Sign, Countersign and the report of the chosen version."""

    def __init__(self, rec: AssessmentRecord, refresh: Callable[[], None]):
        # deferred: inside the start-up guard (startup.guarded); see test_deferred_imports
        from ..widgets.report_download import ReportDownload

        self.rec = rec
        self.refresh_record = refresh  # re-reads the record (and calls `show` with it)
        self.versions: list[Any] = []
        self.version_pick = w.Dropdown(options=[], index=None)
        stacked(self.version_pick, "Version to sign off or file", size="wide")
        self.version_pick.observe(self._on_pick, names="value")
        self._newest_offered: int | None = None  # the picker follows a newer version
        self.sign_state = w.HTML(value="")
        self.sign_button = text_button("Sign this version (assessor)", primary=True)
        self.sign_button.on_click(self._on_sign)
        self.countersign_button = text_button("Countersign this version (supervisor)")
        self.countersign_button.on_click(self._on_countersign)
        # what a sign-off did; focus moves there, as the button pressed is then disabled
        self.sign_status = focus_target(Notice(layout=w.Layout(display="none")))
        self.report = ReportDownload()
        self.report.button.on_click(self._on_report)
        buttons = w.HBox([self.sign_button, self.countersign_button])
        buttons.add_class("rso-button-row")
        super().__init__([self.version_pick, self.sign_state, buttons, self.sign_status,
                          w.HTML("<h3>Report</h3>"), self.report])

    def clear(self) -> None:
        self.sign_status.clear()
        self.report.clear()

    def show(self, versions: list[Any]) -> None:
        """Offer `versions`; a new version (saved here or by someone else) is the one to sign:
        the picker follows it; an older version chosen on purpose stays chosen until then."""
        self.versions = versions
        keep = self.version_pick.value
        self.version_pick.options = [(f"Version {v.version} — {sign_word(v)}", v.version)
                                     for v in reversed(versions)]
        known = [v.version for v in versions]
        newest = known[-1] if known else None
        follow = keep not in known or newest != self._newest_offered
        self._newest_offered = newest
        self.version_pick.value = newest if follow else keep
        self._show_sign_state()

    def _version(self, number: int | None) -> Any:
        return next((v for v in self.versions if v.version == number), None)

    def _show_sign_state(self) -> None:
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..store.identity import display_name
        from ..widgets.version_history import sign_off_reasons, sign_text

        v = self._version(self.version_pick.value)
        if v is None:
            self.sign_state.value = "<p>No version saved yet: save one to sign it off.</p>"
            for b in (self.sign_button, self.countersign_button, self.report.button):
                b.disabled = True
            return
        store = self.rec.store_()
        no_sign, no_counter = sign_off_reasons(v, self.versions[-1].version, store.user)
        self.sign_button.disabled = bool(no_sign)
        self.countersign_button.disabled = bool(no_counter)
        self.report.button.disabled = False
        why = [r for r in dict.fromkeys((no_sign, no_counter)) if r]
        reasons = "".join(f"<li>{esc(r)}.</li>" for r in why)
        self.sign_state.value = (
            f"<p><strong>Version {v.version}</strong>, saved by {esc(display_name(v.author))} at "
            f"{when_text(v.created_at)} (reason: {esc(v.reason)}). "
            f"{esc(sign_text(v))}.</p>"
            + (f"<p class='rso-sign-reasons'>Why a button is not available:</p>"
               f"<ul class='rso-sign-reasons'>{reasons}</ul>" if why else "")
            + f"<p class='rso-hint'>You are signed in as {esc(store.display_name)}.</p>")

    @safe_callback(_report, "showing the chosen version")
    def _on_pick(self, _change: Any = None) -> None:
        self._show_sign_state()
        self.sign_status.clear()
        self.report.clear()

    @safe_callback(_report, "signing the version")
    def _on_sign(self, _button: Any = None) -> None:
        self.sign_off("sign")

    @safe_callback(_report, "countersigning the version")
    def _on_countersign(self, _button: Any = None) -> None:
        self.sign_off("countersign")

    def sign_off(self, role: str) -> Any:
        """Sign (assessor) or countersign (supervisor) the chosen version; the store's refusal
        (e.g. the same person countersigning) is shown as it is."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..store.errors import AccessDenied, SignOffError

        done = "Signed" if role == "sign" else "Countersigned"
        number = self.version_pick.value
        if self.rec.assessment_id is None or number is None:
            self.sign_status.say("Save a version first.", kind="error", heading=f"Not {role}ed")
            return None
        store = self.rec.store_()
        try:
            rec = (store.sign if role == "sign" else store.countersign)(self.rec.assessment_id,
                                                                          number)
        except (SignOffError, AccessDenied) as exc:
            self.refresh_record()
            self.sign_status.say(f"{str(exc).rstrip('.')}.", kind="error",
                                 heading=f"Not {role}ed")  # the store's words, as they are
            self.sign_status.focus()
            return None
        self.refresh_record()
        unsaved = (" The changes on this page since then are not part of it: save them as a "
                   "new version." if self.rec.dirty() else "")
        self.sign_status.say(f"{done} version {rec.version} as {store.display_name}.{unsaved}",
                             heading=done)
        self.sign_status.focus()
        return rec

    @safe_callback(_report, "creating the report")
    def _on_report(self, _button: Any = None) -> None:
        self.file_report(self.report.format.value)

    def file_report(self, fmt: str) -> Path | None:
        """Write the chosen version's report into `<data dir>/exports/` (atomic, audited) and
        offer it for download."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..reports.export import write_report

        number = self.version_pick.value
        if self.rec.assessment_id is None or number is None:
            self.report.status.say("Save a version first.", kind="error", heading="No report")
            return None
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        name = f"assessment-{self.rec.assessment_id}-v{number}-{stamp}.{fmt}"
        path = write_report(self.rec.store_(), self.rec.assessment_id, number,
                            exports_dir() / name, fmt)
        self.report.show_file(path, fmt, f"version {number}")
        return path
