"""The evidence for a calibration record: one `CaseResult` per case a person scored against its
key, in practice or in a workshop, for RM2000 or ARMS, counted as `calibration.status` counts
agreement; and the first attempt at each case (a retry after the key was shown is learning,
not a test)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from types import SimpleNamespace as NS
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .status import FarApart, Thresholds, load_thresholds

Instrument = Literal["rm2000", "arms"]
INSTRUMENTS: tuple[Instrument, ...] = ("rm2000", "arms")
INSTRUMENT_NAMES = {"rm2000": "RM2000", "arms": "ARMS"}
Source = Literal["practice", "workshop"]


class CaseResult(BaseModel):
    """One case a person scored against its key: how many answers matched."""

    model_config = ConfigDict(frozen=True)

    user: str
    instrument: Instrument
    source: Source
    case_id: str
    at: dt.datetime
    compared: int  # RM2000: categories; ARMS: factors rated
    agreed: int  # matched as the thresholds count agreement
    exact: int  # matched the key exactly (ARMS; RM2000: as agreed)
    max_distance: int | None = None  # furthest comparable answer from the key's
    far: list[FarApart] = []
    not_comparable: int = 0

    @property
    def day(self) -> dt.date:
        at = self.at if self.at.tzinfo is None else self.at.astimezone(dt.UTC)
        return at.date()


# --- evidence from practice and workshops ----------------------------------------------------

def _far(case_id: str, scale: str, trainee: str | None, key: str, distance: int | None,
         limit: int) -> list[FarApart]:
    if distance is None or distance <= limit:
        return []
    return [FarApart(case_id=case_id, scale=scale, trainee=trainee or "", key=key,
                     distance=distance)]


def rm2000_result(user: str, case_id: str, at: dt.datetime, categories: Iterable[Any],
                  source: Source, thresholds: Thresholds | None = None) -> CaseResult:
    """From category comparisons (`scale`, `trainee`, `key`, `distance`), as
    `supervision.team.practice_status` counts them."""
    t = thresholds or load_thresholds()
    cats = list(categories)
    agreed = sum(c.trainee == c.key for c in cats)
    dists = [c.distance for c in cats if c.distance is not None]
    far = [f for c in cats for f in _far(case_id, c.scale, c.trainee, c.key, c.distance,
                                         t.calibrated.max_category_distance)]
    return CaseResult(user=user, instrument="rm2000", source=source, case_id=case_id, at=at,
                      compared=len(cats), agreed=agreed, exact=agreed,
                      max_distance=max(dists) if dists else None, far=far,
                      not_comparable=sum(c.distance is None and c.trainee != c.key
                                         for c in cats))


def arms_result(user: str, case_id: str, at: dt.datetime, factors: Iterable[Any],
                source: Source, thresholds: Thresholds | None = None) -> CaseResult:
    """From factor comparisons (`factor`, `trainee`, `key`, `distance`, `acceptable`), as
    `status.calibration_numbers` counts them: unrated factors are not compared."""
    t = thresholds or load_thresholds()
    either = t.arms.agreement == "key_or_acceptable"
    rated = [f for f in factors if f.trainee is not None]
    ok = [f.trainee == f.key or (either and f.acceptable) for f in rated]
    counted = [f for f, good in zip(rated, ok, strict=True) if not (good and f.trainee != f.key)]
    dists = [f.distance for f in counted if f.distance is not None]
    far = [x for f in counted for x in _far(case_id, f.factor, f.trainee, f.key, f.distance,
                                            t.arms.max_distance)]
    return CaseResult(user=user, instrument="arms", source=source, case_id=case_id, at=at,
                      compared=len(rated), agreed=sum(ok),
                      exact=sum(f.trainee == f.key for f in rated),
                      max_distance=max(dists) if dists else None, far=far,
                      not_comparable=sum(f.distance is None and not good
                                         for f, good in zip(rated, ok, strict=True)))


def frame_results(frame: Any, usernames: Mapping[int, str],
                  dates: Mapping[Any, dt.datetime],
                  thresholds: Thresholds | None = None) -> list[CaseResult]:
    """Workshop results from a cohort frame (`cohort.cohort_frame`): one per member, case and
    instrument; `usernames`: member id → user (members without one are left out); `dates`:
    submission id → when it was submitted."""
    out: list[CaseResult] = []
    if frame is None or len(frame) == 0:
        return out
    compared = frame[frame["agree"].notna()]
    for (mid, cid, instrument), g in compared.groupby(["member_id", "case_id", "instrument"]):
        user = usernames.get(int(mid))
        at = dates.get(g["submission_id"].iloc[0])
        if not user or at is None:
            continue
        if instrument == "rm2000":
            rows = g[g["item"].str.endswith(".category")]
            cats = [NS(scale=str(r["item"]).split(".")[0], trainee=r["trainee"], key=r["key"],
                       distance=None if _na(r["distance"]) else int(r["distance"]))
                    for r in rows.to_dict("records")]
            out.append(rm2000_result(user, str(cid), at, cats, "workshop", thresholds))
        else:
            facs = [NS(factor=str(r["item"]).split(".", 1)[-1], trainee=r["trainee"],
                       key=r["key"], distance=None if _na(r["distance"]) else int(r["distance"]),
                       acceptable=bool(r["agree_or_acceptable"]) and not bool(r["agree"]))
                    for r in g.to_dict("records")]
            out.append(arms_result(user, str(cid), at, facs, "workshop", thresholds))
    return out


def _na(value: Any) -> bool:
    try:
        return bool(value is None or value != value or str(value) == "<NA>")
    except TypeError:
        return True


def first_attempts(results: Iterable[CaseResult]) -> list[CaseResult]:
    """The earliest result at each case, per instrument, oldest first."""
    first: dict[tuple[str, str], CaseResult] = {}
    for r in sorted(results, key=lambda r: r.at):
        first.setdefault((r.instrument, r.case_id), r)
    return sorted(first.values(), key=lambda r: r.at)
