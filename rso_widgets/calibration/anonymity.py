"""Stable pseudonyms for shared screens: "Rater 1", "Rater 2", … by join order.

A workshop dashboard shown to the room names nobody. Numbers follow the order in which members
joined the cohort (then member id), so a rater keeps their number as others submit. Pass every
member of the cohort (`store.cohort_members(cohort_id)`) for numbers that never shift; with bare
member ids the order is the ids' order (ids are issued in join order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

PREFIX = "Rater"


def _key(member: Any) -> tuple[int, dt.datetime | None, int]:
    """(member id, joined at, id) from a `MemberRecord`, a mapping, or a bare id."""
    if isinstance(member, Mapping):
        mid, joined = member.get("id", member.get("member_id")), member.get("joined_at")
    elif isinstance(member, int):
        mid, joined = member, None
    else:
        mid, joined = getattr(member, "id", None), getattr(member, "joined_at", None)
    if isinstance(mid, bool) or not isinstance(mid, int):
        raise ValueError(f"a member needs a whole-number id, not {mid!r}")
    return mid, joined, mid


def pseudonyms(members: Iterable[Any], prefix: str = PREFIX) -> dict[int, str]:
    """Member id → "Rater n", numbered from 1 by join order (then id)."""
    keyed = {mid: (joined, tie) for mid, joined, tie in map(_key, members)}
    order = sorted(keyed, key=lambda m: (keyed[m][0] is None, keyed[m][0] or dt.datetime.min,
                                         keyed[m][1]))
    return {mid: f"{prefix} {n}" for n, mid in enumerate(order, 1)}


def rater_number(name: str) -> int:
    """The number in "Rater 12" (for sorting pseudonyms naturally); 0 when there is none."""
    tail = name.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0
