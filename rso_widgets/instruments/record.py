"""Sentencing occasions → RM2000 appearance counts, with the derivation shown occasion by occasion.

An appearance is one sentencing occasion: offences sentenced on the same date count once.
An offence that is both sexual and violent counts as sexual only.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby

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
