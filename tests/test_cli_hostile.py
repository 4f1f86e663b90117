"""No `rso-workbook` command that input can break: absurd options get one line and exit 2,
an unexpected fault one line (the traceback only with RSO_DEBUG), files that are not regular
files are refused, and `audit` reads past bad rows and never writes a live formula."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rso_widgets.audit import audit_csv, inert
from rso_widgets.cli import main
from rso_widgets.reports.tables import neutralise

# Every numeric or date option, with a value it must refuse. A run that would do real work
# (serve) is only ever given refused values.
ABSURD = [
    (["retention", "--days"], "99999999999"), (["retention", "--days"], "-1"),
    (["retention", "--days"], "0"), (["audit-log", "show", "--limit"], "99999999999999999999"),
    (["audit-log", "show", "--limit"], "0"), (["score", "rm2000", "--today"], "9999-12-31"),
    (["score", "rm2000", "--today"], "26/11/2026"), (["serve", "--port"], "70000"),
    (["serve", "--port"], "0"), (["export", "report", "-o", "x.html"], "99999999999999999999"),
    (["export", "report", "1", "-o", "x.html", "--version"], "-3"),
]


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(("args", "value"), ABSURD)
def test_absurd_option_values_get_one_line(args, value, capsys):
    status, _, err = run_main([*args, value], capsys)
    assert status == 2
    assert "Traceback" not in err
    [line] = err.strip().splitlines()
    assert "fix:" in line and value[:20] in line


OPTIONS = [["retention", "--days"], ["audit-log", "show", "--limit"],
           ["score", "rm2000", "--today"], ["export", "report", "1", "-o", "x.html", "--version"]]


@settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from(OPTIONS), value=st.one_of(
    st.text(max_size=30).filter(lambda s: not s.startswith("-") or s[1:].isdigit()),
    st.integers(-10**25, 10**25).map(str), st.dates().map(str)))
def test_fuzzed_option_values_never_give_a_traceback(option, value, capsys, monkeypatch,
                                                     tmp_path):
    monkeypatch.setenv("RSO_DATA_DIR", str(tmp_path))  # no database: the commands say so
    monkeypatch.setattr(sys, "stdin", open(os.devnull, encoding="utf-8"))  # noqa: SIM115
    status, _, err = run_main([*option, value], capsys)
    assert "Traceback" not in err
    if status == 2:  # the option was refused: one line naming it
        [line] = err.strip().splitlines()
        assert line.startswith("rso-workbook")


def test_an_unexpected_fault_is_one_line_and_the_traceback_is_on_request(capsys, monkeypatch):
    from rso_widgets.commands import cases

    def broken(args):
        raise RuntimeError("something inside broke\nsecond line")

    monkeypatch.setattr(cases, "run", broken)
    monkeypatch.delenv("RSO_DEBUG", raising=False)
    status, _, err = run_main(["cases", "validate"], capsys)
    assert status == 70
    [line] = err.strip().splitlines()
    assert "unexpected error (RuntimeError: something inside broke)" in line
    assert "RSO_DEBUG=1" in line
    monkeypatch.setenv("RSO_DEBUG", "1")
    status, _, err = run_main(["cases", "validate"], capsys)
    assert status == 70 and "Traceback" in err


def test_installed_command_refuses_absurd_values_in_one_line():
    exe = Path(sys.executable).with_name("rso-workbook")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "rso_widgets.cli"]
    for args in (["retention", "--days", "99999999999"],
                 ["audit-log", "show", "--limit", "99999999999999999999"],
                 ["score", "rm2000", "--today", "9999-12-31"]):
        proc = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=120,
                              input="", check=False)
        assert proc.returncode == 2, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


# --- files that are not regular files -------------------------------------------------------

def test_cases_validate_refuses_a_device(capsys):
    status, out, _ = run_main(["cases", "validate", "/dev/zero"], capsys)
    assert status == 1 and "character device, not a regular file" in out


def test_cases_validate_refuses_a_fifo_without_waiting(tmp_path):
    fifo = tmp_path / "case.yaml"
    os.mkfifo(fifo)
    proc = subprocess.run([sys.executable, "-m", "rso_widgets.cli", "cases", "validate",
                           str(fifo)], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1 and "named pipe (FIFO)" in proc.stdout


def test_cases_validate_never_reads_past_the_limit(tmp_path, monkeypatch, capsys):
    from rso_widgets.cases import loader

    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * 5000 + b"\n")
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 1000)
    status, out, _ = run_main(["cases", "validate", str(big)], capsys)
    assert status == 1 and "larger than 1,000 bytes" in out


def test_audit_refuses_a_fifo(tmp_path, capsys):
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    status, _, err = run_main(["audit", "rm2000", str(fifo), "--no-progress"], capsys)
    assert status == 2 and "named pipe (FIFO)" in err


# --- audit: bad rows reported, the rest audited, no live formula ----------------------------

HEADER = ("assessment_id,sex,age_at_assessment,age_at_commencement,sexual_appearances,"
          "criminal_appearances,violent_appearances,burglary,male_victim,stranger_victim,"
          "non_contact,single,sexual_offence_aged_17_plus,s_category,v_category,c_category")
GOOD = "RM-{n},male,40,30,1,2,0,no,no,no,no,no,yes,Medium,Medium,Medium"


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_audit_output_never_carries_a_live_formula(tmp_path):
    src = tmp_path / "export.csv"
    src.write_text("\n".join([
        HEADER, "=cmd|' /C calc'!A0,male,40,30,1,2,0,no,no,no,no,no,yes,Low,Low,Low",
        "+SUM(1),male,40,30,1,2,0,no,no,no,no,no,yes, @HYPERLINK(x),Low,Low",
        "-2+3,female,40,30,1,2,0,no,no,no,no,no,yes,Low,Low,Low", "\tRM,male"]) + "\n",
        encoding="utf-8")
    audit_csv(src, tmp_path / "out.csv")
    rows = read_rows(tmp_path / "out.csv")
    cells = [v for r in rows for v in r.values() if v]
    assert all(neutralise(v) == v for v in cells), [v for v in cells if neutralise(v) != v]
    assert [r["assessment_id"] for r in rows] == ["'=cmd|' /C calc'!A0", "'+SUM(1)", "'-2+3",
                                                   "'\tRM"]
    assert rows[1]["recorded_s_category"] == "' @HYPERLINK(x)"


def test_an_undecodable_ragged_row_is_reported_and_the_rest_audited(tmp_path, capsys):
    src = tmp_path / "export.csv"
    src.write_bytes("\n".join([HEADER, GOOD.format(n=1)]).encode() + b"\nRM-\xff,male,40\n"
                    + f"{GOOD.format(n=3)}\n".encode())
    status, out, err = run_main(["audit", "rm2000", str(src), "--no-progress"], capsys)
    assert status == 1 and "Traceback" not in err and "Exception ignored" not in err
    assert "Rows read: 3" in out and "malformed: 1 (rows 2;" in out
    rows = read_rows(tmp_path / "export.audit.csv")
    assert [(r["line"], r["status"]) for r in rows] == [("2", "scored"), ("3", "malformed"),
                                                       ("4", "scored")]
    assert "3 field(s)" in rows[1]["error"] and "not UTF-8" in rows[1]["error"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad=st.lists(st.binary(max_size=60).filter(lambda b: b"\n" not in b and b"\r" not in b
                                                  and b'"' not in b), min_size=1, max_size=4))
def test_fuzzed_rows_never_stop_the_audit(bad, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    src = folder / "export.csv"
    lines = [HEADER.encode(), *(GOOD.format(n=i).encode() for i in range(3)), *bad,
             GOOD.format(n=9).encode()]
    src.write_bytes(b"\n".join(lines) + b"\n")
    summary = audit_csv(src, folder / "out.csv")
    rows = read_rows(folder / "out.csv")
    blank = sum(1 for b in bad if not b.strip(b" \t"))  # blank lines are no rows
    assert summary.rows == len(rows) >= 4 + len(bad) - blank - 1
    assert rows[-1]["assessment_id"] == "RM-9" and rows[-1]["status"] == "scored"
    assert all(neutralise(v) == v for r in rows for v in r.values() if v)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.text(max_size=8)), min_size=1, max_size=8))
def test_inert_is_the_exports_rule(values):
    clean = [None if v is None else v.encode("utf-8", "replace").decode() for v in values]
    table = inert(pa.table({"x": pa.array(clean, pa.string())}))
    assert table.column("x").to_pylist() == [neutralise(v) for v in clean]


@pytest.mark.parametrize(("variable", "value", "argv"), [
    ("RSO_RETENTION_DAYS", "99999999999", ["retention"]),
    ("RSO_PORT", "99999", ["serve"]),
    ("RSO_RETENTION_DAYS", "many", ["audit-log", "verify"]),
])
def test_a_bad_setting_is_named_in_one_line(variable, value, argv, monkeypatch, capsys):
    from rso_widgets.settings import get_settings

    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    try:
        status, _, err = run_main(argv, capsys)
    finally:
        monkeypatch.delenv(variable)
        get_settings.cache_clear()
    assert status == 2
    [line] = err.strip().splitlines()
    assert f"setting {variable}=" in line and f"fix: correct or unset {variable}" in line


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(
    st.binary(max_size=200),
    st.text(alphabet=st.sampled_from(list("abc:-[]{}&*!|>'\"#\n 0123456789")), max_size=120)
    .map(str.encode)))
def test_fuzzed_case_files_never_give_a_traceback(content, tmp_path_factory, capsys):
    path = tmp_path_factory.mktemp("case") / "case.yaml"
    path.write_bytes(content)
    status, out, err = run_main(["cases", "validate", str(path)], capsys)
    assert status == 1 and "Traceback" not in err + out
    assert "1 case file(s) checked: 0 valid" in out
