"""The ARMS form and the risk management plan cut along their seams into task-list sections
(`widgets.tasklist.Section`), shared by ARMS practice, the ARMS assessment and the live
assessment: the risk factors, the protective factors, the formulation and priority, and the
plan in three parts. Statuses read the answers (`ARMSForm.gaps`, `PlanBuilder.value`), so a
loaded draft counts before a section is opened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..widgets.fields import esc
from ..widgets.tasklist import CANNOT_START, COMPLETED, IN_PROGRESS, NOT_STARTED, Section

Ready = Callable[[], bool]


def box(children: list[w.Widget], *classes: str) -> w.VBox:
    """A section's body, with the classes the form stylesheet needs."""
    out = w.VBox(children)
    for c in ("rso-form", "rso-section-body", *classes):
        out.add_class(c)
    return out


def hint(text: str) -> w.HTML:
    return w.HTML(f'<p class="rso-hint">{esc(text)}</p>')


def about(summary: str, text: str, css_class: str = "") -> w.HTML:
    """A "details" reveal (GOV.UK): technical notes such as catalogue or ruleset ids, never
    headline text. `text` is markup: escape what it quotes."""
    return w.HTML(f'<details class="rso-about {css_class}"><summary>{esc(summary)}</summary>'
                  f'<p>{text}</p></details>')


def _status(ready: Ready, started: bool, complete: bool) -> str:
    if not ready():
        return CANNOT_START
    if complete and started:
        return COMPLETED
    return IN_PROGRESS if started else NOT_STARTED


def _clip(text: str, n: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def arms_sections(form: Any, ready: Ready, *, before: list[w.Widget] | None = None
                  ) -> list[Section]:
    """Risk factors (with the assessment date and static context), protective factors, and
    the formulation with the priority for work and the profile. `before`: widgets shown at
    the top of each (e.g. the case file reveal in practice)."""
    cat = form.cat
    top = list(before or [])
    form.check_hint = "each factor's status below says what is left."
    notes = about("About these ratings", f"Catalogue: {esc(cat.title)} (<code>{esc(cat.ref)}"
                  f"</code>): {esc(cat.provenance.status)}. {esc(cat.interpretation)}")
    kinds = {"risk": [f.id for f in cat.factors if f.kind == "risk"],
             "protective": [f.id for f in cat.factors if f.kind != "risk"]}
    labels = {lv.id: lv.label for scale in cat.scales.values() for lv in scale}
    labels[cat.insufficient.id] = cat.insufficient.label

    def factor_status(kind: str) -> Callable[[], str]:
        def status() -> str:
            value = form.value
            ids = kinds[kind]
            started = any(value.ratings.get(f) is not None and (
                value.ratings[f].rating is not None or value.ratings[f].evidence)
                for f in ids)
            return _status(ready, started, not any(form.factor_gaps(f) for f in ids))
        return status

    def factor_summary(kind: str) -> Callable[[], list[tuple[str, str]]]:
        def rows() -> list[tuple[str, str]]:
            out = []
            for fid in kinds[kind]:
                fr = form.value.ratings.get(fid)
                name = form.sections[fid].factor.name
                if fr is None or fr.rating is None:
                    out.append((f"{fid} {name}", "Not rated yet"))
                    continue
                n = len(fr.evidence)
                out.append((f"{fid} {name}", f"{labels.get(fr.rating, fr.rating)}; {n} "
                                             f"evidence item{'s' if n != 1 else ''}"))
            return out
        return rows

    def formulation_status() -> str:
        value = form.value
        written = [getattr(value.formulation, p.id, "") for p in cat.formulation_parts]
        started = any(str(t).strip() for t in written) or value.priority.level is not None
        done = not any(g.field.startswith(("formulation.", "priority.")) for g in form.gaps)
        return _status(ready, started, done)

    def formulation_rows() -> list[tuple[str, str]]:
        value = form.value
        rows = [(p.label, _clip(getattr(value.formulation, p.id, "")) or "Not written yet")
                for p in cat.formulation_parts]
        rows.append(("Priority for work", value.priority.level or "Not chosen yet"))
        rows.append(("Why this priority", _clip(value.priority.rationale) or "Not written yet"))
        return rows

    def date_rows() -> list[tuple[str, str]]:
        when = form.value.assessed_on
        return [("Assessment date", f"{when:%d %B %Y}" if when else "Not given")]

    risk_hint = hint("Rate how far each risk factor is evident now, with the evidence for "
                     "each rating.")
    prot_hint = hint("Rate how far each protective factor is present now, with the evidence "
                     "for each rating.")
    return [
        Section("risk", "ARMS risk factors (R1 to R7)",
                lambda: box([*top, notes, form.completeness, risk_hint,
                             *form.parts["date"], *form.parts["risk"]], "rso-arms-form"),
                factor_status("risk"), summary=lambda: date_rows() + factor_summary("risk")(),
                required=False),
        Section("protective", "ARMS protective factors (P1 to P4)",
                lambda: box([*top, form.completeness, prot_hint, *form.parts["protective"]],
                            "rso-arms-form"),
                factor_status("protective"), summary=factor_summary("protective"),
                required=False),
        Section("formulation", "Formulation and priority for work",
                lambda: box([*top, form.completeness, hint(
                    "Four short parts in your own words, drawing on the ratings; then the "
                    "priority for work, which you choose."), *form.parts["formulation"],
                    *form.parts["priority"], *form.parts["profile"]], "rso-arms-form"),
                formulation_status, summary=formulation_rows, required=False),
    ]


PLAN_FIELDS = {"plan-actions": ("actions",), "plan-safety": ("legal", "mappa",
                                                              "partner_assessments"),
               "plan-review": ("review",)}


def plan_section_of(field: str) -> str:
    """The plan section that holds a problem's field (`plan_problems` field names)."""
    head = field.split(".", 1)[0]
    for key, heads in PLAN_FIELDS.items():
        if head in heads:
            return key
    return "plan-actions"


def plan_sections(plan: Any, ready: Ready, *, before: list[w.Widget] | None = None
                  ) -> list[Section]:
    """The plan: factors and actions (with victim safety); contingency, legal requirements,
    MAPPA and partnership; visits, review, proportionality and the plan's quality."""
    top = list(before or [])

    def problems(key: str) -> bool:
        return any(plan_section_of(g.field) == key for g in plan.find_problems())

    def actions_status() -> str:
        p = plan.value
        started = bool(p.actions or p.potential_victims)
        return _status(ready, started, bool(p.actions) and not plan.unaddressed()
                       and not problems("plan-actions"))

    def safety_status() -> str:
        p = plan.value
        started = bool(p.contingencies or p.legal or p.mappa or p.partner_assessments)
        return _status(ready, started, bool(p.contingencies) and not problems("plan-safety"))

    def review_status() -> str:
        p = plan.value
        started = bool(p.visits.frequency or p.visits.kind or p.review.date or p.rationale)
        done = bool(p.visits.frequency and p.visits.kind and p.review.date
                    and p.rationale.strip()) and not problems("plan-review")
        return _status(ready, started, done)

    def actions_rows() -> list[tuple[str, str]]:
        p = plan.value
        acts = "\n".join(f"{plan.pillar_labels.get(a.pillar, a.pillar)}: "
                         f"{_clip(a.description, 120)}" for a in p.actions) or "None yet"
        left = plan.unaddressed()
        return [("Actions", acts),
                ("Factors still needing an action", ", ".join(left) if left else "None"),
                ("Who could be harmed", "\n".join(p.potential_victims) or "Not given")]

    def safety_rows() -> list[tuple[str, str]]:
        p = plan.value
        mappa = p.mappa
        level = (f"Category {mappa.category or '?'}, level {mappa.level or '?'}" if mappa
                 else "Not recorded")
        return [("Contingencies", str(len(p.contingencies)) if p.contingencies else "None yet"),
                ("Legal requirements", str(len(p.legal)) if p.legal else "None"),
                ("MAPPA", level),
                ("Partner assessments", str(len(p.partner_assessments))
                 if p.partner_assessments else "None")]

    def review_rows() -> list[tuple[str, str]]:
        p = plan.value
        visits = ", ".join(x for x in (p.visits.frequency, p.visits.kind) if x)
        return [("Visits", visits or "Not given"),
                ("Date of the next review", f"{p.review.date:%d %B %Y}" if p.review.date
                 else "Not given"),
                ("Events that bring the review forward",
                 "\n".join(p.review.early_triggers) or "None given"),
                ("Why the plan is proportionate", _clip(p.rationale) or "Not written yet")]

    parts = plan.parts
    return [
        Section("plan-actions", "Risk management plan: factors, actions and victim safety",
                lambda: box([*top, hint(
                    "Each risk factor rated Partly evident or Evident needs an action, each "
                    "factor rated Insufficient information an action to find out, and each "
                    "protective factor an action that builds or sustains it."),
                    *parts["coverage"], *parts["actions"], *parts["victims"]],
                    "rso-plan-builder"),
                actions_status, summary=actions_rows, required=False),
        Section("plan-safety", "Contingency, legal requirements, MAPPA and partnership",
                lambda: box([*top, hint("A warning sign or trigger, the response agreed in "
                                        "advance, and who acts."), *parts["contingencies"],
                             w.HTML("<h3>Legal requirements</h3>"), *parts["legal"],
                             w.HTML("<h3>MAPPA and partnership</h3>"), *parts["mappa"]],
                            "rso-plan-builder"),
                safety_status, summary=safety_rows, required=False),
        Section("plan-review", "Visits, review and proportionality",
                lambda: box([*top, *parts["visits"], *parts["review"],
                             *parts["proportionality"], w.HTML("<h3>Plan quality</h3>"),
                             hint("The rubric's automatic checks, updated as you write. Judged "
                                  "criteria are for the reviewer."), *parts["quality"]],
                            "rso-plan-builder"),
                review_status, summary=review_rows, required=False),
    ]


def arms_problem(form: Any, gap: Any) -> tuple[str, str, str, Any]:
    """An ARMS gap as (label, message, section key, control)."""
    label, widget = form.locate(gap)
    fid = gap.field.split(".")[1] if gap.field.startswith("ratings.") else None
    if fid is not None and fid in form.sections:
        key = "risk" if form.sections[fid].factor.kind == "risk" else "protective"
    else:
        key = "formulation"
    return label, gap.message, key, widget


def plan_problems(plan: Any) -> list[tuple[str, str, str, Any]]:
    """The plan's shown problems as (label, message, section key, control)."""
    return [(label, message, plan_section_of(field), widget)
            for field, label, message, widget in plan.problem_items]
