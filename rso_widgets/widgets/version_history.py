"""An assessment's version history: every version with its author, time, reason and sign-off
state; what changed between any two versions; and each ARMS factor's rating over time, as a
text table (always) and a chart (drawn when asked).

A view over `instruments.reassessment` (the rules) and stored `VersionRecord`s (read with the
payload convention). The chart is a plotly `go.Figure` shown with `figures.show_figure` in an
`Output` from a callback (design.md); plotly is imported only then. Everything typed is escaped.
"""

from __future__ import annotations

import html
import logging
from typing import Any

import ipywidgets as w

from ..instruments.arms import ArmsCatalogue, load_arms_catalogue
from ..instruments.reassessment import compare, ratings_over_time
from ..reports.payload import read_payload
from ..store.identity import display_name
from ..timefmt import day_text, when_text
from .fields import Notice, esc, notice_report, safe_callback, stacked, text_button
from .figures import draw_figure

log = logging.getLogger("rso_widgets.widgets.version_history")

UNRATED_LEVEL = -1
CELL = "padding:3px 12px 3px 0;vertical-align:top;text-align:left"


def sign_text(v: Any) -> str:
    """A version's sign-off state in words."""
    if v.signed_by is None:
        return "Not signed"
    out = f"Signed by {display_name(v.signed_by)} at {when_text(v.signed_at)}"
    if v.countersigned_by is not None:
        out += (f"; countersigned by {display_name(v.countersigned_by)} at "
                f"{when_text(v.countersigned_at)}")
    else:
        out += "; not countersigned"
    return out


def sign_off_reasons(v: Any, latest: int, user: str) -> tuple[str, str]:
    """Why `user` cannot sign, and why they cannot countersign, version `v` now ("" when
    they can). Mirrors the store's rules so a button is disabled with its reason shown; the
    store still decides."""
    if v.version != latest:
        old = f"A later version ({latest}) exists: only the latest version can be signed off"
        return old, old
    if v.signed_by is not None:
        who = "You" if v.signed_by == user else display_name(v.signed_by)
        sign = f"{who} signed this version at {when_text(v.signed_at)}"
    else:
        sign = ""
    if v.countersigned_by is not None:
        counter = (f"{'You' if v.countersigned_by == user else display_name(v.countersigned_by)} "
                   f"countersigned this version at {when_text(v.countersigned_at)}")
    elif v.signed_by is None:
        counter = "The assessor signs a version before a supervisor countersigns it"
    elif v.signed_by == user:
        counter = "You signed this version: a different person countersigns it"
    else:
        counter = ""
    return sign, counter


def version_label(v: Any) -> str:
    return f"Version {v.version} ({day_text(v.created_at)}, {display_name(v.author)})"


def _plain(text: Any) -> str:
    """Text for plotly, which reads a few HTML tags in labels: escape them."""
    return html.escape(str(text), quote=False)


def build_ratings_figure(rows: list[dict[str, Any]], versions: list[str],
                         scales: dict[str, list[str]]) -> Any:
    """Each factor's rating across versions: one line per factor on its scale (risk above,
    protective below); "Insufficient information" and "Not rated" sit below the scale with an
    open marker. `rows` are `reassessment.ratings_over_time()` rows."""
    # deferred: no page's first view may load plotly (tests/lean_start.py); only a chart needs it
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.16,
                        subplot_titles=("Risk factors", "Protective factors"))
    xs = [_plain(v) for v in versions]
    for panel, kind in ((1, "risk"), (2, "protective")):
        mine = [r for r in rows if r["kind"] == kind]
        n = max(1, len(mine))
        for i, r in enumerate(mine):
            nudge = (i - (n - 1) / 2) * 0.06  # keep equal ratings' lines apart
            levels = [c["level"] for c in r["cells"]]
            ys = [(lv if lv is not None else UNRATED_LEVEL) + nudge for lv in levels]
            name = _plain(f"{r['factor']} {r['name']}")
            fig.add_trace(go.Scatter(
                x=xs, y=ys, mode="lines+markers", name=name, legendgroup=kind,
                hoverinfo="text",
                hovertext=[f"{name}, {x}: {_plain(c['label'])}"
                           for x, c in zip(xs, r["cells"], strict=True)],
                marker={"size": 10, "symbol": ["circle" if lv is not None else "circle-open"
                                               for lv in levels]},
                line={"width": 2}), row=panel, col=1)
        labels = scales.get(kind, [])
        fig.update_yaxes(range=[UNRATED_LEVEL - 0.5, len(labels) - 0.5],
                         tickvals=[UNRATED_LEVEL, *range(len(labels))],
                         ticktext=["Not rated or insufficient", *[_plain(x) for x in labels]],
                         row=panel, col=1)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=xs)
    fig.update_layout(
        title={"text": "ARMS ratings over time — a picture, not a score", "x": 0.01},
        height=720, margin={"l": 10, "r": 10, "t": 70, "b": 30}, plot_bgcolor="white",
        legend={"font": {"size": 11}}, font={"size": 13})
    fig.update_xaxes(showgrid=True, gridcolor="#e5e5e5", fixedrange=True)
    fig.update_yaxes(showgrid=True, gridcolor="#e5e5e5", zeroline=False, fixedrange=True,
                     automargin=True)
    return fig


_report = notice_report("message")


class VersionHistory(w.VBox):
    """Versions, differences between two of them, and ratings over time."""

    def __init__(self, catalogue: ArmsCatalogue | None = None):
        self.cat = catalogue or load_arms_catalogue()
        self.versions: list[Any] = []
        self.parts: dict[int, Any] = {}
        self.figure: Any = None
        self.shown = False
        self.draws = 0
        self.last_changes: Any = None
        self.message = Notice(layout=w.Layout(display="none"))
        self.table = w.HTML(value="")
        self.ratings_table = w.HTML(value="")
        self.before = w.Dropdown(options=[], index=None)
        stacked(self.before, "Compare version", size="wide")
        self.after = w.Dropdown(options=[], index=None)
        stacked(self.after, "with version", size="wide")
        self.compare_button = text_button("Show what changed")
        self.compare_button.on_click(self._on_compare)
        self.changes = w.HTML(value="")
        self.chart_button = text_button("Show the ratings over time chart",
                                        tooltip="Draw each ARMS factor's rating across versions")
        self.chart_button.on_click(self._on_chart)
        self.out = w.Output(layout=w.Layout(min_height="0"))
        self.compare_box = w.VBox([
            w.HTML("<h3 class='rso-kit-heading'>What changed between two versions</h3>"),
            self.before, self.after, self.compare_button, self.changes])
        self.over_time = w.VBox([
            w.HTML("<h3 class='rso-kit-heading'>ARMS ratings over time</h3>"
                   "<p class='rso-hint'>A picture of the ratings in "
                   "each version. It is not a score.</p>"),
            self.ratings_table, self.chart_button, self.out])
        super().__init__([self.message, self.table, self.compare_box, self.over_time])
        self.add_class("rso-version-history")

    # -- showing the versions ----------------------------------------------------------------
    def show(self, versions: list[Any]) -> None:
        """Show these versions (oldest first); compare the last two; keep the chart current."""
        self.message.clear()
        self.versions = list(versions)
        self.parts = {v.version: read_payload(v.data, v.kind) for v in self.versions}
        self.table.value = self._table()
        self.ratings_table.value = self._ratings_table()
        many = len(self.versions) >= 2
        self.compare_box.layout.display = "" if many else "none"
        self.over_time.layout.display = "" if self.versions else "none"
        options = [(version_label(v), v.version) for v in self.versions]
        self.before.options = options
        self.after.options = options
        self.changes.value = ""
        self.last_changes = None
        if many:
            self.before.value = self.versions[-2].version
            self.after.value = self.versions[-1].version
            self.compare(self.before.value, self.after.value)
        if self.shown:
            self.draw()

    def _table(self) -> str:
        if not self.versions:
            return "<p>No version saved yet.</p>"
        rows = []
        for v in reversed(self.versions):
            arms = self.parts[v.version].arms
            why = arms.change_reason if arms is not None else ""
            rows.append(
                f"<tr class='rso-version-{v.version}'><th scope='row' class='rso-cell'>"
                f"{v.version}</th><td class='rso-cell'>{when_text(v.created_at)}</td>"
                f"<td class='rso-cell'>{esc(display_name(v.author))}</td>"
                f"<td class='rso-cell'>{esc(v.reason)}"
                f"</td><td class='rso-cell'>{esc(why) or '—'}</td>"
                f"<td class='rso-cell'>{esc(sign_text(v))}</td></tr>")
        n = len(self.versions)
        return (f"<table class='rso-versions'><caption class='rso-table-caption'>"
                f"{n} version{'s' if n != 1 else ''}, newest first (earlier "
                "versions are never changed)</caption><thead><tr>"
                + "".join(f"<th scope='col' class='rso-cell'>{h}</th>" for h in (
                    "Version", "Saved", "Author", "Reason", "What changed and why",
                    "Sign-off"))
                + f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")

    def rating_rows(self) -> list[dict[str, Any]]:
        return ratings_over_time([(f"v{v.version}", self.parts[v.version].arms)
                                  for v in self.versions], self.cat)

    def _ratings_table(self) -> str:
        if not self.versions:
            return ""
        rows = self.rating_rows()
        head = "".join(f"<th scope='col' class='rso-cell'>Version {v.version}</th>"
                       for v in self.versions)
        body = "".join(
            f"<tr><th scope='row' class='rso-cell rso-row-head'>{esc(r['factor'])} "
            f"{esc(r['name'])}</th>"
            + "".join(f"<td class='rso-cell'>{esc(c['label'])}</td>" for c in r["cells"])
            + "</tr>" for r in rows)
        return (f"<table class='rso-ratings-over-time'><caption class='rso-table-caption'>"
                f"Each factor's rating, by version</caption><thead><tr>"
                f"<th scope='col' class='rso-cell'>Factor</th>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>")

    # -- comparing two versions --------------------------------------------------------------
    @safe_callback(_report, "comparing the versions")
    def _on_compare(self, _button: Any = None) -> None:
        if self.before.value is None or self.after.value is None:
            self.changes.value = ("<p class='rso-error-text'>"
                                  "Error: choose two versions to compare.</p>")
            return
        self.compare(self.before.value, self.after.value)

    def compare(self, before: int, after: int) -> Any:
        """Show (and return) what changed from version `before` to version `after`."""
        if before == after:
            self.changes.value = ("<p class='rso-error-text'>"
                                  "Error: choose two different versions.</p>")
            return None
        ch = compare(self.parts[before], self.parts[after], self.cat)
        self.last_changes = ch
        self.changes.value = self.render_changes(before, after, ch)
        return ch

    @staticmethod
    def render_changes(before: int, after: int, ch: Any) -> str:
        head = f"<h4 class='rso-kit-heading'>From version {before} to version {after}</h4>"
        if ch.empty:
            return head + "<p>Nothing changed in RM2000, ARMS or the plan.</p>"
        out = [head]
        if ch.ratings:
            rows = "".join(
                f"<tr><th scope='row' class='rso-cell rso-row-head'>{esc(c.factor)} "
                f"{esc(c.name)}</th><td class='rso-cell'>{esc(c.before or 'Not rated')}</td>"
                f"<td class='rso-cell'><strong>{esc(c.after or 'Not rated')}</strong></td>"
                f"<td class='rso-cell'>{esc(c.reason)}</td></tr>" for c in ch.ratings)
            out.append(f"<table class='rso-rating-changes'><caption class='rso-table-caption'>"
                       f"ARMS ratings that changed</caption><thead><tr>"
                       f"<th scope='col' class='rso-cell'>Factor</th><th scope='col' "
                       f"class='rso-cell'>Was</th><th scope='col' class='rso-cell'>Now</th>"
                       f"<th scope='col' class='rso-cell'>Reason</th></tr></thead>"
                       f"<tbody>{rows}</tbody></table>")
        else:
            out.append("<p>No ARMS rating changed.</p>")
        for title, lines, cls in (("ARMS priority and formulation", ch.arms, "arms"),
                                  ("RM2000", ch.rm2000, "rm2000"),
                                  ("Risk management plan", ch.plan, "plan")):
            if lines:
                items = "".join(f"<li>{esc(x)}</li>" for x in lines)
                out.append(f"<div class='rso-changes-{cls}'><strong>{esc(title)}</strong>"
                           f"<ul class='rso-tight'>{items}</ul></div>")
        return "".join(out)

    # -- the chart ---------------------------------------------------------------------------
    @safe_callback(_report, "drawing the ratings chart")
    def _on_chart(self, _button: Any = None) -> None:
        self.shown = True
        self.chart_button.description = "Redraw the ratings over time chart"
        self.draw()

    def draw(self) -> None:
        """Build the figure and show it in the output area (from a callback only)."""
        scales = {k: [lv.label for lv in v] for k, v in self.cat.scales.items()}
        fig = build_ratings_figure(self.rating_rows(), [f"v{v.version}" for v in self.versions],
                                   scales)
        self.figure = fig
        self.draws += 1
        draw_figure(self.out, fig, "Chart of the ARMS factor ratings over the versions: the "
                                   "same ratings as the table")

