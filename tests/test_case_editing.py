"""Writing a training case (cases/editing.py): problems grouped by the editor's sections, the
key scored by the engine, ids, and saving (valid only, atomic, never over an edit made elsewhere,
never a shipped id); saved cases are offered beside the training cases, and a broken one never
stops them loading."""

from __future__ import annotations

import logging

import pytest

from rso_widgets.cases import editing
from rso_widgets.cases.loader import load_cases
from rso_widgets.settings import SHIPPED_CASES_DIR, get_settings

TC01 = SHIPPED_CASES_DIR / "tc-01-brantingby.yaml"
SHIPPED = {c.id for c in load_cases(SHIPPED_CASES_DIR)}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("RSO_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield get_settings().local_cases()
    get_settings.cache_clear()


def test_a_copy_of_a_shipped_case_is_valid_under_a_new_id():
    draft = editing.copy_of(TC01, "TC-101")
    assert draft["id"] == "TC-101" and draft["title"].startswith("Copy of")
    check = editing.check_draft(draft)
    assert check.case is not None and check.problems == []


def test_a_blank_case_lists_every_problem_by_section():
    check = editing.check_draft(editing.blank_case("TC-101"))
    assert check.case is None
    by = check.by_section()
    assert by["about"] and by["person"] and by["documents"] and by["record"]
    assert all(editing.section_of(p.field) == key for key, ps in by.items() for p in ps)


def test_section_of_every_top_level_field():
    assert editing.section_of("person.background.work") == "person"
    assert editing.section_of("history.occasions[0].date") == "record"
    assert editing.section_of("key.expected.s") == "rm2000"
    assert editing.section_of("arms_key.ratings.R1") == "arms"
    assert editing.section_of("line 3, column 1") == "about"


def test_the_engine_scores_the_key_and_shows_where_it_differs():
    draft = editing.copy_of(TC01, "TC-101")
    lines, problems = editing.engine_check(draft)
    assert problems == [] and all(x.agrees for x in lines)
    draft["key"]["expected"]["s"] = "High"
    s = next(x for x in editing.engine_check(draft)[0] if x.item == "/S")
    assert (s.engine, s.key, s.agrees) == ("Low", "High", False)
    draft["key"]["facts"]["sexual_appearances"] = -1
    lines, problems = editing.engine_check(draft)
    assert lines == [] and any("sexual_appearances" in p for p in problems)
    assert editing.engine_check({"assessment_date": "soon"})[1][0].startswith("assessment_date")


def test_next_local_id_skips_taken_ids():
    assert editing.next_local_id(SHIPPED) == "TC-101"
    assert editing.next_local_id(SHIPPED | {"TC-101", "TC-102"}) == "TC-103"


def test_save_writes_a_valid_case_that_loads_beside_the_training_cases(folder):
    draft = editing.copy_of(TC01, "TC-101")
    path = editing.save_case(draft, folder, started_from=None, reserved=SHIPPED)
    assert path == folder / "tc-101-local.yaml"
    assert not list(folder.glob(".case-*"))  # the temporary file is gone
    ids = [c.id for c in load_cases()]
    assert "TC-101" in ids and "TC-01" in ids


def test_save_refuses_an_invalid_case_a_shipped_id_and_a_clash(folder):
    with pytest.raises(editing.SaveRefused, match="problem"):
        editing.save_case(editing.blank_case("TC-101"), folder, started_from=None,
                          reserved=SHIPPED)
    with pytest.raises(editing.SaveRefused, match="shipped case: give your case its own id"):
        editing.save_case(editing.copy_of(TC01, "TC-01"), folder, started_from=None,
                          reserved=SHIPPED)
    assert not folder.exists() or not list(folder.iterdir())


def test_an_edit_made_elsewhere_is_never_overwritten(folder):
    draft = editing.copy_of(TC01, "TC-101")
    path = editing.save_case(draft, folder, started_from=None, reserved=SHIPPED)
    opened = editing.digest(path)
    path.write_text(path.read_text(encoding="utf-8").replace("Copy of", "Changed in"),
                    encoding="utf-8")  # another tab saved meanwhile
    draft["title"] = "My version"
    with pytest.raises(editing.SaveRefused, match="Nothing was overwritten"):
        editing.save_case(draft, folder, started_from=opened, reserved=SHIPPED)
    assert "Changed in" in path.read_text(encoding="utf-8")
    editing.save_case(draft, folder, started_from=editing.digest(path), reserved=SHIPPED)
    assert "My version" in path.read_text(encoding="utf-8")
    with pytest.raises(editing.SaveRefused, match="created elsewhere"):  # a new case, same id
        editing.save_case(draft, folder, started_from=None, reserved=SHIPPED)


def test_a_broken_or_clashing_local_case_is_left_out_and_logged(folder, caplog):
    folder.mkdir(parents=True)
    (folder / "broken.yaml").write_text("id: TC-150\ntitle: [", encoding="utf-8")
    (folder / "clash.yaml").write_text(TC01.read_text(encoding="utf-8"), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="rso_widgets.cases"):
        ids = [c.id for c in load_cases()]
    assert sorted(ids) == sorted(SHIPPED)  # the training cases still load
    assert "broken.yaml" in caplog.text and "TC-01 left out" in caplog.text
