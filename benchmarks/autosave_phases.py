"""Where a concurrent autosave spends its time (issue 12): not a benchmark row, a diagnosis.

Runs `bench_autosave`'s writers (1, then `RSO_BENCH_WRITERS`) on SQLite and, if the server
programs are installed, PostgreSQL, and prints for each the median / 95th percentile (ms) of:
- `total`: the whole `Store.save_draft` call, as the benchmark times it;
- `update`: the UPDATE statement (driver call, round trip included);
- SQLite only: `wait` for the writer queue (`<db>-writers.lock`), `held` from taking it to
  letting it go (BEGIN IMMEDIATE, UPDATE, COMMIT), and `commit` (the WAL write and its fsync).

    python benchmarks/autosave_phases.py   # RSO_BENCH_SAVES=100 for a quicker run
"""

from __future__ import annotations

import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import bench_autosave as bench
from sqlalchemy import Engine, event

from rso_widgets.store import db

PHASES: dict[str, list[float]] = {"update": [], "wait": [], "held": [], "commit": []}
_queue, _leave, _commit = (db.WriterQueueConnection.queue_for_write,
                           db.WriterQueueConnection.leave_queue, db.WriterQueueConnection.commit)
_held: dict[int, float] = {}


def _timed_queue(self: Any, *args: Any, **kwargs: Any) -> None:
    start = time.perf_counter()
    _queue(self, *args, **kwargs)
    _held[id(self)] = time.perf_counter()
    PHASES["wait"].append(_held[id(self)] - start)


def _timed_leave(self: Any) -> None:
    start = _held.pop(id(self), None)
    if start is not None:
        PHASES["held"].append(time.perf_counter() - start)
    _leave(self)


def _timed_commit(self: Any) -> None:
    start = time.perf_counter()
    try:
        _commit(self)
    finally:
        PHASES["commit"].append(time.perf_counter() - start)


@event.listens_for(Engine, "before_cursor_execute")
def _before(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
    conn.info["rso_phase_t"] = time.perf_counter()


@event.listens_for(Engine, "after_cursor_execute")
def _after(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
    if sql.startswith("UPDATE drafts"):
        PHASES["update"].append(time.perf_counter() - conn.info.pop("rso_phase_t"))


db.WriterQueueConnection.queue_for_write = _timed_queue  # type: ignore[method-assign]
db.WriterQueueConnection.leave_queue = _timed_leave  # type: ignore[method-assign]
db.WriterQueueConnection.commit = _timed_commit  # type: ignore[method-assign]


def _writer(url: str, writer: int, saves: int, barrier: Any, out: Any) -> None:
    class Out:  # the benchmark's result, with this process's phase times
        def put(self, result: Any) -> None:
            out.put((result, {k: v[-saves:] for k, v in PHASES.items()}))

    for times in PHASES.values():
        times.clear()  # not the parent's (forked) setup writes
    bench._writer(url, writer, saves, barrier, Out())


def _q(values: list[float], p: float) -> float:
    values = sorted(values)
    return 1000 * values[min(len(values) - 1, round(p * len(values)) - 1)]


def phases(url: str, writers: int, saves: int = bench.SAVES) -> str:
    bench.open_as("setup", url).close()
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(writers), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(url, w, saves, barrier, out))
             for w in range(writers)]
    for p in procs:
        p.start()
    results = [out.get(timeout=1800) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    found = {"total": [t for (_, ts, _), _ in results for t in ts]}
    for name in PHASES:
        found[name] = [t for _, ph in results for t in ph[name]]
    return f"{writers:>2} writer(s): " + " | ".join(
        f"{k} {_q(v, 0.5):.2f} / {_q(v, 0.95):.2f}" for k, v in found.items() if v)


def main() -> None:
    print(f"median / p95 ms, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="rso-autosave-phases-") as tmp:
        for n in (1, bench.WRITERS):
            print("SQLite    ", phases(f"sqlite:///{Path(tmp) / f'w{n}.sqlite'}", n))
    from rso_widgets.store.pg_cluster import PgCluster, server_binaries

    if server_binaries() is None:
        print("PostgreSQL server programs not found: PostgreSQL skipped")
        return
    with PgCluster.start(fast=False, max_connections=bench.WRITERS * 3) as cluster:
        for n in (1, bench.WRITERS):
            print("PostgreSQL", phases(cluster.create_database(f"w{n}"), n))


if __name__ == "__main__":
    main()
