"""The trainer's view of the room's results: statistics with 95% confidence intervals, agreement
by case and item, the distribution of answers with the key marked, error types, an item-by-case
disagreement heatmap, the items that divide the room most as debrief prompts (the key's rationale
shown on request), and each trainee's calibration status against the local-policy thresholds.
When any case is scored with ARMS, an ARMS section follows: agreement with the key per factor
(exact / adjacent / opposite), the room's ratings per case with the key's marked, Krippendorff's
alpha and weighted kappa with 95% CIs, and the ARMS factors that divide the room as prompts.

A view only: everything comes from a `calibration.workshop.DashboardModel` (itself from
`cohort.summarise` and `status.trainee_status`). Anonymous unless `reveal` is passed (the
trainer's toggle, off by default). "Not enough data" is shown as such. Text is escaped. The
heatmap is a plotly `go.Figure` sent to an `Output` as plotly's own mimetype
(`figures.show_figure`: what `fig.show()` renders, without the 4–8 s import of
nbformat/jsonschema that `fig.show()` costs a fresh kernel), drawn from callbacks only and only
when the results changed (design.md); a table gives the same figures as text.
"""

from __future__ import annotations

import logging
import math
import re
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..calibration.workshop import NO_ARMS, rm2000_status
from .fields import HINT_COLOUR, Notice, esc, safe_callback, stacked, text_button
from .figures import draw_figure

if TYPE_CHECKING:
    from ..calibration.workshop import DashboardModel, Prompt

log = logging.getLogger("rso_widgets.widgets.cohort_dashboard")

ERROR_NAMES = {"coding": "Coding (a fact read wrongly)",
               "calculation": "Calculation (own facts do not give the points or category)",
               "rule": "Rule (step 2, eligibility or /C applied wrongly)"}
STATUS_NAMES = {"calibrated": "Calibrated", "not yet calibrated": "Not yet calibrated",
                "not enough cases": "Not enough cases yet", "no RM2000 cases": "No RM2000 cases"}
ARMS_STATS = ("agreement.ARMS", "agreement.ARMS or acceptable", "alpha.ARMS", "kappa.ARMS")


def _report(view: CohortDashboard, message: str) -> None:
    view.failure.say(message, kind="error", heading="Sorry, there is a problem with the results")


def _pct(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    try:
        return f"{float(v):.0f}%"
    except (TypeError, ValueError):
        return "—"


def _h(text: str, level: int = 2) -> str:
    return f'<h{level} style="margin:18px 0 6px 0">{esc(text)}</h{level}>'


def _hint(text: str) -> str:
    return f'<p style="color:{HINT_COLOUR};max-width:50em;margin:0 0 6px 0">{esc(text)}</p>'



# --- HTML pieces (pure functions of the model) ---------------------------------------------------

def _stat_rows(lines: list[Any]) -> str:
    rows = []
    for s in lines:
        value = (esc(s.text) if s.ok else
                 f'<span class="rso-not-enough">{esc(s.text)}</span>')
        notes = "".join(f"<li>{esc(n)}</li>" for n in s.notes)
        more = f"<ul style='margin:2px 0;color:{HINT_COLOUR}'>{notes}</ul>" if notes else ""
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
    return (_h("Results across the room") + _hint(who)
            + '<table class="rso-statistics"><caption>Agreement and reliability (95% '
            "confidence intervals)</caption><tbody>" + "".join(rows) + "</tbody></table>"
            + (f"<details><summary>How these are worked out</summary><ul>{notes}</ul></details>"
               if notes else ""))


def by_case_html(model: DashboardModel) -> str:
    s = model.summary
    if s is None or s.agreement_by_case.empty:
        return _h("Agreement with the key, by case") + "<p>No submissions yet.</p>"
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
    return (_h("Agreement with the key, by case")
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
        return _h("Error types") + "<p>No submissions yet.</p>"
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
    return (_h("Error types") + _hint("Each difference from the key is typed by its root cause; "
                                      "totals that only follow from it are not counted again.")
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
    return ("<details><summary>The heatmap as a table</summary>"
            '<div class="rso-scroll-x"><table class="rso-heatmap-table"><caption>Share of raters '
            "differing from the key (— : nobody compared)</caption>"
            f'<thead><tr><th scope="col">Item</th>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div></details>")


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
                      f'<span style="color:{HINT_COLOUR}">(furthest {esc(a_far)} '
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
    return (_h("Each trainee's calibration status")
            + _hint(f"{model.policy}. A trainee is calibrated when their /S, /V and /C "
                    "categories match the key in enough of their cases and are never too far "
                    f"apart.{arms_hint} The status informs your judgement; it certifies nobody.")
            + '<div class="rso-scroll-x"><table class="rso-statuses"><thead><tr>'
            '<th scope="col">Trainee</th>'
            '<th scope="col">RM2000 status</th><th scope="col" class="rso-num">Cases</th>'
            '<th scope="col" class="rso-num">Categories matching the key</th>'
            '<th scope="col" class="rso-num">Furthest apart (categories)</th>'
            f'{arms_head}<th scope="col">Items to revisit</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _arms_rule_uses() -> str:
    # deferred: calibration.status loads pandas, which the trainer page's build must not
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
        per = ('<div class="rso-scroll-x"><table class="rso-arms-factors"><caption>Agreement '
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
               f"<tbody>{rows}</tbody></table></div>")
    return (_h("ARMS ratings across the room")
            + _hint("Each factor rating beside the key's. ARMS is structured professional "
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


def build_heatmap(model: DashboardModel) -> Any:
    """The item-by-case disagreement heatmap (plotly `go.Figure`), or None without data."""
    s = model.summary
    if s is None or s.disagreement.empty:
        return None
    # deferred: no page's first view may load plotly (tests/lean_start.py); only a chart needs it
    import plotly.graph_objects as go

    m = s.disagreement
    z = (m.to_numpy(dtype=float) * 100).round(0)
    labels = [str(x).replace("<", "&lt;").replace(">", "&gt;") for x in m.index]
    text = [["" if math.isnan(v) else f"{v:.0f}%" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        z=z, x=[str(c) for c in m.columns], y=labels, zmin=0, zmax=100, colorscale="Reds",
        text=text, texttemplate="%{text}", hoverongaps=False,
        colorbar={"title": {"text": "% differing"}},
        hovertemplate="%{y}<br>%{x}: %{z:.0f}% of raters differ from the key<extra></extra>"))
    fig.update_layout(title="Share of raters differing from the key, by item and case",
                      height=max(320, 24 * len(labels) + 140), margin={"l": 10, "r": 10},
                      yaxis={"autorange": "reversed", "automargin": True},
                      xaxis={"side": "top"})
    return fig


# --- the widget ---------------------------------------------------------------------------------

class DebriefPrompt(w.VBox):
    """One debrief prompt; the key's rationale stays hidden until the trainer shows it."""

    def __init__(self, prompt: Prompt):
        self.prompt = prompt
        self.text = w.HTML(
            f'<div class="rso-prompt" style="border-left:6px solid #1d70b8;padding:4px 12px;'
            f'max-width:50em"><strong>{prompt.rank}. {esc(prompt.case_id)}: '
            f"{esc(prompt.label)}</strong><br>{esc(prompt.question)}<br>"
            f'<span style="color:{HINT_COLOUR}">Answers in the room: {esc(prompt.answers)}'
            "</span></div>")
        self.button = text_button("Show the key's rationale",
                                  tooltip=f"Show the key's rationale for {prompt.case_id}, "
                                          f"{prompt.label}")
        self.button.on_click(self._on_toggle)
        self.rationale = w.HTML(value="", layout=w.Layout(display="none"))
        super().__init__([self.text, self.button, self.rationale],
                         layout=w.Layout(margin="0 0 12px 0"))
        self.add_class("rso-debrief-prompt")

    @property
    def shown(self) -> bool:
        return self.rationale.layout.display != "none"

    def _on_toggle(self, _button: Any = None) -> None:
        try:
            self.toggle()
        except Exception:
            log.exception("could not show the key's rationale")

    def toggle(self) -> None:
        if self.shown:
            self.rationale.layout.display = "none"
            self.button.description = "Show the key's rationale"
            return
        self.rationale.value = (
            f'<div class="rso-rationale" style="border-left:6px solid #00703c;padding:4px 12px;'
            f'max-width:50em"><strong>The key: {esc(self.prompt.key or "—")}.</strong> '
            f"{esc(self.prompt.rationale)}</div>")
        self.rationale.layout.display = ""
        self.button.description = "Hide the key's rationale"


class CohortDashboard(w.VBox):
    """The results section of the trainer's page."""

    def __init__(self, **kwargs: Any):
        self.model: DashboardModel | None = None
        self.reveal = False
        self.drawn_version = -1
        self.figure: Any = None
        self.failure = Notice(layout=w.Layout(display="none"))
        self.statistics = w.HTML(value="")
        self.by_case = w.HTML(value="")
        self.heat_head = w.HTML(_h("Where the room disagrees with the key")
                                + _hint("Each cell: the share of raters whose answer differs "
                                        "from the key's, by item and case. Numbers are shown "
                                        "in the cells; blank cells: nobody compared."))
        self.heat_out = w.Output(layout=w.Layout(min_height="0"))
        self.heat_table = w.HTML(value="")
        self.errors = w.HTML(value="")
        self.case_choice = w.Dropdown(options=[], index=None)
        stacked(self.case_choice, "Case to show", size="medium")
        self.case_choice.observe(self._on_case, names="value")
        self.distribution = w.HTML(value="")
        self.answers_box = w.VBox([
            w.HTML(_h("Answers by case") + _hint("Each item and category across the room, "
                                                 "with the key's answer marked.")),
            self.case_choice, self.distribution])
        self.arms_view = w.HTML(value="")
        self.arms_case = w.Dropdown(options=[], index=None)
        stacked(self.arms_case, "ARMS case to show", size="medium")
        self.arms_case.observe(self._on_arms_case, names="value")
        self.arms_distribution = w.HTML(value="")
        self.arms_prompts = w.VBox([])
        self.arms_section = w.VBox([
            self.arms_view,
            w.HTML(_h("ARMS ratings by case", 3) + _hint("The room's rating of each factor, "
                                                        "with the key's rating marked.")),
            self.arms_case, self.arms_distribution,
            w.HTML(_h("Debrief: the ARMS factors that divide the room most", 3)
                   + _hint("Ranked by the share of raters whose rating differs from the key's. "
                           "Ask the room what evidence they weighed; show the key's rationale "
                           "after.")),
            self.arms_prompts], layout=w.Layout(display="none"))
        self.arms_section.add_class("rso-arms-results")
        self.prompts_head = w.HTML(
            _h("Debrief: the items that divide the room most")
            + _hint("Ranked by the share of raters differing from the key, then by how spread "
                    "the answers are. Ask the room first; show the key's rationale after."))
        self.prompts = w.VBox([])
        self.statuses = w.HTML(value="")
        self.problems = w.HTML(value="")
        super().__init__([
            self.failure, self.statistics, self.by_case, self.heat_head, self.heat_out,
            self.heat_table, self.errors, self.answers_box, self.prompts_head, self.prompts,
            self.arms_section, self.statuses, self.problems], **kwargs)
        self.add_class("rso-cohort-dashboard")

    def show(self, model: DashboardModel, reveal: bool | None = None) -> None:
        """Show a model (from a callback). Redraws the heavy parts only when results changed."""
        if reveal is not None:
            self.reveal = reveal
        new_results = self.model is None or model.version != self.model.version
        self.model = model
        self.failure.clear()
        if new_results:
            self.statistics.value = statistics_html(model)
            self.by_case.value = by_case_html(model)
            self.heat_table.value = heatmap_table_html(model)
            self.errors.value = errors_html(model)
            self.problems.value = problems_html(model)
            self._cases(model)
            rm_only = "rm2000" if model.has_arms else None
            self.distribution.value = distribution_html(model, self.case_choice.value, rm_only)
            self.prompts.children = ([DebriefPrompt(p) for p in model.prompts] or
                                     [w.HTML("<p>Nothing divides the room yet: no item has "
                                             "raters differing from the key.</p>")])
            self._show_arms(model)
        self.statuses.value = statuses_html(model, self.reveal)
        if new_results:
            self._draw_heatmap()  # last: the first figure costs about a second of imports

    def set_reveal(self, reveal: bool) -> None:
        self.reveal = reveal
        if self.model is not None:
            self.statuses.value = statuses_html(self.model, reveal)

    def _cases(self, model: DashboardModel) -> None:
        rm_cases = [c for c in model.case_ids if "rm2000" in model.instruments(c)]
        self._options(self.case_choice, model, rm_cases)
        self.answers_box.layout.display = "" if rm_cases else "none"

    @staticmethod
    def _options(choice: w.Dropdown, model: DashboardModel, case_ids: list[str]) -> None:
        options = [(f"{c}: {model.case_titles.get(c, '')} ({model.submitted_count(c)} "
                    "submitted)", c) for c in case_ids]
        keep = choice.value
        choice.options = options
        ids = [c for _, c in options]
        choice.value = keep if keep in ids else (ids[0] if ids else None)

    def _show_arms(self, model: DashboardModel) -> None:
        arms_cases = [c for c in model.case_ids if "arms" in model.instruments(c)]
        self.arms_section.layout.display = "" if arms_cases else "none"
        if not arms_cases:
            return
        self.arms_view.value = arms_html(model)
        self._options(self.arms_case, model, arms_cases)
        self.arms_distribution.value = distribution_html(model, self.arms_case.value, "arms")
        self.arms_prompts.children = ([DebriefPrompt(p) for p in model.arms_prompts] or
                                      [w.HTML("<p>No ARMS factor divides the room yet: no "
                                              "rating differs from the key's.</p>")])

    def _draw_heatmap(self) -> None:
        if self.model is None or self.drawn_version == self.model.version:
            return
        self.drawn_version = self.model.version
        fig = build_heatmap(self.model)
        self.figure = fig
        if fig is None:
            self.heat_out.clear_output(wait=True)
        else:
            draw_figure(self.heat_out, fig, "Heatmap: share of raters differing from the key, "
                                            "by item and case (the same figures are in the "
                                            "table below)")

    @safe_callback(_report, "showing the case")
    def _on_case(self, change: dict[str, Any]) -> None:
        if self.model is not None:
            self.distribution.value = distribution_html(
                self.model, change["new"], "rm2000" if self.model.has_arms else None)

    @safe_callback(_report, "showing the ARMS case")
    def _on_arms_case(self, change: dict[str, Any]) -> None:
        if self.model is not None:
            self.arms_distribution.value = distribution_html(self.model, change["new"], "arms")

    @property
    def text(self) -> str:
        parts = [self.statistics.value, self.by_case.value, self.heat_table.value,
                 self.errors.value, self.distribution.value, self.statuses.value,
                 self.problems.value]
        parts += [p.text.value + p.rationale.value for p in self.prompts.children
                  if isinstance(p, DebriefPrompt)]
        if self.arms_section.layout.display != "none":
            parts += [self.arms_view.value, self.arms_distribution.value]
            parts += [p.text.value + p.rationale.value for p in self.arms_prompts.children
                      if isinstance(p, DebriefPrompt)]
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", " ".join(parts)))


__all__ = ["CohortDashboard", "DebriefPrompt", "build_heatmap"]
