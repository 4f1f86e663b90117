"""The trainee page's answers: restoring a draft or a submission into the forms, the autosaved
draft, checking everything in one pass and submitting (a mixin of `WorkshopTraineeApp`, which
holds the widgets and the workshop it joined)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any

from ..widgets.fields import HINT_COLOUR, safe_callback
from .workshop_common import report_problem

if TYPE_CHECKING:
    from ..cases.schema import TrainingCase
    from ..instruments.ruleset import RM2000Ruleset
    from ..store import CohortRecord, MemberRecord, Store

log = logging.getLogger("rso_widgets.apps.workshop")


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
    # widgets of the page (built with its workspace) and its helpers
    form: Any
    own: Any
    status: Any
    failure: Any
    draft_status: Any
    autosave: Any

    if TYPE_CHECKING:  # defined by the page
        released: bool

        def _case_options(self) -> None: ...

        def _show_state(self) -> None: ...

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
    @safe_callback(report_problem, "changing how you give your result")
    def _on_mode(self, change: dict[str, Any]) -> None:
        self.form.score_button.layout.display = "none" if change["new"] == "own" else ""

    @safe_callback(report_problem, "keeping your draft")
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

    @safe_callback(report_problem, "saving your draft")
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
    @safe_callback(report_problem, "submitting your answers")
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

