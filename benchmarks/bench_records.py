"""Tamper evidence over every record (issue 13): what it costs a writer, and how long verify takes.

Rows (SQLite, the default store: WAL, synchronous=FULL, in a temp folder; the latency rows also
on a throwaway local PostgreSQL cluster with fsync on, if its server programs are installed):
- single-writer autosave latency (median of `SAVES` `Store.save_draft` calls of an ~8 kB form)
  and version-save latency (median of `SAVES` `Store.save_version` calls) with the tamper-evidence
  path (the `integrity` Session events and the row hashes in the audit entry) against the same
  calls with those events removed, measured alternately in the same run (target ≤ 1.2×);
- `audit-log verify` (chain, every record table, one SELECT each) on a store with 10,000
  versions and 100,000 audit entries, against the 10 s budget (target ≤ 1.0×; the note gives
  the chain-only walk). The store is built directly (Core bulk inserts, hashes computed as the
  store computes them) because 100,000 single transactions would take the benchmark's time.
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from common import open_as

SAVES = 150
VERSIONS, ENTRIES, PER_ASSESSMENT = 10_000, 100_000, 10
BUDGET_S = 10.0


def form(n: int) -> dict[str, Any]:
    """An ARMS form autosave: ratings and evidence for 20 items (~8 kB), different each time."""
    return {"n": n, "items": {
        f"item_{i:02d}": {"rating": (n + i) % 4,
                          "evidence": f"draft {n}: what the person said about item {i}, "
                                      "with the source and date of the information. " * 4}
        for i in range(20)}}


@contextlib.contextmanager
def without_tamper_evidence() -> Iterator[None]:
    """The Session events of `integrity` removed (the in-run baseline: the write path before
    issue 13, except for one empty check in `audit.append`)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from rso_widgets.store import integrity

    hooks = [("after_flush", integrity._after_flush), ("do_orm_execute", integrity._bulk),
             ("before_commit", integrity._before_commit),
             ("after_rollback", integrity._after_rollback)]
    for name, fn in hooks:
        event.remove(Session, name, fn)
    try:
        yield
    finally:
        for name, fn in hooks:
            event.listen(Session, name, fn)


def _latencies(url: str) -> dict[str, dict[str, list[float]]]:

    out: dict[str, dict[str, list[float]]] = {k: {"on": [], "off": []}
                                              for k in ("autosave", "version")}
    with open_as("bench", url) as store:
        person = store.create_person("Bench", fictional=True)
        aid = store.create_assessment(person.id, "arms", form(0)).assessment_id
        version = 1
        store.save_draft("k", form(0))
        for n in range(1, SAVES + 1):
            for mode in ("on", "off") if n % 2 else ("off", "on"):  # alternate the order
                ctx = without_tamper_evidence() if mode == "off" else contextlib.nullcontext()
                with ctx:
                    t = time.perf_counter()
                    store.save_draft("k", form(n))
                    out["autosave"][mode].append(time.perf_counter() - t)
                    t = time.perf_counter()
                    version = store.save_version(aid, form(n), "bench", version).version
                    out["version"][mode].append(time.perf_counter() - t)
    return out


def build_store(path: Path) -> None:
    """A store with VERSIONS versions and ENTRIES audit entries that verifies clean."""
    import datetime as dt

    from sqlalchemy import insert, update

    from rso_widgets.store import audit, db, integrity
    from rso_widgets.store.models import (
        Assessment,
        AssessmentVersion,
        AuditEntry,
        AuditHead,
        Person,
    )

    open_as("bench", f"sqlite:///{path}").close()
    engine = db.make_engine(f"sqlite:///{path}")
    now = dt.datetime.now(dt.UTC)
    n_assess = VERSIONS // PER_ASSESSMENT
    with engine.begin() as conn:
        last = conn.execute(AuditHead.__table__.select()).mappings().one()
        conn.execute(insert(Person), [dict(id=i, reference=f"P{i}", fictional=True,
                                           created_by="bench", created_at=now)
                                      for i in range(1, n_assess + 1)])
        conn.execute(insert(Assessment), [dict(id=i, person_id=i, kind="arms",
                                               created_by="bench", created_at=now)
                                          for i in range(1, n_assess + 1)])
        conn.execute(insert(AssessmentVersion), [
            dict(id=(a - 1) * PER_ASSESSMENT + v, assessment_id=a, version=v, data=form(v),
                 ruleset=None, author="bench", reason="bench", created_at=now)
            for a in range(1, n_assess + 1) for v in range(1, PER_ASSESSMENT + 1)])
        hashes = {t.name: integrity.hash_rows(conn, t) for t in integrity.record_tables()
                  if t.name in ("persons", "assessments", "assessment_versions")}
        details: list[tuple[str, str, str | None, dict[str, Any] | None]] = []
        for a in range(1, n_assess + 1):
            details.append(("create", "person", str(a), {audit.ROWS: [
                ["persons", str(a), hashes["persons"][str(a)]]]}))
            for v in range(1, PER_ASSESSMENT + 1):
                vid = str((a - 1) * PER_ASSESSMENT + v)
                rows = [["assessment_versions", vid, hashes["assessment_versions"][vid]]]
                if v == 1:
                    rows.insert(0, ["assessments", str(a), hashes["assessments"][str(a)]])
                details.append(("create" if v == 1 else "change", "assessment", str(a),
                                {"version": v, audit.ROWS: rows}))
        while len(details) + last["seq"] < ENTRIES:
            details.append(("view", "person", str(1 + len(details) % n_assess), None))
        prev, seq, batch = last["hash"], last["seq"], []
        for action, entity, eid, detail in details:
            seq += 1
            digest = audit.entry_hash(prev, seq=seq, at=now, username="bench", action=action,
                                      entity=entity, entity_id=eid, detail=detail)
            batch.append(dict(seq=seq, at=now, username="bench", action=action, entity=entity,
                              entity_id=eid, detail=detail, prev_hash=prev, hash=digest))
            prev = digest
        for i in range(0, len(batch), 5000):
            conn.execute(insert(AuditEntry), batch[i:i + 5000])
        conn.execute(update(AuditHead).values(seq=seq, hash=prev))
    engine.dispose()


def _verify_times(path: Path) -> tuple[float, float, Any]:
    from rso_widgets.store import audit

    with open_as("bench", f"sqlite:///{path}", create=False, groups="administrator") as store:
        t = time.perf_counter()
        report = store.verify_audit()
        full = time.perf_counter() - t
        with store._reading() as s:
            t = time.perf_counter()
            audit.verify(s, records=False)
            chain = time.perf_counter() - t
    return full, chain, report


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="rso-bench-records-") as tmp:
        rows += _latency_rows(_latencies(f"sqlite:///{Path(tmp) / 'latency.sqlite'}"),
                              "SQLite", "WAL, synchronous=FULL")
        path = Path(tmp) / "big.sqlite"
        t = time.perf_counter()
        build_store(path)
        built = time.perf_counter() - t
        full, chain, report = _verify_times(path)
        rows.append(dict(
            name=f"audit-log verify, {VERSIONS:,} versions / {ENTRIES:,} entries (SQLite)",
            value=full, baseline=BUDGET_S, unit="s", target=1.0,
            note=f"{'OK' if report.ok else 'FAILED: ' + str(report)[:80]}; chain walk alone "
                 f"{chain:.2f} s; built in {built:.1f} s; budget {BUDGET_S:.0f} s on 2 cores"))
    from rso_widgets.store.pg_cluster import PgCluster, server_binaries

    if server_binaries() is None:
        print("bench_records: PostgreSQL server programs not found; PostgreSQL rows skipped")
        return rows
    with PgCluster.start(fast=False) as cluster:
        rows += _latency_rows(_latencies(cluster.create_database("latency")), "PostgreSQL",
                              "local PostgreSQL, fsync on")
    return rows


def _latency_rows(lat: dict[str, dict[str, list[float]]], backend: str,
                  setting: str) -> list[dict[str, Any]]:
    rows = []
    for what, label in (("autosave", "autosave (existing draft)"), ("version", "version save")):
        on, off = (statistics.median(lat[what][m]) * 1000 for m in ("on", "off"))
        rows.append(dict(
            name=f"single-writer {label} median, tamper evidence vs without ({backend})",
            value=on, baseline=off, unit="ms", target=1.2,
            note=f"{SAVES} saves each, ~8 kB form, alternating; {setting}"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['value']:.3f} {row['unit']} vs {row['baseline']:.3f} "
              f"{row['unit']} = {row['value'] / row['baseline']:.2f}× (target ≤ "
              f"{row['target']}) — {row['note']}")
