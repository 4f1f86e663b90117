"""`rso-workbook score rm2000`: JSON Lines on stdin → one JSON object per line on stdout.

Each non-blank input line is one case; its answer is written on the matching output line, in
order: the result object of the spec (rm2000.md), or `{"errors": [{"field", "message"}]}`.
A line that is not acceptable JSON (not JSON, not UTF-8, longer than 256 kB, nested too deeply,
a key given twice, NaN/Infinity, a number of more than 18 digits) or is JSON but not an object
gets an error with field "(line N)". Blank (empty or spaces-only) lines are skipped and get no
output line, so output line k answers the k-th non-blank input line. Output is UTF-8 (a lone
surrogate echoed from the input is written as the JSON escape \\udXXX).

Lines are read and answered in bounded batches through the vectorised scorer
(`instruments.rm2000_stream`); every answer is the one `score()` gives for that line alone.

Exit status: 0 every line was scored (or found not applicable); 1 some line had errors (the
others were still scored; a count goes to stderr); 2 the command could not start (bad --ruleset
or --today).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from typing import Any

from ..instruments.rm2000_stream import ROW_TYPES, BatchScorer, answer, encode, error_answer
from ..instruments.ruleset import RM2000Ruleset, RulesetError, load_rm2000_ruleset
from ..settings import get_settings
from . import jsonlines
from .jsonlines import TOO_LONG, LineError

BATCH_LINES = 4096
_FIXED = jsonlines.FixedObjects(ROW_TYPES)


def parse_line(raw: jsonlines.Line, number: int) -> tuple[bool, Any]:
    """(True, JSON value) or (False, error answer) for one input line; (True, None) is never
    returned for a blank line: those are filtered before."""
    if raw is TOO_LONG:
        return False, error_answer(f"(line {number})", jsonlines.too_long_message())
    assert isinstance(raw, bytes)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return False, error_answer(f"(line {number})", f"not UTF-8 text (byte {exc.start + 1} "
                                   "of the line); save the input as UTF-8")
    try:
        return True, jsonlines.parse(text)
    except LineError as exc:
        return False, error_answer(f"(line {number})", str(exc))


def is_blank(raw: jsonlines.Line) -> bool:
    return isinstance(raw, bytes) and not raw.removeprefix(b"\xef\xbb\xbf").strip(b" \t\r\n\f\v")


def score_line(raw: jsonlines.Line, number: int, rs: RM2000Ruleset,
               today: dt.date | None) -> dict[str, Any]:
    """The answer to one line on its own (the engine alone, as before batching)."""
    ok, value = parse_line(raw, number)
    return answer(value, number, rs, today) if ok else value


def answer_lines(raws: list[jsonlines.Line], numbers: Sequence[int], scorer: BatchScorer
                 ) -> tuple[list[bytes | None], list[int]]:
    """The UTF-8 JSON answering each raw line of a batch (None for a blank line), and the
    numbers of the lines answered with errors. `numbers[k]` is the line number of `raws[k]`.

    Lines that are a plain case written the usual way (`jsonlines.FixedObjects`) go straight
    to the vectorised scorer; every other line, and every plain case it cannot answer as the
    engine would, is parsed with `jsonlines.parse` and answered by `scorer.answers`."""
    when = scorer.when()
    rows = _FIXED.rows(raws)
    fast = iter(scorer.answer_rows([r for r in rows if r is not None], when))
    out = [None if r is None else next(fast) for r in rows]
    bad: list[int] = []
    cases: list[tuple[int, Any]] = []
    at: list[int] = []
    for k, text in enumerate(out):
        if text is not None or is_blank(raw := raws[k]):
            continue
        ok, value = parse_line(raw, numbers[k])
        if ok:
            at.append(k)
            cases.append((numbers[k], value))
        else:
            out[k] = encode(value)
            bad.append(numbers[k])
    for k, text in zip(at, scorer.answers(cases, when), strict=True):
        out[k] = text
        if text.startswith(b'{"errors"'):
            bad.append(numbers[k])
    return out, sorted(bad)


def answer_batch(lines: list[tuple[int, jsonlines.Line]], scorer: BatchScorer) -> list[bytes]:
    """The answers to (number, non-blank raw line) pairs, in order (as `run` writes them)."""
    texts, _ = answer_lines([raw for _, raw in lines], [n for n, _ in lines], scorer)
    return [t for t in texts if t is not None]


def _today(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def run(args: argparse.Namespace) -> int:
    try:
        rs = load_rm2000_ruleset(args.ruleset or get_settings().rm2000_ruleset)
    except RulesetError as exc:
        print(f"rso-workbook score: {exc}", file=sys.stderr)
        return 2
    try:
        today = _today(args.today)
    except ValueError:
        print(f"rso-workbook score: --today {str(args.today)[:40]!r} is not an ISO date such as "
              "2026-11-02", file=sys.stderr)
        return 2
    scorer = BatchScorer(rs, today)
    bad: list[int] = []
    n_bad = 0
    number = 0
    out = getattr(sys.stdout, "buffer", None)
    for batch in jsonlines.batches(sys.stdin, max_lines=BATCH_LINES):
        texts, errors = answer_lines(batch, range(number + 1, number + len(batch) + 1), scorer)
        number += len(batch)
        n_bad += len(errors)
        bad += errors[:10 - len(bad)]
        answered = [t for t in texts if t is not None]
        if not answered:  # only blank lines
            continue
        block = b"\n".join(answered) + b"\n"
        if out is not None:
            sys.stdout.flush()
            out.write(block)
            out.flush()
        else:
            sys.stdout.write(block.decode("utf-8"))
            sys.stdout.flush()
    if n_bad:
        shown = ", ".join(map(str, bad)) + (", …" if n_bad > len(bad) else "")
        print(f"rso-workbook score: {n_bad} line(s) had errors (line {shown}); the other "
              "lines were scored", file=sys.stderr)
        return 1
    return 0
