"""CSV/XLSX exports and report files: marking, formula injection, audit, atomic writes."""

from __future__ import annotations

import argparse
import datetime as dt

import openpyxl
import pandas as pd
import pytest
from audited import audit_log
from identities import open_as, roles_file, store_as

from rso_widgets.instruments.arms import ARMSAssessment, Priority
from rso_widgets.instruments.rm2000 import score
from rso_widgets.reports import MARKING, files
from rso_widgets.reports.export import run, write_report
from rso_widgets.reports.payload import make_payload
from rso_widgets.reports.tables import (
    ASSESSMENT_COLUMNS,
    ATTEMPT_COLUMNS,
    export_assessments,
    export_attempts,
    neutralise,
)
from rso_widgets.settings import get_settings
from rso_widgets.store import AccessDenied

FACTS = {"sex": "male", "age_at_assessment": 41, "age_at_commencement": 39,
         "sexual_appearances": 1, "criminal_appearances": 2, "violent_appearances": 0,
         "burglary": False, "male_victim": False, "stranger_victim": False,
         "non_contact": True, "single": False, "sexual_offence_aged_17_plus": True}
INJECTIONS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
              "  =1+1"]


@pytest.fixture
def url(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    return f"sqlite:///{tmp_path / 't.db'}"


@pytest.fixture
def store(url):
    """Two people, three assessment versions; one version signed; hostile typed text."""
    with open_as(url, user="alice") as s:
        result = score(FACTS)
        p1 = s.create_person("=cmd|' /C calc'!A0", fictional=True)
        v1 = s.create_assessment(p1.id, "rm2000", make_payload(rm2000_facts=FACTS,
                                                               rm2000_result=result),
                                 ruleset=result.ruleset)
        s.save_version(v1.assessment_id, make_payload(rm2000_facts=FACTS, rm2000_result=result),
                       "@corrected date", 1, ruleset=result.ruleset)
        s.sign(v1.assessment_id, 2)
        p2 = s.create_person("Fictional Person E", fictional=True)
        arms = ARMSAssessment(assessed_on=dt.date(2026, 9, 1),
                              priority=Priority(level="\t=1+1", rationale="-x"))
        s.create_assessment(p2.id, "arms", make_payload(arms=arms), reason="+first")
        yield s


def _attempt(s, user: str, case: str, agrees: bool, minutes: int) -> None:
    """`user`'s own attempt (attempts are stored under the signed-in person's name)."""
    store_as(s.engine, user=user).add_practice_attempt(
        case, {"facts": FACTS},
        {"record_version": 1, "ruleset": "rm2000-ew-training@1.0.0", "agrees": agrees,
         "categories": [{"scale": "S", "trainee": "Low", "key": "Medium", "distance": 1},
                        {"scale": "V", "trainee": "Low", "key": "Low", "distance": 0}],
         "errors": [] if agrees else [{"row": "s1", "item": "sexual_appearances",
                                       "type": "coding"}]},
        created_at=dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes))


def test_neutralise_every_formula_start_and_nothing_else():
    for value in INJECTIONS:
        assert neutralise(value) == "'" + value
    for value in ["Medium", "3 = 3", "", "a-b", "’quoted", 5, -3, None, True]:
        assert neutralise(value) == value


def test_csv_export_is_marked_neutralised_and_audited(store, tmp_path):
    out = export_assessments(store, tmp_path / "assessments.csv")
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(df.columns) == ASSESSMENT_COLUMNS and len(df) == 3
    assert (df["classification"] == MARKING).all()
    assert df["person_ref"].tolist()[:2] == ["'=cmd|' /C calc'!A0"] * 2
    assert df["reason"].tolist() == ["first version", "'@corrected date", "'+first"]
    assert df["arms_priority"].tolist()[2] == "'\t=1+1"
    first, second, third = df.to_dict("records")
    assert (first["version"], first["is_latest"], first["sign_state"]) == ("1", "False",
                                                                           "not signed")
    assert (second["sign_state"], second["signed_by"], second["rm2000_s"]) == (
        "signed", "alice", score(FACTS).s.category)
    assert third["kind"] == "arms" and int(third["arms_gaps"]) > 0
    assert not any(str(v).startswith(("=", "+", "-", "@", "\t", "\r"))
                   for v in df.to_numpy().ravel())
    entry = audit_log(store, 1)[0]
    assert (entry.action, entry.entity, entry.entity_id, entry.user) == (
        "export", "assessment", "all", "alice")
    assert entry.detail == {"format": "csv", "table": "assessments", "rows": 3}
    assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_xlsx_export_has_no_formulas_and_carries_the_marking(store, tmp_path):
    out = export_assessments(store, tmp_path / "assessments.xlsx")
    book = openpyxl.load_workbook(out)
    ws = book["Assessments"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'=cmd|' /C calc'!A0" in texts and "'\t=1+1" in texts
    assert not any(t.startswith(("=", "+", "-", "@", "\t", "\r")) for t in texts)
    assert ws.oddHeader.center.text == MARKING and ws.oddFooter.center.text == MARKING
    assert book.properties.subject == MARKING and MARKING in book.properties.title
    assert book["About"]["B2"].value == MARKING
    df = pd.read_excel(out)  # the first sheet reads back as a plain table
    assert len(df) == 3 and (df["classification"] == MARKING).all()
    assert audit_log(store, 1)[0].detail["format"] == "xlsx"


def test_attempts_export_one_row_per_attempt_for_everyone_or_chosen_users(
        store, tmp_path, monkeypatch):
    _attempt(store, "trainee1", "tc-01-brantingby", False, 0)
    _attempt(store, "trainee1", "tc-01-brantingby", True, 5)
    _attempt(store, "=trainee2", "tc-02-thistlehurst", True, 1)
    with pytest.raises(AccessDenied):  # everyone's attempts: an administrator's export
        export_attempts(store, tmp_path / "refused.csv")
    roles_file(monkeypatch, tmp_path, administrator=["ops"])
    store = store_as(store.engine, user="ops")
    df = pd.read_csv(export_attempts(store, tmp_path / "a.csv"), keep_default_na=False)
    assert list(df.columns) == ATTEMPT_COLUMNS and len(df) == 3
    assert df["user"].tolist() == ["'=trainee2", "trainee1", "trainee1"]
    row = df.iloc[1]
    assert (row["case_id"], row["agrees_with_key"], row["s_trainee"], row["s_key"],
            row["categories_agreeing"], row["errors"], row["error_types"]) == (
        "tc-01-brantingby", False, "Low", "Medium", 1, 1, "coding: 1")
    assert audit_log(store, 1)[0].detail == {"format": "csv", "table": "practice_attempts",
                                                "rows": 3, "users": 2}
    only = pd.read_excel(export_attempts(store, tmp_path / "a.xlsx", users=["trainee1"]))
    assert set(only["user"]) == {"trainee1"} and len(only) == 2
    assert audit_log(store, 1)[0].entity_id == "trainee1"


def test_report_files_are_written_and_audited(store, tmp_path):
    html = write_report(store, 1, 1, tmp_path / "r.html")
    pdf = write_report(store, 1, None, tmp_path / "r.pdf")
    assert MARKING in html.read_text(encoding="utf-8")
    assert "superseded: the latest version is 2" in html.read_text(encoding="utf-8")
    assert pdf.read_bytes().startswith(b"%PDF")
    a, b = audit_log(store, 2)
    assert (a.entity, a.entity_id, a.detail) == ("assessment", "1", {
        "format": "html", "version": 1, "report": "assessment"})
    assert b.detail == {"format": "pdf", "version": 2, "report": "assessment"}
    with pytest.raises(ValueError, match=r"\.html or \.pdf"):
        write_report(store, 1, 1, tmp_path / "r.docx")
    with pytest.raises(ValueError, match=r"\.csv or \.xlsx"):
        export_assessments(store, tmp_path / "r.json")


def test_failed_write_leaves_no_partial_file_and_no_audit_entry(store, tmp_path, monkeypatch):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    dest = tmp_path / "assessments.csv"
    dest.write_text("previous export\n", encoding="utf-8")
    before = audit_log(store, 1)[0].seq
    real = pd.DataFrame.to_csv

    def half_then_fail(self, path, *args, **kwargs):
        real(self.head(1), path, *args, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        export_assessments(store, dest)
    monkeypatch.undo()
    assert dest.read_text(encoding="utf-8") == "previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["assessments.csv"]
    assert audit_log(store, 1)[0].seq == before

    def no_fsync(fd):
        raise OSError("I/O error")

    monkeypatch.setattr(files.os, "fsync", no_fsync)
    with pytest.raises(OSError, match="I/O error"):
        write_report(store, 1, 2, tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["assessments.csv"]


def test_audit_failure_means_no_file(store, tmp_path, monkeypatch):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()

    def refuse(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(store, "log_export", refuse)
    with pytest.raises(RuntimeError):
        export_assessments(store, tmp_path / "x.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_command_run_writes_and_reports_errors(store, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RSO_DATABASE_URL", str(store.engine.url))
    get_settings.cache_clear()
    try:
        ns = argparse.Namespace(what="assessments", out=str(tmp_path / "x.csv"), format=None)
        assert run(ns) == 0 and (tmp_path / "x.csv").exists()
        ns = argparse.Namespace(what="report", assessment_id=99, version=None,
                                out=str(tmp_path / "r.pdf"), format=None)
        assert run(ns) == 1
        assert "no assessment with id 99" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
