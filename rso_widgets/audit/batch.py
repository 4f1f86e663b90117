"""One batch of rows → the output columns (`audit_batch`)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..instruments.rm2000_table import INVALID, NOT_APPLICABLE, SCORED, score_table
from ..instruments.ruleset import RM2000Ruleset
from .classify import classify, details
from .columns import RECORDED_COLUMNS, SCALES, AuditSummary, read_recorded

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
