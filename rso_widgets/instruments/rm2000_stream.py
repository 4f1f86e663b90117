"""Many RM2000 cases at once, each answer identical to `score(...).to_output()` (or its errors).

The command `score rm2000` answers a stream of cases. Calling `score()` per case costs ~140 µs,
mostly validating and building result objects; most cases in a stream are plain item-level facts.
`BatchScorer` therefore (`answer_rows` takes plain cases already decoded as ROW tuples, as the
command's msgspec fast path gives them; `answers` takes any parsed JSON value):

- sends each *plain* case (only item-level fields, each of its exact JSON type: whole numbers
  within 64 bits and, for counts, within the ruleset's ceiling; true/false; text for `sex`)
  through the vectorised scorer (`rm2000_table.score_table`), which decides scored, not
  applicable (with the engine's reason) or invalid for the whole batch at once;
- renders a scored case from fragments of the engine's own output (each item's JSON and working
  line, keyed by its value; the rest of /S, /V and /C keyed by the items' points and the
  factors), each fragment taken from a real `score()` result the first time it is needed;
- gives every other case (dates, occasions, anything the table scorer finds invalid, any
  mistyped field) to `score()` itself, so every error message is the engine's own.

Answers are UTF-8 bytes, as the command writes them (a lone surrogate as the escape \\udXXX).
`scored_at` is the time of the batch. Everything else is byte-for-byte `score()`'s answer;
tests/test_score_stream.py checks this with hypothesis on random valid and invalid cases.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import operator
import re
from collections.abc import Callable
from typing import Any

import pyarrow as pa
from pydantic import TypeAdapter

from .rm2000 import COUNT_FIELDS, RM2000ValidationError, score
from .rm2000_table import NOT_APPLICABLE, SCORED, score_table
from .ruleset import RM2000Ruleset

INT_FIELDS = ("age_at_assessment", "age_at_commencement", *COUNT_FIELDS)
BOOL_FIELDS = ("burglary", "male_victim", "stranger_victim", "non_contact", "single",
               "sexual_offence_aged_17_plus")
FACT_ORDER = ("age_at_assessment", "age_at_commencement", "sexual_appearances",
              "criminal_appearances", "violent_appearances", "burglary", "male_victim",
              "stranger_victim", "non_contact", "single")
ROW = ("sex", *INT_FIELDS, *BOOL_FIELDS)  # a plain case as a tuple: its values in this order
PLAIN = frozenset(ROW)
ROW_TYPES: dict[str, type] = {"sex": str, **dict.fromkeys(INT_FIELDS, int),
                              **dict.fromkeys(BOOL_FIELDS, bool)}
MAX_MESSAGE = 400  # an error quoting a huge input is cut here
_LIMIT = 2**62
_WHEN = TypeAdapter(dt.datetime)
_CACHE_MAX = 200_000  # fragments kept; cleared when exceeded (memory stays bounded)


def ceiling(rs: RM2000Ruleset) -> int:
    """The most appearances a record may have (ruleset `validation.max_appearances`; 300 where
    the ruleset model predates it; None in the ruleset means no ceiling)."""
    top = getattr(rs.validation, "max_appearances", 300)
    return _LIMIT - 1 if top is None else int(top)


def short(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE - 1] + "…"


def error_answer(field: str, message: str) -> dict[str, Any]:
    return {"errors": [{"field": field, "message": short(message)}]}


def answer(data: Any, number: int, rs: RM2000Ruleset, today: dt.date | None) -> dict[str, Any]:
    """The answer of the engine for one parsed line: a result object or its errors."""
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
            type(data), "a number")
        return error_answer(f"(line {number})", "expected a JSON object of named facts, e.g. "
                            f'{{"sex": "male", "age_at_assessment": 40}}; got {kind}')
    try:
        return score(data, ruleset=rs, today=today).to_output()
    except RM2000ValidationError as exc:
        return {"errors": [{"field": e.field, "message": short(e.message)} for e in exc.errors]}
    except (ValueError, TypeError, OverflowError, RecursionError, AssertionError) as exc:
        return error_answer(f"(line {number})", f"could not be scored ({type(exc).__name__}); "
                            "check the values are within the documented ranges")


def is_plain(data: Any, top: int) -> bool:
    """True if the vectorised scorer reads this case exactly as `score()` would."""
    return type(data) is dict and not plain_problems([data], top)


def plain_problems(cases: list[dict[str, Any]], top: int) -> set[int]:
    """Positions of the cases (dicts with only PLAIN keys) holding a value the vectorised
    scorer would read differently from `score()`: a wrong JSON type, an integer beyond 64
    bits, or a count above the ceiling."""
    return _column_problems(_columns(cases), top)


def _columns(cases: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {k: [d.get(k) for d in cases] for k in PLAIN}


def _column_problems(cols: dict[str, list[Any]], top: int) -> set[int]:
    """As `plain_problems`, checked column by column (fast when every cell is right)."""
    bad: set[int] = set()
    for k, col in cols.items():
        kinds = set(map(type, col))
        want = _KINDS[k]
        if not kinds <= want:
            bad.update(i for i, v in enumerate(col) if type(v) not in want)
        # the distinct values (a set mixes up 1, 1.0 and True: only when the types are right)
        distinct = set(col) - {None} if kinds <= want and kinds & {int, str} else None
        # Arrow cannot hold a lone surrogate (JSON "\ud800"): the engine can
        if str in kinds and (distinct is None or any(map(_SURROGATE.search, distinct))):
            bad.update(i for i, v in enumerate(col) if type(v) is str and not v.isascii()
                       and _SURROGATE.search(v))
        if int in kinds:
            ints = distinct if distinct is not None else [v if type(v) is int else 0
                                                          for v in col]
            hi = top if k in COUNT_FIELDS else _LIMIT - 1
            if ints and (max(ints) > hi or min(ints) <= -_LIMIT):
                bad.update(i for i, v in enumerate(col)
                           if type(v) is int and (v > hi or v <= -_LIMIT))
    return bad


def encode(obj: Any) -> bytes:
    """`obj` as the UTF-8 JSON the command writes (a lone surrogate as the escape \\udXXX)."""
    return json.dumps(obj, ensure_ascii=False).encode("utf-8", "backslashreplace")


_dump = encode


def _rest(scale: dict[str, Any]) -> bytes:
    """A scale's JSON members after "items", as text to follow `"items": [...], `."""
    return _dump({k: x for k, x in scale.items() if k != "items"})[1:-1]


class BatchScorer:
    """Answers batches of cases as lines of UTF-8 JSON (see the module docstring)."""

    def __init__(self, rs: RM2000Ruleset, today: dt.date | None = None):
        self.rs, self.today, self.top = rs, today, ceiling(rs)
        self.n_s, self.n_v = len(rs.s.items), len(rs.v.items)
        self.s_ids = [i.id for i in rs.s.items]
        self.v_ids = [i.id for i in rs.v.items]
        assert rs.s.step2 is not None
        self.factor_ids = [f.id for f in rs.s.step2.factors]
        # item fragments: per scale and position, value → (item JSON, working line JSON, points)
        self.items: list[list[dict[Any, tuple[bytes, bytes, int]]]] = [
            [{} for _ in self.s_ids], [{} for _ in self.v_ids]]
        # the rest of /S by (items' points, factors); of /V by its items' points; /C by both
        # categories: JSON (without "items") and working lines, each with the punctuation
        # that joins it to the next fragment (see `_rendered`)
        self.s_tails: dict[tuple, tuple[bytes, bytes, str]] = {}
        self.v_tails: dict[tuple, tuple[bytes, bytes, str]] = {}
        self.c_parts: dict[tuple[str, str], tuple[bytes, bytes]] = {}
        # per scale: the items' facts → (items JSON, working lines JSON, points)
        self.blocks: list[dict[tuple, tuple[bytes, bytes, tuple]]] = [{}, {}]
        self.s_values, self.v_values = _getter(self.s_ids), _getter(self.v_ids)
        self.factors = _getter(self.factor_ids)
        self.ints, self.bools = _getter(FACT_ORDER[:5]), _getter(FACT_ORDER[5:])
        self.when()  # pydantic's serializer built once, before the first batch is timed
        self.interp = _dump(rs.interpretation)
        self.ref = _dump(rs.ref)
        self.head = b'{"applicable": true, "reason": null, "ruleset": ' + self.ref + \
            b', "scored_at": '
        self.c_tail = b', "interpretation": ' + self.interp + b', "working": ['

    # --- fragments ------------------------------------------------------------------------

    def _learn(self, out: dict[str, Any]) -> None:
        """Take the fragments of one real scored answer."""
        if len(self.s_tails) > _CACHE_MAX:
            self.s_tails.clear()
            for scale in (*self.items, *self.blocks):
                for d in scale if isinstance(scale, list) else [scale]:
                    d.clear()
        work = out["working"]
        s, v, n_s, n_v = out["s"], out["v"], self.n_s, self.n_v
        points: list[list[int]] = [[], []]
        for k, (scale, first) in enumerate(((s, 0), (v, n_s + 3))):
            for j, item in enumerate(scale["items"]):
                self.items[k][j][item["fact"]] = (_dump(item), _dump(work[first + j]),
                                                  item["points"])
                points[k].append(item["points"])
        s_key = (tuple(points[0]), tuple(f["present"] for f in s["factors"]))
        self.s_tails[s_key] = (
            b"], " + _rest(s) + b'}, "v": {"items": [',
            b", " + b", ".join(map(_dump, work[n_s:n_s + 3])) + b", ", s["category"])
        self.v_tails[tuple(points[1])] = (b"], " + _rest(v) + b'}, "c": ',
                                          b", " + _dump(work[n_s + 3 + n_v]) + b", ",
                                          v["category"])
        self.c_parts[s["category"], v["category"]] = (_dump(out["c"]) + self.c_tail,
                                                      _dump(work[-1]) + b"]}")

    def _block(self, k: int, values: tuple) -> tuple[bytes, bytes, tuple] | None:
        """A scale's items as JSON, their working lines, and their points, for these facts."""
        try:
            parts = [self.items[k][j][v] for j, v in enumerate(values)]
        except KeyError:
            return None
        block = (b", ".join(p[0] for p in parts), b", ".join(p[1] for p in parts),
                 tuple(p[2] for p in parts))
        self.blocks[k][values] = block
        return block

    def _rendered(self, rows: list[tuple], at: list[int], when: bytes) -> list[bytes | None]:
        """The scored answer of each `rows[i]` (ROW values; i in `at`) from fragments, or
        None where a fragment is not known yet."""
        start = self.head + when
        s_values, v_values, factors, ints, bools = (
            self.s_values, self.v_values, self.factors, self.ints, self.bools)
        s_blocks, v_blocks = self.blocks
        s_tails, v_tails, c_parts, block = self.s_tails, self.v_tails, self.c_parts, self._block
        out: list[bytes | None] = []
        for i in at:
            f = rows[i]
            sv, vv = s_values(f), v_values(f)
            s_block = s_blocks.get(sv) or block(0, sv)
            v_block = v_blocks.get(vv) or block(1, vv)
            if s_block is None or v_block is None:
                out.append(None)
                continue
            s_tail = s_tails.get((s_block[2], factors(f)))
            v_tail = v_tails.get(v_block[2])
            c = c_parts.get((s_tail[2], v_tail[2])) if s_tail and v_tail else None
            try:
                facts = _INTS % ints(f) + _BOOLS[bools(f)]
            except (TypeError, KeyError):  # a fact absent: never scored, but the engine decides
                c = None
            if c is None:
                out.append(None)
                continue
            out.append(b"".join((  # s_tail, v_tail, c: with their punctuation
                start, facts, s_block[0], s_tail[0], v_block[0], v_tail[0], c[0],  # type: ignore[index]
                s_block[1], s_tail[1], v_block[1], v_tail[1], c[1])))  # type: ignore[index]
        return out

    def _not_applicable(self, reason: str, when: bytes) -> bytes:
        r = _dump(reason)
        return b"".join((
            b'{"applicable": false, "reason": ', r, b', "ruleset": ', self.ref,
            b', "scored_at": ', when, b', "facts": null, "derivation": null, "s": null, '
            b'"v": null, "c": null, "interpretation": ', self.interp, b', "working": [',
            _dump(f"RM2000 does not apply: {reason}"), b"]}"))

    # --- a batch --------------------------------------------------------------------------

    def when(self) -> bytes:
        """The `scored_at` JSON of answers given now."""
        return _dump(_WHEN.dump_python(dt.datetime.now(dt.UTC), mode="json"))

    def answer_rows(self, rows: list[tuple], when: bytes | None = None) -> list[bytes | None]:
        """Plain cases as tuples of their ROW values (None for an absent key) → the JSON text
        of each answer, or None where the vectorised scorer cannot give the engine's answer
        (a value it reads differently, an invalid case, a fragment not learned yet): answer
        those through `answers`, which asks the engine."""
        out: list[bytes | None] = [None] * len(rows)
        if not rows:
            return out
        when = when or self.when()
        cols = dict(zip(ROW, zip(*rows, strict=True), strict=True))
        wrong = _column_problems(cols, self.top)
        keep = range(len(rows))
        if wrong:  # rare: those cases go to the engine
            keep = [i for i in keep if i not in wrong]  # type: ignore[assignment]
            if not keep:
                return out
            cols = dict(zip(ROW, zip(*(rows[i] for i in keep), strict=True), strict=True))
        t = score_table({k: pa.array(col, _TYPES[k]) for k, col in cols.items()}, self.rs)
        status = t.status.tolist()
        scored = [i for i, st in zip(keep, status, strict=True) if st == SCORED]
        for i, text in zip(scored, self._rendered(rows, scored, when), strict=True):
            out[i] = text
        for j, (i, st) in enumerate(zip(keep, status, strict=True)):
            if st == NOT_APPLICABLE:
                out[i] = self._not_applicable(t.reasons[j], when)
        return out

    def answers(self, cases: list[tuple[int, Any]], when: bytes | None = None) -> list[bytes]:
        """(line number, parsed JSON value) → the JSON of each answer, in order."""
        when = when or self.when()
        plain = [i for i, (_, d) in enumerate(cases) if type(d) is dict and d.keys() <= PLAIN]
        fast = self.answer_rows([tuple(map(cases[i][1].get, ROW)) for i in plain], when)
        out: list[bytes | None] = [None] * len(cases)
        for i, text in zip(plain, fast, strict=True):
            out[i] = text
        for i, text in enumerate(out):
            if text is None:
                number, data = cases[i]
                result = answer(data, number, self.rs, self.today)
                if result.get("applicable") and result.get("derivation") is None:
                    self._learn(result)
                out[i] = _dump(result)
        return out  # type: ignore[return-value]


_INTS = (', "facts": {' + "".join(f'"{k}": %d, ' for k in FACT_ORDER[:5])).encode()
_BOOLS = {flags: (", ".join(f'"{k}": {"true" if b else "false"}' for k, b in zip(
    FACT_ORDER[5:], flags, strict=True)) + '}, "derivation": null, "s": {"items": [').encode()
    for flags in itertools.product((False, True), repeat=5)}


def _getter(keys: Any) -> Callable[[tuple], tuple]:
    """A function giving the values of the facts `keys` from a ROW tuple, as a tuple (even
    for one key)."""
    at = tuple(ROW.index(k) for k in keys)
    get = operator.itemgetter(*at)
    return get if len(at) > 1 else (lambda row: (get(row),))


_NONE = type(None)
_SURROGATE = re.compile("[\ud800-\udfff]")
_KINDS = {**{k: {int, _NONE} for k in INT_FIELDS}, **{k: {bool, _NONE} for k in BOOL_FIELDS},
          "sex": {str, _NONE}}
_TYPES = {**dict.fromkeys(INT_FIELDS, pa.int64()), **dict.fromkeys(BOOL_FIELDS, pa.bool_()),
          "sex": pa.string()}

