"""Cohort calibration: how a workshop room agrees with the key and with each other.

Two steps, so a dashboard can refresh either separately:

- `cohort_frame(submissions)` compares every member's latest attempt at each case with the key
  (`feedback.compare` for RM2000, `arms_feedback.compare_arms` for ARMS; no rule is restated
  here) and returns a tidy DataFrame, one row per member × case × item.
- `summarise(frame)` computes the room's statistics from that frame (`CohortSummary`).

Conventions (shown to trainers in `CohortSummary.notes`):
- A submission's `attempt` is an RM2000 attempt (`{"facts": …, "entered": …}`), an ARMS
  assessment (`{"arms": {…}}`, or the assessment itself with its `ratings`), or both. Only each
  member's latest submission per case and instrument counts.
- Cohort statistics need at least `min_raters` (3) raters; otherwise, and whenever a statistic is
  undefined (too few cases, no variance), the result is a `Statistic` with `value=None`,
  `status="not enough data"` and the reason — never a misleading number or an exception.
- ICC: pingouin's ICC2 (two-way random, absolute agreement, single rater; "ICC(A,1)" in
  pingouin ≥ 0.7) with pingouin's 95% CI; targets are cases, raters are members. Raters missing a
  total for any case are left out (listwise deletion), and named in the statistic's notes.
- Krippendorff's alpha (ordinal, `krippendorff` package) among the members; 95% CI by percentile
  bootstrap, resampling cases (all of a case's units together), seeded.
- Weighted kappa (quadratic, scikit-learn) of each member against the key, pooled over the units
  they rated; the mean across members with a percentile bootstrap CI over members (scipy).
- Cases where RM2000 does not apply under the key are left out of ICC, alpha and kappa on
  categories: eligibility agreement is shown as percent agreement.

Statistical libraries are imported inside the functions that use them, so a served kernel that
never computes statistics does not load them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from ..cases.schema import TrainingCase
from ..instruments.rm2000 import RM2000ValidationError
from ..instruments.ruleset import RM2000Ruleset, RulesetError, load_rm2000_ruleset
from .anonymity import pseudonyms, rater_number
from .feedback import Attempt, compare

Instrument = Literal["rm2000", "arms"]
MIN_RATERS = 3
N_BOOT = 1000
SEED = 20260101
TOP = 5
#: Kinds of row that are coded directly from the case file (not totals that follow from them).
CODED_KINDS = ("decision", "eligibility", "item", "factor", "arms")
CATEGORY_ITEMS = ("S.category", "V.category", "C.category")
ICC_ITEMS = {"S step 1 total": "S.step1_points", "V total": "V.points"}
ALPHA_MEASURES = ("S", "V", "C", "categories", "ARMS")
NOT_ENOUGH = "not enough data"
COLUMNS = ["submission_id", "member_id", "rater", "case_id", "instrument", "order", "item",
           "kind", "label", "topic", "primary", "trainee", "key", "trainee_num", "key_num",
           "agree", "error", "follows_from", "distance", "band", "rationale"]


# --- result objects ------------------------------------------------------------------------------

class Statistic(BaseModel):
    """One cohort statistic, or "not enough data" with the reason (then value and ci are None)."""

    name: str
    value: float | None = None
    ci: tuple[float, float] | None = None
    n_raters: int = 0
    n_units: int = 0
    status: Literal["ok", "not enough data"] = "ok"
    reason: str = ""
    method: str = ""
    notes: list[str] = []

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def line(self) -> str:
        """A one-line rendering for a dashboard or a report."""
        if not self.ok:
            return f"{self.name}: not enough data ({self.reason})"
        ci = f" (95% CI {self.ci[0]:.2f} to {self.ci[1]:.2f})" if self.ci else ""
        return (f"{self.name}: {self.value:.2f}{ci}; {self.n_raters} raters, "
                f"{self.n_units} units")


class DivisiveItem(BaseModel):
    """An item that divides the room, ready to show as a debrief prompt."""

    rank: int
    case_id: str
    instrument: str
    item: str
    label: str
    compared: int  # raters whose answer could be compared with the key
    disagreeing: int
    share_disagreeing: float  # 0–1
    spread: float  # entropy of the room's answers (nats); more spread, more division
    key: str | None
    answers: dict[str, int]
    most_common_other: str | None
    error_types: dict[str, int]
    rationale: str
    prompt: str


@dataclass
class CohortSummary:
    """Everything a workshop dashboard shows; DataFrames render directly as tables or charts."""

    n_raters: int
    n_cases: int
    raters: list[str]
    cases: list[str]
    agreement: dict[str, Statistic]  # "items", "categories", "ARMS": % exact with the key
    agreement_by_case: pd.DataFrame
    agreement_by_item: pd.DataFrame  # per case × item
    agreement_by_item_overall: pd.DataFrame  # per item, across cases
    distributions: pd.DataFrame  # answers per case × item, with the key's marked
    error_counts: pd.DataFrame  # case × item × error type
    error_totals: dict[str, int]
    icc: dict[str, Statistic]
    alpha: dict[str, Statistic]
    kappa: dict[str, Statistic]  # mean weighted kappa against the key
    kappa_by_rater: pd.DataFrame
    disagreement: pd.DataFrame  # item label × case: share of raters disagreeing with the key
    divisive: list[DivisiveItem]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    arms_factors: pd.DataFrame = field(default_factory=pd.DataFrame)  # per ARMS factor
    divisive_arms: list[DivisiveItem] = field(default_factory=list)  # ARMS factors only


# --- building the frame --------------------------------------------------------------------------

def _get(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, Mapping) else getattr(obj, name, default)


def parse_attempt(payload: Any) -> tuple[Attempt | None, Any, list[str]]:
    """A submission's payload as (RM2000 attempt, ARMS assessment, problems)."""
    from ..instruments.arms import ARMSAssessment

    if hasattr(payload, "model_dump"):
        payload = payload.model_dump(mode="json")
    if not isinstance(payload, Mapping):
        return None, None, [f"the attempt is {type(payload).__name__}, not a JSON object"]
    rm = arms = None
    problems: list[str] = []
    arms_data = payload.get("arms")
    if arms_data is None and "ratings" in payload and "facts" not in payload:
        arms_data = payload
    if "facts" in payload:
        try:
            rm = Attempt.model_validate({k: payload[k] for k in ("facts", "entered")
                                         if k in payload})
        except ValidationError as exc:
            problems.append(f"RM2000 attempt unreadable ({_first(exc)})")
    if arms_data is not None:
        try:
            arms = ARMSAssessment.model_validate(arms_data)
        except ValidationError as exc:
            problems.append(f"ARMS assessment unreadable ({_first(exc)})")
    if rm is None and arms is None and not problems:
        problems.append("holds neither RM2000 facts nor ARMS ratings")
    return rm, arms, problems


def _first(exc: ValidationError) -> str:
    e = exc.errors()[0]
    return f"{'.'.join(str(p) for p in e['loc']) or '(attempt)'}: {e['msg']}"


def _case_map(cases: Mapping[str, TrainingCase] | Iterable[TrainingCase] | None
              ) -> dict[str, TrainingCase]:
    if cases is None:
        from ..cases import load_cases
        cases = load_cases()
    if isinstance(cases, Mapping):
        return dict(cases)
    return {c.id: c for c in cases}


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


def _num(value: Any, categories: Sequence[str] = ()) -> float:
    """A number for a value: yes/no as 1/0, counts as themselves, a category as its level."""
    if isinstance(value, bool | int | float):
        return float(value)
    if isinstance(value, str) and value in categories:
        return float(categories.index(value))
    return np.nan


def _rm_rows(case: TrainingCase, attempt: Attempt, rs: RM2000Ruleset) -> list[dict[str, Any]]:
    fb = compare(case, attempt, rs)
    cats = list(rs.categories)
    by_id = {r.id: r for r in fb.rows}
    out = []
    for r in fb.rows:
        if r.id in CATEGORY_ITEMS:
            continue  # replaced by the category comparison below (it covers "not applicable")
        scale = cats if r.kind == "category" else ()
        out.append(dict(
            item=r.id, kind=r.kind, label=r.label,
            topic=r.fact if r.kind in ("eligibility", "item", "factor") and r.fact else r.id,
            trainee=_shown(r.trainee), key=_shown(r.key),
            trainee_num=_num(r.trainee, scale), key_num=_num(r.key, scale),
            agree=r.agree, error=r.error, follows_from=", ".join(r.follows_from),
            distance=None, band=None, rationale=r.rationale))
    for c in fb.categories:
        item = f"{c.scale}.category"
        row = by_id.get(item)
        rationale = row.rationale if row is not None else ""
        if not rationale:
            rationale = {"S": case.key.rationale.step2, "C": case.key.rationale.c_conversion}.get(
                c.scale, "") if fb.key_applicable else case.key.rationale.eligibility
        out.append(dict(
            item=item, kind="category", label=f"/{c.scale} category", topic=item,
            trainee=c.trainee, key=c.key, trainee_num=_num(c.trainee, cats),
            key_num=_num(c.key, cats), agree=None if c.trainee is None else c.trainee == c.key,
            error=row.error if row is not None else None,
            follows_from=", ".join(row.follows_from) if row is not None else "",
            distance=c.distance, band=c.band, rationale=rationale))
    return out


def _arms_rows(case: TrainingCase, assessment: Any, cat: Any) -> list[dict[str, Any]]:
    from .arms_feedback import compare_arms

    fb = compare_arms(case, assessment, cat=cat)
    out = []
    for f in fb.factors:
        rated = f.trainee is not None
        t_level = cat.level(f.kind, f.trainee) if rated else None
        k_level = cat.level(f.kind, f.key)
        out.append(dict(
            item=f"ARMS.{f.factor}", kind="arms", label=f"ARMS {f.factor} {f.name}",
            topic=f"ARMS.{f.factor}", trainee=f.trainee_label if rated else None,
            key=f.key_label, trainee_num=np.nan if t_level is None else float(t_level),
            key_num=np.nan if k_level is None else float(k_level),
            agree=(f.trainee == f.key) if rated else None, error=None, follows_from="",
            distance=f.distance, band=f.agreement, rationale=f.key_rationale))
    return out


def cohort_frame(submissions: Iterable[Any],
                 cases: Mapping[str, TrainingCase] | Iterable[TrainingCase] | None = None,
                 members: Iterable[Any] | None = None,
                 ruleset: RM2000Ruleset | None = None) -> pd.DataFrame:
    """One row per member × case × item: the trainee's answer, the key's, agreement and error type.

    `submissions`: `SubmissionRecord`s from `store.submissions(cohort_id)` (or mappings with
    `member_id`, `case_id`, `attempt`, optional `id` and `created_at`). `cases`: the training
    cases (default: the shipped ones). `members`: the cohort's members, for pseudonyms by join
    order (default: by member id). Submissions that cannot be compared are skipped and described
    in `frame.attrs["problems"]`; `frame.attrs` also holds counts of what was used.
    """
    from ..cases.arms_key import ArmsKeyMissing, key_catalogue

    rs = ruleset or load_rm2000_ruleset()
    case_map = _case_map(cases)
    subs = sorted(submissions, key=_when)
    names = pseudonyms(members if members is not None
                       else sorted({int(_get(s, "member_id")) for s in subs}))
    problems: list[str] = []
    latest: dict[tuple[int, str, str], tuple[Any, Any]] = {}
    superseded = 0
    for s in subs:
        mid, cid = int(_get(s, "member_id")), str(_get(s, "case_id"))
        if mid not in names:
            names[mid] = f"Rater {len(names) + 1}"
        who = f"{names[mid]}, {cid}"
        if cid not in case_map:
            problems.append(f"{who}: case {cid} is not among the loaded training cases; skipped")
            continue
        rm, arms, found = parse_attempt(_get(s, "attempt"))
        problems += [f"{who}: {p}; skipped" for p in found]
        for instrument, part in (("rm2000", rm), ("arms", arms)):
            if part is not None:
                superseded += (mid, cid, instrument) in latest
                latest[(mid, cid, instrument)] = (s, part)
    catalogues: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    for (mid, cid, instrument), (s, part) in sorted(
            latest.items(), key=lambda kv: (rater_number(names[kv[0][0]]), kv[0][1], kv[0][2])):
        case, who = case_map[cid], f"{names[mid]}, {cid}"
        try:
            if instrument == "rm2000":
                got = _rm_rows(case, part, rs)
            else:
                if cid not in catalogues:
                    catalogues[cid] = key_catalogue(case)
                got = _arms_rows(case, part, catalogues[cid])
        except RM2000ValidationError as exc:
            problems.append(f"{who}: the RM2000 facts cannot be scored ({exc}); skipped")
            continue
        except ArmsKeyMissing:
            problems.append(f"{who}: the case has no ARMS key to compare with; skipped")
            continue
        except RulesetError as exc:
            problems.append(f"{who}: {exc}; skipped")
            continue
        seen: set[str] = set()
        for n, row in enumerate(got):
            row.update(submission_id=_get(s, "id"), member_id=mid, rater=names[mid],
                       case_id=cid, instrument=instrument, order=n,
                       primary=row["topic"] not in seen)
            seen.add(row["topic"])
        rows += got
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["agree"] = frame["agree"].astype("boolean")
    frame["distance"] = frame["distance"].astype("Int64")
    frame["primary"] = frame["primary"].astype(bool)
    for col in ("trainee_num", "key_num"):
        frame[col] = frame[col].astype(float)
    frame.attrs.update(problems=problems, superseded=superseded, submissions=len(subs),
                       categories=list(rs.categories), ruleset=rs.ref)
    return frame


def _when(sub: Any) -> tuple[float, int]:
    at = _get(sub, "created_at")
    return (at.timestamp() if isinstance(at, dt.datetime) else -np.inf, _get(sub, "id") or 0)


def load_cohort_frame(store: Any, cohort_id: int,
                      cases: Mapping[str, TrainingCase] | Iterable[TrainingCase] | None = None
                      ) -> pd.DataFrame:
    """Refresh from the store: the cohort's members and submissions → `cohort_frame`."""
    return cohort_frame(store.submissions(cohort_id), cases=cases,
                        members=store.cohort_members(cohort_id))


# --- descriptive tables --------------------------------------------------------------------------

def _compared(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["agree"].notna()]


def agreement_by_item(frame: pd.DataFrame) -> pd.DataFrame:
    """Per case × item: raters compared, agreeing, % exact agreement, share disagreeing, spread."""
    from scipy.stats import entropy

    cols = ["case_id", "instrument", "item", "label", "kind", "order", "primary", "compared",
            "agreed", "pct", "share_disagreeing", "spread", "key", "rationale"]
    d = _compared(frame)
    if d.empty:
        return pd.DataFrame(columns=cols)
    keys = ["case_id", "instrument", "item"]
    g = d.groupby(keys, sort=False)
    out = g.agg(label=("label", "first"), kind=("kind", "first"), order=("order", "min"),
                primary=("primary", "any"), compared=("agree", "size"),
                agreed=("agree", "sum"), key=("key", "first"),
                rationale=("rationale", "first")).reset_index()
    counts = d.groupby([*keys, "trainee"], sort=False).size().unstack(fill_value=0)
    spread = pd.Series(entropy(counts.to_numpy(dtype=float), axis=1), index=counts.index,
                       name="spread")
    out = out.merge(spread.reset_index(), on=keys, how="left")
    out["spread"] = out["spread"].fillna(0.0)
    out["agreed"] = out["agreed"].astype(int)
    out["pct"] = 100.0 * out["agreed"] / out["compared"]
    out["share_disagreeing"] = 1.0 - out["agreed"] / out["compared"]
    return out.sort_values(["case_id", "instrument", "order"])[cols].reset_index(drop=True)


def agreement_by_item_overall(frame: pd.DataFrame) -> pd.DataFrame:
    """Per item across cases: comparisons, agreements and % exact agreement with the key."""
    d = _compared(frame)
    cols = ["instrument", "item", "label", "kind", "compared", "agreed", "pct"]
    if d.empty:
        return pd.DataFrame(columns=cols)
    out = d.groupby(["instrument", "item"], sort=False).agg(
        label=("label", "first"), kind=("kind", "first"), order=("order", "min"),
        compared=("agree", "size"), agreed=("agree", "sum")).reset_index()
    out["agreed"] = out["agreed"].astype(int)
    out["pct"] = 100.0 * out["agreed"] / out["compared"]
    return out.sort_values(["instrument", "order"])[cols].reset_index(drop=True)


def _pooled(d: pd.DataFrame) -> tuple[int, int]:
    return len(d), int(d["agree"].sum())


def agreement_by_case(frame: pd.DataFrame) -> pd.DataFrame:
    """Per case and instrument: % exact agreement on the coded items and on the categories."""
    cols = ["case_id", "instrument", "n_raters", "items_compared", "items_agreed", "items_pct",
            "categories_compared", "categories_agreed", "categories_pct"]
    rows = []
    for (cid, instrument), d in _compared(frame).groupby(["case_id", "instrument"]):
        coded = d[d["primary"] & d["kind"].isin(CODED_KINDS)]
        cats = d[d["item"].isin(CATEGORY_ITEMS)]
        (ni, ai), (nc, ac) = _pooled(coded), _pooled(cats)
        rows.append(dict(case_id=cid, instrument=instrument, n_raters=d["member_id"].nunique(),
                         items_compared=ni, items_agreed=ai,
                         items_pct=100.0 * ai / ni if ni else np.nan,
                         categories_compared=nc, categories_agreed=ac,
                         categories_pct=100.0 * ac / nc if nc else np.nan))
    return pd.DataFrame(rows, columns=cols)


ARMS_FACTOR_COLUMNS = ["item", "label", "cases", "compared", "exact", "adjacent", "opposite",
                       "not_comparable", "pct"]


def arms_factor_agreement(frame: pd.DataFrame) -> pd.DataFrame:
    """Per ARMS factor across the cases: ratings compared with the key, and how many were exact
    (the key's rating, "insufficient information" included), adjacent (one step apart),
    opposite (two apart) or not comparable (insufficient information on one side only); `pct`
    is % exact, as in `overall_agreement`. Unrated factors are left out."""
    d = _compared(frame[frame["instrument"] == "arms"])
    if d.empty:
        return pd.DataFrame(columns=ARMS_FACTOR_COLUMNS)
    d = d.assign(_adj=d["band"] == "adjacent", _opp=d["band"] == "opposite")
    out = d.groupby("item", sort=False).agg(
        label=("label", "first"), order=("order", "min"), cases=("case_id", "nunique"),
        compared=("agree", "size"), exact=("agree", "sum"), adjacent=("_adj", "sum"),
        opposite=("_opp", "sum")).reset_index()
    for col in ("exact", "adjacent", "opposite"):
        out[col] = out[col].astype(int)
    out["not_comparable"] = out["compared"] - out["exact"] - out["adjacent"] - out["opposite"]
    out["pct"] = 100.0 * out["exact"] / out["compared"]
    return out.sort_values("order")[ARMS_FACTOR_COLUMNS].reset_index(drop=True)


def distributions(frame: pd.DataFrame) -> pd.DataFrame:
    """The room's answers per case × item (count, share) with the key's answer marked; the key's
    answer is listed with count 0 when nobody gave it."""
    cols = ["case_id", "instrument", "item", "label", "kind", "value", "count", "share", "is_key"]
    d = frame[frame["trainee"].notna()]
    if d.empty:
        return pd.DataFrame(columns=cols)
    keys = ["case_id", "instrument", "item"]
    counts = d.groupby([*keys, "trainee"], sort=False).agg(
        count=("member_id", "size"), num=("trainee_num", "first"),
        order=("order", "min")).reset_index().rename(columns={"trainee": "value"})
    info = frame.groupby(keys, sort=False).agg(
        label=("label", "first"), kind=("kind", "first"), key=("key", "first"),
        key_num=("key_num", "first"), order=("order", "min")).reset_index()
    counts = counts.drop(columns="order").merge(info, on=keys)
    missing = info[info["key"].notna()].merge(
        counts[["case_id", "instrument", "item", "value"]], left_on=[*keys, "key"],
        right_on=[*keys, "value"], how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"].drop(columns=["_merge", "value"])
    missing = missing.assign(value=missing["key"], count=0, num=missing["key_num"])
    out = pd.concat([counts, missing[counts.columns]], ignore_index=True)
    totals = out.groupby(keys)["count"].transform("sum")
    out["share"] = np.where(totals > 0, out["count"] / totals.where(totals > 0, 1), 0.0)
    out["is_key"] = out["value"] == out["key"]
    out = out.sort_values(["case_id", "instrument", "order", "num", "value"],
                          na_position="last")
    return out[cols].reset_index(drop=True)


def error_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed errors (coding / calculation / rule) per case × item."""
    d = frame[frame["error"].notna()]
    cols = ["case_id", "item", "label", "error", "count"]
    if d.empty:
        return pd.DataFrame(columns=cols)
    return (d.groupby(["case_id", "item", "label", "error"], sort=True).size()
            .rename("count").reset_index()[cols])


def error_totals(frame: pd.DataFrame) -> dict[str, int]:
    from .feedback import ERROR_TYPES

    counts = frame["error"].value_counts()
    return {t: int(counts.get(t, 0)) for t in ERROR_TYPES}


def disagreement_matrix(frame: pd.DataFrame, by_item: pd.DataFrame | None = None
                        ) -> pd.DataFrame:
    """Item label × case: the share (0–1) of raters whose answer differs from the key's; NaN where
    nobody could be compared. Rows in feedback order (RM2000, then ARMS)."""
    t = agreement_by_item(frame) if by_item is None else by_item
    if t.empty:
        return pd.DataFrame()
    t = t.assign(rank=t["instrument"].map({"rm2000": 0, "arms": 1}).fillna(2))
    order = t.groupby("label")[["rank", "order"]].min().sort_values(["rank", "order"]).index
    m = t.pivot_table(index="label", columns="case_id", values="share_disagreeing",
                      aggfunc="first")
    m = m.reindex(order).astype(float)
    m.index.name, m.columns.name = "item", "case"
    return m


def divisive_items(frame: pd.DataFrame, top: int = TOP, by_item: pd.DataFrame | None = None,
                   dist: pd.DataFrame | None = None,
                   errs: pd.DataFrame | None = None) -> list[DivisiveItem]:
    """The coded items that divide the room most: ranked by share disagreeing with the key, ties
    by the spread of answers; each with the key's rationale as a debrief prompt."""
    t = agreement_by_item(frame) if by_item is None else by_item
    if t.empty:
        return []
    t = t[t["primary"] & t["kind"].isin(CODED_KINDS) & (t["share_disagreeing"] > 0)]
    t = t.sort_values(["share_disagreeing", "spread", "case_id", "instrument", "order"],
                      ascending=[False, False, True, True, True]).head(top)
    dist = distributions(frame) if dist is None else dist
    errs = error_counts(frame) if errs is None else errs
    out = []
    for n, r in enumerate(t.itertuples(index=False), 1):
        answers_df = dist[(dist["case_id"] == r.case_id) & (dist["item"] == r.item)
                          & (dist["count"] > 0)]
        answers = dict(zip(answers_df["value"], answers_df["count"].astype(int), strict=True))
        others = answers_df[~answers_df["is_key"]].sort_values("count", ascending=False)
        other = str(others["value"].iloc[0]) if len(others) else None
        e = errs[(errs["case_id"] == r.case_id) & (errs["item"] == r.item)]
        types = dict(zip(e["error"], e["count"].astype(int), strict=True))
        dis = int(r.compared - r.agreed)
        prompt = (f"{r.case_id}, {r.label}: {dis} of {r.compared} raters differ from the key "
                  f"({r.key})." + (f" Most common other answer: {other}." if other else "")
                  + (f" The key's reasoning: {r.rationale}" if r.rationale else ""))
        out.append(DivisiveItem(
            rank=n, case_id=r.case_id, instrument=r.instrument, item=r.item, label=r.label,
            compared=int(r.compared), disagreeing=dis,
            share_disagreeing=float(r.share_disagreeing), spread=float(r.spread), key=r.key,
            answers=answers, most_common_other=other, error_types=types,
            rationale=r.rationale or "", prompt=prompt))
    return out


# --- statistics ----------------------------------------------------------------------------------

def _not_enough(name: str, reason: str, method: str, n_raters: int = 0, n_units: int = 0,
                notes: list[str] | None = None) -> Statistic:
    return Statistic(name=name, n_raters=n_raters, n_units=n_units, status=NOT_ENOUGH,
                     reason=reason, method=method, notes=notes or [])


def _fewer(n: int, min_raters: int) -> str:
    return f"{n} rater{'s' if n != 1 else ''}; cohort statistics need at least {min_raters}"


def overall_agreement(frame: pd.DataFrame, measure: str = "items", min_raters: int = MIN_RATERS,
                      n_boot: int = N_BOOT, seed: int = SEED) -> Statistic:
    """% exact agreement with the key, pooled over raters and units: `items` (RM2000 coded
    facts and the eligibility decision), `categories` (/S, /V, /C) or `ARMS` (factor ratings).
    95% CI: percentile bootstrap over raters."""
    method = ("percent exact agreement with the key; 95% CI by percentile bootstrap over "
              f"raters ({n_boot} resamples, seed {seed})")
    d = _compared(_subset(frame, measure))
    name = f"Agreement with the key ({measure}), %"
    n_raters = int(d["member_id"].nunique())
    if n_raters < min_raters:
        return _not_enough(name, _fewer(n_raters, min_raters), method, n_raters, len(d))
    per = d.groupby("member_id")["agree"].agg(["size", "sum"]).to_numpy(dtype=float)
    value = 100.0 * per[:, 1].sum() / per[:, 0].sum()
    ci = None
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        idx = rng.integers(0, len(per), size=(n_boot, len(per)))
        boot = 100.0 * per[idx, 1].sum(axis=1) / per[idx, 0].sum(axis=1)
        lo, hi = np.percentile(boot, [2.5, 97.5])
        ci = (float(lo), float(hi))
    return Statistic(name=name, value=float(value), ci=ci, n_raters=n_raters,
                     n_units=int(d["case_id"].nunique()), method=method)


def _subset(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    if measure == "items":
        return frame[(frame["instrument"] == "rm2000") & frame["primary"]
                     & frame["kind"].isin(CODED_KINDS)]
    if measure == "categories":
        return frame[frame["item"].isin(CATEGORY_ITEMS)]
    if measure in ("S", "V", "C"):
        return frame[frame["item"] == f"{measure}.category"]
    if measure == "ARMS":
        return frame[frame["instrument"] == "arms"]
    raise ValueError(f"measure {measure!r}: use items, categories, S, V, C or ARMS")


def icc(frame: pd.DataFrame, total: str = "S step 1 total",
        min_raters: int = MIN_RATERS) -> Statistic:
    """ICC(2,1) (two-way random, absolute agreement, single rater; pingouin) on RM2000 totals:
    `S step 1 total` or `V total`; targets = cases the key scores, raters = members."""
    method = ("ICC(2,1): two-way random effects, absolute agreement, single rater "
              "(pingouin.intraclass_corr, ICC2); 95% CI from pingouin; raters missing any case "
              "left out (listwise deletion)")
    item = ICC_ITEMS[total]
    name = f"ICC, RM2000 {total}"
    d = frame[(frame["item"] == item) & frame["key_num"].notna()]
    all_raters = int(d["member_id"].nunique())
    if all_raters < min_raters:
        return _not_enough(name, _fewer(all_raters, min_raters), method, all_raters)
    wide = d.pivot(index="case_id", columns="rater", values="trainee_num")
    complete = wide.dropna(axis=1)
    left_out = sorted(set(wide.columns) - set(complete.columns), key=rater_number)
    notes = [f"{r} left out: no total for " + ", ".join(wide.index[wide[r].isna()])
             for r in left_out]
    n_cases, n_raters = complete.shape
    if n_cases < 2:
        return _not_enough(name, f"{n_cases} case(s) scored by the key; ICC needs at least 2",
                           method, n_raters, n_cases, notes)
    if n_raters < 2:
        return _not_enough(name, f"only {n_raters} rater(s) gave a total for every case "
                           f"({len(left_out)} left out for missing cases); ICC needs at least 2",
                           method, n_raters, n_cases, notes)
    if np.ptp(complete.to_numpy()) == 0:
        return _not_enough(name, "no variance: every rater gave the same total for every case",
                           method, n_raters, n_cases, notes)
    import pingouin

    long = complete.reset_index().melt(id_vars="case_id", var_name="rater", value_name="total")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = pingouin.intraclass_corr(data=long, targets="case_id", raters="rater",
                                       ratings="total")
    row = res[res["Type"].isin(["ICC2", "ICC(A,1)"])].iloc[0]
    value = float(row["ICC"])
    ci_raw = row["CI95"] if "CI95" in row.index else row["CI95%"]
    if not np.isfinite(value):
        return _not_enough(name, "undefined for these totals (no variance between cases)",
                           method, n_raters, n_cases, notes)
    ci = (float(ci_raw[0]), float(ci_raw[1])) if np.all(np.isfinite(ci_raw)) else None
    if ci is None:
        notes.append("pingouin gives no confidence interval here (no disagreement between "
                     "raters to estimate error from)")
    return Statistic(name=name, value=value, ci=ci, n_raters=n_raters, n_units=n_cases,
                     method=method, notes=notes)


def _alpha_matrix(frame: pd.DataFrame, measure: str) -> tuple[pd.DataFrame, list[int]]:
    """Raters × units (case, item) of ordinal levels, and the value domain."""
    d = _subset(frame, measure)
    if measure != "ARMS":
        d = d[d["key_num"].notna()]  # leave out cases RM2000 does not apply to under the key
        domain = list(range(len(frame.attrs.get("categories") or [0, 1, 2, 3])))
    else:
        domain = [0, 1, 2]
    if d.empty:
        return pd.DataFrame(), domain
    return d.pivot(index="rater", columns=["case_id", "item"], values="trainee_num"), domain


def alpha(frame: pd.DataFrame, measure: str = "categories", min_raters: int = MIN_RATERS,
          n_boot: int = N_BOOT, seed: int = SEED, case_id: str | None = None) -> Statistic:
    """Krippendorff's alpha (ordinal) among the members on `S`, `V`, `C`, all three
    (`categories`; units = case × scale) or `ARMS` ratings (units = case × factor); 95% CI by
    percentile bootstrap resampling cases. With `case_id`, one case only (e.g. ARMS: units =
    its factors), resampling units. Insufficient information, unrated and "not applicable" are
    missing values."""
    over = "cases" if case_id is None else "units"
    method = ("Krippendorff's alpha, ordinal (krippendorff package); 95% CI by percentile "
              f"bootstrap over {over} ({n_boot} resamples, seed {seed})")
    name = f"Krippendorff's alpha (ordinal), {measure}" + (f", {case_id}" if case_id else "")
    if case_id is not None:
        frame = frame[frame["case_id"] == case_id]
    wide, domain = _alpha_matrix(frame, measure)
    data = wide.to_numpy(dtype=float) if wide.size else np.empty((0, 0))
    n_raters = int((~np.isnan(data)).any(axis=1).sum()) if data.size else 0
    pairable = (~np.isnan(data)).sum(axis=0) >= 2 if data.size else np.array([], bool)
    n_units = int(pairable.sum())
    if n_raters < min_raters:
        return _not_enough(name, _fewer(n_raters, min_raters), method, n_raters, n_units)
    if n_units == 0:
        return _not_enough(name, "no unit was rated by two or more raters", method, n_raters)
    values = data[:, pairable]
    if np.unique(values[~np.isnan(values)]).size < 2:
        return _not_enough(name, "no variance: every rating is the same, so alpha is undefined",
                           method, n_raters, n_units)
    counts = _value_counts(data, domain)
    value = _kalpha(counts, domain)
    if value is None:
        return _not_enough(name, "alpha is undefined for these ratings", method, n_raters,
                           n_units)
    clusters = (np.asarray(wide.columns.get_level_values(0)) if case_id is None
                else np.arange(data.shape[1]))
    ci, notes = _boot_alpha(counts, clusters, domain, n_boot, seed, over)
    return Statistic(name=name, value=value, ci=ci, n_raters=n_raters, n_units=n_units,
                     method=method, notes=notes)


def ordinal_alpha(data: Any, domain: Sequence[float]) -> float | None:
    """Krippendorff's alpha (ordinal) of a raters × units array (NaN: missing) over the ordered
    `domain` of values (others are ignored), by the `krippendorff` package; None if undefined."""
    return _kalpha(_value_counts(np.asarray(data, dtype=float), domain), domain)


def _value_counts(data: np.ndarray, domain: Sequence[float]) -> np.ndarray:
    """Units × values: how many raters gave each value to each unit."""
    return np.stack([(data == v).sum(axis=0) for v in domain], axis=1)


def _kalpha(counts: np.ndarray, domain: Sequence[float]) -> float | None:
    with _quiet():
        return _kalpha_raw(counts, list(domain))


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Undefined statistics (0/0) come back as NaN and are reported, not warned about."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _kalpha_raw(counts: np.ndarray, domain: list[float]) -> float | None:
    import krippendorff

    try:
        a = krippendorff.alpha(value_counts=counts, value_domain=domain,
                               level_of_measurement="ordinal")
    except ValueError:
        return None
    return float(a) if np.isfinite(a) else None


def _boot_alpha(counts: np.ndarray, clusters: np.ndarray, domain: Sequence[float], n_boot: int,
                seed: int, over: str = "cases") -> tuple[tuple[float, float] | None, list[str]]:
    """Percentile bootstrap resampling whole clusters (cases, all their units together);
    degenerate resamples are dropped."""
    if n_boot <= 0:
        return None, ["no confidence interval requested (n_boot = 0)"]
    labels = list(dict.fromkeys(clusters))
    by_case = [counts[clusters == c] for c in labels]
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(labels), size=(n_boot, len(labels)))
    values = list(domain)
    with _quiet():
        boot = [a for pick in picks
                if (a := _kalpha_raw(np.concatenate([by_case[i] for i in pick]), values))
                is not None]
    notes = []
    if len(boot) < n_boot:
        notes.append(f"{n_boot - len(boot)} of {n_boot} bootstrap resamples had no variance "
                     "and were dropped")
    if len(boot) < max(20, n_boot // 2):
        return None, [*notes, "too few usable resamples for a confidence interval"]
    lo, hi = np.percentile(boot, [2.5, 97.5])
    if len(labels) < 5:
        notes.append(f"only {len(labels)} {over}: the interval is rough")
    return (float(lo), float(hi)), notes


def kappa_by_rater(frame: pd.DataFrame, measure: str = "categories") -> pd.DataFrame:
    """Quadratic-weighted kappa (scikit-learn) of each member against the key, pooled over the
    units both rated (`categories`: case × scale; `ARMS`: case × factor); None when undefined."""
    from sklearn.metrics import cohen_kappa_score

    cols = ["member_id", "rater", "measure", "n", "kappa"]
    d = _subset(frame, measure)
    d = d[d["trainee_num"].notna() & d["key_num"].notna()]
    labels = (list(range(len(frame.attrs.get("categories") or [0, 1, 2, 3])))
              if measure != "ARMS" else [0, 1, 2])
    rows = []
    with _quiet():
        for (mid, rater), g in d.groupby(["member_id", "rater"], sort=False):
            k = None
            if len(g) >= 2:
                v = cohen_kappa_score(g["key_num"].to_numpy(int),
                                      g["trainee_num"].to_numpy(int), weights="quadratic",
                                      labels=labels)
                k = float(v) if np.isfinite(v) else None
            rows.append(dict(member_id=mid, rater=rater, measure=measure, n=len(g), kappa=k))
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values("rater", key=lambda s: s.map(rater_number)).reset_index(drop=True)


def kappa(frame: pd.DataFrame, measure: str = "categories", min_raters: int = MIN_RATERS,
          n_boot: int = N_BOOT, seed: int = SEED,
          by_rater: pd.DataFrame | None = None) -> Statistic:
    """Mean across members of their weighted kappa (quadratic) against the key; 95% CI by
    percentile bootstrap over members (scipy.stats.bootstrap)."""
    from scipy.stats import bootstrap

    method = ("mean of each rater's quadratic-weighted kappa against the key "
              "(sklearn.metrics.cohen_kappa_score); 95% CI by percentile bootstrap over raters "
              f"({n_boot} resamples, seed {seed})")
    name = f"Weighted kappa against the key (mean across raters), {measure}"
    k = kappa_by_rater(frame, measure) if by_rater is None else by_rater
    valid = k["kappa"].dropna().to_numpy(dtype=float)
    n_units = int(k["n"].max()) if len(k) else 0
    notes = []
    if len(valid) < len(k):
        notes.append(f"{len(k) - len(valid)} rater(s) without a kappa (fewer than 2 units, or "
                     "no variance in their ratings and the key's)")
    if len(valid) < min_raters:
        return _not_enough(name, _fewer(len(valid), min_raters) + " with a defined kappa",
                           method, len(valid), n_units, notes)
    value = float(valid.mean())
    ci: tuple[float, float] | None = None
    if n_boot <= 0:
        notes.append("no confidence interval requested (n_boot = 0)")
    elif np.ptp(valid) == 0:
        ci = (value, value)
    else:
        res = bootstrap((valid,), np.mean, n_resamples=n_boot, method="percentile",
                        rng=np.random.default_rng(seed))
        ci = (float(res.confidence_interval.low), float(res.confidence_interval.high))
    return Statistic(name=name, value=value, ci=ci, n_raters=len(valid), n_units=n_units,
                     method=method, notes=notes)


# --- the summary ---------------------------------------------------------------------------------

def summarise(frame: pd.DataFrame, *, min_raters: int = MIN_RATERS, n_boot: int = N_BOOT,
              seed: int = SEED, top: int = TOP) -> CohortSummary:
    """Every table and statistic for the dashboard, from a frame built by `cohort_frame`."""
    raters = sorted(frame["rater"].unique(), key=rater_number)
    cases = sorted(frame["case_id"].unique())
    kbs = [kappa_by_rater(frame, m) for m in ("categories", "ARMS")]
    # all-empty columns (e.g. no kappa for one scale) are dropped before joining and put back
    # after, so pandas does not guess their dtype (its FutureWarning about all-NA entries)
    filled = [k.dropna(axis=1, how="all") for k in kbs if len(k)]
    kb = (pd.concat(filled, ignore_index=True).reindex(columns=kbs[0].columns) if filled
          else kbs[0])
    notes = [
        "Only each member's latest submission per case and instrument counts.",
        f"Cohort statistics need at least {min_raters} raters.",
        "Cases where RM2000 does not apply under the key are left out of ICC, alpha and kappa; "
        "eligibility agreement is shown as percent agreement.",
        "Insufficient information, unrated factors and 'not applicable' are missing values for "
        "alpha and kappa.",
    ]
    by_item, dist, errs = agreement_by_item(frame), distributions(frame), error_counts(frame)
    if frame.attrs.get("superseded"):
        notes.append(f"{frame.attrs['superseded']} earlier submission(s) replaced by a later "
                     "one.")
    return CohortSummary(
        n_raters=len(raters), n_cases=len(cases), raters=raters, cases=cases,
        agreement={m: overall_agreement(frame, m, min_raters, n_boot, seed)
                   for m in ("items", "categories", "ARMS")},
        agreement_by_case=agreement_by_case(frame),
        agreement_by_item=by_item,
        agreement_by_item_overall=agreement_by_item_overall(frame),
        distributions=dist,
        error_counts=errs,
        error_totals=error_totals(frame),
        icc={t: icc(frame, t, min_raters) for t in ICC_ITEMS},
        alpha={m: alpha(frame, m, min_raters, n_boot, seed) for m in ALPHA_MEASURES},
        kappa={m: kappa(frame, m, min_raters, n_boot, seed,
                        by_rater=kb[kb["measure"] == m].reset_index(drop=True))
               for m in ("categories", "ARMS")},
        kappa_by_rater=kb,
        disagreement=disagreement_matrix(frame, by_item),
        divisive=divisive_items(frame, top, by_item, dist, errs),
        problems=list(frame.attrs.get("problems", [])),
        notes=notes,
        arms_factors=arms_factor_agreement(frame),
        divisive_arms=divisive_items(frame, top, by_item[by_item["instrument"] == "arms"],
                                     dist, errs))
