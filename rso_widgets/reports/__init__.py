"""Reports: one assessment version as a fileable HTML or PDF report, and CSV/XLSX tables.

    report = ReportInput.from_version(store, assessment_id, version)
    html = assessment_report_html(report)          # str, self-contained, printable
    pdf = assessment_report_pdf(report)            # bytes
    write_report(store, assessment_id, version, "report.pdf")     # atomic + audited
    export_assessments(store, "assessments.xlsx"); export_attempts(store, "attempts.csv")
    export_workshop(store, model, frame, folder, "csv")   # a workshop's three tables

Everything is marked OFFICIAL-SENSITIVE. Stored payloads follow `reports.payload` (the payload
convention). Heavy imports (reportlab, pandas) load only when their function is first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .text import MARKING

_LAZY = {
    "ReportInput": "model",
    "make_payload": "payload",
    "read_payload": "payload",
    "assessment_report_html": "html",
    "assessment_report_pdf": "pdf",
    "assessments_frame": "tables",
    "attempts_frame": "tables",
    "export_assessments": "tables",
    "export_attempts": "tables",
    "write_report": "export",
    "export_workshop": "workshop",
}

__all__ = ["MARKING", *_LAZY]


def __getattr__(name: str) -> Any:
    # deferred: reportlab and pandas load only when their function is first used (see above)
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
