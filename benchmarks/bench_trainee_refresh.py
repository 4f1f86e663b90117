"""The widget trainee page's timed refresh in a room: what 30 trainees' pages ask of the store
in a minute of the page's own timer (`Ticker`, every `CHECK_SECONDS`, 20 s: three refreshes a
minute each), with each trainee's drafts and submissions already in the store.

Each trainee is a widget page (`WorkshopTraineeApp`) with its own store, as a kernel per
trainee has, joined to one workshop of six cases, with one case submitted, two drafts and a
case open. One simulated minute is `60 / CHECK_SECONDS` calls of each page's timer callback
(`_tick`, what the browser's timer calls); the store's transactions (BEGINs) and SQL statements
are counted with SQLAlchemy's engine events on every page's engine, and the refreshes timed.

Rows: store transactions a minute for the room (target: at most one a refresh, `kind` max:
the refresh must stay one store read however many cases), SQL statements a minute and the
median refresh time (reported). SQLite in a temp folder; `RSO_BENCH_REFRESH_TRAINEES` sets the
room's size. `python benchmarks/bench_trainee_refresh.py` prints the rows.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from common import open_as

TRAINEES = int(os.environ.get("RSO_BENCH_REFRESH_TRAINEES", "30"))
CASE_IDS = ["TC-01", "TC-02", "TC-03", "TC-04", "TC-05", "TC-06"]


def _facts(case: Any) -> dict[str, Any]:
    return case.key_facts().model_dump(exclude_none=True, mode="json")


def measure(trainees: int = TRAINEES) -> dict[str, Any]:
    """One minute of the room's timed refreshes: transactions, statements, refresh times."""
    from sqlalchemy import event

    from rso_widgets.apps.workshop_common import CHECK_SECONDS
    from rso_widgets.apps.workshop_trainee import WorkshopTraineeApp
    from rso_widgets.calibration.workshop import draft_key
    from rso_widgets.cases import load_cases
    from rso_widgets.instruments.ruleset import load_rm2000_ruleset

    cases = {c.id: c for c in load_cases()}
    rs = load_rm2000_ruleset()
    per_minute = round(60 / CHECK_SECONDS)
    counts = {"transactions": 0, "statements": 0}

    def on_begin(_conn: Any) -> None:
        counts["transactions"] += 1

    def on_statement(*_args: Any) -> None:
        counts["statements"] += 1

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'room.sqlite'}"
        with open_as("bench.trainer", url) as trainer:
            cohort = trainer.create_cohort("Refresh", CASE_IDS)
        pages = []
        for i in range(trainees):
            user = f"bench.trainee{i:02d}"
            page = WorkshopTraineeApp(open_as(user, url), list(cases.values()), user,
                                      ruleset=rs, autosave_seconds=0)
            assert page.join_workshop(cohort.join_code, f"Trainee {i:02d}")
            m = page.member
            page.store.submit(cohort.id, m.id, "TC-01", {"facts": _facts(cases["TC-01"]),
                                                          "entered": None})
            for cid in ("TC-02", "TC-03"):
                page.store.save_draft(draft_key(cohort.id, m.id, cid),
                                      {"facts": _facts(cases[cid]), "entered": None,
                                       "mode": "form"})
            page.open_case("TC-02")
            pages.append(page)
        for page in pages:
            event.listen(page.store.engine, "begin", on_begin)
            event.listen(page.store.engine, "before_cursor_execute", on_statement)
        times = []
        try:
            for _ in range(per_minute):
                for page in pages:
                    t0 = time.perf_counter()
                    page._tick()
                    times.append(time.perf_counter() - t0)
        finally:
            for page in pages:
                event.remove(page.store.engine, "begin", on_begin)
                event.remove(page.store.engine, "before_cursor_execute", on_statement)
                page.store.close()
    return {"trainees": trainees, "refreshes": per_minute * trainees, **counts,
            "median_ms": statistics.median(times) * 1000,
            "p95_ms": sorted(times)[int(0.95 * (len(times) - 1))] * 1000}


def run() -> list[dict]:
    got = measure()
    n = got["trainees"]
    return [
        dict(name=f"trainee page timed refresh, {n} trainees: store transactions a minute",
             value=got["transactions"], baseline=None, unit="transactions", kind="max",
             target=got["refreshes"], note=f"{got['refreshes']} refreshes a minute (one per "
             "page every CHECK_SECONDS); each must be one store read"),
        dict(name=f"trainee page timed refresh, {n} trainees: SQL statements a minute",
             value=got["statements"], baseline=None, unit="statements", target=None,
             note="SQLite: BEGIN is a statement of its own"),
        dict(name="trainee page timed refresh: median time of one refresh",
             value=got["median_ms"], baseline=None, unit="ms", target=None,
             note=f"p95 {got['p95_ms']:.1f} ms; SQLite, one process"),
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['value']:.1f} {row['unit']} ({row.get('note', '')})")
