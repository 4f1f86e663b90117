"""One column of a table → typed values with missing and bad masks (whole numbers, booleans,
sex), from pandas, pyarrow or plain lists; the cell rules are `rm2000_table`'s."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TRUE_WORDS = frozenset({"true", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "0"})
_INT64_MAX = np.iinfo(np.int64).max
_INT_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*", re.ASCII)


@dataclass
class Cells:
    """One column as typed values plus masks; `raw(i)` gives the original cell for messages."""

    values: np.ndarray  # int64 or bool; meaningless where missing or bad
    missing: np.ndarray
    bad: np.ndarray
    raw: Callable[[int], Any]

    @property
    def ok(self) -> np.ndarray:
        return ~(self.missing | self.bad)


def _is_blank(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float | np.floating):
        return math.isnan(v)
    return isinstance(v, str) and not v.strip()


def _parse_int(v: Any) -> int | None:
    """A whole number, or None for a bad cell (blank cells are handled before)."""
    if isinstance(v, bool | np.bool_):
        return None
    if isinstance(v, int | np.integer):
        return int(v) if abs(int(v)) <= _INT64_MAX else None
    if isinstance(v, str) and _INT_TEXT.fullmatch(v):
        n = int(v)
        return n if abs(n) <= _INT64_MAX else None
    return None


def _parse_bool(v: Any) -> bool | None:
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer) and v in (0, 1):
        return bool(v)
    if isinstance(v, str):
        word = v.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return None


def _sex_parser(male: str) -> Callable[[Any], bool | None]:
    """True if the text means the ruleset's eligible sex (as the scalar engine compares it)."""
    return lambda v: v.strip().lower() == male if isinstance(v, str) else None


def _parser(kind: str, male: str) -> Callable[[Any], Any]:
    return {"int": _parse_int, "bool": _parse_bool}.get(kind) or _sex_parser(male)


def _from_objects(values: list[Any], kind: str, male: str) -> Cells:
    """Cell-by-cell conversion: for object columns and for the few distinct values of a column."""
    parse = _parser(kind, male)
    n = len(values)
    out = np.zeros(n, dtype=np.int64 if kind == "int" else np.bool_)
    missing, bad = np.zeros(n, bool), np.zeros(n, bool)
    for i, v in enumerate(values):
        if _is_blank(v):
            missing[i] = True
            continue
        parsed = parse(v)
        if parsed is None:
            bad[i] = True
        else:
            out[i] = parsed
    return Cells(out, missing, bad, values.__getitem__)


def _empty(n: int, kind: str, missing: bool, raw: Callable[[int], Any]) -> Cells:
    mask = np.full(n, missing)
    return Cells(np.zeros(n, np.int64 if kind == "int" else np.bool_), mask, ~mask, raw)


def _via_dictionary(arr: pa.Array, kind: str, male: str) -> Cells:
    """Text cells: convert each distinct value once, then spread by index (fast and exact)."""
    enc = arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)
    raw = lambda i: arr[i].as_py()  # noqa: E731
    uniques = enc.dictionary.to_pylist()
    if not uniques:  # every cell null
        return _empty(len(arr), kind, True, raw)
    per = _from_objects(uniques, kind, male)
    nulls = enc.indices.is_null().to_numpy(zero_copy_only=False)
    idx = pc.fill_null(enc.indices, 0).to_numpy(zero_copy_only=False).astype(np.intp)
    return Cells(per.values[idx], per.missing[idx] | nulls, per.bad[idx] & ~nulls, raw)


def _from_arrow(arr: pa.Array, kind: str, male: str) -> Cells:
    t, n = arr.type, len(arr)
    raw = lambda i: arr[i].as_py()  # noqa: E731
    if pa.types.is_null(t):
        return _empty(n, kind, True, raw)
    nulls = arr.is_null().to_numpy(zero_copy_only=False)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t):
        if kind == "int" and not nulls.any() and not pa.types.is_dictionary(t):
            try:  # fast path for a clean column: Arrow accepts a subset of _parse_int
                vals = pc.cast(arr, pa.int64()).to_numpy()
                return Cells(vals, np.zeros(n, bool), np.zeros(n, bool), raw)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        return _via_dictionary(arr, kind, male)
    if kind == "sex" or not (pa.types.is_boolean(t) or pa.types.is_integer(t)
                             or pa.types.is_floating(t)):
        return Cells(np.zeros(n, np.bool_), nulls, ~nulls, raw)
    if pa.types.is_boolean(t):
        if kind == "int":  # True is not a count, as in the scalar engine
            return Cells(np.zeros(n, np.int64), nulls, ~nulls, raw)
        return Cells(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), nulls,
                     np.zeros(n, bool), raw)
    if pa.types.is_integer(t):
        vals = pc.fill_null(pc.cast(arr, pa.int64(), safe=False), 0).to_numpy()
        missing, whole = nulls, np.ones(n, bool)
    else:  # floating: whole values only (pandas holds integers with gaps as floats)
        f = pc.fill_null(arr, np.nan).to_numpy(zero_copy_only=False).astype(np.float64)
        missing = np.isnan(f)
        with np.errstate(invalid="ignore"):
            whole = np.isfinite(f) & (np.floor(f) == f) & (np.abs(f) <= 2.0**62)
        vals = np.where(whole, f, 0).astype(np.int64)
    if kind == "int":
        return Cells(vals, missing, ~missing & ~whole, raw)
    return Cells(vals == 1, missing, ~missing & ~(whole & ((vals == 0) | (vals == 1))), raw)


def to_cells(column: Any, kind: str, male: str = "male") -> Cells:
    """One column (pyarrow, pandas, numpy or list) as `kind` "int" | "bool" | "sex".

    For "sex" the values say whether the text means `male` (the ruleset's eligible sex)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if isinstance(column, pa.Array):
        return _from_arrow(column, kind, male)
    series = column if isinstance(column, pd.Series) else pd.Series(column)
    if series.dtype == object:
        return _from_objects(series.tolist(), kind, male)
    return _from_arrow(pa.Array.from_pandas(series), kind, male)


def _columns(data: Any) -> dict[str, Any]:
    if isinstance(data, pa.Table | pa.RecordBatch):
        return {name: data.column(name) for name in data.column_names}
    if isinstance(data, pd.DataFrame):
        return {str(c): data[c] for c in data.columns}
    if isinstance(data, Mapping):
        return dict(data)
    raise TypeError("expected a pandas DataFrame, a pyarrow Table or a mapping of columns")
