"""Saving an ARMS assessment record (`AssessmentRecord.save`): every problem that stops a
save, in one pass (RM2000, every ARMS gap, every plan problem, the reason, and what the page's
other parts add), then a new version — or a concurrent save refused with the text kept as the
draft."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..timefmt import when_text
from .arms_sections import arms_problem, plan_problems

if TYPE_CHECKING:
    from .arms_record import AssessmentRecord

ARMS_KIND = "arms"
# (instruction for the status line, label, sentence for the error summary, section key, control)
SaveProblem = tuple[str, str, str, str, Any]


def save_problems(rec: AssessmentRecord) -> list[SaveProblem]:
    """Everything that stops a save of the record's work, in one pass; each is shown beside
    its field too."""
    out: list[SaveProblem] = []
    reason = rec.reason.value.strip()
    rec.reason_field.error = "" if reason else "Enter the reason for this version"
    # a form not built yet is built only to show a problem beside its field (`lazy_forms`)
    if rec.rm2000_answers.result is None and rec.rm2000_answers.value:
        rec.rm2000.submit()
    if rec.rm2000_answers.result is None:
        out.append(("score RM2000", "RM2000", "Score RM2000: answer its questions and "
                    "select Score", "rm2000", rec.rm2000.score_button))
    gaps = rec.arms_answers.show_check()
    if gaps:
        n = len(gaps)
        out += [(f"complete the ARMS assessment ({n} thing{'s' if n != 1 else ''} to do)"
                 if i == 0 else "", *arms_problem(rec.arms, g))
                for i, g in enumerate(gaps)]
    plan_gaps = rec.plan_answers.show_problems(rec.arms_answers.value.assessed_on)
    if plan_gaps:
        n = len(plan_gaps)
        first = (f"correct the risk management plan ({n} thing{'s' if n != 1 else ''}: "
                 + "; ".join(g.message for g in plan_gaps) + ")")
        out += [(first if i == 0 else "", *p)
                for i, p in enumerate(plan_problems(rec.plan))]
    if not reason:
        out.append(("give the reason for this version", "Reason for this version",
                    "Enter the reason for this version", "reason", rec.reason))
    for extra in rec.extra_problems:
        out += extra()
    return out


def save_version(rec: AssessmentRecord) -> Any:
    """Save the work on screen as a new version; returns the VersionRecord, or None if
    refused (`rec.last_problems` then lists the problems)."""
    # deferred: loaded when used, not at page start; see test_deferred_imports
    from ..store.errors import ConcurrentEditError

    rec.autosave.cancel()
    rec.save_status.clear()
    rec.last_problems = []
    if rec.person is None:
        rec.last_problems = [("", "Person record", "Open or create the person's record "
                               "first", "person", rec.finder.reference)]
        rec.save_status.say("Open or create the person's record first (the first task).",
                             kind="error", heading="Not saved")
        return None
    if rec.draft_pending:
        rec.last_problems = [("", "Unsaved draft", "Resume or discard your unsaved draft "
                               "first", "person", rec.resume_button)]
        rec.save_status.say("Resume or discard your unsaved draft first (the first task).",
                             kind="error", heading="Not saved")
        return None
    problems = save_problems(rec)
    if problems:
        rec.last_problems = problems
        rec.save_draft()
        kept = " Your work is kept as your draft." if rec.draft_saved else ""
        said = "; ".join(p[0] for p in problems if p[0])
        rec.save_status.say(f"Before saving: {said}.{kept}", kind="error",
                             heading="Not saved yet")
        return None
    store = rec.store_()
    data = rec.payload()
    review = rec.plan_answers.value.review.date
    reason = rec.reason.value.strip()
    try:
        if rec.assessment_id is None:
            new_key = rec.draft_key()
            v = store.create_assessment(rec.person.id, ARMS_KIND, data, reason=reason,
                                        review_due=review)
            store.delete_draft(new_key)
        else:
            v = store.save_version(rec.assessment_id, data, reason,
                                   rec.expected_version or 1)
            if review is not None and \
                    store.get_assessment(rec.assessment_id).review_due != review:
                store.set_review_due(rec.assessment_id, review)  # never cleared by a save
    except ConcurrentEditError as exc:
        rec.save_status.say(
            f"{exc} Everything you typed is still on this page.", kind="error",
            heading="Not saved: someone else saved a newer version")
        rec.save_status.focus()
        rec.baseline = rec.json(rec.payload())  # the store kept this as the draft
        rec.draft_saved = True
        rec.save_draft()  # and unfinished rows with it, if there are any
        for listener in rec.refused:
            listener(exc)
        return None
    rec.assessment_id, rec.expected_version = v.assessment_id, v.version
    loading, rec.loading = rec.loading, True  # the next version's reason starts empty: no edit
    try:
        rec.reason.value = ""
    finally:
        rec.loading = loading
    rec.baseline = rec.json(rec.draft_payload())
    rec.draft_saved = False
    rec.save_status.say(f"Saved as version {v.version} by {rec.user()} at "
                         f"{when_text(v.created_at)}.", heading="Saved")
    rec.save_status.focus()
    rec.draft_status.value = ""
    for listener in rec.saved:
        listener(v)
    rec._changed()
    return v
