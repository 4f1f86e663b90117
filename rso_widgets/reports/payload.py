"""THE payload convention: what an assessment version's `data` dict holds.

Every stored assessment version (`Store.create_assessment` / `save_version`, whatever its kind)
holds a JSON object with any of these optional keys; widgets write it with `make_payload()` and
reports read it with `read_payload()`:

    {
      "rm2000":  {"facts": RM2000Facts as JSON,               # what the assessor entered
                  "result": RM2000Result as JSON},             # as scored then (ruleset, time)
      "arms":    ARMSAssessment as JSON,                       # ratings, evidence, formulation...
      "plan":    RiskManagementPlan as JSON,
      "quality": {"Q9": Judgement as JSON, ...},               # reviewer's judgements / overrides
    }

Rules: a report shows the *recorded* RM2000 result (never silently re-scored); if only the facts
were stored they are scored when the report is made, and the report says so. The plan-quality
profile is computed from "plan" + "arms" + "quality" judgements. For kind "rm2000" the older
top-level shape `{"facts": ..., "result": ...}` is also read. Pass the RM2000 ruleset to the store
explicitly (`ruleset=result.ruleset`): the store looks for it only at `data["result"]`.
A part that cannot be read is reported as a problem, never dropped silently.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import BaseModel, ValidationError

from ..instruments.arms import ARMSAssessment
from ..instruments.plan import RiskManagementPlan
from ..instruments.plan_quality import Judgement
from ..instruments.rm2000 import RM2000Facts, RM2000Result, RM2000ValidationError, score

PAYLOAD_KEYS = ("rm2000", "arms", "plan", "quality")


def _json(model: BaseModel | dict[str, Any] | None) -> Any:
    return model.model_dump(mode="json") if isinstance(model, BaseModel) else model


def make_payload(*, rm2000_facts: RM2000Facts | dict[str, Any] | None = None,
                 rm2000_result: RM2000Result | None = None,
                 arms: ARMSAssessment | None = None, plan: RiskManagementPlan | None = None,
                 quality: dict[str, Judgement] | None = None) -> dict[str, Any]:
    """The `data` dict to store for one assessment version (keys only for the parts given)."""
    out: dict[str, Any] = {}
    if rm2000_facts is not None or rm2000_result is not None:
        out["rm2000"] = {k: _json(v) for k, v in
                         (("facts", rm2000_facts), ("result", rm2000_result)) if v is not None}
        if isinstance(rm2000_facts, RM2000Facts):
            out["rm2000"]["facts"] = rm2000_facts.model_dump(mode="json", exclude_none=True)
    if arms is not None:
        out["arms"] = _json(arms)
    if plan is not None:
        out["plan"] = _json(plan)
    if quality:
        out["quality"] = {k: _json(v) for k, v in quality.items()}
    return out


@dataclasses.dataclass
class Parts:
    """The domain objects found in a payload, and what could not be read."""

    rm2000: RM2000Result | None = None
    arms: ARMSAssessment | None = None
    plan: RiskManagementPlan | None = None
    judgements: dict[str, Judgement] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)


def _problem(part: str, exc: ValidationError) -> str:
    where = "; ".join(f"{'.'.join(str(x) for x in e['loc']) or '(top)'}: {e['msg']}"
                      for e in exc.errors()[:3])
    more = f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
    return f"The stored {part} could not be read and is not shown: {where}{more}."


def read_payload(data: dict[str, Any], kind: str = "") -> Parts:
    """Read a stored `data` dict into domain objects (see the module docstring)."""
    parts = Parts()
    rm = data.get("rm2000")
    if rm is None and kind == "rm2000" and ("result" in data or "facts" in data):
        rm = {k: data[k] for k in ("facts", "result") if k in data}
    if rm is not None:
        _read_rm2000(rm, parts)
    for key, model, attr in (("arms", ARMSAssessment, "arms"),
                             ("plan", RiskManagementPlan, "plan")):
        if data.get(key) is not None:
            try:
                setattr(parts, attr, model.model_validate(data[key]))
            except ValidationError as exc:
                parts.notes.append(_problem(f"{'ARMS assessment' if key == 'arms' else 'plan'}",
                                            exc))
    quality = data.get("quality") or {}
    if not isinstance(quality, dict):
        parts.notes.append("The stored plan-quality judgements are not a mapping of criterion "
                           "to judgement and are not shown.")
        quality = {}
    for cid, j in quality.items():
        try:
            parts.judgements[str(cid)] = Judgement.model_validate(j)
        except ValidationError as exc:
            parts.notes.append(_problem(f"plan-quality judgement {cid}", exc))
    return parts


def _read_rm2000(rm: Any, parts: Parts) -> None:
    if not isinstance(rm, dict):
        parts.notes.append("The stored RM2000 part is not an object and is not shown.")
        return
    if rm.get("result") is not None:
        try:
            parts.rm2000 = RM2000Result.model_validate(rm["result"])
            return
        except ValidationError as exc:
            parts.notes.append(_problem("RM2000 result", exc))
    if rm.get("facts") is None:
        return
    try:
        parts.rm2000 = score(rm["facts"])
    except RM2000ValidationError as exc:
        listed = "; ".join(f"{e.field}: {e.message}" for e in exc.errors[:5])
        parts.notes.append(f"The stored RM2000 facts could not be scored: {listed}.")
        return
    parts.notes.append(f"The RM2000 result shown was scored from the stored facts when this "
                       f"report was made (ruleset {parts.rm2000.ruleset}); no recorded result "
                       "was available.")
