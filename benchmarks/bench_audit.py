"""Audit of a 1,000,000-row RM2000 export vs `pandas.read_csv` of the same file, and vs
pyarrow's streaming CSV reader (`pyarrow.csv.open_csv`, the reader the audit itself uses, with
the audit's options: every column as text, one thread, 1 MiB blocks) reading it (best of 3 each).
The pyarrow ratio is what the audit adds to reading the file: scoring, comparing, writing.

The file is generated once (cached in benchmarks/results/data/): valid item-level facts, recorded
categories that are right except for ~3 % deliberate mismatches of every cause (calculation,
step 2, /C conversion, eligibility), ~1 % people RM2000 does not apply to, and a few malformed
rows (unreadable cells, impossible counts, a short row).
"""

from __future__ import annotations

import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from rso_widgets.audit import audit_csv
from rso_widgets.instruments.rm2000_table import NOT_APPLICABLE, score_table
from rso_widgets.instruments.ruleset import load_rm2000_ruleset

ROWS = 1_000_000
DATA = Path(__file__).parent / "results" / "data" / f"rm2000_audit_{ROWS}_v2.csv"


def make_export(path: Path, rows: int = ROWS, seed: int = 2000) -> dict[str, int]:
    """Write a realistic export; returns how many of each deliberate fault it holds."""
    rs = load_rm2000_ruleset()
    rng = np.random.default_rng(seed)
    age_now = rng.integers(20, 80, rows)
    sexual = rng.choice([1, 1, 1, 2, 2, 3, 4, 5, 6], rows)
    criminal = sexual + rng.poisson(3, rows)
    facts = {
        "assessment_id": np.char.add("RM-", np.arange(1, rows + 1).astype(str)),
        "sex": np.where(rng.random(rows) < 0.01, "female", "male").astype(object),
        "age_at_assessment": age_now,
        "age_at_commencement": np.maximum(18, age_now - rng.integers(0, 10, rows)),
        "sexual_appearances": sexual, "criminal_appearances": criminal,
        "violent_appearances": np.minimum(criminal, rng.poisson(1, rows)),
        "burglary": rng.random(rows) < 0.15, "male_victim": rng.random(rows) < 0.2,
        "stranger_victim": rng.random(rows) < 0.3, "non_contact": rng.random(rows) < 0.2,
        "single": rng.random(rows) < 0.5, "sexual_offence_aged_17_plus": rng.random(rows) < 0.995,
    }
    t = score_table(pa.table(facts), rs)
    cats = np.array([*rs.categories, ""], dtype=object)
    na = t.status == NOT_APPLICABLE

    def name(codes: np.ndarray) -> np.ndarray:
        return cats[np.where(codes < 0, len(rs.categories), codes)]

    rec = {"s_step1_points": t.s_step1_points.copy(), "s_step1_category": t.s_step1_category.copy(),
           "s_category": t.s_category.copy(), "v_points": t.v_points.copy(),
           "v_category": t.v_category.copy(), "c_points": t.c_points.copy(),
           "c_category": t.c_category.copy()}
    fault = rng.random(rows)
    top = len(rs.categories) - 1
    calc = ~na & (fault < 0.01)  # step 1 added up wrongly (one point too many)
    rec["s_step1_points"][calc] += 1
    step2 = ~na & (fault >= 0.01) & (fault < 0.02) & (t.s_raised_by > 0)  # step 2 not applied
    rec["s_category"][step2] = rec["s_step1_category"][step2]
    conv = ~na & (fault >= 0.02) & (fault < 0.025)  # /C misread from the conversion table
    rec["c_category"][conv] = np.minimum(rec["c_category"][conv] + 1, top)
    v = ~na & (fault >= 0.025) & (fault < 0.03)  # /V total off by two
    rec["v_points"][v] += 2
    both = ~na & (fault >= 0.03) & (fault < 0.032) & (t.s_raised_by > 0)  # step 1 and step 2
    rec["s_step1_points"][both] += 1
    rec["s_category"][both] = rec["s_step1_category"][both]
    elig = na & (fault < 0.3)  # categories recorded for someone RM2000 does not apply to
    for k in ("s_category", "v_category", "c_category"):
        rec[k][elig] = 1
    cols: dict[str, pa.Array] = {}
    for k, vals in facts.items():
        if vals.dtype == bool:
            cols[k] = pa.array(np.where(vals, "yes", "no"))
        else:
            cols[k] = pa.array(vals.astype(str) if vals.dtype != object else vals, pa.string())
    for k, vals in rec.items():
        if k.endswith("points"):
            cols[k] = pa.array(np.where(vals < 0, "", vals.astype(str)), pa.string())
        else:
            cols[k] = pa.array(name(vals), pa.string())
    table = pa.table(cols)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    pacsv.write_csv(table, tmp, pacsv.WriteOptions(quoting_style="none"))
    # A few malformed rows: an unreadable count, an unreadable flag, an impossible record, a
    # recorded category that is no category, and a row with a field missing.
    lines = tmp.read_bytes().split(b"\n")
    header = lines[0].decode().replace('"', "").split(",")
    bad = 0
    for row, col, value in ((1_000, "criminal_appearances", "two"), (50_000, "single", "maybe"),
                            (200_000, "violent_appearances", "99"),
                            (600_000, "s_category", "Moderate"), (900_000, None, None)):
        if row >= rows:
            continue
        cells = lines[row].decode().split(",")
        if col is None:
            cells = cells[:-1]
        else:
            cells[header.index(col)] = value
        lines[row] = ",".join(cells).encode()
        bad += 1
    tmp.write_bytes(b"\n".join(lines))
    tmp.replace(path)
    return {"calculation": int(calc.sum()), "step2": int(step2.sum()), "conversion":
            int(conv.sum()), "v": int(v.sum()), "both": int(both.sum()),
            "eligibility": int(elig.sum()), "malformed": bad}


def _best(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def read_with_pyarrow(path: Path) -> int:
    """Read the whole file the way the audit's reader does (no auditing); returns the rows."""
    with open(path, encoding="utf-8") as fh:
        names = fh.readline().strip().split(",")
    opts = dict(
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=False,
                                       block_size=1 << 20),
        convert_options=pacsv.ConvertOptions(strings_can_be_null=False,
                                             column_types=dict.fromkeys(names, pa.string())),
        parse_options=pacsv.ParseOptions(invalid_row_handler=lambda _row: "skip"))
    rows = 0
    with pacsv.open_csv(pa.OSFile(str(path)), **opts) as reader:
        for batch in reader:
            rows += batch.num_rows
    return rows


def run() -> list[dict]:
    if not DATA.exists():
        make_export(DATA)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.csv"
        with warnings.catch_warnings():  # the malformed cells make pandas guess mixed types
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            baseline = _best(lambda: pd.read_csv(DATA))
        arrow = _best(lambda: read_with_pyarrow(DATA))
        value = _best(lambda: audit_csv(DATA, out, progress=False))
        s = audit_csv(DATA, out, progress=False)
    note = (f"{s.rows:,} rows: {s.mismatched:,} mismatches ({s.by_cause}), "
            f"{s.not_applicable:,} not applicable, {s.malformed:,} malformed")
    return [{"name": "audit rm2000 1M rows vs pandas.read_csv", "value": value,
             "baseline": baseline, "unit": "s", "target": 2.0, "note": note},
            {"name": "audit rm2000 1M rows vs pyarrow.csv.open_csv (the audit's reader, read "
                     "only)", "value": value, "baseline": arrow, "unit": "s", "target": 4.0,
             "note": "beside the pandas baseline: what auditing adds to reading (target set "
                     "before measuring: read + score + write the result, each about one read)"}]


if __name__ == "__main__":
    for r in run():
        print(r, f"ratio {r['value'] / r['baseline']:.2f}")
