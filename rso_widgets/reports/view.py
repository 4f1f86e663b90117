"""The report's content as plain rows of text, shared by the HTML and PDF renderers so both show
the same thing. No escaping here: each renderer escapes for its own format."""

from __future__ import annotations

import dataclasses
import datetime as dt

from ..instruments.arms import ArmsCatalogue, check, load_arms_catalogue
from ..instruments.mappa import load_mappa
from ..instruments.plan import PILLARS, RiskManagementPlan
from ..instruments.plan_quality import QualityProfile, load_rubric
from ..instruments.rm2000 import RM2000Result
from ..instruments.rm2000_rescore import rescore, ruleset_status, superseded_note
from .model import ReportInput
from .text import HANDLING, JUDGEMENT_STATEMENT, MARKING, date_text, datetime_text

NOT_WRITTEN = "Not written"
LEGAL_KINDS = {"notification": "Notification requirements", "licence_condition":
               "Licence condition", "order": "Civil order", "other": "Other"}
VISIT_KINDS = {"announced": "Announced", "unannounced": "Unannounced", "mixed": "Mixed", "": ""}


# Relative column widths by heading, so HTML and PDF lay tables out alike (default 1).
COLUMN_WEIGHTS = {
    "Item": 1.0, "Detail": 2.4, "Scale": 2.0, "Category": 1.0, "Factor": 1.5, "Kind": 0.8,
    "Rating": 1.1, "Evidence items": 0.8, "Note": 1.8, "What was seen or said": 2.6,
    "Source": 1.0, "Date": 0.9, "Action": 2.0, "Factors addressed": 1.0, "Owner": 1.1,
    "Frequency or due date": 1.2, "Observable outcome": 1.8, "Warning sign or trigger": 1.6,
    "Response": 2.0, "Terms": 2.6, "End date": 1.0, "Criterion": 0.9, "Description": 2.0,
    "How judged": 1.1, "Status": 1.0, "Score": 0.7, "What is missing": 2.6,
    "What to find out": 2.4, "From whom": 1.4, "By when": 0.9, "Agency": 1.2,
    "Role in the plan": 2.6, "Tool": 0.9, "Held by": 1.2, "Result as reported": 1.6,
}


@dataclasses.dataclass(frozen=True)
class Table:
    """A table: a caption, column headings, and rows; the first cell of a row is its heading."""

    caption: str
    columns: list[str]
    rows: list[list[str]]

    @property
    def shares(self) -> list[float]:
        """Each column's share of the width (sums to 1)."""
        weights = [COLUMN_WEIGHTS.get(c, 1.0) for c in self.columns]
        return [w / sum(weights) for w in weights]


@dataclasses.dataclass(frozen=True)
class Block:
    """A labelled piece of free text (empty text is shown as `missing`)."""

    label: str
    text: str
    missing: str = NOT_WRITTEN


@dataclasses.dataclass
class Section:
    """One section of the report: a heading, then an introduction, blocks, tables and lists."""

    id: str
    title: str
    intro: list[str] = dataclasses.field(default_factory=list)
    parts: list[Table | Block | Heading | Lines | Alert] = dataclasses.field(
        default_factory=list)
    new_page: bool = True


@dataclasses.dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section."""

    text: str


@dataclasses.dataclass(frozen=True)
class Lines:
    """Lines shown one under another (the RM2000 working), optionally as a numbered list."""

    label: str
    lines: list[str]
    ordered: bool = True


@dataclasses.dataclass(frozen=True)
class Alert:
    """Something the reader must not miss (incompleteness, unreadable parts), with details."""

    title: str
    items: list[str]


@dataclasses.dataclass
class ReportView:
    marking: str
    handling: str
    title: str
    person_reference: str
    fictional: bool
    sections: list[Section]
    statement: str
    footer: str


def build_view(report: ReportInput, catalogue: ArmsCatalogue | None = None) -> ReportView:
    """Turn a `ReportInput` into the ordered sections of the report."""
    sections = [_about(report)]
    if report.rm2000 is not None:
        sections.append(_rm2000(report.rm2000))
    if report.arms is not None:
        sections.append(_arms(report, catalogue or load_arms_catalogue()))
    if report.plan is not None:
        sections.append(_plan(report.plan))
    if report.quality is not None:
        sections.append(_quality(report.quality))
    if len(sections) == 1:
        sections[0].parts.append(Alert(
            "Nothing to show", ["This version holds no RM2000 result, ARMS assessment or plan "
                                "in the report format."]))
    who = f" by {report.generated_by}" if report.generated_by else ""
    return ReportView(
        marking=MARKING, handling=HANDLING,
        title=f"{report.kind_label} assessment report",
        person_reference=report.person_reference, fictional=report.fictional,
        sections=sections, statement=JUDGEMENT_STATEMENT,
        footer=f"Generated{who} at {datetime_text(report.generated_at)} with RSO Workbook.")


def _signed(by: str | None, at: dt.datetime | None, verb: str) -> str:
    return f"{verb} by {by} at {datetime_text(at)}" if by else f"Not {verb.lower()}"


def _summary(r: ReportInput) -> Table:
    version = f"{r.version}"
    if r.latest_version and r.latest_version > r.version:
        version += f" (superseded: the latest version is {r.latest_version})"
    elif r.latest_version:
        version += " (the latest version)"
    rows = [
        ["Person reference", r.person_reference + (" (fictional, training record)"
                                                   if r.fictional else "")],
        ["Assessment", r.kind_label + (f", number {r.assessment_id}"
                                       if r.assessment_id is not None else "")],
        ["Version", version],
        ["Author", r.author],
        ["Date of this version", datetime_text(r.created_at)],
        ["Reason for change", r.reason or "Not recorded"],
        ["Ruleset", r.ruleset or "None recorded"],
        ["Signed", _signed(r.signed_by, r.signed_at, "Signed")],
        ["Countersigned", _signed(r.countersigned_by, r.countersigned_at, "Countersigned")],
        ["Sign-off state", r.sign_state.capitalize()],
    ]
    if r.review_due is not None:
        rows.append(["Review due", date_text(r.review_due)])
    return Table("Version details", ["Item", "Detail"], rows)


def _about(r: ReportInput) -> Section:
    s = Section("about", "About this version", new_page=False)
    s.parts.append(_summary(r))
    if r.notes:
        s.parts.append(Alert("About the stored record", list(r.notes)))
    return s


def _rm2000(res: RM2000Result) -> Section:
    s = Section("rm2000", "RM2000 (static risk)")
    s.parts.append(Table("RM2000 result", ["Item", "Detail"], [
        ["Ruleset", res.ruleset], ["Ruleset status", ruleset_status(res.ruleset)],
        ["Scored", datetime_text(res.scored_at)],
        ["Applies to this person", "Yes" if res.applicable else "No"]]))
    note = superseded_note(res.ruleset)
    if note:  # the recorded result is shown as recorded; the current ruleset's view beside it
        again = rescore(res)
        what = (again.problem if again.problem else
                f"The same facts scored with {again.after.ruleset} would give: "
                f"{'; '.join(c.text() for c in again.scales)}." if again.after else "")
        s.parts.append(Alert("Scored with an earlier ruleset", [note, what] if what else [note]))
    if not res.applicable:
        s.parts.append(Block("Why RM2000 does not apply", res.reason or "",
                             missing="No reason recorded"))
        s.parts.append(Block("What this means", "No RM2000 category is given. Assess risk "
                             "with the approach your force uses for people outside RM2000's "
                             "scope."))
    else:
        assert res.s and res.v and res.c
        s.parts.append(Table("RM2000 categories", ["Scale", "Category"], [
            ["/S (sexual reconviction)", res.s.category],
            ["/V (non-sexual violent reconviction)", res.v.category],
            ["/C (combined)", res.c.category]]))
    s.parts.append(Lines("Working, line by line", res.working()))
    s.parts.append(Block("Interpreting a category", res.interpretation or JUDGEMENT_STATEMENT))
    return s


def _arms(r: ReportInput, cat: ArmsCatalogue) -> Section:
    a = r.arms
    assert a is not None
    s = Section("arms", "ARMS (dynamic risk and protective factors)")
    gaps = check(a, cat)
    if gaps:
        s.parts.append(Alert(f"This ARMS assessment is incomplete ({len(gaps)} gap"
                               f"{'s' if len(gaps) != 1 else ''})",
                               [f"{g.message} [{g.field}]" for g in gaps]))
    details = [["Catalogue", a.catalogue or "Not recorded"],
               ["Assessed on", date_text(a.assessed_on)],
               ["ARMS version", str(a.version)]]
    if a.catalogue and a.catalogue != cat.ref:
        details.append(["Note", f"Factor names below come from {cat.ref}; the assessment was "
                                f"made with {a.catalogue}."])
    if a.change_reason:
        details.append(["What changed and why", a.change_reason])
    s.parts.append(Table("ARMS assessment", ["Item", "Detail"], details))
    if a.rm2000 is not None:
        st = a.rm2000
        text = (f"/S {st.s or '—'}, /V {st.v or '—'}, /C {st.c or '—'}" if st.applicable
                else f"RM2000 does not apply: {st.reason or 'no reason recorded'}")
        s.parts.append(Block("Static context recorded with this assessment",
                             text + (f" (ruleset {st.ruleset})" if st.ruleset else "")))
    rows, evidence = [], []
    for f in cat.factors:
        fr = a.ratings.get(f.id)
        rating = fr.rating if fr else None
        label = (cat.label(f.kind, rating) if rating in cat.rating_ids(f.kind)
                 else (rating or "Not rated"))
        kind = "Risk" if f.kind == "risk" else "Protective"
        rows.append([f"{f.id} {f.name}", kind, label, str(len(fr.evidence) if fr else 0),
                     fr.note if fr else ""])
        for ev in fr.evidence if fr else []:
            evidence.append([f"{f.id} {f.name}", ev.what, ev.source, date_text(ev.date)])
    for fid in sorted(set(a.ratings) - {f.id for f in cat.factors}):
        fr = a.ratings[fid]
        rows.append([fid, "Unknown factor", fr.rating or "Not rated", str(len(fr.evidence)),
                     fr.note])
        evidence += [[fid, ev.what, ev.source, date_text(ev.date)] for ev in fr.evidence]
    s.parts.append(Table("Factor ratings", ["Factor", "Kind", "Rating", "Evidence items",
                                            "Note"], rows))
    s.parts.append(Table("Evidence", ["Factor", "What was seen or said", "Source", "Date"],
                         evidence) if evidence else Block("Evidence", "", "No evidence recorded"))
    follow = [[f"{f.id} {f.name}", fu.what or "Not set", fu.source or "Not set",
               date_text(fu.due, "Not set")] for f in cat.factors
              if (fr := a.ratings.get(f.id)) and fr.rating == cat.insufficient.id
              and (fu := fr.follow_up) is not None]
    if follow:
        s.parts.append(Table("Insufficient information: what to find out, from whom, by when",
                             ["Factor", "What to find out", "From whom", "By when"], follow))
    s.parts.append(Heading("Formulation"))
    for part in cat.formulation_parts:
        s.parts.append(Block(part.label, getattr(a.formulation, part.id, "")))
    s.parts.append(Heading("Priority for work — the assessor's judgement"))
    s.parts.append(Block("Priority", a.priority.level or "", missing="Not chosen"))
    s.parts.append(Block("Rationale", a.priority.rationale))
    s.intro.append("The priority for work is set by the assessor with a written rationale; "
                   "the workbook shows the ratings and never computes the priority.")
    return s


def _plan(p: RiskManagementPlan) -> Section:
    labels = {pd.id: pd.label for pd in load_rubric().pillars}
    s = Section("plan", "Risk management plan")
    for pillar in PILLARS:
        label = labels.get(pillar, pillar)
        acts = [a for a in p.actions if a.pillar == pillar]
        s.parts.append(Heading(f"Actions: {label}"))
        if acts:
            s.parts.append(Table(f"{label} actions",
                                 ["Action", "Factors addressed", "Owner",
                                  "Frequency or due date", "Observable outcome"],
                                 [[a.description, ", ".join(a.factors) or "None linked",
                                   a.owner or "Not set", _when(a.frequency, a.due),
                                   a.outcome or "Not set"] for a in acts]))
        else:
            s.parts.append(Block("No actions under this pillar: the reason recorded",
                                 p.pillar_omissions.get(pillar, ""),
                                 missing="No reason recorded for leaving it out"))
    s.parts.append(Heading("Who could be harmed"))
    s.parts.append(Block("People or groups named",
                         "\n".join(v for v in p.potential_victims if v.strip()),
                         missing="Nobody named"))
    s.parts.append(Heading("Contingency plan"))
    s.parts.append(_table_or_none("Contingencies", ["Warning sign or trigger", "Response",
                                                       "Owner"],
                                  [[c.trigger or "Not set", c.response or "Not set",
                                    c.owner or "Not set"] for c in p.contingencies],
                                  "No contingency entries"))
    s.parts.append(Heading("Legal requirements"))
    s.parts.append(_table_or_none("Notification, conditions, orders", ["Kind", "Terms", "End date"],
                                  [[LEGAL_KINDS.get(x.kind, x.kind), x.terms or "Not set",
                                    date_text(x.end_date, "None recorded")] for x in p.legal],
                                  "No legal requirements recorded"))
    s.parts.extend(_mappa(p))
    s.parts.append(Heading("Visits and review"))
    s.parts.append(Table("Visits", ["Item", "Detail"], [
        ["Frequency", p.visits.frequency or "Not set"],
        ["Type", VISIT_KINDS.get(p.visits.kind, p.visits.kind) or "Not set"],
        ["Reason for that choice", p.visits.reason or "Not recorded"]]))
    s.parts.append(Table("Review", ["Item", "Detail"], [
        ["Next review", date_text(p.review.date)],
        ["Early-review triggers", "\n".join(t for t in p.review.early_triggers if t.strip())
         or "None listed"]]))
    s.parts.append(Heading("Rationale"))
    s.parts.append(Block("Why the plan is proportionate", p.rationale))
    return s


def _mappa(p: RiskManagementPlan) -> list[Table | Block | Heading | Lines | Alert]:
    """The MAPPA and partnership layer and the partners' own assessments (references only)."""
    out: list[Table | Block | Heading | Lines | Alert] = [Heading("MAPPA and partnership")]
    m = p.mappa
    if m is None:
        out.append(Block("MAPPA arrangements", "", missing="No MAPPA arrangements recorded"))
    else:
        cat = load_mappa()
        out.append(Table("MAPPA arrangements", ["Item", "Detail"], [
            ["Category", cat.category_label(m.category) if m.category else "Not set"],
            ["Level", cat.level_label(m.level) if m.level else "Not set"],
            ["Lead agency", m.lead_agency or "Not set"],
            ["What would prompt a level review",
             "\n".join(t for t in m.level_review_triggers if t.strip()) or "None listed"],
            ["Information-sharing agreements",
             "\n".join(t for t in m.information_sharing if t.strip()) or "None noted"],
            ["Source", f"{cat.ref}: {cat.provenance.status}"]]))
        out.append(_table_or_none("Partner agencies", ["Agency", "Role in the plan"],
                                  [[x.agency or "Not set", x.role or "Not set"]
                                   for x in m.partners], "No partner agencies recorded"))
    out.append(_table_or_none(
        "Risk assessments held by partners (references only, not computed here)",
        ["Tool", "Held by", "Result as reported", "Date"],
        [[a.tool or "Not set", a.held_by or "Not set", a.result or "Not set",
          date_text(a.date, "Not set")] for a in p.partner_assessments],
        "No partner assessments noted"))
    return out


def _when(frequency: str, due: dt.date | None) -> str:
    bits = [frequency] if frequency.strip() else []
    if due is not None:
        bits.append(f"due {date_text(due)}")
    return "; ".join(bits) or "Not set"


def _table_or_none(caption: str, columns: list[str], rows: list[list[str]],
                   none: str) -> Table | Block:
    return Table(caption, columns, rows) if rows else Block(caption, "", missing=none)


def _quality(q: QualityProfile) -> Section:
    s = Section("quality", "Plan quality")
    s.intro.append(f"Rubric {q.rubric}. Each criterion scores 0 (not met), 1 (partly) or 2 "
                   "(fully). This is a profile, not a grade: read what is missing and how to "
                   "fix it.")
    rows = []
    for c in q.criteria:
        notes = list(c.missing)
        if c.overridden:
            notes.append(f"Auto result {c.auto_score} overridden by a reviewer: {c.reason}")
        elif c.reason:
            notes.append(f"Reviewer: {c.reason}")
        if c.fix:
            notes.append(f"How to fix: {c.fix}")
        rows.append([c.id, c.text, c.mode, c.status,
                     "—" if c.score is None else f"{c.score} of 2", "\n".join(notes)])
    s.parts.append(Table("Plan-quality profile", ["Criterion", "Description", "How judged",
                                                  "Status", "Score", "What is missing"], rows))
    s.parts.append(Block("Total", f"{q.total} of {q.maximum} (criteria not yet judged are left "
                                  "out of the maximum)"))
    return s
