"""Reading an input as its model with every problem at once: the shape (missing fields, a bad
date), text that may not be stored, and the rules run on what could be read, so one kind of
problem never hides another. Pure functions: no storage, no widgets."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..freetext import tree_problems

M = TypeVar("M", bound=BaseModel)


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: the field (dotted path), what is wrong, how to fix it."""

    field: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} — fix: {self.fix}"


class InvalidRecord(ValueError):
    """An input that breaks one or more rules; `problems` lists each, field first."""

    def __init__(self, problems: Iterable[Problem], what: str = "record") -> None:
        self.problems = list(problems)
        self.what = what
        n = len(self.problems)
        super().__init__(f"{what} not saved, {n} problem{'s' if n != 1 else ''}: "
                         + "; ".join(map(str, self.problems)))


def parse(model: type[M], data: Any, what: str) -> M:
    """`data` (a model or a mapping) as `model`; shape errors and text that may not be stored
    (control characters, over-long text: see `freetext.py`) become one `InvalidRecord` listing
    every such problem at once (a bad date no longer hides text that may not be stored)."""
    parsed, problems = read(model, data, what)
    raise_if(problems, what)
    assert parsed is not None  # no problems: it was read
    return parsed


def read(model: type[M], data: Any, what: str,
         stand_ins: Mapping[str, Any] | None = None) -> tuple[M | None, list[Problem]]:
    """`data` as `model` as far as it can be read, with every shape and stored-text problem.

    A field with a shape problem is read as its default, or as a stand-in (`stand_ins`, else a
    neutral value for its type: the earliest date, an empty text), so the rules can still run on
    the rest of the input (see `all_problems`). The model is None only if even that fails."""
    if isinstance(data, model):
        return data, _text_problems(data)
    if isinstance(data, BaseModel):
        data = data.model_dump()
    problems: list[Problem] = []
    patched: Any = copy.deepcopy(data)
    for _ in range(4):
        try:
            parsed = model.model_validate(patched)
        except ValidationError as exc:
            errors = exc.errors()
            if not problems:  # the shape problems as given, before any stand-in
                problems = [Problem(_path(e["loc"]) or what, e["msg"], _shape_fix(e))
                            for e in errors]
            if not isinstance(patched, dict) or not _stand_in(model, patched, errors,
                                                              stand_ins or {}):
                return None, problems
            continue
        return parsed, problems + [p for p in _text_problems(parsed)
                                   if not _under(p.field, problems)]
    return None, problems


def all_problems(model: type[M], data: Any, what: str, rules: Callable[[M], list[Problem]],
                 stand_ins: Mapping[str, Any] | None = None) -> list[Problem]:
    """Every problem of `data` at once: its shape, text that may not be stored, and `rules` run
    on what could be read (a rule's problem on a field already reported is left out)."""
    parsed, problems = read(model, data, what, stand_ins)
    if parsed is not None:
        problems += [p for p in rules(parsed) if not _under(p.field, problems)]
    return problems


def checked(model: type[M], data: Any, what: str, rules: Callable[[M], list[Problem]],
            stand_ins: Mapping[str, Any] | None = None) -> Any:
    """`data` unchanged if `all_problems` finds none, else `InvalidRecord` listing them all.
    Forms call it before the store (which checks again, with what only it can see)."""
    raise_if(all_problems(model, data, what, rules, stand_ins), what)
    return data


def _path(loc: Iterable[Any]) -> str:
    """A pydantic location as the rules write paths: `actions[1].due`, `ratings.empathy`."""
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _under(field: str, problems: list[Problem]) -> bool:
    return any(field == p.field or field.startswith((p.field + ".", p.field + "["))
               for p in problems)


def _text_problems(parsed: BaseModel) -> list[Problem]:
    return [Problem(*p) for p in tree_problems(parsed.model_dump(mode="json"))]


_NEUTRAL: dict[Any, Any] = {dt.date: dt.date.min, str: "", int: 0, bool: False}


def _stand_in(model: type[BaseModel], data: dict[str, Any], errors: list[Any],
              stand_ins: Mapping[str, Any]) -> bool:
    """Replace each field in error in `data` (in place): a nested part is dropped to its own
    default, a top-level field takes its stand-in or default. False if nothing could change."""
    changed = False
    for e in errors:
        loc = list(e["loc"])
        if not loc or not isinstance(loc[0], str):
            continue
        name = loc[0]
        info = model.model_fields.get(name)
        if len(loc) > 1 and _drop(data, loc):
            changed = True
            continue
        if name in stand_ins:
            data[name] = stand_ins[name]
        elif info is not None and not info.is_required():
            data.pop(name, None)
        elif info is not None and info.annotation in _NEUTRAL:
            data[name] = _NEUTRAL[info.annotation]
        else:
            data.pop(name, None)  # an unknown (extra) field, or one with no neutral value
            if info is not None:
                continue
        changed = True
    return changed


def _drop(data: Any, loc: list[Any]) -> bool:
    """Remove the leaf at `loc` (a key of a nested mapping) so it takes its default."""
    parent = data
    for step in loc[:-1]:
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(parent, dict) and loc[-1] in parent:
        del parent[loc[-1]]
        return True
    return False


def _shape_fix(error: Any) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "fill it in"
    if kind == "extra_forbidden":
        return "remove it: it is not a field of this record"
    if kind.startswith("date"):
        return "give a date as YYYY-MM-DD"
    if kind == "literal_error":
        return f"choose one of the allowed values ({error.get('ctx', {}).get('expected', '')})"
    return "correct the value"


def raise_if(problems: list[Problem], what: str) -> None:
    if problems:
        raise InvalidRecord(problems, what)
