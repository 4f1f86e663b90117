"""The audit's input: its columns, the header check, the recorded categories and working, and
the summary."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..inputfiles import NotAFile, check_regular
from ..instruments.rm2000_table import ELIGIBILITY_COLUMNS, REQUIRED_COLUMNS, to_cells
from ..instruments.ruleset import RM2000Ruleset

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
