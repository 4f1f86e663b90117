"""The RM2000 form's answers and result as HTML: the "answers scored" list with the evidence
notes (never headed "Check your answers": the form sits inside journeys that have that step of
their own), and the result table with the working, the counting from the sentencing history and
an "About this result" reveal. Pure functions of the engine's result; text escaped."""

from __future__ import annotations

from typing import Any

from ..instruments.rm2000 import COUNT_FIELDS, FACTOR_FIELDS, RM2000Result
from ..instruments.rm2000_rescore import ruleset_status
from ..timefmt import when_text
from .fields import esc
from .rm2000_controls import AGE_FIELDS, DATE_FIELDS, ELIGIBILITY

ANSWERS_HEADING = "Answers scored"  # the list shown with a result, not a check before a save
REMINDER = ("The category informs professional judgement and does not decide: any decision must "
            "rest on everything known about the person.")


def display_value(name: str, value: Any) -> str:
    """An answer as the person reads it back: Yes/No, the offences entered, or the value."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "occasions":
        return f"{sum(len(o['offences']) for o in value)} offence(s) entered"
    if name == "sex" and value in ("male", "female"):
        return str(value).capitalize()  # the words of the question's options
    return str(value)


def answers_html(labels: dict[str, str], facts: dict[str, Any], evidence: dict[str, str]) -> str:
    """The "answers scored" list: each answer given, under its label, with its evidence note."""
    order = ["sex", *AGE_FIELDS, *DATE_FIELDS, ELIGIBILITY, *COUNT_FIELDS, "burglary",
             "occasions", *FACTOR_FIELDS]
    rows = []
    for name in order:
        if name not in facts:
            continue
        rows.append(f"<tr><th scope='row' class='rso-cell "
                    f"rso-row-head'>{esc(labels[name])}</th>"
                    f"<td><strong>{esc(display_value(name, facts[name]))}</strong></td></tr>")
        note = evidence.get(name, "").strip() if name in FACTOR_FIELDS else ""
        if note:
            rows.append(f"<tr><td></td><td class='rso-hint-text'>Evidence: "
                        f"{esc(note)}</td></tr>")
    return (f"<h3 class='rso-kit-heading'>{ANSWERS_HEADING}</h3>"
            f"<table class='rso-answers'>{''.join(rows)}</table>")


def result_html(r: RM2000Result) -> str:
    """The result: each scale's category and how it was reached, or why RM2000 does not
    apply; the working line by line and the reminder that the category does not decide."""
    reminder = esc(r.interpretation or REMINDER)
    working = "".join(f"<li>{esc(line)}</li>" for line in r.working())

    # the ruleset id is for the record, not headline text: an "About this result" reveal
    meta = (f"<details class='rso-about-result'><summary>About this result</summary>"
            f"<p class='rso-hint-text'>Ruleset <code>{esc(r.ruleset)}</code> "
            f"(<span class='rso-ruleset-status'>{esc(ruleset_status(r.ruleset))}</span>)"
            f" · scored at {esc(when_text(r.scored_at))}</p></details>")
    remind = (f"<p role='note' class='rso-note'><strong>Remember:</strong> {reminder}</p>")
    if not r.applicable:
        return (f"<div class='rso-result rso-not-applicable'>"
                f"<h3 class='rso-kit-heading'>RM2000 does not apply</h3>"
                f"<p class='rso-note rso-note-error'><strong>Not applicable.</strong> "
                f"{esc(r.reason)}</p>"
                f"<p>No category is given.</p>{meta}{remind}</div>")
    assert r.s and r.v and r.c
    s, v, c = r.s, r.v, r.c
    s_detail = (f"step 1: {s.step1_points} points → {s.step1_category}; "
                f"{s.aggravating_factors} aggravating factor"
                f"{'' if s.aggravating_factors == 1 else 's'} → raised {s.raised_by}")
    rows = [("/S", "sexual reconviction", s.category, s_detail),
            ("/V", "non-sexual violent reconviction", v.category, f"{v.points} points"),
            ("/C", "combined", c.category,
             f"{c.s_points} + {c.v_points} = {c.points} points")]
    trs = "".join(
        f"<tr class='rso-scale-{esc(code[1:]).lower()}'><th scope='row' "
        f"class='rso-cell'>RM2000{esc(code)} "
        f"<span class='rso-row-head'>({esc(name)})</span></th>"
        f"<td class='rso-cell'><strong class='rso-category'>{esc(cat)}"
        f"</strong></td><td class='rso-hint-text'>{esc(detail)}</td></tr>"
        for code, name, cat, detail in rows)
    derivation = ""
    if r.derivation is not None:
        lines = "".join(f"<li>{esc(line)}</li>" for line in r.derivation.explain())
        derivation = (f"<details open><summary>How the appearances were counted from the "
                      f"sentencing history</summary><ul>{lines}</ul></details>")
    return (f"<div class='rso-result'><h3 class='rso-kit-heading'>Result</h3>"
            f"<table><thead><tr><th scope='col' class='rso-cell'>Scale</th>"
            f"<th scope='col' class='rso-cell'>Category</th>"
            f"<th scope='col' class='rso-cell'>How</th></tr></thead>"
            f"<tbody>{trs}</tbody></table>{meta}{derivation}"
            f"<details><summary>Show the working, line by line</summary>"
            f"<ol class='rso-working'>{working}</ol></details>{remind}</div>")
