"""What a workshop case is scored with, and one submission's payload."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...cases.schema import TrainingCase
    from ...instruments.arms import ARMSAssessment, ArmsCatalogue


INSTRUMENT_NAMES = {"rm2000": "RM2000", "arms": "ARMS"}
#: (label, instruments) as the trainer chooses them for a case
INSTRUMENT_CHOICES: list[tuple[str, tuple[str, ...]]] = [
    ("RM2000", ("rm2000",)), ("ARMS", ("arms",)), ("RM2000 and ARMS", ("rm2000", "arms"))]


def instruments_text(instruments: Iterable[str]) -> str:
    """("rm2000", "arms") → "RM2000 and ARMS"."""
    return " and ".join(INSTRUMENT_NAMES.get(i, i) for i in instruments)


def case_instruments(cohort: Any, case_id: str) -> tuple[str, ...]:
    """The instruments trainees score for a workshop case (RM2000 when the workshop does not
    say: workshops from before instruments could be chosen)."""
    chosen = getattr(cohort, "instruments", None) or {}
    return tuple(chosen.get(case_id, ("rm2000",)))


def instruments_problem(case: TrainingCase, instruments: Iterable[str]) -> str | None:
    """Why a case cannot be scored with these instruments, or None."""
    chosen = tuple(instruments)
    if not chosen:
        return f"Choose RM2000, ARMS or both for {case.id}"
    unknown = [i for i in chosen if i not in INSTRUMENT_NAMES]
    if unknown:
        return f"{case.id}: {', '.join(unknown)} is not an instrument; use RM2000 and/or ARMS"
    if "arms" in chosen and getattr(case, "arms_key", None) is None:
        return (f"{case.id} has no ARMS key, so its ARMS ratings could not be compared: choose "
                "RM2000 for it, or another case")
    return None


def workshop_payload(instruments: Iterable[str], *, facts: Mapping[str, Any] | None = None,
                     entered: Mapping[str, Any] | None = None,
                     arms: ARMSAssessment | None = None) -> dict[str, Any]:
    """One submission's payload for a case scored with `instruments` (what `cohort_frame`
    reads: RM2000 facts and the trainee's own result, and/or the ARMS assessment)."""
    chosen = tuple(instruments)
    out: dict[str, Any] = {}
    if "rm2000" in chosen:
        if facts is None:
            raise ValueError("RM2000 is scored for this case, but there are no facts")
        out.update(facts=dict(facts), entered=dict(entered) if entered else None)
    if "arms" in chosen:
        if arms is None:
            raise ValueError("ARMS is scored for this case, but there is no ARMS assessment")
        out["arms"] = arms.model_dump(mode="json")
    if not out:
        raise ValueError("a case is scored with RM2000, ARMS or both")
    return out


def arms_problems(assessment: ARMSAssessment, cat: ArmsCatalogue) -> list[str]:
    """What stops an ARMS assessment being compared with the key: each factor not rated, or
    rated with something that is not a rating. (Evidence, formulation and priority gaps do not:
    the room's agreement is on the ratings.)"""
    out = []
    for f in cat.factors:
        fr = assessment.ratings.get(f.id)
        if fr is None or fr.rating is None:
            out.append(f"{f.id} {f.name}: not rated yet")
        elif fr.rating not in cat.rating_ids(f.kind):
            out.append(f"{f.id} {f.name}: {fr.rating!r} is not a rating")
    return out


def submission_parts(payload: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """A submission's (RM2000 part, ARMS part) as stored (None where absent); the same rule as
    `cohort.parse_attempt`, without loading pandas."""
    if not isinstance(payload, Mapping):
        return None, None
    rm = {k: payload[k] for k in ("facts", "entered") if k in payload} \
        if "facts" in payload else None
    arms = payload.get("arms")
    if arms is None and "ratings" in payload and "facts" not in payload:
        arms = payload
    return rm, (dict(arms) if isinstance(arms, Mapping) else None)
