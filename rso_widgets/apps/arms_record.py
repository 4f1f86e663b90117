"""One person's ARMS assessment record, the part the ARMS and live assessment pages are composed
from: find or create the person record, RM2000 → ARMS → plan, drafts autosaved a moment after
the last change and offered on reopening, and each save a new version with a reason (a
concurrent save refused, the text kept as a draft).

Not a page: the apps lay its widgets out (as task-list sections) and add parts through its
listener lists (`opened`, `saved`, `refused`, `changed`, `extra_problems`, `extra_payload`,
`before_load`). The store opens when the person first acts, so building writes nothing.
The finder and the three forms are built when a section first shows them (`lazy_forms.py`):
until then the answers are domain values, which `payload`, drafts and statuses read.
Drafts are `arms_drafts.py`; saving a version, `arms_save.py`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..store.identity import display_name
from ..timefmt import when_text
from ..widgets.fields import Field, Notice, focus_target, safe_callback, text_button
from ..widgets.timing import Debouncer
from .arms_drafts import close_offer, draft_key, offer_draft, save_draft, status_line
from .arms_save import ARMS_KIND, SaveProblem, save_problems, save_version

__all__ = ["ARMS_KIND", "AUTOSAVE_SECONDS", "AssessmentRecord", "SaveProblem", "short",
           "static_from_result"]

log = logging.getLogger("rso_widgets.apps.arms_record")

AUTOSAVE_SECONDS = 2.0


def short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 400 else text[:397] + "…"


def static_from_result(result: Any) -> Any:
    """An RM2000 result as ARMS's static context (`StaticContext.from_result`)."""
    # deferred: loaded when used, not at page start; see test_deferred_imports
    from ..instruments.arms import StaticContext

    return StaticContext.from_result(result)


def _report(rec: AssessmentRecord, message: str) -> None:
    rec.failure.say(message, kind="error", heading="Sorry, there is a problem")


class AssessmentRecord:
    """The record being assessed, its three forms, drafts and versions."""

    def __init__(self, *, autosave_seconds: float = AUTOSAVE_SECONDS,
                 today: dt.date | None = None, caseload: bool = False,
                 failure: Notice | None = None):
        # deferred: inside the start-up guard (startup.guarded); see test_deferred_imports
        from ..widgets.person_finder import PersonFinder
        from .lazy_forms import ARMSAnswers, Deferred, PlanAnswers, RM2000Answers

        self.today = today or dt.date.today()
        self.store: Any = None
        self.person: Any = None
        self.assessment_id: int | None = None
        self.expected_version: int | None = None
        self.baseline: str | None = None
        self.draft_saved = False  # a draft of the work on screen is in the store
        self.draft_pending = False  # a draft is offered and not yet resumed or discarded
        self.draft: Any = None
        self.loading = False
        self.failure = failure or Notice(layout=w.Layout(display="none"))
        self.last_problems: list[SaveProblem] = []
        self._unbuilt: str | None = None  # the draft payload just before a form was built
        self.opened: list[Callable[[Any], None]] = []
        self.saved: list[Callable[[Any], None]] = []
        self.refused: list[Callable[[Exception], None]] = []
        self.changed: list[Callable[[], None]] = []  # the record, or its draft offer, changed
        self.extra_problems: list[Callable[[], list[SaveProblem]]] = []
        self.extra_payload: list[Callable[[dict[str, Any]], None]] = []
        self.before_load: list[Callable[[dict[str, Any], bool], None]] = []

        # each part is built when a section first shows it (`lazy_forms`): the page opens on
        # its task list, and its statuses are read from the answers
        self.finder_part: Deferred[PersonFinder] = Deferred(
            lambda: PersonFinder(caseload=caseload))
        self.finder_part.on_build.append(self._wire_finder)
        self.resume_button = text_button("Resume the draft", primary=True)
        self.resume_button.on_click(self._on_resume)
        self.discard_button = text_button("Discard the draft")
        self.discard_button.on_click(self._on_discard)
        self.draft_notice = Notice()
        self.draft_choice = w.HBox([self.resume_button, self.discard_button])
        self.draft_box = w.VBox([], layout=w.Layout(display="none"))

        self.rm2000_answers = RM2000Answers(today=self.today)
        self.arms_answers = ARMSAnswers()
        self.arms_answers.set_value(self.blank_arms())
        self.plan_answers = PlanAnswers(self.arms_answers.cat, self.arms_answers.value)
        self.arms_answers.value_changed.append(self._on_arms)
        self.rm2000_answers.on_build.append(lambda form: form.observe(
            self._on_rm2000_result, names="result"))
        for part, names in ((self.rm2000_answers, ["value", "evidence"]),
                            (self.arms_answers, ["revision"]), (self.plan_answers, ["revision"])):
            part.before_build.append(self._before_build)
            part.on_build.append(lambda form, names=names: self._built(form, names))

        self.reason = w.Text(value="", continuous_update=True)
        self.reason_field = Field(self.reason, "Reason for this version",
                                  "For example: first assessment; annual review; new "
                                  "relationship disclosed.", size="wide")
        self.reason.observe(self.on_change, names="value")  # kept in the draft too
        # what a save did, above the task list (GOV.UK: a confirmation at the top of the page);
        # focus moves there after a save, so nobody has to scroll to find it
        self.save_status = focus_target(Notice(layout=w.Layout(display="none")))
        # the draft's state above the task list; focus moves there when the draft offer's
        # buttons, pressed, are hidden (`arms_drafts.close_offer`)
        self.draft_status = focus_target(w.HTML(value=""))
        self.autosave = Debouncer(autosave_seconds, self._autosave_now)

    # -- the parts, each built when first used (PersonFinder, RM2000Form, ARMSForm, PlanBuilder)
    finder = property(lambda self: self.finder_part.get())
    rm2000 = property(lambda self: self.rm2000_answers.form)
    arms = property(lambda self: self.arms_answers.form)
    plan = property(lambda self: self.plan_answers.form)

    def _wire_finder(self, finder: Any) -> None:
        finder.find_button.on_click(self._on_find)
        finder.open_match.on_click(self._on_open_match)
        finder.create_button.on_click(self._on_create)

    def _before_build(self) -> None:
        self._unbuilt = self.json(self.draft_payload()) if self.person is not None else None

    def _built(self, form: Any, names: list[str]) -> None:
        """A form built from the answers is no change: a baseline taken before it was built
        follows what the form reads back (the same answers, as the form writes them)."""
        form.observe(self.on_change, names=names)
        if self._unbuilt is not None and self._unbuilt == self.baseline:
            self.baseline = self.json(self.draft_payload())
        self._unbuilt = None

    # -- state -----------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        """A record is open and no draft offer is waiting: the forms may be used."""
        return self.person is not None and not self.draft_pending

    def _changed(self) -> None:
        for listener in self.changed:
            listener()

    def blank_arms(self) -> Any:
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..instruments.arms import ARMSAssessment, FactorRating

        cat = self.arms_answers.cat
        return ARMSAssessment(catalogue=cat.ref, assessed_on=self.today,
                              ratings={f.id: FactorRating() for f in cat.factors},
                              rm2000=static_from_result(self.rm2000_answers.result))

    def store_(self) -> Any:
        if self.store is None:
            # deferred: loaded when used, not at page start; see test_deferred_imports
            from ..store import open_store

            self.store = open_store()
        return self.store

    def user(self) -> str:
        """The signed-in person's display name (never a bare `local:` id)."""
        return self.store_().display_name

    def dirty(self) -> bool:
        """Whether the page holds work not saved as a version (kept as a draft, or not yet)."""
        return self.person is not None and (
            self.draft_saved or self.json(self.draft_payload()) != self.baseline)

    # -- wiring ----------------------------------------------------------------------------
    @safe_callback(_report, "showing the RM2000 result beside ARMS")
    def _on_rm2000_result(self, change: dict[str, Any]) -> None:
        self.arms_answers.set_static_context(static_from_result(change["new"]))

    @safe_callback(_report, "updating the plan from the ratings")
    def _on_arms(self, value: Any) -> None:
        self.plan_answers.arms = value

    @safe_callback(_report, "keeping your draft")
    def on_change(self, _change: Any = None) -> None:
        if self.loading or self.person is None:
            return
        waiting = status_line("Changes not saved as a draft yet…")
        if self.draft_status.value != waiting:
            self.draft_status.value = waiting
        self.autosave()

    # -- finding the person ----------------------------------------------------------------
    @safe_callback(_report, "finding the record")
    def _on_find(self, _button: Any = None) -> None:
        self.find(self.finder.reference.value)

    def find(self, reference: str) -> None:
        ref = reference.strip()
        self.failure.clear()
        f = self.finder
        if not ref:
            f.problem("Enter the person's reference")
            return
        f.clear_problems()
        try:
            store = self.store_()
        except Exception as exc:
            log.exception("the store could not be opened")
            f.status.say(f"The workbook's records could not be opened: {short(exc)}",
                         kind="error", heading="Records not available")
            return
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..widgets.person_finder import reference_matches

        exact, similar = reference_matches(store.list_persons(), ref)
        if len(exact) == 1:
            f.hide_choices()
            self.open_person(exact[0])
        else:
            f.show_matches(ref, exact, similar)

    @safe_callback(_report, "opening the record")
    def _on_open_match(self, _button: Any = None) -> None:
        if self.finder.matches.value is None:
            self.finder.problem("Choose one of the records first", self.finder.matches)
            return
        self.finder.choices.layout.display = "none"
        self.open_person(self.store_().get_person(self.finder.matches.value))

    @safe_callback(_report, "creating the record")
    def _on_create(self, _button: Any = None) -> None:
        ref = self.finder.reference.value.strip()
        if not ref:
            self.finder.problem("Enter the person's reference")
            return
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..widgets.person_finder import reference_matches

        store = self.store_()
        exact, _similar = reference_matches(store.list_persons(), ref)
        if exact:  # the reference was changed after "Find": never make a duplicate silently
            self.find(ref)
            return
        person = store.create_person(ref)
        self.finder.choices.layout.display = "none"
        self.open_person(person, created=True)

    def open_person(self, person: Any, *, created: bool = False) -> None:
        """Make `person` the record being assessed: load their latest ARMS version (if any) and
        offer any draft of theirs for resume."""
        store = self.store_()
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
            self.load(latest.data)
        else:
            self.load({})
        who = f"Signed in as {self.user()}."
        if latest is not None:
            self.finder.say_done(
                f"Record {person.reference}: opened version {latest.version} of the ARMS "
                f"assessment, saved by {display_name(latest.author)} at "
                f"{when_text(latest.created_at)} (reason: {latest.reason}). {who}",
                heading="Record open")
        else:
            made = "Created the record" if created else "Opened the record"
            self.finder.say_done(f"{made} {person.reference}. It has no ARMS assessment yet: "
                                 f"this will be version 1. {who}", heading="Record open")
        self._offer_draft(latest)
        for listener in self.opened:
            listener(latest)
        self._changed()

    # -- drafts (apps/arms_drafts.py) -------------------------------------------------------
    def draft_key(self) -> str:
        return draft_key(self)

    def _offer_draft(self, latest: Any) -> None:
        offer_draft(self, latest)

    @safe_callback(_report, "resuming the draft")
    def _on_resume(self, _button: Any = None) -> None:
        if self.draft is None:
            return
        self.load(self.draft.data, baseline=False)
        self.draft_saved = True  # the work on screen is the stored draft
        close_offer(self, "Draft resumed.")
        self._changed()

    @safe_callback(_report, "discarding the draft")
    def _on_discard(self, _button: Any = None) -> None:
        self.store_().delete_draft(self.draft_key())
        self.draft = None
        close_offer(self, "Draft discarded.")
        self._changed()

    # -- payloads --------------------------------------------------------------------------
    def payload(self) -> dict[str, Any]:
        """The version payload (reports/payload.py), plus the RM2000 evidence notes under
        `rm2000.evidence` (read_payload ignores keys it does not know)."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..reports.payload import make_payload

        rm, arms, plan = self.rm2000_answers, self.arms_answers, self.plan_answers
        data = make_payload(rm2000_facts=rm.value or None, rm2000_result=rm.result,
                            arms=arms.value, plan=plan.value)
        notes = {k: v for k, v in rm.evidence.items() if v.strip()}
        if notes:
            data.setdefault("rm2000", {})["evidence"] = notes
        for extra in self.extra_payload:
            extra(data)
        return data

    def draft_payload(self) -> dict[str, Any]:
        """The payload plus unfinished rows (evidence items, actions) and the reason for the
        next version, as typed (a version's reason is stored beside it, not in its payload)."""
        data = self.payload()
        if self.reason.value.strip():
            data["version_reason"] = self.reason.value
        pending = {"arms": self.arms_answers.pending(), "plan": self.plan_answers.pending()}
        if any(pending.values()):
            data["pending"] = pending
        return data

    @staticmethod
    def json(data: Any) -> str:
        return json.dumps(data, sort_keys=True, default=str)

    def load(self, data: dict[str, Any], *, baseline: bool = True) -> None:
        """Fill the three forms from a stored payload (a version or a draft)."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..instruments.plan import RiskManagementPlan
        from ..reports.payload import read_payload

        for listener in self.before_load:
            listener(data, baseline)
        parts = read_payload(data, ARMS_KIND)
        pending = data.get("pending") or {}
        rm = data.get("rm2000") if isinstance(data.get("rm2000"), dict) else {}
        scores, arms, plan = self.rm2000_answers, self.arms_answers, self.plan_answers
        self.loading = True
        try:
            scores.set_facts(rm.get("facts") or {}, rm.get("evidence") or None)
            stored = parts.rm2000 if rm.get("result") is not None else None
            if stored is not None and rm.get("facts") and stored.ruleset != scores.rs.ref:
                scores.show_stored(stored)  # as recorded, with the offer to rescore
            elif rm.get("result") is not None and rm.get("facts"):
                scores.rescore()  # show the result and its working again
            arms.reset()
            arms.set_value(parts.arms or self.blank_arms(), pending.get("arms"))
            arms.set_static_context(static_from_result(scores.result))
            plan.arms = arms.value
            plan.set_value(parts.plan or RiskManagementPlan(), pending.get("plan"))
            # a draft's reason is still being written; a saved version's is not the next one's
            self.reason.value = "" if baseline else str(data.get("version_reason") or "")
        finally:
            self.loading = False
        if parts.notes:
            self.failure.say(" ".join(parts.notes), kind="error",
                             heading="Part of the saved record could not be read")
        if baseline:
            self.baseline = self.json(self.draft_payload())
            self.draft_saved = False

    # -- autosave --------------------------------------------------------------------------
    @safe_callback(_report, "saving your draft")
    def _autosave_now(self) -> None:
        self.save_draft()

    def save_draft(self) -> bool:
        """Keep the current work as this user's draft (if it changed). True if saved."""
        return save_draft(self)

    # -- saving a version (apps/arms_save.py) ----------------------------------------------
    def problems(self) -> list[SaveProblem]:
        """Everything that stops a save, in one pass, shown beside each field too."""
        return save_problems(self)

    def save(self) -> Any:
        """Save everything as a new version; returns the VersionRecord, or None if refused
        (`last_problems` then says why)."""
        return save_version(self)
