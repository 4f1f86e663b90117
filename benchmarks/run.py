"""Run every benchmark (`benchmarks/bench_*.py`) and print a table of results against targets.

Each module offers `run() -> list[dict]`; each dict has `name`, `value`, `baseline` (measured in
the same run, same way; None when the target is absolute), `unit`, `target` and optional `note`
and `kind`:
- `kind` "ratio" (the default): met when value ÷ baseline ≤ target;
- `kind` "max": met when value ≤ target (an absolute bound, e.g. 0 failed joins);
- `target` None: reported only (never fails `--check`).
Every row gets a machine-readable `met` (True/False/None) in the JSON written to results/.
Usage: `python benchmarks/run.py [--check] [NAME ...]` or `rso-workbook bench [--check] [NAME ...]`.
Exit status: 0; with `--check`, 1 when any target is missed (2 when a benchmark crashed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import math
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).parent


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def judge(row: dict) -> dict:
    """Add `ratio` and `met` to a benchmark row (see the module doc)."""
    kind = row.setdefault("kind", "ratio")
    value, baseline, target = row["value"], row.get("baseline"), row.get("target")
    row["ratio"] = value / baseline if baseline else float("nan")
    if target is None:
        row["met"] = None
    elif kind == "max":
        row["met"] = bool(value <= target)
    else:
        row["met"] = bool(not math.isnan(row["ratio"]) and row["ratio"] <= target)
    return row


def _fmt(x: float | None, unit: str) -> str:
    return "—" if x is None else f"{x:.3f} {unit}"


def table(rows: list[dict]) -> str:
    lines = ["| benchmark | measure | value | baseline | ratio | target | met | note |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        unit = r["unit"]
        target = ("—" if r["target"] is None else
                  f"≤ {r['target']:g} {unit}" if r["kind"] == "max" else f"≤ {r['target']:g}×")
        ratio = "—" if math.isnan(r["ratio"]) else f"{r['ratio']:.2f}×"
        met = {True: "yes", False: "NO", None: "—"}[r["met"]]
        lines.append(f"| {r['benchmark']} | {r['name']} | {_fmt(r['value'], unit)} | "
                     f"{_fmt(r.get('baseline'), unit)} | {ratio} | {target} | {met} | "
                     f"{r.get('note', '')} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when any benchmark target is missed")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    rows, crashed = [], []
    for path in sorted(HERE.glob("bench_*.py")):
        short = path.stem.removeprefix("bench_")
        if args.names and short not in args.names:
            continue
        print(f"running {short} …", file=sys.stderr, flush=True)
        try:
            results = _load(path).run()
        except Exception:
            traceback.print_exc()
            crashed.append(short)
            continue
        rows += [judge({"benchmark": short, **row}) for row in results]
    text = table(rows)
    print(text)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / "latest.md").write_text(text + "\n", encoding="utf-8")
    (out / f"{stamp}.json").write_text(json.dumps(rows, indent=2, default=str), encoding="utf-8")
    missed = [f"{r['benchmark']}: {r['name']}" for r in rows if r["met"] is False]
    if crashed:
        print(f"benchmarks that crashed: {', '.join(crashed)}", file=sys.stderr)
    if missed:
        print("targets missed:\n  " + "\n  ".join(missed), file=sys.stderr)
    if args.check and crashed:
        return 2
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
