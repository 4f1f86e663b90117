"""The case editor page (apps/case_editor.py) in plain pytest: start from a copy or a blank,
problems shown on their inputs and in each section's status as you type, the engine beside the
key, the preview, saving, and a page for trainers only."""

from __future__ import annotations

import pytest

from rso_widgets.apps.case_editor import BLANK, CaseEditorApp
from rso_widgets.cases.loader import load_cases
from rso_widgets.settings import get_settings
from rso_widgets.widgets.tasklist import COMPLETED, IN_PROGRESS


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("RSO_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield CaseEditorApp()
    get_settings.cache_clear()


def control(app: CaseEditorApp, path: str):
    return app.form.binding(path).field


def copy_tc01(app: CaseEditorApp) -> None:
    choice = next(v for label, v in app.start_from.options if "TC-01:" in label)
    app.start_from.value = choice
    app._start()


def test_starts_from_a_copy_with_a_new_id_and_every_section_complete(app):
    copy_tc01(app)
    assert app.editor.layout.display == "" and app.start_panel.layout.display == "none"
    assert control(app, "id").control.value == "TC-101"
    assert set(app.journey.statuses().values()) == {COMPLETED}
    assert "Agrees" in app.engine.value and "Differs" not in app.engine.value


def test_a_problem_shows_on_its_input_and_its_section_as_you_type(app):
    copy_tc01(app)
    control(app, "person.date_of_birth").control.value = "1968-02-30"
    dob = control(app, "person.date_of_birth")
    assert "not a date that exists" in dob.error
    assert app.journey.statuses()["person"] == IN_PROGRESS
    assert "cannot score the key's facts yet" in app.engine.value
    dob.control.value = "1968-04-22"
    assert dob.error == "" and app.journey.statuses()["person"] == COMPLETED
    control(app, "key.expected.s").control.value = "High"
    assert "Differs" in app.engine.value
    assert "engine gives Low" in control(app, "key.expected.s").error


def test_bad_yaml_in_the_record_is_named_and_nothing_else_is_lost(app):
    copy_tc01(app)
    record = control(app, "history")
    record.control.value = "occasions:\n  - date: 2019-07-15\n    date: 2019-07-16\n"
    assert "duplicate key" in record.error
    assert app.journey.statuses()["record"] == IN_PROGRESS
    assert control(app, "title").control.value.startswith("Copy of")


def test_a_blank_case_lists_problems_and_cannot_be_saved_or_previewed(app):
    app.start_from.value = BLANK
    app._start()
    app._preview()
    assert "once the case has no problems left" in app.preview_note.value
    app.journey.show_check_answers()
    app.journey._submit()
    assert len(app.journey.summary_box.items) > 5
    assert not app.folder.exists() or not list(app.folder.iterdir())


def test_preview_then_save_and_the_case_is_offered_with_the_others(app):
    copy_tc01(app)
    control(app, "title").control.value = "A trainer's own case about <b>dates</b>"
    app._preview()
    assert "&lt;b&gt;dates&lt;/b&gt;" in app.preview.body.value  # escaped
    assert "Fictional training case" in app.preview.body.value
    app.journey.show_check_answers()
    app.journey._submit()
    assert "Saved as tc-101-local.yaml" in app.journey.message.value
    assert "TC-101" in [c.id for c in load_cases()]
    app.journey._submit()  # saving again after your own save is fine
    assert "Saved as" in app.journey.message.value
    again = CaseEditorApp()
    assert any("(yours: edit it)" in label for label, _ in again.start_from.options)


def test_only_trainers_may_write_cases(app, tmp_path, monkeypatch):
    roles = tmp_path / "roles.toml"
    roles.write_text('[roles]\ntrainer = ["tina"]\n', encoding="utf-8")
    monkeypatch.setenv("RSO_ROLES_FILE", str(roles))
    get_settings.cache_clear()
    page = CaseEditorApp()
    assert page.start_panel.layout.display == "none"
    assert "for trainers" in page.failure.value
