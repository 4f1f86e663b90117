"""Test kit for tampering by hand: a world with rows in every record table, and edits, deletions
and insertions made past the store (raw Core statements, foreign keys off, every trigger
dropped) inside a transaction that is verified and then rolled back.

(No asserts here: PYTEST_DONT_REWRITE keeps pytest quiet about the early import.)
PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from identities import store_as, supervised_by
from sqlalchemy import Connection, Table, create_engine, delete, func, insert, select, update
from sqlalchemy.orm import Session

from rso_widgets.calibration.arms_progress import ArmsPracticeRecord
from rso_widgets.store import Store, audit, db, integrity
from rso_widgets.store.arms_practice import SqlArmsPracticeStore
from rso_widgets.store.supervision import SupervisionStore

CHECKED = frozenset({"kind", "role", "status"})  # columns under a CHECK constraint


def world(store: Store) -> dict[str, int]:
    """At least one row in every record table, written through the store (verifies clean)."""
    alice, bob = store, store_as(store.engine, user="bob")
    person = alice.create_person("Fictional A", fictional=True)
    v = alice.create_assessment(person.id, "rm2000", {"items": {"a": 1}})
    alice.save_version(v.assessment_id, {"items": {"a": 2}}, "update", 1)
    alice.sign(v.assessment_id, 2)
    supervised_by(alice, "bob")  # a countersign is by the assessor's supervisor
    bob.countersign(v.assessment_id, 2)
    alice.add_practice_attempt("case-1", {"a": 1}, {"score": 3})
    SqlArmsPracticeStore(alice).add_attempt(ArmsPracticeRecord(
        user=alice.user, case_id="case-1", at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        catalogue="arms-training-edition@1", attempt={"ratings": {}}, factors=[]))
    cohort = alice.create_cohort("Workshop", ["case-1"])
    member = bob.join_cohort(cohort.id, "Bee")
    bob.submit(cohort.id, member.id, "case-1", {"a": 2})
    lee, sam, alex = (SupervisionStore(store_as(store.engine, user=u))
                      for u in ("lee", "sam", "alex"))
    team = lee.create_team("North")
    lee.add_team_member(team.id, "alex", supervisor="sam")
    alex.set_consent(True)
    today = alex.today()
    s1 = alex.create_session({"supervisor": "sam", "assessor": "alex",
                              "held_on": today - dt.timedelta(days=20), "actions": [
                                  {"text": "Read the paper", "owner": "alex",
                                   "due": today - dt.timedelta(days=10)}]})
    s2 = alex.create_session({"supervisor": "sam", "assessor": "alex",
                              "held_on": today - dt.timedelta(days=1),
                              "follow_ups": [{"action_id": s1.actions[0].id,
                                              "outcome": "done"}]})
    obs = SupervisionStore(store_as(store.engine, user="pat")).record_observation({
        "assessor": "alex", "observed_on": today - dt.timedelta(days=3),
        "context": "home_visit",
        "ratings": {k: {"level": "established", "evidence": "seen"} for k in (
            "empathy", "warmth", "respect", "rewarding_progress", "directive_not_hostile",
            "explaining_purpose")},
        "strengths": ["Calm"], "development_points": ["Explain purpose"]})
    alex.write_diary_entry({"text": "A reflection", "observation_id": obs.id})
    goal = sam.set_goal(s2.id, {"text": "Explain the purpose"})
    sam.review_goal(goal.id, {"status": "in_progress", "note": "Practising"})
    check_in = alex.save_reflection("wellbeing", {"workload": "busy", "exposure": "some",
                                                  "impact": "a_little", "support": "enough"})
    alex.share_reflection(check_in.id, s2.id)
    return {"person": person.id, "assessment": v.assessment_id}


@contextmanager
def by_hand(url: str) -> Iterator[Connection]:
    """A transaction past the store, rolled back at the end: foreign keys off and every
    trigger dropped (a determined tamperer with the database file or a superuser login)."""
    sqlite = db.sqlite_path(url) is not None
    engine = db.make_engine(url) if sqlite else create_engine(url)
    try:
        with engine.connect() as conn:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
            tx = conn.begin()
            if sqlite:
                names = conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars().all()
                for name in names:
                    conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
            else:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                for name, table in conn.exec_driver_sql(
                        "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c "
                        "ON c.oid = t.tgrelid WHERE NOT t.tgisinternal").all():
                    conn.exec_driver_sql(f'DROP TRIGGER "{name}" ON "{table}"')
            try:
                yield conn
            finally:
                tx.rollback()
                if sqlite:
                    conn.connection.driver_connection.execute("PRAGMA foreign_keys = ON")
    finally:
        engine.dispose()


def verify(conn: Connection, anchor: audit.Anchor | None = None) -> audit.VerifyReport:
    with Session(bind=conn) as s:
        return audit.verify(s, anchor)


def _first(conn: Connection, table: Table) -> dict[str, Any]:
    pk = next(iter(table.primary_key.columns))
    return dict(conn.execute(select(table).order_by(pk).limit(1)).mappings().one())


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return (value[:-1] + ("X" if not value.endswith("X") else "Y")) if value else "X"
    if isinstance(value, dt.datetime | dt.date):
        return value + dt.timedelta(days=1)
    if isinstance(value, dict):
        return {**value, "tampered": True}
    if isinstance(value, list):
        return [*value, "tampered"]
    raise TypeError(type(value))


def _plain_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns
            if not c.primary_key and not c.foreign_keys and c.name not in CHECKED]


def edit(conn: Connection, table: Table, column: str | None = None) -> str:
    """Change one column of the first row; returns its key."""
    row = _first(conn, table)
    pk = next(iter(table.primary_key.columns))
    col = column or min((c for c in _plain_columns(table) if row[c] is not None),
                        key=lambda c: isinstance(row[c], int))  # text first: no unique clash
    conn.execute(update(table).where(pk == row[pk.name]).values({col: _changed(row[col])}))
    return str(row[pk.name])


def remove(conn: Connection, table: Table) -> str:
    row = _first(conn, table)
    pk = next(iter(table.primary_key.columns))
    conn.execute(delete(table).where(pk == row[pk.name]))
    return str(row[pk.name])


def add(conn: Connection, table: Table) -> str:
    """Insert a plausible copy of the first row under a new key; returns the key."""
    row = _first(conn, table)
    pk = next(iter(table.primary_key.columns))
    for c in table.columns:
        if c.foreign_keys:
            row[c.name] = 999_999  # foreign keys are off: dodges composite unique keys
        elif c.name in _plain_columns(table) and isinstance(row[c.name], str):
            row[c.name] = _changed(row[c.name])
    if pk.type.python_type is int:
        row[pk.name] = conn.execute(select(func.max(pk))).scalar_one() + 1
    else:
        row[pk.name] = _changed(row[pk.name])
    conn.execute(insert(table).values(row))
    return str(row[pk.name])


def record_tables() -> list[Table]:
    return integrity.record_tables()
