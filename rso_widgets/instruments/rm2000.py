"""RM2000 scoring: facts → eligibility → /S (steps 1–2), /V, /C, with the arithmetic explained.

Pure rules, no I/O beyond the cached ruleset. The tables live in `rulesets/rm2000.yaml`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, ValidationError

from .record import Derivation, Occasion, derive_counts
from .rm2000_result import CResult as CResult
from .rm2000_result import FactorResult as FactorResult
from .rm2000_result import FieldError as FieldError
from .rm2000_result import ItemResult as ItemResult
from .rm2000_result import ResolvedFacts as ResolvedFacts
from .rm2000_result import RM2000Result as RM2000Result
from .rm2000_result import RM2000ValidationError as RM2000ValidationError
from .rm2000_result import SResult as SResult
from .rm2000_result import VResult as VResult
from .ruleset import RM2000Ruleset, load_rm2000_ruleset

COUNT_FIELDS = ("sexual_appearances", "criminal_appearances", "violent_appearances")
FACTOR_FIELDS = ("male_victim", "stranger_victim", "non_contact", "single")
FIELD_HINTS = {
    "sex": '"male", "female" or another description',
    "age_at_assessment": "a whole number of years, or date_of_birth + assessment_date",
    "age_at_commencement": "a whole number of years, or date_of_birth + commencement_date",
    "date_of_birth": "an ISO date such as 1980-04-30",
    "assessment_date": "an ISO date such as 2026-11-02",
    "commencement_date": "an ISO date such as 2025-06-14 (release, or start of a community order)",
    "occasions": "a list of {date, offences: [{name, sexual, violent, burglary, non_contact}]}",
}


class RM2000Facts(BaseModel):
    """What the assessor knows. Every field is optional here; what is required is checked later."""

    model_config = ConfigDict(extra="forbid")

    sex: str | None = None
    age_at_assessment: StrictInt | None = None
    date_of_birth: dt.date | None = None
    assessment_date: dt.date | None = None
    age_at_commencement: StrictInt | None = None
    commencement_date: dt.date | None = None
    sexual_appearances: StrictInt | None = None
    criminal_appearances: StrictInt | None = None
    violent_appearances: StrictInt | None = None
    occasions: list[Occasion] | None = None
    burglary: StrictBool | None = None
    male_victim: StrictBool | None = None
    stranger_victim: StrictBool | None = None
    non_contact: StrictBool | None = None
    single: StrictBool | None = None
    sexual_offence_aged_17_plus: StrictBool | None = None


def _years_between(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def parse_facts(data: dict[str, Any] | RM2000Facts) -> RM2000Facts:
    """Turn a mapping into facts, or raise RM2000ValidationError naming each bad field."""
    if isinstance(data, RM2000Facts):
        return data
    if not isinstance(data, dict):
        raise RM2000ValidationError([FieldError(
            field="(input)",
            message='expected an object of named facts, e.g. {"sex": "male"}')])
    try:
        return RM2000Facts.model_validate(data)
    except ValidationError as exc:
        raise RM2000ValidationError([_friendly(e) for e in exc.errors()]) from None


def _parse_all(data: dict[str, Any] | RM2000Facts) -> tuple[RM2000Facts, list[FieldError]]:
    """Parse what can be parsed: a field of the wrong type is reported and left out, so the
    other fields are still checked in the same pass (every error at once, not one layer at a
    time). A non-mapping input is refused outright."""
    if isinstance(data, RM2000Facts) or not isinstance(data, dict):
        return parse_facts(data), []
    errors: list[FieldError] = []
    data = dict(data)
    while True:
        try:
            return RM2000Facts.model_validate(data), errors
        except ValidationError as exc:
            bad = exc.errors()
            errors.extend(_friendly(e) for e in bad)
            for e in bad:
                data.pop(str(e["loc"][0]) if e["loc"] else "", None)
            if not any(e["loc"] for e in bad):  # nothing left to drop: give up on the rest
                raise RM2000ValidationError(errors) from None


def _friendly(err: Any) -> FieldError:
    loc = err["loc"]
    field = ".".join(str(p) for p in loc) or "(input)"
    kind = err["type"]
    top = str(loc[0]) if loc else ""
    if kind == "extra_forbidden":
        valid = ", ".join(RM2000Facts.model_fields) if len(loc) == 1 else "see the occasions format"
        return FieldError(field=field, message=f"unknown field; valid fields are: {valid}")
    if kind.startswith("int"):
        return FieldError(field=field, message="must be a whole number (e.g. 3), not "
                          f"{err['input']!r}")
    if kind.startswith("bool"):
        return FieldError(field=field, message=f"must be true or false, not {err['input']!r}")
    if kind.startswith("date"):
        return FieldError(field=field, message=f"{err['input']!r} is not a real date; use an "
                          "ISO date such as 1980-04-30")
    if kind == "missing":
        return FieldError(field=field, message="is required here")
    hint = FIELD_HINTS.get(top)
    return FieldError(field=field, message=err["msg"] + (f"; expected {hint}" if hint else ""))


class _Checker:
    """Collects field errors while resolving dates and records into the facts the rules use."""

    def __init__(self, rs: RM2000Ruleset, today: dt.date):
        self.rs, self.today, self.errors = rs, today, []
        self.horizon = today + dt.timedelta(days=rs.validation.future_horizon_days)

    def err(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field=field, message=message))

    def dates(self, f: RM2000Facts) -> None:
        if f.date_of_birth and f.date_of_birth > self.today:
            self.err("date_of_birth", "is in the future; enter the person's date of birth")
        for name in ("assessment_date", "commencement_date"):
            d = getattr(f, name)
            if d and d > self.horizon:
                self.err(name, f"is more than {self.rs.validation.future_horizon_days} days in "
                               f"the future ({d}); check the year")
            if d and f.date_of_birth and d < f.date_of_birth:
                self.err(name, f"({d}) is before date_of_birth ({f.date_of_birth}); "
                               "the dates are in the wrong order")

    def age(self, f: RM2000Facts, field: str, date_field: str) -> int | None:
        given, when = getattr(f, field), getattr(f, date_field)
        derived = None
        if when is not None:
            if f.date_of_birth is None:
                self.err("date_of_birth", f"is needed to work out {field} from {date_field}")
            elif when >= f.date_of_birth:
                derived = _years_between(f.date_of_birth, when)
        if given is not None and derived is not None and given != derived:
            self.err(field, f"is {given} but the dates give {derived}; correct one or give "
                            "only the dates")
        value = derived if derived is not None else given
        if value is not None and value < 0:
            self.err(field, f"cannot be negative ({value})")
            return None
        return value

    def in_range(self, field: str, value: int) -> bool:
        lo, hi = self.rs.validation.min_age, self.rs.validation.max_age
        if not lo <= value <= hi:
            self.err(field, f"must be between {lo} and {hi} years (got {value})")
            return False
        return True

    def count(self, f: RM2000Facts, field: str, derived: Derivation | None,
              required: bool = True) -> int | None:
        given = getattr(f, field)
        value = getattr(derived, field) if derived else given
        if derived and given is not None and given != value:
            self.err(field, f"is {given} but the occasions give {value}; remove the count or "
                            "correct the record")
        if value is None:
            if required:
                self.err(field, "is required: a whole number of 0 or more, or give occasions")
        elif value < 0:
            self.err(field, f"cannot be negative ({value}); enter 0 or more")
            return None
        elif (top := self.rs.validation.max_appearances) is not None and value > top:
            self.err(field, f"({value}) is above the ceiling of {top} appearances: a record "
                            "this long is a typing error; check the number")
            return None
        return value

    def occasions(self, f: RM2000Facts) -> bool:
        """False (with the error recorded) if the record lists more occasions than the ceiling."""
        top = self.rs.validation.max_appearances
        if f.occasions is None or top is None or len(f.occasions) <= top:
            return True
        self.err("occasions", f"lists {len(f.occasions)} sentencing occasions, more than the "
                              f"ceiling of {top}: a record this long is a typing error; check "
                              "the record")
        return False

    def flag(self, f: RM2000Facts, field: str, derived: Derivation | None = None) -> bool | None:
        given = getattr(f, field)
        from_record = getattr(derived, field) if derived is not None else None
        if given is not None and from_record is not None and given is False and from_record:
            self.err(field, f"is false but the occasions include a {field.replace('_', '-')} "
                            "offence; correct one of them")
        value = given if given is not None else from_record
        if value is None:
            self.err(field, "is required: true or false")
        return value


def score(facts: dict[str, Any] | RM2000Facts, ruleset: RM2000Ruleset | None = None,
          today: dt.date | None = None) -> RM2000Result:
    """Score RM2000. Returns a result (possibly *not applicable*), or raises
    RM2000ValidationError listing every bad field."""
    rs = ruleset or load_rm2000_ruleset()
    f, type_errors = _parse_all(facts)
    bad = {e.field.split(".")[0] for e in type_errors}
    now = dt.datetime.now(dt.UTC)
    ck = _Checker(rs, today or now.date())
    base = {"ruleset": rs.ref, "scored_at": now, "interpretation": rs.interpretation}

    if "occasions" in bad:  # a record was given (and refused): the counts it stands for
        bad |= {"sexual_appearances", "criminal_appearances", "violent_appearances"}

    def fail() -> RM2000ValidationError:
        # A field already reported as the wrong type is not also reported as missing.
        later = [e for e in ck.errors if e.field.split(".")[0] not in bad]
        return RM2000ValidationError(type_errors + later)

    ck.dates(f)
    if not ck.occasions(f):
        raise fail()
    derivation = derive_counts(f.occasions, rs.counting.counted_disposals) \
        if f.occasions is not None else None
    age_now = ck.age(f, "age_at_assessment", "assessment_date")
    sexual = ck.count(f, "sexual_appearances", derivation, required=False)
    # Eligibility decided by what is known, before asking for everything else.
    reason = _ineligible(rs, f.sex, age_now, sexual, f.sexual_offence_aged_17_plus)
    if reason and not ck.errors and not type_errors:
        return RM2000Result(applicable=False, reason=reason, derivation=derivation, **base)
    if f.sex is None or not f.sex.strip():
        ck.err("sex", 'is required: "male", "female" or another description')
    if age_now is None and f.assessment_date is None and f.age_at_assessment is None:
        ck.err("age_at_assessment", "is required: give it, or date_of_birth + assessment_date")
    elif age_now is not None and age_now > rs.validation.max_age:
        ck.err("age_at_assessment", f"must be {rs.validation.max_age} or under (got {age_now})")
    if f.sexual_offence_aged_17_plus is None:
        ck.err("sexual_offence_aged_17_plus", "is required: true or false")
    if sexual is None and f.sexual_appearances is None and derivation is None:
        ck.err("sexual_appearances", "is required: a whole number of 1 or more, or give occasions")
    # Every other check runs in the same pass: the person sees every problem at once.
    age_start = ck.age(f, "age_at_commencement", "commencement_date")
    if age_start is None and f.commencement_date is None and f.age_at_commencement is None:
        ck.err("age_at_commencement", "is required: give it, or date_of_birth + commencement_date")
    elif age_start is not None and ck.in_range("age_at_commencement", age_start):
        ahead = rs.validation.future_horizon_days // 365 + 1
        if age_now is not None and age_start > age_now + ahead:
            ck.err("age_at_commencement", f"({age_start}) is more than {ahead} year(s) after "
                   f"age_at_assessment ({age_now}); check both")
    criminal = ck.count(f, "criminal_appearances", derivation)
    violent = ck.count(f, "violent_appearances", derivation)
    if criminal is not None and sexual is not None and criminal < sexual:
        ck.err("criminal_appearances", f"({criminal}) cannot be fewer than sexual_appearances "
               f"({sexual}): every sexual appearance is also a criminal appearance")
    if criminal is not None and violent is not None and violent > criminal:
        ck.err("violent_appearances", f"({violent}) cannot be more than criminal_appearances "
               f"({criminal}): every violent appearance is also a criminal appearance")
    flags = {name: ck.flag(f, name, derivation) for name in ("burglary", "non_contact")}
    flags |= {name: ck.flag(f, name) for name in ("male_victim", "stranger_victim", "single")}
    if ck.errors or type_errors:
        raise fail()
    assert age_now is not None and sexual is not None

    resolved = ResolvedFacts(
        age_at_assessment=age_now, age_at_commencement=age_start, sexual_appearances=sexual,
        criminal_appearances=criminal, violent_appearances=violent, **flags)
    s, v, c = _score_scales(rs, resolved)
    return RM2000Result(applicable=True, reason=None, facts=resolved, derivation=derivation,
                        s=s, v=v, c=c, **base)


def _ineligible(rs: RM2000Ruleset, sex: str | None, age: int | None, sexual: int | None,
                aged_17_plus: bool | None) -> str:
    """The reason RM2000 does not apply, judged on the facts known so far ('' if none)."""
    el = rs.eligibility
    if sex is not None and sex.strip() and sex.strip().lower() != el.sex:
        return f"RM2000 applies only to men; sex is recorded as {sex.strip()!r}."
    if age is not None and 0 <= age < el.min_age_at_assessment:
        return (f"RM2000 applies only to people aged {el.min_age_at_assessment} or over at "
                f"assessment; the person is {age}.")
    if sexual == 0:
        return ("RM2000 needs at least one conviction for a sexual offence; an alleged or "
                "charged offence does not count.")
    if aged_17_plus is False:
        return (f"RM2000 needs at least one sexual offence committed aged "
                f"{el.min_age_at_sexual_offence} or over.")
    return ""


def _items(rs: RM2000Ruleset, scale: str, facts: ResolvedFacts) -> list[ItemResult]:
    out = []
    for item in getattr(rs, scale).items:
        fact = getattr(facts, item.id)
        band = item.band_for(int(fact))
        assert band is not None, f"{item.id}={fact} outside the ruleset's bands"
        out.append(ItemResult(item=item.id, label=item.label, fact=fact, band=band.describe(),
                              points=band.points))
    return out


def _score_scales(rs: RM2000Ruleset, facts: ResolvedFacts) -> tuple[SResult, VResult, CResult]:
    assert rs.s.step2 is not None
    s_items = _items(rs, "s", facts)
    step1 = sum(i.points for i in s_items)
    step1_cat = rs.category_for(rs.s.cuts, step1)
    factors = [FactorResult(factor=fa.id, label=fa.label, present=getattr(facts, fa.id))
               for fa in rs.s.step2.factors]
    n = sum(fa.present for fa in factors)
    steps = rs.raise_steps(n)
    top = len(rs.categories) - 1
    s = SResult(items=s_items, step1_points=step1, step1_category=step1_cat, factors=factors,
                aggravating_factors=n, raised_by=steps,
                capped=rs.categories.index(step1_cat) + steps > top,
                category=rs.raise_category(step1_cat, steps))
    v_items = _items(rs, "v", facts)
    v_points = sum(i.points for i in v_items)
    v = VResult(items=v_items, points=v_points, category=rs.category_for(rs.v.cuts, v_points))
    sp, vp = rs.c.conversion[s.category], rs.c.conversion[v.category]
    c = CResult(s_points=sp, v_points=vp, points=sp + vp,
                category=rs.category_for(rs.c.cuts, sp + vp))
    return s, v, c
