"""The room page (serving/room/) joined by a whole room at once: part of `bench_room` (which
calls `run()`), measured on its own `rso-workbook serve` with no preheated kernels (the room
page needs none) and a workshop on TC-01.

- **browsers** (N = 12): real headless chromium pages at once, each in its own context. Per
  trainee: open `room/`, type the code and a name, Join, open the case; *scoring form usable* =
  the case page's first RM2000 question visible (the figure checked: p95 ≤ 3× one browser alone,
  0 failures). The contexts exist before the clock starts (the trainees' browsers are open) and
  all start together. ROOMS rooms of N, alternating with the floor's; p95 over all of them.
  Also: the join form usable, the task list shown, and the floor: the identical flow against
  fixed copies of the same pages (`room_replica.py`, no server work), at once and alone, same
  run — what N Chromiums on these cores cost whatever the server does.
- **light** (N = 30 and 60): HTTP clients (httpx, one cookie jar each) doing the whole flow —
  join form, join, task list, the case, one autosave, Continue, check your answers, submit.
  *Join to scoring form* = GET join form → POST join → GET case; the whole flow is reported.
  Checked at 30: 0 failures, and p95 ≤ 2× on the *derived* figure the issue allows ("measure the
  server … and derive"): light p95 + one browser's own work (1 browser − 1 light client) against
  1 browser, i.e. each trainee's browser on their own machine. Server CPU seconds per join (the
  server process's CPU time during the room, divided by N) and server RSS growth per trainee.

Baselines: the median of SINGLES runs (after one warm-up) on the same server, same run.
Sizes: RSO_BENCH_ROOM_LIGHT (default "30,60") and RSO_BENCH_ROOM_BROWSERS (default "12").
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import room_replica
from common import CHROMIUM, CHROMIUM_ARGS, open_as

from rso_widgets.instruments.rm2000_words import DATE_FIELDS
from rso_widgets.serving.room.date_input import split

ROOT = Path(__file__).resolve().parents[1]
SINGLES = 3
ROOMS = 3  # rooms of N browsers, each flow (room page, floor): p95 over all N × ROOMS
TIMEOUT = 240.0
MIB = 2**20
XSRF = re.compile(r'name="_xsrf" value="([^"]+)"')
REVISION = re.compile(r'name="rso_draft" value="([^"]*)"')
_SSL: list = []  # one SSL context for every client (httpx makes one per client otherwise:
# ~20 ms of the benchmark's own CPU each, which would be counted as the server's latency)


def _client(**kw):
    import ssl

    import httpx

    if not _SSL:
        _SSL.append(ssl.create_default_context())
    return httpx.AsyncClient(verify=_SSL[0], timeout=TIMEOUT, **kw)


def _pct(xs: list[float], q: float) -> float:
    ordered = sorted(xs) or [float("inf")]
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Server:
    """`rso-workbook serve` with a fresh data folder and one workshop (no preheated kernels)."""

    def __init__(self, tmp: Path):
        from rso_widgets.commands.serve import ServedWorkbooks
        from rso_widgets.store.db import DB_FILENAME

        base = self.tmp = tmp / f"room-page-{uuid.uuid4().hex[:6]}"
        (base / "data").mkdir(parents=True)
        self.db = f"sqlite:///{base / 'data' / DB_FILENAME}"
        open_as("bench.trainer", self.db).close()
        self.server = ServedWorkbooks(directory=ROOT / "workbooks", log_path=base / "voila.log",
                                      env={"RSO_DATA_DIR": str(base / "data"),
                                           "RSO_USER": "bench.trainee"}, preheat=False)

    def __enter__(self) -> Server:
        self.server.start(120)
        with open_as("bench.trainer", self.db) as store:
            self.code = store.create_cohort("Room page", ["TC-01"]).join_code
        self.url = self.server.url
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    def usage(self) -> tuple[float, float]:
        """(CPU seconds, RSS MiB) of the server process."""
        import psutil

        p = psutil.Process(self.server.proc.pid)
        t = p.cpu_times()
        return t.user + t.system, p.memory_info().rss / MIB


# --- light clients: the whole flow over HTTP ------------------------------------------------------

def _form(case_facts: dict) -> dict[str, str]:
    out = {"age_mode": "dates" if "date_of_birth" in case_facts else "ages",
           "count_mode": "counts", "mode": "form"}
    for k, v in case_facts.items():
        if k in DATE_FIELDS:  # the GOV.UK date input: three fields
            out.update({f"{k}-{p}": t for p, t in split(dt.date.fromisoformat(v)).items()})
        else:
            out[k] = ("yes" if v else "no") if isinstance(v, bool) else str(v)
    return out


async def light_trainee(url: str, code: str, name: str, form: dict[str, str]) -> dict:
    t0 = time.perf_counter()
    out: dict = {"ok": False, "why": "", "join": None, "flow": None}
    try:
        async with _client(base_url=url + "room/", follow_redirects=True) as http:
            r = await http.get("")
            token = XSRF.search(r.text).group(1)
            r = await http.post("join", data={"_xsrf": token, "code": code, "name": name})
            if "/cases" not in str(r.url):
                raise RuntimeError(f"join refused: {r.status_code}")
            r = await http.get("case/TC-01")
            if "Score this case" not in r.text:
                raise RuntimeError(f"no scoring form: {r.status_code}")
            out["join"] = time.perf_counter() - t0
            draft = REVISION.search(r.text).group(1)  # as the page's script carries it
            r = await http.post("case/TC-01/draft",
                                data={"_xsrf": token, "rso_draft": draft, **form})
            if not r.json().get("saved"):
                raise RuntimeError("autosave refused")
            draft = r.json()["revision"]
            r = await http.post("case/TC-01", data={"_xsrf": token, "rso_draft": draft, **form})
            if not str(r.url).endswith("/check"):
                raise RuntimeError(f"check refused: {r.status_code}")
            r = await http.post("case/TC-01/check", data={
                "_xsrf": token, "rso_draft": REVISION.search(r.text).group(1)})
            if "submitted=TC-01" not in str(r.url):
                raise RuntimeError(f"submit refused: {r.status_code}")
            out.update(ok=True, flow=time.perf_counter() - t0)
    except Exception as exc:
        out["why"] = f"{type(exc).__name__}: {str(exc)[:120]}"
    return out


async def light_static(url: str) -> dict:
    """The floor: as many requests as join-to-scoring (4), for the start page (no store)."""
    t0 = time.perf_counter()
    try:
        async with _client() as http:
            for _ in range(4):
                (await http.get(url)).raise_for_status()
        return {"ok": True, "join": time.perf_counter() - t0, "why": ""}
    except Exception as exc:
        return {"ok": False, "join": None, "why": str(exc)[:120]}


def light_floor(srv: Server, n: int) -> list[dict]:
    async def burst() -> list[dict]:
        return list(await asyncio.gather(*(light_static(srv.url) for _ in range(n))))

    return asyncio.run(burst())


def light_room(srv: Server, n: int, form: dict[str, str]) -> list[dict]:
    async def burst() -> list[dict]:
        return list(await asyncio.gather(*(
            light_trainee(srv.url, srv.code, f"Light {uuid.uuid4().hex[:8]}", form)
            for _ in range(n))))

    return asyncio.run(burst())


# --- real browsers --------------------------------------------------------------------------------

async def browser_room(url: str, n: int, code: str) -> list[dict]:
    """`n` chromium pages at once, each in its own context (made before the clock starts: the
    trainees' browsers are open), all starting together: open `room/`, type, Join, open the
    case. Against `url` = the replica (`room_replica.py`) the same flow is the browsers' floor."""
    from playwright.async_api import async_playwright

    async def one(page) -> dict:
        t0 = time.perf_counter()
        out: dict = {"ok": False, "why": "", "form": None, "list": None, "scoring": None}
        try:
            await page.goto(url + "room/", wait_until="commit")
            join = page.get_by_role("button", name="Join the workshop", exact=True)
            await join.wait_for(state="visible")
            out["form"] = time.perf_counter() - t0
            await page.get_by_label("Join code").fill(code)
            await page.get_by_label("Your display name").fill(f"Browser {uuid.uuid4().hex[:8]}")
            await join.click()
            case = page.get_by_role("link", name=re.compile(r"^TC-01:"))
            await case.wait_for(state="visible")
            out["list"] = time.perf_counter() - t0
            await case.click()
            await page.get_by_role("group", name="Sex", exact=True).wait_for(state="visible")
            out.update(ok=True, scoring=time.perf_counter() - t0)
        except Exception as exc:
            out["why"] = str(exc).splitlines()[0][:120]
        return out

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = []
            for _ in range(n):
                ctx = await browser.new_context(viewport={"width": 1200, "height": 900})
                pages.append(await ctx.new_page())
                pages[-1].set_default_timeout(TIMEOUT * 1000)
            return list(await asyncio.gather(*(one(page) for page in pages)))
        finally:
            await browser.close()


def _single(fn, key: str) -> float:
    """The median of SINGLES single runs (after one warm-up) of `fn() -> [result]`."""
    times = []
    for _ in range(SINGLES + 1):
        r = fn()[0]
        if not r["ok"]:
            raise RuntimeError(f"a single room-page join failed: {r['why']}")
        times.append(r[key])
    return statistics.median(times[1:])


def _step(results: list[dict], key: str) -> float:
    return _pct([r[key] for r in results if r.get(key) is not None], 0.95)


def _rows_browsers(srv: Server, n: int) -> tuple[list[dict], float]:
    label = f"room page, {n} real browsers at once ({ROOMS} rooms)"
    alone: dict[str, list[dict]] = {"room": [], "floor": []}
    rooms: dict[str, list[dict]] = {"room": [], "floor": []}
    with room_replica.Replica(srv.tmp, srv.url, srv.code, XSRF) as replica:
        urls = {"room": srv.url, "floor": replica.url}
        for i in range(SINGLES + 1):  # alternating, so a busy moment weighs on both alike
            for what, url in urls.items():
                r = asyncio.run(browser_room(url, 1, srv.code))[0]
                if not r["ok"]:
                    raise RuntimeError(f"a single {what} join failed: {r['why']}")
                alone[what] += [r] if i else []  # the first is a warm-up
        for _ in range(ROOMS):
            for what, url in urls.items():
                rooms[what] += asyncio.run(browser_room(url, n, srv.code))
    (single, results), (single_f, floor) = ((alone[k], rooms[k]) for k in ("room", "floor"))
    one = statistics.median(r["scoring"] for r in single)
    one_form = statistics.median(r["form"] for r in single)
    one_f = statistics.median(r["scoring"] for r in single_f)
    ok = [r["scoring"] for r in results if r["ok"]]
    forms = [r["form"] for r in results if r["form"] is not None]
    floor_ok = [r["scoring"] for r in floor if r["ok"]]
    p95, p95_f = _pct(ok, 0.95), _pct(floor_ok, 0.95)
    why = "; ".join(sorted({r["why"] for r in results if not r["ok"]}))[:200]
    return [
        {"name": f"{label}: scoring form usable p95 vs 1 browser", "value": p95,
         "baseline": one, "unit": "s", "target": 3.0,
         "note": f"p50 {_pct(ok, 0.5):.2f} s; max {max(ok or [float('inf')]):.2f} s; join "
                 f"form usable p95 {_pct(forms, 0.95):.2f} s vs {one_form:.2f} s alone; "
                 f"task list shown p95 {_step(results, 'list'):.2f} s (floor "
                 f"{_step(floor, 'list'):.2f} s); join form p95 on the floor "
                 f"{_step(floor, 'form'):.2f} s"},
        {"name": f"{label}: floor, the same flow on fixed copies of the pages (no server work) "
                 "p95 vs 1 browser", "value": p95_f, "baseline": one_f, "unit": "s",
         "target": None,
         "note": f"p50 {_pct(floor_ok, 0.5):.2f} s; {len(floor) - len(floor_ok)} failed; what {n} "
                 "browsers sharing these cores cost whatever the server does"},
        {"name": f"{label}: p95 vs the floor's p95 (the server's share)", "value": p95,
         "baseline": p95_f, "unit": "s", "target": None,
         "note": f"the server adds {p95 - p95_f:+.2f} s at p95 with {n} at once"},
        {"name": f"{label}: scoring form usable p50 vs 1 browser", "value": _pct(ok, 0.5),
         "baseline": one, "unit": "s", "target": None, "note": ""},
        {"name": f"{label}: failed joins (of {len(results)})", "value": len(results) - len(ok),
         "baseline": None,
         "unit": "joins", "target": 0, "kind": "max", "note": why}], one


def _rows_light(srv: Server, n: int, form: dict[str, str],
                browser_single: float | None) -> list[dict]:
    label = f"room page, {n} light clients at once"
    single = _single(lambda: light_room(srv, 1, form), "join")
    single_flow = statistics.median(light_room(srv, 1, form)[0]["flow"]
                                    for _ in range(SINGLES))
    floor1 = _single(lambda: light_floor(srv, 1), "join")
    floor = [r["join"] for r in light_floor(srv, n) if r["ok"]]
    cpu0, rss0 = srv.usage()
    results = light_room(srv, n, form)
    cpu1, rss1 = srv.usage()
    joins = [r["join"] for r in results if r["join"] is not None]
    flows = [r["flow"] for r in results if r["ok"]]
    failed = n - len(flows)
    why = "; ".join(sorted({r["why"] for r in results if not r["ok"]}))[:200]
    per_join = (cpu1 - cpu0) / n
    return [
        {"name": f"{label}: join to scoring form p95 vs 1 client", "value": _pct(joins, 0.95),
         "baseline": single, "unit": "s",
         "target": 2.0 if n == 30 and not browser_single else None,
         "note": f"p50 {_pct(joins, 0.5):.2f} s; whole flow (join, case, autosave, check, "
                 f"submit) p50 {_pct(flows, 0.5):.2f} s, p95 {_pct(flows, 0.95):.2f} s vs "
                 f"{single_flow:.2f} s alone; floor ({n} clients × 4 GETs of the start page, "
                 f"no store) p95 {_pct(floor, 0.95):.2f} s vs {floor1:.2f} s alone "
                 f"({_pct(floor, 0.95) / floor1 if floor1 else float('nan'):.1f}×)"},
        *([{"name": f"{label}: join to scoring form p95 derived (light p95 + one browser's own "
                    "work) vs 1 browser", "value": _pct(joins, 0.95) + max(
                        0.0, browser_single - single), "baseline": browser_single, "unit": "s",
            "target": 2.0 if n == 30 else None,
            "note": f"own browser work {max(0.0, browser_single - single):.2f} s = "
                    f"{browser_single:.2f} s (1 browser) − {single:.2f} s (1 light client); "
                    "each trainee's browser runs on their own machine; the issue's allowed "
                    "derivation, checked at 30 (the light ratio alone is set by N × ~15 ms of "
                    "server CPU against a 27 ms single)"}] if browser_single else []),
        {"name": f"{label}: failed trainees (any step)", "value": failed, "baseline": None,
         "unit": "trainees", "target": 0 if n == 30 else None, "kind": "max", "note": why},
        {"name": f"{label}: server CPU per trainee (whole flow)", "value": per_join,
         "baseline": None, "unit": "CPU s", "target": None, "kind": "max",
         "note": f"{cpu1 - cpu0:.1f} CPU s in the server process for {n} trainees; one "
                 f"process ≈ {60 / per_join if per_join else float('inf'):.0f} trainees' "
                 "whole flows a minute on one core (derived)"},
        {"name": f"{label}: server RSS growth per trainee", "value": (rss1 - rss0) / n,
         "baseline": None, "unit": "MiB", "target": None, "kind": "max",
         "note": f"server RSS {rss0:.0f} → {rss1:.0f} MiB"}]


def run(light: list[int], browsers: list[int]) -> list[dict]:
    from rso_widgets.cases import load_cases

    facts = next(c for c in load_cases() if c.id == "TC-01").key_facts().model_dump(
        exclude_none=True, mode="json")
    form = _form(facts)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="rso-bench-room-page-") as tmp, \
            Server(Path(tmp)) as srv:
        browser_single = None
        for n in browsers:
            found, browser_single = _rows_browsers(srv, n)
            rows += found
        for n in light:
            rows += _rows_light(srv, n, form, browser_single)
    return rows
