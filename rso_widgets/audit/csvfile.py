"""The file: read the CSV in batches (Arrow), audit each batch, write the output atomically
with every formula made inert (`audit_csv`)."""

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
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from tqdm import tqdm

from ..instruments.rm2000_table import REQUIRED_COLUMNS
from ..instruments.ruleset import RM2000Ruleset, load_rm2000_ruleset
from ..reports.text import FORMULA_START
from .batch import _note_malformed, _schema, audit_batch
from .columns import (
    BATCH_ROWS,
    OPTIONAL_COLUMNS,
    RECORDED_COLUMNS,
    AuditInputError,
    AuditSummary,
    _contract,
    _is_id,
    read_header,
    skipped_eligibility_checks,
)


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
