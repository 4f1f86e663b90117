"""Cross-checks on a parsed case: dates that agree, a key that agrees with its own record and with
the scoring engine, a rationale for every item, honest learning objectives, no identifiers, and
(when given) a complete ARMS key and key plan (`arms_key.py`).

Each finding is `(field path, message, fix)`; the loader adds the file name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..freetext import IDENTIFIER_PATTERNS
from ..instruments.record import Derivation, derive_counts
from ..instruments.rm2000 import RM2000Result, RM2000ValidationError, score
from ..instruments.rm2000 import _years_between as years_between
from ..instruments.ruleset import RM2000Ruleset
from .arms_key import check_arms_key
from .law import check_notification_periods
from .names import name_problem
from .schema import RATIONALE_ITEMS, HistoryOffence, TrainingCase

Finding = tuple[str, str, str]

MIN_AGE_OF_RESPONSIBILITY = 10
MIN_AGE_OF_RELATIONSHIP = 16
ENGINE_FIELD_PATHS = {"sex": "person.sex", "date_of_birth": "person.date_of_birth",
                      "assessment_date": "assessment_date", "age_at_assessment": "person.age",
                      "age_at_commencement": "key.facts.commencement_date"}


def check_case(case: TrainingCase, rs: RM2000Ruleset) -> list[Finding]:
    """Every cross-field problem in a case (empty list: the case is consistent)."""
    derivation = derive_counts(case.occasions(), rs.counting.counted_disposals)
    out = _dates(case) + _content(case) + _history(case, derivation, rs)
    engine, result = _engine(case, rs)
    out += engine + _rationale(case) + _objectives(case, derivation, result, rs)
    return out + check_notification_periods(case) + check_arms_key(case)


def counted_sexual_offences(case: TrainingCase, rs: RM2000Ruleset) -> list[HistoryOffence]:
    """Sexual offences on occasions whose disposal counts (convictions, by default)."""
    return [off for occ in case.history.occasions if occ.disposal in rs.counting.counted_disposals
            for off in occ.offences if off.sexual]


def single_from_history(case: TrainingCase) -> bool:
    """Never married (or civil partnered) and never cohabited for two years or more."""
    for spell in case.person.relationship_history:
        if spell.kind in ("married", "civil-partnership"):
            return False
        end = spell.end or case.assessment_date
        if spell.kind == "cohabited" and years_between(spell.start, end) >= 2:
            return False
    return True


def _dates(case: TrainingCase) -> list[Finding]:
    out: list[Finding] = []
    p, today = case.person, case.assessment_date
    if p.date_of_birth >= today:
        return [("person.date_of_birth", f"({p.date_of_birth}) is not before the assessment date "
                 f"({today})", "correct the date of birth or assessment_date")]
    age = years_between(p.date_of_birth, today)
    if p.age != age:
        out.append(("person.age", f"is {p.age} but date_of_birth and assessment_date give {age}",
                    f"set age: {age}, or correct one of the dates"))

    def too_young(when: dt.date, minimum: int) -> bool:
        return years_between(p.date_of_birth, when) < minimum

    for i, occ in enumerate(case.history.occasions):
        where = f"history.occasions[{i}]"
        if occ.date > today:
            out.append((f"{where}.date", f"({occ.date}) is after the assessment date ({today})",
                        "a record can only list what happened before the assessment"))
        if too_young(occ.date, MIN_AGE_OF_RESPONSIBILITY):
            out.append((f"{where}.date", f"({occ.date}) is before the person was "
                        f"{MIN_AGE_OF_RESPONSIBILITY}", "check the year against date_of_birth"))
        for j, off in enumerate(occ.offences):
            if off.offence_date > occ.date:
                out.append((f"{where}.offences[{j}].offence_date", f"({off.offence_date}) is "
                            f"after the occasion date ({occ.date})",
                            "an offence is committed before it is dealt with; check both dates"))
            if too_young(off.offence_date, MIN_AGE_OF_RESPONSIBILITY):
                out.append((f"{where}.offences[{j}].offence_date", f"({off.offence_date}) is "
                            f"before the person was {MIN_AGE_OF_RESPONSIBILITY}",
                            "check the year against date_of_birth"))
    for i, spell in enumerate(p.relationship_history):
        where = f"person.relationship_history[{i}]"
        if too_young(spell.start, MIN_AGE_OF_RELATIONSHIP):
            out.append((f"{where}.start", f"({spell.start}) is before the person was "
                        f"{MIN_AGE_OF_RELATIONSHIP}", "adult relationships only; check the year"))
        if spell.start > today:
            out.append((f"{where}.start", f"({spell.start}) is after the assessment date",
                        "check the year"))
        if spell.end and (spell.end < spell.start or spell.end > today):
            out.append((f"{where}.end", f"({spell.end}) must fall between start ({spell.start}) "
                        f"and the assessment date ({today})",
                        "correct the date, or leave end out if the relationship continues"))
    return out


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")


def _content(case: TrainingCase) -> list[Finding]:
    out: list[Finding] = []
    clash = name_problem(case.person.name)
    if clash:
        out.append(("person.name", clash, "invent a surname from place-name parts (e.g. a first "
                    "element + -thorpe, -combe, -wick, -stow, -hurst, -ley or -by) and check the "
                    "full name against real people (training_cases/README.md, Names)"))
    if "fictional" not in case.documents.summary.lower():
        out.append(("documents.summary", "does not say that the case is fictional",
                    "add a line such as 'This case is fictional: any resemblance to a real "
                    "person is coincidental.'"))
    for path, text in _strings(case.model_dump(mode="json"), ""):
        for what, pattern in IDENTIFIER_PATTERNS.items():
            if pattern.search(text):
                out.append((path, f"contains what looks like {what}",
                            "remove it: cases carry no identifiers (use ids like TC-01 and "
                            "generic places such as 'a town in the Midlands')"))
    return out


def _history(case: TrainingCase, d: Derivation, rs: RM2000Ruleset) -> list[Finding]:
    out: list[Finding] = []
    k = case.key.facts
    counted = rs.counting.counted_disposals
    working = "; ".join(d.explain())
    for name in ("sexual_appearances", "criminal_appearances", "violent_appearances"):
        if getattr(k, name) != getattr(d, name):
            out.append((f"key.facts.{name}", f"is {getattr(k, name)} but the sentencing history "
                        f"gives {getattr(d, name)} ({working})",
                        f"set {name}: {getattr(d, name)}, or correct history.occasions"))
    sexual = counted_sexual_offences(case, rs)
    from_history = {
        "burglary": d.burglary,
        "non_contact": d.non_contact,
        "male_victim": any(o.victim and o.victim.sex == "male" for o in sexual),
        "stranger_victim": any(o.victim and o.victim.relationship == "stranger" for o in sexual),
        "single": single_from_history(case),
        "sexual_offence_aged_17_plus": any(
            years_between(case.person.date_of_birth, o.offence_date)
            >= rs.eligibility.min_age_at_sexual_offence for o in sexual),
    }
    source = {"single": "person.relationship_history"}
    for name, value in from_history.items():
        if getattr(k, name) != value:
            out.append((f"key.facts.{name}", f"is {_yn(getattr(k, name))} but "
                        f"{source.get(name, 'the counted sentencing history')} gives "
                        f"{_yn(value)}", f"set {name}: {_yn(value)}, or correct "
                        f"{source.get(name, 'history.occasions')}"))
    for i, occ in enumerate(case.history.occasions):
        for j, off in enumerate(occ.offences):
            where = f"history.occasions[{i}].offences[{j}]"
            if off.sexual and not off.non_contact and off.victim is None:
                out.append((f"{where}.victim", "is required for a contact sexual offence",
                            "add victim: {sex, age_band, relationship}"))
            if off.non_contact and not off.sexual:
                out.append((f"{where}.non_contact", "is true for an offence that is not sexual",
                            "non_contact describes sexual offences only; set sexual: true or "
                            "remove non_contact"))
    uncounted = sorted({o.disposal for o in case.history.occasions} - set(counted))
    if uncounted and not case.history.convention.strip():
        out.append(("history.convention", f"is required because the record lists "
                    f"{', '.join(uncounted)} (not counted: only {', '.join(counted)} counts)",
                    "state it, e.g. 'Only convictions count as appearances; cautions are listed "
                    "but not counted.'"))
    last_sexual = max((o.date for o in case.history.occasions if o.disposal in counted
                       and any(off.sexual for off in o.offences)), default=None)
    if k.commencement_date and last_sexual and k.commencement_date < last_sexual:
        out.append(("key.facts.commencement_date", f"({k.commencement_date}) is before the most "
                    f"recent sexual conviction ({last_sexual})", "use the date of release from "
                    "that sentence, or the start of the community sentence"))
    return out


def _yn(value: bool) -> str:
    return "true" if value else "false"


def _engine(case: TrainingCase, rs: RM2000Ruleset) -> tuple[list[Finding], RM2000Result | None]:
    ex = case.key.expected
    try:
        result = score(case.key_facts(), rs, today=case.assessment_date)
    except RM2000ValidationError as exc:
        return [(ENGINE_FIELD_PATHS.get(e.field, f"key.facts.{e.field}"), e.message,
                 "correct the key's facts (or the person's dates) so the engine can score them")
                for e in exc.errors], None
    out: list[Finding] = []
    if ex.applicable != result.applicable:
        said = "applies" if ex.applicable else "does not apply"
        out.append(("key.expected.applicable", f"says RM2000 {said} but the engine gives "
                    f"{_yn(result.applicable)} ({result.reason or 'the key facts are eligible'})",
                    f"set applicable: {_yn(result.applicable)}, or correct the key's facts"))
        return out, result
    scored = ("step1_points", "step1_category", "aggravating_factors", "s", "v", "c")
    if not result.applicable:
        out += [(f"key.expected.{name}", "must be left out when RM2000 does not apply",
                 f"remove {name}") for name in scored if getattr(ex, name) is not None]
        return out + _because(case, rs), result
    assert result.s and result.v and result.c
    engine = {"step1_points": result.s.step1_points, "step1_category": result.s.step1_category,
              "aggravating_factors": result.s.aggravating_factors, "s": result.s.category,
              "v": result.v.category, "c": result.c.category}
    for name, value in engine.items():
        given = getattr(ex, name)
        if given is None:
            out.append((f"key.expected.{name}", "is required when RM2000 applies",
                        f"add {name}: {value}"))
        elif given != value:
            out.append((f"key.expected.{name}", f"is {given} but the engine gives {value} from "
                        "the key's facts", f"set {name}: {value}, or correct the key's facts"))
    if ex.not_applicable_because is not None:
        out.append(("key.expected.not_applicable_because", "must be left out when RM2000 "
                    "applies", "remove it"))
    return out, result


def _because(case: TrainingCase, rs: RM2000Ruleset) -> list[Finding]:
    why, k, el = case.key.expected.not_applicable_because, case.key.facts, rs.eligibility
    if why is None:
        return [("key.expected.not_applicable_because", "is required when RM2000 does not apply",
                 "add one of: sex, age, no-sexual-conviction, sexual-offence-under-17")]
    holds = {"sex": case.person.sex.strip().lower() != el.sex,
             "age": case.person.age < el.min_age_at_assessment,
             "no-sexual-conviction": k.sexual_appearances == 0,
             "sexual-offence-under-17": not k.sexual_offence_aged_17_plus}[why]
    if holds:
        return []
    return [("key.expected.not_applicable_because", f"is {why!r} but the case's facts do not "
             "show that", "name the reason the facts actually give")]


def _rationale(case: TrainingCase) -> list[Finding]:
    if not case.key.expected.applicable:
        return []
    r = case.key.rationale
    return [(f"key.rationale.{item}", "is missing or too short to teach from (20 characters or "
             "more)", f"explain for a learner how {item} is coded in this case")
            for item in RATIONALE_ITEMS if len(r.for_item(item).strip()) < 20]


def _objectives(case: TrainingCase, d: Derivation, result: RM2000Result | None,
                rs: RM2000Ruleset) -> list[Finding]:
    """A case claims an objective only if it actually exercises it."""
    objs = case.learning_objectives
    out: list[Finding] = []
    dupes = sorted({o for o in objs if objs.count(o) > 1})
    if dupes:
        out.append(("learning_objectives", f"lists {', '.join(dupes)} more than once",
                    "list each objective once"))
    applicable = bool(result and result.applicable)
    if result and not result.applicable and "eligibility" not in objs:
        out.append(("learning_objectives", "must include eligibility: RM2000 does not apply here",
                    "add eligibility"))
    k = case.key.facts
    sexual = counted_sexual_offences(case, rs)
    age_edges = {b for item in (rs.item("s", "age_at_commencement"),
                                rs.item("v", "age_at_commencement"))
                 for band in item.bands for b in (band.min, band.max) if b is not None}
    start_age = (years_between(case.person.date_of_birth, k.commencement_date)
                 if k.commencement_date else None)
    s = result.s if applicable and result else None
    shown = {
        "eligibility": not applicable,
        "step1-arithmetic": applicable,
        "c-conversion": applicable,
        "same-day-appearances": any(o.counted and len(o.offences) > 1 for o in d.occasions),
        "criminal-appearances": d.criminal_appearances > d.sexual_appearances,
        "violent-appearances": d.violent_appearances > 0
        or any(o.violent and o.sexual for o in sexual),
        "burglary": d.burglary,
        "cautions-not-counted": any(not o.counted for o in d.occasions),
        "commencement-age-band": start_age in age_edges,
        "male-victim": k.male_victim,
        "stranger-definition": any(o.victim and o.victim.relationship in ("stranger",
                                   "online-contact") for o in sexual),
        "non-contact": d.non_contact,
        "single-cohabitation": any(sp.kind == "cohabited"
                                   for sp in case.person.relationship_history),
        "step2-raising": bool(s and s.aggravating_factors >= 2),
        "step2-cap": bool(s and s.capped),
    }
    for obj in dict.fromkeys(objs):
        if not shown[obj]:
            out.append(("learning_objectives", f"lists {obj} but the case does not exercise it",
                        f"remove {obj}, or change the case so that it does"))
    return out
