"""A room-page draft's revision, carried by the page so that a save made from a stale window or
device is refused, never silently written over what another saved since (`Store.save_draft`'s
`expected`, `Store.submit`'s `draft_revision`).

The case form and the check page carry the revision of the draft they were built from in a
hidden field (`FIELD`): the draft's `updated_at` in ISO form, or `NONE` when there was no draft.
Each save sends it back; each successful autosave answers with the new one (room.js puts it in
the field). A form without the field (a page built before revisions) saves unconditionally."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ...store.draft_revision import ABSENT, Revision

if TYPE_CHECKING:
    from ...store import DraftConflict, DraftRecord

FIELD = "rso_draft"
NONE = "none"
TITLE = "Your changes have not been saved"


class BadRevision(ValueError):
    """A posted revision no page of ours sends."""


def token(draft: DraftRecord | None) -> str:
    """What the page carries for this draft."""
    return NONE if draft is None else draft.updated_at.isoformat()


def expected(value: str | None) -> Revision | None:
    """The store's `expected` for a posted revision (None: none posted, save as before)."""
    if value is None:
        return None
    if value == NONE:
        return ABSENT
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadRevision(value[:40]) from exc
    if stamp.tzinfo is None:
        raise BadRevision(value[:40])
    return stamp


def message(conflict: DraftConflict, *, submitting: bool = False) -> str:
    """The plain words for a refused save (or submission)."""
    at = conflict.changed_at
    lead = ("These answers were submitted or changed in another window or device." if at is None
            else "These answers were changed in another window or device at "
                 f"{at.astimezone(dt.UTC):%H:%M} UTC.")
    if submitting:
        return (f"{lead} Your answers have not been submitted. Check the latest answers below, "
                "then submit them again.")
    return (f"{lead} Your changes on this page have not been saved. Reload the page to see "
            "the latest answers, then make your changes again.")
