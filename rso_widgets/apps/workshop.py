"""Workshop mode: a trainer runs a calibration session and sees the room's agreement live;
trainees join with a code and score the same fictional cases independently.

- `trainer_dashboard()` (workbooks/trainer_dashboard.ipynb): create a workshop (cases, name,
  join code, optional expiry) or reopen one; open/close it; the live roster (refreshing on its
  own, and a "Refresh now" button); the room's results (`widgets.cohort_dashboard`); release the
  key; export the results (CSV/XLSX) and certificates of participation (PDF).
- `workshop()` (workbooks/workshop.ipynb): join with the code and a display name, score each
  case with the practice components (case file; the RM2000 form and your result, and/or the
  ARMS form, as the trainer chose for the case), submit; feedback (RM2000 and ARMS) only once
  the trainer releases the key. Answers are autosaved as a draft keyed by
  cohort + member + case a moment after each change, so a page or kernel that dies loses
  nothing: joining again with the same name brings the drafts back.

Assembles widgets only: rules live in `calibration.workshop` (join codes, gating, the refresh),
`calibration.cohort`/`status` (statistics), the store (who may submit when). Every callback
catches its exceptions, logs them and shows a friendly message. Lean: the pages build without
pandas or plotly; those load when results are first computed.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..widgets.fields import HINT_COLOUR, Notice, esc, form_style, safe_callback, text_button

if TYPE_CHECKING:
    from ..calibration.workshop import DashboardModel, WorkshopRefresher
    from ..cases.schema import TrainingCase
    from ..instruments.ruleset import RM2000Ruleset
    from ..store import CohortRecord, MemberRecord, Store

log = logging.getLogger("rso_widgets.apps.workshop")

NOTE = ("All cases are fictional: the people, places and events are invented for training.")
TRAINER_NOTE = ("The room's results are anonymous on this screen (Rater 1, Rater 2, …). "
                "Names show only if you turn them on; turn them off again before sharing your "
                "screen. Statistics inform your judgement and the debrief; they certify nobody.")
TRAINEE_NOTE = ("Score each case on your own, as you would for real. Your answers are kept as "
                "a draft as you go. Nobody sees the key until the trainer releases it; then "
                "your feedback appears here.")
REFRESH_SECONDS = 10
CHECK_SECONDS = 20
AUTOSAVE_SECONDS = 2.0
DOWNLOAD_LIMIT = 5_000_000  # bytes: larger files are only written to the exports folder
APP_CSS = """
.rso-scroll > * { flex-shrink: 0 !important; }
.rso-workshop .widget-html-content { line-height: 1.4; }
.rso-join-code { font-size: 2em; letter-spacing: 0.25em; font-family: monospace;
  font-weight: bold; }
"""


def _style() -> w.HTML:
    from ..widgets.workshop_live import TABLE_CSS

    return w.HTML(f"<style>{APP_CSS}{TABLE_CSS}</style>", layout=w.Layout(display="none"))


def _note(text: str) -> w.HTML:
    return w.HTML(f'<p style="border-left:6px solid #1d70b8;padding:6px 12px;max-width:50em">'
                  f"{esc(text)}</p>")


def download_link(path: Path, label: str, mime: str) -> str:
    """An `<a download>` link carrying the file (small files only), or its path."""
    size = path.stat().st_size
    if size > DOWNLOAD_LIMIT:
        return f"<li>{esc(label)}: saved as <code>{esc(path)}</code> (too large to download " \
               "here)</li>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<li><a download="{esc(path.name)}" href="data:{mime};base64,{data}">'
            f"Download {esc(label)}</a> (also saved as <code>{esc(path)}</code>)</li>")


MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument."
        "spreadsheetml.sheet", "pdf": "application/pdf"}


def _exports_dir() -> Path:
    from ..settings import get_settings

    return Path(get_settings().data_dir) / "exports"


# --- the trainer's page ---------------------------------------------------------------------------

def _report_trainer(app: TrainerDashboardApp, message: str) -> None:
    app.failure.say(message, kind="error", heading="Sorry, there is a problem")


class TrainerDashboardApp(w.VBox):
    """Create or open a workshop, follow it live, read the results, release the key, export."""

    def __init__(self, store: Store, cases: Iterable[TrainingCase], user: str, *,
                 refresh_seconds: float = REFRESH_SECONDS, n_boot: int | None = None,
                 exports_dir: Path | None = None, ruleset: RM2000Ruleset | None = None):
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

        self.header = w.HTML(value="")
        self.open_button = text_button("Close the workshop",
                                       tooltip="Stop accepting submissions (trainees keep their "
                                               "answers as drafts)")
        self.open_button.on_click(self._on_toggle_open)
        self.release_button = text_button("Release the key to trainees",
                                          tooltip="Trainees then see the key and their feedback; "
                                                  "no more submissions are accepted")
        self.release_button.on_click(self._on_toggle_release)
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
                  self.export_button):
            b.layout.margin = "0 12px 6px 0"
        controls = w.HBox([self.refresh_button, self.open_button, self.release_button],
                          layout=w.Layout(flex_flow="row wrap"))
        exports = w.VBox([
            w.HTML('<h2 style="margin:18px 0 6px 0">Exports</h2>'
                   f'<p style="color:{HINT_COLOUR};max-width:50em;margin:0 0 6px 0">Tables are '
                   "marked OFFICIAL-SENSITIVE and use the anonymous names unless names are shown "
                   "above. Each export is recorded in the audit log.</p>"),
            w.HBox([self.export_format, self.export_button, self.cert_button],
                   layout=w.Layout(flex_flow="row wrap", align_items="center")),
            self.export_status])
        self.workspace = w.VBox([
            self.header, controls, self.auto, self.reveal, self.refreshed, self.status,
            self.ticker, self.roster, self.results, exports],
            layout=w.Layout(display="none"))
        super().__init__([_style(), form_style(), _note(NOTE + " " + TRAINER_NOTE),
                          self.failure, self.setup, self.workspace],
                         layout=w.Layout(padding="0 12px"))
        self.add_class("rso-workshop")
        self.add_class("rso-trainer-dashboard")
        self._list_existing()

    # -- starting ------------------------------------------------------------------------------
    def _list_existing(self) -> None:
        try:
            self.setup.set_existing(self.store.cohorts(created_by=self.user))
        except Exception:
            log.exception("could not list the workshops of %s", self.user)

    @safe_callback(_report_trainer, "creating the workshop")
    def _on_create(self, _button: Any = None) -> None:
        self.create()

    def create(self) -> CohortRecord | None:
        """Create the workshop the form describes and open it."""
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
                                              expected_size=req.expected_size)
        except DuplicateNameError:
            self.setup.code_taken(req.join_code)
            return None
        self.open_workshop(cohort.id)
        self.status.say(f"Workshop created. Give trainees the join code {cohort.join_code}.")
        return cohort

    @safe_callback(_report_trainer, "opening the workshop")
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

    # -- refreshing ----------------------------------------------------------------------------
    @safe_callback(_report_trainer, "refreshing the workshop")
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
            _report_trainer(self, "The automatic refresh failed. Select Refresh now; if it "
                                  "happens again, tell the workbook team.")

    def _show(self, model: DashboardModel) -> None:
        from ..calibration.workshop import cohort_state, instruments_text

        c = model.cohort
        cases = ", ".join(f"{cid} ({instruments_text(model.instruments(cid))})"
                          for cid in c.case_ids)
        self.header.value = (
            f'<h2 style="margin:12px 0 4px 0" class="rso-workshop-name">{esc(c.name)}</h2>'
            f'<p style="margin:0">Join code: <span class="rso-join-code">{esc(c.join_code)}'
            "</span></p>"
            f'<p class="rso-workshop-state" role="status" style="margin:4px 0 8px 0">'
            f"This workshop is {esc(cohort_state(c))}. {len(c.case_ids)} case"
            f"{'s' if len(c.case_ids) != 1 else ''}: "
            f"{esc(cases)}.</p>")
        self.open_button.description = ("Close the workshop" if c.is_open
                                        else "Reopen the workshop")
        self.release_button.description = ("Withdraw the key from trainees"
                                            if c.key_released else
                                            "Release the key anyway" if self._confirm_release
                                            else "Release the key to trainees")
        self.refreshed.value = (f'<p style="color:{HINT_COLOUR};margin:2px 0" role="status">'
                                f"Updated at {model.refreshed_at:%H:%M:%S} UTC "
                                f"({model.seconds:.1f} s).</p>")
        self.roster.show(model, self.reveal.value)
        self.results.show(model, self.reveal.value)

    @safe_callback(_report_trainer, "turning the automatic refresh on or off")
    def _on_auto(self, change: dict[str, Any]) -> None:
        self.ticker.running = bool(change["new"]) and self.refresher is not None

    @safe_callback(_report_trainer, "showing or hiding names")
    def _on_reveal(self, change: dict[str, Any]) -> None:
        if self.model is not None:
            self.roster.show(self.model, bool(change["new"]))
            self.results.set_reveal(bool(change["new"]))

    # -- open / close, release -----------------------------------------------------------------
    @safe_callback(_report_trainer, "opening or closing the workshop")
    def _on_toggle_open(self, _button: Any = None) -> None:
        self.set_open(not self._cohort().is_open)

    def set_open(self, is_open: bool) -> None:
        c = self.store.set_cohort_open(self._cohort().id, is_open)
        self.status.say("The workshop is open again: trainees can submit." if c.is_open else
                        "The workshop is closed: no more submissions are accepted. Trainees' "
                        "unsent answers stay as their drafts.")
        self.refresh()

    @safe_callback(_report_trainer, "releasing the key")
    def _on_toggle_release(self, _button: Any = None) -> None:
        released = self._cohort().key_released
        self.release_key(not released, confirmed=released or self._confirm_release)

    def release_key(self, released: bool = True, confirmed: bool = True) -> None:
        """Release (or withdraw) the key. Unless `confirmed`, a release while some trainee
        still owes a case only warns (how many, names only if shown) and asks again."""
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
        base = self.exports_dir or _exports_dir()
        return Path(base) / f"workshop-{self._cohort().id}"

    @safe_callback(_report_trainer, "exporting the results")
    def _on_export(self, _button: Any = None) -> None:
        self.export(self.export_format.value)

    def export(self, fmt: str = "csv") -> list[Path]:
        """Write the three result tables; show download links."""
        from ..reports.workshop import export_workshop

        model = self.refresh()
        if model is None or self.refresher is None or self.refresher.frame is None:
            return []
        paths = export_workshop(self.store, model, self.refresher.frame, self._folder(), fmt,
                                reveal_names=self.reveal.value)
        links = "".join(download_link(p, p.name, MIME[fmt]) for p in paths)
        self.export_status.value = f'<ul class="rso-exports">{links}</ul>'
        return paths

    @safe_callback(_report_trainer, "making the certificates")
    def _on_certificates(self, _button: Any = None) -> None:
        self.certificates()

    def certificates(self) -> Path | None:
        """One PDF with a certificate of participation per trainee; show a download link."""
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
    return _start(TrainerDashboardApp, "The trainer dashboard", store, user, cases)


# --- the trainee's page ---------------------------------------------------------------------------

def _report_trainee(app: WorkshopTraineeApp, message: str) -> None:
    app.failure.say(message, kind="error", heading="Sorry, there is a problem")


class WorkshopTraineeApp(w.VBox):
    """Join, score the workshop's cases one by one, submit; feedback once the key is
    released.

    Lean first view (issue 12): the page starts with the join form only. The workspace (case
    file, RM2000 form, feedback views: about 300 widgets) is built when the person joins, or
    when any of its parts is first used (`__getattr__`); the cases load when first needed.
    So a preheated page executes quickly,
    holds little memory, and a room opening the page at once receives little widget state.
    """

    WORKSPACE_PARTS = frozenset({
        "heading", "state", "check_button", "ticker", "choice", "open_button", "case_heading",
        "case_file", "form", "own", "submit_button", "status", "draft_status", "feedback_head",
        "feedback_view", "arms_feedback", "autosave", "rm_section", "arms_box", "arms_section",
        "work", "workspace"})

    def __init__(self, store: Store,
                 cases: Iterable[TrainingCase] | Callable[[], Iterable[TrainingCase]],
                 user: str, *,
                 ruleset: RM2000Ruleset | None = None,
                 autosave_seconds: float = AUTOSAVE_SECONDS,
                 check_seconds: float = CHECK_SECONDS):
        from ..widgets.workshop_join import WorkshopJoin

        if ruleset is None:
            from ..instruments.ruleset import load_rm2000_ruleset
            from ..settings import get_settings

            ruleset = load_rm2000_ruleset(get_settings().rm2000_ruleset)
        self.rs = ruleset
        self.store = store
        self._cases_source = cases  # cases, or a function loading them (on first use)
        self._cases: dict[str, TrainingCase] | None = None
        self.user = user
        self.cohort: CohortRecord | None = None
        self.member: MemberRecord | None = None
        self.case: TrainingCase | None = None
        self.instruments: tuple[str, ...] = ()  # what is scored in the open case
        self.arms: Any = None  # the ARMS form (`ARMSForm`), built when an ARMS case opens
        self.submitted: dict[str, Any] = {}  # case id → latest SubmissionRecord
        self.drafts: set[str] = set()  # case ids with a draft saved
        self._loading = False
        self._draft_json: str | None = None
        self.failure = Notice(layout=w.Layout(display="none"))

        self._autosave_seconds = autosave_seconds
        self._check_seconds = check_seconds
        self._workspace_built = False
        self.join = WorkshopJoin()
        self.join.on_join(self._on_join)

        self.workspace_slot = w.VBox([])
        super().__init__([_style(), form_style(), _note(NOTE + " " + TRAINEE_NOTE),
                          self.failure, self.join, self.workspace_slot],
                         layout=w.Layout(padding="0 12px"))
        self.add_class("rso-workshop")
        self.add_class("rso-workshop-trainee")

    @property
    def cases(self) -> dict[str, TrainingCase]:
        """The cases by id, loaded when first needed (after joining: the join form needs none)."""
        if self._cases is None:
            source = self._cases_source
            self._cases = {c.id: c for c in (source() if callable(source) else source)}
        return self._cases

    def __getattr__(self, name: str) -> Any:
        # only reached when normal lookup fails: a workspace part not built yet
        if name in WorkshopTraineeApp.WORKSPACE_PARTS and not self.__dict__.get(
                "_workspace_built", True):
            self._build_workspace()
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _build_workspace(self) -> None:
        """Build the case list, case file, forms and feedback views (once)."""
        from ..widgets.arms_feedback_view import ArmsFeedbackView
        from ..widgets.case_file import CaseFile, reading_and_scoring
        from ..widgets.feedback import FeedbackView
        from ..widgets.own_result import OwnResult
        from ..widgets.rm2000_form import RM2000Form
        from ..widgets.timing import Debouncer
        from ..widgets.workshop_live import Ticker

        self._workspace_built = True
        ruleset, check_seconds = self.rs, self._check_seconds
        autosave_seconds = self._autosave_seconds
        self.heading = w.HTML(value="")
        self.state = w.HTML(value="")
        self.check_button = text_button("Check for the key",
                                        tooltip="See whether the trainer has released the key "
                                                "or closed the workshop")
        self.check_button.on_click(self._on_check)
        self.ticker = Ticker(check_seconds, self._tick)
        self.choice = w.Dropdown(options=[], description="Case", description_allow_html=False,
                                 style={"description_width": "initial"},
                                 layout=w.Layout(width="auto", max_width="100%"))
        self.open_button = text_button("Open this case", primary=True)
        self.open_button.on_click(self._on_open)
        self.case_heading = w.HTML(value="")
        self.case_file = CaseFile()
        self.form = RM2000Form(ruleset=ruleset)
        self.own = OwnResult(ruleset.categories)
        self.own.observe(self._on_mode, names="mode")
        for widget, names in ((self.form, ["value", "evidence"]), (self.own, ["value"])):
            widget.observe(self._on_change, names=names)
        self.submit_button = text_button("Submit your answers", primary=True,
                                         tooltip="Send your answers to the trainer")
        self.submit_button.on_click(self._on_submit)
        self.status = Notice(layout=w.Layout(display="none"))
        self.draft_status = w.HTML(value="")
        self.feedback_head = w.HTML(value="")
        self.feedback_view = FeedbackView()
        self.arms_feedback = ArmsFeedbackView()
        self.autosave = Debouncer(autosave_seconds, self._autosave_now)
        self.rm_section = w.VBox([
            w.HTML("<h3 style='margin:12px 0 6px 0'>RM2000</h3>"
                   f"<p style='color:{HINT_COLOUR};max-width:45em;margin:0 0 6px 0'>The same "
                   "RM2000 form as for a live assessment.</p>"), self.form, self.own])
        self.arms_box = w.VBox([])
        self.arms_section = w.VBox([
            w.HTML("<h3 style='margin:18px 0 6px 0'>ARMS</h3>"
                   f"<p style='color:{HINT_COLOUR};max-width:45em;margin:0 0 6px 0'>Rate every "
                   "factor from the case file, with your evidence; then the formulation and "
                   "the priority for work. The room is compared on the ratings.</p>"),
            self.arms_box], layout=w.Layout(display="none"))
        self.arms_section.add_class("rso-workshop-arms")

        self.work = reading_and_scoring(
            self.case_file, "Score what the trainer chose for this case. Submit when you are "
            "ready; you can change your answers and submit again until the workshop closes (the "
            "latest counts).",
            [self.rm_section, self.arms_section, self.submit_button, self.status,
             self.draft_status])
        self.workspace = w.VBox([
            self.heading, self.state, self.check_button, self.ticker,
            w.HTML("<h2 style='margin:12px 0 6px 0'>Choose a case</h2>"),
            self.choice, self.open_button, self.case_heading, self.work, self.feedback_head,
            self.feedback_view, self.arms_feedback], layout=w.Layout(display="none"))
        self.workspace_slot.children = [self.workspace]

    # -- joining -------------------------------------------------------------------------------
    @safe_callback(_report_trainee, "joining the workshop")
    def _on_join(self, _button: Any = None) -> None:
        self.join_workshop(self.join.code.value, self.join.name.value)

    def join_workshop(self, code: str, name: str) -> bool:
        """Join (or rejoin) with a code and a display name; True when in."""
        from ..store.joining import JoinProblem, join_workshop

        self.join.clear_problems()
        try:
            cohort, member, rejoined = join_workshop(self.store, code, name)
        except JoinProblem as problem:
            self.join.show_problems(problem.problems)
            return False
        self.cohort, self.member = cohort, member
        self._load_progress()
        self.join.layout.display = "none"
        self.workspace.layout.display = ""
        self._show_state()
        self._case_options()
        if rejoined:
            self.status.say(f"Welcome back, {member.display_name}. Your submitted answers and "
                            "unsent drafts are kept: open a case to carry on.")
        else:
            self.status.say(f"You have joined as {member.display_name}. Choose a case and open "
                            "it.")
        self.ticker.running = True
        return True

    def _load_progress(self) -> None:
        from ..calibration.workshop import draft_key

        assert self.cohort is not None and self.member is not None
        self.submitted = {s.case_id: s for s in self.store.submissions(
            self.cohort.id, member_id=self.member.id)}
        self.drafts = {cid for cid in self.cohort.case_ids
                       if self.store.get_draft(draft_key(self.cohort.id, self.member.id, cid))
                       is not None}

    # -- the workshop's state ------------------------------------------------------------------
    @property
    def released(self) -> bool:
        from ..calibration.workshop import feedback_released

        return self.cohort is not None and feedback_released(self.cohort)

    def _show_state(self) -> None:
        from ..calibration.workshop import cohort_state

        c = self.cohort
        if c is None:
            return
        self.heading.value = (f'<h2 style="margin:12px 0 4px 0" class="rso-workshop-name">'
                              f"Workshop: {esc(c.name)}</h2>")
        extra = (" The key is released: open a case to see your feedback." if self.released
                 else " Your feedback appears here once the trainer releases the key.")
        self.state.value = (f'<p class="rso-workshop-state" role="status" style="margin:0 0 '
                            f'6px 0">This workshop is {esc(cohort_state(c))}.{esc(extra)}</p>')
        can_submit = c.is_open and not self.released
        self.submit_button.layout.display = "" if can_submit else "none"
        self.check_button.layout.display = "none" if self.released else ""

    def _case_options(self) -> None:
        from ..calibration.workshop import case_instruments, instruments_text

        if self.cohort is None:
            return
        options = []
        for cid in self.cohort.case_ids:
            case = self.cases.get(cid)
            title = case.title if case else "(not available)"
            if cid in self.submitted:
                state = "feedback ready" if self.released else "submitted"
            elif cid in self.drafts:
                state = "draft saved, not submitted"
            else:
                state = "not started"
            what = instruments_text(case_instruments(self.cohort, cid))
            options.append((f"{cid}: {title}, {what} ({state})", cid))
        keep = self.choice.value
        self.choice.options = options
        ids = [cid for _, cid in options]
        self.choice.value = keep if keep in ids else (ids[0] if ids else None)

    @safe_callback(_report_trainee, "checking the workshop")
    def _on_check(self, _button: Any = None) -> None:
        self.check()

    def check(self) -> None:
        """Reload the workshop: closed? key released? Show feedback if it now may be shown."""
        if self.cohort is None:
            return
        before = (self.cohort.is_open, self.released)
        self.cohort = self.store.get_cohort(self.cohort.id)
        if (self.cohort.is_open, self.released) == before:
            self._show_state()
            return
        self._show_state()
        self._case_options()
        if self.released:
            self.status.say("The trainer has released the key. Your feedback is shown for each "
                            "case you submitted.")
            if self.case is not None:
                self._show_feedback(self.case.id)
        elif not self.cohort.is_open:
            self.status.say("The trainer has closed the workshop: no more submissions. Your "
                            "unsent answers stay as your draft.")

    def _tick(self) -> None:
        try:
            self.check()
        except Exception:
            log.exception("timed check failed")

    # -- a case --------------------------------------------------------------------------------
    @safe_callback(_report_trainee, "opening the case")
    def _on_open(self, _button: Any = None) -> None:
        if self.choice.value:
            self.open_case(self.choice.value)

    def open_case(self, case_id: str) -> None:
        """Show the case file and the forms the case is scored with (RM2000, ARMS or both): the
        draft if there is one, else the latest submission, else blank. Feedback only once the
        key is released."""
        from ..calibration.workshop import case_instruments, draft_key

        if self.cohort is None or self.member is None:
            raise RuntimeError("join the workshop first")
        if case_id not in self.cohort.case_ids or case_id not in self.cases:
            raise KeyError(f"case {case_id} is not part of this workshop")
        self.autosave.flush()
        case = self.cases[case_id]
        instruments = case_instruments(self.cohort, case_id)
        if "arms" in instruments:
            self._arms_form_for(case)  # before anything changes: a case without a key fails
        self.case = case
        self.instruments = instruments
        self.failure.clear()
        self.status.clear()
        self.feedback_view.clear()
        self.arms_feedback.clear()
        self.feedback_head.value = ""
        self.rm_section.layout.display = "" if "rm2000" in instruments else "none"
        self.arms_section.layout.display = "" if "arms" in instruments else "none"
        self._loading = True
        try:
            self.form.today = case.assessment_date
            self.form.reset()
            self.own.reset()
            if "arms" in instruments:
                from ..calibration.workshop import arms_start

                self.arms.reset(arms_start(case, instruments, self.rs, self.arms.cat))
            self.case_file.show(case)
            draft = self.store.get_draft(draft_key(self.cohort.id, self.member.id, case_id))
            sub = self.submitted.get(case_id)
            source = None
            if draft is not None and not self.released:
                source, data = "draft", draft.data
            elif sub is not None:
                source, data = "submission", sub.attempt
            if source is not None:
                restored = self._restore(data)
                if source == "draft":
                    self.status.say("Your unsent answers were recovered from your draft."
                                    if restored else "Your draft could not be read fully: "
                                    "check your answers.")
                else:
                    self.status.say(f"These are the answers you submitted at "
                                    f"{sub.created_at:%H:%M} UTC.")
        finally:
            self._loading = False
        self._draft_json = json.dumps(self._draft_payload(), sort_keys=True, default=str)
        self.case_heading.value = (f"<h2 class='rso-workshop-case' style='margin:16px 0 0 0'>"
                                   f"Scoring {esc(case.id)}: {esc(case.title)}</h2>")
        if self.choice.value != case_id:
            self.choice.value = case_id
        self.work.layout.display = ""
        self._show_state()
        if self.released:
            self._show_feedback(case_id)

    def _arms_form_for(self, case: TrainingCase) -> Any:
        """The ARMS form, built on first use with the catalogue the case's key was written for
        (rebuilt if a case uses another catalogue)."""
        from ..cases.arms_key import key_catalogue
        from ..widgets.arms_form import ARMSForm

        cat = key_catalogue(case)
        if self.arms is None or self.arms.cat.ref != cat.ref:
            if self.arms is not None:
                self.arms.unobserve(self._on_change, names="value")
            self.arms = ARMSForm(catalogue=cat, date_editable=False)
            self.arms.observe(self._on_change, names="value")
            self.arms_box.children = [self.arms]
        return self.arms

    def _restore(self, data: dict[str, Any]) -> bool:
        """Fill the forms from a draft or a submission; False if part failed."""
        ok = True
        if "arms" in self.instruments and self.arms is not None:
            ok = self._restore_arms(data)
        if "rm2000" not in self.instruments:
            return ok
        try:
            self.form.set_facts(dict(data.get("facts") or {}),
                                {k: str(v) for k, v in (data.get("evidence") or {}).items()})
        except (ValueError, TypeError):
            log.info("could not restore the facts of a workshop draft", exc_info=True)
            ok = False
        entered = data.get("entered") or {}
        mode = data.get("mode") or ("na" if entered.get("not_applicable") else
                                    "own" if entered else "form")
        try:
            self.own.set_value(mode, {k: v for k, v in entered.items()
                                      if k != "not_applicable"})
        except Exception:
            log.info("could not restore your result from a workshop draft", exc_info=True)
            ok = False
        return ok

    def _restore_arms(self, data: dict[str, Any]) -> bool:
        from pydantic import ValidationError

        from ..instruments.arms import ARMSAssessment

        raw = data.get("arms")
        if raw is None:
            return True
        try:
            value = ARMSAssessment.model_validate(raw)
        except ValidationError:
            log.info("could not restore the ARMS ratings of a workshop draft", exc_info=True)
            return False
        if self.case is not None and "rm2000" in self.instruments:
            value = value.model_copy(update={"rm2000": None})  # never the key's RM2000 result
        pending = data.get("arms_pending")
        self.arms.set_value(value, pending if isinstance(pending, dict) else None)
        return True

    # -- autosave ------------------------------------------------------------------------------
    @safe_callback(_report_trainee, "changing how you give your result")
    def _on_mode(self, change: dict[str, Any]) -> None:
        self.form.score_button.layout.display = "none" if change["new"] == "own" else ""

    @safe_callback(_report_trainee, "keeping your draft")
    def _on_change(self, _change: Any = None) -> None:
        if self._loading or self.case is None or self.member is None:
            return
        self.autosave()

    def _draft_payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if "rm2000" in self.instruments:
            data.update(facts=dict(self.form.value),
                        evidence={k: v for k, v in self.form.evidence.items() if v},
                        mode=self.own.mode, entered=dict(self.own.value) or None)
        if "arms" in self.instruments and self.arms is not None:
            data["arms"] = self.arms.value.model_dump(mode="json")
            pending = self.arms.pending()
            if pending:
                data["arms_pending"] = pending
        return data

    @safe_callback(_report_trainee, "saving your draft")
    def _autosave_now(self) -> None:
        self.save_draft()

    def save_draft(self, force: bool = False) -> bool:
        """Keep the answers on screen as this member's draft for the open case (if changed)."""
        from ..calibration.workshop import draft_key

        if self.case is None or self.cohort is None or self.member is None:
            return False
        data = self._draft_payload()
        text = json.dumps(data, sort_keys=True, default=str)
        if text == self._draft_json and not force:
            return False
        self.store.save_draft(draft_key(self.cohort.id, self.member.id, self.case.id), data)
        self._draft_json = text
        if self.case.id not in self.drafts:
            self.drafts.add(self.case.id)
            self._case_options()
        self.draft_status.value = (f'<p role="status" style="color:{HINT_COLOUR}">Draft saved '
                                   f"at {dt.datetime.now(dt.UTC):%H:%M:%S} UTC.</p>")
        return True

    # -- submitting ----------------------------------------------------------------------------
    @safe_callback(_report_trainee, "submitting your answers")
    def _on_submit(self, _button: Any = None) -> None:
        self.submit()

    def submit(self) -> Any:
        """Check the answers (no key involved), submit them, and clear the draft. Refused with a
        clear message if the workshop has closed: the answers are then kept as a draft."""
        from ..calibration.workshop import draft_key, workshop_payload
        from ..store.errors import WorkshopClosed

        self.failure.clear()
        if self.case is None or self.cohort is None or self.member is None:
            self.status.say("Choose a case and select Open this case first.", kind="error")
            return None
        case = self.case
        # every check in one pass: the problems of each part show together, not one by one
        problems = self._rm2000_problems() if "rm2000" in self.instruments else []
        problems += self._arms_problems() if "arms" in self.instruments else []
        if problems:
            self.status.say(" ".join(problems), kind="error")
            return None
        payload = workshop_payload(
            self.instruments, facts=dict(self.form.value), entered=dict(self.own.value) or None,
            arms=self.arms.value if self.arms is not None else None)
        try:
            sub = self.store.submit(self.cohort.id, self.member.id, case.id, payload)
        except WorkshopClosed:
            self.autosave.cancel()
            self.save_draft(force=True)
            self.cohort = self.store.get_cohort(self.cohort.id)
            self._show_state()
            why = ("the trainer has released the key" if self.released
                   else "the trainer has closed the workshop")
            self.status.say(f"Not submitted: {why}, so no more answers are accepted. Your "
                            "answers are kept as your draft; tell your trainer.", kind="error")
            return None
        self.autosave.cancel()
        self.submitted[case.id] = sub
        try:
            self.store.delete_draft(draft_key(self.cohort.id, self.member.id, case.id))
        except Exception:
            log.exception("could not delete a submitted workshop draft")
        self.drafts.discard(case.id)
        self._draft_json = json.dumps(self._draft_payload(), sort_keys=True, default=str)
        self.draft_status.value = ""
        self._case_options()
        left = [c for c in self.cohort.case_ids if c not in self.submitted]
        nxt = (f" {len(left)} case{'s' if len(left) != 1 else ''} left: choose the next one "
               "above." if left else " You have submitted every case in this workshop.")
        self.status.say(f"Submitted {case.id} at {sub.created_at:%H:%M} UTC. You can change "
                        "your answers and submit again until the workshop closes; the latest "
                        "counts." + nxt)
        return sub

    def _rm2000_problems(self) -> list[str]:
        """What stops the RM2000 answers being submitted (no key involved), each problem
        shown beside its field: your own result and the form's facts, checked together."""
        from pydantic import ValidationError

        from ..calibration.feedback import Attempt
        from ..instruments.rm2000 import RM2000ValidationError, score
        from ..widgets.own_result import refusal

        assert self.case is not None
        out = []
        refused = refusal(self.own)
        if refused:
            out.append(refused)
        facts = dict(self.form.value)
        try:
            score(facts, ruleset=self.rs, today=self.case.assessment_date)
            if not refused:
                Attempt.model_validate({"facts": facts, "entered": dict(self.own.value) or None})
        except (ValidationError, RM2000ValidationError):
            self.form.submit()  # shows each problem next to its field and in the summary
            out.append("Your answers cannot be submitted yet: correct the problems shown in "
                       "the form, then submit again.")
        return out

    def _arms_problems(self) -> list[str]:
        """Every ARMS factor is rated; otherwise what is missing (shown in the form too)."""
        from ..calibration.workshop import arms_problems

        problems = arms_problems(self.arms.value, self.arms.cat)
        if not problems:
            return []
        self.arms.show_check()
        n = len(problems)
        shown = "; ".join(problems[:4]) + ("; …" if n > 4 else "")
        return [f"Rate every ARMS factor before you submit: {n} "
                f"factor{'s are' if n != 1 else ' is'} not rated yet ({shown}). Choose "
                "Insufficient information where the case file does not tell you."]

    # -- feedback (only once released) ---------------------------------------------------------
    def _show_feedback(self, case_id: str) -> None:
        from ..calibration.feedback import Attempt, disputed_what_ifs
        from ..calibration.workshop import submission_parts, trainee_feedback

        if not self.released:  # never show the key before the trainer releases it
            self.feedback_view.clear()
            self.arms_feedback.clear()
            self.feedback_head.value = ""
            return
        sub = self.submitted.get(case_id)
        if sub is None:
            self.feedback_head.value = ("<h2 style='margin:16px 0 6px 0'>Your feedback</h2>"
                                        "<p>You did not submit this case, so there is no "
                                        "feedback for it.</p>")
            self.feedback_view.clear()
            self.arms_feedback.clear()
            return
        case = self.cases[case_id]
        fb = trainee_feedback(case, sub.attempt, self.rs)
        problems = "".join(f"<p role='alert'>{esc(p)}</p>" for p in fb.problems)
        self.feedback_head.value = (f"<h2 style='margin:16px 0 6px 0'>Your feedback on "
                                    f"{esc(case_id)}</h2><p style='color:{HINT_COLOUR}'>For the "
                                    f"answers you submitted at {sub.created_at:%H:%M} UTC.</p>"
                                    + problems)
        if fb.rm2000 is not None:
            attempt = Attempt.model_validate(submission_parts(sub.attempt)[0])
            self.feedback_view.show(fb.rm2000, disputed_what_ifs(case, attempt, fb.rm2000,
                                                                 self.rs))
        else:
            self.feedback_view.clear()
        if fb.arms is not None:
            self.arms_feedback.show(fb.arms)
        else:
            self.arms_feedback.clear()


def workshop(store: Store | None = None, user: str | None = None,
             cases: Iterable[TrainingCase] | None = None) -> w.Widget:
    """Build the trainee's workshop page (the notebook's last expression shows it). Its first
    view is the join form: the store is opened when the person joins (`LazyStore`), so a
    preheated page imports no database code and reads nothing while it waits."""
    return _start(WorkshopTraineeApp, "The workshop page", store, user, cases, lazy=True)


def _load_cases() -> list[TrainingCase]:
    from ..cases import load_cases

    return load_cases()


def _open_store(user: str) -> Store:
    """The store, acting as the signed-in person (`user` is that person: `current_user()`)."""
    from ..store import open_store

    return open_store()


def _start(app: type, what: str, store: Store | None, user: str | None,
           cases: Iterable[TrainingCase] | None, *, lazy: bool = False) -> w.Widget:
    """Fill in the user, the shipped cases and the store when not given (`lazy`: loaded and
    opened on first use), then build `app`; a failure shows a friendly message instead of a
    traceback."""
    try:
        if user is None:
            from ..store.identity import current_user

            user = current_user()
        if cases is None:
            cases = _load_cases if lazy else _load_cases()  # type: ignore[assignment]
        if store is None and lazy:
            from ..store.lazy import LazyStore

            store = LazyStore(lambda: _open_store(user))  # type: ignore[assignment]
        elif store is None:
            store = _open_store(user)
        return app(store, cases, user)
    except Exception as exc:
        from .startup import could_not_start

        return could_not_start(what, exc)  # logs it too
