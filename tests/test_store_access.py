"""Access enforced in the store: role × operation, each allowed or refused, with its audit entry.

The people (roles from a roles file, as a deployment would set them):
- alice: an assessor; owns person P, assessment A (version 1), a practice attempt and a draft;
  she held supervision session S with sam, wrote a diary entry shared into it;
- sam: a supervisor, alice's assigned supervisor in lee's team; he observed alice's practice
  and set her a goal in S;
- olly: another assessor, no relation to alice;
- tina: a trainer, who runs workshop W (alice joined it and submitted an answer);
- lee: a team lead (alice is in the team; her consent to share results is off);
- ops: an administrator (the audit log, backup, restore and retention are theirs; `audit-log
  verify` also a team lead's).
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from audited import audit_log, verify_log
from identities import open_as, roles_file, signed_in, store_as
from supervision_fixtures import RATINGS, days

from rso_widgets.settings import get_settings
from rso_widgets.store import AccessDenied, Store, db, retention
from rso_widgets.store import backup as backups
from rso_widgets.store.errors import SignOffError

pytest_plugins = ("pg_server",)

PEOPLE = ("alice", "sam", "olly", "tina", "lee", "ops")
ROLES = {"supervisor": ["sam"], "trainer": ["tina"], "team_lead": ["lee"],
         "administrator": ["ops"]}


@dataclasses.dataclass(frozen=True)
class World:
    person: int
    assessment: int
    cohort: int
    member: int
    team: int
    session: int
    observation: int
    diary: int
    goal: int


def build(url: str) -> World:
    """Alice's records, sam as her assigned supervisor, tina's workshop, their supervision."""
    with open_as(url, user="alice") as alice:
        p = alice.create_person("Fictional Person", fictional=True)
        v = alice.create_assessment(p.id, "rm2000", {"facts": {"n": 1}})
        alice.add_practice_attempt("case-01", {"facts": {}})
        alice.save_draft("assessment:1", {"x": 1}, assessment_id=v.assessment_id,
                         base_version=1)
    with open_as(url, user="lee") as lee:
        team = lee.supervision.create_team("North team")
        lee.supervision.add_team_member(team.id, "alice", supervisor="sam")
    with open_as(url, user="tina") as tina:
        c = tina.create_cohort("March workshop", ["case-01"])
    with open_as(url, user="alice") as alice:
        m = alice.join_cohort(c.id, "Ann")
        alice.submit(c.id, m.id, "case-01", {"facts": {}})
        session = alice.supervision.create_session(
            {"supervisor": "sam", "assessor": "alice", "held_on": days(-1)})
        entry = alice.supervision.write_diary_entry({"prompt": "difficult_visit",
                                                     "text": "A hard visit"})
        alice.supervision.share_diary_entry(entry.id, session.id)
    with open_as(url, user="sam") as sam:
        obs = sam.supervision.record_observation({
            "assessor": "alice", "observed_on": days(-2), "context": "assessment_interview",
            "ratings": RATINGS, "strengths": ["Clear"], "development_points": ["Pace"]})
        goal = sam.supervision.set_goal(session.id, {"text": "Open questions"})
    return World(p.id, v.assessment_id, c.id, m.id, team.id, session.id, obs.id, entry.id,
                 goal.id)


def _restore_a_copy(s: Store, w: World) -> Any:
    """Restore the live SQLite database from a copy of itself (taken by hand, not by backup)."""
    copy = Path(tempfile.mkdtemp()) / "copy.sqlite"
    db.sqlite_copy(s.sqlite_path, copy)
    return backups.restore(s.sqlite_path, copy, yes=True)


@dataclasses.dataclass(frozen=True)
class Op:
    """One operation: who may do it, and the audit entry it leaves (action, entity)."""
    name: str
    run: Callable[[Store, World], Any]
    allowed: frozenset[str]
    action: str
    entity: str
    kind: str = "read"  # read: audited unless by its owner (detail "via": why allowed);
    # always: audited whoever reads (supervision records); write; switch; admin (its "via")
    signed: bool = False    # alice signs version 1 first
    refused_entity: str | None = None  # the entity a refusal names, if not `entity`
    owner: str | None = None  # who reads it unaudited (default: OWNER[entity], else alice)


def op(name: str, run: Callable[[Store, World], Any], allowed: str, action: str, entity: str,
       **kw: Any) -> Op:
    return Op(name, run, frozenset(allowed.split()), action, entity, **kw)


OPS = (
    op("get_person", lambda s, w: s.get_person(w.person), "alice sam ops", "view", "person"),
    op("assessments_for", lambda s, w: s.assessments_for(w.person), "alice sam ops", "view",
       "person"),
    op("get_assessment", lambda s, w: s.get_assessment(w.assessment), "alice sam ops", "view",
       "assessment"),
    op("versions", lambda s, w: s.versions(w.assessment), "alice sam ops", "view",
       "assessment"),
    op("latest_version", lambda s, w: s.latest_version(w.assessment), "alice sam ops", "view",
       "assessment"),
    op("save_version", lambda s, w: s.save_version(w.assessment, {"n": 2}, "update", 1),
       "alice sam", "change", "assessment", kind="write"),
    op("set_review_due", lambda s, w: s.set_review_due(w.assessment, None), "alice sam",
       "change", "assessment", kind="write"),
    op("sign", lambda s, w: s.sign(w.assessment, 1), "alice sam", "sign", "assessment",
       kind="write"),
    op("countersign", lambda s, w: s.countersign(w.assessment, 1), "sam", "countersign",
       "assessment", kind="write", signed=True),
    op("create_assessment", lambda s, w: s.create_assessment(w.person, "arms", {}),
       "alice sam", "create", "assessment", kind="write", refused_entity="person"),
    op("delete_person", lambda s, w: s.delete_person(w.person, reason="test"), "alice ops",
       "delete", "person", kind="write"),
    op("practice_attempts", lambda s, w: s.practice_attempts(of="alice"), "alice sam ops",
       "view", "practice_attempt"),
    op("create_cohort", lambda s, w: s.create_cohort("New", ["case-01"]), "tina", "create",
       "cohort", kind="write"),
    op("set_cohort_open", lambda s, w: s.set_cohort_open(w.cohort, False), "tina ops",
       "change", "cohort", kind="write"),
    op("release_key", lambda s, w: s.release_key(w.cohort), "tina ops", "change", "cohort",
       kind="write"),
    # a workshop's members and answers: read by its trainer or an administrator, audited
    op("cohort_members", lambda s, w: s.cohort_members(w.cohort), "tina ops", "view",
       "cohort_member", refused_entity="cohort", owner=""),
    op("get_member", lambda s, w: s.get_member(w.member), "alice tina ops", "view",
       "cohort_member", refused_entity="cohort"),
    op("all_submissions", lambda s, w: s.submissions(w.cohort), "tina ops", "view",
       "cohort_submission", refused_entity="cohort", owner=""),
    op("own_submissions", lambda s, w: s.submissions(w.cohort, member_id=w.member),
       "alice tina ops", "view", "cohort_submission", refused_entity="cohort"),
    op("submit_as_alice", lambda s, w: s.submit(w.cohort, w.member, "case-01", {}), "alice",
       "create", "cohort_submission", kind="write"),
    op("act_as_alice", lambda s, w: Store(s.engine, act_as="alice"), "alice ops", "change",
       "acting_user", kind="switch"),  # alice "acting as" herself: no switch, no entry
    # supervision records (store.policy's supervision rules): every read audited
    op("supervision_session", lambda s, w: s.supervision.session(w.session), "alice sam",
       "view", "supervision_session", kind="always"),
    op("follow_ups", lambda s, w: s.supervision.actions_to_follow_up(w.session), "alice sam",
       "view", "supervision_action", kind="always", refused_entity="supervision_session"),
    op("start_session", lambda s, w: s.supervision.create_session(
        {"supervisor": "sam", "assessor": "alice", "held_on": days(-3)}), "alice sam",
       "create", "supervision_session", kind="write"),
    op("observation", lambda s, w: s.supervision.observation(w.observation), "alice sam",
       "view", "observation", kind="always"),
    op("diary_entry", lambda s, w: s.supervision.diary_entry(w.diary), "alice sam", "view",
       "diary_entry", kind="always"),
    op("goal", lambda s, w: s.supervision.goal(w.goal), "alice sam", "view",
       "development_goal", kind="always"),
    op("review_goal", lambda s, w: s.supervision.review_goal(w.goal, {"status": "achieved"}),
       "alice sam", "change", "development_goal", kind="write"),
    op("cpd_data", lambda s, w: s.supervision.cpd_data("alice"), "alice sam", "view",
       "cpd_record", kind="always"),  # lee: only while alice's consent is on (it is off)
    op("team_view", lambda s, w: s.supervision.team_view(w.team), "lee", "view", "team_view",
       kind="always"),
    op("team_roster", lambda s, w: s.supervision.team(w.team), " ".join(PEOPLE), "view",
       "team", kind="always"),
    op("team_of_alice", lambda s, w: s.supervision.team_of("alice"), " ".join(PEOPLE), "view",
       "team"),  # alice's own: not audited
    # the whole store: administrators' operations (store.policy.OPERATIONS)
    op("audit_log_show", lambda s, w: s.audit_entries(5), "ops", "view", "audit_log",
       kind="admin"),
    op("audit_log_verify", lambda s, w: s.verify_audit(), "lee ops", "view", "audit_log",
       kind="admin"),
    op("audit_log_anchor", lambda s, w: s.audit_head(), "ops", "export", "audit_head",
       kind="write"),
    op("backup", lambda s, w: backups.backup(s, Path(tempfile.mkdtemp())), "ops", "export",
       "database", kind="write"),
    op("retention_list", lambda s, w: retention.expired(s, 365), "ops", "view", "retention",
       kind="admin"),
    op("retention_delete", lambda s, w: retention.delete_expired(s, 36500), "ops", "delete",
       "retention", kind="admin"),
    op("restore", _restore_a_copy, "ops", "change", "database", kind="write"),
)
OWNER = {"cohort": "tina", "acting_user": "alice"}  # whose record each entity is (else alice)
SUPERVISION = {"supervision_session", "follow_ups", "start_session", "observation",
               "diary_entry", "goal", "review_goal", "cpd_data", "team_view", "team_roster",
               "team_of_alice"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, World]:
    folder = tmp_path_factory.mktemp("access")
    mp = pytest.MonkeyPatch()
    roles_file(mp, folder, **ROLES)
    try:
        world = build(f"sqlite:///{folder / 'wb.sqlite'}")
    finally:
        mp.undo()
        get_settings.cache_clear()
    return folder / "wb.sqlite", world


@pytest.fixture
def world(template, tmp_path, monkeypatch):
    """(engine, world) on a fresh copy of the template, with the roles file in force."""
    for name in ("JUPYTERHUB_USER", "RSO_TEAM_ADMINS", "RSO_GROUPS"):
        monkeypatch.delenv(name, raising=False)
    roles_file(monkeypatch, tmp_path, **ROLES)
    db.sqlite_copy(template[0], tmp_path / "wb.sqlite")
    engine = db.make_engine(f"sqlite:///{tmp_path / 'wb.sqlite'}")
    yield engine, template[1]
    engine.dispose()
    get_settings.cache_clear()


def check(engine: Any, w: World, o: Op, who: str) -> None:
    if o.signed:
        store_as(engine, user="alice").sign(w.assessment, 1)
    with signed_in(who):
        store = Store(engine) if o.name != "act_as_alice" else None
    me = store or store_as(engine, user=who)
    before = audit_log(me, 1)[0].seq
    owner = OWNER.get(o.entity, "alice") if o.owner is None else o.owner
    if who in o.allowed:
        with signed_in(who):
            try:
                o.run(me, w)
            except SignOffError:  # allowed, but the state refuses (e.g. already signed)
                pytest.fail(f"{who} may {o.name} but the state refused it")
        new = [e for e in audit_log(me, 20) if e.seq > before]
        if o.kind in ("read", "switch") and who == owner:
            assert new == [], f"{who}'s {o.name} is not audited"
            return
        assert new, f"{who}'s {o.name} is audited"
        last = new[-1]
        assert (last.user, last.action, last.entity) == (who, o.action, o.entity)
        assert not (last.detail or {}).get("denied")
        if o.kind == "read" and o.entity != "team":
            assert last.detail["via"] in ("supervisor", "administrator", "trainer")
        if o.kind == "admin":
            assert last.detail["via"] in ("administrator", "team_lead")
    else:
        with signed_in(who), pytest.raises(AccessDenied) as refused:
            o.run(me, w)
        if o.name not in SUPERVISION:  # supervision's sentences name the record first
            assert str(refused.value).startswith(("You may not", f"{who} may not"))
        last = audit_log(me, 1)[0]
        assert last.seq > before
        assert (last.user, last.action, last.entity, last.detail["denied"]) == (
            who, o.action, o.refused_entity or o.entity, True)
    assert verify_log(me).ok


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("o", OPS, ids=[o.name for o in OPS])
def test_role_by_operation(world, o: Op, who: str) -> None:
    engine, w = world
    check(engine, w, o, who)


def test_drafts_are_never_anyone_elses(world) -> None:
    engine, _ = world
    for who in PEOPLE[1:]:
        store = store_as(engine, user=who)
        assert store.get_draft("assessment:1") is None and store.drafts() == []
    assert store_as(engine, user="alice").get_draft("assessment:1").data == {"x": 1}


def test_lists_show_only_what_each_may_see_and_audit_others(world) -> None:
    engine, w = world
    assert [p.id for p in store_as(engine, user="olly").list_persons()] == []
    sam = store_as(engine, user="sam")
    assert [p.id for p in sam.list_persons()] == [w.person]
    seen = audit_log(sam, 1)[0]
    assert (seen.user, seen.action, seen.entity, seen.detail["ids"]) == (
        "sam", "view", "person", [w.person])
    from rso_widgets.store.caseload import caseload

    assert caseload(store_as(engine, user="olly"), "rm2000") == []  # the live app's list too
    assert [e.person.id for e in caseload(sam, "rm2000")] == [w.person]
    assert audit_log(sam, 1)[0].detail["ids"] == [w.person]


def test_no_write_takes_an_author(world) -> None:
    """A version and a practice attempt are always the signed-in person's."""
    engine, w = world
    sam = store_as(engine, user="sam")
    v = sam.save_version(w.assessment, {"n": 2}, "supervisor's correction", 1)
    assert v.author == "sam"
    assert sam.add_practice_attempt("case-01", {}).user == "sam"
    with pytest.raises(TypeError):
        sam.save_version(w.assessment, {"n": 3}, "alice", "forged", 2)  # type: ignore[call-arg]


def test_acting_as_is_an_audited_administrators_switch(world) -> None:
    engine, _ = world
    with signed_in("ops"):
        as_alice = Store(engine, act_as="alice")
    assert (as_alice.user, as_alice.acting_admin) == ("alice", "ops")
    switch = audit_log(as_alice, 1)[0]
    assert (switch.user, switch.action, switch.entity, switch.entity_id) == (
        "ops", "change", "acting_user", "alice")
    assert as_alice.get_draft("assessment:1") is not None  # now alice, with alice's rights
    with signed_in("olly"), pytest.raises(AccessDenied, match="only an administrator"):
        Store(engine, act_as="alice")


# -- on PostgreSQL too: the lookups behind the rules run as SQL on both backends ---------------

@pytest.mark.parametrize("who,o", [("sam", "get_person"), ("olly", "get_assessment"),
                                   ("ops", "versions"), ("sam", "countersign"),
                                   ("olly", "practice_attempts"), ("sam", "practice_attempts"),
                                   ("lee", "all_submissions"), ("tina", "set_cohort_open"),
                                   ("tina", "all_submissions"), ("olly", "observation"),
                                   ("sam", "diary_entry"), ("lee", "audit_log_verify"),
                                   ("sam", "backup"), ("ops", "backup"),
                                   ("olly", "retention_delete")])
def test_matrix_sample_on_each_backend(store_url, tmp_path, monkeypatch, who, o) -> None:
    for name in ("JUPYTERHUB_USER", "RSO_TEAM_ADMINS", "RSO_GROUPS"):
        monkeypatch.delenv(name, raising=False)
    roles_file(monkeypatch, tmp_path, **ROLES)
    w = build(store_url)
    engine = db.make_engine(store_url)
    try:
        check(engine, w, {x.name: x for x in OPS}[o], who)
    finally:
        engine.dispose()


def test_default_roles_keep_a_single_user_install_working(tmp_path, monkeypatch) -> None:
    """No roles file, no hub: the computer's own account does everything, as before."""
    for name in ("JUPYTERHUB_USER", "RSO_GROUPS", "RSO_ROLES_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RSO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RSO_USER", "local:pat")
    get_settings.cache_clear()
    with open_as(f"sqlite:///{tmp_path / 'wb.sqlite'}") as me:
        assert me.user == "local:pat" and "administrator" in me.roles
        p = me.create_person("Fictional Person", fictional=True)
        me.create_assessment(p.id, "rm2000", {})
        c = me.create_cohort("Mine", ["case-01"])
        me.set_cohort_open(c.id, False)
        assert [x.id for x in me.list_persons()] == [p.id]
    get_settings.cache_clear()


def test_refusals_show_as_a_plain_sentence_in_the_apps(world) -> None:
    from rso_widgets.apps.startup import FIX_REFUSED, could_not_start
    from rso_widgets.widgets.fields import safe_callback

    engine, w = world
    olly = store_as(engine, user="olly")
    shown: list[str] = []

    class Page:
        @safe_callback(lambda self, msg: shown.append(msg), "opening the record")
        def open(self) -> None:
            olly.get_person(w.person)

    Page().open()
    assert shown == [f"Not allowed: You may not open person {w.person}: only the people who "
                     "work on their assessments, their supervisors and an administrator may."]
    try:
        olly.get_assessment(w.assessment)
    except AccessDenied as exc:
        page = could_not_start("The live assessment", exc).value
    assert "You may not open assessment" in page and FIX_REFUSED.split(";")[0] in page
    assert "Traceback" not in page


def test_admin_act_as_command(tmp_path, monkeypatch, capsys) -> None:
    from rso_widgets.cli import main

    for name in ("JUPYTERHUB_USER", "RSO_GROUPS", "RSO_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RSO_DATA_DIR", str(tmp_path))
    roles_file(monkeypatch, tmp_path, administrator=["ops"])
    open_as(user="ops").close()
    monkeypatch.setenv("JUPYTERHUB_USER", "olly")
    assert main(["admin", "act-as", "alice", "--", "audit-log", "show"]) == 2
    assert "olly may not act as alice: only an administrator may" in capsys.readouterr().err
    monkeypatch.setenv("JUPYTERHUB_USER", "ops")
    # alice may not read the audit log: acting as her gives her rights, not more
    assert main(["admin", "act-as", "alice", "--", "audit-log", "show", "--limit", "5"]) == 77
    assert "You may not read the audit log" in capsys.readouterr().err
    monkeypatch.setenv("JUPYTERHUB_USER", "ops")
    assert main(["audit-log", "show", "--limit", "5"]) == 0
    out = [line for line in capsys.readouterr().out.splitlines() if "acting_user" in line
           or "audit_log" in line]
    assert "olly" in out[0] and "denied=True" in out[0]
    assert " ops " in out[1] and "acting_user alice" in out[1]
    assert "alice" in out[2] and "audit_log" in out[2] and "denied=True" in out[2]
    assert main(["admin", "act-as", "alice"]) == 2  # no command
    get_settings.cache_clear()


def test_display_name_never_a_bare_local_id(tmp_path, monkeypatch) -> None:
    from rso_widgets.store.identity import display_name

    for name in ("JUPYTERHUB_USER", "RSO_DISPLAY_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RSO_USER", "local:root")
    path = roles_file(monkeypatch, tmp_path)
    path.write_text('[names]\nsam = "DS Sam Patel"\n', encoding="utf-8")
    assert not display_name().startswith("local:")
    assert display_name("sam") == "DS Sam Patel" and display_name("kim") == "kim"
    monkeypatch.setenv("RSO_DISPLAY_NAME", "PC Pat Jones")  # the hub sets it per person
    get_settings.cache_clear()
    assert display_name() == "PC Pat Jones" and display_name("sam") == "DS Sam Patel"
    get_settings.cache_clear()


def test_the_policy_table_in_the_docs_is_the_code(tmp_path) -> None:
    from pathlib import Path

    from rso_widgets.store.policy import table_markdown

    docs = (Path(__file__).resolve().parent.parent / "DEVELOPERS.md").read_text(
        encoding="utf-8")
    assert table_markdown() in docs


def test_pages_show_the_display_name_not_the_id(world, monkeypatch, tmp_path) -> None:
    from rso_widgets.apps.supervision import SupervisionApp

    engine, _ = world
    path = roles_file(monkeypatch, tmp_path, **ROLES)
    path.write_text(path.read_text() + '[names]\nsam = "DS Sam Patel"\n', encoding="utf-8")
    app = SupervisionApp(store_as(engine, user="sam"))
    shown = " ".join(x.value for x in _walk(app) if isinstance(getattr(x, "value", None), str))
    assert "You are signed in as <strong>DS Sam Patel</strong>" in shown
    get_settings.cache_clear()


def _walk(widget: Any) -> Iterator[Any]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_a_trainers_reads_of_answers_are_audited_once_per_new_row(world) -> None:
    """The trainer's live dashboard polls: an entry when it reads answers or members it had
    not read before, none on a refresh that brings nothing new; a new page (a new store)
    starts again."""
    from rso_widgets.calibration.cohort.frames import load_cohort_frame

    engine, w = world
    tina = store_as(engine, user="tina")

    def reads() -> list[tuple[str, str, list[int], str]]:
        return [(e.user, e.entity, e.detail["ids"], e.detail["via"])
                for e in audit_log(tina, 100) if e.action == "view"
                and e.entity in ("cohort_member", "cohort_submission")]

    def refresh(after: int) -> int:  # what WorkshopRefresher.refresh reads
        new = tina.submissions(w.cohort, after_id=after)
        tina.cohort_members(w.cohort)
        return max([after, *(s.id for s in new)])

    last = refresh(0)
    first = [("tina", "cohort_submission", [last], "trainer"),
             ("tina", "cohort_member", [w.member], "trainer")]
    assert reads() == first
    for _ in range(3):
        last = refresh(last)
    assert reads() == first  # nothing new: nothing written
    with open_as(engine.url, user="olly", create=False) as olly:
        m = olly.join_cohort(w.cohort, "Olly")
        sub = olly.submit(w.cohort, m.id, "case-01", {"facts": {}})
    last = refresh(last)
    assert reads() == [*first, ("tina", "cohort_submission", [sub.id], "trainer"),
                       ("tina", "cohort_member", [m.id], "trainer")]
    load_cohort_frame(tina, w.cohort)  # an export reads it all again: already audited here
    assert len(reads()) == 4
    again = store_as(engine, user="tina")  # a new page session
    again.submissions(w.cohort)
    assert reads()[-1] == ("tina", "cohort_submission", [first[0][2][0], sub.id], "trainer")
    alice = store_as(engine, user="alice")  # a member reading her own answers: not audited
    alice.submissions(w.cohort, member_id=w.member)
    assert reads()[-1][0] == "tina"
