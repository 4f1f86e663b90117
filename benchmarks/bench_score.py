"""`rso-workbook score rm2000` on N JSON lines vs `audit rm2000` of the same N cases (issue 13).

The cases are the audit benchmark's export (`bench_audit.make_export`: realistic facts, ~1 % not
applicable, a few malformed rows), written once more as JSON Lines (one case per line, the
item-level facts with JSON numbers and booleans; an unreadable cell stays text, so that line gets
an error). Both commands run as subprocesses of the installed package, so start-up counts for
both; they alternate, twice, and the best run of each counts; peak memory is the child's VmHWM.

Rows:
- score wall time against the audit of the same cases (target ≤ 10×; before streaming: ~140×);
- score peak RSS against the peak RSS of score on the first 50,000 lines (or half of N, if
  smaller; target ≤ 1.3×: memory does not grow with the input, it is bounded by the batch size
  and the fragment caches, which fill within the first few batches). The absolute figure is
  mostly pyarrow, pandas and numpy, which the vectorised scorer imports (~110 MB).

N is 1,000,000 (RSO_BENCH_SCORE_ROWS for a quicker run on a busy machine; the files are cached
in benchmarks/results/data/).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
ROWS = int(os.environ.get("RSO_BENCH_SCORE_ROWS", "1000000"))
REPEAT = 2  # audit and score alternate; the best run of each counts
DATA = HERE / "results" / "data"
FACTS = ("sex", "age_at_assessment", "age_at_commencement", "sexual_appearances",
         "criminal_appearances", "violent_appearances", "burglary", "male_victim",
         "stranger_victim", "non_contact", "single", "sexual_offence_aged_17_plus")
BOOLS = {"yes": True, "no": False}


def _cell(name: str, text: str) -> Any:
    if name == "sex":
        return text
    if text in BOOLS:
        return BOOLS[text]
    return int(text) if text.lstrip("-").isdigit() else text


def make_files(rows: int) -> tuple[Path, Path]:
    """The audit CSV and the same cases as JSON Lines (cached)."""
    from bench_audit import make_export

    csv_path = DATA / f"rm2000_audit_{rows}_v2.csv"
    jsonl = DATA / f"rm2000_score_{rows}_v1.jsonl"
    if not csv_path.exists():
        make_export(csv_path, rows)
    if not jsonl.exists():
        table = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(FACTS, "string"), include_columns=list(FACTS)),
            parse_options=pacsv.ParseOptions(invalid_row_handler=lambda row: "skip"))
        cols = [table.column(n).to_pylist() for n in FACTS]
        tmp = jsonl.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for values in zip(*cols, strict=True):
                f.write(json.dumps({n: _cell(n, v) for n, v in zip(FACTS, values, strict=True)})
                        + "\n")
        tmp.replace(jsonl)
    return csv_path, jsonl


def _command() -> list[str]:
    exe = Path(sys.executable).with_name("rso-workbook")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "rso_widgets.cli"]


def _peak_mb(pid: int) -> float | None:
    """The process's peak resident set so far (VmHWM), in MB; None once it has gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def timed(args: list[str], stdin: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, VmHWM sampled every 20 ms: `wait4`'s maxrss would count
    this benchmark's own memory, which the child has at fork) of one run, output discarded."""
    peak = 0.0
    with open(stdin or os.devnull, "rb") as src, open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen([*_command(), *args], stdin=src, stdout=sink,
                                stderr=subprocess.DEVNULL)
        while proc.poll() is None:
            peak = max(peak, _peak_mb(proc.pid) or 0.0)
            time.sleep(0.02)
        wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{args[0]} exited {proc.returncode}")
    return wall, peak


def run() -> list[dict]:
    csv_path, jsonl = make_files(ROWS)
    with tempfile.TemporaryDirectory() as tmp:
        small, head = Path(tmp) / "small.jsonl", min(50_000, ROWS // 2)
        with open(jsonl, encoding="utf-8") as f:
            small.write_text("".join(next(f) for _ in range(head)), encoding="utf-8")
        audit = ["audit", "rm2000", str(csv_path), "-o", str(Path(tmp) / "out.csv"),
                 "--no-progress"]
        runs = [(timed(audit), timed(["score", "rm2000"], jsonl)) for _ in range(REPEAT)]
        (audit_s, audit_mb), (score_s, score_mb) = (min(r[k] for r in runs) for k in (0, 1))
        _, small_mb = timed(["score", "rm2000"], small)
    note = (f"{ROWS:,} cases; audit {audit_s:.2f} s ({audit_mb:.0f} MB peak); score "
            f"{score_s:.2f} s = {score_s / ROWS * 1e6:.1f} µs/line; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return [
        {"name": f"score rm2000 {ROWS:,} JSON lines vs audit of the same cases",
         "value": score_s, "baseline": audit_s, "unit": "s", "target": 10.0, "note": note},
        {"name": f"score rm2000 peak RSS, {ROWS:,} lines vs {head:,} lines", "value": score_mb,
         "baseline": small_mb, "unit": "MB", "target": 1.3, "note": note},
    ]


if __name__ == "__main__":
    for r in run():
        print(r, f"ratio {r['value'] / r['baseline']:.2f}")
