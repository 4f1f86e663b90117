"""The shipped training cases: all load, agree with the engine and their own record, are
fictional, and between them cover every category and every listed trap."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rso_widgets.cases import TrainingCase, load_cases
from rso_widgets.cases.checks import counted_sexual_offences, single_from_history
from rso_widgets.cases.documents import case_file, record_printout
from rso_widgets.cli import main
from rso_widgets.instruments.record import derive_counts
from rso_widgets.instruments.rm2000 import _years_between, score
from rso_widgets.instruments.ruleset import load_rm2000_ruleset
from rso_widgets.settings import REPO_ROOT

CASES_DIR = REPO_ROOT / "training_cases"
RS = load_rm2000_ruleset()
CASES = load_cases(CASES_DIR, RS)
BY_ID = {c.id: c for c in CASES}
CATEGORIES = ["Low", "Medium", "High", "Very High"]


def applicable() -> list[TrainingCase]:
    return [c for c in CASES if c.key.expected.applicable]


def with_objective(name: str) -> list[TrainingCase]:
    return [c for c in CASES if name in c.learning_objectives]


def test_enough_cases_with_unique_ids() -> None:
    assert len(CASES) >= 23
    assert len(BY_ID) == len(CASES)
    assert {c.difficulty for c in CASES} == {"introductory", "intermediate", "advanced"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case_is_consistent_with_engine_and_record(case: TrainingCase) -> None:
    result = score(case.key_facts(), RS, today=case.assessment_date)
    ex = case.key.expected
    assert result.applicable == ex.applicable
    if result.applicable:
        assert result.s and result.v and result.c
        assert (result.s.step1_points, result.s.step1_category, result.s.aggravating_factors,
                result.s.category, result.v.category, result.c.category) == \
               (ex.step1_points, ex.step1_category, ex.aggravating_factors, ex.s, ex.v, ex.c)
    d = derive_counts(case.occasions(), RS.counting.counted_disposals)
    k = case.key.facts
    assert (k.sexual_appearances, k.criminal_appearances, k.violent_appearances) == \
           (d.sexual_appearances, d.criminal_appearances, d.violent_appearances)
    assert (k.burglary, k.non_contact) == (d.burglary, d.non_contact)
    assert k.single == single_from_history(case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case_is_fictional_and_dated_in_2025_2026(case: TrainingCase) -> None:
    assert case.fictional is True
    assert "fictional" in case.documents.summary.lower()
    assert 2025 <= case.assessment_date.year <= 2026
    assert _years_between(case.person.date_of_birth, case.assessment_date) == case.person.age
    printout = record_printout(case)
    assert "FICTIONAL" in printout and case.person.name in printout
    assert printout.count("Outcome:") == len(case.history.occasions)
    # The case file a trainee reads never contains the key's reasoning.
    text = " ".join(body for _, body in case_file(case))
    assert case.key.rationale.eligibility not in text


@pytest.mark.parametrize("case", applicable(), ids=lambda c: c.id)
def test_commencement_date_is_in_the_case_file(case: TrainingCase) -> None:
    start = case.key.facts.commencement_date
    assert start is not None
    assert f"{start.day} {start:%B %Y}" in case.documents.summary


def test_every_category_present() -> None:
    assert {c.key.expected.s for c in applicable()} == set(CATEGORIES)
    assert {c.key.expected.v for c in applicable()} == set(CATEGORIES)
    # Under ruleset 2.0.0 /C is Very High only when /S and /V are both Very High (4 + 4 = 8):
    # TC-22 supplies that case.
    assert {c.key.expected.c for c in applicable()} == set(CATEGORIES)


def test_not_applicable_traps_present() -> None:
    reasons = {c.key.expected.not_applicable_because for c in CASES
               if not c.key.expected.applicable}
    assert reasons >= {"sex", "age", "no-sexual-conviction"}
    assert len(with_objective("eligibility")) >= 3


def test_same_day_trap() -> None:
    same_day = with_objective("same-day-appearances")
    assert same_day
    # at least one where two separate record entries share a date
    assert any(len({o.date for o in c.history.occasions}) < len(c.history.occasions)
               for c in same_day)


def test_stranger_traps_online_and_same_evening() -> None:
    cases = with_objective("stranger-definition")
    relations = {o.victim.relationship: c.key.facts.stranger_victim
                 for c in cases for o in counted_sexual_offences(c, RS) if o.victim}
    assert relations.get("stranger") is True
    online_only = [c for c in cases if not c.key.facts.stranger_victim and any(
        o.victim and o.victim.relationship == "online-contact"
        for o in counted_sexual_offences(c, RS))]
    assert online_only, "need a victim met online who was not a stranger"


def test_non_contact_alongside_contact() -> None:
    assert any(c.key.facts.non_contact and any(
        off.sexual and not off.non_contact for off in counted_sexual_offences(c, RS))
        for c in with_objective("non-contact"))


def test_cohabitation_traps_both_ways() -> None:
    cases = with_objective("single-cohabitation")

    def longest_cohabitation(c: TrainingCase) -> int:
        return max(_years_between(s.start, s.end or c.assessment_date)
                   for s in c.person.relationship_history if s.kind == "cohabited")

    never_married = [c for c in cases if all(s.kind not in ("married", "civil-partnership")
                                             for s in c.person.relationship_history)]
    assert any(not c.key.facts.single and longest_cohabitation(c) >= 2 for c in never_married)
    assert any(c.key.facts.single and longest_cohabitation(c) < 2 for c in never_married)


def test_commencement_age_exactly_on_a_band_edge() -> None:
    edges = []
    for c in with_objective("commencement-age-band"):
        start, born = c.key.facts.commencement_date, c.person.date_of_birth
        assert start is not None
        birthday = born.replace(year=start.year)
        edges.append((start - birthday).days)
    assert 0 in edges, "need a release on a birthday that starts a band"
    assert -1 in edges, "need a release on the day before a band starts"


def test_two_three_and_four_factors_and_the_cap() -> None:
    factors = {c.key.expected.aggravating_factors for c in applicable()}
    assert {2, 3, 4} <= factors
    capped = [c for c in with_objective("step2-cap")]
    assert capped and all(c.key.expected.s == "Very High" for c in capped)
    assert any(c.key.expected.aggravating_factors == 4 and c.key.expected.step1_category
               in ("High", "Very High") for c in capped)


def test_cautions_listed_not_counted_with_convention() -> None:
    cases = with_objective("cautions-not-counted")
    cautioned = [c for c in cases if any(o.disposal in ("caution", "youth-caution")
                                         for o in c.history.occasions)]
    assert cautioned and all(c.history.convention.strip() for c in cases)


def test_sexual_and_violent_counts_as_sexual_only() -> None:
    assert any(any(o.violent for o in counted_sexual_offences(c, RS))
               for c in with_objective("violent-appearances"))


def test_names_are_distinct() -> None:
    names = [c.person.name for c in CASES]
    assert len(set(names)) == len(names)
    # given names and surnames too: a workshop talks about "Mr Mossthorpe" or "Lorcan", and two
    # cases sharing either would be mixed up
    parts = [c.person.name.split()[-2:] for c in CASES]
    for position in (0, 1):
        used = [p[position] for p in parts]
        assert len(set(used)) == len(used), sorted(u for u in used if used.count(u) > 1)


def test_cli_validate_shipped_cases(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cases", "validate"]) == 0
    out = capsys.readouterr().out
    assert f"{len(CASES)} valid, 0 with problems" in out


def test_cli_validate_one_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cases", "validate", str(CASES_DIR / "tc-01-brantingby.yaml")]) == 0
    assert "1 valid" in capsys.readouterr().out


def test_cli_validate_broken_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for f in CASES_DIR.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    broken = tmp_path / "tc-04-shinglecombe.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace(
        "stranger_victim: true", "stranger_victim: false"), encoding="utf-8")
    assert main(["cases", "validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{broken}: key.facts.stranger_victim: is false but" in out
    assert " — fix: " in out
    assert f"{len(CASES) - 1} valid, 1 with problems" in out.splitlines()[-1]


def test_cli_validate_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cases", "validate", str(tmp_path / "nowhere")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_every_case_follows_the_naming_rule_and_records_its_name_check() -> None:
    from rso_widgets.cases.names import name_problem

    for case in CASES:
        assert name_problem(case.person.name) == "", case.id
        surname = case.person.name.split()[-1]
        checks = [s for s in case.legal_sources if s.point.startswith("Name check")]
        assert checks and surname in checks[0].point, case.id


def test_no_case_uses_a_name_known_to_belong_to_a_real_public_figure() -> None:
    """Issue 15: three shipped names belonged to real people; they must not come back."""
    retired = {"paul tilsley", "gareth millward", "ryan cresswell"}
    for case in CASES:
        assert " ".join(case.person.name.split()[-2:]).casefold() not in retired, case.id
