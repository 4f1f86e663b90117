"""CSV and XLSX exports for analysis: one row per assessment version, one row per practice attempt.

Marking: every row carries a first column `classification` = OFFICIAL-SENSITIVE, so the marking
survives filtering, copying and loading into other tools while the CSV stays a plain table. XLSX
files also carry it in the print header and footer, the document properties and an "About" sheet.
Formula injection is neutralised (OWASP): a text cell starting with = + - @ tab or CR gets a
leading apostrophe, in CSV and XLSX alike. Files are written atomically, owner-only, and each
export is audited (`store.log_export`) before the file appears.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..instruments.arms import check
from ..store.models import PracticeAttempt
from .files import atomic_target
from .payload import read_payload
from .text import FORMULA_START, HANDLING, MARKING, code

if TYPE_CHECKING:
    from ..store import Store

Format = Literal["csv", "xlsx"]
CLASSIFICATION = "classification"
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet could run as a formula, made inert with a leading
    apostrophe; leading spaces are looked through. Other values are returned unchanged."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_START):
        return "'" + value
    return value


def _cell_text(value: Any, xlsx: bool) -> Any:
    if not isinstance(value, str):
        return value
    value = _SURROGATE.sub(lambda m: code(m.group()), value)  # cannot be encoded at all
    if xlsx:  # characters the XLSX format forbids
        value = _XLSX_ILLEGAL.sub(lambda m: code(m.group()), value)
    return neutralise(value)


def safe_frame(df: pd.DataFrame, *, xlsx: bool = False) -> pd.DataFrame:
    """A copy with every text cell (and column name) neutralised for spreadsheets."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: _cell_text(v, xlsx))
    out.columns = [_cell_text(str(c), xlsx) for c in out.columns]
    return out


def _utc(t: dt.datetime | None) -> dt.datetime | None:
    """Naive UTC to the second: spreadsheets cannot hold time zones."""
    if t is None:
        return None
    t = t.astimezone(dt.UTC) if t.tzinfo else t
    return t.replace(tzinfo=None, microsecond=0)


ASSESSMENT_COLUMNS = [
    CLASSIFICATION, "person_id", "person_ref", "fictional", "assessment_id", "kind", "version",
    "latest_version", "is_latest", "author", "created_at_utc", "reason", "ruleset",
    "rm2000_applicable", "rm2000_s", "rm2000_v", "rm2000_c", "arms_assessed_on",
    "arms_priority", "arms_gaps", "plan_actions", "review_due", "sign_state", "signed_by",
    "signed_at_utc", "countersigned_by", "countersigned_at_utc"]

ATTEMPT_COLUMNS = [
    CLASSIFICATION, "attempt_id", "user", "case_id", "attempted_at_utc", "ruleset",
    "agrees_with_key", "categories_agreeing", "s_trainee", "s_key", "v_trainee", "v_key",
    "c_trainee", "c_key", "errors", "error_types"]


def assessments_frame(store: Store) -> pd.DataFrame:
    """One row per assessment version, every person, oldest first."""
    rows = []
    for person in store.list_persons():
        for a in store.assessments_for(person.id):
            for v in store.versions(a.id):
                parts = read_payload(v.data, v.kind)
                rm, arms = parts.rm2000, parts.arms
                state = ("countersigned" if v.countersigned_by else
                         "signed" if v.signed_by else "not signed")
                rows.append({
                    CLASSIFICATION: MARKING, "person_id": person.id,
                    "person_ref": person.reference, "fictional": person.fictional,
                    "assessment_id": a.id, "kind": v.kind, "version": v.version,
                    "latest_version": a.latest_version, "is_latest": v.version ==
                    a.latest_version, "author": v.author, "created_at_utc": _utc(v.created_at),
                    "reason": v.reason, "ruleset": v.ruleset,
                    "rm2000_applicable": None if rm is None else rm.applicable,
                    "rm2000_s": rm.s.category if rm and rm.s else None,
                    "rm2000_v": rm.v.category if rm and rm.v else None,
                    "rm2000_c": rm.c.category if rm and rm.c else None,
                    "arms_assessed_on": arms.assessed_on if arms else None,
                    "arms_priority": arms.priority.level if arms else None,
                    "arms_gaps": len(check(arms)) if arms else None,
                    "plan_actions": len(parts.plan.actions) if parts.plan else None,
                    "review_due": a.review_due, "sign_state": state,
                    "signed_by": v.signed_by, "signed_at_utc": _utc(v.signed_at),
                    "countersigned_by": v.countersigned_by,
                    "countersigned_at_utc": _utc(v.countersigned_at)})
    return _typed(pd.DataFrame(rows, columns=ASSESSMENT_COLUMNS),
                  ints=("arms_gaps", "plan_actions"), bools=("rm2000_applicable",))


def practice_users(store: Store) -> list[str]:
    """Everyone with at least one stored practice attempt (read-only query)."""

    with Session(store.engine) as s:
        return list(s.scalars(select(PracticeAttempt.username).distinct()
                              .order_by(PracticeAttempt.username)))


def attempts_frame(store: Store, users: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per practice attempt (all users unless `users` is given), by user then time."""
    rows = []
    for user in (practice_users(store) if users is None else users):
        for r in store.practice_attempts(of=user):
            fb = r.feedback or {}
            cats = {c.get("scale"): c for c in fb.get("categories") or []
                    if isinstance(c, dict)}
            errors = [e for e in fb.get("errors") or [] if isinstance(e, dict)]
            types: dict[str, int] = {}
            for e in errors:
                types[str(e.get("type"))] = types.get(str(e.get("type")), 0) + 1
            row = {CLASSIFICATION: MARKING, "attempt_id": r.id, "user": r.user,
                   "case_id": r.case_id, "attempted_at_utc": _utc(r.created_at),
                   "ruleset": fb.get("ruleset"), "agrees_with_key": fb.get("agrees"),
                   "categories_agreeing": sum(1 for c in cats.values()
                                              if c.get("distance") == 0) if cats else None,
                   "errors": len(errors) if fb else None,
                   "error_types": "; ".join(f"{k}: {n}" for k, n in sorted(types.items()))}
            for scale in "SVC":
                c = cats.get(scale, {})
                row[f"{scale.lower()}_trainee"] = c.get("trainee")
                row[f"{scale.lower()}_key"] = c.get("key")
            rows.append(row)
    return _typed(pd.DataFrame(rows, columns=ATTEMPT_COLUMNS),
                  ints=("categories_agreeing", "errors"), bools=("agrees_with_key",))


def _typed(df: pd.DataFrame, ints: Iterable[str], bools: Iterable[str]) -> pd.DataFrame:
    """Nullable integer and boolean columns, so a missing value does not turn 3 into 3.0."""
    for col in ints:
        df[col] = df[col].astype("Int64")
    for col in bools:
        df[col] = df[col].astype("boolean")
    return df


def table_format(path: str | os.PathLike[str], fmt: str | None = None) -> Format:
    """`fmt`, or the format named by the file's extension."""
    fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"cannot export a table as {fmt or 'a file with no extension'!r}: "
                         "use .csv or .xlsx (or give fmt='csv' / 'xlsx')")
    return fmt  # type: ignore[return-value]


def write_table(df: pd.DataFrame, path: str | os.PathLike[str], fmt: str | None = None, *,
                title: str = "Export", before_replace: Callable[[], object] | None = None
                ) -> Path:
    """Write a frame as CSV (UTF-8 with BOM, for Excel) or XLSX, neutralised and atomically."""
    kind = table_format(path, fmt)
    safe = safe_frame(df, xlsx=kind == "xlsx")
    with atomic_target(path) as tmp:
        if kind == "csv":
            safe.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            _write_xlsx(safe, tmp, title)
        if before_replace is not None:
            before_replace()
    return Path(path).expanduser()


def _write_xlsx(df: pd.DataFrame, tmp: Path, title: str) -> None:
    sheet = title[:31]
    with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name=sheet, index=False)
        about = pd.DataFrame({"Item": ["Classification", "Contents", "Rows", "Generated (UTC)",
                                       "Handling"],
                              "Detail": [MARKING, title, len(df),
                                         _utc(dt.datetime.now(dt.UTC)), HANDLING]})
        about.to_excel(xw, sheet_name="About", index=False)
        book = xw.book
        props = book.properties
        props.title, props.subject, props.keywords = f"{MARKING}: {title}", MARKING, MARKING
        props.category, props.creator = MARKING, "RSO Workbook"
        for ws in book.worksheets:
            ws.oddHeader.center.text = MARKING
            ws.oddFooter.center.text = MARKING
            ws.oddFooter.right.text = "Page &P of &N"
            ws.freeze_panes = "A2"
        data = book[sheet]
        if data.max_row > 1:
            data.auto_filter.ref = data.dimensions


def export_assessments(store: Store, path: str | os.PathLike[str],
                       fmt: str | None = None) -> Path:
    """Every assessment version as one table (CSV/XLSX); audited as an export."""
    kind = table_format(path, fmt)
    df = assessments_frame(store)
    return write_table(df, path, kind, title="Assessments", before_replace=lambda: store.log_export(
        "assessment", "all", fmt=kind, table="assessments", rows=len(df)))


def export_attempts(store: Store, path: str | os.PathLike[str], fmt: str | None = None, *,
                    users: Iterable[str] | None = None) -> Path:
    """Practice attempts (everyone's, or `users`') as one table; audited as an export."""
    kind = table_format(path, fmt)
    chosen = None if users is None else list(users)
    df = attempts_frame(store, chosen)
    who = "all" if chosen is None else (chosen[0] if len(chosen) == 1 else "several")
    return write_table(df, path, kind, title="Practice attempts",
                       before_replace=lambda: store.log_export(
                           "practice_attempt", who, fmt=kind, table="practice_attempts",
                           rows=len(df), users=df["user"].nunique()))
