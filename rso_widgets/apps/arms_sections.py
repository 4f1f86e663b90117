"""The ARMS form and the risk management plan cut along their seams into task-list sections
(`widgets.tasklist.Section`), shared by ARMS practice, the ARMS assessment and the live
assessment: the risk factors (R1 to R3, R4 and R5, R6 and R7) and the protective factors (P1
and P2, P3 and P4), at most three factors a section so that a section with its evidence stays
within about four screens; the formulation and priority, and the plan in three parts.
Each takes a part's answers (`lazy_forms.ARMSAnswers`, `PlanAnswers`): statuses and
summaries read them, so a loaded draft counts before a section is opened, and a section's
`build` builds the form the first time one of its sections is opened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


MOST_FACTORS = 3  # a factor with one evidence item is about 880 px at 1280 px wide: three fit
# in four screens of 800 px (four were 3,500 px, measured by tests/browser/test_arms_keyboard.py)


@dataclass(frozen=True)
class FactorGroup:
    """Consecutive factors of one kind shown as one task-list section."""

    key: str
    kind: str
    ids: tuple[str, ...]

    @property
    def title(self) -> str:
        words = "risk" if self.kind == "risk" else "protective"
        if len(self.ids) == 1:
            span = self.ids[0]
        elif len(self.ids) == 2:
            span = f"{self.ids[0]} and {self.ids[1]}"
        else:
            span = f"{self.ids[0]} to {self.ids[-1]}"
        return f"ARMS {words} factors ({span})"


def factor_groups(cat: Any, most: int = MOST_FACTORS) -> list[FactorGroup]:
    """The catalogue's factors cut into sections of at most `most`, in catalogue order, each
    kind on its own and its sections as even as they can be (7 risk factors: R1 to R3, R4 and
    R5, R6 and R7; 4 protective factors: P1 and P2, P3 and P4).
    A kind that fits in one section keeps the plain key ("risk", "protective")."""
    out = []
    for kind in ("risk", "protective"):
        ids = [f.id for f in cat.factors if (f.kind == "risk") == (kind == "risk")]
        if not ids:
            continue
        n = -(-len(ids) // most)  # sections needed
        size, extra = divmod(len(ids), n)
        start = 0
        for i in range(n):
            end = start + size + (1 if i < extra else 0)
            key = kind if n == 1 else f"{kind}-{i + 1}"
            out.append(FactorGroup(key, kind, tuple(ids[start:end])))
            start = end
    return out


def arms_sections(form: Any, ready: Ready, *, before: list[w.Widget] | None = None
                  ) -> list[Section]:
    """The risk factors (the first section with the assessment date and static context) and
    the protective factors, a few factors per section (`factor_groups`), then the formulation
    with the priority for work and the profile. `form`: the `ARMSAnswers`; `before`: widgets
    shown at the top of each (e.g. the case file reveal in practice)."""
    cat = form.cat
    top = list(before or [])
    form.check_hint = "each factor's status below says what is left."
    notes = about("About these ratings", f"Catalogue: {esc(cat.title)} (<code>{esc(cat.ref)}"
                  f"</code>): {esc(cat.provenance.status)}. {esc(cat.interpretation)}")
    labels = {lv.id: lv.label for scale in cat.scales.values() for lv in scale}
    labels[cat.insufficient.id] = cat.insufficient.label
    names = {f.id: f.name for f in cat.factors}

    def factor_status(ids: tuple[str, ...]) -> Callable[[], str]:
        def status() -> str:
            value = form.value
            started = any(value.ratings.get(f) is not None and (
                value.ratings[f].rating is not None or value.ratings[f].evidence)
                for f in ids)
            return _status(ready, started, not any(form.factor_gaps(f) for f in ids))
        return status

    def factor_summary(ids: tuple[str, ...]) -> list[tuple[str, str]]:
        out = []
        for fid in ids:
            fr = form.value.ratings.get(fid)
            name = names[fid]
            if fr is None or fr.rating is None:
                out.append((f"{fid} {name}", "Not rated yet"))
                continue
            n = len(fr.evidence)
            out.append((f"{fid} {name}", f"{labels.get(fr.rating, fr.rating)}; {n} "
                                         f"evidence item{'s' if n != 1 else ''}"))
        return out

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

    hints = {"risk": "Rate how far each risk factor is evident now, with the evidence for "
                     "each rating.",
             "protective": "Rate how far each protective factor is present now, with the "
                           "evidence for each rating."}
    sections = []
    for i, group in enumerate(factor_groups(cat)):
        first = i == 0  # the assessment date and static context open the factors

        def build(ids: tuple[str, ...] = group.ids, first: bool = first,
                  kind: str = group.kind) -> w.Widget:
            built = form.form
            lead = [notes] if first else []
            when = list(built.parts["date"]) if first else []
            return box([*top, *lead, built.completeness, hint(hints[kind]), *when,
                        *(built.sections[f] for f in ids)], "rso-arms-form")

        def rows(ids: tuple[str, ...] = group.ids, first: bool = first
                 ) -> list[tuple[str, str]]:
            return (date_rows() if first else []) + factor_summary(ids)

        sections.append(Section(group.key, group.title, build, factor_status(group.ids),
                                summary=rows, required=False))
    return [
        *sections,
        Section("formulation", "Formulation and priority for work",
                lambda: box([*top, form.form.completeness, hint(
                    "Four short parts in your own words, drawing on the ratings; then the "
                    "priority for work, which you choose."), *form.form.parts["formulation"],
                    *form.form.parts["priority"], *form.form.parts["profile"]],
                    "rso-arms-form"),
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
    MAPPA and partnership; visits, review, proportionality and the plan's quality. `plan`:
    the `PlanAnswers`."""
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

    def parts(name: str) -> list[w.Widget]:
        return list(plan.form.parts[name])

    return [
        Section("plan-actions", "Risk management plan: factors, actions and victim safety",
                lambda: box([*top, hint(
                    "Each risk factor rated Partly evident or Evident needs an action, each "
                    "factor rated Insufficient information an action to find out, and each "
                    "protective factor an action that builds or sustains it."),
                    *parts("coverage"), *parts("actions"), *parts("victims")],
                    "rso-plan-builder"),
                actions_status, summary=actions_rows, required=False),
        Section("plan-safety", "Contingency, legal requirements, MAPPA and partnership",
                lambda: box([*top, hint("A warning sign or trigger, the response agreed in "
                                        "advance, and who acts."), *parts("contingencies"),
                             w.HTML("<h3>Legal requirements</h3>"), *parts("legal"),
                             w.HTML("<h3>MAPPA and partnership</h3>"), *parts("mappa")],
                            "rso-plan-builder"),
                safety_status, summary=safety_rows, required=False),
        Section("plan-review", "Visits, review and proportionality",
                lambda: box([*top, *parts("visits"), *parts("review"),
                             *parts("proportionality"), w.HTML("<h3>Plan quality</h3>"),
                             hint("The rubric's automatic checks, updated as you write. Judged "
                                  "criteria are for the reviewer."), *parts("quality")],
                            "rso-plan-builder"),
                review_status, summary=review_rows, required=False),
    ]


def arms_problem(form: Any, gap: Any) -> tuple[str, str, str, Any]:
    """An ARMS gap as (label, message, section key, control)."""
    label, widget = form.locate(gap)
    return label, gap.message, arms_section_of(form, gap.field), widget


def arms_section_of(form: Any, field: str) -> str:
    """The key of the ARMS section that holds a gap's field: its factor's section; the first
    one for the assessment date; else the formulation and priority."""
    groups = factor_groups(form.cat)
    fid = field.split(".")[1] if field.startswith("ratings.") else None
    for group in groups:
        if fid in group.ids:
            return group.key
    if field == "assessed_on" and groups:
        return groups[0].key
    return "formulation"


def plan_problems(plan: Any) -> list[tuple[str, str, str, Any]]:
    """The plan's shown problems as (label, message, section key, control)."""
    return [(label, message, plan_section_of(field), widget)
            for field, label, message, widget in plan.problem_items]
