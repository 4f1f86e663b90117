"""The benchmark runner's verdicts (`benchmarks/run.py`): every row gets a machine-readable
`met`, and `--check` turns a missed target into a non-zero exit status."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

from rso_widgets.cli import build_parser

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def runner():
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def row(**kw):
    return {"benchmark": "x", "name": "m", "unit": "s", **kw}


def test_ratio_targets(runner):
    assert runner.judge(row(value=3.0, baseline=2.0, target=2.0))["met"] is True
    assert runner.judge(row(value=5.0, baseline=2.0, target=2.0))["met"] is False
    assert runner.judge(row(value=5.0, baseline=0, target=2.0))["met"] is False  # no baseline


def test_absolute_and_reported_rows(runner):
    assert runner.judge(row(value=0, baseline=None, target=0, kind="max"))["met"] is True
    assert runner.judge(row(value=1, baseline=None, target=0, kind="max"))["met"] is False
    reported = runner.judge(row(value=1.0, baseline=None, target=None))
    assert reported["met"] is None and math.isnan(reported["ratio"])
    text = runner.table([runner.judge(row(value=1, baseline=None, target=0, kind="max")),
                         reported])
    assert "≤ 0 s" in text and "| NO |" in text and "| — |" in text


def test_check_exits_non_zero_when_a_target_is_missed(runner, monkeypatch, tmp_path):
    bench = tmp_path / "bench_fake.py"
    bench.write_text("def run():\n    return [{'name': 'n', 'value': 3, 'baseline': 1, "
                     "'unit': 's', 'target': 2}]\n")
    monkeypatch.setattr(runner, "HERE", tmp_path)
    assert runner.main(["fake"]) == 0
    assert runner.main(["--check", "fake"]) == 1
    bench.write_text("def run():\n    return [{'name': 'n', 'value': 1, 'baseline': 1, "
                     "'unit': 's', 'target': 2}]\n")
    assert runner.main(["--check", "fake"]) == 0
    assert (tmp_path / "results" / "latest.md").exists()


def test_cli_passes_check_on():
    args = build_parser().parse_args(["bench", "--check", "room"])
    assert args.check and args.names == ["room"]
