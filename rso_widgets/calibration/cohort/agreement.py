"""Descriptive tables from a cohort frame: agreement with the key, answers and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..feedback import ERROR_TYPES
from .results import CATEGORY_ITEMS, CODED_KINDS


def _compared(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["agree"].notna()]


def agreement_by_item(frame: pd.DataFrame) -> pd.DataFrame:
    """Per case × item: raters compared, agreeing, % exact agreement, share disagreeing, spread."""
    # deferred: scipy.stats takes about 2 s to import (measured); only the statistics need it
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
                       "not_comparable", "pct", "acceptable", "pct_or_acceptable"]


def arms_factor_agreement(frame: pd.DataFrame) -> pd.DataFrame:
    """Per ARMS factor across the cases: ratings compared with the key, and how many were exact
    (the key's rating, "insufficient information" included), adjacent (one step apart),
    opposite (two apart) or not comparable (insufficient information on one side only); `pct`
    is % exact, as in `overall_agreement`; `acceptable` counts ratings that differ from the key's
    but are one of its defensible alternatives, and `pct_or_acceptable` is % exact or
    acceptable. Unrated factors are left out."""
    d = _compared(frame[frame["instrument"] == "arms"])
    if d.empty:
        return pd.DataFrame(columns=ARMS_FACTOR_COLUMNS)
    either = d["agree_or_acceptable"].fillna(False).astype(bool)
    d = d.assign(_adj=d["band"] == "adjacent", _opp=d["band"] == "opposite",
                 _ok=either & ~d["agree"].astype(bool), _either=either)
    out = d.groupby("item", sort=False).agg(
        label=("label", "first"), order=("order", "min"), cases=("case_id", "nunique"),
        compared=("agree", "size"), exact=("agree", "sum"), adjacent=("_adj", "sum"),
        opposite=("_opp", "sum"), acceptable=("_ok", "sum"),
        either=("_either", "sum")).reset_index()
    for col in ("exact", "adjacent", "opposite", "acceptable"):
        out[col] = out[col].astype(int)
    out["not_comparable"] = out["compared"] - out["exact"] - out["adjacent"] - out["opposite"]
    out["pct"] = 100.0 * out["exact"] / out["compared"]
    out["pct_or_acceptable"] = 100.0 * out["either"] / out["compared"]
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
