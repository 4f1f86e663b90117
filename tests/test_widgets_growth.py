"""Issue 16 without a browser: confidence in RM2000 practice (marking, confident errors first,
progress), ARMS practice attempts kept and shown, and the calibration record app (own record,
re-test pack, certificate, the trainer's list of who is due)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from identities import roles_file

from rso_widgets.apps.arms import ARMSPractice
from rso_widgets.apps.certification import CertificationApp, calibration_record
from rso_widgets.apps.practice import MemoryPracticeStore, PracticeApp
from rso_widgets.calibration.confidence import RM2000_TOPICS, Judged, summarise_confidence
from rso_widgets.cases import load_cases
from rso_widgets.cases.arms_key import key_assessment
from rso_widgets.instruments.ruleset import load_rm2000_ruleset
from rso_widgets.store import open_store
from rso_widgets.store.arms_practice import MemoryArmsPracticeStore
from rso_widgets.store.certification import CertificationStore
from rso_widgets.store.practice import SqlPracticeStore
from rso_widgets.widgets.confidence import ConfidenceInput, feedback_html, progress_html

CASES = load_cases()
BY_ID = {c.id: c for c in CASES}
USER = "trainee.one"


def key_facts(case_id: str, **changes: Any) -> dict[str, Any]:
    facts = BY_ID[case_id].key_facts().model_dump(exclude_none=True, mode="json")
    facts.update(changes)
    return {k: v for k, v in facts.items() if v is not None}


def no_inline_style(html: str) -> None:
    assert "style=" not in html


# --- confidence --------------------------------------------------------------------------------

def test_confidence_input_marks_checks_and_resets() -> None:
    box = ConfidenceInput(RM2000_TOPICS)
    assert box.value == {}
    box.choices["S"].value = "sure"
    problems = box.check()
    assert [label for label, _, _ in problems] == [
        "How sure are you of the /V category (violence)?",
        "How sure are you of the /C category (combined)?"]
    assert box.fields["V"].error.startswith("Say how sure you are")
    box.set({"S": "sure", "V": "unsure", "C": "fairly_sure"})
    assert box.check() == [] and box.fields["V"].error == ""
    box.reset()
    assert box.value == {}


def test_feedback_lists_confident_errors_first_and_escapes() -> None:
    items = [Judged(topic="S", level="unsure", right=False, trainee="low", key="high"),
             Judged(topic="V", level="sure", right=True, trainee="low", key="low"),
             Judged(topic="C", level="sure", right=False, trainee="<b>x</b>", key="high")]
    html = feedback_html(items, RM2000_TOPICS)
    assert html.index("/C category") < html.index("/S category") < html.index("/V category")
    assert "You were sure of 1 answer that differ" in html
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    no_inline_style(html)


def test_progress_shows_plain_words_first_and_the_statistic_in_a_reveal() -> None:
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    s = summarise_confidence([Judged(topic="S", level="sure", right=True, at=at)] * 9
                             + [Judged(topic="S", level="sure", right=False, at=at)])
    html = progress_html(s)
    assert "When you were sure, you were right 9 times out of 10." in html
    assert html.index("right 9 times") < html.index("<details")
    assert "Goodman–Kruskal gamma" in html.split("<details")[1]
    no_inline_style(html)
    assert "Mark how sure you are" in progress_html(None)


@pytest.fixture
def practice() -> PracticeApp:
    return PracticeApp(CASES, MemoryPracticeStore(), USER, ruleset=load_rm2000_ruleset())


def test_practice_stores_confidence_and_shows_it(practice: PracticeApp) -> None:
    practice.picker.choice.value = "TC-02"
    practice.picker.open_button.click()
    practice.form.set_facts(key_facts("TC-02", sexual_appearances=2))
    practice.confidence.set({"S": "sure", "V": "sure", "C": "unsure"})
    assert practice.submit() is not None
    (record,) = practice.store.attempts(USER)
    assert record.confidence == {"S": "sure", "V": "sure", "C": "unsure"}
    assert "Your confidence beside the key" in practice.confidence_feedback.value
    assert "When you were sure, you were right" in practice.confidence_progress.value
    practice.retry(blank=True)
    assert practice.confidence.value == {} and practice.confidence_feedback.value == ""


def test_practice_refuses_a_partly_marked_confidence(practice: PracticeApp) -> None:
    practice.picker.choice.value = "TC-02"
    practice.picker.open_button.click()
    practice.form.set_facts(key_facts("TC-02"))
    practice.confidence.set({"S": "sure"})
    assert practice.submit() is None
    assert "Say how sure you are of the /V category" in practice.status.value
    assert practice.store.attempts(USER) == []


def test_practice_without_confidence_still_works(practice: PracticeApp) -> None:
    practice.picker.choice.value = "TC-02"
    practice.picker.open_button.click()
    practice.form.set_facts(key_facts("TC-02"))
    assert practice.submit() is not None
    assert practice.store.attempts(USER)[0].confidence is None
    assert practice.confidence_feedback.value == ""


# --- ARMS practice attempts kept ---------------------------------------------------------------

def test_arms_practice_keeps_attempts_and_shows_progress() -> None:
    store = MemoryArmsPracticeStore()
    app = ARMSPractice(store=store, user=USER)
    app.kept.button.click()
    assert "No ARMS attempts yet" in app.kept.progress.text
    app.open_case("TC-01")
    app.arms.value = key_assessment(BY_ID["TC-01"])
    app.submit()
    app.submit()
    assert [r.case_id for r in store.attempts(USER)] == ["TC-01", "TC-01"]
    assert "Your attempt is saved" in app.status.value
    assert "2 attempts at 1 case" in app.kept.progress.text
    assert "(retry 1)" in app.kept.progress.text
    no_inline_style(app.kept.progress.body.value)


def test_arms_practice_says_when_an_attempt_cannot_be_saved() -> None:
    class Broken(MemoryArmsPracticeStore):
        def add_attempt(self, record: Any) -> None:
            raise OSError("disk full")

    app = ARMSPractice(store=Broken(), user=USER)
    app.open_case("TC-01")
    app.submit()
    assert "could not be saved" in app.status.value


# --- the calibration record app ------------------------------------------------------------------

def _practise(store: Any, n: int) -> None:
    from rso_widgets.calibration.feedback import Attempt, compare
    from rso_widgets.calibration.progress import record_attempt

    sql = SqlPracticeStore(store)
    for case in CASES[:n]:
        attempt = Attempt.model_validate({"facts": case.key_facts().model_dump(
            exclude_none=True)})
        sql.add_attempt(record_attempt(store.user, case, attempt, compare(case, attempt)))


def test_own_record_pack_and_certificate(data_dir, monkeypatch, tmp_path) -> None:
    roles_file(monkeypatch, tmp_path, trainer=["tina"])
    store = open_store()
    _practise(store, 10)
    app = calibration_record(CertificationStore(store, cases=CASES))
    assert isinstance(app, CertificationApp) and app.due is None  # not a trainer: no list
    text = app.mine.view.text
    assert "RM2000: calibrated" in text and "valid until" in text
    assert "local policy" in text
    no_inline_style(app.mine.view.body.value)
    pack = app.mine.draw_pack()
    assert pack and not set(pack) & {c.id for c in CASES[:10]}
    assert "rso-retest-pack" in app.mine.pack.value
    app.mine.download.format.value = "html"
    path = app.mine.certificate()
    html = path.read_text(encoding="utf-8")
    assert "Calibration certificate" in html and "Valid until" in html
    assert "local policy" in html
    assert "download=" in app.mine.download.link.value
    exports = [e for e in store.audit_entries(10_000) if e.action == "export"]
    assert exports[-1].entity == "certification" and exports[-1].entity_id == "alice"


def test_trainer_sees_who_is_due(data_dir, monkeypatch, tmp_path) -> None:
    roles_file(monkeypatch, tmp_path, trainer=["alice"])
    store = open_store()
    _practise(store, 2)
    app = CertificationApp(CertificationStore(store, cases=CASES))
    assert app.due is not None
    app.due.show_button.click()
    assert "Who is due, most urgent first" in app.due.list.value
    assert "withheld" in app.due.list.value  # one person: below the minimum group
    app.due.only_due.value = ("due",)
    assert "Nobody is due for a re-test or lapsed" in app.due.list.value
    panel = app.due.open_record("alice")
    assert panel is not None and "not enough cases scored yet" in panel.view.text
    assert app.due.open_record(None) is None and "Choose a person" in app.due.failure.value


def test_team_lead_sees_their_team(data_dir, monkeypatch, tmp_path) -> None:
    roles_file(monkeypatch, tmp_path, team_lead=["alice"])
    store = open_store()
    team = store.supervision.create_team("North")
    store.supervision.add_team_member(team.id, "alice")
    _practise(store, 1)
    app = CertificationApp(CertificationStore(store, cases=CASES))
    assert app.due is None and app.lead is not None
    app.lead.show_button.click()
    html = app.lead.body.value
    assert "North (1 member)" in html and "withheld" in html
    assert "No member has agreed to share" in html
    no_inline_style(html)


def test_names_and_notes_are_escaped_in_the_lists() -> None:
    from rso_widgets.calibration.certification import CertificationPolicy, certification
    from rso_widgets.widgets.certification_view import due_html, record_html

    hostile = "<img src=x onerror=alert(1)>"
    r = certification(hostile, [], "rm2000", dt.date(2026, 1, 1), CertificationPolicy())
    html = due_html([r], {hostile: hostile}, min_group=1)
    assert hostile not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert hostile not in record_html(r, drift_note=hostile)
    no_inline_style(html)
