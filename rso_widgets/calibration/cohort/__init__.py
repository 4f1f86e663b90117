"""Cohort calibration: how a workshop room agrees with the key and with each other.

Two steps, so a dashboard can refresh either separately:

- `cohort_frame(submissions)` compares every member's latest attempt at each case with the key
  (`feedback.compare` for RM2000, `arms_feedback.compare_arms` for ARMS; no rule is restated
  here) and returns a tidy DataFrame, one row per member × case × item.
- `summarise(frame)` computes the room's statistics from that frame (`CohortSummary`).

Conventions (shown to trainers in `CohortSummary.notes`):
- A submission's `attempt` is an RM2000 attempt (`{"facts": …, "entered": …}`), an ARMS
  assessment (`{"arms": {…}}`, or the assessment itself with its `ratings`), or both. Only each
  member's latest submission per case and instrument counts.
- Cohort statistics need at least `min_raters` (3) raters; otherwise, and whenever a statistic is
  undefined (too few cases, no variance), the result is a `Statistic` with `value=None`,
  `status="not enough data"` and the reason — never a misleading number or an exception.
- ICC: pingouin's ICC2 (two-way random, absolute agreement, single rater; "ICC(A,1)" in
  pingouin ≥ 0.7) with pingouin's 95% CI; targets are cases, raters are members. Raters missing a
  total for any case are left out (listwise deletion), and named in the statistic's notes.
- Krippendorff's alpha (ordinal, `krippendorff` package) among the members; 95% CI by percentile
  bootstrap, resampling cases (all of a case's units together), seeded.
- Weighted kappa (quadratic, scikit-learn) of each member against the key, pooled over the units
  they rated; the mean across members with a percentile bootstrap CI over members (scipy).
- Cases where RM2000 does not apply under the key are left out of ICC, alpha and kappa on
  categories: eligibility agreement is shown as percent agreement.

Statistical libraries are imported inside the functions that use them, so a served kernel that
never computes statistics does not load them.

The package is split along those steps: `frames` (building the frame), `agreement`
(descriptive tables), `divisive` (debrief prompts), `stats` (statistics with CIs), `summary`
(`summarise`), over `results` (result objects and shared conventions). Every public name is
importable from `rso_widgets.calibration.cohort`.
"""

from __future__ import annotations

from .agreement import (
    ARMS_FACTOR_COLUMNS,
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
from .frames import _get, cohort_frame, load_cohort_frame, parse_attempt
from .results import (
    ACCEPTABLE_MEASURE,
    ALPHA_MEASURES,
    CATEGORY_ITEMS,
    CODED_KINDS,
    COLUMNS,
    ICC_ITEMS,
    MIN_RATERS,
    N_BOOT,
    NOT_ENOUGH,
    SEED,
    TOP,
    CohortSummary,
    DivisiveItem,
    Instrument,
    Statistic,
)
from .stats import alpha, icc, kappa, kappa_by_rater, ordinal_alpha, overall_agreement
from .summary import summarise

__all__ = ["ACCEPTABLE_MEASURE", "ALPHA_MEASURES", "ARMS_FACTOR_COLUMNS", "CATEGORY_ITEMS",
           "CODED_KINDS", "COLUMNS",
           "ICC_ITEMS", "MIN_RATERS", "NOT_ENOUGH", "N_BOOT", "SEED", "TOP", "CohortSummary",
           "DivisiveItem", "Instrument", "Statistic", "_get", "agreement_by_case",
           "agreement_by_item", "agreement_by_item_overall", "alpha", "arms_factor_agreement",
           "cohort_frame", "disagreement_matrix", "distributions", "divisive_items",
           "error_counts", "error_totals", "icc", "kappa", "kappa_by_rater", "load_cohort_frame",
           "ordinal_alpha", "overall_agreement", "parse_attempt", "summarise"]
