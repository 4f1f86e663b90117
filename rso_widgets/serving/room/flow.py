"""The room page's steps, each one call run in the room's thread pool (store calls, case
loading, scoring): join, the task list, open a case, keep the draft, check, submit, feedback.
The rules are the domain's: `store.joining.join_workshop`, `calibration.workshop` (gating,
draft keys, payloads) and `calibration.workshop.answers` (draft shape, problems, sentences), the
same calls the widget page makes, so what is stored here reads back there and on the trainer's
dashboard exactly as if typed there."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...calibration.workshop import (
    arms_problems,
    case_instruments,
    draft_key,
    feedback_released,
    instruments_text,
    workshop_payload,
)
from ...calibration.workshop.answers import (
    answers_source,
    arms_refusal,
    draft_payload,
    refused_sentence,
    restore_parts,
    rm2000_problems,
    submitted_sentence,
)
from ...store.errors import AccessDenied, DraftConflict, NotFoundError, WorkshopClosed
from ...store.joining import JoinProblem, join_workshop
from ...timefmt import clock_text
from . import arms_forms, forms, history_forms, revisions, views
from .forms import Problem, errors_by_field
from .session import Membership, Room

if TYPE_CHECKING:
    from ...cases.schema import TrainingCase
    from ...store import CohortRecord, DraftRecord, MemberRecord, SubmissionRecord

__all__ = ["errors_by_field"]

log = logging.getLogger("rso_widgets.serving.room")

JOIN_FIELDS = {"code": "f-code", "name": "f-name"}


@dataclass
class Joined:
    """The trainee's membership as read for this request; with `load_joined`, also their
    submissions and the drafts the page needs, read in the same transaction."""

    membership: Membership
    cohort: CohortRecord
    member: MemberRecord
    rejoined: bool = False
    submissions: list[SubmissionRecord] | None = None  # None: not read for this request
    drafts: dict[str, DraftRecord | None] = field(default_factory=dict)  # case id → draft

    def mine(self, room: Room) -> list[SubmissionRecord]:
        """The member's submissions (read with the membership, else now)."""
        if self.submissions is None:
            self.submissions = room.store.submissions(self.cohort.id, member_id=self.member.id)
        return self.submissions

    def draft(self, room: Room, case_id: str) -> DraftRecord | None:
        """This member's draft of a case (read with the membership, else now)."""
        if case_id not in self.drafts:
            self.drafts[case_id] = room.store.get_draft(
                draft_key(self.cohort.id, self.member.id, case_id))
        return self.drafts[case_id]


def load_joined(room: Room, m: Membership, drafts: Iterable[str] | None = None, *,
                submissions: bool = True) -> Joined | None:
    """The cookie's membership, if the store still knows it as this user's, read with the
    workshop, the member's submissions and the drafts of the cases in `drafts` (None: every
    case) in one store transaction (`Store.trainee_view`)."""
    try:
        v = room.store.trainee_view(m.cohort_id, m.member_id, drafts=drafts,
                                    submissions=submissions)
    except (NotFoundError, AccessDenied):
        return None
    return Joined(m, v.cohort, v.member, submissions=list(v.submissions) if submissions
                  else None, drafts=dict(v.drafts))


def join(room: Room, code: str, name: str) -> Joined | list[Problem]:
    """Join or rejoin (the store's rules); every problem at once, each with its field."""
    try:
        cohort, member, rejoined = join_workshop(room.store, code, name)
    except JoinProblem as problem:
        return [Problem(JOIN_FIELDS.get(where, "f-code"), text)
                for where, text in problem.problems]
    return Joined(Membership(cohort.id, member.id), cohort, member, rejoined)


@dataclass
class Listing:
    """The task list page: the cases, the workshop's state, and a notice (joined, submitted)."""

    rows: list[views.TaskRow]
    state: str
    state_key: str = "open"
    notice_title: str = ""
    notice: str = ""


def task_list(room: Room, j: Joined, welcome: str = "", submitted: str = "") -> Listing:
    """The workshop's cases and where this trainee is with each."""
    cohort = j.cohort  # read afresh for this request (`load_joined`)
    mine = j.mine(room)
    rows = views.task_rows(cohort, room.cases(list(cohort.case_ids)), mine,
                           lambda cid: j.draft(room, cid))
    out = Listing(rows, views.state_line(cohort), workshop_state(cohort))
    if submitted and submitted in cohort.case_ids:
        subs = [s for s in mine if s.case_id == submitted]
        if subs:
            left = sum(1 for r in rows if not r.done)
            out.notice_title = "Answers submitted"
            out.notice = submitted_sentence(submitted, subs[-1].created_at, left)
    elif welcome == "back":
        out.notice_title = f"Welcome back, {j.member.display_name}"
        out.notice = ("Your submitted answers and unsent drafts are kept: open a case to carry "
                      "on.")
    elif welcome == "new":
        out.notice_title = f"You have joined as {j.member.display_name}"
        out.notice = "Choose a case and open it."
    return out


def workshop_state(cohort: CohortRecord) -> str:
    """The workshop's state in one word: "open", "released" (the key is out) or "closed"."""
    if feedback_released(cohort):
        return "released"
    return "open" if cohort.is_open else "closed"


def status(room: Room, j: Joined) -> dict[str, Any]:
    """What the page's script polls (`room/status`): the workshop's state, its sentence, which
    cases this trainee submitted and each row's status. Never the key or anyone's answers."""
    rows = views.task_rows(j.cohort, room.cases(list(j.cohort.case_ids)), j.mine(room),
                           lambda cid: j.draft(room, cid))
    return {"state": workshop_state(j.cohort), "state_line": views.state_line(j.cohort),
            "submitted": [r.case_id for r in rows if r.done],
            "rows": [{"case_id": r.case_id, "status": r.status} for r in rows]}


@dataclass
class CasePage:
    """One case as the trainee sees it now."""

    joined: Joined
    case: TrainingCase
    instruments: tuple[str, ...]
    rm2000: forms.RM2000Answers | None
    arms: arms_forms.ArmsAnswers | None
    source: str | None  # "draft", "submission" or None (blank)
    submission: SubmissionRecord | None
    state: str
    may_submit: bool
    released: bool
    labels: dict[str, str] = field(default_factory=dict)
    rs: Any = None
    revision: str = revisions.NONE  # the draft's, as the page carries it (`revisions`)
    based_on: str | None = None  # the revision posted with a save (None: none sent)

    @property
    def state_key(self) -> str:
        return workshop_state(self.joined.cohort)

    @property
    def scored_with(self) -> str:
        return instruments_text(self.instruments)

    def check_rows(self) -> list[tuple[str, str, str]]:
        rows = forms.answer_rows(self.rm2000, self.rs) if self.rm2000 is not None else []
        if self.arms is not None:
            rows += self.arms.rows()
        return rows


def open_case(room: Room, j: Joined, case_id: str) -> CasePage | None:
    """The case with its draft (before release), else its latest submission, else blank."""
    cohort = j.cohort
    if case_id not in cohort.case_ids:
        return None
    case = room.cases([case_id]).get(case_id)
    if case is None:
        return None
    rs = room.ruleset
    instruments = case_instruments(cohort, case_id)
    subs = [s for s in j.mine(room) if s.case_id == case_id]
    sub = subs[-1] if subs else None
    draft = j.draft(room, case_id)
    source, data = answers_source(draft, sub, cohort)
    parts = restore_parts(data)
    rm = forms.from_stored(parts) if "rm2000" in instruments else None
    arms = arms_forms.from_stored(case, instruments, parts, rs) if "arms" in instruments \
        else None
    return CasePage(j, case, instruments, rm, arms, source, sub, views.state_line(cohort),
                    views.may_submit(cohort), feedback_released(cohort),
                    room.labels, rs, revisions.token(draft))


def _take(page: CasePage, form: dict[str, str]) -> list[Problem]:
    """Read a posted form into the page; the problems with what cannot be kept at all."""
    found: list[Problem] = []
    if page.rm2000 is not None:
        page.rm2000 = forms.parse(form, page.rs)
        found += page.rm2000.problems
    if page.arms is not None:
        page.arms = arms_forms.parse(page.arms, form)
        found += page.arms.problems
    return found


def _draft(page: CasePage) -> dict[str, Any]:
    rm, arms = page.rm2000, page.arms
    typed = {**(rm.draft_dates() if rm else {}), **(arms.typed_dates if arms else {})}
    return draft_payload(
        page.instruments, facts=rm.facts if rm else None, evidence=rm.evidence if rm else None,
        mode=rm.mode if rm else "form", entered=rm.entered if rm else None,
        arms=arms.value if arms else None, arms_pending=arms.pending if arms else None,
        typed_dates=typed)


def _save_draft(room: Room, page: CasePage) -> None:
    """Keep the page's answers as the draft: only if it is still the revision the page was
    built from (`DraftConflict` otherwise, nothing written); the page then carries the new."""
    j = page.joined
    saved = room.store.save_draft(draft_key(j.cohort.id, j.member.id, page.case.id),
                                  _draft(page), expected=revisions.expected(page.based_on))
    page.revision = page.based_on = revisions.token(saved)


def autosave(room: Room, page: CasePage, form: dict[str, str]) -> str | None:
    """Keep the posted form as the draft (not once the key is released: it would never be
    shown); the time kept as the person reads it (UK time, `timefmt`), or None.
    `DraftConflict`: changed elsewhere, nothing kept."""
    if page.released:
        return None
    _take(page, form)
    _save_draft(room, page)
    return clock_text(dt.datetime.now(dt.UTC))


def problems(page: CasePage) -> list[Problem]:
    """Everything that stops the answers on the page being submitted, in one pass."""
    found: list[Problem] = []
    if page.rm2000 is not None:
        a = page.rm2000
        found += a.problems
        check = rm2000_problems(a.facts, a.mode, a.entered, page.rs, page.case.assessment_date)
        found += forms.problems(a, check, page.rs)
    if page.arms is not None:
        found += page.arms.problems + page.arms.entry_problems()
        refused = arms_refusal(arms_problems(page.arms.assessment(), page.arms.cat))
        if refused:
            found += page.arms.missing()
    return found


def save_and_check(room: Room, page: CasePage, form: dict[str, str]) -> list[Problem]:
    """The scoring form's Continue: keep the answers as the draft, then check them."""
    _take(page, form)
    if not page.released:
        _save_draft(room, page)
        page.source = "draft"
    return problems(page)


def save_action(room: Room, page: CasePage, form: dict[str, str],
                action: str) -> tuple[str, str]:
    """"Add another offence" (`history_forms.act`), "Add another note" (`arms_forms.act`) or
    "Remove": keep the answers, with the row added or removed, as the draft; the query and the
    row's id to show the case again with."""
    _take(page, form)
    found = "", ""
    if page.rm2000 is not None and action.partition(":")[2].startswith("history"):
        history, query, anchor = history_forms.act(page.rm2000.history, action)
        page.rm2000.use_history(history)
        found = query, anchor
    elif page.arms is not None:
        found = arms_forms.act(page.arms, action)
    if not page.released:
        _save_draft(room, page)
    return found


def check_only(room: Room, page: CasePage) -> list[Problem]:
    return problems(page)


@dataclass
class Outcome:
    problems: list[Problem] = field(default_factory=list)
    refused: str = ""
    submitted: str = ""  # the case id, once submitted


def submit(room: Room, page: CasePage) -> Outcome:
    """Submit the draft's answers (checked again); refused in plain words once the workshop
    closed or the key is out (the store decides: the answers stay as the draft).
    `DraftConflict`: the draft changed since the check page was shown, nothing submitted."""
    j, store = page.joined, room.store
    key = draft_key(j.cohort.id, j.member.id, page.case.id)
    if page.based_on is not None and page.based_on != page.revision:  # changed since checked
        draft = j.draft(room, page.case.id)
        raise DraftConflict(key, None if draft is None else draft.updated_at)
    found = problems(page)
    if found:
        return Outcome(problems=found)
    rm, arms = page.rm2000, page.arms
    payload = workshop_payload(page.instruments, facts=rm.facts if rm else None,
                               entered=(rm.entered or None) if rm else None,
                               arms=arms.assessment() if arms else None)
    try:  # the draft goes in the same transaction (`clear_draft`), if still the one checked
        sub = store.submit(j.cohort.id, j.member.id, page.case.id, payload, clear_draft=key,
                           draft_revision=revisions.expected(page.based_on))
    except WorkshopClosed:
        cohort = store.get_cohort(j.cohort.id)
        return Outcome(refused=refused_sentence(cohort))
    # the task list it redirects to says so (`task_list`, with the cases left): not read here
    return Outcome(submitted=sub.case_id)


def feedback(room: Room, page: CasePage) -> tuple[str, list[str]]:
    """The feedback on the latest submission: only once the key is released."""
    if not page.released:
        return "", ["Your feedback appears here once the trainer releases the key."]
    if page.submission is None:
        return "", ["You did not submit this case, so there is no feedback for it."]
    return views.feedback_html(page.case, page.submission.attempt, page.rs)
