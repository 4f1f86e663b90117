"""Many RM2000 cases at once, each answer identical to `score(...).to_output()` (or its errors).

The command `score rm2000` answers a stream of cases. Calling `score()` per case costs ~140 µs,
mostly validating and building result objects; most cases in a stream are plain item-level facts.
`BatchScorer.answers` therefore:

- sends each *plain* case (only item-level fields, each of its exact JSON type: whole numbers
  within 64 bits and, for counts, within the ruleset's ceiling; true/false; text for `sex`)
  through the vectorised scorer (`rm2000_table.score_table`), which decides scored, not
  applicable (with the engine's reason) or invalid for the whole batch at once;
- renders a scored case from fragments of the engine's own output (each item's JSON and working
  line, keyed by its value; the rest of /S, /V and /C keyed by the items' points and the
  factors), each fragment taken from a real `score()` result the first time it is needed;
- gives every other case (dates, occasions, anything the table scorer finds invalid, any
  mistyped field) to `score()` itself, so every error message is the engine's own.

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
PLAIN = frozenset((*INT_FIELDS, *BOOL_FIELDS, "sex"))
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
        if str in kinds:  # Arrow cannot hold a lone surrogate (JSON "\ud800"): the engine can
            bad.update(i for i, v in enumerate(col) if type(v) is str and not v.isascii()
                       and _SURROGATE.search(v))
        if int in kinds:
            ints = [v if type(v) is int else 0 for v in col]
            hi = top if k in COUNT_FIELDS else _LIMIT - 1
            if max(ints) > hi or min(ints) <= -_LIMIT:
                bad.update(i for i, v in enumerate(ints) if v > hi or v <= -_LIMIT)
    return bad


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _rest(scale: dict[str, Any]) -> str:
    """A scale's JSON members after "items", as text to follow `"items": [...], `."""
    return _dump({k: x for k, x in scale.items() if k != "items"})[1:-1]


class BatchScorer:
    """Answers batches of parsed cases as JSON text lines (see the module docstring)."""

    def __init__(self, rs: RM2000Ruleset, today: dt.date | None = None):
        self.rs, self.today, self.top = rs, today, ceiling(rs)
        self.n_s, self.n_v = len(rs.s.items), len(rs.v.items)
        self.s_ids = [i.id for i in rs.s.items]
        self.v_ids = [i.id for i in rs.v.items]
        assert rs.s.step2 is not None
        self.factor_ids = [f.id for f in rs.s.step2.factors]
        # item fragments: per scale and position, value → (item JSON, working line JSON, points)
        self.items: list[list[dict[Any, tuple[str, str, int]]]] = [
            [{} for _ in self.s_ids], [{} for _ in self.v_ids]]
        # the rest of /S by (items' points, factors); of /V by its items' points; /C by both
        # categories: JSON (without "items") and working lines
        self.s_tails: dict[tuple, tuple[str, str, str]] = {}
        self.v_tails: dict[tuple, tuple[str, str, str]] = {}
        self.c_parts: dict[tuple[str, str], tuple[str, str]] = {}
        # per scale: the items' facts → (items JSON, working lines JSON, points)
        self.blocks: list[dict[tuple, tuple[str, str, tuple]]] = [{}, {}]
        self.s_values, self.v_values = _getter(self.s_ids), _getter(self.v_ids)
        self.factors = _getter(self.factor_ids)
        self.ints, self.bools = _getter(FACT_ORDER[:5]), _getter(FACT_ORDER[5:])
        self.interp = _dump(rs.interpretation)
        self.ref = _dump(rs.ref)
        self.head = f'{{"applicable": true, "reason": null, "ruleset": {self.ref}, "scored_at": '

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
        self.s_tails[s_key] = (_rest(s), ", ".join(map(_dump, work[n_s:n_s + 3])),
                               s["category"])
        self.v_tails[tuple(points[1])] = (_rest(v), _dump(work[n_s + 3 + n_v]), v["category"])
        self.c_parts[s["category"], v["category"]] = (_dump(out["c"]), _dump(work[-1]))

    def _block(self, k: int, values: tuple) -> tuple[str, str, tuple] | None:
        """A scale's items as JSON, their working lines, and their points, for these facts."""
        try:
            parts = [self.items[k][j][v] for j, v in enumerate(values)]
        except KeyError:
            return None
        block = (", ".join(p[0] for p in parts), ", ".join(p[1] for p in parts),
                 tuple(p[2] for p in parts))
        self.blocks[k][values] = block
        return block

    def _render(self, f: dict[str, Any], when: str) -> str | None:
        """The scored answer from fragments, or None if one is not known yet."""
        try:
            sv, vv = self.s_values(f), self.v_values(f)
        except KeyError:
            return None
        s_block = self.blocks[0].get(sv) or self._block(0, sv)
        v_block = self.blocks[1].get(vv) or self._block(1, vv)
        if s_block is None or v_block is None:
            return None
        s_tail = self.s_tails.get((s_block[2], self.factors(f)))
        v_tail = self.v_tails.get(v_block[2])
        if s_tail is None or v_tail is None or (s_tail[2], v_tail[2]) not in self.c_parts:
            return None
        c, c_work = self.c_parts[s_tail[2], v_tail[2]]
        facts = _INTS % self.ints(f) + _BOOLS[self.bools(f)]
        return (f'{self.head}{when}, "facts": {{{facts}}}, "derivation": null, "s": {{"items": ['
                f'{s_block[0]}], {s_tail[0]}}}, "v": {{"items": [{v_block[0]}], {v_tail[0]}}}, '
                f'"c": {c}, "interpretation": {self.interp}, "working": [{s_block[1]}, '
                f'{s_tail[1]}, {v_block[1]}, {v_tail[1]}, {c_work}]}}')

    def _not_applicable(self, reason: str, when: str) -> str:
        r = _dump(reason)
        return "".join((
            '{"applicable": false, "reason": ', r, ', "ruleset": ', self.ref, ', "scored_at": ',
            when, ', "facts": null, "derivation": null, "s": null, "v": null, "c": null, '
            '"interpretation": ', self.interp, ', "working": [',
            _dump(f"RM2000 does not apply: {reason}"), "]}"))

    # --- a batch --------------------------------------------------------------------------

    def answers(self, cases: list[tuple[int, Any]]) -> list[str]:
        """(line number, parsed JSON value) → the JSON text of each answer, in order."""
        when = _dump(_WHEN.dump_python(dt.datetime.now(dt.UTC), mode="json"))
        out: list[str | None] = [None] * len(cases)
        plain = [i for i, (_, d) in enumerate(cases) if type(d) is dict and d.keys() <= PLAIN]
        facts = [cases[i][1] for i in plain]
        cols = _columns(facts)
        wrong = _column_problems(cols, self.top)
        if wrong:  # rare: those cases go to the engine
            plain = [i for j, i in enumerate(plain) if j not in wrong]
            facts = [cases[i][1] for i in plain]
            cols = _columns(facts)
        if plain:
            table = {k: pa.array(col, _TYPES[k]) for k, col in cols.items()}
            t = score_table(table, self.rs)
            status = t.status.tolist()
            for j, i in enumerate(plain):
                if status[j] == SCORED:
                    out[i] = self._render(facts[j], when)  # scored: every fact present
                elif status[j] == NOT_APPLICABLE:
                    out[i] = self._not_applicable(t.reasons[j], when)
        for i, text in enumerate(out):
            if text is None:
                number, data = cases[i]
                result = answer(data, number, self.rs, self.today)
                if result.get("applicable") and result.get("derivation") is None:
                    self._learn(result)
                out[i] = _dump(result)
        return out  # type: ignore[return-value]


_INTS = "".join(f'"{k}": %d, ' for k in FACT_ORDER[:5])
_BOOLS = {flags: ", ".join(f'"{k}": {"true" if b else "false"}' for k, b in zip(
    FACT_ORDER[5:], flags, strict=True)) for flags in itertools.product((False, True), repeat=5)}


def _getter(keys: Any) -> Callable[[dict[str, Any]], tuple]:
    """A function giving the values of `keys` as a tuple (even for one key)."""
    keys = tuple(keys)
    get = operator.itemgetter(*keys)
    return get if len(keys) > 1 else (lambda d: (get(d),))


_NONE = type(None)
_SURROGATE = re.compile("[\ud800-\udfff]")
_KINDS = {**{k: {int, _NONE} for k in INT_FIELDS}, **{k: {bool, _NONE} for k in BOOL_FIELDS},
          "sex": {str, _NONE}}
_TYPES = {**dict.fromkeys(INT_FIELDS, pa.int64()), **dict.fromkeys(BOOL_FIELDS, pa.bool_()),
          "sex": pa.string()}

