"""Confidence in practice (issue 16): mark how sure you are of each category, see your confident
errors first, and see how well your confidence has matched your accuracy.

Views only: the rules are in `calibration.confidence`. Built from the kit (`Field`); generated
HTML carries classes, never inline styles; all text is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as w

from ..calibration.confidence import (
    LEVEL_LABELS,
    LEVELS,
    ConfidenceSummary,
    Judged,
    confidence_problem,
    confident_errors_first,
)
from .fields import Field, esc

OPTIONS = [(LEVEL_LABELS[lv], lv) for lv in LEVELS]
INTRO = ("Before you submit, say how sure you are of each category. It is not scored: it helps "
         "you see whether your confidence is a good guide, and your feedback starts with the "
         "answers you were surest of that differ from the key.")


class ConfidenceInput(w.VBox):
    """One "How sure are you?" choice per topic (topic id → label)."""

    def __init__(self, topics: Mapping[str, str], **kwargs: Any) -> None:
        self.topics = dict(topics)
        self.choices = {t: w.RadioButtons(options=OPTIONS, value=None) for t in self.topics}
        self.fields = {t: Field(self.choices[t], f"How sure are you of the {label}?",
                                name=f"confidence.{t}", size="wide")
                       for t, label in self.topics.items()}
        intro = w.HTML(f"<h3 class='rso-kit-heading'>How sure are you?</h3>"
                       f"<p class='rso-hint'>{esc(INTRO)}</p>")
        super().__init__([intro, *self.fields.values()], **kwargs)
        self.add_class("rso-confidence-input")

    @property
    def value(self) -> dict[str, str]:
        return {t: c.value for t, c in self.choices.items() if c.value is not None}

    def set(self, value: Mapping[str, str]) -> None:
        for t, c in self.choices.items():
            c.value = value.get(t)

    def check(self) -> list[tuple[str, str, Any]]:
        """Show an error beside each unmarked topic; return (label, message, control) items
        for the form's error summary (empty: all marked)."""
        problems = confidence_problem(self.value, self.topics)
        out = []
        for t, f in self.fields.items():
            msg = problems.get(t)
            f.error = (f"Say how sure you are of the {self.topics[t]}: choose sure, fairly sure "
                       "or unsure") if msg else ""
            if msg:
                out.append((f.label, f.error, self.choices[t]))
        return out

    def reset(self) -> None:
        for t, c in self.choices.items():
            c.value = None
            self.fields[t].error = ""


def feedback_html(items: Sequence[Judged], labels: Mapping[str, str]) -> str:
    """Your answers with your confidence, confident errors first."""
    if not items:
        return ""
    ordered = confident_errors_first(items)
    rows = "".join(
        f"<tr class='{'rso-confident-error' if not j.right and j.level != 'unsure' else ''}'>"
        f"<th scope='row'>{esc(labels.get(j.topic, j.topic))}</th>"
        f"<td>{esc(LEVEL_LABELS[j.level])}</td><td>{esc(j.trainee or 'not given')}</td>"
        f"<td>{esc(j.key or '')}</td><td>{'Yes' if j.right else 'No'}</td></tr>"
        for j in ordered)
    sure_wrong = [j for j in ordered if not j.right and j.level == "sure"]
    lead = (f"You were sure of {len(sure_wrong)} answer{'s' if len(sure_wrong) != 1 else ''} "
            "that differ from the key: start with "
            f"{'them' if len(sure_wrong) != 1 else 'it'}." if sure_wrong else
            "None of the answers you were sure of differs from the key.")
    return (f"<h3 class='rso-kit-heading'>Your confidence beside the key</h3>"
            f"<p class='rso-confidence-lead'>{esc(lead)}</p>"
            "<table class='rso-table rso-confidence-feedback'><thead><tr>"
            "<th scope='col'>Category</th><th scope='col'>How sure you were</th>"
            "<th scope='col'>Your answer</th><th scope='col'>The key</th>"
            "<th scope='col'>Right</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def progress_html(summary: ConfidenceSummary | None) -> str:
    """Plain words first; the statistic only inside a details reveal."""
    head = "<h3 class='rso-kit-heading'>How well your confidence matches your accuracy</h3>"
    if summary is None or not summary.answers:
        return (head + "<p class='rso-confidence-empty'>Mark how sure you are when you submit "
                "an attempt, and this shows how often you were right at each level.</p>")
    sentences = "".join(f"<li>{esc(lv.sentence())}</li>" for lv in summary.levels
                        if lv.answers)
    periods = "".join(
        f"<tr><th scope='row'>{esc(p.period)}</th>" + "".join(
            f"<td>{lv.right} of {lv.answers}</td>" if lv.answers else "<td>–</td>"
            for lv in p.levels) + "</tr>" for p in summary.over_time)
    gamma = ("not enough variety yet (every pair of answers is tied)" if summary.gamma is None
             else f"{summary.gamma:+.2f}")
    details = (
        "<details class='rso-details'><summary>The statistic behind this</summary>"
        f"<p>Goodman–Kruskal gamma between how sure you were and being right: {esc(gamma)}. "
        "It runs from −1 to +1: +1 means the surer you were, the more often you were right; 0 "
        "means your confidence told you nothing; below 0, the surer you were, the more often "
        f"you were wrong. Answers marked: {summary.answers}; wrong answers marked sure: "
        f"{summary.overconfident}.</p></details>")
    return (head + f"<p class='rso-confidence-headline'>{esc(summary.headline())}</p>"
            f"<ul class='rso-confidence-levels'>{sentences}</ul>"
            "<table class='rso-table rso-confidence-over-time'><caption>Right answers at each "
            "level, by month</caption><thead><tr><th scope='col'>Month</th>"
            + "".join(f"<th scope='col'>{esc(LEVEL_LABELS[lv])}</th>" for lv in LEVELS)
            + f"</tr></thead><tbody>{periods}</tbody></table>" + details)


class ConfidenceFeedback(w.HTML):
    """The feedback panel: confident errors first."""

    def show(self, items: Sequence[Judged], labels: Mapping[str, str]) -> None:
        self.value = feedback_html(items, labels)

    def clear(self) -> None:
        self.value = ""


class ConfidenceProgress(w.HTML):
    """The progress panel: confidence against accuracy over time."""

    def show(self, summary: ConfidenceSummary | None) -> None:
        self.value = progress_html(summary)
