"""The team lead's view of plan QUALITY across the team: criterion by criterion and over time,
calibration against the training keys, supervision held against due, and the development themes
emerging (anonymised counts of agenda topics, rubric gaps and observed skills), to plan training.

A view of `supervision.team.TeamView` and `TeamCalibration`: it never counts plans or visits per
person and ranks nobody. A figure the domain withheld (fewer people than the configured minimum
contribute) is said to be withheld — never shown as zero. A person's own results appear only when
they have agreed, listed by name.

The trend chart is a plotly `go.Figure` shown in an `ipywidgets.Output` as plotly's mimetype
(see `show_figure`), drawn from a callback (never while the notebook executes; no
`FigureWidget`); a table of the same numbers is always shown beside it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as w
from IPython import get_ipython  # loaded with ipywidgets anyway

from .fields import esc
from .figures import show_figure
from .tables import scroll_x

log = logging.getLogger("rso_widgets.widgets.team_quality_view")

NO_RANKING = ("Listed by name, never ranked. Only people who have agreed to share their own "
              "results are listed; everyone else is counted only in the anonymised figures.")
CALIBRATION_LABELS = {"calibrated": "Calibrated", "not yet calibrated": "Not yet calibrated",
                      "not enough cases": "Not enough cases yet",
                      "no practice recorded": "No practice recorded"}


def _withheld(text: str) -> str:
    text = re.sub(r"^withheld:\s*", "", text.strip())
    text = text[:1].upper() + text[1:]
    return (f"<p class='rso-withheld rso-note rso-note-muted' role='note'>"
            f"<strong>Withheld.</strong> {esc(text)}</p>")


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.0f}%"


def _mean(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}"


def _table(caption: str, columns: Sequence[str], rows: Sequence[Sequence[str]],
           css: str = "") -> str:
    head = "".join(f"<th scope='col'>{esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + f"<th scope='row'>{esc(r[0])}</th>"
                   + "".join(f"<td>{esc(c)}</td>" for c in r[1:]) + "</tr>" for r in rows)
    return scroll_x(f"<table class='rso-table {esc(css)}'><caption>{esc(caption)}</caption>"
                    f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>", caption)


def _h(text: str, level: int = 3) -> str:
    return f"<h{level} class='rso-kit-heading'>{esc(text)}</h{level}>"


def withheld_note(view: Any, part: str) -> str:
    """The domain's note for a withheld part (e.g. "plan quality: withheld: …")."""
    for n in view.notes:
        if n.startswith(f"{part}:"):
            return n.split(":", 1)[1].strip()
    return f"withheld: fewer than {view.min_group} people contribute."


def build_trend_figure(view: Any, rubric: Any) -> Any:
    """Mean score (0–2) per criterion per period as lines; withheld periods are gaps."""
    # deferred: no page's first view may load plotly (tests/lean_start.py); only a chart needs it
    import plotly.graph_objects as go

    periods = [p.period for p in view.plan_quality_trend]
    fig = go.Figure()
    for c in rubric.criteria:
        ys = [None if p.criteria is None else p.criteria.get(c.id) for p in
              view.plan_quality_trend]
        fig.add_trace(go.Scatter(x=periods, y=ys, mode="lines+markers", name=c.id,
                                 hovertemplate=f"{c.id}: %{{y:.2f}} in %{{x}}<extra></extra>"))
    withheld = [p.period for p in view.plan_quality_trend if p.criteria is None]
    fig.update_layout(
        title="Mean score per criterion",  # short: a chart title never wraps
        yaxis={"range": [-0.1, 2.1], "tickvals": [0, 1, 2],
               "ticktext": ["0 not met", "1 partly", "2 fully"], "title": "Mean score"},
        xaxis={"type": "category", "title": "Period"}, height=420,
        margin={"l": 60, "r": 20, "t": 60, "b": 60}, legend={"title": "Criterion"},
        template="plotly_white")
    if withheld:
        fig.add_annotation(text="Gaps: periods withheld (too few people)", showarrow=False,
                           xref="paper", yref="paper", x=0, y=-0.22, xanchor="left")
    return fig


class TeamQualityView(w.VBox):
    """The rendered team view: an HTML body and the trend chart (drawn on `show`)."""

    def __init__(self) -> None:
        self.body = w.HTML("")
        self.trend_intro = w.HTML("")
        self.chart = w.Output(layout=w.Layout(max_width="60em"))
        self.trend_table = w.HTML("")
        self.rest = w.HTML("")
        self.figure: Any = None
        self._drawn = False
        super().__init__(children=[self.body, self.trend_intro, self.chart, self.trend_table,
                                   self.rest], layout=w.Layout(display="none"))
        self.add_class("rso-team-view")

    def clear(self) -> None:
        for part in (self.body, self.trend_intro, self.trend_table, self.rest):
            part.value = ""
        self._clear_chart()
        self.figure = None
        self.layout.display = "none"

    def show(self, view: Any, calibration: Any | None, rubric: Any, *,
             draw: bool = True) -> None:
        """Render `view` (a `TeamView`) and `calibration` (a `TeamCalibration`). Call from a
        callback: the chart is drawn into an `Output`."""
        texts = {c.id: c.text for c in rubric.criteria}
        self.body.value = (
            f"<h2 class='rso-kit-heading'>Team {esc(view.team)}</h2>"
            f"<p>{view.assessors} {'person' if view.assessors == 1 else 'people'} in the team; "
            f"records since {esc(_day(view.since))}. Figures from fewer than {view.min_group} "
            "people are withheld so that nobody can be identified.</p>"
            + self._plan_quality(view))
        self.trend_intro.value = _h("Plan quality over time") + (
            "<p class='rso-hint'>Each line is one criterion's mean score, from 0 (not met) "
            "to 2 (fully met).</p>")
        self.trend_table.value = self._trend_table(view, rubric)
        self.rest.value = (self._calibration(calibration) + self._supervision(view)
                           + self._themes(view, texts) + self._individuals(view, calibration)
                           + self._notes(view, calibration))
        self.layout.display = ""
        self.figure = None
        self._clear_chart()
        if draw and any(p.criteria for p in view.plan_quality_trend):
            self._draw(view, rubric)

    def _draw(self, view: Any, rubric: Any) -> None:
        try:
            self.figure = build_trend_figure(view, rubric)
        except Exception:  # the table beside it shows the same numbers
            log.exception("could not build the trend chart")
            return
        if get_ipython() is None:  # not in a kernel (tests): keep the figure, show nothing
            return
        with self.chart:
            show_figure(self.figure, "Chart of plan quality over time")
        self._drawn = True

    def _clear_chart(self) -> None:
        if self._drawn:  # (outside a kernel clear_output would print control codes)
            self.chart.clear_output()
            self._drawn = False

    # -- parts -------------------------------------------------------------------------------
    @staticmethod
    def _plan_quality(view: Any) -> str:
        out = _h("Plan quality, criterion by criterion")
        if view.plan_quality is None:
            return out + _withheld(withheld_note(view, "plan quality"))
        if not any(c.judged for c in view.plan_quality):
            return out + ("<p class='rso-hint-text'>No plan has been reviewed against "
                          "the rubric in supervision yet.</p>")
        rows = [[c.criterion, c.text, str(c.judged), _mean(c.mean), _pct(c.fully_met),
                 _pct(c.not_met)] for c in view.plan_quality]
        return out + ("<p class='rso-hint'>The latest review of each "
                      "plan, scored in supervision against the plan-quality rubric.</p>"
                      + _table("Plan quality across the team's recent plans",
                               ["Criterion", "What it asks", "Reviews scoring it",
                                "Mean score (0–2)", "Fully met", "Not met"], rows,
                               "rso-plan-quality"))

    @staticmethod
    def _trend_table(view: Any, rubric: Any) -> str:
        if not view.plan_quality_trend:
            return ("<p class='rso-hint-text'>No plan reviews in this period, so there "
                    "is no trend yet.</p>")
        ids = [c.id for c in rubric.criteria]
        rows = []
        for p in view.plan_quality_trend:
            if p.criteria is None:
                rows.append([p.period, "Withheld: too few people", *[""] * (len(ids) - 1)])
            else:
                rows.append([p.period, *[_mean(p.criteria.get(i)) for i in ids]])
        return _table("Mean score per criterion by period (the numbers behind the chart)",
                      ["Period", *ids], rows, "rso-trend")

    @staticmethod
    def _calibration(cal: Any | None) -> str:
        out = _h("Calibration against the training keys")
        if cal is None:
            return out + ("<p class='rso-hint-text'>Calibration could not be read right "
                          "now.</p>")
        if cal.coverage is None:
            note = next((n.split(":", 1)[1].strip() for n in cal.notes
                         if n.startswith("calibration:")), "too few people have practised.")
            return out + _withheld(note)
        c = cal.coverage
        return out + (f"<p class='rso-hint'>{esc(c.policy)}.</p>"
                      + _table("Calibration status across the team", ["Status", "People"], [
                          ["Calibrated", str(c.calibrated)],
                          ["Not yet calibrated", str(c.not_yet_calibrated)],
                          ["Not enough cases yet", str(c.not_enough_cases)],
                          ["No practice recorded", str(c.assessors - c.practising)]],
                          "rso-calibration"))

    @staticmethod
    def _supervision(view: Any) -> str:
        out = _h("Supervision held against due")
        s = view.supervision
        if s is None:
            return out + _withheld(withheld_note(view, "supervision coverage"))
        return out + _table(
            f"Formal supervision, due every {s.frequency_days} days",
            ["Measure", "People or sessions"], [
                ["People up to date", f"{s.up_to_date} of {s.assessors}"],
                ["People overdue", f"{s.overdue} of {s.assessors}"],
                ["People never supervised", f"{s.never_supervised} of {s.assessors}"],
                ["Sessions held against due", f"{s.held} held of {s.due} due"]],
            "rso-supervision-coverage")

    @staticmethod
    def _counts(title: str, counts: Mapping[str, int] | None, note: str,
                labels: Mapping[str, str] | None = None, what: str = "Times") -> str:
        out = f"<h4 class='rso-kit-heading'>{esc(title)}</h4>"
        if counts is None:
            return out + _withheld(note)
        if not counts:
            return out + "<p class='rso-hint-text'>None recorded.</p>"
        labels = labels or {}
        rows = [[k, labels.get(k, ""), str(v)] if labels else [k, str(v)]
                for k, v in counts.items()]
        cols = ["Item", "What it asks", what] if labels else ["Item", what]
        return out + _table(title, cols, rows, "rso-theme")

    def _themes(self, view: Any, texts: Mapping[str, str]) -> str:
        return (_h("Development themes emerging")
                + "<p class='rso-hint'>Anonymised counts across the "
                  "team, to plan training: what people bring to supervision, where plans fall "
                  "short of the rubric, and the skills observed below Established.</p>"
                + self._counts("Agenda topics brought to supervision", view.agenda_themes,
                               withheld_note(view, "agenda themes"), what="Sessions")
                + self._counts("Rubric criteria not fully met", view.rubric_gaps,
                               withheld_note(view, "plan quality"), texts, what="Plans")
                + self._counts("Skills observed below Established", view.skill_gaps,
                               withheld_note(view, "observation themes"),
                               what="Observations"))

    @staticmethod
    def _individuals(view: Any, cal: Any | None) -> str:
        out = _h("Individual results (with each person's agreement)")
        if not view.individuals:
            return out + ("<p class='rso-no-individuals rso-hint-text'>Nobody in "
                          "the team has agreed to share their individual results. Each person "
                          "chooses this for themselves in the supervision workbook.</p>")
        status = cal.individuals if cal is not None else {}
        rows = []
        for p in view.individuals:
            s = p.supervision
            quality = ", ".join(f"{k} {_mean(v)}" for k, v in p.plan_quality.items()
                                if v is not None) or "No plan reviewed"
            rows.append(
                f"<tr class='rso-person-row'><th scope='row'>{esc(p.assessor)}</th>"
                f"<td>{esc(_day(s.last_held) if s.last_held else 'Never')}</td>"
                f"<td>{esc(_day(s.next_due))}</td><td>{'Yes' if s.overdue else 'No'}</td>"
                f"<td>{esc(quality)}</td>"
                f"<td>{esc(CALIBRATION_LABELS.get(status.get(p.assessor, ''), '—'))}</td></tr>")
        return out + (
            f"<p class='rso-hint'>{esc(NO_RANKING)}</p>"
            "<table class='rso-table rso-individuals'><caption>People who agreed to share"
            "</caption><thead><tr><th scope='col'>Person</th><th scope='col'>Last supervision"
            "</th><th scope='col'>Next due</th><th scope='col'>Overdue</th>"
            "<th scope='col'>Plan quality (mean score per criterion)</th>"
            f"<th scope='col'>Calibration</th></tr></thead><tbody>{''.join(rows)}</tbody>"
            "</table>")

    @staticmethod
    def _notes(view: Any, cal: Any | None) -> str:
        withheld = ("plan quality", "agenda themes", "observation themes",
                    "supervision coverage")
        notes = [n for n in view.notes if n.split(":")[0] not in withheld]
        if cal is not None:
            notes += [n for n in cal.notes if not n.startswith("calibration:")]
        items = "".join(f"<li>{esc(n)}</li>" for n in notes)
        return f"{_h('About these figures')}<ul>{items}</ul>"


def _day(d: Any) -> str:
    return f"{d.day} {d:%B %Y}" if d is not None else "—"
