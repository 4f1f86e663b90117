"""Supervision records in the store: sessions, follow-ups, observations, diary, goals, audit."""

from __future__ import annotations

import pytest
from audited import audit_log, verify_log
from supervision_fixtures import days, observation, session

from rso_widgets.instruments.plan_quality import Judgement
from rso_widgets.store import ImmutableRecordError
from rso_widgets.supervision import InvalidRecord, PlanReview

pytest_plugins = ("supervision_fixtures",)


def test_session_round_trip_and_audit(as_user, team):
    alex = as_user("alex")
    rec = alex.create_session(session(
        agenda=[{"topic": "difficult_case", "detail": "Denial of the offence"},
                {"topic": "values_wellbeing"}],
        notes="Talked through the case.",
        actions=[{"text": "Read the desistance paper", "owner": "alex", "due": days(20)}]))
    assert rec.supervisor == "sam" and rec.status == "held"
    assert [a.topic for a in rec.agenda] == ["difficult_case", "values_wellbeing"]
    assert rec.agenda_lists == "supervision-lists@1.0.0"
    assert rec.actions[0].owner == "alex" and rec.actions[0].status == "open"
    assert as_user("sam").session(rec.id) == rec
    entries = audit_log(alex.store, 3)
    assert [(e.user, e.action, e.entity) for e in entries[-2:]] == [
        ("alex", "create", "supervision_session"), ("sam", "view", "supervision_session")]
    assert "Denial" not in str([e.detail for e in entries])  # no content in the audit log
    assert verify_log(alex.store).ok


def test_follow_up_of_last_sessions_actions(as_user, team):
    sam = as_user("sam")
    first = sam.create_session(session(held_on=days(-50), actions=[
        {"text": "Shadow an ARMS interview", "owner": "alex", "due": days(-30)},
        {"text": "Book the workshop", "owner": "sam", "due": days(-40)}]))
    second = sam.create_session(session(held_on=days(-7)))
    pending = sam.actions_to_follow_up(second.id)
    assert [a.text for a in pending] == ["Book the workshop", "Shadow an ARMS interview"]
    book, shadow = pending
    done = sam.update_session(second.id, {"follow_ups": [
        {"action_id": book.id, "outcome": "done"},
        {"action_id": shadow.id, "outcome": "not_done", "note": "No interview yet; carried"}]})
    assert [(f.action_id, f.outcome) for f in done.follow_ups] == [
        (book.id, "done"), (shadow.id, "not_done")]
    # the done action is closed; the other is carried forward to the next session
    third = sam.create_session(session(held_on=days(-1)))
    assert [a.id for a in sam.actions_to_follow_up(third.id)] == [shadow.id]
    assert {a.id: a.status for a in as_user("alex").session(first.id).actions} == {
        book.id: "done", shadow.id: "not_done"}
    # a closed action cannot be followed up again, nor one from someone else's sessions
    with pytest.raises(InvalidRecord, match=r"follow_ups\[0\]\.action_id"):
        sam.update_session(third.id, {"follow_ups": [{"action_id": book.id,
                                                       "outcome": "done"}]})
    with pytest.raises(InvalidRecord, match="follow_ups"):
        as_user("bo").create_session({"supervisor": "sam", "assessor": "bo",
                                      "held_on": days(-1), "follow_ups": [
                                          {"action_id": shadow.id, "outcome": "done"}]})


def test_follow_up_rows_are_history(as_user, team):
    sam = as_user("sam")
    first = sam.create_session(session(held_on=days(-30), actions=[
        {"text": "x", "owner": "alex", "due": days(-10)}]))
    second = sam.create_session(session(follow_ups=[
        {"action_id": first.actions[0].id, "outcome": "done"}]))
    assert second.follow_ups[0].by == "sam"
    from rso_widgets.store.models import ActionFollowUp
    with sam.store._writer() as s, s.begin(), pytest.raises(ImmutableRecordError):
        s.get(ActionFollowUp, 1).note = "rewritten"
        s.flush()


def test_observation_linked_to_next_session(as_user, team):
    sam, peer = as_user("sam"), as_user("pat")
    before = sam.create_session(session(held_on=days(-20)))
    obs = peer.record_observation(observation(on=days(-10)))
    assert obs.scale == "observation-of-practice@1.0.0" and obs.observer == "pat"
    assert obs.session_id is None  # no session after it yet
    nxt = sam.create_session(session(held_on=days(-2)))
    assert nxt.observation_ids == (obs.id,)
    assert sam.observation(obs.id).session_id == nxt.id
    assert before.id not in {sam.observation(obs.id).session_id}
    # an observation made before an already planned session is linked to it at once
    planned = as_user("alex").create_session(session(held_on=days(10), status="planned"))
    later = peer.record_observation(observation(on=days(-1)))
    assert later.session_id == planned.id


def test_plan_review_judgements_stored_with_session(as_user, team):
    admin = as_user("admin").store
    person = admin.create_person("Fictional Person", fictional=True)
    plan = admin.create_assessment(person.id, "plan", {"actions": []})
    scores = {f"Q{i}": 2 for i in range(1, 11)} | {"Q5": 1, "Q9": 0}
    review = PlanReview(rubric="rmp-quality-rubric@1.0.0", scores=scores,
                        judgements={"Q9": Judgement(score=0, reviewer="sam")},
                        assessment_id=plan.assessment_id, version=1)
    rec = as_user("sam").create_session(session(plan_reviews=[review]))
    assert rec.plan_reviews == (review,) and rec.assessment_ids == (plan.assessment_id,)
    assert rec.plan_reviews[0].gaps() == ["Q5", "Q9"]
    assert rec.plan_reviews[0].judgements["Q9"].score == 0


def test_plan_review_from_a_profile():
    from rso_widgets.instruments.plan_quality import CriterionResult, QualityProfile
    profile = QualityProfile(rubric="rmp-quality-rubric@1.0.0", criteria=[
        CriterionResult(id=f"Q{i}", text="", mode="auto", auto_score=2, score=2, missing=[],
                        fix="") for i in range(1, 11)])
    review = PlanReview.from_profile(profile, {"Q10": Judgement(score=2)}, assessment_id=3)
    assert review.scores["Q10"] == 2 and review.assessment_id == 3 and review.gaps() == []


def test_diary_share_into_session(as_user, team):
    alex, sam = as_user("alex"), as_user("sam")
    s1 = sam.create_session(session())
    entry = alex.write_diary_entry({"prompt": "key_disagreement", "text": "I rated S higher",
                                    "case_id": "case-03", "item": "S.category",
                                    "event_on": days(-2)})
    assert entry.shared_session_id is None and alex.diary() == [entry]
    shared = alex.share_diary_entry(entry.id, s1.id)
    assert sam.diary_entry(entry.id) == shared
    assert sam.session(s1.id).shared_diary_ids == (entry.id,)
    assert [e.id for e in sam.shared_diary_entries(s1.id)] == [entry.id]
    alex.update_diary_entry(entry.id, {"prompt": "key_disagreement", "text": "Now I agree"},
                            expected_version=shared.version)
    assert sam.diary_entry(entry.id).text == "Now I agree"
    alex.delete_diary_entry(entry.id)
    assert alex.diary() == []


def test_goals_with_status_history_and_evidence(as_user, team):
    sam, alex, pat = as_user("sam"), as_user("alex"), as_user("pat")
    s1 = sam.create_session(session(held_on=days(-60)))
    goal = sam.set_goal(s1.id, {"text": "Explain the purpose of each visit at the start",
                                "measure": "Rated established in the next observation",
                                "target_on": days(30)})
    assert goal.status == "open" and [h.status for h in goal.history] == ["open"]
    obs = pat.record_observation(observation(on=days(-20)))
    attempt = alex.store.add_practice_attempt("case-01", {"facts": {}})
    alex.review_goal(goal.id, {"status": "in_progress", "note": "Practising",
                               "evidence": [{"kind": "practice_attempt", "ref": attempt.id}]})
    s2 = sam.create_session(session(held_on=days(-5)))
    final = sam.review_goal(goal.id, {"status": "achieved", "session_id": s2.id, "evidence": [
        {"kind": "observation", "ref": obs.id}, {"kind": "other", "note": "Feedback"}]})
    assert [(h.status, h.by) for h in final.history] == [
        ("open", "sam"), ("in_progress", "alex"), ("achieved", "sam")]
    assert final.status == "achieved" and final.history[-1].session_id == s2.id
    assert [(e.kind, e.ref) for e in final.evidence] == [
        ("practice_attempt", attempt.id), ("observation", obs.id), ("other", None)]
    assert alex.goals() == [final] and sam.goals("alex") == [final]
    # evidence must be the assessor's own
    other = pat.store.add_practice_attempt("case-01", {"facts": {}})
    with pytest.raises(InvalidRecord, match=r"evidence\[0\]\.ref"):
        alex.review_goal(goal.id, {"evidence": [{"kind": "practice_attempt",
                                                 "ref": other.id}]})


def test_every_write_and_confidential_read_is_audited(as_user, team):
    sam, alex = as_user("sam"), as_user("alex")
    start = audit_log(sam.store, 1)[0].seq
    s1 = sam.create_session(session())
    sam.session(s1.id)
    sam.sessions()
    entry = alex.write_diary_entry({"text": "Reflection"})
    alex.diary_entry(entry.id)
    obs = as_user("pat").record_observation(observation())
    alex.observation(obs.id)
    goal = sam.set_goal(s1.id, {"text": "A goal"})
    alex.goal(goal.id)
    alex.set_consent(True)
    got = [(e.user, e.action, e.entity) for e in audit_log(sam.store, 50) if e.seq > start]
    assert got == [
        ("sam", "create", "supervision_session"), ("sam", "view", "supervision_session"),
        ("sam", "view", "supervision_session"), ("alex", "create", "diary_entry"),
        ("alex", "view", "diary_entry"), ("pat", "create", "observation"),
        ("alex", "view", "observation"), ("sam", "create", "development_goal"),
        ("alex", "view", "development_goal"), ("alex", "change", "consent")]
    assert verify_log(sam.store).ok
