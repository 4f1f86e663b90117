"""The drafts of an ARMS assessment record (`AssessmentRecord`): the work autosaved as this
user's draft a moment after the last change, and a stored draft offered on reopening the record
(resume or discard; the forms stay closed until the person chooses, so nothing typed replaces
the draft)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..store.identity import display_name
from ..timefmt import clock_text, when_text

if TYPE_CHECKING:
    from .arms_record import AssessmentRecord


def status_line(text: str) -> str:
    """The record's draft status line (what the last autosave, resume or discard did)."""
    return f'<p role="status" class="rso-hint">{text}</p>'


def draft_key(rec: AssessmentRecord) -> str:
    """Where the record's draft is kept: its assessment's, or the person's before version 1."""
    if rec.assessment_id is not None:
        return rec.store_().draft_key(rec.assessment_id)
    return f"arms-new:person:{rec.person.id}"


def offer_text(draft: Any, latest: Any) -> str:
    """What the offer of `draft` says, warning when a later version was saved since it began."""
    text = (f"You have an unsaved draft from {when_text(draft.updated_at)}. Resume "
            "it to carry on where you left off, or discard it.")
    if latest is not None and draft.base_version is not None \
            and draft.base_version < latest.version:
        text += (f" The draft started from version {draft.base_version}; version "
                 f"{latest.version} was saved since, by {display_name(latest.author)}. If you "
                 f"resume it and save, your draft becomes version {latest.version + 1} in place of "
                 f"what version {latest.version} says (version {latest.version} stays in the "
                 "history): read it first.")
    return text + (" The forms stay closed until you choose, so that nothing you type "
                   "replaces the draft.")


def offer_draft(rec: AssessmentRecord, latest: Any) -> None:
    """Offer the record's stored draft, if it differs from what was loaded (`latest`: the
    version opened, or None)."""
    draft = rec.store_().get_draft(rec.draft_key())
    rec.draft = draft
    if draft is None or rec.json(draft.data) == rec.baseline:
        rec.draft_box.layout.display = "none"
        rec.draft_pending = False
        return
    rec.draft_notice.say(offer_text(draft, latest), heading="Unsaved draft")
    rec.draft_box.children = [rec.draft_notice, rec.draft_choice]
    rec.draft_box.layout.display = ""
    rec.draft_pending = True


def close_offer(rec: AssessmentRecord, said: str) -> None:
    """The offer answered (resumed or discarded): the forms open again. Focus moves to what
    was done: the button pressed is hidden."""
    rec.draft_box.layout.display = "none"
    rec.draft_pending = False
    rec.draft_status.value = status_line(said)
    rec.draft_status.focus()


def save_draft(rec: AssessmentRecord) -> bool:
    """Keep the record's current work as this user's draft (if it changed). True if saved."""
    if rec.person is None or rec.draft_pending:
        return False
    data = rec.draft_payload()
    if rec.json(data) == rec.baseline:
        return False
    rec.store_().save_draft(rec.draft_key(), data, assessment_id=rec.assessment_id,
                            base_version=rec.expected_version)
    rec.baseline = rec.json(data)
    rec.draft_saved = True
    now = clock_text(dt.datetime.now(dt.UTC))
    rec.draft_status.value = status_line(f"Draft saved at {now}. It is offered to you when "
                                         "you reopen this record.")
    return True
