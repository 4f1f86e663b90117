"""Each row's findings: recorded against recomputed, the cause of each mismatch (calculation,
rule or both) and one sentence per finding."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..instruments.rm2000_table import NOT_APPLICABLE, SCORED, TableResult, cut_codes
from ..instruments.ruleset import RM2000Ruleset
from .columns import NA, SCALES, Recorded


@dataclass
class Findings:
    """Per-row mismatch masks (only rows that could be compared are ever True)."""

    scale: dict[str, np.ndarray]
    calculation: np.ndarray
    rule: np.ndarray
    parts: dict[str, np.ndarray]  # which sentence each row needs, for the detail

    @property
    def mismatch(self) -> np.ndarray:
        return self.scale["S"] | self.scale["V"] | self.scale["C"]

    def cause_codes(self) -> np.ndarray:
        """0 none, 1 calculation, 2 rule, 3 both."""
        return (self.calculation.astype(np.int8) + 2 * self.rule.astype(np.int8)).astype(np.int8)


def classify(rs: RM2000Ruleset, t: TableResult, rec: Recorded, comparable: np.ndarray) -> Findings:
    """Compare recorded with recomputed values and name each difference's cause."""
    assert rs.s.step2 is not None
    top = len(rs.categories) - 1
    max_raise = max(r.steps for r in rs.s.step2.raise_)
    scored = comparable & (t.status == SCORED)
    na_row = comparable & (t.status == NOT_APPLICABLE)
    recs = {"S": rec.s, "V": rec.v, "C": rec.c}
    elig = {k: (na_row & (r >= 0)) | (scored & (r == NA)) for k, r in recs.items()}

    # /S: step 1 as recorded, then step 2 from what was recorded.
    s1p, s1p_given = rec.points["s_step1_points"]
    s1c_given = rec.s1c >= 0
    a = scored & (rec.s >= 0)
    calc_s1 = a & ((s1p_given & (s1p != t.s_step1_points))
                   | (s1c_given & (rec.s1c != t.s_step1_category)))
    s1_top = rs.s.cuts[-1].max
    p_ok = s1p_given & (s1p >= 0) & (s1p <= s1_top)
    base = np.where(s1c_given, rec.s1c,
                    np.where(p_ok, cut_codes(rs, rs.s.cuts, np.clip(s1p, 0, s1_top)), -1))
    expected = np.minimum(base + t.s_raised_by, top)
    rule_s_rec = a & (base >= 0) & (rec.s != expected)
    s_wrong = a & (rec.s != t.s_category)
    unrecorded = a & ~s1p_given & ~s1c_given
    reach = (rec.s >= t.s_step1_category) & (rec.s - t.s_step1_category <= max_raise)
    rule_s_guess = unrecorded & s_wrong & reach
    calc_s_guess = unrecorded & s_wrong & ~reach

    # /V: arithmetic only.
    vp, vp_given = rec.points["v_points"]
    b = scored & (rec.v >= 0)
    calc_v = b & ((vp_given & (vp != t.v_points)) | (rec.v != t.v_category))

    # /C: the conversion of the recorded /S and /V.
    conv = np.array([rs.c.conversion[c] for c in rs.categories], dtype=np.int64)
    cp, cp_given = rec.points["c_points"]
    c = scored & (rec.c >= 0)
    both_sv = (rec.s >= 0) & (rec.v >= 0)
    conv_points = conv[np.clip(rec.s, 0, top)] + conv[np.clip(rec.v, 0, top)]
    conv_cat = cut_codes(rs, rs.c.cuts, conv_points)
    rule_c = c & both_sv & ((rec.c != conv_cat) | (cp_given & (cp != conv_points)))
    c_wrong = c & ((rec.c != t.c_category) | (cp_given & (cp != t.c_points)))

    any_elig = elig["S"] | elig["V"] | elig["C"]
    return Findings(
        scale={"S": calc_s1 | s_wrong | elig["S"], "V": calc_v | elig["V"],
               "C": c_wrong | rule_c | elig["C"]},
        calculation=calc_s1 | calc_s_guess | calc_v,
        rule=rule_s_rec | rule_s_guess | rule_c | any_elig,
        parts={"elig_na": na_row & any_elig, "elig_scored": scored & any_elig,
               "calc_s1": calc_s1, "rule_s_rec": rule_s_rec, "rule_s_guess": rule_s_guess,
               "calc_s_guess": calc_s_guess, "calc_v": calc_v, "rule_c": rule_c,
               "c_follows": c_wrong & ~rule_c, "conv_points": conv_points,
               "conv_cat": conv_cat, "base": base, "expected": expected})


def details(rs: RM2000Ruleset, t: TableResult, rec: Recorded, f: Findings,
            rows: np.ndarray) -> list[str]:
    """One human sentence per mismatched row (built only for those rows)."""
    assert rs.s.step2 is not None
    cats = [*rs.categories, "not applicable"]
    max_raise = max(r.steps for r in rs.s.step2.raise_)

    def col(a: np.ndarray) -> list:
        return a[rows].tolist()

    p = {k: col(v) for k, v in f.parts.items()}
    r = {k: col(getattr(t, k)) for k in ("s_step1_points", "s_step1_category",
                                         "aggravating_factors", "s_raised_by", "s_category",
                                         "v_points", "v_category", "c_points", "c_category")}
    rs_, rv, rc, rs1c = col(rec.s), col(rec.v), col(rec.c), col(rec.s1c)
    (s1p, s1g), (vp, vg), (cp, cg) = ((col(v), col(g)) for v, g in (
        rec.points["s_step1_points"], rec.points["v_points"], rec.points["c_points"]))
    out = []
    for j, i in enumerate(rows.tolist()):
        parts = []
        if p["elig_na"][j]:
            given = [f"/{k} {cats[x]}" for k, x in zip(SCALES, (rs_[j], rv[j], rc[j]),
                                                         strict=True) if x >= 0]
            parts.append(f"{', '.join(given)} recorded, but RM2000 does not apply: "
                         f"{t.reasons.get(i, '')}")
        if p["elig_scored"][j]:
            blank = [f"/{k}" for k, x in zip(SCALES, (rs_[j], rv[j], rc[j]), strict=True)
                     if x < 0]
            parts.append(f"{', '.join(blank)} recorded as not applicable, but RM2000 applies "
                         f"to the person.")
        cat = {k: cats[r[k][j]] for k in ("s_step1_category", "s_category", "v_category",
                                          "c_category")}
        n, k = r["aggravating_factors"][j], r["s_raised_by"][j]
        factors = f"{n} aggravating factor{'' if n == 1 else 's'}"
        if p["calc_s1"][j]:
            said = " ".join(filter(None, (_points(s1p[j]) if s1g[j] else "",
                                          f"({cats[rs1c[j]]})" if rs1c[j] >= 0 else "")))
            parts.append(f"/S step 1 recorded as {said}, but the items give "
                         f"{_points(r['s_step1_points'][j])} ({cat['s_step1_category']}).")
        if p["rule_s_rec"][j]:
            parts.append(f"/S step 2 misapplied: {factors} raise {cats[p['base'][j]]} by {k} "
                         f"to {cats[p['expected'][j]]}, but /S {cats[rs_[j]]} was recorded.")
        if p["rule_s_guess"][j]:
            parts.append(f"/S recorded as {cats[rs_[j]]}, but step 1 gives "
                         f"{cat['s_step1_category']} and {factors} raise it by {k} to "
                         f"{cat['s_category']} (step 2 misapplied).")
        if p["calc_s_guess"][j]:
            parts.append(f"/S recorded as {cats[rs_[j]]}, which step 1 "
                         f"({_points(r['s_step1_points'][j])}, {cat['s_step1_category']}) cannot "
                         f"reach with a raise of 0–{max_raise}; recomputed /S {cat['s_category']}.")
        if p["calc_v"][j]:
            said = f"{_points(vp[j])} ({cats[rv[j]]})" if vg[j] else cats[rv[j]]
            parts.append(f"/V recorded as {said}, but the items give "
                         f"{_points(r['v_points'][j])} ({cat['v_category']}).")
        if p["rule_c"][j]:
            said = f"{_points(cp[j])} ({cats[rc[j]]})" if cg[j] else cats[rc[j]]
            parts.append(f"/C conversion misapplied: recorded /S {cats[rs_[j]]} and /V "
                         f"{cats[rv[j]]} give {_points(p['conv_points'][j])} "
                         f"({cats[p['conv_cat'][j]]}), but /C {said} was recorded.")
        elif p["c_follows"][j]:
            parts.append(f"/C recorded as {cats[rc[j]]} follows from the recorded /S and /V; "
                         f"recomputed /C {cat['c_category']} ({_points(r['c_points'][j])}).")
        out.append(" ".join(parts))
    return out


def _points(n: int) -> str:
    return f"{n} point{'' if n == 1 else 's'}"
