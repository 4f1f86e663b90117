"""What the plan builder shows about the plan as it is written, as HTML: which ARMS factors
still need an action and which action addresses each, and the quality rubric's results
criterion by criterion. Pure functions of the plan, the assessment and the rubric's profile;
text escaped; every look is a kit.css class."""

from __future__ import annotations

from typing import Any

from ..instruments.plan import RiskManagementPlan
from ..instruments.plan_quality import CriterionResult, QualityProfile
from .arms_form import tag
from .fields import esc

STATUS_WORDS = {2: "Fully met", 1: "Partly met", 0: "Not met"}


def heading_html(title: str, hint: str) -> str:
    """A part's heading, and its hint when there is one."""
    h = f'<h2 class="rso-plan-heading">{esc(title)}</h2>'
    if hint:
        h += f'<p class="rso-hint">{esc(hint)}</p>'
    return h


def error_html(text: str) -> str:
    """An inline error beside a control inside a row (the markup `Field` uses)."""
    return (f'<div class="rso-error-message"><span>Error:</span> {esc(text)}</div>'
            if text else "")


def counts_html(labels: dict[str, str], counts: dict[str, int]) -> str:
    """How many actions each pillar has so far."""
    return ('<p class="rso-plan-counts">Actions so far: ' + " · ".join(
        f"{esc(labels[p])}: {counts[p] or 'none'}" for p in counts) + "</p>")


def coverage_html(plan: RiskManagementPlan, rows: list[dict[str, Any]],
                  findings: list[str]) -> str:
    """Each factor of the ARMS profile (`rows`) with its rating and the actions addressing it;
    the rubric's findings (`findings`: factors still without an action) first."""
    out = []
    for r in rows:
        fid, name = r["factor"], r["name"]
        numbers = [str(i + 1) for i, a in enumerate(plan.actions) if fid in a.factors]
        flagged = [m for m in findings if f"{fid} {name}" in m]
        if flagged:
            status = "<strong>Needs an action</strong>"
        elif numbers:
            status = f"Addressed by action {', '.join(numbers)}"
        else:
            status = "No action linked"
        out.append(
            f'<tr class="rso-coverage-{esc(fid)}{" rso-needs-action" if flagged else ""}">'
            f'<th scope="row">{esc(fid)} {esc(name)}</th><td>{esc(r["label"])}</td>'
            f"<td>{status}</td></tr>")
    if findings:
        items = "".join(f"<li>{esc(m)}</li>" for m in findings)
        head = (f'<div class="rso-unaddressed" role="status"><strong>Not yet addressed '
                f"({len(findings)}):</strong><ul>{items}</ul></div>")
    else:
        head = ('<div class="rso-unaddressed rso-all-addressed" role="status"><strong>Every '
                "factor that needs an action has one.</strong></div>")
    return (f'{head}<table class="rso-coverage"><thead><tr><th scope="col">Factor</th>'
            '<th scope="col">ARMS rating</th><th scope="col">Plan</th></tr></thead>'
            f'<tbody>{"".join(out)}</tbody></table>')


def rubric_html(prof: QualityProfile) -> str:
    """The rubric's results: each criterion, its result and what is missing; the automatic
    points, and that the judged criteria are the reviewer's."""
    rows = "".join(criterion_html(c) for c in prof.criteria)
    auto = [c for c in prof.criteria if c.mode != "judged" and c.auto_score is not None]
    points = sum(c.auto_score or 0 for c in auto)
    return ('<table class="rso-rubric"><thead><tr><th scope="col">Criterion</th>'
            '<th scope="col">Result</th><th scope="col">What is missing, and how to fix it</th>'
            f'</tr></thead><tbody>{rows}</tbody></table>'
            f'<p class="rso-hint-text rso-rubric-points">Automatic checks: {points} of '
            f"{2 * len(auto)} points (rubric <code>{esc(prof.rubric)}</code>). A profile to "
            "act on, not a grade: the judged criteria are for the reviewer.</p>")


def criterion_html(c: CriterionResult) -> str:
    """One row of the rubric table."""
    if c.mode == "judged" and c.score is None:
        result = tag("For the reviewer", "Not started")
        detail = "Judged by a supervisor or trainer. " + c.fix
    else:
        words = STATUS_WORDS.get(c.score if c.score is not None else -1, c.status)
        result = tag(words, {2: "Complete", 1: "Incomplete"}.get(c.score, "Not met"))
        if c.mode == "auto+judged" and not c.overridden:
            result += ('<br><span class="rso-hint-text">presence check; the reviewer also '
                       "judges it</span>")
        if c.overridden:
            result += (f'<br><span class="rso-hint-text">set by the reviewer: '
                       f"{esc(c.reason)}</span>")
        missing = "".join(f"<li>{esc(m)}</li>" for m in c.missing)
        detail = (f"<ul>{missing}</ul>" if missing else "") + \
            (f"<strong>How to fix:</strong> {esc(c.fix)}" if c.fix and c.score != 2 else "")
        if not missing and c.score == 2:
            detail = "Nothing missing."
    return (f'<tr class="rso-criterion rso-criterion-{esc(c.id)}"><th scope="row">'
            f"<strong>{esc(c.id)}</strong> {esc(c.text)}</th>"
            f'<td class="rso-criterion-result">{result}</td><td>{detail}</td></tr>')
