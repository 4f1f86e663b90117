"""Concurrency benchmark: how many people can open the RM2000 calculator at the same moment on
this machine before time-to-interactive (TTI) doubles, without and with preheated kernels.

"Interactive" is as in bench_page.py: from navigation until the app's Score button is visible
and enabled. One `rso-workbook serve` (the production command and its voila.json) per mode serves
a temporary folder holding the calculator notebook; preheat is switched with RSO_PREHEAT_KERNELS
(the shipped pool for the calculator is one kernel). Per mode:
- baseline: the median TTI of LOADS_AT_ONE single loads (one warm-up first), same run;
- then USERS = 2, 4, 8, … simultaneous page loads (one headless chromium, one context each),
  until the median TTI reaches 2× the baseline or CAP users or the time budget is spent.
"Users served" is the largest count whose median stayed below 2× the baseline.

Caveats: the browser runs on the same machine, so its own page work competes with the server
(real users bring their own CPU); kernels of finished rounds stay idle until culled (they use
memory, not CPU); on a shared machine the load from other work moves every figure.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from common import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

NOTEBOOK = "rm2000_calculator.ipynb"
BUTTON = "Score"
LOADS_AT_ONE = 3
CAP = 16
BUDGET_SECONDS = 900  # per mode
PAGE_TIMEOUT = 240.0
POOL_LOG = f"Kernel pool of {NOTEBOOK} is filled"


async def _tti(context, url: str, problems: list[str]) -> float:
    """Seconds from navigation to an enabled Score button (inf if never: why goes in
    `problems`)."""
    page = await context.new_page()
    t0 = time.perf_counter()
    try:
        await page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT * 1000)
        target = page.get_by_role("button", name=BUTTON, exact=True)
        await target.wait_for(state="visible", timeout=PAGE_TIMEOUT * 1000)
        while not await target.is_enabled():
            if time.perf_counter() - t0 > PAGE_TIMEOUT:
                raise TimeoutError("the Score button stayed disabled")
            await asyncio.sleep(0.01)
        return time.perf_counter() - t0
    except Exception as exc:  # a page that never becomes interactive counts as infinitely slow
        try:
            shown = " ".join((await page.locator("body").inner_text(timeout=5000)).split())
        except Exception:
            shown = "?"
        problems.append(f"after {time.perf_counter() - t0:.0f} s: "
                        f"{str(exc).splitlines()[0][:120]}; page: {shown[:200]}")
        return float("inf")


async def _round(browser, url: str, users: int, problems: list[str]) -> list[float]:
    """`users` page loads started together; each one's TTI."""
    contexts = [await browser.new_context(viewport={"width": 1200, "height": 900})
                for _ in range(users)]
    try:
        return list(await asyncio.gather(*(_tti(c, url, problems) for c in contexts)))
    finally:
        for c in contexts:
            await c.close()


def _pool_fills(server) -> int:
    return Path(server.log_path).read_text(encoding="utf-8", errors="replace").count(POOL_LOG)


async def _wait_quiet(server, preheat: bool, before: int) -> int:
    """Before a round: a pool fill logged since `before` fills (if preheat is on: the pooled
    kernel the last round took has been replaced) and the machine given a breath. Returns the
    fill count now, to pass to the next call."""
    if preheat:
        deadline = time.monotonic() + 180
        while _pool_fills(server) <= before and time.monotonic() < deadline:
            await asyncio.sleep(0.25)
    await asyncio.sleep(2)
    return _pool_fills(server)


async def _measure_mode(folder: Path, preheat: bool) -> dict:
    from playwright.async_api import async_playwright

    from rso_widgets.commands.serve import ServedWorkbooks

    server = ServedWorkbooks(directory=folder, preheat=preheat)  # log kept in the temp folder
    await asyncio.to_thread(server.start, 120)
    try:
        url = f"{server.url}voila/render/{NOTEBOOK}"
        problems: list[str] = []
        fills = 0  # the first fill is logged once the server's pool is ready
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                started = time.monotonic()
                fills = await _wait_quiet(server, preheat, fills)
                await _round(browser, url, 1, problems)  # warm-up: caches, first imports from disk
                singles = []
                for _ in range(LOADS_AT_ONE):
                    fills = await _wait_quiet(server, preheat, fills)
                    singles += await _round(browser, url, 1, problems)
                baseline = statistics.median(singles)
                table: dict[int, list[float]] = {}
                users = 2
                while users <= CAP and time.monotonic() - started < BUDGET_SECONDS:
                    fills = await _wait_quiet(server, preheat, fills)
                    table[users] = await _round(browser, url, users, problems)
                    if statistics.median(table[users]) >= 2 * baseline:
                        break
                    users *= 2
            finally:
                await browser.close()
    finally:
        await asyncio.to_thread(server.stop)
    served = max([1, *[n for n, xs in table.items() if statistics.median(xs) < 2 * baseline]])
    doubled = [n for n, xs in table.items() if statistics.median(xs) >= 2 * baseline]
    return {"baseline": baseline, "singles": singles, "table": table, "served": served,
            "doubled_at": doubled[0] if doubled else None, "problems": problems,
            "log": str(server.log_path)}


def measure() -> dict[bool, dict]:
    with tempfile.TemporaryDirectory(prefix="rso-bench-conc-") as tmp:
        results = {}
        for preheat in (False, True):
            folder = Path(tmp) / f"preheat-{preheat}" / "workbooks"
            folder.mkdir(parents=True)
            shutil.copy(ROOT / "workbooks" / NOTEBOOK, folder)
            results[preheat] = asyncio.run(_measure_mode(folder, preheat))
    return results


def _label(preheat: bool) -> str:
    return "with preheated kernels" if preheat else "without preheated kernels"


def _doubling(r: dict) -> str:
    at = r["doubled_at"]
    return f"doubled at {at} users" if at else f"not doubled up to {max(r['table'], default=1)}"


def run() -> list[dict]:
    results = measure()
    rows = []
    for preheat, r in results.items():
        for users, times in r["table"].items():
            finite = [t for t in times if t != float("inf")]
            rows.append({
                "name": f"calculator TTI, {users} simultaneous users, {_label(preheat)} (median)",
                "value": statistics.median(times), "baseline": r["baseline"], "unit": "s",
                "target": 2.0,
                "note": f"{len(finite)}/{len(times)} interactive; max "
                        f"{max(times):.2f} s; baseline = 1 user, median of {LOADS_AT_ONE}"})
        if r["problems"]:
            print(f"{_label(preheat)}: pages that never became interactive (server log "
                  f"{r['log']}):\n  " + "\n  ".join(r["problems"]), file=sys.stderr)
    off, on = results[False], results[True]
    rows.append({
        "name": "calculator TTI at 1 user: with preheat vs without (median)",
        "value": on["baseline"], "baseline": off["baseline"], "unit": "s", "target": 1.0,
        "note": f"with {', '.join(f'{t:.2f}' for t in on['singles'])}; without "
                f"{', '.join(f'{t:.2f}' for t in off['singles'])}"})
    rows.append({
        "name": "simultaneous users served before TTI doubles: without ÷ with preheat",
        "value": off["served"], "baseline": on["served"], "unit": "users", "target": 1.0,
        "note": f"without preheat: {off['served']} ({_doubling(off)}); with preheat: "
                f"{on['served']} ({_doubling(on)}); cap {CAP}, 2-core machine"})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
