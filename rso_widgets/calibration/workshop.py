"""Workshop mode, without widgets: join codes, who may see what and when, and the trainer's
refresh (store → incremental cohort frame → statistics → view models).

- Join codes: 6 characters from an alphabet without look-alikes (no 0/O, 1/I/L); typed codes
  are normalised (case, spaces, hyphens). `join_workshop` turns every refusal (wrong code,
  expired code, closed workshop, name taken) into a `JoinProblem` naming the field to fix, and
  lets the same signed-in user rejoin under their name (after a page reload or a dead kernel).
- Gating: trainees see no key and no feedback until the trainer releases the key
  (`feedback_released`); submissions are refused once the workshop is closed (the store
  enforces it; the trainee's answers are then kept as a draft by the app).
- Drafts are keyed by cohort + member + case (`draft_key`).
- Instruments: each case is scored with RM2000, ARMS or both (`case_instruments`; ARMS only
  for cases with an ARMS key). A submission carries the case's instruments in one payload
  (`workshop_payload`: `{"facts", "entered"}` for RM2000, `{"arms": …}` for ARMS), which the
  cohort frame reads per instrument. `arms_problems` is the ARMS submit guard (every factor
  rated); `arms_start` keeps the key out of a blank ARMS attempt when RM2000 is scored too;
  `trainee_feedback` compares a submission with the key once it is released.
- `WorkshopRefresher.refresh()` is what the dashboard's Refresh button (and its timer) calls.
  It keeps the case keys and the frame of submissions already compared, asks the store only for
  submissions newer than the last one seen, compares only those with the key, recomputes each
  trainee's calibration status only when their submissions changed, and recomputes the cohort
  statistics only when anything changed. `frame` always equals `cohort_frame` over every
  submission (tested).

Heavy libraries (pandas, the statistics) load only when a refresh first runs.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..freetext import text_problem

if TYPE_CHECKING:
    import pandas as pd

    from ..calibration.arms_feedback import ArmsFeedback
    from ..calibration.feedback import Feedback
    from ..cases.schema import TrainingCase
    from ..instruments.arms import ARMSAssessment, ArmsCatalogue
    from ..instruments.ruleset import RM2000Ruleset
    from ..store.records import CohortRecord, MemberRecord
    from .cohort import CohortSummary, DivisiveItem, Statistic
    from .status import Thresholds, TraineeStatus

CODE_LENGTH = 6
#: The store's join-code alphabet: no 0/O, no 1/I/L (read aloud and typed without mistakes).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
NAME_MAX = 100
DRAFT_PREFIX = "workshop"
#: (label, minutes from now; 0: the code never expires)
EXPIRY_CHOICES: list[tuple[str, int]] = [
    ("No expiry (until you close the workshop)", 0), ("In 30 minutes", 30),
    ("In 1 hour", 60), ("In 2 hours", 120), ("In 4 hours", 240), ("In 8 hours", 480),
    ("In 24 hours", 1440)]
#: the cohort-frame columns `status.trainee_status` reads
STATUS_COLUMNS = ["member_id", "rater", "case_id", "instrument", "item", "label", "topic",
                  "trainee", "key", "agree", "error", "distance", "rationale",
                  "agree_or_acceptable"]
DASHBOARD_N_BOOT = 1000  # bootstrap resamples for the confidence intervals on the dashboard


# --- join codes and names ----------------------------------------------------------------------

def new_join_code(length: int = CODE_LENGTH) -> str:
    """A random, readable join code, e.g. `K7QM3X`."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalise_code(text: Any) -> str:
    """A typed code as stored: upper case, without spaces or hyphens."""
    return re.sub(r"[\s\-]+", "", str(text or "")).upper()


def code_problem(text: Any) -> str | None:
    """Why a typed join code cannot be right, or None."""
    code = normalise_code(text)
    if not code:
        return "Enter the join code your trainer gave you, for example K7QM3X"
    if len(code) != CODE_LENGTH:
        return (f"The join code has {CODE_LENGTH} characters; you entered {len(code)}. "
                "Check the code your trainer gave you")
    bad = sorted({c for c in code if c not in CODE_ALPHABET})
    if bad:
        return ("Join codes use letters and the digits 2 to 9 only (no 0, O, 1, I or L); check "
                "these characters: " + " ".join(bad))
    return None


def trainer_code_problem(text: Any) -> str | None:
    """Why a code the trainer typed cannot be used (blank means: make one up)."""
    code = normalise_code(text)
    if not code:
        return None
    return code_problem(code)


def name_problem(text: Any) -> str | None:
    """Why a display name cannot be used, or None."""
    name = str(text or "").strip()
    if not name:
        return "Enter the name to show your trainer, for example your first name and initial"
    if len(name) > NAME_MAX:
        return f"Your display name must be {NAME_MAX} characters or fewer (it has {len(name)})"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "Your display name contains a control character: type it again"
    if text_problem(name, NAME_MAX):  # other controls, broken characters (freetext.py)
        return "Your display name contains a character that cannot be saved: type it again"
    return None


def expiry_at(minutes: int | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """The expiry time for a choice in `EXPIRY_CHOICES` (0 or None: never)."""
    if not minutes:
        return None
    return (now or dt.datetime.now(dt.UTC)) + dt.timedelta(minutes=minutes)


def draft_key(cohort_id: int, member_id: int, case_id: str) -> str:
    """The draft key of one member's unsent answers at one workshop case."""
    return f"{DRAFT_PREFIX}:{int(cohort_id)}:{int(member_id)}:{case_id}"


# --- instruments per case ---------------------------------------------------------------------

INSTRUMENT_NAMES = {"rm2000": "RM2000", "arms": "ARMS"}
#: (label, instruments) as the trainer chooses them for a case
INSTRUMENT_CHOICES: list[tuple[str, tuple[str, ...]]] = [
    ("RM2000", ("rm2000",)), ("ARMS", ("arms",)), ("RM2000 and ARMS", ("rm2000", "arms"))]


def instruments_text(instruments: Iterable[str]) -> str:
    """("rm2000", "arms") → "RM2000 and ARMS"."""
    return " and ".join(INSTRUMENT_NAMES.get(i, i) for i in instruments)


def case_instruments(cohort: Any, case_id: str) -> tuple[str, ...]:
    """The instruments trainees score for a workshop case (RM2000 when the workshop does not
    say: workshops from before instruments could be chosen)."""
    chosen = getattr(cohort, "instruments", None) or {}
    return tuple(chosen.get(case_id, ("rm2000",)))


def instruments_problem(case: TrainingCase, instruments: Iterable[str]) -> str | None:
    """Why a case cannot be scored with these instruments, or None."""
    chosen = tuple(instruments)
    if not chosen:
        return f"Choose RM2000, ARMS or both for {case.id}"
    unknown = [i for i in chosen if i not in INSTRUMENT_NAMES]
    if unknown:
        return f"{case.id}: {', '.join(unknown)} is not an instrument; use RM2000 and/or ARMS"
    if "arms" in chosen and getattr(case, "arms_key", None) is None:
        return (f"{case.id} has no ARMS key, so its ARMS ratings could not be compared: choose "
                "RM2000 for it, or another case")
    return None


def workshop_payload(instruments: Iterable[str], *, facts: Mapping[str, Any] | None = None,
                     entered: Mapping[str, Any] | None = None,
                     arms: ARMSAssessment | None = None) -> dict[str, Any]:
    """One submission's payload for a case scored with `instruments` (what `cohort_frame`
    reads: RM2000 facts and the trainee's own result, and/or the ARMS assessment)."""
    chosen = tuple(instruments)
    out: dict[str, Any] = {}
    if "rm2000" in chosen:
        if facts is None:
            raise ValueError("RM2000 is scored for this case, but there are no facts")
        out.update(facts=dict(facts), entered=dict(entered) if entered else None)
    if "arms" in chosen:
        if arms is None:
            raise ValueError("ARMS is scored for this case, but there is no ARMS assessment")
        out["arms"] = arms.model_dump(mode="json")
    if not out:
        raise ValueError("a case is scored with RM2000, ARMS or both")
    return out


def arms_problems(assessment: ARMSAssessment, cat: ArmsCatalogue) -> list[str]:
    """What stops an ARMS assessment being compared with the key: each factor not rated, or
    rated with something that is not a rating. (Evidence, formulation and priority gaps do not:
    the room's agreement is on the ratings.)"""
    out = []
    for f in cat.factors:
        fr = assessment.ratings.get(f.id)
        if fr is None or fr.rating is None:
            out.append(f"{f.id} {f.name}: not rated yet")
        elif fr.rating not in cat.rating_ids(f.kind):
            out.append(f"{f.id} {f.name}: {fr.rating!r} is not a rating")
    return out


def arms_start(case: TrainingCase, instruments: Iterable[str],
               rs: RM2000Ruleset | None = None,
               cat: ArmsCatalogue | None = None) -> ARMSAssessment:
    """A blank ARMS attempt at a workshop case. With ARMS alone the key's RM2000 result is
    given as the static context (as in ARMS practice); when the trainee scores RM2000 too it
    is left out — it would show them the RM2000 key before release."""
    from .arms_feedback import blank_attempt

    blank = blank_attempt(case, rs, cat)
    if "rm2000" in tuple(instruments):
        blank = blank.model_copy(update={"rm2000": None})
    return blank


@dataclass
class TraineeFeedback:
    """A trainee's feedback on one submission, per instrument (None: not in the submission)."""

    rm2000: Feedback | None = None
    arms: ArmsFeedback | None = None
    problems: list[str] = field(default_factory=list)


def submission_parts(payload: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """A submission's (RM2000 part, ARMS part) as stored (None where absent); the same rule as
    `cohort.parse_attempt`, without loading pandas."""
    if not isinstance(payload, Mapping):
        return None, None
    rm = {k: payload[k] for k in ("facts", "entered") if k in payload} \
        if "facts" in payload else None
    arms = payload.get("arms")
    if arms is None and "ratings" in payload and "facts" not in payload:
        arms = payload
    return rm, (dict(arms) if isinstance(arms, Mapping) else None)


def trainee_feedback(case: TrainingCase, payload: Any,
                     rs: RM2000Ruleset | None = None) -> TraineeFeedback:
    """Compare a submission with the case's key (call only once the key is released)."""
    from pydantic import ValidationError

    from ..cases.arms_key import ArmsKeyMissing
    from ..instruments.arms import ARMSAssessment
    from ..instruments.rm2000 import RM2000ValidationError
    from ..instruments.ruleset import RulesetError
    from .arms_feedback import compare_arms
    from .feedback import Attempt, compare

    rm, arms = submission_parts(payload)
    out = TraineeFeedback()
    if rm is not None:
        try:
            out.rm2000 = compare(case, Attempt.model_validate(rm), rs)
        except (ValidationError, RM2000ValidationError) as exc:
            out.problems.append(f"Your RM2000 answers could not be compared with the key "
                                f"({type(exc).__name__}).")
    if arms is not None:
        try:
            out.arms = compare_arms(case, ARMSAssessment.model_validate(arms))
        except ValidationError:
            out.problems.append("Your ARMS ratings could not be read back, so they were not "
                                "compared with the key.")
        except (ArmsKeyMissing, RulesetError) as exc:
            out.problems.append(f"Your ARMS ratings were not compared: {exc}")
    if rm is None and arms is None:
        out.problems.append("This submission holds neither RM2000 nor ARMS answers.")
    return out


# --- gating --------------------------------------------------------------------------------------

def feedback_released(cohort: CohortRecord) -> bool:
    """Trainees may see the key and their feedback only once the trainer has released it."""
    return getattr(cohort, "key_released_at", None) is not None


def cohort_state(cohort: CohortRecord, now: dt.datetime | None = None) -> str:
    """One consistent line for the trainer and trainees: whether submissions are accepted
    (a released key ends them, as the store enforces), code expiry, key released."""
    if feedback_released(cohort):  # the store refuses submissions once the key is out
        return "closed to submissions: the key is released to trainees"
    if not cohort.is_open:
        return "closed: no more submissions; the key is not released yet"
    parts = ["open for submissions"]
    exp = getattr(cohort, "expires_at", None)
    if exp is not None:
        if (now or dt.datetime.now(dt.UTC)) >= exp:
            parts.append("the join code has expired (nobody new can join)")
        else:
            parts.append(f"the join code expires at {exp:%H:%M} UTC on {exp:%d %B %Y}")
    parts.append("the key is not released yet")
    return "; ".join(parts)


def unsubmitted(roster: list[RosterRow], case_ids: list[str],
                reveal: bool = False) -> dict[str, list[str]]:
    """Case id → the trainees (pseudonyms, or display names when `reveal`) who have not
    submitted it; only cases someone still owes. For the warning before the key is released."""
    out: dict[str, list[str]] = {}
    for cid in case_ids:
        missing = [r.label(reveal) for r in roster if cid not in r.submitted]
        if missing:
            out[cid] = missing
    return out


def unsubmitted_warning(missing: dict[str, list[str]], reveal: bool = False) -> str:
    """The sentence the trainer reads before releasing the key, or "" when all is in."""
    if not missing:
        return ""
    parts = []
    for cid, who in missing.items():
        n = len(who)
        names = f" ({', '.join(who)})" if reveal else ""
        parts.append(f"{cid}: {n} trainee{'s have' if n != 1 else ' has'} not submitted"
                     f"{names}")
    return ("Not every case is in. " + "; ".join(parts) + ". Once the key is released, no "
            "more submissions are accepted.")


class JoinProblem(Exception):
    """A join refused; `field` is "code" or "name" (where the person should look).
    `problems` lists every (field, message) found in the one pass, the first being
    (`field`, `message`)."""

    def __init__(self, field: str, message: str,
                 more: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.problems = [(field, message), *(more or [])]


def join_workshop(store: Any, code: Any, name: Any) -> tuple[CohortRecord, MemberRecord, bool]:
    """Join (or, for the same signed-in user, rejoin) the workshop with this code under this
    display name. Returns (cohort, member, rejoined). Raises `JoinProblem`."""
    from ..store.errors import (
        DuplicateNameError,
        JoinCodeExpired,
        NotFoundError,
        WorkshopClosed,
    )

    # Every problem with what was typed is found in one pass (GOV.UK: all errors at once).
    found = [(where, text) for where, text in (("code", code_problem(code)),
                                               ("name", name_problem(name))) if text]
    cohort = None
    if not any(where == "code" for where, _ in found):
        try:
            cohort = store.cohort_by_code(normalise_code(code))
        except NotFoundError:
            found.insert(0, ("code", "No workshop has this join code. Check the code with "
                                     "your trainer"))
    if found or cohort is None:
        raise JoinProblem(*found[0], more=found[1:])
    display = str(name).strip()
    try:
        return cohort, store.rejoin_cohort(cohort.id, display), True
    except NotFoundError:
        pass
    except DuplicateNameError:
        raise JoinProblem("name", f"Someone in this workshop already uses the name {display!r}."
                                  " Choose another, for example add your initial") from None
    try:
        return cohort, store.join_cohort(cohort.id, display), False
    except WorkshopClosed:
        raise JoinProblem("code", "This workshop is closed: it no longer takes new trainees. "
                                  "Ask your trainer") from None
    except JoinCodeExpired:
        raise JoinProblem("code", "This join code has expired. Ask your trainer for a new "
                                  "code") from None
    except DuplicateNameError:
        raise JoinProblem("name", f"Someone in this workshop already uses the name {display!r}."
                                  " Choose another, for example add your initial") from None


# --- the trainer's refresh -----------------------------------------------------------------------

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


def _case_map(cases: Mapping[str, TrainingCase] | Iterable[TrainingCase] | None
              ) -> dict[str, TrainingCase]:
    if cases is None:
        from ..cases import load_cases

        cases = load_cases()
    return dict(cases) if isinstance(cases, Mapping) else {c.id: c for c in cases}


def _instruments(attempt: Any) -> set[str]:
    """Which instruments a submission's payload carries that `cohort_frame` can read (the same
    rule as `cohort.parse_attempt`)."""
    from .cohort import parse_attempt

    rm, arms, _problems = parse_attempt(attempt)
    return {name for name, part in (("rm2000", rm), ("arms", arms)) if part is not None}


class IncrementalFrame:
    """`cohort_frame` over a growing list of submissions, comparing each submission with the
    key once. `update(new, members)` takes only submissions not seen before (in id order)."""

    def __init__(self, cases: Mapping[str, TrainingCase] | Iterable[TrainingCase] | None = None,
                 ruleset: RM2000Ruleset | None = None):
        import pandas as pd

        from ..instruments.ruleset import load_rm2000_ruleset
        from .cohort import COLUMNS

        self.cases = _case_map(cases)
        self.rs = ruleset or load_rm2000_ruleset()
        self.frame: pd.DataFrame = pd.DataFrame(columns=COLUMNS)
        self.last_id = 0
        self.n_submissions = 0
        self.superseded = 0
        self.problems: list[str] = []
        self.latest: dict[tuple[int, str, str], int] = {}  # (member, case, instrument) → sub id

    def update(self, new: Iterable[Any], members: Iterable[Any]) -> set[int]:
        """Add submissions newer than any seen; returns the member ids whose rows changed."""
        import pandas as pd

        from .anonymity import pseudonyms, rater_number
        from .cohort import _get, cohort_frame

        members = list(members)
        batch = sorted((s for s in new if int(_get(s, "id") or 0) > self.last_id),
                       key=lambda s: int(_get(s, "id")))
        if not batch:
            return set()
        self.last_id = int(_get(batch[-1], "id"))
        self.n_submissions += len(batch)
        part = cohort_frame(batch, self.cases, members=members, ruleset=self.rs)
        self.problems += part.attrs.get("problems", [])
        # the batch's latest submission per (member, case, instrument) replaces older rows
        replaced: set[tuple[int, str, str]] = set()
        for s in batch:
            mid, cid = int(_get(s, "member_id")), str(_get(s, "case_id"))
            if cid not in self.cases:
                continue
            for instrument in _instruments(_get(s, "attempt")):
                k = (mid, cid, instrument)
                if k in self.latest:
                    self.superseded += 1
                    replaced.add(k)
                self.latest[k] = int(_get(s, "id"))
        frame = self.frame
        if replaced and len(frame):
            keys = pd.MultiIndex.from_frame(frame[["member_id", "case_id", "instrument"]])
            frame = frame[~keys.isin(list(replaced))]
        if not len(frame):
            frame = part
        elif len(part):
            frame = pd.concat([frame, part], ignore_index=True)
        names = pseudonyms(members)
        if len(frame):
            frame = frame.assign(rater=frame["member_id"].map(
                lambda m: names.get(int(m), f"Rater {m}")))
            frame = frame.assign(_rn=frame["rater"].map(rater_number)).sort_values(
                ["_rn", "case_id", "instrument", "order"], kind="stable").drop(columns="_rn")
            frame = frame.reset_index(drop=True)
        frame.attrs.update(problems=list(self.problems), superseded=self.superseded,
                           submissions=self.n_submissions, categories=list(self.rs.categories),
                           ruleset=self.rs.ref)
        self.frame = frame
        return {int(_get(s, "member_id")) for s in batch}


class WorkshopRefresher:
    """The trainer dashboard's refresh for one workshop, with what it already knows cached."""

    def __init__(self, store: Any, cohort_id: int, *,
                 cases: Mapping[str, TrainingCase] | Iterable[TrainingCase] | None = None,
                 ruleset: RM2000Ruleset | None = None, thresholds: Thresholds | None = None,
                 n_boot: int = DASHBOARD_N_BOOT, min_raters: int = 3, seed: int | None = None,
                 cache: bool = True):
        self.store = store
        self.cohort_id = cohort_id
        self._cases_arg = cases
        self._ruleset = ruleset
        self._thresholds = thresholds
        self.n_boot = n_boot
        self.min_raters = min_raters
        self.seed = seed
        self.cache = cache
        self._frame: IncrementalFrame | None = None
        self._members_seen: tuple[int, ...] = ()
        self._subs: dict[int, dict[str, dt.datetime]] = {}
        self._sub_counts: dict[int, int] = {}
        self._summary: CohortSummary | None = None
        self._statuses: dict[int, TraineeStatus] = {}
        self._activity: tuple[int, int, int] | None = None
        self.version = 0
        self.model: DashboardModel | None = None

    # -- cheap check -----------------------------------------------------------------------
    def has_news(self) -> bool:
        """Whether anyone joined or submitted since the last refresh (one small query)."""
        return self.store.cohort_activity(self.cohort_id) != self._activity

    # -- the refresh -------------------------------------------------------------------------
    def refresh(self) -> DashboardModel:
        """Load what is new from the store, update the statistics if anything changed, and
        return the view model. Without the cache (`cache=False`) everything is recomputed."""
        from .cohort import summarise
        from .status import load_thresholds, trainee_status

        start = time.perf_counter()
        if not self.cache:
            self._reset()
        thresholds = self._thresholds or load_thresholds()
        activity = self.store.cohort_activity(self.cohort_id)  # before the reads: news
        cohort = self.store.get_cohort(self.cohort_id)  # arriving during them shows next time
        if self._frame is None:
            cases = self._cases_arg
            if cases is None:
                cases = {c.id: c for c in _case_map(None).values() if c.id in cohort.case_ids}
            self._frame = IncrementalFrame(cases, self._ruleset)
        inc = self._frame
        new = self.store.submissions(self.cohort_id, after_id=inc.last_id)
        members = self.store.cohort_members(self.cohort_id)  # after: every submitter is in it
        member_ids = tuple(m.id for m in members)
        changed_members = inc.update(new, members)
        for s in new:
            self._subs.setdefault(s.member_id, {})[s.case_id] = s.created_at
            self._sub_counts[s.member_id] = self._sub_counts.get(s.member_id, 0) + 1
        changed = bool(new) or member_ids != self._members_seen or self._summary is None
        self._members_seen = member_ids
        if changed:
            kw = {} if self.seed is None else {"seed": self.seed}
            self._summary = summarise(inc.frame, min_raters=self.min_raters,
                                      n_boot=self.n_boot, **kw)
            frame = inc.frame
            present = set(frame["member_id"].unique()) if len(frame) else set()
            for mid in list(self._statuses):
                if mid not in present:
                    del self._statuses[mid]
            todo = [m for m in present if m in changed_members or m not in self._statuses]
            if todo:
                # only the columns the status reads, and no attrs (pandas copies attrs into
                # every intermediate frame): about a fifth faster per trainee
                mine = frame.loc[frame["member_id"].isin(todo), STATUS_COLUMNS]
                mine.attrs = {}
                for mid, g in mine.groupby("member_id", sort=False):
                    self._statuses[int(mid)] = trainee_status(g, int(mid), thresholds)
            self.version += 1
        self._activity = activity
        self.model = self._model(cohort, members, thresholds, changed,
                                 time.perf_counter() - start)
        return self.model

    def _reset(self) -> None:
        self._frame = None
        self._members_seen = ()
        self._subs, self._sub_counts = {}, {}
        self._summary, self._statuses = None, {}

    def _model(self, cohort: CohortRecord, members: list[MemberRecord],
               thresholds: Thresholds, changed: bool, seconds: float) -> DashboardModel:
        from .anonymity import pseudonyms

        names = pseudonyms(members)
        roster = [RosterRow(member_id=m.id, pseudonym=names[m.id], display_name=m.display_name,
                            joined_at=m.joined_at, submitted=dict(self._subs.get(m.id, {})),
                            submissions=self._sub_counts.get(m.id, 0)) for m in members]
        roster.sort(key=lambda r: int(r.pseudonym.rsplit(" ", 1)[-1]))
        assert self._frame is not None
        cases = self._frame.cases
        summary = self._summary
        return DashboardModel(
            cohort=cohort, members=members, pseudonyms=names, roster=roster,
            case_ids=list(cohort.case_ids),
            case_titles={cid: cases[cid].title if cid in cases else "(case not found)"
                         for cid in cohort.case_ids},
            n_submissions=self._frame.n_submissions, summary=summary,
            statuses=dict(self._statuses),
            statistics=stat_lines(summary, self.min_raters),
            prompts=prompts_from(summary.divisive) if summary is not None else [],
            arms_prompts=prompts_from(summary.divisive_arms) if summary is not None else [],
            policy=thresholds.label,
            problems=list(summary.problems) if summary is not None else [],
            refreshed_at=dt.datetime.now(dt.UTC), seconds=seconds, changed=changed,
            version=self.version)

    @property
    def frame(self) -> pd.DataFrame | None:
        return None if self._frame is None else self._frame.frame


# --- exports -------------------------------------------------------------------------------------

RESULT_COLUMNS = ["classification", "workshop", "rater", "display_name", "case_id",
                  "instrument", "item", "label", "answer", "key", "agrees_with_key",
                  "error_type", "categories_apart"]
TRAINEE_COLUMNS = ["classification", "workshop", "rater", "display_name", "status",
                   "cases_scored", "category_agreement_pct", "max_categories_apart",
                   "arms_status", "arms_cases_rated", "arms_agreement_pct",
                   "arms_acceptable_pct", "arms_max_steps_apart", "items_to_revisit", "policy"]
STAT_COLUMNS = ["classification", "workshop", "statistic", "value", "ci_low", "ci_high",
                "status", "detail"]


def results_frame(model: DashboardModel, frame: pd.DataFrame, *,
                  reveal_names: bool = False) -> pd.DataFrame:
    """One row per trainee × case × item (their latest submission), for export. Pseudonyms
    only unless `reveal_names`."""
    import pandas as pd

    from ..reports.text import MARKING

    shown = model.rater_names(True)
    rows = [{
        "classification": MARKING, "workshop": model.cohort.name, "rater": r.rater,
        "display_name": shown.get(r.rater, "") if reveal_names else None,
        "case_id": r.case_id, "instrument": r.instrument, "item": r.item, "label": r.label,
        "answer": r.trainee, "key": r.key,
        "agrees_with_key": None if pd.isna(r.agree) else bool(r.agree),
        "error_type": r.error, "categories_apart": None if pd.isna(r.distance)
        else int(r.distance)} for r in frame.itertuples(index=False)]
    out = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    out["agrees_with_key"] = out["agrees_with_key"].astype("boolean")
    out["categories_apart"] = out["categories_apart"].astype("Int64")
    return out if reveal_names else out.drop(columns="display_name")


def trainees_frame(model: DashboardModel, *, reveal_names: bool = False) -> pd.DataFrame:
    """One row per trainee: calibration status against the thresholds (local policy)."""
    import pandas as pd

    from ..reports.text import MARKING

    rows = []
    for r in model.roster:
        st = model.statuses.get(r.member_id)
        n = st.numbers if st else None
        rows.append({
            "classification": MARKING, "workshop": model.cohort.name, "rater": r.pseudonym,
            "display_name": r.display_name if reveal_names else None,
            "status": rm2000_status(st) or "no submissions",
            "cases_scored": n.n_cases if n else 0,
            "category_agreement_pct": n.category_agreement_pct if n else None,
            "max_categories_apart": n.max_distance if n else None,
            "arms_status": (st.arms_status or NO_ARMS) if st else "no submissions",
            "arms_cases_rated": n.arms_cases if n else 0,
            "arms_agreement_pct": n.arms_agreement_pct if n else None,
            "arms_acceptable_pct": n.arms_acceptable_pct if n else None,
            "arms_max_steps_apart": n.arms_max_distance if n else None,
            "items_to_revisit": "; ".join(i.label for i in st.revisit) if st else "",
            "policy": model.policy})
    out = pd.DataFrame(rows, columns=TRAINEE_COLUMNS)
    out["cases_scored"] = out["cases_scored"].astype("Int64")
    for col in ("max_categories_apart", "arms_cases_rated", "arms_max_steps_apart"):
        out[col] = out[col].astype("Int64")
    for col in ("category_agreement_pct", "arms_agreement_pct", "arms_acceptable_pct"):
        out[col] = out[col].astype("Float64")
    return out if reveal_names else out.drop(columns="display_name")


def statistics_frame(model: DashboardModel) -> pd.DataFrame:
    """One row per cohort statistic, "not enough data" with the reason where undefined."""
    import pandas as pd

    from ..reports.text import MARKING

    rows = [{"classification": MARKING, "workshop": model.cohort.name, "statistic": s.label,
             "value": s.value, "ci_low": s.ci[0] if s.ci else None,
             "ci_high": s.ci[1] if s.ci else None,
             "status": "ok" if s.ok else "not enough data", "detail": s.text}
            for s in model.statistics]
    out = pd.DataFrame(rows, columns=STAT_COLUMNS)
    for col in ("value", "ci_low", "ci_high"):
        out[col] = out[col].astype("Float64")
    return out


def export_workshop(store: Any, model: DashboardModel, frame: pd.DataFrame, folder: Any,
                    fmt: str = "csv", *, reveal_names: bool = False) -> list[Any]:
    """Write the results, trainees and statistics tables (CSV or XLSX) into `folder`, each
    atomically, neutralised against formula injection and audited as an export."""
    from pathlib import Path

    from ..reports.tables import table_format, write_table

    kind = table_format(f"x.{fmt}")
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stem = f"workshop-{model.cohort.id}"
    out = []
    for table, title, df in (
            ("results", "Workshop results", results_frame(model, frame,
                                                          reveal_names=reveal_names)),
            ("trainees", "Workshop trainees", trainees_frame(model, reveal_names=reveal_names)),
            ("statistics", "Workshop statistics", statistics_frame(model))):
        path = folder / f"{stem}-{table}.{kind}"

        def audit(table: str = table, rows: int = len(df)) -> None:
            store.log_export("cohort", model.cohort.id, fmt=kind, table=f"workshop_{table}",
                             rows=rows, names_revealed=bool(reveal_names))

        out.append(write_table(df, path, kind, title=title, before_replace=audit))
    return out
