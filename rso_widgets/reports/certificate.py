"""Certificates of participation in a calibration workshop (PDF, reportlab).

A certificate names the trainee (their display name, typed by them: escaped for reportlab's
paragraph markup, hidden characters shown as codes), the workshop, its date, the cases they
scored and their calibration status against the thresholds, labelled as local policy. It holds
no case data, so it carries no OFFICIAL-SENSITIVE marking. It records participation; the status
informs the trainer's judgement and certifies no competence.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

from .files import write_atomic
from .pdf import _Writer, default_font
from .text import date_text

STATUS_TEXT = {
    "calibrated": "Calibrated: their categories matched the key closely enough over enough "
                  "cases.",
    "not yet calibrated": "Not yet calibrated: some items are worth revisiting.",
    "not enough cases": "Not enough cases scored yet for a calibration status.",
    "no RM2000 cases": "No RM2000 case scored: no RM2000 calibration status.",
}
ARMS_STATUS_TEXT = {
    "calibrated": "ARMS: calibrated — their factor ratings matched the key closely enough over "
                  "enough cases.",
    "not yet calibrated": "ARMS: not yet calibrated — some factors are worth revisiting.",
    "not enough cases": "ARMS: not enough cases rated yet for a calibration status.",
}
DISCLAIMER = ("This certificate records participation in a calibration workshop on fictional "
              "training cases. The calibration status informs the trainer's professional "
              "judgement; it does not certify competence to assess anyone.")


@dataclass
class Certificate:
    """What one certificate says."""

    display_name: str
    workshop: str
    held_on: dt.date
    cases: list[tuple[str, str]]  # (case id, title) the trainee submitted
    status: str | None = None  # "calibrated" / "not yet calibrated" / "not enough cases"
    policy: str = ""  # e.g. "Thresholds are local policy (rso-workbook-default@1.0.0)"
    revisit: list[str] = field(default_factory=list)
    trainer: str = ""
    arms_status: str | None = None  # as `status`, for ARMS ratings (None: no ARMS rated)


def _story(cert: Certificate, w: object) -> list:
    s = w.s  # type: ignore[attr-defined]
    para = w.para  # type: ignore[attr-defined]
    markup = w.markup  # type: ignore[attr-defined]
    out = [Spacer(1, 20 * mm), para("Certificate of participation", "h1"),
           para("RSO Workbook calibration workshop", "h3"), Spacer(1, 8 * mm),
           para("This is to record that", "body"),
           Paragraph(f"<b>{markup(cert.display_name)}</b>", s["h2"]),
           Paragraph(f"took part in the workshop <b>{markup(cert.workshop)}</b> on "
                     f"{markup(date_text(cert.held_on))}.", s["body"]),
           Spacer(1, 6 * mm)]
    if cert.cases:
        out.append(para(f"Cases scored ({len(cert.cases)}), all fictional:", "h4"))
        out += [Paragraph(f"{markup(cid)}: {markup(title)}", s["item"], bulletText="•")
                for cid, title in cert.cases]
    else:
        out.append(para("No case was submitted in this workshop.", "body"))
    out.append(Spacer(1, 6 * mm))
    out.append(para("Calibration status", "h4"))
    if cert.status:
        out.append(para(STATUS_TEXT.get(cert.status, cert.status), "body"))
        if cert.arms_status:
            out.append(para(ARMS_STATUS_TEXT.get(cert.arms_status, cert.arms_status), "body"))
        if cert.revisit:
            out.append(para("Items to revisit: " + "; ".join(cert.revisit) + ".", "body"))
        if cert.policy:
            out.append(para(f"{cert.policy}.", "missing"))
    else:
        out.append(para("No status: no case was submitted.", "body"))
    out += [Spacer(1, 10 * mm), para(DISCLAIMER, "statement")]
    if cert.trainer:
        out.append(para(f"Trainer: {cert.trainer}", "body"))
    return out


def certificates_pdf(certificates: Iterable[Certificate]) -> bytes:
    """One A4 page per certificate, in one PDF."""

    writer = _Writer(default_font())
    story: list = []
    certs = list(certificates)
    if not certs:
        raise ValueError("no certificates to write: nobody has joined the workshop")
    for n, cert in enumerate(certs):
        if n:
            story.append(PageBreak())
        story += _story(cert, writer)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm,
                            title="Certificates of participation", author="RSO Workbook",
                            subject="Calibration workshop")
    doc.build(story)
    return buf.getvalue()


def certificate_pdf(cert: Certificate) -> bytes:
    """One certificate as a one-page PDF."""
    return certificates_pdf([cert])


def write_certificates(certificates: Iterable[Certificate], path: str | os.PathLike[str],
                       before_replace: Callable[[], object] | None = None) -> Path:
    """All certificates in one PDF, written atomically (`before_replace`: e.g. the audit)."""
    return write_atomic(path, certificates_pdf(certificates), before_replace)
