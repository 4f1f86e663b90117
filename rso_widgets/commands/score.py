"""`rso-workbook score rm2000`: JSON Lines on stdin → one JSON object per line on stdout.

Each non-blank input line is one case; its answer is written on the matching output line, in
order: the result object of the spec (rm2000.md), or `{"errors": [{"field", "message"}]}`.
A line that is not JSON, or is JSON but not an object, gets an error with field "(line N)".
Blank (empty or spaces-only) lines are skipped and get no output line, so output line k answers
the k-th non-blank input line. Output is UTF-8.

Exit status: 0 every line was scored (or found not applicable); 1 some line had errors (the
others were still scored; a count goes to stderr); 2 the command could not start (bad --ruleset
or --today).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from typing import Any

from ..instruments.rm2000 import RM2000ValidationError, score
from ..instruments.ruleset import RM2000Ruleset, RulesetError, load_rm2000_ruleset
from ..settings import get_settings


def _lines() -> Iterator[str | UnicodeDecodeError]:
    """Input lines as text (UTF-8, a leading BOM allowed), or the decoding error of a line."""
    binary = getattr(sys.stdin, "buffer", None)
    if binary is None:
        yield from sys.stdin
        return
    for raw in binary:
        try:
            yield raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            yield exc


def _write(obj: dict[str, Any]) -> None:
    text = json.dumps(obj, ensure_ascii=False) + "\n"
    binary = getattr(sys.stdout, "buffer", None)
    if binary is not None:
        sys.stdout.flush()
        binary.write(text.encode("utf-8"))
        binary.flush()
    else:
        sys.stdout.write(text)


def _error(field: str, message: str) -> dict[str, Any]:
    return {"errors": [{"field": field, "message": message}]}


def score_line(text: str | UnicodeDecodeError, number: int, rs: RM2000Ruleset,
               today: dt.date | None) -> dict:
    """The output object for one input line."""
    if isinstance(text, UnicodeDecodeError):
        return _error(f"(line {number})", f"not UTF-8 text (byte {text.start + 1} of the line); "
                                          "save the input as UTF-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return _error(f"(line {number})", f"not valid JSON: {exc.msg} at column {exc.colno}; "
                                          "each line must be one JSON object")
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
            type(data), "a number")
        return _error(f"(line {number})", f"expected a JSON object of named facts, e.g. "
                                          f'{{"sex": "male", "age_at_assessment": 40}}; got {kind}')
    try:
        return score(data, ruleset=rs, today=today).to_output()
    except RM2000ValidationError as exc:
        return {"errors": [e.model_dump() for e in exc.errors]}


def run(args: argparse.Namespace) -> int:
    try:
        rs = load_rm2000_ruleset(args.ruleset or get_settings().rm2000_ruleset)
    except RulesetError as exc:
        print(f"rso-workbook score: {exc}", file=sys.stderr)
        return 2
    today = None
    if args.today:
        try:
            today = dt.date.fromisoformat(args.today)
        except ValueError:
            print(f"rso-workbook score: --today {args.today!r} is not an ISO date such as "
                  "2026-11-02", file=sys.stderr)
            return 2
    bad: list[int] = []
    try:
        for number, text in enumerate(_lines(), start=1):
            if isinstance(text, str) and not text.strip():
                continue
            out = score_line(text, number, rs, today)
            if "errors" in out:
                bad.append(number)
            _write(out)
    except BrokenPipeError:  # e.g. `| head`: the reader has gone; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    if bad:
        shown = ", ".join(map(str, bad[:10])) + (", …" if len(bad) > 10 else "")
        print(f"rso-workbook score: {len(bad)} line(s) had errors (line {shown}); the other "
              "lines were scored", file=sys.stderr)
        return 1
    return 0
