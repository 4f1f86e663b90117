"""The trainee page's answers: restoring a draft or a submission into the forms, the autosaved
draft, checking everything in one pass and submitting (a mixin of `WorkshopTraineeApp`, which
holds the widgets and the workshop it joined).

As on the room page, a second window or device never silently overwrites a draft: the page
keeps the revision of the draft it opened or last saved (`_revision`: its `updated_at`, or
`ABSENT` when there was none) and every save and the submission name it
(`Store.save_draft(expected=)`, `Store.submit(draft_revision=)`; the submission clears the
draft in its own transaction). A `DraftConflict` shows the sentence both pages say
(`answers.conflict_sentence`) at the top of the form, keeps the answers on screen and stops
autosaving until the case is opened again (`_stale`). The page's refresh (its timer, and
"Check for the key") reads the stored draft and submissions too: if the open case was
submitted or its draft changed elsewhere, it says so in the same words before anything is
typed (`_check_open_case`), and stops saving and submitting the same way."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any

from ..timefmt import clock_text
from ..widgets.fields import safe_callback
from .workshop_common import report_problem

if TYPE_CHECKING:
    from ..cases.schema import TrainingCase
    from ..instruments.ruleset import RM2000Ruleset
    from ..store import CohortRecord, MemberRecord, Store

log = logging.getLogger("rso_widgets.apps.workshop")
REOPEN = "Select “Open this case” again"  # how this page shows the latest answers


class TraineeAnswers:
    """Drafts, restoring and submitting for the trainee's page."""

    store: Store
    rs: RM2000Ruleset
    cohort: CohortRecord | None
    member: MemberRecord | None
    case: TrainingCase | None
    instruments: tuple[str, ...]
    arms: Any
    submitted: dict[str, Any]
    drafts: set[str]
    _loading: bool
    _draft_json: str | None
    _revision: Any  # the draft's revision this page opened or last saved (`store.ABSENT`: none)
    _stale: bool  # changed elsewhere (a save refused, or a refresh saw it): no more autosaves
    _elsewhere: Any  # how (`answers.ChangedElsewhere`), while `_stale`
    # widgets of the page (built with its workspace) and its helpers
    form: Any
    own: Any
    status: Any
    failure: Any
    draft_status: Any
    conflict: Any
    autosave: Any

    if TYPE_CHECKING:  # defined by the page
        released: bool

        def _case_options(self) -> None: ...

        def _show_state(self) -> None: ...

    def _restore(self, data: dict[str, Any]) -> bool:
        """Fill the forms from a draft or a submission; False if part failed."""
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..calibration.workshop.answers import restore_parts

        parts = restore_parts(data)
        ok = True
        if "arms" in self.instruments and self.arms is not None:
            ok = self._restore_arms(data)
        if "rm2000" not in self.instruments:
            return ok
        try:
            self.form.set_facts(parts.facts, parts.evidence)
        except (ValueError, TypeError):
            log.info("could not restore the facts of a workshop draft", exc_info=True)
            ok = False
        try:
            self.own.set_value(parts.mode, parts.entered)
        except Exception:
            log.info("could not restore your result from a workshop draft", exc_info=True)
            ok = False
        return ok

    def _restore_arms(self, data: dict[str, Any]) -> bool:
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from pydantic import ValidationError

        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
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
    @safe_callback(report_problem, "changing how you give your result")
    def _on_mode(self, change: dict[str, Any]) -> None:
        self.form.score_button.layout.display = "none" if change["new"] == "own" else ""

    @safe_callback(report_problem, "keeping your draft")
    def _on_change(self, _change: Any = None) -> None:
        if self._loading or self._stale or self.case is None or self.member is None:
            return
        self.autosave()

    def _draft_payload(self) -> dict[str, Any]:
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..calibration.workshop.answers import draft_payload

        rm = "rm2000" in self.instruments
        arms = self.arms if "arms" in self.instruments else None
        return draft_payload(
            self.instruments, facts=dict(self.form.value) if rm else None,
            evidence=dict(self.form.evidence) if rm else None,
            mode=self.own.mode if rm else "form", entered=dict(self.own.value) if rm else None,
            arms=arms.value.model_dump(mode="json") if arms is not None else None,
            arms_pending=arms.pending() if arms is not None else None)

    @safe_callback(report_problem, "saving your draft")
    def _autosave_now(self) -> None:
        self.save_draft()

    def save_draft(self, force: bool = False) -> bool:
        """Keep the answers on screen as this member's draft for the open case (if changed)."""
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..calibration.workshop import draft_key

        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..store.errors import DraftConflict

        if self.case is None or self.cohort is None or self.member is None or self._stale:
            return False
        data = self._draft_payload()
        text = json.dumps(data, sort_keys=True, default=str)
        if text == self._draft_json and not force:
            return False
        try:  # only over the draft this page opened or last saved
            saved = self.store.save_draft(draft_key(self.cohort.id, self.member.id,
                                                    self.case.id), data, expected=self._revision)
        except DraftConflict as conflict:
            self._changed_elsewhere(conflict)
            return False
        self._revision = saved.updated_at
        self._draft_json = text
        if self.case.id not in self.drafts:
            self.drafts.add(self.case.id)
            self._case_options()
        self.draft_status.value = (f'<p role="status" class="rso-hint-text">Draft saved '
                                   f"at {clock_text(dt.datetime.now(dt.UTC))}.</p>")
        return True

    def _changed_elsewhere(self, conflict: Any, submitting: bool = False) -> None:
        """A save (or the submission) refused: the draft changed in another window or device.
        Say so at the top of the form, keep the answers on screen, stop autosaving."""
        log.warning("workshop draft %s changed elsewhere (now %s): %s refused, autosave "
                    "stopped", conflict.key, conflict.changed_at,
                    "submission" if submitting else "save")
        self._stop_saving(conflict.changed_at, unsaved=True, submitting=submitting)
        self.conflict.focus()

    def _check_open_case(self, draft: Any, known: Any) -> None:
        """After a refresh's read: if the open case was submitted, or its draft saved or
        cleared, in another window or device since this page opened or last saved it (`draft`:
        the stored draft now; `known`: the submission this page knew of), say so at the top of
        the form and stop saving, keeping the answers on screen. Nothing is written, here or
        later: the store's revision guard would refuse a save anyway. Focus stays where it is
        (the notice is announced): the person did not ask for this."""
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..calibration.workshop.answers import changed_elsewhere

        if self.case is None or self._stale:
            return  # nothing open, or already told
        revision = self._revision if isinstance(self._revision, dt.datetime) else None
        change = changed_elsewhere(revision, known, draft, self.submitted.get(self.case.id))
        if change is None:
            return
        log.info("workshop case %s changed in another window (%s): autosave stopped",
                 self.case.id, change)
        self._stop_saving(change.at, submitted=change.submitted, unsaved=self._unsaved())

    def _unsaved(self) -> bool:
        """Whether something on screen is not in the draft this page last saved or opened."""
        if self.autosave.pending:
            return True
        text = json.dumps(self._draft_payload(), sort_keys=True, default=str)
        return text != self._draft_json

    def _stop_saving(self, at: dt.datetime | None, *, submitted: bool = False, unsaved: bool,
                     submitting: bool = False) -> None:
        """Stop autosaving (`_stale`) and say why at the top of the form, in the words both
        pages use (`answers.elsewhere_notice`): the draft saved elsewhere at `at` (None: gone),
        or (`submitted`) the answers submitted there at `at`."""
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..calibration.workshop.answers import ChangedElsewhere, elsewhere_notice

        self._stale = True
        self._elsewhere = change = ChangedElsewhere(at, submitted)
        self.autosave.cancel()
        heading, sentence = elsewhere_notice(change, unsaved=unsaved, submitting=submitting,
                                             to_see=REOPEN)
        self.conflict.say(sentence, kind="error", heading=heading)
        self.draft_status.value = ('<p role="status" class="rso-hint-text">Not saved: see the '
                                   "message at the top of the form.</p>")

    # -- submitting ----------------------------------------------------------------------------
    @safe_callback(report_problem, "submitting your answers")
    def _on_submit(self, _button: Any = None) -> None:
        self.submit()

    def submit(self) -> Any:
        """Check the answers (no key involved), submit them, and clear the draft. Refused with a
        clear message if the workshop has closed: the answers are then kept as a draft."""
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..calibration.workshop import draft_key, workshop_payload
        from ..calibration.workshop.answers import refused_sentence, submitted_sentence
        from ..store.draft_revision import ABSENT
        from ..store.errors import DraftConflict, WorkshopClosed

        self.failure.clear()
        if self.case is None or self.cohort is None or self.member is None:
            self.status.say("Choose a case and select Open this case first.", kind="error")
            return None
        case = self.case
        if self._stale:  # changed elsewhere: submitting these answers would replace those
            self._stop_saving(self._elsewhere.at, submitted=self._elsewhere.submitted,
                              unsaved=True, submitting=True)
            self.conflict.focus()
            return None
        # every check in one pass: the problems of each part show together, not one by one
        problems = self._rm2000_problems() if "rm2000" in self.instruments else []
        problems += self._arms_problems() if "arms" in self.instruments else []
        if problems:
            self.status.say(" ".join(problems), kind="error")
            return None
        payload = workshop_payload(
            self.instruments, facts=dict(self.form.value), entered=dict(self.own.value) or None,
            arms=self.arms.value if self.arms is not None else None)
        key = draft_key(self.cohort.id, self.member.id, case.id)
        try:  # the draft is cleared in the same transaction, if still the one this page saved
            sub = self.store.submit(self.cohort.id, self.member.id, case.id, payload,
                                    clear_draft=key, draft_revision=self._revision)
        except DraftConflict as conflict:
            self._changed_elsewhere(conflict, submitting=True)
            return None
        except WorkshopClosed:
            self.autosave.cancel()
            self.save_draft(force=True)
            self.cohort = self.store.get_cohort(self.cohort.id)
            self._show_state()
            self.status.say(refused_sentence(self.cohort), kind="error")
            return None
        self.autosave.cancel()
        self.submitted[case.id] = sub
        self._revision = ABSENT  # no draft left: the next save starts a new one
        self.drafts.discard(case.id)
        self._draft_json = json.dumps(self._draft_payload(), sort_keys=True, default=str)
        self.draft_status.value = ""
        self._case_options()
        left = [c for c in self.cohort.case_ids if c not in self.submitted]
        self.status.say(submitted_sentence(case.id, sub.created_at, len(left)))
        return sub

    def _rm2000_problems(self) -> list[str]:
        """What stops the RM2000 answers being submitted (the domain's one check,
        `calibration.workshop.answers.rm2000_problems`), each problem shown beside its field."""
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..calibration.workshop.answers import rm2000_problems
        from ..widgets.own_result import refusal

        assert self.case is not None
        found = rm2000_problems(dict(self.form.value), self.own.mode, dict(self.own.value),
                                self.rs, self.case.assessment_date)
        out = []
        refused = refusal(self.own)  # the same rule (`entered_problems`), shown in the form
        if refused:
            out.append(refused)
        if found.facts:
            self.form.submit()  # shows each problem next to its field and in the summary
            out.append("Your answers cannot be submitted yet: correct the problems shown in "
                       "the form, then submit again.")
        return out + found.other

    def _arms_problems(self) -> list[str]:
        """Every ARMS factor is rated and every evidence note written is finished (a note
        without its source would be left out); otherwise what is missing, all at once (in the
        form's error summary and beside each field too)."""
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..calibration.workshop import arms_problems
        from ..calibration.workshop.answers import arms_refusal
        from ..instruments.arms import notes_refusal

        refused = [r for r in (
            arms_refusal(arms_problems(self.arms.value, self.arms.cat)),
            notes_refusal([g.message for g in self.arms.unfinished_notes()])) if r]
        if refused:  # the form's summary lists only these; other gaps stay advice
            self.arms.show_check(self._arms_blocking)
        return refused

    def _arms_blocking(self) -> list[Any]:
        """What stops the ARMS part being submitted, as the room page refuses it: each factor
        not rated, each note written but not finished (no source; on this page, no date)."""
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..calibration.workshop.answers import arms_rating_gaps

        return arms_rating_gaps(self.arms.value, self.arms.cat) + self.arms.unfinished_notes()
