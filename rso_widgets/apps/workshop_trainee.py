"""The trainee's workshop page (`workshop()`, workbooks/workshop.ipynb): join with the code and a
display name, score each case with the practice components (case file; the RM2000 form and your
result, and/or the ARMS form, as the trainer chose for the case), submit; feedback (RM2000 and
ARMS) only once the trainer releases the key. Answers are autosaved as a draft keyed by
cohort + member + case a moment after each change (`workshop_answers.py`: drafts, restoring,
checking and submitting), so a page or kernel that dies loses nothing: joining again with the
same name brings the drafts back. The page's refresh (its timer, every `CHECK_SECONDS`, and
"Check for the key") re-reads the workshop with the person's drafts and submissions in one store
read, so what they saved or submitted in another window (another tab, the room page) shows in
the case list without rejoining.

Assembles widgets only: rules live in `calibration.workshop` (join codes, gating), the store
(who may submit when). Every callback catches its exceptions, logs them and shows a friendly
message. Lean first view: the join form only; no store, cases, pandas or plotly until joining.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..timefmt import clock_text
from ..widgets.fields import Notice, esc, form_style, safe_callback
from .workshop_answers import TraineeAnswers
from .workshop_common import (
    AUTOSAVE_SECONDS,
    CHECK_SECONDS,
    NOTE,
    TRAINEE_NOTE,
    note,
    report_problem,
    start,
)
from .workshop_workspace import TraineeWorkspace

if TYPE_CHECKING:
    from ..cases.schema import TrainingCase
    from ..instruments.ruleset import RM2000Ruleset
    from ..store import CohortRecord, MemberRecord, Store

log = logging.getLogger("rso_widgets.apps.workshop")


class WorkshopTraineeApp(TraineeWorkspace, TraineeAnswers, w.VBox):
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
        "case_file", "form", "own", "submit_button", "status", "draft_status", "conflict",
        "feedback_head", "feedback_view", "arms_feedback", "autosave", "rm_section", "arms_box",
        "arms_section", "work", "workspace"})

    def __init__(self, store: Store,
                 cases: Iterable[TrainingCase] | Callable[[], Iterable[TrainingCase]],
                 user: str, *,
                 ruleset: RM2000Ruleset | None = None,
                 autosave_seconds: float = AUTOSAVE_SECONDS,
                 check_seconds: float = CHECK_SECONDS):
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..widgets.workshop_join import WorkshopJoin

        if ruleset is None:
            # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
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
        self._revision: Any = None  # the open draft's revision (`workshop_answers`)
        self._stale = False
        self._elsewhere: Any = None  # how the open case changed elsewhere, while `_stale`
        self.failure = Notice(layout=w.Layout(display="none"))

        self._autosave_seconds = autosave_seconds
        self._check_seconds = check_seconds
        self._workspace_built = False
        self.join = WorkshopJoin()
        self.join.on_join(self._on_join)

        self.workspace_slot = w.VBox([])
        super().__init__([form_style(), note(NOTE + " " + TRAINEE_NOTE),
                          self.failure, self.join, self.workspace_slot])
        self.add_class("rso-app")
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

    # -- joining -------------------------------------------------------------------------------
    @safe_callback(report_problem, "joining the workshop")
    def _on_join(self, _button: Any = None) -> None:
        self.join_workshop(self.join.code.value, self.join.name.value)

    def join_workshop(self, code: str, name: str) -> bool:
        """Join (or rejoin) with a code and a display name; True when in."""
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..store.joining import JoinProblem, join_workshop

        self.join.clear_problems()
        try:
            cohort, member, rejoined = join_workshop(self.store, code, name)
        except JoinProblem as problem:
            self.join.show_problems(problem.problems)
            return False
        self.cohort, self.member = cohort, member
        self._load_progress()  # with the join: three store transactions, however many cases
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
        self.heading.focus()  # the join form, and its button, are hidden now
        return True

    def _load_progress(self) -> Any:
        """The workshop, the member's submissions and which cases have a draft, in one store
        read (`Store.trainee_view`, as the room page reads them): not one read per case. On
        joining and on every refresh, so what another window or device saved or submitted
        shows in the case list. Returns the read (`TraineeView`)."""
        assert self.cohort is not None and self.member is not None
        view = self.store.trainee_view(self.cohort.id, self.member.id)
        self.cohort, self.member = view.cohort, view.member
        self.submitted = {s.case_id: s for s in view.submissions}  # the latest of each case
        self.drafts = {cid for cid, draft in view.drafts.items() if draft is not None}
        return view

    # -- the workshop's state ------------------------------------------------------------------
    @property
    def released(self) -> bool:
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..calibration.workshop import feedback_released

        return self.cohort is not None and feedback_released(self.cohort)

    def _show_state(self) -> None:
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..calibration.workshop import trainee_state_line

        c = self.cohort
        if c is None:
            return
        self.heading.value = (f'<h2 class="rso-workshop-name rso-kit-heading">'
                              f"Workshop: {esc(c.name)}</h2>")
        self.state.value = (f'<p class="rso-workshop-state rso-tight" role="status">'
                            f"{esc(trainee_state_line(c))}</p>")
        can_submit = c.is_open and not self.released
        self.submit_button.layout.display = "" if can_submit else "none"
        self.check_button.layout.display = "none" if self.released else ""

    def _case_options(self) -> None:
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
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
        if [tuple(o) for o in self.choice.options] == options:
            return  # a quiet refresh sends the page nothing
        keep = self.choice.value
        self.choice.options = options
        ids = [cid for _, cid in options]
        self.choice.value = keep if keep in ids else (ids[0] if ids else None)

    @safe_callback(report_problem, "checking the workshop")
    def _on_check(self, _button: Any = None) -> None:
        self.check()

    def check(self) -> None:
        """Refresh (the button and the page's timer): the workshop (closed? key released?) and
        this person's drafts and submissions, made here or in another window or device, in
        one store read however many cases. The case list shows them; if the open case was
        submitted or its draft changed elsewhere, the page says so and saves nothing more
        until the case is opened again (`workshop_answers`). Feedback is shown once it may."""
        if self.cohort is None:
            return
        before = (self.cohort.is_open, self.released)
        known = self.submitted.get(self.case.id) if self.case is not None else None
        view = self._load_progress()
        if self.case is not None:
            self._check_open_case(view.drafts.get(self.case.id), known)
        self._show_state()
        self._case_options()
        if (self.cohort.is_open, self.released) == before:
            return
        if self.released:
            self.status.say("The trainer has released the key. Your feedback is shown for each "
                            "case you submitted.")
            if self.case is not None:
                self._show_feedback(self.case.id)
                self.feedback_head.focus()  # far below the button: focus moves there
        elif not self.cohort.is_open:
            self.status.say("The trainer has closed the workshop: no more submissions. Your "
                            "unsent answers stay as your draft.")

    def _tick(self) -> None:
        try:
            self.check()
        except Exception:
            log.exception("timed check failed")

    # -- a case --------------------------------------------------------------------------------
    @safe_callback(report_problem, "opening the case")
    def _on_open(self, _button: Any = None) -> None:
        if self.choice.value:
            self.open_case(self.choice.value)

    def open_case(self, case_id: str) -> None:
        """Show the case file and the forms the case is scored with (RM2000, ARMS or both): the
        draft if there is one, else the latest submission, else blank. Feedback only once the
        key is released."""
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..calibration.workshop import case_instruments, draft_key
        from ..store.draft_revision import ABSENT

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
        self.conflict.clear()
        self._stale = False  # the latest answers are read again below
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
                # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
                from ..calibration.workshop import arms_start

                self.arms.reset(arms_start(case, instruments, self.rs, self.arms.cat))
            self.case_file.show(case)
            draft = self.store.get_draft(draft_key(self.cohort.id, self.member.id, case_id))
            self._revision = ABSENT if draft is None else draft.updated_at  # saves build on it
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
                                    f"{clock_text(sub.created_at)}.")
        finally:
            self._loading = False
        self._draft_json = json.dumps(self._draft_payload(), sort_keys=True, default=str)
        self.case_heading.value = (f"<h2 class='rso-workshop-case rso-kit-heading'>"
                                   f"Scoring {esc(case.id)}: {esc(case.title)}</h2>")
        if self.choice.value != case_id:
            self.choice.value = case_id
        self.work.layout.display = ""
        self._show_state()
        if self.released:
            self._show_feedback(case_id)


def workshop(store: Store | None = None, user: str | None = None,
             cases: Iterable[TrainingCase] | None = None) -> w.Widget:
    """Build the trainee's workshop page (the notebook's last expression shows it). Its first
    view is the join form: the store is opened when the person joins (`LazyStore`), so a
    preheated page imports no database code and reads nothing while it waits."""
    return start(WorkshopTraineeApp, "The workshop page", store, user, cases, lazy=True)

