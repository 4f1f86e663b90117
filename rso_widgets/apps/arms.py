"""The two ARMS apps: practice on a training case, and a live assessment saved to the store.

- `arms_practice()` (workbooks/arms_practice.ipynb): pick a training case, read its case file,
  rate ARMS and write a plan, submit, and compare with the case's key.
- `arms_assessment()` (workbooks/arms_assessment.ipynb): RM2000 (its result is the ARMS static
  context), ARMS and the plan for a real person record; saved as a new assessment version with a
  reason, drafts autosaved a moment after the last change and offered for resume on reopening.

Lean on purpose: the page builds with no pandas, plotly or SQLAlchemy. The store is opened only
when the person asks for a record, so nothing is written until then (and only in the data
directory the settings name).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import ipywidgets as w

from ..widgets.fields import (
    HINT_COLOUR,
    Field,
    Notice,
    esc,
    form_style,
    safe_callback,
    text_button,
)
from .startup import guarded

log = logging.getLogger("rso_widgets.apps.arms")

NOTE = "Enter fictional case material only."
LIVE_NOTE = ("This assessment holds special-category personal data. Record only what the "
             "assessment needs, and keep it to the people who need it.")
AUTOSAVE_SECONDS = 2.0
ARMS_KIND = "arms"


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 400 else text[:397] + "…"


def _section(title: str, hint: str = "") -> w.HTML:
    h = f'<h2 style="margin:30px 0 6px 0;border-top:2px solid #1d70b8;padding-top:10px">' \
        f'{esc(title)}</h2>'
    if hint:
        h += f'<p style="color:{HINT_COLOUR};max-width:45em;margin:0 0 8px 0">{esc(hint)}</p>'
    return w.HTML(h)


def static_from_result(result: Any) -> Any:
    """An RM2000 result as ARMS's static context (as recorded; None when there is none)."""
    from ..instruments.arms import StaticContext

    if result is None:
        return None
    if not result.applicable:
        return StaticContext(ruleset=result.ruleset, applicable=False, reason=result.reason)
    return StaticContext(s=result.s.category, v=result.v.category, c=result.c.category,
                         ruleset=result.ruleset, applicable=True)


# ---- practice -------------------------------------------------------------------------------

def _report_practice(app: ARMSPractice, message: str) -> None:
    app.failure.say(message, kind="error", heading="Sorry, there is a problem")


class ARMSPractice(w.VBox):
    """Pick a case, read it, rate ARMS, write a plan, submit, compare with the key."""

    def __init__(self, cases: list[Any] | None = None, store: Any = None,
                 user: str | None = None):
        """`store`: where submitted attempts are kept (default: the database, opened on the
        first submit or when progress is asked for); `user`: default the signed-in user."""
        from ..cases import load_cases
        from ..widgets.arms_feedback_view import ArmsFeedbackView
        from ..widgets.arms_form import ARMSForm
        from ..widgets.plan_builder import PlanBuilder
        from .arms_attempts import KeptAttempts

        all_cases = load_cases() if cases is None else cases
        self.cases = {c.id: c for c in all_cases if c.arms_key is not None}
        self.case: Any = None
        self.cat: Any = None
        self.failure = Notice(layout=w.Layout(display="none"))
        self.picker = w.Dropdown(
            options=[(f"{c.id}: {c.title} ({c.difficulty})", c.id) for c in self.cases.values()],
            index=None, layout=w.Layout(flex_flow="column", align_items="flex-start"))
        picker = Field(self.picker, "Training case",
                       "Every case is fictional. Each has an ARMS key and a key plan written by "
                       "an experienced assessor.", size="wide")
        self.open_button = text_button("Open the case", primary=True)
        self.open_button.on_click(self._on_open)
        # Opening another case replaces the work on screen: ask first if it is unsubmitted.
        self.switch_notice = Notice()
        self.switch_confirm = text_button("Open it and discard my answers")
        self.switch_cancel = text_button("Keep working on this case", primary=True)
        self.switch_confirm.on_click(self._on_switch_confirm)
        self.switch_cancel.on_click(self._on_switch_cancel)
        self.switch_box = w.VBox([self.switch_notice,
                                  w.HBox([self.switch_cancel, self.switch_confirm])],
                                 layout=w.Layout(display="none"))
        self._dirty = False  # answers changed since the case was opened or last submitted
        self.case_file = _case_file_view()
        self.arms = ARMSForm(date_editable=False)
        self.plan = PlanBuilder(arms=self.arms.value, catalogue=self.arms.cat)
        self.arms.observe(self._on_arms, names="value")
        self.arms.observe(self._on_edit, names="value")
        self.plan.observe(self._on_edit, names="value")
        self.submit_button = text_button("Submit and compare with the key", primary=True)
        self.submit_button.on_click(self._on_submit)
        self.status = Notice(layout=w.Layout(display="none"))
        self.feedback = ArmsFeedbackView()
        self.kept = KeptAttempts(store, user, {c.id: c.title for c in self.cases.values()})
        self.work = w.VBox([
            _section("1. Read the case file", "Read it all before you rate: the evidence for "
                     "each factor is somewhere in these documents."),
            self.case_file,
            _section("2. Rate ARMS", "Rate every factor from the case file, with the evidence "
                     "for each rating, then write the formulation and choose a priority."),
            self.arms,
            _section("3. Write the risk management plan", "Answer the ratings: every live risk "
                     "factor and every protective factor needs an action."),
            self.plan,
            _section("4. Submit", "Compare your ratings and plan with the key. You can change "
                     "your answers and submit again."),
            self.submit_button, self.status, self.feedback,
        ], layout=w.Layout(display="none"))
        intro = w.HTML(
            f'<p style="border-left:6px solid #1d70b8;padding:6px 12px;max-width:45em">'
            f"Catalogue <code>{esc(self.arms.cat.ref)}</code>: "
            f"{esc(self.arms.cat.provenance.status)}. {esc(NOTE)}</p>")
        super().__init__([form_style(), intro, self.failure, picker, self.open_button,
                          self.switch_box, self.work, self.kept],
                         layout=w.Layout(padding="0 12px", max_width="64em"))
        self.add_class("rso-form")
        self.add_class("rso-arms-practice")

    @safe_callback(_report_practice, "updating the plan from the ratings")
    def _on_arms(self, change: dict[str, Any]) -> None:
        self.plan.arms = change["new"]

    def _on_edit(self, _change: Any = None) -> None:
        if self.case is not None:
            self._dirty = True

    @property
    def has_unsubmitted_work(self) -> bool:
        """True when the answers on screen changed since the case was opened or submitted."""
        return self.case is not None and self._dirty

    @safe_callback(_report_practice, "opening the case")
    def _on_open(self, _button: Any = None) -> None:
        if self.picker.value is None:
            self.failure.say("Choose a training case first.", kind="error",
                             heading="No case chosen")
            self.picker.focus()
            return
        if self.has_unsubmitted_work and self.picker.value != self.case.id:
            self.switch_notice.say(
                f"Your answers for {self.case.id} have not been submitted. Practice answers are "
                f"not saved: opening {self.picker.value} starts a blank attempt and your "
                f"answers for {self.case.id} are lost.", kind="error",
                heading="Open another case?")
            self.switch_box.layout.display = ""
            self.switch_cancel.focus()
            return
        self.open_case(self.picker.value)

    @safe_callback(_report_practice, "opening the case")
    def _on_switch_confirm(self, _button: Any = None) -> None:
        self.switch_box.layout.display = "none"
        if self.picker.value is not None:
            self.open_case(self.picker.value)

    @safe_callback(_report_practice, "going back to the case")
    def _on_switch_cancel(self, _button: Any = None) -> None:
        self.switch_box.layout.display = "none"
        if self.case is not None:
            self.picker.value = self.case.id

    def open_case(self, case_id: str) -> None:
        """Show the case file and start a blank attempt at the case."""
        from ..calibration.arms_feedback import blank_attempt
        from ..cases.arms_key import key_catalogue
        from ..instruments.plan import RiskManagementPlan

        case = self.cases[case_id]
        cat = key_catalogue(case)
        if cat.ref != self.arms.cat.ref:
            raise ValueError(f"{case.id}'s key uses the ARMS catalogue {cat.ref}, but this page "
                             f"uses {self.arms.cat.ref}")
        self.failure.clear()
        self.case, self.cat = case, cat
        self.case_file.show(case)
        self.arms.reset(blank_attempt(case, cat=cat))
        self.plan.reset(RiskManagementPlan())
        self.feedback.clear()
        self.status.clear()
        self.switch_box.layout.display = "none"
        self._dirty = False
        self.work.layout.display = ""

    @safe_callback(_report_practice, "comparing your answers with the key")
    def _on_submit(self, _button: Any = None) -> None:
        self.submit()

    def submit(self) -> Any:
        """Compare the attempt (and plan) with the key; show and return the feedback."""
        from ..calibration.arms_feedback import compare_arms

        if self.case is None:
            self.status.say("Open a training case first.", kind="error")
            return None
        fb = compare_arms(self.case, self.arms.value, self.plan.value, cat=self.cat)
        self.feedback.show(fb)
        self._dirty = False
        saved = self.kept.save(self.case, self.arms.value, self.plan.value, fb)
        n = len(self.arms.gaps)
        gaps = (f" Your assessment still has {n} gap{'s' if n != 1 else ''} (see "
                "“Check the assessment”); it was compared as it stands.") if n else ""
        kept = (" Your attempt is saved and shows in your progress below." if saved else
                " This attempt could not be saved, so it will not show in your progress; if "
                "it happens again, tell the workbook team.")
        self.status.say(f"Submitted. {fb.summary.line()}.{gaps}{kept} The feedback is below; "
                        "change your answers and submit again whenever you like.",
                        heading="Compared with the key")
        self.kept.refresh()
        return fb


def _case_file_view() -> Any:
    """The shared case-file reader (widgets/case_file.py), or a minimal one if it is missing."""
    try:
        from ..widgets.case_file import CaseFile

        return CaseFile(height="60vh")
    except ImportError:  # pragma: no cover - the shared reader ships with the package
        return _MinimalCaseFile()


class _MinimalCaseFile(w.VBox):
    """Read-only case documents, escaped (fallback only)."""

    def __init__(self) -> None:
        self.body = w.HTML(value="")
        super().__init__([self.body], layout=w.Layout(max_height="60vh", overflow="auto"))

    def show(self, case: Any) -> None:
        from ..cases.documents import case_file

        self.body.value = "".join(
            f"<h3>{esc(title)}</h3><div style='white-space:pre-wrap;max-width:46em'>"
            f"{esc(text)}</div>" for title, text in case_file(case))


def arms_practice() -> w.Widget:
    """Build the ARMS practice page (a readable message instead of a traceback on failure)."""
    return guarded("The ARMS practice page", ARMSPractice)


# ---- live assessment ------------------------------------------------------------------------

def _report_live(app: ARMSAssessmentApp, message: str) -> None:
    app.failure.say(message, kind="error", heading="Sorry, there is a problem")


class ARMSAssessmentApp(w.VBox):
    """RM2000 → ARMS → plan for one person record, saved as assessment versions.

    Built to be extended (apps/live_assessment.py): the page is composed from named blocks
    (`_blocks()`, `_page()`), and `_opened`, `_saved`, `_refused` and `_save_problems` are
    hooks called when a record is opened, a version saved, a save refused, and before saving.
    """

    def __init__(self, *, autosave_seconds: float = AUTOSAVE_SECONDS,
                 today: dt.date | None = None):
        from ..widgets.arms_form import ARMSForm
        from ..widgets.plan_builder import PlanBuilder
        from ..widgets.rm2000_form import RM2000Form
        from ..widgets.timing import Debouncer

        self.today = today or dt.date.today()
        self.store: Any = None
        self.person: Any = None
        self.assessment_id: int | None = None
        self.expected_version: int | None = None
        self._baseline: str | None = None
        self._draft_saved = False  # a draft of the work on screen is in the store
        self._draft_pending = False  # a draft is offered and not yet resumed or discarded
        self.draft: Any = None
        self._loading = False
        self.failure = Notice(layout=w.Layout(display="none"))

        # 1. the person record
        self.finder = self._make_finder()
        f = self.finder
        self.reference, self.reference_field, self.find_button = (f.reference,
                                                                  f.reference_field,
                                                                  f.find_button)
        self.person_status, self.matches, self.open_match = f.status, f.matches, f.open_match
        self.create_button, self.choices = f.create_button, f.choices
        self.find_button.on_click(self._on_find)
        self.open_match.on_click(self._on_open_match)
        self.create_button.on_click(self._on_create)
        self.resume_button = text_button("Resume the draft", primary=True)
        self.resume_button.on_click(self._on_resume)
        self.discard_button = text_button("Discard the draft")
        self.discard_button.on_click(self._on_discard)
        self.draft_box = w.VBox([], layout=w.Layout(display="none"))
        self.draft_notice = Notice()

        # 2–4. the forms
        self.rm2000 = RM2000Form(today=self.today)
        self.arms = ARMSForm()
        self.arms.set_value(self._blank_arms())
        self.plan = PlanBuilder(arms=self.arms.value, catalogue=self.arms.cat)
        self.rm2000.observe(self._on_rm2000_result, names="result")
        self.arms.observe(self._on_arms, names="value")
        for widget, names in ((self.rm2000, ["value", "evidence"]), (self.arms, ["revision"]),
                              (self.plan, ["revision"])):
            widget.observe(self._on_change, names=names)

        # 5. saving
        self.reason = w.Text(value="", continuous_update=True)
        self.reason_field = Field(self.reason, "Reason for this version",
                                  "For example: first assessment; annual review; new "
                                  "relationship disclosed.", size="wide")
        self.save_button = text_button("Save as a new version", primary=True)
        self.save_button.on_click(self._on_save)
        self.save_status = Notice(layout=w.Layout(display="none"))
        self.draft_status = w.HTML(value="")
        self.autosave = Debouncer(autosave_seconds, self._autosave_now)

        self.blocks: dict[str, w.VBox] = {}
        super().__init__(self._page(), layout=w.Layout(padding="0 12px", max_width="64em"))
        self.add_class("rso-form")
        self.add_class("rso-arms-live")

    # -- composing the page ----------------------------------------------------------------
    WORK_BLOCKS = ("rm2000", "arms", "plan", "save")  # hidden while a draft offer is open

    def _make_finder(self) -> Any:
        from ..widgets.person_finder import PersonFinder

        return PersonFinder()

    def _intro(self) -> w.HTML:
        return w.HTML(
            f'<p style="border-left:6px solid #1d70b8;padding:6px 12px;max-width:45em">'
            f"{esc(LIVE_NOTE)} Versions are saved under your sign-in name; nothing is saved "
            "until you open a person record.</p>")

    def _blocks(self) -> dict[str, tuple[str, str, list[w.Widget]]]:
        """The page's parts by name: (title, hint, widgets)."""
        return {
            "person": ("Person record", "Find the person's record by its reference, or create "
                       "one. Your work is then kept as a draft as you go.",
                       [self.finder, self.draft_box]),
            "rm2000": ("RM2000", "Score RM2000 first: its result is the static context shown "
                       "beside the ARMS profile.", [self._ruleset_caveat(), self.rm2000]),
            "arms": ("ARMS", "", [self.arms]),
            "plan": ("Risk management plan", "", [self.plan]),
            "save": ("Save", "Each save is a new version with your name, the time and your "
                     "reason; earlier versions are never changed.",
                     [self.reason_field, self.save_button, self.save_status,
                      self.draft_status]),
        }

    def _order(self) -> list[str]:
        return ["person", "rm2000", "arms", "plan", "save"]

    def _ruleset_caveat(self) -> w.HTML:
        """The RM2000 ruleset in use and its status caveat (as the practice pages show it)."""
        rs = self.rm2000.rs
        return w.HTML(
            '<p class="rso-ruleset-caveat" style="border-left:6px solid #1d70b8;'
            f'padding:6px 12px;max-width:45em">Ruleset <code>{esc(rs.ref)}</code>: '
            f"{esc(rs.provenance.status)}.</p>")

    def _page(self) -> list[w.Widget]:
        """form style, introduction, failure notice, then the numbered blocks in `_order()`,
        each in its own box (`self.blocks[name]`) so it can be shown or hidden."""
        parts = self._blocks()
        for n, name in enumerate(self._order(), 1):
            title, hint, widgets = parts[name]
            box = w.VBox([_section(f"{n}. {title}", hint), *widgets])
            box.add_class(f"rso-block-{name}")
            self.blocks[name] = box
        return [form_style(), self._intro(), self.failure,
                *(self.blocks[name] for name in self._order())]

    def _show_work(self, visible: bool) -> None:
        for name in self.WORK_BLOCKS:
            if name in self.blocks:
                self.blocks[name].layout.display = "" if visible else "none"

    # -- hooks -----------------------------------------------------------------------------
    def _opened(self, latest: Any) -> None:
        """A record was opened (its latest version, or None, is on screen)."""

    def _saved(self, version: Any) -> None:
        """A version was saved."""

    def _refused(self, exc: Exception) -> None:
        """A save was refused because someone else saved a newer version first."""

    def _save_problems(self) -> list[str]:
        """What else must be done before saving (each a short instruction)."""
        return []

    def _blank_arms(self) -> Any:
        from ..instruments.arms import ARMSAssessment, FactorRating

        cat = self.arms.cat
        return ARMSAssessment(catalogue=cat.ref, assessed_on=self.today,
                              ratings={f.id: FactorRating() for f in cat.factors},
                              rm2000=static_from_result(self.rm2000.result))

    # -- wiring ----------------------------------------------------------------------------
    @safe_callback(_report_live, "showing the RM2000 result beside ARMS")
    def _on_rm2000_result(self, change: dict[str, Any]) -> None:
        self.arms.set_static_context(static_from_result(change["new"]))

    @safe_callback(_report_live, "updating the plan from the ratings")
    def _on_arms(self, change: dict[str, Any]) -> None:
        self.plan.arms = change["new"]

    @safe_callback(_report_live, "keeping your draft")
    def _on_change(self, _change: Any = None) -> None:
        if self._loading or self.person is None:
            return
        waiting = (f'<p role="status" style="color:{HINT_COLOUR}">Changes not saved as a draft '
                   "yet…</p>")
        if self.draft_status.value != waiting:
            self.draft_status.value = waiting
        self.autosave()

    # -- the store -------------------------------------------------------------------------
    def _store(self) -> Any:
        if self.store is None:
            from ..store import open_store

            self.store = open_store()
        return self.store

    def user(self) -> str:
        """The signed-in person's display name (never a bare `local:` id)."""
        return self._store().display_name

    # -- finding the person ----------------------------------------------------------------
    @safe_callback(_report_live, "finding the record")
    def _on_find(self, _button: Any = None) -> None:
        self.find(self.reference.value)

    def find(self, reference: str) -> None:
        ref = reference.strip()
        self.failure.clear()
        if not ref:
            self.reference_field.error = "Enter the person's reference"
            self.reference.focus()
            return
        self.reference_field.error = ""
        try:
            store = self._store()
        except Exception as exc:
            log.exception("the store could not be opened")
            self.person_status.say(f"The workbook's records could not be opened: {_short(exc)}",
                                   kind="error", heading="Records not available")
            return
        from ..widgets.person_finder import reference_matches

        exact, similar = reference_matches(store.list_persons(), ref)
        if len(exact) == 1:
            self.finder.hide_choices()
            self.open_person(exact[0])
        else:
            self.finder.show_matches(ref, exact, similar)

    @safe_callback(_report_live, "opening the record")
    def _on_open_match(self, _button: Any = None) -> None:
        if self.matches.value is None:
            self.person_status.say("Choose one of the records first.", kind="error")
            return
        self.choices.layout.display = "none"
        self.open_person(self._store().get_person(self.matches.value))

    @safe_callback(_report_live, "creating the record")
    def _on_create(self, _button: Any = None) -> None:
        ref = self.reference.value.strip()
        if not ref:
            self.reference_field.error = "Enter the person's reference"
            return
        from ..widgets.person_finder import reference_matches

        store = self._store()
        exact, _similar = reference_matches(store.list_persons(), ref)
        if exact:  # the reference was changed after "Find": never make a duplicate silently
            self.find(ref)
            return
        person = store.create_person(ref)
        self.choices.layout.display = "none"
        self.open_person(person, created=True)

    def open_person(self, person: Any, *, created: bool = False) -> None:
        """Make `person` the record being assessed: load their latest ARMS version (if any) and
        offer any draft of theirs for resume."""
        store = self._store()
        self.autosave.flush()  # the record on screen keeps its last edits as its draft
        if not created:
            store.log_view("person", person.id)
        self.person = person
        self.assessment_id = self.expected_version = None
        latest = None
        arms = [a for a in store.assessments_for(person.id) if a.kind == ARMS_KIND]
        if arms:
            a = arms[-1]
            latest = store.latest_version(a.id)
            self.assessment_id, self.expected_version = a.id, latest.version
            self._load(latest.data)
        else:
            self._load({})
        who = f"Signed in as {self.user()}."
        if latest is not None:
            self.person_status.say(
                f"Record {person.reference}: opened version {latest.version} of the ARMS "
                f"assessment, saved by {latest.author} on {latest.created_at:%d %b %Y %H:%M} "
                f"UTC (reason: {latest.reason}). {who}", heading="Record open")
        else:
            made = "Created the record" if created else "Opened the record"
            self.person_status.say(f"{made} {person.reference}. It has no ARMS assessment yet: "
                                   f"this will be version 1. {who}", heading="Record open")
        self._offer_draft(latest)
        self._opened(latest)

    def draft_key(self) -> str:
        if self.assessment_id is not None:
            return self._store().draft_key(self.assessment_id)
        return f"arms-new:person:{self.person.id}"

    def _offer_draft(self, latest: Any) -> None:
        draft = self._store().get_draft(self.draft_key())
        self.draft = draft
        if draft is None or self._json(draft.data) == self._baseline:
            self.draft_box.layout.display = "none"
            self._draft_pending = False
            self._show_work(True)
            return
        text = (f"You have an unsaved draft from {draft.updated_at:%d %b %Y %H:%M} UTC. Resume "
                "it to carry on where you left off, or discard it.")
        if latest is not None and draft.base_version is not None \
                and draft.base_version < latest.version:
            text += (f" The draft started from version {draft.base_version}; version "
                     f"{latest.version} was saved since, by {latest.author}. If you resume it "
                     f"and save, your draft becomes version {latest.version + 1} in place of "
                     f"what version {latest.version} says (version {latest.version} stays in the "
                     "history): read it first.")
        text += (" The forms stay closed until you choose, so that nothing you type replaces "
                 "the draft.")
        self.draft_notice.say(text, heading="Unsaved draft")
        self.draft_box.children = [self.draft_notice,
                                   w.HBox([self.resume_button, self.discard_button])]
        self.draft_box.layout.display = ""
        self._draft_pending = True
        self._show_work(False)

    @safe_callback(_report_live, "resuming the draft")
    def _on_resume(self, _button: Any = None) -> None:
        if self.draft is None:
            return
        self._load(self.draft.data, baseline=False)
        self._draft_saved = True  # the work on screen is the stored draft
        self.draft_box.layout.display = "none"
        self._draft_pending = False
        self._show_work(True)
        self.draft_status.value = (f'<p role="status" style="color:{HINT_COLOUR}">Draft '
                                   "resumed.</p>")

    @safe_callback(_report_live, "discarding the draft")
    def _on_discard(self, _button: Any = None) -> None:
        self._store().delete_draft(self.draft_key())
        self.draft = None
        self.draft_box.layout.display = "none"
        self._draft_pending = False
        self._show_work(True)
        self.draft_status.value = (f'<p role="status" style="color:{HINT_COLOUR}">Draft '
                                   "discarded.</p>")

    # -- payloads --------------------------------------------------------------------------
    def payload(self) -> dict[str, Any]:
        """The version payload (reports/payload.py), plus the RM2000 evidence notes under
        `rm2000.evidence` (read_payload ignores keys it does not know)."""
        from ..reports.payload import make_payload

        data = make_payload(rm2000_facts=dict(self.rm2000.value) or None,
                            rm2000_result=self.rm2000.result, arms=self.arms.value,
                            plan=self.plan.value)
        notes = {k: v for k, v in self.rm2000.evidence.items() if v.strip()}
        if notes:
            data.setdefault("rm2000", {})["evidence"] = notes
        return data

    def draft_payload(self) -> dict[str, Any]:
        """The payload plus unfinished rows (evidence items, actions) as typed."""
        data = self.payload()
        pending = {"arms": self.arms.pending(), "plan": self.plan.pending()}
        if any(pending.values()):
            data["pending"] = pending
        return data

    @staticmethod
    def _json(data: Any) -> str:
        return json.dumps(data, sort_keys=True, default=str)

    def _load(self, data: dict[str, Any], *, baseline: bool = True) -> None:
        """Fill the three forms from a stored payload (a version or a draft)."""
        from ..reports.payload import read_payload

        parts = read_payload(data, ARMS_KIND)
        pending = data.get("pending") or {}
        rm = data.get("rm2000") if isinstance(data.get("rm2000"), dict) else {}
        self._loading = True
        try:
            self.rm2000.set_facts(rm.get("facts") or {}, rm.get("evidence") or None)
            stored = parts.rm2000 if rm.get("result") is not None else None
            if stored is not None and rm.get("facts") and stored.ruleset != self.rm2000.rs.ref:
                self.rm2000.show_stored(stored)  # as recorded, with the offer to rescore
            elif rm.get("result") is not None and rm.get("facts"):
                self.rm2000.submit()  # show the result and its working again
            self.arms.reset()
            self.arms.set_value(parts.arms or self._blank_arms(), pending.get("arms"))
            self.arms.set_static_context(static_from_result(self.rm2000.result))
            self.plan.arms = self.arms.value
            from ..instruments.plan import RiskManagementPlan

            self.plan.set_value(parts.plan or RiskManagementPlan(), pending.get("plan"))
        finally:
            self._loading = False
        if parts.notes:
            self.failure.say(" ".join(parts.notes), kind="error",
                             heading="Part of the saved record could not be read")
        if baseline:
            self._baseline = self._json(self.draft_payload())
            self._draft_saved = False

    # -- autosave --------------------------------------------------------------------------
    @safe_callback(_report_live, "saving your draft")
    def _autosave_now(self) -> None:
        self.save_draft()

    def save_draft(self) -> bool:
        """Keep the current work as this user's draft (if it changed). True if saved."""
        if self.person is None or self._draft_pending:
            return False
        data = self.draft_payload()
        if self._json(data) == self._baseline:
            return False
        self._store().save_draft(self.draft_key(), data, assessment_id=self.assessment_id,
                                 base_version=self.expected_version)
        self._baseline = self._json(data)
        self._draft_saved = True
        now = dt.datetime.now().strftime("%H:%M:%S")
        self.draft_status.value = (f'<p role="status" style="color:{HINT_COLOUR}">Draft saved '
                                   f"at {now}. It is offered to you when you reopen this record."
                                   "</p>")
        return True

    # -- saving a version ------------------------------------------------------------------
    @safe_callback(_report_live, "saving the assessment")
    def _on_save(self, _button: Any = None) -> None:
        self.save()

    def save(self) -> Any:
        """Save everything as a new version; returns the VersionRecord, or None if refused."""
        from ..store.errors import ConcurrentEditError

        self.autosave.cancel()
        self.save_status.clear()
        if self.person is None:
            self.save_status.say("Open or create the person's record first (section 1).",
                                 kind="error", heading="Not saved")
            self.reference.focus()
            return None
        if self._draft_pending:
            self.save_status.say("Resume or discard your unsaved draft first (section 1).",
                                 kind="error", heading="Not saved")
            return None
        reason = self.reason.value.strip()
        self.reason_field.error = "" if reason else "Enter the reason for this version"
        if self.rm2000.result is None and self.rm2000.value:
            self.rm2000.submit()
        problems = []
        if self.rm2000.result is None:
            problems.append(f"score RM2000 (section {self._order().index('rm2000') + 1})")
        gaps = self.arms.show_check()
        if gaps:
            problems.append(f"complete the ARMS assessment ({len(gaps)} thing"
                            f"{'s' if len(gaps) != 1 else ''} listed at the top of section "
                            f"{self._order().index('arms') + 1})")
        plan_gaps = self.plan.show_problems(self.arms.value.assessed_on)
        if plan_gaps:
            problems.append(f"correct the risk management plan ({len(plan_gaps)} thing"
                            f"{'s' if len(plan_gaps) != 1 else ''} listed at the top of "
                            f"section {self._order().index('plan') + 1}: "
                            + "; ".join(g.message for g in plan_gaps) + ")")
        if not reason:
            problems.append("give the reason for this version")
        problems += self._save_problems()
        if problems:
            self.save_draft()
            kept = " Your work is kept as your draft." if self._draft_saved else ""
            self.save_status.say(f"Before saving: {'; '.join(problems)}.{kept}", kind="error",
                                 heading="Not saved yet")
            if not reason:
                self.reason.focus()
            return None
        store = self._store()
        data = self.payload()
        review = self.plan.value.review.date
        try:
            if self.assessment_id is None:
                new_key = self.draft_key()
                v = store.create_assessment(self.person.id, ARMS_KIND, data, reason=reason,
                                            review_due=review)
                store.delete_draft(new_key)
            else:
                v = store.save_version(self.assessment_id, data, reason,
                                       self.expected_version or 1)
                if review is not None and \
                        store.get_assessment(self.assessment_id).review_due != review:
                    store.set_review_due(self.assessment_id, review)  # never cleared by a save
        except ConcurrentEditError as exc:
            self.save_status.say(
                f"{exc} Everything you typed is still on this page.", kind="error",
                heading="Not saved: someone else saved a newer version")
            self._baseline = self._json(self.payload())  # the store kept this as the draft
            self._draft_saved = True
            self.save_draft()  # and unfinished rows with it, if there are any
            self._refused(exc)
            return None
        self.assessment_id, self.expected_version = v.assessment_id, v.version
        self._baseline = self._json(self.draft_payload())
        self._draft_saved = False
        self.reason.value = ""
        self.save_status.say(f"Saved as version {v.version} by {v.author} at "
                             f"{v.created_at:%d %b %Y %H:%M} UTC.", heading="Saved")
        self.draft_status.value = ""
        self._saved(v)
        return v


def arms_assessment() -> w.Widget:
    """Build the live ARMS assessment page (a readable message instead of a traceback)."""
    return guarded("The ARMS assessment page", ARMSAssessmentApp)
