"""Each trainee's calibration status against configurable thresholds (local policy).

Default rule (spec: calibration.md, thresholds in `thresholds.yaml`): a trainee is *calibrated*
when their /S, /V and /C categories equal the key's in at least 80% of comparisons, over at least
10 cases, and are never more than one category from the key's. Below 10 cases the status is
*not enough cases*; otherwise *not yet calibrated*, with the items to revisit. Calling RM2000
"not applicable" where the key scores the case (or the reverse) counts as a disagreement, not as a
distance. The status informs the trainer's judgement; it certifies nobody.

ARMS has its own status beside it (`arms_status`, None when the trainee rated no ARMS factor
against a key): factor ratings equal to the key's in at least 80% of comparisons, over at least
10 cases, and never at opposite ends of the scale (at most one step apart). These defaults mirror
the RM2000 rule; they are local policy too (`arms` in `thresholds.yaml`). Rating "insufficient
information" where the key rates the factor (or the reverse) counts as a disagreement, unless the
key lists it as a defensible alternative. Both agreements are reported — with the key exactly
(`arms_agreement_pct`) and with the key or one of its defensible alternatives
(`arms_acceptable_pct`); `arms.agreement` in the thresholds says which one the status uses
(`key_or_acceptable` by default), and the reasons name it.

Pure: works on the frame from `cohort.cohort_frame`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from ..instruments.datafile import load_model
from .anonymity import rater_number
from .cohort import CATEGORY_ITEMS, Statistic

DEFAULT_THRESHOLDS = Path(__file__).with_name("thresholds.yaml")
Status = Literal["calibrated", "not yet calibrated", "not enough cases"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provenance(_Strict):
    source: str
    icc_reference: str = ""
    written_by: str = ""
    written_on: str = ""


class CalibratedRule(_Strict):
    min_category_agreement_pct: float = Field(default=80.0, ge=0, le=100)
    min_cases: int = Field(default=10, ge=1)
    max_category_distance: int = Field(default=1, ge=0)


class ArmsRule(_Strict):
    #: which agreement the ARMS status uses: exactly the key's rating (`key`), or the key's
    #: rating or one of its defensible alternatives (`key_or_acceptable`)
    agreement: Literal["key", "key_or_acceptable"] = "key_or_acceptable"
    min_agreement_pct: float = Field(default=80.0, ge=0, le=100)
    min_cases: int = Field(default=10, ge=1)
    max_distance: int = Field(default=1, ge=0)


class IccBand(_Strict):
    min: float
    label: str


class IccRule(_Strict):
    good: float = Field(default=0.75, ge=-1, le=1)
    bands: list[IccBand] = [IccBand(min=0.90, label="excellent (Koo & Li 2016)"),
                            IccBand(min=0.75, label="good (Koo & Li 2016)"),
                            IccBand(min=0.50, label="moderate (Koo & Li 2016)"),
                            IccBand(min=-1.0, label="poor (Koo & Li 2016)")]


class RevisitRule(_Strict):
    top: int = Field(default=5, ge=0)


class Thresholds(_Strict):
    """Calibration thresholds: local policy, with where the numbers come from."""

    id: str = "rso-workbook-default"
    version: str = "1.0.0"
    policy: str = "local policy"
    provenance: Provenance = Provenance(source="RSO Workbook specification, calibration.md")
    calibrated: CalibratedRule = CalibratedRule()
    arms: ArmsRule = ArmsRule()
    icc: IccRule = IccRule()
    revisit: RevisitRule = RevisitRule()

    @property
    def label(self) -> str:
        return f"Thresholds are {self.policy} ({self.id}@{self.version})"


def load_thresholds(path: str | Path | None = None) -> Thresholds:
    """The thresholds in a YAML file (default: the workbook's `thresholds.yaml`)."""
    return _load(Path(path) if path else DEFAULT_THRESHOLDS)


@lru_cache(maxsize=8)
def _load(path: Path) -> Thresholds:
    return load_model(path, Thresholds, "calibration thresholds")


def icc_label(icc: Statistic | float | None, thresholds: Thresholds | None = None) -> str:
    """The band for an ICC point estimate ("good (Koo & Li 2016)" …), or "not enough data"."""
    t = thresholds or load_thresholds()
    value = icc.value if isinstance(icc, Statistic) else icc
    if value is None:
        return "not enough data"
    for band in sorted(t.icc.bands, key=lambda b: -b.min):
        if value >= band.min:
            return band.label
    return "below every band"


def icc_is_good(icc: Statistic | float | None, thresholds: Thresholds | None = None) -> bool | None:
    """Whether the ICC meets the local "good" threshold; None when there is not enough data."""
    t = thresholds or load_thresholds()
    value = icc.value if isinstance(icc, Statistic) else icc
    return None if value is None else value >= t.icc.good


# --- per trainee ---------------------------------------------------------------------------------

class FarApart(BaseModel):
    case_id: str
    scale: str
    trainee: str
    key: str
    distance: int


class CalibrationNumbers(BaseModel):
    """The numbers behind a status."""

    n_cases: int  # cases with at least one category compared with the key
    categories_compared: int
    categories_agreed: int
    category_agreement_pct: float | None
    max_distance: int | None  # furthest category from the key's, over comparable pairs
    far_apart: list[FarApart] = []  # comparisons further apart than the threshold allows
    not_comparable: int = 0  # "not applicable" against a category (either way)
    arms_compared: int = 0
    arms_agreed: int = 0
    arms_agreement_pct: float | None = None  # exact agreement of factor ratings with the key
    arms_cases: int = 0  # cases with at least one ARMS factor compared with the key
    arms_max_distance: int | None = None  # furthest rating from the key's (scale steps)
    arms_far_apart: list[FarApart] = []  # `scale` holds the factor id
    arms_not_comparable: int = 0  # insufficient information against a rating (either way)
    arms_acceptable_agreed: int = 0  # equal to the key's, or one of its defensible alternatives
    arms_acceptable_pct: float | None = None
    arms_uses: Literal["key", "key_or_acceptable"] = "key"  # which agreement the status used


class RevisitItem(BaseModel):
    topic: str
    label: str
    cases: list[str]
    times: int  # cases in which the trainee's answer differed from the key's
    error_types: dict[str, int]
    rationales: dict[str, str]  # case id → the key's reasoning


class TraineeStatus(BaseModel):
    member_id: int
    rater: str
    status: Status  # RM2000 categories
    numbers: CalibrationNumbers
    reasons: list[str]
    revisit: list[RevisitItem]
    policy: str
    arms_status: Status | None = None  # None: no ARMS rating compared with a key
    arms_reasons: list[str] = []


def calibration_numbers(frame: pd.DataFrame, member_id: int, max_distance: int = 1,
                        arms_max_distance: int = 1,
                        arms_uses: Literal["key", "key_or_acceptable"] = "key"
                        ) -> CalibrationNumbers:
    """Category agreement, distances and ARMS agreement and distances for one member. With
    `arms_uses="key_or_acceptable"`, a rating the key accepts as a defensible alternative is
    neither far apart nor "not comparable"."""
    mine = frame[frame["member_id"] == member_id]
    cats = mine[mine["item"].isin(CATEGORY_ITEMS) & mine["agree"].notna()]
    compared, agreed = len(cats), int(cats["agree"].sum())
    dist = cats["distance"].dropna()
    far = cats[cats["distance"].notna() & (cats["distance"].fillna(0) > max_distance)]
    arms = mine[(mine["instrument"] == "arms") & mine["agree"].notna()]
    either = (arms["agree_or_acceptable"] if "agree_or_acceptable" in arms
              else arms["agree"]).fillna(False).astype(bool)
    ok = either if arms_uses == "key_or_acceptable" else arms["agree"].astype(bool)
    arms_dist = arms.loc[~(ok & ~arms["agree"].astype(bool)), "distance"].dropna()
    arms_far = arms[arms["distance"].notna() & (arms["distance"].fillna(0) > arms_max_distance)
                    & ~(ok & ~arms["agree"].astype(bool))]
    return CalibrationNumbers(
        n_cases=int(cats["case_id"].nunique()), categories_compared=compared,
        categories_agreed=agreed,
        category_agreement_pct=100.0 * agreed / compared if compared else None,
        max_distance=int(dist.max()) if len(dist) else None,
        far_apart=[FarApart(case_id=r["case_id"], scale=r["item"].split(".")[0],
                            trainee=r["trainee"], key=r["key"], distance=int(r["distance"]))
                   for r in far[["case_id", "item", "trainee", "key", "distance"]]
                   .to_dict("records")],
        not_comparable=int((cats["distance"].isna() & ~cats["agree"].astype(bool)).sum()),
        arms_compared=len(arms), arms_agreed=int(arms["agree"].sum()),
        arms_agreement_pct=100.0 * int(arms["agree"].sum()) / len(arms) if len(arms) else None,
        arms_cases=int(arms["case_id"].nunique()),
        arms_max_distance=int(arms_dist.max()) if len(arms_dist) else None,
        arms_far_apart=[FarApart(case_id=r["case_id"], scale=r["item"].split(".", 1)[-1],
                                 trainee=r["trainee"], key=r["key"], distance=int(r["distance"]))
                        for r in arms_far[["case_id", "item", "trainee", "key", "distance"]]
                        .to_dict("records")],
        arms_not_comparable=int((arms["distance"].isna() & ~ok).sum()),
        arms_acceptable_agreed=int(either.sum()),
        arms_acceptable_pct=100.0 * int(either.sum()) / len(arms) if len(arms) else None,
        arms_uses=arms_uses)


def decide(numbers: CalibrationNumbers,
           thresholds: Thresholds | None = None) -> tuple[Status, list[str]]:
    """The status the thresholds give these numbers, and the reasons in plain words."""
    rule = (thresholds or load_thresholds()).calibrated
    n, need = numbers.n_cases, rule.min_cases
    pct_ok = (numbers.categories_compared > 0 and numbers.categories_agreed * 100
              >= rule.min_category_agreement_pct * numbers.categories_compared)
    far_ok = numbers.max_distance is None or numbers.max_distance <= rule.max_category_distance
    pct = ("—" if numbers.category_agreement_pct is None
           else f"{numbers.category_agreement_pct:.0f}%")
    reasons = [
        f"Cases scored: {n} (at least {need} needed).",
        f"Categories equal to the key's: {numbers.categories_agreed} of "
        f"{numbers.categories_compared} ({pct}; at least "
        f"{rule.min_category_agreement_pct:g}% needed).",
    ]
    for f in numbers.far_apart:
        reasons.append(f"{f.case_id} /{f.scale}: {f.trainee} where the key has {f.key} "
                       f"({f.distance} categories apart; at most "
                       f"{rule.max_category_distance} allowed).")
    if numbers.not_comparable:
        reasons.append(f"RM2000 applied or not applied differently from the key in "
                       f"{numbers.not_comparable} category comparison(s).")
    if n < need:
        return "not enough cases", reasons
    return ("calibrated" if pct_ok and far_ok else "not yet calibrated"), reasons


def decide_arms(numbers: CalibrationNumbers, thresholds: Thresholds | None = None
                ) -> tuple[Status | None, list[str]]:
    """The ARMS status the thresholds give these numbers (None: no ARMS rating compared), and
    the reasons in plain words."""
    rule = (thresholds or load_thresholds()).arms
    if not numbers.arms_compared:
        return None, []
    n, need = numbers.arms_cases, rule.min_cases
    either = rule.agreement == "key_or_acceptable"
    agreed = numbers.arms_acceptable_agreed if either else numbers.arms_agreed
    pct_ok = agreed * 100 >= rule.min_agreement_pct * numbers.arms_compared
    far_ok = (numbers.arms_max_distance is None
              or numbers.arms_max_distance <= rule.max_distance)
    needed = f"; at least {rule.min_agreement_pct:g}% needed, and the status uses this one"
    reasons = [
        f"ARMS cases rated: {n} (at least {need} needed).",
        f"ARMS ratings equal to the key's: {numbers.arms_agreed} of {numbers.arms_compared} "
        f"({numbers.arms_agreement_pct or 0:.0f}%{'' if either else needed}).",
        f"ARMS ratings equal to the key's or one of its defensible alternatives: "
        f"{numbers.arms_acceptable_agreed} of {numbers.arms_compared} "
        f"({numbers.arms_acceptable_pct or 0:.0f}%{needed if either else ''}).",
    ]
    for f in numbers.arms_far_apart:
        reasons.append(f"{f.case_id} ARMS {f.scale}: {f.trainee} where the key has {f.key} "
                       f"({f.distance} steps apart; at most {rule.max_distance} allowed).")
    if numbers.arms_not_comparable:
        reasons.append(f"Insufficient information given or missed against the key in "
                       f"{numbers.arms_not_comparable} ARMS rating(s).")
    if n < need:
        return "not enough cases", reasons
    return ("calibrated" if pct_ok and far_ok else "not yet calibrated"), reasons


def revisit_items(frame: pd.DataFrame, member_id: int, top: int = 5) -> list[RevisitItem]:
    """The items this member most often answered differently from the key: typed RM2000 errors
    (the root causes, not the totals that follow from them) and ARMS ratings."""
    mine = frame[(frame["member_id"] == member_id) & ~frame["agree"].fillna(True)]
    mine = mine[mine["error"].notna() | (mine["instrument"] == "arms")]
    if mine.empty or top <= 0:
        return []
    records = mine[["topic", "label", "case_id", "error", "rationale"]].to_dict("records")
    by_topic: dict[str, list[dict[str, Any]]] = {}
    for r in records:  # feedback order: ties keep it
        by_topic.setdefault(str(r["topic"]), []).append(r)
    out = []
    for topic, rows in by_topic.items():
        cases = sorted({r["case_id"] for r in rows})
        types: dict[str, int] = {}
        for r in rows:
            if isinstance(r["error"], str):
                types[r["error"]] = types.get(r["error"], 0) + 1
        rationales: dict[str, str] = {}
        for r in rows:
            rationales.setdefault(r["case_id"], r["rationale"])
        out.append(RevisitItem(topic=topic, label=str(rows[0]["label"]), cases=cases,
                               times=len(cases), error_types=types, rationales=rationales))
    out.sort(key=lambda r: -r.times)
    return out[:top]


def trainee_status(frame: pd.DataFrame, member_id: int,
                   thresholds: Thresholds | None = None) -> TraineeStatus:
    """One member's status, the numbers behind it, and the items to revisit."""
    t = thresholds or load_thresholds()
    numbers = calibration_numbers(frame, member_id, t.calibrated.max_category_distance,
                                  t.arms.max_distance, t.arms.agreement)
    status, reasons = decide(numbers, t)
    arms_status, arms_reasons = decide_arms(numbers, t)
    raters = frame.loc[frame["member_id"] == member_id, "rater"]
    return TraineeStatus(
        member_id=member_id, rater=str(raters.iloc[0]) if len(raters) else "",
        status=status, numbers=numbers, reasons=reasons,
        revisit=revisit_items(frame, member_id, t.revisit.top), policy=t.label,
        arms_status=arms_status, arms_reasons=arms_reasons)


def cohort_status(frame: pd.DataFrame,
                  thresholds: Thresholds | None = None) -> list[TraineeStatus]:
    """Every member's status, in rater order."""
    t = thresholds or load_thresholds()
    out = [trainee_status(g, int(m), t) for m, g in frame.groupby("member_id", sort=False)]
    return sorted(out, key=lambda s: rater_number(s.rater))


def status_table(statuses: list[TraineeStatus]) -> pd.DataFrame:
    """One row per trainee, for a dashboard table."""
    rows: list[dict[str, Any]] = [dict(
        rater=s.rater, status=s.status, cases=s.numbers.n_cases,
        category_agreement_pct=s.numbers.category_agreement_pct,
        max_distance=s.numbers.max_distance, arms_status=s.arms_status,
        arms_cases=s.numbers.arms_cases, arms_agreement_pct=s.numbers.arms_agreement_pct,
        arms_acceptable_pct=s.numbers.arms_acceptable_pct,
        revisit=", ".join(r.label for r in s.revisit)) for s in statuses]
    return pd.DataFrame(rows, columns=["rater", "status", "cases", "category_agreement_pct",
                                       "max_distance", "arms_status", "arms_cases",
                                       "arms_agreement_pct", "arms_acceptable_pct", "revisit"])
