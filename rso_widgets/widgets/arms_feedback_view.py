"""Feedback on an ARMS practice attempt: each factor's rating beside the key's (exact / adjacent
/ opposite), the key's evidence and rationale, the two priorities side by side (no verdict), and
the trainee's plan on the rubric beside the key plan's profile.

A view only over `calibration.arms_feedback.ArmsFeedback`; every piece of text is escaped.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..calibration.arms_feedback import (
    ArmsFeedback,
    CriterionComparison,
    FactorComparison,
    PlanComparison,
)
from ..instruments.plan import RiskManagementPlan
from .arms_form import tag
from .fields import esc

AGREEMENT_WORDS = {"exact": "Exact", "adjacent": "Adjacent (one step apart)",
                   "opposite": "Opposite ends of the scale", "not comparable": "Not comparable",
                   "acceptable": "A defensible alternative"}
AGREEMENT_LOOK = {"exact": "Complete", "adjacent": "Incomplete", "opposite": "Not met",
                  "not comparable": "Not started", "acceptable": "Complete"}
DOCUMENTS = {"summary": "case summary", "background": "background", "record": "record printout",
             "officer_notes": "officer's notes", "partner_agency": "partner agency information",
             "interview_summary": "interview summary"}
PILLAR_WORDS = {"supervision": "Supervision", "monitoring_control": "Monitoring and control",
                "interventions_treatment": "Interventions and treatment",
                "victim_safety": "Victim safety planning"}


def _agreement(a: str) -> str:
    return tag(AGREEMENT_WORDS.get(a, a), AGREEMENT_LOOK.get(a, "Not started"))


def _factor(f: FactorComparison) -> str:
    key_ev = "".join(
        f"<li>{esc(e.what)} <span class='rso-hint-text'>({esc(e.source)}, "
        f"{e.date:%d %b %Y}; {esc(DOCUMENTS.get(e.document, e.document))})</span></li>"
        for e in f.key_evidence) or "<li>None: the key rates the information as insufficient."\
        "</li>"
    mine = "".join(
        f"<li>{esc(e.what)} <span class='rso-hint-text'>({esc(e.source)}, "
        f"{e.date:%d %b %Y})</span></li>" for e in f.trainee_evidence) or "<li>None given.</li>"
    flags = "".join(f"<li>{esc(x)}</li>" for x in f.flags)
    flags_html = (f"<p class='rso-fb-line'><strong>About your entry:</strong></p>"
                  f"<ul>{flags}</ul>") if flags else ""
    note = (f"<p class='rso-fb-line'><strong>Your note:</strong> {esc(f.trainee_note)}</p>"
            if f.trainee_note.strip() else "")
    follow = (f"<p class='rso-fb-line'><strong>Key follow-up:</strong> "
              f"{esc(f.key_follow_up)}</p>" if f.key_follow_up else "")
    alts = (f"<p class='rso-fb-line'><strong>Defensible alternatives the key accepts:</strong> "
            f"{esc(', '.join(f.key_alternatives))}</p>" if f.key_alternatives else "")
    shown = "acceptable" if f.acceptable else f.agreement
    return (
        f"<section class='rso-fb-factor rso-fb-{esc(f.factor)} rso-agreement-"
        f"{esc(shown.replace(' ', '-'))}'><h4>{esc(f.factor)} {esc(f.name)}: "
        f"{_agreement(shown)}</h4>"
        f"<p class='rso-fb-tight'>You: <strong>{esc(f.trainee_label)}</strong> · Key: "
        f"<strong>{esc(f.key_label)}</strong></p>"
        f"<p class='rso-fb-tight'>{esc(f.message)}</p>{flags_html}"
        f"<details><summary>The key's evidence and rationale, and yours</summary>"
        f"<p class='rso-fb-line rso-hint-text'>What the assessor looks for: "
        f"{esc(f.look_for)}</p>"
        f"<p class='rso-fb-line'><strong>Key evidence:</strong></p><ul>{key_ev}</ul>"
        f"<p class='rso-fb-line'><strong>Key rationale:</strong> {esc(f.key_rationale)}</p>"
        f"{follow}{alts}"
        f"<p class='rso-fb-line'><strong>Your evidence:</strong></p><ul>{mine}</ul>{note}"
        f"</details></section>")


def _criterion(c: CriterionComparison) -> str:
    def status(score: int | None, text: str) -> str:
        if score is None:
            return tag("For the reviewer" if text == "not yet judged" else text, "Not started")
        return tag(text.capitalize(), {2: "Complete", 1: "Incomplete"}.get(score, "Not met"))
    missing = "".join(f"<li>{esc(m)}</li>" for m in c.missing)
    detail = (f"<ul class='rso-plain'>{missing}</ul>" if missing else "") + \
        (f"<strong>How to fix:</strong> {esc(c.fix)}" if c.fix else "")
    key_note = f"<br><span class='rso-hint-text'>{esc(c.key_note)}</span>" \
        if c.key_note else ""
    return (f"<tr class='rso-fb-criterion rso-fb-{esc(c.id)}'><th scope='row'>"
            f"<strong>{esc(c.id)}</strong> {esc(c.text)}</th>"
            f"<td>{status(c.trainee_score, c.trainee_status)}<div>{detail}</div></td>"
            f"<td>{status(c.key_score, c.key_status)}{key_note}</td></tr>")


def _key_plan(plan: RiskManagementPlan) -> str:
    acts = "".join(
        f"<li><strong>{esc(PILLAR_WORDS.get(a.pillar, a.pillar))}</strong>: "
        f"{esc(a.description)} <span class='rso-hint-text'>(factors "
        f"{esc(', '.join(a.factors) or 'none')}; owner {esc(a.owner or '—')}; "
        f"{esc(a.frequency or (f'due {a.due:%d %b %Y}' if a.due else '—'))}; outcome: "
        f"{esc(a.outcome or '—')})</span></li>" for a in plan.actions)
    cont = "".join(f"<li>{esc(c.trigger)} → {esc(c.response)} ({esc(c.owner)})</li>"
                   for c in plan.contingencies)
    legal = "".join(
        f"<li>{esc(r.kind.replace('_', ' '))}: {esc(r.terms)}"
        f"{f' (ends {r.end_date:%d %b %Y})' if r.end_date else ''}</li>" for r in plan.legal)
    victims = "".join(f"<li>{esc(v)}</li>" for v in plan.potential_victims)
    triggers = "".join(f"<li>{esc(t)}</li>" for t in plan.review.early_triggers)
    review = f"{plan.review.date:%d %b %Y}" if plan.review.date else "not set"
    m = plan.mappa
    mappa = ("<p>No MAPPA arrangements recorded.</p>" if m is None else
             f"<p>Category {esc(m.category or '—')}, level {esc(m.level or '—')}; lead agency "
             f"{esc(m.lead_agency or '—')}.</p><ul>"
             + "".join(f"<li>{esc(x.agency)}: {esc(x.role)}</li>" for x in m.partners)
             + "</ul><p>Level review on:</p><ul>"
             + "".join(f"<li>{esc(t)}</li>" for t in m.level_review_triggers)
             + "</ul><p>Information sharing:</p><ul>"
             + "".join(f"<li>{esc(t)}</li>" for t in m.information_sharing) + "</ul>")
    return (f"<details><summary>Read the key plan</summary>"
            f"<h4>Actions</h4><ol>{acts}</ol><h4>Who could be harmed</h4><ul>{victims}</ul>"
            f"<h4>Contingencies</h4><ul>{cont}</ul><h4>Legal requirements</h4><ul>{legal}</ul>"
            f"<h4>MAPPA and partnership</h4>{mappa}"
            f"<h4>Visits</h4><p>{esc(plan.visits.frequency)} ({esc(plan.visits.kind)}): "
            f"{esc(plan.visits.reason)}</p><h4>Review</h4><p>Next review {review}. Early "
            f"review on:</p><ul>{triggers}</ul><h4>Proportionality</h4>"
            f"<p>{esc(plan.rationale)}</p></details>")


def _plan(p: PlanComparison) -> str:
    rows = "".join(_criterion(c) for c in p.criteria)
    gaps = "".join(f"<li>{esc(x)}</li>" for x in p.key_factors_not_addressed)
    gaps_html = (f"<p><strong>Factors the key rates as live that your plan does not address:"
                 f"</strong></p><ul>{gaps}</ul>") if gaps else ""
    return (f"<h3>Your plan on the quality rubric, beside the key plan</h3>"
            f"<p class='rso-hint-text rso-fb-measure'>Your plan is checked against your "
            f"own ratings, as in live work. Judged criteria are for your trainer or supervisor; "
            f"the key author's judgement is shown for discussion.</p>"
            f"<table class='rso-fb-rubric'><thead><tr><th scope='col'>Criterion</th>"
            f"<th scope='col'>Your plan</th><th scope='col'>Key plan</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>{gaps_html}{_key_plan(p.key_plan)}")


def render_feedback(fb: ArmsFeedback) -> str:
    """The whole feedback as escaped HTML."""
    s = fb.summary
    cov = "—" if s.evidence_coverage is None else f"{s.evidence_coverage:.0f}%"
    extra = []
    if s.unrated:
        extra.append(f"Not rated: {', '.join(s.unrated)}.")
    if s.without_evidence:
        extra.append(f"Rated with no evidence: {', '.join(s.without_evidence)}.")
    notes = "".join(f"<li>{esc(n)}</li>" for n in fb.notes)
    pr = fb.priority
    also = (f" The key's author also finds {esc(', '.join(pr.also_reasonable))} reasonable."
            if pr.also_reasonable else "")
    priority = (
        f"<h3>Priority for work</h3><p class='rso-fb-measure'>{esc(pr.note)}</p>"
        f"<table class='rso-fb-priority'><tbody><tr><th scope='row'>You</th>"
        f"<td><strong>{esc(pr.trainee or 'Not chosen')}</strong><br>"
        f"{esc(pr.trainee_rationale or 'No rationale written.')}</td></tr>"
        f"<tr><th scope='row'>Key</th><td><strong>{esc(pr.key)}</strong><br>"
        f"{esc(pr.key_rationale)}{also}</td></tr></tbody></table>")
    plan = _plan(fb.plan) if fb.plan is not None else ""
    return (
        f"<div class='rso-arms-feedback' role='region' aria-label='Feedback'>"
        f"<h2>Feedback on {esc(fb.case_id)}</h2>"
        f"<p class='rso-fb-summary'><strong>Ratings:</strong> "
        f"{esc(s.line())}. Evidence sources shared with the key: {esc(cov)}. "
        f"{esc(' '.join(extra))}</p>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + "<h3>Factor by factor</h3>" + "".join(_factor(f) for f in fb.factors)
        + priority + plan + "</div>")


class ArmsFeedbackView(w.VBox):
    """Shows `ArmsFeedback` (empty until `show`)."""

    def __init__(self, **kwargs: Any):
        self.body = w.HTML(value="")
        self.feedback: ArmsFeedback | None = None
        super().__init__([self.body], **kwargs)
        self.add_class("rso-arms-feedback-view")

    def show(self, fb: ArmsFeedback) -> None:
        self.feedback = fb
        self.body.value = render_feedback(fb)

    def clear(self) -> None:
        self.feedback = None
        self.body.value = ""
