"""The calibration record app (`workbooks/calibration_record.ipynb`, issue 16).

- Everyone: your own calibration record for RM2000 and ARMS over time (practice and workshops),
  its status (calibrated, due for re-test, lapsed) and validity, your drift against your team, a
  re-test pack of cases you have not seen, and your certificate (PDF or HTML).
- Trainers (and administrators): who is due for a re-test, most urgent first, and any person's
  record and certificate — each person's record read is audited under the trainer's name.
- Team leads: their team's statuses as counts (withheld below the minimum group) and the records
  of members who agreed to share theirs (audited).

Assembles widgets only: the rules are in `calibration.certification`, the reads (access policy,
audit) in `store.certification`, the certificate in `reports.certification`.
"""

from __future__ import annotations

import logging
from typing import Any

import ipywidgets as w

from ..widgets.fields import (
    Field,
    Notice,
    esc,
    form_style,
    notice_report,
    safe_callback,
    text_button,
)
from .startup import could_not_start

log = logging.getLogger("rso_widgets.apps.certification")

INTRO = ("Your calibration record: how closely your scoring of fictional training cases has "
         "matched the expert keys over time, in practice and in workshops. Only the first "
         "attempt at each case counts. A calibration lasts for the validity period your "
         "organisation sets; before it ends, a re-test pack of cases you have not seen renews "
         "it. Your record is yours: a trainer, your supervisor, your team lead (if you agree) "
         "and an administrator may see it, and every time they do it is recorded.")
INSTRUMENTS = [("RM2000", "rm2000"), ("ARMS", "arms")]


_report = notice_report()


class RecordPanel(w.VBox):
    """One person's record, a re-test pack and the certificate (own, or a trainer's view)."""

    def __init__(self, certs: Any, user: str, own: bool) -> None:
        # deferred: inside the start-up guard (startup.guarded); see test_deferred_imports
        from ..widgets.certification_view import RecordView
        from ..widgets.report_download import ReportDownload

        self.certs, self.user, self.own = certs, user, own
        self.failure = Notice(layout=w.Layout(display="none"))
        self.view = RecordView()
        self.instrument = w.Dropdown(options=INSTRUMENTS, value="rm2000")
        pack_field = Field(self.instrument, "Instrument for the re-test pack",
                           "The pack holds only cases "
                           + ("you have" if own else "this person has")
                           + " never scored, in practice or in a workshop.", size="medium")
        self.pack_button = text_button("Draw a re-test pack")
        self.pack_button.on_click(self._on_pack)
        self.pack = w.HTML(value="")
        self.download = ReportDownload()
        self.download.button.description = "Create the certificate"
        self.download.button.on_click(self._on_certificate)
        super().__init__([self.failure, self.view,
                          w.HTML("<h3 class='rso-kit-heading'>Re-test pack</h3>"), pack_field,
                          self.pack_button, self.pack,
                          w.HTML("<h3 class='rso-kit-heading'>Certificate</h3><p class='rso-hint'>"
                                 "The certificate states the status, the day the thresholds "
                                 "were last met and the period it is valid for, labelled as "
                                 "local policy.</p>"), self.download])
        self.add_class("rso-cert-panel")

    def refresh(self) -> None:
        """Read the record (audited when it is someone else's) and show it."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..calibration.certification import INSTRUMENTS as IDS
        from ..store.identity import display_name

        person = self.certs.record(self.user)
        drift = {i: self.certs.drift(i, self.user) for i in IDS}
        self.view.show(display_name(self.user), person.records, drift, person.problems)

    @safe_callback(_report, "drawing a re-test pack")
    def _on_pack(self, _button: Any = None) -> None:
        self.draw_pack()

    def draw_pack(self) -> list[str]:
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..calibration.certification import pack_note

        instrument = self.instrument.value
        pack = self.certs.retest(instrument, self.user)
        titles = {c.id: c.title for c in self.certs.cases}
        note = pack_note(pack, self.certs.policy.pack_size)
        where = ("RM2000 practice" if instrument == "rm2000" else "ARMS practice")
        items = "".join(f"<li>{esc(cid)}: {esc(titles.get(cid, ''))}</li>" for cid in pack)
        self.pack.value = (
            (f"<ol class='rso-retest-pack'>{items}</ol><p class='rso-hint'>Score these in "
             f"{esc(where)} (or a trainer can run them as a workshop). Your first attempt at "
             "each counts towards your record.</p>" if pack else "")
            + (f"<p class='rso-warning-note'>{esc(note)}</p>" if note else ""))
        return pack

    @safe_callback(_report, "creating the certificate")
    def _on_certificate(self, _button: Any = None) -> None:
        self.certificate()

    def certificate(self) -> Any:
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..reports.certification import export_path, write_certificate
        from .live_assessment import exports_dir

        fmt = self.download.format.value
        self.download.clear()
        path = write_certificate(self.certs.store, self.user,
                                 export_path(exports_dir(), self.user, fmt), fmt,
                                 certs=self.certs)
        self.download.show_file(path, fmt, "the calibration certificate")
        return path


class DuePanel(w.VBox):
    """For trainers: who is due for a re-test, and any person's record."""

    def __init__(self, certs: Any) -> None:
        # deferred: inside the start-up guard (startup.guarded); see test_deferred_imports
        from ..widgets.checkboxes import Checkboxes

        self.certs = certs
        self.failure = Notice(layout=w.Layout(display="none"))
        self.show_button = text_button("Show who is due", primary=True,
                                       tooltip="Reads everyone's record (recorded in the "
                                               "audit log under your name)")
        self.show_button.on_click(self._on_show)
        self.only_due = Checkboxes([("Only people due for a re-test or lapsed", "due")])
        self.only_due.observe(self._on_filter, names="value")
        filter_field = Field(self.only_due, "Which people to list")
        self.list = w.HTML(value="")
        self.person = w.Dropdown(options=[], value=None)
        person_field = Field(self.person, "Person", "Open one person's record, re-test pack "
                             "and certificate.", size="medium")
        self.open_button = text_button("Open their record")
        self.open_button.on_click(self._on_open)
        self.panel_box = w.VBox([])
        self.records: list[Any] = []
        self.names: dict[str, str] = {}
        super().__init__([self.failure, w.HTML(
            "<p class='rso-hint'>Each person's record you see here is recorded in the audit log "
            "under your name.</p>"), self.show_button, filter_field, self.list, person_field,
            self.open_button, self.panel_box])
        self.add_class("rso-due-panel")

    @safe_callback(_report, "reading who is due")
    def _on_show(self, _button: Any = None) -> None:
        self.show()

    def show(self) -> None:
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..store.identity import display_name

        people = self.certs.everyone()
        self.records = [r for p in people for r in p.records.values()]
        self.names = {p.user: display_name(p.user) for p in people}
        self.person.options = [(self.names[p.user], p.user) for p in people]
        self.render()

    def render(self) -> None:
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..settings import get_settings
        from ..widgets.certification_view import due_html

        self.list.value = due_html(self.records, self.names, get_settings().team_min_group,
                                   only_due="due" in self.only_due.value)

    @safe_callback(_report, "filtering the list")
    def _on_filter(self, _change: Any = None) -> None:
        if self.records:
            self.render()

    @safe_callback(_report, "opening the record")
    def _on_open(self, _button: Any = None) -> None:
        self.open_record(self.person.value)

    def open_record(self, user: str | None) -> RecordPanel | None:
        if not user:
            self.failure.say("Choose a person first (select Show who is due to list them).",
                             kind="error", heading="No person chosen")
            return None
        self.failure.clear()
        panel = RecordPanel(self.certs, user, own=False)
        panel.refresh()
        self.panel_box.children = [panel]
        return panel


class LeadPanel(w.VBox):
    """For team leads: their team's statuses (counts above the minimum group only) and the
    records of members who agreed to share."""

    def __init__(self, certs: Any) -> None:
        self.certs = certs
        self.failure = Notice(layout=w.Layout(display="none"))
        self.show_button = text_button("Show my team", tooltip="Counts for the team; the "
                                       "records of members who agreed to share (audited)")
        self.show_button.on_click(self._on_show)
        self.body = w.HTML(value="")
        super().__init__([self.failure, self.show_button, self.body])
        self.add_class("rso-lead-panel")

    @safe_callback(_report, "reading your team")
    def _on_show(self, _button: Any = None) -> None:
        self.show()

    def show(self) -> None:
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..store.identity import display_name
        from ..widgets.certification_view import team_html

        teams = self.certs.teams()
        names = {r.user: display_name(r.user) for t in teams for r in t.individuals}
        self.body.value = team_html(teams, names)


class CertificationApp(w.VBox):
    """Your record; and for trainers and administrators, who is due."""

    def __init__(self, certs: Any) -> None:
        # deferred: inside the start-up guard (startup.guarded); see test_deferred_imports
        from ..store import policy

        self.certs = certs
        self.mine = RecordPanel(certs, certs.store.user, own=True)
        intro = w.HTML(f"<p class='rso-inset rso-cert-intro'>{esc(INTRO)}</p>")
        self.due: DuePanel | None = None
        parts: list[w.Widget] = [self.mine]
        if {policy.TRAINER, policy.ADMINISTRATOR} & set(certs.store.roles):
            self.due = DuePanel(certs)
            parts += [w.HTML("<h2 class='rso-section-heading'>For trainers: who is due for a "
                             "re-test</h2>"), self.due]
        self.lead: LeadPanel | None = None
        if policy.TEAM_LEAD in certs.store.roles:
            self.lead = LeadPanel(certs)
            parts += [w.HTML("<h2 class='rso-section-heading'>For team leads: your team</h2>"),
                      self.lead]
        super().__init__([form_style(), intro, *parts])
        self.add_class("rso-form")
        self.add_class("rso-certification")
        self.mine.refresh()


def calibration_record(certs: Any = None) -> w.Widget:
    """Build the page (a readable message instead of a traceback if it cannot be built).
    `certs`: a `store.certification.CertificationStore` (default: on the workbook database)."""
    try:
        if certs is None:
            # deferred: loaded when used, not at page start; see test_deferred_imports
            from ..store import open_store
            from ..store.certification import CertificationStore

            certs = CertificationStore(open_store())
        return CertificationApp(certs)
    except Exception as exc:
        return could_not_start("The calibration record", exc)
