"""Workshop exports: the results (one row per trainee × case × item), trainees (calibration
status) and statistics tables of one workshop, as CSV or XLSX — marked, neutralised against
formula injection, written atomically and audited (`tables.write_table`). Pseudonyms only
unless the trainer reveals names. Built from the dashboard's view model
(`calibration.workshop.DashboardModel`) and its cohort frame."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..calibration.workshop import NO_ARMS, DashboardModel, rm2000_status
from .tables import table_format, write_table
from .text import MARKING

RESULT_COLUMNS = ["classification", "workshop", "rater", "display_name", "case_id",
                  "instrument", "item", "label", "answer", "key", "agrees_with_key",
                  "error_type", "categories_apart"]
TRAINEE_COLUMNS = ["classification", "workshop", "rater", "display_name", "status",
                   "cases_scored", "category_agreement_pct", "max_categories_apart",
                   "arms_status", "arms_cases_rated", "arms_agreement_pct",
                   "arms_acceptable_pct", "arms_max_steps_apart", "items_to_revisit", "policy"]
STAT_COLUMNS = ["classification", "workshop", "statistic", "value", "ci_low", "ci_high",
                "status", "detail"]


def results_frame(model: DashboardModel, frame: pd.DataFrame, *,
                  reveal_names: bool = False) -> pd.DataFrame:
    """One row per trainee × case × item (their latest submission), for export. Pseudonyms
    only unless `reveal_names`."""

    shown = model.rater_names(True)
    rows = [{
        "classification": MARKING, "workshop": model.cohort.name, "rater": r.rater,
        "display_name": shown.get(r.rater, "") if reveal_names else None,
        "case_id": r.case_id, "instrument": r.instrument, "item": r.item, "label": r.label,
        "answer": r.trainee, "key": r.key,
        "agrees_with_key": None if pd.isna(r.agree) else bool(r.agree),
        "error_type": r.error, "categories_apart": None if pd.isna(r.distance)
        else int(r.distance)} for r in frame.itertuples(index=False)]
    out = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    out["agrees_with_key"] = out["agrees_with_key"].astype("boolean")
    out["categories_apart"] = out["categories_apart"].astype("Int64")
    return out if reveal_names else out.drop(columns="display_name")


def trainees_frame(model: DashboardModel, *, reveal_names: bool = False) -> pd.DataFrame:
    """One row per trainee: calibration status against the thresholds (local policy)."""

    rows = []
    for r in model.roster:
        st = model.statuses.get(r.member_id)
        n = st.numbers if st else None
        rows.append({
            "classification": MARKING, "workshop": model.cohort.name, "rater": r.pseudonym,
            "display_name": r.display_name if reveal_names else None,
            "status": rm2000_status(st) or "no submissions",
            "cases_scored": n.n_cases if n else 0,
            "category_agreement_pct": n.category_agreement_pct if n else None,
            "max_categories_apart": n.max_distance if n else None,
            "arms_status": (st.arms_status or NO_ARMS) if st else "no submissions",
            "arms_cases_rated": n.arms_cases if n else 0,
            "arms_agreement_pct": n.arms_agreement_pct if n else None,
            "arms_acceptable_pct": n.arms_acceptable_pct if n else None,
            "arms_max_steps_apart": n.arms_max_distance if n else None,
            "items_to_revisit": "; ".join(i.label for i in st.revisit) if st else "",
            "policy": model.policy})
    out = pd.DataFrame(rows, columns=TRAINEE_COLUMNS)
    out["cases_scored"] = out["cases_scored"].astype("Int64")
    for col in ("max_categories_apart", "arms_cases_rated", "arms_max_steps_apart"):
        out[col] = out[col].astype("Int64")
    for col in ("category_agreement_pct", "arms_agreement_pct", "arms_acceptable_pct"):
        out[col] = out[col].astype("Float64")
    return out if reveal_names else out.drop(columns="display_name")


def statistics_frame(model: DashboardModel) -> pd.DataFrame:
    """One row per cohort statistic, "not enough data" with the reason where undefined."""

    rows = [{"classification": MARKING, "workshop": model.cohort.name, "statistic": s.label,
             "value": s.value, "ci_low": s.ci[0] if s.ci else None,
             "ci_high": s.ci[1] if s.ci else None,
             "status": "ok" if s.ok else "not enough data", "detail": s.text}
            for s in model.statistics]
    out = pd.DataFrame(rows, columns=STAT_COLUMNS)
    for col in ("value", "ci_low", "ci_high"):
        out[col] = out[col].astype("Float64")
    return out


def export_workshop(store: Any, model: DashboardModel, frame: pd.DataFrame, folder: Any,
                    fmt: str = "csv", *, reveal_names: bool = False) -> list[Any]:
    """Write the results, trainees and statistics tables (CSV or XLSX) into `folder`, each
    atomically, neutralised against formula injection and audited as an export."""

    kind = table_format(f"x.{fmt}")
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stem = f"workshop-{model.cohort.id}"
    out = []
    for table, title, df in (
            ("results", "Workshop results", results_frame(model, frame,
                                                          reveal_names=reveal_names)),
            ("trainees", "Workshop trainees", trainees_frame(model, reveal_names=reveal_names)),
            ("statistics", "Workshop statistics", statistics_frame(model))):
        path = folder / f"{stem}-{table}.{kind}"

        def audit(table: str = table, rows: int = len(df)) -> None:
            store.log_export("cohort", model.cohort.id, fmt=kind, table=f"workshop_{table}",
                             rows=rows, names_revealed=bool(reveal_names))

        out.append(write_table(df, path, kind, title=title, before_replace=audit))
    return out
