"""The dashboard summary: every table and statistic from one cohort frame."""

from __future__ import annotations

import pandas as pd

from ..anonymity import rater_number
from .agreement import (
    agreement_by_case,
    agreement_by_item,
    agreement_by_item_overall,
    arms_factor_agreement,
    disagreement_matrix,
    distributions,
    error_counts,
    error_totals,
)
from .divisive import divisive_items
from .results import (
    ACCEPTABLE_MEASURE,
    ALPHA_MEASURES,
    ICC_ITEMS,
    MIN_RATERS,
    N_BOOT,
    SEED,
    TOP,
    CohortSummary,
)
from .stats import alpha, icc, kappa, kappa_by_rater, overall_agreement


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
                   for m in ("items", "categories", "ARMS", ACCEPTABLE_MEASURE)},
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
