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

from ...calibration.workshop.answers import CONFLICT_TITLE, conflict_sentence
from ...store.draft_revision import ABSENT, Revision

if TYPE_CHECKING:
    from ...store import DraftConflict, DraftRecord

FIELD = "rso_draft"
NONE = "none"
TITLE = CONFLICT_TITLE


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
    """The plain words for a refused save (or submission): the one sentence both trainee pages
    say (`calibration.workshop.answers.conflict_sentence`); the check page shows the latest."""
    return conflict_sentence(conflict.changed_at, submitting=submitting,
                             to_see=None if submitting else "Reload the page")
