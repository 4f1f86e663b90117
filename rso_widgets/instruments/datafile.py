"""Instrument data files (YAML with provenance): read safely, validate, name what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ..inputfiles import NotAFile, read_regular
from ..settings import PathNotAllowed, allowed_path

M = TypeVar("M", bound=BaseModel)
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same safety


class RulesetError(ValueError):
    """A data file that cannot be used; the message names the file and the field."""


MAX_FILE_BYTES = 5_000_000  # the shipped files are under 100 kB
#: The setting that chooses each kind of data file, named when its path is refused.
SETTING_FOR = {"RM2000 ruleset": "RSO_RM2000_RULESET", "ARMS catalogue": "RSO_ARMS_CATALOGUE",
               "rubric": "RSO_PLAN_RUBRIC", "observation scale": "RSO_OBSERVATION_SCALE",
               "supervision lists": "RSO_SUPERVISION_LISTS",
               "signposts": "RSO_SIGNPOSTS"}


def safe_load(text: str) -> Any:
    """`yaml.safe_load`, with libyaml's safe loader when available (about 10× faster)."""
    return yaml.load(text, Loader=SafeLoader)


def shared_node(data: Any) -> bool:
    """True if one list or mapping appears twice in `data`: the mark of a YAML alias (`*name`),
    which could expand a small file exponentially ("billion laughs") when it is walked."""
    seen: set[int] = set()
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict | list):
            if id(node) in seen:
                return True
            seen.add(id(node))
            stack.extend(node.values() if isinstance(node, dict) else node)
    return False


def read_yaml(path: Path, what: str) -> Any:
    """The parsed file, or a RulesetError naming the file. Only files inside the allowed folders
    (`settings.allowed_path`) are read; Python tags and aliases to lists or mappings are
    refused; nothing in the file is ever run."""
    try:
        real = allowed_path(path, f"the {what} file", SETTING_FOR.get(what))
        data = safe_load(read_regular(real, MAX_FILE_BYTES).decode("utf-8"))
    except NotAFile as exc:  # a FIFO, a device, a folder, or too large: never read on
        raise RulesetError(f"{path}: the {what} file {str(exc).removeprefix(f'{real} ')} "
                           "(data files are small)") from None
    except PathNotAllowed as exc:
        raise RulesetError(str(exc)) from None
    except OSError as exc:
        raise RulesetError(f"{path}: cannot read {what} ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise RulesetError(f"{path}: the {what} file is not UTF-8 text — fix: save it as "
                           "UTF-8") from None
    except yaml.constructor.ConstructorError as exc:
        raise RulesetError(f"{path}: uses a YAML tag that is not allowed ({exc.problem}, "
                           f"{exc.problem_mark}) — fix: remove the tag; data files hold plain "
                           "text, numbers, true/false, lists and mappings, and nothing in them "
                           "is ever run") from None
    except yaml.YAMLError as exc:
        raise RulesetError(f"{path}: not valid YAML ({exc})") from None
    if shared_node(data):
        raise RulesetError(f"{path}: uses YAML aliases (*name) to repeat a list or mapping — "
                           "fix: write the values out in full; data files may not use aliases")
    return data


def validate(model: type[M], data: Any, source: str, what: str) -> M:
    """`model.model_validate(data)`, with every problem listed by field path."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: "
            f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())
        raise RulesetError(f"{source}: invalid {what} — {problems}") from None


def load_model(path: Path, model: type[M], what: str) -> M:
    """Read and validate one data file."""
    return validate(model, read_yaml(path, what), str(path), what)
