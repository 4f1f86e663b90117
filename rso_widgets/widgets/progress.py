"""A trainee's practice progress: attempts per case, agreement with the key over time, and the
items most often missed.

A view only: it renders a `calibration.progress.PracticeSummary` (computed by the store). All text
is escaped.
"""

from __future__ import annotations

import re
from typing import Any

import ipywidgets as w
from traitlets import Instance

from ..calibration.progress import PracticeSummary
from ..timefmt import day_text, when_text
from .feedback import ERROR_TYPES
from .fields import esc, form_style
from .tables import scroll_x

#: Feedback rows that are not facts, as the feedback names them.
ROW_LABELS = {
    "eligibility": "Deciding whether RM2000 applies",
    # plain words first, the scoring guide's short name after them
    "S.step1_points": "Sexual offending points before aggravating factors (/S step 1 total)",
    "S.step1_category": "Sexual offending category before aggravating factors (/S step 1)",
    "S.aggravating_factors": "Aggravating factors counted (/S step 2)",
    "S.category": "Sexual offending category after aggravating factors (/S)",
    "V.points": "Violence points (/V total)",
    "V.category": "Violence category (/V)",
    "C.category": "Combined category (/C)",
    "sex": "Sex",
    "age_at_assessment": "Age at assessment",
    "sexual_offence_aged_17_plus": "A sexual offence committed aged 17 or over",
}


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{round(rate * 100)}%"


class PracticeProgress(w.VBox):
    """Progress across cases for one user. `summary` is the summary shown."""

    summary = Instance(PracticeSummary, allow_none=True)

    def __init__(self, labels: dict[str, str] | None = None,
                 titles: dict[str, str] | None = None, **kwargs: Any):
        """`labels`: item/factor id → label (from the ruleset); `titles`: case id → title."""
        self.labels = {**ROW_LABELS, **(labels or {})}
        self.titles = dict(titles or {})
        self.body = w.HTML(value="")
        super().__init__(children=[form_style(), self.body],
                         layout=w.Layout(max_width="70em"), **kwargs)
        self.add_class("rso-progress")

    def label(self, item: str) -> str:
        if item in self.labels:
            return self.labels[item]
        bare = re.sub(r"^(S|V|factor|eligibility)\.", "", item)
        return self.labels.get(bare, bare.replace("_", " ").capitalize())

    def show(self, summary: PracticeSummary) -> None:
        self.body.value = self.render(summary)
        self.summary = summary

    def render(self, s: PracticeSummary) -> str:
        head = "<h2 class='rso-kit-heading'>Your progress</h2>"
        problems = "".join(f"<p role='alert' class='rso-error-text'>{esc(p)}</p>"
                           for p in s.problems)
        if not s.attempts:
            return (f"{head}{problems}<p class='rso-progress-empty'>No attempts yet. Choose a "
                    "case, score it and submit it: your attempts are kept here between "
                    "sessions.</p>")
        agreed = sum(p.agrees for p in s.over_time)
        intro = (f"<p class='rso-progress-headline'>{s.attempts} attempt"
                 f"{'s' if s.attempts != 1 else ''} at {len(s.cases)} case"
                 f"{'s' if len(s.cases) != 1 else ''}; {agreed} agreed fully with the key "
                 f"({_pct(s.agreement_rate)}). Agreeing means the same decision on whether "
                 "RM2000 applies and the same /S, /V and /C categories.</p>")
        cases = "".join(
            f"<tr><th scope='row' class='rso-row-head'>{esc(c.case_id)}"
            f"{': ' + esc(self.titles[c.case_id]) if c.case_id in self.titles else ''}</th>"
            f"<td>{c.attempts}</td><td>{c.agreed}</td>"
            f"<td>{'Agreed' if c.last_agrees else 'Differed'}</td>"
            f"<td>{day_text(c.last_at)}</td></tr>" for c in s.cases)
        cases_table = ("<h3 class='rso-kit-heading'>By case</h3>" + scroll_x(
                       "<table class='rso-by-case'><thead><tr><th scope='col'>Case</th>"
                       "<th scope='col'>Attempts</th>"
                       "<th scope='col'>Agreed with the key</th><th scope='col'>Last attempt"
                       "</th><th scope='col'>Last tried</th></tr></thead>"
                       f"<tbody>{cases}</tbody></table>", "By case"))
        rows = "".join(
            f"<tr><td>{n}</td><td>{when_text(p.at)}</td><td>{esc(p.case_id)}"
            f"{f' (retry {p.attempt_no - 1})' if p.attempt_no > 1 else ''}</td>"
            f"<td>{'Yes' if p.agrees else 'No'}</td><td>{p.categories_agreeing} of 3</td>"
            f"<td><span class='rso-bar' style='width:{round(p.running_rate * 8, 2)}em'></span>"
            f"{_pct(p.running_rate)}</td></tr>"
            for n, p in enumerate(s.over_time, 1))
        over_time = ("<h3 class='rso-kit-heading'>Agreement with the key over time</h3>"
                     + scroll_x("<table class='rso-over-time'>"
                     "<thead><tr><th scope='col'>Attempt</th>"
                     "<th scope='col'>When</th><th scope='col'>Case</th>"
                     "<th scope='col'>Agreed</th><th scope='col'>Categories the same</th>"
                     "<th scope='col'>Agreement so far</th></tr></thead>"
                     f"<tbody>{rows}</tbody></table>", "Agreement with the key over time"))
        if s.most_missed:
            missed_rows = "".join(
                f"<tr><th scope='row' class='rso-row-head'>{esc(self.label(m.item))}</th>"
                f"<td>{m.count}</td><td>"
                + esc(", ".join(f"{ERROR_TYPES.get(t, (t,))[0].lower()} × {k}"
                                for t, k in sorted(m.types.items())))
                + "</td></tr>" for m in s.most_missed)
            missed = ("<h3 class='rso-kit-heading'>Items you most often scored differently "
                      "from the key</h3>" + scroll_x("<table class='rso-most-missed'><thead><tr>"
                      "<th scope='col'>Item</th><th scope='col'>Times</th>"
                      "<th scope='col'>Error types</th></tr></thead>"
                      f"<tbody>{missed_rows}</tbody></table>", "Items most often scored "
                                                                 "differently"))
        else:
            missed = "<p>No item has differed from the key so far.</p>"
        types = ", ".join(f"{ERROR_TYPES[t][0].lower()}: {n}"
                          for t, n in sorted(s.error_types.items()) if t in ERROR_TYPES)
        type_line = (f"<p class='rso-hint-text'>Errors by type across all attempts: "
                     f"{esc(types)}.</p>" if types else "")
        return head + problems + intro + cases_table + over_time + missed + type_line

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", self.body.value))
