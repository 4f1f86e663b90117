"""The RM2000 ruleset: a YAML data file with provenance, validated once on load."""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..settings import get_settings
from .datafile import RulesetError as RulesetError  # re-exported
from .datafile import load_model, validate
from .datafile import safe_load as safe_load  # re-exported

RULESET_DIR = Path(__file__).parent / "rulesets"
DEFAULT_RM2000 = RULESET_DIR / "rm2000.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Strict):
    min: int
    max: int | None = None  # None: open-ended ("or more")
    points: int = Field(ge=0)
    label: str | None = None

    def contains(self, value: int) -> bool:
        return value >= self.min and (self.max is None or value <= self.max)

    def describe(self) -> str:
        if self.label:
            return self.label
        if self.max is None:
            return f"{self.min} or more"
        return str(self.min) if self.min == self.max else f"{self.min}–{self.max}"


class Cut(_Strict):
    min: int
    max: int
    category: str


class Item(_Strict):
    id: str
    label: str
    bands: list[Band]

    @model_validator(mode="after")
    def _contiguous(self) -> Item:
        _check_contiguous([(b.min, b.max) for b in self.bands], f"items[{self.id}].bands")
        return self

    def band_for(self, value: int) -> Band | None:
        return next((b for b in self.bands if b.contains(value)), None)

    @property
    def max_points(self) -> int:
        return max(b.points for b in self.bands)


class Factor(_Strict):
    id: str
    label: str
    definition: str


class Raise(_Strict):
    min: int
    max: int
    steps: int = Field(ge=0)


class Step2(_Strict):
    factors: list[Factor]
    raise_: list[Raise] = Field(alias="raise")


class Scale(_Strict):
    items: list[Item]
    cuts: list[Cut]
    step2: Step2 | None = None


class CScale(_Strict):
    conversion: dict[str, int]
    cuts: list[Cut]


class Eligibility(_Strict):
    sex: str
    min_age_at_assessment: int
    min_age_at_sexual_offence: int


class Validation(_Strict):
    min_age: int  # lowest valid age at commencement of risk
    max_age: int
    future_horizon_days: int = Field(ge=0)
    #: Counts (and occasions listed) above this are refused as typing errors; None: no ceiling.
    max_appearances: int | None = Field(default=None, ge=1)


class Counting(_Strict):
    counted_disposals: list[str]
    note: str = ""


class Provenance(_Strict):
    instrument: str
    source: str
    transcribed_by: str
    transcribed_on: str
    config_points: list[str] = []
    status: str


class Superseded(_Strict):
    """Marks a ruleset kept only so that stored results can show what produced them."""

    by: str  # id@version of the ruleset that replaces it
    reason: str


class RateSource(_Strict):
    citation: str
    rates: dict[str, dict[str, float]]


class RM2000Ruleset(_Strict):
    id: str
    version: str
    title: str
    superseded: Superseded | None = None
    provenance: Provenance
    categories: list[str]
    eligibility: Eligibility
    validation: Validation
    counting: Counting
    s: Scale
    v: Scale
    c: CScale
    reconviction_rates: RateSource | None = None
    interpretation: str

    @property
    def ref(self) -> str:
        """`id@version`, recorded with every result."""
        return f"{self.id}@{self.version}"

    @model_validator(mode="after")
    def _consistent(self) -> RM2000Ruleset:
        cats = set(self.categories)
        lows = {"age_at_commencement": self.validation.min_age, "sexual_appearances": 1}
        for name, scale in (("s", self.s), ("v", self.v)):
            for item in scale.items:
                low, last = lows.get(item.id, 0), item.bands[-1]
                if item.bands[0].min > low or (last.max is not None and item.id != "burglary"):
                    raise ValueError(f"{name}.items[{item.id}].bands: must cover every valid "
                                     f"value from {low} upwards (last band open-ended)")
            top = sum(i.max_points for i in scale.items)
            _check_cuts(scale.cuts, top, cats, f"{name}.cuts")
        if self.s.step2 is None:
            raise ValueError("s.step2: RM2000/S needs its aggravating factors and raising table")
        n = len(self.s.step2.factors)
        _check_contiguous([(r.min, r.max) for r in self.s.step2.raise_], "s.step2.raise")
        if self.s.step2.raise_[0].min != 0 or self.s.step2.raise_[-1].max != n:
            raise ValueError(f"s.step2.raise: must cover 0 to {n} factors")
        if set(self.c.conversion) != cats:
            raise ValueError(f"c.conversion: needs exactly the categories {self.categories}")
        _check_cuts(self.c.cuts, 2 * max(self.c.conversion.values()), cats, "c.cuts",
                    low=2 * min(self.c.conversion.values()))
        return self

    def item(self, scale: str, item_id: str) -> Item:
        return next(i for i in getattr(self, scale).items if i.id == item_id)

    def category_for(self, cuts: list[Cut], points: int) -> str:
        return next(c.category for c in cuts if c.min <= points <= c.max)

    def raise_steps(self, factors: int) -> int:
        assert self.s.step2 is not None
        return next(r.steps for r in self.s.step2.raise_ if r.min <= factors <= r.max)

    def raise_category(self, category: str, steps: int) -> str:
        idx = min(self.categories.index(category) + steps, len(self.categories) - 1)
        return self.categories[idx]


def _check_contiguous(ranges: list[tuple[int, int | None]], where: str) -> None:
    for (_, hi1), (lo2, _) in pairwise(ranges):
        if hi1 is None or hi1 + 1 != lo2:
            raise ValueError(f"{where}: bands must be contiguous, with no gap or overlap at {lo2}")
    for lo, hi in ranges:
        if hi is not None and hi < lo:
            raise ValueError(f"{where}: band {lo}–{hi} has max below min")
    if any(hi is None for _, hi in ranges[:-1]):
        raise ValueError(f"{where}: only the last band may be open-ended")


def _check_cuts(cuts: list[Cut], top: int, cats: set[str], where: str, low: int = 0) -> None:
    _check_contiguous([(c.min, c.max) for c in cuts], where)
    if cuts[0].min != low or cuts[-1].max != top:
        raise ValueError(f"{where}: must cover every total from {low} to {top}")
    unknown = {c.category for c in cuts} - cats
    if unknown:
        raise ValueError(f"{where}: unknown categories {sorted(unknown)}")


def parse_ruleset(data: Any, source: str = "<ruleset>") -> RM2000Ruleset:
    """Validate ruleset data; a RulesetError names the source file and each bad field."""
    return validate(RM2000Ruleset, data, source, "RM2000 ruleset")


def load_rm2000_ruleset(path: str | Path | None = None) -> RM2000Ruleset:
    """Load and validate a ruleset file once (cached). Default: `RSO_RM2000_RULESET`, else the
    shipped training edition."""
    if path is None:
        path = get_settings().rm2000_ruleset
    return _load(Path(path) if path else DEFAULT_RM2000)


@lru_cache(maxsize=8)
def _load(p: Path) -> RM2000Ruleset:
    return load_model(p, RM2000Ruleset, "RM2000 ruleset")


def load_rm2000_ruleset_ref(ref: str) -> RM2000Ruleset:
    """The ruleset a stored result names (`id@version`): the configured one, or one shipped in
    `rulesets/` (superseded editions included), so old results can be shown and recomputed."""
    current = load_rm2000_ruleset()
    if current.ref == ref:
        return current
    for path in sorted(RULESET_DIR.glob("rm2000*.yaml")):
        candidate = _load(path)
        if candidate.ref == ref:
            return candidate
    known = sorted({current.ref, *(r.ref for r in shipped_rm2000_rulesets())})
    raise RulesetError(f"RM2000 ruleset {ref!r} is not available — fix: add its file to "
                       f"{RULESET_DIR} or set RSO_RM2000_RULESET (available: {', '.join(known)})")


def shipped_rm2000_rulesets() -> list[RM2000Ruleset]:
    """Every RM2000 ruleset shipped with the workbook, current and superseded."""
    return [_load(p) for p in sorted(RULESET_DIR.glob("rm2000*.yaml"))]
