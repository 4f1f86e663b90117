"""Feedback on a practice attempt: item by item beside the key, the key's reasoning, the error type
of every disagreement, the categories side by side, and a "what if" control.

A view only: everything shown comes from `calibration.feedback` (`Feedback`, `WhatIf`); no
scoring or error-typing rules live here. Shown only after the attempt is submitted. All text —
the trainee's entries included — is escaped.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import ipywidgets as w
from traitlets import Instance

from ..calibration.feedback import Feedback, Row, WhatIf
from .fields import Notice, esc, focus_target, form_style, safe_callback, stacked
from .tables import scroll_x

log = logging.getLogger("rso_widgets.widgets.feedback")

#: One line each, in plain words: what the error type means.
ERROR_TYPES = {
    "coding": ("Coding error", "a fact was read wrongly from the case file (for example two "
               "offences sentenced on one day counted as two appearances)."),
    "calculation": ("Calculation error", "your own answers do not give the points or category "
                    "you entered: a slip in the adding up or in reading the table."),
    "rule": ("Rule error", "a scoring rule was applied wrongly: raising /S for aggravating "
             "factors, deciding whether RM2000 applies, or converting /S and /V into /C."),
}
FOLLOWS = ("Follows from another difference", "not a separate mistake: it differs only because "
           "of the earlier difference named.")
REMINDER = ("Categories inform professional judgement and do not decide: any decision must rest "
            "on everything known about the person.")
SECTIONS = [
    ("Does RM2000 apply?", ("decision", "eligibility")),
    ("Items", ("item",)),
    ("Aggravating factors, which can raise the sexual offending category (/S step 2)",
     ("factor",)),
    ("Totals and categories", ("total", "category")),
]
SCALES = {"S": "/S (sexual reconviction)", "V": "/V (non-sexual violent reconviction)",
          "C": "/C (combined)"}


def _report(view: FeedbackView, message: str) -> None:
    view.failure.say(message, kind="error", heading="Sorry, there is a problem with the feedback")


def shown(value: Any) -> str:
    """A fact or result as a person reads it."""
    if value is None:
        return "not answered"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _with_points(value: Any, band: str | None, points: int | None) -> str:
    text = esc(shown(value))
    if points is None:
        return text
    plain = band is None or band.strip().lower() == shown(value).strip().lower()
    band_text = "" if plain else f"band {esc(band)}, "
    return (f"{text} <span class='rso-hint-text'>({band_text}{points} "
            f"point{'' if points == 1 else 's'})</span>")


def outcome(row: Row, labels: dict[str, str]) -> tuple[str, str]:
    """(css class, text) saying how a row compares with the key, and why."""
    if row.error is not None:
        name, meaning = ERROR_TYPES[row.error]
        return "rso-differs", f"Differs. {name}: {meaning}"
    if row.agree is False and row.follows_from:
        causes = ", ".join(labels.get(c, c) for c in row.follows_from)
        return "rso-differs", f"Differs. {FOLLOWS[0]} ({causes}): {FOLLOWS[1]}"
    if row.agree is False:
        return "rso-differs", "Differs from the key."
    if row.agree:
        return "rso-agrees", "Agrees with the key."
    return "rso-neutral", "Not compared (nothing to compare)."


def render_rows(feedback: Feedback) -> str:
    labels = {r.id: r.label for r in feedback.rows}
    parts = []
    for title, kinds in SECTIONS:
        rows = [r for r in feedback.rows if r.kind in kinds]
        if not rows:
            continue
        trs = []
        # a reason shared by several rows is shown once: at the first that differs, else the first
        home: dict[str, str] = {}
        for r in sorted(rows, key=lambda r: r.agree is not False):
            home.setdefault(r.rationale, r.id)
        for r in rows:
            cls, text = outcome(r, labels)
            detail = []
            if r.message:
                detail.append(f"<p class='rso-tight'>{esc(r.message)}</p>")
            if r.rationale and home[r.rationale] == r.id:
                reason = f"<strong>The key's reasoning:</strong> {esc(r.rationale)}"
                detail.append(f"<p class='rso-tight'>{reason}</p>"
                              if r.agree is False else
                              f"<details><summary>The key's reasoning</summary>"
                              f"<p class='rso-tight'>{esc(r.rationale)}</p>"
                              f"</details>")
            has = " rso-has-detail" if detail else ""
            error_attr = f" data-error='{esc(r.error)}'" if r.error else ""
            trs.append(
                f"<tr class='rso-row {cls}{has}' data-row='{esc(r.id)}'{error_attr}>"
                f"<th scope='row' class='rso-row-head'>{esc(r.label)}</th>"
                f"<td>{_with_points(r.trainee, r.trainee_band, r.trainee_points)}</td>"
                f"<td>{_with_points(r.key, r.key_band, r.key_points)}</td>"
                f"<td class='rso-outcome'>{esc(text)}</td></tr>")
            if detail:
                trs.append(f"<tr class='rso-detail'><td></td><td colspan='3'>{''.join(detail)}"
                           f"</td></tr>")
        parts.append(
            f"<h4 class='rso-kit-heading'>{esc(title)}</h4>" + scroll_x(
                "<table class='rso-rows'>"
                "<thead><tr><th scope='col'>Item</th><th scope='col'>Your answer</th>"
                "<th scope='col'>The key</th><th scope='col'>Comparison</th></tr></thead>"
                f"<tbody>{''.join(trs)}</tbody></table>", title))
    return "".join(parts)


def _distance(distance: int | None) -> str:
    if distance is None:
        return "Not comparable"
    if distance == 0:
        return "Same category"
    return f"{distance} categor{'y' if distance == 1 else 'ies'} apart"


def render_categories(feedback: Feedback) -> str:
    trs = "".join(
        f"<tr class='rso-cat rso-cat-{esc(c.scale).lower()}'><th scope='row'>"
        f"{esc(SCALES[c.scale])}</th><td class='rso-yours'>{esc(shown(c.trainee))}</td>"
        f"<td class='rso-keys'>{esc(c.key)}</td><td class='rso-distance'>"
        f"{esc(_distance(c.distance))}</td></tr>"
        for c in feedback.categories)
    return ("<h4 class='rso-kit-heading'>Categories side by side</h4>" + scroll_x(
            "<table class='rso-categories'><thead><tr><th scope='col'>Scale</th>"
            "<th scope='col'>Yours</th><th scope='col'>The key</th>"
            f"<th scope='col'>How far apart</th></tr></thead><tbody>{trs}</tbody></table>",
            "Categories side by side")
            + f"<p role='note' class='rso-note'><strong>Remember:</strong> {esc(REMINDER)}</p>")


def render_headline(feedback: Feedback, attempt_no: int | None = None) -> str:
    counts = feedback.error_counts()
    n = sum(counts.values())
    which = f" (attempt {attempt_no} at this case)" if attempt_no else ""
    if feedback.agrees and n == 0:
        head = "You agree with the key"
        text = ("Your decision and every category are the same as the key's, and no item "
                "differs.")
    elif feedback.agrees:
        head = "Your categories agree with the key"
        text = (f"The categories are the same, but {n} item"
                f"{' differs' if n == 1 else 's differ'}.")
    else:
        head = "Your result differs from the key"
        kinds = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
        text = (f"{n} difference{'s' if n != 1 else ''} to look at ({kinds})." if n else
                "Look at the rows marked Differs below.")
    reason = (f"<p>The key: RM2000 does not apply. {esc(feedback.key_reason)}</p>"
              if not feedback.key_applicable and feedback.key_reason else "")
    notes = "".join(f"<p class='rso-hint-text'>{esc(note)}</p>" for note in feedback.notes)
    outcome = "rso-outcome-agrees" if feedback.agrees else "rso-outcome-differs"
    return (f"<div class='rso-outcome {outcome}'>"
            f"<h3 class='rso-feedback-headline'>{esc(head)}{esc(which)}</h3>"
            f"<p class='rso-feedback-summary'>{esc(matched_line(feedback))}</p>"
            f"<p class='rso-tight'>{esc(text)}</p></div>{reason}{notes}")


def matched_line(feedback: Feedback) -> str:
    """The feedback's summary line: how many of the case file's facts matched the key."""
    n, m = feedback.matched_items()
    if not m:
        return "No item was compared: see whether RM2000 applies below."
    return f"You matched the key on {n} of {m} item{'s' if m != 1 else ''}."


def render_legend(feedback: Feedback) -> str:
    present = {r.error for r in feedback.rows if r.error}
    follows = any(r.follows_from and r.agree is False for r in feedback.rows)
    items = [(name, meaning) for t, (name, meaning) in ERROR_TYPES.items() if t in present]
    if follows:
        items.append(FOLLOWS)
    if not items:
        return ""
    dl = "".join(f"<dt>{esc(name)}</dt><dd>{esc(meaning[0].upper() + meaning[1:])}</dd>"
                 for name, meaning in items)
    return f"<h4 class='rso-kit-heading'>What the differences mean</h4><dl>{dl}</dl>"


def render_what_if(wi: WhatIf, label: str) -> str:
    if wi.problem:
        return f"<p>{esc(label)}: this cannot be tried: {esc(wi.problem)}.</p>"
    scales = [s for s in ("S", "V", "C") if s in wi.before or s in wi.after]
    trs = "".join(
        f"<tr><th scope='row'>{esc(SCALES.get(s, s))}</th><td>{esc(wi.before.get(s, ''))}</td>"
        f"<td class='rso-after'>{esc(wi.after.get(s, ''))}</td><td>{esc(wi.key.get(s, ''))}"
        f"</td><td>{'moves' if s in wi.changed else 'stays the same'}</td></tr>"
        for s in scales)
    if "RM2000" in wi.after:
        trs += (f"<tr><th scope='row'>RM2000</th><td></td><td class='rso-after'>"
                f"{esc(wi.after['RM2000'])}</td><td></td><td></td></tr>")
    moved = (", ".join(SCALES.get(s, s) for s in wi.changed) or "no category")
    return (f"<p class='rso-what-if-summary'>If you had scored <strong>{esc(label)}</strong> as "
            f"{esc(shown(wi.new_value))} instead of {esc(shown(wi.trainee_value))}: "
            f"{esc(moved)} would move.</p>"
            + scroll_x("<table class='rso-what-if'><thead><tr><th scope='col'>Scale</th>"
                       "<th scope='col'>Your category</th><th scope='col'>With the key's "
                       "value</th><th scope='col'>The key</th><th scope='col'>Change</th>"
                       f"</tr></thead><tbody>{trs}</tbody></table>", "What if"))


class FeedbackView(w.VBox):
    """Feedback for one submitted attempt. `feedback` is the `Feedback` shown (None: nothing)."""

    feedback = Instance(Feedback, allow_none=True)

    def __init__(self, **kwargs: Any):
        self.failure = Notice(layout=w.Layout(display="none"))
        # the outcome and its summary line, where focus moves after a submit (GOV.UK: a
        # short block read first, not the whole item-by-item table)
        self.head = focus_target(w.HTML(value=""))
        self.body = w.HTML(value="")
        self.what_ifs: dict[str, WhatIf] = {}
        self.what_if_labels: dict[str, str] = {}
        self.what_if_select = stacked(
            w.Dropdown(options=[], layout=w.Layout(), style={"description_width": "initial"}),
            "What if you had scored this item the key's way?", size="medium")
        self.what_if_select.observe(self._on_what_if, names="value")
        self.what_if_out = w.HTML(value="")
        self.what_if_box = w.VBox(
            [w.HTML("<h4 class='rso-kit-heading'>What if?</h4><p class='rso-tight'>Choose an "
                    "item you scored differently from the key to see "
                    "how your categories would move had you scored it the key's way.</p>"),
             self.what_if_select, self.what_if_out],
            layout=w.Layout(display="none"))
        super().__init__(children=[form_style(), self.failure, self.head, self.body,
                                   self.what_if_box],
                         layout=w.Layout(display="none", max_width="75em"), **kwargs)
        self.add_class("rso-feedback")

    def focus(self) -> None:
        """Move keyboard focus to the feedback's outcome and summary line, after a submit."""
        self.head.focus()

    def show(self, feedback: Feedback, what_ifs: list[WhatIf] | None = None,
             attempt_no: int | None = None) -> None:
        """Render the feedback and the what-if choices (one per disputed item)."""
        self.failure.clear()
        self.head.value = render_headline(feedback, attempt_no)
        self.body.value = (render_legend(feedback) + render_rows(feedback)
                           + render_categories(feedback))
        labels: dict[str, str] = {}
        for r in feedback.rows:
            if r.fact and r.fact not in labels:
                labels[r.fact] = re.sub(r"^/[SV] ", "", r.label)
        self.what_ifs = {wi.item: wi for wi in (what_ifs or [])}
        self.what_if_labels = {item: labels.get(item, item) for item in self.what_ifs}
        self.what_if_select.unobserve(self._on_what_if, names="value")
        try:
            self.what_if_select.options = [(self.what_if_labels[i], i) for i in self.what_ifs]
            self.what_if_select.value = next(iter(self.what_ifs), None)
        finally:
            self.what_if_select.observe(self._on_what_if, names="value")
        self.what_if_box.layout.display = "" if self.what_ifs else "none"
        self._render_what_if(self.what_if_select.value)
        self.feedback = feedback
        self.layout.display = ""

    def clear(self) -> None:
        self.head.value = self.body.value = ""
        self.what_if_out.value = ""
        self.what_ifs = {}
        self.what_if_select.options = []
        self.what_if_box.layout.display = "none"
        self.failure.clear()
        self.feedback = None
        self.layout.display = "none"

    @safe_callback(_report, "working out the what if")
    def _on_what_if(self, change: dict[str, Any]) -> None:
        self._render_what_if(change["new"])

    def _render_what_if(self, item: str | None) -> None:
        wi = self.what_ifs.get(item or "")
        self.what_if_out.value = render_what_if(wi, self.what_if_labels[wi.item]) if wi else ""

    @property
    def text(self) -> str:
        """Everything shown, as plain-ish text (tests and logs)."""
        html = self.head.value + self.body.value + self.what_if_out.value
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
