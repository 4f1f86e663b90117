"""Sentencing occasions → RM2000 appearance counts, with the derivation shown occasion by occasion.

An appearance is one sentencing occasion: offences sentenced on the same date count once.
An offence that is both sexual and violent counts as sexual only.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool


class Offence(BaseModel):
    """One offence on a sentencing occasion, described at charge-sheet level."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    sexual: StrictBool = False  # strict: "yes", 1 or "off" are refused, as at the top level
    violent: StrictBool = False
    burglary: StrictBool = False
    non_contact: StrictBool = False


class Occasion(BaseModel):
    """One sentencing occasion: a date, its offences and the kind of disposal."""

    model_config = ConfigDict(extra="forbid")

    date: dt.date
    offences: list[Offence] = Field(min_length=1)
    disposal: str = "conviction"


class CountedOccasion(BaseModel):
    """One appearance after same-date merging, and what it counted towards."""

    date: dt.date
    offences: list[str]
    merged_from: int
    counted: bool
    criminal: bool
    sexual: bool
    violent: bool
    burglary: bool
    non_contact: bool
    note: str = ""

    def explain(self) -> str:
        if not self.counted:
            return f"{self.date}: not counted — {self.note}"
        parts = ["criminal"]
        parts += [name for name in ("sexual", "violent") if getattr(self, name)]
        merged = f" ({self.merged_from} occasions on one day, counted once)" \
            if self.merged_from > 1 else ""
        also = f"; {self.note}" if self.note else ""
        return (f"{self.date}: {', '.join(self.offences)} → counts as {' + '.join(parts)}"
                f"{merged}{also}")


class Derivation(BaseModel):
    """Counts derived from the record, with each occasion's contribution."""

    criminal_appearances: int
    sexual_appearances: int
    violent_appearances: int
    burglary: bool
    non_contact: bool
    occasions: list[CountedOccasion]

    def explain(self) -> list[str]:
        return [o.explain() for o in self.occasions] + [
            f"Totals: {self.criminal_appearances} criminal, {self.sexual_appearances} sexual, "
            f"{self.violent_appearances} violent appearance(s)"
        ]


def derive_counts(occasions: list[Occasion], counted_disposals: list[str]) -> Derivation:
    """Merge same-date occasions and count criminal, sexual and violent appearances."""
    rows: list[CountedOccasion] = []
    ordered = sorted(occasions, key=lambda o: o.date)
    for day, group in groupby(ordered, key=lambda o: o.date):
        same_day = list(group)
        counting = [o for o in same_day if o.disposal in counted_disposals]
        offences = [off for o in counting for off in o.offences]
        names = [off.name for o in same_day for off in o.offences]
        if not counting:
            kinds = sorted({o.disposal for o in same_day})
            rows.append(CountedOccasion(
                date=day, offences=names, merged_from=len(same_day), counted=False,
                criminal=False, sexual=False, violent=False, burglary=False, non_contact=False,
                note=f"disposal {', '.join(kinds)} is not counted under this ruleset "
                     f"(counted: {', '.join(counted_disposals)})"))
            continue
        uncounted = [f"{off.name} ({o.disposal})" for o in same_day
                     if o.disposal not in counted_disposals for off in o.offences]
        rows.append(CountedOccasion(
            date=day, offences=[off.name for off in offences], merged_from=len(counting),
            counted=True, criminal=True,
            sexual=any(o.sexual for o in offences),
            violent=any(o.violent and not o.sexual for o in offences),
            burglary=any(o.burglary for o in offences),
            non_contact=any(o.sexual and o.non_contact for o in offences),
            note=f"also on this date, not counted: {', '.join(uncounted)}" if uncounted else ""))
    counted = [r for r in rows if r.counted]
    return Derivation(
        criminal_appearances=len(counted),
        sexual_appearances=sum(r.sexual for r in counted),
        violent_appearances=sum(r.violent for r in counted),
        burglary=any(r.burglary for r in counted),
        non_contact=any(r.non_contact for r in counted),
        occasions=rows,
    )


# --- a history entered one offence a row (the widget table and the room page) -----------------

#: disposals a form offers beside the ruleset's counted ones (not all of them are counted)
KNOWN_DISPOSALS = ("conviction", "caution", "reprimand", "final warning")
FLAGS = (("sexual", "Sexual"), ("violent", "Violent"), ("burglary", "Burglary"),
         ("non_contact", "Non-contact"))


def disposal_options(counted_disposals: list[str]) -> list[str]:
    """The disposals a history row offers: the counted ones first, then the known others."""
    return list(dict.fromkeys([*counted_disposals, *KNOWN_DISPOSALS]))


def occasions_from_rows(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]],
                                                           list[list[int]]]:
    """Rows of one offence each (`{"date"?, "offence", "disposal"}`, as typed: the engine says
    what is missing) → the engine's `occasions`: rows with the same date and disposal are one
    occasion; a row with no date is an occasion of its own. Also `row_map[i][j]`: the row of
    offence j of occasion i, to put the engine's errors beside their row."""
    occasions: list[dict[str, Any]] = []
    row_map: list[list[int]] = []
    index: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows):
        key = (row["date"], row["disposal"]) if row.get("date") else None
        if key is not None and key in index:
            occasions[index[key]]["offences"].append(dict(row["offence"]))
            row_map[index[key]].append(i)
            continue
        occ: dict[str, Any] = {"offences": [dict(row["offence"])], "disposal": row["disposal"]}
        if key is not None:
            occ = {"date": row["date"], **occ}
            index[key] = len(occasions)
        occasions.append(occ)
        row_map.append([i])
    return occasions, row_map


def rows_from_occasions(occasions: list[Any]) -> list[dict[str, Any]]:
    """Stored `occasions` (dicts or `Occasion` models) → one row per offence, in order."""
    rows = []
    for occ in occasions:
        occ = occ.model_dump() if hasattr(occ, "model_dump") else occ
        if not isinstance(occ, dict):
            continue  # not an occasion: nothing of it can be shown
        for off in occ.get("offences") or [{}]:
            off = off.model_dump() if hasattr(off, "model_dump") else off
            rows.append({"date": occ.get("date"), "offence": off if isinstance(off, dict) else {},
                         "disposal": occ.get("disposal") or "conviction"})
    return rows


def row_for(row_map: list[list[int]], path: list[str]) -> int | None:
    """The row of an engine error's path within `occasions` (['3', 'offences', '0', 'name'])."""
    try:
        occ = int(path[0])
        offence = int(path[2]) if len(path) > 2 and path[1] == "offences" else 0
        rows = row_map[occ]
        return rows[min(offence, len(rows) - 1)]
    except (ValueError, IndexError):
        return None
