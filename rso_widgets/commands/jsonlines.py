"""JSON Lines from an untrusted stream: bounded lines, bounded batches, hostile JSON refused.

A line is read at most `MAX_LINE_BYTES` at a time (a longer one is skipped to its end and
reported, never held in memory). `parse` refuses, with a message naming the fix, what
`json.loads` would accept silently or crash on: duplicate keys, NaN/Infinity, numbers no fact
can hold (more than `MAX_INT_DIGITS` digits, or a float that overflows), and nesting deeper
than `MAX_DEPTH` (a case needs 5 levels: case → occasions → occasion → offences → offence).

`FixedObjects` is the fast path for the common line, an object giving each of a fixed set of
keys exactly once with a value of the expected JSON type: msgspec decodes it straight from the
bytes (strict UTF-8, no NaN/Infinity, no nesting, integers bounded as `parse` bounds them), and a
count of the colons in the text proves no key was given twice. Every other line is left to `parse`,
whose checks and messages are the only ones a user sees.
"""

from __future__ import annotations

import json
import math
import operator
import re
import select
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, BinaryIO, TextIO

import msgspec

MAX_LINE_BYTES = 256 * 1024
MAX_DEPTH = 16
MAX_INT_DIGITS = 18
CHUNK_BYTES = 1 << 20


class TooLong:
    """Stands for a line longer than MAX_LINE_BYTES (its text was discarded while reading)."""

    def __repr__(self) -> str:
        return "TooLong()"


TOO_LONG = TooLong()
Line = bytes | TooLong


class LineError(ValueError):
    """The line is not one acceptable JSON value; the message names the problem and the fix."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise LineError(f"the key {twice[:60]!r} appears more than once in one object; give "
                        "each fact once")
    return obj


def _constant(name: str) -> Any:
    raise LineError(f"{name} is not a number a fact can take; give a whole number")


def _int(text: str) -> int:
    digits = len(text) - text.startswith("-")
    if digits > MAX_INT_DIGITS:
        raise LineError(f"a number with {digits:,} digits is far larger than any RM2000 fact "
                        f"(at most {MAX_INT_DIGITS} digits); check the value")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise LineError(f"the number {text[:40]} is too large; give a whole number")
    return value


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant,
                            parse_int=_int, parse_float=_float)
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def depth(text: str) -> int:
    """How deeply the JSON text nests arrays and objects (text inside strings ignored)."""
    level = top = 0
    for b in _BRACKETS.findall(_STRINGS.sub("", text)):
        level += 1 if b in "[{" else -1
        top = max(top, level)
    return top


# Fast path: NaN/Infinity and floats still go through their hooks (called only when present);
# integers are parsed in C and their size checked afterwards (`_numbers_fit`).
_FAST = json.JSONDecoder(parse_constant=_constant, parse_float=_float)
_SCAN = _FAST.scan_once
_BIG = 10**MAX_INT_DIGITS


def _numbers_fit(values: Any) -> bool:
    """True if no value is an integer of more than MAX_INT_DIGITS digits, a float or a list
    (floats and lists are left to the checked decoder)."""
    for v in values:
        t = type(v)
        if t is int:
            if not -_BIG < v < _BIG:
                return False
        elif t is float or t is list:
            return False
    return True


def parse(text: str) -> Any:
    """One JSON value, or LineError naming what is wrong with the line and how to fix it.

    Fast path: the C decoder without the per-object and per-integer hooks, accepted when the
    value is an object whose keys number exactly the `":` pairs in the text and no quote is
    followed by white space (so every key written is followed by `":`: a duplicate key anywhere,
    or any nested object, makes the count differ). Anything else is decoded again with the
    duplicate-key check on every object."""
    if text.count("[") + text.count("{") > MAX_DEPTH and depth(text) > MAX_DEPTH:
        raise LineError(f"the JSON is nested more than {MAX_DEPTH} levels deep; a case needs "
                        "at most 5 (case → occasions → offences)")
    try:  # the C scanner itself, as json.loads calls it, without its Python wrappers
        value, end = _SCAN(text, 0)
        if end != len(text) and text[end:].strip(" \t\r\n"):  # JSON's white space only
            value = None
    except (ValueError, RecursionError, StopIteration):  # decoded again below, for the message
        value = None
    if (type(value) is dict and text.count('":') == len(value) and '" ' not in text
            and '"\t' not in text and '"\r' not in text  # no space between key and colon
            and _numbers_fit(value.values())):
        return value
    return _checked(text)


def _checked(text: str) -> Any:
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise LineError(f"not valid JSON: {exc.msg} at column {exc.colno}; each line must be "
                        "one JSON object") from None
    except RecursionError:
        raise LineError("the JSON is nested too deeply; a case needs at most 5 levels") from None


_BOUNDED_INT = Annotated[int, msgspec.Meta(gt=-(10**MAX_INT_DIGITS), lt=10**MAX_INT_DIGITS)]
_DECODE_ERRORS = (msgspec.DecodeError, msgspec.ValidationError, TypeError)  # TypeError: TOO_LONG


class FixedObjects:
    """Decodes lines that are exactly one object holding each of `fields` (name → int, bool or
    str; null allowed) once and nothing else, into tuples of the values in that order.

    A line gets a tuple only when `parse` would return the same object for it: msgspec
    refuses invalid UTF-8, NaN/Infinity, a float or bool where an int is wanted (and the
    reverse), integers of more than MAX_INT_DIGITS digits, unknown or missing keys and
    trailing text; a duplicate key is caught by counting: each key written is followed by its
    own colon, so a text holding exactly len(fields) colons writes at most len(fields) keys,
    and as all of `fields` were found, each once. Any other line (blank, BOM, over-long, a
    colon inside a text value, anything unusual) gets None: give it to `parse`."""

    def __init__(self, fields: Mapping[str, type]):
        if len(fields) < 2:
            raise ValueError("FixedObjects needs at least two fields")
        spec = [(k, (_BOUNDED_INT if t is int else t) | None) for k, t in fields.items()]
        kind = msgspec.defstruct("Fixed", spec, forbid_unknown_fields=True, gc=False)
        self._decode = msgspec.json.Decoder(kind).decode
        self._values = operator.attrgetter(*fields)
        self._keys = len(fields)

    def one(self, line: Line) -> tuple | None:
        """The values of one line, or None."""
        try:
            value = self._decode(line)  # type: ignore[arg-type]
        except _DECODE_ERRORS:
            return None
        assert isinstance(line, bytes)
        if line.count(b":") != self._keys:
            return None
        return self._values(value)

    def rows(self, lines: list[Line]) -> list[tuple | None]:
        """`one` for each line; a batch of well-formed lines is decoded and checked at once."""
        try:
            values = list(map(self._decode, lines))  # type: ignore[arg-type]
        except _DECODE_ERRORS:
            return list(map(self.one, lines))
        # each line has at least len(fields) colons, so this many in all means exactly that many
        if b"\n".join(lines).count(b":") != self._keys * len(lines):  # type: ignore[arg-type]
            return list(map(self.one, lines))
        return list(map(self._values, values))


def too_long_message() -> str:
    return (f"the line is longer than {MAX_LINE_BYTES:,} bytes; give one case per line "
            "(a case with its sentencing occasions is a few kB)")


# --- reading --------------------------------------------------------------------------------


def _reader(stream: BinaryIO | TextIO) -> Callable[[], bytes]:
    binary = getattr(stream, "buffer", stream)
    if hasattr(binary, "read1"):
        return lambda: binary.read1(CHUNK_BYTES)
    if isinstance(stream.read(0), bytes):
        return lambda: stream.read(CHUNK_BYTES)  # type: ignore[return-value]
    return lambda: stream.read(CHUNK_BYTES).encode("utf-8", "surrogateescape")  # type: ignore[union-attr]


def _more_ready(stream: Any) -> Callable[[], bool]:
    """True when more input can be read at once (a pipe or terminal with data waiting, or a
    regular file): lets a batch grow, while an interactive line is answered straight away."""
    try:
        fd = stream.fileno()
        select.select([fd], [], [], 0)
    except (AttributeError, OSError, ValueError, TypeError):
        return lambda: True
    return lambda: bool(select.select([fd], [], [], 0)[0])


def chunked_lines(read: Callable[[], bytes], max_line: int = MAX_LINE_BYTES
                  ) -> Iterator[list[Line]]:
    """Complete lines (without the newline), a list per read; TOO_LONG for an over-long line."""
    buf, skipping = b"", False
    while chunk := read():
        out: list[Line] = []
        if skipping:
            end = chunk.find(b"\n")
            if end < 0:
                continue
            out.append(TOO_LONG)
            chunk, skipping = chunk[end + 1:], False
        parts = (buf + chunk).split(b"\n")
        buf = parts.pop()
        out += [p if len(p) <= max_line else TOO_LONG for p in parts]
        if len(buf) > max_line:
            buf, skipping = b"", True
        if out:
            yield out
    if skipping:
        yield [TOO_LONG]
    elif buf:
        yield [buf]


def batches(stream: BinaryIO | TextIO, max_lines: int = 4096, max_bytes: int = 8 << 20,
            max_line: int = MAX_LINE_BYTES) -> Iterator[list[Line]]:
    """Lines in batches of at most `max_lines` lines / about `max_bytes`: memory stays bounded
    whatever the input; a batch is cut early when no more input is waiting."""
    ready = _more_ready(getattr(stream, "buffer", stream))
    pending: list[Line] = []
    size = 0
    for lines in chunked_lines(_reader(stream), max_line):
        for line in lines:
            pending.append(line)
            size += len(line) if isinstance(line, bytes) else 0
            if len(pending) >= max_lines or size >= max_bytes:
                yield pending
                pending, size = [], 0
        if pending and not ready():
            yield pending
            pending, size = [], 0
    if pending:
        yield pending
