"""`rso-workbook score rm2000`: JSON Lines in, one result or error object per line out."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rso_widgets.cli import main
from rso_widgets.instruments.rm2000 import score

TODAY = "2026-11-26"


def case(**over: Any) -> dict:
    d = dict(sex="male", age_at_assessment=40, age_at_commencement=30, sexual_appearances=2,
             criminal_appearances=5, violent_appearances=1, burglary=False, male_victim=True,
             stranger_victim=False, non_contact=False, single=True,
             sexual_offence_aged_17_plus=True)
    d.update(over)
    return d


def run(monkeypatch, lines: list[str | dict], *args: str) -> tuple[int, list[dict], str]:
    """Run the command in-process with bytes on stdin (as a pipe gives); parse stdout."""
    text = "".join((json.dumps(x) if isinstance(x, dict) else x) + "\n" for x in lines)
    stdin = io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8")
    stdout_bytes = io.BytesIO()
    stdout = io.TextIOWrapper(stdout_bytes, encoding="utf-8")
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    status = main(["score", "rm2000", "--today", TODAY, *args])
    stdout.flush()
    out = [json.loads(line) for line in stdout_bytes.getvalue().decode("utf-8").splitlines()]
    return status, out, stderr.getvalue()


def fields(obj: dict) -> list[str]:
    return [e["field"] for e in obj["errors"]]


def test_contract_keys(monkeypatch):
    status, [out], _ = run(monkeypatch, [case()])
    assert status == 0
    assert {"applicable", "reason", "ruleset", "s", "v", "c", "working"} <= set(out)
    assert {"items", "step1_points", "step1_category", "aggravating_factors",
            "category"} <= set(out["s"])
    assert {"items", "points", "category"} <= set(out["v"])
    assert {"points", "category"} <= set(out["c"])
    assert out["applicable"] is True and out["reason"] is None
    assert out["ruleset"] == "rm2000-ew-training@2.0.0"
    assert {out["s"]["category"], out["v"]["category"], out["c"]["category"]} <= {
        "Low", "Medium", "High", "Very High"}


def test_order_is_preserved_and_matches_the_engine(monkeypatch):
    cases = [case(age_at_commencement=a, age_at_assessment=a, sexual_appearances=s,
                  criminal_appearances=s + c)
             for a, s, c in [(19, 1, 0), (50, 5, 3), (30, 2, 9), (70, 3, 1), (22, 1, 4)]]
    status, out, _ = run(monkeypatch, cases)
    assert status == 0
    expected = [score(c) for c in cases]
    assert [(o["s"]["step1_points"], o["s"]["category"], o["v"]["points"], o["c"]["category"])
            for o in out] == [(r.s.step1_points, r.s.category, r.v.points, r.c.category)
                              for r in expected]


def test_not_applicable_is_not_an_error(monkeypatch):
    status, [out], _ = run(monkeypatch, [case(sex="female")])
    assert status == 0
    assert out["applicable"] is False and out["reason"].startswith("RM2000 applies only to men")
    assert out["s"] is None and out["v"] is None and out["c"] is None


@pytest.mark.parametrize(("over", "field", "words"), [
    ({"criminal_appearances": -1}, "criminal_appearances", "cannot be negative"),
    ({"sexual_appearances": -2}, "sexual_appearances", "cannot be negative"),
    ({"violent_appearances": 1.5}, "violent_appearances", "whole number"),
    ({"criminal_appearances": "5"}, "criminal_appearances", "whole number"),
    ({"sexual_appearances": 6}, "criminal_appearances", "cannot be fewer than sexual"),
    ({"violent_appearances": 6}, "violent_appearances", "cannot be more than criminal"),
    ({"age_at_commencement": 9}, "age_at_commencement", "between 10 and 110"),
    ({"age_at_commencement": 111, "age_at_assessment": 110}, "age_at_commencement",
     "between 10 and 110"),
    ({"criminal_appearances": 301}, "criminal_appearances", "ceiling of 300"),
    ({"age_at_assessment": 111}, "age_at_assessment", "110 or under"),
    ({"date_of_birth": "1990-01-01", "commencement_date": "1985-01-01",
      "age_at_commencement": None}, "commencement_date", "wrong order"),
    ({"date_of_birth": "2030-01-01"}, "date_of_birth", "in the future"),
    ({"date_of_birth": "1990-01-01", "commencement_date": "2035-01-01",
      "age_at_commencement": None}, "commencement_date", "in the future"),
    ({"date_of_birth": "1990-02-30"}, "date_of_birth", "not a real date"),
    ({"favourite_colour": "blue"}, "favourite_colour", "unknown field"),
    ({"single": "yes"}, "single", "true or false"),
    ({"burglary": None}, "burglary", "is required"),
])
def test_bad_input_names_the_field_and_other_lines_are_scored(monkeypatch, over, field, words):
    bad = {k: v for k, v in case(**over).items() if v is not None}
    status, out, err = run(monkeypatch, [case(), bad, case(sex="female")])
    assert status == 1
    assert len(out) == 3
    assert out[0]["applicable"] is True and out[2]["applicable"] is False
    assert set(out[1]) == {"errors"}
    [message] = [e["message"] for e in out[1]["errors"] if e["field"] == field]
    assert words in message
    assert "1 line(s) had errors (line 2)" in err


def test_malformed_json_line_gives_line_and_position(monkeypatch):
    status, out, _ = run(monkeypatch, [case(), '{"sex": "male",, }', case()])
    assert status == 1
    assert fields(out[1]) == ["(line 2)"]
    msg = out[1]["errors"][0]["message"]
    assert msg.startswith("not valid JSON:") and "column 16" in msg
    assert out[0]["applicable"] and out[2]["applicable"]


@pytest.mark.parametrize(("line", "kind"), [("[1, 2]", "a list"), ('"male"', "a string"),
                                            ("42", "a number"), ("null", "null")])
def test_json_that_is_not_an_object(monkeypatch, line, kind):
    status, [out], _ = run(monkeypatch, [line])
    assert status == 1
    assert fields(out) == ["(line 1)"]
    assert "expected a JSON object" in out["errors"][0]["message"]
    assert out["errors"][0]["message"].endswith(f"got {kind}")


def test_blank_lines_are_skipped(monkeypatch):
    status, out, _ = run(monkeypatch, ["", case(), "   ", case(sex="female"), ""])
    assert status == 0
    assert [o["applicable"] for o in out] == [True, False]


def test_line_numbers_count_blank_lines(monkeypatch):
    _, out, _ = run(monkeypatch, ["", "{oops"])
    assert fields(out[0]) == ["(line 2)"]


def test_text_that_is_not_utf8_is_an_error_on_its_line(monkeypatch):
    raw = json.dumps(case()).encode() + b"\n" + b'{"sex": "m\xe4le"}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    stdout_bytes = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(stdout_bytes, encoding="utf-8"))
    assert main(["score", "rm2000"]) == 1
    out = [json.loads(x) for x in stdout_bytes.getvalue().decode().splitlines()]
    assert out[0]["applicable"] and fields(out[1]) == ["(line 2)"]
    assert "not UTF-8" in out[1]["errors"][0]["message"]


def test_today_option_pins_the_date_checks(monkeypatch):
    dated = case(age_at_commencement=None, date_of_birth="1990-01-01",
                 commencement_date="2027-06-01")
    dated = {k: v for k, v in dated.items() if v is not None}
    assert run(monkeypatch, [dated])[0] == 0
    status, [out], _ = run(monkeypatch, [dated], "--today", "2020-01-01")
    assert status == 1 and fields(out) == ["commencement_date"]


def test_text_stdin_without_a_byte_buffer(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(case()) + "\n"))
    assert main(["score", "rm2000"]) == 0
    assert json.loads(capsys.readouterr().out)["applicable"] is True


def test_bad_ruleset_exits_2_without_traceback(tmp_path, monkeypatch):
    bad = tmp_path / "rules.yaml"
    bad.write_text("id: [unclosed\n", encoding="utf-8")
    status, out, err = run(monkeypatch, [case()], "--ruleset", str(bad))
    assert status == 2 and out == []
    assert "not valid YAML" in err and "Traceback" not in err
    status, _, err = run(monkeypatch, [case()], "--ruleset", str(tmp_path / "missing.yaml"))
    assert status == 2 and "cannot read RM2000 ruleset" in err


def test_bad_today_exits_2(monkeypatch):
    status, out, err = run(monkeypatch, [case()], "--today", "26/11/2026")
    assert status == 2 and out == []
    assert "argument --today: '26/11/2026' is not an ISO date" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_end_to_end_through_the_installed_command():
    exe = Path(sys.executable).with_name("rso-workbook")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "rso_widgets.cli"]
    stdin = json.dumps(case()) + "\n" + json.dumps(case(criminal_appearances=-1)) + "\n"
    proc = subprocess.run([*cmd, "score", "rm2000", "--today", TODAY], input=stdin.encode(),
                          capture_output=True, timeout=120, check=False)
    assert proc.returncode == 1
    first, second = (json.loads(x) for x in proc.stdout.decode("utf-8").splitlines())
    assert first["s"]["category"] == score(case()).s.category
    assert "→".encode() in proc.stdout  # UTF-8 on stdout, not \\u escapes
    assert "criminal_appearances" in fields(second)
    assert b"Traceback" not in proc.stderr


# -- the revised contract (ruleset 2.0.0) through the command, and the superseded 1.0.0 --------

def test_commencement_under_18_is_scored_in_the_youngest_band_by_the_command(monkeypatch):
    """An offence at 17, a community sentence begun at 17, assessed at 19 (dates, not ages)."""
    dated = {k: v for k, v in case().items() if not k.startswith("age_")}
    dated |= {"date_of_birth": "2007-05-01", "commencement_date": "2024-11-04",
              "assessment_date": "2026-06-01"}
    status, out, _ = run(monkeypatch, [dated, case(age_at_assessment=19,
                                                   age_at_commencement=17)])
    assert status == 0
    for line in out:
        assert line["applicable"] is True
        s_age = next(i for i in line["s"]["items"] if i["item"] == "age_at_commencement")
        v_age = next(i for i in line["v"]["items"] if i["item"] == "age_at_commencement")
        assert (s_age["fact"], s_age["points"], v_age["points"]) == (17, 2, 3)
        assert "youngest band" in s_age["band"]


@pytest.mark.parametrize("field", ["sexual_appearances", "criminal_appearances",
                                   "violent_appearances"])
def test_the_count_ceiling_through_the_command(monkeypatch, field):
    at = case(criminal_appearances=300) | {field: 300}
    status, out, _ = run(monkeypatch, [at, at | {field: 301}])
    assert status == 1
    assert out[0]["applicable"] is True
    assert fields(out[1]) == [field]
    assert "(301) is above the ceiling of 300" in out[1]["errors"][0]["message"]


def test_the_superseded_ruleset_still_scores_with_its_own_label(monkeypatch):
    from rso_widgets.instruments.ruleset import RULESET_DIR

    low_medium = case(age_at_commencement=40, sexual_appearances=1, criminal_appearances=1,
                      violent_appearances=1, male_victim=False, single=False)
    status, out, _ = run(monkeypatch, [low_medium, case(age_at_assessment=19,
                                                        age_at_commencement=17)],
                         "--ruleset", str(RULESET_DIR / "rm2000-1.0.0.yaml"))
    assert status == 1  # the old ruleset refused an age at commencement under 18
    assert out[0]["ruleset"] == "rm2000-ew-training@1.0.0"
    assert (out[0]["s"]["category"], out[0]["v"]["category"], out[0]["c"]["category"]) == (
        "Low", "Medium", "Medium")
    assert "between 18 and 110" in out[1]["errors"][0]["message"]
    status, [now], _ = run(monkeypatch, [low_medium])
    assert (now["ruleset"], now["c"]["category"]) == ("rm2000-ew-training@2.0.0", "Low")
