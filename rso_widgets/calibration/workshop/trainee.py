"""A trainee's ARMS start and feedback against the key. It loads the instruments and the case
keys, so the package exposes it lazily: the trainee page's first view does not import it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ...cases.arms_key import ArmsKeyMissing
from ...instruments.arms import ARMSAssessment
from ...instruments.rm2000 import RM2000ValidationError
from ...instruments.ruleset import RulesetError
from ..arms_feedback import ArmsFeedback, blank_attempt, compare_arms
from ..feedback import Attempt, Feedback, compare
from .submissions import submission_parts

if TYPE_CHECKING:
    from ...cases.schema import TrainingCase
    from ...instruments.arms import ArmsCatalogue
    from ...instruments.ruleset import RM2000Ruleset


def arms_start(case: TrainingCase, instruments: Iterable[str],
               rs: RM2000Ruleset | None = None,
               cat: ArmsCatalogue | None = None) -> ARMSAssessment:
    """A blank ARMS attempt at a workshop case. With ARMS alone the key's RM2000 result is
    given as the static context (as in ARMS practice); when the trainee scores RM2000 too it
    is left out — it would show them the RM2000 key before release."""
    blank = blank_attempt(case, rs, cat)
    if "rm2000" in tuple(instruments):
        blank = blank.model_copy(update={"rm2000": None})
    return blank


@dataclass
class TraineeFeedback:
    """A trainee's feedback on one submission, per instrument (None: not in the submission)."""

    rm2000: Feedback | None = None
    arms: ArmsFeedback | None = None
    problems: list[str] = field(default_factory=list)


def trainee_feedback(case: TrainingCase, payload: Any,
                     rs: RM2000Ruleset | None = None) -> TraineeFeedback:
    """Compare a submission with the case's key (call only once the key is released)."""

    rm, arms = submission_parts(payload)
    out = TraineeFeedback()
    if rm is not None:
        try:
            out.rm2000 = compare(case, Attempt.model_validate(rm), rs)
        except (ValidationError, RM2000ValidationError) as exc:
            out.problems.append(f"Your RM2000 answers could not be compared with the key "
                                f"({type(exc).__name__}).")
    if arms is not None:
        try:
            out.arms = compare_arms(case, ARMSAssessment.model_validate(arms))
        except ValidationError:
            out.problems.append("Your ARMS ratings could not be read back, so they were not "
                                "compared with the key.")
        except (ArmsKeyMissing, RulesetError) as exc:
            out.problems.append(f"Your ARMS ratings were not compared: {exc}")
    if rm is None and arms is None:
        out.problems.append("This submission holds neither RM2000 nor ARMS answers.")
    return out
