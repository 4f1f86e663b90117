"""Cohort statistics with 95% CIs: agreement, ICC, Krippendorff's alpha, weighted kappa."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import krippendorff
import numpy as np
import pandas as pd

from ..anonymity import rater_number
from .agreement import _compared
from .results import (
    ACCEPTABLE_MEASURE,
    CATEGORY_ITEMS,
    CODED_KINDS,
    ICC_ITEMS,
    MIN_RATERS,
    N_BOOT,
    NOT_ENOUGH,
    SEED,
    Statistic,
)


def _not_enough(name: str, reason: str, method: str, n_raters: int = 0, n_units: int = 0,
                notes: list[str] | None = None) -> Statistic:
    return Statistic(name=name, n_raters=n_raters, n_units=n_units, status=NOT_ENOUGH,
                     reason=reason, method=method, notes=notes or [])


def _fewer(n: int, min_raters: int) -> str:
    return f"{n} rater{'s' if n != 1 else ''}; cohort statistics need at least {min_raters}"


def overall_agreement(frame: pd.DataFrame, measure: str = "items", min_raters: int = MIN_RATERS,
                      n_boot: int = N_BOOT, seed: int = SEED) -> Statistic:
    """% exact agreement with the key, pooled over raters and units: `items` (RM2000 coded
    facts and the eligibility decision), `categories` (/S, /V, /C), `ARMS` (factor ratings) or
    `ARMS or acceptable` (factor ratings equal to the key's or one of its defensible
    alternatives). 95% CI: percentile bootstrap over raters."""
    either = measure == ACCEPTABLE_MEASURE
    column = "agree_or_acceptable" if either else "agree"
    method = (("percent agreement with the key or one of its defensible alternatives"
               if either else "percent exact agreement with the key")
              + f"; 95% CI by percentile bootstrap over raters ({n_boot} resamples, seed {seed})")
    d = _compared(_subset(frame, "ARMS" if either else measure))
    name = ("Agreement with the key or a defensible alternative (ARMS), %" if either
            else f"Agreement with the key ({measure}), %")
    n_raters = int(d["member_id"].nunique())
    if n_raters < min_raters:
        return _not_enough(name, _fewer(n_raters, min_raters), method, n_raters, len(d))
    per = d.groupby("member_id")[column].agg(["size", "sum"]).to_numpy(dtype=float)
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
    # deferred: pingouin takes about 2 s to import (measured); only the ICC needs it
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
    # deferred: scikit-learn takes about 0.5 s to import (measured); only the kappa needs it
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
    # deferred: scipy.stats takes about 2 s to import (measured); only the statistics need it
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
