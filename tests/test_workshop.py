"""Workshop mode without a browser: join codes, joining and rejoining, open/close, drafts that
survive a dead kernel, key-release gating, the trainer's incremental refresh, anonymity, exports
(formula guard, audit) and certificates, and "not enough data"."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from audited import audit_log, verify_log
from identities import open_as

from rso_widgets.apps.workshop_trainee import WorkshopTraineeApp, workshop
from rso_widgets.apps.workshop_trainer import (
    TrainerDashboardApp,
    certificates_for,
    trainer_dashboard,
)
from rso_widgets.calibration.cohort import cohort_frame
from rso_widgets.calibration.status import cohort_status
from rso_widgets.calibration.workshop import (
    CODE_ALPHABET,
    IncrementalFrame,
    JoinProblem,
    WorkshopRefresher,
    code_problem,
    draft_key,
    feedback_released,
    new_join_code,
    normalise_code,
    stat_lines,
)
from rso_widgets.cases import load_cases
from rso_widgets.instruments.ruleset import load_rm2000_ruleset
from rso_widgets.reports.certificate import Certificate, certificate_pdf
from rso_widgets.store import JoinCodeExpired, WorkshopClosed
from rso_widgets.store.joining import join_workshop
from rso_widgets.store.repository import JOIN_ALPHABET
from rso_widgets.widgets.cohort_dashboard import DebriefPrompt, build_heatmap
from rso_widgets.widgets.workshop_live import Ticker, roster_html

CASES = load_cases()
BY_ID = {c.id: c for c in CASES}
RULESET = load_rm2000_ruleset()
T0 = dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC)
N_BOOT = 50


def key_facts(case_id: str, **changes: Any) -> dict[str, Any]:
    facts = BY_ID[case_id].key_facts().model_dump(exclude_none=True, mode="json")
    facts.update(changes)
    return facts


def attempt(case_id: str, **changes: Any) -> dict[str, Any]:
    return {"facts": key_facts(case_id, **changes), "entered": None}


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'workshop.sqlite'}"


@pytest.fixture
def trainer_store(url):
    with open_as(url, user="trainer.one") as s:
        yield s


def store_for(url: str, user: str):
    return open_as(url, user=user)


@pytest.fixture
def trainer(trainer_store, tmp_path) -> TrainerDashboardApp:
    return TrainerDashboardApp(trainer_store, CASES, "trainer.one", n_boot=N_BOOT,
                               exports_dir=tmp_path / "exports", ruleset=RULESET)


def make_workshop(app: TrainerDashboardApp, cases: tuple[str, ...] = ("TC-01", "TC-02"),
                  name: str = "March calibration") -> Any:
    app.setup.name.value = name
    app.setup.case_select.value = cases
    cohort = app.create()
    assert cohort is not None, app.setup.summary.text
    return cohort


def trainee(url: str, user: str) -> WorkshopTraineeApp:
    return WorkshopTraineeApp(store_for(url, user), CASES, user, ruleset=RULESET,
                              autosave_seconds=0)


def joined(url: str, code: str, name: str, user: str | None = None) -> WorkshopTraineeApp:
    app = trainee(url, user or f"user.{name.lower()}")
    assert app.join_workshop(code, name), app.join.summary.text
    return app


def score_and_submit(app: WorkshopTraineeApp, case_id: str, **changes: Any) -> Any:
    app.open_case(case_id)
    app.form.set_facts(key_facts(case_id, **changes))
    sub = app.submit()
    assert sub is not None, app.status.value
    return sub


# --- join codes ----------------------------------------------------------------------------------

def test_join_codes_are_six_readable_characters():
    assert CODE_ALPHABET == JOIN_ALPHABET
    codes = {new_join_code() for _ in range(200)}
    assert len(codes) > 190
    for code in codes:
        assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
        assert not set(code) & set("0O1IL")
    assert normalise_code(" k7q-m3x ") == "K7QM3X"
    assert code_problem("k7qm3x") is None
    assert "6 characters" in code_problem("K7QM")
    assert "no 0, O, 1, I or L" in code_problem("K7QM30")
    assert "Enter the join code" in code_problem("  ")


# --- creating, opening, closing ------------------------------------------------------------------

def test_trainer_creates_a_workshop_with_a_code_and_an_expiry(trainer, trainer_store):
    trainer.setup.expiry.value = 60
    cohort = make_workshop(trainer)
    assert len(cohort.join_code) == 6 and cohort.is_open and not cohort.key_released
    assert cohort.case_ids == ("TC-01", "TC-02")
    assert cohort.expires_at is not None
    assert 59 <= (cohort.expires_at - dt.datetime.now(dt.UTC)).total_seconds() / 60 <= 61
    assert trainer.workspace.layout.display == "" and trainer.setup.layout.display == "none"
    assert cohort.join_code in trainer.header.value and "March calibration" in trainer.header.value
    assert "the key is not released yet" in trainer.header.value
    # closing and reopening
    trainer.set_open(False)
    assert not trainer_store.get_cohort(cohort.id).is_open
    assert trainer.open_button.description == "Reopen the workshop"
    trainer.set_open(True)
    assert trainer_store.get_cohort(cohort.id).is_open
    # a new page lists it for reopening
    again = TrainerDashboardApp(trainer_store, CASES, "trainer.one", n_boot=N_BOOT)
    assert again.setup.existing.value == cohort.id
    again.open_workshop(cohort.id)
    assert cohort.join_code in again.header.value


def test_the_setup_form_explains_what_is_missing(trainer, trainer_store):
    assert trainer.setup.expiry.label.startswith("No expiry")  # the default: never expires
    trainer.setup.code.value = "AB1"
    assert trainer.create() is None
    text = trainer.setup.summary.text
    assert "Enter a name" in text and "Choose at least one case" in text
    assert "6 characters" in trainer.setup.code_field.error
    assert trainer_store.cohorts() == []


def test_a_join_code_already_in_use_gets_a_new_suggestion(trainer, trainer_store):
    trainer_store.create_cohort("Other", ["TC-01"], join_code="ABCDEF")
    trainer.setup.code.value = "abcdef"
    trainer.setup.name.value = "Mine"
    trainer.setup.case_select.value = ("TC-01",)
    assert trainer.create() is None
    assert trainer.setup.code.value != "ABCDEF" and "already in use" in \
        trainer.setup.code_field.error
    cohort = trainer.create()
    assert cohort is not None and cohort.expires_at is None


# --- joining -------------------------------------------------------------------------------------

def test_join_with_a_wrong_code_or_a_bad_name_is_explained(trainer, url):
    make_workshop(trainer)
    app = trainee(url, "user.ann")
    assert not app.join_workshop("ZZZZZZ", "Ann")
    assert "No workshop has this join code" in app.join.code_field.error
    assert "No workshop has this join code" in app.join.summary.text
    assert not app.join_workshop("", "Ann")
    assert "Enter the join code" in app.join.code_field.error
    assert not app.join_workshop(trainer.refresher.store.get_cohort(
        trainer.refresher.cohort_id).join_code, "   ")
    assert "Enter the name" in app.join.name_field.error
    assert app.workspace.layout.display == "none" and app.member is None


def test_join_shows_every_problem_in_one_submit(trainer, url):
    """Issue 14: a wrong code was reported first and the empty name only after it was fixed."""
    make_workshop(trainer)
    app = trainee(url, "user.ann")
    assert not app.join_workshop("ZZZZZZ", "  ")
    assert "No workshop has this join code" in app.join.code_field.error
    assert "Enter the name" in app.join.name_field.error
    assert len(app.join.summary.text.splitlines()) == 2
    links = app.join.summary.links  # each message is the link to its field
    assert {b.label for b in links} == {"Join code", "Your display name"}
    assert [b.description for b in links] == app.join.summary.text.splitlines()
    assert not app.join_workshop("", "")  # both blank: both named
    assert app.join.code_field.error and app.join.name_field.error


def test_an_expired_code_admits_nobody_new_but_members_can_rejoin(trainer_store, url):
    cohort = trainer_store.create_cohort("Short", ["TC-01"],
                                         expires_at=dt.datetime.now(dt.UTC)
                                         + dt.timedelta(hours=1))
    ann = joined(url, cohort.join_code, "Ann")
    trainer_store.set_cohort_expiry(cohort.id, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    with pytest.raises(JoinCodeExpired):
        trainer_store.join_cohort(cohort.id, "Ben")
    ben = trainee(url, "user.ben")
    assert not ben.join_workshop(cohort.join_code, "Ben")
    assert "expired" in ben.join.code_field.error
    again = trainee(url, "user.ann")  # Ann's page reloaded: she carries on
    assert again.join_workshop(cohort.join_code, "Ann")
    assert again.member.id == ann.member.id and "Welcome back" in again.status.value
    assert trainer_store.get_cohort(cohort.id).expired()


def test_a_closed_workshop_admits_nobody_new(trainer_store, url):
    cohort = trainer_store.create_cohort("Closed", ["TC-01"])
    trainer_store.set_cohort_open(cohort.id, False)
    with pytest.raises(WorkshopClosed):
        trainer_store.join_cohort(cohort.id, "Ann")
    app = trainee(url, "user.ann")
    assert not app.join_workshop(cohort.join_code, "Ann")
    assert "closed" in app.join.code_field.error


def test_a_name_taken_by_someone_else_is_refused(trainer_store, url):
    cohort = trainer_store.create_cohort("Names", ["TC-01"])
    joined(url, cohort.join_code, "Ann", user="user.ann")
    other = trainee(url, "user.another")
    assert not other.join_workshop(cohort.join_code, "Ann")
    assert "already uses the name 'Ann'" in other.join.name_field.error
    assert other.join_workshop(cohort.join_code, "Ann B")
    with pytest.raises(JoinProblem) as exc:
        join_workshop(store_for(url, "user.third"), cohort.join_code, "Ann")
    assert exc.value.field == "name"


# --- scoring, drafts, closing --------------------------------------------------------------------

def test_trainee_scores_and_submits_without_seeing_the_key(trainer, url):
    cohort = make_workshop(trainer)
    app = joined(url, cohort.join_code, "Ann")
    assert [v for _, v in app.choice.options] == ["TC-01", "TC-02"]
    app.open_case("TC-01")
    assert "Scoring TC-01" in app.case_heading.value
    assert "Fictional training case" in app.case_file.text
    sub = score_and_submit(app, "TC-01", single=True)
    assert sub.case_id == "TC-01" and sub.attempt["facts"]["single"] is True
    assert "Submitted TC-01" in app.status.value and "1 case left" in app.status.value
    assert "submitted" in app.choice.options[0][0]
    # no key, no feedback before release
    assert app.feedback_view.layout.display == "none" and app.feedback_head.value == ""
    page = app.case_file.text + app.status.value + app.feedback_head.value
    assert "key's reasoning" not in page.lower()
    assert BY_ID["TC-01"].key.rationale.for_item("single") not in page
    # reopening shows the submitted answers again
    app.open_case("TC-02")
    app.open_case("TC-01")
    assert app.form.value["single"] is True and "answers you submitted" in app.status.value


def test_incomplete_answers_are_not_submitted(trainer, url):
    cohort = make_workshop(trainer)
    app = joined(url, cohort.join_code, "Ann")
    app.open_case("TC-01")
    app.form.set_facts({"sex": "male"})
    assert app.submit() is None
    assert "cannot be submitted yet" in app.status.value
    assert app.form.summary.items  # the form lists each problem
    assert app.store.submissions(cohort.id, member_id=app.member.id) == []


def test_submission_after_close_is_refused_and_the_answers_kept_as_a_draft(trainer, url):
    cohort = make_workshop(trainer)
    app = joined(url, cohort.join_code, "Ann")
    app.open_case("TC-01")
    trainer.set_open(False)
    app.form.set_facts(key_facts("TC-01", single=True))
    assert app.submit() is None
    assert "Not submitted: the trainer has closed the workshop" in app.status.value
    assert app.submit_button.layout.display == "none"
    draft = app.store.get_draft(draft_key(cohort.id, app.member.id, "TC-01"))
    assert draft is not None and draft.data["facts"]["single"] is True
    assert app.store.submissions(cohort.id, member_id=app.member.id) == []
    with pytest.raises(WorkshopClosed):
        app.store.submit(cohort.id, app.member.id, "TC-01", attempt("TC-01"))


def test_draft_is_recovered_after_the_kernel_dies(trainer, url):
    cohort = make_workshop(trainer)
    app = joined(url, cohort.join_code, "Ann", user="user.ann")
    app.open_case("TC-02")
    app.form.set_facts(key_facts("TC-02", single=True))
    app.own.set_value("own", {"s": "High", "v": "Low", "c": "Medium"})
    key = draft_key(cohort.id, app.member.id, "TC-02")
    saved = app.store.get_draft(key)
    assert saved is not None and saved.data["mode"] == "own"
    assert "Draft saved" in app.draft_status.value
    del app  # the kernel dies: nothing of the page survives but the store
    back = trainee(url, "user.ann")
    assert back.join_workshop(cohort.join_code.lower(), "Ann")
    assert "draft saved, not submitted" in dict((v, k) for k, v in back.choice.options)["TC-02"]
    back.open_case("TC-02")
    assert "recovered from your draft" in back.status.value
    assert back.form.value == key_facts("TC-02", single=True) | {
        k: v for k, v in back.form.value.items() if k not in key_facts("TC-02")}
    assert back.form.value["single"] is True
    assert back.own.mode == "own" and back.own.value["s"] == "High"
    back.submit()
    assert back.store.get_draft(key) is None  # a submitted draft is cleared
    mine = back.store.submissions(cohort.id, member_id=back.member.id)
    assert mine[0].attempt["entered"]["s"] == "High"


def test_autosave_is_debounced_in_a_running_loop(trainer, url):
    import asyncio

    cohort = make_workshop(trainer)
    app = WorkshopTraineeApp(store_for(url, "user.ann"), CASES, "user.ann", ruleset=RULESET,
                             autosave_seconds=0.05)
    assert app.join_workshop(cohort.join_code, "Ann")
    app.open_case("TC-01")
    saves: list[dict[str, Any]] = []
    real = app.store.save_draft
    app.store.save_draft = lambda k, d, **kw: saves.append(d) or real(k, d, **kw)

    async def typing() -> None:
        for n in (20, 21, 22, 23):
            app.form.fields["age_at_assessment"].control.value = str(n)
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.2)

    asyncio.run(typing())
    assert len(saves) == 1 and saves[0]["facts"]["age_at_assessment"] == 23


# --- key release ---------------------------------------------------------------------------------

def test_feedback_only_after_the_key_is_released(trainer, url):
    cohort = make_workshop(trainer)
    app = joined(url, cohort.join_code, "Ann")
    score_and_submit(app, "TC-01", single=True)
    app.check()
    assert not app.released and app.feedback_view.layout.display == "none"
    app._show_feedback("TC-01")  # even asked directly, nothing before release
    assert app.feedback_view.feedback is None
    trainer.release_key(True)
    assert feedback_released(trainer.store.get_cohort(cohort.id))
    assert trainer.release_button.description == "Withdraw the key from trainees"
    app.check()
    assert app.released and "released the key" in app.status.value
    assert app.feedback_view.layout.display == "" and app.feedback_view.feedback is not None
    assert "Your feedback on TC-01" in app.feedback_head.value
    assert app.submit_button.layout.display == "none"
    assert "feedback ready" in app.choice.options[0][0]
    app.open_case("TC-02")
    assert "did not submit this case" in app.feedback_head.value
    # after release nobody can submit (the room has seen the key)
    with pytest.raises(WorkshopClosed, match="released"):
        app.store.submit(cohort.id, app.member.id, "TC-02", attempt("TC-02"))
    trainer.release_key(False)
    app.check()
    assert not app.released and app.feedback_view.layout.display == "none"


def test_after_release_the_status_is_one_consistent_sentence(trainer, url):
    """Issue 14: "open for submissions; key released" sat above "no more submissions are
    accepted"."""
    cohort = make_workshop(trainer)
    joined(url, cohort.join_code, "Ann")
    trainer.release_key(True)
    state = trainer.header.value
    assert "open for submissions" not in state
    assert "closed to submissions: the key is released to trainees" in state
    assert "no more submissions are accepted" in trainer.status.value
    trainer.release_key(False)
    assert "open for submissions" in trainer.header.value
    assert "the key is not released yet" in trainer.header.value


def test_release_warns_first_when_a_case_is_not_submitted(trainer, url):
    """Issue 14: no warning that a case was still unsubmitted; names hidden unless shown."""
    cohort = make_workshop(trainer)
    ann = joined(url, cohort.join_code, "Ann")
    joined(url, cohort.join_code, "Ben")
    score_and_submit(ann, "TC-01", single=True)
    trainer.release_button.click()  # as the trainer would: a warning, not a release
    assert not trainer.store.get_cohort(cohort.id).key_released
    text = trainer.status.value
    assert "TC-01: 1 trainee has not submitted" in text
    assert "TC-02: 2 trainees have not submitted" in text
    assert "Ann" not in text and "Ben" not in text  # the anonymity setting hides names
    assert trainer.release_button.description == "Release the key anyway"
    trainer.reveal.value = True
    trainer.release_key(True, confirmed=False)
    assert "(Ben)" in trainer.status.value  # names once the trainer chose to show them
    trainer.release_button.click()  # the second, informed click releases
    assert trainer.store.get_cohort(cohort.id).key_released
    assert trainer.release_button.description == "Withdraw the key from trainees"


def test_release_without_a_warning_when_every_case_is_in(trainer, url):
    cohort = make_workshop(trainer, cases=("TC-01",))
    ann = joined(url, cohort.join_code, "Ann")
    score_and_submit(ann, "TC-01", single=True)
    trainer.release_button.click()
    assert trainer.store.get_cohort(cohort.id).key_released


# --- the trainer's refresh -----------------------------------------------------------------------

def _members(store, cohort, names=("Ann", "Ben", "Cat", "Dee")):
    return [store.join_cohort(cohort.id, n) for n in names]


def test_refresh_picks_up_new_joins_and_submissions(trainer, url):
    cohort = make_workshop(trainer)
    assert trainer.model.n_submissions == 0 and not trainer.model.roster
    assert "Nobody has joined yet" in trainer.roster.body.value
    ann = joined(url, cohort.join_code, "Ann")
    assert trainer.refresher.has_news()
    trainer.refresh()
    assert not trainer.refresher.has_news()
    assert "1 trainee joined; 0 submissions" in trainer.roster.body.value
    score_and_submit(ann, "TC-01")
    trainer._tick()  # the timer: refreshes because there is news
    assert trainer.model.n_submissions == 1
    assert "Submitted" in trainer.roster.body.value and "1 of 2" in trainer.roster.body.value
    version = trainer.model.version
    trainer._tick()  # no news: nothing recomputed
    assert trainer.model.version == version
    trainer.refresh()  # the button always refreshes, results unchanged
    assert trainer.model.version == version and not trainer.model.changed


def test_incremental_frame_equals_the_full_frame(trainer_store):
    cohort = trainer_store.create_cohort("Big", ["TC-01", "TC-02", "TC-06"])
    members = _members(trainer_store, cohort)
    cases = {c: BY_ID[c] for c in cohort.case_ids}
    ref = WorkshopRefresher(trainer_store, cohort.id, cases=cases, n_boot=N_BOOT, seed=1)
    plain = WorkshopRefresher(trainer_store, cohort.id, cases=cases, n_boot=N_BOOT, seed=1,
                              cache=False)
    plan = [(0, "TC-01", {}), (1, "TC-01", {"single": True}), (2, "TC-02", {}),
            (0, "TC-01", {"stranger_victim": True}),  # resubmission replaces the first
            (3, "TC-06", {}), (1, "TC-02", {"male_victim": True}), (2, "TC-06", {}),
            (3, "TC-01", {}), (0, "TC-02", {})]
    for n, (m, cid, changes) in enumerate(plan):
        trainer_store.submit(cohort.id, members[m].id, cid, attempt(cid, **changes))
        if n == 4:
            trainer_store.submit(cohort.id, members[2].id, "TC-01", {"nonsense": 1})
        if n % 3 == 2:
            ref.refresh()
    model = ref.refresh()
    full = cohort_frame(trainer_store.submissions(cohort.id), cases,
                        members=trainer_store.cohort_members(cohort.id))
    pd.testing.assert_frame_equal(ref.frame, full)
    assert ref.frame.attrs == full.attrs and full.attrs["superseded"] == 1
    other = plain.refresh()
    pd.testing.assert_frame_equal(plain.frame, full)
    assert [s.text for s in model.statistics] == [s.text for s in other.statistics]
    assert {m: s.status for m, s in model.statuses.items()} == \
        {m: s.status for m, s in other.statuses.items()}
    direct = {s.member_id: s for s in cohort_status(full)}
    assert model.statuses == direct  # the same statuses as on the whole frame
    assert model.problems and "neither RM2000 facts nor ARMS ratings" in model.problems[0]


def test_incremental_frame_handles_batches_out_of_order():
    subs = [{"id": n, "member_id": m, "case_id": "TC-01", "attempt": attempt("TC-01"),
             "created_at": T0 + dt.timedelta(seconds=n)} for n, m in enumerate([1, 2, 1], 1)]
    inc = IncrementalFrame({"TC-01": BY_ID["TC-01"]}, RULESET)
    assert inc.update(subs[1:], [1, 2]) == {1, 2}
    assert inc.update(subs[:1], [1, 2]) == set()  # older than what was seen: ignored
    assert inc.frame["submission_id"].nunique() == 2


# --- the dashboard -------------------------------------------------------------------------------

@pytest.fixture
def room(trainer, url):
    """Four trainees; Ben codes 'single' wrongly on both cases."""
    cohort = make_workshop(trainer)
    apps = []
    for name in ("Ann", "=Ben+1", "Cat <b>", "Dee"):
        app = joined(url, cohort.join_code, name)
        for cid in cohort.case_ids:
            score_and_submit(app, cid, **({"single": True} if name == "=Ben+1" else {}))
        apps.append(app)
    trainer.refresh()
    return cohort, apps


def test_statistics_are_named_in_plain_words_first(trainer, room):
    """Issue 14: "ICC(2,1)" and "Krippendorff's alpha (ordinal)" were headline text."""
    import re

    page = trainer.results.statistics.value
    heads = re.findall(r'<tr data-stat="([^"]+)"><th scope="row">([^<]*)<details', page)
    assert len(heads) >= 12
    for key, head in heads:
        assert not re.search(r"ICC|Krippendorff|kappa|alpha", head), (key, head)
    assert "How far trainees agree with each other: combined risk category" in page
    reveal = re.search(r'data-stat="icc.V total".*?<details class="rso-term"><summary>'
                       r"What this measures</summary><p><strong>(.*?)</strong>\. (.*?)</p>",
                       page)
    assert reveal and reveal.group(1) == "ICC(2,1), /V total"
    assert "intraclass correlation" in reveal.group(2)


def test_dashboard_shows_results_anonymously_by_default(trainer, room):
    _cohort, _apps = room
    assert trainer.reveal.value is False
    page = trainer.roster.body.value + trainer.results.text
    for name in ("Ann", "Ben", "Dee"):
        assert name not in page
    assert "Rater 1" in page and "Rater 4" in page
    assert "Agreement with the key, RM2000 items (%)" in page
    assert "ICC(2,1)" in page and "Krippendorff" in page and "kappa" in page
    assert "95% CI" in page
    assert "Thresholds are local policy" in trainer.results.statuses.value
    assert "Not enough cases yet" in trainer.results.statuses.value  # 2 of 10 cases
    # the names, for the trainer only, escaped
    trainer.reveal.value = True
    shown = trainer.roster.body.value + trainer.results.statuses.value
    assert "Ann" in shown and "Cat &lt;b&gt;" in shown
    assert "Cat <b>" not in shown
    trainer.reveal.value = False
    assert "Ann" not in trainer.roster.body.value


def test_dashboard_results_heatmap_and_debrief(trainer, room):
    model = trainer.model
    s = model.summary
    assert s.n_raters == 4 and s.n_cases == 2
    single = s.agreement_by_item[s.agreement_by_item["item"] == "factor.single"]
    assert (single["pct"] == 75).all()
    # distribution with the key marked
    dist = trainer.results.distribution.value
    assert "(the key)" in dist and "Single" in dist
    # error types counted
    assert s.error_totals["coding"] == 2
    assert "Coding (a fact read wrongly)" in trainer.results.errors.value
    # heatmap: plotly figure with the same numbers as the table
    fig = build_heatmap(model)
    assert fig is not None and fig.data[0].type == "heatmap"
    assert "25%" in trainer.results.heat_table.value
    # debrief prompts with the rationale held back
    prompts = [p for p in trainer.results.prompts.children if isinstance(p, DebriefPrompt)]
    assert 1 <= len(prompts) <= 5 and prompts[0].prompt.item == "factor.single"
    p = prompts[0]
    assert not p.shown and p.button.description == "Show the key's rationale"
    assert p.prompt.rationale not in p.text.value
    p.button.click()
    assert p.shown and esc_in(p.prompt.rationale, p.rationale.value)
    p.button.click()
    assert not p.shown


def esc_in(text: str, html: str) -> bool:
    from rso_widgets.widgets.fields import esc

    return esc(text) in html


def test_not_enough_data_is_shown_as_such(trainer, url):
    cohort = make_workshop(trainer)
    lines = stat_lines(None)
    assert all(not s.ok and s.text.startswith("not enough data") for s in lines)
    assert "not enough data" in trainer.results.statistics.value
    ann = joined(url, cohort.join_code, "Ann")
    score_and_submit(ann, "TC-01")
    ben = joined(url, cohort.join_code, "Ben")
    score_and_submit(ben, "TC-01")
    model = trainer.refresh()
    assert model.summary.n_raters == 2
    for s in model.statistics:
        assert not s.ok and "not enough data" in s.text and s.value is None
    assert "2 raters; cohort statistics need at least 3" in trainer.results.statistics.value
    assert "nan" not in trainer.results.text.lower()


def test_ticker_calls_back_and_skips_while_busy_or_too_soon():
    calls = []
    t = Ticker(10, lambda: calls.append(1))
    assert t.layout.display == "none" and not t.running
    t.running = True
    assert t.playing
    t.value += 1
    t.value += 1  # too soon after the last call
    assert len(calls) == 1 and t.ticks == 2
    t._last -= 20
    t.value += 1
    assert len(calls) == 2

    def boom() -> None:
        raise RuntimeError("x")

    bad = Ticker(1, boom)
    bad.value += 1  # an exception never escapes
    assert bad.ticks == 1


# --- exports and certificates --------------------------------------------------------------------

def test_exports_are_marked_guarded_and_audited(trainer, room, tmp_path):
    cohort, _apps = room
    paths = trainer.export("csv")
    assert [p.name for p in paths] == [f"workshop-{cohort.id}-{t}.csv"
                                       for t in ("results", "trainees", "statistics")]
    rows = list(csv.DictReader(io.StringIO(paths[0].read_text(encoding="utf-8-sig"))))
    assert rows and {r["classification"] for r in rows} == {"OFFICIAL-SENSITIVE"}
    assert "display_name" not in rows[0]  # anonymous unless names are shown
    assert {r["rater"] for r in rows} == {"Rater 1", "Rater 2", "Rater 3", "Rater 4"}
    single = [r for r in rows if r["item"] == "factor.single"]
    assert sorted(r["agrees_with_key"] for r in single).count("False") == 2
    stats = list(csv.DictReader(io.StringIO(paths[2].read_text(encoding="utf-8-sig"))))
    assert any(r["status"] == "not enough data" for r in stats)
    assert "download=" in trainer.export_status.value
    # with names shown, a name that looks like a formula is neutralised
    trainer.reveal.value = True
    paths = trainer.export("xlsx")
    df = pd.read_excel(paths[1], sheet_name=0)
    names = set(df["display_name"])
    assert "'=Ben+1" in names and "=Ben+1" not in names and "Cat <b>" in names
    about = pd.read_excel(paths[1], sheet_name="About")
    assert "OFFICIAL-SENSITIVE" in set(about["Detail"].astype(str))
    exports = [e for e in audit_log(trainer.store, 200) if e.action == "export"]
    assert len(exports) == 6 and all(e.entity == "cohort" for e in exports)
    assert exports[-1].detail["names_revealed"] is True
    assert verify_log(trainer.store).ok


def test_certificates_name_each_trainee_escaped(trainer, room):
    from pypdf import PdfReader

    path = trainer.certificates()
    reader = PdfReader(path)
    assert len(reader.pages) == 4
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Certificate of participation" in text
    assert "Cat <b>" in text and "=Ben+1" in text and "March calibration" in text
    assert "TC-01" in text and BY_ID["TC-02"].title in text
    assert "Not enough cases scored yet" in text
    assert "local policy" in text and "does not certify competence" in text
    assert "OFFICIAL-SENSITIVE" not in text
    assert audit_log(trainer.store, 5)[-1].detail["table"] == "certificates"


def test_one_certificate_escapes_markup_and_hidden_characters():
    from pypdf import PdfReader

    pdf = certificate_pdf(Certificate(display_name="A & B <i>x</i>\u202e", workshop="W",
                                      held_on=dt.date(2026, 11, 26), cases=[], status=None))
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "A & B <i>x</i>[U+202E]" in text and "26 November 2026" in text
    assert "No case was submitted" in text


def test_certificates_for_lists_submitted_cases_only(trainer, url):
    cohort = make_workshop(trainer)
    ann = joined(url, cohort.join_code, "Ann")
    score_and_submit(ann, "TC-02")
    joined(url, cohort.join_code, "Ben")
    model = trainer.refresh()
    certs = certificates_for(model, BY_ID)
    assert [c.display_name for c in certs] == ["Ann", "Ben"]
    assert [cid for cid, _ in certs[0].cases] == ["TC-02"] and certs[1].cases == []
    assert certs[1].status is None


# --- pages ---------------------------------------------------------------------------------------

def test_pages_build_with_the_default_store():
    assert isinstance(trainer_dashboard(), TrainerDashboardApp)
    assert isinstance(workshop(), WorkshopTraineeApp)


def test_a_page_that_cannot_start_says_so(monkeypatch):
    def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("database unavailable <now>")

    monkeypatch.setattr("rso_widgets.store.open_store", broken)
    page = trainer_dashboard()
    assert "could not start" in page.value and "&lt;now&gt;" in page.value
    trainee = workshop()  # its first view, the join form, needs no database (opened on join)
    assert isinstance(trainee, WorkshopTraineeApp) and not trainee.store.opened
    trainee.join.code.value, trainee.join.name.value = "K7QM3X", "Ann"
    trainee.join.join_button.click()
    assert "Something went wrong while joining" in trainee.failure.value
    assert "<now>" not in trainee.failure.value


def test_trainee_page_first_view_imports_no_database_code(tmp_path):
    from lean_start import HEAVY, build_in_fresh_process

    later = ("rso_widgets.cases.loader", "rso_widgets.store.repository",
             "rso_widgets.widgets.rm2000_form")  # on joining
    _lines, heavy = build_in_fresh_process(
        "from rso_widgets.apps.workshop_trainee import workshop\nworkshop()", tmp_path,
        HEAVY + later)
    assert heavy == []
    assert not (tmp_path / "data").exists()  # nothing read or created while preheating


def test_callbacks_report_errors_instead_of_raising(trainer, url, monkeypatch):
    cohort = make_workshop(trainer)
    app = joined(url, cohort.join_code, "Ann")
    monkeypatch.setattr(trainer.refresher, "refresh", lambda: 1 / 0)
    trainer.refresh_button.click()
    assert "Something went wrong while refreshing" in trainer.failure.value
    monkeypatch.setattr(app.store, "submit", lambda *a: 1 / 0)
    app.open_case("TC-01")
    app.form.set_facts(key_facts("TC-01"))
    app.submit_button.click()
    assert "Something went wrong while submitting" in app.failure.value
    assert "Your answers are kept" in app.failure.value


def test_roster_html_escapes_and_counts(trainer, url):
    cohort = make_workshop(trainer)
    joined(url, cohort.join_code, "<script>x</script>")
    model = trainer.refresh()
    assert "<script>" not in roster_html(model, reveal=True)
    assert "&lt;script&gt;" in roster_html(model, reveal=True)
    assert "Rater 1" in roster_html(model) and "0 of 2" in roster_html(model)


def test_served_pages_stay_lean():
    code = ("import sys\n"
            "from rso_widgets.apps.workshop_trainee import workshop\n"
            "from rso_widgets.apps.workshop_trainer import trainer_dashboard\n"
            "workshop(); trainer_dashboard()\n"
            "heavy = [m for m in ('pandas', 'plotly', 'pingouin', 'sklearn', 'scipy') "
            "if m in sys.modules]\n"
            "print(','.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "", f"heavy modules loaded at page build: {out.stdout}"


def test_store_workshop_additions(trainer_store, url):
    from rso_widgets.store import DuplicateNameError, NotFoundError

    with pytest.raises(ValueError, match="timezone-aware"):
        trainer_store.create_cohort("X", ["TC-01"], expires_at=dt.datetime(2030, 1, 1))
    with pytest.raises(ValueError, match="listed twice"):
        trainer_store.create_cohort("X", ["TC-01", "TC-01"])
    c = trainer_store.create_cohort("Store", ["TC-01", "TC-02"])
    assert trainer_store.cohort_activity(c.id) == (0, 0, 0)
    ann_store = store_for(url, "user.ann")
    ann = ann_store.join_cohort(c.id, "Ann")
    assert ann.username == "user.ann"
    assert ann_store.rejoin_cohort(c.id, "Ann").id == ann.id
    with pytest.raises(DuplicateNameError):
        store_for(url, "user.other").rejoin_cohort(c.id, "Ann")
    with pytest.raises(NotFoundError):
        ann_store.rejoin_cohort(c.id, "Nobody")
    s1 = ann_store.submit(c.id, ann.id, "TC-01", attempt("TC-01"))
    s2 = ann_store.submit(c.id, ann.id, "TC-02", attempt("TC-02"))
    assert trainer_store.cohort_activity(c.id) == (1, 2, s2.id)
    assert [s.id for s in trainer_store.submissions(c.id, after_id=s1.id)] == [s2.id]
    assert [s.id for s in trainer_store.submissions(c.id, member_id=ann.id, case_id="TC-01")] \
        == [s1.id]
    released = trainer_store.release_key(c.id)
    assert released.key_released and trainer_store.release_key(c.id).key_released_at == \
        released.key_released_at  # releasing twice keeps the first time
    assert not trainer_store.release_key(c.id, False).key_released
    assert [x.id for x in trainer_store.cohorts(created_by="trainer.one")] == [c.id]
    assert trainer_store.cohorts(created_by="someone.else") == []
    changes = [e.detail for e in audit_log(trainer_store, 50) if e.entity == "cohort"
               and e.action == "change"]
    assert {"key_released": True} in changes and {"key_released": False} in changes
    assert verify_log(trainer_store).ok


# --- ARMS in a workshop --------------------------------------------------------------------------

def arms_ratings(case_id: str, **changes: str) -> dict[str, str]:
    """The key's ARMS ratings for a case, with some changed."""
    from rso_widgets.cases.arms_key import key_assessment

    key = key_assessment(BY_ID[case_id])
    return {fid: r.rating for fid, r in key.ratings.items()} | changes


def arms_payload(case_id: str, **changes: str) -> dict[str, Any]:
    """A submission holding only ARMS ratings (as the trainee page sends it for an ARMS case)."""
    from rso_widgets.calibration.workshop import arms_start, workshop_payload
    from rso_widgets.instruments.arms import FactorRating

    blank = arms_start(BY_ID[case_id], ("arms",), RULESET)
    ratings = {fid: FactorRating(rating=r) for fid, r in arms_ratings(case_id, **changes).items()}
    return workshop_payload(("arms",), arms=blank.model_copy(update={"ratings": ratings}))


def make_arms_workshop(app: TrainerDashboardApp,
                       instruments: dict[str, tuple[str, ...]]) -> Any:
    """A workshop made through the setup form, choosing the instruments for each case."""
    app.setup.name.value = "ARMS calibration"
    app.setup.case_select.value = tuple(instruments)
    for cid, chosen in instruments.items():
        app.setup.set_instruments(cid, chosen)
    cohort = app.create()
    assert cohort is not None, app.setup.summary.text
    return cohort


def rate(app: WorkshopTraineeApp, ratings: dict[str, str]) -> None:
    for fid, rating in ratings.items():
        app.arms.sections[fid].rating.value = rating


def test_trainer_chooses_rm2000_arms_or_both_per_case(trainer, trainer_store):
    from rso_widgets.calibration.workshop import instruments_problem
    from rso_widgets.widgets.workshop_setup import instrument_options

    trainer.setup.case_select.value = ("TC-01", "TC-13")
    labels = {cid: dd.description for cid, dd in trainer.setup.instrument_choices.items()}
    assert labels == {"TC-01": "Instruments for TC-01", "TC-13": "Instruments for TC-13"}
    # ARMS is offered only for cases with an ARMS key
    assert [v for _, v in instrument_options(BY_ID["TC-01"])] == [
        ("rm2000",), ("arms",), ("rm2000", "arms")]
    assert [v for _, v in instrument_options(BY_ID["TC-13"])] == [("rm2000",)]
    assert "has no ARMS key" in instruments_problem(BY_ID["TC-13"], ("arms",))
    cohort = make_arms_workshop(trainer, {"TC-01": ("rm2000", "arms"), "TC-13": ("rm2000",)})
    assert cohort.instruments == {"TC-01": ("rm2000", "arms"), "TC-13": ("rm2000",)}
    assert trainer_store.get_cohort(cohort.id).instruments_for("TC-01") == ("rm2000", "arms")
    assert "TC-01 (RM2000 and ARMS), TC-13 (RM2000)" in trainer.header.value
    # the store refuses what the form cannot send
    with pytest.raises(ValueError, match="not one; use rm2000"):
        trainer_store.create_cohort("X", ["TC-01"], instruments={"TC-01": ["static99"]})
    with pytest.raises(ValueError, match="not among the workshop's cases"):
        trainer_store.create_cohort("X", ["TC-01"], instruments={"TC-02": ["arms"]})
    # RM2000 throughout is stored as nothing (workshops from before instruments read the same)
    assert trainer_store.create_cohort("Y", ["TC-01"], instruments={}).instruments is None


def test_trainee_scores_arms_key_hidden_draft_recovered_then_feedback(trainer, url):
    from rso_widgets.calibration.workshop import submission_parts

    cohort = make_arms_workshop(trainer, {"TC-01": ("rm2000", "arms"), "TC-02": ("arms",)})
    app = joined(url, cohort.join_code, "Ann", user="user.ann")
    assert [label.split(" (")[0] for label, _ in app.choice.options] == [
        f"TC-01: {BY_ID['TC-01'].title}, RM2000 and ARMS", f"TC-02: {BY_ID['TC-02'].title}, ARMS"]
    # ARMS only: no RM2000 form; the key's RM2000 result is the given static context
    app.open_case("TC-02")
    assert app.rm_section.layout.display == "none" and app.arms_section.layout.display == ""
    assert app.arms.value.rm2000 is not None
    # RM2000 and ARMS: both forms, and no RM2000 key leaking in as the static context
    app.open_case("TC-01")
    assert app.rm_section.layout.display == "" and app.arms_section.layout.display == ""
    assert app.arms.value.rm2000 is None
    page = app.arms.summary.text + app.status.value + app.feedback_head.value
    assert BY_ID["TC-01"].arms_key is not None and "rationale" not in page.lower()
    # not every factor rated: refused, each gap listed, nothing stored
    app.form.set_facts(key_facts("TC-01"))
    rate(app, {"R1": "not_evident"})
    assert app.submit() is None
    assert "Rate every ARMS factor before you submit: 10 factors are not rated" in \
        app.status.value
    assert app.arms.summary.layout.display != "none"
    assert app.store.submissions(cohort.id, member_id=app.member.id) == []
    # RM2000 and ARMS problems show in the same submit, not one part after the other
    app.form.set_facts({**key_facts("TC-01"), "criminal_appearances": None})
    assert app.submit() is None
    assert "cannot be submitted yet" in app.status.value
    assert "Rate every ARMS factor" in app.status.value
    assert app.form.fields["criminal_appearances"].error
    app.form.set_facts(key_facts("TC-01"))
    # the draft keeps the ARMS ratings and survives a dead kernel
    mine = arms_ratings("TC-01", R1="not_evident", R5="evident")
    rate(app, mine)
    key = draft_key(cohort.id, app.member.id, "TC-01")
    assert app.store.get_draft(key).data["arms"]["ratings"]["R5"]["rating"] == "evident"
    del app
    back = joined(url, cohort.join_code, "Ann", user="user.ann")
    back.open_case("TC-01")
    assert "recovered from your draft" in back.status.value
    assert {fid: sec.rating.value for fid, sec in back.arms.sections.items()} == mine
    assert back.form.value["single"] == key_facts("TC-01")["single"]
    sub = back.submit()
    assert sub is not None, back.status.value
    rm, arms = submission_parts(sub.attempt)
    assert rm["facts"] and arms["ratings"]["R5"]["rating"] == "evident"
    assert back.store.get_draft(key) is None
    # before release: no ARMS feedback, even asked directly
    back._show_feedback("TC-01")
    assert back.arms_feedback.feedback is None and back.feedback_view.feedback is None
    assert "Key:" not in back.arms_feedback.body.value
    trainer.release_key(True)
    back.check()
    fb = back.arms_feedback.feedback
    assert fb is not None and back.feedback_view.feedback is not None  # both instruments
    assert fb.factor("R5").agreement == "adjacent" and fb.factor("R2").agreement == "exact"
    assert fb.factor("R1").agreement == "not comparable"  # the key: insufficient information
    assert BY_ID["TC-01"].arms_key.ratings["R5"].rationale.split()[0] in \
        back.arms_feedback.body.value
    # an ARMS-only case the trainee did not submit: no feedback for it
    back.open_case("TC-02")
    assert "did not submit this case" in back.feedback_head.value
    assert back.arms_feedback.feedback is None


@pytest.fixture
def arms_room(trainer, url, trainer_store):
    """Four trainees rate ARMS on TC-01 (with RM2000) and TC-02 (ARMS only); Rater 2 and Rater
    4 rate P1 on TC-02 one step from the key, and Rater 4 rates P2 at the opposite end."""
    cohort = make_arms_workshop(trainer, {"TC-01": ("rm2000", "arms"), "TC-02": ("arms",)})
    changes = {"Ann": {}, "Ben": {"P1": "present"}, "Cat": {},
               "Dee": {"P1": "not_present", "P2": "not_present"}}
    for name, change in changes.items():
        store = store_for(url, f"user.{name.lower()}")
        member = store.join_cohort(cohort.id, name)
        both = {**attempt("TC-01"), **arms_payload("TC-01")}
        store.submit(cohort.id, member.id, "TC-01", both)
        store.submit(cohort.id, member.id, "TC-02", arms_payload("TC-02", **change))
    trainer.refresh()
    return cohort


def test_dashboard_shows_arms_results_with_the_key(trainer, arms_room):
    from rso_widgets.calibration.cohort import alpha, cohort_frame

    model = trainer.model
    s = model.summary
    assert s.n_raters == 4 and model.has_arms
    p1 = s.arms_factors.set_index("item").loc["ARMS.P1"]
    assert (p1["compared"], p1["exact"], p1["adjacent"], p1["opposite"]) == (8, 6, 2, 0)
    assert p1["pct"] == 75
    p2 = s.arms_factors.set_index("item").loc["ARMS.P2"]
    assert (p2["exact"], p2["adjacent"], p2["opposite"], p2["not_comparable"]) == (7, 0, 1, 0)
    r1 = s.arms_factors.set_index("item").loc["ARMS.R1"]  # TC-01's key: insufficient info
    assert (r1["exact"], r1["not_comparable"]) == (8, 0)
    lines = {x.key: x for x in model.statistics}
    assert lines["agreement.ARMS"].ok and lines["agreement.ARMS"].value == pytest.approx(
        100 * 85 / 88)  # 4 raters × 2 cases × 11 factors; 3 ratings differ
    assert lines["alpha.ARMS"].ok and lines["alpha.ARMS"].ci is not None
    frame = cohort_frame(trainer.store.submissions(arms_room.id), BY_ID,
                         members=trainer.store.cohort_members(arms_room.id), ruleset=RULESET)
    assert lines["alpha.ARMS"].value == pytest.approx(
        alpha(frame, "ARMS", n_boot=0).value)  # the dashboard's figure is the library's
    view = trainer.results
    assert view.arms_section.layout.display == ""
    text = html.unescape(view.text)
    assert "Agreement with the key per ARMS factor" in text
    assert "Krippendorff's alpha (ordinal), ARMS ratings" in text and "95% CI" in text
    # agreement with the key, and with the key or one of its defensible alternatives, apart
    assert lines["agreement.ARMS or acceptable"].value == lines["agreement.ARMS"].value  # none
    assert "Agreement with the key or a defensible alternative, ARMS ratings (%)" in text
    assert "Exact or a defensible alternative" in text and "Defensible alternatives" in text
    # the room's ratings per case, with the key's marked
    view.arms_case.value = "TC-02"
    dist = view.arms_distribution.value
    assert "ARMS ratings across the room, TC-02" in dist
    assert 'data-item="ARMS.P1"' in dist and "Partly present: 2 (the key)" in dist
    assert "Present: 1" in dist and "Not present: 1" in dist
    # the factor that divides the room, as a debrief prompt; the rationale on request
    prompt = next(p for p in view.arms_prompts.children if isinstance(p, DebriefPrompt))
    assert prompt.prompt.case_id == "TC-02" and prompt.prompt.item == "ARMS.P1"
    assert "2 of 4 raters differ from the key" in prompt.prompt.question
    assert prompt.rationale.layout.display == "none"
    prompt.toggle()
    assert esc_in(BY_ID["TC-02"].arms_key.ratings["P1"].rationale, prompt.rationale.value)
    # each trainee's status covers ARMS (2 of 10 cases: not enough yet), names hidden
    statuses = view.statuses.value
    assert "ARMS status" in statuses and "ARMS ratings matching the key" in statuses
    assert "ARMS ratings matching the key or a defensible alternative" in statuses
    st = next(iter(model.statuses.values()))
    assert st.arms_status == "not enough cases" and st.numbers.arms_cases == 2
    assert "Ann" not in statuses and "Rater 4" in statuses
    dee = model.statuses[model.roster[3].member_id]
    assert dee.numbers.arms_max_distance == 2 and dee.numbers.arms_far_apart[0].scale == "P2"
    assert any("ARMS" in r.label for r in dee.revisit)


def test_arms_exports_and_certificates(trainer, arms_room):
    from pypdf import PdfReader

    paths = trainer.export("csv")
    results = list(csv.DictReader(io.StringIO(paths[0].read_text(encoding="utf-8-sig"))))
    arms_rows = [r for r in results if r["instrument"] == "arms"]
    assert len(arms_rows) == 4 * 2 * 11
    p1 = [r for r in arms_rows if r["case_id"] == "TC-02" and r["item"] == "ARMS.P1"]
    assert sorted(r["agrees_with_key"] for r in p1) == ["False", "False", "True", "True"]
    assert {r["categories_apart"] for r in p1} == {"0", "1"}  # scale steps for ARMS
    trainees = list(csv.DictReader(io.StringIO(paths[1].read_text(encoding="utf-8-sig"))))
    assert {r["arms_status"] for r in trainees} == {"not enough cases"}
    assert {r["arms_cases_rated"] for r in trainees} == {"2"}
    stats = list(csv.DictReader(io.StringIO(paths[2].read_text(encoding="utf-8-sig"))))
    alpha_row = next(r for r in stats if r["statistic"].endswith("ARMS ratings")
                     and "alpha" in r["statistic"])
    assert alpha_row["status"] == "ok" and alpha_row["ci_low"] and alpha_row["ci_high"]
    text = "\n".join(p.extract_text() for p in PdfReader(trainer.certificates()).pages)
    assert "TC-02" in text and "(ARMS)" in text and "(RM2000 and ARMS)" in text
    assert "ARMS: not enough cases rated yet" in text


def test_arms_with_too_few_raters_is_not_enough_data(trainer, url):
    cohort = make_arms_workshop(trainer, {"TC-02": ("arms",)})
    for name in ("Ann", "Ben"):
        store = store_for(url, f"user.{name.lower()}")
        member = store.join_cohort(cohort.id, name)
        store.submit(cohort.id, member.id, "TC-02", arms_payload("TC-02", P1="present"))
    model = trainer.refresh()
    lines = {x.key: x for x in model.statistics}
    for key in ("agreement.ARMS", "alpha.ARMS", "kappa.ARMS"):
        assert not lines[key].ok and lines[key].value is None
        assert lines[key].text.startswith("not enough data (2 raters; cohort statistics need "
                                          "at least 3")
    arms_text = trainer.results.arms_view.value
    assert "not enough data" in arms_text and "95% CI" not in arms_text
    # the per-factor table is a count, not a statistic: shown for the two raters
    assert model.summary.arms_factors.set_index("item").loc["ARMS.P1", "compared"] == 2
    # an ARMS-only trainee's RM2000 status says so, not "not enough cases"
    assert "No RM2000 cases" in trainer.results.statuses.value
    assert trainer.results.answers_box.layout.display == "none"  # no RM2000 case to show


def test_arms_pure_helpers():
    from rso_widgets.calibration.workshop import (
        arms_problems,
        arms_start,
        case_instruments,
        instruments_text,
        trainee_feedback,
        workshop_payload,
    )
    from rso_widgets.cases.arms_key import key_catalogue

    case = BY_ID["TC-02"]
    assert instruments_text(("rm2000", "arms")) == "RM2000 and ARMS"
    assert case_instruments(object(), "TC-02") == ("rm2000",)  # workshops from before ARMS
    blank = arms_start(case, ("arms",), RULESET)
    assert blank.rm2000 is not None and arms_start(case, ("rm2000", "arms")).rm2000 is None
    assert len(arms_problems(blank, key_catalogue(case))) == 11
    with pytest.raises(ValueError, match="no ARMS assessment"):
        workshop_payload(("arms",))
    with pytest.raises(ValueError, match="no facts"):
        workshop_payload(("rm2000",), arms=blank)
    fb = trainee_feedback(case, arms_payload("TC-02", P1="present"), RULESET)
    assert fb.rm2000 is None and fb.arms.factor("P1").agreement == "adjacent"
    broken = trainee_feedback(case, {"arms": {"ratings": "nonsense"}}, RULESET)
    assert broken.arms is None and "could not be read back" in broken.problems[0]


def test_trainer_gives_the_room_size_on_create_and_on_open(trainer, trainer_store):
    trainer.setup.room.value = "thirty"
    trainer.setup.name.value, trainer.setup.case_select.value = "Room", ("TC-01",)
    assert trainer.create() is None
    assert "whole number from 1 to 500" in trainer.setup.summary.text
    trainer.setup.room.value = " 30 "
    cohort = trainer.create()
    assert cohort is not None and cohort.expected_size == 30
    other = TrainerDashboardApp(trainer_store, CASES, "trainer.one", n_boot=N_BOOT,
                                ruleset=RULESET)
    other.setup.existing.value = cohort.id
    other.setup.room.value = "12"
    other.setup.open_button.click()
    assert trainer_store.get_cohort(cohort.id).expected_size == 12
    assert other.workspace.layout.display == ""
    other.setup.room.value = ""  # empty: the recorded size stays
    other.setup.open_button.click()
    assert trainer_store.get_cohort(cohort.id).expected_size == 12


def test_trainer_says_where_trainees_join_and_sees_their_address(trainer, trainer_store,
                                                                 monkeypatch):
    monkeypatch.setenv("VOILA_BASE_URL", "/")
    monkeypatch.setenv("VOILA_REQUEST_URL",
                       "http://class.example:8866/voila/render/trainer_dashboard.ipynb")
    setup = trainer.setup
    assert setup.page.value == "room" and "Where will trainees join?" in setup.page.description
    assert [v for _, v in setup.page.options] == ["room", "notebook"]
    assert "(recommended)" in setup.page.options[0][0]
    setup.name.value, setup.case_select.value = "Room page", ("TC-01",)
    room = trainer.create()
    assert room is not None and room.trainee_page == "room"
    header = trainer.header.value
    assert "workshop page" in header and "http://class.example:8866/room/" in header
    assert "workshop.ipynb" not in header
    app = TrainerDashboardApp(trainer_store, CASES, "trainer.one", n_boot=N_BOOT,
                              ruleset=RULESET)
    app.setup.name.value, app.setup.case_select.value = "Notebook page", ("TC-01",)
    app.setup.page.value = "notebook"
    nb = app.create()
    assert nb is not None and trainer_store.get_cohort(nb.id).trainee_page == "notebook"
    assert ("http://class.example:8866/voila/render/workshop.ipynb"
            in app.header.value) and "notebook page" in app.header.value
    # the workshop's own page moves its trainees (the address shown follows)
    assert app.page_button.description == "Move trainees to the workshop page"
    app.page_button.click()
    assert trainer_store.get_cohort(nb.id).trainee_page == "room"
    assert "http://class.example:8866/room/" in app.header.value
    assert app.page_button.description == "Move trainees to the notebook page"
    again = TrainerDashboardApp(trainer_store, CASES, "trainer.one", n_boot=N_BOOT,
                                ruleset=RULESET)
    labels = {v: k for k, v in again.setup.existing.options}
    assert "workshop page" in labels[nb.id]
    again.setup.page.value = "notebook"  # the set-up's choice is for a new workshop only
    again.setup.existing.value = nb.id
    again.setup.open_button.click()
    assert trainer_store.get_cohort(nb.id).trainee_page == "room"


def test_trainee_address_follows_the_server_and_the_hub():
    from rso_widgets.apps.workshop_common import trainee_address

    plain = {"VOILA_BASE_URL": "/rso/",
             "VOILA_REQUEST_URL": "https://h.example/rso/voila/render/trainer_dashboard.ipynb"}
    assert trainee_address("room", plain) == "https://h.example/rso/room/"
    assert trainee_address("notebook", plain) == (
        "https://h.example/rso/voila/render/workshop.ipynb")
    hub = {"VOILA_BASE_URL": "/user/trainer/", "JUPYTERHUB_SERVICE_PREFIX": "/user/trainer/",
           "JUPYTERHUB_BASE_URL": "/",
           "VOILA_REQUEST_URL": "https://hub.example/user/trainer/voila/render/workbooks/"
                                "trainer_dashboard.ipynb"}
    assert trainee_address("room", hub) == "https://hub.example/hub/user-redirect/room/"
    assert trainee_address("notebook", hub) == (
        "https://hub.example/hub/user-redirect/voila/render/workbooks/workshop.ipynb")
    assert trainee_address("room", {}) is None  # not served by Voilà (JupyterLab, a test)
    assert trainee_address("room", {**plain, "VOILA_REQUEST_URL": "javascript:x"}) is None
