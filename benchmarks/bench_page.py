"""Page benchmark: the RM2000 calculator vs a bare Voilà notebook showing one widget.

One `rso-workbook serve` (the production command) serves both notebooks from a temporary folder;
headless Debian chromium loads them alternately. Measured per load:
- time from navigation to an interactive page (the app's button visible and enabled);
- resident memory (RSS) of the kernel Voilà started for that page, once the page is interactive.
Medians over LOADS loads each, after one warm-up load each.
"""

from __future__ import annotations

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

LOADS = 7
PAGES = {  # notebook → the button that means "interactive"
    "rm2000_calculator.ipynb": "Score",
    "bare_widget.ipynb": "Go",
}


def _load(browser, server, notebook: str, button: str) -> tuple[float, int]:
    import psutil

    before = set(server.kernel_pids())
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(f"{server.url}voila/render/{notebook}", wait_until="commit")
        target = page.get_by_role("button", name=button, exact=True)
        target.wait_for(state="visible", timeout=120_000)
        while not target.is_enabled():
            time.sleep(0.01)
        elapsed = time.perf_counter() - t0
        new = [pid for pid in server.kernel_pids() if pid not in before]
        if len(new) != 1:
            raise RuntimeError(f"expected one new kernel for {notebook}, found {new}")
        time.sleep(0.5)  # let the kernel settle after answering the page's comm messages
        rss = psutil.Process(new[0]).memory_info().rss
    finally:
        context.close()
    return elapsed, rss


def measure(loads: int = LOADS) -> dict[str, dict[str, list[float]]]:
    from playwright.sync_api import sync_playwright

    from rso_widgets.commands.serve import ServedWorkbooks

    results: dict[str, dict[str, list[float]]] = {nb: {"time": [], "rss": []} for nb in PAGES}
    with tempfile.TemporaryDirectory(prefix="rso-bench-") as tmp:
        folder = Path(tmp)
        shutil.copy(ROOT / "workbooks" / "rm2000_calculator.ipynb", folder)
        shutil.copy(HERE / "bare_widget.ipynb", folder)
        # preheat off: both pages start their own kernel (like with like, and the one new
        # kernel per load is the page's); bench_concurrency measures preheat
        with ServedWorkbooks(directory=folder, preheat=False) as server, \
                sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for nb, button in PAGES.items():  # warm-up: caches, first imports from disk
                    _load(browser, server, nb, button)
                for i in range(loads):
                    order = list(PAGES.items())
                    if i % 2:
                        order.reverse()
                    for nb, button in order:
                        elapsed, rss = _load(browser, server, nb, button)
                        results[nb]["time"].append(elapsed)
                        results[nb]["rss"].append(rss / 2**20)
            finally:
                browser.close()
    return results


def run() -> list[dict]:
    r = measure()
    app, bare = r["rm2000_calculator.ipynb"], r["bare_widget.ipynb"]

    def spread(xs: list[float]) -> str:
        return f"min {min(xs):.2f}, max {max(xs):.2f}"

    return [
        {"name": "RM2000 calculator: navigation → interactive (median)",
         "value": statistics.median(app["time"]), "baseline": statistics.median(bare["time"]),
         "unit": "s", "target": 1.25,
         "note": f"{LOADS} loads each; app {spread(app['time'])}; bare {spread(bare['time'])}"},
        {"name": "RM2000 calculator: kernel resident memory (median)",
         "value": statistics.median(app["rss"]), "baseline": statistics.median(bare["rss"]),
         "unit": "MiB", "target": 1.5,
         "note": f"RSS of the page's kernel; app {spread(app['rss'])}; "
                 f"bare {spread(bare['rss'])}"},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
