"""Cohort result objects and the conventions every step shares (thresholds, columns)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
from pydantic import BaseModel

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
           "agree", "error", "follows_from", "distance", "band", "rationale",
           "agree_or_acceptable"]
#: `agree_or_acceptable`: equal to the key's answer, or (ARMS) one of the key's defensible
#: alternatives (`arms_key.ratings.<factor>.acceptable`); for RM2000 rows, the same as `agree`.
ACCEPTABLE_MEASURE = "ARMS or acceptable"


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
    # "items", "categories", "ARMS": % exact with the key; "ARMS or acceptable": % equal to the
    # key's rating or one of its defensible alternatives
    agreement: dict[str, Statistic]
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
