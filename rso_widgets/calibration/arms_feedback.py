"""Compare a trainee's ARMS assessment and risk management plan with a case's ARMS key and key
plan (spec: calibration.md). Pure: no widgets, no storage.

- Each factor: the trainee's rating beside the key's, with agreement *exact*, *adjacent* (one
  scale step apart), *opposite* (two apart) or *not comparable* (either is insufficient
  information or unrated); the key's evidence and rationale; evidence coverage by source. A
  rating the key lists as `acceptable` is called *a defensible alternative*, with the key's
  reason, rather than a difference.
- A summary: counts per agreement, percent exact, and percent exact-or-acceptable, over the
  factors the key rates on the scale.
- Priority side by side, with the key's rationale for discussion — never an "error" verdict:
  the priority is the assessor's professional judgement.
- The trainee's plan scored on the rubric beside the key plan's profile, criterion by criterion.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from ..cases.arms_key import (
    ArmsKeyMissing,
    key_assessment,
    key_catalogue,
    key_plan,
    key_profile,
    static_context,
)
from ..cases.schema import KeyEvidence, TrainingCase
from ..instruments.arms import (
    ARMSAssessment,
    ArmsCatalogue,
    Evidence,
    FactorRating,
    load_arms_catalogue,
)
from ..instruments.plan import RiskManagementPlan
from ..instruments.plan_quality import Judgement, QualityProfile, Rubric, evaluate, load_rubric
from ..instruments.ruleset import RM2000Ruleset

Agreement = Literal["exact", "adjacent", "opposite", "not comparable"]
AGREEMENTS: tuple[Agreement, ...] = ("exact", "adjacent", "opposite", "not comparable")
NOT_RATED = "Not rated"


class SourceCoverage(BaseModel):
    """Which of the key's evidence sources the trainee also cited, for one factor."""

    key_sources: list[str]
    trainee_sources: list[str]
    shared: list[str]
    missed: list[str]  # the key cites them, the trainee does not
    extra: list[str]  # the trainee cites them, the key does not

    @property
    def share(self) -> float | None:
        """Shared / key sources (None when the key cites none)."""
        return len(self.shared) / len(self.key_sources) if self.key_sources else None


class FactorComparison(BaseModel):
    factor: str
    name: str
    kind: Literal["risk", "protective"]
    look_for: str
    trainee: str | None  # rating id, or None when unrated
    trainee_label: str
    key: str
    key_label: str
    distance: int | None  # scale steps apart; None when not comparable
    agreement: Agreement
    key_evidence: list[KeyEvidence]
    key_rationale: str
    trainee_evidence: list[Evidence]
    trainee_note: str = ""
    key_follow_up: str = ""  # for an insufficient key rating: what to find out, from whom, by when
    acceptable: bool = False  # the trainee's rating is one of the key's defensible alternatives
    acceptable_reason: str = ""  # the key's reason for accepting it
    key_alternatives: list[str] = []  # labels of every defensible alternative the key lists
    coverage: SourceCoverage
    flags: list[str] = []  # problems with the trainee's own entry (no evidence, late evidence…)
    message: str = ""


class ArmsSummary(BaseModel):
    exact: int
    adjacent: int
    opposite: int
    not_comparable: int
    key_rated: int  # factors the key rates on the scale (the denominator of percent exact)
    percent_exact: float | None
    acceptable: int = 0  # ratings that are one of the key's defensible alternatives
    percent_exact_or_acceptable: float | None = None
    unrated: list[str]
    without_evidence: list[str]
    evidence_coverage: float | None  # shared / key sources, over all factors, as a percentage

    def line(self) -> str:
        pct = "—" if self.percent_exact is None else f"{self.percent_exact:.0f}%"
        both = ("—" if self.percent_exact_or_acceptable is None
                else f"{self.percent_exact_or_acceptable:.0f}%")
        return (f"{self.exact} exact, {self.adjacent} adjacent, {self.opposite} opposite, "
                f"{self.not_comparable} not comparable; exact on {self.exact} of the "
                f"{self.key_rated} factors the key rates ({pct}); exact or a defensible "
                f"alternative on {self.exact + self.acceptable} ({both})")


class PriorityComparison(BaseModel):
    """Both priorities and both rationales, for discussion. Deliberately no verdict."""

    trainee: str | None
    trainee_rationale: str
    key: str
    key_rationale: str
    also_reasonable: list[str]
    same: bool | None  # None: the trainee has not chosen one yet
    note: str


class CriterionComparison(BaseModel):
    id: str
    text: str
    mode: str
    trainee_score: int | None
    trainee_status: str
    key_score: int | None
    key_status: str
    missing: list[str]  # what the trainee's plan lacks
    fix: str
    key_note: str = ""  # the key author's reasoning, for judged criteria


class PlanComparison(BaseModel):
    criteria: list[CriterionComparison]
    trainee: QualityProfile
    key: QualityProfile
    key_plan: RiskManagementPlan
    key_factors_not_addressed: list[str]  # what the key rates as live, with no trainee action

    def row(self, cid: str) -> CriterionComparison:
        return next(c for c in self.criteria if c.id == cid)


class ArmsFeedback(BaseModel):
    case_id: str
    catalogue: str
    factors: list[FactorComparison]
    summary: ArmsSummary
    priority: PriorityComparison
    plan: PlanComparison | None = None
    notes: list[str] = []

    def factor(self, fid: str) -> FactorComparison:
        return next(f for f in self.factors if f.factor == fid)


# --- a blank attempt ------------------------------------------------------------------------

def blank_attempt(case: TrainingCase, rs: RM2000Ruleset | None = None,
                  cat: ArmsCatalogue | None = None) -> ARMSAssessment:
    """An empty trainee assessment for a case: every factor listed unrated, dated on the case's
    assessment date, with the key's RM2000 result filled in as the static context."""
    cat = cat or (key_catalogue(case) if case.arms_key else load_arms_catalogue())
    return ARMSAssessment(catalogue=cat.ref, assessed_on=case.assessment_date,
                          ratings={f.id: FactorRating() for f in cat.factors},
                          rm2000=static_context(case, rs))


# --- comparison -----------------------------------------------------------------------------

def compare_arms(case: TrainingCase, attempt: ARMSAssessment,
                 plan: RiskManagementPlan | None = None,
                 judgements: dict[str, Judgement] | None = None,
                 cat: ArmsCatalogue | None = None, rubric: Rubric | None = None) -> ArmsFeedback:
    """Feedback on a trainee's ARMS assessment (and plan, if given) against the case's key.
    `judgements` are a trainer's scores for the trainee's plan (Q4, Q9, Q10, or overrides).
    Raises ArmsKeyMissing when the case has no ARMS key, and the rubric's ValueError when a
    judgement overrides an auto criterion without a reason."""
    if case.arms_key is None:
        raise ArmsKeyMissing(f"{case.id} has no ARMS key to compare with")
    cat = cat or key_catalogue(case)
    notes: list[str] = []
    if attempt.catalogue and attempt.catalogue != cat.ref:
        notes.append(f"Your assessment uses the catalogue {attempt.catalogue}; the key uses "
                     f"{cat.ref}. Factors are matched by id.")
    unknown = sorted(set(attempt.ratings) - {f.id for f in cat.factors})
    if unknown:
        notes.append(f"Not in the key's catalogue, so not compared: {', '.join(unknown)}.")
    rows = [_factor(case, f.id, attempt, cat) for f in cat.factors]
    plans = None
    if plan is not None:
        if case.plan_key is None:
            notes.append(f"{case.id} has no key plan, so your plan is not compared.")
        else:
            plans = compare_plans(case, attempt, plan, judgements, cat, rubric)
    return ArmsFeedback(case_id=case.id, catalogue=cat.ref, factors=rows,
                        summary=_summary(rows, cat), priority=_priority(case, attempt, cat),
                        plan=plans, notes=notes)


def agreement(trainee: str | None, key: str, kind: str,
              cat: ArmsCatalogue) -> tuple[Agreement, int | None]:
    """Exact / adjacent / opposite by scale distance; not comparable when either side is
    insufficient information, unrated or not a rating of this kind."""
    valid = cat.rating_ids(kind)
    a = cat.level(kind, trainee) if trainee in valid else None
    b = cat.level(kind, key) if key in valid else None
    if a is None or b is None:
        return "not comparable", None
    d = abs(a - b)
    return ("exact", "adjacent", "opposite")[min(d, 2)], d


def _label(cat: ArmsCatalogue, kind: str, rating: str | None) -> str:
    if rating is None:
        return NOT_RATED
    return cat.label(kind, rating) if rating in cat.rating_ids(kind) else repr(rating)


def _factor(case: TrainingCase, fid: str, attempt: ARMSAssessment,
            cat: ArmsCatalogue) -> FactorComparison:
    assert case.arms_key is not None
    f = cat.factor(fid)
    k = case.arms_key.ratings[fid]
    mine = attempt.ratings.get(fid, FactorRating())
    rating = mine.rating
    agree, dist = agreement(rating, k.rating, f.kind, cat)
    key_src = list(dict.fromkeys(e.source for e in k.evidence))
    my_src = list(dict.fromkeys(e.source for e in mine.evidence))
    cov = SourceCoverage(key_sources=key_src, trainee_sources=my_src,
                         shared=[s for s in key_src if s in my_src],
                         missed=[s for s in key_src if s not in my_src],
                         extra=[s for s in my_src if s not in key_src])
    flags = []
    valid = cat.rating_ids(f.kind)
    if rating is None:
        flags.append("not rated")
    elif rating not in valid:
        flags.append(f"{rating!r} is not a rating for a {f.kind} factor; use one of "
                     f"{', '.join(valid)}")
    elif rating != cat.insufficient.id and not mine.evidence:
        flags.append("rated with no evidence: add what was seen or said, its source and date")
    elif rating == cat.insufficient.id and (mine.follow_up is None or mine.follow_up.missing()):
        flags.append("rated insufficient information with no complete follow-up: say what to "
                     "find out, from whom and by when")
    late = [e for e in mine.evidence if e.date > case.assessment_date]
    if late:
        flags.append(f"{len(late)} evidence item(s) dated after the assessment date "
                     f"({case.assessment_date})")
    bad = sorted({e.source for e in mine.evidence} - set(cat.evidence_sources))
    if bad:
        flags.append(f"not an evidence source: {', '.join(bad)}")
    reason = k.reason_for(rating) if rating != k.rating else None
    fu = k.follow_up
    row = FactorComparison(
        factor=fid, name=f.name, kind=f.kind, look_for=f.look_for, trainee=rating,
        trainee_label=_label(cat, f.kind, rating), key=k.rating,
        key_label=cat.label(f.kind, k.rating), distance=dist, agreement=agree,
        key_evidence=list(k.evidence), key_rationale=k.rationale,
        trainee_evidence=list(mine.evidence), trainee_note=mine.note,
        key_follow_up=(f"Find out: {fu.what} From: {fu.source}. By: {fu.due:%d %b %Y}."
                       if fu else ""),
        acceptable=reason is not None, acceptable_reason=reason or "",
        key_alternatives=[_label(cat, f.kind, a) for a in k.acceptable_ratings()],
        coverage=cov, flags=flags)
    row.message = _factor_message(row, cat)
    return row


def _factor_message(row: FactorComparison, cat: ArmsCatalogue) -> str:
    you, key = row.trainee_label, row.key_label
    if row.acceptable:
        msg = (f"A defensible alternative: you rated {you}; the key rates {key} and accepts "
               f"{you} because: {row.acceptable_reason}")
    elif row.agreement == "exact":
        msg = f"Same rating as the key ({key})."
    elif row.agreement == "adjacent":
        msg = f"One step from the key: you rated {you}; the key rates {key}."
    elif row.agreement == "opposite":
        msg = (f"Opposite ends of the scale: you rated {you}; the key rates {key}. Re-read the "
               "key's evidence below.")
    elif row.trainee is None:
        msg = f"Not rated yet; the key rates {key}."
    elif row.trainee == row.key == cat.insufficient.id:
        msg = "You and the key both found the information insufficient: see what to find out."
    elif row.trainee == cat.insufficient.id:
        msg = (f"You found the information insufficient; the key rates {key} from the evidence "
               "below.")
    elif row.key == cat.insufficient.id:
        msg = (f"You rated {you}; the key finds the case file does not say enough to rate this "
               "factor. Check that your evidence is in the case file.")
    else:
        msg = f"Not comparable: you entered {you}; the key rates {key}."
    if row.coverage.missed:
        msg += f" The key also draws on: {', '.join(row.coverage.missed)}."
    return msg


def _summary(rows: list[FactorComparison], cat: ArmsCatalogue) -> ArmsSummary:
    counts = {a: sum(r.agreement == a for r in rows) for a in AGREEMENTS}
    key_rated = sum(r.key != cat.insufficient.id for r in rows)
    accepted = sum(r.acceptable for r in rows)
    accepted_rated = sum(r.acceptable for r in rows if r.key != cat.insufficient.id)
    key_src = sum(len(r.coverage.key_sources) for r in rows)
    shared = sum(len(r.coverage.shared) for r in rows)
    return ArmsSummary(
        exact=counts["exact"], adjacent=counts["adjacent"], opposite=counts["opposite"],
        not_comparable=counts["not comparable"], key_rated=key_rated,
        percent_exact=round(100 * counts["exact"] / key_rated, 1) if key_rated else None,
        acceptable=accepted,
        percent_exact_or_acceptable=(
            round(100 * (counts["exact"] + accepted_rated) / key_rated, 1) if key_rated
            else None),
        unrated=[r.factor for r in rows if r.trainee is None],
        without_evidence=[r.factor for r in rows
                          if any(f.startswith("rated with no evidence") for f in r.flags)],
        evidence_coverage=round(100 * shared / key_src, 1) if key_src else None)


def _priority(case: TrainingCase, attempt: ARMSAssessment,
              cat: ArmsCatalogue) -> PriorityComparison:
    assert case.arms_key is not None
    k = case.arms_key.priority
    mine = attempt.priority.level
    if mine is None:
        note = "You have not chosen a priority yet. The key's choice and reasoning are below."
        same = None
    elif mine == k.level:
        note = ("Same priority as the key. Compare your rationale with the key's: do you rely on "
                "the same factors?")
        same = True
    elif mine in k.also_reasonable:
        note = (f"The key chose {k.level}, and its author notes that {mine} is also a reasonable "
                "choice here. Compare the two rationales.")
        same = False
    else:
        note = (f"The key chose {k.level}; you chose {mine}. Priority is a professional "
                "judgement: compare your rationale with the key's and discuss it in the "
                "debrief or supervision.")
        same = False
    if mine is not None and mine not in cat.priorities:
        note += f" ({mine!r} is not one of {', '.join(cat.priorities)}.)"
    return PriorityComparison(trainee=mine, trainee_rationale=attempt.priority.rationale,
                              key=k.level, key_rationale=k.rationale,
                              also_reasonable=list(k.also_reasonable), same=same, note=note)


def compare_plans(case: TrainingCase, attempt: ARMSAssessment, plan: RiskManagementPlan,
                  judgements: dict[str, Judgement] | None = None,
                  cat: ArmsCatalogue | None = None,
                  rubric: Rubric | None = None) -> PlanComparison:
    """The trainee's plan on the rubric (judged against their own ratings, as in live use) beside
    the key plan's profile, plus the risk factors the key rates as live (or as insufficient
    information, to find out about) that the plan leaves out."""
    cat = cat or key_catalogue(case)
    rubric = rubric or load_rubric()
    mine = evaluate(plan, attempt, judgements, rubric=rubric, cat=cat)
    theirs = key_profile(case, cat, rubric)
    notes = {cid: j.rationale for cid, j in (case.plan_key.judgements.items()
                                             if case.plan_key else [])}
    rows = []
    for m, k in zip(mine.criteria, theirs.criteria, strict=True):
        rows.append(CriterionComparison(
            id=m.id, text=m.text, mode=m.mode, trainee_score=m.score, trainee_status=m.status,
            key_score=k.score, key_status=k.status, missing=m.missing, fix=m.fix,
            key_note=notes.get(m.id, "")))
    key = key_assessment(case, cat)
    live = [f for f in cat.factors if f.kind == "risk"
            and (cat.level("risk", key.ratings[f.id].rating or "") in (1, 2)
                 or key.ratings[f.id].rating == cat.insufficient.id)]
    gaps = [f"{f.id} {f.name} (key: {cat.label('risk', key.ratings[f.id].rating or '')}) has no "
            f"action{' to find out' if key.ratings[f.id].rating == cat.insufficient.id else ''}"
            " in your plan" for f in live if not plan.actions_for(f.id)]
    return PlanComparison(criteria=rows, trainee=mine, key=theirs, key_plan=key_plan(case),
                          key_factors_not_addressed=gaps)
