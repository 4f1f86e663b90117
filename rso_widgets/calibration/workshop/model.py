"""The trainer dashboard's view model, statistics lines and debrief prompts (no widgets)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .submissions import case_instruments

if TYPE_CHECKING:
    from ..cohort import CohortSummary, DivisiveItem, Statistic
    from ..status import TraineeStatus
    from .records import CohortLike as CohortRecord
    from .records import MemberLike as MemberRecord

DASHBOARD_N_BOOT = 1000  # bootstrap resamples for the confidence intervals on the dashboard


@dataclass
class RosterRow:
    """One trainee in the live view."""

    member_id: int
    pseudonym: str
    display_name: str
    joined_at: dt.datetime
    submitted: dict[str, dt.datetime]  # case id → time of the latest submission
    submissions: int  # every submission, resubmissions included

    def label(self, reveal: bool) -> str:
        return self.display_name if reveal else self.pseudonym


@dataclass
class StatLine:
    """A statistic as the dashboard shows it: the figure, or "not enough data" and why."""

    key: str
    label: str  # the technical name (as exported)
    text: str
    ok: bool
    value: float | None = None
    ci: tuple[float, float] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def plain(self) -> str:
        """What it measures in plain words (shown first)."""
        return STAT_PLAIN.get(self.key, self.label)

    @property
    def meaning(self) -> str:
        """What the technical statistic is, for the "details" reveal."""
        return STAT_MEANING.get(self.key.split(".")[0], "")


@dataclass
class Prompt:
    """A debrief prompt: what divides the room, with the key's rationale held back until the
    trainer chooses to show it."""

    rank: int
    case_id: str
    item: str
    label: str
    question: str
    answers: str
    key: str | None
    rationale: str


@dataclass
class DashboardModel:
    """Everything the trainer's dashboard shows, computed without widgets."""

    cohort: CohortRecord
    members: list[MemberRecord]
    pseudonyms: dict[int, str]
    roster: list[RosterRow]
    case_ids: list[str]
    case_titles: dict[str, str]
    n_submissions: int
    summary: CohortSummary | None
    statuses: dict[int, TraineeStatus]
    statistics: list[StatLine]
    prompts: list[Prompt]
    policy: str
    problems: list[str]
    refreshed_at: dt.datetime
    seconds: float
    changed: bool
    version: int  # grows by one each time the results change
    arms_prompts: list[Prompt] = field(default_factory=list)  # divisive ARMS factors

    @property
    def has_results(self) -> bool:
        return self.summary is not None and self.summary.n_raters > 0

    def instruments(self, case_id: str) -> tuple[str, ...]:
        """The instruments trainees score for a case."""
        return case_instruments(self.cohort, case_id)

    @property
    def has_arms(self) -> bool:
        """Whether any case is scored with ARMS."""
        return any("arms" in self.instruments(c) for c in self.case_ids)

    def submitted_count(self, case_id: str) -> int:
        return sum(1 for r in self.roster if case_id in r.submitted)

    def names(self, reveal: bool) -> dict[int, str]:
        """member id → the name to show (pseudonym unless `reveal`)."""
        return {r.member_id: r.label(reveal) for r in self.roster}

    def rater_names(self, reveal: bool) -> dict[str, str]:
        """pseudonym ("Rater n") → the name to show."""
        return {r.pseudonym: r.label(reveal) for r in self.roster}


NO_RM2000 = "no RM2000 cases"
NO_ARMS = "no ARMS ratings"


def rm2000_status(status: TraineeStatus | None) -> str | None:
    """The RM2000 status to show: `NO_RM2000` for a trainee who only rated ARMS (rather than
    "not enough cases"); None without submissions."""
    if status is None:
        return None
    if status.numbers.n_cases == 0 and status.arms_status is not None:
        return NO_RM2000
    return status.status


STAT_LABELS: list[tuple[str, str, str]] = [
    # (group, key, technical label: the exports' "statistic" column, unchanged)
    ("agreement", "items", "Agreement with the key, RM2000 items (%)"),
    ("agreement", "categories", "Agreement with the key, RM2000 categories (%)"),
    ("agreement", "ARMS", "Agreement with the key, ARMS ratings (%)"),
    ("agreement", "ARMS or acceptable",
     "Agreement with the key or a defensible alternative, ARMS ratings (%)"),
    ("icc", "S step 1 total", "ICC(2,1), /S step-1 total"),
    ("icc", "V total", "ICC(2,1), /V total"),
    ("alpha", "categories", "Krippendorff's alpha (ordinal), /S /V /C categories"),
    ("alpha", "S", "Krippendorff's alpha (ordinal), /S"),
    ("alpha", "V", "Krippendorff's alpha (ordinal), /V"),
    ("alpha", "C", "Krippendorff's alpha (ordinal), /C"),
    ("alpha", "ARMS", "Krippendorff's alpha (ordinal), ARMS ratings"),
    ("kappa", "categories", "Weighted kappa against the key (mean), categories"),
    ("kappa", "ARMS", "Weighted kappa against the key (mean), ARMS ratings"),
]
_AGREE = "How far trainees agree with each other"
_FOLLOW = "How closely trainees follow the key (a near miss counts partly)"
# Plain words first (issue 14); the technical name and its meaning go in a "details" reveal.
STAT_PLAIN: dict[str, str] = {
    "agreement.items": "How often trainees match the key: RM2000 items (%)",
    "agreement.categories": "How often trainees match the key: RM2000 risk categories (%)",
    "agreement.ARMS": "How often trainees match the key: ARMS ratings (%)",
    "icc.S step 1 total": f"{_AGREE}: sexual offending points before aggravating factors",
    "icc.V total": f"{_AGREE}: violence points",
    "alpha.categories": f"{_AGREE}: all three risk categories",
    "alpha.S": f"{_AGREE}: sexual offending risk category",
    "alpha.V": f"{_AGREE}: violence risk category",
    "alpha.C": f"{_AGREE}: combined risk category",
    "alpha.ARMS": f"{_AGREE}: ARMS ratings",
    "kappa.categories": f"{_FOLLOW}: risk categories",
    "kappa.ARMS": f"{_FOLLOW}: ARMS ratings",
}
STAT_MEANING: dict[str, str] = {
    "agreement": "The share of answers that are exactly the key's answer.",
    "icc": "The intraclass correlation (two-way random effects, absolute agreement, single "
           "rater): 1 means every trainee reaches the same total, 0 means the totals agree "
           "no better than chance. 0.75 or more is usually read as good (Koo and Li, 2016).",
    "alpha": "Agreement among trainees on ordered categories, corrected for chance: 1 is "
             "perfect agreement, 0 is what chance alone would give. 0.8 or more is usually "
             "read as reliable (Krippendorff, 2004).",
    "kappa": "Each trainee's agreement with the key, corrected for chance, with a near miss "
             "counting more than a far one (quadratic weights), averaged over trainees: 1 is "
             "perfect, 0 is chance.",
}


def stat_lines(summary: CohortSummary | None, min_raters: int = 3) -> list[StatLine]:
    """The cohort statistics as lines; "not enough data" (with the reason) when undefined."""
    out = []
    for group, key, label in STAT_LABELS:
        stat: Statistic | None = None
        if summary is not None:
            stat = getattr(summary, group).get(key)
        if stat is None or not stat.ok:
            reason = (stat.reason if stat is not None else
                      f"no submissions yet; cohort statistics need at least {min_raters} raters")
            out.append(StatLine(key=f"{group}.{key}", label=label, ok=False,
                                text=f"not enough data ({reason})",
                                notes=list(stat.notes) if stat else []))
            continue
        pct = group == "agreement"
        fmt = (lambda v: f"{v:.0f}%") if pct else (lambda v: f"{v:.2f}")
        ci = f" (95% CI {fmt(stat.ci[0])} to {fmt(stat.ci[1])})" if stat.ci else ""
        text = f"{fmt(stat.value)}{ci}; {stat.n_raters} raters, {stat.n_units} units"
        out.append(StatLine(key=f"{group}.{key}", label=label, text=text, ok=True,
                            value=stat.value, ci=stat.ci, notes=list(stat.notes)))
    return out


def prompts_from(divisive: Iterable[DivisiveItem]) -> list[Prompt]:
    """Debrief prompts from `CohortSummary.divisive` (rationale kept separate, shown on
    request)."""
    out = []
    for d in divisive:
        answers = ", ".join(f"{v} ({n})" for v, n in sorted(d.answers.items(),
                                                            key=lambda kv: -kv[1]))
        other = (f" The most common other answer was {d.most_common_other}."
                 if d.most_common_other else "")
        question = (f"{d.case_id}, {d.label}: {d.disagreeing} of {d.compared} raters differ from "
                    f"the key.{other} What in the case file led the room to different "
                    "answers?")
        out.append(Prompt(rank=d.rank, case_id=d.case_id, item=d.item, label=d.label,
                          question=question, answers=answers, key=d.key,
                          rationale=d.rationale or "The key gives no written rationale for "
                                                   "this item."))
    return out
