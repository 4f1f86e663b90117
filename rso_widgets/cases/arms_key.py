"""A case's ARMS key and key risk management plan: building them as the instruments' models, and
checking them on load.

A key must rate every factor of its catalogue on the right scale, give evidence for every rating
except *insufficient information* (dated on or before the assessment date, from a listed source,
quoting the case file exactly where it quotes) and a follow-up for that one (what to find out,
from whom, by when), list defensible alternatives (`acceptable`) only as other valid ratings,
pass the instrument's own completeness check, and have a key plan that fully meets the auto
criteria Q1–Q8 (MAPPA layer included, in Q7) with the key author's judgements on Q9 and Q10.
Each finding is `(field path, message, fix)`; the loader adds the file name.
"""

from __future__ import annotations

import re

from ..instruments.arms import (
    DEFAULT_ARMS,
    ARMSAssessment,
    ArmsCatalogue,
    Evidence,
    FactorRating,
    FollowUp,
    Formulation,
    Priority,
    StaticContext,
    check,
    load_arms_catalogue,
)
from ..instruments.plan import RiskManagementPlan
from ..instruments.plan_quality import Judgement, QualityProfile, Rubric, evaluate, load_rubric
from ..instruments.rm2000 import RM2000ValidationError, score
from ..instruments.ruleset import RM2000Ruleset, RulesetError, load_rm2000_ruleset
from .documents import record_printout
from .schema import ArmsKey, KeyRating, TrainingCase

Finding = tuple[str, str, str]

AUTO_CRITERIA = tuple(f"Q{i}" for i in range(1, 9))
REQUIRED_JUDGEMENTS = ("Q9", "Q10")
KEY_REVIEWER = "case key"
#: Which part of the plan to look at when a criterion is not met.
CRITERION_FIELDS = {"Q1": "plan_key.actions", "Q2": "plan_key.actions",
                    "Q3": "plan_key.pillar_omissions", "Q4": "plan_key.potential_victims",
                    "Q5": "plan_key.actions", "Q6": "plan_key.contingencies",
                    "Q7": "plan_key.legal / plan_key.mappa", "Q8": "plan_key.review"}
_QUOTED = re.compile(r'"([^"]{3,})"')


class ArmsKeyMissing(ValueError):
    """The case has no ARMS key (or no key plan) to compare with."""


# --- building the key as the instruments' models ---------------------------------------------

def key_catalogue(case: TrainingCase) -> ArmsCatalogue:
    """The catalogue the key was written for: the configured one when its id matches, else the
    shipped training edition when that matches; RulesetError otherwise."""
    wanted = _arms_key(case).catalogue
    configured = load_arms_catalogue()
    if configured.id == wanted:
        return configured
    shipped = load_arms_catalogue(DEFAULT_ARMS)
    if shipped.id == wanted:
        return shipped
    raise RulesetError(f"{case.id}: the ARMS key was written for the catalogue {wanted!r}, but "
                       f"the loaded catalogue is {configured.ref}")


def static_context(case: TrainingCase, rs: RM2000Ruleset | None = None) -> StaticContext:
    """The key's RM2000 result as ARMS's static context (as at the case's assessment date)."""
    rs = rs or load_rm2000_ruleset()
    try:
        result = score(case.key_facts(), rs, today=case.assessment_date)
    except RM2000ValidationError as exc:
        return StaticContext(ruleset=rs.ref, applicable=False, reason=f"not scored: {exc}")
    if not result.applicable:
        return StaticContext(ruleset=rs.ref, applicable=False, reason=result.reason)
    assert result.s and result.v and result.c
    return StaticContext(s=result.s.category, v=result.v.category, c=result.c.category,
                         ruleset=rs.ref, applicable=True)


def key_assessment(case: TrainingCase, cat: ArmsCatalogue | None = None,
                   rm2000: StaticContext | None = None) -> ARMSAssessment:
    """The key as an `ARMSAssessment` (the rationale becomes each rating's note)."""
    k = _arms_key(case)
    cat = cat or key_catalogue(case)
    ratings = {fid: FactorRating(
        rating=r.rating, note=r.rationale,
        evidence=[Evidence(what=e.what, source=e.source, date=e.date) for e in r.evidence],
        follow_up=FollowUp(what=r.follow_up.what, source=r.follow_up.source,
                           due=r.follow_up.due) if r.follow_up else None)
        for fid, r in k.ratings.items()}
    f, p = k.formulation, k.priority
    return ARMSAssessment(
        catalogue=cat.ref, assessed_on=case.assessment_date, ratings=ratings,
        formulation=Formulation(past_offending=f.past_offending, warning_signs=f.warning_signs,
                                strengths=f.strengths, scenarios=f.scenarios),
        priority=Priority(level=p.level, rationale=p.rationale), rm2000=rm2000)


def key_plan(case: TrainingCase) -> RiskManagementPlan:
    if case.plan_key is None:
        raise ArmsKeyMissing(f"{case.id} has no key plan (plan_key)")
    return case.plan_key.plan()


def key_judgements(case: TrainingCase) -> dict[str, Judgement]:
    if case.plan_key is None:
        raise ArmsKeyMissing(f"{case.id} has no key plan (plan_key)")
    return {cid: Judgement(score=j.score, reason=j.rationale, reviewer=KEY_REVIEWER)
            for cid, j in case.plan_key.judgements.items()}


def key_profile(case: TrainingCase, cat: ArmsCatalogue | None = None,
                rubric: Rubric | None = None) -> QualityProfile:
    """The key plan's rubric profile, with the key author's judgements."""
    cat = cat or key_catalogue(case)
    return evaluate(key_plan(case), key_assessment(case, cat), key_judgements(case),
                    rubric=rubric, cat=cat)


def _arms_key(case: TrainingCase) -> ArmsKey:
    if case.arms_key is None:
        raise ArmsKeyMissing(f"{case.id} has no ARMS key (arms_key)")
    return case.arms_key


# --- checks on load ------------------------------------------------------------------------------

def document_text(case: TrainingCase, document: str) -> str:
    """The text of one part of the case file, as a trainee reads it."""
    if document == "background":
        return " ".join(case.person.background.model_dump().values())
    if document == "record":
        return record_printout(case)
    return str(getattr(case.documents, document))


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def check_arms_key(case: TrainingCase) -> list[Finding]:
    """Every problem with the case's ARMS key and key plan (empty: consistent, or no key)."""
    if case.arms_key is None:
        if case.plan_key is not None:
            return [("plan_key", "is given without an arms_key",
                     "add arms_key: the key plan's Q1 and Q2 are judged against the key's "
                     "ratings")]
        return []
    try:
        cat = key_catalogue(case)
    except RulesetError as exc:
        return [("arms_key.catalogue", str(exc).split(": ", 1)[1],
                 "write the key for the loaded catalogue's factors, or load the catalogue it was "
                 "written for (RSO_ARMS_CATALOGUE)")]
    out = _ratings(case, case.arms_key, cat) + _priority(case.arms_key, cat)
    if not out:
        assessment = key_assessment(case, cat)
        out += [(_case_field(g.field), g.message, "correct the key so that the ARMS completeness "
                 "check finds no gaps") for g in check(assessment, cat)]
        if not out and case.plan_key is not None:
            out += _plan(case, assessment, cat)
    return out


def _ratings(case: TrainingCase, k: ArmsKey, cat: ArmsCatalogue) -> list[Finding]:
    out: list[Finding] = []
    known = [f.id for f in cat.factors]
    for fid in k.ratings:
        if fid not in known:
            out.append((f"arms_key.ratings.{fid}", f"is not a factor of the catalogue {cat.ref}",
                        f"remove it, or use one of {', '.join(known)}"))
    for f in cat.factors:
        where = f"arms_key.ratings.{f.id}"
        r = k.ratings.get(f.id)
        if r is None:
            out.append(("arms_key.ratings", f"{f.id} ({f.name}) is not rated",
                        f"add '{f.id}:' with a rating, evidence and a rationale — a key rates "
                        "every factor (insufficient_information counts, with a rationale that "
                        "says what to find out)"))
            continue
        valid = cat.rating_ids(f.kind)
        if r.rating not in valid:
            out.append((f"{where}.rating", f"{r.rating!r} is not a rating for a {f.kind} factor",
                        f"use one of {', '.join(valid)}"))
            continue
        if r.rating != cat.insufficient.id and not r.evidence:
            out.append((f"{where}.evidence", f"{f.name} is rated "
                        f"{cat.label(f.kind, r.rating)} with no evidence",
                        "add at least one item {what, source, date, document} that points at "
                        "what the case file says, or rate insufficient_information with a "
                        "follow_up {what, source, due}"))
        out += _follow_up(case, where, r, cat) + _acceptable(where, r, f.kind, cat)
        for i, ev in enumerate(r.evidence):
            at = f"{where}.evidence[{i}]"
            if ev.source not in cat.evidence_sources:
                out.append((f"{at}.source", f"{ev.source!r} is not an evidence source",
                            f"use one of: {', '.join(cat.evidence_sources)}"))
            if ev.date > case.assessment_date:
                out.append((f"{at}.date", f"({ev.date}) is after the assessment date "
                            f"({case.assessment_date})", "use the date the information was seen "
                            "or said, on or before the assessment date"))
            text = _norm(document_text(case, ev.document))
            for quote in _QUOTED.findall(ev.what):
                if _norm(quote) not in text:
                    out.append((f"{at}.what", f"quotes \"{quote}\", which is not in the "
                                f"{ev.document.replace('_', ' ')}",
                                "quote the case file exactly, point document at the part that "
                                "says it, or drop the quotation marks"))
    return out


def _follow_up(case: TrainingCase, where: str, r: KeyRating,
               cat: ArmsCatalogue) -> list[Finding]:
    """Insufficient information needs what to find out, from whom, by when; nothing else has
    a follow-up."""
    if r.rating != cat.insufficient.id:
        if r.follow_up is not None:
            return [(f"{where}.follow_up", "is given for a factor the key rates on the scale",
                     "remove it: a follow-up belongs to an insufficient_information rating")]
        return []
    if r.follow_up is None:
        return [(f"{where}.follow_up", "is missing: an insufficient_information rating says "
                 "what to find out, from whom, by when",
                 "add 'follow_up: {what: ..., source: ..., due: YYYY-MM-DD}' with due on or "
                 f"after the assessment date ({case.assessment_date})")]
    if r.follow_up.due < case.assessment_date:
        return [(f"{where}.follow_up.due", f"({r.follow_up.due}) is before the assessment date "
                 f"({case.assessment_date})", "give a date on or after the assessment date")]
    return []


def _acceptable(where: str, r: KeyRating, kind: str, cat: ArmsCatalogue) -> list[Finding]:
    """Each defensible alternative is a valid rating of this kind, other than the key's own,
    listed once."""
    out: list[Finding] = []
    valid = cat.rating_ids(kind)
    seen: set[str] = set()
    for i, alt in enumerate(r.acceptable):
        if alt.rating not in valid or alt.rating == r.rating or alt.rating in seen:
            out.append((f"{where}.acceptable[{i}].rating", f"{alt.rating!r} is not another "
                        f"rating for a {kind} factor",
                        f"use one of {', '.join(v for v in valid if v != r.rating)}, once"))
        seen.add(alt.rating)
    return out


def _priority(k: ArmsKey, cat: ArmsCatalogue) -> list[Finding]:
    out: list[Finding] = []
    levels = ", ".join(cat.priorities)
    if k.priority.level not in cat.priorities:
        out.append(("arms_key.priority.level", f"{k.priority.level!r} is not a priority",
                    f"use one of {levels} — the key records the expert assessor's choice"))
    for i, other in enumerate(k.priority.also_reasonable):
        if other not in cat.priorities or other == k.priority.level:
            out.append((f"arms_key.priority.also_reasonable[{i}]", f"{other!r} is not another "
                        "priority", f"use one of {levels}, other than the key's own level"))
    return out


def _case_field(gap_field: str) -> str:
    """`ratings.R1.evidence.0.date` (instrument) → `arms_key.ratings.R1.evidence[0].date`."""
    return "arms_key." + re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", gap_field)


def _plan(case: TrainingCase, assessment: ARMSAssessment, cat: ArmsCatalogue) -> list[Finding]:
    pk = case.plan_key
    assert pk is not None
    out: list[Finding] = []
    known = [f.id for f in cat.factors]
    today = case.assessment_date
    for i, action in enumerate(pk.actions):
        for fid in action.factors:
            if fid not in known:
                out.append((f"plan_key.actions[{i}].factors", f"{fid!r} is not a factor of "
                            f"the catalogue {cat.ref}", f"use one of {', '.join(known)}"))
        if action.due is not None and action.due < today:
            out.append((f"plan_key.actions[{i}].due", f"({action.due}) is before the assessment "
                        f"date ({today})", "a plan's actions fall due after it is written"))
    for i, req in enumerate(pk.legal):
        if req.end_date is not None and req.end_date <= today:
            out.append((f"plan_key.legal[{i}].end_date", f"({req.end_date}) is not after the "
                        f"assessment date ({today})", "record the requirements in force on the "
                        "assessment date, with their real end dates"))
    if pk.review.date is not None and pk.review.date <= today:
        out.append(("plan_key.review.date", f"({pk.review.date}) is not after the assessment "
                    f"date ({today})", "set the next review after the assessment date"))
    if out:
        return out
    rubric = load_rubric()
    fixes = {c.id: c.fix for c in rubric.criteria}
    auto = evaluate(pk.plan(), assessment, rubric=rubric, cat=cat)
    for c in auto.criteria:
        if c.id in AUTO_CRITERIA and (c.score or 0) < 2:
            out.append((CRITERION_FIELDS[c.id], f"{c.id} ({c.text}) is {c.status} in the key "
                        f"plan: {'; '.join(c.missing)}", fixes[c.id]))
    for cid in REQUIRED_JUDGEMENTS:
        if cid not in pk.judgements:
            out.append(("plan_key.judgements", f"has no {cid}",
                        f"add '{cid}: {{score: 2, rationale: ...}}' — the key author's judgement "
                        f"on '{fixes[cid]}'"))
    for cid, j in pk.judgements.items():
        if j.score < 2:
            out.append((f"plan_key.judgements.{cid}.score", f"is {j.score}: a key plan is the "
                        "model answer, so it should fully meet every criterion",
                        f"improve the plan until it fully meets {cid}, then score it 2 and say "
                        "why"))
    return out
