"""The naming rule for fictional cases: never a common given name with a common surname.

The lists (`common_names.yaml`, with provenance) are approximate by design; the rest of the rule
(invented surnames from place-name elements, each full name checked against real people) is for
the author and the reviewer: training_cases/README.md, "Names".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..instruments.datafile import safe_load

NAMES_FILE = Path(__file__).with_name("common_names.yaml")
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr"})


@lru_cache(maxsize=1)
def common_names() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, surnames), case-folded."""
    data = safe_load(NAMES_FILE.read_text(encoding="utf-8"))
    return (frozenset(n.casefold() for n in data["given_names"]),
            frozenset(n.casefold() for n in data["surnames"]))


def split_name(name: str) -> tuple[str, str]:
    """(given name, surname) of "Mr Given Surname" (titles dropped; middle names ignored)."""
    words = [w for w in name.split() if w.casefold().rstrip(".") not in TITLES]
    if not words:
        return "", ""
    return words[0], words[-1] if len(words) > 1 else ""


def name_problem(name: str) -> str:
    """Why `name` breaks the rule ('' if it does not)."""
    given, surname = split_name(name)
    common_given, common_surnames = common_names()
    if given.casefold() in common_given and surname.casefold() in common_surnames:
        return (f"pairs a common given name ({given}) with a common surname ({surname}), so it "
                "could easily be a real person's name")
    return ""
