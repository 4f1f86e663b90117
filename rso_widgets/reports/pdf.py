"""The assessment report as a PDF (reportlab platypus): the same content as the HTML report,
OFFICIAL-SENSITIVE in the header and footer of every page, "Page N of M", typed text escaped for
reportlab's paragraph mini-markup, long text wrapped and tables split across pages.

Fonts: DejaVu Sans when the system has it (wide coverage of European scripts), otherwise
Bitstream Vera, which ships inside reportlab, so a pip-only install always works. A character
the font cannot draw is shown as its code, e.g. `[U+1F600]`: never dropped, never a blank box.
"""

from __future__ import annotations

import dataclasses
import io
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)
from reportlab.platypus import Table as RLTable

from ..instruments.arms import ArmsCatalogue
from .model import ReportInput
from .text import MARKING, code, visible
from .view import Alert, Block, Heading, Lines, ReportView, Section, Table, build_view

_RL_FONTS = Path(reportlab.__file__).resolve().parent / "fonts"
_SYSTEM_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
                "/usr/share/fonts/TTF", "/usr/local/share/fonts", "/Library/Fonts")


@dataclasses.dataclass(frozen=True)
class PdfFont:
    """A regular and a bold TrueType file, registered under `name` / `name-Bold`."""

    name: str
    regular: Path
    bold: Path


VERA = PdfFont("RSOVera", _RL_FONTS / "Vera.ttf", _RL_FONTS / "VeraBd.ttf")


def default_font() -> PdfFont:
    """DejaVu Sans if installed on this system, else Vera (always there, inside reportlab)."""
    for d in _SYSTEM_DIRS:
        reg, bold = Path(d) / "DejaVuSans.ttf", Path(d) / "DejaVuSans-Bold.ttf"
        if reg.is_file() and bold.is_file():
            return PdfFont("RSODejaVu", reg, bold)
    return VERA


@lru_cache(maxsize=8)
def _register(font: PdfFont) -> frozenset[str]:
    """Register the font family once; return the characters both faces can draw (BMP only)."""
    regular, bold = TTFont(font.name, str(font.regular)), TTFont(f"{font.name}-Bold",
                                                                 str(font.bold))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(bold)
    pdfmetrics.registerFontFamily(font.name, normal=font.name, bold=f"{font.name}-Bold",
                                  italic=font.name, boldItalic=f"{font.name}-Bold")
    both = set(regular.face.charToGlyph) & set(bold.face.charToGlyph)
    return frozenset(chr(c) for c in both if 32 <= c <= 0xFFFF) | {"\n", "\t"}


class _Writer:
    """Turns the report view into flowables in one font."""

    def __init__(self, font: PdfFont) -> None:
        self.font = font
        self.drawable = _register(font)
        base = ParagraphStyle("base", fontName=font.name, fontSize=9.5, leading=12.5,
                              spaceAfter=3, splitLongWords=1)
        bold = f"{font.name}-Bold"
        self.s = {
            "body": base,
            "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11, spaceAfter=0),
            "th": ParagraphStyle("th", parent=base, fontName=bold, fontSize=8.5, leading=11,
                                 spaceAfter=0),
            "missing": ParagraphStyle("missing", parent=base, textColor=colors.HexColor(
                "#505a5f")),
            "h1": ParagraphStyle("h1", parent=base, fontName=bold, fontSize=17, leading=21,
                                 spaceAfter=8, keepWithNext=1),
            "h2": ParagraphStyle("h2", parent=base, fontName=bold, fontSize=13.5, leading=17,
                                 spaceBefore=8, spaceAfter=6, keepWithNext=1),
            "h3": ParagraphStyle("h3", parent=base, fontName=bold, fontSize=11, leading=14,
                                 spaceBefore=6, spaceAfter=3, keepWithNext=1),
            "h4": ParagraphStyle("h4", parent=base, fontName=bold, fontSize=9.5, leading=12.5,
                                 spaceBefore=4, spaceAfter=2, keepWithNext=1),
            "caption": ParagraphStyle("caption", parent=base, fontName=bold, spaceBefore=4,
                                      spaceAfter=2, keepWithNext=1),
            "alert_title": ParagraphStyle("alert_title", parent=base, fontName=bold,
                                          fontSize=10.5, leading=14, borderColor=colors.HexColor(
                                              "#d4351c"), borderWidth=2, borderPadding=4,
                                          spaceBefore=8, spaceAfter=6, keepWithNext=1),
            "item": ParagraphStyle("item", parent=base, leftIndent=12, bulletIndent=2),
            "statement": ParagraphStyle("statement", parent=base, borderColor=colors.HexColor(
                "#1d70b8"), borderWidth=1, borderPadding=5, backColor=colors.HexColor(
                "#f3f2f1"), spaceBefore=6, spaceAfter=10),
            "marking": ParagraphStyle("marking", parent=base, fontName=bold, fontSize=11,
                                      alignment=1),
        }

    # -- text ------------------------------------------------------------------------------

    def plain(self, text: object) -> str:
        """Text the font can draw: hidden characters and missing glyphs shown as codes.

        Characters beyond U+FFFF (emoji) are always codes: reportlab cannot map them back to
        text in the PDF, so they would vanish from copy, search and screen readers."""
        s = visible(text)
        if all(ch in self.drawable for ch in s):
            return s
        return "".join(ch if ch in self.drawable else _FALLBACK.get(ch) or code(ch) for ch in s)

    def markup(self, text: object) -> str:
        """Typed text as paragraph markup that shows literally (a typed `<b>` stays `<b>`)."""
        return escape(self.plain(text)).replace("\t", " ").replace("\n", "<br/>")

    def para(self, text: object, style: str = "body") -> Paragraph:
        return Paragraph(self.markup(text), self.s[style])

    # -- parts -----------------------------------------------------------------------------

    def section(self, sec: Section) -> list[Flowable]:
        out: list[Flowable] = [self.para(sec.title, "h2")]
        out += [self.para(line) for line in sec.intro]
        level = "h3"
        for part in sec.parts:
            if isinstance(part, Heading):
                out += [CondPageBreak(30 * mm), self.para(part.text, "h3")]
                level = "h4"
            elif isinstance(part, Table):
                out += self.table(part)
            elif isinstance(part, Block):
                text = part.text if part.text.strip() else None
                out += [self.para(part.label, level),
                        self.para(text or part.missing, "body" if text else "missing")]
            elif isinstance(part, Lines):
                out.append(self.para(part.label, level))
                out += [Paragraph(f"{i}. {self.markup(line)}", self.s["item"])
                        for i, line in enumerate(part.lines, 1)]
            elif isinstance(part, Alert):
                out.append(self.para(part.title, "alert_title"))
                out += [Paragraph(self.markup(item), self.s["item"], bulletText="•")
                        for item in part.items]
        return out

    def table(self, t: Table) -> list[Flowable]:
        width = A4[0] - 36 * mm
        widths = [width * share for share in t.shares]
        data = [[self.para(c, "th") for c in t.columns]]
        data += [[self.para(cell, "th" if i == 0 else "cell") for i, cell in enumerate(row)]
                 for row in t.rows]
        table = RLTable(data, colWidths=widths, repeatRows=1, splitInRow=1, hAlign="LEFT")
        table.setStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#b1b4b6")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f2f1")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ])
        return [self.para(t.caption, "caption"), table, Spacer(1, 6)]

    def story(self, view: ReportView) -> list[Flowable]:
        out: list[Flowable] = [self.para(view.title, "h1"),
                               Paragraph(f"Person: <b>{self.markup(view.person_reference)}</b>",
                                         self.s["body"])]
        if view.fictional:
            out.append(Paragraph("<b>This is a fictional person: a training record.</b>",
                                 self.s["body"]))
        out += [self.para(view.handling), self.para(view.statement, "statement")]
        for sec in view.sections:
            if sec.new_page:
                out.append(PageBreak())
            out += self.section(sec)
        out += [Spacer(1, 6), KeepTogether([self.para(MARKING, "marking"),
                                             self.para(view.footer)])]
        return out


# Stand-ins for the workbook's own typographic characters when the font lacks them (Vera).
_FALLBACK = {"→": "->", "←": "<-", "≥": ">=", "≤": "<=", "−": "-"}


def _fit(text: str, font: str, size: float, width: float) -> str:
    """`text`, shortened with an ellipsis to fit `width` points."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _canvas_maker(font: PdfFont, footer_left: str) -> type[Canvas]:
    """A canvas that holds pages back until the end, to draw the marking and 'Page N of M'."""

    class _Marked(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._chrome(total)
                super().showPage()
            super().save()

        def _chrome(self, total: int) -> None:
            w, h = self._pagesize
            left, right = 18 * mm, w - 18 * mm
            self.saveState()
            self.setStrokeColor(colors.HexColor("#0b0c0c"))
            self.setFont(f"{font.name}-Bold", 11)
            self.drawCentredString(w / 2, h - 12 * mm, MARKING)
            self.line(left, h - 14.5 * mm, right, h - 14.5 * mm)
            self.line(left, 17 * mm, right, 17 * mm)
            self.drawCentredString(w / 2, 11.5 * mm, MARKING)
            self.setFont(font.name, 8)
            page = f"Page {self._pageNumber} of {total}"
            self.drawRightString(right, 6.5 * mm, page)
            room = right - left - pdfmetrics.stringWidth(page, font.name, 8) - 10 * mm
            self.drawString(left, 6.5 * mm, _fit(footer_left, font.name, 8, room))
            self.restoreState()

    return _Marked


def assessment_report_pdf(report: ReportInput, *, catalogue: ArmsCatalogue | None = None,
                          font: PdfFont | None = None, invariant: bool = False) -> bytes:
    """One assessment version as PDF bytes (A4). `invariant=True` gives byte-identical output
    for identical input (fixed document id and dates), for tests and checksums."""
    writer = _Writer(font or default_font())
    view = build_view(report, catalogue)
    what = (f"Assessment {report.assessment_id}, " if report.assessment_id is not None
            else "") + f"version {report.version}"
    left = f"{what} · person: {' '.join(report.person_reference.split())}"
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=22 * mm,
        bottomMargin=22 * mm, title=f"{MARKING}: {view.title}", subject=MARKING,
        author="RSO Workbook", creator="RSO Workbook", keywords=MARKING, lang="en-GB",
        invariant=1 if invariant else 0)
    doc.build(writer.story(view), canvasmaker=_canvas_maker(writer.font, writer.plain(left)))
    return buf.getvalue()
