"""A calibration certificate (issue 16): a person's calibration status for RM2000 and ARMS, the
day it was last met and **the period it is valid for**, as HTML and PDF.

    person = CertificationStore(store).record("alex")   # access-checked and audited
    html = certificate_html(person, "DS Alex Khan")       # str, autoescaped, printable
    pdf = certificate_pdf(person, "DS Alex Khan")         # bytes
    write_certificate(store, "alex", "cert.pdf")          # atomic, audited before it appears

Both formats show the same content (`certificate_view`, the `ReportView` the CPD record uses,
rendered by the same template and PDF writer). The thresholds and the validity period are local
policy and the certificate says so; the status informs professional judgement and certifies
nobody's competence to assess a real person.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate

from ..store.certification import CertificationStore
from ..store.identity import display_name as name_of
from ..timefmt import uk_date
from .export import report_format
from .files import write_atomic
from .html import environment
from .pdf import _canvas_maker, _Writer, default_font
from .text import HANDLING, MARKING, date_text
from .view import Block, Lines, ReportView, Section, Table

if TYPE_CHECKING:
    from ..store import Store
    from ..store.certification import PersonRecord

TITLE = "Calibration certificate"
STATEMENT = (
    "This certificate records how closely the practitioner's scoring of fictional training "
    "cases matched the expert keys, in practice and in workshops, against thresholds and a "
    "validity period set as local policy. It informs professional judgement and supervision. "
    "It does not certify competence to assess anyone.")
STATUS_WORDS = {
    "calibrated": "Calibrated",
    "due for re-test": "Calibrated, due for re-test",
    "lapsed": "Lapsed: a re-test is needed",
    "not yet calibrated": "Not yet calibrated",
    "not enough cases": "Not enough cases yet",
}


def _day(day: dt.date | None) -> str:
    return date_text(day) if day else "—"


def certificate_view(person: PersonRecord, display_name: str,
                     issued: dt.datetime | None = None) -> ReportView:
    """The sections both renderers show."""
    issued = issued or dt.datetime.now(dt.UTC)
    records = list(person.records.values())
    status = Section("status", "Calibration status and validity", new_page=False)
    status.parts.append(Table("Status by instrument", [
        "Instrument", "Status", "Thresholds last met", "Valid until", "Cases counted"], [
        [r.name, STATUS_WORDS.get(r.status, r.status), _day(r.certified_on),
         _day(r.valid_until), str(sum(r.sources.values()))] for r in records]))
    for r in records:
        if r.valid_until is not None:
            status.intro.append(
                f"{r.name}: valid from {_day(r.certified_on)} to {_day(r.valid_until)} "
                f"inclusive" + (" (lapsed)." if r.status == "lapsed" else "."))
    policy = Section("policy", "Local policy", new_page=False)
    policy.parts.append(Lines("The rules this certificate applies", [
        records[0].thresholds + ".", records[0].policy + ".",
        "Only the first attempt at each case counts: a retry after the key was shown is "
        "learning, not a test."], ordered=False))
    basis = Section("basis", "What the status rests on", new_page=False)
    for r in records:
        basis.parts.append(Lines(f"{r.name}", r.reasons or ["No case scored yet."],
                                 ordered=False))
    if person.problems:
        basis.parts.append(Block("Left out", "; ".join(person.problems)))
    return ReportView(
        marking=MARKING, handling=HANDLING, title=TITLE, person_reference=display_name,
        fictional=False, sections=[status, policy, basis], statement=STATEMENT,
        footer=f"Issued on {date_text(uk_date(issued))} with RSO Workbook.")


def certificate_html(person: PersonRecord, display_name: str,
                     issued: dt.datetime | None = None) -> str:
    """The certificate as one HTML document (autoescaped, printable)."""
    return environment().get_template("cpd_portfolio.html.j2").render(
        view=certificate_view(person, display_name, issued))


def certificate_pdf(person: PersonRecord, display_name: str,
                    issued: dt.datetime | None = None, *, invariant: bool = False) -> bytes:
    """The certificate as PDF bytes (A4)."""

    writer = _Writer(default_font())
    view = certificate_view(person, display_name, issued)
    story: list[Any] = [
        writer.para(view.title, "h1"),
        Paragraph(f"Practitioner: <b>{writer.markup(view.person_reference)}</b>",
                  writer.s["body"]),
        writer.para(view.statement, "statement")]
    for sec in view.sections:
        story += writer.section(sec)
    story += [writer.para(MARKING, "marking"), writer.para(view.footer)]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=22 * mm,
        bottomMargin=22 * mm, title=f"{MARKING}: {TITLE}", subject=MARKING,
        author="RSO Workbook", creator="RSO Workbook", lang="en-GB",
        invariant=1 if invariant else 0)
    left = f"Calibration certificate · {' '.join(display_name.split())}"
    doc.build(story, canvasmaker=_canvas_maker(writer.font, writer.plain(left)))
    return buf.getvalue()


def write_certificate(store: Store, user: str, path: str | os.PathLike[str],
                      fmt: str | None = None, display_name: str | None = None,
                      certs: Any = None) -> Path:
    """Write `user`'s certificate as HTML or PDF (from `fmt` or the extension), read as the
    store's user (`AccessDenied` unless the policy allows; audited), atomically, with the
    export in the audit log before the file appears."""
    kind = report_format(path, fmt)
    person = (certs or CertificationStore(store)).record(user)
    name = display_name or name_of(user)
    data: bytes | str = (certificate_pdf(person, name) if kind == "pdf"
                         else certificate_html(person, name))
    return write_atomic(path, data, before_replace=lambda: store.log_export(
        "certification", user, fmt=kind, report="calibration_certificate"))


def export_path(folder: str | os.PathLike[str], user: str, fmt: str,
                when: dt.datetime | None = None) -> Path:
    """`calibration-certificate-<user>-<YYYYmmdd-HHMMSS>.<fmt>` in `folder` (owner-only)."""
    folder = Path(folder).expanduser()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", user).strip(".-")[:60] or "user"
    stamp = (when or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
    return folder / f"calibration-certificate-{slug}-{stamp}.{fmt}"
