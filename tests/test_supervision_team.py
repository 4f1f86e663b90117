"""Team view: plan-quality profiles and trends, supervision held vs due, anonymised themes;
no per-person data without consent, no counts of plans or visits, no ranking."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from audited import audit_log
from hypothesis import given, settings
from hypothesis import strategies as st
from identities import open_as, store_as

from rso_widgets.instruments.plan_quality import load_rubric
from rso_widgets.settings import get_settings
from rso_widgets.store.supervision import SupervisionStore
from rso_widgets.supervision import (
    AgendaItem,
    PlanReview,
    SessionRecord,
    TeamRecord,
    load_observation_scale,
    load_supervision_lists,
)
from rso_widgets.supervision.models import TeamMemberRecord
from rso_widgets.supervision.team import (
    latest_per_plan,
    period_of,
    reviews_in,
    rubric_trend,
    supervision_status,
    team_view,
    topic_counts,
)
from rso_widgets.supervision.validation import today_in_england

TODAY = today_in_england()
RUBRIC, LISTS, SCALE = load_rubric(), load_supervision_lists(), load_observation_scale()
TOPICS = [t.id for t in LISTS.agenda_topics]
ASSESSORS = ["alex", "bo", "cam", "dee"]
NOW = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def review(score: int, plan: int | None = None, **override: int) -> PlanReview:
    scores = {f"Q{i}": score for i in range(1, 11)} | override
    return PlanReview(rubric="rmp-quality-rubric@1.0.0", scores=scores, assessment_id=plan)


def rec(n: int, assessor: str, held_on: dt.date, topics=(), reviews=(),
        status="held") -> SessionRecord:
    return SessionRecord(
        id=n, supervisor="sam", assessor=assessor, held_on=held_on, status=status,
        agenda=tuple(AgendaItem(topic=t) for t in topics), agenda_lists=LISTS.ref, notes="",
        actions=(), follow_ups=(), assessment_ids=(), plan_reviews=tuple(reviews),
        observation_ids=(), shared_diary_ids=(), created_by=assessor, created_at=NOW,
        updated_at=NOW)


def roster(names=ASSESSORS, added=NOW) -> TeamRecord:
    return TeamRecord(id=1, name="North", lead="lee", created_at=NOW, members=tuple(
        TeamMemberRecord(username=u, supervisor="sam", added_at=added) for u in names))


def view(sessions, consents=None, names=ASSESSORS, observations=(), min_group=3, **kw):
    return team_view(roster(names), sessions, list(observations), consents or {},
                     rubric=RUBRIC, scale=SCALE, lists=LISTS, today=TODAY,
                     since=days(-365), frequency_days=42, min_group=min_group, **kw)


# -- pure aggregates ---------------------------------------------------------------------------

sessions_strategy = st.lists(st.tuples(
    st.sampled_from(ASSESSORS), st.integers(-400, 0),
    st.lists(st.sampled_from([*TOPICS, "unknown_topic"]), max_size=6),
    st.sampled_from(["held", "planned"])), max_size=25)


@settings(max_examples=60, deadline=None)
@given(sessions_strategy)
def test_theme_counts_sum_to_the_agenda_items_whatever_the_sessions(raw):
    sessions = [rec(n, who, days(d), topics, status=status)
                for n, (who, d, topics, status) in enumerate(raw)]
    counts = topic_counts(sessions)
    assert sum(counts.values()) == sum(len(s.agenda) for s in sessions)
    assert all(v > 0 for v in counts.values())
    v = view(sessions)
    in_window = [s for s in sessions if s.status == "held" and s.held_on >= days(-365)]
    if v.agenda_themes is not None:
        # every theme shown is shared by 3 or more people; the rest are only counted in a note
        people: dict[str, set[str]] = {}
        for s in in_window:
            for a in s.agenda:
                people.setdefault(a.topic, set()).add(s.assessor)
        shared = {t for t, who in people.items() if len(who) >= 3}
        assert v.agenda_themes == {
            LISTS.topic_label(t): sum(a.topic == t for s in in_window for a in s.agenda)
            for t in shared}
        left_out = any(n.startswith("Themes fewer than 3") for n in v.notes)
        assert left_out == (len(shared) < len(people))
        assert len({s.assessor for s in in_window if s.agenda}) >= 3
    else:
        assert len({s.assessor for s in in_window if s.agenda}) < 3
    # no names anywhere without consent
    text = v.model_dump_json()
    assert not any(f'"{name}"' in text for name in ASSESSORS)


def test_rubric_profile_and_trend_over_time():
    q1, q2 = dt.date(TODAY.year - 1, 2, 10), dt.date(TODAY.year - 1, 5, 10)
    sessions = [rec(1, "alex", q1, reviews=[review(0, plan=1)]),
                rec(2, "bo", q1, reviews=[review(1, plan=2)]),
                rec(3, "cam", q1, reviews=[review(1, plan=3, Q9=0)]),
                rec(4, "alex", q2, reviews=[review(2, plan=1)]),  # plan 1 improved
                rec(5, "bo", q2, reviews=[review(2, plan=2)]),
                rec(6, "cam", q2, reviews=[review(2, plan=3, Q9=1)])]
    dated = reviews_in(sessions)
    trend = rubric_trend(dated, RUBRIC, "quarter", min_group=3)
    assert [p.period for p in trend] == [period_of(q1), period_of(q2)]
    assert trend[0].criteria["Q1"] == pytest.approx(0.67) and trend[1].criteria["Q1"] == 2.0
    assert trend[0].criteria["Q9"] == pytest.approx(0.33) and trend[1].criteria["Q9"] == 1.67
    assert [r.assessment_id for _, _, r in latest_per_plan(dated)] == [1, 2, 3]
    # over a window covering both quarters, the profile uses each plan's latest review
    v = team_view(roster(), sessions, [], {}, rubric=RUBRIC, scale=SCALE, lists=LISTS,
                  today=TODAY, since=q1 - dt.timedelta(days=1), frequency_days=42,
                  min_group=3, period="quarter")
    q9 = next(c for c in v.plan_quality if c.criterion == "Q9")
    assert (q9.judged, q9.mean, q9.fully_met) == (3, pytest.approx(1.67), pytest.approx(0.67))
    # one plan (Cam's) falls short on Q9: a count one person makes is left out, and said so
    assert v.rubric_gaps == {}
    assert any("(left out: rubric criteria 1)" in n for n in v.notes)
    assert team_view(roster(), sessions, [], {}, rubric=RUBRIC, scale=SCALE, lists=LISTS,
                     today=TODAY, since=q1 - dt.timedelta(days=1), frequency_days=42,
                     min_group=1).rubric_gaps == {"Q9": 1}
    assert [c.criterion for c in v.plan_quality] == [c.id for c in RUBRIC.criteria]


def test_small_groups_are_withheld():
    sessions = [rec(1, "alex", days(-10), ["skills"], [review(1)]),
                rec(2, "bo", days(-10), ["skills"], [review(2)])]
    v = view(sessions, names=["alex", "bo"])
    assert v.plan_quality is None and v.agenda_themes is None and v.supervision is None
    assert v.plan_quality_trend[0].criteria is None
    assert any("fewer than 3 people" in n for n in v.notes)
    assert v.individuals == []


def test_a_theme_fewer_than_the_minimum_share_is_left_out():
    """Three people bring skills; only Alex brings values and wellbeing, so that count (which
    would point at Alex) is not shown, and the notes say one topic was left out."""
    sessions = [rec(n, who, days(-10), ["skills"]) for n, who in enumerate(ASSESSORS[:3], 1)]
    sessions.append(rec(9, "alex", days(-5), ["values_wellbeing", "skills"]))
    v = view(sessions)
    assert v.agenda_themes == {LISTS.topic_label("skills"): 4}
    assert "Themes fewer than 3 people share are not shown, as they could identify someone " \
           "(left out: agenda topics 1)." in v.notes
    assert view(sessions, min_group=1).agenda_themes == {
        LISTS.topic_label("skills"): 4, LISTS.topic_label("values_wellbeing"): 1}


def test_supervision_held_against_due():
    p = supervision_status("alex", [rec(1, "alex", days(-100)), rec(2, "alex", days(-50)),
                                    rec(3, "alex", days(5), status="planned"),
                                    rec(4, "bo", days(-1))],
                           today=TODAY, since=days(-126), frequency_days=42)
    assert (p.last_held, p.next_due, p.held_in_window, p.due_in_window, p.overdue) == (
        days(-50), days(-8), 2, 3, True)
    fresh = supervision_status("new", [], today=TODAY, since=TODAY, frequency_days=42)
    assert not fresh.overdue and fresh.due_in_window == 0
    v = view([rec(1, "alex", days(-10)), rec(2, "bo", days(-100))])
    assert v.supervision.model_dump() == {
        "frequency_days": 42, "assessors": 4, "up_to_date": 1, "overdue": 3,
        "never_supervised": 2, "held": 2, "due": 4 * (365 // 42)}


def test_individual_results_only_with_consent_and_never_ranked():
    sessions = [rec(n, who, days(-n), ["skills"], [review(n % 3)])
                for n, who in enumerate(ASSESSORS * 2, 1)]
    off = view(sessions)
    assert off.individuals == []
    on = view(sessions, consents={"dee": True, "bo": True, "cam": False})
    assert [p.assessor for p in on.individuals] == ["bo", "dee"]  # by name, not by result
    text = on.model_dump_json()
    assert '"alex"' not in text and '"cam"' not in text
    bo = on.individuals[0]
    assert set(bo.model_dump()) == {"assessor", "supervision", "plan_quality"}


def _keys(obj) -> set[str]:
    if isinstance(obj, dict):
        return set(obj) | {k for v in obj.values() for k in _keys(v)}
    if isinstance(obj, list):
        return {k for v in obj for k in _keys(v)}
    return set()


def test_no_counts_of_plans_or_visits():
    sessions = [rec(n, who, days(-n), ["skills"], [review(1, plan=n)])
                for n, who in enumerate(ASSESSORS * 3, 1)]
    data = json.loads(view(sessions, consents=dict.fromkeys(ASSESSORS, True)).model_dump_json())
    keys = _keys(data)
    assert not {k for k in keys if "visit" in k or "plan_count" in k or "plans" in k
                or "rank" in k}


# -- through the store -------------------------------------------------------------------------

@pytest.fixture
def team_store(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    get_settings.cache_clear()
    base = open_as(f"sqlite:///{tmp_path / 'wb.sqlite'}", user="admin")
    yield lambda user: SupervisionStore(store_as(base.engine, user=user))
    base.close()
    get_settings.cache_clear()


def test_team_view_from_the_store(team_store):
    lee = team_store("lee")
    t = lee.create_team("North")
    for u in ASSESSORS[:3]:
        lee.add_team_member(t.id, u, supervisor="sam")
    sam = team_store("sam")
    ratings = {s.id: {"level": "emerging", "evidence": "seen"} for s in SCALE.skills}
    for n, u in enumerate(ASSESSORS[:3]):
        team_store(u).create_session({
            "supervisor": "sam", "assessor": u, "held_on": days(-5 - n),
            "agenda": [{"topic": "difficult_case"}, {"topic": "values_wellbeing"}]})
        sam.record_observation({"assessor": u, "observed_on": days(-20), "context": "home_visit",
                                "ratings": ratings, "strengths": ["a"],
                                "development_points": ["b"]})
    v = lee.team_view(t.id)
    assert v.agenda_themes == {"A difficult case": 3, "Values and wellbeing": 3}
    assert v.skill_gaps == {s.label: 3 for s in SCALE.skills}
    assert v.supervision.up_to_date == 3 and v.individuals == []
    assert all(name not in v.model_dump_json() for name in ASSESSORS)
    last = audit_log(lee.store, 1)[0]
    assert (last.user, last.action, last.entity) == ("lee", "view", "team_view")
    # a supervisor sees their own supervisees' supervision status
    assert [p.assessor for p in sam.supervision_due()] == ASSESSORS[:3]
