"""The trainer's workshop page (`trainer_dashboard()`, workbooks/trainer_dashboard.ipynb): create
a workshop (cases, name, join code, optional expiry, expected size) or reopen one; open/close it;
the live roster (refreshing on its own, and a "Refresh now" button); the room's results
(`widgets.cohort_dashboard`); release the key; export the results (CSV/XLSX) and certificates of
participation (PDF).

Assembles widgets only: rules live in `calibration.workshop` (join codes, gating, the refresh),
`calibration.cohort`/`status` (statistics), the store. Every callback catches its exceptions, logs
them and shows a friendly message. Lean: pandas and plotly load when results are first computed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..timefmt import clock_text
from ..widgets.download import MIME
from ..widgets.fields import Notice, esc, focus_target, form_style, safe_callback, text_button
from .workshop_common import (
    NOTE,
    REFRESH_SECONDS,
    TRAINER_NOTE,
    default_exports_dir,
    download_link,
    note,
    report_problem,
    start,
    where_trainees_join,
)

if TYPE_CHECKING:
    from ..calibration.workshop import DashboardModel, WorkshopRefresher
    from ..cases.schema import TrainingCase
    from ..instruments.ruleset import RM2000Ruleset
    from ..store import CohortRecord, Store

log = logging.getLogger("rso_widgets.apps.workshop")


class TrainerDashboardApp(w.VBox):
    """Create or open a workshop, follow it live, read the results, release the key, export."""

    def __init__(self, store: Store, cases: Iterable[TrainingCase], user: str, *,
                 refresh_seconds: float = REFRESH_SECONDS, n_boot: int | None = None,
                 exports_dir: Path | None = None, ruleset: RM2000Ruleset | None = None):
        # deferred: inside the start-up guard (startup.guarded); see test_deferred_imports
        from ..calibration.workshop import DASHBOARD_N_BOOT
        from ..widgets.cohort_dashboard import CohortDashboard
        from ..widgets.workshop_live import LiveRoster, Ticker
        from ..widgets.workshop_setup import WorkshopSetup

        self.store = store
        self.cases = {c.id: c for c in cases}
        self.user = user
        self.n_boot = DASHBOARD_N_BOOT if n_boot is None else n_boot
        self.exports_dir = exports_dir
        self.ruleset = ruleset
        self.refresher: WorkshopRefresher | None = None
        self.model: DashboardModel | None = None
        self.failure = Notice(layout=w.Layout(display="none"))

        self.setup = WorkshopSetup(self.cases.values())
        self.setup.on_create(self._on_create)
        self.setup.on_open(self._on_open_existing)

        self.header = focus_target(w.HTML(value=""))
        self.open_button = text_button("Close the workshop",
                                       tooltip="Stop accepting submissions (trainees keep their "
                                               "answers as drafts)")
        self.open_button.on_click(self._on_toggle_open)
        self.release_button = text_button("Release the key to trainees",
                                          tooltip="Trainees then see the key and their feedback; "
                                                  "no more submissions are accepted")
        self.release_button.on_click(self._on_toggle_release)
        self.page_button = text_button("Move trainees to the notebook page",
                                       tooltip="Where trainees join this workshop")
        self.page_button.on_click(self._on_toggle_page)
        self._confirm_release = False  # set after warning that some cases are not in
        self.refresh_button = text_button("Refresh now", primary=True,
                                          tooltip="Load new joins and submissions and update "
                                                  "the results")
        self.refresh_button.on_click(self._on_refresh)
        self.auto = w.Checkbox(value=True, indent=False, layout=w.Layout(width="auto"),
                               description=f"Refresh on my own every {refresh_seconds:g} "
                                           "seconds")
        self.auto.observe(self._on_auto, names="value")
        self.reveal = w.Checkbox(value=False, indent=False, layout=w.Layout(width="auto"),
                                 description="Show trainees' names (trainer only: turn off "
                                             "before sharing your screen)")
        self.reveal.observe(self._on_reveal, names="value")
        self.refreshed = w.HTML(value="")
        self.status = Notice(layout=w.Layout(display="none"))
        self.ticker = Ticker(refresh_seconds, self._tick)
        self.roster = LiveRoster()
        self.results = CohortDashboard()

        self.export_format = w.Dropdown(options=[("CSV", "csv"), ("Excel (XLSX)", "xlsx")],
                                        value="csv", description="Format",
                                        style={"description_width": "initial"},
                                        layout=w.Layout(width="auto"))
        self.export_button = text_button("Export the results",
                                         tooltip="Results by item, trainees' status and the "
                                                 "statistics, as tables")
        self.export_button.on_click(self._on_export)
        self.cert_button = text_button("Make certificates of participation (PDF)")
        self.cert_button.on_click(self._on_certificates)
        self.export_status = w.HTML(value="")
        for b in (self.open_button, self.release_button, self.refresh_button,
                  self.export_button, self.page_button):
            b.add_class("rso-spaced-button")
        controls = w.HBox([self.refresh_button, self.open_button, self.release_button,
                           self.page_button],
                          layout=w.Layout(flex_flow="row wrap"))
        exports = w.VBox([
            w.HTML('<h2 class="rso-kit-heading">Exports</h2>'
                   '<p class="rso-hint">Tables are '
                   "marked OFFICIAL-SENSITIVE and use the anonymous names unless names are shown "
                   "above. Each export is recorded in the audit log.</p>"),
            w.HBox([self.export_format, self.export_button, self.cert_button],
                   layout=w.Layout(flex_flow="row wrap", align_items="center")),
            self.export_status])
        self.workspace = w.VBox([
            self.header, controls, self.auto, self.reveal, self.refreshed, self.status,
            self.ticker, self.roster, self.results, exports],
            layout=w.Layout(display="none"))
        super().__init__([form_style(), note(NOTE + " " + TRAINER_NOTE),
                          self.failure, self.setup, self.workspace])
        self.add_class("rso-app")
        self.add_class("rso-workshop")
        self.add_class("rso-trainer-dashboard")
        self._list_existing()

    # -- starting ------------------------------------------------------------------------------
    def _list_existing(self) -> None:
        try:
            self.setup.set_existing(self.store.cohorts(created_by=self.user))
        except Exception:
            log.exception("could not list the workshops of %s", self.user)

    @safe_callback(report_problem, "creating the workshop")
    def _on_create(self, _button: Any = None) -> None:
        self.create()

    def create(self) -> CohortRecord | None:
        """Create the workshop the form describes and open it."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..calibration.workshop import expiry_at
        from ..store.errors import DuplicateNameError

        self.failure.clear()
        req = self.setup.request()
        if req is None:
            return None
        try:
            cohort = self.store.create_cohort(req.name, req.case_ids, join_code=req.join_code,
                                              expires_at=expiry_at(req.expiry_minutes),
                                              instruments=req.instruments,
                                              expected_size=req.expected_size,
                                              trainee_page=req.trainee_page)
        except DuplicateNameError:
            self.setup.code_taken(req.join_code)
            return None
        self.open_workshop(cohort.id)
        self.status.say(f"Workshop created. Give trainees the join code {cohort.join_code}.")
        return cohort

    @safe_callback(report_problem, "opening the workshop")
    def _on_open_existing(self, _button: Any = None) -> None:
        if self.setup.existing.value is not None:
            size = self.setup.expected_size()
            if self.setup.room_field.error:
                return
            if size is not None:  # the room's pool of trainee pages follows this number
                self.store.set_cohort_expected_size(int(self.setup.existing.value), size)
            self.open_workshop(int(self.setup.existing.value))

    def open_workshop(self, cohort_id: int) -> None:
        """Show the live view of a workshop and start refreshing it."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..calibration.workshop import WorkshopRefresher

        cohort = self.store.get_cohort(cohort_id)
        cases = {cid: self.cases[cid] for cid in cohort.case_ids if cid in self.cases}
        self.refresher = WorkshopRefresher(self.store, cohort.id, cases=cases,
                                           ruleset=self.ruleset, n_boot=self.n_boot)
        self.model = None
        self.setup.layout.display = "none"
        self.workspace.layout.display = ""
        self.export_status.value = ""
        self.refresh()
        self.ticker.running = self.auto.value
        self.header.focus()  # the set-up form (and the button pressed) is hidden now

    # -- refreshing ----------------------------------------------------------------------------
    @safe_callback(report_problem, "refreshing the workshop")
    def _on_refresh(self, _button: Any = None) -> None:
        self.refresh()

    def refresh(self) -> DashboardModel | None:
        """Load what is new and show it (the Refresh now button, and the timer when there is
        news)."""
        if self.refresher is None:
            return None
        model = self.refresher.refresh()
        self.model = model
        self._show(model)
        return model

    def _tick(self) -> None:
        try:
            if self.refresher is not None and self.refresher.has_news():
                self.refresh()
        except Exception:
            log.exception("timed refresh failed")
            report_problem(self, "The automatic refresh failed. Select Refresh now; if it "
                                  "happens again, tell the workbook team.")

    def _show(self, model: DashboardModel) -> None:
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..calibration.workshop import cohort_state, instruments_text

        c = model.cohort
        cases = ", ".join(f"{cid} ({instruments_text(model.instruments(cid))})"
                          for cid in c.case_ids)
        self.header.value = (
            f'<h2 class="rso-workshop-name rso-kit-heading">{esc(c.name)}</h2>'
            f'<p class="rso-tight">Join code: <span class="rso-join-code">{esc(c.join_code)}'
            "</span></p>"
            f'<p class="rso-hint-text rso-tight rso-trainee-address">{where_trainees_join(c)}</p>'
            f'<p class="rso-workshop-state rso-tight" role="status">'
            f"This workshop is {esc(cohort_state(c))}. {len(c.case_ids)} case"
            f"{'s' if len(c.case_ids) != 1 else ''}: "
            f"{esc(cases)}.</p>")
        self.open_button.description = ("Close the workshop" if c.is_open
                                        else "Reopen the workshop")
        self.page_button.description = ("Move trainees to the workshop page"
                                        if c.trainee_page == "notebook" else
                                        "Move trainees to the notebook page")
        self.release_button.description = ("Withdraw the key from trainees"
                                            if c.key_released else
                                            "Release the key anyway" if self._confirm_release
                                            else "Release the key to trainees")
        self.refreshed.value = (f'<p class="rso-status-line" role="status">Updated at '
                                f"{clock_text(model.refreshed_at)} ({model.seconds:.1f} s).</p>")
        self.roster.show(model, self.reveal.value)
        self.results.show(model, self.reveal.value)

    @safe_callback(report_problem, "turning the automatic refresh on or off")
    def _on_auto(self, change: dict[str, Any]) -> None:
        self.ticker.running = bool(change["new"]) and self.refresher is not None

    @safe_callback(report_problem, "showing or hiding names")
    def _on_reveal(self, change: dict[str, Any]) -> None:
        if self.model is not None:
            self.roster.show(self.model, bool(change["new"]))
            self.results.set_reveal(bool(change["new"]))

    # -- open / close, release -----------------------------------------------------------------
    @safe_callback(report_problem, "opening or closing the workshop")
    def _on_toggle_open(self, _button: Any = None) -> None:
        self.set_open(not self._cohort().is_open)

    def set_open(self, is_open: bool) -> None:
        c = self.store.set_cohort_open(self._cohort().id, is_open)
        self.status.say("The workshop is open again: trainees can submit." if c.is_open else
                        "The workshop is closed: no more submissions are accepted. Trainees' "
                        "unsent answers stay as their drafts.")
        self.refresh()

    @safe_callback(report_problem, "changing where trainees join")
    def _on_toggle_page(self, _button: Any = None) -> None:
        self.set_trainee_page("room" if self._cohort().trainee_page == "notebook"
                              else "notebook")

    def set_trainee_page(self, page: str) -> None:
        """Record where trainees join ("room" or "notebook"); the address shown follows."""
        c = self.store.set_cohort_trainee_page(self._cohort().id, page)
        self.status.say("Trainees join on the notebook page now: the server gets a page ready "
                        "for each trainee expected." if c.trainee_page == "notebook" else
                        "Trainees join on the workshop page in their browser now.")
        self.refresh()

    @safe_callback(report_problem, "releasing the key")
    def _on_toggle_release(self, _button: Any = None) -> None:
        released = self._cohort().key_released
        self.release_key(not released, confirmed=released or self._confirm_release)

    def release_key(self, released: bool = True, confirmed: bool = True) -> None:
        """Release (or withdraw) the key. Unless `confirmed`, a release while some trainee
        still owes a case only warns (how many, names only if shown) and asks again."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..calibration.workshop import unsubmitted, unsubmitted_warning

        if released and not confirmed:
            model = self.refresh()
            if model is not None:
                reveal = bool(self.reveal.value)
                warning = unsubmitted_warning(
                    unsubmitted(model.roster, list(model.cohort.case_ids), reveal), reveal)
                if warning:
                    self._confirm_release = True
                    self.release_button.description = "Release the key anyway"
                    self.status.say(warning + " Select “Release the key anyway” to "
                                    "release it now, or wait.", kind="error",
                                    heading="Some cases are not submitted yet")
                    return
        self._confirm_release = False
        c = self.store.release_key(self._cohort().id, released)
        self.status.say("The key is released: trainees now see the key and their feedback, "
                        "and no more submissions are accepted." if c.key_released else
                        "The key is withdrawn: trainees no longer see it.")
        self.refresh()

    def _cohort(self) -> CohortRecord:
        if self.refresher is None:
            raise RuntimeError("no workshop is open")
        return self.store.get_cohort(self.refresher.cohort_id)

    # -- exports -------------------------------------------------------------------------------
    def _folder(self) -> Path:
        base = self.exports_dir or default_exports_dir()
        return Path(base) / f"workshop-{self._cohort().id}"

    @safe_callback(report_problem, "exporting the results")
    def _on_export(self, _button: Any = None) -> None:
        self.export(self.export_format.value)

    def export(self, fmt: str = "csv") -> list[Path]:
        """Write the three result tables; show download links."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..reports.workshop import export_workshop

        model = self.refresh()
        if model is None or self.refresher is None or self.refresher.frame is None:
            return []
        paths = export_workshop(self.store, model, self.refresher.frame, self._folder(), fmt,
                                reveal_names=self.reveal.value)
        links = "".join(download_link(p, p.name, MIME[fmt]) for p in paths)
        self.export_status.value = f'<ul class="rso-exports">{links}</ul>'
        return paths

    @safe_callback(report_problem, "making the certificates")
    def _on_certificates(self, _button: Any = None) -> None:
        self.certificates()

    def certificates(self) -> Path | None:
        """One PDF with a certificate of participation per trainee; show a download link."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..reports.certificate import write_certificates

        model = self.refresh()
        if model is None:
            return None
        certs = certificates_for(model, self.cases,
                                 trainer=getattr(self.store, "display_name", self.user))
        if not certs:
            self.export_status.value = "<p>Nobody has joined yet: no certificates to make.</p>"
            return None
        folder = self._folder()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"workshop-{model.cohort.id}-certificates.pdf"
        write_certificates(certs, path, before_replace=lambda: self.store.log_export(
            "cohort", model.cohort.id, fmt="pdf", table="certificates", rows=len(certs)))
        self.export_status.value = (f'<ul class="rso-exports">'
                                    f"{download_link(path, path.name, MIME['pdf'])}</ul>")
        return path


def certificates_for(model: DashboardModel, cases: dict[str, TrainingCase],
                     trainer: str = "") -> list[Any]:
    """A `Certificate` per trainee who joined, listing the cases they submitted."""
    # deferred: loaded when used, not at page start; see test_deferred_imports
    from ..calibration.workshop import instruments_text, rm2000_status
    from ..reports.certificate import Certificate

    held = model.cohort.created_at.date()
    out = []
    for r in model.roster:
        st = model.statuses.get(r.member_id)
        done = [(cid, f"{cases[cid].title if cid in cases else ''} "
                      f"({instruments_text(model.instruments(cid))})".strip())
                for cid in model.case_ids if cid in r.submitted]
        out.append(Certificate(display_name=r.display_name, workshop=model.cohort.name,
                               held_on=held, cases=done, status=rm2000_status(st),
                               policy=model.policy if st else "",
                               revisit=[i.label for i in st.revisit] if st else [],
                               trainer=trainer, arms_status=st.arms_status if st else None))
    return out


def trainer_dashboard(store: Store | None = None, user: str | None = None,
                      cases: Iterable[TrainingCase] | None = None) -> w.Widget:
    """Build the trainer's page (the notebook's last expression shows it)."""
    return start(TrainerDashboardApp, "The trainer dashboard", store, user, cases)

