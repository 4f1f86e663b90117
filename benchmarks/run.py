"""Run every benchmark (`benchmarks/bench_*.py`) and print a table of ratios against baselines.

Each module offers `run() -> list[dict]`; each dict has `name`, `value`, `baseline` (measured in
the same run, same way), `unit`, `target` (the largest acceptable ratio) and optional `note`.
Usage: `python benchmarks/run.py [NAME ...]` or `rso-workbook bench [NAME ...]`.
Exit status is 0 even when a target is missed: benchmarks report, tests decide.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def main(names: list[str]) -> int:
    rows = []
    for path in sorted(HERE.glob("bench_*.py")):
        short = path.stem.removeprefix("bench_")
        if names and short not in names:
            continue
        print(f"running {short} …", file=sys.stderr, flush=True)
        for row in _load(path).run():
            row["ratio"] = row["value"] / row["baseline"] if row["baseline"] else float("nan")
            row["met"] = row["ratio"] <= row["target"]
            rows.append({"benchmark": short, **row})
    lines = ["| benchmark | measure | value | baseline | ratio | target | met | note |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['benchmark']} | {r['name']} | {r['value']:.3f} {r['unit']} | "
                     f"{r['baseline']:.3f} {r['unit']} | {r['ratio']:.2f}× | ≤ {r['target']}× | "
                     f"{'yes' if r['met'] else 'NO'} | {r.get('note', '')} |")
    table = "\n".join(lines)
    print(table)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / "latest.md").write_text(table + "\n", encoding="utf-8")
    (out / f"{stamp}.json").write_text(json.dumps(rows, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
