"""Joining a workshop by its code: every refusal becomes a `JoinProblem` naming the field to
fix (the rules for what was typed are `calibration.workshop.codes`)."""

from __future__ import annotations

from typing import Any

from ..calibration.workshop import JoinProblem, code_problem, name_problem, normalise_code
from .errors import DuplicateNameError, JoinCodeExpired, NotFoundError, WorkshopClosed
from .records import CohortRecord, MemberRecord

__all__ = ["JoinProblem", "join_workshop"]

NO_CODE = "No workshop has this join code. Check the code with your trainer"


def join_workshop(store: Any, code: Any, name: Any) -> tuple[CohortRecord, MemberRecord, bool]:
    """Join (or, for the same signed-in user, rejoin) the workshop with this code under this
    display name. Returns (cohort, member, rejoined). Raises `JoinProblem`."""
    # Every problem with what was typed is found in one pass (GOV.UK: all errors at once).
    found = [(where, text) for where, text in (("code", code_problem(code)),
                                               ("name", name_problem(name))) if text]
    if found:
        if not any(where == "code" for where, _ in found):  # the code too, all at once
            try:
                store.cohort_by_code(normalise_code(code))
            except NotFoundError:
                found.insert(0, ("code", NO_CODE))
        raise JoinProblem(*found[0], more=found[1:])
    display = str(name).strip()
    taken = ("name", f"Someone in this workshop already uses the name {display!r}. Choose "
                     "another, for example add your initial")
    try:  # one read (code and name), then the join or the rejoin (`Store.enter_cohort`)
        return store.enter_cohort(normalise_code(code), display)
    except NotFoundError:
        raise JoinProblem("code", NO_CODE) from None
    except WorkshopClosed:
        raise JoinProblem("code", "This workshop is closed: it no longer takes new trainees. "
                                  "Ask your trainer") from None
    except JoinCodeExpired:
        raise JoinProblem("code", "This join code has expired. Ask your trainer for a new "
                                  "code") from None
    except DuplicateNameError:
        raise JoinProblem(*taken) from None
