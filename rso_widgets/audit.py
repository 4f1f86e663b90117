"""Audit recorded RM2000 categories in a CSV export against a recomputation.

Input: a comma-separated UTF-8 file with a header row. Column names are matched ignoring case
and surrounding spaces; other columns are ignored.

- Required items: age_at_commencement, sexual_appearances, criminal_appearances,
  violent_appearances (whole numbers); burglary, male_victim, stranger_victim, non_contact,
  single (true/false, yes/no, y/n or 1/0, any case).
- Required recorded categories: s_category, v_category, c_category — Low, Medium, High or
  Very High (any case); blank, "Not applicable", "N/A" or "NA" mean not applicable.
- Optional eligibility: sex, age_at_assessment, sexual_offence_aged_17_plus. An absent column
  means every row is eligible on that point (the summary names each check so skipped); a blank
  cell in a present column is an error.
- Optional recorded working: s_step1_points, s_step1_category, v_points, c_points (blank = not
  recorded).
- Optional identifiers: assessment_id and any other column named `id` or ending in `_id`,
  copied to the output.

Rows: `row` is the 1-based data row (the header is not counted; every record after it is,
malformed ones included); `line` is the CSV line, row + 1. The line is exact when the file has no
blank lines and no line breaks inside quoted values; the summary says when that does not hold.

A row is malformed when a cell cannot be read (not UTF-8, not a whole number, not a boolean, not
a category: the `error` column names the field and what is valid), when its facts fail the
engine's validation (e.g. criminal < sexual appearances), or when it has the wrong number of
fields. Malformed rows are reported and the rest are still audited.

Output (default FILE.audit.csv next to the input; written to a temporary file in the same folder,
owner-only, then renamed over the target, so a failed audit leaves no partial file): row, line,
the id columns, status (scored | not applicable | malformed), the recorded and the recomputed
categories and points, mismatch (true/false; blank for malformed rows), mismatch_cause,
mismatch_scales (e.g. "S;C"), mismatch_detail (one sentence per finding),
not_applicable_reason, error.

Mismatch causes (a row can have both; `mismatch_cause` is calculation, rule, both or ""):
- calculation — the recorded figures do not follow arithmetically from the recorded items:
  recorded s_step1_points / s_step1_category differ from the recomputed step 1; recorded /V
  points or category differ; or, when step 1 was not recorded, the recorded /S category cannot
  be reached from the recomputed step-1 category by any raise the ruleset allows (0–2).
- rule — a rule was applied wrongly: step 2 (the recorded /S category is not the recorded step-1
  category — or, if step 1 was not recorded, the recomputed one — raised by the number of
  aggravating factors, though it is reachable); the /C conversion (recorded c_category or
  c_points is not the conversion of the *recorded* /S and /V); or eligibility (a category recorded
  for a person RM2000 does not apply to, or "not applicable"/blank for a person it applies to).
A /C difference that follows from a /S or /V difference adds no cause of its own. Recorded
points for a person RM2000 does not apply to are ignored; only their categories are checked.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from tqdm import tqdm

from .inputfiles import NotAFile, check_regular
from .instruments.rm2000_table import (
    ELIGIBILITY_COLUMNS,
    INVALID,
    NOT_APPLICABLE,
    REQUIRED_COLUMNS,
    SCORED,
    TableResult,
    cut_codes,
    score_table,
    to_cells,
)
from .instruments.ruleset import RM2000Ruleset, load_rm2000_ruleset
from .reports.text import FORMULA_START

RECORDED_COLUMNS = ("s_category", "v_category", "c_category")
WORKING_COLUMNS = ("s_step1_points", "s_step1_category", "v_points", "c_points")
OPTIONAL_COLUMNS = (*ELIGIBILITY_COLUMNS, *WORKING_COLUMNS, "assessment_id")
NOT_APPLICABLE_WORDS = frozenset({"", "not applicable", "n/a", "na", "not-applicable"})
SCALES = ("S", "V", "C")
NA = -1  # recorded code for "not applicable" / blank
BAD = -9  # recorded code for text that is no category
BATCH_ROWS = 200_000


class AuditInputError(ValueError):
    """The file cannot be audited at all (exit status 2); the message says why and what is valid."""


@dataclass
class AuditSummary:
    """What the audit found; `text()` is the summary printed by the command."""

    source: Path
    output: Path
    ruleset: str
    rows: int = 0
    scored: int = 0
    not_applicable: int = 0
    malformed: int = 0
    mismatched: int = 0
    by_cause: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("calculation", "rule", "both"), 0))
    by_scale: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCALES, 0))
    malformed_rows: list[int] = field(default_factory=list)  # the first few, for the summary
    lines_exact: bool = True
    skipped_checks: list[str] = field(default_factory=list)  # eligibility checks not made

    def text(self) -> str:
        first = ", ".join(str(r) for r in self.malformed_rows[:10])
        more = ", …" if self.malformed > len(self.malformed_rows[:10]) else ""
        lines = [
            f"Audited {self.source} with ruleset {self.ruleset} → {self.output}",
            f"Rows read: {self.rows:,}",
            f"  scored: {self.scored:,}",
            f"  not applicable: {self.not_applicable:,}",
            f"  malformed: {self.malformed:,}" + (f" (rows {first}{more}; see the error column)"
                                                 if self.malformed else ""),
            f"Mismatches: {self.mismatched:,} row(s)",
            "  by cause: " + ", ".join(f"{k} {v:,}" for k, v in self.by_cause.items()),
            "  by scale: " + ", ".join(f"/{k} {v:,}" for k, v in self.by_scale.items()),
        ]
        if self.skipped_checks:
            lines.append("Eligibility checks skipped (column absent, so every row was taken as "
                         "meeting it; add the column to check it):")
            lines += [f"  {check}" for check in self.skipped_checks]
        if not self.lines_exact:
            lines.append("Note: the file has blank lines or line breaks inside quoted values, so "
                         "the line column may be off; the row column is exact.")
        lines.append("A mismatch is a finding to review with the assessor, not a verdict.")
        return "\n".join(lines)


# --- header ---------------------------------------------------------------------------------


def _contract() -> str:
    return (f"required columns: {', '.join(REQUIRED_COLUMNS + RECORDED_COLUMNS)}; "
            f"optional: {', '.join(OPTIONAL_COLUMNS)}")


def read_header(path: Path) -> list[str]:
    """Column names, normalised (lower case, trimmed); AuditInputError if unusable."""
    try:
        check_regular(path)  # a FIFO or a device would block or never end
        with open(path, "rb") as f:
            first = f.readline(1 << 20)  # the header is the first line
        row = next(csv.reader([first.decode("utf-8-sig").rstrip("\r\n")]), None)
    except NotAFile as exc:
        raise AuditInputError(str(exc).replace("give a file", "give the CSV export")) from None
    except OSError as exc:
        raise AuditInputError(f"{path}: cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise AuditInputError(f"{path}: the header is not UTF-8 text; save the export as "
                              "'CSV UTF-8'") from None
    except csv.Error as exc:
        raise AuditInputError(f"{path}: the header row is not valid CSV ({exc})") from None
    if row is None or not any(c.strip() for c in row):
        raise AuditInputError(f"{path} is empty: expected a header row and one row per "
                              f"assessment; {_contract()}")
    names = [c.strip().lower() for c in row]
    known = set(REQUIRED_COLUMNS + RECORDED_COLUMNS + OPTIONAL_COLUMNS)
    twice = sorted({n for n in names if names.count(n) > 1 and (n in known or _is_id(n))})
    if twice:
        raise AuditInputError(f"{path}: column(s) named more than once: {', '.join(twice)}")
    missing = [c for c in REQUIRED_COLUMNS + RECORDED_COLUMNS if c not in names]
    if missing:
        raise AuditInputError(
            f"{path}: missing required column(s): {', '.join(missing)}. The header has: "
            f"{', '.join(names)}. Valid: {_contract()}")
    seen: dict[str, int] = {}
    unique = []
    for n in names:  # unknown duplicates are ignored, but Arrow needs distinct names
        seen[n] = seen.get(n, 0) + 1
        unique.append(n if seen[n] == 1 else f"{n}~{seen[n]}")
    return unique


def skipped_eligibility_checks(names: list[str], rs: RM2000Ruleset) -> list[str]:
    """One line per eligibility check the file's columns do not allow."""
    el = rs.eligibility
    checks = {
        "sex": f"sex: not checked that the person is {el.sex}",
        "age_at_assessment": "age_at_assessment: not checked that the person was "
                             f"{el.min_age_at_assessment} or over at assessment",
        "sexual_offence_aged_17_plus": "sexual_offence_aged_17_plus: not checked that a sexual "
                                       f"offence was committed aged {el.min_age_at_sexual_offence}"
                                       " or over",
    }
    return [text for column, text in checks.items() if column not in names]


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith("_id")


# --- recorded values ------------------------------------------------------------------------


def recorded_codes(column: Any, categories: list[str]) -> np.ndarray:
    """Category code per cell: index into `categories`, NA for blank/not applicable, BAD."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    enc = pc.dictionary_encode(arr)
    lookup = {c.casefold(): i for i, c in enumerate(categories)}

    def code(v: str) -> int:
        word = " ".join(v.split()).casefold()
        return NA if word in NOT_APPLICABLE_WORDS else lookup.get(word, BAD)

    per = np.array([code(v) for v in enc.dictionary.to_pylist()] + [NA], dtype=np.int8)
    idx = pc.fill_null(enc.indices, len(per) - 1).to_numpy(zero_copy_only=False)
    return per[idx]


@dataclass
class Recorded:
    """The recorded categories and working of a batch, with each unreadable cell named."""

    s: np.ndarray
    v: np.ndarray
    c: np.ndarray
    s1c: np.ndarray  # NA when not recorded
    points: dict[str, tuple[np.ndarray, np.ndarray]]  # name → (value, given)
    errors: dict[int, list[str]]


def read_recorded(batch: pa.Table, categories: list[str]) -> Recorded:
    n = batch.num_rows
    errors: dict[int, list[str]] = {}
    codes = {}
    valid = ", ".join(categories)
    for name in (*RECORDED_COLUMNS, "s_step1_category"):
        if name not in batch.column_names:
            codes[name] = np.full(n, NA, np.int8)
            continue
        codes[name] = c = recorded_codes(batch.column(name), categories)
        for i in np.flatnonzero(c == BAD).tolist():
            errors.setdefault(i, []).append(
                f"{name}: {batch.column(name)[i].as_py()!r} is not an RM2000 category; use "
                f"{valid}, or leave blank / 'Not applicable'")
    points = {}
    for name in ("s_step1_points", "v_points", "c_points"):
        if name not in batch.column_names:
            points[name] = (np.zeros(n, np.int64), np.zeros(n, bool))
            continue
        cells = to_cells(batch.column(name), "int")
        for i in np.flatnonzero(cells.bad).tolist():
            errors.setdefault(i, []).append(
                f"{name}: must be a whole number (e.g. 3) or blank, not {cells.raw(i)!r}")
        points[name] = (cells.values, cells.ok)
    return Recorded(codes["s_category"], codes["v_category"], codes["c_category"],
                    codes["s_step1_category"], points, errors)


# --- classification -------------------------------------------------------------------------


@dataclass
class Findings:
    """Per-row mismatch masks (only rows that could be compared are ever True)."""

    scale: dict[str, np.ndarray]
    calculation: np.ndarray
    rule: np.ndarray
    parts: dict[str, np.ndarray]  # which sentence each row needs, for the detail

    @property
    def mismatch(self) -> np.ndarray:
        return self.scale["S"] | self.scale["V"] | self.scale["C"]

    def cause_codes(self) -> np.ndarray:
        """0 none, 1 calculation, 2 rule, 3 both."""
        return (self.calculation.astype(np.int8) + 2 * self.rule.astype(np.int8)).astype(np.int8)


def classify(rs: RM2000Ruleset, t: TableResult, rec: Recorded, comparable: np.ndarray) -> Findings:
    """Compare recorded with recomputed values and name each difference's cause."""
    assert rs.s.step2 is not None
    top = len(rs.categories) - 1
    max_raise = max(r.steps for r in rs.s.step2.raise_)
    scored = comparable & (t.status == SCORED)
    na_row = comparable & (t.status == NOT_APPLICABLE)
    recs = {"S": rec.s, "V": rec.v, "C": rec.c}
    elig = {k: (na_row & (r >= 0)) | (scored & (r == NA)) for k, r in recs.items()}

    # /S: step 1 as recorded, then step 2 from what was recorded.
    s1p, s1p_given = rec.points["s_step1_points"]
    s1c_given = rec.s1c >= 0
    a = scored & (rec.s >= 0)
    calc_s1 = a & ((s1p_given & (s1p != t.s_step1_points))
                   | (s1c_given & (rec.s1c != t.s_step1_category)))
    s1_top = rs.s.cuts[-1].max
    p_ok = s1p_given & (s1p >= 0) & (s1p <= s1_top)
    base = np.where(s1c_given, rec.s1c,
                    np.where(p_ok, cut_codes(rs, rs.s.cuts, np.clip(s1p, 0, s1_top)), -1))
    expected = np.minimum(base + t.s_raised_by, top)
    rule_s_rec = a & (base >= 0) & (rec.s != expected)
    s_wrong = a & (rec.s != t.s_category)
    unrecorded = a & ~s1p_given & ~s1c_given
    reach = (rec.s >= t.s_step1_category) & (rec.s - t.s_step1_category <= max_raise)
    rule_s_guess = unrecorded & s_wrong & reach
    calc_s_guess = unrecorded & s_wrong & ~reach

    # /V: arithmetic only.
    vp, vp_given = rec.points["v_points"]
    b = scored & (rec.v >= 0)
    calc_v = b & ((vp_given & (vp != t.v_points)) | (rec.v != t.v_category))

    # /C: the conversion of the recorded /S and /V.
    conv = np.array([rs.c.conversion[c] for c in rs.categories], dtype=np.int64)
    cp, cp_given = rec.points["c_points"]
    c = scored & (rec.c >= 0)
    both_sv = (rec.s >= 0) & (rec.v >= 0)
    conv_points = conv[np.clip(rec.s, 0, top)] + conv[np.clip(rec.v, 0, top)]
    conv_cat = cut_codes(rs, rs.c.cuts, conv_points)
    rule_c = c & both_sv & ((rec.c != conv_cat) | (cp_given & (cp != conv_points)))
    c_wrong = c & ((rec.c != t.c_category) | (cp_given & (cp != t.c_points)))

    any_elig = elig["S"] | elig["V"] | elig["C"]
    return Findings(
        scale={"S": calc_s1 | s_wrong | elig["S"], "V": calc_v | elig["V"],
               "C": c_wrong | rule_c | elig["C"]},
        calculation=calc_s1 | calc_s_guess | calc_v,
        rule=rule_s_rec | rule_s_guess | rule_c | any_elig,
        parts={"elig_na": na_row & any_elig, "elig_scored": scored & any_elig,
               "calc_s1": calc_s1, "rule_s_rec": rule_s_rec, "rule_s_guess": rule_s_guess,
               "calc_s_guess": calc_s_guess, "calc_v": calc_v, "rule_c": rule_c,
               "c_follows": c_wrong & ~rule_c, "conv_points": conv_points,
               "conv_cat": conv_cat, "base": base, "expected": expected})


def details(rs: RM2000Ruleset, t: TableResult, rec: Recorded, f: Findings,
            rows: np.ndarray) -> list[str]:
    """One human sentence per mismatched row (built only for those rows)."""
    assert rs.s.step2 is not None
    cats = [*rs.categories, "not applicable"]
    max_raise = max(r.steps for r in rs.s.step2.raise_)

    def col(a: np.ndarray) -> list:
        return a[rows].tolist()

    p = {k: col(v) for k, v in f.parts.items()}
    r = {k: col(getattr(t, k)) for k in ("s_step1_points", "s_step1_category",
                                         "aggravating_factors", "s_raised_by", "s_category",
                                         "v_points", "v_category", "c_points", "c_category")}
    rs_, rv, rc, rs1c = col(rec.s), col(rec.v), col(rec.c), col(rec.s1c)
    (s1p, s1g), (vp, vg), (cp, cg) = ((col(v), col(g)) for v, g in (
        rec.points["s_step1_points"], rec.points["v_points"], rec.points["c_points"]))
    out = []
    for j, i in enumerate(rows.tolist()):
        parts = []
        if p["elig_na"][j]:
            given = [f"/{k} {cats[x]}" for k, x in zip(SCALES, (rs_[j], rv[j], rc[j]),
                                                         strict=True) if x >= 0]
            parts.append(f"{', '.join(given)} recorded, but RM2000 does not apply: "
                         f"{t.reasons.get(i, '')}")
        if p["elig_scored"][j]:
            blank = [f"/{k}" for k, x in zip(SCALES, (rs_[j], rv[j], rc[j]), strict=True)
                     if x < 0]
            parts.append(f"{', '.join(blank)} recorded as not applicable, but RM2000 applies "
                         f"to the person.")
        cat = {k: cats[r[k][j]] for k in ("s_step1_category", "s_category", "v_category",
                                          "c_category")}
        n, k = r["aggravating_factors"][j], r["s_raised_by"][j]
        factors = f"{n} aggravating factor{'' if n == 1 else 's'}"
        if p["calc_s1"][j]:
            said = " ".join(filter(None, (_points(s1p[j]) if s1g[j] else "",
                                          f"({cats[rs1c[j]]})" if rs1c[j] >= 0 else "")))
            parts.append(f"/S step 1 recorded as {said}, but the items give "
                         f"{_points(r['s_step1_points'][j])} ({cat['s_step1_category']}).")
        if p["rule_s_rec"][j]:
            parts.append(f"/S step 2 misapplied: {factors} raise {cats[p['base'][j]]} by {k} "
                         f"to {cats[p['expected'][j]]}, but /S {cats[rs_[j]]} was recorded.")
        if p["rule_s_guess"][j]:
            parts.append(f"/S recorded as {cats[rs_[j]]}, but step 1 gives "
                         f"{cat['s_step1_category']} and {factors} raise it by {k} to "
                         f"{cat['s_category']} (step 2 misapplied).")
        if p["calc_s_guess"][j]:
            parts.append(f"/S recorded as {cats[rs_[j]]}, which step 1 "
                         f"({_points(r['s_step1_points'][j])}, {cat['s_step1_category']}) cannot "
                         f"reach with a raise of 0–{max_raise}; recomputed /S {cat['s_category']}.")
        if p["calc_v"][j]:
            said = f"{_points(vp[j])} ({cats[rv[j]]})" if vg[j] else cats[rv[j]]
            parts.append(f"/V recorded as {said}, but the items give "
                         f"{_points(r['v_points'][j])} ({cat['v_category']}).")
        if p["rule_c"][j]:
            said = f"{_points(cp[j])} ({cats[rc[j]]})" if cg[j] else cats[rc[j]]
            parts.append(f"/C conversion misapplied: recorded /S {cats[rs_[j]]} and /V "
                         f"{cats[rv[j]]} give {_points(p['conv_points'][j])} "
                         f"({cats[p['conv_cat'][j]]}), but /C {said} was recorded.")
        elif p["c_follows"][j]:
            parts.append(f"/C recorded as {cats[rc[j]]} follows from the recorded /S and /V; "
                         f"recomputed /C {cat['c_category']} ({_points(r['c_points'][j])}).")
        out.append(" ".join(parts))
    return out


def _points(n: int) -> str:
    return f"{n} point{'' if n == 1 else 's'}"


# --- one batch → output columns -------------------------------------------------------------

CAUSE_NAMES = (None, "calculation", "rule", "both")
STATUS_OUT = ("scored", "not applicable", "malformed")


def _text(n: int, at: np.ndarray, values: list[str]) -> pa.Array:
    out = np.full(n, None, dtype=object)
    out[at] = values
    return pa.array(out, type=pa.string())


def _names(codes: np.ndarray, names: list[str]) -> pa.Array:
    table = pa.array([*names, None], type=pa.string())
    return table.take(pa.array(np.where(codes < 0, len(names), codes).astype(np.int32)))


def _ints(values: np.ndarray, valid: np.ndarray) -> pa.Array:
    return pa.array(values.astype(np.int64), mask=~valid)


def audit_batch(rs: RM2000Ruleset, batch: pa.Table, rows: np.ndarray, ids: list[str],
                summary: AuditSummary, lossy: bool = False) -> pa.Table:
    """Audit one batch of rows (string columns); update the summary; return the output rows.
    `lossy`: the file was read with bytes that are not UTF-8 shown as U+FFFD; such cells are
    named as errors."""
    n = batch.num_rows
    text_errors = _replaced_cells(batch) if lossy else {}
    t = score_table(batch, rs)
    rec = read_recorded(batch, list(rs.categories))
    for i, problems in text_errors.items():
        rec.errors.setdefault(i, [])[:0] = problems
    bad_rec = np.zeros(n, bool)
    bad_rec[list(rec.errors)] = True
    malformed = (t.status == INVALID) | bad_rec
    f = classify(rs, t, rec, ~malformed)
    mismatch = f.mismatch
    cause = f.cause_codes()

    status = np.where(malformed, 2, np.where(t.status == NOT_APPLICABLE, 1, 0))
    bad_rows = np.flatnonzero(malformed)
    errors = ["; ".join(filter(None, (t.error_text(i), "; ".join(rec.errors.get(i, [])))))
              for i in bad_rows.tolist()]
    mis_rows = np.flatnonzero(mismatch)
    na_rows = np.flatnonzero(t.status == NOT_APPLICABLE)
    scored = t.status == SCORED
    cats = list(rs.categories)

    summary.rows += n
    summary.scored += int((status == 0).sum())
    summary.not_applicable += int((status == 1).sum())
    summary.malformed += len(bad_rows)
    _note_malformed(summary, rows[bad_rows[:10]].tolist())
    summary.mismatched += len(mis_rows)
    for code, name in enumerate(CAUSE_NAMES):
        if name:
            summary.by_cause[name] += int((cause == code).sum())
    for k in SCALES:
        summary.by_scale[k] += int(f.scale[k].sum())

    scales = np.array([None, "S", "V", "S;V", "C", "S;C", "V;C", "S;V;C"], dtype=object)
    scale_code = f.scale["S"] + 2 * f.scale["V"].astype(int) + 4 * f.scale["C"].astype(int)
    cols: dict[str, pa.Array] = {
        "row": pa.array(rows, pa.int64()), "line": pa.array(rows + 1, pa.int64())}
    for name in ids:
        cols[name] = batch.column(name).combine_chunks()
    cols |= {
        "status": _names(status, list(STATUS_OUT)),
        **{f"recorded_{k}": batch.column(k).combine_chunks() for k in RECORDED_COLUMNS},
        "recomputed_s_step1_points": _ints(t.s_step1_points, scored),
        "recomputed_s_step1_category": _names(t.s_step1_category, cats),
        "recomputed_s_category": _names(t.s_category, cats),
        "recomputed_v_points": _ints(t.v_points, scored),
        "recomputed_v_category": _names(t.v_category, cats),
        "recomputed_c_points": _ints(t.c_points, scored),
        "recomputed_c_category": _names(t.c_category, cats),
        "mismatch": pa.array(mismatch, mask=malformed),
        "mismatch_cause": _names(np.where(cause == 0, -1, cause - 1),
                                 ["calculation", "rule", "both"]),
        "mismatch_scales": pa.array(np.where(malformed, None, scales[scale_code]),
                                    type=pa.string()),
        "mismatch_detail": _text(n, mis_rows, details(rs, t, rec, f, mis_rows)),
        "not_applicable_reason": _text(n, na_rows, [t.reasons[i] for i in na_rows.tolist()]),
        "error": _text(n, bad_rows, errors),
    }
    return pa.table(cols, schema=_schema(ids))


def _replaced_cells(batch: pa.Table) -> dict[int, list[str]]:
    """Each cell holding U+FFFD (bytes that were not UTF-8, in a file read lossily), named."""
    errors: dict[int, list[str]] = {}
    for name in batch.column_names:
        hit = pc.fill_null(pc.match_substring(batch.column(name), "\ufffd"), False)
        for i in np.flatnonzero(hit.to_numpy(zero_copy_only=False)).tolist():
            errors.setdefault(i, []).append(
                f"{name}: not UTF-8 text; save the export as 'CSV UTF-8'")
    return errors


def _lossy_utf8(name: str) -> codecs.CodecInfo | None:
    """A codec for Arrow's reader: UTF-8 with undecodable bytes shown as U+FFFD, so that a row
    that is both ragged and not UTF-8 is still reported (Arrow decodes the text of a ragged row
    before handing it to us) and the rest of the file is audited."""
    if name != LOSSY_UTF8:
        return None
    return codecs.CodecInfo(
        codecs.utf_8_encode, lambda b, errors="strict": codecs.utf_8_decode(b, "replace", True),
        incrementaldecoder=lambda errors="strict": codecs.getincrementaldecoder("utf-8")(
            "replace"), name=LOSSY_UTF8)


LOSSY_UTF8 = "rso_workbook_utf8_replace"
codecs.register(_lossy_utf8)


def inert(table: pa.Table) -> pa.Table:
    """Every text cell a spreadsheet could run as a formula made inert with a leading
    apostrophe: the rule of the exports (`reports.tables.neutralise`), on whole columns."""
    pattern = "^ *[" + "".join(re.escape(c) for c in FORMULA_START) + "]"
    columns = []
    for col in table.columns:
        if pa.types.is_string(col.type):
            hit = pc.fill_null(pc.match_substring_regex(col, pattern), False)
            if pc.any(hit).as_py():
                col = pc.if_else(hit, pc.binary_join_element_wise("'", col, ""), col)
        columns.append(col)
    return pa.table(columns, schema=table.schema)


def _short_row_output(s: Any, names: list[str], ids: list[str],
                      schema: pa.Schema) -> pa.Table:
    """The output row for a record with the wrong number of fields."""
    fields = next(csv.reader([s.text]), [])
    values: dict[str, Any] = {"row": s.row, "line": None if s.row is None else s.row + 1,
                              "status": "malformed"}
    for name in ids:
        k = names.index(name)
        values[name] = fields[k] if k < len(fields) else None
    values["error"] = (f"the row has {s.actual} field(s) but the header has {s.expected}; "
                       "check for a missing, extra or unquoted comma" + (
                           "; it is also not UTF-8 text: save the export as 'CSV UTF-8'"
                           if "\ufffd" in s.text else ""))
    return pa.table({f.name: pa.array([values.get(f.name)], f.type) for f in schema})


# --- the file -------------------------------------------------------------------------------


def default_output(path: Path) -> Path:
    """FILE.csv → FILE.audit.csv, next to the input."""
    stem = path.name[:-4] if path.name.lower().endswith(".csv") else path.name
    return path.with_name(f"{stem}.audit.csv")


def audit_csv(path: str | Path, out: str | Path | None = None,
              ruleset: RM2000Ruleset | None = None, progress: bool = False,
              batch_rows: int = BATCH_ROWS) -> AuditSummary:
    """Audit a CSV file, writing every row's finding to `out` (atomically). Raises
    AuditInputError (nothing written) when the file cannot be audited at all."""
    rs = ruleset or load_rm2000_ruleset()
    path = Path(path)
    out = Path(out) if out else default_output(path)
    names = read_header(path)
    if out.resolve() == path.resolve():
        raise AuditInputError(f"{out}: the output would overwrite the input; choose another "
                              "name with -o")
    if not out.parent.is_dir():
        raise AuditInputError(f"{out}: cannot write the output; folder {out.parent} does not "
                              "exist")
    known = set(REQUIRED_COLUMNS + RECORDED_COLUMNS + OPTIONAL_COLUMNS)
    ids = [n for n in names if _is_id(n)]
    wanted = [n for n in names if n in known or n in ids]
    summary = AuditSummary(source=path, output=out, ruleset=rs.ref,
                           skipped_checks=skipped_eligibility_checks(names, rs))

    try:
        fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as exc:
        raise AuditInputError(f"{out}: cannot write the output ({exc.strerror})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with tqdm(total=path.stat().st_size, unit="B", unit_scale=True, unit_divisor=1024,
                  desc=f"auditing {path.name}", disable=not progress, leave=False) as bar:
            try:
                with _quiet_ragged_bytes():
                    _stream(path, tmp, names, wanted, ids, rs, summary, bar, batch_rows)
            except _NotUtf8:  # rare: start again, showing bytes that are not UTF-8 as U+FFFD
                summary = AuditSummary(source=path, output=out, ruleset=rs.ref,
                                       skipped_checks=summary.skipped_checks)
                bar.reset()
                _stream(path, tmp, names, wanted, ids, rs, summary, bar, batch_rows,
                        lossy=True)
        if summary.rows == 0:
            raise AuditInputError(f"{path} has a header but no data rows; {_contract()}")
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return summary


def _bytes_per_line(path: Path) -> float:
    """Average line length over the first MiB: turns rows audited into progress in bytes."""
    with open(path, "rb") as f:
        head = f.read(1 << 20)
    return len(head) / max(1, head.count(b"\n"))


def _count_lines(path: Path) -> int:
    """Physical lines in the file (a last line without a line break counts)."""
    count, last = 0, b""
    with open(path, "rb", buffering=0) as f:
        while chunk := f.read(8 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (1 if last not in (b"\n", b"") else 0)


class _Short(NamedTuple):
    """A record with the wrong number of fields (skipped by Arrow, reported by us)."""

    row: int | None
    text: str
    expected: int
    actual: int


@contextlib.contextmanager
def _quiet_ragged_bytes() -> Iterator[None]:
    """Arrow decodes a ragged row's text before calling our handler; when that text is not
    UTF-8 it prints the decoding error as "Exception ignored" and fails the read, which we then
    retry lossily. Keep that expected error off the user's terminal."""
    previous = sys.unraisablehook

    def hook(info: Any) -> None:
        if not isinstance(info.exc_value, UnicodeDecodeError):
            previous(info)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


class _NotUtf8(Exception):
    """A cell that is not UTF-8: the fast (text) read cannot go on."""


def _stream(path: Path, tmp: Path, names: list[str], wanted: list[str], ids: list[str],
            rs: RM2000Ruleset, summary: AuditSummary, bar: tqdm, batch_rows: int,
            lossy: bool = False) -> None:
    """Read in batches while the previous batch is audited and the one before is written."""
    short: list[_Short] = []  # in file order: Arrow parses one block after another

    def on_invalid(row: Any) -> str:
        short.append(_Short(None if row.number is None else row.number - 1, row.text,
                            row.expected_columns, row.actual_columns))
        return "skip"

    source = pa.OSFile(str(path))
    opts = dict(
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=False,
                                       block_size=1 << 20,
                                       encoding=LOSSY_UTF8 if lossy else "utf8"),
        convert_options=pacsv.ConvertOptions(include_columns=wanted, strings_can_be_null=False,
                                             column_types=dict.fromkeys(wanted, pa.string())),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid))
    writer: pacsv.CSVWriter | None = None
    parsed, emitted, done, read = 0, 0, 0, 0
    per_row = _bytes_per_line(path)

    def unreadable(exc: Exception) -> Exception:
        if not lossy:  # not UTF-8 (maybe in a ragged row, which Arrow cannot hand over)
            return _NotUtf8()
        return AuditInputError(f"{path}: cannot be read as CSV after data row {read:,} ({exc}); "
                               "save the export as 'CSV UTF-8' with one header row")

    try:
        try:
            reader = pacsv.open_csv(source, **opts)
        except pa.ArrowInvalid as exc:
            raise unreadable(exc) from None

        def next_chunk() -> pa.Table | None:
            nonlocal read
            batches, size = [], 0
            try:
                for rb in reader:
                    batches.append(rb)
                    size += rb.num_rows
                    if size >= batch_rows:
                        break
            except pa.ArrowInvalid as exc:
                raise unreadable(exc) from None
            read += size
            return pa.Table.from_batches(batches) if batches else None

        def write(table: pa.Table) -> None:
            nonlocal writer
            if writer is None:
                writer = pacsv.CSVWriter(str(tmp), table.schema)
            writer.write_table(inert(table))

        with ThreadPoolExecutor(1) as reading, ThreadPoolExecutor(1) as writing:
            coming = reading.submit(next_chunk)
            lines = writing.submit(_count_lines, path)
            written = None
            while True:
                chunk = coming.result()
                if chunk is not None:
                    coming = reading.submit(next_chunk)
                parts = []
                if chunk is not None:
                    known = np.array([s.row for s in short if s.row is not None], np.int64)
                    before = known - 1 - np.arange(len(known))  # parsed rows before each
                    p = parsed + np.arange(chunk.num_rows, dtype=np.int64)
                    rows = p + 1 + np.searchsorted(before, p, side="right")
                    parsed += chunk.num_rows
                    parts.append(audit_batch(rs, chunk, rows, ids, summary, lossy))
                upto = int(parts[0].column("row")[-1].as_py()) if parts else None
                due = [s for s in short[emitted:]
                       if upto is None or (s.row is not None and s.row <= upto)]
                if due:
                    emitted += len(due)
                    parts += [_short_row_output(s, names, ids, _schema(ids)) for s in due]
                    summary.rows += len(due)
                    summary.malformed += len(due)
                    _note_malformed(summary, [s.row for s in due if s.row is not None])
                if parts:
                    out = pa.concat_tables(parts)
                    if len(parts) > 1:
                        out = out.take(pc.sort_indices(out["row"]))
                    if written is not None:
                        written.result()
                    written = writing.submit(write, out)
                # By rows audited (Arrow reads well ahead), in bytes at the file's bytes per row.
                position = bar.total if chunk is None else min(bar.total, int(
                    summary.rows * per_row))
                bar.update(position - done)
                done = position
                if chunk is None:
                    break
            if written is not None:
                written.result()
            if writer is None:
                write(_schema(ids).empty_table())
            summary.lines_exact = lines.result() == summary.rows + 1
    finally:
        if writer is not None:
            writer.close()
        source.close()


def _note_malformed(summary: AuditSummary, rows: list[int]) -> None:
    summary.malformed_rows = sorted(summary.malformed_rows + rows)[:10]


def _schema(ids: list[str]) -> pa.Schema:
    """The output columns, in order (used when no batch fixed them)."""
    fields = [("row", pa.int64()), ("line", pa.int64()), *((i, pa.string()) for i in ids),
              ("status", pa.string()),
              *((f"recorded_{k}", pa.string()) for k in RECORDED_COLUMNS),
              ("recomputed_s_step1_points", pa.int64()),
              ("recomputed_s_step1_category", pa.string()),
              ("recomputed_s_category", pa.string()), ("recomputed_v_points", pa.int64()),
              ("recomputed_v_category", pa.string()), ("recomputed_c_points", pa.int64()),
              ("recomputed_c_category", pa.string()), ("mismatch", pa.bool_()),
              ("mismatch_cause", pa.string()), ("mismatch_scales", pa.string()),
              ("mismatch_detail", pa.string()), ("not_applicable_reason", pa.string()),
              ("error", pa.string())]
    return pa.schema(fields)
