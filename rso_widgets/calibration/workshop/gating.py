"""Who may see what and when: the key release, the workshop's state line, and who still owes
a case."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ...timefmt import when_text

if TYPE_CHECKING:
    from .model import RosterRow
    from .records import CohortLike as CohortRecord


def feedback_released(cohort: CohortRecord) -> bool:
    """Trainees may see the key and their feedback only once the trainer has released it."""
    return getattr(cohort, "key_released_at", None) is not None


def cohort_state(cohort: CohortRecord, now: dt.datetime | None = None) -> str:
    """One consistent line for the trainer and trainees: whether submissions are accepted
    (a released key ends them, as the store enforces), code expiry, key released."""
    if feedback_released(cohort):  # the store refuses submissions once the key is out
        return "closed to submissions: the key is released to trainees"
    if not cohort.is_open:
        return "closed: no more submissions; the key is not released yet"
    parts = ["open for submissions"]
    exp = getattr(cohort, "expires_at", None)
    if exp is not None:
        if (now or dt.datetime.now(dt.UTC)) >= exp:
            parts.append("the join code has expired (nobody new can join)")
        else:
            parts.append(f"the join code expires at {when_text(exp)}")
    parts.append("the key is not released yet")
    return "; ".join(parts)


def trainee_state_line(cohort: CohortRecord) -> str:
    """The workshop's state as a trainee reads it, on either trainee page: the state, then what
    to do (the key's release said once)."""
    then = (" Open a case to see your feedback." if feedback_released(cohort)
            else " Your feedback appears here once the trainer releases the key.")
    return f"This workshop is {cohort_state(cohort)}.{then}"


def unsubmitted(roster: list[RosterRow], case_ids: list[str],
                reveal: bool = False) -> dict[str, list[str]]:
    """Case id → the trainees (pseudonyms, or display names when `reveal`) who have not
    submitted it; only cases someone still owes. For the warning before the key is released."""
    out: dict[str, list[str]] = {}
    for cid in case_ids:
        missing = [r.label(reveal) for r in roster if cid not in r.submitted]
        if missing:
            out[cid] = missing
    return out


def unsubmitted_warning(missing: dict[str, list[str]], reveal: bool = False) -> str:
    """The sentence the trainer reads before releasing the key, or "" when all is in."""
    if not missing:
        return ""
    parts = []
    for cid, who in missing.items():
        n = len(who)
        names = f" ({', '.join(who)})" if reveal else ""
        parts.append(f"{cid}: {n} trainee{'s have' if n != 1 else ' has'} not submitted"
                     f"{names}")
    return ("Not every case is in. " + "; ".join(parts) + ". Once the key is released, no "
            "more submissions are accepted.")
