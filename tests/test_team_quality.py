"""Team quality: calibration across a team (domain), the store queries the views need, and the
team lead's page — no per-person rows without consent, withheld groups said so (never zeros),
no counts of plans or visits per person, no ranking."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from audited import audit_log

from rso_widgets.apps.team_quality import TeamQualityApp, team_quality
from rso_widgets.calibration.progress import CategoryRecord, PracticeRecord
from rso_widgets.settings import get_settings
from rso_widgets.store import AccessDenied
from rso_widgets.supervision import PlanReview
from rso_widgets.supervision.models import TeamMemberRecord, TeamRecord
from rso_widgets.supervision.team import practice_status, team_calibration
from rso_widgets.supervision.validation import today_in_england

pytest_plugins = ("supervision_fixtures",)

TODAY = today_in_england()
NOW = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
RUBRIC = "rmp-quality-rubric@1.0.0"
PEOPLE = ["alex", "bo", "cam"]


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def practice(user: str, case: str, minutes: int, distance: int | None = 0,
             key: str = "Medium") -> PracticeRecord:
    trainee = key if distance == 0 else ("High" if distance else None)
    return PracticeRecord(
        user=user, case_id=case, at=NOW + dt.timedelta(minutes=minutes),
        ruleset="rm2000-ew-training@1.0.0", attempt={"facts": {"sex": "male"}},
        agrees=distance == 0,
        categories=[CategoryRecord(scale=s, trainee=trainee, key=key, distance=distance)
                    for s in ("S", "V", "C")], errors=[])


def roster(names=PEOPLE) -> TeamRecord:
    return TeamRecord(id=1, name="North", lead="lee", created_at=NOW, members=tuple(
        TeamMemberRecord(username=u, supervisor="sam", added_at=NOW) for u in names))


# -- domain: calibration across the team --------------------------------------------------------

def test_practice_status_uses_the_latest_attempt_per_case_and_the_thresholds():
    assert practice_status([])[0] == "not enough cases"
    nine = [practice("alex", f"TC-{i:02}", i) for i in range(9)]
    assert practice_status(nine)[0] == "not enough cases"
    ten = [*nine, practice("alex", "TC-09", 9)]
    status, reasons = practice_status(ten)
    assert status == "calibrated" and any("Cases scored: 10" in r for r in reasons)
    # a case first scored two categories apart and then retried: only the retry counts
    retried = [*ten[1:], practice("alex", "TC-00", 20, distance=2),
               practice("alex", "TC-00", 30, distance=0)]
    assert practice_status(retried)[0] == "calibrated"
    far = [*ten[1:], practice("alex", "TC-00", 40, distance=2)]
    status, reasons = practice_status(far)
    assert status == "not yet calibrated" and any("2 categories apart" in r for r in reasons)
    # calling RM2000 not applicable where the key scores it is a disagreement, not a distance
    na = [*ten[1:], practice("alex", "TC-00", 50, distance=None)]
    assert practice_status(na)[1][-1].startswith("RM2000 applied or not applied")


def test_team_calibration_is_withheld_below_the_minimum_and_individual_only_with_consent():
    records = {"alex": [practice("alex", f"TC-{i:02}", i) for i in range(10)],
               "bo": [practice("bo", "TC-01", 1)]}
    small = team_calibration(roster(), records, {"alex": True}, min_group=3)
    assert small.coverage is None
    assert any(n.startswith("calibration: withheld") for n in small.notes)
    assert small.individuals == {"alex": "calibrated"}  # consent: alex only
    records["cam"] = [practice("cam", "TC-01", 1, distance=2)]
    full = team_calibration(roster(), records, {"cam": True, "dee": True}, min_group=3)
    c = full.coverage
    assert (c.assessors, c.practising, c.calibrated, c.not_yet_calibrated,
            c.not_enough_cases) == (3, 3, 1, 0, 2)
    assert full.individuals == {"cam": "not enough cases"}
    nobody = team_calibration(roster(), records, {}, min_group=1)
    assert nobody.individuals == {}


# -- store queries -----------------------------------------------------------------------------

@pytest.fixture
def store(store_as):
    """store("name") -> a Store acting as that user (supervision_fixtures.store_as)."""
    return store_as


@pytest.fixture
def north(store):
    lee = store("lee").supervision
    team = lee.create_team("North")
    for u in PEOPLE:
        lee.add_team_member(team.id, u, supervisor="sam")
    return team


def review(score: int, plan: int | None = None) -> PlanReview:
    return PlanReview(rubric=RUBRIC, scores={f"Q{i}": score for i in range(1, 11)},
                      assessment_id=plan)


def test_teams_led_and_supervisees(store, north):
    assert [t.name for t in store("lee").supervision.teams_led()] == ["North"]
    assert store("alex").supervision.teams_led() == []
    store("pat").supervision.create_session({"supervisor": "quinn", "assessor": "pat",
                                             "held_on": days(-1)})
    assert store("sam").supervision.supervisees() == PEOPLE
    assert store("quinn").supervision.supervisees() == ["pat"]
    assert store("alex").supervision.supervisees() == []


def test_assessments_of_an_assessor_for_them_and_their_supervisor_only(store, north):
    alex = store("alex")
    person = alex.create_person("Fictional Person B", fictional=True)
    plan = alex.create_assessment(person.id, "plan", {"plan": {}})
    rm = alex.create_assessment(person.id, "rm2000", {"rm2000": {}})
    bo = store("bo")  # someone else's assessment (of someone else's person)
    bo.create_assessment(bo.create_person("Fictional Person C", fictional=True).id, "plan",
                         {"plan": {}})
    with pytest.raises(AccessDenied):  # and not of alex's person: bo does not work on it
        bo.create_assessment(person.id, "plan", {"plan": {}})
    mine = alex.supervision.assessments_of()
    assert [(a.id, a.kind) for a in mine] == [(plan.assessment_id, "plan"),
                                             (rm.assessment_id, "rm2000")]
    assert mine[0].person_reference == "Fictional Person B" and mine[0].fictional
    sam = store("sam").supervision
    assert [a.id for a in sam.assessments_of("alex", kind="plan")] == [plan.assessment_id]
    with pytest.raises(AccessDenied, match="only for them and their supervisor"):
        store("bo").supervision.assessments_of("alex")
    denied = [e for e in audit_log(alex, 5) if e.detail and e.detail.get("denied")]
    assert denied and denied[-1].user == "bo"


def test_team_calibration_is_for_the_lead_only(store, north):
    with pytest.raises(AccessDenied):
        store("alex").supervision.team_calibration(north.id)
    view = store("lee").supervision.team_calibration(north.id)
    assert view.coverage is None and view.individuals == {}


# -- the page ----------------------------------------------------------------------------------

def seed_reviews(store, *, held=(-10, -12, -14)) -> None:
    """One held session with a plan review per person (all in one quarter when close)."""
    for n, (u, d) in enumerate(zip(PEOPLE, held, strict=True)):
        store(u).supervision.create_session({
            "supervisor": "sam", "assessor": u, "held_on": days(d),
            "agenda": [{"topic": "difficult_case"}, {"topic": "skills"}],
            "plan_reviews": [review(n % 3)]})


def text_of(app: TeamQualityApp) -> str:
    v = app.view
    return "\n".join(x.value for x in (v.body, v.trend_intro, v.trend_table, v.rest))


def test_a_person_who_leads_no_team_is_told_so(store):
    app = TeamQualityApp(store("alex"))
    assert app.none_led.layout.display == "" and app.chooser.layout.display == "none"
    assert app.show_team() is None and "Choose a team first" in app.status.value


def test_lead_sets_up_a_team_on_the_page(store):
    app = TeamQualityApp(store("lee"))
    app.create_form.name.control.value = ""
    assert app.create_team() is None
    assert app.create_form.errors["name"] == "Enter the team's name."  # not a "user name"
    app.create_form.name.control.value = "South"
    team = app.create_team()
    assert team is not None and app.chooser.layout.display == ""
    app.member_form.username.control.value = "alex"
    app.member_form.supervisor.control.value = "alex"
    assert app.add_member() is None
    assert "is the same person as the member" in app.member_form.errors["supervisor"]
    app.member_form.supervisor.control.value = "sam"
    assert app.add_member() is not None
    assert "alex" in app.roster.value and "sam" in app.roster.value


def test_no_per_person_rows_without_consent(store, north):
    seed_reviews(store)
    app = TeamQualityApp(store("lee"))
    view = app.show_team(north.id)
    assert view is not None and view.individuals == []
    html = text_of(app)
    assert "rso-person-row" not in html
    assert "Nobody in the team has agreed to share their individual results" in html
    visible = re.sub(r"<[^>]+>", " ", html)
    for name in PEOPLE:
        assert not re.search(rf"\b{name}\b", visible)
    # anonymised figures are there: criterion by criterion, themes, supervision coverage
    assert "rso-plan-quality" in html and "A difficult case" in html
    assert "Supervision held against due" in html


def test_a_consenting_persons_own_results_only(store, north):
    seed_reviews(store)
    store("bo").supervision.set_consent(True)
    app = TeamQualityApp(store("lee"))
    app.show_team(north.id)
    html = text_of(app)
    rows = re.findall(r"<tr class='rso-person-row'><th scope='row'>(\w+)</th>", html)
    assert rows == ["bo"]
    visible = re.sub(r"<[^>]+>", " ", html)
    assert not re.search(r"\b(alex|cam)\b", visible)
    assert "never ranked" in html


def test_small_groups_are_withheld_and_said_so_not_zeros(store, monkeypatch):
    lee = store("lee").supervision
    team = lee.create_team("Tiny")
    lee.add_team_member(team.id, "alex", supervisor="sam")
    store("alex").supervision.create_session({"supervisor": "sam", "assessor": "alex",
                                              "held_on": days(-3),
                                              "plan_reviews": [review(1)]})
    app = TeamQualityApp(store("lee"))
    app.show_team(team.id)
    html = text_of(app)
    assert html.count("rso-withheld") >= 5  # plan quality, calibration, supervision, themes
    assert "Withheld.</strong> Fewer than 3 people contribute" in html
    assert "rso-plan-quality" not in html and "0 of 1" not in html
    assert "Withheld: too few people" in app.view.trend_table.value


def test_trend_chart_and_no_counts_of_plans_or_visits(store, north, monkeypatch):
    monkeypatch.setenv("RSO_TEAM_MIN_GROUP", "3")
    get_settings.cache_clear()
    seed_reviews(store, held=(-2, -2, -2))
    app = TeamQualityApp(store("lee"))
    app.show_team(north.id)
    fig = app.view.figure
    assert fig is not None and type(fig).__name__ == "Figure"  # go.Figure, not FigureWidget
    assert [t.name for t in fig.data] == [f"Q{i}" for i in range(1, 11)]
    assert "rso-trend" in app.view.trend_table.value
    html = text_of(app).lower()
    assert "visits" not in html.replace("never counts plans or visits", "")
    assert "number of plans" not in html and "plans completed" not in html


def test_someone_elses_team_is_refused_plainly(store, north):
    app = TeamQualityApp(store("alex"))
    assert app.show_team(north.id) is None
    assert "You cannot see this" in app.status.value
    assert "for its lead (lee) only" in app.status.value
    assert app.view.layout.display == "none"


def test_the_page_does_not_start_if_the_store_cannot_open(monkeypatch):
    import rso_widgets.store as store_pkg

    def refuse(*_a, **_k):
        raise RuntimeError("cannot open the database")

    monkeypatch.setattr(store_pkg, "open_store", refuse)
    page = team_quality()
    assert "could not start" in page.value and "Traceback" not in page.value
