"""The case library covers what practitioners meet (issue 15, section 6), read from the case
files: images-only offending, breaches of notification and of an SHPO, a man over 70, an adult
whose only sexual offence was at 16, online grooming, high counts, and sexual preoccupation
answerable from the file. Each trap must change the result when coded wrongly."""

from __future__ import annotations

import pytest

from rso_widgets.cases import TrainingCase, load_cases
from rso_widgets.cases.checks import counted_sexual_offences
from rso_widgets.instruments.record import derive_counts
from rso_widgets.instruments.rm2000 import _years_between, score
from rso_widgets.instruments.ruleset import load_rm2000_ruleset
from rso_widgets.settings import REPO_ROOT

RS = load_rm2000_ruleset()
CASES = load_cases(REPO_ROOT / "training_cases", RS)
NEW = [c for c in CASES if int(c.id[3:]) >= 16]
PROFESSIONAL = {"partner agency", "records"}


def counted_offences(case: TrainingCase) -> list[tuple[str, bool]]:
    """(offence name, sexual) for every offence on a counted occasion."""
    return [(off.name, off.sexual) for occ in case.history.occasions
            if occ.disposal in RS.counting.counted_disposals for off in occ.offences]


def with_offence(text: str) -> list[TrainingCase]:
    return [c for c in CASES if any(text in name for name, _ in counted_offences(c))]


def rescored(case: TrainingCase, **changes: object) -> str:
    """The /S category the engine gives when the key's facts are miscoded as `changes`."""
    facts = case.key_facts().model_copy(update=changes)
    result = score(facts, RS, today=case.assessment_date)
    assert result.s is not None
    return result.s.category


def test_library_has_23_cases_and_eight_new_ones() -> None:
    assert len(CASES) >= 23
    assert len(NEW) >= 8
    assert len({c.difficulty for c in NEW}) == 3


@pytest.mark.parametrize("case", NEW, ids=lambda c: c.id)
def test_new_case_is_complete_and_sourced(case: TrainingCase) -> None:
    assert case.arms_key is not None and case.plan_key is not None
    plan = case.plan_key.plan()
    assert plan.mappa is not None and plan.mappa.category == 1
    assert plan.mappa.level in (1, 2, 3) and plan.mappa.lead_agency.strip()
    assert plan.partner_assessments
    points = [s.point for s in case.legal_sources]
    assert any(p.startswith("Name check:") for p in points) and len(points) >= 3
    assert 2025 <= case.assessment_date.year <= 2026


@pytest.mark.parametrize("case", NEW, ids=lambda c: c.id)
def test_every_insufficient_factor_has_a_follow_up_and_an_action(case: TrainingCase) -> None:
    assert case.arms_key is not None and case.plan_key is not None
    for fid, r in case.arms_key.ratings.items():
        if r.rating == "insufficient_information":
            assert r.follow_up is not None and r.follow_up.due >= case.assessment_date, fid
            assert case.plan_key.plan().actions_for(fid), fid


def test_images_only_offending_is_scored() -> None:
    cases = [c for c in with_offence("indecent photographs") if c.key.expected.applicable
             and all(o.non_contact and o.victim is None for o in counted_sexual_offences(c, RS))]
    assert cases, "need an applicable case whose only sexual offences are indecent images"
    for c in cases:
        assert c.key.facts.non_contact
        why = c.key.rationale.eligibility.lower()
        assert "sexual offence" in why and "contact" in why


def test_notification_breach_is_a_non_sexual_criminal_appearance() -> None:
    cases = with_offence("s.91")
    assert cases
    for c in cases:
        assert all(not sexual for name, sexual in counted_offences(c) if "s.91" in name)
        d = derive_counts(c.occasions(), RS.counting.counted_disposals)
        assert d.criminal_appearances > d.sexual_appearances
    # the trap: counting the breach as sexual changes /S
    assert any(rescored(c, sexual_appearances=c.key.facts.sexual_appearances + 1)
               != c.key.expected.s for c in cases)


def test_shpo_breach_is_a_non_sexual_criminal_appearance() -> None:
    cases = with_offence("sexual harm prevention order (Sexual Offences Act 2003, s.103I)")
    assert cases
    for c in cases:
        assert all(not sexual for name, sexual in counted_offences(c) if "s.103I" in name)
        assert "breach" in c.history.convention.lower()
    assert any(rescored(c, sexual_appearances=c.key.facts.sexual_appearances + 1)
               != c.key.expected.s for c in cases)


def test_a_man_over_70() -> None:
    assert any(c.person.sex == "male" and c.person.age > 70 and c.key.expected.applicable
               for c in CASES)


def test_adult_whose_only_sexual_offence_was_at_16() -> None:
    cases = [c for c in CASES if c.key.expected.not_applicable_because == "sexual-offence-under-17"
             and c.person.age >= 18]
    assert cases
    for c in cases:
        ages = [_years_between(c.person.date_of_birth, o.offence_date)
                for o in counted_sexual_offences(c, RS)]
        assert ages and all(a == 16 for a in ages)
        # convicted or released at 17 or later: the trap is reading age from the wrong date
        sexual_dates = [occ.date for occ in c.history.occasions
                        if any(off.sexual for off in occ.offences)]
        assert any(_years_between(c.person.date_of_birth, d) >= 17 for d in sexual_dates)


def test_online_grooming() -> None:
    communication = with_offence("s.15A")
    meeting = with_offence("s.15)")
    assert communication and meeting
    for c in communication:
        victims = [o.victim for o in counted_sexual_offences(c, RS) if o.victim]
        assert victims and all(v.relationship == "online-contact" for v in victims)
        assert c.key.facts.non_contact and not c.key.facts.stranger_victim


def test_high_counts() -> None:
    assert any((c.key.expected.step1_points or 0) > 4 for c in CASES)
    assert any(c.key.facts.sexual_appearances >= 5 for c in CASES)
    assert any(c.key.facts.violent_appearances >= 4 for c in CASES)


def test_an_occasion_can_be_both_sexual_and_violent() -> None:
    assert any(any(any(o.sexual for o in occ.offences)
                   and any(o.violent and not o.sexual for o in occ.offences)
                   for occ in c.history.occasions) for c in CASES)


def test_sexual_preoccupation_answerable_from_the_file() -> None:
    answered = []
    for c in CASES:
        r1 = c.arms_key.ratings.get("R1") if c.arms_key else None
        if r1 and r1.rating in ("partly_evident", "evident") \
                and any(e.source in PROFESSIONAL for e in r1.evidence):
            answered.append(c.id)
    assert len(answered) >= 2, answered


def test_commencement_under_18_is_scored_in_the_youngest_band() -> None:
    cases = [c for c in CASES if c.key.expected.applicable and c.key.facts.commencement_date
             and _years_between(c.person.date_of_birth, c.key.facts.commencement_date) < 18]
    assert cases
    for c in cases:
        result = score(c.key_facts(), RS, today=c.assessment_date)
        assert result.s and result.v
        s_age = next(i for i in result.s.items if i.item == "age_at_commencement")
        v_age = next(i for i in result.v.items if i.item == "age_at_commencement")
        assert (s_age.points, v_age.points) == (2, 3)
        assert "youngest band" in c.key.rationale.age_at_commencement


def test_revised_c_conversion_changes_some_new_keys() -> None:
    """At least one new case teaches the revised /C (its rationale says what the old scheme
    gave), and at least one is scored before release."""
    assert any("earlier 0–3 conversion" in c.key.rationale.c_conversion for c in NEW)
    assert any(c.key.facts.commencement_date and c.key.facts.commencement_date
               > c.assessment_date for c in NEW)


def test_the_revised_c_conversion_changed_exactly_six_original_keys() -> None:
    """Issue 15: re-keyed under 2.0.0, the /C keys of TC-04, 05, 07, 08, 11 and 12 differ from
    what the superseded 1.0.0 ruleset gives for the same facts; no other original key does."""
    from rso_widgets.instruments.ruleset import load_rm2000_ruleset_ref

    old = load_rm2000_ruleset_ref("rm2000-ew-training@1.0.0")
    changed = set()
    for c in CASES:
        if int(c.id[3:]) > 15 or not c.key.expected.applicable:
            continue
        then = score(c.key_facts(), old, today=c.assessment_date)
        now = score(c.key_facts(), RS, today=c.assessment_date)
        assert then.c and now.c and now.c.category == c.key.expected.c
        assert (then.s.category, then.v.category) == (now.s.category, now.v.category)
        if then.c.category != now.c.category:
            changed.add(c.id)
    assert changed == {"TC-04", "TC-05", "TC-07", "TC-08", "TC-11", "TC-12"}


@pytest.mark.parametrize("case", [c for c in CASES if c.key.expected.applicable],
                         ids=lambda c: c.id)
def test_every_c_rationale_quotes_the_revised_arithmetic(case: TrainingCase) -> None:
    result = score(case.key_facts(), RS, today=case.assessment_date)
    assert result.c is not None
    said = case.key.rationale.c_conversion
    assert f"{result.c.s_points} + {result.c.v_points} = {result.c.points}" in said, case.id
    assert f"{result.c.category} on /C" in said, case.id
