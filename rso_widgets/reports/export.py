"""Export functions for the command line and the apps: a report file for one assessment version,
and the analysis tables. Every export is written atomically and audited before it appears.

Wiring (cli.py): `rso-workbook export report|assessments|attempts ...` → `run(args)`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy.exc import SQLAlchemyError

from ..store import StoreError, open_store
from .files import write_atomic
from .html import assessment_report_html
from .model import ReportInput
from .pdf import assessment_report_pdf
from .tables import export_assessments, export_attempts

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["export_assessments", "export_attempts", "report_format", "run", "write_report"]

ReportFormat = Literal["html", "pdf"]


def report_format(path: str | os.PathLike[str], fmt: str | None = None) -> ReportFormat:
    """`fmt`, or the format named by the file's extension (.html/.htm or .pdf)."""
    fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
    fmt = "html" if fmt == "htm" else fmt
    if fmt not in ("html", "pdf"):
        raise ValueError(f"cannot write a report as {fmt or 'a file with no extension'!r}: "
                         "use .html or .pdf (or give fmt='html' / 'pdf')")
    return fmt  # type: ignore[return-value]


def write_report(store: Store, assessment_id: int, version: int | None,
                 path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Write the report of one assessment version (None: the latest) as HTML or PDF."""
    kind = report_format(path, fmt)
    report = ReportInput.from_version(store, assessment_id, version)
    if kind == "pdf":
        data: bytes | str = assessment_report_pdf(report)
    else:
        data = assessment_report_html(report)
    return write_atomic(path, data, before_replace=lambda: store.log_export(
        "assessment", assessment_id, fmt=kind, version=report.version, report="assessment"))


def run(args: argparse.Namespace) -> int:
    """`rso-workbook export ...`: errors are printed (never a traceback) with a non-zero exit."""

    try:
        with open_store(create=False) as store:
            if args.what == "report":
                out = write_report(store, args.assessment_id, args.version, args.out, args.format)
            elif args.what == "assessments":
                out = export_assessments(store, args.out, args.format)
            else:
                out = export_attempts(store, args.out, args.format, users=args.user or None)
    except (StoreError, ValueError, OSError) as exc:
        if getattr(exc, "title", "") == "Settings":  # a bad setting: the cli names it
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"database error: {exc.__class__.__name__}: {str(exc).splitlines()[0]}",
              file=sys.stderr)
        return 1
    print(f"wrote {out} (OFFICIAL-SENSITIVE: handle under your force's policy)")
    return 0
