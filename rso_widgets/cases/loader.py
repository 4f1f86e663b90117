"""Read training-case YAML safely; report every problem as FILE: field.path: message — fix.

A file is loaded whole or not at all. YAML is read with a `yaml.SafeLoader` subclass (no Python
tags, no code) that also keeps dates as text, so an impossible date is reported at its field,
and refuses duplicate keys, which plain YAML would silently overwrite.
"""

from __future__ import annotations

import logging
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..inputfiles import NotAFile, read_regular
from ..instruments.datafile import MAX_FILE_BYTES, shared_node
from ..instruments.ruleset import RM2000Ruleset, load_rm2000_ruleset
from ..settings import PathNotAllowed, allowed_path, get_settings
from .checks import check_case
from .errors import CaseError, CaseProblem
from .schema import SCHEMA_VERSION, TrainingCase

README = "training_cases/README.md"
log = logging.getLogger("rso_widgets.cases")
CASE_SUFFIXES = (".yaml", ".yml")


_SafeBase: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


class _CaseLoader(_SafeBase):  # type: ignore[misc]
    """Safe loader: dates stay strings (validated per field); duplicate keys are an error."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if not isinstance(key, typing.Hashable):
                continue  # the base loader reports unhashable keys itself
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_CaseLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _SafeBase.yaml_implicit_resolvers.items()
}


@dataclass
class CaseReport:
    """What validating a file or folder found."""

    files: list[Path] = field(default_factory=list)
    cases: list[TrainingCase] = field(default_factory=list)
    problems: list[CaseProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        bad = len({p.file for p in self.problems})
        return (f"{len(self.files)} case file(s) checked: {len(self.cases)} valid, {bad} with "
                f"problems ({len(self.problems)} problem(s))")


def _ruleset(ruleset: RM2000Ruleset | None) -> RM2000Ruleset:
    if ruleset is not None:
        return ruleset
    return load_rm2000_ruleset(get_settings().rm2000_ruleset)


def read_yaml(text: str, source: str) -> Any:
    """Parse YAML text safely, or raise CaseError naming the line and a fix."""
    try:
        return yaml.load(text, Loader=_CaseLoader)  # a SafeLoader subclass: safe
    except yaml.constructor.ConstructorError as exc:
        where = _mark(exc.problem_mark)
        if exc.problem and "duplicate key" in exc.problem:
            raise CaseError([CaseProblem(source, where, exc.problem, "keep one of the two "
                                         "entries; YAML would silently drop the first")]) from None
        raise CaseError([CaseProblem(source, where, f"uses a YAML tag that is not allowed "
                                     f"({exc.problem})", "remove the tag: case files hold plain "
                                     "data only (text, numbers, true/false, lists, mappings)")]
                        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise CaseError([CaseProblem(source, _mark(mark), f"is not valid YAML ({problem})",
                                     "check the indentation, colons and quoting on that line")]
                        ) from None
    except ValueError as exc:  # e.g. an explicit !!timestamp that cannot be a date
        raise CaseError([CaseProblem(source, "(file)", f"has a value YAML cannot read ({exc})",
                                     "write dates as plain YYYY-MM-DD with no tag")]) from None


def _mark(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(file)"


def parse_case(data: Any, source: str, ruleset: RM2000Ruleset | None = None) -> TrainingCase:
    """Validate parsed data as a case and cross-check it; raise CaseError listing every problem."""
    if not isinstance(data, dict):
        raise CaseError([CaseProblem(source, "(top level)", "must be a mapping of fields, not "
                                     f"{type(data).__name__}", f"start the file with "
                                     f"'schema_version: {SCHEMA_VERSION}' (see {README})")])
    try:
        case = TrainingCase.model_validate(data)
    except ValidationError as exc:
        raise CaseError([_problem(source, e) for e in exc.errors()]) from None
    findings = check_case(case, _ruleset(ruleset))
    if findings:
        raise CaseError([CaseProblem(source, f, m, fix) for f, m, fix in findings])
    return case


def _allowed(path: Path, setting: str | None = None) -> Path:
    """The resolved path if inside the allowed folders (settings.allowed_path), else CaseError."""
    try:
        return allowed_path(path, "the training case path", setting)
    except PathNotAllowed as exc:
        message, _, fix = str(exc).partition(" — fix: ")
        raise CaseError([CaseProblem(str(path), "(file)", message, fix)]) from None


def load_case(path: str | Path, ruleset: RM2000Ruleset | None = None, *,
              anywhere: bool = False) -> TrainingCase:
    """Load one case file, or raise CaseError. Unless `anywhere` (the command line's explicit
    local check), only files inside the allowed folders are read (settings.allowed_path)."""
    p = Path(path)
    real = p if anywhere else _allowed(p)
    try:
        text = read_regular(real, MAX_FILE_BYTES).decode("utf-8")
    except NotAFile as exc:
        message = str(exc).partition(" — fix: ")[0].removeprefix(f"{real} ")
        fix = ("give the right file (case files are small)" if "larger" in message else
               "give a case file (.yaml) or a folder of them")
        raise CaseError([CaseProblem(str(p), "(file)", message, fix)]) from None
    except UnicodeDecodeError:
        raise CaseError([CaseProblem(str(p), "(file)", "is not UTF-8 text",
                                     "save the file as UTF-8")]) from None
    except OSError as exc:
        raise CaseError([CaseProblem(str(p), "(file)", f"cannot be read ({exc.strerror})",
                                     "check the path and permissions")]) from None
    data = read_yaml(text, str(p))
    if shared_node(data):
        raise CaseError([CaseProblem(str(p), "(file)", "uses YAML aliases (*name) to repeat a "
                                     "list or mapping", "write the values out in full; case "
                                     "files may not use aliases")])
    return parse_case(data, str(p), ruleset)


def case_files(folder: str | Path) -> list[Path]:
    return sorted(p for p in Path(folder).iterdir()
                  if p.is_file() and p.suffix.lower() in CASE_SUFFIXES)


def validate_path(path: str | Path, ruleset: RM2000Ruleset | None = None, *,
                  anywhere: bool = False, setting: str | None = None) -> CaseReport:
    """Validate one case file, or every case file in a folder (ids must be unique). Unless
    `anywhere`, the path and every file in it must lie inside the allowed folders."""
    p = Path(path)
    rs = _ruleset(ruleset)
    if not anywhere:
        try:
            _allowed(p, setting)
        except CaseError as exc:
            return CaseReport(files=[p], problems=exc.problems)
    report = CaseReport(files=case_files(p) if p.is_dir() else [p])
    if p.is_dir() and not report.files:
        report.problems.append(CaseProblem(str(p), "(folder)", "holds no case files",
                                           "add files ending in .yaml, or give another folder"))
    seen: dict[str, Path] = {}
    for f in report.files:
        try:
            case = load_case(f, rs, anywhere=anywhere)
        except CaseError as exc:
            report.problems += exc.problems
            continue
        if case.id in seen:
            report.problems.append(CaseProblem(str(f), "id", f"{case.id} is also the id of "
                                               f"{seen[case.id].name}",
                                               "give each case its own id (TC-nn)"))
            continue
        seen[case.id] = f
        report.cases.append(case)
    return report


def load_cases(folder: str | Path | None = None,
               ruleset: RM2000Ruleset | None = None) -> list[TrainingCase]:
    """Every case in a folder, sorted by id; CaseError if any fail. Default: the training cases
    (`RSO_TRAINING_CASES_DIR`) and, beside them, the trainers' own (`local_cases`)."""
    if folder is None:
        cfg = get_settings()
        report = validate_path(cfg.training_cases_dir, ruleset, setting="RSO_TRAINING_CASES_DIR")
        if report.problems:
            raise CaseError(report.problems)
        return sorted(report.cases + local_cases({c.id for c in report.cases}, ruleset),
                      key=lambda c: c.id)
    report = validate_path(folder, ruleset)
    if report.problems:
        raise CaseError(report.problems)
    return sorted(report.cases, key=lambda c: c.id)


def local_cases(taken: set[str], ruleset: RM2000Ruleset | None = None) -> list[TrainingCase]:
    """The trainers' own cases (settings.local_cases()). A file there that cannot be used is
    left out and logged, never allowed to stop the training cases loading: `rso-workbook cases
    validate <folder>` names its problems. A case reusing a training case's id is left out."""
    folder = get_settings().local_cases()
    if not folder.is_dir() or not case_files(folder):
        return []
    report = validate_path(folder, ruleset, setting="RSO_LOCAL_CASES_DIR")
    for problem in report.problems:
        log.warning("trainer's case left out: %s", problem)
    out = []
    for case in report.cases:
        if case.id in taken:
            log.warning("trainer's case %s left out: a training case has that id", case.id)
            continue
        out.append(case)
    return out


# --- pydantic errors → problems with a fix ------------------------------------------------------

def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _problem(source: str, err: Any) -> CaseProblem:
    loc, kind, given = tuple(err["loc"]), err["type"], err.get("input")
    where, name = _path(loc), (str(loc[-1]) if loc else "")
    ctx = err.get("ctx") or {}
    if name == "fictional" and kind in ("missing", "literal_error"):
        shown = str(given).lower() if isinstance(given, bool) else repr(given)
        msg = "is required" if kind == "missing" else f"is {shown}; it must be true"
        return CaseProblem(source, where, msg, "set 'fictional: true' — only fictional cases "
                           "are allowed, with invented names and no identifiers")
    if name == "schema_version" and kind in ("missing", "literal_error"):
        return CaseProblem(source, where, f"is {given!r}" if kind != "missing" else "is required",
                           f"set 'schema_version: {SCHEMA_VERSION}' (the version this workbook "
                           "reads)")
    if kind == "missing":
        return CaseProblem(source, where, "is required", f"add '{name}:' (see {README})")
    if kind == "extra_forbidden":
        allowed = ", ".join(_allowed_fields(loc[:-1])) or "see the schema"
        return CaseProblem(source, where, "is not a field of the case schema",
                           f"remove it or correct the spelling; fields allowed here: {allowed}")
    if kind == "value_error":
        text = str(err["msg"]).removeprefix("Value error, ")
        msg, _, fix = text.partition(" — fix: ")
        return CaseProblem(source, where, msg, fix or f"see {README}")
    if kind == "literal_error":
        return CaseProblem(source, where, f"is {given!r}, which is not an allowed value",
                           f"use one of: {ctx.get('expected', '')}")
    if kind == "string_pattern_mismatch" and name == "id":
        return CaseProblem(source, where, f"is {given!r}", "use an id like TC-01 (no real case "
                           "or reference numbers)")
    if kind in ("greater_than_equal", "less_than_equal"):
        limit = f"at least {ctx.get('ge')}" if kind == "greater_than_equal" \
            else f"at most {ctx.get('le')}"
        fix = "use 0 (not met), 1 (partly met) or 2 (fully met)" if name == "score" \
            else f"use a value {limit}"
        return CaseProblem(source, where, f"must be {limit} (got {given!r})", fix)
    simple = {
        "int_type": ("must be a whole number", "write a number such as 3, without quotes"),
        "int_parsing": ("must be a whole number", "write a number such as 3, without quotes"),
        "bool_type": ("must be true or false", "write true or false, without quotes"),
        "bool_parsing": ("must be true or false", "write true or false, without quotes"),
        "string_type": ("must be text", "put the text in quotes"),
        "date_type": ("must be a date", "write it as YYYY-MM-DD, e.g. 2025-06-30"),
        "date_parsing": ("is not a date", "write it as YYYY-MM-DD, e.g. 2025-06-30"),
        "date_from_datetime_parsing": ("is not a date that exists",
                                       "check the day and the month (YYYY-MM-DD)"),
        "list_type": ("must be a list", "write each entry on its own line starting with '- '"),
        "model_type": ("must be a group of fields", "indent the fields under this name"),
        "dict_type": ("must be a group of fields", "indent the fields under this name"),
        "string_too_short": (f"is empty or too short (at least {ctx.get('min_length')} "
                             "characters)", "write it out in full"),
        "too_short": (f"needs at least {ctx.get('min_length')} entr"
                      f"{'y' if ctx.get('min_length') == 1 else 'ies'}", "add the missing entries"),
    }
    if kind in simple:
        msg, fix = simple[kind]
        shown = f" (got {given!r})" if kind.endswith(("_type", "_parsing")) else ""
        return CaseProblem(source, where, msg + shown, fix)
    return CaseProblem(source, where, f"{err['msg']} (got {given!r})", f"see {README}")


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as `list[X]` or `X | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _allowed_fields(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] | None = TrainingCase
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        info = model.model_fields.get(str(part))
        model = _model_of(info.annotation) if info else None
    return list(model.model_fields) if model is not None else []
