"""Text helpers shared by every report format: the marking, dates, and typed text made safe to show.

Typed text is never interpreted: HTML escaping and PDF mini-markup escaping happen in each renderer;
here invisible characters that could hide or reorder what the reader sees (bidirectional overrides,
control characters, lone surrogates) are shown as visible `[U+XXXX]` codes instead.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from ..timefmt import day_text, when_text

MARKING = "OFFICIAL-SENSITIVE"
#: a text cell starting with one of these is a formula to a spreadsheet (OWASP CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HANDLING = ("Contains personal data about a living person. Handle, store and share under your "
            "force's information management policy; do not leave it in shared folders.")
JUDGEMENT_STATEMENT = (
    "RM2000 categories rank groups of people by long-term reconviction rate; they do not predict "
    "what one person will do. Categories inform professional judgement and do not decide: any "
    "decision must rest on everything known about the person. ARMS ratings, the formulation and "
    "the priority for work are the assessor's structured professional judgement; the workbook "
    "never computes the priority.")

# Bidirectional formatting characters and invisible characters that can hide or reorder text.
_HIDDEN = frozenset("\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067"
                    "\u2068\u2069\ufeff")


def code(ch: str) -> str:
    """A character as a visible code, e.g. `[U+202E]`."""
    return f"[U+{ord(ch):04X}]"


def visible(text: object) -> str:
    """`text` as a string with line endings normalised and hidden characters shown as codes."""
    s = "" if text is None else str(text)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    if s.isprintable():
        return s
    out = []
    for ch in s:
        if ch in "\n\t":
            out.append(ch)
        elif ch in _HIDDEN or unicodedata.category(ch) in ("Cc", "Cs"):
            out.append(code(ch))
        else:
            out.append(ch)
    return "".join(out)


def date_text(d: dt.date | None, missing: str = "not set") -> str:
    """GOV.UK style: 2 November 2026 (a date and time in full: `datetime_text`)."""
    if d is None:
        return missing
    if isinstance(d, dt.datetime):
        return datetime_text(d)
    return day_text(d)


def datetime_text(t: dt.datetime | None, missing: str = "not recorded") -> str:
    """2:05pm on 2 November 2026, UK time (`timefmt`; naive times are taken as UTC, as the
    store keeps them)."""
    return when_text(t, missing)
