"""The data files behind supervision: the observation rating scale and the agenda/diary lists.

Both are YAML files with provenance and a version (`rso_widgets/instruments/rulesets/`), validated
once on load; records store the file's `id@version` so a later edition never reinterprets them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..instruments.datafile import load_model
from ..instruments.ruleset import RULESET_DIR
from ..settings import get_settings

DEFAULT_OBSERVATION = RULESET_DIR / "observation.yaml"
DEFAULT_SUPERVISION = RULESET_DIR / "supervision.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)


def _unique(items: Sequence[Option], where: str) -> None:
    ids = [i.id for i in items]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"{where}: ids must be unique, repeated: {dupes}")


class Skill(Option):
    good_looks_like: str = Field(min_length=1)


class Level(Option):
    value: int = Field(ge=0)
    descriptor: str = Field(min_length=1)
    evidence_required: bool


class Bounds(_Strict):
    min: int = Field(ge=0)
    max: int = Field(ge=1)


class _Versioned(_Strict):
    id: str
    version: str
    title: str
    provenance: dict[str, str]

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


class ObservationScale(_Versioned):
    """The skills observed, the rating levels (lowest first) and how many points to record."""

    contexts: list[Option] = Field(min_length=1)
    skills: list[Skill] = Field(min_length=1)
    scale: list[Level] = Field(min_length=2)
    strengths: Bounds
    development_points: Bounds

    @model_validator(mode="after")
    def _check(self) -> ObservationScale:
        for name in ("contexts", "skills", "scale"):
            _unique(getattr(self, name), name)
        values = [lv.value for lv in self.scale]
        if values != sorted(set(values)):
            raise ValueError("scale: level values must rise strictly from the first level")
        for name in ("strengths", "development_points"):
            b: Bounds = getattr(self, name)
            if b.min > b.max:
                raise ValueError(f"{name}: min {b.min} is above max {b.max}")
        return self

    def skill(self, skill_id: str) -> Skill:
        return next(s for s in self.skills if s.id == skill_id)

    def level(self, level_id: str) -> Level | None:
        return next((lv for lv in self.scale if lv.id == level_id), None)

    @property
    def top(self) -> int:
        return self.scale[-1].value


class Topic(Option):
    hint: str = ""
    detail_required: bool = False


class Prompt(Option):
    hint: str = ""


class SupervisionLists(_Versioned):
    """Agenda topics for supervision and prompts for reflective diary entries."""

    agenda_topics: list[Topic] = Field(min_length=1)
    diary_prompts: list[Prompt] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> SupervisionLists:
        _unique(self.agenda_topics, "agenda_topics")
        _unique(self.diary_prompts, "diary_prompts")
        return self

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.agenda_topics if t.id == topic_id), None)

    def topic_label(self, topic_id: str) -> str:
        t = self.topic(topic_id)
        return t.label if t else topic_id


@lru_cache(maxsize=8)
def _load(path: Path, kind: type[_Versioned], what: str) -> _Versioned:
    return load_model(path, kind, what)


def load_observation_scale(path: str | Path | None = None) -> ObservationScale:
    """The observation scale (default: settings.observation_scale, else the shipped file)."""
    if path is None:
        path = get_settings().observation_scale
    scale = _load(Path(path) if path else DEFAULT_OBSERVATION, ObservationScale,
                  "observation scale")
    assert isinstance(scale, ObservationScale)
    return scale


def load_supervision_lists(path: str | Path | None = None) -> SupervisionLists:
    """Agenda topics and diary prompts (default: settings.supervision_lists, else shipped)."""
    if path is None:
        path = get_settings().supervision_lists
    lists = _load(Path(path) if path else DEFAULT_SUPERVISION, SupervisionLists,
                  "supervision lists")
    assert isinstance(lists, SupervisionLists)
    return lists
