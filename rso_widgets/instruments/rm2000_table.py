"""RM2000 over a whole table at once: the rules of `rm2000.score`, vectorised with numpy.

Input: a pandas DataFrame, a pyarrow Table/RecordBatch or a mapping of column name → values, one
row per person, with item-level columns (no dates, no sentencing records):

- required: `age_at_commencement`, `sexual_appearances`, `criminal_appearances`,
  `violent_appearances` (whole numbers) and `burglary`, `male_victim`, `stranger_victim`,
  `non_contact`, `single` (booleans);
- optional eligibility columns: `sex`, `age_at_assessment`, `sexual_offence_aged_17_plus`.
  When a column is absent the table is taken to hold only people it is already known to apply to
  on that point (male; age at assessment unchecked; a sexual offence aged 17 or over).

Cells: a blank cell (None, NaN, empty or spaces-only text) is a missing value. Whole numbers may be
integers, whole floats in a float column, or text such as "3". Booleans may be true/false, or
text true/false/yes/no/y/n/1/0 (any case), or the integers 1/0.

Every row gets the same outcome as `score()` on the same facts: scored, not applicable (with the
same reason) or invalid (with a `FieldError` per problem, in the scalar engine's order of
checks). Tables are read from the ruleset (bands, cuts, raising, conversion), never hard-coded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .rm2000 import FieldError
from .ruleset import Cut, Item, RM2000Ruleset, load_rm2000_ruleset
from .table_cells import Cells, _columns, to_cells  # to_cells: re-exported (audit)

INT_ITEMS = ("age_at_commencement", "sexual_appearances", "criminal_appearances",
             "violent_appearances")
BOOL_ITEMS = ("burglary", "male_victim", "stranger_victim", "non_contact", "single")
REQUIRED_COLUMNS = INT_ITEMS + BOOL_ITEMS
ELIGIBILITY_COLUMNS = ("sex", "age_at_assessment", "sexual_offence_aged_17_plus")

SCORED, NOT_APPLICABLE, INVALID = 0, 1, 2
STATUS_NAMES = ("scored", "not applicable", "invalid")


class TableColumnError(ValueError):
    """The table lacks required columns; the message names them and lists what is valid."""


# --- lookups over the ruleset's tables ------------------------------------------------------


def _lookup(ranges: list[tuple[int, int | None]], outputs: list[int],
            values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Output of each value's range (ranges contiguous, as the ruleset guarantees), and a mask
    of values in no range. A direct table over min..max: faster than a search per value."""
    lo = ranges[0][0]
    last_min, last_max = ranges[-1]
    hi = last_min if last_max is None else last_max
    table = np.empty(hi - lo + 1, dtype=np.int64)
    for (a, b), out in zip(ranges, outputs, strict=True):
        table[a - lo: (hi if b is None else b) - lo + 1] = out
    outside = values < lo
    if last_max is not None:
        outside |= values > hi
    return table[np.clip(values, lo, hi) - lo], outside


def band_points(item: Item, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of each value's band, and a mask of values that fall in no band."""
    return _lookup([(b.min, b.max) for b in item.bands], [b.points for b in item.bands], values)


def cut_codes(rs: RM2000Ruleset, cuts: list[Cut], points: np.ndarray) -> np.ndarray:
    """Category code (index into `rs.categories`) of each total; totals are inside the cuts."""
    codes, _ = _lookup([(c.min, c.max) for c in cuts],
                       [rs.categories.index(c.category) for c in cuts], points)
    return codes.astype(np.int8)


def raise_steps(rs: RM2000Ruleset, factors: np.ndarray) -> np.ndarray:
    assert rs.s.step2 is not None
    table = rs.s.step2.raise_
    steps, _ = _lookup([(r.min, r.max) for r in table], [r.steps for r in table], factors)
    return steps


def conversion(rs: RM2000Ruleset) -> np.ndarray:
    """/C points of each category code."""
    return np.array([rs.c.conversion[c] for c in rs.categories], dtype=np.int64)


# --- the result -----------------------------------------------------------------------------


@dataclass
class TableResult:
    """Per-row outcome. Category codes index `ruleset.categories`; -1 where a row is not scored."""

    ruleset: RM2000Ruleset
    status: np.ndarray  # int8: SCORED | NOT_APPLICABLE | INVALID
    reasons: dict[int, str]  # row → why RM2000 does not apply
    errors: dict[int, list[FieldError]]  # row → problems, for INVALID rows
    s_step1_points: np.ndarray
    s_step1_category: np.ndarray
    aggravating_factors: np.ndarray
    s_raised_by: np.ndarray
    s_category: np.ndarray
    v_points: np.ndarray
    v_category: np.ndarray
    c_points: np.ndarray
    c_category: np.ndarray
    category_names: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.status)

    def names(self, codes: np.ndarray) -> np.ndarray:
        """Category names (object array), None where the code is -1."""
        lookup = np.array([*self.category_names, None], dtype=object)
        return lookup[np.where(codes < 0, len(self.category_names), codes)]

    def error_text(self, row: int) -> str:
        return "; ".join(f"{e.field}: {e.message}" for e in self.errors.get(row, []))

    def to_frame(self) -> pd.DataFrame:
        """One row per input row: status, reason, errors, points and category names."""
        scored = pd.Series(self.status == SCORED)

        def pts(a: np.ndarray) -> pd.Series:
            return pd.Series(a).where(scored).astype("Int64")

        n = len(self)
        return pd.DataFrame({
            "status": np.array(STATUS_NAMES, dtype=object)[self.status],
            "reason": [self.reasons.get(i) for i in range(n)],
            "errors": [self.error_text(i) or None for i in range(n)],
            "s_step1_points": pts(self.s_step1_points),
            "s_step1_category": self.names(self.s_step1_category),
            "aggravating_factors": pts(self.aggravating_factors),
            "s_category": self.names(self.s_category),
            "v_points": pts(self.v_points), "v_category": self.names(self.v_category),
            "c_points": pts(self.c_points), "c_category": self.names(self.c_category),
        })


# --- validation -----------------------------------------------------------------------------


class _Errors:
    """Collects (field, rows, message) in check order; messages are built only for those rows."""

    def __init__(self, n: int):
        self.any = np.zeros(n, bool)
        self._found: list[tuple[str, np.ndarray, Callable[[int], str]]] = []
        #: column → rows where it held the wrong type: reported once, never also as missing
        self.typed: dict[str, np.ndarray] = {}

    def add(self, name: str, mask: np.ndarray, message: Callable[[int], str]) -> None:
        if name in self.typed:
            mask = mask & ~self.typed[name]
        if mask.any():
            self.any |= mask
            self._found.append((name, mask, message))

    def by_row(self) -> dict[int, list[FieldError]]:
        out: dict[int, list[FieldError]] = {}
        make = FieldError.model_construct  # fields are str already: skip re-validation
        for name, mask, message in self._found:
            for i in np.flatnonzero(mask).tolist():
                out.setdefault(i, []).append(make(field=name, message=message(i)))
        return out


def _type_messages(errs: _Errors, cols: dict[str, Cells], kinds: dict[str, str]) -> None:
    for name, cells in cols.items():
        kind = kinds[name]
        if kind == "int":
            msg = lambda i, c=cells: f"must be a whole number (e.g. 3), not {c.raw(i)!r}"  # noqa: E731
        elif kind == "bool":
            msg = lambda i, c=cells: ("must be true or false (or yes/no, y/n, 1/0), "  # noqa: E731
                                      f"not {c.raw(i)!r}")
        else:
            msg = lambda i, c=cells: ('must be text such as "male" or "female", '  # noqa: E731
                                      f"not {c.raw(i)!r}")
        errs.add(name, cells.bad, msg)
    # As the scalar engine's parsing: a wrong-type cell is set aside (treated as not given) and
    # every other check still runs in the same pass.
    errs.typed = {name: cells.bad for name, cells in cols.items() if cells.bad.any()}
    for cells in cols.values():
        cells.missing = cells.missing | cells.bad


def score_table(data: Any, ruleset: RM2000Ruleset | None = None) -> TableResult:
    """Score every row. Raises TableColumnError if a required column is absent."""
    rs = ruleset or load_rm2000_ruleset()
    raw = _columns(data)
    absent = [c for c in REQUIRED_COLUMNS if c not in raw]
    if absent:
        raise TableColumnError(
            f"missing required column(s): {', '.join(absent)}. Required: "
            f"{', '.join(REQUIRED_COLUMNS)}; optional: {', '.join(ELIGIBILITY_COLUMNS)}")
    kinds = {**dict.fromkeys(INT_ITEMS, "int"), **dict.fromkeys(BOOL_ITEMS, "bool"),
             "sex": "sex", "age_at_assessment": "int", "sexual_offence_aged_17_plus": "bool"}
    cols = {name: to_cells(raw[name], kinds[name], rs.eligibility.sex)
            for name in kinds if name in raw}
    n = len(cols["age_at_commencement"].values)
    errs = _Errors(n)
    val = rs.validation

    # 1. Type errors, as the scalar engine's parsing; the other checks run in the same pass.
    _type_messages(errs, cols, kinds)
    live = np.ones(n, bool)

    # 2. Negative assessment age or sexual count, found before eligibility is judged.
    age_now, sexual = cols.get("age_at_assessment"), cols["sexual_appearances"]
    if age_now is not None:
        errs.add("age_at_assessment", live & age_now.ok & (age_now.values < 0),
                 lambda i: f"cannot be negative ({age_now.values[i]})")
    errs.add("sexual_appearances", live & sexual.ok & (sexual.values < 0),
             lambda i: f"cannot be negative ({sexual.values[i]}); enter 0 or more")
    errs.add("sexual_appearances", live & sexual.ok & _over_ceiling(rs, sexual.values),
             lambda i: _ceiling_message(rs, sexual.values[i]))

    # 3. Eligibility on the facts known so far (only when nothing so far is wrong).
    reason_code = _reason_codes(rs, cols, n)
    not_applicable = ~errs.any & (reason_code > 0)
    live &= ~not_applicable

    # 4. Required eligibility facts and the upper age limit (also after an error in 2).
    sex = cols.get("sex")
    if sex is not None:
        errs.add("sex", live & sex.missing,
                 lambda i: 'is required: "male", "female" or another description')
    if age_now is not None:
        errs.add("age_at_assessment", live & age_now.missing,
                 lambda i: "is required: a whole number of years")
        errs.add("age_at_assessment", live & age_now.ok & (age_now.values > val.max_age),
                 lambda i: f"must be {val.max_age} or under (got {age_now.values[i]})")
    aged17 = cols.get("sexual_offence_aged_17_plus")
    if aged17 is not None:
        errs.add("sexual_offence_aged_17_plus", live & aged17.missing,
                 lambda i: "is required: true or false")
    errs.add("sexual_appearances", live & sexual.missing,
             lambda i: "is required: a whole number of 1 or more")

    # 5. The items themselves, in the same pass (every problem at once).
    _check_items(rs, errs, cols, ~not_applicable)
    invalid = errs.any
    scored = ~invalid & ~not_applicable
    return _score_rows(rs, cols, scored, not_applicable, reason_code, errs.by_row())


def _reason_codes(rs: RM2000Ruleset, cols: dict[str, Cells], n: int) -> np.ndarray:
    """0 eligible so far; 1 not male; 2 under age; 3 no sexual conviction; 4 none aged 17+."""
    el = rs.eligibility
    conds, sex = [], cols.get("sex")
    if sex is not None:
        conds.append((sex.ok & ~sex.values, 1))
    age_now = cols.get("age_at_assessment")
    if age_now is not None:
        a = age_now.values
        conds.append((age_now.ok & (a >= 0) & (a < el.min_age_at_assessment), 2))
    sexual = cols["sexual_appearances"]
    conds.append((sexual.ok & (sexual.values == 0), 3))
    aged17 = cols.get("sexual_offence_aged_17_plus")
    if aged17 is not None:
        conds.append((aged17.ok & ~aged17.values, 4))
    return np.select([c for c, _ in conds], [k for _, k in conds], 0).astype(np.int8)


def _over_ceiling(rs: RM2000Ruleset, values: np.ndarray) -> np.ndarray:
    top = rs.validation.max_appearances
    return np.zeros(len(values), bool) if top is None else values > top


def _ceiling_message(rs: RM2000Ruleset, value: int) -> str:
    return (f"({value}) is above the ceiling of {rs.validation.max_appearances} appearances: a "
            "record this long is a typing error; check the number")


def _check_items(rs: RM2000Ruleset, errs: _Errors, cols: dict[str, Cells],
                 live: np.ndarray) -> None:
    val = rs.validation
    start, age_now = cols["age_at_commencement"], cols.get("age_at_assessment")
    a = start.values
    errs.add("age_at_commencement", live & start.missing,
             lambda i: "is required: a whole number of years")
    errs.add("age_at_commencement", live & start.ok & (a < 0),
             lambda i: f"cannot be negative ({a[i]})")
    in_range = (a >= val.min_age) & (a <= val.max_age)
    errs.add("age_at_commencement", live & start.ok & (a >= 0) & ~in_range,
             lambda i: f"must be between {val.min_age} and {val.max_age} years (got {a[i]})")
    if age_now is not None:
        ahead = val.future_horizon_days // 365 + 1
        b = age_now.values
        errs.add("age_at_commencement",
                 live & start.ok & in_range & age_now.ok & (b >= 0) & (a > b + ahead),
                 lambda i: f"({a[i]}) is more than {ahead} year(s) after age_at_assessment "
                           f"({b[i]}); check both")
    counts = {}
    for name in ("criminal_appearances", "violent_appearances"):
        c = cols[name]
        errs.add(name, live & c.missing,
                 lambda i: "is required: a whole number of 0 or more")
        errs.add(name, live & c.ok & (c.values < 0),
                 lambda i, c=c: f"cannot be negative ({c.values[i]}); enter 0 or more")
        over = _over_ceiling(rs, c.values)
        errs.add(name, live & c.ok & over, lambda i, c=c: _ceiling_message(rs, c.values[i]))
        counts[name] = (live & c.ok & (c.values >= 0) & ~over, c.values)
    (crim_ok, crim), (viol_ok, viol) = counts.values()
    sex_cells = cols["sexual_appearances"]
    sexual = sex_cells.values
    sexual_ok = sex_cells.ok & (sexual >= 0) & ~_over_ceiling(rs, sexual)
    errs.add("criminal_appearances", crim_ok & sexual_ok & (crim < sexual),
             lambda i: f"({crim[i]}) cannot be fewer than sexual_appearances ({sexual[i]}): "
                       "every sexual appearance is also a criminal appearance")
    errs.add("violent_appearances", crim_ok & viol_ok & (viol > crim),
             lambda i: f"({viol[i]}) cannot be more than criminal_appearances ({crim[i]}): "
                       "every violent appearance is also a criminal appearance")
    for name in ("burglary", "non_contact", "male_victim", "stranger_victim", "single"):
        errs.add(name, live & cols[name].missing, lambda i: "is required: true or false")


# --- arithmetic -----------------------------------------------------------------------------


def _score_rows(rs: RM2000Ruleset, cols: dict[str, Cells], scored: np.ndarray,
                not_applicable: np.ndarray, reason_code: np.ndarray,
                errors: dict[int, list[FieldError]]) -> TableResult:
    assert rs.s.step2 is not None
    n = len(scored)
    facts = {k: c.values.astype(np.int64) for k, c in cols.items() if k in REQUIRED_COLUMNS}

    def points(scale: str) -> np.ndarray:
        total = np.zeros(n, np.int64)
        for item in getattr(rs, scale).items:
            pts, outside = band_points(item, facts[item.id])
            total += pts
            stray = scored & outside
            for i in np.flatnonzero(stray).tolist():
                errors.setdefault(i, []).append(FieldError(
                    field=item.id, message=f"{facts[item.id][i]} has no band in ruleset {rs.ref}"))
            scored[stray] = False
        return total

    s1 = points("s")
    v_pts = points("v")
    s1_cat = cut_codes(rs, rs.s.cuts, s1)
    factors = sum(facts[f.id] for f in rs.s.step2.factors).astype(np.int64)
    steps = raise_steps(rs, factors)
    s_cat = np.minimum(s1_cat + steps, len(rs.categories) - 1).astype(np.int8)
    v_cat = cut_codes(rs, rs.v.cuts, v_pts)
    conv = conversion(rs)
    c_pts = conv[s_cat] + conv[v_cat]
    c_cat = cut_codes(rs, rs.c.cuts, c_pts)

    status = np.full(n, INVALID, np.int8)
    status[scored] = SCORED
    status[not_applicable] = NOT_APPLICABLE
    off = ~scored

    def mask(a: np.ndarray) -> np.ndarray:
        out = a.copy()
        out[off] = -1
        return out

    return TableResult(
        ruleset=rs, status=status, errors=errors,
        reasons=_reasons(rs, cols, reason_code, not_applicable),
        s_step1_points=mask(s1), s_step1_category=mask(s1_cat),
        aggravating_factors=mask(factors), s_raised_by=mask(steps), s_category=mask(s_cat),
        v_points=mask(v_pts), v_category=mask(v_cat), c_points=mask(c_pts),
        c_category=mask(c_cat), category_names=list(rs.categories))


def _reasons(rs: RM2000Ruleset, cols: dict[str, Cells], code: np.ndarray,
             rows: np.ndarray) -> dict[int, str]:
    """The scalar engine's wording of why RM2000 does not apply, for the given rows."""
    el = rs.eligibility
    out = {}
    for i in np.flatnonzero(rows).tolist():
        k = code[i]
        if k == 1:
            out[i] = (f"RM2000 applies only to men; sex is recorded as "
                      f"{cols['sex'].raw(i).strip()!r}.")
        elif k == 2:
            out[i] = (f"RM2000 applies only to people aged {el.min_age_at_assessment} or over at "
                      f"assessment; the person is {cols['age_at_assessment'].values[i]}.")
        elif k == 3:
            out[i] = ("RM2000 needs at least one conviction for a sexual offence; an alleged or "
                      "charged offence does not count.")
        else:
            out[i] = (f"RM2000 needs at least one sexual offence committed aged "
                      f"{el.min_age_at_sexual_offence} or over.")
    return out
