"""A practitioner's CPD portfolio (`store.cpd.cpd_record`) as HTML and PDF.

    record = cpd_record(store, "alex")          # access-checked and audited by the store
    html = cpd_portfolio_html(record)           # str, self-contained, printable, autoescaped
    pdf = cpd_portfolio_pdf(record)             # bytes, OFFICIAL-SENSITIVE on every page
    write_cpd_portfolio(store, "alex", "cpd.pdf")   # atomic, audited before the file appears

Both formats show the same content (`cpd_view`): training and calibration against the keys,
observations of practice, development goals with their history and evidence, and supervision
attended. Typed text is never interpreted (HTML autoescape; PDF mini-markup escaped). reportlab
is imported only when a PDF is made.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer

from ..store.cpd import cpd_record
from ..supervision.lists import load_observation_scale
from ..timefmt import uk_date
from .export import report_format
from .files import write_atomic
from .html import environment
from .pdf import _canvas_maker, _Writer, default_font
from .text import HANDLING, MARKING, date_text, datetime_text
from .view import Alert, Block, Heading, Lines, ReportView, Section, Table

if TYPE_CHECKING:
    from ..store import Store
    from ..supervision.cpd import CPDRecord
    from ..supervision.lists import ObservationScale
    from .pdf import PdfFont

TITLE = "Continuing professional development record"
STATEMENT = (
    "This record lists the practitioner's training, calibration against the training keys, "
    "observations of their practice, their development goals and the supervision they attended. "
    "It supports reflection and supervision. It is not a judgement of competence, and a "
    "calibration figure certifies nobody.")
NONE_YET = "None recorded yet"

GOAL_STATUS = {"open": "Open", "in_progress": "In progress", "achieved": "Achieved",
               "paused": "Paused", "no_longer_relevant": "No longer relevant"}
EVIDENCE_KINDS = {"practice_attempt": "Practice attempt", "calibration": "Calibration (workshop)",
                  "observation": "Observation of practice", "plan_review": "Plan review",
                  "other": "Other"}
ERROR_TYPES = {"coding": "Coding (a fact read wrongly)",
               "calculation": "Calculation (points or category from the facts)",
               "rule": "Rule (step 2, eligibility or /C)"}
WEIGHTS = {"Case": 1.0, "Skill": 1.3, "Rating": 0.9, "What was seen or heard": 3.0,
           "Item": 1.0, "Detail": 2.6, "Note": 2.2, "Status": 1.0, "By": 1.0, "Date": 1.0,
           "Kind": 1.2, "Reference": 0.9}


@dataclasses.dataclass(frozen=True)
class CPDTable(Table):
    """A table whose column widths suit the CPD record."""

    @property
    def shares(self) -> list[float]:
        weights = [WEIGHTS.get(c, 1.0) for c in self.columns]
        return [w / sum(weights) for w in weights]


def _pct(value: float | None) -> str:
    return "not yet known" if value is None else f"{100 * value:.0f}%"


def _scale() -> ObservationScale | None:
    try:
        scale = load_observation_scale()
    except Exception:  # the report still shows the ids if the scale cannot be read
        return None
    return scale


def cpd_view(record: CPDRecord) -> ReportView:
    """The CPD record as the ordered sections both renderers show."""
    scale = _scale()
    levels = {lv.id: lv.label for lv in scale.scale} if scale else {}
    contexts = {c.id: c.label for c in scale.contexts} if scale else {}
    sections = [_about(record), _training(record), _observations(record, levels, contexts),
                _goals(record), _supervision(record)]
    return ReportView(
        marking=MARKING, handling=HANDLING, title=TITLE, person_reference=record.user,
        fictional=False, sections=sections, statement=STATEMENT,
        footer=f"Generated at {datetime_text(record.generated_at)} with RSO Workbook.")


def _about(r: CPDRecord) -> Section:
    s = Section("about", "About this record", new_page=False)
    s.parts.append(CPDTable("Summary", ["Item", "Detail"], [
        ["Practitioner", r.user],
        ["Generated", datetime_text(r.generated_at)],
        ["Practice attempts", str(r.practice_attempts)],
        ["Training cases practised", str(len(r.cases_practised))],
        ["Observations of practice", str(len(r.observations))],
        ["Development goals", str(len(r.goals))],
        ["Supervision sessions attended", str(len(r.supervision_sessions))],
        ["Observation scale", r.observation_scale],
    ]))
    if r.problems:
        s.parts.append(Alert("Some practice records could not be read and are left out",
                             list(r.problems)))
    return s


def _training(r: CPDRecord) -> Section:
    s = Section("training", "Training and calibration against the keys")
    s.intro.append("RM2000 practice on fictional training cases, compared with the expert key. "
                   f"Attempts that agreed with the key overall: {_pct(r.agreement_rate)}.")
    if not r.cases_practised:
        s.parts.append(Block("Cases practised", "", missing=NONE_YET))
        return s
    s.parts.append(CPDTable("Cases practised", ["Case", "Attempts", "Agreed with the key",
                                                "Latest attempt agreed", "Last practised"], [
        [c.case_id, str(c.attempts), str(c.agreed), "Yes" if c.last_agrees else "No",
         date_text(uk_date(c.last_at))] for c in r.cases_practised]))
    if r.agreement_over_time:
        s.parts.append(CPDTable(
            "Agreement with the key over time", ["Date", "Case", "Attempt at the case",
                                                 "Agreed with the key", "Running agreement"],
            [[date_text(uk_date(p.at)), p.case_id, str(p.attempt_no), "Yes" if p.agrees else "No",
              _pct(p.running_rate)] for p in r.agreement_over_time]))
    if r.error_types:
        s.parts.append(CPDTable("Types of disagreement with the key", ["Kind", "Times"], [
            [ERROR_TYPES.get(k, k), str(v)] for k, v in sorted(r.error_types.items())]))
    if r.most_missed:
        s.parts.append(CPDTable("Items most often scored differently from the key",
                                ["Item", "Times", "Kinds"], [
            [m.item, str(m.count), ", ".join(f"{ERROR_TYPES.get(k, k).split(' (')[0]} {v}"
                                             for k, v in sorted(m.types.items()))]
            for m in r.most_missed]))
    return s


def _observations(r: CPDRecord, levels: dict[str, str], contexts: dict[str, str]) -> Section:
    s = Section("observations", "Observations of practice")
    if not r.observations:
        s.parts.append(Block("Observations", "", missing=NONE_YET))
        return s
    s.intro.append("Each observation rates the working-alliance skills on the observation "
                   "scale, with what the observer saw or heard.")
    for o in r.observations:
        s.parts.append(Heading(f"Observation on {date_text(o.observed_on)} "
                               f"({contexts.get(o.context, o.context)})"))
        linked = (f"Session {o.session_id}" if o.session_id is not None
                  else "Not yet linked to a supervision session")
        s.parts.append(CPDTable("Details", ["Item", "Detail"], [
            ["Observer", o.observer], ["Date", date_text(o.observed_on)],
            ["Setting", contexts.get(o.context, o.context)], ["Scale", o.scale],
            ["Discussed in supervision", linked]]))
        s.parts.append(CPDTable("Ratings", ["Skill", "Rating", "What was seen or heard"], [
            [r.skill_labels.get(sid, sid), levels.get(rt.level, rt.level),
             rt.evidence.strip() or "No evidence written"]
            for sid, rt in o.ratings.items()]))
        s.parts.append(Lines("Strengths", list(o.strengths) or [NONE_YET]))
        s.parts.append(Lines("Development points", list(o.development_points) or [NONE_YET]))
        if o.notes.strip():
            s.parts.append(Block("Observer's notes", o.notes))
    return s


def _goals(r: CPDRecord) -> Section:
    s = Section("goals", "Development goals")
    if not r.goals:
        s.parts.append(Block("Goals", "", missing=NONE_YET))
        return s
    for n, g in enumerate(r.goals, 1):
        s.parts.append(Heading(f"Goal {n}: {g.text}"))
        s.parts.append(CPDTable("About the goal", ["Item", "Detail"], [
            ["Current status", GOAL_STATUS.get(g.status, g.status)],
            ["How progress is measured", g.measure or "Not written"],
            ["Target date", date_text(g.target_on)],
            ["Set in supervision", f"Session {g.session_id}, {date_text(g.created_at)}"]]))
        s.parts.append(CPDTable("Status history", ["Date", "Status", "By", "Note"], [
            [date_text(uk_date(h.at)), GOAL_STATUS.get(h.status, h.status), h.by,
             h.note or "—"] for h in g.history] or [["—", "Open", "—", "—"]]))
        if g.evidence:
            s.parts.append(CPDTable("Evidence of progress", ["Date", "Kind", "Reference",
                                                             "Note"], [
                [date_text(uk_date(e.at)), EVIDENCE_KINDS.get(e.kind, e.kind),
                 "—" if e.ref is None else str(e.ref), e.note or "—"] for e in g.evidence]))
        else:
            s.parts.append(Block("Evidence of progress", "", missing=NONE_YET))
    return s


def _supervision(r: CPDRecord) -> Section:
    s = Section("supervision", "Supervision attended", new_page=False)
    if not r.supervision_sessions:
        s.parts.append(Block("Sessions held", "", missing=NONE_YET))
        return s
    s.intro.append(f"{len(r.supervision_sessions)} formal supervision session"
                   f"{'s' if len(r.supervision_sessions) != 1 else ''} held.")
    s.parts.append(Lines("Dates held", [date_text(d) for d in r.supervision_sessions]))
    return s


# -- renderers ---------------------------------------------------------------------------------

def cpd_portfolio_html(record: CPDRecord) -> str:
    """The CPD record as one HTML document marked OFFICIAL-SENSITIVE (autoescaped)."""
    return environment().get_template("cpd_portfolio.html.j2").render(view=cpd_view(record))


def cpd_portfolio_pdf(record: CPDRecord, *, font: PdfFont | None = None,
                      invariant: bool = False) -> bytes:
    """The CPD record as PDF bytes (A4), OFFICIAL-SENSITIVE at the top and bottom of every page.
    `invariant=True` gives byte-identical output for identical input."""

    writer = _Writer(font or default_font())
    view = cpd_view(record)
    story: list[Any] = [
        writer.para(view.title, "h1"),
        Paragraph(f"Practitioner: <b>{writer.markup(view.person_reference)}</b>",
                  writer.s["body"]),
        writer.para(view.handling), writer.para(view.statement, "statement")]
    for sec in view.sections:
        if sec.new_page:
            story.append(PageBreak())
        story += writer.section(sec)
    story += [Spacer(1, 6), KeepTogether([writer.para(MARKING, "marking"),
                                          writer.para(view.footer)])]
    left = f"CPD record · practitioner: {' '.join(record.user.split())}"
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=22 * mm,
        bottomMargin=22 * mm, title=f"{MARKING}: {TITLE}", subject=MARKING,
        author="RSO Workbook", creator="RSO Workbook", keywords=MARKING, lang="en-GB",
        invariant=1 if invariant else 0)
    doc.build(story, canvasmaker=_canvas_maker(writer.font, writer.plain(left)))
    return buf.getvalue()


def render_cpd_portfolio(record: CPDRecord, fmt: str) -> bytes | str:
    """`fmt` "html" (str) or "pdf" (bytes)."""
    if fmt == "pdf":
        return cpd_portfolio_pdf(record)
    if fmt == "html":
        return cpd_portfolio_html(record)
    raise ValueError(f"cannot write a CPD portfolio as {fmt!r}: use 'html' or 'pdf'")


def write_cpd_portfolio(store: Store, user: str, path: str | os.PathLike[str],
                        fmt: str | None = None) -> Path:
    """Write `user`'s CPD portfolio as HTML or PDF (from `fmt` or the file's extension).

    Read as the store's user (the person, their supervisor, or their team lead with the person's
    consent; otherwise `AccessDenied`). The file is written atomically, and the export is in the
    audit log before the file appears."""
    kind = report_format(path, fmt)
    record = cpd_record(store, user)
    data = render_cpd_portfolio(record, kind)
    return write_atomic(path, data, before_replace=lambda: store.log_export(
        "cpd_record", user, fmt=kind, report="cpd_portfolio"))


def export_path(folder: str | os.PathLike[str], user: str, fmt: str,
                when: dt.datetime | None = None) -> Path:
    """A file name for an export in `folder` (created owner-only if missing):
    `cpd-portfolio-<user>-<YYYYmmdd-HHMMSS>.<fmt>`; the user name reduced to safe characters."""
    folder = Path(folder).expanduser()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", user).strip(".-")[:60] or "user"
    stamp = (when or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
    return folder / f"cpd-portfolio-{slug}-{stamp}.{fmt}"
