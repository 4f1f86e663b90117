"""Start-up of the task-list pages (ARMS practice, ARMS assessment, live assessment, case
editor): each section's widgets are built when the section is first opened, so opening a page
makes only its start view and task list.

Each page runs in a fresh kernel (what Voilà starts for a page, with an empty data folder):
the page's cell, then a second cell that opens every section and "Check your answers" — what
the page cost at start when every section was built with it. Measured per page:
- the kernel IOPub messages the page's cell publishes (comm_open: one per widget; comm_msg;
  status and result), against the same page with every section built (same kernel, same run):
  target ≤ 0.34× (a 3× cut at least; a burst of over a thousand messages coincided with pages
  that never drew their widgets under load);
- the widgets made at start (comm_open), same baseline and target;
- the kernel's resident memory (RSS) after the start cell, against the same kernel once every
  section is built (reported);
- the start cell's time, against the time to build every section (reported).
The workshop trainee page, the smallest page people open, is reported beside them.
"""

from __future__ import annotations

import collections
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = {  # page → (module, function) in rso_widgets.apps
    "live assessment": ("live_assessment", "live_assessment"),
    "ARMS assessment": ("arms", "arms_assessment"),
    "ARMS practice": ("arms", "arms_practice"),
    "case editor": ("case_editor", "case_editor"),
}
REFERENCE = ("workshop trainee page", ("workshop_trainee", "workshop"))
OPEN_ALL = ("for _s in page.journey.sections:\n"
            "    page.journey.open_section(_s.key)\n"
            "page.journey.show_check_answers()\n"
            "page.journey.show_task_list()\n")
TARGET = 0.34


def _cell(client, code: str) -> dict:
    """Run `code`; its IOPub messages by type, and the seconds until the kernel is idle."""
    msg_id = client.execute(code)
    counts: collections.Counter[str] = collections.Counter()
    t0 = time.perf_counter()
    while True:
        msg = client.get_iopub_msg(timeout=300)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        counts[msg["msg_type"]] += 1
        if msg["msg_type"] == "error":
            raise RuntimeError(f"{code!r} failed: {msg['content'].get('evalue')}")
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    return {"seconds": time.perf_counter() - t0, "total": sum(counts.values()),
            "comm_open": counts["comm_open"], "comm_msg": counts["comm_msg"]}


def _rss(manager) -> float:
    import psutil

    time.sleep(0.3)  # the kernel settles after its last reply
    return psutil.Process(manager.provisioner.pid).memory_info().rss / 2**20


def measure(module: str, fn: str, *, open_all: bool = True) -> dict:
    """One page in a fresh kernel: its start cell, then (with `open_all`) every section."""
    from jupyter_client.manager import start_new_kernel

    with tempfile.TemporaryDirectory(prefix="rso-bench-sections-") as tmp:
        env = {**os.environ, "RSO_DATA_DIR": str(Path(tmp) / "data"),
               "RSO_USER": "bench.sections", "PYTHONPATH": str(ROOT)}
        manager, client = start_new_kernel(kernel_name="python3", cwd=tmp, env=env)
        try:
            _cell(client, "import ipywidgets")  # what every kernel has imported already
            start = _cell(client, f"from rso_widgets.apps.{module} import {fn}\n"
                                  f"page = {fn}()\npage")
            start["rss"] = _rss(manager)
            if not open_all:
                return {"start": start}
            every = _cell(client, OPEN_ALL)
            every["rss"] = _rss(manager)
            return {"start": start, "all": every}
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)


def rows_for(page: str, m: dict) -> list[dict]:
    start, every = m["start"], m["all"]
    built = {k: start[k] + every[k] for k in ("total", "comm_open", "seconds")}
    return [
        {"name": f"{page}: kernel messages at start", "value": float(start["total"]),
         "baseline": float(built["total"]), "unit": "messages", "target": TARGET,
         "note": f"{start['comm_open']} comm_open + {start['comm_msg']} comm_msg; baseline: "
                 "the same page with every section built"},
        {"name": f"{page}: widgets made at start", "value": float(start["comm_open"]),
         "baseline": float(built["comm_open"]), "unit": "widgets", "target": TARGET,
         "note": "comm_open messages; baseline: every section built"},
        {"name": f"{page}: kernel RSS after start", "value": start["rss"],
         "baseline": every["rss"], "unit": "MiB", "target": None,
         "note": "baseline: the same kernel once every section is built"},
        {"name": f"{page}: start cell time", "value": start["seconds"],
         "baseline": built["seconds"], "unit": "s", "target": None,
         "note": "until the kernel is idle; baseline: start plus building every section"},
    ]


def run() -> list[dict]:
    rows = []
    for page, (module, fn) in PAGES.items():
        print(f"  {page} …", file=sys.stderr, flush=True)
        rows += rows_for(page, measure(module, fn))
    page, (module, fn) = REFERENCE
    ref = measure(module, fn, open_all=False)["start"]
    rows.append({"name": f"{page}: kernel messages at start (for comparison)",
                 "value": float(ref["total"]), "baseline": None, "unit": "messages",
                 "target": None, "note": f"kernel RSS {ref['rss']:.0f} MiB, start cell "
                                         f"{ref['seconds']:.2f} s"})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
