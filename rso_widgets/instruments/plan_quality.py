"""Plan-quality rubric Q1–Q10: auto criteria computed from the plan and the ARMS ratings, judged
criteria entered by a reviewer, overrides with a reason, and a profile saying what is missing.

Rules the data file documents (`rulesets/plan_quality.yaml`): a factor rated *insufficient
information* with no action to find out is a gap (Q1 for risk factors, Q2 for protective ones),
and its follow-up must fall due by the review date (Q8); criteria marked `needs_actions` score 0
when the plan has no actions, whatever else it holds or a reviewer enters; Q7 asks for the
legal requirements and the MAPPA and partnership layer (`mappa.py`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..settings import get_settings
from .arms import ARMSAssessment, ArmsCatalogue, load_arms_catalogue
from .datafile import RulesetError, load_model
from .mappa import load_mappa
from .plan import PILLARS, RiskManagementPlan
from .ruleset import RULESET_DIR

DEFAULT_RUBRIC = RULESET_DIR / "plan_quality.yaml"
NO_ACTIONS = "the plan has no actions"  # what a `needs_actions` criterion misses with none


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Criterion(_Strict):
    id: str
    text: str
    mode: Literal["auto", "judged", "auto+judged"]
    fix: str
    needs_actions: bool = False  # scores 0 when the plan has no actions
    notes: str = ""


class PillarDef(_Strict):
    id: str
    label: str


class Rubric(_Strict):
    id: str
    version: str
    title: str
    provenance: dict[str, str]
    pillars: list[PillarDef]
    criteria: list[Criterion] = Field(min_length=1)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


def load_rubric(path: str | Path | None = None) -> Rubric:
    if path is None:
        path = get_settings().plan_rubric
    return _load(Path(path) if path else DEFAULT_RUBRIC)


@lru_cache(maxsize=4)
def _load(p: Path) -> Rubric:
    rubric = load_model(p, Rubric, "rubric")
    missing = {f"Q{i}" for i in range(1, 11)} - {c.id for c in rubric.criteria}
    if missing or [p.id for p in rubric.pillars] != list(PILLARS):
        raise RulesetError(f"{p}: rubric needs criteria Q1–Q10 (missing {sorted(missing)}) "
                           f"and the pillars {list(PILLARS)}")
    return rubric


class Judgement(BaseModel):
    """A reviewer's score for a judged criterion, or an override of an auto one (reason needed)."""

    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=0, le=2)
    reason: str = ""
    reviewer: str = ""


class CriterionResult(BaseModel):
    id: str
    text: str
    mode: str
    auto_score: int | None
    score: int | None
    missing: list[str]
    fix: str
    overridden: bool = False
    reason: str = ""

    @property
    def status(self) -> str:
        if self.score is None:
            return "not yet judged"
        return ("not met", "partly met", "fully met")[self.score]


class QualityProfile(BaseModel):
    rubric: str
    criteria: list[CriterionResult]

    @property
    def total(self) -> int:
        return sum(c.score or 0 for c in self.criteria)

    @property
    def maximum(self) -> int:
        return 2 * sum(c.score is not None for c in self.criteria)

    def unmet(self) -> list[CriterionResult]:
        return [c for c in self.criteria if c.score is not None and c.score < 2]


def _share(done: int, total: int) -> int:
    """2 when all done (or nothing to do), 1 when some, 0 when none."""
    return 2 if done == total else 1 if done else 0


def _auto(cid: str, plan: RiskManagementPlan, arms: ARMSAssessment,
          cat: ArmsCatalogue, rubric: Rubric) -> tuple[int | None, list[str]]:
    """One auto criterion: its score and what is missing."""
    def rated(kind: str, levels: set[int]) -> list[str]:
        out = []
        for f in cat.factors:
            r = arms.ratings.get(f.id)
            if f.kind == kind and r and r.rating and cat.level(kind, r.rating) in levels:
                out.append(f.id)
        return out

    def names(ids: list[str]) -> list[str]:
        return [f"{i} {cat.factor(i).name}" for i in ids]

    insufficient = [f.id for f in cat.factors if (r := arms.ratings.get(f.id))
                    and r.rating == cat.insufficient.id]

    def unaddressed(need: list[str], verb: str) -> tuple[int, list[str]]:
        gaps = [i for i in need if not plan.actions_for(i)]
        return _share(len(need) - len(gaps), len(need)), [
            f"no action to find out about {n} (rated Insufficient information)"
            if n.split(" ", 1)[0] in insufficient else f"no action {verb} {n}"
            for n in names(gaps)]

    if cid == "Q1":
        live = set(rated("risk", {1, 2})) | set(insufficient)
        return unaddressed([f.id for f in cat.factors if f.id in live and f.kind == "risk"],
                           "for")
    if cid == "Q2":
        return unaddressed([f.id for f in cat.factors if f.kind == "protective"],
                           "builds or sustains")
    if cid == "Q3":
        labels = {p.id: p.label for p in rubric.pillars}
        gaps = [p for p in PILLARS if p not in plan.pillars_used()
                and not plan.pillar_omissions.get(p, "").strip()]
        covered = len(PILLARS) - len(gaps)
        score = 2 if not gaps else 1 if covered >= 2 else 0
        return score, [f"no action and no reason for leaving out {labels[p]}" for p in gaps]
    if cid == "Q4":
        named = any(v.strip() for v in plan.potential_victims)
        measures = any(a.pillar == "victim_safety" for a in plan.actions)
        gaps = ([] if named else ["nobody named who could be harmed"]) + \
            ([] if measures else ["no victim-safety actions"])
        return 2 - len(gaps), gaps
    if cid == "Q5":
        gaps = [f"action {i + 1} ({a.description[:40]}): no {', no '.join(a.missing())}"
                for i, a in enumerate(plan.actions) if a.missing()]
        if not plan.actions:
            return 0, ["no actions"]
        return _share(len(plan.actions) - len(gaps), len(plan.actions)), gaps
    if cid == "Q6":
        if any(c.complete() for c in plan.contingencies):
            return 2, []
        if plan.contingencies:
            return 1, ["no contingency has all of trigger, response and owner"]
        return 0, ["no contingency entries"]
    if cid == "Q7":
        return _recorded_and_communicated(plan)
    if cid == "Q8":
        gaps = ([] if plan.review.date else ["no review date"]) + \
            ([] if any(t.strip() for t in plan.review.early_triggers)
             else ["no early-review triggers"])
        late = [f"{n}: the follow-up falls due ({fu.due:%d %b %Y}) after the review date"
                for fid, n in zip(insufficient, names(insufficient), strict=True)
                if (fu := arms.ratings[fid].follow_up) and fu.due and plan.review.date
                and fu.due > plan.review.date]
        return max(0, 2 - len(gaps) - (1 if late else 0)), gaps + late
    return None, []


def _recorded_and_communicated(plan: RiskManagementPlan) -> tuple[int, list[str]]:
    """Q7: legal requirements complete, and the MAPPA layer recorded and communicated (category
    consistent with notification, level, lead agency, partners with roles, level-review
    triggers, information sharing noted), with any partner assessment complete. 0 with no legal
    requirements; 1 when something is missing; 2 when nothing is."""
    if not plan.legal:
        return 0, ["no legal requirements recorded"]
    gaps = [f"{r.kind.replace('_', ' ')}: no {', no '.join(r.missing())}"
            for r in plan.legal if r.missing()]
    registered = any(r.kind == "notification" for r in plan.legal)
    if plan.mappa is None:
        gaps.append("no MAPPA layer (category, level, lead agency, partners, level-review "
                    "triggers, information sharing)")
    else:
        gaps += plan.mappa.missing(registered, load_mappa())
    gaps += [f"partner assessment {i + 1}: no {', no '.join(a.missing())}"
             for i, a in enumerate(plan.partner_assessments) if a.missing()]
    return (1 if gaps else 2), gaps


def evaluate(plan: RiskManagementPlan, arms: ARMSAssessment,
             judgements: dict[str, Judgement] | None = None, rubric: Rubric | None = None,
             cat: ArmsCatalogue | None = None) -> QualityProfile:
    """The rubric profile. Judged criteria stay *not yet judged* until a reviewer scores them;
    an override of an auto criterion needs a reason (ValueError naming the criterion if not)."""
    rubric, cat, judgements = rubric or load_rubric(), cat or load_arms_catalogue(), \
        judgements or {}
    unknown = set(judgements) - {c.id for c in rubric.criteria}
    if unknown:
        raise ValueError(f"judgements: unknown criteria {sorted(unknown)}; use Q1–Q10")
    results = []
    for c in rubric.criteria:
        auto, missing = _auto(c.id, plan, arms, cat, rubric) if c.mode != "judged" \
            else (None, [])
        j = judgements.get(c.id)
        score, overridden, reason = auto, False, ""
        if j is not None:
            # auto: any change is an override; auto+judged: judging *above* what the presence
            # check found is an override (judging below it is the reviewer's judgement).
            overrides = auto is not None and (
                j.score != auto if c.mode == "auto" else j.score > auto)
            if overrides and not j.reason.strip():
                raise ValueError(f"judgements.{c.id}: overriding an auto result needs a reason")
            score, reason, overridden = j.score, j.reason, overrides
        if c.mode == "judged" and score is None:
            missing = ["a reviewer has not scored this yet"]
        if c.needs_actions and not plan.actions:
            if score:
                reason = (reason + " " if reason else "") + \
                    f"(Score {score} not counted: the plan has no actions.)"
            score, auto = 0, (0 if auto is not None else None)
            missing = [*[m for m in missing
                         if m not in ("no actions", "a reviewer has not scored this yet")],
                       NO_ACTIONS]
        results.append(CriterionResult(
            id=c.id, text=c.text, mode=c.mode, auto_score=auto, score=score,
            missing=missing, fix=c.fix if (score is None or score < 2) else "",
            overridden=overridden, reason=reason))
    return QualityProfile(rubric=rubric.ref, criteria=results)
