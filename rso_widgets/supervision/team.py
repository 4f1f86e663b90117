"""Team view for a team lead: plan QUALITY, supervision held against due, development themes.

Pure functions over records. Nothing here counts plans or visits per person, and nothing ranks
people: team figures are anonymised aggregates, withheld when fewer than `min_group` people
contribute to them; a person's own figures appear only when their consent setting is on.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..instruments.plan_quality import Rubric
from .lists import ObservationScale, SupervisionLists
from .models import ObservationRecord, PlanReview, SessionRecord, TeamRecord

Period = Literal["month", "quarter"]
WITHHELD = ("withheld: fewer than {n} people contribute, so the figures could identify "
            "someone")


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class CriterionSummary(_View):
    """One rubric criterion across reviews: mean score (0–2) and shares fully / not met."""

    criterion: str
    text: str
    judged: int
    mean: float | None
    fully_met: float | None
    not_met: float | None


class PeriodProfile(_View):
    """Mean score per criterion in one period (a trend point); None when withheld."""

    period: str
    criteria: dict[str, float | None] | None
    note: str = ""


class PersonSupervision(_View):
    assessor: str
    last_held: dt.date | None
    next_due: dt.date
    held_in_window: int
    due_in_window: int
    overdue: bool


class SupervisionCoverage(_View):
    """How many assessors are up to date with supervision; sessions held against due."""

    frequency_days: int
    assessors: int
    up_to_date: int
    overdue: int
    never_supervised: int
    held: int
    due: int


class PersonResults(_View):
    """A consenting person's own figures (never ranked against others)."""

    assessor: str
    supervision: PersonSupervision
    plan_quality: dict[str, float | None]


class TeamView(_View):
    team: str
    generated_on: dt.date
    since: dt.date
    assessors: int
    min_group: int
    plan_quality: list[CriterionSummary] | None
    plan_quality_trend: list[PeriodProfile]
    supervision: SupervisionCoverage | None
    agenda_themes: dict[str, int] | None
    rubric_gaps: dict[str, int] | None
    skill_gaps: dict[str, int] | None
    individuals: list[PersonResults]
    notes: list[str]


# -- building blocks ---------------------------------------------------------------------------

def topic_counts(sessions: Iterable[SessionRecord]) -> dict[str, int]:
    """How often each agenda topic was brought (topic id → count; no names, no free text)."""
    counts = Counter(item.topic for s in sessions for item in s.agenda)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def rubric_gap_counts(reviews: Iterable[PlanReview]) -> dict[str, int]:
    """How often each rubric criterion was scored below fully met."""
    counts = Counter(c for r in reviews for c in r.gaps())
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def skill_gap_counts(observations: Iterable[ObservationRecord],
                     scale: ObservationScale) -> dict[str, int]:
    """How often each skill was seen but rated below the second-highest level."""
    counts: Counter[str] = Counter()
    for o in observations:
        for sid, r in o.ratings.items():
            level = scale.level(r.level)
            if level is not None and level.evidence_required and level.value < scale.top - 1:
                counts[sid] += 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def criterion_summaries(reviews: Sequence[PlanReview], rubric: Rubric) -> list[CriterionSummary]:
    out = []
    for c in rubric.criteria:
        scores = [s for r in reviews if (s := r.scores.get(c.id)) is not None]
        n = len(scores)
        out.append(CriterionSummary(
            criterion=c.id, text=c.text, judged=n,
            mean=round(sum(scores) / n, 2) if n else None,
            fully_met=round(sum(s == 2 for s in scores) / n, 2) if n else None,
            not_met=round(sum(s == 0 for s in scores) / n, 2) if n else None))
    return out


def mean_scores(reviews: Sequence[PlanReview], rubric: Rubric) -> dict[str, float | None]:
    return {c.criterion: c.mean for c in criterion_summaries(reviews, rubric)}


def period_of(day: dt.date, period: Period = "quarter") -> str:
    if period == "month":
        return f"{day:%Y-%m}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def reviews_in(sessions: Iterable[SessionRecord]
               ) -> list[tuple[dt.date, str, PlanReview]]:
    """(date held, assessor, review) for every plan review in held sessions, oldest first."""
    out = [(s.held_on, s.assessor, r) for s in sessions if s.status == "held"
           for r in s.plan_reviews]
    return sorted(out, key=lambda t: t[0])


def latest_per_plan(dated: Sequence[tuple[dt.date, str, PlanReview]]
                    ) -> list[tuple[dt.date, str, PlanReview]]:
    """The latest review of each plan (reviews not tied to a stored plan all count)."""
    latest: dict[object, tuple[dt.date, str, PlanReview]] = {}
    for n, item in enumerate(dated):  # oldest first: later ones replace earlier
        key = item[2].assessment_id if item[2].assessment_id is not None else ("n", n)
        latest[key] = item
    return sorted(latest.values(), key=lambda t: t[0])


def rubric_trend(dated: Sequence[tuple[dt.date, str, PlanReview]], rubric: Rubric,
                 period: Period = "quarter", min_group: int = 1) -> list[PeriodProfile]:
    """Mean score per criterion per period, oldest first; a period with fewer than
    `min_group` assessors contributing is withheld."""
    by_period: dict[str, list[tuple[str, PlanReview]]] = {}
    for day, who, review in dated:
        by_period.setdefault(period_of(day, period), []).append((who, review))
    out = []
    for key in sorted(by_period):
        items = by_period[key]
        if len({who for who, _ in items}) < min_group:
            out.append(PeriodProfile(period=key, criteria=None,
                                     note=WITHHELD.format(n=min_group)))
        else:
            out.append(PeriodProfile(period=key,
                                     criteria=mean_scores([r for _, r in items], rubric)))
    return out


def supervision_status(assessor: str, sessions: Iterable[SessionRecord], *, today: dt.date,
                       since: dt.date, frequency_days: int) -> PersonSupervision:
    """Held sessions since `since` against those due at one per `frequency_days`."""
    held = sorted(s.held_on for s in sessions
                  if s.assessor == assessor and s.status == "held" and s.held_on <= today)
    last = held[-1] if held else None
    start = since
    next_due = (last or start) + dt.timedelta(days=frequency_days)
    window = max(0, (today - start).days)
    return PersonSupervision(
        assessor=assessor, last_held=last, next_due=next_due,
        held_in_window=sum(d >= start for d in held),
        due_in_window=window // frequency_days, overdue=next_due < today)


# -- the view ----------------------------------------------------------------------------------

def _people(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """(theme, person) pairs → theme → the people it came from."""
    out: dict[str, set[str]] = {}
    for key, who in pairs:
        out.setdefault(key, set()).add(who)
    return out


def team_view(team: TeamRecord, sessions: Sequence[SessionRecord],
              observations: Sequence[ObservationRecord], consents: Mapping[str, bool], *,
              rubric: Rubric, scale: ObservationScale, lists: SupervisionLists, today: dt.date,
              since: dt.date, frequency_days: int, min_group: int,
              period: Period = "quarter") -> TeamView:
    """The team lead's view of `team` from its members' sessions and observations."""
    members = [m.username for m in team.members]
    joined = {m.username: max(since, m.added_at.date()) for m in team.members}
    mine = [s for s in sessions if s.assessor in joined and since <= s.held_on <= today
            and s.status == "held"]
    obs = [o for o in observations if o.assessor in joined and since <= o.observed_on <= today]
    notes = ["Plan quality is judged against the plan-quality rubric; the team view never "
             "counts plans or visits per person."]

    def enough(people: Iterable[str]) -> bool:
        return len(set(people)) >= min_group

    def common(counts: dict[str, int], people: Mapping[str, set[str]], what: str
               ) -> dict[str, int]:
        """Only the themes at least `min_group` people share: a theme one or two people
        bring would point at them (the number left out is said in the notes)."""
        keep = {k: v for k, v in counts.items() if enough(people.get(k, ()))}
        if len(keep) < len(counts):
            small.append(f"{what} {len(counts) - len(keep)}")
        return keep

    small: list[str] = []
    dated = reviews_in(mine)
    latest = latest_per_plan(dated)
    recent = [r for _, _, r in latest]
    plan_quality = (criterion_summaries(recent, rubric)
                    if enough(who for _, who, _ in dated) else None)
    agenda = None
    if enough(s.assessor for s in mine if s.agenda):
        raised = _people((item.topic, s.assessor) for s in mine for item in s.agenda)
        agenda = {lists.topic_label(k): v for k, v in common(
            topic_counts(mine), raised, "agenda topics").items()}
    gaps = None
    if plan_quality is not None:
        short = _people((c, who) for _, who, r in latest for c in r.gaps())
        gaps = common(rubric_gap_counts(recent), short, "rubric criteria")
    labels = {sk.id: sk.label for sk in scale.skills}
    skills = None
    if enough(o.assessor for o in obs):
        below = _people((k, o.assessor) for o in obs for k in skill_gap_counts([o], scale))
        skills = {labels.get(k, k): v for k, v in common(
            skill_gap_counts(obs, scale), below, "observed skills").items()}

    status = {u: supervision_status(u, sessions, today=today, since=joined[u],
                                    frequency_days=frequency_days) for u in members}
    coverage = None
    if enough(members):
        coverage = SupervisionCoverage(
            frequency_days=frequency_days, assessors=len(members),
            up_to_date=sum(not p.overdue for p in status.values()),
            overdue=sum(p.overdue for p in status.values()),
            never_supervised=sum(p.last_held is None for p in status.values()),
            held=sum(p.held_in_window for p in status.values()),
            due=sum(p.due_in_window for p in status.values()))
    if small:
        notes.append(f"Themes fewer than {min_group} people share are not shown, as they could "
                     f"identify someone (left out: {', '.join(small)}).")
    for label, value in (("plan quality", plan_quality), ("agenda themes", agenda),
                         ("observation themes", skills), ("supervision coverage", coverage)):
        if value is None:
            notes.append(f"{label}: {WITHHELD.format(n=min_group)}")

    individuals = [
        PersonResults(assessor=u, supervision=status[u],
                      plan_quality=mean_scores([r for _, who, r in latest_per_plan(dated)
                                                if who == u], rubric))
        for u in sorted(members) if consents.get(u, False)]
    return TeamView(
        team=team.name, generated_on=today, since=since, assessors=len(members),
        min_group=min_group, plan_quality=plan_quality,
        plan_quality_trend=rubric_trend(dated, rubric, period, min_group),
        supervision=coverage, agenda_themes=agenda, rubric_gaps=gaps, skill_gaps=skills,
        individuals=individuals, notes=notes)


# -- calibration against the training keys (from RM2000 practice) ------------------------------

class CalibrationCoverage(_View):
    """How many team members are calibrated against the training keys (anonymised counts)."""

    policy: str
    assessors: int
    practising: int
    calibrated: int
    not_yet_calibrated: int
    not_enough_cases: int


class TeamCalibration(_View):
    """Calibration status across a team: counts (withheld when fewer than `min_group` members
    have practised), and the status of each member whose consent setting is on."""

    team: str
    min_group: int
    coverage: CalibrationCoverage | None
    individuals: dict[str, str]
    notes: list[str]


def practice_status(records: Sequence[Any], thresholds: Any = None) -> tuple[str, list[str]]:
    """A person's calibration status from their RM2000 practice attempts (`PracticeRecord`s):
    the latest attempt at each training case, judged by `calibration.status.decide` against the
    local thresholds. Returns the status and the reasons in plain words."""
    # deferred: calibration.status loads pandas, which the supervision page's first view must not
    from ..calibration.status import CalibrationNumbers, FarApart, decide, load_thresholds

    t = thresholds or load_thresholds()
    latest: dict[str, Any] = {}
    for r in sorted(records, key=lambda r: r.at):
        latest[r.case_id] = r
    compared = agreed = not_comparable = 0
    distances: list[int] = []
    far: list[FarApart] = []
    cases = 0
    for case_id, r in sorted(latest.items()):
        cases += bool(r.categories)
        for c in r.categories:
            compared += 1
            agreed += c.trainee == c.key
            if c.distance is None:
                not_comparable += c.trainee != c.key
                continue
            distances.append(c.distance)
            if c.distance > t.calibrated.max_category_distance:
                far.append(FarApart(case_id=case_id, scale=c.scale, trainee=c.trainee or "",
                                    key=c.key, distance=c.distance))
    numbers = CalibrationNumbers(
        n_cases=cases, categories_compared=compared, categories_agreed=agreed,
        category_agreement_pct=100.0 * agreed / compared if compared else None,
        max_distance=max(distances) if distances else None, far_apart=far,
        not_comparable=not_comparable)
    status, reasons = decide(numbers, t)
    return status, reasons


def team_calibration(team: TeamRecord, practice: Mapping[str, Sequence[Any]],
                     consents: Mapping[str, bool], *, min_group: int,
                     thresholds: Any = None) -> TeamCalibration:
    """Calibration across `team` from each member's practice records (username → records).
    Counts are withheld when fewer than `min_group` members have practised; a member's own
    status is included only when their consent setting is on."""
    # deferred: calibration.status loads pandas, which the supervision page's first view must not
    from ..calibration.status import load_thresholds

    t = thresholds or load_thresholds()
    members = sorted(m.username for m in team.members)
    status = {u: practice_status(practice.get(u, ()), t)[0] for u in members
              if practice.get(u)}
    notes = [f"Calibration compares RM2000 practice with the training keys. {t.label}; the "
             "status informs development and certifies nobody."]
    coverage = None
    if len(status) >= min_group:
        values = list(status.values())
        coverage = CalibrationCoverage(
            policy=t.label, assessors=len(members), practising=len(status),
            calibrated=values.count("calibrated"),
            not_yet_calibrated=values.count("not yet calibrated"),
            not_enough_cases=values.count("not enough cases"))
    else:
        notes.append(f"calibration: {WITHHELD.format(n=min_group)}")
    individuals = {u: status.get(u, "no practice recorded") for u in members
                   if consents.get(u, False)}
    return TeamCalibration(team=team.name, min_group=min_group, coverage=coverage,
                           individuals=individuals, notes=notes)
