"""The one policy for text people type: what is stored exactly and what is refused, and why.

Stored exactly (and escaped wherever it is shown): any printable text, including markup such as
`<script>`, spreadsheet formulas, right-to-left text, combining marks, zero-width joiners and
emoji. Reports show invisible bidirectional controls as visible `[U+XXXX]` codes
(`reports.text.visible`); exports neutralise formulas (`reports.tables.neutralise`).

Refused with a message naming the field and the fix:
- control characters other than tab, line feed and carriage return (NUL, bell, escape, DEL, the
  C1 controls): they are invisible, PostgreSQL cannot store NUL at all, and they usually come
  from pasting out of another program;
- lone surrogates (half of a UTF-16 pair): they are not characters and cannot be saved as UTF-8;
- text longer than the field's limit: `MAX_TEXT` for notes, rationales and formulations,
  `MAX_SHORT` for names, references and owners.

Where a record must carry no identifiers (training cases; a plan's MAPPA layer and partner
assessments), `identifier_problem` names what looks like one (PNC or national insurance number,
postcode, telephone number, email address).

Pure Python: no widgets, no storage.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

MAX_TEXT = 20_000  # one note, rationale or formulation: about 3,000 words
MAX_SHORT = 200  # a name, reference, owner or reason line
ALLOWED_CONTROLS = frozenset("\t\n\r")
IDENTIFIER_PATTERNS = {
    "a police national computer number": re.compile(r"\b\d{2,4}/\d{5,7}[A-Z]\b"),
    "a national insurance number": re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b"),
    "a postcode": re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}\b"),
    "a telephone number": re.compile(r"\b0\d{3,4}\s?\d{3}\s?\d{3,4}\b"),
    "an email address": re.compile(r"\b\S+@\S+\.[A-Za-z]{2,}\b"),
}


def identifier_problem(value: str) -> str | None:
    """What identifier `value` seems to contain ("a postcode" …), or None."""
    return next((what for what, pattern in IDENTIFIER_PATTERNS.items()
                 if pattern.search(value)), None)


class FreeTextError(ValueError):
    """Typed text that cannot be stored; `field`, `message` and `fix` say where, what and how."""

    def __init__(self, field: str, message: str, fix: str) -> None:
        self.field, self.message, self.fix = field, message, fix
        super().__init__(f"{field} {message} — fix: {fix}")


def _code(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def text_problem(value: str, max_len: int | None = MAX_TEXT) -> tuple[str, str] | None:
    """(what is wrong, how to fix it) for one piece of text, or None when it may be stored."""
    if max_len is not None and len(value) > max_len:
        return (f"is {len(value):,} characters long; the limit is {max_len:,}",
                "shorten it (keep long documents in your case records and refer to them here)")
    if value.isprintable():  # the common case, checked in C
        return None
    for n, ch in enumerate(value, start=1):
        kind = unicodedata.category(ch)
        if kind == "Cs":
            return (f"contains a broken character ({_code(ch)}, half of a surrogate pair) at "
                    f"character {n}", "delete it and type that part again")
        if kind == "Cc" and ch not in ALLOWED_CONTROLS:
            return (f"contains an invisible control character ({_code(ch)}) at character {n}",
                    "delete it and type that part again; it often comes from pasting text "
                    "out of another program")
    return None


def clean_free_text(value: Any, field: str, max_len: int | None = MAX_TEXT) -> str:
    """`value` unchanged if it is text that may be stored; otherwise FreeTextError."""
    if not isinstance(value, str):
        raise FreeTextError(field, f"must be text, not {type(value).__name__}",
                            "type it as text")
    problem = text_problem(value, max_len)
    if problem is not None:
        raise FreeTextError(field, *problem)
    return value


def _strings(data: Any, path: str) -> Iterator[tuple[str, str]]:
    """(dotted path, text) for every string in nested mappings and lists, keys included."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, Mapping):
        for key, value in data.items():
            if isinstance(key, str):
                yield f"a name in {path or 'the record'}", key
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list | tuple):
        for n, value in enumerate(data):
            yield from _strings(value, f"{path}[{n}]")


def tree_problems(data: Any, field: str = "",
                  max_len: int | None = MAX_TEXT) -> list[tuple[str, str, str]]:
    """(field path, what is wrong, fix) for every string in `data` that may not be stored."""
    out = []
    for path, text in _strings(data, field):
        problem = text_problem(text, max_len)
        if problem is not None:
            out.append((path or "(text)", *problem))
    return out


def check_tree(data: Any, field: str = "", max_len: int | None = MAX_TEXT) -> None:
    """Raise FreeTextError for the first string in `data` that may not be stored."""
    problems = tree_problems(data, field, max_len)
    if problems:
        raise FreeTextError(*problems[0])
