"""The trainer's refresh: store → incremental cohort frame → statistics → view model.

It loads pandas and the statistics, so the package exposes it lazily: only the trainer's first
refresh imports it. The store is passed in (`WorkshopRefresher(store, cohort_id)`): calibration
does not import the store.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from ...cases import load_cases
from ...instruments.ruleset import load_rm2000_ruleset
from ..anonymity import pseudonyms, rater_number
from ..cohort import COLUMNS, _get, cohort_frame, parse_attempt, summarise
from ..status import load_thresholds, trainee_status
from .model import DASHBOARD_N_BOOT, DashboardModel, RosterRow, prompts_from, stat_lines

if TYPE_CHECKING:
    from ...cases.schema import TrainingCase
    from ...instruments.ruleset import RM2000Ruleset
    from ..cohort import CohortSummary
    from ..status import Thresholds, TraineeStatus
    from .records import CohortLike as CohortRecord
    from .records import MemberLike as MemberRecord

#: the cohort-frame columns `status.trainee_status` reads
STATUS_COLUMNS = ["member_id", "rater", "case_id", "instrument", "item", "label", "topic",
                  "trainee", "key", "agree", "error", "distance", "rationale",
                  "agree_or_acceptable"]


def _case_map(cases: Mapping[str, TrainingCase] | Iterable[TrainingCase] | None
              ) -> dict[str, TrainingCase]:
    if cases is None:
        cases = load_cases()
    return dict(cases) if isinstance(cases, Mapping) else {c.id: c for c in cases}


def _instruments(attempt: Any) -> set[str]:
    """Which instruments a submission's payload carries that `cohort_frame` can read (the same
    rule as `cohort.parse_attempt`)."""
    rm, arms, _problems = parse_attempt(attempt)
    return {name for name, part in (("rm2000", rm), ("arms", arms)) if part is not None}


class IncrementalFrame:
    """`cohort_frame` over a growing list of submissions, comparing each submission with the
    key once. `update(new, members)` takes only submissions not seen before (in id order)."""

    def __init__(self, cases: Mapping[str, TrainingCase] | Iterable[TrainingCase] | None = None,
                 ruleset: RM2000Ruleset | None = None):
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
