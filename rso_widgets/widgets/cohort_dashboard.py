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

from .cohort_html import (
    ARMS_STATS,
    ERROR_NAMES,
    STATUS_NAMES,
    arms_html,
    by_case_html,
    distribution_html,
    errors_html,
    heading,
    heatmap_table_html,
    hint,
    problems_html,
    statistics_html,
    statuses_html,
)
from .fields import Notice, esc, safe_callback, stacked, text_button
from .figures import draw_figure

if TYPE_CHECKING:
    from ..calibration.workshop import DashboardModel, Prompt

log = logging.getLogger("rso_widgets.widgets.cohort_dashboard")


def _report(view: CohortDashboard, message: str) -> None:
    view.failure.say(message, kind="error", heading="Sorry, there is a problem with the results")


def build_heatmap(model: DashboardModel) -> Any:
    """The item-by-case disagreement heatmap (plotly `go.Figure`), or None without data."""
    s = model.summary
    if s is None or s.disagreement.empty:
        return None
    # deferred: no page's first view may load plotly (tests/lean_start.py); only a chart needs
    # it (import + first heatmap: 450-470 ms, measured 2026-12-06 on a loaded machine)
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
            f'<div class="rso-prompt rso-note"><strong>{prompt.rank}. {esc(prompt.case_id)}: '
            f"{esc(prompt.label)}</strong><br>{esc(prompt.question)}<br>"
            f'<span class="rso-hint-text">Answers in the room: {esc(prompt.answers)}'
            "</span></div>")
        self.button = text_button("Show the key's rationale",
                                  tooltip=f"Show the key's rationale for {prompt.case_id}, "
                                          f"{prompt.label}")
        self.button.on_click(self._on_toggle)
        self.rationale = w.HTML(value="", layout=w.Layout(display="none"))
        super().__init__([self.text, self.button, self.rationale])
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
            f'<div class="rso-rationale rso-note rso-note-good"><strong>The key: '
            f'{esc(self.prompt.key or "—")}.</strong> '
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
        self.heat_head = w.HTML(heading("Where the room disagrees with the key")
                                + hint("Each cell: the share of raters whose answer differs "
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
            w.HTML(heading("Answers by case")
                   + hint("Each item and category across the room, with the key's answer "
                          "marked.")),
            self.case_choice, self.distribution])
        self.arms_view = w.HTML(value="")
        self.arms_case = w.Dropdown(options=[], index=None)
        stacked(self.arms_case, "ARMS case to show", size="medium")
        self.arms_case.observe(self._on_arms_case, names="value")
        self.arms_distribution = w.HTML(value="")
        self.arms_prompts = w.VBox([])
        self.arms_section = w.VBox([
            self.arms_view,
            w.HTML(heading("ARMS ratings by case", 3)
                   + hint("The room's rating of each factor, with the key's rating marked.")),
            self.arms_case, self.arms_distribution,
            w.HTML(heading("Debrief: the ARMS factors that divide the room most", 3)
                   + hint("Ranked by the share of raters whose rating differs from the key's. "
                          "Ask the room what evidence they weighed; show the key's rationale "
                          "after.")),
            self.arms_prompts], layout=w.Layout(display="none"))
        self.arms_section.add_class("rso-arms-results")
        self.prompts_head = w.HTML(
            heading("Debrief: the items that divide the room most")
            + hint("Ranked by the share of raters differing from the key, then by how spread "
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


__all__ = ["ARMS_STATS", "ERROR_NAMES", "STATUS_NAMES", "CohortDashboard", "DebriefPrompt",
           "arms_html", "build_heatmap", "by_case_html", "distribution_html", "errors_html",
           "heatmap_table_html", "problems_html", "statistics_html", "statuses_html"]
