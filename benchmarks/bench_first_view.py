"""First views of the entry pages (issue 12): the time of each app's first cell, what it imports,
and the memory it leaves, in a fresh interpreter that has already imported what every kernel
imports (ipykernel, ipywidgets), with an empty data folder (as a preheated kernel starts).

Best of RUNS per page. Targets: the first cell within 1 s, none of pandas / plotly / SQLAlchemy
/ pyarrow / reportlab / scipy imported, and the process within 80 MiB RSS (absolute bounds,
`kind: "max"`). The `-X importtime` top imports of the slowest run are printed to stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3
HEAVY = ("pandas", "plotly", "sqlalchemy", "pyarrow", "reportlab", "scipy")
PAGES = {
    "workshop trainee page": "from rso_widgets.apps.workshop_trainee import workshop\nworkshop()",
    "RM2000 calculator": "from rso_widgets.apps.calculator import rm2000_calculator\n"
                         "rm2000_calculator()",
}
SCRIPT = """
import json, sys, time
import ipykernel.ipkernel, ipywidgets  # what every kernel has imported already
t0 = time.perf_counter()
{cell}
seconds = time.perf_counter() - t0
import psutil
m = psutil.Process().memory_full_info()
print(json.dumps({{"seconds": seconds, "rss": m.rss / 2**20, "uss": m.uss / 2**20,
                  "heavy": [h for h in {heavy!r} if h in sys.modules]}}))
"""


def first_cell(cell: str, tmp: Path) -> dict:
    env = {**os.environ, "RSO_DATA_DIR": str(tmp / "data"), "RSO_USER": "bench.first-view",
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-X", "importtime", "-c",
                          SCRIPT.format(cell=cell, heavy=HEAVY)],
                         capture_output=True, text=True, check=True, timeout=120, env=env)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["importtime"] = out.stderr
    return result


def _top_imports(importtime: str, n: int = 8) -> str:
    rows = []
    for line in importtime.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    rows.sort(reverse=True)
    return "\n".join(f"  {us / 1e6:.2f} s {name}" for us, name in rows[:n])


def run() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="rso-bench-first-view-") as tmp:
        for page, cell in PAGES.items():
            results = [first_cell(cell, Path(tmp)) for _ in range(RUNS)]
            best = min(results, key=lambda r: r["seconds"])
            slowest = max(results, key=lambda r: r["seconds"])
            print(f"{page}: slowest imports (cumulative) of the slowest run:\n"
                  f"{_top_imports(slowest['importtime'])}", file=sys.stderr)
            rows += [
                {"name": f"{page}: first cell (best of {RUNS})", "value": best["seconds"],
                 "baseline": None, "unit": "s", "target": 1.0, "kind": "max",
                 "note": "after ipykernel and ipywidgets are imported; all runs "
                         + ", ".join(f"{r['seconds']:.2f}" for r in results)},
                {"name": f"{page}: heavy modules imported by the first view",
                 "value": len(best["heavy"]), "baseline": None, "unit": "modules",
                 "target": 0, "kind": "max", "note": ", ".join(best["heavy"]) or "none"},
                {"name": f"{page}: process RSS after the first view", "value": best["rss"],
                 "baseline": None, "unit": "MiB", "target": 80, "kind": "max",
                 "note": f"USS {best['uss']:.0f} MiB (a plain interpreter, not a kernel)"},
            ]
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
