"""`rso-workbook audit rm2000`: recomputation, mismatch causes, malformed rows, file handling."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rso_widgets.audit import AuditInputError, AuditSummary, audit_batch, audit_csv
from rso_widgets.audit import csvfile as audit_mod  # where the file is read and batches run
from rso_widgets.cli import main
from rso_widgets.instruments.rm2000 import score
from rso_widgets.instruments.ruleset import load_rm2000_ruleset

CATS = ["Low", "Medium", "High", "Very High"]
ITEMS = ("age_at_commencement", "sexual_appearances", "criminal_appearances",
         "violent_appearances", "burglary", "male_victim", "stranger_victim", "non_contact",
         "single")
FACT_KEYS = ("sex", "age_at_assessment", "sexual_offence_aged_17_plus", *ITEMS)


def facts(**over: Any) -> dict:
    d = dict(sex="male", age_at_assessment=40, age_at_commencement=30, sexual_appearances=2,
             criminal_appearances=5, violent_appearances=1, burglary=False, male_victim=True,
             stranger_victim=True, non_contact=False, single=False,
             sexual_offence_aged_17_plus=True)
    d.update(over)
    return d


def correct(**over: Any) -> dict:
    """A row whose recorded working is exactly what the engine gives."""
    f = facts(**over)
    r = score(f)
    row = {k: ("yes" if v is True else "no" if v is False else v) for k, v in f.items()}
    if not r.applicable:
        return row | dict.fromkeys(("s_category", "v_category", "c_category"), "")
    return row | {"s_step1_points": r.s.step1_points, "s_step1_category": r.s.step1_category,
                  "s_category": r.s.category, "v_points": r.v.points,
                  "v_category": r.v.category, "c_points": r.c.points,
                  "c_category": r.c.category}


def write_csv(path: Path, rows: list[dict], header: list[str] | None = None) -> Path:
    header = header or list(dict.fromkeys(["assessment_id", *(k for r in rows for k in r)]))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header, extrasaction="ignore")
        w.writeheader()
        for i, r in enumerate(rows, start=1):
            w.writerow({"assessment_id": f"A{i}", **r})
    return path


def read_out(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def audit_rows(tmp_path: Path, rows: list[dict], **kw: Any) -> tuple[AuditSummary, list[dict]]:
    src = write_csv(tmp_path / "export.csv", rows)
    summary = audit_csv(src, **kw)
    return summary, read_out(tmp_path / "export.audit.csv")


# --- causes ---------------------------------------------------------------------------------


def test_correct_rows_have_no_mismatch(tmp_path):
    s, out = audit_rows(tmp_path, [correct(), correct(single=True, burglary=True),
                                   correct(sex="female")])
    assert [r["mismatch"] for r in out] == ["false"] * 3
    assert [r["mismatch_cause"] for r in out] == [""] * 3
    assert s.mismatched == 0 and s.scored == 2 and s.not_applicable == 1


def test_step1_points_wrong_is_calculation(tmp_path):
    row = correct()
    row["s_step1_points"] += 1
    _, [out] = audit_rows(tmp_path, [row])
    assert (out["mismatch"], out["mismatch_cause"], out["mismatch_scales"]) == (
        "true", "calculation", "S")
    assert "step 1 recorded as 4 points" in out["mismatch_detail"]


def test_v_wrong_is_calculation(tmp_path):
    row = correct()
    row["v_points"], row["v_category"] = 5, "High"
    _, [out] = audit_rows(tmp_path, [row | {"c_category": "High", "c_points": 7}])
    assert out["mismatch_cause"] == "calculation"
    assert out["mismatch_scales"] == "V;C"
    assert "/V recorded as 5 points (High), but the items give 3 points (Medium)" in \
        out["mismatch_detail"]
    assert "/C recorded as High follows from the recorded /S and /V" in \
        out["mismatch_detail"]


def test_step2_not_applied_with_step1_recorded_is_rule(tmp_path):
    row = correct()  # step 1 High, two factors → Very High
    assert (row["s_step1_category"], row["s_category"]) == ("High", "Very High")
    row["s_category"] = "High"
    row["c_category"], row["c_points"] = "Medium", 5  # the conversion of what was recorded
    _, [out] = audit_rows(tmp_path, [row])
    assert out["mismatch_cause"] == "rule" and out["mismatch_scales"] == "S;C"
    assert "step 2 misapplied: 2 aggravating factors raise High by 1 to Very High" in \
        out["mismatch_detail"]


def test_step2_wrong_without_step1_recorded_reachable_is_rule(tmp_path):
    row = correct(male_victim=False, stranger_victim=False, age_at_commencement=40,
                  criminal_appearances=2)  # step 1 Medium, no raise
    del row["s_step1_points"], row["s_step1_category"]
    row |= {"s_category": "High", "c_category": "Medium", "c_points": 5}
    _, [out] = audit_rows(tmp_path, [row])
    assert out["mismatch_cause"] == "rule"
    assert "step 2 misapplied" in out["mismatch_detail"]


def test_unreachable_s_without_step1_recorded_is_calculation(tmp_path):
    row = correct()  # step 1 High: Low cannot come from it by raising
    del row["s_step1_points"], row["s_step1_category"]
    row |= {"s_category": "Low", "c_category": "Low", "c_points": 3}
    _, [out] = audit_rows(tmp_path, [row])
    assert out["mismatch_cause"] == "calculation"
    assert "cannot reach with a raise of 0–2" in out["mismatch_detail"]


def test_c_not_the_conversion_of_recorded_s_and_v_is_rule(tmp_path):
    row = correct()
    row["c_category"] = "Medium"
    _, [out] = audit_rows(tmp_path, [row])
    assert (out["mismatch_cause"], out["mismatch_scales"]) == ("rule", "C")
    assert "/C conversion misapplied" in out["mismatch_detail"]


def test_step1_wrong_and_step2_misapplied_is_both(tmp_path):
    row = correct()  # truth: step 1 3 points, High; two factors → Very High
    row |= {"s_step1_points": 2, "s_step1_category": "Medium", "s_category": "Medium"}
    row |= {"c_category": "Medium", "c_points": 4}  # right conversion of Medium + Medium
    _, [out] = audit_rows(tmp_path, [row])
    assert out["mismatch_cause"] == "both"
    assert "step 1 recorded as 2 points (Medium)" in out["mismatch_detail"]
    assert "raise Medium by 1 to High, but /S Medium was recorded" in out["mismatch_detail"]


@pytest.mark.parametrize("recorded", ["Medium", "low"])
def test_category_recorded_for_not_applicable_person_is_rule(tmp_path, recorded):
    row = correct(sex="female") | {"s_category": recorded}
    _, [out] = audit_rows(tmp_path, [row])
    assert (out["status"], out["mismatch_cause"], out["mismatch_scales"]) == (
        "not applicable", "rule", "S")
    assert "RM2000 does not apply" in out["mismatch_detail"]
    assert out["not_applicable_reason"].startswith("RM2000 applies only to men")


@pytest.mark.parametrize("blank", ["", "Not applicable", "N/A", "na"])
def test_not_applicable_recorded_for_eligible_person_is_rule(tmp_path, blank):
    row = correct() | {"v_category": blank}
    _, [out] = audit_rows(tmp_path, [row])
    assert out["mismatch_cause"] == "rule" and "V" in out["mismatch_scales"]
    assert "/V recorded as not applicable, but RM2000 applies" in out["mismatch_detail"]


def test_categories_are_read_ignoring_case_and_spaces(tmp_path):
    row = correct()
    row |= {k: f"  {row[k].upper()} " for k in ("s_category", "v_category", "c_category")}
    _, [out] = audit_rows(tmp_path, [row])
    assert out["mismatch"] == "false"


@settings(max_examples=80, deadline=None)
@given(st.integers(18, 80), st.integers(1, 6), st.integers(0, 6), st.integers(0, 4),
       st.lists(st.booleans(), min_size=5, max_size=5),
       st.lists(st.sampled_from([*CATS, "", "n/a"]), min_size=4, max_size=4),
       st.lists(st.one_of(st.none(), st.integers(0, 8)), min_size=3, max_size=3))
def test_every_mismatch_has_a_cause_and_only_mismatches_do(age, sexual, extra, violent, flags,
                                                          cats, points):
    f = facts(age_at_commencement=age, age_at_assessment=age, sexual_appearances=sexual,
              criminal_appearances=sexual + extra, violent_appearances=min(violent,
                                                                          sexual + extra),
              **dict(zip(("burglary", "male_victim", "stranger_victim", "non_contact",
                          "single"), flags, strict=True)))
    row = {k: str(v).lower() for k, v in f.items()}
    row |= dict(zip(("s_category", "v_category", "c_category", "s_step1_category"), cats,
                    strict=True))
    row |= {k: "" if p is None else str(p) for k, p in zip(
        ("s_step1_points", "v_points", "c_points"), points, strict=True)}
    table = pa.table({k: pa.array([v], pa.string()) for k, v in row.items()})
    out = audit_batch(load_rm2000_ruleset(), table, np.array([1]), [],
                      AuditSummary(Path("x"), Path("y"), "r")).to_pylist()[0]
    assert out["mismatch"] == (out["mismatch_cause"] is not None)
    r = score(f)
    right = (cats[0], cats[1], cats[2]) == (r.s.category, r.v.category, r.c.category) and \
        cats[3] in ("", "n/a", r.s.step1_category) and \
        points[0] in (None, r.s.step1_points) and points[1] in (None, r.v.points) and \
        points[2] in (None, r.c.points)
    assert out["mismatch"] == (not right)


# --- malformed rows, numbering and order ----------------------------------------------------


def test_malformed_rows_are_reported_and_the_rest_audited(tmp_path):
    rows = [correct(), correct() | {"criminal_appearances": "two"}, correct(),
            correct() | {"sexual_appearances": 6}, correct() | {"single": "perhaps"},
            correct() | {"s_category": "Moderate"}, correct()]
    s, out = audit_rows(tmp_path, rows)
    assert [r["row"] for r in out] == [str(i) for i in range(1, 8)]
    assert [r["line"] for r in out] == [str(i) for i in range(2, 9)]
    assert [r["status"] for r in out] == ["scored", "malformed", "scored", "malformed",
                                          "malformed", "malformed", "scored"]
    assert out[1]["error"] == "criminal_appearances: must be a whole number (e.g. 3), not 'two'"
    assert out[3]["error"].startswith("criminal_appearances: (5) cannot be fewer than "
                                      "sexual_appearances (6)")
    assert out[4]["error"].startswith("single: must be true or false")
    assert out[5]["error"].startswith("s_category: 'Moderate' is not an RM2000 category")
    assert out[1]["mismatch"] == "" and out[6]["mismatch"] == "false"
    assert s.malformed == 4 and s.malformed_rows == [2, 4, 5, 6] and s.scored == 3


def test_wrong_field_count_keeps_row_numbers_and_order_across_batches(tmp_path):
    src = write_csv(tmp_path / "export.csv", [correct() for _ in range(9)])
    lines = src.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0]  # data row 3: one field short
    lines[7] += ",extra"  # data row 7: one field too many
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = audit_csv(src, batch_rows=2)
    out = read_out(tmp_path / "export.audit.csv")
    assert [r["row"] for r in out] == [str(i) for i in range(1, 10)]
    assert [r["assessment_id"] for r in out] == [f"A{i}" for i in range(1, 10)]
    assert [r["status"] for r in out].count("malformed") == 2
    assert "has 19 field(s) but the header has 20" in out[2]["error"]
    assert "has 21 field(s) but the header has 20" in out[6]["error"]
    assert (s.rows, s.malformed, s.malformed_rows, s.lines_exact) == (9, 2, [3, 7], True)


def test_blank_lines_make_line_numbers_approximate_and_say_so(tmp_path):
    src = write_csv(tmp_path / "export.csv", [correct(), correct()])
    lines = src.read_text(encoding="utf-8").splitlines()
    src.write_text("\n".join([lines[0], lines[1], "", lines[2]]) + "\n", encoding="utf-8")
    s = audit_csv(src)
    assert s.rows == 2 and not s.lines_exact
    assert "line column may be off" in s.text()


def test_header_is_matched_ignoring_case_spaces_and_bom(tmp_path):
    src = write_csv(tmp_path / "export.csv", [correct()])
    text = src.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    header = ",".join(f" {h.upper()} " for h in header.split(","))
    src.write_text("\ufeff" + header + "\n" + rest, encoding="utf-8")
    s = audit_csv(src)
    assert s.scored == 1 and s.mismatched == 0


def test_absent_eligibility_columns_mean_eligible(tmp_path):
    row = {k: v for k, v in correct().items() if k not in (
        "sex", "age_at_assessment", "sexual_offence_aged_17_plus")}
    _, [out] = audit_rows(tmp_path, [row])
    assert out["status"] == "scored" and out["mismatch"] == "false"


# --- unusable input, output file ------------------------------------------------------------


def run_cli(*argv: str) -> int:
    return main(["audit", "rm2000", *argv, "--no-progress"])


def test_empty_csv_exits_2_with_a_clear_message(tmp_path, capsys):
    src = tmp_path / "empty.csv"
    src.write_text("", encoding="utf-8")
    assert run_cli(str(src)) == 2
    err = capsys.readouterr().err
    assert "is empty" in err and "required columns: age_at_commencement" in err
    assert "Traceback" not in err
    assert not (tmp_path / "empty.audit.csv").exists()


def test_header_without_rows_exits_2(tmp_path, capsys):
    src = write_csv(tmp_path / "export.csv", [], header=["assessment_id", *ITEMS, "s_category",
                                                         "v_category", "c_category"])
    assert run_cli(str(src)) == 2
    assert "no data rows" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv"]


def test_missing_required_column_exits_2_naming_it(tmp_path, capsys):
    row = correct()
    del row["single"], row["c_category"]
    src = write_csv(tmp_path / "export.csv", [row])
    assert run_cli(str(src)) == 2
    err = capsys.readouterr().err
    assert "missing required column(s): single, c_category" in err
    assert "optional: sex" in err and "Traceback" not in err


def test_missing_file_exits_2(tmp_path, capsys):
    assert run_cli(str(tmp_path / "nope.csv")) == 2
    assert "cannot read the file" in capsys.readouterr().err


def test_unterminated_quote_is_a_malformed_row(tmp_path):
    src = write_csv(tmp_path / "export.csv", [correct()])
    src.write_bytes(src.read_bytes() + b'A2,"unterminated\n')
    s = audit_csv(src)
    assert (s.rows, s.scored, s.malformed) == (2, 1, 1)


def test_cells_that_are_not_utf8_are_malformed_rows(tmp_path):
    src = write_csv(tmp_path / "export.csv", [correct(), correct(), correct()])
    data = src.read_bytes().split(b"\n")
    data[2] = data[2].replace(b"A2,male", b"A2,m\xe4le")  # Latin-1, not UTF-8
    src.write_bytes(b"\n".join(data))
    s = audit_csv(src, batch_rows=1)
    out = read_out(tmp_path / "export.audit.csv")
    assert [r["status"] for r in out] == ["scored", "malformed", "scored"]
    assert out[1]["error"] == "sex: not UTF-8 text; save the export as 'CSV UTF-8'"
    assert s.rows == 3 and s.malformed == 1


def test_unreadable_csv_exits_2(tmp_path, capsys, monkeypatch):
    src = write_csv(tmp_path / "export.csv", [correct()])

    def broken(*args: Any, **kw: Any) -> None:
        raise pa.ArrowInvalid("CSV parse error: something Arrow cannot read")

    monkeypatch.setattr(audit_mod.pacsv, "open_csv", broken)
    assert run_cli(str(src)) == 2
    err = capsys.readouterr().err
    assert "cannot be read as CSV" in err and "Traceback" not in err


def test_exit_0_with_mismatches_and_summary_on_stdout(tmp_path, capsys):
    src = write_csv(tmp_path / "export.csv", [correct(), correct() | {"c_category": "Low"},
                                               correct(sex="female")])
    assert run_cli(str(src)) == 0
    out = capsys.readouterr().out
    assert "Rows read: 3" in out and "scored: 2" in out and "not applicable: 1" in out
    assert "malformed: 0" in out and "Mismatches: 1 row(s)" in out
    assert "by cause: calculation 0, rule 1, both 0" in out
    assert "by scale: /S 0, /V 0, /C 1" in out
    assert (tmp_path / "export.audit.csv").exists()


def test_summary_names_no_skipped_check_when_every_eligibility_column_is_there(tmp_path):
    s, _ = audit_rows(tmp_path, [correct()])
    assert s.skipped_checks == [] and "checks skipped" not in s.text()


@pytest.mark.parametrize("absent", [["sex"], ["age_at_assessment"],
                                    ["sexual_offence_aged_17_plus"],
                                    ["sex", "age_at_assessment", "sexual_offence_aged_17_plus"]])
def test_summary_says_which_eligibility_checks_were_skipped(tmp_path, capsys, absent):
    row = {k: v for k, v in correct().items() if k not in absent}
    src = write_csv(tmp_path / "export.csv", [row])
    assert run_cli(str(src)) == 0
    out = capsys.readouterr().out
    assert "Eligibility checks skipped" in out
    wording = {"sex": "sex: not checked that the person is male",
               "age_at_assessment": "age_at_assessment: not checked that the person was 18 or "
                                    "over at assessment",
               "sexual_offence_aged_17_plus": "sexual_offence_aged_17_plus: not checked that a "
                                              "sexual offence was committed aged 17 or over"}
    for column, text in wording.items():
        assert (text in out) == (column in absent), column


def test_exit_1_when_rows_are_malformed(tmp_path, capsys):
    src = write_csv(tmp_path / "export.csv", [correct(), correct() | {"burglary": "?"}])
    assert run_cli(str(src)) == 1
    assert "malformed: 1 (rows 2; see the error column)" in capsys.readouterr().out


def test_output_columns_and_custom_path(tmp_path):
    src = write_csv(tmp_path / "export.csv", [correct()])
    out_path = tmp_path / "review.csv"
    assert run_cli(str(src), "-o", str(out_path)) == 0
    [row] = read_out(out_path)
    assert list(row) == [
        "row", "line", "assessment_id", "status", "recorded_s_category", "recorded_v_category",
        "recorded_c_category", "recomputed_s_step1_points", "recomputed_s_step1_category",
        "recomputed_s_category", "recomputed_v_points", "recomputed_v_category",
        "recomputed_c_points", "recomputed_c_category", "mismatch", "mismatch_cause",
        "mismatch_scales", "mismatch_detail", "not_applicable_reason", "error"]
    r = score(facts())
    assert (row["recomputed_s_category"], row["recomputed_v_points"],
            row["recomputed_c_category"]) == (r.s.category, str(r.v.points), r.c.category)


def test_never_overwrites_the_input(tmp_path, capsys):
    src = write_csv(tmp_path / "export.csv", [correct()])
    before = src.read_bytes()
    assert run_cli(str(src), "-o", str(src)) == 2
    assert "would overwrite the input" in capsys.readouterr().err
    assert src.read_bytes() == before


def test_failed_audit_leaves_previous_output_and_no_temp_file(tmp_path, monkeypatch):
    src = write_csv(tmp_path / "export.csv", [correct(), correct()])
    out = tmp_path / "export.audit.csv"
    out.write_text("previous audit\n", encoding="utf-8")

    def boom(*args: Any, **kw: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(audit_mod, "audit_batch", boom)
    with pytest.raises(OSError, match="disk full"):
        audit_csv(src)
    assert out.read_text(encoding="utf-8") == "previous audit\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.audit.csv", "export.csv"]


def test_successful_audit_replaces_output_whole(tmp_path):
    src = write_csv(tmp_path / "export.csv", [correct()])
    out = tmp_path / "export.audit.csv"
    out.write_text("previous audit\n", encoding="utf-8")
    audit_csv(src)
    assert len(read_out(out)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.audit.csv", "export.csv"]


def test_progress_bar_on_stderr_unless_hidden(tmp_path, capsys):
    src = write_csv(tmp_path / "export.csv", [correct()])
    assert main(["audit", "rm2000", str(src)]) == 0
    assert "auditing export.csv" in capsys.readouterr().err
    assert run_cli(str(src)) == 0
    assert capsys.readouterr().err == ""


def test_bad_ruleset_exits_2(tmp_path, capsys):
    src = write_csv(tmp_path / "export.csv", [correct()])
    bad = tmp_path / "rules.yaml"
    bad.write_text("id: x\n", encoding="utf-8")
    assert run_cli(str(src), "--ruleset", str(bad)) == 2
    err = capsys.readouterr().err
    assert "invalid RM2000 ruleset" in err and "Traceback" not in err


def test_audit_input_error_is_a_value_error():
    assert issubclass(AuditInputError, ValueError)
