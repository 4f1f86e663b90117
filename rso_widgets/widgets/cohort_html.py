"""The trainer's results as HTML, pure functions of a `calibration.workshop.DashboardModel`:
statistics with 95% confidence intervals, agreement by case and item, error types, the heatmap's
figures as a table, the distribution of answers with the key marked, each trainee's calibration
status, the ARMS results and the submissions that could not be compared. Text escaped; a wide
table scrolls in its own region (`tables.scroll_x`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..calibration.workshop import NO_ARMS, rm2000_status
from .fields import esc
from .tables import scroll_x

if TYPE_CHECKING:
    from ..calibration.workshop import DashboardModel

ERROR_NAMES = {"coding": "Coding (a fact read wrongly)",
               "calculation": "Calculation (own facts do not give the points or category)",
               "rule": "Rule (step 2, eligibility or /C applied wrongly)"}
STATUS_NAMES = {"calibrated": "Calibrated", "not yet calibrated": "Not yet calibrated",
                "not enough cases": "Not enough cases yet", "no RM2000 cases": "No RM2000 cases"}
ARMS_STATS = ("agreement.ARMS", "agreement.ARMS or acceptable", "alpha.ARMS", "kappa.ARMS")


def _pct(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    try:
        return f"{float(v):.0f}%"
    except (TypeError, ValueError):
        return "—"


def heading(text: str, level: int = 2) -> str:
    return f'<h{level} class="rso-kit-heading">{esc(text)}</h{level}>'


def hint(text: str) -> str:
    return f'<p class="rso-hint">{esc(text)}</p>'


# --- HTML pieces (pure functions of the model) ---------------------------------------------------

def _stat_rows(lines: list[Any]) -> str:
    rows = []
    for s in lines:
        value = (esc(s.text) if s.ok else
                 f'<span class="rso-not-enough">{esc(s.text)}</span>')
        notes = "".join(f"<li>{esc(n)}</li>" for n in s.notes)
        more = f"<ul class='rso-tight rso-hint-text'>{notes}</ul>" if notes else ""
        term = (f'<details class="rso-term"><summary>What this measures</summary><p>'
                f"<strong>{esc(s.label)}</strong>. {esc(s.meaning)}</p></details>")
        rows.append(f'<tr data-stat="{esc(s.key)}"><th scope="row">{esc(s.plain)}{term}</th>'
                    f"<td>{value}{more}</td></tr>")
    return "".join(rows)


def statistics_html(model: DashboardModel) -> str:
    rows = [_stat_rows(model.statistics)]
    summary = model.summary
    notes = "".join(f"<li>{esc(n)}</li>" for n in (summary.notes if summary else []))
    who = (f"{summary.n_raters} trainee{'s' if summary.n_raters != 1 else ''} and "
           f"{summary.n_cases} case{'s' if summary.n_cases != 1 else ''} with submissions."
           if summary else "No submissions yet.")
    return (heading("Results across the room") + hint(who)
            + '<table class="rso-statistics"><caption>Agreement and reliability (95% '
            "confidence intervals)</caption><tbody>" + "".join(rows) + "</tbody></table>"
            + (f"<details><summary>How these are worked out</summary><ul>{notes}</ul></details>"
               if notes else ""))


def by_case_html(model: DashboardModel) -> str:
    s = model.summary
    if s is None or s.agreement_by_case.empty:
        return heading("Agreement with the key, by case") + "<p>No submissions yet.</p>"
    rows = "".join(
        f'<tr><th scope="row">{esc(r.case_id)} {esc(model.case_titles.get(r.case_id, ""))}'
        f'</th><td>{esc(r.instrument.upper() if r.instrument == "arms" else "RM2000")}</td>'
        f'<td class="rso-num">{int(r.n_raters)}</td><td class="rso-num">{_pct(r.items_pct)}</td>'
        f'<td class="rso-num">{_pct(r.categories_pct)}</td></tr>'
        for r in s.agreement_by_case.itertuples(index=False))
    items = s.agreement_by_item_overall
    item_rows = "".join(
        f'<tr data-item="{esc(r.item)}"><th scope="row">{esc(r.label)}</th>'
        f'<td class="rso-num">{int(r.agreed)} of {int(r.compared)}</td>'
        f'<td class="rso-num">{_pct(r.pct)}</td></tr>' for r in items.itertuples(index=False))
    return (heading("Agreement with the key, by case")
            + '<table class="rso-by-case"><thead><tr><th scope="col">Case</th>'
            '<th scope="col">Instrument</th><th scope="col" class="rso-num">Raters</th>'
            '<th scope="col" class="rso-num">Items agreeing</th>'
            '<th scope="col" class="rso-num">Categories agreeing</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
            + "<details><summary>Agreement with the key by item, across the cases</summary>"
            '<table class="rso-by-item"><thead><tr><th scope="col">Item</th>'
            '<th scope="col" class="rso-num">Answers agreeing</th>'
            '<th scope="col" class="rso-num">Exact agreement</th></tr></thead>'
            f"<tbody>{item_rows}</tbody></table></details>")


def errors_html(model: DashboardModel) -> str:
    s = model.summary
    if s is None:
        return heading("Error types") + "<p>No submissions yet.</p>"
    totals = "".join(f'<tr><th scope="row">{esc(ERROR_NAMES.get(k, k))}</th>'
                     f'<td class="rso-num">{v}</td></tr>' for k, v in s.error_totals.items())
    detail = ""
    if not s.error_counts.empty:
        top = s.error_counts.sort_values("count", ascending=False).head(15)
        detail = ("<details><summary>Where the errors were (up to 15 items)</summary><table>"
                  '<thead><tr><th scope="col">Case</th><th scope="col">Item</th>'
                  '<th scope="col">Error type</th><th scope="col" class="rso-num">Raters'
                  "</th></tr></thead><tbody>" + "".join(
                      f"<tr><td>{esc(r.case_id)}</td><td>{esc(r.label)}</td>"
                      f"<td>{esc(r.error)}</td><td class='rso-num'>{int(r.count)}</td></tr>"
                      for r in top.itertuples(index=False)) + "</tbody></table></details>")
    return (heading("Error types")
            + hint("Each difference from the key is typed by its root cause; totals that only "
                   "follow from it are not counted again.")
            + f'<table class="rso-error-totals"><tbody>{totals}</tbody></table>{detail}')


def heatmap_table_html(model: DashboardModel) -> str:
    s = model.summary
    if s is None or s.disagreement.empty:
        return "<p>No item could be compared with the key yet.</p>"
    m = s.disagreement
    head = "".join(f'<th scope="col" class="rso-num">{esc(c)}</th>' for c in m.columns)
    body = []
    for label, row in m.iterrows():
        cells = "".join('<td class="rso-num">—</td>' if math.isnan(v)
                        else f'<td class="rso-num">{v * 100:.0f}%</td>' for v in row.to_numpy())
        body.append(f'<tr><th scope="row">{esc(label)}</th>{cells}</tr>')
    table = ('<table class="rso-heatmap-table"><caption>Share of raters '
             "differing from the key (— : nobody compared)</caption>"
             f'<thead><tr><th scope="col">Item</th>{head}</tr></thead>'
             f"<tbody>{''.join(body)}</tbody></table>")
    return ("<details><summary>The heatmap as a table</summary>"
            f"{scroll_x(table, 'The heatmap as a table')}</details>")


def distribution_html(model: DashboardModel, case_id: str | None,
                      instrument: str | None = None) -> str:
    """Each item's and category's answers across raters for one case, the key's marked;
    `instrument` ("rm2000", "arms"): that instrument's items only."""
    s = model.summary
    if s is None or not case_id:
        return "<p>No submissions yet.</p>"
    d = s.distributions[s.distributions["case_id"] == case_id]
    if instrument is not None:
        d = d[d["instrument"] == instrument]
    if d.empty:
        what = {"arms": " with ARMS", "rm2000": " with RM2000"}.get(instrument or "", "")
        return f"<p>Nobody has submitted {esc(case_id)}{what} yet.</p>"
    agree = s.agreement_by_item[s.agreement_by_item["case_id"] == case_id]
    pct = {(r.instrument, r.item): r.pct for r in agree.itertuples(index=False)}
    rows = []
    for (instrument, item), g in d.groupby(["instrument", "item"], sort=False):
        answers = []
        for r in g.itertuples(index=False):
            text = f"{esc(r.value)}: {int(r.count)}"
            answers.append(f'<span class="rso-key">{text} (the key)</span>' if r.is_key
                           else f"<span>{text}</span>")
        key_rows = g[g["is_key"]]
        key = esc(key_rows["value"].iloc[0]) if len(key_rows) else "—"
        rows.append(f'<tr data-item="{esc(item)}"><th scope="row">{esc(g["label"].iloc[0])}</th>'
                    f"<td>{'; '.join(answers)}</td><td>{key}</td>"
                    f'<td class="rso-num">{_pct(pct.get((instrument, item)))}</td></tr>')
    cls = "rso-arms-distribution" if instrument == "arms" else "rso-distribution"
    what = "ARMS ratings" if instrument == "arms" else "Answers"
    return (f'<table class="{cls}"><caption>{what} across the room, '
            f"{esc(case_id)} (the key's answer in bold and labelled)</caption><thead><tr>"
            '<th scope="col">Item</th><th scope="col">Answers (raters)</th>'
            '<th scope="col">Key</th><th scope="col" class="rso-num">Agreeing with the key'
            f"</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def statuses_html(model: DashboardModel, reveal: bool = False) -> str:
    arms = model.has_arms
    width = 10 if arms else 6
    rows = []
    for r in model.roster:
        st = model.statuses.get(r.member_id)
        if st is None:
            rows.append(f'<tr data-member="{r.member_id}"><th scope="row">{esc(r.label(reveal))}'
                        "</th><td>No submissions yet</td>" + "<td></td>" * (width - 2)
                        + "</tr>")
            continue
        n = st.numbers
        revisit = "; ".join(f"{i.label} ({', '.join(i.cases)})" for i in st.revisit) or "—"
        far = "—" if n.max_distance is None else str(n.max_distance)
        rm = rm2000_status(st) or st.status
        cells = (f"<td><strong>{esc(STATUS_NAMES.get(rm, rm))}</strong>"
                 f'</td><td class="rso-num">{n.n_cases}</td>'
                 f'<td class="rso-num">{_pct(n.category_agreement_pct)}</td>'
                 f'<td class="rso-num">{esc(far)}</td>')
        if arms:
            a = st.arms_status
            a_text = STATUS_NAMES.get(a, a) if a else NO_ARMS.capitalize()
            a_far = "—" if n.arms_max_distance is None else str(n.arms_max_distance)
            cells += (f'<td class="rso-arms-status"><strong>{esc(a_text)}</strong></td>'
                      f'<td class="rso-num">{n.arms_cases}</td>'
                      f'<td class="rso-num">{_pct(n.arms_agreement_pct)} '
                      f'<span class="rso-hint-text">(furthest {esc(a_far)} '
                      "step(s))</span></td>"
                      f'<td class="rso-num">{_pct(n.arms_acceptable_pct)}</td>')
        rows.append(f'<tr data-member="{r.member_id}"><th scope="row">{esc(r.label(reveal))}'
                    f"</th>{cells}<td>{esc(revisit)}</td></tr>")
    if not rows:
        rows = [f"<tr><td colspan='{width}'>Nobody has joined yet.</td></tr>"]
    arms_head = ('<th scope="col">ARMS status</th><th scope="col" class="rso-num">ARMS cases'
                 '</th><th scope="col" class="rso-num">ARMS ratings matching the key</th>'
                 '<th scope="col" class="rso-num">ARMS ratings matching the key or a '
                 'defensible alternative</th>' if arms else "")
    uses = ("the key or one of its defensible alternatives"
            if _arms_rule_uses() == "key_or_acceptable" else "the key exactly")
    arms_hint = (" For ARMS, the same shape of rule applies to the factor ratings (matching "
                 f"{uses} in enough ratings over enough cases, never at opposite ends of the "
                 "scale)." if arms else "")
    table = ('<table class="rso-statuses"><thead><tr><th scope="col">Trainee</th>'
             '<th scope="col">RM2000 status</th><th scope="col" class="rso-num">Cases</th>'
             '<th scope="col" class="rso-num">Categories matching the key</th>'
             '<th scope="col" class="rso-num">Furthest apart (categories)</th>'
             f'{arms_head}<th scope="col">Items to revisit</th></tr></thead>'
             f"<tbody>{''.join(rows)}</tbody></table>")
    return (heading("Each trainee's calibration status")
            + hint(f"{model.policy}. A trainee is calibrated when their /S, /V and /C "
                   "categories match the key in enough of their cases and are never too far "
                   f"apart.{arms_hint} The status informs your judgement; it certifies nobody.")
            + scroll_x(table, "Calibration status by trainee"))


def _arms_rule_uses() -> str:
    # deferred: calibration.status loads pandas and pyarrow (1.2-2.0 s, measured 2026-12-06 on
    # a loaded machine), which the trainer page's build must not (tests/lean_start.py)
    from ..calibration.status import load_thresholds

    return load_thresholds().arms.agreement


def arms_html(model: DashboardModel) -> str:
    """The ARMS results: statistics, agreement per factor (exact / adjacent / opposite)."""
    s = model.summary
    stats = [x for x in model.statistics if x.key in ARMS_STATS]
    table = ('<table class="rso-statistics rso-arms-statistics"><caption>ARMS ratings: '
             "agreement and reliability (95% confidence intervals)</caption><tbody>"
             f"{_stat_rows(stats)}</tbody></table>")
    factors = s.arms_factors if s is not None else None
    if factors is None or factors.empty:
        per = "<p>No ARMS ratings compared with the key yet.</p>"
    else:
        rows = "".join(
            f'<tr data-item="{esc(r.item)}"><th scope="row">{esc(r.label)}</th>'
            f'<td class="rso-num">{int(r.compared)}</td><td class="rso-num">{int(r.exact)}</td>'
            f'<td class="rso-num">{int(r.adjacent)}</td>'
            f'<td class="rso-num">{int(r.opposite)}</td>'
            f'<td class="rso-num">{int(r.not_comparable)}</td>'
            f'<td class="rso-num">{_pct(r.pct)}</td>'
            f'<td class="rso-num">{int(r.acceptable)}</td>'
            f'<td class="rso-num">{_pct(r.pct_or_acceptable)}</td></tr>'
            for r in factors.itertuples(index=False))
        per = scroll_x('<table class="rso-arms-factors"><caption>Agreement '
               "with the key per ARMS factor, across the cases</caption><thead><tr>"
               '<th scope="col">Factor</th><th scope="col" class="rso-num">Ratings compared</th>'
               '<th scope="col" class="rso-num">Exact</th>'
               '<th scope="col" class="rso-num">Adjacent (one step apart)</th>'
               '<th scope="col" class="rso-num">Opposite ends</th>'
               '<th scope="col" class="rso-num">Not comparable (insufficient information)</th>'
               '<th scope="col" class="rso-num">Exact agreement</th>'
               '<th scope="col" class="rso-num">Defensible alternatives</th>'
               '<th scope="col" class="rso-num">Exact or a defensible alternative</th>'
               '</tr></thead>'
               f"<tbody>{rows}</tbody></table>", "Agreement per ARMS factor")
    return (heading("ARMS ratings across the room")
            + hint("Each factor rating beside the key's. ARMS is structured professional "
                   "judgement: use the spread of ratings to discuss the evidence, not to "
                   "score people.") + table + per)


def problems_html(model: DashboardModel) -> str:
    if not model.problems:
        return ""
    items = "".join(f"<li>{esc(p)}</li>" for p in model.problems[:50])
    more = (f"<p>… and {len(model.problems) - 50} more.</p>" if len(model.problems) > 50
            else "")
    return (f'<details class="rso-problems"><summary>{len(model.problems)} submission(s) could '
            f"not be compared with the key</summary><ul>{items}</ul>{more}</details>")
