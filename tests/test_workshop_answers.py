"""A trainee's answers at a workshop case (`calibration.workshop.answers`), the one rule behind
both trainee pages: the draft's shape, restoring, every problem of a submit, and the sentences."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from rso_widgets.calibration.workshop import trainee_state_line
from rso_widgets.calibration.workshop.answers import (
    answers_source,
    arms_refusal,
    draft_payload,
    entered_problems,
    entered_value,
    refused_sentence,
    restore_parts,
    rm2000_problems,
    submitted_sentence,
)
from rso_widgets.cases import load_cases
from rso_widgets.instruments.ruleset import load_rm2000_ruleset

RS = load_rm2000_ruleset()
CASE = next(c for c in load_cases() if c.id == "TC-01")
FACTS = CASE.key_facts().model_dump(exclude_none=True, mode="json")


def test_the_entered_result_by_mode():
    assert entered_value("form", {"s": "Low"}) == {}
    assert entered_value("na", {"s": "Low"}) == {"not_applicable": True}
    assert entered_value("own", {"step1_points": " 3 ", "s": "Low", "v": "", "v_points": "x"}) \
        == {"step1_points": 3, "s": "Low", "v_points": "x"}


def test_own_result_problems_name_each_field():
    found = dict(entered_problems("own", {"step1_points": "x", "s": "Low"}))
    assert set(found) == {"step1_points", "v", "c"}
    assert found["step1_points"] == ("Enter the /S step 1 total points as a whole number of 0 "
                                     "or more, like 3, or leave it blank")
    assert found["v"] == "Select the /V category, or choose another way to give your result"
    assert entered_problems("form", {}) == entered_problems("na", {}) == []


def test_rm2000_problems_come_in_one_pass():
    found = rm2000_problems({**FACTS, "criminal_appearances": None}, "own", {"s": "Low"}, RS,
                            CASE.assessment_date)
    assert [e.field for e in found.facts] == ["criminal_appearances"]
    assert {f for f, _ in found.entered} == {"v", "c"}
    assert not rm2000_problems(FACTS, "form", {}, RS, CASE.assessment_date)


def test_the_draft_shape_is_the_widget_pages():
    data = draft_payload(("rm2000",), facts=FACTS, evidence={"single": "MG5", "male_victim": ""},
                         mode="form", entered={})
    assert data == {"facts": FACTS, "evidence": {"single": "MG5"}, "mode": "form",
                    "entered": None}
    both = draft_payload(("rm2000", "arms"), facts={}, arms={"ratings": {}},
                         arms_pending={"R1": [{"what": "x"}]})
    assert both["arms"] == {"ratings": {}} and both["arms_pending"] == {"R1": [{"what": "x"}]}
    assert "arms_pending" not in draft_payload(("arms",), arms={"ratings": {}})


def test_restoring_a_draft_or_a_submission():
    parts = restore_parts({"facts": FACTS, "evidence": {"single": "MG5"}, "mode": "own",
                           "entered": {"s": "Low"}})
    assert parts.mode == "own" and parts.entered == {"s": "Low"} and parts.evidence
    sub = restore_parts({"facts": FACTS, "entered": {"not_applicable": True}})
    assert sub.mode == "na" and sub.entered == {}
    assert restore_parts({"facts": FACTS, "entered": None}).mode == "form"
    assert restore_parts("garbage").facts == {}
    assert restore_parts({"mode": "<script>"}).mode == "form"


def test_a_date_typed_but_not_real_yet_is_kept_beside_the_iso_facts():
    typed = {"date_of_birth": {"day": "3", "month": "8", "year": "19"}}
    data = draft_payload(("rm2000",), facts={"assessment_date": "2026-02-10"},
                         typed_dates=typed)
    assert data["typed_dates"] == typed and data["facts"] == {"assessment_date": "2026-02-10"}
    assert "typed_dates" not in draft_payload(("rm2000",), facts={}, typed_dates={})
    assert restore_parts(data).typed_dates == typed
    assert restore_parts({"facts": {}}).typed_dates == {}  # the widget page's drafts
    odd = restore_parts({"typed_dates": {"x": {"day": 3, "year": None}, "y": "1980", 1: {}}})
    assert odd.typed_dates == {"x": {"day": "3", "month": "", "year": ""},
                               "1": {"day": "", "month": "", "year": ""}}
    assert restore_parts({"typed_dates": ["garbage"]}).typed_dates == {}


def test_what_a_case_opens_with():
    draft, sub = SimpleNamespace(data={"d": 1}), SimpleNamespace(attempt={"s": 1})
    open_ = SimpleNamespace(key_released_at=None, is_open=True)
    released = SimpleNamespace(key_released_at=dt.datetime.now(dt.UTC), is_open=True)
    assert answers_source(draft, sub, open_) == ("draft", {"d": 1})
    assert answers_source(draft, sub, released) == ("submission", {"s": 1})
    assert answers_source(None, None, open_) == (None, None)


def test_the_sentences():
    closed = SimpleNamespace(key_released_at=None, is_open=False)
    released = SimpleNamespace(key_released_at=dt.datetime.now(dt.UTC), is_open=True)
    assert refused_sentence(closed).startswith("Not submitted: the trainer has closed")
    assert "released the key" in refused_sentence(released)
    at = dt.datetime(2026, 12, 6, 9, 5, tzinfo=dt.UTC)
    assert submitted_sentence("TC-01", at, 2).startswith("Submitted TC-01 at 9:05am.")  # UK time
    assert "2 cases left" in submitted_sentence("TC-01", at, 2)
    assert "1 case left" in submitted_sentence("TC-01", at, 1)
    assert "every case" in submitted_sentence("TC-01", at, 0)
    assert arms_refusal([]) is None
    many = arms_refusal([f"R{i} x: not rated yet" for i in range(6)])
    assert "6 factors are not rated yet" in many and many.count("not rated yet") == 5


def test_the_state_line_both_trainee_pages_show_says_the_release_once():
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    released = SimpleNamespace(key_released_at=now, is_open=False, expires_at=None)
    assert trainee_state_line(released) == (
        "This workshop is closed to submissions: the key is released to trainees. Open a case "
        "to see your feedback.")
    waiting = SimpleNamespace(key_released_at=None, is_open=True, expires_at=None)
    assert trainee_state_line(waiting) == (
        "This workshop is open for submissions; the key is not released yet. Your feedback "
        "appears here once the trainer releases the key.")
