"""Join codes, display names, code expiry and draft keys of a workshop; `JoinProblem`, a join
refused with the field to fix (raised by `store.joining.join_workshop`)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from ...freetext import text_problem

CODE_LENGTH = 6
#: The store's join-code alphabet: no 0/O, no 1/I/L (read aloud and typed without mistakes).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
NAME_MAX = 100
DRAFT_PREFIX = "workshop"
#: Where a workshop's trainees join: the room page in the browser (`<base URL>room/`, no kernel
#: of their own; the default) or the notebook page (`workshop.ipynb`, a kernel each, preheated
#: for the trainees expected: only these workshops size the server's pool).
ROOM_PAGE = "room"
NOTEBOOK_PAGE = "notebook"
TRAINEE_PAGES = (ROOM_PAGE, NOTEBOOK_PAGE)
#: (label, value) for the trainer's choice, the recommended one first
TRAINEE_PAGE_CHOICES: list[tuple[str, str]] = [
    ("On the workshop page in their browser (recommended)", ROOM_PAGE),
    ("On the notebook page (only if trainees work in Jupyter notebooks)", NOTEBOOK_PAGE)]
#: (label, minutes from now; 0: the code never expires)
EXPIRY_CHOICES: list[tuple[str, int]] = [
    ("No expiry (until you close the workshop)", 0), ("In 30 minutes", 30),
    ("In 1 hour", 60), ("In 2 hours", 120), ("In 4 hours", 240), ("In 8 hours", 480),
    ("In 24 hours", 1440)]


def new_join_code(length: int = CODE_LENGTH) -> str:
    """A random, readable join code, e.g. `K7QM3X`."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalise_code(text: Any) -> str:
    """A typed code as stored: upper case, without spaces or hyphens."""
    return re.sub(r"[\s\-]+", "", str(text or "")).upper()


def code_problem(text: Any) -> str | None:
    """Why a typed join code cannot be right, or None."""
    code = normalise_code(text)
    if not code:
        return "Enter the join code your trainer gave you, for example K7QM3X"
    if len(code) != CODE_LENGTH:
        return (f"The join code has {CODE_LENGTH} characters; you entered {len(code)}. "
                "Check the code your trainer gave you")
    bad = sorted({c for c in code if c not in CODE_ALPHABET})
    if bad:
        return ("Join codes use letters and the digits 2 to 9 only (no 0, O, 1, I or L); check "
                "these characters: " + " ".join(bad))
    return None


def trainer_code_problem(text: Any) -> str | None:
    """Why a code the trainer typed cannot be used (blank means: make one up)."""
    code = normalise_code(text)
    if not code:
        return None
    return code_problem(code)


def name_problem(text: Any) -> str | None:
    """Why a display name cannot be used, or None."""
    name = str(text or "").strip()
    if not name:
        return "Enter the name to show your trainer, for example your first name and initial"
    if len(name) > NAME_MAX:
        return f"Your display name must be {NAME_MAX} characters or fewer (it has {len(name)})"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "Your display name contains a control character: type it again"
    if text_problem(name, NAME_MAX):  # other controls, broken characters (freetext.py)
        return "Your display name contains a character that cannot be saved: type it again"
    return None


def expiry_at(minutes: int | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """The expiry time for a choice in `EXPIRY_CHOICES` (0 or None: never)."""
    if not minutes:
        return None
    return (now or dt.datetime.now(dt.UTC)) + dt.timedelta(minutes=minutes)


def draft_key(cohort_id: int, member_id: int, case_id: str) -> str:
    """The draft key of one member's unsent answers at one workshop case."""
    return f"{DRAFT_PREFIX}:{int(cohort_id)}:{int(member_id)}:{case_id}"


class JoinProblem(Exception):
    """A join refused; `field` is "code" or "name" (where the person should look).
    `problems` lists every (field, message) found in the one pass, the first being
    (`field`, `message`)."""

    def __init__(self, field: str, message: str,
                 more: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.problems = [(field, message), *(more or [])]
