"""Training-case schema and loader: a valid case loads; every kind of bad case is refused whole,
with the file, the field path and a fix."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from rso_widgets.cases import CaseError, load_case, load_cases, validate_path
from rso_widgets.cases.loader import read_yaml
from rso_widgets.settings import REPO_ROOT

SOURCE = REPO_ROOT / "training_cases" / "tc-01-brantingby.yaml"


@pytest.fixture()
def base() -> dict[str, Any]:
    """TC-01 as plain data (dates kept as text, as the loader reads them)."""
    return read_yaml(SOURCE.read_text(encoding="utf-8"), str(SOURCE))


def write(folder: Path, data: dict[str, Any] | str, name: str = "case.yaml") -> Path:
    path = folder / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False,
                                                              allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[Any]:
    with pytest.raises(CaseError) as info:
        load_case(path)
    found = info.value.problems
    assert found, "a CaseError must list its problems"
    for p in found:
        assert p.file == str(path)
        assert p.field and p.message and p.fix
        assert str(p) == f"{path}: {p.field}: {p.message} — fix: {p.fix}"
    return found


def only(path: Path, field: str) -> Any:
    """The problem reported at `field` (and assert it is there)."""
    found = problems(path)
    at = [p for p in found if p.field == field]
    assert at, f"no problem at {field}; got {[str(p) for p in found]}"
    return at[0]


def test_valid_case_loads(tmp_path: Path, base: dict[str, Any]) -> None:
    case = load_case(write(tmp_path, base))
    assert case.id == "TC-01" and case.fictional is True
    assert case.key.expected.s == "Low"
    assert str(case.assessment_date) == "2025-10-06"


def test_not_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "schema_version: 1\nid: [TC-01\ntitle: x\n")
    p = problems(path)[0]
    assert p.field.startswith("line ") and "not valid YAML" in p.message


def test_top_level_not_a_mapping(tmp_path: Path) -> None:
    p = only(write(tmp_path, "- just\n- a list\n"), "(top level)")
    assert "schema_version" in p.fix


def test_python_tag_is_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f"schema_version: 1\nid: !!python/object/apply:os.system ['touch {marker}']\n"
    p = problems(write(tmp_path, text))[0]
    assert "tag" in p.message and "not allowed" in p.message
    assert not marker.exists()


def test_duplicate_key_is_refused(tmp_path: Path) -> None:
    text = SOURCE.read_text(encoding="utf-8").replace("title:", "title: First\ntitle:", 1)
    p = problems(write(tmp_path, text))[0]
    assert "duplicate key 'title'" in p.message and p.field.startswith("line ")


def test_wrong_type(tmp_path: Path, base: dict[str, Any]) -> None:
    base["key"]["facts"]["sexual_appearances"] = "one"
    p = only(write(tmp_path, base), "key.facts.sexual_appearances")
    assert "whole number" in p.message


def test_bool_written_as_text(tmp_path: Path, base: dict[str, Any]) -> None:
    base["history"]["occasions"][1]["offences"][0]["sexual"] = "yes please"
    p = only(write(tmp_path, base), "history.occasions[1].offences[0].sexual")
    assert "true or false" in p.message


def test_impossible_date(tmp_path: Path, base: dict[str, Any]) -> None:
    base["history"]["occasions"][1]["date"] = "2019-02-30"
    p = only(write(tmp_path, base), "history.occasions[1].date")
    assert "not a date that exists" in p.message and "YYYY-MM-DD" in p.fix


def test_impossible_date_unquoted_in_yaml(tmp_path: Path) -> None:
    text = SOURCE.read_text(encoding="utf-8").replace("assessment_date: 2025-10-06",
                                                      "assessment_date: 2025-13-06")
    only(write(tmp_path, text), "assessment_date")


def test_date_as_number_is_refused(tmp_path: Path, base: dict[str, Any]) -> None:
    base["person"]["date_of_birth"] = 19680422
    p = only(write(tmp_path, base), "person.date_of_birth")
    assert "not a date" in p.message


def test_unknown_field(tmp_path: Path, base: dict[str, Any]) -> None:
    base["person"]["background"]["hobbies"] = "fishing"
    p = only(write(tmp_path, base), "person.background.hobbies")
    assert "not a field" in p.message and "interests" in p.fix


def test_unknown_field_in_list_item(tmp_path: Path, base: dict[str, Any]) -> None:
    base["history"]["occasions"][0]["offences"][0]["weapon"] = False
    p = only(write(tmp_path, base), "history.occasions[0].offences[0].weapon")
    assert "non_contact" in p.fix


@pytest.mark.parametrize("value", [False, "maybe", None])
def test_fictional_must_be_true(tmp_path: Path, base: dict[str, Any], value: Any) -> None:
    if value is None:
        del base["fictional"]
    else:
        base["fictional"] = value
    p = only(write(tmp_path, base), "fictional")
    assert "fictional: true" in p.fix


def test_wrong_schema_version(tmp_path: Path, base: dict[str, Any]) -> None:
    base["schema_version"] = 2
    assert "schema_version: 1" in only(write(tmp_path, base), "schema_version").fix


def test_expected_category_disagreeing_with_engine(tmp_path: Path, base: dict[str, Any]) -> None:
    base["key"]["expected"]["s"] = "High"
    p = only(write(tmp_path, base), "key.expected.s")
    assert "engine gives Low" in p.message and "s: Low" in p.fix


def test_expected_applicable_disagreeing_with_engine(tmp_path: Path,
                                                    base: dict[str, Any]) -> None:
    base["key"]["expected"] = {"applicable": False, "not_applicable_because": "sex"}
    p = only(write(tmp_path, base), "key.expected.applicable")
    assert "engine gives true" in p.message


def test_counts_disagreeing_with_history(tmp_path: Path, base: dict[str, Any]) -> None:
    base["key"]["facts"]["criminal_appearances"] = 3
    p = only(write(tmp_path, base), "key.facts.criminal_appearances")
    assert "history gives 2" in p.message and "criminal_appearances: 2" in p.fix


def test_same_day_occasions_counted_once(tmp_path: Path, base: dict[str, Any]) -> None:
    extra = copy.deepcopy(base["history"]["occasions"][1])
    extra["offences"][0]["name"] = "Sexual assault (second count)"
    base["history"]["occasions"].append(extra)  # same date → still 1 sexual appearance
    assert load_case(write(tmp_path, base)).key.facts.sexual_appearances == 1


@pytest.mark.parametrize(("field", "value"), [
    ("male_victim", True), ("stranger_victim", True), ("non_contact", True), ("burglary", True),
])
def test_factor_flags_disagreeing_with_history(tmp_path: Path, base: dict[str, Any],
                                               field: str, value: bool) -> None:
    base["key"]["facts"][field] = value
    p = only(write(tmp_path, base), f"key.facts.{field}")
    assert "history gives false" in p.message


def test_single_disagreeing_with_relationships(tmp_path: Path, base: dict[str, Any]) -> None:
    base["person"]["relationship_history"] = [
        {"partner": "A former partner", "kind": "cohabited", "start": "1990-01-01",
         "end": "1991-06-30"}]
    p = only(write(tmp_path, base), "key.facts.single")
    assert "relationship_history gives true" in p.message


def test_age_must_match_dates(tmp_path: Path, base: dict[str, Any]) -> None:
    base["person"]["age"] = 58
    assert "age: 57" in only(write(tmp_path, base), "person.age").fix


def test_offence_after_its_sentencing(tmp_path: Path, base: dict[str, Any]) -> None:
    base["history"]["occasions"][1]["offences"][0]["offence_date"] = "2019-08-01"
    only(write(tmp_path, base), "history.occasions[1].offences[0].offence_date")


def test_objective_not_exercised(tmp_path: Path, base: dict[str, Any]) -> None:
    base["learning_objectives"].append("step2-cap")
    p = only(write(tmp_path, base), "learning_objectives")
    assert "step2-cap" in p.message


def test_unknown_objective(tmp_path: Path, base: dict[str, Any]) -> None:
    base["learning_objectives"].append("guesswork")
    p = only(write(tmp_path, base), "learning_objectives[3]")
    assert "same-day-appearances" in p.fix


def test_missing_rationale(tmp_path: Path, base: dict[str, Any]) -> None:
    del base["key"]["rationale"]["single"]
    only(write(tmp_path, base), "key.rationale.single")


def test_summary_must_say_fictional(tmp_path: Path, base: dict[str, Any]) -> None:
    base["documents"]["summary"] = "Mr Brantingby is a man living in a market town. " * 2
    only(write(tmp_path, base), "documents.summary")


def test_identifier_in_text_is_refused(tmp_path: Path, base: dict[str, Any]) -> None:
    base["documents"]["officer_notes"] += " He lives at an address in AB1 2CD."
    p = only(write(tmp_path, base), "documents.officer_notes")
    assert "postcode" in p.message


def test_uncounted_disposal_needs_a_convention(tmp_path: Path, base: dict[str, Any]) -> None:
    base["history"]["occasions"].append({
        "date": "2010-05-05", "disposal": "caution", "sentence": "Simple caution",
        "offences": [{"name": "Theft", "offence_date": "2010-04-04"}]})
    only(write(tmp_path, base), "history.convention")


def test_not_applicable_reason_must_hold(tmp_path: Path, base: dict[str, Any]) -> None:
    base["person"]["sex"] = "female"
    base["key"]["expected"] = {"applicable": False, "not_applicable_because": "age"}
    base["learning_objectives"] = ["eligibility"]
    only(write(tmp_path, base), "key.expected.not_applicable_because")
    base["key"]["expected"]["not_applicable_because"] = "sex"
    assert not load_case(write(tmp_path, base)).key.expected.applicable


def test_folder_never_loads_half_way(tmp_path: Path, base: dict[str, Any]) -> None:
    write(tmp_path, base, "good.yaml")
    write(tmp_path, "id: [broken\n", "bad.yaml")
    report = validate_path(tmp_path)
    assert [c.id for c in report.cases] == ["TC-01"]
    assert {p.file for p in report.problems} == {str(tmp_path / "bad.yaml")}
    with pytest.raises(CaseError):
        load_cases(tmp_path)


def test_ids_unique_across_a_folder(tmp_path: Path, base: dict[str, Any]) -> None:
    write(tmp_path, base, "a.yaml")
    write(tmp_path, base, "b.yaml")
    report = validate_path(tmp_path)
    assert len(report.cases) == 1
    (p,) = report.problems
    assert p.field == "id" and "a.yaml" in p.message and p.file.endswith("b.yaml")


def test_empty_folder_is_a_problem(tmp_path: Path) -> None:
    report = validate_path(tmp_path)
    assert not report.ok and "no case files" in report.problems[0].message


def test_legal_sources_are_optional_and_named(tmp_path: Path, base: dict[str, Any]) -> None:
    base["legal_sources"] = [{"point": "Notification applies for 10 years",
                              "source": "Sexual Offences Act 2003, s.82"}]
    case = load_case(write(tmp_path, base))
    assert case.legal_sources[0].source == "Sexual Offences Act 2003, s.82"
    base["legal_sources"] = [{"point": "Notification applies"}]
    assert only(write(tmp_path, base, "b.yaml"), "legal_sources[0].source")


@pytest.mark.parametrize("name", ["Mr David Smith", "Ms Karen Jones", "Dr. Paul Holt"])
def test_common_given_name_with_common_surname_is_refused(tmp_path: Path, base: dict[str, Any],
                                                          name: str) -> None:
    base["person"]["name"] = name
    p = only(write(tmp_path, base), "person.name")
    assert "common given name" in p.message and "place-name" in p.fix


@pytest.mark.parametrize("name", ["Mr David Thistlehurst", "Mr Ambrose Smith", "Kyle Tamberwick"])
def test_a_rare_given_name_or_surname_passes(tmp_path: Path, base: dict[str, Any],
                                            name: str) -> None:
    base["person"]["name"] = name
    assert load_case(write(tmp_path, base)).person.name == name
