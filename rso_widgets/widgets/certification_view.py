"""Views of calibration records over time (issue 16): one person's record (status, validity,
reasons, record over time, drift against the team) and a trainer's list of who is due.

Views only: statuses, windows, drift and ordering come from `calibration.certification`.
Generated HTML carries classes, never inline styles; all text is escaped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as w

from ..calibration.certification import (
    COUNTS_WITHHELD,
    CertificationRecord,
    DriftPoint,
    due_order,
    status_counts,
    status_sentence,
)
from .fields import esc

STATUS_CLASS = {"calibrated": "rso-status-ok", "due for re-test": "rso-status-due",
                "lapsed": "rso-status-lapsed", "not yet calibrated": "rso-status-not-yet",
                "not enough cases": "rso-status-not-yet"}
LOCAL_POLICY = ("These thresholds and this validity period are local policy, set by your "
                "organisation, not part of RM2000 or ARMS. The status informs professional "
                "judgement; it does not certify competence to assess anyone.")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"


def _day(day: dt.date | None) -> str:
    return "–" if day is None else f"{day:%d %b %Y}"


def record_html(r: CertificationRecord, drift: Sequence[DriftPoint] = (),
                drift_note: str = "") -> str:
    """One instrument's record: status in plain words, reasons, over time, drift."""
    status = (f"<p class='rso-cert-status {STATUS_CLASS.get(r.status, '')}'>"
              f"{esc(status_sentence(r))}</p>")
    sources = ", ".join(f"{n} from {k}" for k, n in sorted(r.sources.items())) or "none yet"
    counted = (f"<p class='rso-hint'>Cases counted (first attempts only): {esc(sources)}.</p>")
    reasons = "".join(f"<li>{esc(x)}</li>" for x in r.reasons)
    basis = (f"<details class='rso-details'><summary>What the status rests on</summary>"
             f"<ul>{reasons}</ul><p class='rso-hint'>{esc(r.thresholds)}. {esc(r.policy)}."
             "</p></details>")
    if r.history:
        rows = "".join(f"<tr><th scope='row'>{_day(p.day)}</th><td>{p.cases}</td>"
                       f"<td>{_pct(p.agreement_pct)}</td>"
                       f"<td>{'Yes' if p.met else 'No'}</td></tr>" for p in r.history)
        history = ("<table class='rso-table rso-cert-history'><caption>Your record over time: "
                   "the cases of the validity period up to each day</caption><thead><tr>"
                   "<th scope='col'>Day</th><th scope='col'>Cases</th>"
                   "<th scope='col'>Agreement with the key</th>"
                   "<th scope='col'>Thresholds met</th></tr></thead>"
                   f"<tbody>{rows}</tbody></table>")
    else:
        history = ""
    return (f"<h3 class='rso-kit-heading'>{esc(r.name)}</h3>{status}{counted}{history}"
            f"{drift_html(drift, drift_note)}{basis}")


def drift_html(points: Sequence[DriftPoint], note: str = "") -> str:
    """Agreement per quarter beside the rest of the team's; withheld figures say why."""
    if note:
        return f"<p class='rso-hint rso-drift-note'>{esc(note)}</p>"
    if not points:
        return ""
    rows = "".join(
        f"<tr><th scope='row'>{esc(p.period)}</th><td>{_pct(p.person_pct)} "
        f"({p.person_cases} case{'s' if p.person_cases != 1 else ''})</td>"
        f"<td>{_pct(p.team_pct) if p.team_pct is not None else esc(p.note or 'no one else')}"
        f"</td><td>{'–' if p.difference is None else f'{p.difference:+.0f} points'}</td></tr>"
        for p in points)
    return ("<table class='rso-table rso-drift'><caption>Drift: your agreement with the key "
            "beside the rest of your team's, by quarter</caption><thead><tr>"
            "<th scope='col'>Quarter</th><th scope='col'>You</th>"
            "<th scope='col'>The rest of the team</th><th scope='col'>Difference</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>")


class RecordView(w.VBox):
    """A person's record for every instrument."""

    def __init__(self, **kwargs: Any) -> None:
        self.body = w.HTML(value="")
        super().__init__([self.body], **kwargs)
        self.add_class("rso-cert-record")

    def show(self, who: str, records: Mapping[str, CertificationRecord],
             drift: Mapping[str, tuple[Sequence[DriftPoint], str]] | None = None,
             problems: Sequence[str] = ()) -> None:
        drift = drift or {}
        left_out = "".join(f"<p role='alert' class='rso-error-text'>{esc(p)}</p>"
                           for p in problems)
        self.body.value = (
            f"<h2 class='rso-kit-heading'>Calibration record: {esc(who)}</h2>"
            f"<p class='rso-warning-note rso-local-policy'>{esc(LOCAL_POLICY)}</p>{left_out}"
            + "".join(record_html(r, *drift.get(i, ((), ""))) for i, r in records.items()))

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", self.body.value))


def due_html(records: Sequence[CertificationRecord], names: Mapping[str, str],
             min_group: int, only_due: bool = False) -> str:
    """The trainer's list, most urgent first, with counts above the minimum group only."""
    ordered = due_order(records)
    shown = [r for r in ordered if not only_due or r.status in ("due for re-test", "lapsed")]
    rows = "".join(
        f"<tr class='{STATUS_CLASS.get(r.status, '')}'><th scope='row'>"
        f"{esc(names.get(r.user, r.user))}</th><td>{esc(r.name)}</td>"
        f"<td>{esc(r.status.capitalize())}</td><td>{_day(r.valid_until)}</td>"
        f"<td>{'–' if r.days_left is None else r.days_left}</td></tr>" for r in shown)
    table = ("<table class='rso-table rso-due-list'><caption>Who is due, most urgent first"
             "</caption><thead><tr><th scope='col'>Person</th><th scope='col'>Instrument</th>"
             "<th scope='col'>Status</th><th scope='col'>Valid until</th>"
             "<th scope='col'>Days left</th></tr></thead>"
             f"<tbody>{rows}</tbody></table>" if shown else
             "<p class='rso-due-empty'>Nobody is due for a re-test or lapsed.</p>")
    parts = []
    for instrument in sorted({r.instrument for r in records}):
        rs = [r for r in records if r.instrument == instrument]
        counts = status_counts(rs, min_group)
        label = rs[0].name
        if counts is None:
            parts.append(f"{label}: counts {COUNTS_WITHHELD.format(n=min_group)}")
        else:
            parts.append(f"{label}: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    summary = "".join(f"<li>{esc(p)}</li>" for p in parts)
    return (f"<ul class='rso-due-summary'>{summary}</ul>{table}"
            f"<p class='rso-warning-note rso-local-policy'>{esc(LOCAL_POLICY)}</p>")


def team_html(teams: Sequence[Any], names: Mapping[str, str]) -> str:
    """A team lead's view: counts per status (withheld below the minimum group), then the
    records of members who agreed to share theirs."""
    if not teams:
        return "<p class='rso-team-empty'>You do not lead a team in the workbook.</p>"
    out = []
    for t in teams:
        counts = []
        for instrument, c in t.counts.items():
            label = "RM2000" if instrument == "rm2000" else "ARMS"
            withheld = f"{label}: counts {COUNTS_WITHHELD.format(n=t.min_group)}"
            counts.append(withheld if c is None else
                          f"{label}: " + (", ".join(f"{n} {s}" for s, n in c.items() if n)
                                          or "no records yet"))
        items = "".join(f"<li>{esc(x)}</li>" for x in counts)
        rows = "".join(
            f"<tr><th scope='row'>{esc(names.get(r.user, r.user))}</th><td>{esc(r.name)}</td>"
            f"<td>{esc(r.status.capitalize())}</td><td>{_day(r.valid_until)}</td></tr>"
            for r in due_order(t.individuals))
        people = ("<table class='rso-table rso-team-individuals'><caption>Members who agreed to "
                  "share their results</caption><thead><tr><th scope='col'>Person</th>"
                  "<th scope='col'>Instrument</th><th scope='col'>Status</th>"
                  "<th scope='col'>Valid until</th></tr></thead>"
                  f"<tbody>{rows}</tbody></table>" if rows else
                  "<p class='rso-hint'>No member has agreed to share their individual results."
                  "</p>")
        out.append(f"<h3 class='rso-kit-heading'>{esc(t.team)} ({t.members} member"
                   f"{'s' if t.members != 1 else ''})</h3><ul class='rso-team-counts'>{items}"
                   f"</ul>{people}")
    return "".join(out) + f"<p class='rso-warning-note rso-local-policy'>{esc(LOCAL_POLICY)}</p>"
