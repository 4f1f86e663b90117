"""The room page's sentencing history: one offence a row — the date sentenced (a GOV.UK date
input), what the offence was, the descriptions that fit, the disposal — with "Add another
offence" and "Remove" as plain submit buttons, as the ARMS notes. Rows become the engine's
`occasions` by the domain's rule (`instruments.record.occasions_from_rows`: the same date and
disposal are one occasion), the widget table's rule too, so each page reads the other's history.
A date not real yet is kept as typed in the draft's `typed_dates` (`hist<n>_date`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...freetext import text_problem
from ...instruments.record import FLAGS, occasions_from_rows, rows_from_occasions
from ...reports.text import date_text
from . import date_input

ROWS_MAX = 30  # offences a history can be given on this page ("Add another offence")
NAME_MAX = 200  # characters in an offence's name
_ROW = re.compile(r"hist([0-9]{1,3})_(?:name|disposal|date-(?:day|month|year)|"
                  + "|".join(k for k, _ in FLAGS) + ")")


def row_id(n: int, part: str = "name") -> str:
    """The id of row `n`'s input (counted from 1)."""
    return f"f-hist{n}_{part}"


@dataclass(frozen=True)
class OffenceRow:
    """One offence as the form shows it: the date's three fields, its name, the descriptions
    ticked, its disposal."""

    date: dict[str, str] = field(default_factory=dict)
    name: str = ""
    flags: frozenset[str] = frozenset()
    disposal: str = ""

    @property
    def real_date(self) -> Any:
        return date_input.read(self.date, "date").value

    def engine_row(self) -> dict[str, Any]:
        """The row as the engine's rule reads it (`occasions_from_rows`)."""
        offence: dict[str, Any] = {k: k in self.flags for k, _ in FLAGS}
        if self.name:
            offence["name"] = self.name
        row: dict[str, Any] = {"offence": offence, "disposal": self.disposal}
        day = self.real_date
        if day is not None:
            row["date"] = day.isoformat()
        return row

    def shown(self) -> str:
        """One line for check your answers."""
        day = self.real_date
        kinds = [label.lower() for k, label in FLAGS if k in self.flags]
        return (f"{date_text(day) if day else 'No date'}: {self.name or 'no offence'}"
                f"{' (' + ', '.join(kinds) + ')' if kinds else ''}, {self.disposal}")


@dataclass
class History:
    """The rows, the engine's occasions they make, and where each occasion's offence came from
    (`row_map`, to put the engine's errors beside their row)."""

    rows: list[OffenceRow] = field(default_factory=list)
    occasions: list[dict[str, Any]] = field(default_factory=list)
    row_map: list[list[int]] = field(default_factory=list)

    @classmethod
    def of(cls, rows: list[OffenceRow]) -> History:
        occasions, row_map = occasions_from_rows([r.engine_row() for r in rows])
        return cls(list(rows), occasions, row_map)

    def typed_dates(self) -> dict[str, dict[str, str]]:
        """Each row's date typed but not real yet, by its input's name."""
        out = {}
        for n, r in enumerate(self.rows, start=1):
            got = date_input.read(r.date, "date")
            if got.typed is not None:
                out[f"hist{n}_date"] = got.typed
        return out

    def shown_rows(self, add: bool = False) -> list[OffenceRow]:
        """The rows the form shows: every row, and an empty one (after "Add another offence",
        or when there is none)."""
        rows = list(self.rows)
        if (add and len(rows) < ROWS_MAX) or not rows:
            rows.append(OffenceRow())
        return rows


def posted(form: Mapping[str, str], disposals: list[str]) -> tuple[History, list[Any]]:
    """The rows of a posted form in their order (a row left blank is dropped), and what was
    typed that cannot be kept, as (input id, message)."""
    numbers = sorted({int(m.group(1)) for k in form if (m := _ROW.fullmatch(k))})
    rows, found = [], []
    for n in numbers:
        date = date_input.posted_parts(form, f"hist{n}_date")
        name = str(form.get(f"hist{n}_name", "")).strip()
        flags = frozenset(k for k, _ in FLAGS if form.get(f"hist{n}_{k}") == "yes")
        if not (name or flags or any(v.strip() for v in date.values())):
            continue
        bad = text_problem(name, NAME_MAX) if name else None
        if bad:
            found.append((row_id(len(rows) + 1), f"Offence {len(rows) + 1} {bad[0]}: {bad[1]}"))
            name = ""
        disposal = str(form.get(f"hist{n}_disposal", ""))
        rows.append(OffenceRow(date, name, flags,
                               disposal if disposal in disposals else disposals[0]))
    return History.of(rows), found


def stored(occasions: Any, typed: Mapping[str, Mapping[str, str]]) -> History:
    """A stored `occasions` list as rows (each date as its three fields; a row whose date was
    not real yet as typed)."""
    rows = []
    for n, r in enumerate(rows_from_occasions(occasions if isinstance(occasions, list) else []),
                          start=1):
        off = r["offence"] if isinstance(r["offence"], Mapping) else {}
        date = dict(typed[f"hist{n}_date"]) if not r["date"] and f"hist{n}_date" in typed \
            else date_input.stored_parts(r["date"]) if r["date"] else {}
        rows.append(OffenceRow(date, str(off.get("name") or ""),
                               frozenset(k for k, _ in FLAGS if off.get(k) is True),
                               str(r["disposal"])))
    return History.of(rows)


def act(history: History, action: str) -> tuple[History, str, str]:
    """"Add another offence" (`add:history`) or "Remove" (`remove:history:2`): the history
    after it, the query the case is shown again with and the id to go to."""
    rows = list(history.rows)
    if action == "add:history":
        return history, "add=history", row_id(min(len(rows) + 1, ROWS_MAX), "date-day")
    prefix = "remove:history:"
    n_text = action.removeprefix(prefix) if action.startswith(prefix) else ""
    if n_text.isdigit() and 1 <= int(n_text) <= len(rows):
        n = int(n_text)
        del rows[n - 1]
        return History.of(rows), "removed=history", row_id(max(1, min(n, len(rows))),
                                                           "date-day")
    return history, "", ""


def check_line(history: History) -> list[str]:
    return [r.shown() for r in history.rows]


def problems_of_dates(history: History) -> list[tuple[str, str, tuple[str, ...]]]:
    """Each row's date typed but not real yet: (date id, message, parts at fault)."""
    out = []
    for n, r in enumerate(history.rows, start=1):
        found = date_input.read(r.date, f"Offence {n} date").problem
        if found is not None:
            out.append((f"f-hist{n}_date", found.message, found.parts))
    return out
