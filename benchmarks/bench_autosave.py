"""Autosave under load: 20 writer processes each autosaving its own draft, SQLite and PostgreSQL.

Each writer is a separate process (like a kernel per user) with its own store, and calls
`Store.save_draft` — what the forms' debounced autosave calls — `SAVES` times in a row with a
form-sized payload (about 8 kB of JSON, different every time), timing each call (wall clock:
the time a user's save takes, queueing behind the other writers included). All writers start
together (a barrier, after their imports and first connection).

Rows per backend:
- median and 95th-percentile save latency with 20 writers, against a single writer's median /
  95th percentile measured the same way on the same backend in the same run (target ≤ 20×:
  no worse than every save queueing behind one save of each other writer);
- SQLite only: the 20-writer p95 in milliseconds against the absolute target of 50 ms (issue 12;
  the writer queue of `store.db` is what gets it there), baseline 1 ms so the ratio is the value;
  SQLite is measured twice in the same run, with the writer queue and without it
  (RSO_SQLITE_WRITER_QUEUE=0: SQLite's busy handler alone, as before issue 12);
- lost writes: writers whose stored draft is not the last one they wrote (or whose save
  failed), over the number of writers; must be 0.

SQLite: the default store (WAL, synchronous=FULL) in a temp folder. PostgreSQL: a throwaway
local cluster (`rso_widgets.store.pg_cluster`) with fsync ON (durable commits, like SQLite's
FULL), skipped with a note if the PostgreSQL server programs are not installed.
Where a save's time goes (queue wait, time holding it, UPDATE, COMMIT): `autosave_phases.py`.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from common import open_as

WRITERS = int(os.environ.get("RSO_BENCH_WRITERS", "20"))
SAVES = int(os.environ.get("RSO_BENCH_SAVES", "200"))  # fewer for a quick run on a busy machine
SQLITE_P95_MS = 50.0
KEY = "arms:autosave"


def payload(writer: int, n: int) -> dict[str, Any]:
    """A debounced autosave of an ARMS form: ratings and evidence for 20 items (~8 kB)."""
    return {"writer": writer, "n": n, "items": {
        f"item_{i:02d}": {"rating": (n + i) % 4,
                          "evidence": f"draft {n}: what the person said about item {i}, "
                                      "with the source and date of the information. " * 4}
        for i in range(20)}}


def _writer(url: str, writer: int, saves: int, barrier: Any, out: Any) -> None:

    times: list[float] = []
    failed: list[str] = []
    with open_as(f"writer-{writer:02d}", url, create=False, upgrade=False) as store:
        store.get_draft(KEY)  # connect before the clock starts
        barrier.wait()
        for n in range(1, saves + 1):
            data = payload(writer, n)
            t = time.perf_counter()
            try:
                store.save_draft(KEY, data)
            except Exception as exc:  # reported in the note (and a lost write if the last)
                failed.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
            times.append(time.perf_counter() - t)
    out.put((writer, times, failed))


def measure(url: str, writers: int, saves: int = SAVES) -> dict[str, Any]:
    """Run `writers` processes × `saves` autosaves; latencies (s) and lost writes."""

    open_as("setup", url).close()  # schema in place before the writers start
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(writers), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(url, w, saves, barrier, out))
             for w in range(writers)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get(timeout=1800) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    wall = time.perf_counter() - t0
    times = sorted(t for _, ts, _ in results for t in ts)
    failed = [f for _, _, fs in results for f in fs]
    lost = 0
    for w in range(writers):  # each writer's draft must be the last thing it wrote
        with open_as(f"writer-{w:02d}", url, create=False) as store:
            draft = store.get_draft(KEY)
            lost += draft is None or draft.data != payload(w, saves)
    return {"median": statistics.median(times),
            "p95": times[min(len(times) - 1, round(0.95 * len(times)) - 1)],
            "lost": lost, "failed": failed, "saves": len(times), "wall": wall}


def _rows(backend: str, url_for: Any, note: str) -> list[dict[str, Any]]:
    single = measure(url_for("single"), 1)
    many = measure(url_for("many"), WRITERS)
    ms = 1000.0
    detail = (f"{backend}: {WRITERS} writers × {SAVES} saves ({many['saves']} timed, "
              f"{many['wall']:.1f} s wall, {many['saves'] / many['wall']:.0f} saves/s); "
              f"failed saves {len(many['failed'])}"
              f"{' (' + '; '.join(sorted(set(many['failed']))) + ')' if many['failed'] else ''}"
              f"; single writer {single['saves']} saves; {note}")
    absolute = [dict(
        name=f"autosave p95 latency, {WRITERS} writers, ms against {SQLITE_P95_MS:.0f} ms "
             f"({backend})", value=many["p95"] * ms, baseline=1.0, unit="ms",
        target=SQLITE_P95_MS, note=detail)] if backend.startswith("SQLite") else []
    return [*absolute,
        dict(name=f"autosave median latency, {WRITERS} writers vs 1 ({backend})",
             value=many["median"] * ms, baseline=single["median"] * ms, unit="ms",
             target=float(WRITERS), note=detail),
        dict(name=f"autosave p95 latency, {WRITERS} writers vs 1 ({backend})",
             value=many["p95"] * ms, baseline=single["p95"] * ms, unit="ms",
             target=float(WRITERS), note=detail),
        dict(name=f"lost writes / writers ({backend}); must be 0",
             value=float(many["lost"] + single["lost"]), baseline=float(WRITERS + 1),
             unit="writers", target=0.0, note=detail),
    ]


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="rso-bench-autosave-") as tmp:
        rows += _rows("SQLite", lambda name: f"sqlite:///{Path(tmp) / name}.sqlite",
                      "WAL, synchronous=FULL, writer queue")
        from rso_widgets.settings import get_settings

        os.environ["RSO_SQLITE_WRITER_QUEUE"] = "0"  # the same, without the queue: comparison
        get_settings.cache_clear()  # the forked writers read the setting afresh
        try:
            rows += _rows("SQLite, no writer queue",
                          lambda name: f"sqlite:///{Path(tmp) / name}-noqueue.sqlite",
                          "WAL, synchronous=FULL, SQLite's busy handler alone (before issue 12)")
        finally:
            del os.environ["RSO_SQLITE_WRITER_QUEUE"]
            get_settings.cache_clear()
    from rso_widgets.store.pg_cluster import PgCluster, server_binaries

    if server_binaries() is None:
        print("bench_autosave: PostgreSQL server programs not found (scripts/setup.sh test); "
              "PostgreSQL rows skipped")
        return rows
    with PgCluster.start(fast=False, max_connections=WRITERS * 3) as cluster:
        rows += _rows("PostgreSQL", lambda name: cluster.create_database(name),
                      "local PostgreSQL 15, fsync on, one connection per writer")
    return rows


if __name__ == "__main__":
    for row in run():
        ratio = row["value"] / row["baseline"]
        print(f"{row['name']}: {row['value']:.2f} {row['unit']} vs {row['baseline']:.2f} "
              f"{row['unit']} = {ratio:.2f}× (target ≤ {row['target']}) — {row['note']}")
