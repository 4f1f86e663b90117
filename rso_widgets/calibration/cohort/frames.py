"""Building the cohort frame: each member's latest attempt per case compared with the key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from ...cases import load_cases
from ...cases.arms_key import ArmsKeyMissing, key_catalogue
from ...cases.schema import TrainingCase
from ...instruments.arms import ARMSAssessment
from ...instruments.rm2000 import RM2000ValidationError
from ...instruments.ruleset import RM2000Ruleset, RulesetError, load_rm2000_ruleset
from ..anonymity import pseudonyms, rater_number
from ..arms_feedback import compare_arms
from ..feedback import Attempt, compare
from .results import CATEGORY_ITEMS, COLUMNS


def _get(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, Mapping) else getattr(obj, name, default)


def parse_attempt(payload: Any) -> tuple[Attempt | None, Any, list[str]]:
    """A submission's payload as (RM2000 attempt, ARMS assessment, problems)."""
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
            distance=None, band=None, rationale=r.rationale, agree_or_acceptable=r.agree))
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
            distance=c.distance, band=c.band, rationale=rationale,
            agree_or_acceptable=None if c.trainee is None else c.trainee == c.key))
    return out


def _arms_rows(case: TrainingCase, assessment: Any, cat: Any) -> list[dict[str, Any]]:
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
            distance=f.distance, band=f.agreement, rationale=f.key_rationale,
            agree_or_acceptable=(f.trainee == f.key or f.acceptable) if rated else None))
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
    frame["agree_or_acceptable"] = frame["agree_or_acceptable"].astype("boolean")
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
