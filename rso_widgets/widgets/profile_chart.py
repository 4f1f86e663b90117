"""The ARMS profile: risk and protective ratings beside the static RM2000 categories.

A picture, not a score: nothing here adds ratings up or suggests a priority. The chart is a
plotly `go.Figure` sent to an `ipywidgets.Output` as plotly's own mimetype
(`figures.show_figure`: what `fig.show()` renders, without the 4–8 s import of
nbformat/jsonschema that `fig.show()` costs a fresh kernel), drawn only when the person asks for
it and redrawn from callbacks after that (design.md: no `FigureWidget`, no writing into an Output
while the notebook executes). A text table of the same ratings is always shown, for people who
do not use the chart.
"""

from __future__ import annotations

import html
import logging
from typing import Any

import ipywidgets as w

from ..instruments.arms import StaticContext
from .fields import ERROR_COLOUR, HINT_COLOUR, esc, safe_callback, text_button
from .figures import draw_figure
from .timing import Debouncer

log = logging.getLogger("rso_widgets.widgets.profile_chart")

NOTE = ("The profile is a picture of the ratings beside the static RM2000 category. It is not a "
        "score and does not set the priority for work: the assessor does, with a written "
        "rationale.")
UNRATED_X = -1  # where "Insufficient information" and "Not rated" sit on the chart
RM2000_CATEGORIES = ["Low", "Medium", "High", "Very High"]
RISK_COLOUR, PROTECTIVE_COLOUR, STATIC_COLOUR = "#1d70b8", "#00703c", "#505a5f"


def static_text(ctx: StaticContext | None) -> str:
    """One line describing the static context, as recorded."""
    if ctx is None:
        return "No RM2000 result yet."
    if not ctx.applicable:
        return f"RM2000 does not apply: {ctx.reason or 'no reason recorded'}."
    parts = [f"/{k.upper()} {v}" for k, v in (("s", ctx.s), ("v", ctx.v), ("c", ctx.c)) if v]
    rs = f" (ruleset {ctx.ruleset})" if ctx.ruleset else ""
    return f"RM2000 {', '.join(parts) or 'not scored'}{rs}."


def _plain(text: str) -> str:
    """Text for plotly, which reads a few HTML tags in labels: escape them (not quotes)."""
    return html.escape(str(text), quote=False)


def build_figure(rows: list[dict[str, Any]], scales: dict[str, list[str]],
                 static: StaticContext | None) -> Any:
    """The profile as a plotly figure, three panels stacked: risk factors, protective factors,
    and the RM2000 categories. `rows` are `arms.profile()` rows; `scales` maps "risk" /
    "protective" to the scale labels in level order."""
    # deferred: no page's first view may load plotly (tests/lean_start.py); only a chart needs it
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    count = {k: max(1, sum(r["kind"] == k for r in rows)) for k in ("risk", "protective")}
    heights = [count["risk"], count["protective"], 3]
    fig = make_subplots(rows=3, cols=1, row_heights=heights, vertical_spacing=0.14,
                        subplot_titles=("Risk factors", "Protective factors",
                                        "Static context: RM2000"))
    for panel, kind, colour in ((1, "risk", RISK_COLOUR), (2, "protective", PROTECTIVE_COLOUR)):
        mine = [r for r in rows if r["kind"] == kind]
        names = [_plain(f"{r['factor']} {r['name']}") for r in mine]
        xs = [r["level"] if r["level"] is not None else UNRATED_X for r in mine]
        rated = [r["level"] is not None for r in mine]
        fig.add_trace(go.Scatter(
            x=xs, y=names, mode="markers+text",
            text=["" if ok else _plain(r["label"]) for ok, r in zip(rated, mine, strict=True)],
            textposition="middle right", cliponaxis=False, hoverinfo="text",
            hovertext=[f"{n}: {_plain(r['label'])}" for n, r in zip(names, mine, strict=True)],
            marker={"size": 14, "color": colour, "line": {"color": colour, "width": 2},
                    "symbol": ["circle" if ok else "circle-open" for ok in rated]},
            name=kind), row=panel, col=1)
        for x, y in zip(xs, names, strict=True):  # a stem from the start of the scale
            if x > 0:
                fig.add_shape(type="line", x0=0, x1=x, y0=y, y1=y, layer="below",
                              line={"color": colour, "width": 4}, row=panel, col=1)
        labels = scales.get(kind, [])
        fig.update_xaxes(range=[UNRATED_X - 0.4, len(labels) - 0.6],
                         tickvals=[UNRATED_X, *range(len(labels))],
                         ticktext=["Not rated or<br>insufficient",
                                   *[_plain(x).replace(" ", "<br>", 1) for x in labels]],
                         row=panel, col=1)
        fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=names,
                         row=panel, col=1)
    if static is not None and static.applicable:
        cats = list(RM2000_CATEGORIES)
        pts = [(f"/{k.upper()}", _plain(v)) for k, v in (("s", static.s), ("v", static.v),
                                                          ("c", static.c)) if v]
        cats += [v for _, v in pts if v not in cats]
        fig.add_trace(go.Scatter(x=[v for _, v in pts], y=[k for k, _ in pts], mode="markers",
                                 hoverinfo="text", hovertext=[f"RM2000{k}: {v}" for k, v in pts],
                                 marker={"size": 14, "color": STATIC_COLOUR, "symbol": "square"},
                                 name="RM2000"), row=3, col=1)
        fig.update_xaxes(type="category", categoryorder="array", categoryarray=cats,
                         range=[-0.5, len(cats) - 0.5], row=3, col=1)
        fig.update_yaxes(type="category", categoryorder="array",
                         categoryarray=["/S", "/V", "/C"], autorange="reversed", row=3, col=1)
    else:
        fig.add_annotation(text=_plain(static_text(static)), showarrow=False,
                           xref="x3 domain", yref="y3 domain", x=0.0, y=0.5, xanchor="left")
        fig.update_xaxes(visible=False, row=3, col=1)
        fig.update_yaxes(visible=False, row=3, col=1)
    fig.update_layout(
        title={"text": "ARMS profile — a picture, not a score", "x": 0.01},
        showlegend=False, height=140 + 34 * sum(heights),
        margin={"l": 10, "r": 20, "t": 70, "b": 30}, plot_bgcolor="white", font={"size": 13})
    fig.update_xaxes(showgrid=True, gridcolor="#e5e5e5", zeroline=False, fixedrange=True)
    fig.update_yaxes(automargin=True, fixedrange=True)
    return fig


def _report(chart: ProfileChart, message: str) -> None:
    chart.message.value = (f'<div role="alert" style="color:{ERROR_COLOUR};font-weight:bold">'
                           f'{esc(message)}</div>')
    chart.message.layout.display = ""


class ProfileChart(w.VBox):
    """The profile: a text table (always) and the chart (drawn when asked, then kept current)."""

    def __init__(self, scales: dict[str, list[str]], *, heading: str = "Profile"):
        self.scales = scales
        self.rows: list[dict[str, Any]] = []
        self.static: StaticContext | None = None
        self.figure: Any = None
        self.shown = False
        self.draws = 0
        self.head = w.HTML(f'<h3 style="margin:18px 0 6px 0">{esc(heading)}</h3>'
                           f'<p style="color:{HINT_COLOUR};max-width:45em">{esc(NOTE)}</p>')
        self.table = w.HTML(value="")
        self.button = text_button("Show the profile chart",
                                  tooltip="Draw the ratings as a chart beside the RM2000 category")
        self.button.on_click(self._on_show)
        self.message = w.HTML(value="", layout=w.Layout(display="none"))
        self.out = w.Output(layout=w.Layout(min_height="0"))
        self._redraw = Debouncer(0.5, self._draw_safely)
        super().__init__([self.head, self.table, self.button, self.message, self.out])
        self.add_class("rso-profile")

    def update(self, rows: list[dict[str, Any]], static: StaticContext | None) -> None:
        """New ratings or static context: refresh the table, and the chart if it is shown."""
        if rows == self.rows and static == self.static and self.table.value:
            return
        self.rows, self.static = rows, static
        self.table.value = self._table()
        if self.shown:
            self._redraw()

    def _table(self) -> str:
        def cells(kind: str) -> str:
            return "".join(
                f"<tr><th scope='row' style='text-align:left;font-weight:normal;padding:1px 12px "
                f"1px 0'>{esc(r['factor'])} {esc(r['name'])}</th><td><strong>{esc(r['label'])}"
                f"</strong></td></tr>" for r in self.rows if r["kind"] == kind)
        return (f"<div class='rso-profile-table' style='display:flex;flex-wrap:wrap;gap:0 36px'>"
                f"<table><caption style='text-align:left;font-weight:bold'>Risk factors"
                f"</caption>{cells('risk')}</table><table><caption style='text-align:left;"
                f"font-weight:bold'>Protective factors</caption>{cells('protective')}</table>"
                f"<p style='flex-basis:100%'><strong>Static context:</strong> "
                f"{esc(static_text(self.static))}</p></div>")

    @safe_callback(_report, "drawing the profile chart")
    def _on_show(self, _button: Any = None) -> None:
        self.show_chart()

    def show_chart(self) -> None:
        self.shown = True
        self.button.description = "Redraw the profile chart"
        self._redraw.cancel()
        self.draw()

    @safe_callback(_report, "drawing the profile chart")
    def _draw_safely(self) -> None:
        self.draw()

    def draw(self) -> None:
        """Build the figure and show it in the output area (from a callback only)."""
        fig = build_figure(self.rows, self.scales, self.static)
        self.figure = fig
        self.draws += 1
        self.message.layout.display = "none"
        draw_figure(self.out, fig, "Chart of the ARMS profile: the same ratings as the table "
                                   "above")

