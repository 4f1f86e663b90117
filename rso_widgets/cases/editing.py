"""Writing a training case: a blank template or a copy to start from, every problem with a draft
grouped by the editor's sections, the RM2000 key checked against the engine, and saving into the
trainer's own case folder (atomic; an edit made elsewhere since opening is never overwritten).

Pure Python: the case editor app (`apps/case_editor.py`) is a view over this. A draft is the
plain data a case file holds (a mapping), so whatever the editor shows is what is saved.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..instruments.rm2000 import RM2000ValidationError, score
from ..instruments.ruleset import load_rm2000_ruleset
from .errors import CaseError, CaseProblem
from .loader import CASE_SUFFIXES, case_files, parse_case, read_yaml
from .schema import SCHEMA_VERSION, TrainingCase

#: The editor's sections: key, title, and the top-level fields each one holds.
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("about", "About the case", ("schema_version", "id", "title", "fictional", "difficulty",
                                 "learning_objectives", "assessment_date", "legal_sources")),
    ("person", "The person", ("person",)),
    ("record", "The record", ("history",)),
    ("documents", "The case file", ("documents",)),
    ("rm2000", "The RM2000 key", ("key",)),
    ("arms", "The ARMS key and model plan (optional)", ("arms_key", "plan_key")),
)
LOCAL_FIRST_ID = 101  # trainers' own cases are numbered from TC-101; shipped ones below
SOURCE = "your case"


def section_of(field_path: str) -> str:
    """The editor section that holds `field_path` ("person.age" → "person")."""
    top = field_path.split(".")[0].split("[")[0]
    for key, _, fields in SECTIONS:
        if top in fields:
            return key
    return "about"


@dataclass
class DraftCheck:
    """What checking a draft found: the case when it is valid, else every problem by section."""

    case: TrainingCase | None
    problems: list[CaseProblem] = field(default_factory=list)

    def by_section(self) -> dict[str, list[CaseProblem]]:
        out: dict[str, list[CaseProblem]] = {key: [] for key, _, _ in SECTIONS}
        for p in self.problems:
            out[section_of(p.field)].append(p)
        return out


def check_draft(data: Any) -> DraftCheck:
    """Every problem with the draft at once (schema, then the cross-checks the loader runs)."""
    try:
        return DraftCheck(parse_case(data, SOURCE))
    except CaseError as exc:
        return DraftCheck(None, list(exc.problems))


@dataclass(frozen=True)
class EngineLine:
    item: str
    engine: str
    key: str

    @property
    def agrees(self) -> bool:
        return self.engine == self.key


ENGINE_ITEMS = (("applicable", "RM2000 applies"), ("step1_points", "Step 1 points"),
                ("step1_category", "Step 1 category"),
                ("aggravating_factors", "Aggravating factors"), ("s", "/S"), ("v", "/V"),
                ("c", "/C"))


def engine_check(data: Mapping[str, Any]) -> tuple[list[EngineLine], list[str]]:
    """Score the key's facts with the engine and set the result beside the key's expected
    result, item by item. Returns (lines, problems that stop the engine scoring, each naming
    the field)."""
    person = data.get("person") or {}
    key = data.get("key") or {}
    facts = dict(key.get("facts") or {})
    expected = key.get("expected") or {}
    facts.update(sex=person.get("sex"), date_of_birth=person.get("date_of_birth"),
                 assessment_date=data.get("assessment_date"))
    try:
        today = dt.date.fromisoformat(str(data.get("assessment_date")))
    except ValueError:
        return [], ["assessment_date: give the assessment date (YYYY-MM-DD) so the key can be "
                    "scored"]
    try:
        result = score(facts, load_rm2000_ruleset(), today=today)
    except RM2000ValidationError as exc:
        return [], [f"{e.field}: {e.message}" for e in exc.errors]
    engine: dict[str, Any] = {"applicable": result.applicable}
    if result.applicable and result.s and result.v and result.c:
        engine.update(step1_points=result.s.step1_points,
                      step1_category=result.s.step1_category,
                      aggravating_factors=result.s.aggravating_factors, s=result.s.category,
                      v=result.v.category, c=result.c.category)
    lines = []
    for name, label in ENGINE_ITEMS:
        if name not in engine:
            continue
        lines.append(EngineLine(label, _say(engine[name]), _say(expected.get(name))))
    return lines, []


def _say(value: Any) -> str:
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# -- starting points ---------------------------------------------------------------------------

def next_local_id(taken: set[str]) -> str:
    """The first free id from TC-101 (shipped cases use lower numbers)."""
    n = LOCAL_FIRST_ID
    while f"TC-{n}" in taken:
        n += 1
    return f"TC-{n}"


def blank_case(case_id: str, today: dt.date | None = None) -> dict[str, Any]:
    """A template with every required field present and empty, for a trainer to fill in."""
    day = (today or dt.date.today()).isoformat()
    return {
        "schema_version": SCHEMA_VERSION, "id": case_id, "title": "", "fictional": True,
        "difficulty": "introductory", "learning_objectives": ["step1-arithmetic"],
        "assessment_date": day,
        "person": {"name": "", "sex": "male", "date_of_birth": "", "age": 0,
                   "background": {k: "" for k in ("relationships", "family_and_friends", "work",
                                                  "housing", "health", "interests")},
                   "relationship_history": []},
        "history": {"occasions": [{"date": "", "disposal": "conviction", "court": "",
                                   "offences": [{"name": "", "offence_date": "",
                                                 "sexual": True}],
                                   "sentence": ""}]},
        "documents": {k: "" for k in ("summary", "officer_notes", "partner_agency",
                                      "interview_summary")},
        "key": {"facts": {"commencement_date": "", "sexual_appearances": 1,
                          "criminal_appearances": 1, "violent_appearances": 0,
                          "burglary": False, "male_victim": False, "stranger_victim": False,
                          "non_contact": False, "single": False,
                          "sexual_offence_aged_17_plus": True},
                "expected": {"applicable": True},
                "rationale": {"eligibility": ""}},
        "legal_sources": [],
    }


def copy_of(case_path: Path, case_id: str) -> dict[str, Any]:
    """A shipped or saved case as a new draft under `case_id` (its data, not its file)."""
    data = read_yaml(case_path.read_text(encoding="utf-8"), str(case_path))
    out = copy.deepcopy(data) if isinstance(data, dict) else {}
    out["id"] = case_id
    if isinstance(out.get("title"), str):
        out["title"] = f"Copy of {out['title']}"
    return out


# -- saving ------------------------------------------------------------------------------------

def dump(data: Mapping[str, Any]) -> str:
    """The draft as case-file YAML, fields in the order given."""
    return yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=96)


def digest(path: Path) -> str | None:
    """sha256 of a saved file (None if there is none): what an edit started from."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


class SaveRefused(ValueError):
    """The case was not saved; the message names why and the fix."""


def file_for(folder: Path, case_id: str) -> Path:
    return folder / f"{case_id.lower()}-local.yaml"


def save_case(data: Mapping[str, Any], folder: Path, *, started_from: str | None,
              reserved: set[str]) -> Path:
    """Write a valid draft into `folder` atomically. `started_from` is the digest of the file
    when editing began (None for a new file): if the file has changed since, nothing is
    overwritten. `reserved`: ids of cases outside this folder (the shipped ones)."""
    checked = check_draft(data)
    if checked.case is None:
        raise SaveRefused(f"the case has {len(checked.problems)} problem(s) to fix first: "
                          f"{checked.problems[0].field}: {checked.problems[0].message}")
    case_id = checked.case.id
    if case_id in reserved:
        raise SaveRefused(f"{case_id} is the id of a shipped case: give your case its own id, "
                          f"for example {next_local_id(reserved)}")
    folder.mkdir(parents=True, exist_ok=True)
    target = file_for(folder, case_id)
    for other in case_files(folder):
        if other != target and other.suffix.lower() in CASE_SUFFIXES and \
                _id_of(other) == case_id:
            raise SaveRefused(f"{case_id} is already used by {other.name} in your case folder: "
                              "choose another id")
    if digest(target) != started_from:
        raise SaveRefused(f"{target.name} was changed or created elsewhere after you started "
                          "editing. Nothing was overwritten. Copy your changes, open the case "
                          "again and reapply them.")
    text = dump(data)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".case-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def case_ids(paths: list[Path]) -> set[str]:
    """The ids of the case files at `paths` (files that cannot be read are skipped)."""
    return {i for i in map(_id_of, paths) if i}


def _id_of(path: Path) -> str | None:
    try:
        data = read_yaml(path.read_text(encoding="utf-8"), str(path))
    except (CaseError, OSError, UnicodeDecodeError):
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None
