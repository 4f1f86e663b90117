"""The items that divide the room most, as debrief prompts."""

from __future__ import annotations

import pandas as pd

from .agreement import agreement_by_item, distributions, error_counts
from .results import CODED_KINDS, TOP, DivisiveItem


def divisive_items(frame: pd.DataFrame, top: int = TOP, by_item: pd.DataFrame | None = None,
                   dist: pd.DataFrame | None = None,
                   errs: pd.DataFrame | None = None) -> list[DivisiveItem]:
    """The coded items that divide the room most: ranked by share disagreeing with the key, ties
    by the spread of answers; each with the key's rationale as a debrief prompt."""
    t = agreement_by_item(frame) if by_item is None else by_item
    if t.empty:
        return []
    t = t[t["primary"] & t["kind"].isin(CODED_KINDS) & (t["share_disagreeing"] > 0)]
    t = t.sort_values(["share_disagreeing", "spread", "case_id", "instrument", "order"],
                      ascending=[False, False, True, True, True]).head(top)
    dist = distributions(frame) if dist is None else dist
    errs = error_counts(frame) if errs is None else errs
    out = []
    for n, r in enumerate(t.itertuples(index=False), 1):
        answers_df = dist[(dist["case_id"] == r.case_id) & (dist["item"] == r.item)
                          & (dist["count"] > 0)]
        answers = dict(zip(answers_df["value"], answers_df["count"].astype(int), strict=True))
        others = answers_df[~answers_df["is_key"]].sort_values("count", ascending=False)
        other = str(others["value"].iloc[0]) if len(others) else None
        e = errs[(errs["case_id"] == r.case_id) & (errs["item"] == r.item)]
        types = dict(zip(e["error"], e["count"].astype(int), strict=True))
        dis = int(r.compared - r.agreed)
        prompt = (f"{r.case_id}, {r.label}: {dis} of {r.compared} raters differ from the key "
                  f"({r.key})." + (f" Most common other answer: {other}." if other else "")
                  + (f" The key's reasoning: {r.rationale}" if r.rationale else ""))
        out.append(DivisiveItem(
            rank=n, case_id=r.case_id, instrument=r.instrument, item=r.item, label=r.label,
            compared=int(r.compared), disagreeing=dis,
            share_disagreeing=float(r.share_disagreeing), spread=float(r.spread), key=r.key,
            answers=answers, most_common_other=other, error_types=types,
            rationale=r.rationale or "", prompt=prompt))
    return out
