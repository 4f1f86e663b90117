"""Compare a trainee's RM2000 attempt with a case key: item by item, with the error type of every
disagreement, categories side by side, and "what if" re-scoring. Pure: every number comes from
`score()` and the ruleset; no rule is restated here.

Error types (spec: calibration.md):
- coding: a fact was read wrongly (the trainee's fact differs from the key's);
- calculation: the trainee's own facts do not give the points or category they entered;
- rule: step-2 raising, eligibility or the /C conversion applied wrongly.
A disagreement that only follows from an earlier one carries `follows_from` and no error type.
"""

from __future__ import annotations

from typing import Any

from ..cases.schema import TrainingCase
from ..instruments.record import derive_counts
from ..instruments.rm2000 import (
    RM2000Facts,
    RM2000Result,
    RM2000ValidationError,
    score,
)
from ..instruments.rm2000 import _years_between as years_between
from ..instruments.ruleset import Cut, RM2000Ruleset, load_rm2000_ruleset
from .feedback_models import (
    ELIGIBILITY_FACTS,
    ERROR_TYPES,
    ITEMS,
    NOT_APPLICABLE,
    Attempt,
    CategoryComparison,
    EnteredResult,
    ErrorType,
    Feedback,
    Row,
    WhatIf,
)

__all__ = ["ELIGIBILITY_FACTS", "ERROR_TYPES", "ITEMS", "NOT_APPLICABLE", "Attempt",
           "CategoryComparison", "EnteredResult", "ErrorType", "Feedback", "Row", "WhatIf",
           "compare", "disputed_what_ifs", "what_if"]


# --- comparison ---------------------------------------------------------------------------------

def compare(case: TrainingCase, attempt: Attempt,
            ruleset: RM2000Ruleset | None = None) -> Feedback:
    """Feedback on one attempt. Raises RM2000ValidationError (listing each field) if the trainee
    entered results but their facts cannot be scored."""
    rs = ruleset or load_rm2000_ruleset()
    today = case.assessment_date
    key = score(case.key_facts(), rs, today=today)
    entered = attempt.entered or EnteredResult()
    notes: list[str] = []
    try:
        own: RM2000Result | None = score(attempt.facts, rs, today=today)
    except RM2000ValidationError as exc:
        if not entered.not_applicable:
            raise
        own = None
        notes.append("Your facts are incomplete, so only your eligibility decision and the facts "
                     f"you entered are compared ({exc}).")
    assert own is not None or entered.not_applicable
    declared = not entered.not_applicable if (entered.not_applicable or entered.scored()) \
        else bool(own and own.applicable)

    tv, kv = _trainee_values(attempt.facts, own, rs), _key_values(case, key)
    rows = [_decision(declared, own, key)]
    rows += _fact_rows(case, tv, kv, own, key, rs)
    mine: dict[str, str | None] = {}
    if declared and own is not None and own.applicable:
        rows += _arithmetic(rows, entered, own, key, rs, case)
        mine = {x: next(r.trainee for r in rows if r.id == f"{x}.category") for x in "SVC"}
    elif declared:
        mine = {x: getattr(entered, x.lower()) for x in "SVC"}
    cats = _categories(mine if declared else None, key, rs)
    agrees = rows[0].agree is True and all(c.distance == 0 for c in cats)
    return Feedback(case_id=case.id, ruleset=rs.ref, key_applicable=key.applicable,
                    trainee_applicable=declared, key_reason=key.reason, rows=rows,
                    categories=cats, agrees=agrees, notes=notes)


def _trainee_values(f: RM2000Facts, own: RM2000Result | None,
                    rs: RM2000Ruleset) -> dict[str, Any]:
    """The trainee's facts as the engine resolved them, or as entered when it could not."""
    out: dict[str, Any] = {"sex": f.sex, "sexual_offence_aged_17_plus":
                           f.sexual_offence_aged_17_plus}
    if own is not None and own.facts is not None:
        return out | own.facts.model_dump()
    d = derive_counts(f.occasions, rs.counting.counted_disposals) if f.occasions else None
    for name in ITEMS[1:]:
        out[name] = getattr(f, name)
        if out[name] is None and d is not None and hasattr(d, name):
            out[name] = getattr(d, name)
    for age, when in (("age_at_assessment", f.assessment_date),
                      ("age_at_commencement", f.commencement_date)):
        out[age] = getattr(f, age)
        if out[age] is None and when and f.date_of_birth and when >= f.date_of_birth:
            out[age] = years_between(f.date_of_birth, when)
    return out


def _key_values(case: TrainingCase, key: RM2000Result) -> dict[str, Any]:
    k = case.key.facts
    out: dict[str, Any] = {"sex": case.person.sex, "sexual_offence_aged_17_plus":
                           k.sexual_offence_aged_17_plus}
    if key.facts is not None:
        return out | key.facts.model_dump()
    out |= k.model_dump(exclude={"commencement_date", "sexual_offence_aged_17_plus"})
    out["age_at_assessment"] = case.person.age
    out["age_at_commencement"] = (years_between(case.person.date_of_birth, k.commencement_date)
                                  if k.commencement_date else None)
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().lower() == b.strip().lower()
    return a == b


def _shown(value: Any) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


def _decision(declared: bool, own: RM2000Result | None, key: RM2000Result) -> Row:
    said = {True: "applies", False: NOT_APPLICABLE}
    row = Row(id="eligibility", kind="decision", label="Does RM2000 apply?",
              trainee=said[declared], key=said[key.applicable],
              rationale=key.reason or "", agree=declared == key.applicable)
    if row.agree:
        return row
    if own is not None and own.applicable == declared:
        row.error = "coding"
        row.message = ("Your decision follows from your facts, but a fact that decides "
                       "eligibility was misread: see the facts below.")
    else:
        row.error = "rule"
        row.message = ("You scored a case your own facts make not applicable." if declared
                       else "Your own facts make RM2000 apply, but you called it not "
                            "applicable.")
        if own is not None and own.reason:
            row.message += f" ({own.reason})"
    return row


def _fact_rows(case: TrainingCase, tv: dict[str, Any], kv: dict[str, Any],
               own: RM2000Result | None, key: RM2000Result, rs: RM2000Ruleset) -> list[Row]:
    rows: list[Row] = []
    for fact, label in ELIGIBILITY_FACTS.items():
        rows.append(_fact_row(f"eligibility.{fact}", "eligibility", label, fact, tv, kv,
                              case.key.rationale.eligibility))
    for scale in ("s", "v"):
        mine = {i.item: i for i in getattr(own, scale).items} if own and own.applicable else {}
        theirs = {i.item: i for i in getattr(key, scale).items} if key.applicable else {}
        for item in getattr(rs, scale).items:
            row = _fact_row(f"{scale.upper()}.{item.id}", "item",
                            f"/{scale.upper()} {item.label}", item.id, tv, kv,
                            case.key.rationale.for_item(item.id))
            if item.id in mine:
                row.trainee_band, row.trainee_points = mine[item.id].band, mine[item.id].points
            if item.id in theirs:
                row.key_band, row.key_points = theirs[item.id].band, theirs[item.id].points
            rows.append(row)
    assert rs.s.step2 is not None
    for factor in rs.s.step2.factors:
        rows.append(_fact_row(f"factor.{factor.id}", "factor", factor.label, factor.id, tv, kv,
                              case.key.rationale.for_item(factor.id)))
    return rows


def _fact_row(row_id: str, kind: Any, label: str, fact: str, tv: dict[str, Any],
              kv: dict[str, Any], rationale: str) -> Row:
    t, k = tv.get(fact), kv.get(fact)
    row = Row(id=row_id, kind=kind, label=label, fact=fact, trainee=t, key=k,
              rationale=rationale)
    if t is None or k is None:
        return row
    row.agree = _same(t, k)
    if not row.agree:
        row.error = "coding"
        row.message = f"{label}: you coded {_shown(t)}; the key has {_shown(k)}."
    return row


def _category(cuts: list[Cut], points: int) -> str | None:
    """The category for a total, or None for a total outside the table (a calculation error)."""
    return next((c.category for c in cuts if c.min <= points <= c.max), None)


def _arithmetic(rows: list[Row], e: EnteredResult, own: RM2000Result, key: RM2000Result,
                rs: RM2000Ruleset, case: TrainingCase) -> list[Row]:
    """Totals and categories: calculation and rule errors, judged on the trainee's own facts."""
    assert own.s and own.v and own.c
    ks, kvv, kc = key.s, key.v, key.c
    coded = {scale: [r.id for r in rows if r.error == "coding" and r.id.startswith(scale)]
             for scale in ("S.", "V.", "factor.")}
    out: list[Row] = []

    def total(row_id: str, label: str, entered: Any, computed: Any, key_value: Any,
              causes: list[str]) -> Row:
        value = entered if entered is not None else computed
        kind = "category" if row_id.endswith("category") else "total"
        row = Row(id=row_id, kind=kind, label=label, trainee=value, key=key_value,
                  agree=None if key_value is None else value == key_value)
        if row.agree is False:
            row.follows_from = [c for c in causes if c]
        return row

    # /S step 1 points
    p = total("S.step1_points", "/S step 1 total", e.step1_points, own.s.step1_points,
              ks.step1_points if ks else None, coded["S."])
    if e.step1_points is not None and e.step1_points != own.s.step1_points:
        p.error, p.follows_from = "calculation", []
        p.message = (f"Your items give {' + '.join(str(i.points) for i in own.s.items)} = "
                     f"{own.s.step1_points}, but you entered {e.step1_points}.")
    out.append(p)
    # /S step 1 category
    basis = e.step1_points if e.step1_points is not None else own.s.step1_points
    from_basis = _category(rs.s.cuts, basis)
    c1 = total("S.step1_category", "/S step 1 category", e.step1_category,
               from_basis or own.s.step1_category, ks.step1_category if ks else None,
               ["S.step1_points"] if p.agree is False else coded["S."])
    if e.step1_category is not None and e.step1_category not in (from_basis,
                                                                 own.s.step1_category):
        c1.error, c1.follows_from = "calculation", []
        c1.message = (f"A step-1 total of {basis} is "
                      f"{from_basis or 'outside the table'}, not {e.step1_category}.")
    out.append(c1)
    # aggravating factors (counted from the trainee's facts; nothing to enter)
    out.append(total("S.aggravating_factors", "/S aggravating factors",
                     None, own.s.aggravating_factors, ks.aggravating_factors if ks else None,
                     coded["factor."]))
    # /S final category: the raise rule
    base = c1.trainee
    steps = rs.raise_steps(own.s.aggravating_factors)
    by_rule = rs.raise_category(base, steps) if base in rs.categories else None
    s = total("S.category", "/S category (after step 2)", e.s, by_rule or own.s.category,
              ks.category if ks else None,
              ["S.step1_category"] * (c1.agree is False) + ["S.aggravating_factors"]
              * (out[-1].agree is False))
    accepted = {by_rule, rs.raise_category(own.s.step1_category, steps)}
    if e.s is not None and by_rule is not None and e.s not in accepted:
        s.error, s.follows_from = "rule", []
        s.message = (f"{own.s.aggravating_factors} aggravating factor(s) raise {base} by {steps} "
                     f"categor{'y' if steps == 1 else 'ies'} (never above "
                     f"{rs.categories[-1]}): {by_rule}, not {e.s}.")
    s.rationale = out[-1].rationale = case.key.rationale.step2
    out.append(s)
    # /V
    vp = total("V.points", "/V total", e.v_points, own.v.points, kvv.points if kvv else None,
               coded["V."])
    if e.v_points is not None and e.v_points != own.v.points:
        vp.error, vp.follows_from = "calculation", []
        vp.message = (f"Your items give {' + '.join(str(i.points) for i in own.v.items)} = "
                      f"{own.v.points}, but you entered {e.v_points}.")
    out.append(vp)
    vbasis = e.v_points if e.v_points is not None else own.v.points
    v_from = _category(rs.v.cuts, vbasis)
    v = total("V.category", "/V category", e.v, v_from or own.v.category,
              kvv.category if kvv else None,
              ["V.points"] if vp.agree is False else coded["V."])
    if e.v is not None and e.v not in (v_from, own.v.category):
        v.error, v.follows_from = "calculation", []
        v.message = f"A /V total of {vbasis} is {v_from or 'outside the table'}, not {e.v}."
    out.append(v)
    # /C: the conversion rule
    conv = rs.c.conversion
    c_by_rule = _category(rs.c.cuts, conv[s.trainee] + conv[v.trainee])
    c = total("C.category", "/C category", e.c, c_by_rule, kc.category if kc else None,
              ["S.category"] * (s.agree is False) + ["V.category"] * (v.agree is False))
    if e.c is not None and e.c != c_by_rule:
        c.error, c.follows_from = "rule", []
        c.message = (f"/C converts /S {s.trainee} = {conv[s.trainee]} and /V {v.trainee} = "
                     f"{conv[v.trainee]}: {conv[s.trainee] + conv[v.trainee]} is {c_by_rule}, "
                     f"not {e.c}.")
    c.rationale = case.key.rationale.c_conversion
    out.append(c)
    return out


def _categories(trainee: dict[str, str | None] | None, key: RM2000Result,
                rs: RM2000Ruleset) -> list[CategoryComparison]:
    """Categories side by side; `trainee` None means the trainee said "not applicable"."""
    out = []
    for scale in ("S", "V", "C"):
        mine = NOT_APPLICABLE if trainee is None else trainee.get(scale)
        theirs = getattr(key, scale.lower()).category if key.applicable else NOT_APPLICABLE
        if mine in rs.categories and theirs in rs.categories:
            dist: int | None = abs(rs.categories.index(mine) - rs.categories.index(theirs))
        else:
            dist = 0 if mine == theirs else None
        band = "not comparable" if dist is None else ("same", "1 apart")[dist] if dist < 2 \
            else "2+ apart"
        out.append(CategoryComparison(scale=scale, trainee=mine, key=theirs, distance=dist,
                                      band=band))
    return out


# --- what if ------------------------------------------------------------------------------------

def _summary(result: RM2000Result) -> dict[str, str]:
    if not result.applicable:
        return {"RM2000": NOT_APPLICABLE}
    assert result.s and result.v and result.c
    return {"S": result.s.category, "V": result.v.category, "C": result.c.category}


def what_if(case: TrainingCase, attempt: Attempt, item: str, *, value: Any = None,
            flip: bool = False, ruleset: RM2000Ruleset | None = None) -> WhatIf:
    """Re-score the trainee's facts with one item changed: to `value`, flipped (yes/no items),
    or by default to the key's value. Problems are reported in `.problem`, never raised."""
    rs = ruleset or load_rm2000_ruleset()
    today = case.assessment_date
    out = WhatIf(item=item)
    if item not in ITEMS:
        out.problem = f"{item!r} is not an RM2000 item or factor; use one of: {', '.join(ITEMS)}"
        return out
    key = score(case.key_facts(), rs, today=today)
    out.key = _summary(key)
    try:
        own = score(attempt.facts, rs, today=today)
    except RM2000ValidationError as exc:
        out.problem = f"your facts cannot be scored yet: {exc}"
        return out
    if not own.applicable or own.facts is None:
        out.problem = "your facts make RM2000 not applicable, so there is no category to change"
        return out
    base = own.facts.model_dump(exclude={"age_at_assessment"})
    out.trainee_value = base[item]
    if flip:
        if not isinstance(out.trainee_value, bool):
            out.problem = f"{item} is a number; give a value instead of flipping it"
            return out
        out.new_value = not out.trainee_value
    elif value is not None:
        out.new_value = value
    elif key.facts is not None:
        out.new_value = getattr(key.facts, item)
    else:
        out.problem = "RM2000 does not apply to this case, so the key has no value to try"
        return out
    out.before = _summary(own)
    facts = base | {item: out.new_value, "sex": attempt.facts.sex,
                    "age_at_assessment": own.facts.age_at_assessment,
                    "sexual_offence_aged_17_plus": attempt.facts.sexual_offence_aged_17_plus}
    try:
        after = score(facts, rs, today=today)
    except RM2000ValidationError as exc:
        out.problem = f"with {item} = {_shown(out.new_value)} the facts are inconsistent: {exc}"
        return out
    out.after = _summary(after)
    out.changed = [k for k in out.after if out.before.get(k) != out.after[k]]
    return out


def disputed_what_ifs(case: TrainingCase, attempt: Attempt, feedback: Feedback,
                      ruleset: RM2000Ruleset | None = None) -> list[WhatIf]:
    """For each fact coded differently from the key, the trainee's categories had they coded it
    the key's way."""
    facts = dict.fromkeys(r.fact for r in feedback.rows
                          if r.error == "coding" and r.fact in ITEMS)
    return [what_if(case, attempt, fact, ruleset=ruleset) for fact in facts]
