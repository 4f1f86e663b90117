"""A trainee's ARMS practice progress (issue 16): attempts per case, agreement with the key over
time, and the factors most often rated differently from the key.

A view only: it renders a `calibration.arms_progress.ArmsPracticeSummary`. Generated HTML
carries classes, never inline styles; all text is escaped.
"""

from __future__ import annotations

import re
from typing import Any

import ipywidgets as w

from ..calibration.arms_progress import ArmsPracticeSummary
from ..timefmt import day_text, when_text
from .fields import esc


def _pct(part: int, whole: int) -> str:
    return "–" if not whole else f"{round(100 * part / whole)}%"


def render(s: ArmsPracticeSummary, titles: dict[str, str] | None = None) -> str:
    titles = titles or {}
    head = "<h2 class='rso-kit-heading'>Your ARMS progress</h2>"
    problems = "".join(f"<p role='alert' class='rso-error-text'>{esc(p)}</p>"
                       for p in s.problems)
    if not s.attempts:
        return (f"{head}{problems}<p class='rso-progress-empty'>No ARMS attempts yet. Choose a "
                "case, rate it and submit: your attempts are kept here between sessions.</p>")
    rate = s.agreement_rate
    intro = (f"<p class='rso-progress-headline'>{s.attempts} attempt"
             f"{'s' if s.attempts != 1 else ''} at {len(s.cases)} case"
             f"{'s' if len(s.cases) != 1 else ''}. Across them, "
             f"{'–' if rate is None else f'{round(rate * 100)}%'} of your factor ratings "
             "equalled the key's or one of its defensible alternatives.</p>")
    cases = "".join(
        f"<tr><th scope='row'>{esc(c.case_id)}"
        f"{': ' + esc(titles[c.case_id]) if c.case_id in titles else ''}</th>"
        f"<td>{c.attempts}</td><td>{c.last_exact} of {c.last_rated}</td>"
        f"<td>{day_text(c.last_at)}</td></tr>" for c in s.cases)
    by_case = ("<h3 class='rso-kit-heading'>By case</h3><table class='rso-table "
               "rso-arms-by-case'><thead><tr><th scope='col'>Case</th><th scope='col'>Attempts"
               "</th><th scope='col'>Last attempt: ratings equal to the key's</th>"
               "<th scope='col'>Last tried</th></tr></thead>"
               f"<tbody>{cases}</tbody></table>")
    rows = "".join(
        f"<tr><td>{n}</td><td>{when_text(p.at)}</td><td>{esc(p.case_id)}"
        f"{f' (retry {p.attempt_no - 1})' if p.attempt_no > 1 else ''}</td>"
        f"<td>{p.exact} of {p.rated} ({_pct(p.exact, p.rated)})</td>"
        f"<td>{p.exact_or_acceptable} of {p.rated} ({_pct(p.exact_or_acceptable, p.rated)})</td>"
        f"<td>{'–' if p.priority_same is None else 'Same' if p.priority_same else 'Different'}"
        f"</td><td>{'–' if p.plan_score is None else f'{p.plan_score[0]} of {p.plan_score[1]}'}"
        "</td></tr>" for n, p in enumerate(s.over_time, 1))
    over_time = ("<h3 class='rso-kit-heading'>Agreement with the key over time</h3>"
                 "<table class='rso-table rso-arms-over-time'><thead><tr>"
                 "<th scope='col'>Attempt</th><th scope='col'>When</th>"
                 "<th scope='col'>Case</th><th scope='col'>Equal to the key</th>"
                 "<th scope='col'>Equal, or a defensible alternative</th>"
                 "<th scope='col'>Priority</th><th scope='col'>Plan (rubric)</th></tr></thead>"
                 f"<tbody>{rows}</tbody></table>")
    if s.most_differed:
        items = "".join(f"<tr><th scope='row'>{esc(m.factor)} {esc(m.name)}</th>"
                        f"<td>{m.times}</td></tr>" for m in s.most_differed)
        differed = ("<h3 class='rso-kit-heading'>Factors you most often rated differently from "
                    "the key</h3><table class='rso-table rso-arms-most-differed'><thead><tr>"
                    "<th scope='col'>Factor</th><th scope='col'>Attempts</th></tr></thead>"
                    f"<tbody>{items}</tbody></table>")
    else:
        differed = "<p>No factor has differed from the key so far.</p>"
    return head + problems + intro + by_case + over_time + differed


class ArmsPracticeProgress(w.VBox):
    """ARMS progress across cases for one user."""

    def __init__(self, titles: dict[str, str] | None = None, **kwargs: Any) -> None:
        self.titles = dict(titles or {})
        self.body = w.HTML(value="")
        super().__init__([self.body], **kwargs)
        self.add_class("rso-progress")
        self.add_class("rso-arms-progress")

    def show(self, summary: ArmsPracticeSummary) -> None:
        self.body.value = render(summary, self.titles)

    def unavailable(self) -> None:
        self.body.value = ("<h2 class='rso-kit-heading'>Your ARMS progress</h2><p role='alert'>"
                           "Your earlier attempts cannot be read right now. You can still "
                           "practise; try reloading the page later.</p>")

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", self.body.value))
