"""A draft's revision (its `updated_at`) and the check of a conditional save against it: shared
by `drafts.save_draft(expected=)` and `workshops.submit(draft_revision=)`."""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal

from .errors import DraftConflict
from .models import Draft

ABSENT: Final = "absent"  # expected=ABSENT: save only if there is no draft under the key yet
Revision = dt.datetime | Literal["absent"]
_TICK = dt.timedelta(microseconds=1)


def next_revision(now: dt.datetime, expected: Revision | None) -> dt.datetime:
    """The stamp a save based on `expected` writes: now, but always after `expected` (a clock
    stepping back, or two saves in one microsecond, never repeat a revision)."""
    return now if not isinstance(expected, dt.datetime) or now > expected else expected + _TICK


def check_revision(key: str, d: Draft | None, expected: Revision | None) -> None:
    """Raise `DraftConflict` unless the stored draft `d` is the one `expected` names."""
    if expected is None:
        return
    if expected == ABSENT:
        if d is not None:
            raise DraftConflict(key, d.updated_at)
    elif d is None or d.updated_at != expected:
        raise DraftConflict(key, None if d is None else d.updated_at)
