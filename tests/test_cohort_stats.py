"""Cohort calibration statistics on synthetic workshops built from the shipped training cases.

The cases' keys are the truth; raters are simulated by perturbing the key (coding, calculation and
rule errors) with a seeded RNG. ICC and alpha are checked against independent computations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rso_widgets.calibration.anonymity import pseudonyms, rater_number
from rso_widgets.calibration.cohort import (
    Statistic,
    agreement_by_item,
    alpha,
    cohort_frame,
    icc,
    kappa,
    load_cohort_frame,
    ordinal_alpha,
    overall_agreement,
    summarise,
)
from rso_widgets.cases import load_cases
from rso_widgets.cases.arms_key import key_assessment

CASES = {c.id: c for c in load_cases()}
APPLICABLE = sorted(cid for cid, c in CASES.items() if c.key.expected.applicable)
NOT_APPLICABLE = sorted(set(CASES) - set(APPLICABLE))
CATS = ["Low", "Medium", "High", "Very High"]
T0 = dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC)
NAN = np.nan


# --- building synthetic cohorts ----------------------------------------------------------------

def facts(cid: str, **changes: Any) -> dict[str, Any]:
    out = CASES[cid].key_facts().model_dump(mode="json", exclude_none=True)
    out.update(changes)
    return out


def key_entered(cid: str, **changes: Any) -> dict[str, Any]:
    ex = CASES[cid].key.expected
    if not ex.applicable:
        return {"not_applicable": True}
    out = {"step1_points": ex.step1_points, "step1_category": ex.step1_category, "s": ex.s,
           "v_points": None, "v": ex.v, "c": ex.c}
    out.update(changes)
    return {k: v for k, v in out.items() if v is not None}


def rm(cid: str, entered: dict[str, Any] | None = None, **fact_changes: Any) -> dict[str, Any]:
    return {"facts": facts(cid, **fact_changes), "entered": entered}


def perfect(cid: str) -> dict[str, Any]:
    return rm(cid, key_entered(cid))


def arms(cid: str, **ratings: str) -> dict[str, Any]:
    data = key_assessment(CASES[cid]).model_dump(mode="json")
    for fid, rating in ratings.items():
        data["ratings"][fid]["rating"] = rating
    return data


def submissions(plan: dict[int, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """member id → case id → attempt payload, as store-like submission mappings."""
    out = []
    for mid, attempts in plan.items():
        for cid, attempt in attempts.items():
            n = len(out) + 1
            out.append({"id": n, "member_id": mid, "case_id": cid, "attempt": attempt,
                        "created_at": T0 + dt.timedelta(seconds=n)})
    return out


def frame_of(plan: dict[int, dict[str, dict[str, Any]]], **kw: Any):
    return cohort_frame(submissions(plan), CASES, **kw)


def other_category(cat: str, steps: int = 1) -> str:
    i = CATS.index(cat)
    return CATS[i + steps] if i + steps < len(CATS) else CATS[i - steps]


# Each perturbation makes exactly one typed error of its kind.
def coding(cid: str, rng: np.random.Generator) -> dict[str, Any]:
    name = str(rng.choice(["single", "stranger_victim", "male_victim", "non_contact"]))
    return rm(cid, None, **{name: not facts(cid)[name]})


def calculation(cid: str, rng: np.random.Generator) -> dict[str, Any]:
    ex = CASES[cid].key.expected
    return rm(cid, key_entered(cid, step1_points=ex.step1_points + int(rng.integers(1, 2))))


def rule(cid: str, rng: np.random.Generator) -> dict[str, Any]:
    return rm(cid, key_entered(cid, c=other_category(CASES[cid].key.expected.c)))


PERTURB = {"coding": coding, "calculation": calculation, "rule": rule}


@pytest.fixture(scope="module")
def perfect_frame():
    with_arms = {cid: {**perfect(cid), "arms": arms(cid)} if CASES[cid].arms_key else perfect(cid)
                 for cid in sorted(CASES)}
    return frame_of({m: dict(with_arms) for m in range(1, 5)})


# --- perfect agreement -------------------------------------------------------------------------

def test_perfect_agreement_gives_100_percent_alpha_and_kappa_1(perfect_frame) -> None:
    s = summarise(perfect_frame, n_boot=200)
    assert s.n_raters == 4 and s.n_cases == len(CASES) and not s.problems
    for stat in s.agreement.values():
        assert stat.ok and stat.value == 100.0 and stat.ci == (100.0, 100.0)
    assert (s.agreement_by_item["pct"] == 100).all()
    assert (s.agreement_by_case["items_pct"] == 100).all()
    for m in ("S", "V", "C", "categories", "ARMS"):
        assert s.alpha[m].ok and s.alpha[m].value == pytest.approx(1.0), m
    assert s.alpha["categories"].n_units == 3 * len(APPLICABLE)
    for m in ("categories", "ARMS"):
        assert s.kappa[m].value == pytest.approx(1.0) and s.kappa[m].n_raters == 4
    assert s.kappa_by_rater["kappa"].to_numpy() == pytest.approx(1.0)
    for stat in s.icc.values():
        assert stat.ok and stat.value == pytest.approx(1.0)
        assert stat.n_raters == 4 and stat.n_units == len(APPLICABLE)
    assert s.error_totals == {"coding": 0, "calculation": 0, "rule": 0}
    assert s.divisive == [] and s.error_counts.empty
    assert np.nanmax(s.disagreement.to_numpy()) == 0
    d = s.distributions
    assert d["is_key"].all() and (d["share"] == 1.0).all()


def test_alpha_for_one_case_resamples_its_units(perfect_frame) -> None:
    one = alpha(perfect_frame, "ARMS", n_boot=100, case_id="TC-05")
    assert one.ok and one.value == pytest.approx(1.0) and one.n_units == 11
    assert "bootstrap over units" in one.method and one.name.endswith("TC-05")


def test_not_applicable_cases_agree_on_eligibility_and_leave_the_statistics(perfect_frame):
    by_case = summarise(perfect_frame, n_boot=0).agreement_by_case
    na = by_case[by_case["case_id"].isin(NOT_APPLICABLE)]
    assert (na["items_pct"] == 100).all()
    # RM2000 rows carry the categories; ARMS rows have none (TC-19 is not applicable to RM2000
    # but has an ARMS key)
    assert (na[na["instrument"] == "rm2000"]["categories_pct"] == 100).all()
    assert (na[na["instrument"] == "arms"]["categories_compared"] == 0).all()
    assert alpha(perfect_frame, "S", n_boot=0).n_units == len(APPLICABLE)


def test_perfect_agreement_without_variance_is_not_enough_data() -> None:
    # TC-02 and TC-03 are Medium on /S, /V and /C: every rating is the same
    f = frame_of({m: {cid: perfect(cid) for cid in ("TC-02", "TC-03")} for m in range(1, 5)})
    a = alpha(f, "categories", n_boot=0)
    assert a.status == "not enough data" and a.value is None and a.ci is None
    assert "no variance" in a.reason and a.n_raters == 4
    k = kappa(f, "categories", n_boot=0)
    assert k.status == "not enough data" and k.value is None
    assert overall_agreement(f, "categories", n_boot=0).value == 100.0
    i = icc(f)  # the step-1 totals differ between the cases (2 and 1): raters agree fully
    assert i.ok and i.value == pytest.approx(1.0)


# --- divisive items, distributions and error types ----------------------------------------------

def test_known_confusions_give_the_expected_ranking() -> None:
    n = 10
    wrong = {  # (case, fact) → the values given by the first raters
        ("TC-06", "single"): [True] * 8,
        ("TC-03", "stranger_victim"): [True] * 6,
        ("TC-04", "stranger_victim"): [False] * 4,
        ("TC-10", "sexual_appearances"): [2, 3, 3],  # 3 of 10, three different answers
        ("TC-02", "sexual_appearances"): [2, 2, 2],  # 3 of 10, two different answers
        ("TC-07", "single"): [False] * 3,  # 3 of 10, two answers: after TC-02 by case id
    }
    plan: dict[int, dict[str, dict[str, Any]]] = {}
    for m in range(1, n + 1):
        plan[m] = {}
        for cid in ("TC-02", "TC-03", "TC-04", "TC-06", "TC-07", "TC-10"):
            changes = {fact: vals[m - 1] for (c, fact), vals in wrong.items()
                       if c == cid and m <= len(vals)}
            plan[m][cid] = rm(cid, None, **changes)
    s = summarise(frame_of(plan), n_boot=0)
    got = [(d.case_id, d.item) for d in s.divisive]
    assert got == [("TC-06", "factor.single"), ("TC-03", "factor.stranger_victim"),
                   ("TC-04", "factor.stranger_victim"), ("TC-10", "S.sexual_appearances"),
                   ("TC-02", "S.sexual_appearances")]
    top = s.divisive[0]
    assert (top.rank, top.compared, top.disagreeing, top.share_disagreeing) == (1, 10, 8, 0.8)
    assert top.key == "no" and top.most_common_other == "yes"
    assert top.answers == {"no": 2, "yes": 8} and top.error_types == {"coding": 8}
    assert "seven years" in top.rationale and "8 of 10 raters" in top.prompt
    assert s.divisive[3].spread > s.divisive[4].spread
    assert s.disagreement.loc["Single", "TC-06"] == pytest.approx(0.8)
    assert s.disagreement.loc["Single", "TC-02"] == 0
    d = s.distributions.set_index(["case_id", "item", "value"])
    assert d.loc[("TC-06", "factor.single", "yes"), ["count", "is_key"]].tolist() == [8, False]
    assert d.loc[("TC-06", "factor.single", "no"), ["count", "is_key"]].tolist() == [2, True]


def test_key_answer_nobody_gave_is_still_marked() -> None:
    f = frame_of({m: {"TC-06": rm("TC-06", None, single=True)} for m in range(1, 4)})
    d = summarise(f, n_boot=0).distributions
    row = d[(d["item"] == "factor.single") & d["is_key"]]
    assert row[["value", "count", "share"]].values.tolist() == [["no", 0, 0.0]]


def test_error_types_are_counted() -> None:
    rng = np.random.default_rng(7)
    kinds = ["none", "coding", "calculation", "rule"]
    plan: dict[int, dict[str, dict[str, Any]]] = {}
    expected = dict.fromkeys(PERTURB, 0)
    for m in range(1, 7):
        plan[m] = {}
        for cid in APPLICABLE[:8]:
            kind = str(rng.choice(kinds))
            plan[m][cid] = perfect(cid) if kind == "none" else PERTURB[kind](cid, rng)
            expected[kind] = expected.get(kind, 0) + (kind != "none")
    s = summarise(frame_of(plan), n_boot=0)
    assert s.error_totals == {k: expected[k] for k in PERTURB}
    assert min(expected[k] for k in PERTURB) > 0
    by_type = s.error_counts.groupby("error")["item"].unique()
    assert set(by_type["calculation"]) == {"S.step1_points"}
    assert set(by_type["rule"]) == {"C.category"}
    assert set(by_type["coding"]) <= {"factor.single", "factor.stranger_victim",
                                      "factor.male_victim", "factor.non_contact"}


# --- ICC against the ANOVA mean squares ---------------------------------------------------------

def icc21(y: np.ndarray) -> float:
    """Shrout & Fleiss ICC(2,1) from the two-way ANOVA mean squares (targets × raters)."""
    n, k = y.shape
    gm = y.mean()
    ss_rows = k * ((y.mean(axis=1) - gm) ** 2).sum()
    ss_cols = n * ((y.mean(axis=0) - gm) ** 2).sum()
    ss_err = ((y - gm) ** 2).sum() - ss_rows - ss_cols
    msr, msc, mse = ss_rows / (n - 1), ss_cols / (k - 1), ss_err / ((n - 1) * (k - 1))
    return (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)


def totals_cohort(raters: int, cases: list[str], seed: int, skip: tuple[int, str] | None = None):
    rng = np.random.default_rng(seed)
    y = np.zeros((len(cases), raters))
    plan: dict[int, dict[str, dict[str, Any]]] = {m: {} for m in range(1, raters + 1)}
    for j, cid in enumerate(cases):
        key = CASES[cid].key.expected.step1_points
        for m in range(1, raters + 1):
            total = int(np.clip(key + rng.integers(-1, 2) + (m % 3 == 0), 0, 6))
            y[j, m - 1] = total
            if skip != (m, cid):
                plan[m][cid] = rm(cid, {"step1_points": total})
    return frame_of(plan), y


def test_icc_matches_shrout_fleiss_from_anova_mean_squares() -> None:
    f, y = totals_cohort(6, APPLICABLE[:8], seed=11)
    stat = icc(f, "S step 1 total")
    assert stat.ok and (stat.n_raters, stat.n_units) == (6, 8) and not stat.notes
    assert stat.value == pytest.approx(icc21(y), abs=1e-9)
    assert 0 < icc21(y) < 1
    lo, hi = stat.ci
    assert lo - 0.01 <= stat.value <= hi + 0.01
    assert "ICC(2,1)" in stat.method and "pingouin" in stat.method


def test_rater_missing_a_case_is_left_out_of_icc_and_reported() -> None:
    f, y = totals_cohort(6, APPLICABLE[:8], seed=11, skip=(6, APPLICABLE[3]))
    stat = icc(f)
    assert stat.ok and stat.n_raters == 5
    assert stat.value == pytest.approx(icc21(y[:, :5]), abs=1e-9)
    assert stat.notes == [f"Rater 6 left out: no total for {APPLICABLE[3]}"]
    s = summarise(f, n_boot=0)
    assert s.n_raters == 6
    by_case = s.agreement_by_case.set_index("case_id")
    assert by_case.loc[APPLICABLE[3], "n_raters"] == 5
    assert by_case.loc[APPLICABLE[0], "n_raters"] == 6


# --- Krippendorff's alpha ----------------------------------------------------------------------

def alpha_by_hand(data: np.ndarray, domain: list[float]) -> float:
    """Ordinal alpha from the coincidence matrix (Krippendorff 2011), independently of the
    library: δ²(c,k) = (Σ_{g=c..k} n_g − (n_c + n_k)/2)²."""
    v = len(domain)
    o = np.zeros((v, v))
    for unit in data.T:
        vals = [domain.index(x) for x in unit if not np.isnan(x)]
        m = len(vals)
        if m < 2:
            continue
        for i, a in enumerate(vals):
            for j, b in enumerate(vals):
                if i != j:
                    o[a, b] += 1 / (m - 1)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    delta = np.zeros((v, v))
    for c in range(v):
        for k in range(v):
            lo, hi = min(c, k), max(c, k)
            delta[c, k] = (n_c[lo:hi + 1].sum() - (n_c[c] + n_c[k]) / 2) ** 2
    d_o = (o * delta).sum() / n
    d_e = (np.outer(n_c, n_c) * delta).sum() / (n * (n - 1))
    return 1 - d_o / d_e


KRIPPENDORFF_2011 = np.array([  # observers × units, "Computing Krippendorff's alpha-reliability"
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN]])


def test_alpha_reproduces_krippendorffs_own_example() -> None:
    assert round(alpha_by_hand(KRIPPENDORFF_2011, [1, 2, 3, 4, 5]), 3) == 0.815  # published
    assert ordinal_alpha(KRIPPENDORFF_2011, [1, 2, 3, 4, 5]) == pytest.approx(
        alpha_by_hand(KRIPPENDORFF_2011, [1, 2, 3, 4, 5]), abs=1e-12)


def test_alpha_on_a_cohort_matches_the_hand_computation() -> None:
    cases = ["TC-01", "TC-02", "TC-05", "TC-09", "TC-12"]
    given_s = [  # raters × cases: the /S category each rater entered (None: "not applicable")
        ["Low", "Medium", "High", "Very High", "High"],
        ["Low", "Medium", "High", "High", "High"],
        ["Medium", "Medium", "Medium", "Very High", None],
        ["Low", "High", "High", "Very High", "Very High"],
    ]
    plan: dict[int, dict[str, dict[str, Any]]] = {}
    for m, row in enumerate(given_s, 1):
        plan[m] = {cid: rm(cid, {"not_applicable": True} if s is None else
                           key_entered(cid, s=s)) for cid, s in zip(cases, row, strict=True)}
    f = frame_of(plan)
    data = np.array([[NAN if s is None else CATS.index(s) for s in row] for row in given_s])
    stat = alpha(f, "S", n_boot=300, seed=5)
    assert stat.ok and (stat.n_raters, stat.n_units) == (4, 5)
    assert stat.value == pytest.approx(alpha_by_hand(data, [0, 1, 2, 3]), abs=1e-12)
    assert stat.ci is not None and stat.ci[0] <= stat.ci[1]
    assert "bootstrap over cases" in stat.method and "300 resamples" in stat.method
    assert alpha(f, "S", n_boot=300, seed=5).ci == stat.ci  # seeded: reproducible


# --- not enough data ----------------------------------------------------------------------------

def _all_statistics(s) -> list[Statistic]:
    return [*s.agreement.values(), *s.icc.values(), *s.alpha.values(), *s.kappa.values()]


def test_two_raters_give_not_enough_data_everywhere() -> None:
    f = frame_of({m: {cid: perfect(cid) for cid in APPLICABLE[:6]} for m in (1, 2)})
    s = summarise(f)
    for stat in _all_statistics(s):
        assert stat.status == "not enough data" and stat.value is None and stat.ci is None
        assert stat.reason, stat.name
    assert "2 raters" in s.icc["S step 1 total"].reason
    assert not s.agreement_by_item.empty  # the descriptive tables are still there


def test_an_empty_cohort_is_not_enough_data_not_an_error() -> None:
    s = summarise(cohort_frame([], CASES))
    assert (s.n_raters, s.n_cases, s.divisive) == (0, 0, [])
    assert all(stat.status == "not enough data" for stat in _all_statistics(s))
    assert s.disagreement.empty and s.distributions.empty


def test_one_case_is_not_enough_for_icc() -> None:
    f = frame_of({m: {"TC-05": rm("TC-05", key_entered("TC-05", step1_points=m % 3))}
                  for m in range(1, 6)})
    stat = icc(f)
    assert stat.status == "not enough data" and "at least 2" in stat.reason


def test_raters_with_no_complete_data_are_not_enough_for_icc() -> None:
    plan = {m: {cid: perfect(cid) for cid in APPLICABLE[:3] if cid != APPLICABLE[m % 3]}
            for m in range(1, 5)}
    stat = icc(frame_of(plan))
    assert stat.status == "not enough data" and "every case" in stat.reason
    assert len(stat.notes) == 4


# --- reading submissions -----------------------------------------------------------------------

def test_unreadable_submissions_are_reported_not_raised() -> None:
    subs = submissions({1: {"TC-01": perfect("TC-01"), "TC-99": perfect("TC-01")},
                        2: {"TC-01": ["not", "an", "object"],  # type: ignore[dict-item]
                            "TC-02": {"facts": {"sex": "male"}, "entered": {"step1_points": 1}},
                            "TC-13": {"arms": arms("TC-01")},
                            "TC-03": {"facts": {"nonsense": 1}}}})
    f = cohort_frame(subs, CASES)
    problems = f.attrs["problems"]
    assert len(problems) == 5
    assert any("TC-99" in p and "not among the loaded" in p for p in problems)
    assert any("Rater 2, TC-02: the RM2000 facts cannot be scored" in p for p in problems)
    assert any("Rater 2, TC-13: the case has no ARMS key" in p for p in problems)
    assert any("Rater 2, TC-03: RM2000 attempt unreadable" in p for p in problems)
    assert set(f["case_id"]) == {"TC-01"} and set(f["rater"]) == {"Rater 1"}
    assert summarise(f, n_boot=0).problems == problems


def test_only_the_latest_submission_per_case_counts() -> None:
    subs = submissions({1: {"TC-06": rm("TC-06", None, single=True)}})
    subs += [{"id": 9, "member_id": 1, "case_id": "TC-06", "attempt": perfect("TC-06"),
              "created_at": T0 + dt.timedelta(minutes=5)}]
    f = cohort_frame(subs, CASES)
    assert f["agree"].all() and f.attrs["superseded"] == 1
    assert len(f) == f["item"].nunique()


def test_pseudonyms_follow_join_order_not_names_or_ids() -> None:
    members = [{"id": 7, "joined_at": T0 + dt.timedelta(minutes=2)},
               {"id": 3, "joined_at": T0 + dt.timedelta(minutes=1)},
               {"id": 5, "joined_at": T0}]
    assert pseudonyms(members) == {5: "Rater 1", 3: "Rater 2", 7: "Rater 3"}
    f = cohort_frame(submissions({7: {"TC-01": perfect("TC-01")}}), CASES, members=members)
    assert set(f["rater"]) == {"Rater 3"}  # numbers do not shift with who has submitted
    assert sorted(["Rater 10", "Rater 2"], key=rater_number) == ["Rater 2", "Rater 10"]


def test_refresh_from_the_store(tmp_path, monkeypatch) -> None:
    from rso_widgets.store import open_store

    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    with open_store(f"sqlite:///{tmp_path / 'wb.sqlite'}", user="trainer") as store:
        cohort = store.create_cohort("Workshop", ["TC-01", "TC-06"])
        members = [store.join_cohort(cohort.id, name) for name in ("Ann", "Ben", "Cat")]
        for m in members:
            store.submit(cohort.id, m.id, "TC-01", perfect("TC-01"))
            store.submit(cohort.id, m.id, "TC-06",
                         {**rm("TC-06", None, single=m.display_name == "Ben"),
                          "arms": arms("TC-06")})
        f = load_cohort_frame(store, cohort.id, CASES)
    assert sorted(f["rater"].unique()) == ["Rater 1", "Rater 2", "Rater 3"]
    assert "Ann" not in set(f["rater"])
    wrong = f[f["agree"] == False]  # noqa: E712
    assert set(zip(wrong["rater"], wrong["item"], strict=True)) >= {("Rater 2", "factor.single")}
    assert set(f["instrument"]) == {"rm2000", "arms"}


# --- properties ---------------------------------------------------------------------------------

PROPERTY_CASES = ("TC-02", "TC-06", "TC-13")
CHOICES = ("key", "single", "stranger", "appearances", "calculation", "rule", "not applicable")


def attempt_for(cid: str, choice: str) -> dict[str, Any]:
    applicable = CASES[cid].key.expected.applicable
    if choice == "single":
        return rm(cid, None, single=not facts(cid)["single"])
    if choice == "stranger":
        return rm(cid, None, stranger_victim=not facts(cid)["stranger_victim"])
    if choice == "appearances" and applicable:
        f = facts(cid)
        return rm(cid, None, sexual_appearances=f["sexual_appearances"] + 1,
                  criminal_appearances=f["criminal_appearances"] + 1)
    if choice == "calculation" and applicable:
        return rm(cid, key_entered(cid, step1_points=CASES[cid].key.expected.step1_points + 1))
    if choice == "rule" and applicable:
        return rm(cid, key_entered(cid, c=other_category(CASES[cid].key.expected.c)))
    if choice == "not applicable":  # the opposite of the key's eligibility decision
        return rm(cid, {"not_applicable": True} if applicable else
                  {"s": "Low", "v": "Low", "c": "Low"})
    return perfect(cid)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(*[st.sampled_from(CHOICES)] * len(PROPERTY_CASES)),
                min_size=1, max_size=4))
def test_agreement_is_a_percentage_and_a_matching_rater_never_lowers_it(raters) -> None:
    plan = {m: {cid: attempt_for(cid, c) for cid, c in zip(PROPERTY_CASES, row, strict=True)}
            for m, row in enumerate(raters, 1)}
    before = frame_of(plan)
    plan[len(raters) + 1] = {cid: perfect(cid) for cid in PROPERTY_CASES}
    after = frame_of(plan)
    for measure in ("items", "categories"):
        a = overall_agreement(before, measure, min_raters=1, n_boot=0).value
        b = overall_agreement(after, measure, min_raters=1, n_boot=0).value
        assert 0 <= a <= 100 and 0 <= b <= 100
        assert b >= a - 1e-9
    ia = agreement_by_item(before).set_index(["case_id", "item"])["pct"]
    ib = agreement_by_item(after).set_index(["case_id", "item"])["pct"]
    assert ((ia >= 0) & (ia <= 100)).all()
    joined = ia.to_frame("a").join(ib.rename("b"), how="inner")
    assert (joined["b"] >= joined["a"] - 1e-9).all()
